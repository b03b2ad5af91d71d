//! When to try a request again and how long to wait: exponential backoff with jitter for
//! transient failures, the server's own word (`Retry-After`, the `X-RateLimit-*` bucket) for
//! rate limits.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// How many times to try, and how long to wait between tries.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Retries after a connect error, timeout, broken body, 502, 503 or 504.
    pub max_transient_retries: u32,
    /// Retries after a 429 (waiting is what a rate limit asks for, so this budget is larger).
    pub max_rate_limit_retries: u32,
    /// The first backoff delay; doubled on each retry, with jitter.
    pub base_delay: Duration,
    /// No single wait is longer than this (including a server's `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_transient_retries: 4,
            max_rate_limit_retries: 8,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all (the probe uses this for a quick first look).
    pub fn none() -> Self {
        Self {
            max_transient_retries: 0,
            max_rate_limit_retries: 0,
            ..Self::default()
        }
    }

    /// The backoff before retry number `retry` (1-based): `base × 2^(retry-1)`, scaled by a
    /// random factor in [0.5, 1.0] so that concurrent workers do not retry in step.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let capped = exp.min(self.max_delay);
        capped.mul_f64(0.5 + fastrand::f64() * 0.5)
    }

    /// The wait before retrying a 429 or a 503 that carried rate-limit information: the
    /// server's `Retry-After` (which may be 0), else one refill interval of its bucket, but
    /// never less than the backoff for this retry.
    pub fn rate_limit_wait(&self, retry: u32, info: &RateLimitInfo) -> Duration {
        let backoff = self.backoff(retry);
        let server = info.retry_after.or_else(|| info.time_per_token());
        server
            .map_or(backoff, |s| s.max(backoff))
            .min(self.max_delay)
    }
}

/// How many retries an answer has had so far, by budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attempts {
    /// Retries after a transient failure (502, 503, 504; transport errors count too).
    pub transient: u32,
    /// Retries after a 429.
    pub rate_limited: u32,
}

/// What the send loop does with one answer: the decision alone, its effects (waits, counters,
/// the limiter) are the loop's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AnswerAction {
    /// A 429 within its budget: wait as the rate limit says and retry (this is retry `n`).
    RetryRateLimited(u32),
    /// A 502, 503 or 504 within its budget: wait and retry (this is retry `n`).
    RetryTransient(u32),
    /// A redirect that names where: follow it (the caller checks the origin and the count).
    Follow,
    /// Hand the answer over: a success, a refusal, or a failure past its budget.
    Done,
}

impl RetryPolicy {
    /// The decision for an answer of `status` (with a `Location` or not) after `attempts`.
    pub(crate) fn decide(
        &self,
        status: reqwest::StatusCode,
        has_location: bool,
        attempts: Attempts,
    ) -> AnswerAction {
        if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return if attempts.rate_limited < self.max_rate_limit_retries {
                AnswerAction::RetryRateLimited(attempts.rate_limited + 1)
            } else {
                AnswerAction::Done
            };
        }
        if crate::error::is_retryable_status(status)
            && attempts.transient < self.max_transient_retries
        {
            return AnswerAction::RetryTransient(attempts.transient + 1);
        }
        if status.is_redirection() && has_location {
            return AnswerAction::Follow;
        }
        AnswerAction::Done
    }
}

/// What a response said about the server's rate limit (Jira and Confluence Data Center share
/// the headers; the 8.6 EAP spelled them `X-RateLimiting-*`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimitInfo {
    /// `Retry-After`, in seconds (0 is normal on healthy answers).
    pub retry_after: Option<Duration>,
    /// `X-RateLimit-Limit`: the bucket's size.
    pub limit: Option<u64>,
    /// `X-RateLimit-Remaining`: tokens left (approximate).
    pub remaining: Option<u64>,
    /// `X-RateLimit-FillRate`: tokens added per interval.
    pub fill_rate: Option<u64>,
    /// `X-RateLimit-Interval-Seconds`.
    pub interval: Option<Duration>,
}

impl RateLimitInfo {
    /// Reads the rate-limit headers of a response.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |suffix: &str| -> Option<u64> {
            ["x-ratelimit-", "x-ratelimiting-"]
                .iter()
                .find_map(|prefix| {
                    headers
                        .get(format!("{prefix}{suffix}"))
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .filter(|v| v.is_finite() && *v >= 0.0)
                        .map(|v| v as u64)
                })
        };
        Self {
            retry_after: headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after),
            limit: number("limit"),
            remaining: number("remaining"),
            fill_rate: number("fillrate"),
            interval: number("interval-seconds").map(Duration::from_secs),
        }
    }

    /// True when any rate-limit header was present.
    pub fn is_present(&self) -> bool {
        self.retry_after.is_some()
            || self.limit.is_some()
            || self.remaining.is_some()
            || self.fill_rate.is_some()
            || self.interval.is_some()
    }

    /// How long the bucket takes to refill one token, when the headers say.
    pub fn time_per_token(&self) -> Option<Duration> {
        match (self.interval, self.fill_rate) {
            (Some(interval), Some(rate)) if rate > 0 => Some(interval / rate as u32),
            _ => None,
        }
    }

    /// The refill rate the headers state, in tokens a second.
    pub fn tokens_per_second(&self) -> Option<f64> {
        match (self.fill_rate, self.interval) {
            (Some(rate), Some(interval)) if rate > 0 && !interval.is_zero() => {
                Some(rate as f64 / interval.as_secs_f64())
            }
            _ => None,
        }
    }

    /// On a successful answer: the bucket is empty and the server says how long until the next
    /// token, so the client should pause before its next request rather than collect a 429.
    pub fn pause_hint(&self) -> Option<Duration> {
        match (self.remaining, self.retry_after) {
            (Some(0), Some(wait)) if !wait.is_zero() => Some(wait),
            (Some(0), _) => self.time_per_token(),
            _ => None,
        }
    }
}

