//! FUNCTION and FCALL (Redis 7.0): libraries of Lua functions loaded once
//! and called by name.
//!
//! The libraries and their engine are in [`crate::script::functions`] and
//! [`crate::script::Engine`]; this family parses arguments and shapes the
//! replies; the DUMP/RESTORE payload format is in
//! [`crate::script::payload`].

use bytes::Bytes;

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, is};
use std::time::Duration;

use super::exec::ScriptClient;
use crate::protocol::Out;
use crate::script::functions::FLAG_NAMES;
use crate::script::{Engine, FunctionRun};
use crate::state::State;

const GROUP: &str = "scripting";

/// FCALL, FCALL_RO and FUNCTION.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("fcall", -3, fcall)
        .numkeys(2, false)
        .flags(NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(GROUP, "7.0.0", "Invokes a function."),
    CommandSpec::new("fcall_ro", -3, fcall_ro)
        .numkeys(2, false)
        .flags(READONLY | NOSCRIPT | SKIP_MONITOR | NO_MANDATORY_KEYS | STALE | MOVABLE_KEYS)
        .acl("slow scripting")
        .doc(GROUP, "7.0.0", "Invokes a read-only function."),
    CommandSpec::container("function", SUBCOMMANDS)
        .acl("slow")
        .doc(GROUP, "7.0.0", "A container for function commands."),
];

const SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("function|load", -3, function_load)
        .flags(WRITE | DENYOOM | NOSCRIPT)
        .acl("write slow scripting")
        .doc(GROUP, "7.0.0", "Creates a library."),
    CommandSpec::new("function|delete", 3, function_delete)
        .flags(WRITE | NOSCRIPT)
        .acl("write slow scripting")
        .doc(GROUP, "7.0.0", "Deletes a library and its functions."),
    CommandSpec::new("function|flush", -2, function_flush)
        .flags(WRITE | NOSCRIPT)
        .acl("write slow scripting")
        .doc(GROUP, "7.0.0", "Deletes all libraries and functions."),
    CommandSpec::new("function|list", -2, function_list)
        .flags(NOSCRIPT)
        .acl("slow scripting")
        .doc(GROUP, "7.0.0", "Returns information about all libraries."),
    CommandSpec::new("function|stats", 2, function_stats)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl("slow scripting")
        .doc(
            GROUP,
            "7.0.0",
            "Returns information about a function during execution.",
        ),
    CommandSpec::new("function|kill", 2, function_kill)
        .flags(NOSCRIPT | ALLOW_BUSY)
        .acl("slow scripting")
        .doc(GROUP, "7.0.0", "Terminates a function during execution."),
    CommandSpec::new("function|dump", 2, function_dump)
        .flags(NOSCRIPT)
        .acl("slow scripting")
        .doc(
            GROUP,
            "7.0.0",
            "Dumps all libraries into a serialized binary payload.",
        ),
    CommandSpec::new("function|restore", -3, function_restore)
        .flags(WRITE | DENYOOM | NOSCRIPT)
        .acl("write slow scripting")
        .doc(GROUP, "7.0.0", "Restores all libraries from a payload."),
    CommandSpec::new("function|help", 2, function_help)
        .flags(LOADING | STALE)
        .acl("slow scripting")
        .doc(
            GROUP,
            "7.0.0",
            "Returns helpful text about the different subcommands.",
        ),
];

/// The functions engine, created by the first FUNCTION LOAD.
fn engine<'s>(ctx: &'s mut Ctx<'_>) -> Result<&'s mut Engine<State>, CmdError> {
    if ctx.state.functions.is_none() {
        let bridge = Box::new(ScriptClient::new(ctx.host));
        let engine = Engine::new(ctx.state.lua_memory_limit, bridge)?;
        ctx.state.functions = Some(Box::new(engine));
    }
    ctx.state
        .functions
        .as_deref_mut()
        .ok_or(error::FUNCTIONS_UNAVAILABLE)
}

/// # Format
/// `FCALL function numkeys [key [key ...]] [arg [arg ...]]`
fn fcall(ctx: &mut Ctx<'_>) -> CmdResult {
    fcall_generic(ctx, false)
}

/// # Format
/// `FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]`
fn fcall_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    fcall_generic(ctx, true)
}

