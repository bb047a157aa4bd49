//! Server commands: INFO, CONFIG, COMMAND, TIME, DBSIZE, FLUSHDB,
//! FLUSHALL, DEBUG, MEMORY, LOLWUT and the persistence and replication
//! probes clients send.
//!
//! These report on or reset the server as a whole. INFO's figures are real
//! (connections, commands, hits, expiries, memory from the process's RSS);
//! the fields that describe machinery redsim does not have (replication,
//! persistence) report the values of an idle Redis master without them.

use std::fmt::Write as _;

mod command;
mod info;
mod lolwut;
mod memory;
mod process;

use super::error::{self, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, is, registry};
use crate::version::REDIS_VERSION;
pub(crate) use command::command_all;
use command::{
    command_count, command_docs, command_getkeys, command_getkeysandflags, command_help,
    command_info, command_list,
};
use info::info;

const SERVER: &str = "server";

/// The server commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("time", 1, time)
        .flags(LOADING | STALE | FAST)
        .acl("fast")
        .doc(SERVER, "2.6.0", "Returns the server time."),
    CommandSpec::new("dbsize", 1, dbsize)
        .flags(READONLY | FAST)
        .acl("keyspace read fast")
        .doc(
            SERVER,
            "1.0.0",
            "Returns the number of keys in the database.",
        ),
    CommandSpec::new("flushdb", -1, flushdb)
        .flags(WRITE)
        .acl("keyspace write slow dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Removes all keys from the current database.",
        ),
    CommandSpec::new("flushall", -1, flushall)
        .flags(WRITE)
        .acl("keyspace write slow dangerous")
        .doc(SERVER, "1.0.0", "Removes all keys from all databases."),
    CommandSpec::new("info", -1, info)
        .flags(LOADING | STALE | SENTINEL)
        .acl("slow dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Returns information and statistics about the server.",
        ),
    CommandSpec::new("lastsave", 1, lastsave)
        .flags(LOADING | STALE | FAST)
        .acl("admin fast dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Returns the Unix timestamp of the last successful save.",
        ),
    CommandSpec::new("save", 1, save)
        .flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Synchronously saves the database (a no-op: nothing persists).",
        ),
    CommandSpec::new("bgsave", -1, bgsave)
        .flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Asynchronously saves the database (a no-op: nothing persists).",
        ),
    CommandSpec::new("shutdown", -1, shutdown)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | NO_MULTI | ALLOW_BUSY)
        .acl("admin slow dangerous")
        .doc(SERVER, "1.0.0", "Stops the server (nothing to save here)."),
    CommandSpec::container("config", CONFIG_SUBCOMMANDS)
        .acl("slow")
        .doc(
            SERVER,
            "2.0.0",
            "A container for server configuration commands.",
        ),
    CommandSpec::container("command", COMMAND_SUBCOMMANDS)
        .bare(command_all)
        .flags(LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(
            SERVER,
            "2.8.13",
            "Returns detailed information about all commands.",
        ),
    CommandSpec::new("debug", -2, debug)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl("admin slow dangerous")
        .doc(SERVER, "1.0.0", "A container for debugging commands."),
    CommandSpec::container("memory", memory::SUBCOMMANDS)
        .acl("slow")
        .doc(
            SERVER,
            "4.0.0",
            "A container for memory diagnostics commands",
        ),
    CommandSpec::new("lolwut", -1, lolwut::lolwut)
        .flags(READONLY | FAST)
        .acl("read fast")
        .doc(
            SERVER,
            "5.0.0",
            "Display some computer art and the Redis version",
        ),
];

const CONFIG_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("config|get", -3, config_get)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "2.0.0",
            "Returns the effective values of configuration parameters.",
        ),
    CommandSpec::new("config|set", -4, config_set)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl("admin slow dangerous")
        .doc(SERVER, "2.0.0", "Sets configuration parameters in-flight."),
    CommandSpec::new("config|resetstat", 2, config_resetstat)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl("admin slow dangerous")
        .doc(SERVER, "2.0.0", "Resets the server's statistics."),
    CommandSpec::new("config|rewrite", 2, config_rewrite)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "2.8.0",
            "Persists the effective configuration to file.",
        ),
    CommandSpec::new("config|help", 2, config_help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "5.0.0",
            "Returns helpful text about the different subcommands.",
        ),
];

