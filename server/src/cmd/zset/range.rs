//! Range queries: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and its
//! older forms, ZRANGESTORE, ZCOUNT and ZLEXCOUNT.

use super::access::{Access, limits, parts, probe, reply_members, store};
use super::parse::{LexRange, ScoreRange, lex_range, score_range};
use super::seek::{lex_count, lex_start, rank_run, score_run, score_start, walk};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::zset::{Encoding, ZSet};

/// How min and max are read: positions, scores or strings (`Auto` until
/// BYSCORE or BYLEX says, then positions).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// Which way the range is walked (`Auto` until REV says, then forward).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// The range commands' common body, after Redis's `zrangeGenericCommand`:
/// the key is at `first`, options after min and max. With `store`, the
/// result goes to `argv[1]` instead of the reply.
fn zrange_generic(
    ctx: &mut Ctx<'_>,
    first: usize,
    store_result: bool,
    mut kind: Kind,
    mut dir: Direction,
) -> CmdResult {
    let key = ctx.arg(first);
    let dst = ctx.arg(1);
    let (mut min_i, mut max_i) = (first + 1, first + 2);
    let mut withscores = false;
    let (mut offset, mut limit) = (0i64, -1i64);
    let mut j = first + 3;
    while j < ctx.argc() {
        let arg = ctx.arg(j);
        let left = ctx.argc() - j - 1;
        if !store_result && is(arg, "withscores") {
            withscores = true;
        } else if is(arg, "limit") && left >= 2 {
            offset = int_arg(ctx.arg(j + 1))?;
            limit = int_arg(ctx.arg(j + 2))?;
            j += 2;
        } else if dir == Direction::Auto && is(arg, "rev") {
            dir = Direction::Reverse;
        } else if kind == Kind::Auto && is(arg, "bylex") {
            kind = Kind::Lex;
        } else if kind == Kind::Auto && is(arg, "byscore") {
            kind = Kind::Score;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let reverse = dir == Direction::Reverse;
    if kind == Kind::Auto {
        kind = Kind::Rank;
    }
    if limit != -1 && kind == Kind::Rank {
        return Err(error::LIMIT_NEEDS_BY);
    }
    if withscores && kind == Kind::Lex {
        return Err(error::WITHSCORES_WITH_BYLEX);
    }
    if reverse && kind != Kind::Rank {
        std::mem::swap(&mut min_i, &mut max_i);
    }
    let (min, max) = (ctx.arg(min_i), ctx.arg(max_i));
    enum Parsed<'a> {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexRange<'a>),
    }
    let parsed = match kind {
        Kind::Score => Parsed::Score(score_range(min, max)?),
        Kind::Lex => Parsed::Lex(lex_range(min, max)?),
        _ => Parsed::Rank(int_arg(min)?, int_arg(max)?),
    };
    if !probe(ctx, key, Access::Read)? {
        if store_result {
            let z = ZSet::new(ctx.state.hash_seed);
            store(ctx, dst, z, "zrangestore");
        } else {
            ctx.out.array(0);
        }
        return Ok(());
    }
    let seed = ctx.state.hash_seed;
    let lim = limits(ctx);
    let (z, out) = parts(ctx, key);
    let Some(z) = z else {
        out.array(0);
        return Ok(());
    };
    let mut known_len = None;
    let items: Vec<(&[u8], f64)> = match &parsed {
        Parsed::Rank(start, end) => {
            let run = rank_run(z.len(), *start, *end, reverse);
            known_len = Some(run.len);
            run.items(z).collect()
        }
        Parsed::Score(r) => {
            let start = score_start(z, r, reverse);
            walk(z, start, reverse, offset, limit, |_, s| {
                if reverse {
                    r.above_min(s)
                } else {
                    r.below_max(s)
                }
            })
        }
        Parsed::Lex(r) => {
            let start = lex_start(z, r, reverse);
            walk(z, start, reverse, offset, limit, |m, _| {
                if reverse {
                    r.above_min(m)
                } else {
                    r.below_max(m)
                }
            })
        }
    };
    if store_result {
        // Redis adds the members one by one, in reply order, as ZADD does,
        // to a set that starts as a skiplist only when a rank range says
        // it will be long (a score or lex range tells no length); it is
        // never turned back into a listpack.
        let encoding = match known_len {
            Some(n) if n > lim.entries => Encoding::Skiplist,
            _ => Encoding::Listpack,
        };
        let mut result = ZSet::with_encoding(seed, encoding);
        for (m, s) in items {
            result.insert(m, s, lim);
        }
        store(ctx, dst, result, "zrangestore");
        return Ok(());
    }
    reply_members(out, items.len(), items.into_iter(), withscores);
    Ok(())
}

/// # Format
/// `ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]`
pub(super) fn zrange(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Auto, Direction::Auto)
}

/// # Format
/// `ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]`
pub(super) fn zrangestore(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 2, true, Kind::Auto, Direction::Auto)
}

/// # Format
/// `ZREVRANGE key start stop [WITHSCORES]`
pub(super) fn zrevrange(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Rank, Direction::Reverse)
}

/// # Format
/// `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`
pub(super) fn zrangebyscore(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Score, Direction::Forward)
}

/// # Format
/// `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`
pub(super) fn zrevrangebyscore(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Score, Direction::Reverse)
}

/// # Format
/// `ZRANGEBYLEX key min max [LIMIT offset count]`
pub(super) fn zrangebylex(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Lex, Direction::Forward)
}

/// # Format
/// `ZREVRANGEBYLEX key max min [LIMIT offset count]`
pub(super) fn zrevrangebylex(ctx: &mut Ctx<'_>) -> CmdResult {
    zrange_generic(ctx, 1, false, Kind::Lex, Direction::Reverse)
}

/// # Format
/// `ZCOUNT key min max`
pub(super) fn zcount(ctx: &mut Ctx<'_>) -> CmdResult {
    let range = score_range(ctx.arg(2), ctx.arg(3))?;
    let key = ctx.arg(1);
    let n = if probe(ctx, key, Access::Read)? {
        parts(ctx, key)
            .0
            .map_or(0, |z| score_run(z, &range, false).len)
    } else {
        0
    };
    ctx.out.int(n as i64);
    Ok(())
}

/// # Format
/// `ZLEXCOUNT key min max`
pub(super) fn zlexcount(ctx: &mut Ctx<'_>) -> CmdResult {
    let range = lex_range(ctx.arg(2), ctx.arg(3))?;
    let key = ctx.arg(1);
    let n = if probe(ctx, key, Access::Read)? {
        parts(ctx, key).0.map_or(0, |z| lex_count(z, &range))
    } else {
        0
    };
    ctx.out.int(n);
    Ok(())
}
