//! List commands: pushes and pops at both ends, indexed access, LPOS,
//! moves between lists, and the blocking pops and moves.
//!
//! Every command follows `t_list.c` of Redis 7.0 in the order of its
//! checks (which argument is parsed before the key is looked up, and which
//! after), its replies in both protocols, and its keyspace events. A list
//! that becomes empty is deleted at once, as Redis never keeps an empty
//! list.
//!
//! The blocking commands find nothing, ask the core to block
//! ([`Ctx::block`]) and are run again, with [`Ctx::ready_key`] set, when a
//! key they wait on changes; [`crate::state::waiters`] owns the waiting, the
//! order of service and the timeouts.
//!
//! * [`edit`]: pushes, pops, LSET, LINSERT, LREM, LTRIM.
//! * [`read`]: LLEN, LRANGE, LINDEX, LPOS.
//! * [`transfer`]: LMOVE, RPOPLPUSH and their blocking forms.
//! * [`multipop`]: LMPOP, BLPOP, BRPOP, BLMPOP.

mod edit;
mod multipop;
mod read;
mod transfer;

use super::error::{self, CmdError};
use super::flags::*;
use super::{CommandSpec, Ctx, is};
use crate::config::notify;
use crate::db::list::{End, List};
use crate::db::{Blob, Lookup, Value};
use crate::protocol::Out;

const GROUP: &str = "list";

/// The list commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("lpush", -3, edit::lpush)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(GROUP, "1.0.0", "Adds elements at the head of a list."),
    CommandSpec::new("rpush", -3, edit::rpush)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(GROUP, "1.0.0", "Adds elements at the tail of a list."),
    CommandSpec::new("lpushx", -3, edit::lpushx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "2.2.0",
            "Adds elements at the head of a list that already exists.",
        ),
    CommandSpec::new("rpushx", -3, edit::rpushx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "2.2.0",
            "Adds elements at the tail of a list that already exists.",
        ),
    CommandSpec::new("lpop", -2, edit::lpop)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "1.0.0",
            "Removes and returns elements from the head of a list.",
        ),
    CommandSpec::new("rpop", -2, edit::rpop)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write list fast")
        .doc(
            GROUP,
            "1.0.0",
            "Removes and returns elements from the tail of a list.",
        ),
    CommandSpec::new("lrange", 4, read::lrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Returns the elements of a list between two indexes.",
        ),
    CommandSpec::new("llen", 2, read::llen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read list fast")
        .doc(GROUP, "1.0.0", "Returns how many elements a list holds."),
    CommandSpec::new("lindex", 3, read::lindex)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(GROUP, "1.0.0", "Returns the element of a list at an index."),
    CommandSpec::new("lset", 4, edit::lset)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Replaces the element of a list at an index.",
        ),
    CommandSpec::new("linsert", 5, edit::linsert)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "2.2.0",
            "Inserts an element before or after the first occurrence of another.",
        ),
    CommandSpec::new("lrem", 4, edit::lrem)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Removes occurrences of an element from a list.",
        ),
    CommandSpec::new("ltrim", 4, edit::ltrim)
        .flags(WRITE)
        .keys(1, 1, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.0.0",
            "Keeps only the elements of a list between two indexes.",
        ),
    CommandSpec::new("lpos", -3, read::lpos)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read list slow")
        .doc(
            GROUP,
            "6.0.6",
            "Returns the indexes at which an element occurs in a list.",
        ),
    CommandSpec::new("lmove", 5, transfer::lmove)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "6.2.0",
            "Pops an element from one end of a list and pushes it onto an end of another.",
        ),
    CommandSpec::new("rpoplpush", 3, transfer::rpoplpush)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("write list slow")
        .doc(
            GROUP,
            "1.2.0",
            "Pops the tail element of a list and pushes it at the head of another.",
        ),
    CommandSpec::new("lmpop", -4, multipop::lmpop)
        .numkeys(1, false)
        .flags(WRITE | MOVABLE_KEYS)
        .acl("write list slow")
        .doc(
            GROUP,
            "7.0.0",
            "Pops elements from the first non-empty list among several keys.",
        ),
    CommandSpec::new("blpop", -3, multipop::blpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .keys(1, -2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.0.0",
            "Pops the head element of the first non-empty list, waiting for one if none.",
        ),
    CommandSpec::new("brpop", -3, multipop::brpop)
        .flags(WRITE | NOSCRIPT | BLOCKING)
        .keys(1, -2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.0.0",
            "Pops the tail element of the first non-empty list, waiting for one if none.",
        ),
    CommandSpec::new("blmove", 6, transfer::blmove)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .keys(1, 2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "6.2.0",
            "Moves an element between lists as LMOVE, waiting for one if the source is empty.",
        ),
    CommandSpec::new("brpoplpush", 4, transfer::brpoplpush)
        .flags(WRITE | DENYOOM | NOSCRIPT | BLOCKING)
        .keys(1, 2, 1)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "2.2.0",
            "Moves an element as RPOPLPUSH, waiting for one if the source is empty.",
        ),
    CommandSpec::new("blmpop", -5, multipop::blmpop)
        .numkeys(2, false)
        .flags(WRITE | BLOCKING | MOVABLE_KEYS)
        .acl("write list slow blocking")
        .doc(
            GROUP,
            "7.0.0",
            "Pops elements as LMPOP, waiting for a non-empty list if there is none.",
        ),
];

