//! Running a script or a function: the run context `redis.call` works on
//! (the world — the server state — swapped in from under the caller's lock
//! guard, and back however the run ends), the call itself, and the way
//! `redis.call` / `redis.pcall` reach the [`Bridge`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Instant;

use bytes::Bytes;
use mlua::{Function, Lua, MultiValue, Value};
use parking_lot::Mutex;

use super::bridge::{Bridge, RunStart};
use super::convert;
use super::errors::{ScriptError, bare_error, lua_err, string_table, write_script_error};
use super::hook::{self, BusyFn, FunctionRun, HookState, Running};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::protocol::{Out, Resp};

/// The running script's context, owned for the length of the run so that
/// `redis.call` and `redis.pcall` can be made once per Lua state
/// (`'static` callbacks) instead of once per run: creating and destroying
/// the two scoped callbacks was a fifth of an EVALSHA's CPU.
///
/// It lives in one box for the engine's life and is reused: between runs
/// it keeps a stand-in world and the buffers of `redis.call`, so that a
/// run allocates none of them and moves nothing bigger than the world
/// itself (swapped in and out in place).
pub(super) struct Current<W> {
    /// Whether a script is running: `redis.call` refuses to run otherwise.
    pub(super) active: bool,
    /// While a script runs, the world, swapped out from under the caller's
    /// lock guard (which keeps the lock held throughout) and swapped back
    /// after the run; between runs, the stand-in.
    pub(super) world: W,
    /// The way to the commands.
    pub(super) bridge: Box<dyn Bridge<W>>,
    pub(super) read_only: bool,
    pub(super) running: Arc<Running>,
    /// `redis.call`'s argument vector, reused.
    pub(super) args: Vec<Bytes>,
    /// `redis.call`'s reply buffer, reused.
    pub(super) out: Out,
}

/// The shared slot of the running script's context.
pub(super) type Slot<W> = Arc<Mutex<Option<Box<Current<W>>>>>;

/// Puts the world back under the caller's lock guard when a run ends,
/// however it ends (a panic included): nothing may be lost. Tells the
/// bridge the script ended.
pub(super) struct Restore<'a, W> {
    current: &'a Mutex<Option<Box<Current<W>>>>,
    world: &'a mut W,
}

impl<W> Drop for Restore<'_, W> {
    fn drop(&mut self) {
        if let Some(current) = self.current.lock().as_mut().filter(|c| c.active) {
            std::mem::swap(self.world, &mut current.world);
            current.active = false;
            current.bridge.ended();
        }
    }
}

/// The engine's parts a run needs besides what it calls.
pub(super) struct Parts<'a, W> {
    pub(super) lua: &'a Lua,
    pub(super) hook: &'a Arc<HookState>,
    pub(super) busy: &'a BusyFn,
    pub(super) current: &'a Slot<W>,
    pub(super) script_resp: &'a AtomicU8,
    pub(super) memory_limit: usize,
}

/// What a run calls: a cached script through the EVAL runner, or a
/// library function through the FCALL one.
pub(super) struct Call<'a> {
    pub(super) func: &'a Function,
    pub(super) runner: &'a Function,
    /// The SHA-1 or the function name (errors name it).
    pub(super) name: &'a str,
    pub(super) function: Option<FunctionRun>,
    pub(super) read_only: bool,
}

