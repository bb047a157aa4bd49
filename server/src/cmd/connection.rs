//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, RESET, QUIT and
//! the CLIENT family.
//!
//! These act on the calling client (its database, protocol version,
//! authentication, name) and on the client registry; none touches keys.

use super::acl::authenticate;
use super::error::{self, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, ReplyMode, db_arg, int_arg, is};
use crate::protocol::Resp;
use crate::state::ClientInfo;
use crate::version::REDIS_VERSION;

mod client;
mod client_pause;

use client::*;

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
    client_pause::PAUSE,
    client_pause::UNPAUSE,
    CommandSpec::new("client|reply", 3, client_reply)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow connection")
        .doc(
            CONN,
            "3.2.0",
            "Instruct the server whether to reply to commands",
        ),
    CommandSpec::new("client|no-evict", 3, client_no_evict)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
        .acl("admin slow dangerous connection")
        .doc(CONN, "7.0.0", "Sets the client eviction mode of the connection."),
    CommandSpec::new("client|tracking", -3, client_tracking)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow connection")
        .doc(CONN, "6.0.0", "Enable or disable server assisted client side caching support"),
    CommandSpec::new("client|caching", 3, client_caching)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow connection")
        .doc(CONN, "6.0.0", "Instruct the server about tracking or not keys in the next request"),
    CommandSpec::new("client|trackinginfo", 2, client_trackinginfo)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow connection")
        .doc(CONN, "6.2.0", "Return information about server assisted client side caching for the current connection"),
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
    if ctx.client.resp == Resp::V2 && ctx.state.is_subscribed(ctx.client.id) {
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
    if ctx.state.cluster.is_some() && int_arg(ctx.arg(1))? != 0 {
        return Err(error::CLUSTER_SELECT);
    }
    let db = db_arg(ctx.arg(1), ctx.state.dbs.len())?;
    ctx.client.db = db;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `AUTH [username] password` — without a username, as the `default`
/// user (whose password `requirepass` sets).
fn auth(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => {
            if ctx
                .state
                .acl
                .default_user()
                .has(crate::state::acl::user_flags::NOPASS)
            {
                return Err(error::AUTH_NO_PASSWORD);
            }
            let password = ctx.arg(1);
            authenticate(ctx, b"default", password)?;
        }
        3 => {
            let (user, password) = (ctx.arg(1), ctx.arg(2));
            authenticate(ctx, user, password)?;
        }
        _ => return Err(error::SYNTAX),
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `HELLO [protover [AUTH username password] [SETNAME clientname]]`
fn hello(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut resp = ctx.client.resp;
    let mut i = 1;
    if ctx.argc() > 1 {
        let ver = int_arg(ctx.arg(1)).map_err(|_| error::HELLO_PROTOVER)?;
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
            return Err(error::hello_option(ctx.arg(i)));
        }
    }
    if let Some((user, password)) = credentials {
        authenticate(ctx, user, password)?;
    }
    if !ctx.client.authenticated {
        return Err(error::HELLO_NOAUTH);
    }
    if let Some(name) = name {
        validate_client_name(name)?;
        let id = ctx.client.id;
        if let Some(c) = ctx.state.clients.get_mut(&id) {
            c.name = (!name.is_empty()).then(|| name.to_vec());
        }
    }
    ctx.client.resp = resp;
    ctx.out.set_resp(resp);
    let id = ctx.client.id as i64;
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
    ctx.client.multi = None;
    ctx.client.reply = ReplyMode::On;
    ctx.client.db = 0;
    ctx.client.resp = Resp::V2;
    ctx.out.set_resp(Resp::V2);
    let authed = ctx.state.acl.default_user().needs_no_auth();
    let default = bytes::Bytes::from_static(b"default");
    super::acl::set_client_user(ctx.state, ctx.client, default, authed);
    let id = ctx.client.id;
    ctx.state.disable_tracking(id);
    ctx.state.introspect.monitors.retain(|&m| m != id);
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        c.monitor = false;
    }
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
