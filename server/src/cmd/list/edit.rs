//! Commands that change a list in place: pushes, pops, LSET, LINSERT,
//! LREM and LTRIM.

use super::access::{Access, after_pop, bulk_array, list_mut, probe, push_values};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::list::End;
use crate::num;

/// # Format
/// `LPUSH key element [element ...]`
///
/// Replies with the length after the push.
pub(super) fn lpush(ctx: &mut Ctx<'_>) -> CmdResult {
    push(ctx, End::Left, false)
}

/// # Format
/// `RPUSH key element [element ...]`
pub(super) fn rpush(ctx: &mut Ctx<'_>) -> CmdResult {
    push(ctx, End::Right, false)
}

/// # Format
/// `LPUSHX key element [element ...]`
///
/// Pushes only onto an existing list; 0 when the key is missing.
pub(super) fn lpushx(ctx: &mut Ctx<'_>) -> CmdResult {
    push(ctx, End::Left, true)
}

/// # Format
/// `RPUSHX key element [element ...]`
pub(super) fn rpushx(ctx: &mut Ctx<'_>) -> CmdResult {
    push(ctx, End::Right, true)
}

fn push(ctx: &mut Ctx<'_>, end: End, only_existing: bool) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? && only_existing {
        ctx.out.int(0);
        return Ok(());
    }
    let len = push_values(ctx, key, end, args[2..].iter().map(|a| Blob::new(a)));
    ctx.out.int(len as i64);
    Ok(())
}

/// # Format
/// `LPOP key [count]`
///
/// Without a count: the element, or a null when the key is missing. With
/// one: an array of up to `count` elements (empty for 0), or a null array
/// when the key is missing.
pub(super) fn lpop(ctx: &mut Ctx<'_>) -> CmdResult {
    pop(ctx, End::Left, "lpop")
}

/// # Format
/// `RPOP key [count]`
pub(super) fn rpop(ctx: &mut Ctx<'_>) -> CmdResult {
    pop(ctx, End::Right, "rpop")
}

fn pop(ctx: &mut Ctx<'_>, end: End, name: &str) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(error::wrong_arity(name));
    }
    // Redis parses the count with a range check whose only message is
    // "must be positive", even for a count that is not a number.
    let count = match ctx.args.get(2) {
        Some(arg) => Some(
            num::parse_i64(arg)
                .filter(|n| *n >= 0)
                .ok_or(error::MUST_BE_POSITIVE)?,
        ),
        None => None,
    };
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        match count {
            Some(_) => ctx.out.null_array(),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    match count {
        Some(0) => {
            ctx.out.array(0);
            return Ok(());
        }
        Some(n) => {
            let popped = list_mut(ctx, key)
                .map(|l| l.pop_many(end, usize::try_from(n).unwrap_or(usize::MAX)))
                .unwrap_or_default();
            bulk_array(ctx.out, &popped);
        }
        None => match list_mut(ctx, key).and_then(|l| l.pop(end)) {
            Some(v) => ctx.out.bulk(&v),
            None => ctx.out.null(),
        },
    }
    after_pop(ctx, key, end);
    Ok(())
}

/// # Format
/// `LSET key index element`
///
/// `ERR no such key` for a missing key (checked before the index is
/// parsed), `ERR index out of range` past either end.
pub(super) fn lset(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        return Err(error::NO_SUCH_KEY);
    }
    let index = int_arg(ctx.arg(2))?;
    let value = Blob::new(ctx.arg(3));
    let replaced = list_mut(ctx, key).is_some_and(|l| l.set(index, value));
    if !replaced {
        return Err(error::INDEX_OUT_OF_RANGE);
    }
    ctx.out.ok();
    ctx.key_modified(key);
    ctx.notify(notify::LIST, "lset", key);
    Ok(())
}

/// # Format
/// `LINSERT key BEFORE|AFTER pivot element`
///
/// Replies with the new length, -1 when the pivot is not found, 0 when the
/// key is missing.
pub(super) fn linsert(ctx: &mut Ctx<'_>) -> CmdResult {
    let after = if is(ctx.arg(2), "after") {
        true
    } else if is(ctx.arg(2), "before") {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let (pivot, value) = (ctx.arg(3), Blob::new(ctx.arg(4)));
    let len = list_mut(ctx, key).and_then(|l| l.insert(pivot, value, after).then(|| l.len()));
    match len {
        Some(len) => {
            ctx.key_modified(key);
            ctx.notify(notify::LIST, "linsert", key);
            ctx.out.int(len as i64);
        }
        None => ctx.out.int(-1),
    }
    Ok(())
}

/// # Format
/// `LREM key count element`
///
/// Removes the first `count` occurrences from the head (`count > 0`), from
/// the tail (`count < 0`) or all of them (`0`); replies with how many.
pub(super) fn lrem(ctx: &mut Ctx<'_>) -> CmdResult {
    let count = int_arg(ctx.arg(2))?;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let value = ctx.arg(3);
    let (removed, emptied) = match list_mut(ctx, key) {
        Some(list) => (list.remove(count, value), list.is_empty()),
        None => (0, false),
    };
    if removed > 0 {
        ctx.key_modified(key);
        ctx.notify(notify::LIST, "lrem", key);
    }
    if emptied {
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// # Format
/// `LTRIM key start stop`
///
/// Keeps the inclusive range (indexes as LRANGE's); an empty range deletes
/// the list. Always `+OK`, even for a missing key.
pub(super) fn ltrim(ctx: &mut Ctx<'_>) -> CmdResult {
    let start = int_arg(ctx.arg(2))?;
    let stop = int_arg(ctx.arg(3))?;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.ok();
        return Ok(());
    }
    let emptied = match list_mut(ctx, key) {
        Some(list) => {
            list.trim(start, stop);
            list.is_empty()
        }
        None => false,
    };
    ctx.notify(notify::LIST, "ltrim", key);
    if emptied {
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    ctx.key_modified(key);
    ctx.out.ok();
    Ok(())
}
