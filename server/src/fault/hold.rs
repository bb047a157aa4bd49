//! Commands held back, and the counts tests wait on.
//!
//! A command that must wait (a delay, a hang, a pause) gets a [`Slot`]: the
//! transport awaits its [`Until`] and then runs the command, while whoever
//! ends the wait (a timer, [`Release::release`], a resume) fires the slot.
//! Every slot is counted in one or more [`Gauge`]s for as long as it waits,
//! and the count drops the moment it is fired — not when the waiting task
//! next gets to run — so that a test that moved the clock can tell at once,
//! without sleeping, whether a command was let go.
//!
//! This module owns waiting and counting; it does not decide who waits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};
use tokio::sync::{Notify, oneshot};

use crate::state::ClientId;

/// A count that can be waited on, from threads and from async code.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    count: Mutex<usize>,
    cond: Condvar,
    notify: Notify,
}

impl Gauge {
    /// The count now.
    pub fn value(&self) -> usize {
        *self.count.lock()
    }

    /// Moves several gauges by one at once: whoever sees one of them move
    /// sees the others moved too. Callers lock them in one order (a
    /// release's before a rule's), so this cannot deadlock.
    fn adjust(gauges: &[Arc<Gauge>], up: bool) {
        let mut counts: Vec<_> = gauges.iter().map(|g| g.count.lock()).collect();
        for n in &mut counts {
            **n = if up { **n + 1 } else { n.saturating_sub(1) };
        }
        drop(counts);
        for g in gauges {
            g.changed();
        }
    }

    fn changed(&self) {
        self.cond.notify_all();
        self.notify.notify_waiters();
    }

    /// Blocks the thread until the count is at least `n`, or `timeout`
    /// passes; whether it got there.
    pub fn wait_at_least(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut count = self.count.lock();
        while *count < n {
            if self.cond.wait_until(&mut count, deadline).timed_out() {
                return *count >= n;
            }
        }
        true
    }

    /// Waits until the count is at least `n`.
    pub async fn at_least(&self, n: usize) {
        loop {
            // Created before the check: a change between the check and the
            // await still wakes it.
            let notified = self.notify.notified();
            if self.value() >= n {
                return;
            }
            notified.await;
        }
    }
}

/// One waiting command. It ends exactly once: fired by its release, or
/// cancelled because its waiter went away; either way its gauges drop.
#[derive(Debug)]
pub(crate) struct Slot {
    tx: Mutex<Option<oneshot::Sender<()>>>,
    gauges: Vec<Arc<Gauge>>,
    /// The client whose command waits (CLIENT LIST shows paused ones).
    pub client: ClientId,
}

impl Slot {
    /// A new waiting slot for `client`'s command, counted in `gauges`.
    pub fn new(client: ClientId, gauges: Vec<Arc<Gauge>>) -> (Arc<Slot>, Until) {
        let (tx, rx) = oneshot::channel();
        Gauge::adjust(&gauges, true);
        let slot = Arc::new(Slot {
            tx: Mutex::new(Some(tx)),
            gauges,
            client,
        });
        let until = Until {
            rx,
            slot: Arc::clone(&slot),
        };
        (slot, until)
    }

    /// Lets the command go on. False if it had already ended.
    pub fn fire(&self) -> bool {
        let Some(tx) = self.tx.lock().take() else {
            return false;
        };
        Gauge::adjust(&self.gauges, false);
        let _ = tx.send(());
        true
    }

    /// Whether the wait is over (fired or cancelled).
    pub fn is_done(&self) -> bool {
        self.tx.lock().is_none()
    }

    fn cancel(&self) {
        if self.tx.lock().take().is_some() {
            Gauge::adjust(&self.gauges, false);
        }
    }
}

/// The waiting side of a [`Slot`]: what a transport awaits before running
/// the command. Dropping it (the client left, the connection was killed)
/// ends the wait.
#[derive(Debug)]
pub struct Until {
    rx: oneshot::Receiver<()>,
    slot: Arc<Slot>,
}

