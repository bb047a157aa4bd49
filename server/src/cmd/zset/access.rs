//! What the sorted-set commands share: looking up the sorted set at a key
//! with its type check ([`probe`]) and borrowing it afterwards ([`parts`],
//! [`zset_in`]), the side effects of writes (the WATCH signal and change
//! count, deleting a key left empty, the STORE commands' replacement of
//! the destination), the encoding limits from the configuration, and the
//! members-with-scores reply. The commands are in the sibling modules.

use crate::cmd::Ctx;
use crate::cmd::error::{self, CmdError};
use crate::config::notify;
use crate::db::zset::{Limits, ZSet};
use crate::db::{Db, Lookup, Value};
use crate::protocol::{Out, Resp};
use crate::state::State;

/// The encoding thresholds from the configuration.
pub(crate) fn limits(ctx: &Ctx<'_>) -> Limits {
    let c = &ctx.state.config;
    Limits {
        entries: usize::try_from(c.zset_max_listpack_entries()).unwrap_or(0),
        value: usize::try_from(c.zset_max_listpack_value()).unwrap_or(0),
    }
}

/// How a command looks its key up (statistics and access time, as Redis's
/// `lookupKeyRead` / `lookupKeyWrite`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A read: counts a keyspace hit or miss.
    Read,
    /// A write.
    Write,
}

/// Looks `key` up (lazy expiry, access time, statistics): `Ok(true)` if it
/// holds a sorted set, `Ok(false)` if it does not exist, `WRONGTYPE`
/// otherwise.
pub(crate) fn probe(ctx: &mut Ctx<'_>, key: &[u8], access: Access) -> Result<bool, CmdError> {
    let entry = match access {
        Access::Read => ctx.lookup_read(key),
        Access::Write => ctx.lookup_write(key),
    };
    match entry.map(|e| &e.value) {
        None => Ok(false),
        Some(Value::ZSet(_)) => Ok(true),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The sorted set at `key` in database `db`, found without side effects
/// (the caller has [`probe`]d it).
pub(crate) fn zset_in<'s>(
    state: &'s mut State,
    db: usize,
    key: &[u8],
    now: i64,
) -> Option<&'s mut ZSet> {
    zset_of(&mut state.dbs[db], key, now)
}

/// [`zset_in`] on one database, leaving the rest of the state free.
pub(crate) fn zset_of<'s>(db: &'s mut Db, key: &[u8], now: i64) -> Option<&'s mut ZSet> {
    match db.lookup(key, now) {
        Lookup::Found(i) => match &mut db.entry_at_mut(i).value {
            Value::ZSet(z) => Some(z),
            _ => None,
        },
        _ => None,
    }
}

/// The sorted set at `key` of the selected database together with the
/// reply buffer, borrowed at once (the caller has [`probe`]d the key).
pub(crate) fn parts<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> (Option<&'c mut ZSet>, &'c mut Out) {
    let (db, now) = (ctx.client.db, ctx.now);
    (zset_in(ctx.state, db, key, now), ctx.out)
}

/// Signals a change of `key` (WATCH) that changed `changes` members:
/// Redis counts each toward INFO's `rdb_changes_since_last_save`.
pub(crate) fn modified(ctx: &mut Ctx<'_>, key: &[u8], changes: usize) {
    ctx.key_modified(key);
    // key_modified counts one change; Redis counts one per member.
    ctx.state.dirty += (changes as u64).saturating_sub(1);
}

/// After a write that may have emptied the sorted set at `key`: deletes
/// the key (with Redis's `del` event) if so. True if it was deleted.
pub(crate) fn delete_if_empty(ctx: &mut Ctx<'_>, key: &[u8]) -> bool {
    let (db, now) = (ctx.client.db, ctx.now);
    let empty = zset_in(ctx.state, db, key, now).is_some_and(|z| z.is_empty());
    if empty {
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    empty
}

/// Replaces whatever `dst` holds with `result` (or deletes `dst` when the
/// result is empty) and replies with the new cardinality, as the STORE
/// commands do; `event` is the keyspace event of a non-empty result.
pub(crate) fn store(ctx: &mut Ctx<'_>, dst: &[u8], result: ZSet, event: &str) {
    let len = result.len();
    if len > 0 {
        let lru = ctx.lru();
        ctx.db()
            .insert(dst, Value::ZSet(Box::new(result)), None, lru);
        ctx.key_modified(dst);
        ctx.notify(notify::ZSET, event, dst);
        ctx.out.int(len as i64);
    } else {
        ctx.out.int(0);
        if ctx.delete(dst) {
            ctx.key_modified(dst);
            ctx.notify(notify::GENERIC, "del", dst);
        }
    }
}

/// Writes members (with their scores when `withscores`) as Redis replies
/// with ranges: a flat array in RESP2, `[member, score]` pairs in RESP3.
pub(crate) fn reply_members<'a>(
    out: &mut Out,
    len: usize,
    items: impl Iterator<Item = (&'a [u8], f64)>,
    withscores: bool,
) {
    let resp3 = out.resp() == Resp::V3;
    out.array(if withscores && !resp3 { len * 2 } else { len });
    for (member, score) in items.take(len) {
        if withscores && resp3 {
            out.array(2);
        }
        out.bulk(member);
        if withscores {
            out.double(score);
        }
    }
}
