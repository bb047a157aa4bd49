//! ZUNION, ZINTER, ZDIFF, ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE and
//! ZINTERCARD, after Redis's `zunionInterDiffGenericCommand`.
//!
//! Inputs may be sorted sets or plain sets (every member scoring 1); a
//! missing key is an empty input. Union and intersection visit the inputs
//! smallest first (a stable sort, as glibc's merge-sort `qsort`), which
//! fixes the order in which floating-point sums are taken and so the last
//! bits of a SUM. A product `weight × score` that is NaN (`0 × inf`)
//! counts as 0, and so does a SUM that is NaN (`inf + -inf`).

use indexmap::IndexMap;

use super::access::{limits, reply_members, store};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::zset::{Score, ZSet};
use crate::db::{Blob, Hasher, Value};
use crate::num::parse_f64 as score;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            // A NaN operand compares false and leaves the target as is.
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input: its value (if the key exists) and its weight.
struct Source<'a> {
    value: Option<&'a Value>,
    weight: f64,
}

impl<'a> Source<'a> {
    fn len(&self) -> usize {
        match self.value {
            Some(Value::ZSet(z)) => z.len(),
            Some(Value::Set(s)) => s.len(),
            _ => 0,
        }
    }

    /// Every member with its score (1 for a plain set).
    fn members(&self) -> Box<dyn Iterator<Item = (&'a [u8], f64)> + 'a> {
        match self.value {
            Some(Value::ZSet(z)) => Box::new(z.iter().map(|(m, s)| (m.as_slice(), s))),
            Some(Value::Set(s)) => Box::new(s.iter().map(|m| (m.as_slice(), 1.0))),
            _ => Box::new(std::iter::empty()),
        }
    }

    fn score(&self, member: &[u8]) -> Option<f64> {
        match self.value {
            Some(Value::ZSet(z)) => z.score(member),
            Some(Value::Set(s)) => s.contains(member).then_some(1.0),
            _ => None,
        }
    }
}

/// Computes the operation over `sources`: the resulting members with
/// their scores, or with `card_limit` (ZINTERCARD) only their number,
/// counting stopped at a nonzero limit.
fn combine(
    mut sources: Vec<Source<'_>>,
    op: Op,
    aggregate: Aggregate,
    card_limit: Option<usize>,
    seed: u64,
) -> (Vec<(Blob, f64)>, usize) {
    if op != Op::Diff {
        sources.sort_by_key(Source::len);
    }

    let mut result: Vec<(Blob, f64)> = Vec::new();
    let mut cardinality = 0usize;
    match op {
        Op::Inter => {
            let (head, rest) = sources.split_at(1);
            let head = &head[0];
            for (member, s) in head.members() {
                let mut acc = head.weight * s;
                if acc.is_nan() {
                    acc = 0.0;
                }
                let mut everywhere = true;
                for src in rest {
                    match src.score(member) {
                        Some(v) => aggregate.apply(&mut acc, v * src.weight),
                        None => {
                            everywhere = false;
                            break;
                        }
                    }
                }
                if !everywhere {
                    continue;
                }
                if let Some(limit) = card_limit {
                    cardinality += 1;
                    if limit != 0 && cardinality >= limit {
                        break;
                    }
                } else {
                    result.push((Blob::new(member), acc));
                }
            }
        }
        Op::Union => {
            let largest = sources.iter().map(Source::len).max().unwrap_or(0);
            let mut acc: IndexMap<&[u8], f64, Hasher> =
                IndexMap::with_capacity_and_hasher(largest, Hasher::with_seed(seed));
            for src in &sources {
                for (member, s) in src.members() {
                    let mut v = src.weight * s;
                    if v.is_nan() {
                        v = 0.0;
                    }
                    match acc.get_mut(member) {
                        Some(t) => aggregate.apply(t, v),
                        None => {
                            acc.insert(member, v);
                        }
                    }
                }
            }
            result = acc.into_iter().map(|(m, s)| (Blob::new(m), s)).collect();
        }
        Op::Diff => {
            let (head, rest) = sources.split_at(1);
            for (member, s) in head[0].members() {
                if rest.iter().all(|src| src.score(member).is_none()) {
                    result.push((Blob::new(member), s));
                }
            }
        }
    }

    (result, cardinality)
}

/// What the command does with the result.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output<'a> {
    /// Reply with the members (ZUNION, ZINTER, ZDIFF).
    Reply,
    /// Store in this key (the STORE forms).
    Store(&'a [u8]),
    /// Reply with the cardinality only (ZINTERCARD).
    Card,
}

fn generic(
    ctx: &mut Ctx<'_>,
    name: &str,
    numkeys_at: usize,
    op: Op,
    output: Output<'_>,
) -> CmdResult {
    let setnum = int_arg(ctx.arg(numkeys_at))?;
    if setnum < 1 {
        return Err(error::at_least_one_key(name));
    }
    let first_key = numkeys_at + 1;
    let available = ctx.argc() - first_key;
    let setnum = match usize::try_from(setnum) {
        Ok(n) if n <= available => n,
        _ => return Err(error::SYNTAX),
    };
    let args = ctx.args;
    let keys = &args[first_key..first_key + setnum];
    for key in keys {
        match ctx.lookup_read(key).map(|e| &e.value) {
            None | Some(Value::ZSet(_) | Value::Set(_)) => {}
            Some(_) => return Err(error::WRONGTYPE),
        }
    }
    let mut weights = vec![1.0; setnum];
    let mut aggregate = Aggregate::Sum;
    let mut withscores = false;
    let mut limit: usize = 0;
    let card_only = output == Output::Card;
    let mut j = first_key + setnum;
    while j < ctx.argc() {
        let remaining = ctx.argc() - j;
        let arg = ctx.arg(j);
        if op != Op::Diff && !card_only && remaining > setnum && is(arg, "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = score(ctx.arg(j)).ok_or(error::WEIGHT_NOT_FLOAT)?;
                j += 1;
            }
        } else if op != Op::Diff && !card_only && remaining >= 2 && is(arg, "aggregate") {
            let kind = ctx.arg(j + 1);
            aggregate = if is(kind, "sum") {
                Aggregate::Sum
            } else if is(kind, "min") {
                Aggregate::Min
            } else if is(kind, "max") {
                Aggregate::Max
            } else {
                return Err(error::SYNTAX);
            };
            j += 2;
        } else if output == Output::Reply && is(arg, "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(arg, "limit") {
            let n = crate::num::parse_i64(ctx.arg(j + 1))
                .filter(|n| *n >= 0)
                .ok_or(error::LIMIT_NEGATIVE)?;
            limit = usize::try_from(n).unwrap_or(usize::MAX);
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }

    let seed = ctx.state.hash_seed;
    let lim = limits(ctx);
    let now = ctx.now;
    let db = &ctx.state.dbs[ctx.client.db];
    let sources: Vec<Source<'_>> = keys
        .iter()
        .zip(weights)
        .map(|(key, weight)| Source {
            value: db.get(key, now).map(|e| &e.value),
            weight,
        })
        .collect();
    let card_limit = card_only.then_some(limit);
    let (mut result, cardinality) = combine(sources, op, aggregate, card_limit, seed);
    match output {
        Output::Card => ctx.out.int(cardinality as i64),
        Output::Store(dst) => {
            let z = ZSet::build(seed, result, lim);
            let event = match op {
                Op::Union => "zunionstore",
                Op::Inter => "zinterstore",
                Op::Diff => "zdiffstore",
            };
            store(ctx, dst, z, event);
        }
        Output::Reply => {
            // Replied from the skiplist Redis builds, never a listpack:
            // a `-0` stays `-0`.
            result.sort_by(|a, b| Score(a.1).cmp(&Score(b.1)).then_with(|| a.0.cmp(&b.0)));
            reply_members(
                ctx.out,
                result.len(),
                result.iter().map(|(m, s)| (m.as_slice(), *s)),
                withscores,
            );
        }
    }
    Ok(())
}

/// # Format
/// `ZUNION numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]`
pub(super) fn zunion(ctx: &mut Ctx<'_>) -> CmdResult {
    generic(ctx, "zunion", 1, Op::Union, Output::Reply)
}

/// # Format
/// `ZINTER numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX] [WITHSCORES]`
pub(super) fn zinter(ctx: &mut Ctx<'_>) -> CmdResult {
    generic(ctx, "zinter", 1, Op::Inter, Output::Reply)
}

/// # Format
/// `ZDIFF numkeys key [key ...] [WITHSCORES]`
pub(super) fn zdiff(ctx: &mut Ctx<'_>) -> CmdResult {
    generic(ctx, "zdiff", 1, Op::Diff, Output::Reply)
}

/// # Format
/// `ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]`
pub(super) fn zunionstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let dst = ctx.arg(1);
    generic(ctx, "zunionstore", 2, Op::Union, Output::Store(dst))
}

