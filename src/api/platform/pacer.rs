//! Request pacing for batches: one request every `1/rate` seconds, granted on time.
//!
//! The API platform's spike arrest punishes bursts even within the per-second total, so
//! requests are spread evenly: one every `1/rate` seconds, never more than the rate in any
//! one-second window, counting every attempt, retries included.
//!
//! Grants come from a [`Schedule`] (pure: times in, decisions out, so the rules are checked on
//! a fake clock) kept on time by a thread of the pacer's own: it sleeps with the operating
//! system's precision (tens of microseconds) where the async runtime's timer rounds to whole
//! milliseconds, a whole period at 1,000 a second. A grant woken a little late does not push
//! every later slot back: each slot may be up to half a period in the past, so the rate holds
//! while two grants are never closer than half a period, and a record of the latest grants
//! keeps any one-second window to the rate (with 5 ms to spare, for the network's jitter).
//!
//! On a 429 no request goes out before its `Retry-After` has passed, and the rate is halved
//! (at most down to an eighth). It then recovers: a quarter faster after each recovery step
//! (a second, or two of the slowed requests if that is longer) without a 429. After a 429 at
//! the configured rate, or a first one, it recovers all the way back: either may be a passing
//! one, and a run at its limit meets one now and then. After a second one (within a minute of
//! the one before) below the configured rate, it recovers to nine tenths of the rate that
//! one came at, since what the service allows is under it, and stays there; after each 20 s
//! there without a 429 it feels upwards (a twentieth faster, then twice as much each time, up
//! to a quarter), in case the limit has risen, back to the configured rate. Configured at
//! twice a service's limit, a run so holds about 92 % of the limit with a 429 every ten
//! seconds or so, where halving and recovering all the way each time held about 66 % with a
//! 429 or more every second (simulated in the tests below). The configured rate is a ceiling
//! throughout: a slowed rate only ever adds waiting.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The slowest a run is slowed to, as a fraction of the configured rate.
const FLOOR: f64 = 1.0 / 8.0;
/// How much faster each recovery step goes.
const RECOVERY: f64 = 1.25;
/// How far under the rate of the latest 429 recovery stops.
const BELOW: f64 = 0.9;
/// How long after a 429 another one counts as a second (the first may be a passing one).
const RECENT: u64 = 60 * SECOND;
/// How long a run stays calm just under that rate before it feels upwards.
const CALM: u64 = 20 * SECOND;
/// The first step upwards from there (a twentieth faster); each later one without a 429 is
/// twice as large, up to a recovery step.
const PROBE: f64 = 0.05;
const SECOND: u64 = 1_000_000_000;
/// What the one-second window rule adds to its second, for the network's jitter: requests
/// granted a second apart may arrive a little closer. It costs half a percent of the rate.
const JITTER: u64 = 5_000_000;

/// The ceiling's rate for `--rate N`.
pub fn ceiling_rate(per_second: u32) -> f64 {
    f64::from(per_second.max(1))
}

/// The period of `per_second`, in nanoseconds, rounded up: rounded down (1/3 s as
/// 333,333,333 ns), four slots could fit in one second at 3 per second.
fn period_ns(per_second: f64) -> u64 {
    ((1e9 / per_second.max(0.001)).ceil() as u64).max(1)
}

/// The pacing rules on a clock of nanoseconds since some origin: which moment a request may
/// go, the slowdown after a 429 and the recovery. Pure, so that it can be checked on a fake
/// clock without sleeping.
#[derive(Debug)]
pub struct Schedule {
    ceiling: f64,
    /// The rate requests are granted at now (the ceiling, or slower after a 429).
    current: f64,
    /// No grant before this (the `Retry-After` of the latest 429).
    not_before: u64,
    /// When the current rate last changed.
    since: u64,
    /// When a 429 last halved the rate: the 429s of requests already on their way when it
    /// came (within a second) do not halve it again.
    halved_at: Option<u64>,
    /// The rate the latest halving 429 came at, when it came below the configured rate and
    /// within a minute of the one before (raised by each step upwards since): what the
    /// service allows is under it.
    limit: Option<f64>,
    /// Steps upwards since the latest 429.
    probes: u32,
    /// The earliest moment of the next slot.
    next: u64,
    /// The latest grants, at most `keep` of them (the ceiling's count), oldest first.
    recent: VecDeque<u64>,
    keep: usize,
}

