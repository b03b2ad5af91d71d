//! Request to response: faults, context path, authentication, rate limit, the product's answer.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::json;

use super::{Bucket, Call, Caller, Ctx, RateLimit, Reply, State, TokenFate};
use crate::dataset::{Product, TokenRole};
use crate::{confluence, jira};

pub(super) type Body = BoxBody<Bytes, std::io::Error>;

/// A request the fault injector decided to drop: hyper closes the connection unanswered.
#[derive(Debug)]
pub(super) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped on purpose")
    }
}

impl std::error::Error for Dropped {}

pub(super) async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Body>, Dropped> {
    // The stated latency is the server's answer time: the answer leaves that long after the
    // request arrived, its computation included (not the latency plus the computation).
    let arrived = tokio::time::Instant::now();
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|c| c.to_bytes())
        .unwrap_or_default();
    let config = &state.config;
    let n = state.sequence.fetch_add(1, Ordering::Relaxed);
    let roll = |salt: u64| unit(config.seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15), n);
    let answer_time = jittered(config.latency, config.jitter, roll(4));
    let answer_at = arrived + answer_time.saturating_sub(state.timer_lateness);
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
    let original = &config.dataset;
    // The change, once due: how many answers to a known token came before this request.
    let due = |served: u64| config.change.as_ref().filter(|c| served >= c.after);
    let when = config.change.as_ref().and_then(|c| c.when.as_deref());
    let matches_when = when.is_some_and(|w| {
        let target = parts.uri.path_and_query().map_or("", |p| p.as_str());
        target.contains(w)
    });
    let mut served = match when {
        Some(_) => state.matching.load(Ordering::Relaxed),
        None => state.authenticated.load(Ordering::Relaxed),
    };
    let caller = match parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    {
        None => Caller::Anonymous,
        Some(value) => match value.strip_prefix("Bearer ") {
            Some(token) => match state.tokens.get(token.trim()) {
                Some(&(index, role)) => {
                    let authenticated = state.authenticated.fetch_add(1, Ordering::Relaxed);
                    served = match when {
                        Some(_) if matches_when => state.matching.fetch_add(1, Ordering::Relaxed),
                        Some(_) => served,
                        None => authenticated,
                    };
                    match due(served).and_then(|c| c.token) {
                        Some(TokenFate::Revoked) => {
                            return (unauthorized(original.product), extra);
                        }
                        Some(TokenFate::Demoted) => Caller::User {
                            index,
                            role: TokenRole::BrowseOnly,
                        },
                        None => Caller::User { index, role },
                    }
                }
                None if original.settings.unknown_token_as_anonymous => Caller::Anonymous,
                None => return (unauthorized(original.product), extra),
            },
            None => {
                // A PAT sent as Basic (or any other scheme) fails as a Basic login.
                let reply = Reply::tomcat(401, "(basic auth)", "Unauthorized")
                    .header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED");
                return (reply, extra);
            }
        },
    };
    let (data, index) = match (
        due(served).and_then(|c| c.dataset.as_ref()),
        &state.changed_index,
    ) {
        (Some(changed), Some(index)) => (&**changed, index),
        _ => (&**original, &state.index),
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
        index,
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

/// An answer time drawn uniformly in `latency ± jitter` (never below zero) by `u` in [0, 1).
fn jittered(latency: Duration, jitter: Duration, u: f64) -> Duration {
    if jitter.is_zero() {
        return latency;
    }
    // In whole nanoseconds, so the bounds hold exactly.
    let spread = (jitter.as_nanos() as f64 * (2.0 * u - 1.0)) as i128;
    let nanos = (latency.as_nanos() as i128 + spread).max(0);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_spreads_answer_times_evenly_around_the_latency() {
        let latency = Duration::from_millis(20);
        let jitter = Duration::from_millis(8);
        assert_eq!(jittered(latency, Duration::ZERO, 0.99), latency);
        let times: Vec<Duration> = (0..10_000)
            .map(|n| jittered(latency, jitter, unit(7, n)))
            .collect();
        let (low, high) = (latency - jitter, latency + jitter);
        assert!(times.iter().all(|t| (low..=high).contains(t)));
        let mean = times.iter().sum::<Duration>() / times.len() as u32;
        assert!(
            mean.abs_diff(latency) < Duration::from_micros(300),
            "{mean:?}"
        );
        // Both ends are reached, not a narrower band.
        assert!(times.iter().any(|t| *t < low + Duration::from_millis(1)));
        assert!(times.iter().any(|t| *t > high - Duration::from_millis(1)));
        // More jitter than latency: never below zero.
        assert_eq!(jittered(latency, latency * 2, 0.0), Duration::ZERO);
    }
}
