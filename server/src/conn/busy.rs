//! A session's way to the state lock: waiting for it, and answering
//! what Redis answers while a script or function runs past
//! `lua-time-limit` (BUSY, SCRIPT/FUNCTION KILL, FUNCTION STATS, SHUTDOWN
//! NOSAVE) without it.

use std::time::Duration;

use bytes::Bytes;

use super::session::{Session, Step};
use crate::cmd::{self, CommandSpec, error, flags};
use crate::protocol::Out;
use crate::shared::Shared;
use crate::state::State;

impl Session {
    /// Takes the state lock. While the lock is held by a long script, the
    /// wait keeps checking whether the script has become BUSY (and the
    /// command must be answered without the lock); on a multi-thread Tokio
    /// runtime the wait gives up its worker (`block_in_place`), so that the
    /// client who would send SCRIPT KILL is not starved of one.
    pub(super) fn lock_state<'s>(
        &self,
        shared: &'s Shared,
        spec: Option<&'static CommandSpec>,
        args: &[Bytes],
        out: &mut Out,
    ) -> Result<parking_lot::MutexGuard<'s, State>, Step> {
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
        let mut wait = || loop {
            if let Some(spec) = spec {
                if let Some(step) = self.busy_script(shared, spec, args, out) {
                    return Err(step);
                }
            } else if shared.running_script.lock().is_some() && self.script_is_busy(shared) {
                return Err(Step::Continue);
            }
            if let Some(mut state) = shared.state.try_lock_for(Duration::from_millis(5)) {
                shared.sync_arrivals(&mut state);
                return Ok(state);
            }
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(wait)
        } else {
            wait()
        }
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

    /// While a script runs past `lua-time-limit`, Redis answers BUSY to
    /// everything but SCRIPT KILL and the few allow-busy commands — without
    /// waiting for the script, whose command holds the state lock. `None`
    /// when the command should run normally.
    pub(super) fn busy_script(
        &self,
        shared: &Shared,
        spec: &CommandSpec,
        args: &[Bytes],
        out: &mut Out,
    ) -> Option<Step> {
        let running = shared.running_script.lock().clone()?;
        let limit = shared
            .mirror
            .busy_ms
            .load(std::sync::atomic::Ordering::Relaxed);
        if running.started.elapsed().as_millis() < u128::from(limit) {
            return None;
        }
        // Each kind is killed by its own KILL; the other KILL gets the
        // BUSY that names the right one, as in Redis.
        let busy = if running.function.is_some() {
            error::BUSY_FUNCTION
        } else {
            error::BUSY
        };
        if spec.name == "script|kill" || spec.name == "function|kill" {
            if running.wrote.load(std::sync::atomic::Ordering::SeqCst) {
                out.error(error::UNKILLABLE.text());
            } else if running.function.is_some() != (spec.name == "function|kill") {
                out.error(busy.text());
            } else {
                running.kill();
                out.ok();
            }
            return Some(Step::Continue);
        }
        if spec.name == "function|stats"
            && let Some(f) = &running.function
        {
            // A busy function is described from what it left outside the
            // lock. (During a busy EVAL the library counts are under the
            // lock: FUNCTION STATS waits then.)
            crate::cmd::function_stats_reply(out, Some((f, running.started.elapsed())));
            return Some(Step::Continue);
        }
        if spec.name == "shutdown" && args_say_nosave(args) {
            shared.shutdown();
            return Some(Step::Close);
        }
        if spec.has(flags::ALLOW_BUSY) && spec.name != "shutdown" {
            return None;
        }
        out.error(busy.text());
        Some(Step::Continue)
    }
}

/// Whether SHUTDOWN's arguments include NOSAVE (the one form a busy
/// script allows).
fn args_say_nosave(args: &[Bytes]) -> bool {
    args.iter().skip(1).any(|a| cmd::is(a, "nosave"))
}
