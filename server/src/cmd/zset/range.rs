//! Range queries: ZRANGE (BYSCORE, BYLEX, REV, LIMIT, WITHSCORES) and its
//! older forms, ZRANGESTORE, ZCOUNT, ZLEXCOUNT and ZREMRANGEBY{RANK,SCORE,LEX}.
//!
//! Every query reduces to a *run*: consecutive ranks walked up or down
//! from a first one, found with O(log n) seeks in the order-statistic
//! index, then cut by LIMIT. Lex ranges over a set whose scores differ are
//! undefined in Redis; for a `listpack` set it scans linearly from an end
//! as Redis's listpack code does, so even those replies match Redis.

use super::parse::{LexRange, ScoreRange, lex_range, score_range};
use super::{Access, delete_if_empty, limits, parts, probe, reply_members, store};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::zset::ZSet;

/// Consecutive ranks a range query visits, from `first` up (or down when
/// `reverse`), `len` of them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Run {
    first: usize,
    len: usize,
    reverse: bool,
}

impl Run {
    const EMPTY: Run = Run {
        first: 0,
        len: 0,
        reverse: false,
    };

    /// The lowest rank of the run (for removal, which ignores direction).
    fn lowest(&self) -> usize {
        if self.reverse {
            (self.first + 1).saturating_sub(self.len)
        } else {
            self.first
        }
    }

    /// The members of the run after skipping `skip` and keeping at most
    /// `take`, in the run's direction.
    fn items<'z>(
        &self,
        z: &'z ZSet,
        skip: usize,
        take: usize,
    ) -> Box<dyn Iterator<Item = (&'z [u8], f64)> + 'z> {
        let take = take.min(self.len.saturating_sub(skip));
        if take == 0 {
            return Box::new(std::iter::empty());
        }
        if self.reverse {
            Box::new(
                z.iter_rev_from(self.first - skip)
                    .take(take)
                    .map(|(m, s)| (m.as_slice(), s)),
            )
        } else {
            Box::new(
                z.iter_from(self.first + skip)
                    .take(take)
                    .map(|(m, s)| (m.as_slice(), s)),
            )
        }
    }
}

