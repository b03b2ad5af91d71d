//! The server layer the products share: context path, Tomcat's encoded-slash refusal, token
//! authentication, the rate limit with its real headers, faults on demand, latency, TLS with a
//! private CA, and the request counters.

use std::time::{Duration, Instant};

use dc_sim::{Faults, Product, RateLimit, Scale, Sim, SimConfig, TokenRole, Version, generate};

fn config() -> SimConfig {
    SimConfig::new(
        generate(Product::Jira, Scale::TINY, 5),
        Version::parse("9.12.15").unwrap(),
    )
}

fn client() -> reqwest::Client {
    atlassian_core::install_crypto_provider();
    reqwest::Client::builder().build().unwrap()
}

async fn get(sim: &Sim, path: &str, token: Option<&str>) -> reqwest::Result<reqwest::Response> {
    let mut request = client()
        .get(format!("{}{path}", sim.base_url()))
        .header("accept", "application/json");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await
}

#[tokio::test]
async fn the_context_path_is_respected() {
    let mut c = config();
    c.context_path = "/jira".to_owned();
    let sim = Sim::start(c).await.unwrap();
    assert!(sim.base_url().ends_with("/jira"));
    let inside = get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    assert_eq!(inside.status(), 200);
    let root = sim.base_url().trim_end_matches("/jira").to_owned();
    let outside = client()
        .get(format!("{root}/rest/api/2/serverInfo"))
        .send()
        .await
        .unwrap();
    assert_eq!(outside.status(), 404);
    assert!(
        outside.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
}

#[tokio::test]
async fn encoded_slashes_are_refused_like_tomcat() {
    let sim = Sim::start(config()).await.unwrap();
    let response = get(&sim, "/rest/api/2/group%2Fx", None).await.unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn an_unknown_token_is_401_with_the_seraph_reason_and_basic_fails() {
    let sim = Sim::start(config()).await.unwrap();
    let response = get(&sim, "/rest/api/2/myself", Some("not-a-token"))
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(
        response.headers()["x-seraph-loginreason"],
        "AUTHENTICATED_FAILED"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["errorMessages"][0]
            .as_str()
            .unwrap()
            .contains("not authenticated")
    );

    let token = sim.token(TokenRole::Admin).to_owned();
    let basic = client()
        .get(format!("{}/rest/api/2/myself", sim.base_url()))
        .basic_auth("svc-scanner", Some(token))
        .send()
        .await
        .unwrap();
    assert_eq!(basic.status(), 401);

    let good = get(
        &sim,
        "/rest/api/2/myself",
        Some(sim.token(TokenRole::Admin)),
    )
    .await
    .unwrap();
    assert_eq!(good.status(), 200);
    assert_eq!(good.headers()["x-ausername"], "svc%2Dscanner");
    let anonymous = get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    assert_eq!(anonymous.headers()["x-ausername"], "anonymous");
}

#[tokio::test]
async fn an_unknown_token_can_be_served_as_anonymous() {
    let mut data = generate(Product::Jira, Scale::TINY, 5);
    data.settings.unknown_token_as_anonymous = true;
    let sim = Sim::start(SimConfig::new(data, Version::parse("9.12.15").unwrap()))
        .await
        .unwrap();
    let response = get(&sim, "/rest/api/2/serverInfo", Some("expired-token"))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-ausername"], "anonymous");
}

#[tokio::test]
async fn the_rate_limit_is_a_token_bucket_with_the_real_headers() {
    let mut c = config();
    c.rate_limit = Some(RateLimit {
        capacity: 3,
        per_second: 2,
    });
    let sim = Sim::start(c).await.unwrap();
    let token = sim.token(TokenRole::Admin).to_owned();
    for _ in 0..5 {
        let response = get(&sim, "/rest/api/2/serverInfo", Some(&token))
            .await
            .unwrap();
        let h = response.headers();
        assert_eq!(h["x-ratelimit-limit"], "3");
        assert_eq!(h["x-ratelimit-fillrate"], "2");
        assert_eq!(h["x-ratelimit-interval-seconds"], "1");
        assert!(h.contains_key("x-ratelimit-remaining"));
        let retry_after: u64 = h["retry-after"].to_str().unwrap().parse().unwrap();
        if response.status() == 429 {
            assert!(retry_after >= 1);
            let body: serde_json::Value = response.json().await.unwrap();
            assert!(body["message"].is_string());
        } else {
            assert_eq!(retry_after, 0, "Retry-After: 0 on healthy answers");
        }
    }
    // Anonymous requests are not limited; authenticated ones are, after the burst.
    let anonymous = get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    assert_eq!(anonymous.status(), 200);
    assert!(!anonymous.headers().contains_key("x-ratelimit-limit"));
    let limited = get(&sim, "/rest/api/2/serverInfo", Some(&token))
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let refilled = get(&sim, "/rest/api/2/serverInfo", Some(&token))
        .await
        .unwrap();
    assert_eq!(refilled.status(), 200);
    assert!(
        sim.counters()
            .snapshot()
            .contains_key(&("(rate limited)".to_owned(), 429))
    );
}

#[tokio::test]
async fn faults_happen_on_demand_in_the_stated_proportion() {
    let mut c = config();
    c.faults = Faults::mixed(0.3);
    let sim = Sim::start(c).await.unwrap();
    let (mut ok, mut unavailable, mut broken) = (0, 0, 0);
    for _ in 0..300 {
        match get(&sim, "/rest/api/2/serverInfo", None).await {
            Ok(r) if r.status() == 503 => unavailable += 1,
            Ok(r) => match r.bytes().await {
                Ok(_) => ok += 1,
                Err(_) => broken += 1,
            },
            Err(_) => broken += 1,
        }
    }
    assert!(
        (40..=140).contains(&(unavailable + broken)),
        "ok {ok}, 503 {unavailable}, broken {broken}"
    );
    assert!(
        unavailable > 10 && broken > 10,
        "both kinds: 503 {unavailable}, broken {broken}"
    );
}

#[tokio::test]
async fn a_truncated_body_breaks_off_and_a_dropped_connection_has_no_answer() {
    let mut c = config();
    c.faults = Faults {
        truncate_body: 1.0,
        ..Faults::default()
    };
    let sim = Sim::start(c).await.unwrap();
    let response = get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.bytes().await.is_err(), "the body must break off");

    let mut c = config();
    c.faults = Faults {
        drop_connection: 1.0,
        ..Faults::default()
    };
    let sim = Sim::start(c).await.unwrap();
    assert!(get(&sim, "/rest/api/2/serverInfo", None).await.is_err());
    assert_eq!(sim.counters().endpoint("(dropped connection)"), 1);
}

#[tokio::test]
async fn latency_is_added_to_every_answer() {
    let mut c = config();
    c.latency = Duration::from_millis(80);
    let sim = Sim::start(c).await.unwrap();
    let started = Instant::now();
    get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(80));
}

#[tokio::test]
async fn https_with_a_private_ca() {
    let mut c = config();
    c.tls = true;
    let sim = Sim::start(c).await.unwrap();
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(sim.ca_pem_path().unwrap()).unwrap();
    atlassian_core::install_crypto_provider();
    let trusting = reqwest::Client::builder()
        .tls_certs_only(vec![reqwest::Certificate::from_pem(&pem).unwrap()])
        .build()
        .unwrap();
    let response = trusting
        .get(format!("{}/rest/api/2/serverInfo", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let untrusting = client()
        .get(format!("{}/rest/api/2/serverInfo", sim.base_url()))
        .send()
        .await;
    assert!(untrusting.is_err());
}

#[tokio::test]
async fn counters_count_each_endpoint_and_status() {
    let sim = Sim::start(config()).await.unwrap();
    for _ in 0..3 {
        get(&sim, "/rest/api/2/serverInfo", None).await.unwrap();
    }
    get(&sim, "/rest/api/2/myself", None).await.unwrap();
    assert_eq!(sim.counters().total(), 4);
    assert_eq!(sim.counters().endpoint("GET /rest/api/2/serverInfo"), 3);
    let report = sim.counters().report();
    assert!(report.starts_with("4 requests"), "{report}");
}
