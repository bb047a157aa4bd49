//! SINTER, SINTERCARD, SUNION, SDIFF and the STORE forms.
//!
//! Every source key is looked up first, in argument order, and the first
//! one holding another type fails the command, even after a missing key
//! (which Redis treats as an empty set). The STORE forms replace the
//! destination whatever it held (its TTL included) and delete it when the
//! result is empty. Results are built as a new [`Set`], adding (and for
//! SDIFF's second algorithm removing) members in the order Redis does, so
//! that the stored set's encoding is the one Redis would report.

use bytes::Bytes;

use super::super::collection::modified;
use super::super::error::{self, CmdError, CmdResult};
use super::super::{Ctx, int_arg, is};
use super::{Kind, kind, max_intset, reply_members};
use crate::config::notify;
use crate::db::set::Set;
use crate::db::{Blob, Db, Value};

/// Looks every key up for reading, in order, failing at the first key
/// that holds something other than a set.
fn check_sources(ctx: &mut Ctx<'_>, keys: &[Bytes]) -> CmdResult {
    for key in keys {
        if kind(ctx.lookup_read(key).map(|e| &e.value)) == Kind::Other {
            return Err(error::WRONGTYPE);
        }
    }
    Ok(())
}

/// The sets at `keys` (already checked), `None` for a missing key.
fn sources<'d>(db: &'d Db, now: i64, keys: &[Bytes]) -> Vec<Option<&'d Set>> {
    keys.iter()
        .map(|k| match db.get(k, now).map(|e| &e.value) {
            Some(Value::Set(s)) if !s.is_empty() => Some(&**s),
            _ => None,
        })
        .collect()
}

/// The members common to every set (all present), in the order Redis
/// finds them: walking the smallest set. Stops after `limit` (0: none).
fn intersection<'s>(sets: &[&'s Set], limit: usize) -> Vec<&'s Blob> {
    let mut by_size = sets.to_vec();
    // Stable, like glibc's qsort (a merge sort) on the same input.
    by_size.sort_by_key(|s| s.len());
    let Some((&base, others)) = by_size.split_first() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for member in base.ordered() {
        if others
            .iter()
            .all(|s| std::ptr::eq(*s, base) || s.contains(member))
        {
            found.push(member);
            if limit != 0 && found.len() >= limit {
                break;
            }
        }
    }
    found
}

/// Which set operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Union,
    Diff,
}

/// The union or difference of `sets` (`None` for missing keys; `same` is
/// true when a later key names the first set again), built as Redis's
/// `sunionDiffGenericCommand` builds it.
fn union_or_diff(op: Op, sets: &[Option<&Set>], same: bool, seed: u64, max: usize) -> Set {
    let mut result = Set::new(seed);
    match op {
        Op::Union => {
            for set in sets.iter().flatten() {
                for m in set.iter() {
                    result.add(m, max);
                }
            }
        }
        Op::Diff => {
            let Some(Some(first)) = sets.first() else {
                return result;
            };
            if same {
                return result;
            }
            // Redis's choice between walking the first set (probing the
            // others) and adding it whole then removing the others; the
            // first is favoured by halving its estimate. The choice shows
            // in the stored encoding (the second adds members that it
            // later removes).
            let present = sets.iter().flatten().count() as u128;
            let walk_first = present * first.len() as u128 / 2;
            let add_then_remove: u128 = sets.iter().flatten().map(|s| s.len() as u128).sum();
            if walk_first <= add_then_remove {
                for m in first.iter() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(m)) {
                        result.add(m, max);
                    }
                }
            } else {
                for m in first.iter() {
                    result.add(m, max);
                }
                for set in sets[1..].iter().flatten() {
                    if result.is_empty() {
                        break;
                    }
                    for m in set.iter() {
                        result.remove(m);
                    }
                }
            }
        }
    }
    result
}

/// Stores `result` under `dst` (replacing whatever was there, TTL
/// included) or deletes `dst` when the result is empty; replies with the
/// result's size.
fn store(ctx: &mut Ctx<'_>, dst: &[u8], result: Set, event: &str) {
    let n = result.len();
    if n > 0 {
        // Looked up first so that an expired destination expires (and is
        // notified) before it is replaced.
        ctx.lookup_write(dst);
        let lru = ctx.lru();
        ctx.db()
            .insert(dst, Value::Set(Box::new(result)), None, lru);
        modified(ctx, dst, 1);
        ctx.notify(notify::SET, event, dst);
    } else if ctx.delete(dst) {
        modified(ctx, dst, 1);
        ctx.notify(notify::GENERIC, "del", dst);
    }
    ctx.out.int(n as i64);
}

/// What to do with an intersection.
enum Inter<'k> {
    /// Reply with the members.
    Members,
    /// Reply with their number, stopping at a limit (0: none).
    Cardinality(usize),
    /// Store them under this key.
    Store(&'k [u8]),
}

