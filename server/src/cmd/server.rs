//! Server commands: INFO, CONFIG, COMMAND, TIME, DBSIZE, FLUSHDB,
//! FLUSHALL, DEBUG and the persistence and replication probes clients send.
//!
//! These report on or reset the server as a whole. INFO's figures are real
//! (connections, commands, hits, expiries, memory from the process's RSS);
//! the fields that describe machinery redsim does not have (replication,
//! persistence) report the values of an idle Redis master without them.

use std::fmt::Write as _;

use super::connection::{REDIS_VERSION, help};
use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, is, registry};

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
    CommandSpec::new("role", 1, role)
        .flags(NOSCRIPT | LOADING | STALE | FAST | SENTINEL)
        .acl("admin fast dangerous")
        .doc(SERVER, "2.8.12", "Returns the replication role."),
    CommandSpec::new("wait", 3, wait)
        .flags(NOSCRIPT)
        .acl("slow connection")
        .doc(
            "generic",
            "3.0.0",
            "Blocks until writes reach replicas (there are none: 0).",
        ),
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
        return Err(CmdError::fixed("ERR No shutdown in progress."));
    }
    tracing::warn!("SHUTDOWN requested by client {}", ctx.session.id);
    ctx.shared.shutdown();
    ctx.after = super::After::Close;
    Ok(())
}

/// # Format
/// `ROLE`
fn role(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.array(3);
    ctx.out.bulk(b"master");
    ctx.out.int(0);
    ctx.out.array(0);
    Ok(())
}

/// # Format
/// `WAIT numreplicas timeout`
fn wait(ctx: &mut Ctx<'_>) -> CmdResult {
    super::int_arg(ctx.arg(1))?;
    let timeout = super::int_arg(ctx.arg(2))?;
    if timeout < 0 {
        return Err(CmdError::fixed("ERR timeout is negative"));
    }
    ctx.out.int(0);
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
    if ctx.argc() % 2 != 0 {
        return Err(error::SYNTAX);
    }
    let pairs: Vec<(&[u8], &[u8])> = ctx.args[2..]
        .chunks(2)
        .map(|p| (&p[0][..], &p[1][..]))
        .collect();
    ctx.state.config.set(&pairs).map_err(CmdError::owned)?;
    ctx.shared.mirror.refresh(&ctx.state.config);
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
    Err(CmdError::fixed(
        "ERR The server is running without a config file",
    ))
}

