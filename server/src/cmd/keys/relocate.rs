//! Moving values between names and databases: RENAME, RENAMENX, COPY, MOVE
//! and SWAPDB.
//!
//! A value keeps its deadline wherever it goes (COPY copies it). RENAME
//! and MOVE carry the entry itself, access time included, as Redis moves
//! the object; COPY makes a new value with a fresh access time, as Redis
//! duplicates the object. Side effects as in Redis 7.0's `db.c`: both
//! names (or both databases) are signalled modified, and the events are
//! `rename_from`/`rename_to`, `move_from`/`move_to` and `copy_to`. A
//! destination that RENAME or COPY REPLACE overwrites fires no event of
//! its own.

use super::super::error::{self, CmdError, CmdResult};
use super::super::{Ctx, int_arg, is};
use crate::config::notify;

/// `RENAME` (`nx` false) and `RENAMENX` (`nx` true).
fn rename_generic(ctx: &mut Ctx<'_>, nx: bool) -> CmdResult {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if ctx.lookup_write(src).is_none() {
        return Err(error::NO_SUCH_KEY);
    }
    // Renaming a key to itself changes nothing, but the key must still exist.
    if src == dst {
        if nx {
            ctx.out.int(0);
        } else {
            ctx.out.ok();
        }
        return Ok(());
    }
    // Looked up for writing: an expired destination goes (with its event)
    // before anything else, as Redis's lookupKeyWrite does.
    if ctx.lookup_write(dst).is_some() && nx {
        ctx.out.int(0);
        return Ok(());
    }
    let Some(entry) = ctx.db().remove(src) else {
        return Err(error::NO_SUCH_KEY);
    };
    let deadline = entry.expire_at();
    ctx.db().insert(dst, entry.value, deadline, entry.access);
    ctx.key_modified(src);
    ctx.key_modified(dst);
    ctx.notify(notify::GENERIC, "rename_from", src);
    ctx.notify(notify::GENERIC, "rename_to", dst);
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// # Format
/// `RENAME key newkey`
pub(super) fn rename(ctx: &mut Ctx<'_>) -> CmdResult {
    rename_generic(ctx, false)
}

/// # Format
/// `RENAMENX key newkey`
pub(super) fn renamenx(ctx: &mut Ctx<'_>) -> CmdResult {
    rename_generic(ctx, true)
}

/// # Format
/// `COPY source destination [DB destination-db] [REPLACE]`
pub(super) fn copy(ctx: &mut Ctx<'_>) -> CmdResult {
    let src_db = ctx.db_index();
    let mut dst_db = src_db;
    let mut replace = false;
    let mut i = 3;
    while i < ctx.argc() {
        let opt = ctx.arg(i);
        if is(opt, "replace") {
            replace = true;
        } else if is(opt, "db") && i + 1 < ctx.argc() {
            dst_db = db_index(ctx, ctx.arg(i + 1))?;
            i += 1;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if src_db == dst_db && src == dst {
        return Err(error::SAME_OBJECT);
    }
    let Some((value, deadline)) = ctx
        .lookup_read(src)
        .map(|e| (e.value.clone(), e.expire_at()))
    else {
        ctx.out.int(0);
        return Ok(());
    };
    if ctx.lookup_in(dst_db, dst).is_some() && !replace {
        ctx.out.int(0);
        return Ok(());
    }
    let access = ctx.lru();
    ctx.state.dbs[dst_db].insert(dst, value, deadline, access);
    ctx.key_modified_in(dst_db, dst);
    ctx.notify_in(dst_db, notify::GENERIC, "copy_to", dst);
    ctx.out.int(1);
    Ok(())
}

/// # Format
/// `MOVE key db`
pub(super) fn move_(ctx: &mut Ctx<'_>) -> CmdResult {
    let src_db = ctx.db_index();
    let dst_db = db_index(ctx, ctx.arg(2))?;
    if src_db == dst_db {
        return Err(error::SAME_OBJECT);
    }
    let key = ctx.arg(1);
    if ctx.lookup_write(key).is_none() || ctx.lookup_in(dst_db, key).is_some() {
        ctx.out.int(0);
        return Ok(());
    }
    let Some(entry) = ctx.db().remove(key) else {
        ctx.out.int(0);
        return Ok(());
    };
    let deadline = entry.expire_at();
    ctx.state.dbs[dst_db].insert(key, entry.value, deadline, entry.access);
    ctx.key_modified_in(src_db, key);
    ctx.key_modified_in(dst_db, key);
    ctx.notify_in(src_db, notify::GENERIC, "move_from", key);
    ctx.notify_in(dst_db, notify::GENERIC, "move_to", key);
    ctx.out.int(1);
    Ok(())
}

/// # Format
/// `SWAPDB index1 index2`
///
/// Clients connected to either database see the other's keys at once. A
/// client WATCHing a key in either database has its transaction failed if
/// the key existed on either side (Redis's `touchAllWatchedKeysInDb`): every
/// key of both databases is signalled modified in both databases.
pub(super) fn swapdb(ctx: &mut Ctx<'_>) -> CmdResult {
    let first = int32_arg(ctx.arg(1)).map_err(|_| error::SWAPDB_FIRST_INDEX)?;
    let second = int32_arg(ctx.arg(2)).map_err(|_| error::SWAPDB_SECOND_INDEX)?;
    let count = ctx.state.dbs.len();
    let index = |n: i32| usize::try_from(n).ok().filter(|&i| i < count);
    let (Some(a), Some(b)) = (index(first), index(second)) else {
        return Err(error::DB_INDEX_OUT_OF_RANGE);
    };
    if a != b {
        // As Redis's touchAllWatchedKeysInDb: a watched key of either
        // database changes if it exists on either side of the swap. Clients
        // blocked in either database get another look.
        let now = ctx.now;
        ctx.state.touch_watched_db(a, Some(b), now);
        ctx.state.touch_watched_db(b, Some(a), now);
        ctx.state.dbs.swap(a, b);
        ctx.state.blocking.signal_db(a);
        ctx.state.blocking.signal_db(b);
    }
    ctx.state.dirty += 1;
    ctx.out.ok();
    Ok(())
}

/// Parses an argument Redis reads with `getIntFromObjectOrReply`: a
/// 64-bit integer that must also fit a C `int`.
fn int32_arg(arg: &[u8]) -> Result<i32, CmdError> {
    let n = int_arg(arg)?;
    i32::try_from(n).map_err(|_| error::INT_OUT_OF_RANGE)
}

/// A database index as MOVE and COPY … DB read it: an `int`, then a range
/// check against the number of databases.
fn db_index(ctx: &Ctx<'_>, arg: &[u8]) -> Result<usize, CmdError> {
    let n = int32_arg(arg)?;
    usize::try_from(n)
        .ok()
        .filter(|&i| i < ctx.state.dbs.len())
        .ok_or(error::DB_INDEX_OUT_OF_RANGE)
}
