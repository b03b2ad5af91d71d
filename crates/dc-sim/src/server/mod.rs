//! The HTTP(S) server: connections, the context path, faults on demand, the rate limit, token
//! authentication and the request counters. What each endpoint answers is the product
//! modules' business (`jira`, `confluence`).

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::dataset::{Dataset, Product, TokenRole, Version};
use crate::index::Index;
use crate::{confluence, jira};

/// A token bucket: `capacity` requests at once, refilled by `per_second` a second.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    /// The bucket's size (`X-RateLimit-Limit`).
    pub capacity: u32,
    /// Tokens added per second (`X-RateLimit-FillRate`, interval 1 s).
    pub per_second: u32,
}

impl RateLimit {
    /// Parses `C:R`.
    pub fn parse(text: &str) -> Option<Self> {
        let (c, r) = text.split_once(':')?;
        Some(Self {
            capacity: c.trim().parse().ok().filter(|c| *c > 0)?,
            per_second: r.trim().parse().ok().filter(|r| *r > 0)?,
        })
    }
}

/// Faults, each a fraction of requests in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Faults {
    /// Answer 503 (an HTML page, as a proxy in front of a busy node does).
    pub unavailable: f64,
    /// Close the connection without an answer.
    pub drop_connection: f64,
    /// Send the headers and half of the body, then close.
    pub truncate_body: f64,
}

impl Faults {
    /// The same fraction `f` of each fault kind, split evenly (`--faults 0.05`: 5% in all).
    pub fn mixed(f: f64) -> Self {
        Self {
            unavailable: f / 3.0,
            drop_connection: f / 3.0,
            truncate_body: f / 3.0,
        }
    }
}

/// How to serve a dataset.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// What to serve.
    pub dataset: Arc<Dataset>,
    /// The product version to play.
    pub version: Version,
    /// `""` or e.g. `/jira`.
    pub context_path: String,
    /// The base URL the server believes it has (links in answers are built from it). `None`:
    /// the address it is served on.
    pub configured_base_url: Option<String>,
    /// Serve HTTPS with a certificate from a CA made on the fly.
    pub tls: bool,
    /// Port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// Added to every answer.
    pub latency: Duration,
    /// Rate limiting of authenticated requests.
    pub rate_limit: Option<RateLimit>,
    /// Faults on demand.
    pub faults: Faults,
    /// Seeds the fault decisions.
    pub seed: u64,
}

impl SimConfig {
    /// Serve `dataset` as `version` on any free port, plain HTTP, no faults.
    pub fn new(dataset: Dataset, version: Version) -> Self {
        Self {
            dataset: Arc::new(dataset),
            version,
            context_path: String::new(),
            configured_base_url: None,
            tls: false,
            port: 0,
            latency: Duration::ZERO,
            rate_limit: None,
            faults: Faults::default(),
            seed: 1,
        }
    }
}

/// Requests served, per endpoint and status.
#[derive(Debug, Default)]
pub struct Counters {
    by_endpoint: Mutex<BTreeMap<(String, u16), u64>>,
    total: AtomicU64,
}

impl Counters {
    fn record(&self, endpoint: &str, status: u16) {
        self.total.fetch_add(1, Ordering::Relaxed);
        *self
            .by_endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((endpoint.to_owned(), status))
            .or_default() += 1;
    }

    /// All requests received.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Requests per (endpoint, status).
    pub fn snapshot(&self) -> BTreeMap<(String, u16), u64> {
        self.by_endpoint
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Requests to one endpoint (any status).
    pub fn endpoint(&self, endpoint: &str) -> u64 {
        self.snapshot()
            .iter()
            .filter(|((e, _), _)| e == endpoint)
            .map(|(_, n)| n)
            .sum()
    }

    /// A table, one line per endpoint and status.
    pub fn report(&self) -> String {
        let mut out = format!("{} requests\n", self.total());
        for ((endpoint, status), n) in self.snapshot() {
            out.push_str(&format!("{n:>9}  {status}  {endpoint}\n"));
        }
        out
    }
}

/// Who is calling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No token (or an unknown one served as anonymous).
    Anonymous,
    /// A known token.
    User {
        /// The owner (index into `users`).
        index: u32,
        /// What the owner may do.
        role: TokenRole,
    },
}

