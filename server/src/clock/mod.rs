//! The server clock: the only place a server learns the time.
//!
//! Redis keeps expiry as absolute deadlines in Unix milliseconds and reads
//! the wall clock for them; redsim reads a [`Clock`] instead, so that a test
//! decides what time it is. Every time-related reply (TTL, PTTL, TIME,
//! EXPIRETIME…), every expiry, every `expired` notification and every
//! blocking timeout follows it.
//!
//! Kinds of clock:
//! * [`Clock::system`]: the wall clock, the default;
//! * [`ManualClock`]: moves only when the test calls [`ManualClock::advance`]
//!   or [`ManualClock::set`];
//! * [`TokioClock`]: follows the Tokio runtime's time, so that under
//!   `tokio::time::pause()` a `tokio::time::advance` moves the server and
//!   the client's timers together;
//! * [`SkewedClock`]: any of these seen through an offset (skew), a rate
//!   (drift) and jumps, per server. Several servers can share one base
//!   clock through different wrappers and disagree about time.
//!
//! A clock that moves tells the servers that read it, so that they purge
//! what expired and time out what waited: a manual clock *before* its move
//! returns to the test (a test never waits for a background sweep), a
//! Tokio clock from a timer task on the test's runtime at the earliest
//! deadline a server asked for.
//!
//! This module owns time sources and their listeners; it does not know
//! about keys.

mod manual;
mod skew;
mod tokio_time;

use std::fmt;
use std::sync::Weak;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;

pub use manual::ManualClock;
pub use skew::SkewedClock;
pub use tokio_time::TokioClock;

/// Something that wants to hear when a clock moves: a server.
pub(crate) trait ClockListener: Send + Sync {
    /// Called after the clock moved, outside any clock lock.
    fn clock_moved(&self);

    /// The first instant, in this clock's microseconds since the Unix
    /// epoch, at which the listener has something due (a key to expire, a
    /// blocked client to time out). Clocks that do not move by a test's
    /// hand wake listeners then.
    fn next_wake_micros(&self) -> Option<i64> {
        None
    }
}

/// A time source shared by one or more servers. Cheap to clone: clones
/// read the same time.
///
/// Made from any kind of clock with `From`/`Into`, which is what
/// [`ServerBuilder::clock`](crate::ServerBuilder::clock) takes:
///
/// ```
/// use std::time::Duration;
/// use redsim::{Clock, ManualClock, SkewedClock};
///
/// let base = ManualClock::new();
/// let ahead = SkewedClock::new(&base).ahead(Duration::from_secs(5));
/// let (a, b) = (Clock::from(&base), Clock::from(&ahead));
/// assert_eq!(b.now_millis() - a.now_millis(), 5_000);
/// ```
#[derive(Clone)]
pub struct Clock {
    source: Source,
}

#[derive(Clone)]
enum Source {
    System,
    Manual(ManualClock),
    Tokio(TokioClock),
    Skewed(SkewedClock),
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
            Source::Tokio(t) => t.now_micros(),
            Source::Skewed(s) => s.now_micros(),
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

    /// Whether time passes by itself in real time, with nobody to say when
    /// it moved: a server then needs its own background timer to purge
    /// keys and time out waiters.
    pub(crate) fn runs_in_real_time(&self) -> bool {
        match &self.source {
            Source::System => true,
            Source::Manual(_) | Source::Tokio(_) => false,
            Source::Skewed(s) => s.base().runs_in_real_time(),
        }
    }

    /// How fast this clock runs against real time (1.0 but for drifting
    /// wrappers), so that a real-time timer can aim at a deadline.
    pub(crate) fn rate(&self) -> f64 {
        match &self.source {
            Source::Skewed(s) => s.rate() * s.base().rate(),
            _ => 1.0,
        }
    }

    /// Whether listeners must keep [`ClockListener::next_wake_micros`]
    /// current: the clock wakes them at their deadlines itself.
    pub(crate) fn wants_wake_hints(&self) -> bool {
        match &self.source {
            Source::Tokio(_) => true,
            Source::Skewed(s) => s.base().wants_wake_hints(),
            Source::System | Source::Manual(_) => false,
        }
    }

