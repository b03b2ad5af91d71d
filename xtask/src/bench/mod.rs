//! `cargo xtask bench`: what one scan of a simulated instance costs. Generates a dc-sim dataset
//! and its ground truth, serves it from the release `dc-sim` binary (its own process, so its
//! memory is never counted) at a stated latency, and runs the release `atlassian-dc scan` against
//! it, once per output format, each time against a freshly started simulator. Prints the requests
//! the simulator served by endpoint, the wall time, the latency floor (requests × latency ÷
//! concurrency), the scanner's peak RSS and CPU time, the accounts found against the ground
//! truth, and the inventory's `accounts` coverage.
//!
//! Peak RSS is `ru_maxrss` from `wait4` on the scanner's process alone. Linux starts a new
//! program's `ru_maxrss` at the peak RSS of the memory it replaced at `exec` — with
//! `posix_spawn`, the *parent's* — so a scanner spawned by this (large, by then) process would
//! report this process's peak. The scanner is therefore started by a fresh, small copy of this
//! binary (`xtask measure`), which reaps it and writes its figures to a file; that copy's own peak
//! is the floor of the measurement, and the report prints it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use atlassian_core::Inventory;

mod report;
#[allow(unsafe_code)]
mod sys;

pub use report::{report, thousands};

/// What to measure.
#[derive(Clone, Debug)]
pub struct BenchOptions {
    /// `jira` or `confluence`.
    pub product: String,
    /// The version the simulator plays (`8.20`, `9.12`, …).
    pub version: String,
    /// A dc-sim scale name (`small`, `employees-5k`, …).
    pub scale: String,
    /// The generator's seed.
    pub seed: u64,
    /// Latency the simulator adds to every answer.
    pub latency_ms: u64,
    /// The scanner's `--concurrency`.
    pub concurrency: usize,
    /// Output formats to measure, in order (`json`, `ndjson`).
    pub formats: Vec<String>,
    /// `match-all` or `dot-only`: how Jira's `user/search?username=.` reads the dot.
    pub dot_query: String,
    /// Serve HTTPS (with a CA made on the fly) instead of plain HTTP.
    pub tls: bool,
    /// Build the release binaries first.
    pub build: bool,
}

/// One scan, measured.
#[derive(Debug)]
pub struct ScanRun {
    /// `json` or `ndjson`.
    pub format: String,
    /// Requests the simulator served, per (endpoint, status).
    pub requests: BTreeMap<(String, u16), u64>,
    /// From the scanner's start to its exit.
    pub wall: Duration,
    /// The scanner's peak resident set size, in bytes.
    pub peak_rss: u64,
    /// The scanner's CPU time, user and system.
    pub cpu: Duration,
    /// The peak RSS of the process that started the scanner (the floor of `peak_rss`).
    pub floor: u64,
    /// What it wrote.
    pub inventory: Inventory,
}

impl ScanRun {
    /// All requests served.
    pub fn total(&self) -> u64 {
        self.requests.values().sum()
    }
}