/// Parses `LEFT` or `RIGHT` (any case); anything else is a syntax error.
fn end_arg(arg: &[u8]) -> Result<End, CmdError> {
    if is(arg, "left") {
        Ok(End::Left)
    } else if is(arg, "right") {
        Ok(End::Right)
    } else {
        Err(error::SYNTAX)
    }
}

/// The keyspace event of a push at `end`.
fn push_event(end: End) -> &'static str {
    match end {
        End::Left => "lpush",
        End::Right => "rpush",
    }
}

/// The keyspace event of a pop at `end`.
fn pop_event(end: End) -> &'static str {
    match end {
        End::Left => "lpop",
        End::Right => "rpop",
    }
}

/// How a key is looked up: as Redis's `lookupKeyRead` (counts keyspace
/// hits and misses) or `lookupKeyWrite` (does not).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// Looks `key` up, expiring it lazily: `Ok(true)` if it holds a list,
/// `Ok(false)` if it does not exist, WRONGTYPE if it holds something else.
fn probe(ctx: &mut Ctx<'_>, key: &[u8], access: Access) -> Result<bool, CmdError> {
    let entry = match access {
        Access::Read => ctx.lookup_read(key),
        Access::Write => ctx.lookup_write(key),
    };
    match entry.map(|e| matches!(e.value, Value::List(_))) {
        None => Ok(false),
        Some(true) => Ok(true),
        Some(false) => Err(error::WRONGTYPE),
    }
}

/// The list at `key` together with the reply buffer, so that a reply can
/// be written straight from the elements. Call after [`probe`] found a
/// list: at the same instant the key cannot have expired since, so this
/// second lookup has no side effect (no expiry, no statistics).
fn parts<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<(&'c mut List, &'c mut Out)> {
    let now = ctx.now;
    let db = &mut ctx.state.dbs[ctx.client.db];
    let Lookup::Found(idx) = db.lookup(key, now) else {
        return None;
    };
    match &mut db.entry_at_mut(idx).value {
        Value::List(list) => Some((&mut **list, &mut *ctx.out)),
        _ => None,
    }
}

/// The list at `key`; see [`parts`].
fn list_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c mut List> {
    parts(ctx, key).map(|(list, _)| list)
}

/// What follows elements being popped from `key` at `end` (Redis's
/// `listElementsRemoved`): the pop event, the deletion of a list left
/// empty with its `del` event, and the change signal (WATCH, waiters).
fn after_pop(ctx: &mut Ctx<'_>, key: &[u8], end: End) {
    ctx.notify(notify::LIST, pop_event(end), key);
    let emptied = list_mut(ctx, key).is_some_and(|l| l.is_empty());
    if emptied {
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.key_modified(key);
}

/// Pushes `values` at `end` of the list at `key`, creating it (with its
/// `new` event) if missing; the caller has checked the key's type. Fires
/// the push event and signals the change; returns the new length.
fn push_values<I>(ctx: &mut Ctx<'_>, key: &[u8], end: End, values: I) -> usize
where
    I: IntoIterator<Item = Blob>,
{
    let len = match list_mut(ctx, key) {
        Some(list) => {
            for v in values {
                list.push(end, v);
            }
            list.len()
        }
        None => {
            let mut list = List::default();
            for v in values {
                list.push(end, v);
            }
            let len = list.len();
            let lru = ctx.lru();
            ctx.db().insert(key, Value::List(Box::new(list)), None, lru);
            ctx.notify(notify::NEW, "new", key);
            len
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::LIST, push_event(end), key);
    len
}

/// Writes `items` as an array of bulk strings.
fn bulk_array(out: &mut Out, items: &[Blob]) {
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
}
