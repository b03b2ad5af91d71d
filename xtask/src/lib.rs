//! The project's own tasks, behind `cargo xtask` (see `main.rs`). A library too, so that a test
//! can check the checked-in fixtures against what the simulator records now.

pub mod anonymise;
pub mod bench;
pub mod demo;
pub mod snapshot;

use std::path::{Path, PathBuf};

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

/// Runs `cargo build --quiet <args>` in the workspace (the cargo that runs xtask).
pub fn cargo_build(root: &Path, args: &[&str]) -> anyhow::Result<()> {
    use anyhow::Context;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = std::process::Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--quiet"])
        .args(args)
        .status()
        .context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build {} failed", args.join(" "));
    Ok(())
}