/// Runs the benchmark and prints its report.
#[allow(clippy::print_stdout)]
pub fn bench(root: &Path, opts: &BenchOptions) -> anyhow::Result<()> {
    if !["jira", "confluence"].contains(&opts.product.as_str()) {
        bail!("unknown product {:?} (jira or confluence)", opts.product);
    }
    if !["match-all", "dot-only"].contains(&opts.dot_query.as_str()) {
        bail!(
            "unknown dot query reading {:?} (match-all or dot-only)",
            opts.dot_query
        );
    }
    if opts.formats.is_empty() {
        bail!("no output format to measure");
    }
    if dc_sim::Scale::named(&opts.scale).is_none() {
        bail!(
            "unknown scale {:?} ({})",
            opts.scale,
            dc_sim::Scale::NAMES.join(", ")
        );
    }
    if opts.build {
        println!("building atlassian-dc and dc-sim (release) …");
        crate::cargo_build(
            root,
            &["--release", "-p", "connector", "-p", "dc-sim", "--bins"],
        )?;
    }
    let release = root.join("target/release");
    let scanner = release.join("atlassian-dc");
    let sim = release.join("dc-sim");
    for binary in [&scanner, &sim] {
        if !binary.exists() {
            bail!(
                "{} is missing: run without --no-build, or `cargo build --release -p connector -p dc-sim`",
                binary.display()
            );
        }
    }

    let dir = root.join("target/bench").join(format!(
        "{}-{}-{}-{}-seed{}",
        opts.product, opts.version, opts.scale, opts.dot_query, opts.seed
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let dataset = dir.join("dataset.json");
    let truth_path = dir.join("truth.json");
    let started = Instant::now();
    let status = Command::new(&sim)
        .args(["generate", "--product", &opts.product])
        .args(["--version", &opts.version, "--scale", &opts.scale])
        .args([
            "--seed",
            &opts.seed.to_string(),
            "--dot-query",
            &opts.dot_query,
        ])
        .arg("--out")
        .arg(&dataset)
        .arg("--ground-truth")
        .arg(&truth_path)
        .status()
        .context("running dc-sim generate")?;
    if !status.success() {
        bail!("dc-sim generate failed ({status})");
    }
    let generated_in = started.elapsed();
    let truth = read_inventory(&truth_path)?;

    let mut runs = Vec::new();
    for format in &opts.formats {
        println!("scanning ({format}) …");
        runs.push(
            scan_once(&sim, &scanner, &dataset, &dir, opts, format)
                .with_context(|| format!("the {format} scan"))?,
        );
    }
    println!();
    print!("{}", report(opts, &truth, &runs, &dir, generated_in));
    Ok(())
}

/// What the ground truth holds, for the report's heading.
fn sizes(truth: &Inventory) -> String {
    let employees = truth
        .accounts
        .iter()
        .filter_map(|a| a.username.as_deref())
        .filter(|u| !u.is_empty() && u.bytes().all(|b| b.is_ascii_digit()))
        .count();
    let mut sizes = format!("{} accounts", thousands(truth.accounts.len() as u64));
    if employees > 0 {
        let _ = write!(sizes, " ({} employee numbers)", thousands(employees as u64));
    }
    let _ = write!(
        sizes,
        ", {} groups, {} memberships, {} resources",
        thousands(truth.groups.len() as u64),
        thousands(truth.memberships.len() as u64),
        thousands(truth.resources.len() as u64),
    );
    sizes
}

fn read_inventory(path: &Path) -> anyhow::Result<Inventory> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Inventory::read_auto(&bytes).with_context(|| format!("parsing {}", path.display()))
}

/// Starts a simulator, scans it once, stops it.
fn scan_once(
    sim_binary: &Path,
    scanner: &Path,
    dataset: &Path,
    dir: &Path,
    opts: &BenchOptions,
    format: &str,
) -> anyhow::Result<ScanRun> {
    let mut sim = SimProcess::start(sim_binary, dataset, opts)?;
    let out = dir.join(format!("inventory.{format}"));
    let log = dir.join(format!("scan-{format}.log"));
    let report = dir.join(format!("measure-{format}.txt"));
    let _ = std::fs::remove_file(&report);
    // This very binary, even if a build has replaced the file since it started (others share
    // target/).
    let this = Path::new("/proc/self/exe");
    let this = if this.exists() {
        this.to_owned()
    } else {
        std::env::current_exe().context("this program's path")?
    };
    let mut command = Command::new(this);
    command
        .arg("measure")
        .arg("--report")
        .arg(&report)
        .arg("--")
        .arg(scanner)
        .args(["scan", &sim.base_url, "--product", &opts.product])
        .args(["--concurrency", &opts.concurrency.to_string()])
        .args(["--format", format, "--no-progress", "--out"])
        .arg(&out)
        .env("ATLASSIAN_PAT", &sim.token)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?,
        );
    if let Some(ca) = &sim.ca {
        command.arg("--ca-cert").arg(ca);
    }
    let status = command.status().context("starting xtask measure")?;
    let measured = Measured::read_file(&report);
    let requests = sim.stop()?;
    let measured = measured.with_context(|| format!("xtask measure failed ({status})"))?;
    if !measured.status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        bail!("atlassian-dc scan failed ({}):\n{text}", measured.status);
    }
    Ok(ScanRun {
        format: format.to_owned(),
        requests,
        wall: measured.wall,
        peak_rss: measured.peak_rss,
        cpu: measured.cpu,
        floor: measured.floor,
        inventory: read_inventory(&out)?,
    })
}

/// What `xtask measure` found, read back from its report file.
#[derive(Debug)]
pub struct Measured {
    /// How the program ended.
    pub status: std::process::ExitStatus,
    /// Its peak RSS, bytes.
    pub peak_rss: u64,
    /// Its CPU time, user and system.
    pub cpu: Duration,
    /// From its start to its exit.
    pub wall: Duration,
    /// The measuring process's own peak RSS when it started the program, bytes.
    pub floor: u64,
}

impl Measured {
    fn write(&self, path: &Path) -> anyhow::Result<()> {
        use std::os::unix::process::ExitStatusExt;
        let text = format!(
            "status {}\npeak_rss {}\ncpu_us {}\nwall_us {}\nfloor {}\n",
            self.status.into_raw(),
            self.peak_rss,
            self.cpu.as_micros(),
            self.wall.as_micros(),
            self.floor
        );
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
    }

    /// Reads what [`measure`] wrote.
    pub fn read_file(path: &Path) -> anyhow::Result<Self> {
        use std::os::unix::process::ExitStatusExt;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let field = |name: &str| -> anyhow::Result<i64> {
            text.lines()
                .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
                .and_then(|v| v.trim().parse().ok())
                .with_context(|| format!("{}: no {name}", path.display()))
        };
        let unsigned = |name: &str| -> anyhow::Result<u64> { Ok(field(name)?.max(0) as u64) };
        Ok(Self {
            status: std::process::ExitStatus::from_raw(i32::try_from(field("status")?)?),
            peak_rss: unsigned("peak_rss")?,
            cpu: Duration::from_micros(unsigned("cpu_us")?),
            wall: Duration::from_micros(unsigned("wall_us")?),
            floor: unsigned("floor")?,
        })
    }
}

