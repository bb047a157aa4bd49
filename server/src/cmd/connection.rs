//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, RESET, QUIT and
//! the CLIENT family.
//!
//! These act on the calling session (its database, protocol version,
//! authentication, name) and on the client registry; none touches keys.

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, db_arg, int_arg, is};
use crate::protocol::Resp;
use crate::state::ClientInfo;

/// The version redsim reports to clients: the Redis it imitates.
pub const REDIS_VERSION: &str = "7.0.15";

/// [`REDIS_VERSION`] as Redis's number (`0x00MMmmpp`), for Lua's
/// `redis.REDIS_VERSION_NUM`.
pub const REDIS_VERSION_NUM: i64 = 0x07_00_0F;

const CONN: &str = "connection";

/// The connection commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("ping", -1, ping)
        .flags(FAST | SENTINEL)
        .acl("fast connection")
        .doc(CONN, "1.0.0", "Returns the server's liveliness response."),
    CommandSpec::new("echo", 2, echo)
        .flags(LOADING | STALE | FAST)
        .acl("fast connection")
        .doc(CONN, "1.0.0", "Returns the given string."),
    CommandSpec::new("select", 2, select)
        .flags(LOADING | STALE | FAST)
        .acl("fast connection")
        .doc(CONN, "1.0.0", "Changes the selected database."),
    CommandSpec::new("auth", -2, auth)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY)
        .acl("fast connection")
        .doc(CONN, "1.0.0", "Authenticates the connection."),
    CommandSpec::new("hello", -1, hello)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY)
        .acl("fast connection")
        .doc(
            CONN,
            "6.0.0",
            "Handshakes with the server: protocol version, credentials, name.",
        ),
    CommandSpec::new("reset", 1, reset)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | SENTINEL | ALLOW_BUSY)
        .acl("fast connection")
        .doc(CONN, "6.2.0", "Resets the connection to its initial state."),
    CommandSpec::new("quit", -1, quit)
        .flags(NOSCRIPT | LOADING | STALE | FAST | NO_AUTH | ALLOW_BUSY)
        .acl("fast connection")
        .doc(CONN, "1.0.0", "Closes the connection."),
    CommandSpec::container("client", CLIENT_SUBCOMMANDS)
        .flags(SENTINEL)
        .acl("slow")
        .doc(CONN, "2.4.0", "A container for client connection commands."),
];

const CLIENT_SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("client|id", 2, client_id)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "5.0.0", "Returns the unique client ID of the connection."),
    CommandSpec::new("client|getname", 2, client_getname)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "2.6.9", "Returns the name of the connection."),
    CommandSpec::new("client|setname", 3, client_setname)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "2.6.9", "Sets the connection name."),
    CommandSpec::new("client|setinfo", 4, client_setinfo)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "7.2.0", "Sets information specific to the client or connection."),
    CommandSpec::new("client|list", -2, client_list)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("admin slow dangerous connection")
        .doc(CONN, "2.4.0", "Lists open connections."),
    CommandSpec::new("client|info", 2, client_info)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "6.2.0", "Returns information about the connection."),
    CommandSpec::new("client|kill", -3, client_kill)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("admin slow dangerous connection")
        .doc(CONN, "2.4.0", "Terminates open connections."),
    CommandSpec::new("client|unblock", -3, client_unblock)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("admin slow dangerous connection")
        .doc(CONN, "5.0.0", "Unblocks a client blocked by a blocking command from a different connection."),
    super::pause::PAUSE,
    super::pause::UNPAUSE,
    CommandSpec::new("client|no-evict", 3, client_no_evict)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("admin slow dangerous connection")
        .doc(CONN, "7.0.0", "Sets the client eviction mode of the connection."),
    CommandSpec::new("client|getredir", 2, client_getredir)
        .flags(NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "6.0.0", "Returns the client ID to which the connection's tracking notifications are redirected."),
    CommandSpec::new("client|help", 2, client_help)
        .flags(LOADING | STALE | SENTINEL)
        .acl("slow connection")
        .doc(CONN, "5.0.0", "Returns helpful text about the different subcommands."),
];

