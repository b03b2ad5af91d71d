//! Answers that never end: a body far larger than any real answer, one that trickles a byte at
//! a time, and redirects that go round in circles. Each ends in a clear error naming the
//! request, in bounded time and memory.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use atlassian_core::test_util::test_config;
use atlassian_core::{Client, Error, Request, TransportKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::TOKEN;

/// A raw HTTP/1.1 server on loopback: every connection reads the request head, writes `head`,
/// then calls `body` with the socket until it returns. Counts nothing, keeps nothing.
async fn raw_server<F, Fut>(head: &'static str, body: F) -> SocketAddr
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = std::sync::Arc::new(body);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                body(socket).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_answer_larger_than_the_limit_is_refused_before_it_is_read() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/group/member"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(3 << 20)))
        .mount(&server)
        .await;
    let mut config = test_config(&server.uri(), Some(TOKEN));
    config.max_body_bytes = 1 << 20;
    let client = Client::new(config).unwrap();
    let error = client
        .send(&Request::get("/rest/api/2/group/member"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == 1 << 20),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message
            .starts_with("GET /rest/api/2/group/member: the answer is larger than 1048576 bytes"),
        "{message}"
    );
    // Not a transient failure: one try only.
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(!message.contains(TOKEN));
}

#[tokio::test]
async fn an_endless_chunked_answer_stops_at_the_limit() {
    // No Content-Length: the body is chunked and never ends. Reading must stop at the limit,
    // not when memory runs out.
    let sent_it_all = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = sent_it_all.clone();
    let addr = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        move |mut socket| {
            let flag = flag.clone();
            async move {
                let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
                // 256 MiB at most, so that a client that reads it all fails the test below
                // instead of running for ever.
                for _ in 0..4096 {
                    if socket.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                }
                let _ = socket.write_all(b"0\r\n\r\n").await;
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        },
    )
    .await;
    let mut config = test_config(&format!("http://{addr}"), Some(TOKEN));
    config.max_body_bytes = 2 << 20;
    let client = Client::new(config).unwrap();
    let error = client
        .send(&Request::get("/rest/api/2/user/search?username=."))
        .await
        .unwrap_err();
    assert!(
        matches!(error, Error::BodyTooLarge { limit, .. } if limit == 2 << 20),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .starts_with("GET /rest/api/2/user/search?username=.: the answer is larger than")
    );
    // The client hung up at the limit: the server never got to send its 256 MiB.
    assert!(!sent_it_all.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
async fn a_trickling_answer_meets_a_deadline_for_the_whole_request() {
    // The server sends a byte every 100 ms for ever: an idle timeout would never fire. The
    // client's timeout covers the whole answer, so each try ends at it.
    let addr = raw_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n",
        |mut socket| async move {
            loop {
                if socket.write_all(b" ").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        },
    )
    .await;
    let mut config = test_config(&format!("http://{addr}"), Some(TOKEN));
    config.timeout = Duration::from_millis(800);
    config.retry.max_transient_retries = 1;
    let client = Client::new(config).unwrap();
    let started = Instant::now();
    let error = client
        .send(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        error.transport_kind(),
        Some(TransportKind::Timeout),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with("GET /rest/api/2/myself:"),
        "{error}"
    );
    // Two tries of 0.8 s each and a short back-off; an idle timeout would still be waiting.
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(client.stats().requests, 2);
}

#[tokio::test]
async fn a_same_origin_redirect_loop_ends_with_too_many_redirects() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/a"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/b"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/b"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/a"))
        .mount(&server)
        .await;
    let client = Client::new(test_config(&server.uri(), Some(TOKEN))).unwrap();
    let error = client.send(&Request::get("/a")).await.unwrap_err();
    assert!(matches!(error, Error::TooManyRedirects { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with("GET /a: too many redirects (last to "),
        "{message}"
    );
    // Bounded: a handful of hops, not a loop until the timeout.
    let hops = server.received_requests().await.unwrap().len();
    assert!((2..=21).contains(&hops), "{hops} requests");
}
