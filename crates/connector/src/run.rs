//! A scan of whatever the probe found: dispatch to `jira-dc` or `confluence-dc`.

use std::sync::Arc;

use atlassian_core::inventory::MembershipSinkFactory;
use atlassian_core::{Client, ClientStats, Inventory};

use crate::probe::{ProbeFailure, Probed, probe};
use crate::settings::{ConnectionSettings, ProductChoice, ProductKind};

/// A progress event of a scan, whatever the product.
#[derive(Clone, Debug, PartialEq)]
pub struct ProgressEvent {
    /// The phase (`groups`, `memberships`, `accounts`, …).
    pub phase: &'static str,
    /// Items done in this phase.
    pub done: u64,
    /// Items in this phase, when known.
    pub total: Option<u64>,
    /// The client's counters at this moment: requests, retries, rate-limit waits.
    pub stats: ClientStats,
}

/// Receives progress events.
pub type ProgressSink = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;

/// Why a scan did not produce an inventory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// The probe found nothing to scan.
    #[error("{0}")]
    Probe(#[from] ProbeFailure),
    /// A request failed past its retries, or the configuration is unusable.
    #[error(transparent)]
    Request(#[from] atlassian_core::Error),
}

/// A finished scan.
#[derive(Debug)]
pub struct ScanOutcome {
    /// The inventory.
    pub inventory: Inventory,
    /// What the probe found (or what `--product` said).
    pub probed: Probed,
    /// The client's counters: requests, retries, rate-limit waits.
    pub stats: ClientStats,
}

/// Probes (unless the product is given) and scans.
///
/// With `memberships`, the product scan streams memberships to the sink that factory makes (the
/// returned inventory then holds none): how the NDJSON output stays small in memory.
pub async fn scan(
    settings: &ConnectionSettings,
    progress: Option<ProgressSink>,
    memberships: Option<MembershipSinkFactory>,
) -> Result<ScanOutcome, ScanError> {
    let probed = match settings.product {
        ProductChoice::Auto => probe(settings).await?,
        ProductChoice::Jira | ProductChoice::Confluence => Probed {
            base_url: settings.target.base_url.clone(),
            product: if settings.product == ProductChoice::Jira {
                ProductKind::Jira
            } else {
                ProductKind::Confluence
            },
            version: None,
            instance_id: None,
        },
    };
    let client = Client::new(settings.client_config(probed.base_url.clone()))?;
    // Progress events carry the client's counters (requests, rate-limit waits) for a display.
    let options = atlassian_core::scan::ScanOptions {
        progress: progress.map(|sink| -> atlassian_core::scan::ProgressFn {
            let client = client.clone();
            Arc::new(move |p: &atlassian_core::scan::Progress| {
                sink(&ProgressEvent {
                    phase: p.phase,
                    done: p.done,
                    total: p.total,
                    stats: client.stats(),
                });
            })
        }),
        memberships,
        skip_memberof_rebuild: settings.skip_memberof_rebuild,
    };
    let inventory = match probed.product {
        ProductKind::Jira => {
            jira_dc::scan(&jira_dc::JiraClient::new(client.clone()), &options).await?
        }
        ProductKind::Confluence => {
            confluence_dc::scan(
                &confluence_dc::ConfluenceClient::new(client.clone()),
                &options,
            )
            .await?
        }
    };
    Ok(ScanOutcome {
        inventory,
        probed,
        stats: client.stats(),
    })
}
