//! `atlassian-dc`: test a connection to, scan, or compare inventories of a Jira or Confluence
//! Data Center. See the command-line contract in the project's docs.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atlassian_core::inventory::{
    CollectSink, Counts, Inventory, InventoryError, InventorySink, NdjsonSink,
};
use atlassian_core::{Target, Token, error_chain};
use clap::{Parser, Subcommand, ValueEnum};
use connector::{ConnectionSettings, Product, Progress};

#[derive(Parser)]
#[command(
    name = "atlassian-dc",
    version,
    about = "Who can get into a Jira or Confluence Data Center, and with what rights"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Skip or force the probe.
    #[arg(long, global = true, value_enum, default_value_t = ProductArg::Auto)]
    product: ProductArg,
    /// Trust this CA bundle (PEM) in addition to the system roots.
    #[arg(long, global = true, value_name = "PEM")]
    ca_cert: Option<PathBuf>,
    /// Accept any certificate (prints a warning on every run).
    #[arg(long, global = true)]
    insecure: bool,
    /// Per-request timeout in seconds.
    #[arg(long, global = true, default_value_t = 30, value_name = "SECONDS")]
    timeout: u64,
    /// Requests in flight at most (lowered automatically while the server answers 429).
    #[arg(long, global = true, default_value_t = 8, value_name = "N")]
    concurrency: usize,
    /// Read the Personal Access Token from this file instead of ATLASSIAN_PAT.
    #[arg(long, global = true, value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// More logging on stderr (repeat for more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Less output on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ProductArg {
    Auto,
    Jira,
    Confluence,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Json,
    Ndjson,
}

