//! `dc-sim`: serve a simulated Jira or Confluence Data Center on loopback, or write a generated
//! dataset and its ground truth.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use dc_sim::dataset::resolve_version;
use dc_sim::{
    Dataset, Faults, Product, RateLimit, Scale, Sim, SimConfig, TokenRole, WildcardReading,
};

#[derive(Parser)]
#[command(
    name = "dc-sim",
    version,
    about = "A simulated Jira / Confluence Data Center on loopback"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct DatasetArgs {
    /// jira or confluence.
    #[arg(long, value_parser = parse_product)]
    product: Product,
    /// tiny, small (2,500 users), medium (50,000), large (200,000), employees-5k (5,012, of
    /// them 4,500 employee numbers) or employees-50k (50,000, of them 30,000 employee numbers).
    #[arg(long, default_value = "small")]
    scale: String,
    /// Seed of the generator (same seed, same dataset).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Serve this dataset (JSON, e.g. from fixtures/) instead of a generated one.
    #[arg(long)]
    dataset: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until interrupted; prints the URL, a token for each role and the CA path.
    Serve {
        #[command(flatten)]
        data: DatasetArgs,
        /// Version to play (jira: 8.20, 9.12, 10.3, 11.3, or any full version such as 10.3.12;
        /// confluence: 7.19, 8.5, 9.2, 10.2).
        #[arg(long)]
        version: String,
        /// Serve HTTPS with a CA made on the fly.
        #[arg(long)]
        tls: bool,
        /// Latency added to every answer, in milliseconds.
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Each answer's time strays up to this far from the latency, in milliseconds (drawn
        /// uniformly, reproducibly from the seed).
        #[arg(long, default_value_t = 0)]
        jitter_ms: u64,
        /// Token bucket `CAPACITY:PER_SECOND` for authenticated requests.
        #[arg(long, value_parser = |s: &str| RateLimit::parse(s).ok_or("expected C:R"))]
        rate_limit: Option<RateLimit>,
        /// Fraction of requests that fail (503, dropped connection, truncated body in equal
        /// parts).
        #[arg(long, default_value_t = 0.0)]
        faults: f64,
        /// Port on 127.0.0.1 (0: any).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Context path, e.g. /jira.
        #[arg(long, default_value = "")]
        context_path: String,
        /// The base URL the server believes it has (links are built from it).
        #[arg(long)]
        configured_base_url: Option<String>,
    },
    /// Write a generated dataset and/or its ground truth inventory.
    Generate {
        #[command(flatten)]
        data: DatasetArgs,
        /// Version whose ground truth to write.
        #[arg(long)]
        version: String,
        /// Where to write the dataset (JSON).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Where to write the ground truth (inventory JSON).
        #[arg(long)]
        ground_truth: Option<PathBuf>,
        /// The base URL the ground truth names.
        #[arg(long, default_value = "https://sim.invalid")]
        base_url: String,
        /// Jira: how `user/search?username=.` reads the dot in the written dataset
        /// (match-all or dot-only).
        #[arg(long, value_parser = parse_dot_query)]
        dot_query: Option<WildcardReading>,
    },
}

fn parse_product(s: &str) -> Result<Product, String> {
    match s {
        "jira" => Ok(Product::Jira),
        "confluence" => Ok(Product::Confluence),
        _ => Err("expected jira or confluence".to_owned()),
    }
}

fn parse_dot_query(s: &str) -> Result<WildcardReading, String> {
    match s {
        "match-all" => Ok(WildcardReading::MatchAll),
        "dot-only" => Ok(WildcardReading::DotOnly),
        _ => Err("expected match-all or dot-only".to_owned()),
    }
}

fn load(args: &DatasetArgs) -> anyhow::Result<Dataset> {
    if let Some(path) = &args.dataset {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let data: Dataset =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if data.product != args.product {
            bail!("{} is a {} dataset", path.display(), data.product);
        }
        return Ok(data);
    }
    let scale =
        Scale::named(&args.scale).with_context(|| format!("unknown scale {:?}", args.scale))?;
    Ok(dc_sim::generate(args.product, scale, args.seed))
}

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Serve {
            data,
            version,
            tls,
            latency_ms,
            jitter_ms,
            rate_limit,
            faults,
            port,
            context_path,
            configured_base_url,
        } => {
            let version = resolve_version(data.product, &version)
                .with_context(|| format!("unknown version {version:?}"))?;
            let dataset = load(&data)?;
            let config = SimConfig {
                dataset: Arc::new(dataset),
                version,
                context_path: context_path.trim_end_matches('/').to_owned(),
                configured_base_url,
                tls,
                port,
                latency: Duration::from_millis(latency_ms),
                jitter: Duration::from_millis(jitter_ms),
                rate_limit,
                faults: Faults::mixed(faults),
                seed: data.seed,
                change: None,
            };
            let sim = Sim::start(config).await?;
            let d = sim.dataset();
            println!("{} {} at {}", d.product, sim.version(), sim.base_url());
            println!(
                "{} users, {} groups, {} projects, {} spaces",
                d.users.len(),
                d.groups.len(),
                d.projects.len(),
                d.spaces.len()
            );
            for role in TokenRole::ALL {
                if let Some(token) = d.token(role) {
                    println!(
                        "token {role:<12} {}  (owner {})",
                        token.token, d.users[token.owner as usize].username
                    );
                }
            }
            if let Some(ca) = sim.ca_pem_path() {
                println!("ca {}", ca.display());
            }
            tokio::signal::ctrl_c().await?;
            println!("\n{}", sim.counters().report());
        }
        Command::Generate {
            data,
            version,
            out,
            ground_truth,
            base_url,
            dot_query,
        } => {
            let version = resolve_version(data.product, &version)
                .with_context(|| format!("unknown version {version:?}"))?;
            let mut dataset = load(&data)?;
            if let Some(reading) = dot_query {
                dataset.settings.dot_query = reading;
            }
            if let Some(out) = out {
                std::fs::write(&out, serde_json::to_vec_pretty(&dataset)?)
                    .with_context(|| format!("writing {}", out.display()))?;
            }
            if let Some(path) = ground_truth {
                let truth = dc_sim::truth::ground_truth(&dataset, version, &base_url);
                let mut file = atlassian_core::inventory::AtomicFile::create(&path)?;
                truth.write_json(&mut file)?;
                file.commit()?;
            }
        }
    }
    Ok(())
}
