//! Where an inventory goes: stdout, or a file replaced atomically once the scan is done (JSON
//! written at the end, or NDJSON written as the records come through
//! [`NdjsonSink`](atlassian_core::inventory::NdjsonSink)).

use std::io::Write;
use std::path::Path;

use atlassian_core::inventory::{AtomicFile, InventoryError};

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