/// The run of ranks `start..=end` (negative counting from the end), as
/// Redis clamps them; `reverse` counts positions from the highest score.
pub(super) fn rank_run(len: usize, start: i64, end: i64, reverse: bool) -> Run {
    let llen = len as i64;
    let mut start = if start < 0 { llen + start } else { start };
    let mut end = if end < 0 { llen + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= llen {
        return Run::EMPTY;
    }
    if end >= llen {
        end = llen - 1;
    }
    let n = (end - start + 1) as usize;
    let start = start as usize;
    if reverse {
        Run {
            first: len - 1 - start,
            len: n,
            reverse: true,
        }
    } else {
        Run {
            first: start,
            len: n,
            reverse: false,
        }
    }
}

/// The run of members whose scores are within `r`.
pub(super) fn score_run(z: &ZSet, r: &ScoreRange, reverse: bool) -> Run {
    let lo = z.partition_point(|s, _| !r.above_min(s));
    let hi = z.partition_point(|s, _| r.below_max(s));
    if hi <= lo {
        return Run::EMPTY;
    }
    Run {
        first: if reverse { hi - 1 } else { lo },
        len: hi - lo,
        reverse,
    }
}

/// Where a score query starts: the first member in range (the last with
/// `reverse`), as Redis's `zslFirstInRange` / `zslLastInRange` find it.
fn score_start(z: &ZSet, r: &ScoreRange, reverse: bool) -> Option<usize> {
    let run = score_run(z, r, reverse);
    (run.len > 0).then_some(run.first)
}

/// Where a lex query starts: Redis's first (or, `reverse`, last) member
/// in range. Lex order is only meaningful when all scores are equal; when
/// they are not, this still answers as Redis does for a `listpack` (a scan
/// from one end) and as a binary search would for a `skiplist`.
fn lex_start(z: &ZSet, r: &LexRange<'_>, reverse: bool) -> Option<usize> {
    let len = z.len();
    let (first, _) = z.get(0)?;
    let (last, _) = z.get(len - 1)?;
    // Redis's quick rejection, which decides some replies when the scores
    // differ (members then are not in lex order).
    if r.is_empty() || !r.above_min(last) || !r.below_max(first) {
        return None;
    }
    if z.is_listpack() {
        return if reverse {
            let (i, (m, _)) = z
                .iter_rev_from(len - 1)
                .enumerate()
                .find(|(_, (m, _))| r.below_max(m))?;
            r.above_min(m).then_some(len - 1 - i)
        } else {
            let (i, (m, _)) = z.iter().enumerate().find(|(_, (m, _))| r.above_min(m))?;
            r.below_max(m).then_some(i)
        };
    }
    if reverse {
        let hi = z.partition_point(|_, m| r.below_max(m));
        let i = hi.checked_sub(1)?;
        z.get(i).filter(|(m, _)| r.above_min(m)).map(|_| i)
    } else {
        let lo = z.partition_point(|_, m| !r.above_min(m));
        z.get(lo).filter(|(m, _)| r.below_max(m)).map(|_| lo)
    }
}

/// The members a range query with LIMIT returns, walking from rank `start`
/// up (or down when `reverse`) as Redis does: `offset` members skipped
/// unconditionally (a negative offset skips past the end), then members
/// taken while `keep` holds, at most `count` (all when negative). The skip
/// is a jump by rank, so a large offset costs O(log n).
fn walk<'z>(
    z: &'z ZSet,
    start: Option<usize>,
    reverse: bool,
    offset: i64,
    count: i64,
    keep: impl Fn(&[u8], f64) -> bool,
) -> Vec<(&'z [u8], f64)> {
    let (Some(start), Ok(offset)) = (start, usize::try_from(offset)) else {
        return Vec::new();
    };
    let take = usize::try_from(count).unwrap_or(usize::MAX);
    let from = if reverse {
        start.checked_sub(offset)
    } else {
        start.checked_add(offset).filter(|s| *s < z.len())
    };
    let Some(from) = from else {
        return Vec::new();
    };
    let items: Box<dyn Iterator<Item = (&'z Blob, f64)>> = if reverse {
        Box::new(z.iter_rev_from(from))
    } else {
        Box::new(z.iter_from(from))
    };
    items
        .map(|(m, s)| (m.as_slice(), s))
        .take_while(|(m, s)| keep(m, *s))
        .take(take)
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Auto,
    Rank,
    Score,
    Lex,
}

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
            run.items(z, 0, run.len).collect()
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
        // Redis adds the members one by one, in reply order, to a set that
        // starts as a skiplist only when a rank range says it will be big;
        // scores added while it is a listpack lose a `-0`.
        let mut result = match known_len {
            Some(n) if n > lim.entries => ZSet::new_skiplist(seed),
            _ => ZSet::new(seed),
        };
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

/// ZLEXCOUNT's count: a listpack is walked from the first member in
/// range; a skiplist subtracts the ranks of the first and last members in
/// range, which (for mixed scores) can even be negative, as in Redis.
fn lex_count(z: &ZSet, r: &LexRange<'_>) -> i64 {
    let Some(first) = lex_start(z, r, false) else {
        return 0;
    };
    if z.is_listpack() {
        return z
            .iter_from(first)
            .take_while(|(m, _)| r.below_max(m))
            .count() as i64;
    }
    match lex_start(z, r, true) {
        Some(last) => last as i64 + 1 - first as i64,
        None => (z.len() - first) as i64,
    }
}

/// ZREMRANGEBY*: what to remove.
enum Removal<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

