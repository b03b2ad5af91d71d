use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use atlassian_core::Request;
use atlassian_core::test_util::test_client;
use futures::future::join_all;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Respond, ResponseTemplate};

use crate::{Sequence, TOKEN};

#[tokio::test]
async fn a_429_waits_for_retry_after_and_succeeds() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![
        ResponseTemplate::new(429)
            .insert_header("Retry-After", "1")
            .insert_header("X-RateLimit-Limit", "70")
            .insert_header("X-RateLimit-Remaining", "0")
            .insert_header("X-RateLimit-FillRate", "5")
            .insert_header("X-RateLimit-Interval-Seconds", "1")
            .set_body_json(json!({"message": "Rate limit exceeded"})),
        ResponseTemplate::new(200)
            .insert_header("Retry-After", "0")
            .insert_header("X-RateLimit-Remaining", "68")
            .set_body_json(json!({"ok": true})),
    ]);
    Mock::given(method("GET"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let started = Instant::now();
    let value: serde_json::Value = client
        .get_json(&Request::get("/rest/api/2/myself"))
        .await
        .unwrap();
    assert_eq!(value["ok"], true);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    let stats = client.stats();
    assert_eq!(stats.rate_limited, 1);
    assert!(stats.rate_limit_wait >= Duration::from_secs(1));
    assert_eq!(stats.last_rate_limit.unwrap().remaining, Some(68));
}

#[tokio::test]
async fn a_429_with_retry_after_zero_still_backs_off_and_succeeds() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        ResponseTemplate::new(200).set_body_json(json!([])),
    ]);
    Mock::given(method("GET"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let value: serde_json::Value = client.get_json(&Request::get("/x")).await.unwrap();
    assert_eq!(value, json!([]));
    assert_eq!(answers.calls(), 2);
}

#[tokio::test]
async fn persistent_429_ends_as_rate_limited() {
    let server = MockServer::start().await;
    let answers = Sequence::new(vec![
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
    ]);
    Mock::given(method("GET"))
        .respond_with(answers.clone())
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    let err = client
        .get_json::<serde_json::Value>(&Request::get("/rest/api/2/user/search"))
        .await
        .unwrap_err();
    assert!(err.is_rate_limited(), "{err}");
    assert_eq!(answers.calls(), 9, "one try and eight rate-limit retries");
}

/// A token bucket: answers 429 while more than `burst` requests arrived in the current
/// 300 ms window. Records the in-flight peak.
struct Bucket {
    state: Mutex<(Instant, usize)>,
    burst: usize,
}

impl Respond for Bucket {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        if state.0.elapsed() > Duration::from_millis(300) {
            *state = (Instant::now(), 0);
        }
        state.1 += 1;
        if state.1 > self.burst {
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "0")
                .insert_header("X-RateLimit-Remaining", "0")
        } else {
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": true}))
                .set_delay(Duration::from_millis(5))
        }
    }
}

#[tokio::test]
async fn concurrency_drops_under_429_and_recovers_after() {
    let server = MockServer::start().await;
    let bucket = Arc::new(Bucket {
        state: Mutex::new((Instant::now(), 0)),
        burst: 6,
    });
    Mock::given(method("GET"))
        .respond_with(BucketRef(bucket.clone()))
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    assert_eq!(client.stats().concurrency_limit, 8);

    // A burst of 40 concurrent requests runs into the bucket; all must still succeed.
    let results = join_all((0..40).map(|i| {
        let client = client.clone();
        async move {
            client
                .get_json::<serde_json::Value>(&Request::get(format!("/r/{i}")))
                .await
        }
    }))
    .await;
    assert!(
        results.iter().all(Result::is_ok),
        "{:?}",
        results.iter().find(|r| r.is_err())
    );
    let stats = client.stats();
    assert!(stats.rate_limited > 0, "the bucket never answered 429");
    assert!(
        stats.lowest_concurrency_limit < 8,
        "limit never lowered: {stats:?}"
    );

    // Sequential requests spaced out so the bucket never empties: the limit climbs back.
    for i in 0..60 {
        if i % 5 == 0 {
            tokio::time::sleep(Duration::from_millis(320)).await;
        }
        client
            .get_json::<serde_json::Value>(&Request::get("/calm"))
            .await
            .unwrap();
    }
    assert_eq!(client.stats().concurrency_limit, 8, "{:?}", client.stats());
}

struct BucketRef(Arc<Bucket>);

impl Respond for BucketRef {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

/// A token bucket that states itself in the headers, as Jira and Confluence DC do.
struct StatedBucket {
    state: Mutex<(f64, Instant)>,
    capacity: f64,
    per_second: f64,
}

impl Respond for StatedBucket {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let now = Instant::now();
        state.0 = (state.0 + now.duration_since(state.1).as_secs_f64() * self.per_second)
            .min(self.capacity);
        state.1 = now;
        let allowed = state.0 >= 1.0;
        if allowed {
            state.0 -= 1.0;
        }
        let template = if allowed {
            ResponseTemplate::new(200).set_body_json(json!({"ok": true}))
        } else {
            ResponseTemplate::new(429)
        };
        template
            .insert_header("X-RateLimit-Limit", format!("{}", self.capacity))
            .insert_header("X-RateLimit-Remaining", format!("{}", state.0.floor()))
            .insert_header("X-RateLimit-FillRate", format!("{}", self.per_second))
            .insert_header("X-RateLimit-Interval-Seconds", "1")
            .insert_header("Retry-After", if allowed { "0" } else { "1" })
    }
}

struct StatedBucketRef(Arc<StatedBucket>);

impl Respond for StatedBucketRef {
    fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

#[tokio::test]
async fn a_stated_bucket_is_kept_to_without_429s() {
    let server = MockServer::start().await;
    let bucket = Arc::new(StatedBucket {
        state: Mutex::new((10.0, Instant::now())),
        capacity: 10.0,
        per_second: 200.0,
    });
    Mock::given(method("GET"))
        .respond_with(StatedBucketRef(bucket))
        .mount(&server)
        .await;
    let client = test_client(&server.uri(), Some(TOKEN));
    // One request first, so the client learns the bucket; then 150 at once.
    client
        .get_json::<serde_json::Value>(&Request::get("/first"))
        .await
        .unwrap();
    let started = Instant::now();
    let results = join_all((0..150).map(|i| {
        let client = client.clone();
        async move {
            client
                .get_json::<serde_json::Value>(&Request::get(format!("/r/{i}")))
                .await
        }
    }))
    .await;
    assert!(results.iter().all(Result::is_ok));
    let stats = client.stats();
    assert_eq!(
        stats.rate_limited, 0,
        "paced by the stated bucket: {stats:?}"
    );
    // 150 requests less the 9 tokens left, at 90% of 200/s.
    assert!(
        started.elapsed() >= Duration::from_millis(700),
        "{:?}",
        started.elapsed()
    );
}
