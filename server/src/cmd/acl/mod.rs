//! ACL: users, their permissions, and the ACL command.
//!
//! The users live in the state ([`crate::state::acl`]); here are the
//! rules that change them ([`rules`]), the check every request passes
//! ([`check`]), the ACL file ([`file`]) and the ACL subcommands. AUTH and
//! HELLO log in through [`authenticate`].

pub mod check;
pub mod file;
pub mod rules;

use bytes::Bytes;

use super::error::{self, CmdResult};
use super::flags::*;
use super::meta::{self, CATEGORIES, meta};
use super::{After, Caller, CommandSpec, Ctx, int_arg, is};
use crate::state::State;
use crate::state::acl::{
    Denied, LogContext, LogEntry, Selector, User, selector_flags as sf, user_flags as uf,
};

const SERVER: &str = "server";

/// The ACL command.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::container("acl", SUBCOMMANDS).acl("slow").doc(
    SERVER,
    "6.0.0",
    "A container for Access List Control commands",
)];

const ADMIN_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;
const ADMIN_ACL: &str = "admin slow dangerous";

const SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("acl|cat", -2, acl_cat)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "6.0.0",
            "List the ACL categories or the commands inside a category",
        ),
    CommandSpec::new("acl|deluser", -3, acl_deluser)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "Remove the specified ACL users and the associated rules",
        ),
    CommandSpec::new("acl|dryrun", -4, acl_dryrun)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "7.0.0",
            "Returns whether the user can execute the given command without executing the command.",
        ),
    CommandSpec::new("acl|genpass", -2, acl_genpass)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "6.0.0",
            "Generate a pseudorandom secure password to use for ACL users",
        ),
    CommandSpec::new("acl|getuser", 3, acl_getuser)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(SERVER, "6.0.0", "Get the rules for a specific ACL user"),
    CommandSpec::new("acl|help", 2, acl_help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "6.0.0",
            "Show helpful text about the different subcommands",
        ),
    CommandSpec::new("acl|list", 2, acl_list)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "List the current ACL rules in ACL config file format",
        ),
    CommandSpec::new("acl|load", 2, acl_load)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "Reload the ACLs from the configured ACL file",
        ),
    CommandSpec::new("acl|log", -2, acl_log)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "List latest events denied because of ACLs in place",
        ),
    CommandSpec::new("acl|save", 2, acl_save)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "Save the current ACL rules in the configured ACL file",
        ),
    CommandSpec::new("acl|setuser", -3, acl_setuser)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "Modify or create the rules for a specific ACL user",
        ),
    CommandSpec::new("acl|users", 2, acl_users)
        .flags(ADMIN_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "6.0.0",
            "List the username of all the configured ACL rules",
        ),
    CommandSpec::new("acl|whoami", 2, acl_whoami)
        .flags(NOSCRIPT | LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "6.0.0",
            "Return the name of the user associated to the current connection",
        ),
];

/// Where a command of `ctx` runs, for ACL LOG.
pub fn log_context(caller: Caller, in_multi: bool) -> LogContext {
    match caller {
        Caller::Script => LogContext::Lua,
        Caller::Exec => LogContext::Multi,
        _ if in_multi => LogContext::Multi,
        _ => LogContext::Toplevel,
    }
}

/// Logs `ctx`'s client in as `user` with `password` (AUTH, HELLO … AUTH).
/// A refusal is logged in ACL LOG (reason `auth`, the command's name as
/// sent as its object) and answered with WRONGPASS.
pub fn authenticate(ctx: &mut Ctx<'_>, user: &[u8], password: &[u8]) -> CmdResult {
    let ok = ctx
        .state
        .acl
        .users
        .get(user)
        .is_some_and(|u| u.accepts(password));
    if ok {
        let name = Bytes::copy_from_slice(user);
        set_client_user(ctx.state, ctx.client, name, true);
        return Ok(());
    }
    let context = log_context(ctx.caller, ctx.client.multi.is_some());
    let entry = LogEntry {
        count: 1,
        reason: Denied::Auth,
        context,
        object: ctx.arg(0).to_vec(),
        username: user.to_vec(),
        ctime: ctx.now,
        client_info: super::client_line::client_info_line(ctx.state, ctx.client, ctx.now),
    };
    let max = ctx.state.config.acllog_max_len();
    ctx.state.acl.log(entry, max);
    Err(error::WRONGPASS)
}

