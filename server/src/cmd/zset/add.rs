//! ZADD, ZINCRBY, ZREM and the single-member reads: ZSCORE, ZMSCORE,
//! ZCARD, ZRANK, ZREVRANK.

use super::access::{Access, delete_if_empty, limits, modified, parts, probe};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::float_arg as score_arg;
use crate::cmd::{Ctx, is};
use crate::config::notify;
use crate::db::Value;
use crate::db::zset::{Encoding, Limits, ZSet};

/// ZADD's flags.
#[derive(Clone, Copy, Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    incr: bool,
}

/// What adding the pairs did.
#[derive(Default)]
struct AddOutcome {
    added: i64,
    updated: i64,
    /// Pairs that were not skipped by NX, XX, GT or LT.
    processed: i64,
    /// The score the last processed pair ended with (the INCR reply).
    score: f64,
}

/// Applies score-member pairs as Redis's `zsetAdd` does, pair by pair.
fn apply_pairs(
    z: &mut ZSet,
    pairs: &[(f64, &[u8])],
    f: AddFlags,
    limits: Limits,
) -> Result<AddOutcome, CmdError> {
    let mut out = AddOutcome::default();
    for &(score, member) in pairs {
        match z.find(member) {
            Some((slot, current)) => {
                if f.nx {
                    continue;
                }
                let mut score = score;
                if f.incr {
                    score += current;
                    if score.is_nan() {
                        return Err(error::SCORE_NAN);
                    }
                }
                if (f.lt && score >= current) || (f.gt && score <= current) {
                    continue;
                }
                out.processed += 1;
                out.score = score;
                // -0 and 0 compare equal: the stored sign is kept, as in Redis.
                if score != current {
                    z.set_score(slot, score);
                    out.updated += 1;
                }
            }
            None if !f.xx => {
                z.insert(member, score, limits);
                out.added += 1;
                out.processed += 1;
                out.score = score;
            }
            None => {}
        }
    }
    Ok(out)
}

fn zadd_generic(ctx: &mut Ctx<'_>, mut f: AddFlags) -> CmdResult {
    let key = ctx.arg(1);
    let mut ch = false;
    let mut i = 2;
    while i < ctx.argc() {
        let opt = ctx.arg(i);
        if is(opt, "nx") {
            f.nx = true;
        } else if is(opt, "xx") {
            f.xx = true;
        } else if is(opt, "ch") {
            ch = true;
        } else if is(opt, "incr") {
            f.incr = true;
        } else if is(opt, "gt") {
            f.gt = true;
        } else if is(opt, "lt") {
            f.lt = true;
        } else {
            break;
        }
        i += 1;
    }
    let elements = ctx.argc() - i;
    if elements == 0 || !elements.is_multiple_of(2) {
        return Err(error::SYNTAX);
    }
    if f.nx && f.xx {
        return Err(error::XX_AND_NX);
    }
    if (f.nx && (f.gt || f.lt)) || (f.gt && f.lt) {
        return Err(error::GT_LT_NX);
    }
    if f.incr && elements > 2 {
        return Err(error::INCR_SINGLE_PAIR);
    }
    let mut pairs = Vec::with_capacity(elements / 2);
    for j in (i..ctx.argc()).step_by(2) {
        pairs.push((score_arg(ctx.arg(j))?, ctx.arg(j + 1)));
    }
    let limits = limits(ctx);
    let outcome = if probe(ctx, key, Access::Write)? {
        let (z, _) = parts(ctx, key);
        match z {
            Some(z) => apply_pairs(z, &pairs, f, limits)?,
            None => AddOutcome::default(),
        }
    } else if f.xx {
        AddOutcome::default()
    } else {
        // Redis picks the new set's encoding from its first member alone;
        // later members convert it as they are added.
        let first = pairs.first().map_or(0, |(_, m)| m.len());
        let encoding = if limits.entries == 0 || first > limits.value {
            Encoding::Skiplist
        } else {
            Encoding::Listpack
        };
        let mut z = ZSet::with_encoding(ctx.state.hash_seed, encoding);
        let outcome = apply_pairs(&mut z, &pairs, f, limits)?;
        let lru = ctx.lru();
        ctx.db().insert(key, Value::ZSet(Box::new(z)), None, lru);
        outcome
    };
    if outcome.added > 0 || outcome.updated > 0 {
        modified(ctx, key, (outcome.added + outcome.updated) as usize);
        let event = if f.incr { "zincr" } else { "zadd" };
        ctx.notify(notify::ZSET, event, key);
    }
    if f.incr {
        if outcome.processed > 0 {
            ctx.out.double(outcome.score);
        } else {
            ctx.out.null();
        }
    } else if ch {
        ctx.out.int(outcome.added + outcome.updated);
    } else {
        ctx.out.int(outcome.added);
    }
    Ok(())
}

