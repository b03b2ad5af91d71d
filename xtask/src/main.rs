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
    /// Record fixtures: from a live server (`--url`, token in ATLASSIAN_PAT), anonymised, or
    /// the project's own from the simulator (`--from-sim`).
    Snapshot {
        /// Regenerate the project's own fixtures from dc-sim.
        #[arg(long, conflicts_with = "url")]
        from_sim: bool,
        /// The server to record (host or base URL).
        #[arg(long)]
        url: Option<String>,
        /// jira or confluence (default: probe, or both with --from-sim).
        #[arg(long)]
        product: Option<String>,
        /// The fixture folder's name (fixtures/<product>-dc/<name>/).
        #[arg(long, default_value = "recorded")]
        name: String,
        /// Trust this CA bundle (PEM) besides the system roots.
        #[arg(long)]
        ca_cert: Option<PathBuf>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Demo { product, out } => demo::demo(&workspace_root(), &product, &out).await,
        Task::Snapshot {
            from_sim,
            url,
            product,
            name,
            ca_cert,
        } => {
            let fixtures = workspace_root().join("fixtures");
            if let Some(url) = url {
                let target = atlassian_core::Target::parse(&url)?;
                let token = atlassian_core::Token::from_env()?
                    .context("set ATLASSIAN_PAT to the Personal Access Token")?;
                let mut settings = connector::ConnectionSettings::new(target, Some(token));
                settings.ca_cert = ca_cert;
                settings.product = match product.as_deref() {
                    None => connector::ProductChoice::Auto,
                    Some("jira") => connector::ProductChoice::Jira,
                    Some("confluence") => connector::ProductChoice::Confluence,
                    Some(other) => bail!("unknown product {other:?}"),
                };
                return snapshot::from_url(settings, &name, &fixtures).await;
            }
            if !from_sim {
                bail!("give --url URL (a live server) or --from-sim");
            }
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
