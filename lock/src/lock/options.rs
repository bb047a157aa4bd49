//! [`LockOptions`]: TTL, retries, renewal, drift, timeouts, fencing and the
//! clock-skew guard, shared by every lock kind — and [`WallClock`], the
//! library's one reading of the wall clock.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::retry::RetryPolicy;

/// How a lock behaves. Start from [`LockOptions::new`] (or `default()`)
/// and change what you need:
///
/// ```
/// use std::time::Duration;
/// use redsim_lock::{LockOptions, RetryPolicy};
///
/// let options = LockOptions::new()
///     .ttl(Duration::from_secs(10))
///     .acquire_timeout(Duration::from_secs(2))
///     .retry(RetryPolicy::backoff(Duration::from_millis(5), Duration::from_millis(200)))
///     .auto_renew()
///     .fencing(true);
/// assert_eq!(options.renew_interval(), Some(Duration::from_secs(10) / 3));
/// ```
#[derive(Debug, Clone)]
pub struct LockOptions {
    pub(crate) ttl: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) acquire_timeout: Duration,
    pub(crate) renew: Option<Renew>,
    pub(crate) drift_factor: f64,
    pub(crate) op_timeout: Duration,
    pub(crate) release_timeout: Duration,
    pub(crate) fencing: bool,
    pub(crate) skew_guard: Option<SkewGuard>,
    pub(crate) wall_clock: WallClock,
    pub(crate) confirm: Option<Confirm>,
}

/// Confirmation of the lock's writes on replicas (see
/// [`LockOptions::confirm_replicas`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Confirm {
    /// Replicas that must acknowledge.
    pub replicas: u32,
    /// How long the server waits for them (WAIT's timeout).
    pub timeout: Duration,
}

/// The wall clock, read in one place in the whole library: the skew guard
/// compares the server's TIME with it, on purpose. Nothing else reads it —
/// validity, renewals, retries and timeouts run on Tokio's monotonic clock
/// — so a wall clock stepped by NTP (or by hand) changes no deadline.
///
/// Tests replace it ([`LockOptions::wall_clock`]) to step the holder's
/// wall clock and show that only the skew guard sees it.
#[derive(Clone, Default)]
pub(crate) struct WallClock {
    replaced: Option<Arc<dyn Fn() -> SystemTime + Send + Sync>>,
}

impl WallClock {
    /// The local wall-clock time.
    pub(crate) fn now(&self) -> SystemTime {
        match &self.replaced {
            Some(now) => now(),
            None => SystemTime::now(),
        }
    }
}

impl std::fmt::Debug for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.replaced.is_some() {
            "WallClock(replaced)"
        } else {
            "WallClock(system)"
        })
    }
}

/// Automatic renewal settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Renew {
    /// Between renewals; `None`: a third of the TTL.
    pub interval: Option<Duration>,
    /// Consecutive failed renewals after which the lock counts as lost
    /// before its deadline; `None`: only the deadline decides.
    pub max_failures: Option<u32>,
}

/// What to do when the server's clock and the local clock disagree by
/// more than a bound at acquire time (the design notes' `ClockSafeLock`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkewGuard {
    pub(crate) bound: Duration,
    pub(crate) action: SkewAction,
}

/// See [`SkewGuard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SkewAction {
    /// Release the lock and fail with [`LockError::ClockSkew`](crate::LockError::ClockSkew).
    Refuse,
    /// Keep the lock with its validity shortened by twice the skew: a
    /// clock that is off by that much may be stepped by as much again
    /// while the lock is held.
    Shrink,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            ttl: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            acquire_timeout: Duration::from_secs(10),
            renew: None,
            drift_factor: 0.01,
            op_timeout: Duration::from_secs(1),
            release_timeout: Duration::from_secs(1),
            fencing: false,
            skew_guard: None,
            wall_clock: WallClock::default(),
            confirm: None,
        }
    }
}

impl LockOptions {
    /// The defaults: TTL 30 s, retries with [`RetryPolicy::default`] for up
    /// to 10 s, no auto-renew, drift factor 0.01, 1 s per Redis call, 1 s
    /// for a release on drop, no fencing token, no skew guard.
    pub fn new() -> Self {
        Self::default()
    }

    /// How long the key lives without renewal.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// How to space attempts while the lock is held by someone else.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long `acquire` keeps trying before [`LockError::Timeout`](crate::LockError::Timeout).
    #[must_use]
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// Renews the lock in the background every third of its TTL while the
    /// guard lives, and signals loss (see [`Guard::lost`](crate::Guard::lost)).
    #[must_use]
    pub fn auto_renew(mut self) -> Self {
        self.renew = Some(Renew {
            interval: None,
            max_failures: None,
        });
        self
    }

    /// Renews every `interval` instead of a third of the TTL.
    #[must_use]
    pub fn renew_every(mut self, interval: Duration) -> Self {
        let max_failures = self.renew.and_then(|r| r.max_failures);
        self.renew = Some(Renew {
            interval: Some(interval),
            max_failures,
        });
        self
    }

    /// Counts the lock as lost after `n` renewals in a row fail, even
    /// before its validity deadline (which counts it lost in any case).
    #[must_use]
    pub fn renew_give_up_after(mut self, n: u32) -> Self {
        let interval = self.renew.and_then(|r| r.interval);
        self.renew = Some(Renew {
            interval,
            max_failures: Some(n.max(1)),
        });
        self
    }