/// Makes `client` run as user `name` (logged in or not), as AUTH and
/// RESET do; CLIENT LIST follows.
pub fn set_client_user(state: &mut State, client: &mut super::Client, name: Bytes, authed: bool) {
    client.authenticated = authed;
    client.acl_clear = 0;
    if let Some(c) = state.clients.get_mut(&client.id) {
        c.user = name.clone();
    }
    client.user = name;
}

/// What `requirepass` does when set: the default user's passwords become
/// it (or `nopass` when empty).
pub fn apply_requirepass(state: &mut State) {
    let password = state.config.requirepass().map(<[u8]>::to_vec);
    state
        .acl
        .default_user_mut()
        .set_password(password.as_deref());
}

/// Closes the connections authenticated as `name` (its user was deleted
/// or replaced): others at once, the calling one after its reply.
fn kill_clients_of(ctx: &mut Ctx<'_>, name: &[u8]) {
    let me = ctx.client.id;
    for c in ctx.state.clients.values() {
        if c.user.as_ref() != name {
            continue;
        }
        if c.id == me {
            ctx.after = After::Close;
        } else {
            c.kill.kill();
        }
    }
    if ctx.client.user.as_ref() == name {
        ctx.client.authenticated = false;
        ctx.client.acl_clear = 0;
    }
}

/// # Format
/// `ACL SETUSER username [rule [rule ...]]`
fn acl_setuser(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = ctx.arg(2);
    if rules::has_spaces(name) {
        return Err(error::ACL_USERNAME_SPACES);
    }
    let ops: Vec<&[u8]> = ctx.args[3..].iter().map(|a| &a[..]).collect();
    let merged =
        rules::merge_selectors(&ops).map_err(|i| error::acl_unmatched_parenthesis(ops[i]))?;
    let all_channels = ctx.state.config.acl_all_channels_by_default();
    let original = ctx.state.acl.users.get(name).cloned();
    let mut user = original
        .clone()
        .unwrap_or_else(|| User::new(name, all_channels));
    for op in &merged {
        rules::apply(&mut user, op, all_channels).map_err(|e| error::acl_bad_rule(op, e.text()))?;
    }
    if let Some(original) = &original {
        kill_pubsub_clients_if_needed(ctx, &user, original);
    }
    ctx.state.acl.users.insert(name.to_vec(), user);
    ctx.state.acl.generation += 1;
    ctx.host.auth_changed(ctx.state.acl.auth_required());
    ctx.out.ok();
    Ok(())
}

/// A user's channels narrowed: its subscribers subscribed to what it may
/// no longer use are disconnected (Redis's `ACLKillPubsubClientsIfNeeded`).
fn kill_pubsub_clients_if_needed(ctx: &mut Ctx<'_>, new: &User, original: &User) {
    if new.selectors.iter().any(|s| s.has(sf::ALLCHANNELS)) {
        return;
    }
    let upcoming: Vec<Vec<u8>> = new
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter().cloned())
        .collect();
    let kept = original
        .selectors
        .iter()
        .flat_map(|s| s.channels.iter())
        .all(|c| upcoming.contains(c));
    if kept {
        return;
    }
    let me = ctx.client.id;
    let mut victims = Vec::new();
    for c in ctx.state.clients.values() {
        if c.user[..] != original.name[..] {
            continue;
        }
        let pattern_lost = c
            .patterns
            .iter()
            .any(|p| !check::channel_allowed(&upcoming, p, true));
        let channel_lost = c
            .channels
            .iter()
            .chain(c.shard_channels.iter())
            .any(|ch| !check::channel_allowed(&upcoming, ch, false));
        if pattern_lost || channel_lost {
            victims.push(c.id);
        }
    }
    for id in victims {
        if id == me {
            ctx.after = After::Close;
        } else if let Some(c) = ctx.state.clients.get(&id) {
            c.kill.kill();
            ctx.state.unsubscribe_all(id);
        }
    }
}

/// # Format
/// `ACL DELUSER username [username ...]`
fn acl_deluser(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.args[2..].iter().any(|a| &a[..] == b"default") {
        return Err(error::ACL_DELETE_DEFAULT);
    }
    let mut deleted = 0;
    for i in 2..ctx.argc() {
        let name = ctx.arg(i);
        if ctx.state.acl.users.remove(name).is_some() {
            deleted += 1;
            kill_clients_of(ctx, name);
        }
    }
    ctx.state.acl.generation += 1;
    ctx.out.int(deleted);
    Ok(())
}

