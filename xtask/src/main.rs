//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask demo [--product jira|confluence]`: start the simulator and scan it with the
//!   real binary (the README's "run it" command).
//! - `cargo xtask snapshot --from-sim [--product jira|confluence]`: regenerate the recorded
//!   fixtures under `fixtures/<product>-dc/<version>/` from the simulator, so the checked-in
//!   fixtures and the simulator cannot drift apart.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use xtask::{demo, snapshot, workspace_root};

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Start the simulator on loopback and scan it with the real binary.
    Demo {
        /// jira or confluence.
        #[arg(long, default_value = "jira")]
        product: String,
        /// Where to write the inventory.
        #[arg(long, default_value = "demo-inventory.json")]
        out: PathBuf,
    },
    /// Record fixtures: from the simulator (`--from-sim`).
    Snapshot {
        /// Regenerate the project's own fixtures from dc-sim.
        #[arg(long)]
        from_sim: bool,
        /// Only this product (jira or confluence).
        #[arg(long)]
        product: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Demo { product, out } => demo::demo(&workspace_root(), &product, &out).await,
        Task::Snapshot { from_sim, product } => {
            if !from_sim {
                bail!(
                    "only --from-sim is available yet (recording a live server comes with its issue)"
                );
            }
            let fixtures = workspace_root().join("fixtures");
            let products = match product.as_deref() {
                None => vec!["jira", "confluence"],
                Some("jira") => vec!["jira"],
                Some("confluence") => vec!["confluence"],
                Some(other) => bail!("unknown product {other:?}"),
            };
            for product in products {
                snapshot::from_sim(product, &fixtures)
                    .await
                    .with_context(|| format!("recording {product} from the simulator"))?;
            }
            Ok(())
        }
    }
}