const COMMAND_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("command|count", 2, command_count)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(SERVER, "2.8.13", "Returns a count of commands."),
    CommandSpec::new("command|info", -2, command_info)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(
            SERVER,
            "2.8.13",
            "Returns information about one, multiple or all commands.",
        ),
    CommandSpec::new("command|docs", -2, command_docs)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(
            SERVER,
            "7.0.0",
            "Returns documentary information about one, multiple or all commands.",
        ),
    CommandSpec::new("command|list", -2, command_list)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(SERVER, "7.0.0", "Returns a list of command names."),
    CommandSpec::new("command|getkeysandflags", -4, command_getkeysandflags)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(
            SERVER,
            "7.0.0",
            "Extract keys and access flags given a full Redis command",
        ),
    CommandSpec::new("command|getkeys", -4, command_getkeys)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(
            SERVER,
            "2.8.13",
            "Extracts the key names from an arbitrary command.",
        ),
    CommandSpec::new("command|help", 2, command_help)
        .flags(LOADING | STALE)
        .acl("slow connection")
        .doc(
            SERVER,
            "5.0.0",
            "Returns helpful text about the different subcommands.",
        ),
];

/// # Format
/// `TIME`
fn time(ctx: &mut Ctx<'_>) -> CmdResult {
    let secs = ctx.now_us.div_euclid(1_000_000);
    let micros = ctx.now_us.rem_euclid(1_000_000);
    ctx.out.array(2);
    ctx.out.bulk_int(secs);
    ctx.out.bulk_int(micros);
    Ok(())
}

/// # Format
/// `DBSIZE`
fn dbsize(ctx: &mut Ctx<'_>) -> CmdResult {
    let n = ctx.db().len() as i64;
    ctx.out.int(n);
    Ok(())
}

/// Parses the optional `ASYNC | SYNC` of FLUSHDB / FLUSHALL.
fn flush_mode(ctx: &Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        1 => Ok(()),
        2 if is(ctx.arg(1), "async") || is(ctx.arg(1), "sync") => Ok(()),
        _ => Err(error::SYNTAX),
    }
}

/// Empties database `db`, with the WATCH side effects of the deletion.
pub(crate) fn flush_db(ctx: &mut Ctx<'_>, db: usize) {
    let now = ctx.now;
    ctx.state.touch_watched_db(db, None, now);
    let removed = ctx.state.dbs[db].len() as u64;
    ctx.state.dbs[db].clear();
    ctx.state.dirty += removed;
}

