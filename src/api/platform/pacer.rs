//! Request pacing for batches, on the `governor` crate's GCRA rate limiter.
//!
//! The API platform's spike arrest punishes bursts even within the per-second total, so
//! requests are spread evenly: one every `1/rate` seconds (a burst of one), never more than
//! the rate in any one-second window, counting every attempt, retries included.
//!
//! On a 429 no request goes out before its `Retry-After` has passed, and the rate is halved
//! (at most down to an eighth). It then recovers gradually: a quarter faster after each
//! recovery step (a second, or two of the slowed requests if that is longer) without a 429,
//! back to the configured rate. The configured rate is a ceiling throughout: a slowed
//! limiter only ever adds waiting.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::time::Instant;

/// Spreads requests evenly at a rate, shared by every task of a batch, and counts them.
#[derive(Debug)]
pub struct Pacer {
    per_second: f64,
    /// The configured rate, a burst of one: the ceiling, always applied.
    ceiling: DefaultDirectRateLimiter,
    /// After a 429: the pause and the slower rate, until recovered.
    slowed: Mutex<Option<Slowed>>,
    requests: AtomicU64,
    rate_limited: AtomicU64,
}

#[derive(Debug)]
struct Slowed {
    /// No request before this (the `Retry-After` of the latest 429).
    not_before: Instant,
    per_second: f64,
    limiter: Arc<DefaultDirectRateLimiter>,
    /// When the rate last changed.
    since: Instant,
}

/// The slowest a run is slowed to, as a fraction of the configured rate.
const FLOOR: f64 = 1.0 / 8.0;
/// How much faster each recovery step goes.
const RECOVERY: f64 = 1.25;

/// One request every `1/per_second` seconds, with no burst. The period is rounded up to a
/// whole nanosecond: rounded down (1/3 s as 333,333,333 ns), four grants could fit in one
/// second at 3 per second.
fn quota(per_second: f64) -> Quota {
    let period = Duration::from_nanos((1e9 / per_second.max(0.001)).ceil() as u64);
    Quota::with_period(period.max(Duration::from_micros(1)))
        .expect("a positive period")
        .allow_burst(NonZeroU32::MIN)
}

/// A limiter granting one request every `1/per_second` seconds, with no burst.
fn limiter(per_second: f64) -> DefaultDirectRateLimiter {
    RateLimiter::direct(quota(per_second))
}

/// The pacer's limiter for `per_second` (its ceiling, or a slowed rate) on another clock: the
/// same quota, so that the pacing can be checked on a fake clock, without sleeping.
pub fn limiter_on<C: governor::clock::Clock>(
    per_second: f64,
    clock: C,
) -> RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    C,
    governor::middleware::NoOpMiddleware<C::Instant>,
> {
    RateLimiter::direct_with_clock(quota(per_second), clock)
}

/// The ceiling's rate for `--rate N`.
pub fn ceiling_rate(per_second: u32) -> f64 {
    f64::from(per_second.max(1))
}

impl Pacer {
    /// At most `per_second` requests per second, one every `1/per_second` s.
    pub fn new(per_second: u32) -> Self {
        let per_second = ceiling_rate(per_second);
        Pacer {
            per_second,
            ceiling: limiter(per_second),
            slowed: Mutex::new(None),
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        }
    }

