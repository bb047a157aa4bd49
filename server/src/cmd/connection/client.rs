//! CLIENT and its subcommands: names, CLIENT LIST/INFO lines, KILL,
//! UNBLOCK and the accepted no-ops.

use super::*;
use crate::cmd::client_line::client_line;
use crate::state::tracking::ClientTracking;

pub(super) fn validate_client_name(name: &[u8]) -> CmdResult {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(error::CLIENT_NAME_CHARS);
    }
    Ok(())
}

/// # Format
/// `CLIENT ID`
pub(super) fn client_id(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.int(ctx.client.id as i64);
    Ok(())
}

/// # Format
/// `CLIENT GETNAME`
pub(super) fn client_getname(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    match ctx.state.clients.get(&id).and_then(|c| c.name.clone()) {
        Some(name) => ctx.out.bulk(&name),
        None => ctx.out.null(),
    }
    Ok(())
}

/// # Format
/// `CLIENT SETNAME connection-name`
pub(super) fn client_setname(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = ctx.arg(2);
    validate_client_name(name)?;
    let id = ctx.client.id;
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
pub(super) fn client_setinfo(ctx: &mut Ctx<'_>) -> CmdResult {
    let (attr, value) = (ctx.arg(2), ctx.arg(3));
    let is_name = is(attr, "lib-name");
    if !is_name && !is(attr, "lib-ver") {
        return Err(error::unrecognized_option(attr));
    }
    if value.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(error::setinfo_chars(if is_name {
            "lib-name"
        } else {
            "lib-ver"
        }));
    }
    let id = ctx.client.id;
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

/// # Format
/// `CLIENT LIST [TYPE normal|master|replica|pubsub] [ID client-id [client-id ...]]`
pub(super) fn client_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut ids: Option<Vec<u64>> = None;
    let mut kind: Option<Vec<u8>> = None;
    let mut i = 2;
    while i < ctx.argc() {
        if is(ctx.arg(i), "type") && i + 1 < ctx.argc() {
            let t = ctx.arg(i + 1);
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(t, k))
            {
                return Err(error::unknown_client_type(t));
            }
            kind = Some(t.to_ascii_lowercase());
            i += 2;
        } else if is(ctx.arg(i), "id") && i + 1 < ctx.argc() {
            let mut list = Vec::new();
            for a in &ctx.args[i + 1..] {
                let id = int_arg(a)
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or(error::INVALID_CLIENT_ID)?;
                list.push(id as u64);
            }
            ids = Some(list);
            i = ctx.argc();
        } else {
            return Err(error::SYNTAX);
        }
    }
    let current = ctx.client.id;
    let (db, multi) = (ctx.client.db, current_multi(ctx));
    let mut text = String::new();
    for c in ctx.state.clients.values() {
        if ids.as_ref().is_some_and(|ids| !ids.contains(&c.id)) {
            continue;
        }
        if c.kill.is_killed() && c.id != current {
            // Closing: Redis frees such a client before anything else
            // runs.
            continue;
        }
        if kind.as_deref().is_some_and(|k| !is_of_type(c, k)) {
            continue;
        }
        let blocked = ctx.state.blocking.is_blocked(c.id) || ctx.host.is_paused(c.id);
        let mine = (c.id == current).then_some((db, multi));
        text.push_str(&client_line(c, ctx.now, mine, blocked));
        text.push('\n');
    }
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

pub(super) fn current_multi(ctx: &Ctx<'_>) -> i64 {
    ctx.client
        .multi
        .as_ref()
        .map_or(-1, |m| m.queue.len() as i64)
}

/// # Format
/// `CLIENT INFO`
pub(super) fn client_info(ctx: &mut Ctx<'_>) -> CmdResult {
    let current = ctx.client.id;
    let (db, multi) = (ctx.client.db, current_multi(ctx));
    let line = match ctx.state.clients.get(&current) {
        Some(c) => client_line(c, ctx.now, Some((db, multi)), false),
        None => String::new(),
    };
    ctx.out.verbatim("txt", format!("{line}\n").as_bytes());
    Ok(())
}