fn write_selector(ctx: &mut Ctx<'_>, s: &Selector) {
    ctx.out.bulk(b"commands");
    ctx.out.bulk(rules::describe_commands(s).as_bytes());
    ctx.out.bulk(b"keys");
    if s.has(sf::ALLKEYS) {
        ctx.out.bulk(b"~*");
    } else {
        let keys: Vec<Vec<u8>> = s.keys.iter().map(rules::key_rule).collect();
        ctx.out.bulk(&keys.join(&b' '));
    }
    ctx.out.bulk(b"channels");
    if s.has(sf::ALLCHANNELS) {
        ctx.out.bulk(b"&*");
    } else {
        let channels: Vec<Vec<u8>> = s.channels.iter().map(|c| [b"&", &c[..]].concat()).collect();
        ctx.out.bulk(&channels.join(&b' '));
    }
}

/// # Format
/// `ACL GETUSER username`
fn acl_getuser(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(user) = ctx.state.acl.users.get(ctx.arg(2)).cloned() else {
        ctx.out.null();
        return Ok(());
    };
    ctx.out.map(6);
    ctx.out.bulk(b"flags");
    let flags: Vec<&str> = uf::NAMES
        .iter()
        .filter(|(bit, _)| user.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    ctx.out.set(flags.len());
    for f in flags {
        ctx.out.bulk(f.as_bytes());
    }
    ctx.out.bulk(b"passwords");
    ctx.out.array(user.passwords.len());
    for p in &user.passwords {
        ctx.out.bulk(p.as_bytes());
    }
    write_selector(ctx, &user.selectors[0]);
    ctx.out.bulk(b"selectors");
    ctx.out.array(user.selectors.len() - 1);
    for s in &user.selectors[1..] {
        ctx.out.map(3);
        write_selector(ctx, s);
    }
    Ok(())
}

/// A user as an ACL LIST line (and an ACL file line).
pub fn user_line(u: &User) -> Vec<u8> {
    [b"user ", &u.name[..], b" ", &rules::describe_user(u)].concat()
}

/// # Format
/// `ACL LIST`
fn acl_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let lines: Vec<Vec<u8>> = ctx.state.acl.users.values().map(user_line).collect();
    ctx.out.array(lines.len());
    for l in lines {
        ctx.out.bulk(&l);
    }
    Ok(())
}

/// # Format
/// `ACL USERS`
fn acl_users(ctx: &mut Ctx<'_>) -> CmdResult {
    let names: Vec<Vec<u8>> = ctx.state.acl.users.keys().cloned().collect();
    ctx.out.array(names.len());
    for n in names {
        ctx.out.bulk(&n);
    }
    Ok(())
}

/// # Format
/// `ACL WHOAMI`
fn acl_whoami(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = ctx.client.user.clone();
    ctx.out.bulk(&name);
    Ok(())
}

