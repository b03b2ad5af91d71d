//! The one place concurrency is bounded: every request of a client takes a permit here.
//!
//! The limit starts at the configured maximum, halves when the server answers 429, and climbs
//! back by one after each run of successful answers (additive increase, multiplicative
//! decrease). A 429's `Retry-After` also pauses every request of the client, so concurrent
//! workers stop together instead of each running into the empty bucket.
//!
//! Where the server states its bucket (`X-RateLimit-Limit`, `-Remaining`, `-FillRate`,
//! `-Interval-Seconds`), requests are paced by a copy of that bucket, so they go out at the
//! rate the server refills instead of running into 429s (whose whole-second `Retry-After` would
//! cost far more than the wait for one token).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// The share of the server's stated refill rate the client uses.
const PACE_MARGIN: f64 = 0.9;

/// The client's copy of the server's token bucket.
#[derive(Debug)]
struct Bucket {
    tokens: f64,
    capacity: f64,
    per_second: f64,
    at: Instant,
}

impl Bucket {
    /// Adds the tokens refilled since the last look.
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.capacity);
        self.at = now;
    }

    /// Takes a token, or says how long until one is there.
    fn take(&mut self, now: Instant) -> Option<Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64(
                (1.0 - self.tokens) / self.per_second,
            ))
        }
    }
}

#[derive(Debug)]
struct State {
    max: usize,
    limit: usize,
    lowest_limit: usize,
    in_flight: usize,
    successes_since_change: usize,
    paused_until: Option<Instant>,
    bucket: Option<Bucket>,
}

/// An adaptive concurrency limit shared by all requests of one client.
#[derive(Debug)]
pub(crate) struct ConcurrencyLimiter {
    state: Mutex<State>,
    changed: Notify,
}

/// A request's place in flight; released on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<ConcurrencyLimiter>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.limiter.lock().in_flight -= 1;
        self.limiter.changed.notify_waiters();
    }
}

impl ConcurrencyLimiter {
    pub(crate) fn new(max: usize) -> Arc<Self> {
        let max = max.max(1);
        Arc::new(Self {
            state: Mutex::new(State {
                max,
                limit: max,
                lowest_limit: max,
                in_flight: 0,
                successes_since_change: 0,
                paused_until: None,
                bucket: None,
            }),
            changed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding this lock cannot leave the counters inconsistent in a way
        // worse than a lost permit, so keep going.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for a pause to end and a free place under the current limit.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            // Registered before the check, so a release between check and wait is not lost.
            let changed = self.changed.notified();
            let pause = {
                let mut state = self.lock();
                let now = Instant::now();
                match state.paused_until {
                    Some(until) if until > now => Some(until),
                    _ => {
                        state.paused_until = None;
                        if state.in_flight < state.limit {
                            match state.bucket.as_mut().and_then(|b| b.take(now)) {
                                Some(wait) => Some(now + wait),
                                None => {
                                    state.in_flight += 1;
                                    return Permit {
                                        limiter: Arc::clone(self),
                                    };
                                }
                            }
                        } else {
                            None
                        }
                    }
                }
            };
            match pause {
                Some(until) => tokio::time::sleep_until(until).await,
                None => changed.await,
            }
        }
    }

    /// The server answered 429: halve the limit and pause everyone for `wait`.
    pub(crate) fn on_rate_limited(&self, wait: Duration) {
        let mut state = self.lock();
        state.limit = (state.limit / 2).max(1);
        state.lowest_limit = state.lowest_limit.min(state.limit);
        state.successes_since_change = 0;
        self.pause_locked(&mut state, wait);
    }

    /// The server stated its bucket: pace by it from now on. Requests in flight were sent after
    /// the server counted, so they are taken off what it says remains.
    pub(crate) fn observe_bucket(&self, capacity: u64, remaining: u64, per_second: f64) {
        if capacity == 0 || per_second <= 0.0 {
            return;
        }
        let mut state = self.lock();
        let now = Instant::now();
        let mut tokens = remaining as f64 - state.in_flight as f64;
        if let Some(bucket) = state.bucket.as_mut() {
            // Answers overtake each other: an older, fuller count must not raise the estimate
            // (the refill does that).
            bucket.refill(now);
            tokens = tokens.min(bucket.tokens);
        }
        state.bucket = Some(Bucket {
            tokens,
            capacity: capacity as f64,
            // A little under the server's rate: at exactly its rate, any jitter on the way
            // makes two requests arrive closer than a token apart.
            per_second: per_second * PACE_MARGIN,
            at: now,
        });
    }

    /// The server says its bucket is empty although it answered: pause without lowering.
    pub(crate) fn pause(&self, wait: Duration) {
        let mut state = self.lock();
        self.pause_locked(&mut state, wait);
    }

    fn pause_locked(&self, state: &mut State, wait: Duration) {
        let until = Instant::now() + wait;
        if state.paused_until.is_none_or(|current| current < until) {
            state.paused_until = Some(until);
        }
    }

    /// An answer that was not a 429: after `limit` of them in a row, allow one more in flight.
    pub(crate) fn on_success(&self) {
        let raised = {
            let mut state = self.lock();
            if state.limit >= state.max {
                return;
            }
            state.successes_since_change += 1;
            if state.successes_since_change >= state.limit {
                state.limit += 1;
                state.successes_since_change = 0;
                true
            } else {
                false
            }
        };
        if raised {
            self.changed.notify_waiters();
        }
    }

    /// (current limit, lowest limit so far, configured maximum).
    pub(crate) fn limits(&self) -> (usize, usize, usize) {
        let state = self.lock();
        (state.limit, state.lowest_limit, state.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn limit_halves_on_429_and_climbs_back() {
        let limiter = ConcurrencyLimiter::new(8);
        limiter.on_rate_limited(Duration::ZERO);
        assert_eq!(limiter.limits(), (4, 4, 8));
        limiter.on_rate_limited(Duration::ZERO);
        limiter.on_rate_limited(Duration::ZERO);
        limiter.on_rate_limited(Duration::ZERO);
        assert_eq!(limiter.limits(), (1, 1, 8));
        for _ in 0..200 {
            limiter.on_success();
        }
        assert_eq!(limiter.limits(), (8, 1, 8));
    }

    #[tokio::test(start_paused = true)]
    async fn permits_are_bounded_and_released() {
        let limiter = ConcurrencyLimiter::new(2);
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move { limiter.acquire().await })
        };
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(
            !waiter.is_finished(),
            "a third permit beyond the limit of 2"
        );
        drop(a);
        let _c = tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("released permit wakes the waiter")
            .unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn a_stated_bucket_paces_requests_at_its_fill_rate() {
        let limiter = ConcurrencyLimiter::new(8);
        limiter.observe_bucket(10, 2, 4.0 / PACE_MARGIN);
        let start = Instant::now();
        for _ in 0..6 {
            drop(limiter.acquire().await);
        }
        // Two tokens at once, then one every 250 ms.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(990), "{elapsed:?}");
        assert!(elapsed <= Duration::from_millis(1100), "{elapsed:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request() {
        let limiter = ConcurrencyLimiter::new(4);
        limiter.pause(Duration::from_secs(3));
        let start = Instant::now();
        let _p = limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
