//! [`ManualClock`]: time that moves only when the test says so.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::{ClockListener, Listeners, from_micros, micros_of, to_micros};

/// A clock that moves only when told to. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// use redsim::{ManualClock, Server};
///
/// let clock = ManualClock::new();
/// let server = Server::builder().clock(&clock).start().unwrap();
/// let mut con = server.connection();
/// redis::cmd("SET").arg("k").arg("v").arg("EX").arg(10).exec(&mut con).unwrap();
/// // As in Redis, a key lives through the millisecond of its deadline.
/// clock.advance(Duration::from_millis(10_001));
/// let v: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
/// assert_eq!(v, None);
/// ```
#[derive(Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

struct ManualInner {
    micros: Mutex<i64>,
    listeners: Listeners,
}

impl ManualClock {
    /// A manual clock that starts at the current wall-clock time.
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A manual clock that starts at `t`.
    pub fn starting_at(t: SystemTime) -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                micros: Mutex::new(to_micros(t)),
                listeners: Listeners::default(),
            }),
        }
    }

    /// Microseconds since the Unix epoch.
    pub fn now_micros(&self) -> i64 {
        *self.inner.micros.lock()
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        from_micros(self.now_micros())
    }

    /// Moves the clock forward by `by`. On every server that reads it,
    /// keys whose deadline passes are expired (with their `expired`
    /// notifications) and blocked clients whose timeout passes are
    /// answered before this returns.
    pub fn advance(&self, by: Duration) {
        {
            let mut t = self.inner.micros.lock();
            *t = t.saturating_add(micros_of(by));
        }
        self.inner.listeners.notify_all();
    }

    /// Sets the clock to `t`, forward or back.
    pub fn set(&self, t: SystemTime) {
        *self.inner.micros.lock() = to_micros(t);
        self.inner.listeners.notify_all();
    }

    pub(super) fn subscribe(&self, listener: Weak<dyn ClockListener>) {
        self.inner.listeners.add(listener);
    }

    #[cfg(test)]
    pub(super) fn listener_count(&self) -> usize {
        self.inner.listeners.len()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManualClock(at {} µs)", self.now_micros())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Clock;
    use std::time::UNIX_EPOCH;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(100));
        assert_eq!(c.now_micros(), 100_000_000);
        c.advance(Duration::from_millis(1500));
        assert_eq!(Clock::from(&c).now_millis(), 101_500);
        c.set(UNIX_EPOCH + Duration::from_secs(5));
        assert_eq!(c.now_micros(), 5_000_000);
    }
}