impl Schedule {
    /// At most `per_second` grants a second, one every `1/per_second` s.
    pub fn new(per_second: f64) -> Self {
        let per_second = per_second.max(0.001);
        Schedule {
            ceiling: per_second,
            current: per_second,
            not_before: 0,
            since: 0,
            halved_at: None,
            limit: None,
            probes: 0,
            next: 0,
            recent: VecDeque::with_capacity(per_second.ceil() as usize),
            keep: (per_second.ceil() as usize).max(1),
        }
    }

    /// Grant a request at `now`, or say how many nanoseconds to wait before asking again.
    pub fn grant(&mut self, now: u64) -> Result<(), u64> {
        if now < self.not_before {
            return Err(self.not_before - now);
        }
        if now < self.next {
            return Err(self.next - now);
        }
        // At most the current rate's count of grants in any one second: the grant that many
        // back must be a whole second ago (and a little more, for the network's jitter).
        let count = (self.current.ceil() as usize).clamp(1, self.keep);
        if self.recent.len() >= count {
            let then = self.recent[self.recent.len() - count] + SECOND + JITTER;
            if now < then {
                return Err(then - now);
            }
        }
        let period = period_ns(self.current);
        // A slot woken late counts from when it was due, but never more than half a period
        // in the past: after an idle spell no run of grants catches up.
        self.next = self.next.max(now.saturating_sub(period / 2)) + period;
        if self.recent.len() == self.keep {
            self.recent.pop_front();
        }
        self.recent.push_back(now);
        Ok(())
    }

    /// A 429 at `now`: nothing before `wait` has passed, and the rate halves (down to an
    /// eighth of the ceiling), once for the 429s of one second: the others answer requests
    /// sent before the rate was halved.
    pub fn slow_down(&mut self, now: u64, wait: Duration) {
        let wait = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.not_before = self.not_before.max(now.saturating_add(wait));
        if self
            .halved_at
            .is_some_and(|at| now < at.saturating_add(SECOND))
        {
            return;
        }
        // A 429 at the configured rate, or a first one (none for a minute), may be a passing
        // one (a run at its limit meets one now and then): recovery goes all the way back. A
        // second one, below the configured rate, says the service allows less than the rate
        // it came at.
        let again = self
            .halved_at
            .is_some_and(|at| now < at.saturating_add(RECENT));
        self.limit = (again && self.current < self.ceiling).then_some(self.current);
        self.probes = 0;
        self.current = (self.current / 2.0).max(self.ceiling * FLOOR);
        self.since = now;
        self.halved_at = Some(now);
    }

    /// An answer that was not a 429 at `now`: one recovery step if a step has passed.
    pub fn answered(&mut self, now: u64) {
        if !self.is_slowed() {
            return;
        }
        let step = SECOND.max(period_ns(self.current / 2.0));
        let calm = now.saturating_sub(self.since);
        if now < self.not_before || calm < step {
            return;
        }
        let target = self.target();
        if self.current < target {
            self.current = (self.current * RECOVERY).min(target);
            self.since = now;
        } else if calm >= CALM {
            // Calm just under the limit for a while: it may have risen, or the 429 was a
            // passing one. Feel upwards, a little further each time.
            let factor = (1.0 + PROBE * f64::from(1u32 << self.probes.min(4))).min(RECOVERY);
            self.probes += 1;
            self.limit = self.limit.map(|l| l * factor);
            self.current = (self.current * factor).min(self.ceiling);
            self.since = now;
        }
    }

    /// Where recovery goes quickly: just under the rate of the latest 429 (between the floor
    /// and the configured rate), or the configured rate when there was none.
    fn target(&self) -> f64 {
        self.limit.map_or(self.ceiling, |l| {
            (l * BELOW).clamp(self.ceiling * FLOOR, self.ceiling)
        })
    }

    /// Whether a 429 has slowed the rate below the ceiling.
    pub fn is_slowed(&self) -> bool {
        self.current < self.ceiling
    }

    /// The rate grants are made at now, per second.
    pub fn current_rate(&self) -> f64 {
        self.current
    }
}

