//! Where an inventory goes: stdout or a file replaced atomically, as JSON (written at the end)
//! or NDJSON (memberships written while the scan runs, the rest at the end).

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use atlassian_core::inventory::{
    AtomicFile, Header, InventoryError, MembershipSink, MembershipSinkFactory, NdjsonWriter,
};
use atlassian_core::{Inventory, Membership};

/// An output: stdout, or a temporary file next to the target that replaces it on [`complete`].
///
/// [`complete`]: Output::complete
#[derive(Debug)]
pub enum Output {
    /// Standard output.
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// A file, committed only when complete.
    File(AtomicFile),
}

impl Output {
    /// Stdout, or a new temporary file for `path`.
    pub fn open(path: Option<&Path>) -> Result<Self, InventoryError> {
        Ok(match path {
            Some(path) => Self::File(AtomicFile::create(path)?),
            None => Self::Stdout(std::io::BufWriter::new(std::io::stdout())),
        })
    }

    /// Flushes, and for a file renames it over the target. Dropping an output without this
    /// leaves the target as it was.
    pub fn complete(self) -> Result<(), InventoryError> {
        match self {
            Self::Stdout(mut out) => out.flush().map_err(InventoryError::Write),
            Self::File(file) => file.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Stdout(out) => out.write(buf),
            Self::File(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Stdout(out) => out.flush(),
            Self::File(file) => file.flush(),
        }
    }
}

/// An NDJSON stream fed while a scan runs: the header and every membership as they come, the
/// other records, coverage and the trailer when the scan is done.
#[derive(Clone, Debug)]
pub struct NdjsonStream {
    pending: Arc<Mutex<Option<Output>>>,
    writer: Arc<Mutex<Option<NdjsonWriter<Output>>>>,
}

struct StreamSink(Arc<Mutex<Option<NdjsonWriter<Output>>>>);

impl MembershipSink for StreamSink {
    fn membership(&mut self, membership: &Membership) -> Result<(), InventoryError> {
        match self.0.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
            Some(writer) => writer.membership(membership),
            None => Ok(()),
        }
    }
}

impl NdjsonStream {
    /// A stream into `output`; nothing is written before the scan knows its header.
    pub fn new(output: Output) -> Self {
        Self {
            pending: Arc::new(Mutex::new(Some(output))),
            writer: Arc::new(Mutex::new(None)),
        }
    }

    /// The factory to put in the product scan's options.
    pub fn factory(&self) -> MembershipSinkFactory {
        let stream = self.clone();
        Arc::new(move |header: &Header| {
            let output = stream
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
                .ok_or_else(|| {
                    InventoryError::Write(std::io::Error::other("the stream was already started"))
                })?;
            let writer = NdjsonWriter::new(output, header)?;
            *stream.writer.lock().unwrap_or_else(|p| p.into_inner()) = Some(writer);
            Ok(Box::new(StreamSink(stream.writer.clone())) as Box<dyn MembershipSink>)
        })
    }

    /// Writes what the scan returned (everything but the streamed memberships), the coverage and
    /// the trailer, and completes the output. Returns the number of memberships written.
    pub fn finish(self, inventory: &Inventory) -> Result<u64, InventoryError> {
        let taken = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        let mut writer = match taken {
            Some(writer) => writer,
            // The scan never started the stream (a product scan without streaming): write all.
            None => {
                let output = self
                    .pending
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .take()
                    .ok_or_else(|| InventoryError::Write(std::io::Error::other("no output")))?;
                let mut writer = NdjsonWriter::new(output, &inventory.header())?;
                for m in &inventory.memberships {
                    writer.membership(m)?;
                }
                writer
            }
        };
        for a in &inventory.accounts {
            writer.account(a)?;
        }
        for g in &inventory.groups {
            writer.group(g)?;
        }
        for r in &inventory.resources {
            writer.resource(r)?;
        }
        for g in &inventory.grants {
            writer.grant(g)?;
        }
        for c in &inventory.coverage {
            writer.coverage(c.clone());
        }
        for w in &inventory.warnings {
            writer.warning(w.clone());
        }
        let memberships = writer.counts().memberships as u64;
        writer.finish()?.complete()?;
        Ok(memberships)
    }
}