/// Redis looks the function up first, then reads numkeys.
fn fcall_generic(ctx: &mut Ctx<'_>, ro: bool) -> CmdResult {
    let name = ctx.arg(1);
    let known = ctx
        .state
        .functions
        .as_deref()
        .is_some_and(|e| e.libraries().function(name).is_some());
    if !known {
        return Err(error::FUNCTION_NOT_FOUND);
    }
    let n = crate::num::parse_i64(ctx.arg(2)).ok_or(error::BAD_NUMKEYS)?;
    let rest: &[Bytes] = &ctx.args[3..];
    if n > rest.len() as i64 {
        return Err(error::NUMKEYS_EXCEED_ARGS);
    }
    if n < 0 {
        return Err(error::NUMKEYS_NEGATIVE);
    }
    let (keys, argv) = rest.split_at(n as usize);
    let Some(mut engine) = ctx.state.functions.take() else {
        return Err(error::FUNCTION_NOT_FOUND);
    };
    let start = ctx.run_start();
    let result = engine.fcall(ctx.state, ctx.out, &start, name, keys, argv, ro);
    ctx.state.functions = Some(engine);
    result
}

/// # Format
/// `FUNCTION LOAD [REPLACE] function-code`
fn function_load(ctx: &mut Ctx<'_>) -> CmdResult {
    let last = ctx.argc() - 1;
    let mut replace = false;
    for option in &ctx.args[2..last] {
        if is(option, "replace") {
            replace = true;
        } else {
            return Err(error::unknown_option_given(option));
        }
    }
    let code = ctx.args[last].clone();
    let name = engine(ctx)?.load_library(&code, replace)?;
    // A change of the data, as Redis counts it: replicated, and counted by
    // rdb_changes_since_last_save.
    ctx.state.dirty += 1;
    ctx.out.bulk(name.as_bytes());
    Ok(())
}

