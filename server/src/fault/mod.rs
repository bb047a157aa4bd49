//! Fault injection, server-wide verbs and the command journal: what a test
//! does to a server to see how its clients cope.
//!
//! * Rules ([`Rule`], installed with [`Server::fault`](crate::Server::fault))
//!   see each command a client sends — after the unknown-command, arity,
//!   NOAUTH and subscribed-context checks, before MULTI queueing (a
//!   transaction's commands are matched as they are queued; match `EXEC` to
//!   hit the transaction as a whole) — and return a [`Verdict`]: pass,
//!   reply with an error, delay, drop the connection before or after
//!   running, hang until released. Rules are tried in installation order;
//!   the first verdict that is not pass wins. [`Server::set_error`](crate::Server::set_error)
//!   answers every command with one error, ahead of the rules.
//! * Verbs, in pairs: pause / resume, partition / heal, power off / on, and
//!   restart (see [`crate::Server`]).
//! * The [`Journal`] of commands, opt-in.
//!
//! Both transports see a fault the same way: a held command's reply waits,
//! a dropped connection is a closed socket over TCP and an I/O error for
//! which `is_connection_dropped()` is true in process. Faults apply to
//! clients only: never to commands a script runs, to blocked clients being
//! served, or to the test's own direct access to the data.
//!
//! Cost: with nothing installed, a command pays one atomic load here (and
//! one more for the journal).
//!
//! This module owns the registry and its decisions; the executor consults
//! it as its gate (the session's `FaultGate` adapts one to the other) and
//! the transports do the waiting; [`crate::cmd`] holds the CLIENT PAUSE
//! commands and the error texts ([`errors`]). The test's verbs on a
//! server (pause, partition, restart, power) are the `Server` handle's.

mod hold;
mod journal;
mod pause;
mod rule;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::runtime::Handle;
use tokio::sync::Notify;

pub use hold::{Release, Until};
pub use journal::{Injected, Journal, JournalEntry};
pub use rule::{FaultGuard, Rule, Verdict};

pub(crate) use crate::cmd::PauseMode;
pub(crate) use journal::{Draft, Record};
pub(crate) use pause::holds as pause_holds;
pub(crate) use rule::Call;

use hold::{Gauge, Slot};
use journal::JournalLog;
use pause::Pause;
use rule::{Counters, Installed};

use crate::config::Config;
use crate::state::ClientId;

/// Error replies of a server in trouble, byte for byte as Redis 7.0 sends
/// them, for [`Rule::error`] and [`Server::set_error`](crate::Server::set_error).
pub mod errors {
    pub use crate::cmd::error::fault_texts::*;
}

/// What the registry decided for one command.
pub(crate) enum Decision {
    /// Run it; with `Some(DropAfter)`, then drop the connection instead of
    /// replying.
    Run(Option<Injected>),
    /// Reply with this error instead of running it.
    Reply(String),
    /// Wait, then run it; the rules were applied (`rules_done`) unless it
    /// is a pause that holds it.
    Wait {
        until: Until,
        fault: Option<Injected>,
        rules_done: bool,
        /// A server-clock timer was set: the ticker must look again.
        timer: bool,
    },
    /// Close the connection without running it.
    Drop(Option<Injected>),
}

/// The fault registry of one server: rules, pauses, partitions, power,
/// timers on the server clock, and the journal.
pub struct Faults {
    /// Whether anything may apply: checked before anything else is.
    armed: AtomicBool,
    inner: Mutex<Inner>,
    paused: Arc<Gauge>,
    pub(crate) journal: JournalLog,
    /// The server's seed, for rule probabilities and restarts.
    pub(crate) seed: u64,
    /// The configuration the server started with (restart goes back to it).
    pub(crate) startup: Config,
    /// Bumped when the listener must stop (power off).
    listen_epoch: AtomicU64,
    listen_changed: Notify,
}

#[derive(Default)]
struct Inner {
    rules: Vec<Installed>,
    installed: u64,
    set_error: Option<String>,
    partitions: Vec<Vec<u8>>,
    pause: Pause,
    /// Server-clock delays by (deadline µs, sequence).
    timers: BTreeMap<(i64, u64), Arc<Slot>>,
    timer_seq: u64,
    off: bool,
}

impl Inner {
    fn armed(&self) -> bool {
        self.off
            || !self.rules.is_empty()
            || self.set_error.is_some()
            || !self.partitions.is_empty()
            || self.pause.test.is_some()
            || self.pause.client.is_some()
    }

    fn partitioned(&self, name: Option<&[u8]>) -> bool {
        name.is_some_and(|n| {
            self.partitions
                .iter()
                .any(|p| crate::glob::matches(p, n, false))
        })
    }
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Faults")
            .field("armed", &self.is_armed())
            .finish_non_exhaustive()
    }
}