/// `xtask measure --report FILE -- PROGRAM ARGS…`: runs the program (stdio and environment
/// inherited), reaps it with `wait4`, and writes its exit status, peak RSS, CPU and wall time,
/// and this process's own peak RSS at the start (the floor) to FILE. Meant to be started fresh by
/// [`bench()`], so that the floor is this small process's, not the benchmark's.
pub fn measure(report: &Path, program: &Path, args: &[String]) -> anyhow::Result<()> {
    let floor = own_peak_rss().unwrap_or(0);
    let started = Instant::now();
    let child = Command::new(program)
        .args(args)
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    // Reaped here, with its resource usage; never by `Child::wait`.
    let exit = sys::wait4(child.id()).context("waiting for the program")?;
    let wall = started.elapsed();
    drop(child);
    Measured {
        status: exit.status,
        peak_rss: exit.peak_rss,
        cpu: exit.cpu,
        wall,
        floor,
    }
    .write(report)
}

/// This process's peak RSS so far (`VmHWM`), bytes.
fn own_peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}

/// The release `dc-sim serve`, in its own process: its answers are counted, its memory is not.
struct SimProcess {
    child: Child,
    lines: mpsc::Receiver<String>,
    base_url: String,
    token: String,
    ca: Option<PathBuf>,
    stopped: bool,
}

impl SimProcess {
    fn start(binary: &Path, dataset: &Path, opts: &BenchOptions) -> anyhow::Result<Self> {
        let mut command = Command::new(binary);
        command
            .args([
                "serve",
                "--product",
                &opts.product,
                "--version",
                &opts.version,
            ])
            .arg("--dataset")
            .arg(dataset)
            .args(["--latency-ms", &opts.latency_ms.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if opts.tls {
            command.arg("--tls");
        }
        let mut child = command.spawn().context("starting dc-sim serve")?;
        let stdout = child.stdout.take().context("dc-sim's stdout")?;
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut sim = Self {
            child,
            lines,
            base_url: String::new(),
            token: String::new(),
            ca: None,
            stopped: false,
        };
        // `<product> <version> at <url>`, then a token per role, then `ca <path>` with --tls.
        let deadline = Instant::now() + Duration::from_secs(300);
        while sim.base_url.is_empty() || sim.token.is_empty() || (opts.tls && sim.ca.is_none()) {
            let wait = deadline.saturating_duration_since(Instant::now());
            let line = sim
                .lines
                .recv_timeout(wait)
                .context("dc-sim serve did not print its URL, token and CA")?;
            if let Some((head, url)) = line.split_once(" at ")
                && head.starts_with(&opts.product)
            {
                url.clone_into(&mut sim.base_url);
            } else if let Some(rest) = line.strip_prefix("token admin") {
                sim.token = rest
                    .split_whitespace()
                    .next()
                    .context("a token after `token admin`")?
                    .to_owned();
            } else if let Some(path) = line.strip_prefix("ca ") {
                sim.ca = Some(PathBuf::from(path));
            }
        }
        Ok(sim)
    }

    /// Interrupts the simulator and reads the request counters it prints on Ctrl-C.
    fn stop(&mut self) -> anyhow::Result<BTreeMap<(String, u16), u64>> {
        sys::interrupt(self.child.id()).context("interrupting dc-sim")?;
        self.stopped = true;
        let mut lines = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(60)) {
            lines.push(line);
        }
        self.child.wait().context("waiting for dc-sim")?;
        parse_counters(&lines)
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        if !self.stopped {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The counters table `dc-sim serve` prints on Ctrl-C: `<N> requests`, then
/// `<count>  <status>  <METHOD> <endpoint>` per line.
pub fn parse_counters(lines: &[String]) -> anyhow::Result<BTreeMap<(String, u16), u64>> {
    let start = lines
        .iter()
        .position(|l| l.ends_with(" requests") && l.split_whitespace().count() == 2)
        .context("dc-sim printed no request counters")?;
    let total: u64 = lines[start]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .context("a request total")?;
    let mut counters = BTreeMap::new();
    for line in &lines[start + 1..] {
        let mut parts = line.trim_start().splitn(3, "  ");
        let (Some(count), Some(status), Some(endpoint)) =
            (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(count), Ok(status)) = (count.trim().parse::<u64>(), status.trim().parse::<u16>())
        else {
            continue;
        };
        counters.insert((endpoint.trim().to_owned(), status), count);
    }
    let counted: u64 = counters.values().sum();
    if counted != total {
        bail!("dc-sim's counters add up to {counted}, not its total {total}");
    }
    Ok(counters)
}

#[cfg(test)]
mod tests;