impl Caller {
    /// The owner's role, if authenticated.
    pub fn role(self) -> Option<TokenRole> {
        match self {
            Self::Anonymous => None,
            Self::User { role, .. } => Some(role),
        }
    }
}

/// What the product modules see of a request.
#[derive(Debug)]
pub struct Call<'a> {
    /// The method.
    pub method: &'a Method,
    /// The path below the context path, split at `/` and percent-decoded (`["rest", "api", …]`).
    pub segments: Vec<String>,
    /// Query parameters, decoded (`+` is a space, as servlet containers read it).
    pub query: Vec<(String, String)>,
    /// The request body.
    pub body: &'a [u8],
    /// The caller asked for JSON (`Accept: application/json`).
    pub accept_json: bool,
    /// The request's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// Who is calling.
    pub caller: Caller,
}

impl Call<'_> {
    /// The first value of a query parameter.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean query parameter (`true`/`false`), with its default.
    pub fn flag(&self, key: &str, default: bool) -> bool {
        self.param(key)
            .map_or(default, |v| v.eq_ignore_ascii_case("true"))
    }

    /// A numeric query parameter; `Err` when present but not a number (each product answers
    /// that its own way, so the error carries nothing).
    #[allow(clippy::result_unit_err)]
    pub fn number(&self, key: &str) -> Result<Option<u64>, ()> {
        match self.param(key) {
            None | Some("") => Ok(None),
            Some(v) => v.trim().parse().map(Some).map_err(|_| ()),
        }
    }

    /// The segments as `&str`, for matching.
    pub fn path(&self) -> Vec<&str> {
        self.segments.iter().map(String::as_str).collect()
    }
}

/// What a product module answers.
#[derive(Debug)]
pub struct Reply {
    /// Status.
    pub status: u16,
    /// Content type.
    pub content_type: &'static str,
    /// Body.
    pub body: Vec<u8>,
    /// The endpoint, for the counters (`GET /rest/api/2/user/search`).
    pub endpoint: String,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, endpoint: impl Into<String>, value: &serde_json::Value) -> Self {
        Self {
            status,
            content_type: "application/json;charset=UTF-8",
            body: serde_json::to_vec(value).expect("JSON values serialise"),
            endpoint: endpoint.into(),
            headers: Vec::new(),
        }
    }

    /// An answer of another type.
    pub fn text(
        status: u16,
        endpoint: impl Into<String>,
        content_type: &'static str,
        body: impl Into<Vec<u8>>,
    ) -> Self {
        Self {
            status,
            content_type,
            body: body.into(),
            endpoint: endpoint.into(),
            headers: Vec::new(),
        }
    }

    /// Tomcat's HTML error page.
    pub fn tomcat(status: u16, endpoint: impl Into<String>, reason: &str) -> Self {
        let body = format!(
            "<!doctype html><html lang=\"en\"><head><title>HTTP Status {status} – {reason}</title></head>\
             <body><h1>HTTP Status {status} – {reason}</h1><hr class=\"line\" /><h3>Apache Tomcat</h3></body></html>"
        );
        Self::text(status, endpoint, "text/html;charset=utf-8", body)
    }

    /// Adds a header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// Everything a product module needs to answer.
#[derive(Debug)]
pub struct Ctx<'a> {
    /// The dataset.
    pub data: &'a Dataset,
    /// Look-up structures over it.
    pub index: &'a Index,
    /// The version played.
    pub version: Version,
    /// The base URL links are built from (no trailing slash).
    pub link_base: &'a str,
}

impl Ctx<'_> {
    /// An absolute link, as the server builds them from its configured base URL.
    pub fn link(&self, path_and_query: &str) -> String {
        format!("{}{}", self.link_base, path_and_query)
    }
}

struct Bucket {
    tokens: f64,
    refilled: Instant,
}

struct State {
    config: SimConfig,
    index: Index,
    link_base: String,
    tokens: HashMap<String, (u32, TokenRole)>,
    buckets: Mutex<HashMap<u32, Bucket>>,
    counters: Arc<Counters>,
    sequence: AtomicU64,
    /// How much earlier than the deadline to ask the timer, so that answers leave on time on
    /// average (see [`timer_lateness`]).
    timer_lateness: Duration,
}