/// # Format
/// `CLIENT KILL ip:port` or
/// `CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [USER name] [TYPE t] [SKIPME yes|no]`
pub(super) fn client_kill(ctx: &mut Ctx<'_>) -> CmdResult {
    let me = ctx.client.id;
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
                .ok_or(error::CLIENT_ID_NOT_POSITIVE)?;
            filters.push(Box::new(move |c| c.id == id as u64));
        } else if is(opt, "addr") {
            let v = val.to_vec();
            filters.push(Box::new(move |c| c.addr.as_bytes() == v));
        } else if is(opt, "laddr") {
            let v = val.to_vec();
            filters.push(Box::new(move |c| c.laddr.as_bytes() == v));
        } else if is(opt, "user") {
            let v = val.to_vec();
            if !ctx.state.acl.users.contains_key(&v) {
                return Err(error::no_such_user(&v));
            }
            filters.push(Box::new(move |c| c.user.as_ref() == v.as_slice()));
        } else if is(opt, "type") {
            if !["normal", "master", "replica", "slave", "pubsub"]
                .iter()
                .any(|k| is(val, k))
            {
                return Err(error::unknown_client_type(val));
            }
            let kind = val.to_ascii_lowercase();
            filters.push(Box::new(move |c| is_of_type(c, &kind)));
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
        .filter(|c| !c.kill.is_killed())
        .filter(|c| filters.iter().all(|f| f(c)))
        .map(|c| c.id)
        .collect();
    for &v in &victims {
        kill(ctx, v, me);
    }
    ctx.out.int(victims.len() as i64);
    Ok(())
}

/// Whether `c` is of the client type `kind` (lowercase), as Redis's
/// `getClientType` classes it: a client with subscriptions is `pubsub`,
/// any other is `normal`; there are no masters or replicas (yet).
fn is_of_type(c: &ClientInfo, kind: &[u8]) -> bool {
    let subscribed =
        !c.channels.is_empty() || !c.patterns.is_empty() || !c.shard_channels.is_empty();
    match kind {
        b"pubsub" => subscribed,
        b"normal" => !subscribed,
        _ => false,
    }
}

/// One condition of CLIENT KILL's filter form.
type ClientFilter = Box<dyn Fn(&ClientInfo) -> bool>;

pub(super) fn kill(ctx: &mut Ctx<'_>, victim: u64, me: u64) {
    if victim == me {
        // The reply still goes out; the connection closes after it.
        ctx.after = crate::cmd::After::Close;
    } else if let Some(c) = ctx.state.clients.get(&victim) {
        c.kill.kill();
    }
}

/// # Format
/// `CLIENT UNBLOCK client-id [TIMEOUT | ERROR]`
pub(super) fn client_unblock(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = int_arg(ctx.arg(2))?;
    let how = match ctx.argc() {
        3 => crate::state::waiters::Unblock::Timeout,
        4 if is(ctx.arg(3), "timeout") => crate::state::waiters::Unblock::Timeout,
        4 if is(ctx.arg(3), "error") => {
            crate::state::waiters::Unblock::Error(error::CLIENT_UNBLOCKED)
        }
        4 => {
            return Err(error::UNBLOCK_REASON);
        }
        _ => return Err(error::SYNTAX),
    };
    let unblocked = u64::try_from(id).is_ok_and(|id| ctx.state.blocking.unblock(id, how));
    ctx.out.int(i64::from(unblocked));
    Ok(())
}