/// `Retry-After` in delta-seconds (what Atlassian servers send). An HTTP date is not used by
/// them; it is ignored and the backoff applies.
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    value
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
        .or_else(|| {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(Duration::from_secs_f64)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_answer_gets_its_decision() {
        use reqwest::StatusCode as S;
        let policy = RetryPolicy {
            max_transient_retries: 2,
            max_rate_limit_retries: 3,
            ..RetryPolicy::default()
        };
        let at = |transient, rate_limited| Attempts {
            transient,
            rate_limited,
        };
        let cases = [
            (S::OK, false, at(0, 0), AnswerAction::Done),
            (S::NOT_FOUND, false, at(0, 0), AnswerAction::Done),
            (S::UNAUTHORIZED, false, at(0, 0), AnswerAction::Done),
            (
                S::TOO_MANY_REQUESTS,
                false,
                at(0, 0),
                AnswerAction::RetryRateLimited(1),
            ),
            (
                S::TOO_MANY_REQUESTS,
                false,
                at(2, 2),
                AnswerAction::RetryRateLimited(3),
            ),
            (S::TOO_MANY_REQUESTS, false, at(0, 3), AnswerAction::Done),
            (
                S::SERVICE_UNAVAILABLE,
                false,
                at(0, 0),
                AnswerAction::RetryTransient(1),
            ),
            (
                S::BAD_GATEWAY,
                false,
                at(1, 0),
                AnswerAction::RetryTransient(2),
            ),
            (S::GATEWAY_TIMEOUT, false, at(2, 0), AnswerAction::Done),
            (
                S::INTERNAL_SERVER_ERROR,
                false,
                at(0, 0),
                AnswerAction::Done,
            ),
            (S::FOUND, true, at(0, 0), AnswerAction::Follow),
            (S::SEE_OTHER, true, at(0, 0), AnswerAction::Follow),
            (S::FOUND, false, at(0, 0), AnswerAction::Done),
        ];
        for (status, has_location, attempts, expected) in cases {
            assert_eq!(
                policy.decide(status, has_location, attempts),
                expected,
                "{status} {attempts:?}"
            );
        }
    }
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn reads_both_header_spellings() {
        let info = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-limit", "70"),
            ("x-ratelimit-remaining", "69"),
            ("x-ratelimit-interval-seconds", "1"),
            ("x-ratelimit-fillrate", "5"),
            ("retry-after", "0"),
        ]));
        assert_eq!(info.limit, Some(70));
        assert_eq!(info.remaining, Some(69));
        assert_eq!(info.fill_rate, Some(5));
        assert_eq!(info.interval, Some(Duration::from_secs(1)));
        assert_eq!(info.retry_after, Some(Duration::ZERO));
        assert_eq!(info.time_per_token(), Some(Duration::from_millis(200)));
        assert_eq!(info.pause_hint(), None);

        let eap = RateLimitInfo::from_headers(&headers(&[("x-ratelimiting-remaining", "0")]));
        assert_eq!(eap.remaining, Some(0));
        assert!(eap.is_present());
        assert!(!RateLimitInfo::default().is_present());
    }

    #[test]
    fn waits_follow_the_server_but_never_undercut_the_backoff() {
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        for retry in 1..6 {
            let b = policy.backoff(retry);
            let full = Duration::from_millis(100) * 2u32.pow(retry - 1);
            assert!(b >= full / 2 && b <= full, "retry {retry}: {b:?}");
        }
        let two_secs = RateLimitInfo {
            retry_after: Some(Duration::from_secs(2)),
            ..Default::default()
        };
        assert_eq!(policy.rate_limit_wait(1, &two_secs), Duration::from_secs(2));
        let zero = RateLimitInfo {
            retry_after: Some(Duration::ZERO),
            ..Default::default()
        };
        assert!(policy.rate_limit_wait(1, &zero) >= Duration::from_millis(50));
        let huge = RateLimitInfo {
            retry_after: Some(Duration::from_secs(3600)),
            ..Default::default()
        };
        assert_eq!(policy.rate_limit_wait(1, &huge), Duration::from_secs(10));
    }
}