    /// The clock drift allowed for, as a fraction of the TTL (plus 2 ms),
    /// subtracted from every validity: 0.01 by default, as Redlock's paper.
    #[must_use]
    pub fn drift_factor(mut self, factor: f64) -> Self {
        self.drift_factor = factor.max(0.0);
        self
    }

    /// How long one Redis call may take before it counts as failed.
    #[must_use]
    pub fn op_timeout(mut self, timeout: Duration) -> Self {
        self.op_timeout = timeout;
        self
    }

    /// How long a release started by dropping a guard may take.
    #[must_use]
    pub fn release_timeout(mut self, timeout: Duration) -> Self {
        self.release_timeout = timeout;
        self
    }

    /// Whether acquiring issues a fencing token (an extra counter key and
    /// a script instead of a plain `SET NX PX`).
    #[must_use]
    pub fn fencing(mut self, on: bool) -> Self {
        self.fencing = on;
        self
    }

    /// Compares the server's TIME with the local clock at acquire time and
    /// acts when they differ by more than `bound`.
    #[must_use]
    pub fn skew_guard(mut self, bound: Duration, action: SkewAction) -> Self {
        self.skew_guard = Some(SkewGuard { bound, action });
        self
    }

    /// Confirms every acquisition and renewal on `replicas` replicas of the
    /// primary, as Redisson's `syncSlaves` does: after the write, `WAIT
    /// replicas timeout` on the same connection. An acquisition that fewer
    /// replicas acknowledge within `timeout` (of the server's clock) is
    /// released and fails with
    /// [`LockError::NotReplicated`](crate::LockError::NotReplicated); a
    /// renewal that is not confirmed counts as a failed renewal, so the
    /// guard's [`lost`](crate::Guard::lost) signal fires (at once with
    /// [`renew_give_up_after(1)`](LockOptions::renew_give_up_after), else
    /// at its deadline). Single-instance [`Lock`](crate::Lock) only.
    ///
    /// What it does guarantee: a lock you hold was on `replicas` replicas
    /// when you got it (and at each renewal), so a failover that promotes
    /// one of them keeps it — Sentinel promotes the replica with the most
    /// data, which has it as long as that replica stayed in sync.
    ///
    /// What it does not: WAIT makes no write durable or consistent. A
    /// primary can still crash between the write and the WAIT (you are
    /// told the acquire failed, but the key may survive on a replica until
    /// its TTL); a promoted replica that missed the write (it was not among
    /// those that acknowledged, or lost it to a restart without
    /// persistence) grants the lock to someone else; replicas expire keys
    /// on their own clocks once promoted. Use a fencing token
    /// ([`LockOptions::fencing`]) where a second holder must be harmless.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim_lock::LockOptions;
    ///
    /// let options = LockOptions::new().confirm_replicas(1, Duration::from_millis(100));
    /// ```
    #[must_use]
    pub fn confirm_replicas(mut self, replicas: u32, timeout: Duration) -> Self {
        self.confirm = Some(Confirm { replicas, timeout });
        self
    }

    /// A test hook: the local wall clock the skew guard compares the
    /// server's TIME with — the only wall-clock reading in the library —
    /// is read from `now` instead of [`SystemTime::now`]. A test steps it
    /// to show that validity never follows the wall clock while the skew
    /// guard does. Not for production use.
    #[doc(hidden)]
    #[must_use]
    pub fn wall_clock(mut self, now: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.wall_clock = WallClock {
            replaced: Some(Arc::new(now)),
        };
        self
    }

    /// The TTL.
    pub fn ttl_value(&self) -> Duration {
        self.ttl
    }

    /// The interval between renewals, if auto-renew is on.
    pub fn renew_interval(&self) -> Option<Duration> {
        self.renew.map(|r| r.interval.unwrap_or(self.ttl / 3))
    }

    /// The drift allowance subtracted from every validity: `ttl × factor +
    /// 2 ms`.
    pub fn drift(&self) -> Duration {
        self.ttl.mul_f64(self.drift_factor) + Duration::from_millis(2)
    }

    /// The validity of a lock whose request was sent at `sent`: the TTL
    /// less the drift allowance, counted from the send.
    pub(crate) fn valid_until(&self, sent: tokio::time::Instant) -> tokio::time::Instant {
        sent + self.ttl - self.drift()
    }

    /// How long a request latch (see `scripts::REENTRANT_RELEASE`) stays
    /// on the server, in ms: longer than any retry of its request can
    /// arrive — the acquire window or the release timeout, plus one
    /// operation — and at least ten seconds.
    pub(crate) fn latch_ttl_ms(&self) -> u64 {
        let window = self
            .acquire_timeout
            .max(self.release_timeout)
            .max(self.op_timeout)
            + self.op_timeout;
        u64::try_from(window.max(Duration::from_secs(10)).as_millis()).unwrap_or(u64::MAX)
    }

    /// The TTL in whole milliseconds (at least 1), as sent to Redis.
    pub(crate) fn ttl_ms(&self) -> u64 {
        u64::try_from(self.ttl.as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    pub(crate) fn check(&self) -> Result<(), crate::LockError> {
        if self.ttl < Duration::from_millis(1) {
            return Err(crate::LockError::InvalidOptions(
                "the TTL must be at least 1 ms".into(),
            ));
        }
        if self.op_timeout.is_zero() {
            return Err(crate::LockError::InvalidOptions(
                "the operation timeout must not be zero".into(),
            ));
        }
        Ok(())
    }
}
