//! The HTTP(S) server: connections, the context path, faults on demand, the rate limit, token
//! authentication and the request counters. What each endpoint answers is the product
//! modules' business (`jira`, `confluence`).

mod call;
mod dispatch;

pub use call::{Call, Caller, Ctx, Reply};

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::dataset::{Dataset, TokenRole, Version};
use crate::index::Index;

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

/// The server changes mid-scan: after `after` answers to a known token, the token meets its
/// `token` fate and the server serves `dataset`. Where it comes from: a PAT revoked or expired,
/// or its owner deactivated, answers 401 with `X-Seraph-LoginReason: AUTHENTICATED_FAILED`
/// as an unknown token does (the reference's authentication page); an owner removed from the
/// administrators keeps browsing but is refused the admin-only calls, as a non-admin token is
/// (give `dataset` without the owner in the administrators' groups, so that what the server
/// says of the owner agrees); accounts added and removed between two pages shift every later
/// offset (the reference's paging notes: offsets, not cursors).
#[derive(Clone, Debug, Default)]
pub struct MidScanChange {
    /// Answers to a known token served before the change (only those to requests whose path
    /// and query hold [`when`](Self::when), when given).
    pub after: u64,
    /// Counts only requests whose path and query hold this text (`groupname=eng`: the change
    /// lands right after a given group's first page).
    pub when: Option<String>,
    /// What the token becomes (`None`: nothing).
    pub token: Option<TokenFate>,
    /// The data served from then on (`None`: the same).
    pub dataset: Option<Arc<Dataset>>,
}

/// What a token becomes mid-scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenFate {
    /// Revoked, expired, or its owner deactivated: 401 from then on.
    Revoked,
    /// Its owner lost the administrator rights: a Browse-Users-only token from then on.
    Demoted,
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
    /// How far each answer's time strays from [`latency`](Self::latency): drawn uniformly in
    /// `latency ± jitter` (never below zero), reproducibly from [`seed`](Self::seed) and the
    /// request's sequence number, as the fault rolls are. Where it comes from: a real server's
    /// answer times vary from request to request (load, garbage collection, the database); no
    /// source beyond that is needed. Zero: every answer takes exactly `latency`.
    pub jitter: Duration,
    /// Rate limiting of authenticated requests.
    pub rate_limit: Option<RateLimit>,
    /// Faults on demand.
    pub faults: Faults,
    /// Seeds the fault decisions.
    pub seed: u64,
    /// The token or the data change mid-scan.
    pub change: Option<MidScanChange>,
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
            jitter: Duration::ZERO,
            rate_limit: None,
            faults: Faults::default(),
            seed: 1,
            change: None,
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
    /// Answers to a known token so far (for [`SimConfig::change`]).
    authenticated: AtomicU64,
    /// Answers to requests holding [`MidScanChange::when`] so far.
    matching: AtomicU64,
    /// The index of [`MidScanChange::dataset`], built before the first request.
    changed_index: Option<Index>,
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
        let timer_lateness = if config.latency.is_zero() && config.jitter.is_zero() {
            Duration::ZERO
        } else {
            timer_lateness().await
        };
        let state = Arc::new(State {
            timer_lateness,
            index: Index::new(&config.dataset),
            changed_index: config
                .change
                .as_ref()
                .and_then(|c| c.dataset.as_deref())
                .map(Index::new),
            config,
            link_base,
            tokens,
            buckets: Mutex::new(HashMap::new()),
            counters: Arc::new(Counters::default()),
            sequence: AtomicU64::new(0),
            authenticated: AtomicU64::new(0),
            matching: AtomicU64::new(0),
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
                        async move { dispatch::handle(state, request).await }
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
