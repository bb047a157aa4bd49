//! The server clock: the only place a server learns the time.
//!
//! Redis keeps expiry as absolute deadlines in Unix milliseconds and reads
//! the wall clock for them; redsim reads a [`Clock`] instead, so that a test
//! decides what time it is. Every time-related reply (TTL, PTTL, TIME,
//! EXPIRETIME…), every expiry and every blocking timeout follows it.
//!
//! Kinds of clock:
//! * [`Clock::system`]: the wall clock, the default;
//! * [`ManualClock`]: moves only when the test calls [`ManualClock::advance`]
//!   or [`ManualClock::set`].
//!
//! A clock that moves by a test's call tells the servers that read it, so
//! that they purge what expired and time out what waited *before* the call
//! returns: a test never has to wait for a background sweep.
//!
//! This module owns time sources and their listeners; it does not know
//! about keys.

use std::fmt;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

/// Something that wants to hear when a clock moves by a test's hand.
pub(crate) trait ClockListener: Send + Sync {
    /// Called after the clock moved, outside any clock lock.
    fn clock_moved(&self);
}

/// A time source shared by one or more servers. Cheap to clone: clones
/// read the same time.
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    System,
    Manual(ManualClock),
}

impl Clock {
    /// The operating system's wall clock.
    pub fn system() -> Self {
        Clock {
            source: Source::System,
        }
    }

    /// Microseconds since the Unix epoch.
    pub fn now_micros(&self) -> i64 {
        match &self.source {
            Source::System => system_micros(),
            Source::Manual(m) => m.now_micros(),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_millis(&self) -> i64 {
        self.now_micros().div_euclid(1000)
    }

    /// The current time as a [`SystemTime`].
    pub fn now(&self) -> SystemTime {
        from_micros(self.now_micros())
    }

    /// Whether time moves only when a test says so (no background timers
    /// are needed to notice that it moved).
    pub(crate) fn is_manual(&self) -> bool {
        matches!(self.source, Source::Manual(_))
    }

    /// Registers a listener told whenever a test moves this clock.
    pub(crate) fn subscribe(&self, listener: Weak<dyn ClockListener>) {
        if let Source::Manual(m) = &self.source {
            m.inner.listeners.lock().push(listener);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.source {
            Source::System => f.write_str("Clock::system()"),
            Source::Manual(m) => write!(f, "Clock::manual(at {} µs)", m.now_micros()),
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(m: ManualClock) -> Self {
        Clock {
            source: Source::Manual(m),
        }
    }
}

impl From<&ManualClock> for Clock {
    fn from(m: &ManualClock) -> Self {
        Clock::from(m.clone())
    }
}

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
    listeners: Mutex<Vec<Weak<dyn ClockListener>>>,
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
                listeners: Mutex::new(Vec::new()),
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

    /// Moves the clock forward by `by`. Keys whose deadline passes are
    /// expired and blocked clients whose timeout passes are answered before
    /// this returns.
    pub fn advance(&self, by: Duration) {
        {
            let mut t = self.inner.micros.lock();
            *t = t.saturating_add(i64::try_from(by.as_micros()).unwrap_or(i64::MAX));
        }
        self.notify();
    }

    /// Sets the clock to `t`, forward or back.
    pub fn set(&self, t: SystemTime) {
        *self.inner.micros.lock() = to_micros(t);
        self.notify();
    }

    fn notify(&self) {
        // Upgrade under the lock, call outside it: a listener may read the
        // clock, and a listener that is gone is dropped from the list.
        let live: Vec<Arc<dyn ClockListener>> = {
            let mut listeners = self.inner.listeners.lock();
            listeners.retain(|l| l.strong_count() > 0);
            listeners.iter().filter_map(Weak::upgrade).collect()
        };
        for l in live {
            l.clock_moved();
        }
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

fn system_micros() -> i64 {
    to_micros(SystemTime::now())
}

fn to_micros(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    }
}

fn from_micros(us: i64) -> SystemTime {
    if us >= 0 {
        UNIX_EPOCH + Duration::from_micros(us as u64)
    } else {
        UNIX_EPOCH - Duration::from_micros(us.unsigned_abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counter(AtomicUsize);
    impl ClockListener for Counter {
        fn clock_moved(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(100));
        assert_eq!(c.now_micros(), 100_000_000);
        c.advance(Duration::from_millis(1500));
        assert_eq!(Clock::from(&c).now_millis(), 101_500);
        c.set(UNIX_EPOCH + Duration::from_secs(5));
        assert_eq!(c.now_micros(), 5_000_000);
    }

    #[test]
    fn listeners_hear_moves_and_are_dropped_when_gone() {
        let c = ManualClock::new();
        let counter: Arc<dyn ClockListener> = Arc::new(Counter(AtomicUsize::new(0)));
        Clock::from(&c).subscribe(Arc::downgrade(&counter));
        c.advance(Duration::from_secs(1));
        c.set(SystemTime::now());
        drop(counter);
        c.advance(Duration::from_secs(1));
        assert!(c.inner.listeners.lock().is_empty());
    }
}
