//! The real `atlassian-dc` binary against the simulator over HTTPS with a private CA: every
//! `test` diagnosis from the situation it names, scans equal to the ground truth, atomic output,
//! `diff` of two scans around a change, and the token in no output.

mod common;

use std::path::Path;
use std::process::Output;

use atlassian_core::Inventory;
use atlassian_core::test_util::{assert_same_records, schema_errors};
use dc_sim::dataset::resolve_version;
use dc_sim::{Dataset, Product, Scale, Sim, SimConfig, TokenRole, generate};
use serde_json::Value;
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Every output of every run, to check the token never appears.
static OUTPUTS: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

async fn run(args: &[&str], token: Option<&str>, ca: Option<&Path>) -> Run {
    let mut command = tokio::process::Command::new(BIN);
    command
        .args(args)
        .env_remove("ATLASSIAN_PAT")
        .env_remove("RUST_LOG");
    if let Some(token) = token {
        command.env("ATLASSIAN_PAT", token);
    }
    if let Some(ca) = ca {
        command.arg("--ca-cert").arg(ca);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().await.expect("the binary runs");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    if let Some(token) = token {
        OUTPUTS
            .lock()
            .unwrap()
            .push((token.to_owned(), format!("{}\n{}", run.stdout, run.stderr)));
    }
    run
}

async fn sim(product: Product, version: &str, data: Dataset) -> Sim {
    let mut config = SimConfig::new(data, resolve_version(product, version).unwrap());
    config.tls = true;
    config.context_path = format!("/{product}");
    Sim::start(config).await.unwrap()
}

async fn test_json(target: &str, token: Option<&str>, ca: Option<&Path>) -> (i32, Value) {
    let r = run(&["test", target, "--json", "-vvv"], token, ca).await;
    let report: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, report)
}

