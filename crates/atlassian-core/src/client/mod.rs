//! The HTTP transport: one `reqwest` client with rustls, behind the origin policy, the retry
//! policy and the shared concurrency limit.
//!
//! Architecture invariants kept here:
//! - every request URL is built from the base URL, and the token is attached only to requests
//!   on the base URL's origin;
//! - redirects are followed by hand, only on the same origin; a redirect elsewhere is an error;
//! - every request takes a permit from the one concurrency limiter of its client.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::credential::Token;
use crate::error::Error;
use crate::limiter::ConcurrencyLimiter;
use crate::retry::{AnswerAction, Attempts, RateLimitInfo, RetryPolicy};
use crate::target::BaseUrl;

/// The User-Agent every request carries.
pub const USER_AGENT: &str = concat!("atlassian-dc/", env!("CARGO_PKG_VERSION"));

const MAX_REDIRECTS: u32 = 10;

mod classify;
mod config;
mod request;
mod response;
mod stats;

use classify::classify;

pub use config::{ClientConfig, DEFAULT_MAX_BODY_BYTES};
pub use request::Request;
pub use response::Response;
use stats::Counters;
pub use stats::{ClientStats, RetryNote};

/// A client for one server. Cheap to clone; clones share the connection pool, the concurrency
/// limit and the counters.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: BaseUrl,
    token: Option<Token>,
    retry: RetryPolicy,
    limiter: Arc<ConcurrencyLimiter>,
    counters: Counters,
    recorder: Option<crate::record::RecorderHandle>,
    max_body_bytes: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base_url)
            .field("token", &self.inner.token)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

/// rustls with *ring* as its crypto: it builds in seconds where aws-lc-rs (reqwest's default)
/// compiles a C library for a minute or more on a small machine, and it offers what a Data
/// Center's TLS needs (TLS 1.2 and 1.3, ECDSA, RSA, Ed25519). An application that installed
/// its own provider first keeps it. [`Client::new`] calls it; a program that builds its own
/// `reqwest` client beside ours (a test, say) calls it first.
pub fn install_crypto_provider() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Err means a provider is already installed: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