fn zremrange_generic(ctx: &mut Ctx<'_>, what: Removal<'_>, event: &str) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let (z, _) = parts(ctx, key);
    let removed = match z {
        None => 0,
        Some(z) => {
            let run = match &what {
                Removal::Rank(start, end) => rank_run(z.len(), *start, *end, false),
                Removal::Score(r) => score_run(z, r, false),
                Removal::Lex(r) => lex_removal(z, r),
            };
            z.remove_range(run.lowest(), run.len).len()
        }
    };
    if removed > 0 {
        ctx.key_modified(key);
        ctx.notify(notify::ZSET, event, key);
        delete_if_empty(ctx, key);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// What ZREMRANGEBYLEX removes: the members from the start of the range
/// while they stay below its upper end. A skiplist seeks the start without
/// Redis's quick rejection (its delete does not use it).
fn lex_removal(z: &ZSet, r: &LexRange<'_>) -> Run {
    let first = if z.is_listpack() {
        lex_start(z, r, false)
    } else {
        Some(z.partition_point(|_, m| !r.above_min(m)))
    };
    let Some(first) = first else {
        return Run::EMPTY;
    };
    let len = z
        .iter_from(first)
        .take_while(|(m, _)| r.below_max(m))
        .count();
    Run {
        first,
        len,
        reverse: false,
    }
}

/// # Format
/// `ZREMRANGEBYRANK key start stop`
pub(super) fn zremrangebyrank(ctx: &mut Ctx<'_>) -> CmdResult {
    let start = int_arg(ctx.arg(2))?;
    let end = int_arg(ctx.arg(3))?;
    zremrange_generic(ctx, Removal::Rank(start, end), "zremrangebyrank")
}

/// # Format
/// `ZREMRANGEBYSCORE key min max`
pub(super) fn zremrangebyscore(ctx: &mut Ctx<'_>) -> CmdResult {
    let range = score_range(ctx.arg(2), ctx.arg(3))?;
    zremrange_generic(ctx, Removal::Score(range), "zremrangebyscore")
}

/// # Format
/// `ZREMRANGEBYLEX key min max`
pub(super) fn zremrangebylex(ctx: &mut Ctx<'_>) -> CmdResult {
    let (min, max) = (ctx.arg(2), ctx.arg(3));
    let range = lex_range(min, max)?;
    zremrange_generic(ctx, Removal::Lex(range), "zremrangebylex")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_runs_clamp_like_redis() {
        let r = rank_run(3, 0, -5, false);
        assert_eq!(r.len, 0);
        let r = rank_run(3, -100, 100, false);
        assert_eq!((r.first, r.len), (0, 3));
        let r = rank_run(3, 1, 1, true);
        assert_eq!((r.first, r.len, r.lowest()), (1, 1, 1));
        let r = rank_run(3, 0, 1, true);
        assert_eq!((r.first, r.len, r.lowest()), (2, 2, 1));
        assert_eq!(rank_run(0, 0, -1, false).len, 0);
        assert_eq!(rank_run(5, i64::MIN, i64::MAX, false).len, 5);
        assert_eq!(rank_run(5, i64::MAX, i64::MIN, false).len, 0);
    }

    #[test]
    fn walks_skip_by_rank_then_keep_while_in_range() {
        use crate::db::zset::Limits;
        let limits = Limits {
            entries: 128,
            value: 64,
        };
        let items = (0..10).map(|i| (Blob::new(format!("m{i}").as_bytes()), f64::from(i)));
        let z = ZSet::build(1, items, limits);
        let scores = |v: Vec<(&[u8], f64)>| v.into_iter().map(|(_, s)| s).collect::<Vec<_>>();
        assert_eq!(
            scores(walk(&z, Some(2), false, 1, 3, |_, s| s < 9.0)),
            [3.0, 4.0, 5.0]
        );
        assert_eq!(
            scores(walk(&z, Some(2), false, 0, -1, |_, s| s < 5.0)),
            [2.0, 3.0, 4.0]
        );
        assert_eq!(
            scores(walk(&z, Some(8), true, 2, 2, |_, _| true)),
            [6.0, 5.0]
        );
        assert!(walk(&z, Some(2), false, -1, 3, |_, _| true).is_empty());
        assert!(walk(&z, Some(2), false, 8, 3, |_, _| true).is_empty());
        assert!(walk(&z, Some(2), true, 3, 3, |_, _| true).is_empty());
        assert!(walk(&z, Some(2), false, i64::MAX, 3, |_, _| true).is_empty());
        assert!(walk(&z, None, false, 0, 3, |_, _| true).is_empty());
    }
}
