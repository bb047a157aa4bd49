//! ZRANDMEMBER and ZSCAN: the commands that read a sorted set in storage
//! order rather than score order.
//!
//! Random picks use the server's seeded generator and O(1) access by
//! storage position, so a reply costs O(count) whatever the set's size.
//! Where Redis's order follows its encoding, so does ours: a count at
//! least the size returns everything from the highest score down, a small
//! distinct sample of a `listpack` set comes in score order, and ZSCAN of
//! a `listpack` set returns it whole with cursor 0, each score in the form
//! the listpack stores it (an integral score as an integer).

use std::collections::HashSet;

use super::access::{Access, parts, probe, zset_of};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::keys::scan::{parse_cursor as cursor, parse_options};
use crate::cmd::{Ctx, int_arg, is};
use crate::db::zset::{Packed, ZSet};
use crate::num::format_double;
use crate::protocol::{Out, Resp};

/// Largest count a ZRANDMEMBER reply may carry. Redis streams any count
/// (and a client asking for 2^62 members exhausts its memory); redsim
/// builds replies in memory, so it refuses counts past this with
/// `ERR value is out of range` instead of aborting the process.
const MAX_RANDOM_COUNT: u64 = 1 << 24;

/// Writes one member, with its score when `withscores` (a pair in RESP3).
fn emit(out: &mut Out, member: &[u8], score: f64, withscores: bool) {
    if withscores && out.resp() == Resp::V3 {
        out.array(2);
    }
    out.bulk(member);
    if withscores {
        out.double(score);
    }
}

fn header(out: &mut Out, n: usize, withscores: bool) {
    let resp2 = out.resp() == Resp::V2;
    out.array(if withscores && resp2 { n * 2 } else { n });
}

fn with_count(ctx: &mut Ctx<'_>, l: i64, withscores: bool) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.array(0);
        return Ok(());
    }
    let unique = l >= 0;
    let count = l.unsigned_abs();
    if count == 0 {
        ctx.out.array(0);
        return Ok(());
    }
    let (db, now) = (ctx.client.db, ctx.now);
    let state = &mut *ctx.state;
    let rng = &mut state.rng;
    let Some(z) = zset_of(&mut state.dbs[db], key, now) else {
        ctx.out.array(0);
        return Ok(());
    };
    let z: &ZSet = z;
    let out = &mut *ctx.out;
    let size = z.len();
    if size == 0 {
        out.array(0);
        return Ok(());
    }

    if !unique || count == 1 {
        if count > MAX_RANDOM_COUNT {
            return Err(error::out_of_range("value"));
        }
        let n = count as usize;
        header(out, n, withscores);
        for _ in 0..n {
            if let Some((m, s)) = z.at(rng.usize(..size)) {
                emit(out, m, s, withscores);
            }
        }
        return Ok(());
    }

    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count >= size {
        header(out, size, withscores);
        for (m, s) in z.iter_rev_from(size - 1) {
            emit(out, m, s, withscores);
        }
        return Ok(());
    }
    header(out, count, withscores);
    if count.saturating_mul(3) > size {
        // Most of the set: shuffle the first `count` positions into place.
        let mut picks: Vec<usize> = (0..size).collect();
        for i in 0..count {
            let j = rng.usize(i..size);
            picks.swap(i, j);
        }
        for &p in &picks[..count] {
            if let Some((m, s)) = z.at(p) {
                emit(out, m, s, withscores);
            }
        }
        return Ok(());
    }
    let mut seen = HashSet::with_capacity(count);
    let mut picks = Vec::with_capacity(count);
    while picks.len() < count {
        let p = rng.usize(..size);
        if seen.insert(p) {
            picks.push(p);
        }
    }
    if z.is_listpack() {
        // A listpack samples by walking its entries: the sample comes in
        // score order. Random positions drawn as ranks give the same law.
        picks.sort_unstable();
        for &rank in &picks {
            if let Some((m, s)) = z.get(rank) {
                emit(out, m, s, withscores);
            }
        }
    } else {
        for &p in &picks {
            if let Some((m, s)) = z.at(p) {
                emit(out, m, s, withscores);
            }
        }
    }
    Ok(())
}