/// # Format
/// `FUNCTION DELETE library-name`
fn function_delete(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = String::from_utf8_lossy(ctx.arg(2)).into_owned();
    let removed = ctx
        .state
        .functions
        .as_deref_mut()
        .is_some_and(|e| e.libraries_mut().remove(&name));
    if !removed {
        return Err(error::LIBRARY_NOT_FOUND);
    }
    ctx.state.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `FUNCTION FLUSH [ASYNC | SYNC]`
fn function_flush(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => {}
        3 if is(ctx.arg(2), "async") || is(ctx.arg(2), "sync") => {}
        3 => {
            return Err(error::FUNCTION_FLUSH_OPTION);
        }
        _ => {
            return Err(error::subcommand_syntax(ctx.arg(1), "function"));
        }
    }
    // A fresh Lua state, as Redis's flush gives: nothing of the old
    // libraries' code survives.
    ctx.state.functions = None;
    ctx.state.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]`
fn function_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut pattern: Option<&[u8]> = None;
    let mut with_code = false;
    let mut i = 2;
    while i < ctx.argc() {
        let arg = ctx.arg(i);
        if is(arg, "withcode") && !with_code {
            with_code = true;
            i += 1;
        } else if is(arg, "libraryname") && pattern.is_none() {
            if i + 1 >= ctx.argc() {
                return Err(error::LIBRARYNAME_MISSING);
            }
            pattern = Some(ctx.arg(i + 1));
            i += 2;
        } else {
            return Err(error::unknown_argument(arg));
        }
    }
    let Some(engine) = ctx.state.functions.as_deref() else {
        ctx.out.array(0);
        return Ok(());
    };
    let libs: Vec<_> = engine
        .libraries()
        .iter()
        .filter(|(name, _)| pattern.is_none_or(|p| crate::glob::matches(p, name.as_bytes(), true)))
        .collect();
    let out = &mut *ctx.out;
    out.array(libs.len());
    for (name, lib) in libs {
        out.map(if with_code { 4 } else { 3 });
        out.bulk(b"library_name");
        out.bulk(name.as_bytes());
        out.bulk(b"engine");
        out.bulk(b"LUA");
        out.bulk(b"functions");
        out.array(lib.functions.len());
        for f in &lib.functions {
            out.map(3);
            out.bulk(b"name");
            out.bulk(f.name.as_bytes());
            out.bulk(b"description");
            match &f.description {
                Some(d) => out.bulk(d.as_bytes()),
                None => out.null(),
            }
            out.bulk(b"flags");
            out.set(f.flags.iter().filter(|&&on| on).count());
            for (flag, _) in FLAG_NAMES.iter().zip(f.flags).filter(|(_, on)| *on) {
                out.simple(flag);
            }
        }
        if with_code {
            out.bulk(b"library_code");
            out.bulk(&lib.code);
        }
    }
    Ok(())
}

/// # Format
/// `FUNCTION STATS` — reached only when no function runs (a busy one is
/// answered by the session without the state lock, see
/// [`function_stats_reply`]), so `running_script` is null here.
fn function_stats(ctx: &mut Ctx<'_>) -> CmdResult {
    let counts = ctx.state.functions.as_deref().map_or((0, 0), |e| {
        (
            e.libraries().library_count(),
            e.libraries().function_count(),
        )
    });
    write_stats(ctx.out, None, counts);
    Ok(())
}

/// FUNCTION STATS's reply while `running` (a function, and how long it has
/// run) is busy.
pub fn function_stats_reply(out: &mut Out, running: Option<(&FunctionRun, Duration)>) {
    let counts = running.map_or((0, 0), |(f, _)| (f.libraries, f.functions));
    write_stats(out, running, counts);
}

fn write_stats(
    out: &mut Out,
    running: Option<(&FunctionRun, Duration)>,
    (libraries, functions): (usize, usize),
) {
    out.map(2);
    out.bulk(b"running_script");
    match running {
        Some((f, elapsed)) => {
            out.map(3);
            out.bulk(b"name");
            out.bulk(f.name.as_bytes());
            out.bulk(b"command");
            out.bulk_array(f.command.iter().map(|a| &a[..]));
            out.bulk(b"duration_ms");
            out.int(elapsed.as_millis() as i64);
        }
        None => out.null(),
    }
    out.bulk(b"engines");
    out.map(1);
    out.bulk(b"LUA");
    out.map(2);
    out.bulk(b"libraries_count");
    out.int(libraries as i64);
    out.bulk(b"functions_count");
    out.int(functions as i64);
}

/// # Format
/// `FUNCTION KILL` — when a function is busy the session answers it
/// without the state lock; reaching the handler means none is running.
fn function_kill(_ctx: &mut Ctx<'_>) -> CmdResult {
    Err(error::NOTBUSY)
}

/// # Format
/// `FUNCTION DUMP`
fn function_dump(ctx: &mut Ctx<'_>) -> CmdResult {
    let payload = match ctx.state.functions.as_deref() {
        Some(engine) => engine.dump_libraries(),
        None => crate::script::payload::dump([]),
    };
    ctx.out.bulk(&payload);
    Ok(())
}

/// # Format
/// `FUNCTION RESTORE serialized-value [FLUSH | APPEND | REPLACE]`
fn function_restore(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() > 4 {
        return Err(error::subcommand_syntax(ctx.arg(1), "function"));
    }
    let (mut replace, mut flush) = (false, false);
    if ctx.argc() == 4 {
        let policy = ctx.arg(3);
        if is(policy, "replace") {
            replace = true;
        } else if is(policy, "flush") {
            flush = true;
        } else if !is(policy, "append") {
            return Err(error::RESTORE_POLICY);
        }
    }
    let payload = ctx.args[2].clone();
    engine(ctx)?.restore_libraries(&payload, replace, flush)?;
    ctx.state.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `FUNCTION HELP`
fn function_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "FUNCTION",
        &[
            "LOAD [REPLACE] <code>",
            "    Load a library (its code starts with '#!lua name=<library>') and return its name.",
            "DELETE <library>",
            "    Delete a library and its functions.",
            "LIST [LIBRARYNAME <pattern>] [WITHCODE]",
            "    Each library (or those whose name matches): its name, engine, functions",
            "    (name, description, flags) and, with WITHCODE, its code.",
            "STATS",
            "    The function running now (none when this answers) and the count of",
            "    libraries and functions per engine.",
            "KILL",
            "    Stop the running function if it has not written yet.",
            "FLUSH [ASYNC|SYNC]",
            "    Delete every library.",
            "DUMP",
            "    Every library in a payload for RESTORE (Redis's format).",
            "RESTORE <payload> [FLUSH|APPEND|REPLACE]",
            "    Load the payload's libraries: beside the others (APPEND, the default),",
            "    in place of those of the same name (REPLACE), or instead of all (FLUSH).",
        ],
    );
    Ok(())
}