/// # Format
/// `PING [message]`
fn ping(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() > 2 {
        return Err(error::wrong_arity("ping"));
    }
    if ctx.session.resp == Resp::V2 && ctx.state.is_subscribed(ctx.session.id) {
        // In RESP2 subscribed mode a reply must look like a message.
        ctx.out.array(2);
        ctx.out.bulk(b"pong");
        ctx.out.bulk(if ctx.argc() == 2 { ctx.arg(1) } else { b"" });
        return Ok(());
    }
    match ctx.argc() {
        1 => ctx.out.simple("PONG"),
        _ => {
            let msg = ctx.arg(1);
            ctx.out.bulk(msg);
        }
    }
    Ok(())
}

/// # Format
/// `ECHO message`
fn echo(ctx: &mut Ctx<'_>) -> CmdResult {
    let msg = ctx.arg(1);
    ctx.out.bulk(msg);
    Ok(())
}

/// # Format
/// `SELECT index`
fn select(ctx: &mut Ctx<'_>) -> CmdResult {
    let db = db_arg(ctx.arg(1), ctx.state.dbs.len())?;
    ctx.session.db = db;
    ctx.out.ok();
    Ok(())
}

/// Checks a username/password pair against `requirepass` (only the
/// `default` user exists).
fn check_password(ctx: &mut Ctx<'_>, user: &[u8], password: &[u8]) -> CmdResult {
    match ctx.state.config.requirepass() {
        Some(p) if user == b"default" && p == password => {
            ctx.session.authenticated = true;
            Ok(())
        }
        None if user == b"default" => {
            ctx.session.authenticated = true;
            Ok(())
        }
        _ => Err(error::WRONGPASS),
    }
}

/// # Format
/// `AUTH [username] password`
fn auth(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => {
            if ctx.state.config.requirepass().is_none() {
                return Err(error::AUTH_NO_PASSWORD);
            }
            let password = ctx.arg(1);
            check_password(ctx, b"default", password)?;
        }
        3 => {
            let (user, password) = (ctx.arg(1), ctx.arg(2));
            check_password(ctx, user, password)?;
        }
        _ => return Err(error::SYNTAX),
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
fn hello(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut resp = ctx.session.resp;
    let mut i = 1;
    if ctx.argc() > 1 {
        let ver = int_arg(ctx.arg(1)).map_err(|_| {
            CmdError::fixed("ERR Protocol version is not an integer or out of range")
        })?;
        resp = match ver {
            2 => Resp::V2,
            3 => Resp::V3,
            _ => return Err(error::NOPROTO),
        };
        i = 2;
    }
    let mut credentials = None;
    let mut name = None;
    while i < ctx.argc() {
        let more = ctx.argc() - i - 1;
        if is(ctx.arg(i), "auth") && more >= 2 {
            credentials = Some((ctx.arg(i + 1), ctx.arg(i + 2)));
            i += 3;
        } else if is(ctx.arg(i), "setname") && more >= 1 {
            name = Some(ctx.arg(i + 1));
            i += 2;
        } else {
            return Err(CmdError::owned(format!(
                "ERR Syntax error in HELLO option '{}'",
                error::lossy_prefix(ctx.arg(i), 128)
            )));
        }
    }
    if let Some((user, password)) = credentials {
        check_password(ctx, user, password)?;
    }
    if !ctx.session.authenticated {
        return Err(CmdError::fixed(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
        ));
    }
    if let Some(name) = name {
        validate_client_name(name)?;
        let id = ctx.session.id;
        if let Some(c) = ctx.state.clients.get_mut(&id) {
            c.name = (!name.is_empty()).then(|| name.to_vec());
        }
    }
    ctx.session.resp = resp;
    ctx.out.set_resp(resp);
    let id = ctx.session.id as i64;
    let out = &mut *ctx.out;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(resp.number());
    out.bulk(b"id");
    out.int(id);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
    Ok(())
}

/// # Format
/// `RESET`
fn reset(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.session.multi = None;
    ctx.session.db = 0;
    ctx.session.resp = Resp::V2;
    ctx.out.set_resp(Resp::V2);
    ctx.session.authenticated = ctx.state.config.requirepass().is_none();
    let id = ctx.session.id;
    ctx.state.unwatch_all(id);
    ctx.state.unsubscribe_all(id);
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        c.name = None;
        c.multi = -1;
    }
    ctx.out.simple("RESET");
    Ok(())
}