impl Client {
    /// Builds the client: TLS roots (system plus the optional bundle), timeouts, User-Agent,
    /// no automatic redirects.
    pub fn new(config: ClientConfig) -> Result<Self, Error> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            // Cookies are never stored: a request with a session cookie may count as UI traffic.
            .default_headers(default_headers());
        if let Some(path) = &config.ca_bundle {
            let pem = std::fs::read(path).map_err(|e| {
                Error::config(format!("cannot read the CA bundle {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::config(format!("the CA bundle {} is not PEM: {e}", path.display()))
            })?;
            if certs.is_empty() {
                return Err(Error::config(format!(
                    "the CA bundle {} holds no certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        // Said once per process: a scan builds more than one client.
        static WARNED_INSECURE: std::sync::Once = std::sync::Once::new();
        static WARNED_PLAIN: std::sync::Once = std::sync::Once::new();
        if config.insecure {
            WARNED_INSECURE.call_once(|| {
                tracing::warn!(
                    base_url = %config.base_url,
                    "certificates are NOT checked (insecure mode); anyone on the path can read the token"
                );
            });
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if config.base_url.is_plain_http() && config.token.is_some() {
            WARNED_PLAIN.call_once(|| {
                tracing::warn!(
                    base_url = %config.base_url,
                    "plain HTTP: the token travels in clear text"
                );
            });
        }
        let http = builder
            .build()
            .map_err(|e| Error::config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url: config.base_url,
                token: config.token,
                retry: config.retry,
                limiter: ConcurrencyLimiter::new(config.concurrency),
                counters: Counters::default(),
                recorder: config.recorder,
                max_body_bytes: config.max_body_bytes,
            }),
        })
    }

    /// The base URL every request goes to.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base_url
    }

    /// Whether this client holds a token.
    pub fn has_token(&self) -> bool {
        self.inner.token.is_some()
    }

    /// The counters so far.
    pub fn stats(&self) -> ClientStats {
        let c = &self.inner.counters;
        let (limit, lowest, max) = self.inner.limiter.limits();
        ClientStats {
            requests: c.requests.load(Ordering::Relaxed),
            retries: c.retries.load(Ordering::Relaxed),
            rate_limited: c.rate_limited.load(Ordering::Relaxed),
            rate_limit_wait: Duration::from_micros(
                c.rate_limit_wait_micros.load(Ordering::Relaxed),
            ),
            bytes_received: c.bytes_received.load(Ordering::Relaxed),
            concurrency_limit: limit,
            lowest_concurrency_limit: lowest,
            max_concurrency: max,
            last_rate_limit: c
                .last_rate_limit
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
            retry_wait: Duration::from_micros(c.retry_wait_micros.load(Ordering::Relaxed)),
            waiting_to_retry: c.waiting_to_retry.load(Ordering::Relaxed),
            last_retry: c
                .last_retry
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clone(),
        }
    }

    /// Sends a request, retrying transient failures and rate limits within the budget and
    /// following same-origin redirects. Returns the final answer whatever its status (a 429 or
    /// 503 past the budget included); transport failures past the budget are errors.
    pub async fn send(&self, request: &Request) -> Result<Response, Error> {
        let inner = &self.inner;
        let display_path = request.display_path(&inner.base_url);
        let mut url = request.url(&inner.base_url);
        let mut method = request.method.clone();
        let mut body = request.body.clone();
        let (mut transient_retries, mut rate_limit_retries, mut redirects) = (0u32, 0u32, 0u32);
        loop {
            let permit = inner.limiter.acquire().await;
            inner.counters.requests.fetch_add(1, Ordering::Relaxed);
            let started = tokio::time::Instant::now();
            let outcome = self
                .send_once(&method, &url, body.as_ref(), request.send_token)
                .await;
            drop(permit);
            let (status, headers, bytes) = match outcome {
                Ok(parts) => parts,
                Err(SendFailure::TooLarge) => {
                    return Err(Error::BodyTooLarge {
                        method,
                        path: display_path,
                        limit: inner.max_body_bytes,
                    });
                }
                Err(SendFailure::Transport(source)) => {
                    let error = Error::Transport {
                        method: method.clone(),
                        path: display_path.clone(),
                        kind: classify(&source),
                        // The error names the request by method and path; reqwest's copy of
                        // the URL would name it twice.
                        source: source.without_url(),
                    };
                    if error.is_retryable() && transient_retries < inner.retry.max_transient_retries
                    {
                        transient_retries += 1;
                        let wait = inner.retry.backoff(transient_retries);
                        // The error names its request already.
                        let failure = crate::error::error_chain(&error);
                        tracing::warn!(
                            "{failure}; retry {transient_retries}/{} in {}",
                            inner.retry.max_transient_retries,
                            crate::human::duration(wait)
                        );
                        inner
                            .counters
                            .wait_to_retry(
                                failure,
                                transient_retries,
                                inner.retry.max_transient_retries,
                                wait,
                            )
                            .await;
                        continue;
                    }
                    return Err(error);
                }
            };
            inner
                .counters
                .bytes_received
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            tracing::debug!(
                "{method} {display_path} -> {} ({} bytes, {:?})",
                status.as_u16(),
                bytes.len(),
                started.elapsed()
            );
            let rate_limit = RateLimitInfo::from_headers(&headers);
            if let (Some(capacity), Some(remaining), Some(per_second)) = (
                rate_limit.limit,
                rate_limit.remaining,
                rate_limit.tokens_per_second(),
            ) {
                inner
                    .limiter
                    .observe_bucket(capacity, remaining, per_second);
            }
            if rate_limit.is_present() {
                *inner
                    .counters
                    .last_rate_limit
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = Some(rate_limit.clone());
            }

            if status == StatusCode::TOO_MANY_REQUESTS {
                inner.counters.rate_limited.fetch_add(1, Ordering::Relaxed);
            } else {
                inner.limiter.on_success();
                if let Some(pause) = rate_limit.pause_hint() {
                    inner.limiter.pause(pause.min(inner.retry.max_delay));
                }
            }
            let location = status
                .is_redirection()
                .then(|| headers.get(header::LOCATION))
                .flatten()
                .and_then(|v| v.to_str().ok())
                .and_then(|l| url.join(l).ok());
            let attempts = Attempts {
                transient: transient_retries,
                rate_limited: rate_limit_retries,
            };
            match (
                inner.retry.decide(status, location.is_some(), attempts),
                location,
            ) {
                (AnswerAction::RetryRateLimited(retry), _) => {
                    rate_limit_retries = retry;
                    let wait = inner.retry.rate_limit_wait(retry, &rate_limit);
                    tracing::info!(
                        "{method} {display_path}: 429 rate limited; waiting {} \
                         (retry {retry}/{})",
                        crate::human::duration(wait),
                        inner.retry.max_rate_limit_retries
                    );
                    inner
                        .counters
                        .rate_limit_wait_micros
                        .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
                    inner.counters.retries.fetch_add(1, Ordering::Relaxed);
                    // Pauses every request of this client, this one's next try included.
                    inner.limiter.on_rate_limited(wait);
                    continue;
                }
                (AnswerAction::RetryTransient(retry), _) => {
                    transient_retries = retry;
                    let wait = if rate_limit.retry_after.is_some() {
                        inner.retry.rate_limit_wait(retry, &rate_limit)
                    } else {
                        inner.retry.backoff(retry)
                    };
                    let failure = format!("{method} {display_path}: {}", status.as_u16());
                    tracing::warn!(
                        "{failure}; retry {retry}/{} in {}",
                        inner.retry.max_transient_retries,
                        crate::human::duration(wait)
                    );
                    inner
                        .counters
                        .wait_to_retry(failure, retry, inner.retry.max_transient_retries, wait)
                        .await;
                    continue;
                }
                (AnswerAction::Follow, Some(location)) => {
                    if !inner.base_url.is_same_origin(&location) {
                        return Err(Error::CrossOriginRedirect {
                            method,
                            path: display_path,
                            location: without_query(&location),
                            origin: inner.base_url.origin_str(),
                        });
                    }
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(Error::TooManyRedirects {
                            method,
                            path: display_path,
                            location: without_query(&location),
                        });
                    }
                    if status == StatusCode::SEE_OTHER
                        || (method == Method::POST && matches!(status.as_u16(), 301 | 302))
                    {
                        method = Method::GET;
                        body = None;
                    }
                    tracing::debug!("{display_path}: redirected to {}", location.path());
                    url = location;
                    continue;
                }
                (AnswerAction::Follow | AnswerAction::Done, _) => {}
            }

            let response = Response {
                status,
                headers,
                body: bytes,
                method,
                path: display_path,
                final_path: url.path().to_owned(),
            };
            if let Some(recorder) = &inner.recorder {
                recorder.0.record(crate::record::Exchange::from_response(
                    &response,
                    request.body.as_deref(),
                ));
            }
            return Ok(response);
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&Bytes>,
        send_token: bool,
    ) -> Result<(StatusCode, HeaderMap, Bytes), SendFailure> {
        let inner = &self.inner;
        let mut builder = inner.http.request(method.clone(), url.clone());
        // The origin policy, checked at the last moment: the token goes to the base URL's
        // origin and nowhere else.
        if send_token
            && inner.base_url.is_same_origin(url)
            && let Some(token) = &inner.token
        {
            builder = builder.header(header::AUTHORIZATION, token.authorization());
        }
        if let Some(body) = body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let mut response = builder.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        // Read in chunks up to the limit, so that an endless answer costs at most the limit
        // (the client's timeout bounds the time: it runs until the body's last byte).
        let limit = inner.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(SendFailure::TooLarge);
        }
        // The chunks are kept as they come and joined once, at their exact size (a single
        // chunk, the usual case, without a copy).
        let mut chunks: Vec<Bytes> = Vec::new();
        let mut length = 0u64;
        while let Some(chunk) = response.chunk().await? {
            length += chunk.len() as u64;
            if length > limit {
                return Err(SendFailure::TooLarge);
            }
            chunks.push(chunk);
        }
        let body = match chunks.len() {
            0 => Bytes::new(),
            1 => chunks.pop().expect("one chunk"),
            _ => {
                let mut joined = bytes::BytesMut::with_capacity(length as usize);
                for chunk in &chunks {
                    joined.extend_from_slice(chunk);
                }
                joined.freeze()
            }
        };
        Ok((status, headers, body))
    }

    /// Sends a request and decodes a successful JSON answer.
    pub async fn get_json<T: DeserializeOwned>(&self, request: &Request) -> Result<T, Error> {
        self.send(request).await?.error_for_status()?.json()
    }

    /// As [`get_json`](Self::get_json), with a 404 meaning "there is none": `Ok(None)`.
    pub async fn get_json_optional<T: DeserializeOwned>(
        &self,
        request: &Request,
    ) -> Result<Option<T>, Error> {
        match self.get_json(request).await {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Why one try got no answer to decide on.
enum SendFailure {
    /// The transport failed (connect, TLS, timeout, a broken body).
    Transport(reqwest::Error),
    /// The answer was longer than [`ClientConfig::max_body_bytes`].
    TooLarge,
}

impl From<reqwest::Error> for SendFailure {
    fn from(error: reqwest::Error) -> Self {
        Self::Transport(error)
    }
}

fn default_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    // Without it the servers answer some errors (and the applinks manifest) in XML or HTML.
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    headers
}

fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}
