//! Lua scripting: the engine behind EVAL, EVALSHA and SCRIPT.
//!
//! One Lua 5.1 state per server (vendored, as Redis's), created on the first
//! script and sandboxed as Redis 7.0 sandboxes it (see `sandbox.lua`):
//! read-only globals and libraries, no `io`/`os` (but `os.clock`), no file
//! loading, Redis's `math.random`, and the libraries Redis loads (`cjson`,
//! `bit`, `struct`, `cmsgpack`). Compiled scripts are cached by SHA-1.
//!
//! A script runs inside the command that called it, under the state lock:
//! it sees one frozen server time and nothing else runs meanwhile, which is
//! Redis's atomicity. `redis.call` runs commands through the same table and
//! handlers as any client, as a client of its own (its database, its RESP
//! version), and turns their RESP replies into Lua values as Redis does
//! ([`convert`]). A script that runs past `lua-time-limit` makes other
//! clients get BUSY ([`Running`]), and SCRIPT KILL stops it unless it has
//! written.
//!
//! This module owns the Lua state and the conversions; the commands are in
//! `cmd::scripting`.

pub mod convert;
mod errors;
pub mod libs;
mod loading;

use errors::*;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::time::Instant;

use bytes::Bytes;
use mlua::{Function, HookTriggers, Lua, LuaOptions, MultiValue, StdLib, Table, Value};

use crate::cmd::{After, Caller, CmdError, CmdResult, Ctx, flags};
use crate::conn::{Session, call};
use crate::protocol::{Out, Resp};
use crate::server::Shared;
use crate::state::State;
use parking_lot::Mutex;

/// How many Lua instructions run between two looks at the kill switch.
const HOOK_EVERY: u32 = 100_000;

/// How long a script may run on an async worker thread before it hands
/// the worker to the runtime and goes on as a blocking thread.
const OFFLOAD_AFTER: std::time::Duration = std::time::Duration::from_millis(2);

/// How many times a long script tries to hand its worker over (see
/// [`offload_if_long`]); one nearly always suffices.
const OFFLOAD_TRIES: u32 = 5;

/// Per-run facts the instruction hook (which must be `'static`) reads.
#[derive(Debug, Default)]
struct HookState {
    /// Raised by SCRIPT KILL or SHUTDOWN.
    kill: AtomicBool,
    /// When the current script started, if one runs.
    started: parking_lot::Mutex<Option<Instant>>,
    /// How many hand-overs the current script has attempted.
    offload_tries: AtomicU32,
}

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
fn offload_if_long(hook: &HookState) {
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

/// The script being run, as other clients see it (outside the state lock):
/// how long it has been running, whether it wrote, and its kill switch.
#[derive(Debug)]
pub struct Running {
    /// When it started (real time: `lua-time-limit` is wall time, as in Redis).
    pub started: Instant,
    /// Set once the script ran a write command: it can no longer be killed.
    pub wrote: AtomicBool,
    hook: Arc<HookState>,
}

impl Running {
    /// Stops the script at its next instruction check (SCRIPT KILL,
    /// SHUTDOWN NOSAVE).
    pub fn kill(&self) {
        self.hook.kill.store(true, Ordering::SeqCst);
    }
}

/// Flags a script declares in its `#!lua flags=…` shebang.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptFlags {
    /// `#!lua` was present (flags apply; without it, legacy rules).
    pub shebang: bool,
    /// `no-writes`.
    pub no_writes: bool,
}

/// A compiled, cached script.
struct Cached {
    /// Held as a function reference rather than a registry key: a run
    /// pushes it as it is.
    func: Function,
    flags: ScriptFlags,
}

/// The Lua state of one server and its script cache.
pub struct Engine {
    lua: Lua,
    /// `run(f, KEYS, ARGV)` from sandbox.lua: sets the globals and calls
    /// `f` under the error handler.
    runner: Function,
    /// The RESP version `redis.setresp` chose for the running script (2/3).
    script_resp: Arc<AtomicU8>,
    /// By SHA-1 (hex); foldhash, as SipHash was a visible cost per EVALSHA.
    scripts: HashMap<String, Cached, foldhash::fast::FixedState>,
    hook: Arc<HookState>,
    /// The heap's bound, in bytes.
    memory_limit: usize,
    /// What `redis.call` works on while a script runs (see [`Current`]);
    /// `None` until the first run.
    current: Arc<Mutex<Option<Box<Current>>>>,
}

