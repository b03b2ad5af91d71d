use atlassian_core::Request;
use atlassian_core::test_util::test_client;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{Sequence, TOKEN};

#[tokio::test]
async fn retries_503_then_succeeds() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![
        ResponseTemplate::new(503),
        ResponseTemplate::new(502),
        ResponseTemplate::new(200).set_body_json(json!({"name": "svc"})),
    ]);
    Mock::given(method("GET"))
        .and(path("/jira/rest/api/2/myself"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&format!("{}/jira", server.uri()), Some(TOKEN));
    let me: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(me["name"], "svc");
    assert_eq!(answers.calls(), 3);
    let stats = client.stats();
    assert_eq!(stats.requests, 3);
    assert_eq!(stats.retries, 2);
}

#[tokio::test]
async fn gives_up_after_the_budget_with_the_last_status() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![ResponseTemplate::new(503).set_body_string("down")]);
    Mock::given(method("GET"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(answers.calls(), 5, "one try and four retries");
    assert_eq!(
        err.to_string(),
        "GET /rest/api/2/myself: 503 Service Unavailable: down"
    );
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![ResponseTemplate::new(404)]);
    Mock::given(method("GET"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/user/list"))
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(answers.calls(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported_as_connect() {
    // Bind and drop to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = test_client(&format!("http://127.0.0.1:{port}"), Some(TOKEN));
    let err = client
        .send(&Request::get("/rest/api/2/serverInfo"))
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(client.stats().requests, 5);
    assert!(
        err.to_string()
            .starts_with("GET /rest/api/2/serverInfo: cannot connect")
    );
}

/// A server that closes the connection after sending part of the body.
#[tokio::test]
async fn a_truncated_body_is_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let body = br#"{"values":[1,2,3]}"#;
                if n == 0 {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(&body[..5]).await;
                    // Closed early: the answer is cut.
                } else {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    let _ = socket.write_all(body).await;
                }
            });
        }
    });
    let client = test_client(&format!("http://{address}"), Some(TOKEN));
    let value: serde_json::Value = client.get_json(&Request::get("/x")).await.unwrap();
    assert_eq!(value["values"][2], 3);
    assert_eq!(client.stats().retries, 1);
}

/// A server that reads the request and closes the connection unanswered (hyper's "connection
/// closed before message completed", recognised by its type): retried like a broken body.
#[tokio::test]
async fn a_connection_closed_unanswered_is_retried() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let _ = socket.read(&mut buf).await;
                if n == 0 {
                    return; // closed without a word
                }
                let body = br#"{"ok":true}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body).await;
            });
        }
    });
    let client = test_client(&format!("http://{address}"), Some(TOKEN));
    let value: serde_json::Value = client.get_json(&Request::get("/x")).await.unwrap();
    assert_eq!(value["ok"], true);
    assert_eq!(client.stats().retries, 1);
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), 2);
}
