//! What the list commands share: looking up the list at a key with its
//! type check ([`probe`]) and borrowing it afterwards ([`parts`],
//! [`list_mut`]), the side effects of pushes and pops (events, deleting a
//! list left empty, change signals), the `LEFT`/`RIGHT` argument and the
//! array-of-bulks reply. The commands themselves are in the sibling
//! modules.

use crate::cmd::error::{self, CmdError};
use crate::cmd::{Ctx, is};
use crate::config::notify;
use crate::db::list::{End, List};
use crate::db::{Blob, Lookup, Value};
use crate::protocol::Out;

/// Parses `LEFT` or `RIGHT` (any case); anything else is a syntax error.
pub(super) fn end_arg(arg: &[u8]) -> Result<End, CmdError> {
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
pub(super) enum Access {
    Read,
    Write,
}

/// Looks `key` up, expiring it lazily: `Ok(true)` if it holds a list,
/// `Ok(false)` if it does not exist, WRONGTYPE if it holds something else.
pub(super) fn probe(ctx: &mut Ctx<'_>, key: &[u8], access: Access) -> Result<bool, CmdError> {
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
pub(super) fn parts<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<(&'c mut List, &'c mut Out)> {
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
pub(super) fn list_mut<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c mut List> {
    parts(ctx, key).map(|(list, _)| list)
}

/// What follows elements being popped from `key` at `end` (Redis's
/// `listElementsRemoved`): the pop event, the deletion of a list left
/// empty with its `del` event, and the change signal (WATCH, waiters).
pub(super) fn after_pop(ctx: &mut Ctx<'_>, key: &[u8], end: End) {
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
pub(super) fn push_values<I>(ctx: &mut Ctx<'_>, key: &[u8], end: End, values: I) -> usize
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
pub(super) fn bulk_array(out: &mut Out, items: &[Blob]) {
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
}