/// The running script's command context, owned for the length of the run
/// so that `redis.call` and `redis.pcall` can be made once per Lua state
/// (`'static` callbacks) instead of once per run: creating and destroying
/// the two scoped callbacks was a fifth of an EVALSHA's CPU.
///
/// It lives in one box from the first run on and is reused: between runs
/// it keeps a stand-in `State`, the script client's session and the
/// buffers of `redis.call`, so that a run allocates none of them and moves
/// nothing bigger than the state itself (swapped in and out in place).
struct Current {
    /// Whether a script is running: `redis.call` refuses to run otherwise.
    active: bool,
    /// While a script runs, the server state, swapped out from under the
    /// caller's lock guard (which keeps the lock held throughout) and
    /// swapped back after the run; between runs, the stand-in.
    state: State,
    /// The script's own client.
    session: Session,
    shared: Arc<Shared>,
    now: i64,
    now_us: i64,
    read_only: bool,
    running: Arc<Running>,
    /// `redis.call`'s argument vector, reused.
    args: Vec<Bytes>,
    /// `redis.call`'s reply buffer, reused.
    out: Out,
}

/// Puts the server state back under the caller's lock guard when a run
/// ends, however it ends (a panic included): nothing may be lost.
struct Restore<'a> {
    current: &'a Mutex<Option<Box<Current>>>,
    state: &'a mut State,
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Some(current) = self.current.lock().as_mut().filter(|c| c.active) {
            std::mem::swap(self.state, &mut current.state);
            current.active = false;
        }
    }
}

/// Lowercase hex SHA-1 of `data`.
pub fn sha1_hex(data: &[u8]) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(data);
    let mut hex = String::with_capacity(40);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// The default bound of a server's Lua heap: the largest string Redis
/// stores (`proto-max-bulk-len`).
pub const DEFAULT_MEMORY_LIMIT: usize = 512 << 20;

fn lua_err(e: mlua::Error) -> CmdError {
    CmdError::owned(format!("ERR {e}"))
}

