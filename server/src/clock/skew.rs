//! [`SkewedClock`]: a base clock seen through an offset, a rate and jumps.
//!
//! Distributed-lock safety arguments (Redlock's drift factor, Kleppmann's
//! critique of it) are about servers whose clocks disagree: one runs
//! ahead, one runs fast, one jumps when NTP steps it. Wrapping one base
//! clock per server reproduces each of those in a single test.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::{Clock, ClockListener, Listeners, from_micros, micros_of};

/// A clock that reads a base clock through an offset (skew), a rate
/// (drift) and jumps. Clones share the same adjustments.
///
/// Time on the wrapper is `anchor + (base − base_anchor) × rate`: the
/// offset and the jumps move the anchor, and changing the rate re-anchors
/// at the current instant, so the wrapper's time never jumps except when
/// told to. A server built on it is told of the base clock's moves and of
/// the wrapper's jumps, as it is of a manual clock's.
///
/// ```
/// use std::time::Duration;
/// use redsim::{ManualClock, Server, SkewedClock};
///
/// let base = ManualClock::new();
/// let fast = SkewedClock::new(&base).drifting(1.5);
/// let server = Server::builder().clock(&fast).start().unwrap();
/// let mut con = server.connection();
/// redis::cmd("SET").arg("k").arg("v").arg("EX").arg(100).exec(&mut con).unwrap();
///
/// base.advance(Duration::from_secs(10)); // 15 s pass on the fast server
/// let ttl: i64 = redis::cmd("TTL").arg("k").query(&mut con).unwrap();
/// assert_eq!(ttl, 85);
///
/// fast.jump_forward(Duration::from_secs(90)); // an NTP step
/// let gone: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
/// assert_eq!(gone, None);
/// ```
#[derive(Clone)]
pub struct SkewedClock {
    inner: Arc<SkewInner>,
}

struct SkewInner {
    base: Clock,
    map: Mutex<Mapping>,
    listeners: Listeners,
    /// Subscribed to the base clock on behalf of this wrapper's listeners.
    relay: Arc<Relay>,
    relaying: AtomicBool,
}

/// `self = anchor_self + (base − anchor_base) × rate`, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Mapping {
    anchor_base: i64,
    anchor_self: i64,
    rate: f64,
}

impl Mapping {
    fn forward(&self, base: i64) -> i64 {
        let elapsed = base.saturating_sub(self.anchor_base) as f64 * self.rate;
        self.anchor_self.saturating_add(elapsed as i64)
    }

    /// The first base instant at which this clock reads `at` or later.
    fn backward(&self, at: i64) -> i64 {
        let elapsed = (at.saturating_sub(self.anchor_self) as f64 / self.rate).ceil();
        self.anchor_base.saturating_add(elapsed as i64)
    }
}

struct Relay {
    wrapper: Weak<SkewInner>,
}

impl ClockListener for Relay {
    fn clock_moved(&self) {
        if let Some(w) = self.wrapper.upgrade() {
            w.listeners.notify_all();
        }
    }

    fn next_wake_micros(&self) -> Option<i64> {
        let w = self.wrapper.upgrade()?;
        let at = w.listeners.earliest_wake()?;
        Some(w.map.lock().backward(at))
    }
}

impl SkewedClock {
    /// A wrapper over `base` that agrees with it (no offset, rate 1)
    /// until adjusted.
    pub fn new(base: impl Into<Clock>) -> Self {
        let base = base.into();
        let now = base.now_micros();
        let inner = Arc::new_cyclic(|me| SkewInner {
            base,
            map: Mutex::new(Mapping {
                anchor_base: now,
                anchor_self: now,
                rate: 1.0,
            }),
            listeners: Listeners::default(),
            relay: Arc::new(Relay {
                wrapper: me.clone(),
            }),
            relaying: AtomicBool::new(false),
        });
        SkewedClock { inner }
    }

    /// Runs `by` ahead of the base clock (on top of any offset so far).
    #[must_use]
    pub fn ahead(self, by: Duration) -> Self {
        self.shift(micros_of(by));
        self
    }

    /// Runs `by` behind the base clock (on top of any offset so far).
    #[must_use]
    pub fn behind(self, by: Duration) -> Self {
        self.shift(-micros_of(by));
        self
    }

    /// Runs `rate` times as fast as the base clock from now on (1.01 gains
    /// 10 ms a second; 0.5 runs at half speed).
    ///
    /// # Panics
    /// If `rate` is not a finite number greater than zero.
    #[must_use]
    pub fn drifting(self, rate: f64) -> Self {
        self.set_rate(rate);
        self
    }

    /// Steps the clock forward by `by`, at once: keys whose deadline it
    /// passes expire and blocked clients whose timeout it passes are
    /// answered before this returns.
    pub fn jump_forward(&self, by: Duration) {
        self.shift(micros_of(by));
        self.inner.listeners.notify_all();
    }