/// # Format
/// `QUIT` — answered by the session before dispatch; this runs only when
/// QUIT is called from where the session cannot see it (scripts refuse it).
fn quit(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.ok();
    ctx.after = super::After::Close;
    Ok(())
}

fn validate_client_name(name: &[u8]) -> CmdResult {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(error::CLIENT_NAME_CHARS);
    }
    Ok(())
}

/// # Format
/// `CLIENT ID`
fn client_id(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.int(ctx.session.id as i64);
    Ok(())
}

/// # Format
/// `CLIENT GETNAME`
fn client_getname(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.session.id;
    match ctx.state.clients.get(&id).and_then(|c| c.name.clone()) {
        Some(name) => ctx.out.bulk(&name),
        None => ctx.out.null(),
    }
    Ok(())
}

/// # Format
/// `CLIENT SETNAME connection-name`
fn client_setname(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = ctx.arg(2);
    validate_client_name(name)?;
    let id = ctx.session.id;
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        c.name = (!name.is_empty()).then(|| name.to_vec());
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT SETINFO <LIB-NAME libname | LIB-VER libver>` — from Redis 7.2;
/// accepted because client libraries (redis-rs among them) send it on
/// connect.
fn client_setinfo(ctx: &mut Ctx<'_>) -> CmdResult {
    let (attr, value) = (ctx.arg(2), ctx.arg(3));
    let is_name = is(attr, "lib-name");
    if !is_name && !is(attr, "lib-ver") {
        return Err(CmdError::owned(format!(
            "ERR Unrecognized option '{}'",
            error::lossy_prefix(attr, 128)
        )));
    }
    if value.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(CmdError::owned(format!(
            "ERR {} cannot contain spaces, newlines or special characters.",
            if is_name { "lib-name" } else { "lib-ver" }
        )));
    }
    let id = ctx.session.id;
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        let v = (!value.is_empty()).then(|| value.to_vec());
        if is_name {
            c.lib_name = v;
        } else {
            c.lib_ver = v;
        }
    }
    ctx.out.ok();
    Ok(())
}

/// One CLIENT LIST line, fields in Redis 7.0's order (buffer figures are
/// those of an idle connection), plus 7.2's lib-name and lib-ver.
fn client_line(
    c: &ClientInfo,
    now: i64,
    current: u64,
    current_db: usize,
    current_multi: i64,
    blocked: bool,
) -> String {
    let (db, multi, cmd) = if c.id == current {
        (current_db, current_multi, c.last_cmd)
    } else {
        (c.db, c.multi, c.last_cmd)
    };
    let text = |v: &Option<Vec<u8>>| {
        v.as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    // Redis's letters, in its order; N when none applies.
    let mut flags = String::new();
    if !c.channels.is_empty() || !c.patterns.is_empty() || !c.shard_channels.is_empty() {
        flags.push('P');
    }
    if multi >= 0 {
        flags.push('x');
    }
    if blocked {
        flags.push('b');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user=default redir=-1 resp={} lib-name={} lib-ver={}",
        c.id,
        c.addr,
        c.laddr,
        if c.local { -1 } else { 8 },
        text(&c.name),
        ((now - c.created_ms) / 1000).max(0),
        ((now - c.last_ms) / 1000).max(0),
        flags,
        db,
        c.channels.len(),
        c.patterns.len(),
        c.shard_channels.len(),
        multi,
        cmd,
        c.resp.number(),
        text(&c.lib_name),
        text(&c.lib_ver),
    )
}

/// # Format
/// `CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id [client-id ...]]`
fn client_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut i = 2;
    while i < ctx.argc() {
        if is(ctx.arg(i), "type") && i + 1 < ctx.argc() {
            let t = ctx.arg(i + 1);
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(t, k))
            {
                return Err(CmdError::owned(format!(
                    "ERR Unknown client type '{}'",
                    error::lossy_prefix(t, 128)
                )));
            }
            // Every client here is a normal one.
            if !is(t, "normal") {
                ids = Some(Vec::new());
            }
            i += 2;
        } else if is(ctx.arg(i), "id") && i + 1 < ctx.argc() {
            let mut list = Vec::new();
            for a in &ctx.args[i + 1..] {
                let id = int_arg(a)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(CmdError::fixed("ERR Invalid client ID"))?;
                list.push(id as u64);
            }
            ids = Some(list);
            i = ctx.argc();
        } else {
            return Err(error::SYNTAX);
        }
    }
    let current = ctx.session.id;
    let (db, multi) = (ctx.session.db, current_multi(ctx));
    let mut text = String::new();
    for c in ctx.state.clients.values() {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
            continue;
        }
        let blocked = ctx.state.blocking.is_blocked(c.id) || ctx.shared.faults.is_paused(c.id);
        text.push_str(&client_line(c, ctx.now, current, db, multi, blocked));
        text.push('\n');
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

fn current_multi(ctx: &Ctx<'_>) -> i64 {
    ctx.session
        .multi
        .as_ref()
        .map_or(-1, |m| m.queue.len() as i64)
}

/// # Format
/// `CLIENT INFO`
fn client_info(ctx: &mut Ctx<'_>) -> CmdResult {
    let current = ctx.session.id;
    let (db, multi) = (ctx.session.db, current_multi(ctx));
    let line = match ctx.state.clients.get(&current) {
        Some(c) => client_line(c, ctx.now, current, db, multi, false),
        None => String::new(),
    };
    ctx.out.verbatim("txt", format!("{line}\n").as_bytes());
    Ok(())
}

/// # Format
/// `CLIENT KILL ip:port` or
/// `CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [USER name] [TYPE t] [SKIPME yes|no]`
fn client_kill(ctx: &mut Ctx<'_>) -> CmdResult {
    let me = ctx.session.id;
    if ctx.argc() == 3 {
        let addr = ctx.arg(2);
        let victim = ctx
            .state
            .clients
            .values()
            .find(|c| c.addr.as_bytes() == addr)
            .map(|c| c.id)
            .ok_or(error::NO_SUCH_CLIENT)?;
        kill(ctx, victim, me);
        ctx.out.ok();
        return Ok(());
    }
    if ctx.argc() % 2 == 1 {
        return Err(error::SYNTAX);
    }
    let mut skipme = true;
    let mut filters: Vec<ClientFilter> = Vec::new();
    for pair in ctx.args[2..].chunks(2) {
        let (opt, val) = (&pair[0][..], &pair[1][..]);
        if is(opt, "id") {
            let id = int_arg(val)
                .ok()
                .filter(|&n| n > 0)
                .ok_or(CmdError::fixed("ERR client-id should be greater than 0"))?;
            filters.push(Box::new(move |c| c.id == id as u64));
        } else if is(opt, "addr") {
            let v = val.to_vec();
            filters.push(Box::new(move |c| c.addr.as_bytes() == v));
        } else if is(opt, "laddr") {
            let v = val.to_vec();
            filters.push(Box::new(move |c| c.laddr.as_bytes() == v));
        } else if is(opt, "user") {
            let v = val.to_vec();
            if v != b"default" {
                return Err(CmdError::owned(format!(
                    "ERR No such user '{}'",
                    String::from_utf8_lossy(&v)
                )));
            }
        } else if is(opt, "type") {
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(val, k))
            {
                return Err(CmdError::owned(format!(
                    "ERR Unknown client type '{}'",
                    String::from_utf8_lossy(val)
                )));
            }
            let normal = is(val, "normal");
            filters.push(Box::new(move |_| normal));
        } else if is(opt, "skipme") {
            if is(val, "yes") {
                skipme = true;
            } else if is(val, "no") {
                skipme = false;
            } else {
                return Err(error::SYNTAX);
            }
        } else if is(opt, "maxage") {
            let age = int_arg(val)?;
            let now = ctx.now;
            filters.push(Box::new(move |c| (now - c.created_ms) / 1000 >= age));
        } else {
            return Err(error::SYNTAX);
        }
    }
    let victims: Vec<u64> = ctx
        .state
        .clients
        .values()
        .filter(|c| !(skipme && c.id == me))
        .filter(|c| filters.iter().all(|f| f(c)))
        .map(|c| c.id)
        .collect();
    for &v in &victims {
        kill(ctx, v, me);
    }
    ctx.out.int(victims.len() as i64);
    Ok(())
}

/// One condition of CLIENT KILL's filter form.
type ClientFilter = Box<dyn Fn(&ClientInfo) -> bool>;

fn kill(ctx: &mut Ctx<'_>, victim: u64, me: u64) {
    if victim == me {
        // The reply still goes out; the connection closes after it.
        ctx.after = super::After::Close;
    } else if let Some(c) = ctx.state.clients.get(&victim) {
        c.kill.kill();
    }
}

/// # Format
/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]`
fn client_unblock(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = int_arg(ctx.arg(2))?;
    let how = match ctx.argc() {
        3 => crate::blocking::Unblock::Timeout,
        4 if is(ctx.arg(3), "timeout") => crate::blocking::Unblock::Timeout,
        4 if is(ctx.arg(3), "error") => {
            crate::blocking::Unblock::Error("UNBLOCKED client unblocked via CLIENT UNBLOCK")
        }
        4 => {
            return Err(CmdError::fixed(
                "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR",
            ));
        }
        _ => return Err(error::SYNTAX),
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.state.blocking.unblock(id, how));
    ctx.out.int(i64::from(unblocked));
    Ok(())
}

