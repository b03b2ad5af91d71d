//! The benchmark's printed report.

use super::{BenchOptions, ScanRun, sizes};
use atlassian_core::Inventory;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// The report: one column per format.
pub fn report(
    opts: &BenchOptions,
    truth: &Inventory,
    runs: &[ScanRun],
    dir: &Path,
    generated_in: Duration,
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {} ({}) · dot query {} · latency {} ms · concurrency {}{}",
        opts.product,
        truth.system.version,
        opts.scale,
        sizes(truth),
        opts.dot_query,
        opts.latency_ms,
        opts.concurrency,
        if opts.tls { " · HTTPS" } else { "" },
    );
    let _ = writeln!(
        out,
        "dataset, ground truth, inventories and scan logs in {} (generated in {:.1} s)\n",
        dir.display(),
        generated_in.as_secs_f64()
    );

    // Endpoints, each with its status when not 200.
    let endpoints: BTreeSet<(String, u16)> = runs
        .iter()
        .flat_map(|r| r.requests.keys().cloned())
        .collect();
    let label = |(endpoint, status): &(String, u16)| {
        if *status == 200 {
            format!("  {endpoint}")
        } else {
            format!("  {endpoint} → {status}")
        }
    };
    let floor = |run: &ScanRun| {
        Duration::from_secs_f64(
            run.total() as f64 * opts.latency_ms as f64 / 1000.0 / opts.concurrency.max(1) as f64,
        )
    };
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    rows.push((
        "requests".to_owned(),
        runs.iter().map(|r| thousands(r.total())).collect(),
    ));
    for key in &endpoints {
        rows.push((
            label(key),
            runs.iter()
                .map(|r| thousands(r.requests.get(key).copied().unwrap_or(0)))
                .collect(),
        ));
    }
    rows.push((
        "wall time".to_owned(),
        runs.iter().map(|r| seconds(r.wall)).collect(),
    ));
    rows.push((
        format!(
            "latency floor (requests × {} ms ÷ {})",
            opts.latency_ms, opts.concurrency
        ),
        runs.iter().map(|r| seconds(floor(r))).collect(),
    ));
    rows.push((
        "wall ÷ floor".to_owned(),
        runs.iter()
            .map(|r| {
                let f = floor(r).as_secs_f64();
                if f > 0.0 {
                    format!("{:.2}", r.wall.as_secs_f64() / f)
                } else {
                    "-".to_owned()
                }
            })
            .collect(),
    ));
    rows.push((
        "scanner peak RSS".to_owned(),
        runs.iter().map(|r| megabytes(r.peak_rss)).collect(),
    ));
    rows.push((
        "scanner CPU (user + system)".to_owned(),
        runs.iter().map(|r| seconds(r.cpu)).collect(),
    ));
    let truth_keys: BTreeSet<&str> = truth.accounts.iter().map(|a| a.key.as_str()).collect();
    rows.push((
        "accounts found / ground truth".to_owned(),
        runs.iter()
            .map(|r| {
                format!(
                    "{} / {}",
                    thousands(r.inventory.accounts.len() as u64),
                    thousands(truth_keys.len() as u64)
                )
            })
            .collect(),
    ));

    let label_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let value_width = rows
        .iter()
        .flat_map(|(_, v)| v.iter().map(|s| s.chars().count()))
        .chain(runs.iter().map(|r| r.format.len()))
        .max()
        .unwrap_or(0)
        .max(8);
    let _ = write!(out, "{:label_width$}", "");
    for run in runs {
        let _ = write!(out, "  {:>value_width$}", run.format);
    }
    out.push('\n');
    for (label, values) in &rows {
        let pad = label_width - label.chars().count();
        let _ = write!(out, "{label}{}", " ".repeat(pad));
        for value in values {
            let pad = value_width.saturating_sub(value.chars().count());
            let _ = write!(out, "  {}{value}", " ".repeat(pad));
        }
        out.push('\n');
    }

    if let Some(floor) = runs.iter().map(|r| r.floor).max() {
        let _ = writeln!(
            out,
            "(peak RSS: ru_maxrss of the scanner alone, started by a fresh `xtask measure` whose \
             own peak, {}, is the floor of the figure)",
            megabytes(floor)
        );
    }
    out.push('\n');
    for run in runs {
        let inv = &run.inventory;
        let found: BTreeSet<&str> = inv.accounts.iter().map(|a| a.key.as_str()).collect();
        let missing: Vec<&str> = truth
            .accounts
            .iter()
            .filter(|a| !found.contains(a.key.as_str()))
            .map(|a| a.username.as_deref().unwrap_or(&a.key))
            .collect();
        let extra = found.difference(&truth_keys).count();
        let coverage = inv.coverage.iter().find(|c| c.collection == "accounts");
        let _ = match coverage {
            Some(c) => writeln!(
                out,
                "{}: accounts coverage: {}{}{}",
                run.format,
                if c.complete { "complete" } else { "INCOMPLETE" },
                c.method
                    .as_deref()
                    .map(|m| format!(" · method: {m}"))
                    .unwrap_or_default(),
                c.detail
                    .as_deref()
                    .map(|d| format!(" · detail: {d}"))
                    .unwrap_or_default(),
            ),
            None => writeln!(out, "{}: accounts coverage: (no line)", run.format),
        };
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(8).copied().collect();
            let _ = writeln!(
                out,
                "{}: {} accounts of the ground truth missing, e.g. {}",
                run.format,
                thousands(missing.len() as u64),
                shown.join(", ")
            );
        }
        if extra > 0 {
            let _ = writeln!(
                out,
                "{}: {extra} accounts not in the ground truth",
                run.format
            );
        }
    }
    out
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// `12345` → `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