impl Until {
    /// Waits until the slot is fired: true, or false if it can never be
    /// (its server is gone).
    pub async fn done(&mut self) -> bool {
        (&mut self.rx).await.is_ok()
    }
}

impl Drop for Until {
    fn drop(&mut self) {
        self.slot.cancel();
    }
}

/// A handle that holds commands until the test lets them go: give it to
/// [`Rule::hang_until`](crate::Rule::hang_until), and every matching
/// command waits, unanswered, until [`Release::release`]. Clones share the
/// same held commands.
///
/// ```
/// use std::time::Duration;
/// use redsim::{Release, Rule, Server};
///
/// let server = Server::start().unwrap();
/// let gate = Release::new();
/// let _rule = server.fault(Rule::command("INCR").hang_until(&gate));
///
/// let mut con = server.connection();
/// let worker = std::thread::spawn(move || -> i64 {
///     redis::cmd("INCR").arg("n").query(&mut con).unwrap()
/// });
/// // Synchronise on the server, not on a sleep.
/// assert!(gate.wait_held(1, Duration::from_secs(10)));
/// assert_eq!(gate.release(), 1);
/// assert_eq!(worker.join().unwrap(), 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Release {
    inner: Arc<ReleaseInner>,
}

#[derive(Debug, Default)]
struct ReleaseInner {
    slots: Mutex<Vec<Arc<Slot>>>,
    held: Arc<Gauge>,
}

impl Release {
    /// A handle holding nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Lets every command held now go on (each runs as if it had just
    /// arrived, without being matched against the rules again); returns how
    /// many. Commands that match later are held again, for as long as the
    /// rule is installed.
    pub fn release(&self) -> usize {
        let slots = std::mem::take(&mut *self.inner.slots.lock());
        slots.iter().filter(|s| s.fire()).count()
    }

    /// How many commands are held now.
    pub fn held(&self) -> usize {
        self.inner.held.value()
    }

    /// Blocks the thread until at least `n` commands are held, or
    /// `timeout` passes; whether they are. The timeout is a guard against
    /// a broken test, not a way to wait: pick a generous one. From async
    /// code, use [`Release::until_held`].
    pub fn wait_held(&self, n: usize, timeout: Duration) -> bool {
        self.inner.held.wait_at_least(n, timeout)
    }

    /// Waits until at least `n` commands are held (wrap it in
    /// `tokio::time::timeout` as a guard).
    pub async fn until_held(&self, n: usize) {
        self.inner.held.at_least(n).await;
    }

    /// Holds `client`'s command, also counted in `also`.
    pub(crate) fn hold(&self, client: ClientId, also: &Arc<Gauge>) -> Until {
        // Counted only once it can be released: the count wakes
        // `wait_held`, whose caller may release at once.
        let mut slots = self.inner.slots.lock();
        slots.retain(|s| !s.is_done());
        let (slot, until) = Slot::new(client, vec![Arc::clone(&self.inner.held), Arc::clone(also)]);
        slots.push(slot);
        until
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_ends_once_whether_fired_or_cancelled() {
        let g = Arc::new(Gauge::default());
        let (slot, until) = Slot::new(1, vec![Arc::clone(&g)]);
        assert_eq!(g.value(), 1);
        assert!(slot.fire());
        assert!(!slot.fire());
        assert_eq!(g.value(), 0);
        drop(until);
        assert_eq!(g.value(), 0);

        let (slot, until) = Slot::new(1, vec![Arc::clone(&g)]);
        drop(until);
        assert_eq!(g.value(), 0);
        assert!(!slot.fire());
    }

    #[test]
    fn a_fired_slot_completes_its_wait() {
        let (slot, mut until) = Slot::new(1, Vec::new());
        slot.fire();
        assert!(pollster::block_on(until.done()));
    }

    #[test]
    fn gauge_waits_time_out_without_the_count() {
        let g = Gauge::default();
        assert!(!g.wait_at_least(1, Duration::from_millis(1)));
        assert!(g.wait_at_least(0, Duration::from_millis(1)));
    }
}
