//! Certificates that lie, through the real binary: for each of five bad server certificates
//! (with `--ca-cert` trusting the CA that should have issued it), `test` says `tls` with a
//! message naming the case and the case's own fix (human and `--json`, exit 1), and `scan`
//! fails (exit 1) naming the request and the case, writing nothing. The token appears nowhere.

use std::path::Path;
use std::process::Output;

use atlassian_core::test_util::{BadCert, TestCa, tls_terminator};
use serde_json::Value;
use wiremock::MockServer;

const BIN: &str = env!("CARGO_BIN_EXE_atlassian-dc");
const TOKEN: &str = "NjY5ODQ2NTQ4OTY0OpbN3aB6vCqT0kLyingCertPAT";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn run(args: &[&str], ca: &Path) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = tokio::process::Command::new(BIN)
        .args(args)
        .arg("--ca-cert")
        .arg(ca)
        .env("ATLASSIAN_PAT", TOKEN)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("the binary runs");
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    assert!(
        !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
        "the token leaked: {}\n{}",
        run.stdout,
        run.stderr
    );
    run
}

/// What `test` and `scan` say about a server presenting `bad`: the message must hold each of
/// `message`, the resolution each of `fix` (`{port}` stands for the server's port).
async fn check(bad: BadCert, message: &[&str], fix: &[&str]) {
    let backend = MockServer::start().await;
    let ca = TestCa::new("atlassian-dc test root");
    let cert = bad.issue(&ca, &["localhost", "127.0.0.1"]);
    let port = tls_terminator(&cert, *backend.address()).await.port();
    let dir = tempfile::tempdir().unwrap();
    let ca_pem = ca.write_ca_pem(dir.path());
    let target = format!("https://127.0.0.1:{port}/jira");
    let fix: Vec<String> = fix
        .iter()
        .map(|f| f.replace("{port}", &port.to_string()))
        .collect();

    let json = run(&["test", &target, "--json"], &ca_pem).await;
    assert_eq!(json.code, 1, "{bad:?}: {}\n{}", json.stdout, json.stderr);
    let report: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", json.stdout, json.stderr));
    assert_eq!(report["ok"], false, "{report:#}");
    assert_eq!(report["diagnosis"], "tls", "{report:#}");
    let text = report["message"].as_str().unwrap();
    assert!(
        text.starts_with("the TLS handshake or the certificate check failed: "),
        "{report:#}"
    );
    for words in message {
        assert!(text.contains(words), "{bad:?}: {words:?} in {report:#}");
    }
    let resolution = report["resolution"].as_str().unwrap();
    for words in &fix {
        assert!(
            resolution.contains(words.as_str()),
            "{bad:?}: {words:?} in {report:#}"
        );
    }
    let tls_check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "TLS")
        .unwrap_or_else(|| panic!("no TLS check: {report:#}"));
    assert_eq!(tls_check["ok"], false, "{report:#}");
    let detail = tls_check["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("GET /rest/applinks/1.0/manifest: ") && detail.contains("(rustls: "),
        "the request and rustls's own words: {report:#}"
    );
    for words in message {
        assert!(detail.contains(words), "{bad:?}: {words:?} in {report:#}");
    }

    let human = run(&["test", &target], &ca_pem).await;
    assert_eq!(human.code, 1, "{bad:?}: {}\n{}", human.stdout, human.stderr);
    assert!(
        human.stdout.starts_with("FAILED (tls): "),
        "{}",
        human.stdout
    );
    for words in message {
        assert!(
            human.stdout.contains(words),
            "{words:?} in {}",
            human.stdout
        );
    }
    assert!(
        human.stdout.contains(&format!("to fix:  {resolution}")),
        "{}",
        human.stdout
    );

    let out = dir.path().join("inventory.json");
    let scan = run(&["scan", &target, "--out", out.to_str().unwrap()], &ca_pem).await;
    assert_eq!(scan.code, 1, "{bad:?}: {}", scan.stderr);
    assert!(
        scan.stderr.contains(
            "GET /rest/applinks/1.0/manifest: TLS handshake or certificate check failed: "
        ),
        "{bad:?}: the request is named: {}",
        scan.stderr
    );
    for words in message {
        assert!(scan.stderr.contains(words), "{words:?} in {}", scan.stderr);
    }
    assert!(scan.stderr.contains("to fix: "), "{}", scan.stderr);
    assert!(!out.exists(), "a failed scan writes nothing");
    assert!(
        backend.received_requests().await.unwrap().is_empty(),
        "nothing passes a failed certificate check"
    );
}

#[tokio::test]
async fn a_certificate_for_another_name_names_both_and_says_which_host_to_use() {
    check(
        BadCert::NameMismatch,
        &["the certificate's name does not match: it is for jira.example.com, not 127.0.0.1"],
        &[
            "use a host name the certificate names (jira.example.com) in the target",
            "have the certificate reissued with 127.0.0.1",
        ],
    )
    .await;
}

#[tokio::test]
async fn an_expired_certificate_says_when_and_to_renew_it() {
    let expired_on = (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(365 * 24))
        .strftime("the certificate expired on %Y-%m-%d")
        .to_string();
    check(
        BadCert::Expired,
        &[&expired_on],
        &[
            "renew the server's certificate",
            "check this machine's clock",
        ],
    )
    .await;
}

#[tokio::test]
async fn a_certificate_not_valid_yet_says_from_when_and_to_check_the_clock() {
    let valid_from = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(365 * 24))
        .strftime("the certificate is not valid yet: it is valid from %Y-%m-%d")
        .to_string();
    check(
        BadCert::NotYetValid,
        &[&valid_from, "this machine's clock says"],
        &["check this machine's clock (it says "],
    )
    .await;
}

/// A self-signed leaf and a missing intermediate reach the client as the same rustls error
/// (`UnknownIssuer`, no certificate attached): one message covers both, with the command that
/// tells them apart and each one's fix.
const UNKNOWN_ISSUER: &[&str] = &[
    "the certificate was not issued by a certificate authority this machine trusts",
    "a self-signed certificate",
    "a server that does not send its intermediate certificate",
];
const UNKNOWN_ISSUER_FIX: &[&str] = &[
    "openssl s_client -connect 127.0.0.1:{port} -showcerts",
    "pass that CA's certificate with --ca-cert",
    "self-signed (issuer = subject), pass it with --ca-cert",
    "fix the server's chain",
];

#[tokio::test]
async fn a_self_signed_certificate_says_how_to_check_and_what_to_do() {
    check(BadCert::SelfSigned, UNKNOWN_ISSUER, UNKNOWN_ISSUER_FIX).await;
}

#[tokio::test]
async fn a_chain_missing_its_intermediate_says_how_to_check_and_to_fix_the_chain() {
    check(
        BadCert::MissingIntermediate,
        UNKNOWN_ISSUER,
        UNKNOWN_ISSUER_FIX,
    )
    .await;
}