/// # Format
/// `FLUSHDB [ASYNC | SYNC]`
fn flushdb(ctx: &mut Ctx<'_>) -> CmdResult {
    flush_mode(ctx)?;
    let db = ctx.db_index();
    flush_db(ctx, db);
    ctx.state.invalidate_tracked_all();
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `FLUSHALL [ASYNC | SYNC]`
fn flushall(ctx: &mut Ctx<'_>) -> CmdResult {
    flush_mode(ctx)?;
    for db in 0..ctx.state.dbs.len() {
        flush_db(ctx, db);
    }
    ctx.state.invalidate_tracked_all();
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `LASTSAVE` — the start time: nothing is ever saved.
fn lastsave(ctx: &mut Ctx<'_>) -> CmdResult {
    let t = ctx.state.start_ms / 1000;
    ctx.out.int(t);
    Ok(())
}

/// # Format
/// `SAVE`
fn save(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `BGSAVE [SCHEDULE]`
fn bgsave(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() > 2 || (ctx.argc() == 2 && !is(ctx.arg(1), "schedule")) {
        return Err(error::SYNTAX);
    }
    ctx.out.simple("Background saving started");
    Ok(())
}

/// # Format
/// `SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]`
///
/// Nothing persists, so SAVE and NOSAVE stop the server alike; the client
/// gets no reply (its connection closes), as from Redis.
fn shutdown(ctx: &mut Ctx<'_>) -> CmdResult {
    let (mut save, mut nosave, mut abort) = (false, false, false);
    for a in &ctx.args[1..] {
        if is(a, "nosave") {
            nosave = true;
        } else if is(a, "save") {
            save = true;
        } else if is(a, "abort") {
            abort = true;
        } else if !is(a, "now") && !is(a, "force") {
            return Err(error::SYNTAX);
        }
    }
    if (save && nosave) || (abort && ctx.argc() > 2) {
        return Err(error::SYNTAX);
    }
    if abort {
        return Err(error::NO_SHUTDOWN_IN_PROGRESS);
    }
    tracing::warn!("SHUTDOWN requested by client {}", ctx.client.id);
    ctx.host.shutdown();
    ctx.after = super::After::Close;
    Ok(())
}

/// # Format
/// `CONFIG GET parameter [parameter ...]`
fn config_get(ctx: &mut Ctx<'_>) -> CmdResult {
    let patterns: Vec<&[u8]> = ctx.args[2..].iter().map(|a| &a[..]).collect();
    let pairs = ctx.state.config.get(&patterns);
    ctx.out.map(pairs.len());
    for (name, value) in pairs {
        ctx.out.bulk(name.as_bytes());
        ctx.out.bulk(&value);
    }
    Ok(())
}

/// # Format
/// `CONFIG SET parameter value [parameter value ...]`
fn config_set(ctx: &mut Ctx<'_>) -> CmdResult {
    // Arity (at least one pair) is checked by the table; an unpaired
    // trailing argument is a syntax error, as in Redis.
    if !ctx.argc().is_multiple_of(2) {
        return Err(error::SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = ctx.args[2..]
        .chunks(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect();
    ctx.state.config.set(&pairs)?;
    ctx.state.introspect.refresh(&ctx.state.config);
    if pairs.iter().any(|(name, _)| is(name, "requirepass")) {
        // `requirepass` is the default user's password.
        super::acl::apply_requirepass(ctx.state);
        ctx.host.auth_changed(ctx.state.acl.auth_required());
    }
    ctx.host.config_changed(&ctx.state.config);
    super::repl::config_changed(ctx.state);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CONFIG RESETSTAT`
fn config_resetstat(ctx: &mut Ctx<'_>) -> CmdResult {
    let stats = &mut ctx.state.stats;
    let connections = stats.connections_received;
    *stats = Default::default();
    // Redis keeps the connection count; the rest starts over.
    stats.connections_received = connections;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CONFIG REWRITE`
fn config_rewrite(_ctx: &mut Ctx<'_>) -> CmdResult {
    Err(error::NO_CONFIG_FILE)
}

/// # Format
/// `CONFIG HELP`
fn config_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Refused: redsim runs without a configuration file.",
        ],
    );
    Ok(())
}

/// # Format
/// `DEBUG SLEEP seconds | DEBUG OBJECT key | DEBUG SET-ACTIVE-EXPIRE 0|1 | DEBUG JMAP | DEBUG PANIC`
///
/// Redis 7.0 refuses DEBUG unless `enable-debug-command` allows it;
/// redsim is a test server and always allows it.
fn debug(ctx: &mut Ctx<'_>) -> CmdResult {
    let sub = ctx.arg(1);
    if is(sub, "sleep") && ctx.argc() == 3 {
        let secs = super::float_arg(ctx.arg(2))?;
        // Sleeps under the lock, as Redis blocks its only thread.
        if secs > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        }
        ctx.out.ok();
    } else if is(sub, "object") && ctx.argc() == 3 {
        let key = ctx.arg(2);
        let lru_now = ctx.lru();
        let Some(entry) = ctx.lookup_notouch(key) else {
            return Err(error::NO_SUCH_KEY);
        };
        let idle = lru_now.wrapping_sub(entry.access) & 0xFF_FFFF;
        let text = format!(
            "Value at:0x7f0000000000 refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
            entry.value.encoding(),
            entry.value.heap_size().max(1),
            entry.access,
            idle
        );
        ctx.out.simple(&text);
    } else if is(sub, "panic") && ctx.argc() == 2 {
        // Redis dies here; redsim's command panics, which the server
        // catches like any panic in a command (the client gets an error).
        panic!("DEBUG PANIC");
    } else if (is(sub, "set-active-expire") && ctx.argc() == 3)
        || is(sub, "jmap")
        || is(sub, "quicklist-packed-threshold")
    {
        // Tuning knobs with nothing to tune here: accepted.
        ctx.out.ok();
    } else if is(sub, "help") {
        ctx.out.help(
            "DEBUG",
            &[
                "OBJECT <key>",
                "    Show low-level information about a key.",
                "SLEEP <seconds>",
                "    Stop the server for <seconds> (decimals allowed).",
                "SET-ACTIVE-EXPIRE <0|1>",
                "    Accepted; expiry here is exact.",
                "PANIC",
                "    Panic inside the command: redsim catches it and replies with an error.",
            ],
        );
    } else {
        return Err(error::subcommand_syntax(sub, "debug"));
    }
    Ok(())
}
