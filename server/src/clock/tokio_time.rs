//! [`TokioClock`]: server time that follows a Tokio runtime's time.
//!
//! Under `tokio::time::pause()` a test's timers (`sleep`, `timeout`, a
//! lock library's renewal interval) move only when the test advances time
//! or the runtime has nothing else to do. A server on this clock reads the
//! same time, so `tokio::time::advance` ages the server's keys and the
//! client's timers together. Server tasks run on redsim's own runtime,
//! whose time is real: the clock therefore keeps a handle to the runtime
//! it was made on and reads that runtime's time, whatever thread asks.
//!
//! Deadlines need a timer on that same runtime: a watcher task sleeps
//! until the earliest instant any server on the clock has something due
//! (a key to expire, a blocked client to time out) and wakes them then.
//! Under paused time that timer is what lets `advance` — or the runtime's
//! auto-advance while the test awaits — time out a `BLPOP`.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime};

use tokio::runtime::Handle;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{ClockListener, Listeners, from_micros, to_micros};

/// A clock that follows the time of the Tokio runtime it was made on, paused
/// or not. Clones share it.
///
/// ```
/// use std::time::Duration;
/// use redis::AsyncCommands;
/// use redsim::{Server, TokioClock};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> redis::RedisResult<()> {
/// // In a #[tokio::test(start_paused = true)]:
/// let clock = TokioClock::new();
/// let server = Server::builder().clock(&clock).start()?;
/// let mut con = server.connection();
/// con.set_ex::<_, _, ()>("session", "abc", 30).await?;
///
/// tokio::time::advance(Duration::from_secs(31)).await;
/// let gone: Option<String> = con.get("session").await?;
/// assert_eq!(gone, None);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokioClock {
    inner: Arc<TokioInner>,
}

struct TokioInner {
    runtime: Handle,
    origin: Instant,
    origin_micros: i64,
    listeners: Listeners,
    /// Wakes the watcher when a listener's next deadline became earlier
    /// (and when the clock is dropped, so that the watcher ends).
    wake: Arc<Notify>,
    watching: AtomicBool,
}

impl Drop for TokioInner {
    fn drop(&mut self) {
        self.wake.notify_one();
    }
}

impl TokioClock {
    /// A clock on the current Tokio runtime's time, reading the current
    /// wall-clock time at this instant.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    // No `Default`: a default that panics outside a runtime would surprise.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock on the current Tokio runtime's time that reads `t` now.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn starting_at(t: SystemTime) -> Self {
        let runtime = Handle::try_current()
            .expect("redsim::TokioClock must be created inside a Tokio runtime");
        let origin = Instant::now();
        TokioClock {
            inner: Arc::new(TokioInner {
                runtime,
                origin,
                origin_micros: to_micros(t),
                listeners: Listeners::default(),
                wake: Arc::new(Notify::new()),
                watching: AtomicBool::new(false),
            }),
        }
    }

    /// Microseconds since the Unix epoch.
    pub fn now_micros(&self) -> i64 {
        let elapsed = self
            .inner
            .now()
            .saturating_duration_since(self.inner.origin);
        self.inner
            .origin_micros
            .saturating_add(i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX))
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        from_micros(self.now_micros())
    }

    pub(super) fn subscribe(&self, listener: Weak<dyn ClockListener>) {
        self.inner.listeners.add(listener);
        if !self.inner.watching.swap(true, Ordering::SeqCst) {
            self.inner.runtime.spawn(watch(
                Arc::downgrade(&self.inner),
                Arc::clone(&self.inner.wake),
            ));
        }
        self.wake_hint_changed();
    }

    pub(super) fn wake_hint_changed(&self) {
        self.inner.wake.notify_one();
    }
}

impl TokioInner {
    /// The runtime's time, whichever runtime (if any) the caller is on.
    fn now(&self) -> Instant {
        let _on = self.runtime.enter();
        Instant::now()
    }

    /// The runtime instant at which this clock reads `micros`.
    fn instant_at(&self, micros: i64) -> Instant {
        let after = micros.saturating_sub(self.origin_micros).max(0);
        self.origin + Duration::from_micros(after as u64)
    }
}

impl fmt::Debug for TokioClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokioClock(at {} µs)", self.now_micros())
    }
}

/// Sleeps until the earliest deadline of any listener, wakes them all,
/// and again; ends when the clock is gone.
async fn watch(clock: Weak<TokioInner>, wake: Arc<Notify>) {
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let due = {
            let Some(inner) = clock.upgrade() else {
                return;
            };
            inner.listeners.earliest_wake().map(|at| {
                let target = inner.instant_at(at);
                // A deadline already behind (a listener that could not
                // serve it yet, or a rounding microsecond): step past now
                // rather than spin.
                target.max(Instant::now() + Duration::from_micros(1))
            })
        };
        match due {
            Some(at) => {
                tokio::select! {
                    biased;
                    () = tokio::time::sleep_until(at) => {
                        let Some(inner) = clock.upgrade() else {
                            return;
                        };
                        inner.listeners.notify_all();
                    }
                    () = &mut notified => {}
                }
            }
            None => notified.await,
        }
    }
}