impl Faults {
    /// The registry of a server started with `seed` and `startup`,
    /// journaling into `journal` entries if given.
    pub(crate) fn new(seed: u64, startup: Config, journal: Option<usize>) -> Self {
        let faults = Faults {
            armed: AtomicBool::new(false),
            inner: Mutex::new(Inner::default()),
            paused: Arc::default(),
            journal: JournalLog::default(),
            seed,
            startup,
            listen_epoch: AtomicU64::new(0),
            listen_changed: Notify::new(),
        };
        faults.journal.set(journal);
        faults
    }

    /// Whether any rule, pause, partition or power-off may apply: when
    /// not, commands skip the registry entirely.
    pub fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// Blocks until at least `n` clients wait for a pause, or `timeout`
    /// passes; whether they do.
    pub fn wait_paused(&self, n: usize, timeout: Duration) -> bool {
        self.paused.wait_at_least(n, timeout)
    }

    /// Waits until at least `n` clients wait for a pause.
    pub async fn until_paused(&self, n: usize) {
        self.paused.at_least(n).await;
    }

    fn update(&self, f: impl FnOnce(&mut Inner)) {
        let mut inner = self.inner.lock();
        f(&mut inner);
        self.armed.store(inner.armed(), Ordering::Release);
    }

    /// Decides what happens to a command. `write` tells whether a pause in
    /// a mode holds it (asked only while one is in force).
    pub(crate) fn decide(
        &self,
        call: &Call<'_>,
        holds: impl Fn(PauseMode) -> bool,
        rules_done: bool,
        now_us: i64,
        runtime: &Handle,
    ) -> Decision {
        let mut inner = self.inner.lock();
        if inner.off {
            return Decision::Drop(None);
        }
        if inner.partitioned(call.name) {
            return Decision::Drop(Some(Injected::Partition));
        }
        if let Some(mode) = inner.pause.mode(now_us.div_euclid(1000))
            && holds(mode)
        {
            let (slot, until) = Slot::new(call.client, vec![Arc::clone(&self.paused)]);
            inner.pause.waiting.retain(|s| !s.is_done());
            inner.pause.waiting.push(slot);
            return Decision::Wait {
                until,
                fault: None,
                rules_done,
                // A CLIENT PAUSE ends on the server clock.
                timer: inner.pause.client.is_some(),
            };
        }
        if rules_done {
            return Decision::Run(None);
        }
        if let Some(text) = &inner.set_error {
            return Decision::Reply(text.clone());
        }
        let mut fired = None;
        for rule in &mut inner.rules {
            match rule.offer(call) {
                None | Some(Verdict::Pass) => {}
                Some(v) => {
                    fired = Some((v.clone(), Arc::clone(&rule.counters)));
                    break;
                }
            }
        }
        let Some((verdict, counters)) = fired else {
            return Decision::Run(None);
        };
        let wait = |until, fault, timer| Decision::Wait {
            until,
            fault: Some(fault),
            rules_done: true,
            timer,
        };
        match verdict {
            Verdict::Pass => Decision::Run(None),
            Verdict::Error(text) => Decision::Reply(text),
            Verdict::DropBefore => Decision::Drop(Some(Injected::DropBefore)),
            Verdict::DropAfter => Decision::Run(Some(Injected::DropAfter)),
            Verdict::Delay(by) => {
                let (slot, until) = Slot::new(call.client, vec![Arc::clone(&counters.held)]);
                let deadline = now_us.saturating_add(micros(by));
                if deadline <= now_us {
                    slot.fire();
                } else {
                    inner.timer_seq += 1;
                    let seq = inner.timer_seq;
                    inner.timers.insert((deadline, seq), slot);
                }
                wait(until, Injected::Delay(by), true)
            }
            Verdict::DelayReal(by) => {
                let (slot, until) = Slot::new(call.client, vec![Arc::clone(&counters.held)]);
                runtime.spawn(async move {
                    tokio::time::sleep(by).await;
                    slot.fire();
                });
                wait(until, Injected::DelayReal(by), false)
            }
            Verdict::Hang(release) => wait(
                release.hold(call.client, &counters.held),
                Injected::Hang,
                false,
            ),
        }
    }

    /// QUIT under a pause: held by an ALL pause only.
    pub(crate) fn decide_quit(&self, client: ClientId, now_us: i64) -> Option<Until> {
        let mut inner = self.inner.lock();
        if inner.pause.mode(now_us.div_euclid(1000)) != Some(PauseMode::All) {
            return None;
        }
        let (slot, until) = Slot::new(client, vec![Arc::clone(&self.paused)]);
        inner.pause.waiting.push(slot);
        Some(until)
    }

    /// Whether a client named `name` is partitioned away.
    pub(crate) fn is_partitioned(&self, name: Option<&[u8]>) -> bool {
        self.is_armed() && self.inner.lock().partitioned(name)
    }