/// How late this runtime's timer fires (it rounds a deadline up to its next millisecond tick,
/// and the poller's timeout adds its own), measured once so that a stated latency is the
/// answer time on average, not the latency plus a millisecond or two.
async fn timer_lateness() -> Duration {
    const SAMPLES: u32 = 8;
    let mut late = Duration::ZERO;
    for _ in 0..SAMPLES {
        let deadline = tokio::time::Instant::now() + Duration::from_millis(3);
        tokio::time::sleep_until(deadline).await;
        late += deadline.elapsed();
    }
    late / SAMPLES
}

/// A running simulated server. Stops when dropped.
pub struct Sim {
    base_url: String,
    address: SocketAddr,
    ca_pem: Option<PathBuf>,
    state: Arc<State>,
    stop: watch::Sender<bool>,
    _ca_dir: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl Sim {
    /// Starts serving on 127.0.0.1.
    pub async fn start(config: SimConfig) -> anyhow::Result<Self> {
        config
            .dataset
            .validate()
            .map_err(|e| anyhow::anyhow!("invalid dataset: {e}"))?;
        let listener = TcpListener::bind(("127.0.0.1", config.port)).await?;
        let address = listener.local_addr()?;
        let scheme = if config.tls { "https" } else { "http" };
        let base_url = format!(
            "{scheme}://127.0.0.1:{}{}",
            address.port(),
            config.context_path
        );
        let link_base = config
            .configured_base_url
            .clone()
            .unwrap_or_else(|| base_url.clone())
            .trim_end_matches('/')
            .to_owned();
        let (acceptor, ca_dir, ca_pem) = if config.tls {
            let ca = atlassian_core::test_util::TestCa::new("dc-sim private CA");
            let cert = ca.issue(&["localhost", "127.0.0.1", "::1"]);
            let dir = tempfile::tempdir()?;
            let path = ca.write_ca_pem(dir.path());
            let tls = atlassian_core::test_util::server_tls_config(&cert);
            (
                Some(tokio_rustls::TlsAcceptor::from(tls)),
                Some(dir),
                Some(path),
            )
        } else {
            (None, None, None)
        };
        let tokens = config
            .dataset
            .tokens
            .iter()
            .map(|t| (t.token.clone(), (t.owner, t.role)))
            .collect();
        let timer_lateness = if config.latency.is_zero() {
            Duration::ZERO
        } else {
            timer_lateness().await
        };
        let state = Arc::new(State {
            timer_lateness,
            index: Index::new(&config.dataset),
            config,
            link_base,
            tokens,
            buckets: Mutex::new(HashMap::new()),
            counters: Arc::new(Counters::default()),
            sequence: AtomicU64::new(0),
        });
        let (stop, mut stopped) = watch::channel(false);
        let accept_state = Arc::clone(&state);
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stopped.changed() => return,
                };
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let state = Arc::clone(&accept_state);
                let acceptor = acceptor.clone();
                let mut stopped = stopped.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { handle(state, request).await }
                    });
                    let builder =
                        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                    match acceptor {
                        Some(acceptor) => {
                            let Ok(tls) = acceptor.accept(stream).await else {
                                return;
                            };
                            let connection = builder.serve_connection(TokioIo::new(tls), service);
                            tokio::select! { _ = connection => {}, _ = stopped.changed() => {} }
                        }
                        None => {
                            let connection =
                                builder.serve_connection(TokioIo::new(stream), service);
                            tokio::select! { _ = connection => {}, _ = stopped.changed() => {} }
                        }
                    }
                });
            }
        });
        Ok(Self {
            base_url,
            address,
            ca_pem,
            state,
            stop,
            _ca_dir: ca_dir,
        })
    }

    /// The base URL to scan (`http(s)://127.0.0.1:PORT[/context]`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The CA certificate (PEM) to trust, when serving HTTPS.
    pub fn ca_pem_path(&self) -> Option<&std::path::Path> {
        self.ca_pem.as_deref()
    }

    /// The dataset served.
    pub fn dataset(&self) -> &Dataset {
        &self.state.config.dataset
    }

    /// The version played.
    pub fn version(&self) -> Version {
        self.state.config.version
    }

    /// The token of the first owner with `role`.
    pub fn token(&self, role: TokenRole) -> &str {
        self.dataset()
            .token(role)
            .map(|t| t.token.as_str())
            .unwrap_or_else(|| panic!("the dataset has no {role} token"))
    }

    /// Requests served so far.
    pub fn counters(&self) -> &Counters {
        &self.state.counters
    }

    /// The ground truth: what a complete scan of this server must find.
    pub fn ground_truth(&self) -> atlassian_core::Inventory {
        crate::truth::ground_truth(self.dataset(), self.version(), &self.base_url)
    }

    /// Stops accepting and closes open connections.
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop();
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

