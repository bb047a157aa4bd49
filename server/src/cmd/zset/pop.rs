//! ZPOPMIN, ZPOPMAX and ZMPOP, and the pieces the blocking variants
//! (BZPOPMIN, BZPOPMAX, BZMPOP) build on: [`pop`], [`pop_first_of`] and
//! [`reply_popped`].

use bytes::Bytes;

use super::access::{Access, delete_if_empty, modified, parts, probe};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, is};
use crate::config::notify;
use crate::db::Blob;
use crate::protocol::{Out, Resp};

/// Removes up to `count` members from the lowest (`min`) or highest end
/// of the sorted set at `key` and returns them in pop order, with Redis's
/// side effects: the `zpopmin`/`zpopmax` event, the WATCH signal, and the
/// key's deletion (`del` event) when it empties. A key that is missing or
/// not a sorted set yields nothing; the caller has checked its type.
pub(crate) fn pop(ctx: &mut Ctx<'_>, key: &[u8], min: bool, count: usize) -> Vec<(Blob, f64)> {
    let (z, _) = parts(ctx, key);
    let Some(z) = z else {
        return Vec::new();
    };
    let n = count.min(z.len());
    let popped = if min {
        z.remove_range(0, n)
    } else {
        let mut top = z.remove_range(z.len() - n, n);
        top.reverse();
        top
    };
    if !popped.is_empty() {
        ctx.notify(notify::ZSET, if min { "zpopmin" } else { "zpopmax" }, key);
        modified(ctx, key, popped.len());
        delete_if_empty(ctx, key);
    }
    popped
}

/// A key and the members popped from it, in pop order.
pub(crate) type Popped = (Bytes, Vec<(Blob, f64)>);

/// Pops up to `count` members from the first of `keys` that exists, as
/// ZMPOP and the blocking pops choose: keys that do not exist are skipped,
/// and the first existing key that is not a sorted set is `WRONGTYPE`.
/// `None` when no key exists.
pub(crate) fn pop_first_of(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    min: bool,
    count: usize,
) -> Result<Option<Popped>, CmdError> {
    for key in keys {
        if probe(ctx, key, Access::Write)? {
            let popped = pop(ctx, key, min, count);
            return Ok(Some((key.clone(), popped)));
        }
    }
    Ok(None)
}

/// Writes popped members in the shapes of Redis's `genericZpopCommand`:
/// `[m, s, m, s…]` flat or `[[m, s]…]` nested, preceded by the key when
/// `key` is given (`[key, m, s…]` flat, `[key, [[m, s]…]]` nested).
pub(crate) fn reply_popped(out: &mut Out, key: Option<&[u8]>, items: &[(Blob, f64)], nested: bool) {
    let n = items.len();
    match (key, nested) {
        (None, false) => out.array(n * 2),
        (None, true) => out.array(n),
        (Some(k), false) => {
            out.array(n * 2 + 1);
            out.bulk(k);
        }
        (Some(k), true) => {
            out.array(2);
            out.bulk(k);
            out.array(n);
        }
    }
    for (member, score) in items {
        if nested {
            out.array(2);
        }
        out.bulk(member);
        out.double(*score);
    }
}

fn zpop_generic(ctx: &mut Ctx<'_>, min: bool) -> CmdResult {
    if ctx.argc() > 3 {
        return Err(error::SYNTAX);
    }
    let count = if ctx.argc() == 3 {
        let n = crate::num::parse_i64(ctx.arg(2)).filter(|n| *n >= 0);
        Some(n.ok_or(error::MUST_BE_POSITIVE)?)
    } else {
        None
    };
    // RESP3 nests the pairs only when a count was given, even a count of 1.
    let nested = ctx.out.resp() == Resp::V3 && count.is_some();
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? || count == Some(0) {
        ctx.out.array(0);
        return Ok(());
    }
    let count = count.map_or(1, |c| usize::try_from(c).unwrap_or(usize::MAX));
    let popped = pop(ctx, key, min, count);
    reply_popped(ctx.out, None, &popped, nested);
    Ok(())
}

/// # Format
/// `ZPOPMIN key [count]`
pub(super) fn zpopmin(ctx: &mut Ctx<'_>) -> CmdResult {
    zpop_generic(ctx, true)
}

/// # Format
/// `ZPOPMAX key [count]`
pub(super) fn zpopmax(ctx: &mut Ctx<'_>) -> CmdResult {
    zpop_generic(ctx, false)
}

/// Parses ZMPOP's (or BZMPOP's) `numkeys key [key ...] MIN | MAX [COUNT
/// count]` starting at argument `numkeys_at`: the keys, whether MIN, and
/// the count (1 by default).
pub(crate) fn parse_mpop<'a>(
    ctx: &Ctx<'a>,
    numkeys_at: usize,
) -> Result<(&'a [Bytes], bool, usize), CmdError> {
    let numkeys = crate::num::parse_i64(ctx.arg(numkeys_at))
        .filter(|n| *n >= 1)
        .ok_or(error::NUMKEYS_NOT_POSITIVE)?;
    let where_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(numkeys_at + 1))
        .filter(|i| *i < ctx.argc())
        .ok_or(error::SYNTAX)?;
    let min = if is(ctx.arg(where_at), "min") {
        true
    } else if is(ctx.arg(where_at), "max") {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let mut count = None;
    let mut j = where_at + 1;
    while j < ctx.argc() {
        let more = ctx.argc() - 1 - j;
        if count.is_none() && is(ctx.arg(j), "count") && more > 0 {
            j += 1;
            let n = crate::num::parse_i64(ctx.arg(j))
                .filter(|n| *n >= 1)
                .ok_or(error::COUNT_NOT_POSITIVE)?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let args: &'a [Bytes] = ctx.args;
    Ok((&args[numkeys_at + 1..where_at], min, count.unwrap_or(1)))
}

/// # Format
/// `ZMPOP numkeys key [key ...] MIN | MAX [COUNT count]`
///
/// Replies `[key, [[member, score]…]]` in both protocols, or a null array
/// when no key exists.
pub(super) fn zmpop(ctx: &mut Ctx<'_>) -> CmdResult {
    let (keys, min, count) = parse_mpop(ctx, 1)?;
    match pop_first_of(ctx, keys, min, count)? {
        Some((key, popped)) => {
            reply_popped(ctx.out, Some(&key), &popped, true);
            propagate_pop(ctx, &key, min, Some(popped.len()));
        }
        None => ctx.out.null_array(),
    }
    Ok(())
}

/// ZMPOP and the blocking pops travel as the ZPOPMIN or ZPOPMAX they
/// were (with the count they popped, for the forms that take one).
pub(crate) fn propagate_pop(ctx: &mut Ctx<'_>, key: &[u8], min: bool, count: Option<usize>) {
    if !ctx.propagating() {
        return;
    }
    let pop: &[u8] = if min { b"ZPOPMIN" } else { b"ZPOPMAX" };
    let args = match count {
        Some(n) => crate::cmd::repl::args_of(&[pop, key, n.to_string().as_bytes()]),
        None => crate::cmd::repl::args_of(&[pop, key]),
    };
    ctx.propagate_as(vec![args]);
}