#[derive(Subcommand)]
enum Command {
    /// Test Connection: can a scan run, and if not, why and what to do.
    Test {
        /// Host, host:port or base URL (https://host/jira).
        target: String,
        /// One JSON object instead of the human report.
        #[arg(long)]
        json: bool,
    },
    /// Discover everything and write one inventory.
    Scan {
        /// Host, host:port or base URL (https://host/jira).
        target: String,
        /// Write here (through a temporary file, renamed at the end) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Inventory format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// No progress display.
        #[arg(long)]
        no_progress: bool,
        /// Confluence: do not rebuild the members of groups whose names hold `/` from every
        /// account's groups (one request per account where the server has no
        /// `group/member?groupName=`); those memberships are reported incomplete.
        #[arg(long)]
        no_memberof_rebuild: bool,
    },
    /// The connector's registration facts (OS type, protocol, credential mapping, minimum
    /// permissions, troubleshooting).
    Describe {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Compare two inventories of the same system.
    Diff {
        /// The older inventory (JSON or NDJSON).
        old: PathBuf,
        /// The newer inventory (JSON or NDJSON).
        new: PathBuf,
        /// JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

/// Exit codes of the contract.
const FAILED: u8 = 1;
const USAGE: u8 = 2;

fn init_logging(cli: &Cli) {
    let default = if cli.quiet {
        "error"
    } else {
        match cli.verbose {
            0 => "warn",
            1 => "info",
            2 => "debug",
            _ => "trace",
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(cli.verbose > 1)
        .init();
}

/// Prints to stderr (the contract's channel for everything but the result).
macro_rules! say {
    ($($arg:tt)*) => {{
        #[allow(clippy::print_stderr)]
        {
            eprintln!($($arg)*);
        }
    }};
}

fn settings(cli: &Cli, target: &str) -> Result<ConnectionSettings, String> {
    let target = Target::parse(target).map_err(|e| e.to_string())?;
    let token = match &cli.token_file {
        Some(path) => Some(Token::from_file(path).map_err(|e| e.to_string())?),
        None => Token::from_env().map_err(|e| e.to_string())?,
    };
    let mut settings = ConnectionSettings::new(target, token);
    settings.ca_cert = cli.ca_cert.clone();
    settings.insecure = cli.insecure;
    settings.timeout = Duration::from_secs(cli.timeout.max(1));
    settings.concurrency = cli.concurrency.max(1);
    settings.product = match cli.product {
        ProductArg::Auto => None,
        ProductArg::Jira => Some(Product::Jira),
        ProductArg::Confluence => Some(Product::Confluence),
    };
    // --insecure and plain HTTP are warned about by the client, once per run.
    Ok(settings)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match &cli.command {
        Command::Test { target, json } => test(&cli, target, *json).await,
        Command::Scan {
            target,
            out,
            format,
            no_progress,
            no_memberof_rebuild,
        } => {
            let skip_rebuild = *no_memberof_rebuild;
            scan(
                &cli,
                target,
                out.as_deref(),
                *format,
                *no_progress,
                skip_rebuild,
            )
            .await
        }
        Command::Diff { old, new, json } => diff(old, new, *json),
        Command::Describe { json } => describe(*json),
    }
}

#[allow(clippy::print_stdout)]
async fn test(cli: &Cli, target: &str, json: bool) -> ExitCode {
    let settings = match settings(cli, target) {
        Ok(s) => s,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if settings.token.is_none() {
        say!("error: no credential: set ATLASSIAN_PAT or give --token-file");
        return ExitCode::from(USAGE);
    }
    let report = connector::test_connection(&settings).await;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("the report serialises")
        );
    } else {
        print!("{}", report.to_human());
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

/// A progress line on a terminal: phase, counts, requests per second.
fn progress_bar(
    enabled: bool,
) -> (
    Option<connector::ProgressFn>,
    Option<indicatif::ProgressBar>,
) {
    if !enabled {
        return (None, None);
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let shown = bar.clone();
    let sink: connector::ProgressFn = Arc::new(move |event: &Progress| {
        let counts = match event.total {
            Some(total) => format!("{}/{}", event.done, total),
            None => event.done.to_string(),
        };
        let elapsed = shown.elapsed().as_secs_f64().max(0.001);
        let mut message = format!(
            "{:<20} {counts:<16} {} requests ({:.0}/s)",
            event.phase,
            event.stats.requests,
            event.stats.requests as f64 / elapsed
        );
        if event.stats.rate_limited > 0 || !event.stats.rate_limit_wait.is_zero() {
            message.push_str(&format!(
                ", rate limited {}× ({:.1?} waiting)",
                event.stats.rate_limited, event.stats.rate_limit_wait
            ));
        }
        shown.set_message(message);
    });
    (Some(sink), Some(bar))
}

async fn scan(
    cli: &Cli,
    target: &str,
    out: Option<&Path>,
    format: Format,
    no_progress: bool,
    no_memberof_rebuild: bool,
) -> ExitCode {
    let mut settings = match settings(cli, target) {
        Ok(s) => s,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    settings.skip_memberof_rebuild = no_memberof_rebuild;
    if settings.token.is_none() {
        say!("error: no credential: set ATLASSIAN_PAT or give --token-file");
        return ExitCode::from(USAGE);
    }
    let show_progress = !no_progress && !cli.quiet && std::io::stderr().is_terminal();
    let (progress, bar) = progress_bar(show_progress);
    let started = Instant::now();
    // NDJSON streams memberships while the scan runs; JSON is written once it is done. Either
    // way the output is only completed (a file renamed into place) after a successful scan.
    let mut sink = match format {
        Format::Ndjson => match connector::Output::open(out) {
            Ok(output) => OutputSink::Ndjson(NdjsonSink::new(output)),
            Err(e) => {
                say!("error: {}", error_chain(&e));
                return ExitCode::from(FAILED);
            }
        },
        Format::Json => OutputSink::Json(CollectSink::new()),
    };
    let outcome = tokio::select! {
        outcome = connector::scan_into(&settings, progress, sink.as_dyn()) => outcome,
        _ = tokio::signal::ctrl_c() => {
            if let Some(bar) = &bar { bar.finish_and_clear(); }
            say!("interrupted: nothing was written");
            return ExitCode::from(130);
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(e) => {
            say!("error: scan failed: {}", error_chain(&e));
            return ExitCode::from(FAILED);
        }
    };
    let written = match sink {
        OutputSink::Ndjson(sink) => sink
            .into_finished()
            .ok_or_else(|| InventoryError::Incomplete("the scan never finished".into()))
            .and_then(connector::Output::complete)
            .map(|()| outcome.summary.counts),
        OutputSink::Json(sink) => sink
            .into_inventory()
            .and_then(|inventory| write_json(&inventory, out).map(|()| inventory.counts())),
    };
    let counts = match written {
        Ok(counts) => counts,
        Err(e) => {
            say!("error: {}", error_chain(&e));
            return ExitCode::from(FAILED);
        }
    };
    if !cli.quiet {
        summarise(&outcome, &counts, started.elapsed(), out);
    }
    ExitCode::SUCCESS
}

/// Where `scan` writes: NDJSON as the records come, or JSON once the inventory is whole.
#[allow(clippy::large_enum_variant, reason = "one value per run, on the stack")]
enum OutputSink {
    Ndjson(NdjsonSink<connector::Output>),
    Json(CollectSink),
}

impl OutputSink {
    fn as_dyn(&mut self) -> &mut dyn InventorySink {
        match self {
            Self::Ndjson(sink) => sink,
            Self::Json(sink) => sink,
        }
    }
}

fn write_json(inventory: &Inventory, out: Option<&Path>) -> Result<(), InventoryError> {
    let mut output = connector::Output::open(out)?;
    inventory.write_json(&mut output)?;
    output.complete()
}

fn summarise(
    outcome: &connector::ScanOutcome,
    counts: &Counts,
    elapsed: Duration,
    out: Option<&Path>,
) {
    let summary = &outcome.summary;
    let stats = &outcome.stats;
    say!(
        "{} {} at {}: {} accounts, {} groups, {} memberships, {} resources, {} grants",
        summary.system.product,
        summary.system.version,
        summary.system.base_url,
        counts.accounts,
        counts.groups,
        counts.memberships,
        counts.resources,
        counts.grants
    );
    say!(
        "{} requests in {:.1?} ({:.0}/s), {} retries, {} rate-limited ({:.1?} waiting)",
        stats.requests,
        elapsed,
        stats.requests as f64 / elapsed.as_secs_f64().max(0.001),
        stats.retries,
        stats.rate_limited,
        stats.rate_limit_wait
    );
    for gap in summary.coverage.iter().filter(|c| !c.complete) {
        say!(
            "coverage gap: {}: {}",
            gap.collection,
            gap.detail.as_deref().unwrap_or("incomplete")
        );
    }
    if !summary.warnings.is_empty() {
        say!("{} warnings:", summary.warnings.len());
        for w in summary.warnings.iter().take(10) {
            say!("  {w}");
        }
        if summary.warnings.len() > 10 {
            say!(
                "  … and {} more (in the inventory)",
                summary.warnings.len() - 10
            );
        }
    }
    if let Some(path) = out {
        say!("inventory written to {}", path.display());
    }
}

#[allow(clippy::print_stdout)]
fn diff(old: &Path, new: &Path, json: bool) -> ExitCode {
    let read = |path: &Path| -> Result<Inventory, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Inventory::read_auto(&bytes).map_err(|e| format!("{}: {}", path.display(), error_chain(&e)))
    };
    let (old, new) = match (read(old), read(new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    let diff = match connector::diff(&old, &new) {
        Ok(d) => d,
        Err(e) => {
            say!("error: {e}");
            return ExitCode::from(USAGE);
        }
    };
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&diff).expect("the diff serialises")
        );
    } else {
        print!("{}", diff.to_human());
    }
    if diff.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILED)
    }
}

#[allow(clippy::print_stdout)]
fn describe(json: bool) -> ExitCode {
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&connector::DESCRIPTOR)
                .expect("the descriptor serialises")
        );
    } else {
        print!("{}", connector::DESCRIPTOR.to_human());
    }
    ExitCode::SUCCESS
}
