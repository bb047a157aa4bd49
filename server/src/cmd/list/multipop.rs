//! Popping from the first non-empty of several lists: LMPOP and the
//! blocking BLPOP, BRPOP and BLMPOP.

use super::access::{Access, after_pop, bulk_array, end_arg, list_mut, probe};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, is, timeout_arg};
use crate::db::list::End;
use crate::num;

/// # Format
/// `BLPOP key [key ...] timeout`
///
/// Pops the head of the first non-empty list and replies `[key, element]`;
/// otherwise waits up to `timeout` seconds (0: for ever) for one of the
/// keys to get elements. A key of another type met before a non-empty list
/// is WRONGTYPE. Inside MULTI it does not wait and answers a null array.
pub(super) fn blpop(ctx: &mut Ctx<'_>) -> CmdResult {
    blocking_pop(ctx, End::Left)
}

/// # Format
/// `BRPOP key [key ...] timeout`
pub(super) fn brpop(ctx: &mut Ctx<'_>) -> CmdResult {
    blocking_pop(ctx, End::Right)
}

fn blocking_pop(ctx: &mut Ctx<'_>, end: End) -> CmdResult {
    let args = ctx.args;
    let last = args.len() - 1;
    let deadline = timeout_arg(&args[last], ctx.now)?;
    let keys: Vec<&[u8]> = args[1..last].iter().map(|k| &k[..]).collect();
    pop_first(ctx, &keys, end, None, Some(deadline))
}

/// # Format
/// `LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]`
///
/// Pops up to `count` (default 1) elements from the first non-empty list
/// and replies `[key, [element ...]]`, or a null array if all are empty.
pub(super) fn lmpop(ctx: &mut Ctx<'_>) -> CmdResult {
    let (keys, end, count) = mpop_args(ctx, 1)?;
    pop_first(ctx, &keys, end, Some(count), None)
}

/// # Format
/// `BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]`
///
/// LMPOP, or waits as BLPOP does. The timeout is parsed after the other
/// arguments.
pub(super) fn blmpop(ctx: &mut Ctx<'_>) -> CmdResult {
    let (keys, end, count) = mpop_args(ctx, 2)?;
    let deadline = timeout_arg(ctx.arg(1), ctx.now)?;
    pop_first(ctx, &keys, end, Some(count), Some(deadline))
}

/// Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at
/// argument `at`: the keys, the end and the count.
fn mpop_args<'a>(ctx: &Ctx<'a>, at: usize) -> Result<(Vec<&'a [u8]>, End, usize), CmdError> {
    let args = ctx.args;
    let numkeys = num::parse_i64(&args[at])
        .filter(|n| *n > 0)
        .ok_or(error::NUMKEYS_NOT_POSITIVE)?;
    // More keys than arguments leave no room for LEFT|RIGHT.
    let end_at = usize::try_from(numkeys)
        .ok()
        .and_then(|n| n.checked_add(at + 1))
        .filter(|&i| i < args.len())
        .ok_or(error::SYNTAX)?;
    let end = end_arg(&args[end_at])?;
    let mut count = None;
    let mut j = end_at + 1;
    while j < args.len() {
        if count.is_none() && is(&args[j], "count") && j + 1 < args.len() {
            j += 1;
            let n = num::parse_i64(&args[j])
                .filter(|n| *n > 0)
                .ok_or(error::COUNT_NOT_POSITIVE)?;
            count = Some(usize::try_from(n).unwrap_or(usize::MAX));
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let keys = args[at + 1..end_at].iter().map(|k| &k[..]).collect();
    Ok((keys, end, count.unwrap_or(1)))
}

/// Pops from the first of `keys` that holds a list, as Redis's
/// `blockingPopGenericCommand` and `mpopGenericCommand`: missing keys are
/// skipped, a key of another type is WRONGTYPE. `count` is `None` for
/// BLPOP/BRPOP (reply `[key, element]`) and the LMPOP count otherwise
/// (reply `[key, [elements]]`). `block` is the deadline of a blocking
/// command, `None` for LMPOP.
///
/// When a blocked client is served ([`Ctx::ready_key`]), only the key that
/// became ready is considered, and a key that is missing or of another
/// type keeps the client waiting.
fn pop_first(
    ctx: &mut Ctx<'_>,
    keys: &[&[u8]],
    end: End,
    count: Option<usize>,
    block: Option<Option<i64>>,
) -> CmdResult {
    if let Some(ready) = ctx.ready_key {
        if matches!(probe(ctx, ready, Access::Write), Ok(true)) {
            pop_from(ctx, ready, end, count);
        } else {
            ctx.block(keys, block.flatten());
        }
        return Ok(());
    }
    for &key in keys {
        if probe(ctx, key, Access::Write)? {
            pop_from(ctx, key, end, count);
            return Ok(());
        }
    }
    match block {
        Some(deadline) if ctx.can_block() => ctx.block(keys, deadline),
        _ => ctx.out.null_array(),
    }
    Ok(())
}

/// Pops from the list at `key` (known to exist) and replies with the key.
fn pop_from(ctx: &mut Ctx<'_>, key: &[u8], end: End, count: Option<usize>) {
    let popped = list_mut(ctx, key)
        .map(|l| l.pop_many(end, count.unwrap_or(1)))
        .unwrap_or_default();
    ctx.out.array(2);
    ctx.out.bulk(key);
    match count {
        Some(_) => bulk_array(ctx.out, &popped),
        None => match popped.first() {
            Some(v) => ctx.out.bulk(v),
            None => ctx.out.null(),
        },
    }
    if ctx.propagating() {
        // Propagated as the plain pop it was, with the count it popped.
        let pop: &[u8] = if end == End::Left { b"LPOP" } else { b"RPOP" };
        let n = popped.len().to_string();
        let args = match count {
            Some(_) => crate::cmd::repl::args_of(&[pop, key, n.as_bytes()]),
            None => crate::cmd::repl::args_of(&[pop, key]),
        };
        ctx.propagate_as(vec![args]);
    }
    after_pop(ctx, key, end);
}
