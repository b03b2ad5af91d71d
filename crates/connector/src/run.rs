//! A scan of whatever the probe found: dispatch to `jira-dc` or `confluence-dc`.

use atlassian_core::inventory::{CollectSink, InventorySink, InventorySummary};
use atlassian_core::scan::{ProgressFn, ScanOptions};
use atlassian_core::{Client, ClientStats, Inventory};

use crate::probe::{ProbeFailure, Probed, probe};
use atlassian_core::Product;

use crate::settings::ConnectionSettings;

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
    /// What the sink received: the system, the records by kind, coverage and warnings.
    pub summary: InventorySummary,
    /// What the probe found (or what `--product` said).
    pub probed: Probed,
    /// The client's counters: requests, retries, rate-limit waits.
    pub stats: ClientStats,
}

/// Probes (unless the product is given) and scans into `sink`: the header as soon as the scan
/// knows it, memberships as they are found (how the NDJSON output stays small in memory), the
/// other records and [`InventorySink::finish`] at the end. A failed or dropped scan never
/// reaches `finish`.
pub async fn scan_into(
    settings: &ConnectionSettings,
    progress: Option<ProgressFn>,
    sink: &mut dyn InventorySink,
) -> Result<ScanOutcome, ScanError> {
    let probed = match settings.product {
        None => probe(settings).await?,
        Some(product) => Probed {
            base_url: settings.target.base_url.clone(),
            product,
            version: None,
            instance_id: None,
        },
    };
    let client = Client::new(settings.client_config(probed.base_url.clone()))?;
    let options = ScanOptions {
        progress,
        skip_memberof_rebuild: settings.skip_memberof_rebuild,
    };
    let scan = async {
        match probed.product {
            Product::Jira => {
                let api = jira_dc::JiraClient::new(client.clone());
                jira_dc::scan_into(&api, &options, sink).await
            }
            Product::Confluence => {
                let api = confluence_dc::ConfluenceClient::new(client.clone());
                confluence_dc::scan_into(&api, &options, sink).await
            }
        }
    };
    let summary = match &options.progress {
        None => scan.await?,
        Some(progress) => tokio::select! {
            summary = scan => summary?,
            never = retry_ticker(&client, progress) => match never {},
        },
    };
    Ok(ScanOutcome {
        summary,
        probed,
        stats: client.stats(),
    })
}

/// The phase a progress display receives while requests wait to retry a transient failure.
pub const RETRY_PHASE: &str = "retries";

/// While requests wait to retry (a server restarting, a proxy answering 503), the scanner's
/// own progress stops: tells the display every half second what is being retried, how much of
/// the budget it used and how long it waited. Runs until dropped.
async fn retry_ticker(client: &Client, progress: &ProgressFn) -> std::convert::Infallible {
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(500));
    loop {
        tick.tick().await;
        let stats = client.stats();
        if stats.waiting_to_retry == 0 {
            continue;
        }
        let done = stats
            .last_retry
            .as_ref()
            .map_or(0, |note| u64::from(note.retry));
        let total = stats.last_retry.as_ref().map(|note| u64::from(note.budget));
        progress(&atlassian_core::scan::Progress {
            phase: RETRY_PHASE,
            done,
            total,
            stats,
        });
    }
}

/// Probes and scans, and returns the inventory with the outcome.
pub async fn scan(
    settings: &ConnectionSettings,
    progress: Option<ProgressFn>,
) -> Result<(Inventory, ScanOutcome), ScanError> {
    let mut sink = CollectSink::new();
    let outcome = scan_into(settings, progress, &mut sink).await?;
    let inventory = sink.into_inventory().map_err(atlassian_core::Error::from)?;
    Ok((inventory, outcome))
}
