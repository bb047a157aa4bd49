//! Commands answered while a script is busy.
//!
//! Redis answers the commands flagged `allow_busy` (MULTI, DISCARD, WATCH,
//! UNWATCH, AUTH, HELLO, RESET…) while a script runs past
//! `lua-time-limit`, between two steps of the script, as its event loop
//! does. redsim does the same: a session that sends one queues it here
//! with its client, and the script's instruction hook runs the queue
//! through the executor, against the state the script holds, then goes on
//! with the script. A call the script ended before taking is taken back
//! by its session, which then runs it as usual.
//!
//! Replies Redis counts but that are given without the state (BUSY
//! refusals, SCRIPT KILL's answers) are queued here too, and counted at
//! the next lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use parking_lot::{Condvar, Mutex};

use super::{Prior, Shared};
use crate::cmd::exec::{self, Executed};
use crate::cmd::{self, Client, CmdError};
use crate::fault::{Injected, Until};
use crate::protocol::Out;
use crate::state::State;

/// One command waiting to be run while a script is busy.
#[derive(Debug)]
pub struct BusyCall {
    /// The client it runs as (lent by its session for the call).
    pub client: Client,
    /// The command, its name first.
    pub args: Vec<Bytes>,
    /// What the fault layer did to it before.
    pub prior: Prior,
    /// Its reply.
    pub out: Out,
    /// Set once it ran.
    pub result: Option<BusyResult>,
}

/// How a command run while a script was busy ended.
#[derive(Debug)]
pub struct BusyResult {
    /// What the executor did.
    pub executed: Executed<Until>,
    /// The fault applied, for the journal.
    pub fault: Option<Injected>,
    /// What to resume with, if the fault layer holds it.
    pub resume: Prior,
    /// The client's name when it ran, for the journal.
    pub name: Option<Vec<u8>>,
    /// Server-clock time it ran at.
    pub now_us: i64,
}

/// A queued call and the signal of its end.
pub type Queued = Arc<(Mutex<BusyCall>, Condvar)>;

/// What a session gets back from [`Shared::run_while_busy`].
#[derive(Debug)]
pub enum BusyOutcome {
    /// It ran: the call, with its client, reply and result.
    Ran(BusyCall),
    /// The script ended first: the call, untouched, to run as usual.
    Returned(BusyCall),
}

/// A reply given without the state lock, counted at the next lock.
#[derive(Debug, Clone)]
pub(super) enum Unlocked {
    /// Refused before running (BUSY, an unknown command), as Redis's
    /// `rejectCommand` counts: the command (if known), and the error.
    Rejected(Option<&'static str>, CmdError),
    /// Run without the lock (SCRIPT KILL…), and its error if it failed.
    Called(&'static str, Option<CmdError>),
}

/// The queue of calls, and of replies to count.
#[derive(Debug, Default)]
pub(super) struct BusyQueue {
    calls: Mutex<Vec<Queued>>,
    any: AtomicBool,
    pub(super) counts: Mutex<Vec<Unlocked>>,
    pub(super) any_counts: AtomicBool,
}

impl Shared {
    /// Queues `call` for the busy script's hook and waits (blocking the
    /// thread) until it ran, or until no script runs any more.
    pub fn run_while_busy(&self, call: BusyCall) -> BusyOutcome {
        let queued: Queued = Arc::new((Mutex::new(call), Condvar::new()));
        {
            let mut calls = self.busy.calls.lock();
            calls.push(Arc::clone(&queued));
            self.busy.any.store(true, Ordering::Release);
        }
        let (slot, done) = &*queued;
        let mut call = slot.lock();
        loop {
            if call.result.is_some() {
                break;
            }
            done.wait_for(&mut call, Duration::from_millis(2));
            if call.result.is_some() {
                break;
            }
            if self.running_script.lock().is_none() {
                // The script ended: take the call back unless the hook
                // already has it (it then finishes it).
                let mut calls = self.busy.calls.lock();
                if let Some(at) = calls.iter().position(|q| Arc::ptr_eq(q, &queued)) {
                    calls.remove(at);
                    drop(calls);
                    let taken = std::mem::replace(&mut *call, placeholder());
                    return BusyOutcome::Returned(taken);
                }
            }
        }
        BusyOutcome::Ran(std::mem::replace(&mut *call, placeholder()))
    }

    /// Runs the queued calls against `state`, the state the busy script
    /// holds. Called from the script's instruction hook.
    pub(super) fn serve_while_busy(&self, state: &mut State) {
        if !self.busy.any.load(Ordering::Acquire) {
            return;
        }
        let calls = {
            let mut calls = self.busy.calls.lock();
            self.busy.any.store(false, Ordering::Release);
            std::mem::take(&mut *calls)
        };
        self.sync_arrivals(state);
        // The script's own frozen time: nothing expires under it.
        let now_us = state.now_ms.saturating_mul(1000);
        for queued in calls {
            let (slot, done) = &*queued;
            let mut call = slot.lock();
            let call = &mut *call;
            let args = std::mem::take(&mut call.args);
            let name = state
                .clients
                .get(&call.client.id)
                .and_then(|c| c.name.clone());
            let mut gate = super::FaultGate::new(self, call.prior);
            let resolved = cmd::resolve(&args);
            let executed = exec::execute(
                state,
                self,
                &mut gate,
                &mut call.client,
                resolved,
                args,
                &mut call.out,
                now_us,
            );
            call.result = Some(BusyResult {
                executed,
                fault: gate.fault,
                resume: gate.resume,
                name,
                now_us,
            });
            done.notify_all();
        }
    }

    /// Counts a command refused without the state lock (BUSY) as Redis's
    /// `rejectCommand` does, at the next lock.
    pub fn count_rejected(&self, name: Option<&'static str>, e: CmdError) {
        self.count_unlocked(Unlocked::Rejected(name, e));
    }

    /// Counts a command answered without the state lock (SCRIPT KILL…),
    /// with its error if it failed, at the next lock.
    pub fn count_called(&self, name: &'static str, e: Option<CmdError>) {
        self.count_unlocked(Unlocked::Called(name, e));
    }

    fn count_unlocked(&self, what: Unlocked) {
        self.busy.counts.lock().push(what);
        self.busy.any_counts.store(true, Ordering::Release);
    }

    /// Applies the counts queued by [`Shared::count_unlocked`].
    pub(super) fn apply_unlocked_counts(&self, state: &mut State) {
        // Nearly always nothing is queued: one atomic load, not a swap.
        if !self.busy.any_counts.load(Ordering::Acquire)
            || !self.busy.any_counts.swap(false, Ordering::Acquire)
        {
            return;
        }
        for what in std::mem::take(&mut *self.busy.counts.lock()) {
            let error = match what {
                Unlocked::Rejected(name, e) => {
                    if let Some(name) = name {
                        state.stats.commands.entry(name).or_default().rejected += 1;
                    }
                    Some(e)
                }
                Unlocked::Called(name, e) => {
                    let stat = state.stats.commands.entry(name).or_default();
                    stat.calls += 1;
                    stat.failed += u64::from(e.is_some());
                    state.stats.commands_processed += 1;
                    e
                }
            };
            if let Some(e) = error {
                exec::count_error(state, &e);
            }
        }
    }
}

/// What a call is left as once taken out of its slot.
fn placeholder() -> BusyCall {
    BusyCall {
        client: Client::new(0, 0, crate::protocol::Resp::V2, false),
        args: Vec::new(),
        prior: Prior::default(),
        out: Out::default(),
        result: None,
    }
}
