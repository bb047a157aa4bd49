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
//! Redis's atomicity. `redis.call` runs commands through the [`Bridge`]
//! the command layer hands the engine — the same executor, table and
//! handlers as any client, as a client of its own (its database, its RESP
//! version) — and turns their RESP replies into Lua values as Redis does
//! ([`convert`]). A script that runs past `lua-time-limit` makes other
//! clients get BUSY ([`Running`]), and SCRIPT KILL stops it unless it has
//! written.
//!
//! This module owns the Lua state and the conversions; it is generic over
//! the world commands run against (`W`, the server state) and names
//! nothing of the commands, which are in `cmd::scripting` and
//! `cmd::functions`.

pub mod bridge;
pub mod convert;
mod errors;
pub mod functions;
mod hook;
mod library;
pub mod libs;
mod loading;
pub mod payload;
mod run;

pub use bridge::{Bridge, Called, RunStart};
pub use hook::{FunctionRun, Running};

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::time::Instant;

use bytes::Bytes;
use mlua::{Function, Lua, LuaOptions, MultiValue, StdLib, Table, Value};
use parking_lot::Mutex;

use errors::{compile_message, helper_error, innermost_user_frame, lua_err, normalize};
use hook::{BusyFn, HookState};
use run::{Call, Current, Parts, Slot, bridge_call, invoke, serve_busy};

use crate::cmd::error::{self, CmdError, CmdResult};
use crate::protocol::Out;

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

/// The Lua state of one server and its script cache. `W` is the world
/// commands run against (the server state), which each run is handed and
/// the [`Bridge`] runs `redis.call` in.
pub struct Engine<W: 'static> {
    lua: Lua,
    /// `run(f, KEYS, ARGV)` from sandbox.lua: sets the globals and calls
    /// `f` under the error handler.
    runner: Function,
    /// `run_function(f, keys, args)` from sandbox.lua, for FCALL.
    fn_runner: Function,
    /// `load_library(chunk)` from sandbox.lua, for FUNCTION LOAD.
    loader: Function,
    /// FUNCTION libraries (only the functions engine has any).
    libraries: functions::Libraries,
    /// The RESP version `redis.setresp` chose for the running script (2/3).
    script_resp: Arc<AtomicU8>,
    /// By SHA-1 (hex); foldhash, as SipHash was a visible cost per EVALSHA.
    scripts: HashMap<String, Cached, foldhash::fast::FixedState>,
    hook: Arc<HookState>,
    /// The heap's bound, in bytes.
    memory_limit: usize,
    /// What `redis.call` works on while a script runs (see `run::Current`).
    current: Slot<W>,
    /// What the hook calls between two steps of a script.
    busy: BusyFn,
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

