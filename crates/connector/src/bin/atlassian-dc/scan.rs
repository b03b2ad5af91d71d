//! `atlassian-dc scan`: the progress line, the output (NDJSON as it comes, or JSON at the end)
//! and the summary on stderr.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use atlassian_core::error_chain;
use atlassian_core::inventory::{
    CollectSink, Counts, Inventory, InventoryError, InventorySink, NdjsonSink,
};
use connector::Progress;

use super::{Cli, FAILED, Format, USAGE, settings};

/// The phase as a person names it, with its size when known.
fn phase_name(phase: &str, total: Option<u64>) -> String {
    match (phase, total) {
        ("memberships", Some(n)) => format!("members of {n} groups"),
        ("space permissions", Some(n)) => format!("permissions of {n} spaces"),
        ("member-of", Some(n)) => format!("groups of {n} accounts"),
        ("roles and schemes", Some(_)) => "project roles and schemes".to_owned(),
        (connector::RETRY_PHASE, Some(budget)) => format!("retries (at most {budget} a request)"),
        (phase, _) => phase.to_owned(),
    }
}

/// Progress on a terminal, one line per phase (the people side and the project side run at
/// once): where a phase knows its total, a bar with position, rate and time left; otherwise a
/// spinner with the count. The client's requests and rate-limit waits follow each.
fn progress_bar(
    enabled: bool,
) -> (
    Option<connector::ProgressFn>,
    Option<indicatif::MultiProgress>,
) {
    if !enabled {
        return (None, None);
    }
    let lines = indicatif::MultiProgress::new();
    let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = write!(w, "{:.0}/s", state.per_sec());
    };
    let spinner =
        indicatif::ProgressStyle::with_template("{spinner} {elapsed:>4} {prefix} {pos} · {msg}")
            .expect("a valid template");
    let counted = indicatif::ProgressStyle::with_template(
        "{spinner} {elapsed:>4} {prefix} [{bar:20}] {pos}/{len} ({rate}, {eta} left) · {msg}",
    )
    .expect("a valid template")
    .with_key("rate", rate)
    .progress_chars("=> ");
    let shown = lines.clone();
    let bars: std::sync::Mutex<std::collections::HashMap<&'static str, indicatif::ProgressBar>> =
        std::sync::Mutex::default();
    let sink: connector::ProgressFn = Arc::new(move |event: &Progress| {
        let mut bars = bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(event.phase).or_insert_with(|| {
            let bar = shown.add(indicatif::ProgressBar::new_spinner());
            bar.set_style(if event.total.is_some() {
                counted.clone()
            } else {
                spinner.clone()
            });
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_prefix(phase_name(event.phase, event.total));
        if let Some(total) = event.total {
            bar.set_length(total);
        }
        bar.set_position(event.done);
        let mut message = format!("{} requests", event.stats.requests);
        if event.stats.retries > 0 {
            message.push_str(&format!(
                ", {} retried ({} waiting)",
                event.stats.retries,
                atlassian_core::human::duration(event.stats.retry_wait)
            ));
        }
        if let (1.., Some(note)) = (event.stats.waiting_to_retry, &event.stats.last_retry) {
            message.push_str(&format!(
                "; now waiting to retry {} (retry {}/{})",
                atlassian_core::human::inert(&note.failure),
                note.retry,
                note.budget
            ));
        }
        if event.stats.rate_limited > 0 || !event.stats.rate_limit_wait.is_zero() {
            message.push_str(&format!(
                ", rate limited {}× ({} waiting)",
                event.stats.rate_limited,
                atlassian_core::human::duration(event.stats.rate_limit_wait)
            ));
        }
        bar.set_message(message);
    });
    (Some(sink), Some(lines))
}

pub(super) async fn scan(
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
    // SIGINT and SIGTERM end the process from main's handler, which removes the temporary file.
    let outcome = connector::scan_into(&settings, progress, sink.as_dyn()).await;
    if let Some(bar) = &bar {
        let _ = bar.clear();
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
    let mut line = format!(
        "{} requests in {} ({:.0}/s)",
        stats.requests,
        atlassian_core::human::duration(elapsed),
        stats.requests as f64 / elapsed.as_secs_f64().max(0.001),
    );
    if stats.retries > 0 {
        line.push_str(&format!(", {} retried", stats.retries));
    }
    if stats.rate_limited > 0 {
        line.push_str(&format!(
            ", rate limited {}× ({} waiting)",
            stats.rate_limited,
            atlassian_core::human::duration(stats.rate_limit_wait)
        ));
    }
    say!("{line}");
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