/// # Format
/// `ZRANDMEMBER key [count [WITHSCORES]]`
///
/// Without a count: one member, or nil. A positive count asks for that
/// many distinct members (at most the whole set); a negative one for
/// exactly |count| picks that may repeat.
pub(super) fn zrandmember(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() >= 3 {
        let l = int_arg(ctx.arg(2))?;
        if l == i64::MIN {
            return Err(error::value_between(-i64::MAX, i64::MAX));
        }
        let withscores = ctx.argc() == 4 && is(ctx.arg(3), "withscores");
        if ctx.argc() > 4 || (ctx.argc() == 4 && !withscores) {
            return Err(error::SYNTAX);
        }
        if withscores && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(error::out_of_range("value"));
        }
        return with_count(ctx, l, withscores);
    }
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.null();
        return Ok(());
    }
    let (db, now) = (ctx.client.db, ctx.now);
    let state = &mut *ctx.state;
    let rng = &mut state.rng;
    match zset_of(&mut state.dbs[db], key, now) {
        Some(z) if !z.is_empty() => {
            let i = rng.usize(..z.len());
            match z.at(i) {
                Some((m, _)) => ctx.out.bulk(m),
                None => ctx.out.null(),
            }
        }
        _ => ctx.out.null(),
    }
    Ok(())
}

/// # Format
/// `ZSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// A `listpack` set is returned whole, in score order, with cursor 0, as
/// Redis does. A larger one is walked by storage position from the end
/// down: removing a member moves the last one into its slot, which the
/// walk has already passed, so members present throughout are returned.
pub(super) fn zscan(ctx: &mut Ctx<'_>) -> CmdResult {
    let cursor = cursor(ctx.arg(2))?;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.array(2);
        ctx.out.bulk(b"0");
        ctx.out.array(0);
        return Ok(());
    }
    // Options are read after the key, as Redis's scanGenericCommand does:
    // a missing key answers an empty scan whatever they say.
    let opts = parse_options(ctx.args, 3, false)?;
    let count = i64::try_from(opts.count).unwrap_or(i64::MAX);
    let pattern = opts.pattern;
    let (z, out) = parts(ctx, key);
    let Some(z) = z else {
        out.array(2);
        out.bulk(b"0");
        out.array(0);
        return Ok(());
    };
    let keep = |m: &[u8]| pattern.is_none_or(|p| crate::glob::matches(p, m, false));
    let (next, found): (u64, Vec<(&[u8], f64)>) = if z.is_listpack() {
        let all = z.iter().map(|(m, s)| (m.as_slice(), s));
        (0, all.filter(|(m, _)| keep(m)).collect())
    } else {
        let len = z.len();
        let end = if cursor == 0 {
            len
        } else {
            usize::try_from(cursor).unwrap_or(usize::MAX).min(len)
        };
        let start = end.saturating_sub(usize::try_from(count).unwrap_or(usize::MAX));
        let batch = (start..end).rev().filter_map(|p| z.at(p));
        let found = batch
            .map(|(m, s)| (m.as_slice(), s))
            .filter(|(m, _)| keep(m))
            .collect();
        (start as u64, found)
    };
    let listpack = z.is_listpack();
    out.array(2);
    out.bulk(next.to_string().as_bytes());
    out.array(found.len() * 2);
    for (m, s) in found {
        out.bulk(m);
        // A listpack's scan copies its entries as they are stored: an
        // integral score prints as an integer (1e17 as 100000000000000000);
        // a skiplist's prints as a double.
        let text = match Packed::of(s) {
            Packed::Int(i) if listpack => i.to_string(),
            _ => format_double(s),
        };
        out.bulk(text.as_bytes());
    }
    Ok(())
}
