//! The report in a real browser: headless Chromium (Debian's `chromium`; `.ci/run` installs it)
//! opens the report of the demo's data, and the test asserts that no request leaves the page,
//! nothing is written to the console, the coverage and every finding's title and count are in
//! the rendered page, and a hostile name renders as text. A screenshot is saved for a person to
//! look at: `target/report-screenshot.png` (not committed).
//!
//! Set `ATLASSIAN_DC_NO_BROWSER=1` to skip it on a machine without Chromium; otherwise a missing
//! browser fails the test, so that it is never skipped by accident.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atlassian_core::access::AccessIndex;
use atlassian_core::{Group, Inventory};
use connector::review::{ReviewOptions, html, review};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, generate};

const HOSTILE: &str = "<img src=x onerror=alert(1)>";

/// A loopback proxy that records the first line of every request sent through it.
fn recording_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut line = String::new();
            if BufReader::new(&stream).read_line(&mut line).is_ok() {
                record.lock().unwrap().push(line.trim().to_owned());
            }
        }
    });
    (port, seen)
}

/// Requests a page made, leaving out Chromium's own calls to Google's services.
fn page_requests(seen: &Mutex<Vec<String>>) -> Vec<String> {
    seen.lock()
        .unwrap()
        .iter()
        .filter(|line| {
            let target = line.split(' ').nth(1).unwrap_or("");
            let host = target
                .trim_start_matches("http://")
                .split(['/', ':'])
                .next()
                .unwrap_or("");
            !(host == "google.com"
                || host.ends_with(".google.com")
                || host.ends_with(".googleapis.com"))
        })
        .cloned()
        .collect()
}

fn chromium() -> Option<PathBuf> {
    if std::env::var_os("ATLASSIAN_DC_NO_BROWSER").is_some() {
        return None;
    }
    let name = std::env::var("CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file());
    Some(found.unwrap_or_else(|| {
        panic!(
            "{name} is not installed: apt-get install chromium, or set ATLASSIAN_DC_NO_BROWSER=1"
        )
    }))
}

/// Opens `page` headless through the proxy on `port`: the DOM after rendering, the console
/// lines, and how long it took.
fn open(browser: &Path, page: &Path, port: u16, extra: &[&str]) -> (String, Vec<String>, Duration) {
    let profile = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--proxy-server=127.0.0.1:{port}"))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_owned)
        .collect();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        console,
        elapsed,
    )
}

fn demo_inventory() -> Inventory {
    let mut inventory = dc_sim::truth::ground_truth(
        &generate(Product::Jira, Scale::SMALL, 1),
        resolve_version(Product::Jira, "9.12").unwrap(),
        "https://sim.invalid",
    );
    inventory.groups.push(Group::new(HOSTILE));
    inventory
}

#[test]
fn the_report_renders_offline_in_chromium() {
    let Some(browser) = chromium() else {
        return;
    };
    let folder = tempfile::tempdir().unwrap();
    let (port, seen) = recording_proxy();

    // The detector works: a page that does make a request is seen making it.
    let leaky = folder.path().join("leaky.html");
    std::fs::write(
        &leaky,
        "<!doctype html><img src=\"http://leak.invalid/x.png\"><p>x</p>",
    )
    .unwrap();
    let _ = open(&browser, &leaky, port, &["--dump-dom"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        page_requests(&seen)
            .iter()
            .any(|l| l.contains("leak.invalid")),
        "the proxy saw no request from a page that makes one: {:?}",
        seen.lock().unwrap()
    );
    seen.lock().unwrap().clear();

    let inventory = demo_inventory();
    let index = AccessIndex::new(&inventory);
    let findings = review(&inventory, &index, &ReviewOptions::default()).unwrap();
    let page = folder.path().join("report.html");
    std::fs::write(&page, html::render(&inventory, &index, &findings).unwrap()).unwrap();

    let (dom, console, elapsed) = open(&browser, &page, port, &["--dump-dom"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        page_requests(&seen).is_empty(),
        "requests: {:?}",
        page_requests(&seen)
    );
    assert!(console.is_empty(), "console: {console:?}");
    assert!(
        dom.contains("<h2>Coverage</h2>"),
        "not rendered: {}",
        &dom[..dom.len().min(500)]
    );
    for c in &inventory.coverage {
        assert!(
            dom.contains(&html::escape(&c.collection)),
            "{}",
            c.collection
        );
    }
    for f in &findings.findings {
        let summary = format!(
            "{}</span>{}<span class=\"count\">{}</span>",
            f.severity.as_str(),
            html::escape(&f.title),
            f.count
        );
        assert!(dom.contains(&summary), "finding {} not rendered", f.id);
    }
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile name is not text"
    );
    assert!(!dom.contains("<img"), "the hostile name became an element");
    #[allow(
        clippy::print_stderr,
        reason = "the figure, for a person running the test"
    )]
    {
        eprintln!("Chromium rendered the report in {elapsed:.2?}");
    }

    let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/report-screenshot.png");
    let _ = open(
        &browser,
        &page,
        port,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
        ],
    );
    assert!(shot.is_file(), "no screenshot at {}", shot.display());
}