/// # Format
/// `ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]`
///
/// Options are read until the first argument that is not one; the pairs
/// must then be complete. Replies with the number of members added (or
/// changed, with CH), or with the new score under INCR (nil when a flag
/// skipped it).
pub(super) fn zadd(ctx: &mut Ctx<'_>) -> CmdResult {
    zadd_generic(ctx, AddFlags::default())
}

/// # Format
/// `ZINCRBY key increment member`
///
/// ZADD with INCR: the increment position is also scanned for ZADD's
/// option words, as Redis does (so `ZINCRBY k nx m` is a syntax error).
pub(super) fn zincrby(ctx: &mut Ctx<'_>) -> CmdResult {
    zadd_generic(
        ctx,
        AddFlags {
            incr: true,
            ..AddFlags::default()
        },
    )
}

/// # Format
/// `ZREM key member [member ...]`
pub(super) fn zrem(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let mut deleted = 0;
    let args = ctx.args;
    if let (Some(z), _) = parts(ctx, key) {
        for member in &args[2..] {
            if z.remove(member).is_some() {
                deleted += 1;
            }
            if z.is_empty() {
                break;
            }
        }
    }
    if deleted > 0 {
        ctx.notify(notify::ZSET, "zrem", key);
        delete_if_empty(ctx, key);
        modified(ctx, key, deleted as usize);
    }
    ctx.out.int(deleted);
    Ok(())
}

/// # Format
/// `ZSCORE key member`
pub(super) fn zscore(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.null();
        return Ok(());
    }
    let member = ctx.arg(2);
    let (z, out) = parts(ctx, key);
    match z.and_then(|z| z.score(member)) {
        Some(s) => out.double(s),
        None => out.null(),
    }
    Ok(())
}

/// # Format
/// `ZMSCORE key member [member ...]`
pub(super) fn zmscore(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let exists = probe(ctx, key, Access::Read)?;
    let args = ctx.args;
    let members = &args[2..];
    let (z, out) = parts(ctx, key);
    let z = if exists { z } else { None };
    out.array(members.len());
    for m in members {
        match z.as_ref().and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

/// # Format
/// `ZCARD key`
pub(super) fn zcard(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let len = if probe(ctx, key, Access::Read)? {
        parts(ctx, key).0.map_or(0, |z| z.len())
    } else {
        0
    };
    ctx.out.int(len as i64);
    Ok(())
}

fn rank_generic(ctx: &mut Ctx<'_>, reverse: bool) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.null();
        return Ok(());
    }
    let member = ctx.arg(2);
    let (z, out) = parts(ctx, key);
    let rank = z.and_then(|z| {
        let r = z.rank(member)?;
        Some(if reverse { z.len() - 1 - r } else { r })
    });
    match rank {
        Some(r) => out.int(r as i64),
        None => out.null(),
    }
    Ok(())
}

/// # Format
/// `ZRANK key member`
pub(super) fn zrank(ctx: &mut Ctx<'_>) -> CmdResult {
    rank_generic(ctx, false)
}

/// # Format
/// `ZREVRANK key member`
pub(super) fn zrevrank(ctx: &mut Ctx<'_>) -> CmdResult {
    rank_generic(ctx, true)
}
