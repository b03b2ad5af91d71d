use atlassian_core::Request;
use atlassian_core::test_util::{TestCa, test_config, tls_terminator};
use atlassian_core::{Client, error_chain};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TOKEN;

async fn https_server() -> (MockServer, TestCa, String) {
    let backend = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"name": "svc"})))
        .mount(&backend)
        .await;
    let ca = TestCa::new("atlassian-dc test root");
    let cert = ca.issue(&["localhost", "127.0.0.1"]);
    let address = tls_terminator(&cert, *backend.address()).await;
    (
        backend,
        ca,
        format!("https://127.0.0.1:{}/jira", address.port()),
    )
}

#[tokio::test]
async fn a_private_ca_server_works_with_the_ca_bundle() {
    let (backend, ca, base) = https_server().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(&base, Some(TOKEN));
    config.ca_bundle = Some(ca.write_ca_pem(dir.path()));
    let client = Client::new(config).unwrap();
    let me: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(me["name"], "svc");
    let received = backend.received_requests().await.unwrap();
    assert_eq!(received[0].url.path(), "/jira/rest/api/2/myself");
}

#[tokio::test]
async fn without_the_ca_bundle_the_error_is_tls_and_names_the_cause() {
    let (backend, _ca, base) = https_server().await;
    let client = Client::new(test_config(&base, Some(TOKEN))).unwrap();
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    assert!(err.is_tls(), "{err:?}");
    assert!(!err.is_retryable(), "a certificate failure is not retried");
    let chain = error_chain(&err);
    assert!(
        chain.starts_with("GET /rest/api/2/myself: TLS handshake or certificate check failed"),
        "{chain}"
    );
    assert!(
        chain.contains("UnknownIssuer"),
        "the root cause reaches the user: {chain}"
    );
    assert!(backend.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreadable_ca_bundle_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config("https://127.0.0.1:1", Some(TOKEN));
    config.ca_bundle = Some(dir.path().join("missing.pem"));
    let err = Client::new(config).unwrap_err().to_string();
    assert!(err.starts_with("cannot read the CA bundle"), "{err}");

    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let mut config = test_config("https://127.0.0.1:1", Some(TOKEN));
    config.ca_bundle = Some(empty);
    let err = Client::new(config).unwrap_err().to_string();
    assert!(
        err.contains("holds no certificate") || err.contains("is not PEM"),
        "{err}"
    );
}

#[tokio::test]
async fn insecure_mode_accepts_an_unknown_issuer() {
    let (_backend, _ca, base) = https_server().await;
    let mut config = test_config(&base, Some(TOKEN));
    config.insecure = true;
    let client = Client::new(config).unwrap();
    let me: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(me["name"], "svc");
}