/// # Format
/// `ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE SUM | MIN | MAX]`
pub(super) fn zinterstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let dst = ctx.arg(1);
    generic(ctx, "zinterstore", 2, Op::Inter, Output::Store(dst))
}

/// # Format
/// `ZDIFFSTORE destination numkeys key [key ...]`
pub(super) fn zdiffstore(ctx: &mut Ctx<'_>) -> CmdResult {
    let dst = ctx.arg(1);
    generic(ctx, "zdiffstore", 2, Op::Diff, Output::Store(dst))
}

/// # Format
/// `ZINTERCARD numkeys key [key ...] [LIMIT limit]`
pub(super) fn zintercard(ctx: &mut Ctx<'_>) -> CmdResult {
    generic(ctx, "zintercard", 1, Op::Inter, Output::Card)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::set::Set;
    use crate::db::zset::Limits;

    const LIMITS: Limits = Limits {
        entries: 128,
        value: 64,
    };

    fn set(members: &[&str]) -> Value {
        let mut s = Set::new(1);
        for m in members {
            s.add(m.as_bytes(), 512);
        }
        Value::Set(Box::new(s))
    }

    fn zset(pairs: &[(&str, f64)]) -> Value {
        let items = pairs.iter().map(|(m, s)| (Blob::from(*m), *s));
        Value::ZSet(Box::new(ZSet::build(1, items, LIMITS)))
    }

    fn run(values: &[(&Value, f64)], op: Op, aggregate: Aggregate) -> Vec<(String, f64)> {
        let sources = values
            .iter()
            .map(|(v, weight)| Source {
                value: Some(v),
                weight: *weight,
            })
            .collect();
        let (mut members, _) = combine(sources, op, aggregate, None, 7);
        members.sort_by(|a, b| a.0.cmp(&b.0));
        members
            .into_iter()
            .map(|(m, s)| (String::from_utf8_lossy(&m).into_owned(), s))
            .collect()
    }

    fn pairs(list: &[(&str, f64)]) -> Vec<(String, f64)> {
        list.iter().map(|(m, s)| (m.to_string(), *s)).collect()
    }

    #[test]
    fn plain_set_members_score_one() {
        let s = set(&["x", "y", "10"]);
        let z = zset(&[("x", 5.0), ("10", 7.0), ("r", 9.0)]);
        assert_eq!(
            run(&[(&s, 1.0), (&z, 1.0)], Op::Union, Aggregate::Sum),
            pairs(&[("10", 8.0), ("r", 9.0), ("x", 6.0), ("y", 1.0)])
        );
        assert_eq!(
            run(&[(&s, 2.0), (&z, 1.0)], Op::Inter, Aggregate::Max),
            pairs(&[("10", 7.0), ("x", 5.0)])
        );
        assert_eq!(
            run(&[(&s, 1.0), (&z, 1.0)], Op::Diff, Aggregate::Sum),
            pairs(&[("y", 1.0)])
        );
        assert_eq!(
            run(&[(&z, 1.0), (&s, 1.0)], Op::Diff, Aggregate::Sum),
            pairs(&[("r", 9.0)])
        );
    }

    #[test]
    fn nan_products_and_sums_become_zero() {
        let a = zset(&[("x", f64::INFINITY), ("y", 1.0)]);
        let b = zset(&[("x", f64::NEG_INFINITY), ("y", f64::INFINITY)]);
        assert_eq!(
            run(&[(&a, 1.0), (&b, 1.0)], Op::Union, Aggregate::Sum),
            pairs(&[("x", 0.0), ("y", f64::INFINITY)])
        );
        assert_eq!(
            run(&[(&a, 0.0), (&b, 1.0)], Op::Union, Aggregate::Min),
            pairs(&[("x", f64::NEG_INFINITY), ("y", 0.0)])
        );
        // The smaller input leads: 1 + (inf × 0) is 1 + NaN, which is 0.
        let s = set(&["x"]);
        assert_eq!(
            run(&[(&a, 0.0), (&s, 1.0)], Op::Inter, Aggregate::Sum),
            pairs(&[("x", 0.0)])
        );
        assert_eq!(
            run(&[(&a, 0.0), (&s, 1.0)], Op::Inter, Aggregate::Max),
            pairs(&[("x", 1.0)])
        );
    }

    #[test]
    fn intercard_stops_at_the_limit() {
        let a = set(&["a", "b", "c", "d"]);
        let b = zset(&[("a", 1.0), ("b", 1.0), ("c", 1.0)]);
        let count = |limit| {
            let sources = vec![
                Source {
                    value: Some(&a),
                    weight: 1.0,
                },
                Source {
                    value: Some(&b),
                    weight: 1.0,
                },
            ];
            combine(sources, Op::Inter, Aggregate::Sum, Some(limit), 1).1
        };
        assert_eq!(count(0), 3);
        assert_eq!(count(2), 2);
        assert_eq!(count(10), 3);
    }
}