/// # Format
/// `ACL LOAD`
fn acl_load(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(path) = ctx.state.config.aclfile().map(<[u8]>::to_vec) else {
        return Err(error::ACL_NO_FILE);
    };
    let users = file::load(ctx.state, &path).map_err(|e| error::acl_load_failed(&e))?;
    let old: Vec<Vec<u8>> = ctx
        .state
        .acl
        .users
        .keys()
        .filter(|n| n.as_slice() != b"default")
        .cloned()
        .collect();
    ctx.state.acl.users = users;
    ctx.state.acl.generation += 1;
    for name in old {
        kill_clients_of(ctx, &name);
    }
    ctx.host.auth_changed(ctx.state.acl.auth_required());
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `ACL SAVE`
fn acl_save(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(path) = ctx.state.config.aclfile().map(<[u8]>::to_vec) else {
        return Err(error::ACL_NO_FILE);
    };
    file::save(ctx.state, &path).map_err(|_| error::ACL_SAVE_FAILED)?;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `ACL CAT [category]`
fn acl_cat(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => {
            ctx.out.array(CATEGORIES.len());
            for c in CATEGORIES {
                ctx.out.bulk(c.as_bytes());
            }
        }
        3 => {
            let bit = meta::category_bit(ctx.arg(2))
                .ok_or_else(|| error::acl_unknown_category(ctx.arg(2)))?;
            let names: Vec<&str> = meta()
                .commands
                .iter()
                .filter(|c| c.categories & bit != 0)
                .map(|c| c.name.as_str())
                .collect();
            ctx.out.array(names.len());
            for n in names {
                ctx.out.bulk(n.as_bytes());
            }
        }
        _ => return Err(error::subcommand_syntax(ctx.arg(1), "acl")),
    }
    Ok(())
}

/// # Format
/// `ACL GENPASS [bits]`
fn acl_genpass(ctx: &mut Ctx<'_>) -> CmdResult {
    let bits = match ctx.argc() {
        2 => 256,
        3 => int_arg(ctx.arg(2))?,
        _ => return Err(error::subcommand_syntax(ctx.arg(1), "acl")),
    };
    if !(1..=4096).contains(&bits) {
        return Err(error::ACL_GENPASS_BITS);
    }
    let chars = ((bits + 3) / 4) as usize;
    let pass = crate::state::random_hex(&mut ctx.state.rng, chars);
    ctx.out.bulk(pass.as_bytes());
    Ok(())
}

/// # Format
/// `ACL LOG [count | RESET]`
fn acl_log(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut count = 10i64;
    match ctx.argc() {
        2 => {}
        3 if is(ctx.arg(2), "reset") => {
            ctx.state.acl.log.clear();
            ctx.out.ok();
            return Ok(());
        }
        3 => count = int_arg(ctx.arg(2))?.max(0),
        _ => return Err(error::subcommand_syntax(ctx.arg(1), "acl")),
    }
    let count = (count as usize).min(ctx.state.acl.log.len());
    let entries: Vec<LogEntry> = ctx.state.acl.log.iter().take(count).cloned().collect();
    ctx.out.array(entries.len());
    for e in entries {
        ctx.out.map(7);
        ctx.out.bulk(b"count");
        ctx.out.int(e.count as i64);
        ctx.out.bulk(b"reason");
        ctx.out.bulk(match e.reason {
            Denied::Command => b"command",
            Denied::Key => b"key",
            Denied::Channel => b"channel",
            Denied::Auth => b"auth",
        });
        ctx.out.bulk(b"context");
        ctx.out.bulk(match e.context {
            LogContext::Toplevel => b"toplevel".as_slice(),
            LogContext::Multi => b"multi",
            LogContext::Lua => b"lua",
        });
        ctx.out.bulk(b"object");
        ctx.out.bulk(&e.object);
        ctx.out.bulk(b"username");
        ctx.out.bulk(&e.username);
        ctx.out.bulk(b"age-seconds");
        ctx.out.double((ctx.now - e.ctime) as f64 / 1000.0);
        ctx.out.bulk(b"client-info");
        ctx.out.bulk(e.client_info.as_bytes());
    }
    Ok(())
}

/// # Format
/// `ACL DRYRUN username command [arg [arg ...]]`
fn acl_dryrun(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(user) = ctx.state.acl.users.get(ctx.arg(2)) else {
        return Err(error::acl_user_not_found(ctx.arg(2)));
    };
    let args = &ctx.args[3..];
    let cmd = meta()
        .lookup(args)
        .ok_or_else(|| error::acl_command_not_found(&args[0]))?;
    let argc = args.len() as i32;
    if (cmd.arity > 0 && cmd.arity != argc) || argc < -cmd.arity {
        return Err(error::wrong_arity(&cmd.name));
    }
    match check::check_user(user, cmd, args) {
        Ok(()) => ctx.out.ok(),
        Err(r) => {
            let text = match r.reason {
                Denied::Command | Denied::Auth => format!(
                    "This user has no permissions to run the '{}' command",
                    cmd.name
                )
                .into_bytes(),
                Denied::Key => [
                    b"This user has no permissions to access the '".as_slice(),
                    &args[r.pos],
                    b"' key",
                ]
                .concat(),
                Denied::Channel => [
                    b"This user has no permissions to access the '".as_slice(),
                    &args[r.pos],
                    b"' channel",
                ]
                .concat(),
            };
            ctx.out.bulk(&text);
        }
    }
    Ok(())
}

/// # Format
/// `ACL HELP`
fn acl_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "ACL",
        &[
            "CAT [<category>]",
            "    List all commands that belong to <category>, or all command categories",
            "    when no category is specified.",
            "DELUSER <username> [<username> ...]",
            "    Delete a list of users.",
            "DRYRUN <username> <command> [<arg> ...]",
            "    Returns whether the user can execute the given command without executing the command.",
            "GETUSER <username>",
            "    Get the user's details.",
            "GENPASS [<bits>]",
            "    Generate a secure 256-bit user password. The optional `bits` argument can",
            "    be used to specify a different size.",
            "LIST",
            "    Show users details in config file format.",
            "LOAD",
            "    Reload users from the ACL file.",
            "LOG [<count> | RESET]",
            "    Show the ACL log entries.",
            "SAVE",
            "    Save the current config to the ACL file.",
            "SETUSER <username> <attribute> [<attribute> ...]",
            "    Create or modify a user with the specified attributes.",
            "USERS",
            "    List all the registered usernames.",
            "WHOAMI",
            "    Return the current connection username.",
        ],
    );
    Ok(())
}
