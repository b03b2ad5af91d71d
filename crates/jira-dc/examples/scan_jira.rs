//! Scans a Jira Data Center with `jira-dc` alone (no `atlassian-core` import) and prints a
//! summary.
//!
//! ```sh
//! ATLASSIAN_PAT=… cargo run --release -p jira-dc --example scan_jira -- https://jira.example.com [--ca-cert ca.pem] [--json out.json | --ndjson out.ndjson]
//! ```
//!
//! With `--ndjson`, the inventory streams to the file as the scan finds it (`scan_into`): the
//! memberships, most of a large instance's records, are never held.

use std::path::PathBuf;

use jira_dc::{
    AtomicFile, Client, ClientConfig, Error, JiraClient, NdjsonSink, ScanOptions, Target, Token,
    error_chain, scan, scan_into,
};

#[allow(clippy::print_stdout, clippy::print_stderr)]
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(target) = args.next() else {
        eprintln!("usage: scan TARGET [--ca-cert PEM] [--json OUT]  (token in ATLASSIAN_PAT)");
        return std::process::ExitCode::from(2);
    };
    let (mut ca, mut out, mut ndjson) = (None, None, None);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--ca-cert" => ca = args.next().map(PathBuf::from),
            "--json" => out = args.next().map(PathBuf::from),
            "--ndjson" => ndjson = args.next().map(PathBuf::from),
            other => {
                eprintln!("unknown argument {other:?}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let run = async {
        let target = Target::parse(&target)?;
        let token = Token::from_env()?.ok_or_else(|| {
            Error::Config("set ATLASSIAN_PAT to the Personal Access Token".into())
        })?;
        let mut config = ClientConfig::new(target.base_url);
        config.token = Some(token);
        config.ca_bundle = ca;
        let client = Client::new(config)?;
        let started = std::time::Instant::now();
        if let Some(path) = ndjson {
            let api = JiraClient::new(client.clone());
            let mut sink = NdjsonSink::new(AtomicFile::create(&path)?);
            let summary = scan_into(&api, &ScanOptions::default(), &mut sink).await?;
            if let Some(file) = sink.into_finished() {
                file.commit()?;
            }
            println!(
                "{:?} in {:.1?}, written to {}",
                summary.counts,
                started.elapsed(),
                path.display()
            );
            return Ok(());
        }
        let inventory = scan(&JiraClient::new(client.clone()), &ScanOptions::default()).await?;
        let stats = client.stats();
        println!(
            "{} accounts, {} groups, {} memberships, {} resources, {} grants in {:.1?} ({} requests, {} retries, {} rate-limited)",
            inventory.accounts.len(),
            inventory.groups.len(),
            inventory.memberships.len(),
            inventory.resources.len(),
            inventory.grants.len(),
            started.elapsed(),
            stats.requests,
            stats.retries,
            stats.rate_limited,
        );
        for c in &inventory.coverage {
            println!(
                "  {:<28} {:<5} {}{}",
                c.collection,
                c.complete,
                c.method.as_deref().unwrap_or(""),
                c.detail
                    .as_deref()
                    .map(|d| format!(" — {d}"))
                    .unwrap_or_default()
            );
        }
        for w in inventory.warnings.iter().take(5) {
            println!("  warning: {w}");
        }
        if let Some(out) = out {
            let mut file = AtomicFile::create(&out)?;
            inventory.write_json(&mut file)?;
            file.commit()?;
        }
        Ok::<_, Error>(())
    };
    match run.await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