impl Engine {
    /// A fresh, sandboxed Lua state whose heap may hold `memory_limit`
    /// bytes.
    pub fn new(memory_limit: usize) -> Result<Engine, CmdError> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::OS,
            LuaOptions::default(),
        )
        .map_err(lua_err)?;
        lua.set_memory_limit(memory_limit).map_err(lua_err)?;
        libs::install(&lua).map_err(lua_err)?;
        let script_resp = Arc::new(AtomicU8::new(2));
        let redis = Self::redis_library(&lua, Arc::clone(&script_resp)).map_err(lua_err)?;
        let current: Arc<Mutex<Option<Box<Current>>>> = Arc::default();
        for (name, raise) in [("call", true), ("pcall", false)] {
            let current = Arc::clone(&current);
            let resp = Arc::clone(&script_resp);
            let f = lua
                .create_function(move |lua, args: MultiValue| {
                    bridge_call(&current, &resp, lua, args, raise)
                })
                .map_err(lua_err)?;
            redis.raw_set(name, f).map_err(lua_err)?;
        }
        let where_fn = lua
            .create_function(|lua, ()| Ok(innermost_user_frame(lua)))
            .map_err(lua_err)?;
        let normalize = lua
            .create_function(|lua, v: Value| normalize(lua, v))
            .map_err(lua_err)?;
        let loadstring = lua.create_function(loading::loadstring).map_err(lua_err)?;
        let load = lua.create_function(loading::load).map_err(lua_err)?;
        let runner: Function = lua
            .load(include_str!("sandbox.lua"))
            .set_name("=redsim")
            .call((redis.clone(), where_fn, normalize, loadstring, load))
            .map_err(lua_err)?;
        let hook = Arc::new(HookState::default());
        let seen = Arc::clone(&hook);
        lua.set_hook(
            HookTriggers::new().every_nth_instruction(HOOK_EVERY),
            move |_, _| {
                if seen.kill.load(Ordering::Relaxed) {
                    return Err(mlua::Error::external(Killed));
                }
                offload_if_long(&seen);
                Ok(mlua::VmState::Continue)
            },
        )
        .map_err(lua_err)?;
        Ok(Engine {
            runner,
            script_resp,
            lua,
            scripts: HashMap::default(),
            hook,
            memory_limit,
            current,
        })
    }

    /// The `redis` table without call/pcall (added by [`Engine::new`]).
    fn redis_library(lua: &Lua, script_resp: Arc<AtomicU8>) -> mlua::Result<Table> {
        let redis = lua.create_table()?;
        redis.set("LOG_DEBUG", 0)?;
        redis.set("LOG_VERBOSE", 1)?;
        redis.set("LOG_NOTICE", 2)?;
        redis.set("LOG_WARNING", 3)?;
        redis.set("REPL_NONE", 0)?;
        redis.set("REPL_AOF", 1)?;
        redis.set("REPL_SLAVE", 2)?;
        redis.set("REPL_REPLICA", 2)?;
        redis.set("REPL_ALL", 3)?;
        redis.set("REDIS_VERSION", crate::cmd::REDIS_VERSION)?;
        redis.set("REDIS_VERSION_NUM", crate::cmd::REDIS_VERSION_NUM)?;
        redis.set(
            "sha1hex",
            lua.create_function(|lua, v: Value| {
                let bytes = match v {
                    Value::String(s) => s.as_bytes().to_vec(),
                    Value::Integer(i) => i.to_string().into_bytes(),
                    Value::Number(n) => crate::num::format_g(n, 14).into_bytes(),
                    _ => return Err(helper_error("wrong number of arguments")),
                };
                lua.create_string(sha1_hex(&bytes))
            })?,
        )?;
        redis.set(
            "log",
            lua.create_function(|_, args: MultiValue| {
                let mut args = args.into_iter();
                let level = match args.next() {
                    Some(Value::Integer(n)) => n,
                    Some(Value::Number(n)) => n as i64,
                    _ => return Err(helper_error("First argument must be a number (log level).")),
                };
                if !(0..=3).contains(&level) {
                    return Err(helper_error("Invalid debug level."));
                }
                let message: Vec<String> = args
                    .map(|v| match v {
                        Value::String(s) => s.to_string_lossy(),
                        Value::Integer(i) => i.to_string(),
                        Value::Number(n) => crate::num::format_g(n, 14),
                        _ => String::new(),
                    })
                    .collect();
                let message = message.join(" ");
                match level {
                    0 => tracing::debug!(target: "redsim::script", "{message}"),
                    1 | 2 => tracing::info!(target: "redsim::script", "{message}"),
                    _ => tracing::warn!(target: "redsim::script", "{message}"),
                }
                Ok(())
            })?,
        )?;
        redis.set(
            "set_repl",
            lua.create_function(|_, v: Value| {
                let flags = match v {
                    Value::Integer(n) => n,
                    Value::Number(n) => n as i64,
                    _ => -1,
                };
                if !(0..=3).contains(&flags) {
                    return Err(helper_error(
                        "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
                    ));
                }
                Ok(())
            })?,
        )?;
        // Redis 7.0 always replicates effects: these are accepted and inert.
        redis.set(
            "setresp",
            lua.create_function(move |_, args: MultiValue| {
                script_resp.store(setresp_arg(args)?, Ordering::Relaxed);
                Ok(())
            })?,
        )?;
        redis.set("replicate_commands", lua.create_function(|_, ()| Ok(true))?)?;
        redis.set("breakpoint", lua.create_function(|_, ()| Ok(false))?)?;
        redis.set("debug", lua.create_function(|_, _: MultiValue| Ok(()))?)?;
        Ok(redis)
    }

    /// The state of `math.random`'s generator.
    pub fn random_state(&self) -> Option<u64> {
        libs::random_state(&self.lua)
    }

    /// Continues `math.random`'s sequence from `state` (after SCRIPT FLUSH
    /// rebuilt the Lua state: Redis's generator is process-wide).
    pub fn set_random_state(&self, state: u64) -> Result<(), CmdError> {
        libs::set_random_state(&self.lua, state).map_err(lua_err)
    }

    /// Number of cached scripts (INFO number_of_cached_scripts).
    pub fn script_count(&self) -> usize {
        self.scripts.len()
    }

    /// Bytes of memory the Lua state uses (INFO used_memory_lua).
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Whether a script with this (lowercase) SHA-1 is cached.
    pub fn exists(&self, sha: &str) -> bool {
        self.scripts.contains_key(sha)
    }

    /// The shebang flags of the cached script with this (lowercase) SHA-1.
    pub fn flags(&self, sha: &str) -> Option<ScriptFlags> {
        self.scripts.get(sha).map(|c| c.flags)
    }

    /// Compiles and caches `body` (if not cached yet); returns its SHA-1.
    pub fn load(&mut self, body: &[u8]) -> Result<String, CmdError> {
        let sha = sha1_hex(body);
        if self.scripts.contains_key(&sha) {
            return Ok(sha);
        }
        let flags = parse_shebang(body)?;
        let source: std::borrow::Cow<'_, [u8]> = if flags.shebang {
            // The shebang line becomes a comment, keeping line numbers.
            let mut s = b"--".to_vec();
            s.extend_from_slice(body);
            s.into()
        } else {
            body.into()
        };
        let func = self
            .lua
            .load(&*source)
            .set_name("@user_script")
            .set_mode(mlua::chunk::ChunkMode::Text)
            .into_function()
            .map_err(|e| {
                CmdError::owned(format!(
                    "ERR Error compiling script (new function): {}",
                    compile_message(&e)
                ))
            })?;
        self.scripts.insert(sha.clone(), Cached { func, flags });
        Ok(sha)
    }

    /// Runs the cached script `sha` for `ctx` and writes its reply.
    pub fn run(
        &mut self,
        ctx: &mut Ctx<'_>,
        sha: &str,
        keys: &[Bytes],
        argv: &[Bytes],
        read_only: bool,
    ) -> CmdResult {
        let cached = self.scripts.get(sha).ok_or(CmdError::fixed(
            "NOSCRIPT No matching script. Please use EVAL.",
        ))?;
        let read_only = read_only || cached.flags.no_writes;
        let lua = &self.lua;
        let func = &cached.func;
        let (keys, argv) = {
            let _unbounded = Unbounded::new(lua);
            (string_table(lua, keys)?, string_table(lua, argv)?)
        };
        self.script_resp.store(2, Ordering::Relaxed);

        let started = Instant::now();
        self.hook.kill.store(false, Ordering::SeqCst);
        self.hook.offload_tries.store(0, Ordering::Relaxed);
        *self.hook.started.lock() = Some(started);
        let (id, db) = (ctx.session.id, ctx.session.db);
        let mut slot = self.current.lock();
        let current = slot.get_or_insert_with(|| {
            Box::new(Current {
                active: false,
                state: State::new(0, crate::config::Config::default(), 0),
                session: Session::detached(ctx.shared, id, db, Resp::V2),
                shared: ctx.shared.self_arc(),
                now: 0,
                now_us: 0,
                read_only: false,
                running: Arc::new(Running {
                    started,
                    wrote: AtomicBool::new(false),
                    hook: Arc::clone(&self.hook),
                }),
                args: Vec::new(),
                out: Out::new(Resp::V2),
            })
        });
        current.session.reuse_detached(id, db, Resp::V2);
        if !std::ptr::eq(Arc::as_ptr(&current.shared), ctx.shared) {
            current.shared = ctx.shared.self_arc();
        }
        current.now = ctx.now;
        current.now_us = ctx.now_us;
        current.read_only = read_only;
        // The last run's record, unless someone still looks at it.
        match Arc::get_mut(&mut current.running) {
            Some(running) => {
                running.started = started;
                running.wrote = AtomicBool::new(false);
            }
            None => {
                current.running = Arc::new(Running {
                    started,
                    wrote: AtomicBool::new(false),
                    hook: Arc::clone(&self.hook),
                })
            }
        }
        *ctx.shared.running_script.lock() = Some(Arc::clone(&current.running));
        std::mem::swap(&mut *ctx.state, &mut current.state);
        current.active = true;
        drop(slot);
        let restore = Restore {
            current: &self.current,
            state: &mut *ctx.state,
        };
        let outcome: mlua::Result<MultiValue> = self.runner.call((func, keys, argv));
        drop(restore);
        *ctx.shared.running_script.lock() = None;
        *self.hook.started.lock() = None;
        // A script that ran into the memory limit leaves its garbage behind:
        // collect it now, or the next script would find the heap full.
        // (Without the limit: under it, mlua's protected call around the
        // collection needs memory itself, and a full heap refuses it.)
        if self.lua.used_memory() > self.memory_limit / 2 {
            let _unbounded = Unbounded::new(&self.lua);
            let _ = self.lua.gc_collect();
        }
        let result = outcome.map_err(|e| match e {
            mlua::Error::MemoryError(m) => CmdError::owned(bare_error(sha, &m)),
            e => lua_err(e),
        })?;
        let mut values = result.into_iter();
        let ok = matches!(values.next(), Some(Value::Boolean(true)));
        let value = values.next().unwrap_or(Value::Nil);
        // Written straight into the caller's reply; an error is taken back
        // out, to be counted in errorstats like any error.
        let mark = ctx.out.len();
        if ok {
            convert::write_reply(ctx.out, &value, script_resp(&self.script_resp));
        } else {
            write_script_error(ctx.out, &value, sha);
        }
        let reply = &ctx.out.as_bytes()[mark..];
        if reply.first() == Some(&b'-') {
            let text =
                String::from_utf8_lossy(&reply[1..reply.len().saturating_sub(2)]).into_owned();
            ctx.out.truncate(mark);
            return Err(CmdError::owned(text));
        }
        Ok(())
    }
}