/// Runs `call` in `world` (which the caller holds locked) for the client
/// `start` names, and writes the reply into `out`: the world moves into
/// the run context for `redis.call`, and back.
#[allow(clippy::too_many_arguments)]
pub(super) fn invoke<W>(
    parts: Parts<'_, W>,
    world: &mut W,
    out: &mut Out,
    start: &RunStart<'_>,
    call: Call<'_>,
    keys: &[Bytes],
    argv: &[Bytes],
) -> CmdResult {
    let Call {
        func,
        runner,
        name: sha,
        function,
        read_only,
    } = call;
    let lua = parts.lua;
    let (keys, argv) = {
        let _unbounded = Unbounded::new(lua);
        (string_table(lua, keys)?, string_table(lua, argv)?)
    };
    parts.script_resp.store(2, Ordering::Relaxed);

    let started = Instant::now();
    parts.hook.kill.store(false, Ordering::SeqCst);
    parts.hook.offload_tries.store(0, Ordering::Relaxed);
    *parts.hook.started.lock() = Some(started);
    let mut slot = parts.current.lock();
    let Some(current) = slot.as_mut() else {
        return Err(error::SCRIPTING_UNAVAILABLE);
    };
    current.bridge.begin(start);
    current.read_only = read_only;
    // The last run's record, unless someone still looks at it.
    match Arc::get_mut(&mut current.running) {
        Some(running) => {
            running.started = started;
            running.wrote = AtomicBool::new(false);
            running.function = function;
        }
        None => {
            current.running = Arc::new(Running {
                started,
                wrote: AtomicBool::new(false),
                function,
                hook: Arc::clone(parts.hook),
            })
        }
    }
    let running = Arc::clone(&current.running);
    current.bridge.started(&running);
    std::mem::swap(world, &mut current.world);
    current.active = true;
    drop(slot);
    let restore = Restore {
        current: parts.current,
        world,
    };
    let outcome: mlua::Result<MultiValue> = runner.call((func, keys, argv));
    drop(restore);
    if parts.hook.kill.load(Ordering::SeqCst) {
        // A killed run leaves the raise-on-every-line hook behind.
        hook::install(lua, parts.hook, parts.busy).map_err(lua_err)?;
    }
    *parts.hook.started.lock() = None;
    collect_if_full(parts.lua, parts.memory_limit);
    let result = outcome.map_err(|e| match e {
        mlua::Error::MemoryError(m) => CmdError::owned(bare_error(sha, &m)),
        e => lua_err(e),
    })?;
    let mut values = result.into_iter();
    let ok = matches!(values.next(), Some(Value::Boolean(true)));
    let value = values.next().unwrap_or(Value::Nil);
    // Written straight into the caller's reply; an error is taken back
    // out, to be counted in errorstats like any error.
    let mark = out.len();
    if ok {
        convert::write_reply(out, &value, script_resp(parts.script_resp));
    } else {
        write_script_error(out, &value, sha);
    }
    let reply = &out.as_bytes()[mark..];
    if reply.first() == Some(&b'-') {
        let bytes = reply[1..reply.len().saturating_sub(2)].to_vec();
        out.truncate(mark);
        return Err(CmdError::from_bytes(bytes));
    }
    Ok(())
}

/// Between two steps of a running script (from the instruction hook):
/// the bridge lets the server answer what other clients may send
/// meanwhile, against the world the script holds. Nothing if no script
/// runs, or if `redis.call` holds the context (the hook does not fire
/// there).
pub(super) fn serve_busy<W>(current: &Mutex<Option<Box<Current<W>>>>) {
    let Some(mut guard) = current.try_lock() else {
        return;
    };
    if let Some(run) = guard.as_mut().filter(|c| c.active) {
        let Current { bridge, world, .. } = &mut **run;
        bridge.serve_busy(world);
    }
}

/// `redis.call` (`raise`) / `redis.pcall`: runs a command and returns its
/// reply as a Lua value. An error reply is `{err=…}`: returned by pcall,
/// raised by call — as a wrapped [`ScriptError`] that the sandbox turns
/// back into the table wherever the script can see it.
pub(super) fn bridge_call<W>(
    current: &Mutex<Option<Box<Current<W>>>>,
    resp: &AtomicU8,
    lua: &Lua,
    args: MultiValue,
    raise: bool,
) -> mlua::Result<Value> {
    let reply = call_inner(current, resp, lua, args);
    let text = match &reply {
        Ok(Value::Table(t)) if raise => match t.raw_get::<Value>("err") {
            Ok(Value::String(s)) => Some(s.as_bytes().to_vec()),
            _ => None,
        },
        Ok(_) => None,
        Err(text) => Some(text.as_bytes().to_vec()),
    };
    match (text, raise) {
        (Some(text), true) => Err(mlua::Error::external(ScriptError(text))),
        (Some(text), false) => convert::error_table(lua, &text),
        (None, _) => reply.map_err(mlua::Error::runtime),
    }
}