/// # Format
/// `CLIENT NO-EVICT ON|OFF` — accepted; nothing is evicted here.
pub(super) fn client_no_evict(ctx: &mut Ctx<'_>) -> CmdResult {
    let v = ctx.arg(2);
    let on = if is(v, "on") {
        true
    } else if is(v, "off") {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let id = ctx.client.id;
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        c.no_evict = on;
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT REPLY ON | OFF | SKIP` — OFF and SKIP are answered by nothing;
/// the executor's caller withholds the replies they stop.
pub(super) fn client_reply(ctx: &mut Ctx<'_>) -> CmdResult {
    let mode = ctx.arg(2);
    if is(mode, "on") {
        ctx.client.reply = ReplyMode::On;
        ctx.out.ok();
    } else if is(mode, "off") {
        ctx.client.reply = ReplyMode::Off;
    } else if is(mode, "skip") {
        if ctx.client.reply != ReplyMode::Off {
            ctx.client.reply = ReplyMode::SkipNext;
        }
    } else {
        return Err(error::SYNTAX);
    }
    Ok(())
}

/// The calling client's tracking settings.
fn my_tracking<'a>(ctx: &'a Ctx<'_>) -> Option<&'a ClientTracking> {
    ctx.state
        .clients
        .get(&ctx.client.id)
        .and_then(|c| c.tracking.as_ref())
}

/// # Format
/// `CLIENT GETREDIR`
pub(super) fn client_getredir(ctx: &mut Ctx<'_>) -> CmdResult {
    let redir = my_tracking(ctx).map_or(-1, |t| t.redirect as i64);
    ctx.out.int(redir);
    Ok(())
}

/// # Format
/// `CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]`
pub(super) fn client_tracking(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut want = ClientTracking::default();
    let mut prefixes: Vec<&[u8]> = Vec::new();
    let mut j = 3;
    while j < ctx.argc() {
        let more = ctx.argc() - 1 - j;
        let opt = ctx.arg(j);
        if is(opt, "redirect") && more > 0 {
            j += 1;
            if want.redirect != 0 {
                return Err(error::TRACKING_ONE_REDIRECT);
            }
            let id = int_arg(ctx.arg(j))?;
            // Checked now, though the client may go later.
            if !u64::try_from(id).is_ok_and(|id| ctx.state.clients.contains_key(&id)) {
                return Err(error::TRACKING_NO_SUCH_REDIRECT);
            }
            want.redirect = id as u64;
        } else if is(opt, "bcast") {
            want.bcast = true;
        } else if is(opt, "optin") {
            want.optin = true;
        } else if is(opt, "optout") {
            want.optout = true;
        } else if is(opt, "noloop") {
            want.noloop = true;
        } else if is(opt, "prefix") && more > 0 {
            j += 1;
            prefixes.push(ctx.arg(j));
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let id = ctx.client.id;
    let mode = ctx.arg(2);
    if is(mode, "off") {
        ctx.state.disable_tracking(id);
        ctx.out.ok();
        return Ok(());
    }
    if !is(mode, "on") {
        return Err(error::SYNTAX);
    }
    if !want.bcast && !prefixes.is_empty() {
        return Err(error::TRACKING_PREFIX_NEEDS_BCAST);
    }
    if my_tracking(ctx).is_some_and(|now| now.bcast != want.bcast) {
        return Err(error::TRACKING_SWITCH_BCAST);
    }
    if want.bcast && (want.optin || want.optout) {
        return Err(error::TRACKING_BCAST_OPTIN);
    }
    if want.optin && want.optout {
        return Err(error::TRACKING_OPTIN_AND_OPTOUT);
    }
    if let Some(now) = my_tracking(ctx)
        && ((want.optin && now.optout) || (want.optout && now.optin))
    {
        return Err(error::TRACKING_SWITCH_OPTIN);
    }
    if want.bcast {
        for (i, p) in prefixes.iter().enumerate() {
            if let Some(old) = ctx.state.overlapping_prefix(id, p) {
                return Err(error::prefix_overlaps_existing(p, old.as_slice()));
            }
            let clash = prefixes[i + 1..].iter().find(|q| {
                let n = p.len().min(q.len());
                p[..n] == q[..n]
            });
            if let Some(q) = clash {
                // Redis 7.0 answers the error and, past the first prefix,
                // goes on to enable tracking and answer OK too.
                let e = error::prefix_overlaps_provided(p, q);
                if i == 0 {
                    return Err(e);
                }
                ctx.out.error_bytes(e.bytes());
                crate::cmd::exec::count_error(ctx.state, &e);
                break;
            }
        }
    }
    want.prefixes = prefixes.iter().map(|p| crate::db::Blob::new(p)).collect();
    ctx.state.enable_tracking(id, want);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT CACHING YES|NO`
pub(super) fn client_caching(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(t) = my_tracking(ctx) else {
        return Err(error::CACHING_WITHOUT_TRACKING);
    };
    let (optin, optout) = (t.optin, t.optout);
    let opt = ctx.arg(2);
    if is(opt, "yes") {
        if !optin {
            return Err(error::CACHING_YES_NEEDS_OPTIN);
        }
    } else if is(opt, "no") {
        if !optout {
            return Err(error::CACHING_NO_NEEDS_OPTOUT);
        }
    } else {
        return Err(error::SYNTAX);
    }
    let id = ctx.client.id;
    if let Some(t) = ctx
        .state
        .clients
        .get_mut(&id)
        .and_then(|c| c.tracking.as_mut())
    {
        t.caching = true;
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT TRACKINGINFO`
pub(super) fn client_trackinginfo(ctx: &mut Ctx<'_>) -> CmdResult {
    let t = my_tracking(ctx).cloned();
    let mut flags: Vec<&str> = vec![if t.is_some() { "on" } else { "off" }];
    let mut redirect = -1;
    let mut prefixes = Vec::new();
    if let Some(t) = &t {
        if t.bcast {
            flags.push("bcast");
        }
        if t.optin {
            flags.push("optin");
            if t.caching {
                flags.push("caching-yes");
            }
        }
        if t.optout {
            flags.push("optout");
            if t.caching {
                flags.push("caching-no");
            }
        }
        if t.noloop {
            flags.push("noloop");
        }
        if t.broken_redirect {
            flags.push("broken_redirect");
        }
        redirect = t.redirect as i64;
        prefixes = t.prefixes.iter().cloned().collect();
    }
    ctx.out.map(3);
    ctx.out.bulk(b"flags");
    ctx.out.set(flags.len());
    for f in flags {
        ctx.out.bulk(f.as_bytes());
    }
    ctx.out.bulk(b"redirect");
    ctx.out.int(redirect);
    ctx.out.bulk(b"prefixes");
    ctx.out.array(prefixes.len());
    for p in prefixes {
        ctx.out.bulk(p.as_slice());
    }
    Ok(())
}

/// # Format
/// `CLIENT HELP`
pub(super) fn client_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "CLIENT",
        &[
            "CACHING (YES|NO)",
            "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
            "GETREDIR",
            "    Return the client ID we are redirecting to when tracking is enabled.",
            "GETNAME",
            "    Return the name of the current connection.",
            "ID",
            "    Return the ID of the current connection.",
            "INFO",
            "    Return information about the current client connection.",
            "KILL <ip:port>",
            "    Kill connection made from <ip:port>.",
            "KILL <option> <value> [<option> <value> [...]]",
            "    Kill connections. Options are:",
            "    * ADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made from the specified address",
            "    * LADDR (<ip:port>|<unixsocket>:0)",
            "      Kill connections made to specified local address",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Kill connections by type.",
            "    * USER <username>",
            "      Kill connections authenticated by <username>.",
            "    * SKIPME (YES|NO)",
            "      Skip killing current connection (default: yes).",
            "LIST [options ...]",
            "    Return information about client connections. Options:",
            "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
            "      Return clients of specified type.",
            "UNPAUSE",
            "    Stop the current client pause, resuming traffic.",
            "PAUSE <timeout> [WRITE|ALL]",
            "    Suspend all, or just write, clients for <timeout> milliseconds.",
            "REPLY (ON|OFF|SKIP)",
            "    Control the replies sent to the current connection.",
            "SETNAME <name>",
            "    Assign the name <name> to the current connection.",
            "UNBLOCK <clientid> [TIMEOUT|ERROR]",
            "    Unblock the specified blocked client.",
            "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
            "         [OPTIN] [OPTOUT] [NOLOOP]",
            "    Control server assisted client side caching.",
            "TRACKINGINFO",
            "    Report tracking status for the current connection.",
            "NO-EVICT (ON|OFF)",
            "    Protect current client connection from eviction.",
        ],
    );
    Ok(())
}