    /// Steps the clock back by `by`, at once (as an NTP correction can):
    /// nothing un-expires, but TTLs read longer and TIME goes backwards.
    pub fn jump_back(&self, by: Duration) {
        self.shift(-micros_of(by));
        self.inner.listeners.notify_all();
    }

    /// Changes the rate from now on; the time read now does not change.
    ///
    /// # Panics
    /// If `rate` is not a finite number greater than zero.
    pub fn set_rate(&self, rate: f64) {
        assert!(
            rate.is_finite() && rate > 0.0,
            "a clock's rate must be a finite number greater than zero, not {rate}"
        );
        let base = self.inner.base.now_micros();
        let mut map = self.inner.map.lock();
        let now = map.forward(base);
        *map = Mapping {
            anchor_base: base,
            anchor_self: now,
            rate,
        };
        drop(map);
        // A faster clock reaches the servers' deadlines sooner.
        self.inner.base.wake_hint_changed();
    }

    /// The current rate against the base clock.
    pub fn rate(&self) -> f64 {
        self.inner.map.lock().rate
    }

    /// How far ahead of the base clock this one reads now (negative when
    /// behind), in microseconds.
    pub fn offset_micros(&self) -> i64 {
        let base = self.inner.base.now_micros();
        self.inner.map.lock().forward(base) - base
    }

    /// The clock this one wraps.
    pub fn base(&self) -> &Clock {
        &self.inner.base
    }

    /// Microseconds since the Unix epoch.
    pub fn now_micros(&self) -> i64 {
        let base = self.inner.base.now_micros();
        self.inner.map.lock().forward(base)
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        from_micros(self.now_micros())
    }

    fn shift(&self, micros: i64) {
        let mut map = self.inner.map.lock();
        map.anchor_self = map.anchor_self.saturating_add(micros);
        drop(map);
        self.inner.base.wake_hint_changed();
    }

    pub(super) fn subscribe(&self, listener: Weak<dyn ClockListener>) {
        self.inner.listeners.add(listener);
        if !self.inner.relaying.swap(true, Ordering::SeqCst) {
            let relay: Arc<dyn ClockListener> = self.inner.relay.clone();
            self.inner.base.subscribe(Arc::downgrade(&relay));
        }
    }
}

impl fmt::Debug for SkewedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkewedClock")
            .field("base", &self.inner.base)
            .field("offset_micros", &self.offset_micros())
            .field("rate", &self.rate())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use crate::clock::tests::Counter;
    use std::sync::atomic::AtomicUsize;
    use std::time::UNIX_EPOCH;

    fn base_at(secs: u64) -> ManualClock {
        ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn offset_rate_and_jumps_compose() {
        let base = base_at(1000);
        let c = SkewedClock::new(&base)
            .ahead(Duration::from_secs(5))
            .drifting(2.0);
        assert_eq!(c.now_micros(), 1_005_000_000);
        base.advance(Duration::from_secs(10));
        assert_eq!(c.now_micros(), 1_025_000_000);
        c.jump_back(Duration::from_secs(25));
        assert_eq!(c.now_micros(), 1_000_000_000);
        c.set_rate(0.5);
        base.advance(Duration::from_secs(10));
        assert_eq!(c.now_micros(), 1_005_000_000);
        assert_eq!(c.offset_micros(), 1_005_000_000 - 1_020_000_000);
    }

    #[test]
    fn backward_finds_the_first_base_instant_at_or_after() {
        for rate in [0.3, 1.0, 1.01, 1.5, 3.0] {
            let m = Mapping {
                anchor_base: 1_000,
                anchor_self: 7_777,
                rate,
            };
            for at in [7_777, 7_778, 9_000, 123_457] {
                let b = m.backward(at);
                // At (or within a rounding microsecond of) `at`, and not
                // later than needed: one base step less reads earlier.
                let step = (1.0 / rate).ceil() as i64 + 1;
                assert!(m.forward(b) >= at - 1, "rate {rate} at {at}");
                assert!(m.forward(b - step) < at, "rate {rate} at {at}");
            }
        }
    }

    #[test]
    fn listeners_hear_base_moves_and_own_jumps() {
        let base = base_at(0);
        let c = SkewedClock::new(&base);
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        let l: Arc<dyn ClockListener> = counter.clone();
        Clock::from(&c).subscribe(Arc::downgrade(&l));
        base.advance(Duration::from_secs(1));
        c.jump_forward(Duration::from_secs(1));
        assert_eq!(counter.0.load(Ordering::SeqCst), 2);
    }

    #[test]
    #[should_panic(expected = "greater than zero")]
    fn a_rate_of_zero_is_refused() {
        let _ = SkewedClock::new(base_at(0)).drifting(0.0);
    }
}