/// `redis.call` (`raise`) / `redis.pcall`: runs a command and returns its
/// reply as a Lua value. An error reply is `{err=…}`: returned by pcall,
/// raised by call — as a wrapped [`ScriptError`] that the sandbox turns
/// back into the table wherever the script can see it.
fn bridge_call(
    current: &Mutex<Option<Box<Current>>>,
    resp: &AtomicU8,
    lua: &Lua,
    args: MultiValue,
    raise: bool,
) -> mlua::Result<Value> {
    let reply = call_inner(current, resp, lua, args);
    let text = match &reply {
        Ok(Value::Table(t)) if raise => match t.raw_get::<Value>("err") {
            Ok(Value::String(s)) => Some(s.to_string_lossy()),
            _ => None,
        },
        Ok(_) => None,
        Err(text) => Some(text.clone()),
    };
    match (text, raise) {
        (Some(text), true) => Err(mlua::Error::external(ScriptError(text))),
        (Some(text), false) => convert::error_table(lua, &text),
        (None, _) => reply.map_err(mlua::Error::runtime),
    }
}

fn call_inner(
    current: &Mutex<Option<Box<Current>>>,
    resp: &AtomicU8,
    lua: &Lua,
    args: MultiValue,
) -> Result<Value, String> {
    if args.is_empty() {
        return Err("ERR Please specify at least one argument for this redis lib call".into());
    }
    let mut guard = current.lock();
    let Some(run) = guard.as_mut().filter(|c| c.active) else {
        // Only reachable by keeping the function past its script.
        return Err("ERR redis.call is only available while a script runs".into());
    };
    // The argument vector and the reply buffer are the run's, reused from
    // one call to the next.
    run.args.clear();
    for v in args {
        run.args.push(match v {
            Value::String(s) => Bytes::copy_from_slice(&s.as_bytes()),
            Value::Integer(i) => Bytes::from(i.to_string()),
            Value::Number(n) => Bytes::from(crate::num::format_g(n, 17)),
            _ => {
                return Err(
                    "ERR Lua redis lib command arguments must be strings or integers".into(),
                );
            }
        });
    }
    let spec = crate::cmd::resolve(&run.args).map_err(|e| {
        if e.text().starts_with("ERR wrong number of arguments") {
            "ERR Wrong number of args calling Redis command from script".to_string()
        } else {
            "ERR Unknown Redis command called from script".to_string()
        }
    })?;
    if spec.has(flags::NOSCRIPT) {
        return Err("ERR This Redis command is not allowed from script".into());
    }
    let write = spec.has(flags::WRITE);
    if write && run.read_only {
        return Err("ERR Write commands are not allowed from read-only scripts.".into());
    }
    let resp = script_resp(resp);
    run.session.resp = resp;
    // The script's own code ran since the last call: time this one afresh.
    run.session.forget_since();
    run.out.clear();
    run.out.set_resp(resp);
    let mut inner = Ctx {
        state: &mut run.state,
        session: &mut run.session,
        shared: &run.shared,
        args: &run.args,
        out: &mut run.out,
        now: run.now,
        now_us: run.now_us,
        caller: Caller::Script,
        after: After::Continue,
        block: None,
        ready_key: None,
    };
    call(spec, &mut inner);
    if write {
        run.running.wrote.store(true, Ordering::SeqCst);
    }
    run.args.clear();
    // Converting keeps the run locked: nothing it does calls back here.
    let unbounded = Unbounded::new(lua);
    let value = convert::reply_to_lua(lua, run.out.as_bytes()).map_err(|e| format!("ERR {e}"));
    if run.out.len() > KEEP_REPLY_BUFFER {
        run.out = Out::new(resp);
    }
    if unbounded.exceeded() {
        return Err(NOT_ENOUGH_MEMORY.into());
    }
    value
}