impl<W: Default + Send + 'static> Engine<W> {
    /// A fresh, sandboxed Lua state whose heap may hold `memory_limit`
    /// bytes, whose `redis.call` runs commands through `bridge`.
    pub fn new(memory_limit: usize, bridge: Box<dyn Bridge<W>>) -> Result<Engine<W>, CmdError> {
        let lua = Lua::new_with(
            StdLib::TABLE | StdLib::STRING | StdLib::MATH | StdLib::OS,
            LuaOptions::default(),
        )
        .map_err(lua_err)?;
        lua.set_memory_limit(memory_limit).map_err(lua_err)?;
        libs::install(&lua).map_err(lua_err)?;
        let script_resp = Arc::new(AtomicU8::new(2));
        let redis = Self::redis_library(&lua, Arc::clone(&script_resp)).map_err(lua_err)?;
        let hook = Arc::new(HookState::default());
        let current: Slot<W> = Arc::new(Mutex::new(Some(Box::new(Current {
            active: false,
            world: W::default(),
            bridge,
            read_only: false,
            running: Arc::new(Running {
                started: Instant::now(),
                wrote: AtomicBool::new(false),
                function: None,
                hook: Arc::clone(&hook),
            }),
            args: Vec::new(),
            out: Out::default(),
        }))));
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
        let (runner, fn_runner, loader): (Function, Function, Function) = lua
            .load(include_str!("sandbox.lua"))
            .set_name("=redsim")
            .call((redis.clone(), where_fn, normalize, loadstring, load))
            .map_err(lua_err)?;
        let slot = Arc::clone(&current);
        let busy: BusyFn = Arc::new(move || serve_busy(&slot));
        hook::install(&lua, &hook, &busy).map_err(lua_err)?;
        Ok(Engine {
            runner,
            fn_runner,
            loader,
            libraries: functions::Libraries::default(),
            script_resp,
            lua,
            scripts: HashMap::default(),
            hook,
            memory_limit,
            current,
            busy,
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
        redis.set("REDIS_VERSION", crate::version::REDIS_VERSION)?;
        redis.set("REDIS_VERSION_NUM", crate::version::REDIS_VERSION_NUM)?;
        redis.set(
            "sha1hex",
            lua.create_function(|lua, v: Value| {
                let bytes = match v {
                    Value::String(s) => s.as_bytes().to_vec(),
                    Value::Integer(i) => i.to_string().into_bytes(),
                    Value::Number(n) => crate::num::format_g(n, 14).into_bytes(),
                    _ => return Err(helper_error(error::HELPER_ARITY)),
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
                    _ => return Err(helper_error(error::LOG_LEVEL_NOT_NUMBER)),
                };
                if !(0..=3).contains(&level) {
                    return Err(helper_error(error::LOG_LEVEL_INVALID));
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
                    return Err(helper_error(error::SET_REPL_FLAGS));
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
            .map_err(|e| error::script_compile(&compile_message(&e)))?;
        self.scripts.insert(sha.clone(), Cached { func, flags });
        Ok(sha)
    }

    /// What `invoke` needs of the engine besides what it calls.
    fn parts(&self) -> Parts<'_, W> {
        Parts {
            lua: &self.lua,
            hook: &self.hook,
            busy: &self.busy,
            current: &self.current,
            script_resp: &self.script_resp,
            memory_limit: self.memory_limit,
        }
    }

    /// Runs the cached script `sha` in `world` for the client `start`
    /// names, and writes its reply into `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        world: &mut W,
        out: &mut Out,
        start: &RunStart<'_>,
        sha: &str,
        keys: &[Bytes],
        argv: &[Bytes],
        read_only: bool,
    ) -> CmdResult {
        let cached = self.scripts.get(sha).ok_or(error::NOSCRIPT)?;
        // A script that declares its flags and not `no-writes` may write:
        // the read-only EVALs refuse it before it runs, as Redis does.
        if read_only && cached.flags.shebang && !cached.flags.no_writes {
            return Err(error::WRITE_FUNCTION_READ_ONLY);
        }
        let read_only = read_only || cached.flags.no_writes;
        let parts = self.parts();
        let call = Call {
            func: &cached.func,
            runner: &self.runner,
            name: sha,
            function: None,
            read_only,
        };
        invoke(parts, world, out, start, call, keys, argv)
    }
}

/// The argument of `redis.setresp(2|3)`.
fn setresp_arg(args: MultiValue) -> mlua::Result<u8> {
    if args.len() != 1 {
        return Err(helper_error(error::SETRESP_ARITY));
    }
    let n = match args.into_iter().next().unwrap_or(Value::Nil) {
        Value::Integer(n) => n,
        Value::Number(n) => n as i64,
        _ => 0,
    };
    match n {
        2 => Ok(2),
        3 => Ok(3),
        _ => Err(helper_error(error::SETRESP_VERSION)),
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
        return Err(error::shebang_engine(engine));
    }
    let mut flags = ScriptFlags {
        shebang: true,
        no_writes: false,
    };
    for word in words {
        let Some(list) = word.strip_prefix("flags=") else {
            return Err(error::shebang_option(word));
        };
        for flag in list.split(',').filter(|f| !f.is_empty()) {
            match flag {
                "no-writes" => flags.no_writes = true,
                "allow-oom" | "allow-stale" | "no-cluster" | "allow-cross-slot-keys" => {}
                other => {
                    return Err(error::shebang_flag(other));
                }
            }
        }
    }
    Ok(flags)
}
