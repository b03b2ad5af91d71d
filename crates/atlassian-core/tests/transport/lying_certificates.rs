//! Certificates that lie: each of five bad server certificates (the client trusting the CA
//! that should have issued it) fails as TLS, with its own problem, message and fix, before
//! anything reaches the server behind the TLS terminator.

use atlassian_core::diagnosis::{Diagnosis, TlsProblem};
use atlassian_core::test_util::{BadCert, ServerCert, TestCa, test_config, tls_terminator};
use atlassian_core::{Client, Error, Request, error_chain};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TOKEN;

/// A server behind `cert`, and a client trusting `ca` (with the token).
async fn server_with(ca: &TestCa, cert: &ServerCert) -> (MockServer, Client, tempfile::TempDir) {
    let backend = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "svc"})))
        .mount(&backend)
        .await;
    let address = tls_terminator(cert, *backend.address()).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(
        &format!("https://127.0.0.1:{}/jira", address.port()),
        Some(TOKEN),
    );
    config.ca_bundle = Some(ca.write_ca_pem(dir.path()));
    (backend, Client::new(config).unwrap(), dir)
}

/// The error of one request to a server presenting `bad`.
async fn failure(bad: BadCert) -> (Error, MockServer) {
    let ca = TestCa::new("atlassian-dc test root");
    let cert = bad.issue(&ca, &["localhost", "127.0.0.1"]);
    let (backend, client, _dir) = server_with(&ca, &cert).await;
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    (err, backend)
}

/// What every lie has in common: TLS, not retried, nothing sent to the server, the request
/// named, no token; returns the problem and the whole error text.
async fn checked(bad: BadCert) -> (TlsProblem, String) {
    let (err, backend) = failure(bad).await;
    assert!(err.is_tls(), "{bad:?}: {err:?}");
    assert_eq!(Diagnosis::of_error(&err), Some(Diagnosis::Tls), "{bad:?}");
    assert!(
        !err.is_retryable(),
        "{bad:?}: a certificate failure is not retried"
    );
    assert!(
        backend.received_requests().await.unwrap().is_empty(),
        "{bad:?}: nothing passes a failed certificate check"
    );
    let chain = error_chain(&err);
    assert!(
        chain.starts_with("GET /rest/api/2/myself: TLS handshake or certificate check failed: "),
        "{chain}"
    );
    assert!(!chain.contains(TOKEN), "{chain}");
    let problem = TlsProblem::of_error(&err).expect("a TLS error has a problem");
    (problem, chain)
}

#[tokio::test]
async fn a_certificate_for_another_name_says_which_names_it_has() {
    let (problem, chain) = checked(BadCert::NameMismatch).await;
    assert_eq!(
        problem,
        TlsProblem::NameMismatch {
            host: Some("127.0.0.1".to_owned()),
            names: vec![BadCert::OTHER_NAME.to_owned()],
        }
    );
    assert!(
        chain.contains(
            "the certificate's name does not match: it is for jira.example.com, not 127.0.0.1; \
             to fix: use a host name the certificate names (jira.example.com) in the target, or \
             have the certificate reissued with 127.0.0.1 among its subject alternative names"
        ),
        "{chain}"
    );
}

#[tokio::test]
async fn an_expired_certificate_says_when_it_expired_and_to_renew_it() {
    let (problem, chain) = checked(BadCert::Expired).await;
    let TlsProblem::Expired {
        not_after: Some(not_after),
        now: Some(now),
    } = problem
    else {
        panic!("{problem:?}");
    };
    // Issued to end a year ago (give or take the test's own seconds).
    let year_ago = now.as_second() - not_after.as_second();
    assert!(
        (365 * 86_400 - 60..=365 * 86_400 + 60).contains(&year_ago),
        "{not_after} {now}"
    );
    let day = not_after.strftime("%Y-%m-%d").to_string();
    assert!(
        chain.contains(&format!("the certificate expired on {day} ")),
        "{chain}"
    );
    assert!(
        chain.contains("to fix: renew the server's certificate"),
        "{chain}"
    );
}

#[tokio::test]
async fn a_certificate_not_valid_yet_says_from_when_and_to_check_the_clock() {
    let (problem, chain) = checked(BadCert::NotYetValid).await;
    let TlsProblem::NotYetValid {
        not_before: Some(not_before),
        now: Some(now),
    } = problem
    else {
        panic!("{problem:?}");
    };
    assert!(not_before > now, "{not_before} {now}");
    let day = not_before.strftime("%Y-%m-%d").to_string();
    assert!(
        chain.contains(&format!(
            "the certificate is not valid yet: it is valid from {day} "
        )),
        "{chain}"
    );
    assert!(
        chain.contains("to fix: check this machine's clock (it says "),
        "{chain}"
    );
}

/// A self-signed leaf and a leaf whose intermediate the server does not send fail alike: the
/// rustls error is `UnknownIssuer` and carries no certificate, so the message covers both (and
/// a private CA) and says how to tell them apart.
fn assert_unknown_issuer(problem: &TlsProblem, chain: &str) {
    assert_eq!(*problem, TlsProblem::UnknownIssuer);
    for words in [
        "the certificate was not issued by a certificate authority this machine trusts",
        "a self-signed certificate",
        "does not send its intermediate certificate",
        "openssl s_client -connect HOST:PORT -showcerts",
        "pass that CA's certificate with --ca-cert",
        "fix the server's chain",
    ] {
        assert!(chain.contains(words), "{words:?} in {chain}");
    }
}

#[tokio::test]
async fn a_self_signed_certificate_is_an_unknown_issuer_with_the_way_to_check() {
    let (problem, chain) = checked(BadCert::SelfSigned).await;
    assert_unknown_issuer(&problem, &chain);
}

#[tokio::test]
async fn a_chain_missing_its_intermediate_is_an_unknown_issuer_with_the_way_to_check() {
    let (problem, chain) = checked(BadCert::MissingIntermediate).await;
    assert_unknown_issuer(&problem, &chain);
}

#[tokio::test]
async fn the_same_leaf_with_its_intermediate_is_trusted() {
    // The control for the missing intermediate: the same construction, the chain sent whole.
    let ca = TestCa::new("atlassian-dc test root");
    let (_leaf_alone, full_chain) = ca.issue_via_intermediate(&["localhost", "127.0.0.1"]);
    let (backend, client, _dir) = server_with(&ca, &full_chain).await;
    let me: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(me["name"], "svc");
    assert_eq!(backend.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_fix_names_the_server_when_it_is_known() {
    let fix = TlsProblem::UnknownIssuer.fix(Some("jira.example.com:8443"));
    assert!(
        fix.contains("openssl s_client -connect jira.example.com:8443 -showcerts"),
        "{fix}"
    );
}