    /// Tells the clock that a listener's next wake-up became earlier.
    pub(crate) fn wake_hint_changed(&self) {
        match &self.source {
            Source::Tokio(t) => t.wake_hint_changed(),
            Source::Skewed(s) => s.base().wake_hint_changed(),
            Source::System | Source::Manual(_) => {}
        }
    }

    /// Registers a listener told whenever this clock moves by a test's
    /// hand (or, for a Tokio clock, reaches a listener's deadline).
    pub(crate) fn subscribe(&self, listener: Weak<dyn ClockListener>) {
        match &self.source {
            Source::System => {}
            Source::Manual(m) => m.subscribe(listener),
            Source::Tokio(t) => t.subscribe(listener),
            Source::Skewed(s) => s.subscribe(listener),
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
            Source::Manual(m) => fmt::Debug::fmt(m, f),
            Source::Tokio(t) => fmt::Debug::fmt(t, f),
            Source::Skewed(s) => fmt::Debug::fmt(s, f),
        }
    }
}

macro_rules! clock_from {
    ($kind:ident, $variant:ident) => {
        impl From<$kind> for Clock {
            fn from(c: $kind) -> Self {
                Clock {
                    source: Source::$variant(c),
                }
            }
        }

        impl From<&$kind> for Clock {
            fn from(c: &$kind) -> Self {
                Clock::from(c.clone())
            }
        }
    };
}

clock_from!(ManualClock, Manual);
clock_from!(TokioClock, Tokio);
clock_from!(SkewedClock, Skewed);

impl From<&Clock> for Clock {
    fn from(c: &Clock) -> Self {
        c.clone()
    }
}

/// The listeners of one clock. Weak, so that a server that is gone drops
/// out of the list by itself.
#[derive(Default)]
struct Listeners {
    list: Mutex<Vec<Weak<dyn ClockListener>>>,
}

impl Listeners {
    fn add(&self, listener: Weak<dyn ClockListener>) {
        self.list.lock().push(listener);
    }

    /// The listeners still alive. Upgraded under the lock and used outside
    /// it: a listener may read the clock.
    fn live(&self) -> Vec<std::sync::Arc<dyn ClockListener>> {
        let mut list = self.list.lock();
        list.retain(|l| l.strong_count() > 0);
        list.iter().filter_map(Weak::upgrade).collect()
    }

    fn notify_all(&self) {
        for l in self.live() {
            l.clock_moved();
        }
    }

    /// The earliest wake-up any listener asked for.
    fn earliest_wake(&self) -> Option<i64> {
        self.live()
            .iter()
            .filter_map(|l| l.next_wake_micros())
            .min()
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.list.lock().len()
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

/// `d` in whole microseconds, saturating.
fn micros_of(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    pub(super) struct Counter(pub AtomicUsize);
    impl ClockListener for Counter {
        fn clock_moved(&self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn listeners_hear_moves_and_are_dropped_when_gone() {
        let c = ManualClock::new();
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let as_listener: Arc<dyn ClockListener> = counter.clone();
        Clock::from(&c).subscribe(Arc::downgrade(&as_listener));
        c.advance(Duration::from_secs(1));
        c.set(SystemTime::now());
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
        drop(as_listener);
        drop(counter);
        c.advance(Duration::from_secs(1));
        assert_eq!(c.listener_count(), 0);
    }

    #[test]
    fn real_time_and_hints_follow_the_base_clock() {
        let manual = ManualClock::new();
        assert!(Clock::system().runs_in_real_time());
        assert!(!Clock::from(&manual).runs_in_real_time());
        let over_system = SkewedClock::new(Clock::system()).drifting(2.0);
        assert!(Clock::from(&over_system).runs_in_real_time());
        assert_eq!(Clock::from(&over_system).rate(), 2.0);
        assert!(!Clock::from(SkewedClock::new(&manual)).wants_wake_hints());
    }
}