fn inter(ctx: &mut Ctx<'_>, keys: &[Bytes], mode: Inter<'_>) -> CmdResult {
    check_sources(ctx, keys)?;
    let max = max_intset(ctx);
    let seed = ctx.state.hash_seed;
    let db = &ctx.state.dbs[ctx.client.db];
    let sets = sources(db, ctx.now, keys);
    // A missing key is an empty set: the intersection is empty at once.
    let present: Option<Vec<&Set>> = sets.into_iter().collect();
    let limit = match mode {
        Inter::Cardinality(limit) => limit,
        _ => 0,
    };
    let found = present
        .map(|sets| intersection(&sets, limit))
        .unwrap_or_default();
    match mode {
        Inter::Members => reply_members(ctx.out, &found),
        Inter::Cardinality(_) => ctx.out.int(found.len() as i64),
        Inter::Store(dst) => {
            let mut result = Set::new(seed);
            for m in found {
                result.add(m, max);
            }
            store(ctx, dst, result, "sinterstore");
        }
    }
    Ok(())
}

fn union_diff(ctx: &mut Ctx<'_>, keys: &[Bytes], dst: Option<&[u8]>, op: Op) -> CmdResult {
    check_sources(ctx, keys)?;
    let max = max_intset(ctx);
    let seed = ctx.state.hash_seed;
    let db = &ctx.state.dbs[ctx.client.db];
    let sets = sources(db, ctx.now, keys);
    let same = sets.first().copied().flatten().is_some() && keys[1..].iter().any(|k| *k == keys[0]);
    let result = union_or_diff(op, &sets, same, seed, max);
    match dst {
        None => reply_members(ctx.out, &result.ordered()),
        Some(dst) => {
            let event = if op == Op::Union {
                "sunionstore"
            } else {
                "sdiffstore"
            };
            store(ctx, dst, result, event);
        }
    }
    Ok(())
}

/// # Format
/// `SINTER key [key ...]`
pub(super) fn sinter(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    inter(ctx, &args[1..], Inter::Members)
}

/// # Format
/// `SINTERSTORE destination key [key ...]`
pub(super) fn sinterstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    inter(ctx, &args[2..], Inter::Store(&args[1]))
}

/// # Format
/// `SINTERCARD numkeys key [key ...] [LIMIT limit]`
///
/// numkeys, then the options, are checked before any key is looked at.
pub(super) fn sintercard(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let numkeys = match int_arg(ctx.arg(1)) {
        Ok(n) if n >= 1 => n,
        _ => return Err(error::NUMKEYS_NOT_POSITIVE),
    };
    let available = args.len() - 2;
    let numkeys = match usize::try_from(numkeys) {
        Ok(n) if n <= available => n,
        _ => return Err(error::NUMKEYS_EXCEED_ARGS),
    };
    let mut limit = 0usize;
    let mut i = 2 + numkeys;
    while i < args.len() {
        if is(&args[i], "limit") && i + 1 < args.len() {
            limit = parse_limit(&args[i + 1])?;
            i += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    inter(ctx, &args[2..2 + numkeys], Inter::Cardinality(limit))
}

/// SINTERCARD's LIMIT: a non-negative integer, with one error text for
/// both a negative number and no number.
fn parse_limit(arg: &[u8]) -> Result<usize, CmdError> {
    match int_arg(arg) {
        Ok(n) if n >= 0 => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
        _ => Err(error::LIMIT_NEGATIVE),
    }
}

/// # Format
/// `SUNION key [key ...]`
pub(super) fn sunion(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    union_diff(ctx, &args[1..], None, Op::Union)
}

/// # Format
/// `SUNIONSTORE destination key [key ...]`
pub(super) fn sunionstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    union_diff(ctx, &args[2..], Some(&args[1]), Op::Union)
}

/// # Format
/// `SDIFF key [key ...]`
pub(super) fn sdiff(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    union_diff(ctx, &args[1..], None, Op::Diff)
}

/// # Format
/// `SDIFFSTORE destination key [key ...]`
pub(super) fn sdiffstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    union_diff(ctx, &args[2..], Some(&args[1]), Op::Diff)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(members: &[&str]) -> Set {
        let mut s = Set::new(1);
        for m in members {
            s.add(m.as_bytes(), 512);
        }
        s
    }

    fn names(members: &[&Blob]) -> Vec<String> {
        members
            .iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect()
    }

    #[test]
    fn intersection_walks_the_smallest_set_and_honours_the_limit() {
        let (a, b) = (set_of(&["5", "3", "1", "9"]), set_of(&["9", "1", "3"]));
        assert_eq!(names(&intersection(&[&a, &b], 0)), ["1", "3", "9"]);
        assert_eq!(intersection(&[&a, &b], 2).len(), 2);
        assert_eq!(names(&intersection(&[&a, &a], 0)), ["1", "3", "5", "9"]);
    }

    #[test]
    fn difference_algorithms_leave_the_encoding_redis_leaves() {
        // Walking the first set adds only what survives: an intset.
        let (x, a) = (set_of(&["1", "2", "3", "a"]), set_of(&["a"]));
        let d = union_or_diff(Op::Diff, &[Some(&x), Some(&a)], false, 1, 512);
        assert_eq!((d.len(), d.encoding()), (3, "intset"));
        // With many sets to subtract, adding then removing wins: the
        // non-integer added first leaves a hashtable behind.
        let d = union_or_diff(
            Op::Diff,
            &[Some(&x), Some(&a), Some(&a), Some(&a), Some(&a)],
            false,
            1,
            512,
        );
        assert_eq!((d.len(), d.encoding()), (3, "hashtable"));
        let d = union_or_diff(Op::Diff, &[Some(&x), Some(&a)], true, 1, 512);
        assert!(d.is_empty());
        let d = union_or_diff(Op::Diff, &[None, Some(&a)], false, 1, 512);
        assert!(d.is_empty());
    }
}
