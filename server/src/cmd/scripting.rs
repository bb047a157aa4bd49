//! Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT.
//!
//! The engine (the Lua state, the cache, the conversions) is in
//! [`crate::script`]; this family parses arguments, creates the engine on
//! first use, and runs scripts inside the calling command.

use bytes::Bytes;

use super::error::{self, CmdError, CmdResult};
use super::exec::ScriptClient;
use super::flags::*;
use super::{CommandSpec, Ctx, is};
use crate::script::Engine;
use crate::state::State;

const GROUP: &str = "scripting";

/// The scripting commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("eval", -3, eval)
        .numkeys(2, false)
        .flags(NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(GROUP, "2.6.0", "Runs a Lua script on the server."),
    CommandSpec::new("evalsha", -3, evalsha)
        .numkeys(2, false)
        .flags(NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(GROUP, "2.6.0", "Runs a cached Lua script by its SHA-1."),
    CommandSpec::new("eval_ro", -3, eval_ro)
        .numkeys(2, false)
        .flags(READONLY | NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(GROUP, "7.0.0", "Runs a read-only Lua script."),
    CommandSpec::new("evalsha_ro", -3, evalsha_ro)
        .numkeys(2, false)
        .flags(READONLY | NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(
            GROUP,
            "7.0.0",
            "Runs a cached read-only Lua script by its SHA-1.",
        ),
    CommandSpec::container("script", SCRIPT_SUBCOMMANDS)
        .acl("slow")
        .doc(
            GROUP,
            "2.6.0",
            "A container for Lua scripts management commands.",
        ),
];

const SCRIPT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("script|load", 3, script_load)
        .flags(NOSCRIPT | STALE)
        .acl("slow scripting")
        .doc(GROUP, "2.6.0", "Loads a Lua script into the script cache."),
    CommandSpec::new("script|exists", -3, script_exists)
        .flags(NOSCRIPT)
        .acl("slow scripting")
        .doc(
            GROUP,
            "2.6.0",
            "Tells whether scripts are in the script cache.",
        ),
    CommandSpec::new("script|flush", -2, script_flush)
        .flags(NOSCRIPT)
        .acl("slow scripting")
        .doc(
            GROUP,
            "2.6.0",
            "Removes every script from the script cache.",
        ),
    CommandSpec::new("script|kill", 2, script_kill)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl("slow scripting")
        .doc(GROUP, "2.6.0", "Stops the script running now."),
    CommandSpec::new("script|debug", 3, script_debug)
        .flags(NOSCRIPT)
        .acl("slow scripting")
        .doc(
            GROUP,
            "3.2.0",
            "Sets the debug mode of server-side scripts (only NO here).",
        ),
    CommandSpec::new("script|help", 2, script_help)
        .flags(LOADING | STALE)
        .acl("slow scripting")
        .doc(
            GROUP,
            "5.0.0",
            "Returns helpful text about the different subcommands.",
        ),
];

/// The engine, created on first use (a Lua state costs more than a server
/// start, so servers that never script never pay for one).
fn engine<'s>(ctx: &'s mut Ctx<'_>) -> Result<&'s mut Engine<State>, CmdError> {
    if ctx.state.scripting.is_none() {
        let bridge = Box::new(ScriptClient::new(ctx.host));
        let engine = Engine::new(ctx.state.lua_memory_limit, bridge)?;
        if let Some(state) = ctx.state.script_random.take() {
            engine.set_random_state(state)?;
        }
        ctx.state.scripting = Some(Box::new(engine));
    }
    ctx.state
        .scripting
        .as_deref_mut()
        .ok_or(error::SCRIPTING_UNAVAILABLE)
}

/// Splits `numkeys key… arg…` (from argument 2) into keys and arguments.
fn keys_and_args<'a>(ctx: &Ctx<'a>) -> Result<(&'a [Bytes], &'a [Bytes]), CmdError> {
    let n = super::int_arg(ctx.arg(2))?;
    if n < 0 {
        return Err(error::NUMKEYS_NEGATIVE);
    }
    let rest: &'a [Bytes] = &ctx.args[3..];
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    if n > rest.len() {
        return Err(error::NUMKEYS_EXCEED_ARGS);
    }
    Ok(rest.split_at(n))
}

/// Runs a cached script; `run` needs the engine out of the state while the
/// script touches the state, so it is taken out and put back.
fn run(ctx: &mut Ctx<'_>, sha: &str, read_only: bool) -> CmdResult {
    let (keys, argv) = keys_and_args(ctx)?;
    engine(ctx)?;
    let Some(mut engine) = ctx.state.scripting.take() else {
        return Err(error::NOSCRIPT);
    };
    let start = ctx.run_start();
    let result = engine.run(ctx.state, ctx.out, &start, sha, keys, argv, read_only);
    ctx.state.scripting = Some(engine);
    result
}

fn eval_generic(ctx: &mut Ctx<'_>, read_only: bool) -> CmdResult {
    keys_and_args(ctx)?;
    let body = ctx.arg(1);
    let sha = engine(ctx)?.load(body)?;
    run(ctx, &sha, read_only)
}

fn evalsha_generic(ctx: &mut Ctx<'_>, read_only: bool) -> CmdResult {
    keys_and_args(ctx)?;
    let sha = ctx.arg(1);
    if sha.len() != 40 {
        return Err(error::NOSCRIPT);
    }
    // Valid SHA-1 hex is ASCII: no lossy conversion, and no copy unless a
    // client sent it in capitals.
    let sha = match std::str::from_utf8(sha) {
        Ok(s) if !s.bytes().any(|b| b.is_ascii_uppercase()) => std::borrow::Cow::Borrowed(s),
        _ => std::borrow::Cow::Owned(String::from_utf8_lossy(sha).to_ascii_lowercase()),
    };
    if !engine(ctx)?.exists(&sha) {
        return Err(error::NOSCRIPT);
    }
    run(ctx, &sha, read_only)
}

/// # Format
/// `EVAL script numkeys [key [key ...]] [arg [arg ...]]`
fn eval(ctx: &mut Ctx<'_>) -> CmdResult {
    eval_generic(ctx, false)
}

/// # Format
/// `EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]`
fn evalsha(ctx: &mut Ctx<'_>) -> CmdResult {
    evalsha_generic(ctx, false)
}

/// # Format
/// `EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]`
fn eval_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    eval_generic(ctx, true)
}