/// What `redis.call` raises when the reply it made pushed the heap past the
/// limit: the text of Lua's own memory error.
const NOT_ENOUGH_MEMORY: &str = "not enough memory";

/// The largest `redis.call` reply buffer kept for the next call; a larger
/// one (a big LRANGE, say) is freed at once.
const KEEP_REPLY_BUFFER: usize = 64 * 1024;

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
struct Unbounded<'a> {
    lua: &'a Lua,
    limit: usize,
}

impl<'a> Unbounded<'a> {
    fn new(lua: &'a Lua) -> Unbounded<'a> {
        let limit = lua.set_memory_limit(0).unwrap_or(0);
        Unbounded { lua, limit }
    }

    /// Whether the heap is now past the limit (which is put back).
    fn exceeded(self) -> bool {
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

/// The RESP version `redis.setresp` chose for `redis.call` replies.
fn script_resp(resp: &AtomicU8) -> Resp {
    if resp.load(Ordering::Relaxed) == 3 {
        Resp::V3
    } else {
        Resp::V2
    }
}

/// The argument of `redis.setresp(2|3)`.
fn setresp_arg(args: MultiValue) -> mlua::Result<u8> {
    if args.len() != 1 {
        return Err(helper_error("redis.setresp() requires one argument."));
    }
    let n = match args.into_iter().next().unwrap_or(Value::Nil) {
        Value::Integer(n) => n,
        Value::Number(n) => n as i64,
        _ => 0,
    };
    match n {
        2 => Ok(2),
        3 => Ok(3),
        _ => Err(helper_error("RESP version must be 2 or 3.")),
    }
}

/// The flags a script body declares; none for a body whose shebang is
/// invalid (it will fail to load anyway).
pub fn shebang_flags(body: &[u8]) -> ScriptFlags {
    parse_shebang(body).unwrap_or_default()
}

/// Parses a `#!lua [flags=a,b]` first line, as Redis 7.0 does.
fn parse_shebang(body: &[u8]) -> Result<ScriptFlags, CmdError> {
    if !body.starts_with(b"#!") {
        return Ok(ScriptFlags::default());
    }
    let end = body.iter().position(|&b| b == b'\n').unwrap_or(body.len());
    let line = String::from_utf8_lossy(&body[..end]);
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let engine = words.next().unwrap_or("#!");
    if engine != "#!lua" {
        return Err(CmdError::owned(format!(
            "ERR Unexpected engine in script shebang: {engine}"
        )));
    }
    let mut flags = ScriptFlags {
        shebang: true,
        no_writes: false,
    };
    for word in words {
        let Some(list) = word.strip_prefix("flags=") else {
            return Err(CmdError::owned(format!(
                "ERR Unknown lua shebang option: {word}"
            )));
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            match flag {
                "no-writes" => flags.no_writes = true,
                "allow-oom" | "allow-stale" | "no-cluster" | "allow-cross-slot-keys" => {}
                other => {
                    return Err(CmdError::owned(format!(
                        "ERR Unexpected flag in script shebang: {other}"
                    )));
                }
            }
        }
    }
    Ok(flags)
}
