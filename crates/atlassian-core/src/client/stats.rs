//! What a client counts: [`ClientStats`] for progress displays and benchmarks, and the atomic
//! counters behind it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::retry::RateLimitInfo;

/// Counters of one client, for progress displays and benchmarks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientStats {
    /// Requests sent (each try counts).
    pub requests: u64,
    /// Tries after the first, of any request.
    pub retries: u64,
    /// 429 answers received.
    pub rate_limited: u64,
    /// Time spent waiting on rate limits (summed over requests).
    pub rate_limit_wait: Duration,
    /// Body bytes received.
    pub bytes_received: u64,
    /// The concurrency limit now.
    pub concurrency_limit: usize,
    /// The lowest the concurrency limit went.
    pub lowest_concurrency_limit: usize,
    /// The configured concurrency.
    pub max_concurrency: usize,
    /// The last rate-limit headers the server sent, if it sent any.
    pub last_rate_limit: Option<RateLimitInfo>,
    /// Time spent waiting before retries of transient failures (summed over requests).
    pub retry_wait: Duration,
    /// Requests waiting right now to retry a transient failure (a server restarting, say).
    pub waiting_to_retry: u64,
    /// The latest transient failure retried, with its place in the budget.
    pub last_retry: Option<RetryNote>,
}

/// A transient failure being retried, for a progress display: what failed and how much of the
/// budget it has used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryNote {
    /// The failure, naming its request (`GET /rest/api/2/group/member: cannot connect …`).
    pub failure: String,
    /// This retry's number.
    pub retry: u32,
    /// Retries allowed per request.
    pub budget: u32,
}

#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) requests: AtomicU64,
    pub(super) retries: AtomicU64,
    pub(super) rate_limited: AtomicU64,
    pub(super) rate_limit_wait_micros: AtomicU64,
    pub(super) bytes_received: AtomicU64,
    pub(super) last_rate_limit: Mutex<Option<RateLimitInfo>>,
    pub(super) retry_wait_micros: AtomicU64,
    pub(super) waiting_to_retry: AtomicU64,
    pub(super) last_retry: Mutex<Option<RetryNote>>,
}

impl Counters {
    /// Waits `wait` before retry `retry` of a transient `failure`, counted while it waits
    /// (the count falls again even when the wait is cancelled).
    pub(super) async fn wait_to_retry(
        &self,
        failure: String,
        retry: u32,
        budget: u32,
        wait: Duration,
    ) {
        struct Waiting<'a>(&'a AtomicU64);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Relaxed);
            }
        }
        self.retries.fetch_add(1, Ordering::Relaxed);
        self.retry_wait_micros
            .fetch_add(wait.as_micros() as u64, Ordering::Relaxed);
        *self.last_retry.lock().unwrap_or_else(|p| p.into_inner()) = Some(RetryNote {
            failure,
            retry,
            budget,
        });
        self.waiting_to_retry.fetch_add(1, Ordering::Relaxed);
        let _waiting = Waiting(&self.waiting_to_retry);
        tokio::time::sleep(wait).await;
    }
}