/// # Format
/// `CONFIG HELP`
fn config_help(ctx: &mut Ctx<'_>) -> CmdResult {
    help(
        ctx,
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
/// `COMMAND [COUNT | INFO … | DOCS … | LIST … | GETKEYS …]` — plain
/// COMMAND lists every command's info.
pub(crate) fn command_all(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut specs: Vec<_> = registry().values().copied().collect();
    specs.sort_by_key(|s| s.name);
    ctx.out.array(specs.len());
    for s in specs {
        write_command_info(ctx, s);
    }
    Ok(())
}

/// # Format
/// `COMMAND COUNT`
fn command_count(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.int(registry().len() as i64);
    Ok(())
}

/// # Format
/// `COMMAND INFO [command-name ...]`
fn command_info(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() == 2 {
        return command_all(ctx);
    }
    ctx.out.array(ctx.argc() - 2);
    for i in 2..ctx.argc() {
        match lookup_full_name(ctx.arg(i)) {
            Some(spec) => write_command_info(ctx, spec),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// Finds `get` or `config|get` by full name.
fn lookup_full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let (top, sub) = match lower.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (lower, None),
    };
    let spec = super::find(top.as_bytes())?;
    match sub {
        None => Some(spec),
        Some(s) => spec
            .subcommands
            .iter()
            .find(|c| c.name.split('|').nth(1) == Some(s.as_str())),
    }
}

fn write_command_info(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    let out = &mut *ctx.out;
    out.array(10);
    out.bulk(spec.name.as_bytes());
    out.int(i64::from(spec.arity));
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| spec.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    out.int(i64::from(spec.keys.0));
    out.int(i64::from(spec.keys.1));
    out.int(i64::from(spec.keys.2));
    let cats: Vec<&str> = spec.acl.split_whitespace().collect();
    out.set(cats.len());
    for c in cats {
        out.simple(&format!("@{c}"));
    }
    out.set(0);
    // Key specifications, derived from the legacy triple.
    if spec.keys.0 > 0 {
        out.array(1);
        out.map(3);
        out.bulk(b"flags");
        let kflags: &[&str] = if spec.has(WRITE) {
            &["RW", "update"]
        } else {
            &["RO", "access"]
        };
        out.set(kflags.len());
        for f in kflags {
            out.simple(f);
        }
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(i64::from(spec.keys.0));
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        let last = if spec.keys.1 < 0 {
            i64::from(spec.keys.1)
        } else {
            i64::from(spec.keys.1 - spec.keys.0)
        };
        out.int(last);
        out.bulk(b"keystep");
        out.int(i64::from(spec.keys.2));
        out.bulk(b"limit");
        out.int(0);
    } else {
        out.array(0);
    }
    let subs = spec.subcommands;
    out.array(subs.len());
    for s in subs {
        write_command_info(ctx, s);
    }
}

/// # Format
/// `COMMAND DOCS [command-name ...]`
fn command_docs(ctx: &mut Ctx<'_>) -> CmdResult {
    let specs: Vec<&'static CommandSpec> = if ctx.argc() == 2 {
        let mut all: Vec<_> = registry().values().copied().collect();
        all.sort_by_key(|s| s.name);
        all
    } else {
        ctx.args[2..]
            .iter()
            .filter_map(|a| lookup_full_name(a))
            .collect()
    };
    ctx.out.map(specs.len());
    for s in specs {
        ctx.out.bulk(s.name.as_bytes());
        write_docs(ctx, s);
    }
    Ok(())
}

fn write_docs(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    let has_subs = !spec.subcommands.is_empty();
    ctx.out.map(3 + usize::from(has_subs));
    ctx.out.bulk(b"summary");
    ctx.out.bulk(spec.summary.as_bytes());
    ctx.out.bulk(b"since");
    ctx.out.bulk(spec.since.as_bytes());
    ctx.out.bulk(b"group");
    ctx.out.bulk(spec.group.as_bytes());
    if has_subs {
        ctx.out.bulk(b"subcommands");
        ctx.out.map(spec.subcommands.len());
        for s in spec.subcommands {
            ctx.out.bulk(s.name.as_bytes());
            write_docs(ctx, s);
        }
    }
}

/// # Format
/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`
fn command_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut names: Vec<&'static str> = Vec::new();
    for spec in registry().values() {
        names.push(spec.name);
        names.extend(spec.subcommands.iter().map(|s| s.name));
    }
    names.sort_unstable();
    let filtered: Vec<&str> = match ctx.argc() {
        2 => names,
        5 if is(ctx.arg(2), "filterby") => {
            let (kind, value) = (ctx.arg(3), ctx.arg(4));
            if is(kind, "module") {
                Vec::new()
            } else if is(kind, "aclcat") {
                let cat = String::from_utf8_lossy(value).to_ascii_lowercase();
                names
                    .into_iter()
                    .filter(|n| {
                        lookup_full_name(n.as_bytes())
                            .is_some_and(|s| s.acl.split_whitespace().any(|c| c == cat))
                    })
                    .collect()
            } else if is(kind, "pattern") {
                names
                    .into_iter()
                    .filter(|n| crate::glob::matches(value, n.as_bytes(), true))
                    .collect()
            } else {
                return Err(error::SYNTAX);
            }
        }
        _ => return Err(error::SYNTAX),
    };
    ctx.out.array(filtered.len());
    for n in filtered {
        ctx.out.bulk(n.as_bytes());
    }
    Ok(())
}

/// # Format
/// `COMMAND GETKEYS command [arg ...]`
fn command_getkeys(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = &ctx.args[2..];
    let spec = super::resolve(args).map_err(|e| {
        if e.text().starts_with("ERR unknown command") {
            CmdError::fixed("ERR Invalid command specified")
        } else {
            CmdError::fixed("ERR Invalid number of arguments specified for command")
        }
    })?;
    if let Some(nk) = spec.numkeys {
        let invalid = || CmdError::fixed("ERR Invalid arguments specified for command");
        let count = crate::num::parse_i64(&args[nk.at])
            .and_then(|n| usize::try_from(n).ok())
            .filter(|&n| n > 0 && nk.at + n < args.len())
            .ok_or_else(invalid)?;
        let mut keys: Vec<&[u8]> = Vec::with_capacity(count + 1);
        if nk.dest_first {
            keys.push(&args[1]);
        }
        keys.extend(args[nk.at + 1..=nk.at + count].iter().map(|k| &k[..]));
        ctx.out.array(keys.len());
        for k in keys {
            ctx.out.bulk(k);
        }
        return Ok(());
    }
    let (first, last, step) = spec.keys;
    if first <= 0 {
        return Err(CmdError::fixed("ERR The command has no key arguments"));
    }
    let argc = args.len() as i32;
    let last = if last < 0 { argc + last } else { last };
    let mut keys = Vec::new();
    let mut i = first;
    while i <= last && i < argc {
        keys.push(args[i as usize].clone());
        i += step.max(1);
    }
    ctx.out.array(keys.len());
    for k in keys {
        ctx.out.bulk(&k);
    }
    Ok(())
}

/// # Format
/// `COMMAND HELP`
fn command_help(ctx: &mut Ctx<'_>) -> CmdResult {
    help(
        ctx,
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full command.",
            "INFO [<command-name> ...]",
            "    Return details about commands.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return a list of all commands.",
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
        help(
            ctx,
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
        return Err(CmdError::owned(format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
            error::lossy_prefix(sub, 128)
        )));
    }
    Ok(())
}

/// The sections INFO prints with no argument (or `default`).
const DEFAULT_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];

/// Every section, in INFO everything's order.
const ALL_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// # Format
/// `INFO [section [section ...]]`
fn info(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut wanted: Vec<&str> = Vec::new();
    if ctx.argc() == 1 {
        wanted.extend(DEFAULT_SECTIONS);
    }
    for a in &ctx.args[1..] {
        let name = String::from_utf8_lossy(a).to_ascii_lowercase();
        match name.as_str() {
            "default" => wanted.extend(DEFAULT_SECTIONS),
            "all" => wanted.extend(ALL_SECTIONS.iter().filter(|s| **s != "modules")),
            "everything" => wanted.extend(ALL_SECTIONS),
            other => {
                if let Some(s) = ALL_SECTIONS.iter().find(|s| **s == other) {
                    wanted.push(s);
                }
            }
        }
    }
    let mut text = String::new();
    for section in ALL_SECTIONS {
        if !wanted.contains(section) {
            continue;
        }
        if !text.is_empty() {
            text.push_str("\r\n");
        }
        write_section(ctx, section, &mut text);
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

fn write_section(ctx: &mut Ctx<'_>, section: &str, t: &mut String) {
    let state = &*ctx.state;
    let now = ctx.now;
    let uptime = ((now - state.start_ms) / 1000).max(0);
    match section {
        "server" => {
            let _ = write!(
                t,
                "# Server\r\nredis_version:{REDIS_VERSION}\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\nredis_mode:standalone\r\nos:{} {}\r\narch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll\r\natomicvar_api:c11-builtin\r\ngcc_version:0.0.0\r\nprocess_id:{}\r\nprocess_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\nuptime_in_seconds:{uptime}\r\nuptime_in_days:{}\r\nhz:10\r\nconfigured_hz:10\r\nlru_clock:{}\r\nexecutable:{}\r\nconfig_file:\r\nio_threads_active:0\r\nredsim_version:{}\r\n",
                std::env::consts::OS,
                std::env::consts::ARCH,
                std::process::id(),
                state.run_id,
                state.port,
                ctx.now_us,
                uptime / 86400,
                crate::state::State::lru_clock(now),
                state.executable,
                env!("CARGO_PKG_VERSION"),
            );
        }
        "clients" => {
            let _ = write!(
                t,
                "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\nclient_recent_max_input_buffer:0\r\nclient_recent_max_output_buffer:0\r\nblocked_clients:{}\r\ntracking_clients:0\r\nclients_in_timeout_table:0\r\n",
                state.clients.len(),
                state.config.maxclients(),
                // Clients a pause holds count as blocked, as in Redis.
                state.blocking.len() + ctx.shared.faults.paused_clients(),
            );
        }
        "memory" => {
            let rss = process_rss();
            let used: usize =
                state.dbs.iter().map(|d| d.memory_estimate()).sum::<usize>() + 1_000_000;
            let _ = write!(
                t,
                "# Memory\r\nused_memory:{used}\r\nused_memory_human:{}\r\nused_memory_rss:{rss}\r\nused_memory_rss_human:{}\r\nused_memory_peak:{used}\r\nused_memory_peak_human:{}\r\nused_memory_lua:{}\r\nnumber_of_cached_scripts:{}\r\nmaxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\nmem_allocator:libc\r\n",
                human_bytes(used as u64),
                human_bytes(rss),
                human_bytes(used as u64),
                state.scripting.as_ref().map_or(31744, |e| e.used_memory()),
                state.scripting.as_ref().map_or(0, |e| e.script_count()),
                config_int(ctx, "maxmemory"),
                human_bytes(config_int(ctx, "maxmemory")),
                state.config.maxmemory_policy(),
            );
        }
        "persistence" => {
            let _ = write!(
                t,
                "# Persistence\r\nloading:0\r\nasync_loading:0\r\nrdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:0\r\nrdb_last_save_time:{}\r\nrdb_last_bgsave_status:ok\r\naof_enabled:0\r\naof_rewrite_in_progress:0\r\n",
                state.dirty,
                state.start_ms / 1000,
            );
        }
        "stats" => {
            let s = &state.stats;
            let _ = write!(
                t,
                "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\ninstantaneous_ops_per_sec:0\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\nrejected_connections:{}\r\nexpired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\nevicted_keys:0\r\nevicted_clients:0\r\nkeyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\nlatest_fork_usec:0\r\ntotal_forks:0\r\nunexpected_error_replies:0\r\ntotal_error_replies:{}\r\n",
                s.connections_received,
                s.commands_processed,
                ctx.shared
                    .net_input
                    .load(std::sync::atomic::Ordering::Relaxed),
                ctx.shared
                    .net_output
                    .load(std::sync::atomic::Ordering::Relaxed),
                s.rejected_connections
                    + ctx
                        .shared
                        .rejected
                        .load(std::sync::atomic::Ordering::Relaxed),
                s.expired_keys,
                s.keyspace_hits,
                s.keyspace_misses,
                state.pubsub.channels.len(),
                state.pubsub.patterns.len(),
                s.error_replies,
            );
        }
        "replication" => {
            let _ = write!(
                t,
                "# Replication\r\nrole:master\r\nconnected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n",
                state.run_id,
            );
        }
        "cpu" => {
            let (user, sys) = process_cpu();
            let _ = write!(
                t,
                "# CPU\r\nused_cpu_sys:{sys:.6}\r\nused_cpu_user:{user:.6}\r\nused_cpu_sys_children:0.000000\r\nused_cpu_user_children:0.000000\r\n",
            );
        }
        "modules" => t.push_str("# Modules\r\n"),
        "commandstats" => {
            t.push_str("# Commandstats\r\n");
            for (name, c) in &state.stats.commands {
                let per = if c.calls > 0 {
                    c.usec as f64 / c.calls as f64
                } else {
                    0.0
                };
                let _ = write!(
                    t,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}\r\n",
                    c.calls, c.usec, c.rejected, c.failed
                );
            }
        }
        "errorstats" => {
            t.push_str("# Errorstats\r\n");
            for (code, n) in &state.stats.errors {
                let _ = write!(t, "errorstat_{code}:count={n}\r\n");
            }
        }
        "latencystats" => t.push_str("# Latencystats\r\n"),
        "cluster" => t.push_str("# Cluster\r\ncluster_enabled:0\r\n"),
        "keyspace" => {
            t.push_str("# Keyspace\r\n");
            for (i, db) in state.dbs.iter().enumerate() {
                if db.is_empty() {
                    continue;
                }
                let _ = write!(
                    t,
                    "db{i}:keys={},expires={},avg_ttl=0\r\n",
                    db.len(),
                    db.expires_len()
                );
            }
        }
        _ => {}
    }
}

fn config_int(ctx: &Ctx<'_>, name: &str) -> u64 {
    ctx.state
        .config
        .get(&[name.as_bytes()])
        .first()
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or(0)
}

/// Bytes as Redis's `bytesToHuman` prints them.
fn human_bytes(n: u64) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// Resident set size of the process, from /proc on Linux (0 elsewhere).
fn process_rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// User and system CPU seconds of the process, from /proc on Linux.
fn process_cpu() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    // Fields after the parenthesised command name; utime and stime are
    // the 14th and 15th fields, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    (tick(11), tick(12))
}