/// A request the fault injector decided to drop: hyper closes the connection unanswered.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

async fn handle(state: Arc<State>, request: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    // The stated latency is the server's answer time: the answer leaves that long after the
    // request arrived, its computation included (not the latency plus the computation).
    let answer_at =
        tokio::time::Instant::now() + state.config.latency.saturating_sub(state.timer_lateness);
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let config = &state.config;
    let n = state.sequence.fetch_add(1, Ordering::Relaxed);
    let roll = |salt: u64| unit(config.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
    let faults = config.faults;
    if faults.drop_connection > 0.0 && roll(1) < faults.drop_connection {
        tokio::time::sleep_until(answer_at).await;
        state.counters.record("(dropped connection)", 0);
        return Err(Dropped);
    }
    if faults.unavailable > 0.0 && roll(2) < faults.unavailable {
        tokio::time::sleep_until(answer_at).await;
        let reply = Reply::tomcat(503, "(fault 503)", "Service Unavailable");
        state.counters.record(&reply.endpoint, reply.status);
        return Ok(into_response(reply, Vec::new(), false));
    }
    let truncate = faults.truncate_body > 0.0 && roll(3) < faults.truncate_body;

    let (reply, extra) = answer(&state, &parts, &body);
    state.counters.record(&reply.endpoint, reply.status);
    let response = into_response(reply, extra, truncate);
    tokio::time::sleep_until(answer_at).await;
    Ok(response)
}

/// Everything between the raw request and the product module: context path, encoded slashes,
/// authentication, rate limit.
fn answer(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: &[u8],
) -> (Reply, Vec<(&'static str, String)>) {
    let config = &state.config;
    let data = &config.dataset;
    let raw_path = parts.uri.path();
    let Some(below) = strip_context(raw_path, &config.context_path) else {
        return (
            Reply::tomcat(404, "(outside the context path)", "Not Found"),
            Vec::new(),
        );
    };
    // Tomcat refuses encoded slashes in paths (CONFSERVER-54066).
    if below.to_ascii_lowercase().contains("%2f") || below.contains("%5C") || below.contains("%5c")
    {
        return (
            Reply::tomcat(400, "(encoded slash)", "Bad Request"),
            Vec::new(),
        );
    }
    let segments: Vec<String> = below
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let query = parts
        .uri
        .query()
        .map(|q| {
            q.split('&')
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (form_decode(k), form_decode(v))
                })
                .collect()
        })
        .unwrap_or_default();
    let accept_json = parts
        .headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));

    let mut extra = Vec::new();
    let caller = match parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    {
        None => Caller::Anonymous,
        Some(value) => match value.strip_prefix("Bearer ") {
            Some(token) => match state.tokens.get(token.trim()) {
                Some(&(index, role)) => Caller::User { index, role },
                None if data.settings.unknown_token_as_anonymous => Caller::Anonymous,
                None => return (unauthorized(config.dataset.product), extra),
            },
            None => {
                // A PAT sent as Basic (or any other scheme) fails as a Basic login.
                let reply = Reply::tomcat(401, "(basic auth)", "Unauthorized")
                    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED");
                return (reply, extra);
            }
        },
    };
    match caller {
        Caller::Anonymous => extra.push(("X-AUSERNAME", "anonymous".to_owned())),
        Caller::User { index, .. } => {
            let username = &data.users[index as usize].username;
            extra.push((
                "X-AUSERNAME",
                percent_encoding::utf8_percent_encode(username, percent_encoding::NON_ALPHANUMERIC)
                    .to_string(),
            ));
            extra.push(("X-Seraph-LoginReason", "OK".to_owned()));
            if let Some(limit) = config.rate_limit {
                let (allowed, remaining, retry_after) = take_token(state, index, limit);
                extra.push(("X-RateLimit-Limit", limit.capacity.to_string()));
                extra.push(("X-RateLimit-Remaining", remaining.to_string()));
                extra.push(("X-RateLimit-Interval-Seconds", "1".to_owned()));
                extra.push(("X-RateLimit-FillRate", limit.per_second.to_string()));
                extra.push(("Retry-After", retry_after.to_string()));
                if !allowed {
                    let reply = if accept_json {
                        Reply::json(
                            429,
                            "(rate limited)",
                            &json!({"message": "Rate limit exceeded. Please try again later."}),
                        )
                    } else {
                        Reply::tomcat(429, "(rate limited)", "Too Many Requests")
                    };
                    return (reply, extra);
                }
            }
        }
    }

    let content_type = parts
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let call = Call {
        method: &parts.method,
        segments,
        query,
        body,
        accept_json,
        content_type,
        caller,
    };
    let ctx = Ctx {
        data,
        index: &state.index,
        version: config.version,
        link_base: &state.link_base,
    };
    let reply = match data.product {
        Product::Jira => jira::handle(&ctx, &call),
        Product::Confluence => confluence::handle(&ctx, &call),
    };
    (reply, extra)
}

