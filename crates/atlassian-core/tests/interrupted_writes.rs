//! Removing the temporary files of an interrupted process, in a test binary of its own: the
//! list of pending files is the process's, and other tests' files must not be on it.

use std::io::Write;

use atlassian_core::inventory::{AtomicFile, remove_pending_temp_files};

#[test]
fn pending_temporary_files_are_removed_and_targets_kept() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("inventory.json");
    std::fs::write(&target, "the last good one").unwrap();
    let mut pending = AtomicFile::create(&target).unwrap();
    pending.write_all(b"half an inventory").unwrap();
    pending.flush().unwrap();
    let committed_target = dir.path().join("other.json");
    let mut committed = AtomicFile::create(&committed_target).unwrap();
    committed.write_all(b"whole").unwrap();
    committed.commit().unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);

    // As a signal handler does before `exit`: the pending file's destructor never runs.
    remove_pending_temp_files();
    std::mem::forget(pending);
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["inventory.json", "other.json"]);
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "the last good one"
    );
    assert_eq!(std::fs::read_to_string(&committed_target).unwrap(), "whole");
}
