//! What every product scan takes and reports, product-neutral: how to scan, progress events,
//! and the start of the inventory a scan sends to its sink.

use std::fmt;
use std::sync::Arc;

use crate::inventory::{Generator, Header, InventoryBuilder, InventorySink, ScannedAs, System};
use crate::{Client, ClientStats, Error};

/// Progress of a scan, for a display.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    /// The phase (`groups`, `memberships`, `accounts`, `projects`, `spaces`, …).
    pub phase: &'static str,
    /// Items done in this phase.
    pub done: u64,
    /// Items in this phase, when known.
    pub total: Option<u64>,
    /// The client's counters at this moment: requests, retries, rate-limit waits.
    pub stats: ClientStats,
}

/// Called with progress as the scan goes.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Skip rebuilding the members of groups the server cannot list directly from every
    /// account's groups (one request per account, where a product needs it); those groups'
    /// memberships are then reported incomplete.
    pub skip_memberof_rebuild: bool,
}

impl fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanOptions")
            .field("progress", &self.progress.is_some())
            .field("skip_memberof_rebuild", &self.skip_memberof_rebuild)
            .finish()
    }
}

impl ScanOptions {
    /// Reports progress, with `client`'s counters, when someone listens.
    pub fn report(&self, client: &Client, phase: &'static str, done: u64, total: Option<u64>) {
        if let Some(progress) = &self.progress {
            progress(&Progress {
                phase,
                done,
                total,
                stats: client.stats(),
            });
        }
    }
}

/// Starts a scan's inventory: sends `sink` the header (the scan's start is its `generated_at`)
/// and returns the builder the scan adds its records to. The scan streams memberships with
/// [`InventoryBuilder::stream_membership`] and ends with [`InventoryBuilder::build_into`].
///
/// # Errors
///
/// The sink's own error.
pub fn begin_inventory(
    system: System,
    scanned_as: ScannedAs,
    sink: &mut dyn InventorySink,
) -> Result<InventoryBuilder, Error> {
    let header = Header {
        generated_at: jiff::Timestamp::now(),
        generator: Generator::default(),
        system: system.clone(),
        scanned_as: scanned_as.clone(),
    };
    sink.header(&header)?;
    Ok(InventoryBuilder::new(system, scanned_as))
}