    fn slowed(&self) -> std::sync::MutexGuard<'_, Option<Slowed>> {
        self.slowed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Wait for the next slot and count one request.
    pub async fn wait(&self) {
        loop {
            let slowed = self
                .slowed()
                .as_ref()
                .map(|s| (s.not_before, s.limiter.clone()));
            if let Some((not_before, limiter)) = &slowed {
                tokio::time::sleep_until(*not_before).await;
                limiter.until_ready().await;
            }
            self.ceiling.until_ready().await;
            // A 429 that arrived while this one waited pushes it back too.
            let paused = self
                .slowed()
                .as_ref()
                .is_some_and(|s| s.not_before > Instant::now());
            if !paused {
                break;
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The service answered 429: no request goes out before `wait` has passed, and the rate
    /// halves.
    pub fn slow_down(&self, wait: Duration) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut slowed = self.slowed();
        let (not_before, current) = match slowed.as_ref() {
            Some(s) => (s.not_before.max(now + wait), s.per_second),
            None => (now + wait, self.per_second),
        };
        let per_second = (current / 2.0).max(self.per_second * FLOOR);
        *slowed = Some(Slowed {
            not_before,
            per_second,
            limiter: Arc::new(limiter(per_second)),
            since: now,
        });
    }

    /// An answer that was not a 429: recover gradually towards the configured rate.
    pub fn answered(&self) {
        let now = Instant::now();
        let mut slowed = self.slowed();
        let Some(s) = slowed.as_mut() else {
            return;
        };
        let step = Duration::from_secs(1).max(Duration::from_secs_f64(2.0 / s.per_second));
        if now < s.not_before || now.duration_since(s.since) < step {
            return;
        }
        let faster = s.per_second * RECOVERY;
        if faster >= self.per_second {
            *slowed = None;
        } else {
            s.per_second = faster;
            s.limiter = Arc::new(limiter(faster));
            s.since = now;
        }
    }

    /// The rate requests are granted at now, per second.
    pub fn current_rate(&self) -> f64 {
        self.slowed()
            .as_ref()
            .map_or(self.per_second, |s| s.per_second)
    }

    /// Requests granted so far (every attempt).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// 429 answers seen so far.
    pub fn rate_limited(&self) -> u64 {
        self.rate_limited.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grants in any one-second window never exceed the rate, and are evenly spread.
    #[tokio::test(flavor = "current_thread")]
    async fn grants_are_spread_evenly_and_never_exceed_the_rate() {
        let pacer = Pacer::new(20);
        let start = std::time::Instant::now();
        let mut at = Vec::new();
        for _ in 0..30 {
            pacer.wait().await;
            at.push(start.elapsed());
        }
        assert_eq!(pacer.requests(), 30);
        for w in at.windows(2) {
            // One every 50 ms; the clock may round by a little.
            assert!(w[1] - w[0] >= Duration::from_millis(49), "{at:?}");
        }
        for (i, t) in at.iter().enumerate() {
            let in_window = at[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_secs(1))
                .count();
            assert!(in_window <= 20, "{in_window} in one second: {at:?}");
        }
    }

    /// Found by the property test: a period rounded down let rate + 1 grants into a second.
    #[test]
    fn at_three_per_second_the_fourth_grant_is_a_full_second_after_the_first() {
        use governor::clock::{Clock, FakeRelativeClock, Reference};
        for rate in [3.0, 6.0 / 2.0, 7.0, 1000.0 / 8.0] {
            let clock = FakeRelativeClock::default();
            let l = limiter_on(rate, clock.clone());
            let start = clock.now();
            for _ in 0..=(rate as u32) {
                while let Err(n) = l.check() {
                    clock.advance(n.wait_time_from(clock.now()));
                }
            }
            let took = clock.now().duration_since(start).as_u64();
            assert!(took >= 1_000_000_000, "{rate}/s: {took} ns");
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_429_pauses_halves_the_rate_and_it_recovers() {
        let pacer = Pacer::new(8);
        pacer.slow_down(Duration::from_millis(200));
        assert_eq!(pacer.current_rate(), 4.0);
        let before = std::time::Instant::now();
        pacer.wait().await;
        assert!(before.elapsed() >= Duration::from_millis(195));
        // Repeated 429s halve it down to an eighth and no further.
        for _ in 0..6 {
            pacer.slow_down(Duration::ZERO);
        }
        assert_eq!(pacer.current_rate(), 1.0);
        assert_eq!(pacer.rate_limited(), 7);
        // Recovery is by steps, never straight back: an answer right away changes nothing.
        pacer.answered();
        assert_eq!(pacer.current_rate(), 1.0);
        {
            let mut s = pacer.slowed();
            let s = s.as_mut().unwrap();
            s.since -= Duration::from_secs(3);
        }
        pacer.answered();
        assert_eq!(pacer.current_rate(), 1.25);
        // Steps continue until the configured rate, then the slowdown is gone.
        for _ in 0..20 {
            if let Some(s) = pacer.slowed().as_mut() {
                s.since -= Duration::from_secs(3);
            }
            pacer.answered();
        }
        assert_eq!(pacer.current_rate(), 8.0);
        assert!(pacer.slowed().is_none());
    }
}