fn no_token_leaked() {
    for (token, output) in OUTPUTS.lock().unwrap().iter() {
        assert!(
            !output.contains(token.as_str()),
            "the token leaked: {output}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_diagnosis_comes_from_its_situation() {
    for (product, version) in [(Product::Jira, "9.12"), (Product::Confluence, "9.2")] {
        let sim = sim(product, version, generate(product, Scale::TINY, 3)).await;
        let ca = sim.ca_pem_path().unwrap().to_owned();
        let base = sim.base_url().to_owned();
        let expect = |token: Option<String>, ca: Option<&Path>, diagnosis: &'static str| {
            let base = base.clone();
            let ca = ca.map(Path::to_owned);
            async move {
                let (code, report) = test_json(&base, token.as_deref(), ca.as_deref()).await;
                assert_eq!(report["diagnosis"], diagnosis, "{product}: {report:#}");
                assert_eq!(code, if diagnosis == "ok" { 0 } else { 1 }, "{report:#}");
                assert!(report["resolution"].is_string() && report["checks"].is_array());
                report
            }
        };
        let ok = expect(
            Some(sim.token(TokenRole::Admin).to_owned()),
            Some(&ca),
            "ok",
        )
        .await;
        assert_eq!(ok["product"], product.to_string());
        assert_eq!(ok["ok"], true);
        assert_eq!(ok["base_url"], base.as_str());
        assert!(ok["user"].is_string());
        let bad = expect(
            Some("NDA1MjBadTokenValue".to_owned()),
            Some(&ca),
            "unauthorized",
        )
        .await;
        assert!(bad["resolution"].as_str().unwrap().contains("Regenerate"));
        expect(
            Some(sim.token(TokenRole::BrowseOnly).to_owned()),
            Some(&ca),
            "forbidden",
        )
        .await;
        expect(
            Some(sim.token(TokenRole::NoBrowse).to_owned()),
            Some(&ca),
            "no_users",
        )
        .await;
        // The same server without its CA: an untrusted certificate.
        let tls = expect(Some(sim.token(TokenRole::Admin).to_owned()), None, "tls").await;
        assert!(
            tls["message"].as_str().unwrap().contains("UnknownIssuer"),
            "{tls:#}"
        );
    }
    no_token_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_that_are_not_data_center_are_told_apart() {
    let token = Some("NDA1MjSomeTokenValue");
    // Nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_, closed) = test_json(&format!("https://127.0.0.1:{port}"), token, None).await;
    assert_eq!(closed["diagnosis"], "cannot_connect", "{closed:#}");
    assert!(closed["resolution"].as_str().unwrap().contains("HTTPS"));

    // An SSO proxy answering every path with its login page.
    let sso = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html")
                .set_body_string(
                    "<html><head><title>Sign In</title></head><body>SSO</body></html>",
                ),
        )
        .mount(&sso)
        .await;
    let (_, login) = test_json(&sso.uri(), token, None).await;
    assert_eq!(login["diagnosis"], "not_atlassian", "{login:#}");
    assert!(
        login["message"].as_str().unwrap().contains("HTML"),
        "{login:#}"
    );
    assert!(
        sso.received_requests()
            .await
            .unwrap()
            .iter()
            .all(|r| r.headers.get("authorization").is_none()),
        "the probe sent the token to something that is not Jira or Confluence"
    );

    // A plain web server.
    let web = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&web)
        .await;
    let (_, plain) = test_json(&web.uri(), token, None).await;
    assert_eq!(plain["diagnosis"], "not_atlassian", "{plain:#}");

    // Something that answers like Atlassian Cloud.
    let cloud = MockServer::start().await;
    Mock::given(path("/rest/api/2/serverInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "baseUrl": "https://example.atlassian.net", "version": "1001.0.0-SNAPSHOT",
            "versionNumbers": [1001, 0, 0], "deploymentType": "Cloud", "buildNumber": 100275})))
        .mount(&cloud)
        .await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404))
        .mount(&cloud)
        .await;
    let (_, c) = test_json(&cloud.uri(), token, None).await;
    assert_eq!(c["diagnosis"], "cloud", "{c:#}");
    no_token_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scans_equal_the_ground_truth_and_write_atomically() {
    let dir = tempfile::tempdir().unwrap();
    for (product, version) in [(Product::Jira, "10.3"), (Product::Confluence, "8.5")] {
        let sim = sim(product, version, generate(product, Scale::TINY, 9)).await;
        let ca = sim.ca_pem_path().unwrap().to_owned();
        let token = sim.token(TokenRole::Admin).to_owned();
        let out = dir.path().join(format!("{product}.json"));
        let r = run(
            &["scan", sim.base_url(), "--out", out.to_str().unwrap(), "-v"],
            Some(&token),
            Some(&ca),
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.contains("inventory written to"), "{}", r.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert!(
            schema_errors(&value).is_empty(),
            "{:?}",
            schema_errors(&value)
        );
        let inventory = Inventory::read_json(text.as_bytes()).unwrap();
        assert_same_records(&inventory, &sim.ground_truth());

        // NDJSON to stdout reads back to the same records.
        let r = run(
            &["scan", sim.base_url(), "--format", "ndjson"],
            Some(&token),
            Some(&ca),
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let ndjson = Inventory::read_ndjson(r.stdout.as_bytes()).unwrap();
        assert_same_records(&ndjson, &inventory);

        // A failed scan (a refused token) leaves the last good file as it was, in either format.
        let before = std::fs::read(&out).unwrap();
        for format in ["json", "ndjson"] {
            let r = run(
                &[
                    "scan",
                    sim.base_url(),
                    "--out",
                    out.to_str().unwrap(),
                    "--format",
                    format,
                ],
                Some("NDA1MjRevokedToken"),
                Some(&ca),
            )
            .await;
            assert_eq!(r.code, 1);
            assert!(r.stderr.contains("scan failed"), "{}", r.stderr);
            assert!(r.stderr.contains("401"), "{}", r.stderr);
            assert_eq!(std::fs::read(&out).unwrap(), before);
        }
        // A streamed NDJSON file reads back to the same records, trailer included.
        let streamed = dir.path().join(format!("{product}.ndjson"));
        let r = run(
            &[
                "scan",
                sim.base_url(),
                "--format",
                "ndjson",
                "--out",
                streamed.to_str().unwrap(),
            ],
            Some(&token),
            Some(&ca),
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        let text = std::fs::read_to_string(&streamed).unwrap();
        assert!(text.lines().next().unwrap().contains("\"kind\":\"header\""));
        assert!(
            text.lines()
                .last()
                .unwrap()
                .contains("\"kind\":\"trailer\"")
        );
        assert_same_records(
            &Inventory::read_ndjson(text.as_bytes()).unwrap(),
            &inventory,
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".json") && !n.ends_with(".ndjson"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    no_token_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_of_two_scans_reports_exactly_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let before = generate(Product::Jira, Scale::TINY, 11);
    let mut after = before.clone();
    // The change: user 5 deactivated (or activated) and renamed; user 6 joins (or leaves)
    // group 4.
    after.users[5].active = !after.users[5].active;
    after.users[5].username = format!("{}-renamed", after.users[5].username);
    let newcomer = 6u32;
    if !after.groups[4].members.contains(&newcomer) {
        after.groups[4].members.push(newcomer);
    } else {
        after.groups[4].members.retain(|&u| u != newcomer);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut files = Vec::new();
    for (i, data) in [before.clone(), after.clone()].into_iter().enumerate() {
        let mut config = SimConfig::new(data, resolve_version(Product::Jira, "9.12").unwrap());
        config.port = port;
        let sim = Sim::start(config).await.unwrap();
        let out = dir.path().join(format!("scan{i}.json"));
        let r = run(
            &["scan", sim.base_url(), "--out", out.to_str().unwrap()],
            Some(sim.token(TokenRole::Admin)),
            None,
        )
        .await;
        assert_eq!(r.code, 0, "{}", r.stderr);
        files.push(out);
        drop(sim);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let same = run(
        &[
            "diff",
            files[0].to_str().unwrap(),
            files[0].to_str().unwrap(),
        ],
        None,
        None,
    )
    .await;
    assert_eq!(same.code, 0, "{}", same.stdout);
    let r = run(
        &[
            "diff",
            files[0].to_str().unwrap(),
            files[1].to_str().unwrap(),
            "--json",
        ],
        None,
        None,
    )
    .await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d["schema"], "atlassian-dc-diff/v1");
    let user = &before.users[5];
    let changed = d["accounts"]["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{d:#}");
    assert_eq!(changed[0]["key"], user.key.as_str());
    assert_eq!(
        changed[0]["changes"]["active"],
        serde_json::json!([user.active, !user.active])
    );
    assert_eq!(
        changed[0]["changes"]["username"],
        serde_json::json!([user.username, format!("{}-renamed", user.username)])
    );
    assert!(d["accounts"]["added"].as_array().unwrap().is_empty());
    assert!(d["accounts"]["removed"].as_array().unwrap().is_empty());
    let memberships = &d["memberships"];
    let moved = memberships["added"].as_array().unwrap().len()
        + memberships["removed"].as_array().unwrap().len();
    assert!(moved >= 1, "{d:#}");
    for change in memberships["added"]
        .as_array()
        .unwrap()
        .iter()
        .chain(memberships["removed"].as_array().unwrap())
    {
        assert_eq!(change["account"], before.users[6].key.as_str(), "{d:#}");
    }
    assert!(d["grants"]["added"].as_array().unwrap().is_empty(), "{d:#}");
    assert!(
        d["grants"]["removed"].as_array().unwrap().is_empty(),
        "{d:#}"
    );
    assert!(d["groups"]["added"].as_array().unwrap().is_empty());
    assert!(d["resources"]["changed"].as_array().unwrap().is_empty());
    assert!(d["coverage"]["changed"].as_array().unwrap().is_empty());

    let human = run(
        &[
            "diff",
            files[0].to_str().unwrap(),
            files[1].to_str().unwrap(),
        ],
        None,
        None,
    )
    .await;
    assert_eq!(human.code, 1);
    assert!(human.stdout.contains(&user.key), "{}", human.stdout);

    // Bad input: a truncated NDJSON stream, and an unreadable file.
    let partial = dir.path().join("partial.ndjson");
    std::fs::write(&partial, "{\"kind\":\"header\"}\n").unwrap();
    let bad = run(
        &[
            "diff",
            files[0].to_str().unwrap(),
            partial.to_str().unwrap(),
        ],
        None,
        None,
    )
    .await;
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    let missing = run(
        &["diff", "/nonexistent.json", files[0].to_str().unwrap()],
        None,
        None,
    )
    .await;
    assert_eq!(missing.code, 2);
}

#[tokio::test]
async fn no_credential_is_a_usage_error() {
    let r = run(&["scan", "https://127.0.0.1:1"], None, None).await;
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("ATLASSIAN_PAT"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_host_finds_the_context_path() {
    for product in [Product::Jira, Product::Confluence] {
        let version = if product == Product::Jira {
            "10.3"
        } else {
            "7.19"
        };
        let sim = sim(product, version, generate(product, Scale::TINY, 4)).await;
        let ca = sim.ca_pem_path().unwrap().to_owned();
        // Only host:port: nothing answers at the root, the probe tries /jira and /confluence.
        let bare = format!("127.0.0.1:{}", sim.address().port());
        let (code, report) = test_json(&bare, Some(sim.token(TokenRole::Admin)), Some(&ca)).await;
        assert_eq!(code, 0, "{report:#}");
        assert_eq!(report["base_url"], sim.base_url(), "{report:#}");
        assert_eq!(report["product"], product.to_string());
    }
    // Confluence at /wiki, as many installations serve it.
    let mut config = SimConfig::new(
        generate(Product::Confluence, Scale::TINY, 4),
        resolve_version(Product::Confluence, "9.2").unwrap(),
    );
    config.tls = true;
    config.context_path = "/wiki".into();
    let wiki = Sim::start(config).await.unwrap();
    let ca = wiki.ca_pem_path().unwrap().to_owned();
    let bare = format!("127.0.0.1:{}", wiki.address().port());
    let (code, report) = test_json(&bare, Some(wiki.token(TokenRole::Admin)), Some(&ca)).await;
    assert_eq!(code, 0, "{report:#}");
    assert!(
        report["base_url"].as_str().unwrap().ends_with("/wiki"),
        "{report:#}"
    );
    no_token_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_or_terminated_scan_leaves_the_last_good_file_untouched() {
    let mut config = SimConfig::new(
        generate(Product::Jira, Scale::TINY, 5),
        resolve_version(Product::Jira, "9.12").unwrap(),
    );
    config.latency = std::time::Duration::from_millis(100);
    let sim = Sim::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inventory.ndjson");
    std::fs::write(&out, "the last good inventory\n").unwrap();
    // SIGINT from a person, SIGTERM from a container runtime or a scheduler: the same ending.
    for (signal, code, format) in [
        ("-INT", 130, "json"),
        ("-INT", 130, "ndjson"),
        ("-TERM", 143, "json"),
        ("-TERM", 143, "ndjson"),
    ] {
        let child = tokio::process::Command::new(BIN)
            .args([
                "scan",
                sim.base_url(),
                "--format",
                format,
                "--out",
                out.to_str().unwrap(),
            ])
            .env("ATLASSIAN_PAT", sim.token(TokenRole::Admin))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let pid = child.id().unwrap().to_string();
        let killed = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let output = child.wait_with_output().await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{signal} {format}: {stderr}"
        );
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "the last good inventory\n"
        );
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1, "temporary files left behind");
    }
}

/// Two scans given the same `--out` at once (two schedulers, a retry that overlaps the run it
/// retries): each writes its own temporary file and renames it whole, so the file ends as one
/// of the two complete inventories, never a mix, and no temporary file is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_scans_to_one_out_leave_one_whole_inventory() {
    let start = |seed: u64| async move {
        let mut config = SimConfig::new(
            generate(Product::Jira, Scale::TINY, seed),
            resolve_version(Product::Jira, "9.12").unwrap(),
        );
        config.latency = std::time::Duration::from_millis(3);
        Sim::start(config).await.unwrap()
    };
    let (one, two) = (start(31).await, start(32).await);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("inventory");
    for format in ["json", "ndjson"] {
        let scan = |sim: &Sim| {
            tokio::process::Command::new(BIN)
                .args(["scan", sim.base_url(), "--format", format, "--out"])
                .arg(&out)
                .env("ATLASSIAN_PAT", sim.token(TokenRole::Admin))
                .env_remove("RUST_LOG")
                .output()
        };
        let (first, second) = tokio::join!(scan(&one), scan(&two));
        for output in [first.unwrap(), second.unwrap()] {
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let text = std::fs::read(&out).unwrap();
        let written = Inventory::read_auto(&text).expect("a whole inventory");
        let truth = if written.system.base_url == one.ground_truth().system.base_url {
            one.ground_truth()
        } else {
            two.ground_truth()
        };
        assert_same_records(&written, &truth);
        let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(files.len(), 1, "{format}: temporary files left behind");
    }
}

/// Run as a platform runs it (stderr to a file or pipe): no terminal escape reaches the log,
/// and with `--log-format json` every stderr line is one JSON object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_to_a_pipe_has_no_escapes_and_json_logs_parse() {
    let mut config = SimConfig::new(
        generate(Product::Jira, Scale::TINY, 4),
        resolve_version(Product::Jira, "9.12").unwrap(),
    );
    // Plain HTTP: the client warns, so there is a log line to look at.
    config.tls = false;
    let sim = Sim::start(config).await.unwrap();
    let token = sim.token(TokenRole::Admin).to_owned();
    let text = run(
        &["scan", sim.base_url(), "--out", "/dev/null"],
        Some(&token),
        None,
    )
    .await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    // Written in place: a rename over it (as root) would have made /dev/null a plain file.
    {
        use std::os::unix::fs::FileTypeExt;
        let null = std::fs::metadata("/dev/null").unwrap().file_type();
        assert!(null.is_char_device(), "/dev/null is no longer a device");
    }
    assert!(
        text.stderr.contains("WARN"),
        "no warning to look at: {}",
        text.stderr
    );
    assert!(
        !text.stderr.contains('\u{1b}'),
        "escapes in a pipe: {:?}",
        text.stderr
    );
    assert!(
        !text.stderr.contains("ns waiting") && !text.stderr.contains("µs"),
        "{}",
        text.stderr
    );

    let json = run(
        &[
            "scan",
            sim.base_url(),
            "--out",
            "/dev/null",
            "--log-format",
            "json",
        ],
        Some(&token),
        None,
    )
    .await;
    assert_eq!(json.code, 0, "{}", json.stderr);
    let lines: Vec<&str> = json.stderr.lines().collect();
    assert!(lines.len() >= 3, "{}", json.stderr);
    for line in lines {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(
            value["level"].is_string() && value["fields"]["message"].is_string(),
            "{line}"
        );
    }
    // A failure names its request once.
    let refused = run(&["scan", "127.0.0.1:9"], Some(&token), None).await;
    assert_eq!(refused.code, 1);
    for line in refused.stderr.lines() {
        assert!(
            line.matches("/rest/applinks/1.0/manifest").count() <= 1,
            "{line}"
        );
    }
    no_token_leaked();
}

/// On a terminal (a pty from util-linux `script`), a phase that knows its total shows a bar
/// with position and total: the members phase names how many groups it reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_progress_bar_shows_the_membership_total_on_a_terminal() {
    let data = generate(Product::Jira, Scale::TINY, 4);
    let groups = data.groups.len();
    let mut config = SimConfig::new(data, resolve_version(Product::Jira, "9.12").unwrap());
    config.tls = false;
    // Slow enough that the members phase lasts several of the bar's frames.
    config.latency = std::time::Duration::from_millis(60);
    let sim = Sim::start(config).await.unwrap();
    let out =
        common::scan_on_a_terminal(BIN, sim.base_url(), sim.token(TokenRole::Admin), &[]).await;
    let plain = common::screen_text(&String::from_utf8_lossy(&out.stdout));
    assert!(out.status.success(), "{plain}");
    assert!(
        plain.contains(&format!("members of {groups} groups [")),
        "no membership bar: {plain}"
    );
    assert!(
        plain.contains(&format!("/{groups} (")),
        "no position/total: {plain}"
    );
}

/// Help teaches: the top level and every command end with real examples; completions print.
#[tokio::test]
async fn help_ends_with_examples_and_completions_print() {
    for args in [
        vec!["--help"],
        vec!["test", "--help"],
        vec!["scan", "--help"],
        vec!["access", "--help"],
        vec!["explain", "--help"],
        vec!["report", "--help"],
        vec!["diff", "--help"],
        vec!["completions", "--help"],
    ] {
        let help = run(&args, None, None).await;
        assert_eq!(help.code, 0, "{args:?}");
        let examples = help.stdout.split("Examples:").nth(1).unwrap_or_default();
        assert!(
            examples
                .lines()
                .filter(|l| l.trim_start().starts_with("atlassian-dc "))
                .count()
                >= 2,
            "{args:?}: {}",
            help.stdout
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let out = run(&["completions", shell], None, None).await;
        assert_eq!(out.code, 0);
        assert!(
            out.stdout.contains("atlassian-dc") && out.stdout.contains("report"),
            "{shell}"
        );
    }
}