pub(super) fn call_inner<W>(
    current: &Mutex<Option<Box<Current<W>>>>,
    resp: &AtomicU8,
    lua: &Lua,
    args: MultiValue,
) -> Result<Value, String> {
    if args.is_empty() {
        return Err(error::CALL_NO_ARGS.into_text());
    }
    let mut guard = current.lock();
    let Some(run) = guard.as_mut().filter(|c| c.active) else {
        // Only reachable by keeping the function past its script.
        return Err(error::CALL_OUTSIDE_SCRIPT.into_text());
    };
    let Current {
        world,
        bridge,
        read_only,
        running,
        args: argv,
        out,
        ..
    } = &mut **run;
    // The argument vector and the reply buffer are the run's, reused from
    // one call to the next.
    argv.clear();
    for v in args {
        argv.push(match v {
            Value::String(s) => Bytes::copy_from_slice(&s.as_bytes()),
            Value::Integer(i) => Bytes::from(i.to_string()),
            Value::Number(n) => Bytes::from(crate::num::format_g(n, 17)),
            _ => return Err(error::CALL_ARG_TYPE.into_text()),
        });
    }
    let resp = script_resp(resp);
    out.clear();
    out.set_resp(resp);
    let called = bridge.call(world, argv, resp, *read_only, out);
    argv.clear();
    if called?.wrote {
        running.wrote.store(true, Ordering::SeqCst);
    }
    // Converting keeps the run locked: nothing it does calls back here.
    let unbounded = Unbounded::new(lua);
    let value =
        convert::reply_to_lua(lua, out.as_bytes()).map_err(|e| error::generic(e).into_text());
    if out.len() > KEEP_REPLY_BUFFER {
        *out = Out::new(resp);
    }
    if unbounded.exceeded() {
        return Err(NOT_ENOUGH_MEMORY.into());
    }
    value
}

/// The RESP version `redis.setresp` chose for `redis.call` replies.
pub(super) fn script_resp(resp: &AtomicU8) -> Resp {
    if resp.load(Ordering::Relaxed) == 3 {
        Resp::V3
    } else {
        Resp::V2
    }
}

/// What `redis.call` raises when the reply it made pushed the heap past the
/// limit: the text of Lua's own memory error.
pub(super) const NOT_ENOUGH_MEMORY: &str = "not enough memory";

/// The largest `redis.call` reply buffer kept for the next call; a larger
/// one (a big LRANGE, say) is freed at once.
pub(super) const KEEP_REPLY_BUFFER: usize = 64 * 1024;

/// Lifts the Lua heap limit while Rust turns values that already exist
/// (a request's keys and arguments, a command's reply) into Lua values,
/// and puts it back on drop.
///
/// With a limit set, mlua wraps every single allocation it makes in a
/// protected call (a `pcall` and two fresh C closures each), which was a
/// fifth of a lock release. These values are bounded by what the client
/// sent or the keyspace holds, so they need no guard; the limit stays on
/// for everything the script itself allocates, and `redis.call` raises
/// Lua's "not enough memory" when the reply it made crossed it.
pub(super) struct Unbounded<'a> {
    lua: &'a Lua,
    limit: usize,
}

impl<'a> Unbounded<'a> {
    pub(super) fn new(lua: &'a Lua) -> Unbounded<'a> {
        let limit = lua.set_memory_limit(0).unwrap_or(0);
        Unbounded { lua, limit }
    }

    /// Whether the heap is now past the limit (which is put back).
    pub(super) fn exceeded(self) -> bool {
        let limit = self.limit;
        let used = self.lua.used_memory();
        drop(self);
        limit != 0 && used > limit
    }
}

impl Drop for Unbounded<'_> {
    fn drop(&mut self) {
        let _ = self.lua.set_memory_limit(self.limit);
    }
}

/// A script (or a library's load) that ran into the memory limit leaves
/// its garbage behind: collect it now, or the next one would find the heap
/// full. (Without the limit: under it, mlua's protected call around the
/// collection needs memory itself, and a full heap refuses it.)
pub(super) fn collect_if_full(lua: &Lua, memory_limit: usize) {
    if lua.used_memory() > memory_limit / 2 {
        let _unbounded = Unbounded::new(lua);
        let _ = lua.gc_collect();
    }
}
