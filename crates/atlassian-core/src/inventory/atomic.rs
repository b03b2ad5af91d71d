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
/// which suits a list of accounts and e-mail addresses. A target that exists and is no regular
/// file (`/dev/null`, `/dev/stdout`, a named pipe) is written in place instead: renaming over
/// it would put a file where the device or pipe was.
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
    destination: Destination,
}

/// Where the bytes go until the commit.
#[derive(Debug)]
enum Destination {
    /// A temporary file beside the target, renamed over it on commit.
    Temp {
        file: BufWriter<NamedTempFile>,
        _pending: Pending,
    },
    /// The target itself, when it exists and is no regular file (`/dev/null`, `/dev/stdout`, a
    /// named pipe): a rename would replace the device or pipe with a file (a process running
    /// as root once turned `/dev/null` into one so), and there is nothing to keep whole.
    InPlace(BufWriter<std::fs::File>),
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
        let special = std::fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|source| file_error("open", &target, source))?;
            return Ok(Self {
                target,
                destination: Destination::InPlace(BufWriter::new(file)),
            });
        }
        let temp = NamedTempFile::new_in(folder_of(&target))
            .map_err(|source| file_error("create a temporary file for", &target, source))?;
        Ok(Self {
            target,
            destination: Destination::Temp {
                _pending: Pending::new(temp.path()),
                file: BufWriter::new(temp),
            },
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
        let Self {
            target,
            destination,
        } = self;
        // `_pending` leaves the list only once the rename is done (or failed and the file
        // removed): until then an interruption removes the temporary file.
        let (temp, _pending) = match destination {
            Destination::Temp { file, _pending } => (file, _pending),
            Destination::InPlace(mut file) => {
                return file
                    .flush()
                    .map_err(|source| file_error("write", &target, source));
            }
        };
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
        match &mut self.destination {
            Destination::Temp { file, .. } => file.write(buf),
            Destination::InPlace(file) => file.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.destination {
            Destination::Temp { file, .. } => file.write_all(buf),
            Destination::InPlace(file) => file.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.destination {
            Destination::Temp { file, .. } => file.flush(),
            Destination::InPlace(file) => file.flush(),
        }
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

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_named_pipe_is_written_in_place_and_stays_a_pipe() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        let pipe = dir.path().join("inventory.pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&pipe)
            .status()
            .unwrap();
        assert!(made.success());
        let reader = {
            let pipe = pipe.clone();
            std::thread::spawn(move || std::fs::read_to_string(pipe).unwrap())
        };
        let mut file = AtomicFile::create(&pipe).unwrap();
        file.write_all(b"a whole inventory\n").unwrap();
        file.commit().unwrap();
        // Checked before joining: a pipe renamed over would leave the reader waiting for ever.
        assert!(std::fs::metadata(&pipe).unwrap().file_type().is_fifo());
        assert_eq!(reader.join().unwrap(), "a whole inventory\n");
        // Nothing else was created beside it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
