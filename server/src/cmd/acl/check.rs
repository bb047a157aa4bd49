//! Checking a request against a user's permissions, as Redis's
//! `ACLCheckAllUserCommandPerm` does: a request is allowed if one of the
//! user's selectors allows its command (or its first argument), every key
//! it names with the access the key's flags need, and every channel it
//! publishes or subscribes to. When none does, the refusal reported is
//! the most specific one (a channel over a key over the command), at the
//! last position any selector tripped on.
//!
//! The executor calls [`check`] for every command a client sends, EXEC
//! for each command it runs, and the script bridge for each `redis.call`.
//! A client whose user allows everything (the default user, unless
//! changed) pays one comparison: it remembers the ACL generation at which
//! it found so.

use bytes::Bytes;

use crate::cmd::meta::keys::{self, KeyRef, channel_flags};
use crate::cmd::meta::{CommandMeta, key_flags, meta};
use crate::cmd::{Client, CommandSpec};
use crate::glob;
use crate::state::State;
use crate::state::acl::{
    Denied, KEY_READ, KEY_WRITE, LogContext, LogEntry, Selector, User, selector_flags as sf,
};

impl From<Denied> for crate::cmd::error::Denied {
    fn from(d: Denied) -> Self {
        match d {
            Denied::Command => Self::Command,
            Denied::Key => Self::Key,
            Denied::Auth => Self::Auth,
            Denied::Channel => Self::Channel,
        }
    }
}

/// A refused request: why, and the argument (key or channel) at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Why.
    pub reason: Denied,
    /// Position of the key or channel at fault (0 for a command).
    pub pos: usize,
}

/// The command ACL rules know `spec` as: Redis 7.0's of the same name.
/// CLIENT SETINFO (7.2's, which redsim accepts) is allowed where CLIENT
/// SETNAME is.
pub fn acl_command(spec: &CommandSpec) -> Option<&'static CommandMeta> {
    let m = meta();
    m.get(spec.name).or_else(|| match spec.name {
        "client|setinfo" => m.get("client|setname"),
        _ => None,
    })
}

fn key_allowed(s: &Selector, key: &[u8], flags: u32) -> bool {
    if s.has(sf::ALLKEYS) {
        return true;
    }
    let mut need = 0;
    if flags & key_flags::ACCESS != 0 {
        need |= KEY_READ;
    }
    if flags & (key_flags::INSERT | key_flags::DELETE | key_flags::UPDATE) != 0 {
        need |= KEY_WRITE;
    }
    s.keys
        .iter()
        .any(|p| p.access & need == need && glob::matches(&p.pattern, key, false))
}

/// Whether `channel` is among `patterns`: a subscribed pattern must be
/// one of them literally, a channel must match one.
pub fn channel_allowed(patterns: &[Vec<u8>], channel: &[u8], is_pattern: bool) -> bool {
    patterns.iter().any(|p| {
        if is_pattern {
            p.as_slice() == channel
        } else {
            glob::matches(p, channel, false)
        }
    })
}

/// One selector's verdict (Redis's `ACLSelectorCheckCmd`); `keys` caches
/// the request's keys across selectors.
fn check_selector(
    s: &Selector,
    cmd: &CommandMeta,
    args: &[Bytes],
    keys: &mut Option<Vec<KeyRef>>,
) -> Result<(), Refusal> {
    let refuse = |reason, pos| Err(Refusal { reason, pos });
    if !s.has(sf::ALLCOMMANDS) && !cmd.has(crate::cmd::flags::NO_AUTH) && !s.commands.get(cmd.id) {
        let at = if cmd.parent.is_some() { 2 } else { 1 };
        let allowed = s.first_args.get(&cmd.id).is_some_and(|firsts| {
            args.len() >= 2
                && args
                    .get(at)
                    .is_some_and(|a| firsts.iter().any(|f| f.eq_ignore_ascii_case(a)))
        });
        if !allowed {
            return refuse(Denied::Command, 0);
        }
    }
    if !s.has(sf::ALLKEYS) && keys::has_keys(cmd) {
        let found = keys.get_or_insert_with(|| keys::keys(cmd, args));
        for k in found.iter() {
            if !key_allowed(s, &args[k.pos], k.flags) {
                return refuse(Denied::Key, k.pos);
            }
        }
    }
    let checked = channel_flags::PUBLISH | channel_flags::SUBSCRIBE;
    if !s.has(sf::ALLCHANNELS) && keys::has_channels(cmd, checked) {
        for ch in keys::channels(cmd, args) {
            if ch.flags & checked == 0 {
                continue;
            }
            let is_pattern = ch.flags & channel_flags::PATTERN != 0;
            if !channel_allowed(&s.channels, &args[ch.pos], is_pattern) {
                return refuse(Denied::Channel, ch.pos);
            }
        }
    }
    Ok(())
}

/// Whether `user` may run `cmd` with `args`; the refusal Redis reports
/// otherwise.
pub fn check_user(user: &User, cmd: &CommandMeta, args: &[Bytes]) -> Result<(), Refusal> {
    let mut keys = None;
    let mut worst = Refusal {
        reason: Denied::Command,
        pos: 0,
    };
    for s in &user.selectors {
        match check_selector(s, cmd, args, &mut keys) {
            Ok(()) => return Ok(()),
            Err(r) => {
                if r.reason > worst.reason || (r.reason == worst.reason && r.pos > worst.pos) {
                    worst = r;
                }
            }
        }
    }
    Err(worst)
}

/// Checks a request of `client` (or of the script it runs): `Ok` when
/// its user may run it. A user that allows everything is remembered by
/// the client until the users change, so that its next requests cost a
/// comparison.
#[inline]
pub fn check(
    state: &State,
    client: &mut Client,
    spec: &CommandSpec,
    args: &[Bytes],
) -> Result<(), Refusal> {
    if client.acl_clear == state.acl.generation {
        return Ok(());
    }
    check_slow(state, client, spec, args)
}

#[cold]
fn check_slow(
    state: &State,
    client: &mut Client,
    spec: &CommandSpec,
    args: &[Bytes],
) -> Result<(), Refusal> {
    let Some(user) = state.acl.users.get(client.user.as_ref()) else {
        // Its user was deleted: the connection is closing; nothing more
        // runs as it.
        return Err(Refusal {
            reason: Denied::Command,
            pos: 0,
        });
    };
    if user.unrestricted() {
        client.acl_clear = state.acl.generation;
        return Ok(());
    }
    let Some(cmd) = acl_command(spec) else {
        return Ok(());
    };
    check_user(user, cmd, args)
}

/// Records a refusal in ACL LOG: what (the command's full name, or the
/// key or channel), who, where, and the client's CLIENT LIST line at
/// that moment.
#[allow(clippy::too_many_arguments)]
pub fn log_refusal(
    state: &mut State,
    client: &Client,
    spec: &CommandSpec,
    args: &[Bytes],
    refusal: Refusal,
    context: LogContext,
    now: i64,
) {
    let object = match refusal.reason {
        Denied::Command => spec.name.as_bytes().to_vec(),
        Denied::Key | Denied::Channel => args[refusal.pos].to_vec(),
        Denied::Auth => args[0].to_vec(),
    };
    let entry = LogEntry {
        count: 1,
        reason: refusal.reason,
        context,
        object,
        username: client.user.to_vec(),
        ctime: now,
        client_info: crate::cmd::client_line::client_info_line(state, client, now),
    };
    let max = state.config.acllog_max_len();
    state.acl.log(entry, max);
}