    /// Ends the waits whose server-clock time has come; returns the next
    /// deadline (µs) still ahead, if any.
    pub(crate) fn tick(&self, now_us: i64) -> Option<i64> {
        let mut inner = self.inner.lock();
        while let Some(entry) = inner.timers.first_entry() {
            if entry.key().0 > now_us {
                break;
            }
            entry.remove().fire();
        }
        let now_ms = now_us.div_euclid(1000);
        if inner.pause.client.is_some_and(|(_, end)| end <= now_ms) {
            inner.pause.client = None;
            inner.pause.wake_all();
            self.armed.store(inner.armed(), Ordering::Release);
        }
        drop(inner);
        self.next_deadline()
    }

    /// The next server-clock deadline (µs) of a delay or a CLIENT PAUSE,
    /// without ending anything.
    pub(crate) fn next_deadline(&self) -> Option<i64> {
        let inner = self.inner.lock();
        let timer = inner.timers.first_key_value().map(|((d, _), _)| *d);
        let pause = inner.pause.client.map(|(_, end)| end.saturating_mul(1000));
        timer.into_iter().chain(pause).min()
    }

    /// Installs a rule after the others.
    pub(crate) fn add_rule(&self, rule: Rule) -> (u64, Arc<Counters>) {
        let mut out = None;
        self.update(|inner| {
            inner.installed += 1;
            let installed = Installed::new(inner.installed, self.seed, rule);
            out = Some((installed.id, Arc::clone(&installed.counters)));
            inner.rules.push(installed);
        });
        out.expect("set by the update")
    }

    /// Removes an installed rule.
    pub(crate) fn remove_rule(&self, id: u64) {
        self.update(|inner| inner.rules.retain(|r| r.id != id));
    }

    /// Sets or clears the error every command gets.
    pub(crate) fn set_error(&self, text: Option<String>) {
        self.update(|inner| inner.set_error = text);
    }

    /// Sets or lifts the test's pause.
    pub(crate) fn set_test_pause(&self, mode: Option<PauseMode>) {
        self.update(|inner| {
            inner.pause.test = mode;
            inner.pause.wake_all();
        });
    }

    /// CLIENT PAUSE until `end` (server-clock ms).
    pub(crate) fn pause_clients(&self, mode: PauseMode, end: i64, now: i64) {
        self.update(|inner| inner.pause.pause_clients(mode, end, now));
    }

    /// Whether a CLIENT PAUSE is in force at `now` (server-clock ms).
    pub(crate) fn client_paused(&self, now: i64) -> bool {
        self.is_armed()
            && self
                .inner
                .lock()
                .pause
                .client
                .is_some_and(|(_, end)| now < end)
    }

    /// CLIENT UNPAUSE, and what a restart does to a CLIENT PAUSE.
    pub(crate) fn unpause_clients(&self) {
        self.update(|inner| {
            inner.pause.client = None;
            inner.pause.wake_all();
        });
    }

    /// How many clients wait for a pause to end.
    pub(crate) fn paused_clients(&self) -> usize {
        self.paused.value()
    }

    /// Whether `client` waits for a pause to end.
    pub(crate) fn is_paused(&self, client: ClientId) -> bool {
        self.paused.value() > 0 && self.inner.lock().pause.is_waiting(client)
    }

    /// Adds a partitioned name pattern; false if it was there.
    pub(crate) fn partition(&self, pattern: &[u8]) -> bool {
        let mut added = false;
        self.update(|inner| {
            if !inner.partitions.iter().any(|p| p == pattern) {
                inner.partitions.push(pattern.to_vec());
                added = true;
            }
        });
        added
    }

    /// Removes a partitioned name pattern; false if it was not there.
    pub(crate) fn heal(&self, pattern: &[u8]) -> bool {
        let mut removed = false;
        self.update(|inner| {
            let before = inner.partitions.len();
            inner.partitions.retain(|p| p != pattern);
            removed = inner.partitions.len() != before;
        });
        removed
    }

    /// Marks the server powered off (commands are dropped) or on.
    pub(crate) fn set_off(&self, off: bool) {
        self.update(|inner| inner.off = off);
    }

    /// Whether the server is powered off.
    pub(crate) fn is_off(&self) -> bool {
        self.is_armed() && self.inner.lock().off
    }

    /// The current listener generation: an accept loop started in it stops
    /// when [`Faults::stop_listening`] moves on.
    pub(crate) fn listen_epoch(&self) -> u64 {
        self.listen_epoch.load(Ordering::SeqCst)
    }

    /// Tells the accept loop of the current generation to stop.
    pub(crate) fn stop_listening(&self) {
        self.listen_epoch.fetch_add(1, Ordering::SeqCst);
        self.listen_changed.notify_waiters();
    }

    /// Waits until the listener of generation `epoch` must stop.
    pub(crate) async fn listening_ended(&self, epoch: u64) {
        loop {
            let notified = self.listen_changed.notified();
            if self.listen_epoch() != epoch {
                return;
            }
            notified.await;
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
