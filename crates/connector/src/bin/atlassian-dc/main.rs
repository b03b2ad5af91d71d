//! `atlassian-dc`: test a connection to, scan, or compare inventories of a Jira or Confluence
//! Data Center. See the command-line contract in the project's docs.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use atlassian_core::{Target, Token};
use clap::{Parser, Subcommand, ValueEnum};
use connector::{ConnectionSettings, Product};

#[derive(Parser)]
#[command(
    name = "atlassian-dc",
    version,
    about = "Who can get into a Jira or Confluence Data Center, and with what rights",
    after_help = "Examples:
  export ATLASSIAN_PAT=…   # a read-only administrator's Personal Access Token
  atlassian-dc test jira.example.com
  atlassian-dc scan jira.example.com --out inventory.json
  atlassian-dc report inventory.json --out review.html"
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
    /// `json`: every line on stderr is one JSON object (for platforms that collect logs).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

/// Set once, before anything is printed: `say!` writes JSON lines too.
static JSON_LOGS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes one line for a person to stderr, or one JSON object with `--log-format json`.
fn emit(text: &str) {
    #[allow(clippy::print_stderr)]
    if JSON_LOGS.load(std::sync::atomic::Ordering::Relaxed) {
        let level = if text.starts_with("error") {
            "ERROR"
        } else if text.starts_with("warning") || text.starts_with("interrupted") {
            "WARN"
        } else {
            "INFO"
        };
        let line = serde_json::json!({
            "timestamp": jiff::Timestamp::now().to_string(),
            "level": level,
            "fields": {"message": text},
            "target": "atlassian_dc",
        });
        eprintln!("{}", logging::json_inert(&line.to_string()));
    } else {
        // One line, whatever the server put in the names it quotes.
        eprintln!("{}", atlassian_core::human::inert(text));
    }
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

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum AccessFormatArg {
    Table,
    Json,
    Ndjson,
    Csv,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum ReportFormat {
    Html,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Test Connection: can a scan run, and if not, why and what to do.
    #[command(after_help = "Examples:
  atlassian-dc test jira.example.com
  atlassian-dc test https://wiki.example.com/confluence --json
  atlassian-dc test jira.internal:8443 --ca-cert corp-ca.pem")]
    Test {
        /// Host, host:port or base URL (https://host/jira).
        target: String,
        /// One JSON object instead of the human report.
        #[arg(long)]
        json: bool,
    },
    /// Discover everything and write one inventory.
    #[command(after_help = "Examples:
  atlassian-dc scan jira.example.com --out inventory.json
  atlassian-dc scan wiki.example.com --format ndjson --out inventory.ndjson
  atlassian-dc scan jira.example.com --log-format json --out inventory.json 2> scan.log")]
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
    /// Shell completions for `atlassian-dc`.
    #[command(after_help = "Examples:
  atlassian-dc completions bash > /etc/bash_completion.d/atlassian-dc
  atlassian-dc completions zsh > ~/.zfunc/_atlassian-dc")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The connector's registration facts (OS type, protocol, credential mapping, minimum
    /// permissions, troubleshooting).
    Describe {
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Effective access: who holds which permission on which resource, and through which
    /// grants (every path).
    #[command(after_help = "Examples:
  atlassian-dc access inventory.json --account alice
  atlassian-dc access inventory.json --resource project:ENG --permission ADMINISTER_PROJECTS
  atlassian-dc access inventory.json --anonymous --format csv --out access.csv")]
    Access {
        /// A JSON or NDJSON inventory (`-` for standard input).
        inventory: PathBuf,
        /// Only this account (key or username; repeat for more).
        #[arg(long = "account", value_name = "ID")]
        accounts: Vec<String>,
        /// Only this resource (`project:ENG`, `space:DOC`, `system`, `application:KEY`; repeat
        /// for more).
        #[arg(long = "resource", value_name = "REF")]
        resources: Vec<String>,
        /// Only this permission (repeat for more).
        #[arg(long = "permission", value_name = "P")]
        permissions: Vec<String>,
        /// Also the rows of someone not logged in.
        #[arg(long)]
        anonymous: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = AccessFormatArg::Table)]
        format: AccessFormatArg,
        /// Write here (through a temporary file, renamed at the end) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Why an account holds a permission on a resource: every path of grants, one line per
    /// grant. Exit 0 when it does, 1 when it does not.
    #[command(after_help = "Examples:
  atlassian-dc explain inventory.json alice project:ENG BROWSE_PROJECTS
  atlassian-dc explain inventory.json JIRAUSER10100 system system:administer --json")]
    Explain {
        /// A JSON or NDJSON inventory (`-` for standard input).
        inventory: PathBuf,
        /// Account key or username.
        account: String,
        /// Resource reference (`project:ENG`).
        resource: String,
        /// Permission (`BROWSE_PROJECTS`, `space:read`, `role:Developers`).
        permission: String,
        /// The row object as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The access review: findings (coverage first, then by severity) as a self-contained HTML
    /// page a reviewer opens offline, or as JSON.
    #[command(after_help = "Examples:
  atlassian-dc report inventory.json --out review.html
  atlassian-dc report inventory.json --since last-quarter.json --out review.html
  atlassian-dc report inventory.json --format json --dormant-days 180")]
    Report {
        /// A JSON or NDJSON inventory (`-` for standard input).
        inventory: PathBuf,
        /// Write here (through a temporary file, renamed at the end) instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        /// An account is dormant after this many days without a login.
        #[arg(long, default_value_t = 90, value_name = "DAYS")]
        dormant_days: u32,
        /// An earlier inventory of the same system: the report explains what changed since.
        #[arg(long, value_name = "OLD")]
        since: Option<PathBuf>,
    },
    /// Compare two inventories of the same system.
    #[command(after_help = "Examples:
  atlassian-dc diff old.json new.json
  atlassian-dc diff old.json new.json --explain
  atlassian-dc diff old.ndjson new.ndjson --json")]
    Diff {
        /// The older inventory (JSON or NDJSON).
        old: PathBuf,
        /// The newer inventory (JSON or NDJSON).
        new: PathBuf,
        /// JSON instead of the table.
        #[arg(long)]
        json: bool,
        /// The access rows gained and lost, each attributed to the record changes that caused
        /// it, largest and most privileged first.
        #[arg(long)]
        explain: bool,
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
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(cli.verbose > 1);
    if cli.log_format == LogFormat::Json {
        JSON_LOGS.store(true, std::sync::atomic::Ordering::Relaxed);
        builder
            .json()
            .with_ansi(false)
            .with_writer(|| logging::JsonStderr)
            .init();
    } else {
        // Colour only for a person at a terminal, and never with NO_COLOR (no-color.org).
        use std::io::IsTerminal;
        let colour = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        builder
            .fmt_fields(logging::InertFields)
            .with_ansi(colour)
            .init();
    }
}

/// Prints to stderr (the contract's channel for everything but the result).
macro_rules! say {
    ($($arg:tt)*) => {{
        $crate::emit(&format!($($arg)*))
    }};
}

mod files;
mod logging;
mod scan;

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

/// SIGINT (a person's Ctrl-C) and SIGTERM (what containers and schedulers send) end every
/// command the same way: whatever is being written stays a temporary file, which is removed,
/// the last good output is untouched, and the exit code is 128 + the signal (130, 143).
/// Listening starts before any work, so a signal never meets the default action (which would
/// leave the temporary file behind).
fn exit_on_signals() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::spawn(async move {
        let (name, code) = tokio::select! {
            _ = interrupt.recv() => ("SIGINT", 130),
            _ = terminate.recv() => ("SIGTERM", 143),
        };
        atlassian_core::inventory::remove_pending_temp_files();
        say!("interrupted ({name}): nothing was written");
        std::process::exit(code);
    });
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    if let Err(e) = exit_on_signals() {
        say!("error: cannot listen for signals: {e}");
        return ExitCode::from(FAILED);
    }
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
            scan::scan(
                &cli,
                target,
                out.as_deref(),
                *format,
                *no_progress,
                skip_rebuild,
            )
            .await
        }
        Command::Diff {
            old,
            new,
            json,
            explain,
        } => files::diff(old, new, *json, *explain),
        Command::Report {
            inventory,
            out,
            format,
            dormant_days,
            since,
        } => files::report(
            inventory,
            since.as_deref(),
            out.as_deref(),
            *format == ReportFormat::Json,
            *dormant_days,
        ),
        Command::Access {
            inventory,
            accounts,
            resources,
            permissions,
            anonymous,
            format,
            out,
        } => {
            let query = connector::access::AccessQuery {
                accounts: accounts.clone(),
                resources: resources.clone(),
                permissions: permissions.clone(),
                anonymous: *anonymous,
            };
            files::access(inventory, &query, *format, out.as_deref())
        }
        Command::Explain {
            inventory,
            account,
            resource,
            permission,
            json,
        } => files::explain(inventory, account, resource, permission, *json),
        Command::Describe { json } => describe(*json),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(
                *shell,
                &mut Cli::command(),
                "atlassian-dc",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
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
        print!("{}", atlassian_core::human::inert_lines(&report.to_human()));
    }
    if report.ok {
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
