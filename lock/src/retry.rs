//! Retry schedules: exponential backoff with full jitter.
//!
//! Pure (no I/O, no clock): a schedule maps an attempt number and a random
//! draw to a delay, so its bounds are unit-tested directly, and a seeded
//! schedule replays the same delays in a test.

use std::time::Duration;

use fastrand::Rng;

/// When to try again after a failed attempt: exponential backoff with
/// full jitter (each delay uniform in `0..=min(cap, base × 2^(n−1))`),
/// as AWS's architecture blog recommends for contention, with an optional
/// limit on attempts.
///
/// ```
/// use std::time::Duration;
/// use redsim_lock::RetryPolicy;
///
/// let policy = RetryPolicy::backoff(Duration::from_millis(10), Duration::from_millis(500))
///     .max_attempts(20)
///     .seed(7);
/// let mut delays = policy.delays();
/// let first = delays.next().unwrap();
/// assert!(first <= Duration::from_millis(10));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    base: Duration,
    cap: Duration,
    max_attempts: Option<u32>,
    seed: Option<u64>,
}

impl Default for RetryPolicy {
    /// 10 ms doubling up to 1 s, with full jitter, attempts unlimited (the
    /// acquire deadline bounds them).
    fn default() -> Self {
        RetryPolicy::backoff(Duration::from_millis(10), Duration::from_secs(1))
    }
}

impl RetryPolicy {
    /// Exponential backoff from `base`, doubling per attempt up to `cap`,
    /// with full jitter.
    pub fn backoff(base: Duration, cap: Duration) -> Self {
        RetryPolicy {
            base,
            cap: cap.max(base),
            max_attempts: None,
            seed: None,
        }
    }

    /// A single attempt, no retries.
    pub fn never() -> Self {
        RetryPolicy::default().max_attempts(1)
    }

    /// Gives up after `n` attempts in all (at least one).
    #[must_use]
    pub fn max_attempts(mut self, n: u32) -> Self {
        self.max_attempts = Some(n.max(1));
        self
    }

    /// Draws the jitter from a generator seeded with `seed`, so that a test
    /// replays the same delays. Unseeded policies draw from a generator
    /// seeded by the operating system.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The attempt limit, if any.
    pub fn attempts_limit(&self) -> Option<u32> {
        self.max_attempts
    }

    /// The largest delay before attempt `n + 1` after `n` failed attempts
    /// (`n` ≥ 1): `min(cap, base × 2^(n−1))`.
    pub fn ceiling(&self, failed: u32) -> Duration {
        let exp = failed.saturating_sub(1).min(31);
        self.base
            .checked_mul(1u32 << exp)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// The delays between attempts, in order: one fewer than the attempt
    /// limit, or endless.
    pub fn delays(&self) -> Delays {
        let rng = match self.seed {
            Some(s) => Rng::with_seed(s),
            None => Rng::new(),
        };
        Delays {
            policy: self.clone(),
            failed: 0,
            rng,
        }
    }
}

/// The delays of a [`RetryPolicy`], drawn as needed.
#[derive(Debug)]
pub struct Delays {
    policy: RetryPolicy,
    failed: u32,
    rng: Rng,
}

impl Iterator for Delays {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        self.failed = self.failed.saturating_add(1);
        if self
            .policy
            .max_attempts
            .is_some_and(|max| self.failed >= max)
        {
            return None;
        }
        let ceiling = self.policy.ceiling(self.failed);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Some(Duration::from_nanos(self.rng.u64(0..=nanos)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let p = RetryPolicy::backoff(Duration::from_millis(10), Duration::from_millis(100));
        let c: Vec<u64> = (1..=6).map(|n| p.ceiling(n).as_millis() as u64).collect();
        assert_eq!(c, [10, 20, 40, 80, 100, 100]);
        assert_eq!(p.ceiling(1000), Duration::from_millis(100));
    }

    #[test]
    fn delays_stay_under_their_ceiling_and_spread_over_it() {
        let p = RetryPolicy::backoff(Duration::from_millis(8), Duration::from_secs(1)).seed(1);
        let mut below_half = 0;
        for (i, d) in p.delays().take(2000).enumerate() {
            let ceiling = p.ceiling(i as u32 + 1);
            assert!(d <= ceiling);
            if d < ceiling / 2 {
                below_half += 1;
            }
        }
        // Full jitter: about half the draws fall in the lower half.
        assert!((800..1200).contains(&below_half), "{below_half}");
    }

    #[test]
    fn attempts_limit_the_number_of_delays() {
        assert_eq!(RetryPolicy::default().max_attempts(4).delays().count(), 3);
        assert_eq!(RetryPolicy::never().delays().count(), 0);
    }

    #[test]
    fn a_seed_replays_the_same_delays() {
        let p = RetryPolicy::default().seed(42);
        let a: Vec<_> = p.delays().take(10).collect();
        let b: Vec<_> = p.delays().take(10).collect();
        assert_eq!(a, b);
    }
}