/// # Format
/// `CLIENT NO-EVICT ON|OFF` — accepted; nothing is evicted here.
fn client_no_evict(ctx: &mut Ctx<'_>) -> CmdResult {
    let v = ctx.arg(2);
    if !is(v, "on") && !is(v, "off") {
        return Err(error::SYNTAX);
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT GETREDIR` — tracking is not supported: -1.
fn client_getredir(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.int(-1);
    Ok(())
}

/// # Format
/// `CLIENT HELP`
fn client_help(ctx: &mut Ctx<'_>) -> CmdResult {
    help(
        ctx,
        "CLIENT",
        &[
            "GETNAME",
            "    Return the name of the current connection.",
            "GETREDIR",
            "    Return -1: client-side caching is not supported.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current connection.",
            "KILL <ip:port> | [ID <id>] [ADDR <ip:port>] [LADDR <ip:port>] [TYPE <type>] [USER <name>] [SKIPME yes|no] [MAXAGE <secs>]",
            "    Close matching connections.",
            "LIST [TYPE <type>] [ID <id> ...]",
            "    Return information about client connections.",
            "NO-EVICT (ON|OFF)",
            "    Accepted for compatibility.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend clients' commands for <timeout> milliseconds of the server clock.",
            "SETINFO <LIB-NAME|LIB-VER> <value>",
            "    Record the client library name or version.",
            "SETNAME <name>",
            "    Name the current connection.",
            "UNPAUSE",
            "    Resume the clients paused by CLIENT PAUSE.",
        ],
    );
    Ok(())
}

/// Writes a HELP reply: a first line naming the command, the given lines,
/// and a closing HELP line, as Redis's help replies are shaped.
pub fn help(ctx: &mut Ctx<'_>, command: &str, lines: &[&str]) {
    let head = format!("{command} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    ctx.out.array(lines.len() + 3);
    ctx.out.simple(&head);
    for l in lines {
        ctx.out.simple(l);
    }
    ctx.out.simple("HELP");
    ctx.out.simple("    Prints this help.");
}