/// The answer to an unknown token.
fn unauthorized(product: Product) -> Reply {
    match product {
        Product::Jira => Reply::json(
            401,
            "(unknown token)",
            &json!({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}}),
        ),
        Product::Confluence => Reply::json(
            401,
            "(unknown token)",
            &json!({"statusCode": 401, "message": "Client must be authenticated to access this resource.", "reason": "Unauthorized"}),
        ),
    }
    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
    .header("WWW-Authenticate", "OAuth realm=\"\"")
}

/// Takes one token from the caller's bucket: (allowed, remaining, seconds until a token).
fn take_token(state: &State, user: u32, limit: RateLimit) -> (bool, u32, u64) {
    let mut buckets = state.buckets.lock().unwrap_or_else(|p| p.into_inner());
    let now = Instant::now();
    let bucket = buckets.entry(user).or_insert(Bucket {
        tokens: f64::from(limit.capacity),
        refilled: now,
    });
    let elapsed = now.duration_since(bucket.refilled).as_secs_f64();
    bucket.tokens =
        (bucket.tokens + elapsed * f64::from(limit.per_second)).min(f64::from(limit.capacity));
    bucket.refilled = now;
    if bucket.tokens >= 1.0 {
        bucket.tokens -= 1.0;
        (true, bucket.tokens.floor() as u32, 0)
    } else {
        let wait = ((1.0 - bucket.tokens) / f64::from(limit.per_second)).ceil() as u64;
        (false, 0, wait.max(1))
    }
}

fn strip_context<'a>(path: &'a str, context: &str) -> Option<&'a str> {
    if context.is_empty() {
        return Some(path);
    }
    let rest = path.strip_prefix(context)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn form_decode(text: &str) -> String {
    let spaced = text.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8_lossy()
        .into_owned()
}

/// A number in [0, 1) from (seed, n): splitmix64, so fault decisions are reproducible.
fn unit(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

fn into_response(
    reply: Reply,
    extra: Vec<(&'static str, String)>,
    truncate: bool,
) -> Response<Body> {
    let length = reply.body.len();
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", reply.content_type)
        .header("content-length", length.to_string());
    for (name, value) in extra.iter().chain(reply.headers.iter()) {
        builder = builder.header(*name, value.as_str());
    }
    let body: Body = if truncate && length > 1 {
        // Half the body, then an error: hyper closes the connection mid-answer.
        let half = Bytes::from(reply.body[..length / 2].to_vec());
        // The break comes a moment after the first half, so the headers and that half are on
        // the wire first, as when a connection drops mid-answer.
        let frames =
            futures::stream::iter([Ok(Frame::data(half))]).chain(futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(5)).await;
                Err(std::io::Error::other("body truncated on purpose"))
            }));
        BodyExt::boxed(StreamBody::new(frames))
    } else {
        Full::new(Bytes::from(reply.body))
            .map_err(|never: Infallible| match never {})
            .boxed()
    };
    builder.body(body).expect("a valid response")
}
