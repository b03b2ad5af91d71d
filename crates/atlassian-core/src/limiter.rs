//! The one place concurrency is bounded: every request of a client takes a permit here.
//!
//! The limit starts at the configured maximum, halves when the server answers 429, and climbs
//! back by one after each run of successful answers (additive increase, multiplicative
//! decrease). A 429's `Retry-After` also pauses every request of the client, so concurrent
//! workers stop together instead of each running into the empty bucket.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

#[derive(Debug)]
struct State {
    max: usize,
    limit: usize,
    lowest_limit: usize,
    in_flight: usize,
    successes_since_change: usize,
    paused_until: Option<Instant>,
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
                match state.paused_until {
                    Some(until) if until > Instant::now() => Some(until),
                    _ => {
                        state.paused_until = None;
                        if state.in_flight < state.limit {
                            state.in_flight += 1;
                            return Permit {
                                limiter: Arc::clone(self),
                            };
                        }
                        None
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
    async fn a_pause_holds_every_request() {
        let limiter = ConcurrencyLimiter::new(4);
        limiter.pause(Duration::from_secs(3));
        let start = Instant::now();
        let _p = limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(3));
    }
}
