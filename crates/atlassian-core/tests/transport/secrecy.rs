//! The token appears in no error, log line or `Debug` output, whatever goes wrong.

use std::io::Write;
use std::sync::{Arc, Mutex};

use atlassian_core::test_util::{TestCa, test_client, test_config, tls_terminator};
use atlassian_core::{Client, Request, Token, error_chain};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{Sequence, TOKEN};

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_token_never_leaks() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(path("/401"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"errorMessages": ["bad token"]})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/503"))
        .respond_with(Sequence::new(vec![ResponseTemplate::new(503)]))
        .mount(&server)
        .await;
    Mock::given(path("/429"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .mount(&server)
        .await;
    Mock::given(path("/html"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html><title>x</title></html>"))
        .mount(&server)
        .await;
    Mock::given(path("/bad-json"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"a\":"))
        .mount(&server)
        .await;
    Mock::given(path("/away"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("Location", format!("{}/x", elsewhere.uri())),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .mount(&server)
        .await;

    let client = test_client(&server.uri(), Some(TOKEN));
    let mut outputs = vec![
        format!("{client:?}"),
        format!("{:?}", Token::new(TOKEN).unwrap()),
    ];
    outputs.push(format!("{:?}", test_config(&server.uri(), Some(TOKEN))));
    let ok = client.send(&Request::get("/fine")).await.unwrap();
    outputs.push(format!("{ok:?}"));
    for p in ["/401", "/503", "/429", "/html", "/bad-json", "/away"] {
        let err = client
            .get_json::<serde_json::Value>(&Request::get(p))
            .await
            .unwrap_err();
        outputs.push(err.to_string());
        outputs.push(format!("{err:?}"));
        outputs.push(error_chain(&err));
    }
    // Transport failures: a refused port and an untrusted certificate.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = test_client(&format!("http://127.0.0.1:{port}"), Some(TOKEN));
    let err = refused.send(&Request::get("/x")).await.unwrap_err();
    outputs.push(format!("{err:?} {}", error_chain(&err)));
    let ca = TestCa::new("leak test");
    let tls = tls_terminator(&ca.issue(&["127.0.0.1"]), *server.address()).await;
    let untrusted = Client::new(test_config(
        &format!("https://127.0.0.1:{}", tls.port()),
        Some(TOKEN),
    ))
    .unwrap();
    let err = untrusted.send(&Request::get("/x")).await.unwrap_err();
    outputs.push(format!("{err:?} {}", error_chain(&err)));

    // The token did travel, to the server's origin only.
    let received = server.received_requests().await.unwrap();
    assert!(received.iter().any(
        |r| r.headers.get("authorization").map(|v| v.to_str().unwrap())
            == Some(&format!("Bearer {TOKEN}"))
    ));
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("/503"), "the requests were logged: {logs}");
    for text in outputs.iter().chain(std::iter::once(&logs)) {
        assert!(!text.contains(TOKEN), "the token leaked into: {text}");
        assert!(
            !text.contains(&TOKEN[..12]),
            "part of the token leaked into: {text}"
        );
    }
}
