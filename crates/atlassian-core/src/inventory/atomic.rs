//! [`AtomicFile`]: replace a file all at once or not at all.
//!
//! An inventory cut short by a crash or an error must never take the place of the last good one,
//! since `diff` would report every missing record as revoked access.

use std::collections::BTreeSet;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tempfile::NamedTempFile;

use super::error::InventoryError;

/// A buffered file that replaces `target` only on [`commit`](Self::commit).
///
/// It writes to a temporary file in the target's own folder (so the final rename never crosses
/// file systems). Dropping it without committing removes the temporary file and leaves any
/// existing target untouched. Like the temporary file, the result is readable by its owner only,
/// which suits a list of accounts and e-mail addresses.
///
/// ```no_run
/// # fn main() -> Result<(), atlassian_core::InventoryError> {
/// # let inventory: atlassian_core::Inventory = unimplemented!();
/// use atlassian_core::inventory::AtomicFile;
///
/// let mut file = AtomicFile::create("inventory.json")?;
/// inventory.write_json(&mut file)?;
/// file.commit()?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: BufWriter<NamedTempFile>,
    _pending: Pending,
}

/// Temporary files of atomic files not yet committed or dropped, for
/// [`remove_pending_temp_files`].
static PENDING: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// Keeps a temporary file's path in [`PENDING`] while it lives.
#[derive(Debug)]
struct Pending(PathBuf);

impl Pending {
    fn new(path: &Path) -> Self {
        PENDING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(path.to_path_buf());
        Self(path.to_path_buf())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        PENDING
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// Removes the temporary files of every [`AtomicFile`] of this process not yet committed or
/// dropped. For a process about to end without unwinding (a signal handler calling
/// `std::process::exit`): destructors will not run, so their temporary files would stay.
/// Targets are untouched.
pub fn remove_pending_temp_files() {
    let pending = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|p| p.into_inner()));
    for path in pending {
        let _ = std::fs::remove_file(path);
    }
}

impl AtomicFile {
    /// Opens a temporary file next to `target`; `target` itself is not touched yet.
    ///
    /// # Errors
    ///
    /// [`InventoryError::File`] naming `target` when the folder does not take a new file.
    pub fn create(target: impl AsRef<Path>) -> Result<Self, InventoryError> {
        let target = target.as_ref().to_path_buf();
        let temp = NamedTempFile::new_in(folder_of(&target))
            .map_err(|source| file_error("create a temporary file for", &target, source))?;
        Ok(Self {
            _pending: Pending::new(temp.path()),
            target,
            temp: BufWriter::new(temp),
        })
    }

    /// The file this will replace.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs to disk, and renames the temporary file over the target.
    ///
    /// # Errors
    ///
    /// [`InventoryError::File`] naming the target; the target is then unchanged and the
    /// temporary file removed.
    pub fn commit(self) -> Result<(), InventoryError> {
        // `_pending` leaves the list only once the rename is done (or failed and the file
        // removed): until then an interruption removes the temporary file.
        let Self {
            target,
            temp,
            _pending,
        } = self;
        let temp = temp
            .into_inner()
            .map_err(|error| file_error("write", &target, error.into_error()))?;
        temp.as_file()
            .sync_all()
            .map_err(|source| file_error("sync", &target, source))?;
        temp.persist(&target)
            .map_err(|error| file_error("replace", &target, error.error))?;
        sync_folder(&target).map_err(|source| file_error("sync the folder of", &target, source))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.temp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.temp.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.temp.flush()
    }
}

/// Makes the rename itself durable: on Unix it lives in the folder's metadata.
#[cfg(unix)]
fn sync_folder(target: &Path) -> io::Result<()> {
    std::fs::File::open(folder_of(target))?.sync_all()
}

#[cfg(not(unix))]
fn sync_folder(_target: &Path) -> io::Result<()> {
    Ok(())
}

/// The folder holding `target`; a bare file name lives in the current folder.
fn folder_of(target: &Path) -> &Path {
    match target.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

fn file_error(action: &'static str, path: &Path, source: io::Error) -> InventoryError {
    InventoryError::File {
        action,
        path: path.to_path_buf(),
        source,
    }
}