/// # Format
/// `EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]`
fn evalsha_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    evalsha_generic(ctx, true)
}

/// # Format
/// `SCRIPT LOAD script`
fn script_load(ctx: &mut Ctx<'_>) -> CmdResult {
    let body = ctx.arg(2);
    let sha = engine(ctx)?.load(body)?;
    ctx.out.bulk(sha.as_bytes());
    Ok(())
}

/// # Format
/// `SCRIPT EXISTS sha1 [sha1 ...]`
fn script_exists(ctx: &mut Ctx<'_>) -> CmdResult {
    let shas: Vec<String> = ctx.args[2..]
        .iter()
        .map(|s| String::from_utf8_lossy(s).to_ascii_lowercase())
        .collect();
    let found: Vec<bool> = match ctx.state.scripting.as_deref() {
        Some(engine) => shas.iter().map(|s| engine.exists(s)).collect(),
        None => vec![false; shas.len()],
    };
    ctx.out.array(found.len());
    for f in found {
        ctx.out.int(i64::from(f));
    }
    Ok(())
}

/// # Format
/// `SCRIPT FLUSH [ASYNC | SYNC]`
///
/// Drops the cache and the Lua state with it, as Redis does: the next
/// script starts from a fresh state.
fn script_flush(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => {}
        3 if is(ctx.arg(2), "async") || is(ctx.arg(2), "sync") => {}
        _ => {
            return Err(error::SCRIPT_FLUSH_OPTION);
        }
    }
    if let Some(engine) = ctx.state.scripting.take() {
        ctx.state.script_random = engine.random_state();
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `SCRIPT KILL` — when a script is busy the session answers it without
/// the state lock; reaching the handler means no script is running.
fn script_kill(_ctx: &mut Ctx<'_>) -> CmdResult {
    Err(error::NOTBUSY)
}

/// # Format
/// `SCRIPT DEBUG YES | SYNC | NO` — the Lua debugger is not available:
/// only NO is accepted.
fn script_debug(ctx: &mut Ctx<'_>) -> CmdResult {
    let mode = ctx.arg(2);
    if is(mode, "no") {
        ctx.out.ok();
        Ok(())
    } else if is(mode, "yes") || is(mode, "sync") {
        Err(error::SCRIPT_DEBUG_UNSUPPORTED)
    } else {
        Err(error::SCRIPT_DEBUG_MODE)
    }
}

/// # Format
/// `SCRIPT HELP`
fn script_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "SCRIPT",
        &[
            "DEBUG (YES|SYNC|NO)",
            "    Only NO: the Lua debugger is not available.",
            "EXISTS <sha1> [<sha1> ...]",
            "    For each SHA-1, 1 if the script is cached, else 0.",
            "FLUSH [ASYNC|SYNC]",
            "    Empty the script cache.",
            "KILL",
            "    Stop the running script if it has not written yet.",
            "LOAD <script>",
            "    Cache a script and return its SHA-1.",
        ],
    );
    Ok(())
}
