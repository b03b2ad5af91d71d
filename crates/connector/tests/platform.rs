//! The connector as a library, as the platform links it: the same results as the command line,
//! the registration facts, configurations refused before any request, and cancellation.

use std::time::Duration;

use atlassian_core::Inventory;
use atlassian_core::inventory::CollectSink;
use connector::platform::{SystemConfig, scan_system, test_connection};
use dc_sim::dataset::resolve_version;
use dc_sim::{Product, Scale, Sim, SimConfig, TokenRole, generate};
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");

async fn cli(args: &[&str], token: &str) -> (i32, String) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .env("ATLASSIAN_PAT", token)
        .env_remove("RUST_LOG")
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

async fn sim(product: Product, latency: Duration) -> Sim {
    let mut config = SimConfig::new(
        generate(product, Scale::TINY, 17),
        resolve_version(
            product,
            if product == Product::Jira {
                "9.12"
            } else {
                "9.2"
            },
        )
        .unwrap(),
    );
    config.tls = true;
    config.context_path = format!("/{product}");
    config.latency = latency;
    Sim::start(config).await.unwrap()
}

fn config_for(sim: &Sim, role: TokenRole) -> SystemConfig {
    let mut config = SystemConfig::new(sim.base_url(), sim.token(role));
    config.ca_bundle = Some(sim.ca_pem_path().unwrap().to_owned());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_library_gives_what_the_command_line_gives() {
    for product in [Product::Jira, Product::Confluence] {
        let sim = sim(product, Duration::ZERO).await;
        let ca = sim.ca_pem_path().unwrap().to_str().unwrap().to_owned();
        for role in [TokenRole::Admin, TokenRole::BrowseOnly] {
            let config = config_for(&sim, role);
            let report = test_connection(&config).await.unwrap();
            let (code, stdout) = cli(
                &["test", sim.base_url(), "--json", "--ca-cert", &ca],
                sim.token(role),
            )
            .await;
            let from_cli: Value = serde_json::from_str(&stdout).unwrap();
            assert_eq!(
                serde_json::to_value(&report).unwrap(),
                from_cli,
                "{product} {role}"
            );
            assert_eq!(code == 0, report.ok);
        }

        let mut sink = CollectSink::new();
        let summary = scan_system(&config_for(&sim, TokenRole::Admin), &mut sink, None)
            .await
            .unwrap();
        let collected = sink.into_inventory().expect("the sink was finished");
        let (code, stdout) = cli(
            &["scan", sim.base_url(), "--ca-cert", &ca],
            sim.token(TokenRole::Admin),
        )
        .await;
        assert_eq!(code, 0);
        let from_cli = Inventory::read_json(stdout.as_bytes()).unwrap();
        assert_eq!(collected.accounts, from_cli.accounts);
        assert_eq!(collected.groups, from_cli.groups);
        assert_eq!(collected.memberships, from_cli.memberships);
        assert_eq!(collected.resources, from_cli.resources);
        assert_eq!(collected.grants, from_cli.grants);
        assert_eq!(collected.coverage, from_cli.coverage);
        assert_eq!(summary.counts.memberships, from_cli.memberships.len());
        assert_eq!(collected.memberships, sim.ground_truth().memberships);
    }
}

#[tokio::test]
async fn describe_holds_every_registration_fact() {
    let (code, stdout) = cli(&["describe", "--json"], "unused").await;
    assert_eq!(code, 0);
    let d: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(d["os_type"], "JiraConfluenceDc");
    assert_eq!(d["system_type"], "Application");
    assert_eq!(d["default_scan_priority"], 500);
    assert_eq!(
        d["editions"],
        serde_json::json!({"community": false, "pro": true, "enterprise": true})
    );
    assert_eq!(d["protocol"]["api"], "REST");
    assert_eq!(d["protocol"]["transport"], "HTTPS");
    assert_eq!(d["protocol"]["port"], 443);
    assert_eq!(d["protocol"]["port_protocol"], "TCP");
    assert!(
        d["protocol"]["authentication"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );
    let mapping = d["credential_mapping"].as_array().unwrap();
    assert_eq!(mapping[0]["field"], "credential.password");
    assert_eq!(mapping[0]["meaning"], "the Personal Access Token");
    assert_eq!(mapping[1]["field"], "system.hostname");
    let permissions = d["minimum_permissions"].to_string();
    assert!(permissions.contains("Browse Users"));
    assert!(permissions.contains("Confluence Administrator or System Administrator"));
    let troubleshooting = d["troubleshooting"].as_array().unwrap();
    for (symptom, cause) in [
        (
            "401 Unauthorized",
            "invalid or expired Personal Access Token",
        ),
        ("No users returned", "Browse Users"),
        ("403 Forbidden", "administrator"),
        ("Cannot connect", "HTTPS not enabled"),
    ] {
        let row = troubleshooting
            .iter()
            .find(|r| r["symptom"] == symptom)
            .unwrap_or_else(|| panic!("no row for {symptom}"));
        assert!(
            row["likely_cause"].as_str().unwrap().contains(cause),
            "{row}"
        );
        assert!(!row["resolution"].as_str().unwrap().is_empty());
    }
    let (_, human) = cli(&["describe"], "unused").await;
    assert!(human.contains("JiraConfluenceDc"));
}

#[tokio::test]
async fn invalid_configurations_are_refused_before_any_request() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let good = SystemConfig::new(server.uri(), "NDA1MjValidToken");
    let cases: Vec<(SystemConfig, &str, &str)> = vec![
        (
            SystemConfig {
                hostname: "  ".into(),
                ..good.clone()
            },
            "system.hostname",
            "empty",
        ),
        (
            SystemConfig {
                hostname: format!("https://admin:hunter2@{}", &server.uri()[7..]),
                ..good.clone()
            },
            "system.hostname",
            "user name or password",
        ),
        (
            SystemConfig {
                hostname: "jira example.com".into(),
                ..good.clone()
            },
            "system.hostname",
            "white space",
        ),
        (
            SystemConfig {
                credential_password: "NDA1Mj Valid".into(),
                ..good.clone()
            },
            "credential.password",
            "white space",
        ),
        (
            SystemConfig {
                credential_password: "NDA1MjValid\n".into(),
                ..good.clone()
            },
            "credential.password",
            "line break",
        ),
        (
            SystemConfig {
                credential_password: String::new(),
                ..good.clone()
            },
            "credential.password",
            "empty",
        ),
        (
            SystemConfig {
                hostname: "jira.example.com".into(),
                port: Some(0),
                ..good.clone()
            },
            "system.port",
            "between",
        ),
        (
            SystemConfig {
                concurrency: Some(0),
                ..good.clone()
            },
            "system.concurrency",
            "at least",
        ),
        (
            SystemConfig {
                ca_bundle: Some("/nonexistent/ca.pem".into()),
                ..good.clone()
            },
            "system.ca_bundle",
            "cannot read",
        ),
    ];
    for (config, field, words) in cases {
        let err = test_connection(&config).await.unwrap_err();
        assert_eq!(err.field, field, "{err}");
        assert!(err.to_string().contains(words), "{err}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!err.to_string().contains("NDA1Mj"), "{err}");
        let mut sink = CollectSink::new();
        assert!(scan_system(&config, &mut sink, None).await.is_err());
    }
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "a request was sent"
    );
    // The valid forms are accepted.
    for (hostname, port, context, expected) in [
        ("jira.example.com", None, None, "https://jira.example.com"),
        (
            "jira.example.com",
            Some(8443),
            Some("/jira"),
            "https://jira.example.com:8443/jira",
        ),
        (
            "https://host/confluence/",
            None,
            None,
            "https://host/confluence",
        ),
    ] {
        let mut config = SystemConfig::new(hostname, "NDA1MjValidToken");
        config.port = port;
        config.context_path = context.map(str::to_owned);
        let settings = config.validate().unwrap();
        assert_eq!(settings.target.base_url.as_str(), expected);
    }
    assert!(
        !format!("{good:?}").contains("NDA1Mj"),
        "Debug shows the token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_scan_stops_it_and_leaves_nothing_marked_complete() {
    // Slow enough that the scan, however well it overlaps its requests, is still running.
    let sim = sim(Product::Jira, Duration::from_millis(250)).await;
    let mut sink = CollectSink::new();
    let config = config_for(&sim, TokenRole::Admin);
    let scan = scan_system(&config, &mut sink, None);
    assert!(
        tokio::time::timeout(Duration::from_millis(600), scan)
            .await
            .is_err(),
        "the scan ended too soon"
    );
    assert!(!sink.is_finished());
    let after_drop = sim.counters().total();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        sim.counters().total() <= after_drop + 8,
        "requests went on after the scan was dropped"
    );
}

/// A bare host whose root redirects (on its own origin) to a context path no list names is
/// found there: the probe follows the root's redirect, anonymously.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_host_follows_the_roots_redirect_to_its_context_path() {
    use atlassian_core::test_util::{TestCa, tls_terminator};
    use wiremock::matchers::{method, path};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", "/collab/homepage.action"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/collab/rest/applinks/1.0/manifest"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"id":"abc","name":"Collab","typeId":"confluence","version":"9.2.3"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let ca = TestCa::new("redirect test CA");
    let folder = tempfile::tempdir().unwrap();
    let pem = ca.write_ca_pem(folder.path());
    let front = tls_terminator(&ca.issue(&["127.0.0.1"]), *server.address()).await;
    let mut settings = SystemConfig::new(format!("127.0.0.1:{}", front.port()), "NDA1MjValidToken")
        .validate()
        .unwrap();
    settings.ca_cert = Some(pem);
    let probed = connector::probe(&settings).await.unwrap();
    assert_eq!(probed.product, connector::Product::Confluence);
    assert!(
        probed.base_url.as_str().ends_with("/collab"),
        "{}",
        probed.base_url
    );
    for request in server.received_requests().await.unwrap() {
        assert!(
            !request.headers.contains_key("authorization"),
            "the probe sent the token"
        );
    }
}