/// A request waiting for its slot: the pacer's thread answers when it is granted.
type Waiter = tokio::sync::oneshot::Sender<()>;

/// Spreads requests evenly at a rate, shared by every task of a batch, and counts them.
#[derive(Debug)]
pub struct Pacer {
    origin: Instant,
    schedule: Arc<Mutex<Schedule>>,
    /// To the thread that keeps the schedule on time (none if it could not be started: then
    /// the waiting is done on the async runtime's coarser timer).
    waiters: Option<Mutex<mpsc::Sender<Waiter>>>,
    requests: AtomicU64,
    rate_limited: AtomicU64,
}

fn lock(schedule: &Mutex<Schedule>) -> MutexGuard<'_, Schedule> {
    schedule.lock().unwrap_or_else(|e| e.into_inner())
}

fn since(origin: Instant) -> u64 {
    u64::try_from(origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

/// The pacer's thread: each waiter in turn, granted at its slot. It ends when the pacer goes.
fn keep_time(origin: Instant, schedule: Arc<Mutex<Schedule>>, waiters: mpsc::Receiver<Waiter>) {
    while let Ok(waiter) = waiters.recv() {
        if waiter.is_closed() {
            continue;
        }
        loop {
            // Asked again after every sleep: a 429 meanwhile pushes the slot back.
            let decision = lock(&schedule).grant(since(origin));
            match decision {
                Ok(()) => break,
                Err(wait) => std::thread::sleep(Duration::from_nanos(wait)),
            }
        }
        // A waiter that gave up meanwhile (the run was cancelled) leaves its slot unused.
        let _ = waiter.send(());
    }
}

impl Pacer {
    /// At most `per_second` requests per second, one every `1/per_second` s.
    pub fn new(per_second: u32) -> Self {
        let origin = Instant::now();
        let schedule = Arc::new(Mutex::new(Schedule::new(ceiling_rate(per_second))));
        let (tx, rx) = mpsc::channel::<Waiter>();
        let shared = schedule.clone();
        let waiters = std::thread::Builder::new()
            .name("cpis-pacer".into())
            .spawn(move || keep_time(origin, shared, rx))
            .ok()
            .map(|_| Mutex::new(tx));
        Pacer {
            origin,
            schedule,
            waiters,
            requests: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
        }
    }

    fn schedule(&self) -> MutexGuard<'_, Schedule> {
        lock(&self.schedule)
    }

    /// Wait for the next slot and count one request.
    pub async fn wait(&self) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued = self
            .waiters
            .as_ref()
            .is_some_and(|w| w.lock().unwrap_or_else(|e| e.into_inner()).send(tx).is_ok());
        if !queued || rx.await.is_err() {
            // No thread: the same schedule on the runtime's timer.
            loop {
                let decision = self.schedule().grant(since(self.origin));
                match decision {
                    Ok(()) => break,
                    Err(wait) => tokio::time::sleep(Duration::from_nanos(wait)).await,
                }
            }
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// The service answered 429: no request goes out before `wait` has passed, and the rate
    /// halves.
    pub fn slow_down(&self, wait: Duration) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
        let now = since(self.origin);
        self.schedule().slow_down(now, wait);
    }

    /// An answer that was not a 429: recover gradually towards the configured rate.
    pub fn answered(&self) {
        let now = since(self.origin);
        self.schedule().answered(now);
    }

    /// The rate requests are granted at now, per second.
    pub fn current_rate(&self) -> f64 {
        self.schedule().current_rate()
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
            // One every 50 ms, never closer than half of that.
            assert!(w[1] - w[0] >= Duration::from_millis(25), "{at:?}");
        }
        // Seen here when each task wakes, a little after its grant (tens of microseconds, up
        // to a millisecond or two on a busy machine): the windows are checked a few
        // milliseconds short of a second. The grants themselves are checked exactly on a fake
        // clock (tests/cli/properties.rs).
        for (i, t) in at.iter().enumerate() {
            let in_window = at[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_millis(995))
                .count();
            assert!(in_window <= 20, "{in_window} in one second: {at:?}");
        }
        // Thirty at 20 a second take about a second and a half, not more.
        assert!(at[29] >= Duration::from_millis(1400), "{at:?}");
    }

    /// Many tasks at once, on several threads: every one granted, the rate kept.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_waiters_are_each_granted_once() {
        let pacer = Arc::new(Pacer::new(200));
        let start = std::time::Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..16 {
            let p = pacer.clone();
            tasks.spawn(async move {
                let mut at = Vec::new();
                for _ in 0..10 {
                    p.wait().await;
                    at.push(start.elapsed());
                }
                at
            });
        }
        let mut at: Vec<Duration> = Vec::new();
        while let Some(t) = tasks.join_next().await {
            at.extend(t.unwrap());
        }
        at.sort();
        assert_eq!(pacer.requests(), 160);
        for (i, t) in at.iter().enumerate() {
            let in_window = at[i..]
                .iter()
                .take_while(|u| **u - *t < Duration::from_millis(995))
                .count();
            assert!(in_window <= 200, "{in_window} in one second");
        }
    }

    /// Found by the property test of the old limiter: a period rounded down let rate + 1
    /// grants into a second.
    #[test]
    fn at_three_per_second_the_fourth_grant_is_a_full_second_after_the_first() {
        for rate in [3.0, 6.0 / 2.0, 7.0, 1000.0 / 8.0] {
            let mut s = Schedule::new(rate);
            let mut now = 0;
            let mut first = None;
            for _ in 0..=(rate as u32) {
                while let Err(wait) = s.grant(now) {
                    now += wait;
                }
                first.get_or_insert(now);
            }
            let took = now - first.unwrap();
            assert!(took >= SECOND, "{rate}/s: {took} ns");
        }
    }

    /// A grant woken late does not delay the ones after it: the rate holds at 95 % and more
    /// when every wake-up is late by up to a third of a period.
    #[test]
    fn late_wake_ups_cost_no_rate() {
        let rate = 1000.0;
        let mut s = Schedule::new(rate);
        let mut now = 0u64;
        let mut grants = 0u64;
        let mut late = 0u64;
        while now < 10 * SECOND {
            match s.grant(now) {
                Ok(()) => grants += 1,
                // Woken after the wait, late by 0 to 333 µs.
                Err(wait) => {
                    late = (late * 7 + 101_000) % 333_000;
                    now += wait + late;
                }
            }
        }
        assert!(
            grants as f64 >= 0.95 * rate * 10.0,
            "{grants} in 10 s at {rate}/s"
        );
        assert!(
            grants as f64 <= rate * 10.0 + 1.0,
            "{grants} in 10 s at {rate}/s"
        );
    }

    /// What a run sends through a spike arrest of `limit` a second (fixed one-second
    /// windows counting every request, as the sandbox's `--rate-limit`; a 429 says
    /// `Retry-After: 1`), answered `latency` later, from `from` to `to` seconds: the requests
    /// it accepted a second, and the 429s.
    fn through_a_spike_arrest(s: &mut Schedule, limit: u32, from: u64, to: u64) -> (f64, u64) {
        let latency = 50_000_000;
        let mut now = 0u64;
        let mut window = (0u64, 0u32);
        let mut answers: VecDeque<(u64, bool)> = VecDeque::new();
        let (mut accepted, mut refused) = (0u64, 0u64);
        while now < to * SECOND {
            while answers.front().is_some_and(|(at, _)| *at <= now) {
                let (at, ok) = answers.pop_front().unwrap();
                if ok {
                    s.answered(at);
                } else {
                    s.slow_down(at, Duration::from_secs(1));
                }
            }
            match s.grant(now) {
                Ok(()) => {
                    if now >= window.0 + SECOND {
                        window = (now, 0);
                    }
                    window.1 += 1;
                    let ok = window.1 <= limit;
                    if now >= from * SECOND {
                        if ok {
                            accepted += 1;
                        } else {
                            refused += 1;
                        }
                    }
                    answers.push_back((now + latency, ok));
                }
                Err(wait) => {
                    let next_answer = answers.front().map_or(u64::MAX, |(at, _)| *at);
                    now = (now + wait).min(next_answer.max(now + 1));
                }
            }
        }
        (accepted as f64 / (to - from) as f64, refused)
    }

    /// Configured at twice the service's limit, a run settles just under the limit rather
    /// than halving and recovering about it: at 90 % of it and more, with few 429s.
    #[test]
    fn above_the_limit_it_settles_just_under_it() {
        for (rate, limit) in [(200.0, 100), (1000.0, 300), (150.0, 100), (20.0, 5)] {
            let mut s = Schedule::new(rate);
            let (per_second, refused) = through_a_spike_arrest(&mut s, limit, 20, 320);
            eprintln!("{rate}/s through {limit}/s: {per_second:.1}/s, {refused} 429s in 300 s");
            assert!(
                per_second >= 0.88 * f64::from(limit),
                "{rate}/s through {limit}/s: {per_second:.1}/s"
            );
            assert!(per_second <= f64::from(limit) + 1.0);
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
        // The 429s of the requests already on their way count, but do not halve it again.
        for _ in 0..6 {
            pacer.slow_down(Duration::ZERO);
        }
        assert_eq!(pacer.current_rate(), 4.0);
        assert_eq!(pacer.rate_limited(), 7);
        // Recovery is by steps, never straight back: an answer right away changes nothing.
        pacer.answered();
        assert_eq!(pacer.current_rate(), 4.0);
        // 429s a second apart halve it down to an eighth and no further.
        let mut s = Schedule::new(8.0);
        for i in 0..4 {
            s.slow_down(i * SECOND / 4, Duration::ZERO);
        }
        assert_eq!(s.current_rate(), 4.0, "one halving in the first second");
        for i in 1..7 {
            s.slow_down(i * SECOND, Duration::ZERO);
        }
        assert_eq!(s.current_rate(), 1.0);
        s.answered(6 * SECOND + SECOND / 2);
        assert_eq!(s.current_rate(), 1.0);
        // Recovery goes quickly to just under the rate of the latest 429 (here the floor
        // itself), then feels upwards after each calm spell, a little further each time, back
        // to the configured rate.
        s.answered(9 * SECOND);
        assert_eq!(s.current_rate(), 1.0, "calm for only 3 s");
        let mut now = 6 * SECOND + CALM;
        s.answered(now);
        assert!(
            (s.current_rate() - 1.05).abs() < 1e-9,
            "{}",
            s.current_rate()
        );
        for _ in 0..20 {
            now += CALM;
            s.answered(now);
        }
        assert_eq!(s.current_rate(), 8.0);
        assert!(!s.is_slowed());
    }

    /// A passing 429 at the configured rate (none for a minute before it): back to the whole
    /// rate within a few seconds, as a run at the limit needs. A second one within the minute
    /// keeps the run just under the rate it came at.
    #[test]
    fn a_passing_429_costs_a_little_for_a_short_while() {
        let mut s = Schedule::new(100.0);
        s.slow_down(0, Duration::from_secs(1));
        assert_eq!(s.current_rate(), 50.0);
        let mut now = 0;
        let mut back_under = None;
        while s.is_slowed() {
            now += SECOND / 10;
            s.answered(now);
            if s.current_rate() >= 90.0 - 1e-9 {
                back_under.get_or_insert(now);
            }
            assert!(now < 60 * SECOND, "still {} after 60 s", s.current_rate());
        }
        assert!(back_under.unwrap() <= 4 * SECOND, "{back_under:?}");
        assert!(now <= 5 * SECOND, "{now}");
        // Another at the configured rate is a passing one too.
        now += SECOND;
        s.slow_down(now, Duration::from_secs(1));
        while s.is_slowed() {
            now += SECOND / 2;
            s.answered(now);
        }
        assert!(now <= 10 * SECOND, "{now}");
        // Once more at the configured rate, then one below it on the way back up: that is a
        // second, and the run stays under the rate it came at.
        now += SECOND;
        s.slow_down(now, Duration::from_secs(1));
        for _ in 0..3 {
            now += SECOND + SECOND / 10;
            s.answered(now);
        }
        assert!(
            (s.current_rate() - 97.65625).abs() < 1e-9,
            "{}",
            s.current_rate()
        );
        s.slow_down(now, Duration::from_secs(1));
        let second = now;
        while now < second + CALM - SECOND {
            now += SECOND / 2;
            s.answered(now);
        }
        assert!(
            (s.current_rate() - 97.65625 * BELOW).abs() < 1e-9,
            "{}",
            s.current_rate()
        );
    }
}
