//! What every product scan takes and reports, product-neutral: progress events, and where the
//! memberships go when they are streamed.

use std::fmt;
use std::sync::Arc;

use crate::Error;
use crate::inventory::{
    Generator, Header, InventoryBuilder, MembershipSinkFactory, ScannedAs, System,
};

/// Progress of a scan, for a display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    /// The phase (`groups`, `memberships`, `accounts`, `projects`, `spaces`, …).
    pub phase: &'static str,
    /// Items done in this phase.
    pub done: u64,
    /// Items in this phase, when known.
    pub total: Option<u64>,
}

/// Called with progress as the scan goes.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to scan.
#[derive(Clone, Default)]
pub struct ScanOptions {
    /// Progress callback.
    pub progress: Option<ProgressFn>,
    /// Stream memberships (the bulk of a large instance's records) to a sink made from the
    /// scan's header, instead of holding them; the returned inventory then has none.
    pub memberships: Option<MembershipSinkFactory>,
    /// Skip rebuilding the members of groups the server cannot list directly from every
    /// account's groups (one request per account, where a product needs it); those groups'
    /// memberships are then reported incomplete.
    pub skip_memberof_rebuild: bool,
}

impl fmt::Debug for ScanOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScanOptions")
            .field("progress", &self.progress.is_some())
            .field("memberships", &self.memberships.is_some())
            .field("skip_memberof_rebuild", &self.skip_memberof_rebuild)
            .finish()
    }
}

impl ScanOptions {
    /// Reports progress, when someone listens.
    pub fn report(&self, phase: &'static str, done: u64, total: Option<u64>) {
        if let Some(progress) = &self.progress {
            progress(&Progress { phase, done, total });
        }
    }

    /// The scan's builder; memberships stream to the caller's sink when one is asked for (its
    /// header is made now: the scan's start is its `generated_at`).
    pub fn builder(
        &self,
        system: System,
        scanned_as: ScannedAs,
    ) -> Result<InventoryBuilder, Error> {
        let header = Header {
            generated_at: jiff::Timestamp::now(),
            generator: Generator::default(),
            system: system.clone(),
            scanned_as: scanned_as.clone(),
        };
        let mut builder = InventoryBuilder::new(system, scanned_as);
        if let Some(factory) = &self.memberships {
            builder.stream_memberships(factory(&header)?);
        }
        Ok(builder)
    }
}
