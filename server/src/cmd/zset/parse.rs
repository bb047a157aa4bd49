//! Argument syntax of the sorted-set commands: score ranges, lex ranges
//! and scan cursors, each with the C library rule Redis relies on.
//!
//! A score range item is `strtod` of the text after an optional `(` with
//! only "the end of the string" checked, so `""` is 0, `" 5"` is 5 and
//! overflow gives an infinite bound; a cursor is `strtoul`, so `-1` wraps.

use crate::cmd::error::{self, CmdError};
use crate::num::strtod::strtod;

/// One end of a score interval.
#[derive(Clone, Copy, Debug)]
pub struct Bound {
    /// The limit.
    pub value: f64,
    /// Whether the limit itself is excluded (`(`).
    pub exclusive: bool,
}

/// A score interval (`ZRANGEBYSCORE min max`).
#[derive(Clone, Copy, Debug)]
pub struct ScoreRange {
    /// The lower end.
    pub min: Bound,
    /// The upper end.
    pub max: Bound,
}

impl ScoreRange {
    /// Whether `score` is at or above the lower end.
    pub fn above_min(&self, score: f64) -> bool {
        if self.min.exclusive {
            score > self.min.value
        } else {
            score >= self.min.value
        }
    }

    /// Whether `score` is at or below the upper end.
    pub fn below_max(&self, score: f64) -> bool {
        if self.max.exclusive {
            score < self.max.value
        } else {
            score <= self.max.value
        }
    }
}

fn score_bound(arg: &[u8]) -> Option<Bound> {
    let (body, exclusive) = match arg.first() {
        Some(b'(') => (&arg[1..], true),
        _ => (arg, false),
    };
    let r = strtod(body);
    // Redis checks only that strtod stopped at the string's end, which C
    // sees at the first NUL byte too.
    let stopped_at_end = body.get(r.used).is_none_or(|&b| b == 0);
    if !stopped_at_end || r.value.is_nan() {
        return None;
    }
    Some(Bound {
        value: r.value,
        exclusive,
    })
}

/// Parses `min max` of a score range (`ERR min or max is not a float`).
pub fn score_range(min: &[u8], max: &[u8]) -> Result<ScoreRange, CmdError> {
    match (score_bound(min), score_bound(max)) {
        (Some(min), Some(max)) => Ok(ScoreRange { min, max }),
        _ => Err(error::MIN_MAX_NOT_FLOAT),
    }
}

/// One end of a lex interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`.
    Inclusive(&'a [u8]),
    /// `(member`.
    Exclusive(&'a [u8]),
}

impl LexBound<'_> {
    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Inclusive(_))
    }
}

/// Compares a member with a bound, the sentinels being below or above
/// everything (Redis's `sdscmplex`).
fn cmp_lex(member: &[u8], bound: &LexBound<'_>) -> std::cmp::Ordering {
    use std::cmp::Ordering::*;
    match bound {
        LexBound::Min => Greater,
        LexBound::Max => Less,
        LexBound::Inclusive(b) | LexBound::Exclusive(b) => member.cmp(b),
    }
}

/// A lex interval (`ZRANGEBYLEX min max`).
#[derive(Clone, Copy, Debug)]
pub struct LexRange<'a> {
    /// The lower end.
    pub min: LexBound<'a>,
    /// The upper end.
    pub max: LexBound<'a>,
}

impl LexRange<'_> {
    /// Whether `member` is at or above the lower end.
    pub fn above_min(&self, member: &[u8]) -> bool {
        let c = cmp_lex(member, &self.min);
        if self.min.exclusive() {
            c.is_gt()
        } else {
            c.is_ge()
        }
    }

    /// Whether `member` is at or below the upper end.
    pub fn below_max(&self, member: &[u8]) -> bool {
        let c = cmp_lex(member, &self.max);
        if self.max.exclusive() {
            c.is_lt()
        } else {
            c.is_le()
        }
    }

    /// Whether the interval is empty whatever the set holds (min above
    /// max, or equal ends with one excluded).
    pub fn is_empty(&self) -> bool {
        use std::cmp::Ordering::*;
        let c = match (&self.min, &self.max) {
            (LexBound::Min, LexBound::Min) | (LexBound::Max, LexBound::Max) => Equal,
            (LexBound::Min, _) | (_, LexBound::Max) => Less,
            (LexBound::Max, _) | (_, LexBound::Min) => Greater,
            (
                LexBound::Inclusive(a) | LexBound::Exclusive(a),
                LexBound::Inclusive(b) | LexBound::Exclusive(b),
            ) => a.cmp(b),
        };
        c.is_gt() || (c.is_eq() && (self.min.exclusive() || self.max.exclusive()))
    }
}

fn lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    // C sees the string end at a NUL byte: "+\0x" is "+".
    let alone = arg.get(1).is_none_or(|&b| b == 0);
    match arg.first()? {
        b'+' if alone => Some(LexBound::Max),
        b'-' if alone => Some(LexBound::Min),
        b'(' => Some(LexBound::Exclusive(&arg[1..])),
        b'[' => Some(LexBound::Inclusive(&arg[1..])),
        _ => None,
    }
}

/// Parses `min max` of a lex range (`ERR min or max not valid string range item`).
pub fn lex_range<'a>(min: &'a [u8], max: &'a [u8]) -> Result<LexRange<'a>, CmdError> {
    match (lex_bound(min), lex_bound(max)) {
        (Some(min), Some(max)) => Ok(LexRange { min, max }),
        _ => Err(error::MIN_MAX_NOT_STRING),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_items_accept_what_strtod_stops_cleanly_on() {
        let r = score_range(b"", b"(").unwrap();
        assert_eq!((r.min.value, r.min.exclusive), (0.0, false));
        assert_eq!((r.max.value, r.max.exclusive), (0.0, true));
        assert!(score_range(b" 5", b"1e400").is_ok_and(|r| r.max.value.is_infinite()));
        assert!(score_range(b"5 ", b"1").is_err());
        assert!(score_range(b"nan", b"1").is_err());
        assert!(score_range(b"1\0junk", b"2").is_ok());
        assert!(score_range(b"(", b"((1").is_err());
    }

    #[test]
    fn lex_items_and_emptiness() {
        assert!(lex_range(b"a", b"+").is_err());
        assert!(lex_range(b"", b"+").is_err());
        assert!(lex_range(b"-x", b"+").is_err());
        let r = lex_range(b"-", b"+").unwrap();
        assert!(!r.is_empty() && r.above_min(b"") && r.below_max(b"\xff"));
        assert!(lex_range(b"+", b"-").unwrap().is_empty());
        assert!(lex_range(b"-", b"-").unwrap().is_empty());
        assert!(lex_range(b"[a", b"(a").unwrap().is_empty());
        assert!(!lex_range(b"[a", b"[a").unwrap().is_empty());
        let r = lex_range(b"(a", b"[c").unwrap();
        assert!(!r.above_min(b"a") && r.above_min(b"b") && r.below_max(b"c"));
    }
}
