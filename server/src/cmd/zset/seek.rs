//! Seeks shared by the range commands: where a rank, score or lex range
//! starts in the order-statistic index, and how Redis walks from there.
//!
//! Every query reduces to consecutive ranks walked up or down from a
//! first one, found with O(log n) seeks. Lex ranges over a set whose
//! scores differ are undefined in Redis; for a `listpack` set the seek
//! scans linearly from an end as Redis's listpack code does, so even those
//! replies match Redis.

use super::parse::{LexRange, ScoreRange};
use crate::db::Blob;
use crate::db::zset::ZSet;

/// Consecutive ranks a range query visits, from `first` up (or down when
/// `reverse`), `len` of them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Run {
    /// The rank the walk starts from.
    pub first: usize,
    /// How many ranks it visits.
    pub len: usize,
    /// Whether it walks down.
    pub reverse: bool,
}

impl Run {
    /// A run that visits nothing.
    pub const EMPTY: Run = Run {
        first: 0,
        len: 0,
        reverse: false,
    };

    /// The lowest rank of the run (for removal, which ignores direction).
    pub fn lowest(&self) -> usize {
        if self.reverse {
            (self.first + 1).saturating_sub(self.len)
        } else {
            self.first
        }
    }

    /// The members of the run, in its direction.
    pub fn items<'z>(&self, z: &'z ZSet) -> Box<dyn Iterator<Item = (&'z [u8], f64)> + 'z> {
        if self.len == 0 {
            return Box::new(std::iter::empty());
        }
        let items: Box<dyn Iterator<Item = (&'z Blob, f64)>> = if self.reverse {
            Box::new(z.iter_rev_from(self.first))
        } else {
            Box::new(z.iter_from(self.first))
        };
        Box::new(items.take(self.len).map(|(m, s)| (m.as_slice(), s)))
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
pub(super) fn score_start(z: &ZSet, r: &ScoreRange, reverse: bool) -> Option<usize> {
    let run = score_run(z, r, reverse);
    (run.len > 0).then_some(run.first)
}

/// Where a lex query starts: Redis's first (or, `reverse`, last) member
/// in range. Lex order is only meaningful when all scores are equal; when
/// they are not, this still answers as Redis does for a `listpack` (a scan
/// from one end) and as a binary search would for a `skiplist`.
pub(super) fn lex_start(z: &ZSet, r: &LexRange<'_>, reverse: bool) -> Option<usize> {
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
pub(super) fn walk<'z>(
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

/// ZLEXCOUNT's count: a listpack is walked from the first member in
/// range; a skiplist subtracts the ranks of the first and last members in
/// range, which (for mixed scores) can even be negative, as in Redis.
pub(super) fn lex_count(z: &ZSet, r: &LexRange<'_>) -> i64 {
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

/// What ZREMRANGEBYLEX removes: the members from the start of the range
/// while they stay below its upper end. A skiplist seeks the start without
/// Redis's quick rejection (its delete does not use it).
pub(super) fn lex_removal(z: &ZSet, r: &LexRange<'_>) -> Run {
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
