//! The instruction hook's side of a run: the record of the running script
//! that other clients see ([`Running`]: BUSY, SCRIPT/FUNCTION KILL), the
//! FUNCTION LOAD deadline, and handing a long script's async worker over
//! to the runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Instant;

use bytes::Bytes;
use mlua::{HookTriggers, Lua};

use super::errors::Killed;
use crate::cmd::error;

/// The script being run, as other clients see it (outside the state lock):
/// how long it has been running, whether it wrote, and its kill switch.
#[derive(Debug)]
pub struct Running {
    /// When it started (real time: `lua-time-limit` is wall time, as in Redis).
    pub started: Instant,
    /// Set once the script ran a write command: it can no longer be killed.
    pub wrote: AtomicBool,
    /// Set when it is a function (FCALL) rather than a script (EVAL):
    /// each is killed by its own KILL, BUSY names that one, and FUNCTION
    /// STATS describes a busy function from this.
    pub function: Option<FunctionRun>,
    pub(super) hook: Arc<HookState>,
}

/// What FUNCTION STATS says of a running function.
#[derive(Debug, Clone)]
pub struct FunctionRun {
    /// The function's name.
    pub name: String,
    /// The command that called it, as sent.
    pub command: Vec<Bytes>,
    /// Libraries loaded (they cannot change while it runs).
    pub libraries: usize,
    /// Functions loaded.
    pub functions: usize,
}

impl Running {
    /// Stops the script at its next instruction check (SCRIPT KILL,
    /// SHUTDOWN NOSAVE).
    pub fn kill(&self) {
        self.hook.kill.store(true, Ordering::SeqCst);
    }
}

/// How many Lua instructions run between two looks at the kill switch.
pub(super) const HOOK_EVERY: u32 = 100_000;

/// Sets the instruction hook every run of `lua` starts with: every
/// [`HOOK_EVERY`] instructions it looks at the kill switch and the FUNCTION
/// LOAD deadline, and hands a long script's worker over.
///
/// While a script runs, the hook also calls `busy`, which answers the
/// commands Redis answers during a busy script.
///
/// A kill is unstoppable, as Redis makes it: once the hook has seen the
/// switch it raises on every line from then on, so a script that catches
/// the error with `pcall` meets it again on the next line it runs outside
/// the `pcall`. [`install`] again after the run puts the counting hook
/// back.
pub(super) fn install(lua: &Lua, hook: &Arc<HookState>, busy: &BusyFn) -> mlua::Result<()> {
    let seen = Arc::clone(hook);
    let busy = Arc::clone(busy);
    lua.set_hook(
        HookTriggers::new().every_nth_instruction(HOOK_EVERY),
        move |lua, _| {
            if seen.kill.load(Ordering::Relaxed) {
                lua.set_hook(HookTriggers::new().every_line(), |_, debug| {
                    // Not in the sandbox's own code: its error handler
                    // must still name the script and line.
                    if debug.source().source.as_deref() == Some("=redsim") {
                        return Ok(mlua::VmState::Continue);
                    }
                    Err(mlua::Error::external(Killed))
                })?;
                return Err(mlua::Error::external(Killed));
            }
            if seen
                .load_deadline
                .lock()
                .is_some_and(|d| Instant::now() >= d)
            {
                return Err(mlua::Error::external(LoadTimeout));
            }
            offload_if_long(&seen);
            if seen.started.lock().is_some() {
                busy();
            }
            Ok(mlua::VmState::Continue)
        },
    )
}

/// What the hook calls between two steps of a running script: lets the
/// server answer what other clients may send meanwhile.
pub(super) type BusyFn = Arc<dyn Fn() + Send + Sync>;

/// How long a script may run on an async worker thread before it hands
/// the worker to the runtime and goes on as a blocking thread.
pub(super) const OFFLOAD_AFTER: std::time::Duration = std::time::Duration::from_millis(2);

/// How many times a long script tries to hand its worker over (see
/// [`offload_if_long`]); one nearly always suffices.
pub(super) const OFFLOAD_TRIES: u32 = 5;

/// Per-run facts the instruction hook (which must be `'static`) reads.
#[derive(Debug, Default)]
pub(super) struct HookState {
    /// Raised by SCRIPT KILL or SHUTDOWN.
    pub(super) kill: AtomicBool,
    /// When the current script started, if one runs.
    pub(super) started: parking_lot::Mutex<Option<Instant>>,
    /// How many hand-overs the current script has attempted.
    pub(super) offload_tries: AtomicU32,
    /// While FUNCTION LOAD runs a library's code: when it must give up
    /// (Redis allows 500 ms).
    pub(super) load_deadline: parking_lot::Mutex<Option<Instant>>,
}

/// How long a library's code may run at FUNCTION LOAD.
pub(super) const LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(500);

/// The error the hook raises when a library's code runs past
/// [`LOAD_TIMEOUT`].
#[derive(Debug)]
pub(super) struct LoadTimeout;

impl std::fmt::Display for LoadTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(error::FUNCTION_LOAD_TIMEOUT)
    }
}

impl std::error::Error for LoadTimeout {}

/// A script that runs long must not hold an async worker: tasks queued on
/// that worker (accepting connections, reading the client that would send
/// SCRIPT KILL) would wait for it. Short scripts — nearly all — never pay
/// for what follows.
///
/// `block_in_place` moves the worker's core to a new thread, but takes it
/// back when its closure returns if that thread has not picked it up yet;
/// with nothing to do in the closure it would always be taken back. So
/// the closure waits until the blocking pool has started a task queued
/// after the hand-over (a small, bounded wait), and later hook calls try
/// again a few times in case the new thread was still slower. Once the
/// core has moved, the script goes on as a blocking thread.
pub(super) fn offload_if_long(hook: &HookState) {
    if hook.offload_tries.load(Ordering::Relaxed) >= OFFLOAD_TRIES {
        return;
    }
    let long = hook
        .started
        .lock()
        .is_some_and(|t| t.elapsed() >= OFFLOAD_AFTER);
    if !long {
        return;
    }
    hook.offload_tries.fetch_add(1, Ordering::Relaxed);
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
        return;
    }
    tokio::task::block_in_place(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        handle.spawn_blocking(move || {
            let _ = tx.send(());
        });
        let _ = rx.recv_timeout(std::time::Duration::from_millis(50));
        std::thread::sleep(std::time::Duration::from_micros(200));
    });
}
