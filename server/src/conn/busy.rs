//! A session's way to the state lock: waiting for it, and what Redis
//! answers while a script or function runs past `lua-time-limit`: BUSY
//! to most commands, SCRIPT/FUNCTION KILL, FUNCTION STATS of a function
//! and SHUTDOWN NOSAVE without the state, and the other `allow_busy`
//! commands (MULTI, WATCH, AUTH, HELLO, RESET…) run by the busy script's
//! hook between two of its steps (see `crate::shared::BusyCall`).

use std::time::Duration;

use bytes::Bytes;

use super::gate::{Ran, step_of};
use super::session::{Session, Step};
use crate::cmd::{self, Client, CmdError, CommandSpec, error, flags};
use crate::fault::Draft;
use crate::protocol::Out;
use crate::shared::{BusyCall, BusyOutcome, Prior, Shared};
use crate::state::State;

/// Why a session did not get the state lock.
pub(super) enum Busy {
    /// A script is busy and the command was answered without the state.
    Answered(Step),
    /// A script is busy and the command is one Redis runs meanwhile: the
    /// script's hook must run it.
    Serve,
}

/// Runs `f` off the async worker when on a multi-thread runtime, so that
/// the worker can serve the client who would send SCRIPT KILL.
fn off_worker<T>(f: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

impl Session {
    /// Takes the state lock. While the lock is held by a long script, the
    /// wait keeps checking whether the script has become BUSY (and the
    /// command must be answered without the lock); on a multi-thread Tokio
    /// runtime the wait gives up its worker (`block_in_place`), so that the
    /// client who would send SCRIPT KILL is not starved of one.
    pub(super) fn lock_state<'s>(
        &mut self,
        shared: &'s Shared,
        spec: Option<&'static CommandSpec>,
        args: &[Bytes],
        out: &mut Out,
    ) -> Result<parking_lot::MutexGuard<'s, State>, Busy> {
        // The common cases: the lock is free, or another command holds it
        // for microseconds.
        if let Some(mut state) = shared
            .state
            .try_lock()
            .or_else(|| shared.state.try_lock_for(Duration::from_micros(500)))
        {
            shared.sync_arrivals(&mut state);
            return Ok(state);
        }
        // Held for longer: likely a long script. Wait off the worker,
        // answering BUSY once it passes the limit.
        off_worker(|| {
            loop {
                if let Some(spec) = spec {
                    if let Some(busy) = self.busy_script(shared, spec, args, out) {
                        return Err(busy);
                    }
                } else if shared.running_script.lock().is_some() && self.script_is_busy(shared) {
                    // An unknown command or a wrong arity: the caller answers.
                    return Err(Busy::Answered(Step::Continue));
                }
                if let Some(mut state) = shared.state.try_lock_for(Duration::from_millis(5)) {
                    shared.sync_arrivals(&mut state);
                    return Ok(state);
                }
            }
        })
    }

    /// Runs an `allow_busy` command while a script is busy: the client is
    /// lent to the script's hook, which runs the command between two
    /// steps of the script; if the script ends first, the command runs as
    /// usual.
    pub(super) fn run_while_busy<'s>(
        &mut self,
        shared: &'s Shared,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
        draft: &mut Option<Draft>,
    ) -> Ran<'s> {
        let mut stand_in = Client::new(
            self.client.id,
            self.client.db,
            self.client.resp,
            self.client.authenticated,
        );
        stand_in.user = self.client.user.clone();
        let client = std::mem::replace(&mut self.client, stand_in);
        let call = BusyCall {
            out: Out::new(client.resp),
            client,
            args,
            prior,
            result: None,
        };
        match off_worker(|| shared.run_while_busy(call)) {
            BusyOutcome::Returned(call) => {
                self.client = call.client;
                self.run_locked(shared, None, call.args, out, prior, draft)
            }
            BusyOutcome::Ran(call) => {
                self.client = call.client;
                let Some(result) = call.result else {
                    unreachable!("redsim bug: a busy call came back as run without a result");
                };
                let mark = out.len();
                out.raw(call.out.as_bytes());
                if let Some(d) = draft {
                    d.client_name = result.name;
                }
                Ran {
                    step: step_of(result.executed.outcome, result.resume),
                    state: None,
                    reply_at: result.executed.reply_at.map(|at| at + mark),
                    fault: result.fault,
                    now_us: result.now_us,
                }
            }
        }
    }

    /// A command refused while a script is busy: its transaction, if any,
    /// is doomed, and the refusal is counted as Redis counts it.
    pub(super) fn refuse_busy(
        &mut self,
        shared: &Shared,
        spec: Option<&'static CommandSpec>,
        e: CmdError,
        out: &mut Out,
    ) {
        if let Some(multi) = &mut self.client.multi {
            multi.dirty = true;
        }
        out.error_bytes(e.bytes());
        shared.count_rejected(spec.map(|s| s.name), e);
    }

    /// Whether the running script has passed `lua-time-limit`.
    pub(super) fn script_is_busy(&self, shared: &Shared) -> bool {
        let limit = shared
            .mirror
            .busy_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        shared
            .running_script
            .lock()
            .as_ref()
            .is_some_and(|r| r.started.elapsed().as_millis() >= u128::from(limit))
    }

    /// While a script runs past `lua-time-limit`, Redis refuses with BUSY
    /// every command but the `allow_busy` ones, without waiting for the
    /// script (whose command holds the state lock): SCRIPT/FUNCTION KILL,
    /// FUNCTION STATS of a function and SHUTDOWN are answered here, the
    /// others are run by the script's hook ([`Busy::Serve`]). The checks
    /// Redis makes before BUSY's come first, those that need no state:
    /// authentication and commands refused inside MULTI. `None` while no
    /// script is busy.
    pub(super) fn busy_script(
        &mut self,
        shared: &Shared,
        spec: &'static CommandSpec,
        args: &[Bytes],
        out: &mut Out,
    ) -> Option<Busy> {
        let running = shared.running_script.lock().clone()?;
        let limit = shared
            .mirror
            .busy_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if running.started.elapsed().as_millis() < u128::from(limit) {
            return None;
        }
        let refuse = |session: &mut Session, e: CmdError, out: &mut Out| {
            session.refuse_busy(shared, Some(spec), e, out);
            Some(Busy::Answered(Step::Continue))
        };
        let auth_required = shared
            .mirror
            .auth_required
            .load(std::sync::atomic::Ordering::Relaxed);
        if auth_required && !self.client.authenticated && !spec.has(flags::NO_AUTH) {
            return refuse(self, error::NOAUTH, out);
        }
        let in_multi = self.client.multi.is_some();
        if in_multi && spec.has(flags::NO_MULTI) {
            return refuse(self, error::NOT_IN_TRANSACTION, out);
        }
        // Each kind is killed by its own KILL; the other KILL gets the
        // BUSY that names the right one, as in Redis.
        let busy = if running.function.is_some() {
            error::BUSY_FUNCTION
        } else {
            error::BUSY
        };
        if !spec.has(flags::ALLOW_BUSY) {
            return refuse(self, busy, out);
        }
        if in_multi && !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "reset") {
            // Queued, as inside any transaction: the executor does it.
            return Some(Busy::Serve);
        }
        let answered = |e: Option<CmdError>, out: &mut Out| {
            match &e {
                Some(e) => out.error_bytes(e.bytes()),
                None => out.ok(),
            }
            shared.count_called(spec.name, e);
            Some(Busy::Answered(Step::Continue))
        };
        match spec.name {
            "script|kill" | "function|kill" => {
                if running.wrote.load(std::sync::atomic::Ordering::SeqCst) {
                    answered(Some(error::UNKILLABLE), out)
                } else if running.function.is_some() != (spec.name == "function|kill") {
                    answered(Some(busy), out)
                } else {
                    running.kill();
                    answered(None, out)
                }
            }
            "function|stats" => match &running.function {
                // A busy function is described from what it left outside
                // the lock.
                Some(f) => {
                    crate::cmd::function_stats_reply(out, Some((f, running.started.elapsed())));
                    shared.count_called(spec.name, None);
                    Some(Busy::Answered(Step::Continue))
                }
                // During a busy EVAL it refuses itself, as Redis's does.
                None => answered(Some(busy), out),
            },
            // SHUTDOWN refuses itself during a busy script unless NOSAVE.
            "shutdown" if !args_say_nosave(args) => answered(Some(busy), out),
            "shutdown" => {
                shared.shutdown();
                Some(Busy::Answered(Step::Close))
            }
            _ => Some(Busy::Serve),
        }
    }
}

/// Whether SHUTDOWN's arguments include NOSAVE (the one form a busy
/// script allows).
fn args_say_nosave(args: &[Bytes]) -> bool {
    args.iter().skip(1).any(|a| cmd::is(a, "nosave"))
}
