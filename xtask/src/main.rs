//! `cargo xtask`: the project's own tasks.
//!
//! - `cargo xtask demo [--product jira|confluence]`: start the simulator and scan it with the
//!   real binary (the README's "run it" command).
//! - `cargo xtask snapshot --from-sim [--product jira|confluence]`: regenerate the recorded
//!   fixtures under `fixtures/<product>-dc/<version>/` from the simulator, so the checked-in
//!   fixtures and the simulator cannot drift apart.
//! - `cargo xtask bench [--product …] [--version …] [--scale …] [--latency-ms 20]
//!   [--concurrency 8] [--format both] [--dot-query match-all]`: scan a simulated instance
//!   with the release binary and print requests by endpoint, wall time, the latency floor, peak
//!   memory and the accounts found against the ground truth (README, "Benchmarks").

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use xtask::{bench, demo, snapshot, workspace_root};

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
    /// Scan a simulated instance with the release binary, once per output format, and print
    /// what it cost: requests by endpoint, wall time, the latency floor, peak RSS, accounts
    /// found against the ground truth.
    Bench {
        /// jira or confluence.
        #[arg(long, default_value = "jira")]
        product: String,
        /// The version the simulator plays (jira: 8.20, 9.12, 10.3, 11.3; confluence: 7.19,
        /// 8.5, 9.2, 10.2).
        #[arg(long, default_value = "9.12")]
        version: String,
        /// The dataset: tiny, small, medium, large, employees-5k, employees-50k.
        #[arg(long, default_value = "small")]
        scale: String,
        /// The generator's seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Latency the simulator adds to every answer, in milliseconds.
        #[arg(long, default_value_t = 20)]
        latency_ms: u64,
        /// The scanner's --concurrency (requests in flight at most).
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// json, ndjson or both.
        #[arg(long, default_value = "both", value_parser = ["json", "ndjson", "both"])]
        format: String,
        /// How Jira's `user/search?username=.` reads the dot: match-all (every account) or
        /// dot-only (accounts with a dot in username, e-mail or display name).
        #[arg(long, default_value = "match-all", value_parser = ["match-all", "dot-only"])]
        dot_query: String,
        /// Serve HTTPS (a CA made on the fly) instead of plain HTTP.
        #[arg(long)]
        tls: bool,
        /// Use the release binaries as they are (no cargo build first).
        #[arg(long)]
        no_build: bool,
    },
    /// (For `bench`.) Run a program, reap it with wait4 and write its exit status, peak RSS,
    /// CPU and wall time to a file.
    #[command(hide = true)]
    Measure {
        /// Where to write the figures.
        #[arg(long)]
        report: PathBuf,
        /// The program.
        program: PathBuf,
        /// Its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().task {
        Task::Demo { product, out } => demo::demo(&workspace_root(), &product, &out).await,
        Task::Measure {
            report,
            program,
            args,
        } => bench::measure(&report, &program, &args),
        Task::Bench {
            product,
            version,
            scale,
            seed,
            latency_ms,
            concurrency,
            format,
            dot_query,
            tls,
            no_build,
        } => {
            let formats = match format.as_str() {
                "both" => vec!["json".to_owned(), "ndjson".to_owned()],
                one => vec![one.to_owned()],
            };
            let options = bench::BenchOptions {
                product,
                version,
                scale,
                seed,
                latency_ms,
                concurrency,
                formats,
                dot_query,
                tls,
                build: !no_build,
            };
            tokio::task::spawn_blocking(move || bench::bench(&workspace_root(), &options)).await?
        }
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
                    None => None,
                    Some("jira") => Some(connector::Product::Jira),
                    Some("confluence") => Some(connector::Product::Confluence),
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
