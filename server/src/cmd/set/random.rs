//! SPOP and SRANDMEMBER: random members, from the server's seeded
//! generator, in O(count) by position (never O(size) per pick).

use std::collections::HashSet;

use super::super::collection::{
    MAX_REPEATED_PICKS, modified, parse_random_count, parts, sample_distinct,
};
use super::super::error::{self, CmdResult};
use super::super::{Ctx, int_arg};
use super::{Kind, kind, max_intset, read, reply_members};
use crate::config::notify;
use crate::db::set::Set;
use crate::db::{Blob, Value};

/// SPOP's rule for large counts: when fewer than a sixth of the members
/// would stay, Redis picks the survivors instead and builds a new set of
/// them (which may be an intset again).
const SPOP_MOVE_STRATEGY_MUL: usize = 5;

/// # Format
/// `SPOP key [count]`
///
/// Without a count: one member, or null; with a count: a set reply of up
/// to that many distinct members (the whole set, deleting the key, when it
/// has no more). A negative or non-numeric count is refused before the key
/// is looked at.
pub(super) fn spop(ctx: &mut Ctx<'_>) -> CmdResult {
    match ctx.argc() {
        2 => spop_one(ctx),
        3 => spop_count(ctx),
        _ => Err(error::SYNTAX),
    }
}

fn spop_one(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if kind(ctx.lookup_write(key).map(|e| &e.value)) == Kind::Other {
        return Err(error::WRONGTYPE);
    }
    let p = parts(ctx, key);
    let (member, emptied) = match p.value {
        Some(Value::Set(set)) if !set.is_empty() => {
            let i = p.rng.usize(..set.len());
            (set.take_index(i), set.is_empty())
        }
        _ => (None, false),
    };
    let Some(member) = member else {
        ctx.out.null();
        return Ok(());
    };
    ctx.notify(notify::SET, "spop", key);
    ctx.out.bulk(&member);
    // Random on the primary, so propagated as what it removed.
    ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"SREM", key, &member])]);
    if emptied {
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    modified(ctx, key, 1);
    Ok(())
}

fn spop_count(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let count = match int_arg(ctx.arg(2)) {
        Ok(n) if n >= 0 => n.unsigned_abs(),
        _ => return Err(error::MUST_BE_POSITIVE),
    };
    let max = max_intset(ctx);
    let seed = ctx.state.hash_seed;
    if kind(ctx.lookup_write(key).map(|e| &e.value)) == Kind::Other {
        return Err(error::WRONGTYPE);
    }
    let propagating = ctx.propagating();
    let p = parts(ctx, key);
    let set = match p.value {
        Some(Value::Set(set)) if count > 0 && !set.is_empty() => set,
        _ => {
            p.out.set(0);
            return Ok(());
        }
    };
    let size = set.len();
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count >= size {
        // Redis answers through SUNION of this one set, that is from a new
        // set: a hashtable holding only few integers answers as an intset,
        // in ascending order.
        let mut all = Set::new(seed);
        for m in set.iter() {
            all.add(m, max);
        }
        reply_members(p.out, &all.ordered());
        ctx.notify(notify::SET, "spop", key);
        ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"DEL", key])]);
        ctx.db().remove(key);
        ctx.notify(notify::GENERIC, "del", key);
        modified(ctx, key, size as u64);
        return Ok(());
    }
    let remaining = size - count;
    p.out.set(count);
    let mut removed: Vec<Blob> = Vec::new();
    if remaining * SPOP_MOVE_STRATEGY_MUL > count {
        for _ in 0..count {
            let i = p.rng.usize(..set.len());
            if let Some(m) = set.take_index(i) {
                p.out.bulk(&m);
                if propagating {
                    removed.push(Blob::new(&m));
                }
            }
        }
    } else {
        let keep: HashSet<Blob> = sample_distinct(p.rng, size, remaining)
            .into_iter()
            .filter_map(|i| set.get_index(i).cloned())
            .collect();
        let popped: Vec<Blob> = set
            .ordered()
            .into_iter()
            .filter(|m| !keep.contains(m.as_slice()))
            .cloned()
            .collect();
        // Removing in place (rather than building a new set) keeps the
        // survivors' positions, so an SSCAN in progress still sees them.
        for m in &popped {
            set.remove(m);
            p.out.bulk(m);
        }
        set.reencode(max);
        if propagating {
            removed = popped;
        }
    }
    ctx.notify(notify::SET, "spop", key);
    if propagating {
        // As SREMs of what it removed, 1024 members at most each.
        let srems = removed
            .chunks(1024)
            .map(|chunk| {
                let mut srem = crate::cmd::repl::args_of(&[b"SREM", key]);
                srem.extend(chunk.iter().map(|m| bytes::Bytes::copy_from_slice(m)));
                srem
            })
            .collect();
        ctx.propagate_as(srems);
    }
    modified(ctx, key, count as u64);
    Ok(())
}

/// # Format
/// `SRANDMEMBER key [count]`
///
/// Without a count: one member, or null. A positive count: that many
/// distinct members (the whole set, in its order, if it has no more); a
/// negative count: that many independent picks, repeats allowed. With a
/// count the reply is an array in RESP3 too, and `[]` for a missing key.
pub(super) fn srandmember(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let count = match ctx.argc() {
        2 => None,
        3 => Some(parse_random_count(ctx.arg(2))?),
        _ => return Err(error::SYNTAX),
    };
    let (set, out, rng) = read(ctx, key)?;
    let Some(count) = count else {
        match set.and_then(|s| s.get_index(rng.usize(..s.len())).cloned()) {
            Some(m) => out.bulk(&m),
            None => out.null(),
        }
        return Ok(());
    };
    let Some(set) = set else {
        out.array(0);
        return Ok(());
    };
    if count == 0 {
        out.array(0);
        return Ok(());
    }
    let len = set.len();
    if count < 0 || count == 1 {
        let picks = count.unsigned_abs();
        if picks > MAX_REPEATED_PICKS {
            return Err(error::out_of_range("value"));
        }
        out.array(picks as usize);
        for _ in 0..picks {
            if let Some(m) = set.get_index(rng.usize(..len)) {
                out.bulk(m);
            }
        }
        return Ok(());
    }
    let wanted = usize::try_from(count).unwrap_or(usize::MAX);
    if wanted >= len {
        let all = set.ordered();
        out.array(all.len());
        for m in all {
            out.bulk(m);
        }
        return Ok(());
    }
    out.array(wanted);
    for i in sample_distinct(rng, len, wanted) {
        if let Some(m) = set.get_index(i) {
            out.bulk(m);
        }
    }
    Ok(())
}
