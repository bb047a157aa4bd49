//! Commands that only read a list: LLEN, LRANGE, LINDEX, LPOS.

use super::access::{Access, parts, probe};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::num;

/// # Format
/// `LLEN key`
pub(super) fn llen(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.int(0);
        return Ok(());
    }
    let len = parts(ctx, key).map_or(0, |(l, _)| l.len());
    ctx.out.int(len as i64);
    Ok(())
}

/// # Format
/// `LRANGE key start stop`
///
/// Both indexes are parsed before the key is looked up.
pub(super) fn lrange(ctx: &mut Ctx<'_>) -> CmdResult {
    let start = int_arg(ctx.arg(2))?;
    let stop = int_arg(ctx.arg(3))?;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.array(0);
        return Ok(());
    }
    let Some((list, out)) = parts(ctx, key) else {
        ctx.out.array(0);
        return Ok(());
    };
    match list.range(start, stop) {
        Some((first, last)) => {
            out.array(last - first + 1);
            for item in list.items.range(first..=last) {
                out.bulk(item);
            }
        }
        None => out.array(0),
    }
    Ok(())
}

/// # Format
/// `LINDEX key index`
///
/// The key is looked up before the index is parsed, as Redis does: a
/// missing key answers null whatever the index.
pub(super) fn lindex(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.null();
        return Ok(());
    }
    let index = int_arg(ctx.arg(2))?;
    match parts(ctx, key) {
        Some((list, out)) => match list.get(index) {
            Some(item) => out.bulk(item),
            None => out.null(),
        },
        None => ctx.out.null(),
    }
    Ok(())
}

/// # Format
/// `LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]`
///
/// Without COUNT: the index of the `rank`-th match (negative ranks count
/// matches from the tail), or null. With COUNT: an array of up to `count`
/// indexes (all of them for 0). MAXLEN bounds how many elements are
/// compared. Options are all parsed before the key is looked up.
pub(super) fn lpos(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let argc = ctx.argc();
    let mut j = 3;
    while j < argc {
        let opt = ctx.arg(j);
        let more = j + 1 < argc;
        if is(opt, "rank") && more {
            j += 1;
            rank = int_arg(ctx.arg(j))?;
            if rank == 0 {
                return Err(error::LPOS_RANK_ZERO);
            }
        } else if is(opt, "count") && more {
            j += 1;
            count = Some(non_negative(ctx.arg(j)).ok_or(error::LPOS_COUNT_NEGATIVE)?);
        } else if is(opt, "maxlen") && more {
            j += 1;
            maxlen = non_negative(ctx.arg(j)).ok_or(error::LPOS_MAXLEN_NEGATIVE)?;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    // A negative rank searches from the tail. Redis negates it in a C
    // long, so the lowest rank stays negative and then matches at once;
    // wrapping arithmetic below keeps that behaviour.
    let from_tail = rank < 0;
    if from_tail {
        rank = rank.wrapping_neg();
    }
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        match count {
            Some(_) => ctx.out.array(0),
            None => ctx.out.null(),
        }
        return Ok(());
    }
    let element = ctx.arg(2);
    let Some((list, out)) = parts(ctx, key) else {
        return Ok(());
    };
    let len = list.len() as i64;
    let mut found = Vec::new();
    let mut last_match: Option<i64> = None;
    let mut matches: i64 = 0;
    let items: Box<dyn Iterator<Item = _>> = if from_tail {
        Box::new(list.items.iter().rev())
    } else {
        Box::new(list.items.iter())
    };
    for (scanned, item) in (0i64..).zip(items) {
        if maxlen != 0 && scanned >= maxlen {
            break;
        }
        if item.as_slice() != element {
            continue;
        }
        matches += 1;
        if matches < rank {
            continue;
        }
        let index = if from_tail {
            len - scanned - 1
        } else {
            scanned
        };
        match count {
            None => {
                last_match = Some(index);
                break;
            }
            Some(count) => {
                found.push(index);
                if count != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= count {
                    break;
                }
            }
        }
    }
    match (count, last_match) {
        (Some(_), _) => {
            out.array(found.len());
            for i in found {
                out.int(i);
            }
        }
        (None, Some(i)) => out.int(i),
        (None, None) => out.null(),
    }
    Ok(())
}

/// An integer argument that is not negative, as Redis's
/// `getPositiveLongFromObjectOrReply` accepts.
fn non_negative(arg: &[u8]) -> Option<i64> {
    num::parse_i64(arg).filter(|n| *n >= 0)
}
