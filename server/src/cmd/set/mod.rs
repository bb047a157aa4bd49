//! Set commands: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SMOVE
//! and SSCAN here; SPOP and SRANDMEMBER in [`random`]; SINTER, SINTERCARD,
//! SUNION, SDIFF and their STORE forms in [`algebra`].
//!
//! Semantics follow Redis 7.0's `t_set.c`: a set never exists empty (the
//! last SREM, SPOP or SMOVE deletes the key), and the encoding `OBJECT
//! ENCODING` reports (`intset` or `hashtable`) is kept by [`Set`] from
//! `set-max-intset-entries` at the time of each write. While a set is an
//! intset Redis iterates it in ascending numeric order, and so do we
//! ([`Set::ordered`]).

mod algebra;
mod random;

use super::collection::{
    modified, parse_cursor, parse_scan_options, parts, reply_empty_scan, reply_scan,
};
use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::config::notify;
use crate::db::set::Set;
use crate::db::{Blob, Value};
use crate::protocol::Out;

/// The set commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("sadd", -3, sadd)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write set fast")
        .doc(
            "set",
            "1.0.0",
            "Adds members to a set, creating it if needed.",
        ),
    CommandSpec::new("srem", -3, srem)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write set fast")
        .doc(
            "set",
            "1.0.0",
            "Removes members from a set, and the set once empty.",
        ),
    CommandSpec::new("smembers", 2, smembers)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read set slow")
        .doc("set", "1.0.0", "Returns every member of a set."),
    CommandSpec::new("sismember", 3, sismember)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read set fast")
        .doc(
            "set",
            "1.0.0",
            "Tells whether a value is a member of a set.",
        ),
    CommandSpec::new("smismember", -3, smismember)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read set fast")
        .doc(
            "set",
            "6.2.0",
            "Tells, for each of several values, whether it is a member of a set.",
        ),
    CommandSpec::new("scard", 2, scard)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read set fast")
        .doc("set", "1.0.0", "Returns the number of members of a set."),
    CommandSpec::new("spop", -2, random::spop)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write set fast")
        .doc(
            "set",
            "1.0.0",
            "Removes and returns random members of a set.",
        ),
    CommandSpec::new("srandmember", -2, random::srandmember)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read set slow")
        .doc(
            "set",
            "1.0.0",
            "Returns random members of a set without removing them.",
        ),
    CommandSpec::new("smove", 4, smove)
        .flags(WRITE | FAST)
        .keys(1, 2, 1)
        .acl("write set fast")
        .doc("set", "1.0.0", "Moves a member from one set to another."),
    CommandSpec::new("sinter", -2, algebra::sinter)
        .flags(READONLY)
        .keys(1, -1, 1)
        .acl("read set slow")
        .doc("set", "1.0.0", "Returns the intersection of sets."),
    CommandSpec::new("sintercard", -3, algebra::sintercard)
        .numkeys(1, false)
        .flags(READONLY | MOVABLE_KEYS)
        .acl("read set slow")
        .doc(
            "set",
            "7.0.0",
            "Returns the size of the intersection of sets, up to a limit.",
        ),
    CommandSpec::new("sinterstore", -3, algebra::sinterstore)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 1)
        .acl("write set slow")
        .doc("set", "1.0.0", "Stores the intersection of sets in a key."),
    CommandSpec::new("sunion", -2, algebra::sunion)
        .flags(READONLY)
        .keys(1, -1, 1)
        .acl("read set slow")
        .doc("set", "1.0.0", "Returns the union of sets."),
    CommandSpec::new("sunionstore", -3, algebra::sunionstore)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 1)
        .acl("write set slow")
        .doc("set", "1.0.0", "Stores the union of sets in a key."),
    CommandSpec::new("sdiff", -2, algebra::sdiff)
        .flags(READONLY)
        .keys(1, -1, 1)
        .acl("read set slow")
        .doc(
            "set",
            "1.0.0",
            "Returns the members of a set that no other given set has.",
        ),
    CommandSpec::new("sdiffstore", -3, algebra::sdiffstore)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 1)
        .acl("write set slow")
        .doc("set", "1.0.0", "Stores the difference of sets in a key."),
    CommandSpec::new("sscan", -3, sscan)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read set slow")
        .doc("set", "2.8.0", "Iterates over the members of a set."),
];

// ---------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------

/// `set-max-intset-entries` now.
fn max_intset(ctx: &Ctx<'_>) -> usize {
    usize::try_from(ctx.state.config.set_max_intset_entries().max(0)).unwrap_or(usize::MAX)
}

/// A new empty set, hashed with the server's seed.
fn new_set(ctx: &Ctx<'_>) -> Set {
    Set::new(ctx.state.hash_seed)
}

/// What a looked-up key holds, as far as set commands care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Missing,
    Set,
    Other,
}

fn kind(value: Option<&Value>) -> Kind {
    match value {
        None => Kind::Missing,
        Some(Value::Set(_)) => Kind::Set,
        Some(_) => Kind::Other,
    }
}

/// The set at `key` for writing, `None` if the key does not exist.
fn write<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<&'c mut Set>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Set(s) => Ok(Some(s)),
            _ => Err(error::WRONGTYPE),
        },
    }
}

/// The set at `key` for writing, created empty if the key does not exist
/// (the caller always adds a member to it).
fn write_or_create<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<&'c mut Set, CmdError> {
    if write(ctx, key)?.is_none() {
        let set = new_set(ctx);
        let lru = ctx.lru();
        ctx.db().insert(key, Value::Set(Box::new(set)), None, lru);
    }
    write(ctx, key)?.ok_or(error::NO_SUCH_KEY)
}

/// The set at `key` for reading (`None` if missing), with the reply
/// buffer and the random generator.
fn read<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<(Option<&'c Set>, &'c mut Out, &'c mut fastrand::Rng), CmdError> {
    if kind(ctx.lookup_read(key).map(|e| &e.value)) == Kind::Other {
        return Err(error::WRONGTYPE);
    }
    let p = parts(ctx, key);
    let set = match p.value {
        Some(Value::Set(s)) if !s.is_empty() => Some(&**s),
        _ => None,
    };
    Ok((set, p.out, p.rng))
}

/// Writes `members` as a set reply (`~` in RESP3).
fn reply_members(out: &mut Out, members: &[&Blob]) {
    out.set(members.len());
    for m in members {
        out.bulk(m);
    }
}

// ---------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------

/// # Format
/// `SADD key member [member ...]`
///
/// Replies with the number of members that were new.
fn sadd(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let max = max_intset(ctx);
    let set = write_or_create(ctx, key)?;
    let mut added = 0u64;
    for member in &args[2..] {
        added += u64::from(set.add(member, max));
    }
    if added > 0 {
        modified(ctx, key, added);
        ctx.notify(notify::SET, "sadd", key);
    }
    ctx.out.int(added as i64);
    Ok(())
}

/// # Format
/// `SREM key member [member ...]`
///
/// Replies with the number of members removed; removing the last one
/// deletes the key.
fn srem(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let Some(set) = write(ctx, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut removed = 0u64;
    let mut emptied = false;
    for member in &args[2..] {
        if set.remove(member) {
            removed += 1;
            if set.is_empty() {
                emptied = true;
                break;
            }
        }
    }
    if emptied {
        ctx.db().remove(key);
    }
    if removed > 0 {
        modified(ctx, key, removed);
        ctx.notify(notify::SET, "srem", key);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// # Format
/// `SMEMBERS key`
///
/// A set reply in RESP3; an intset answers in ascending order.
fn smembers(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (set, out, _) = read(ctx, key)?;
    match set {
        None => out.set(0),
        Some(s) => reply_members(out, &s.ordered()),
    }
    Ok(())
}

/// # Format
/// `SISMEMBER key member`
fn sismember(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, member) = (ctx.arg(1), ctx.arg(2));
    let (set, out, _) = read(ctx, key)?;
    out.int(i64::from(set.is_some_and(|s| s.contains(member))));
    Ok(())
}

/// # Format
/// `SMISMEMBER key member [member ...]`
///
/// An array of 0/1 integers (integers in RESP3 too); a missing key
/// answers all zeros.
fn smismember(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let (set, out, _) = read(ctx, key)?;
    out.array(args.len() - 2);
    for member in &args[2..] {
        out.int(i64::from(set.is_some_and(|s| s.contains(member))));
    }
    Ok(())
}

/// # Format
/// `SCARD key`
fn scard(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (set, out, _) = read(ctx, key)?;
    out.int(set.map_or(0, |s| s.len() as i64));
    Ok(())
}

/// # Format
/// `SMOVE source destination member`
///
/// Redis's order: both keys are looked up; a missing source answers 0
/// whatever the destination holds; then either key holding another type
/// is an error; moving within one set only tells membership.
fn smove(ctx: &mut Ctx<'_>) -> CmdResult {
    let (src, dst, member) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let max = max_intset(ctx);
    let src_kind = kind(ctx.lookup_write(src).map(|e| &e.value));
    let dst_kind = kind(ctx.lookup_write(dst).map(|e| &e.value));
    if src_kind == Kind::Missing {
        ctx.out.int(0);
        return Ok(());
    }
    if src_kind == Kind::Other || dst_kind == Kind::Other {
        return Err(error::WRONGTYPE);
    }
    if src == dst {
        let present = write(ctx, src)?.is_some_and(|s| s.contains(member));
        ctx.out.int(i64::from(present));
        return Ok(());
    }
    let Some(source) = write(ctx, src)? else {
        ctx.out.int(0);
        return Ok(());
    };
    if !source.remove(member) {
        ctx.out.int(0);
        return Ok(());
    }
    let emptied = source.is_empty();
    ctx.notify(notify::SET, "srem", src);
    if emptied {
        ctx.db().remove(src);
        ctx.notify(notify::GENERIC, "del", src);
    }
    let added = write_or_create(ctx, dst)?.add(member, max);
    modified(ctx, src, 1);
    // Redis signals the destination only when the member was new to it.
    if added {
        modified(ctx, dst, 1);
        ctx.notify(notify::SET, "sadd", dst);
    }
    ctx.out.int(1);
    Ok(())
}

/// # Format
/// `SSCAN key cursor [MATCH pattern] [COUNT count]`
///
/// An intset is returned whole (in ascending order) with cursor 0,
/// whatever the cursor and COUNT, as Redis does. The cursor is checked
/// before the key, the options only once the key is known to be a set.
fn sscan(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let cursor = parse_cursor(ctx.arg(2))?;
    let (set, out, _) = read(ctx, key)?;
    let Some(set) = set else {
        reply_empty_scan(out);
        return Ok(());
    };
    let opts = parse_scan_options(args, 3)?;
    let mut items: Vec<&[u8]> = Vec::new();
    let next = if set.is_intset() {
        items.extend(
            set.ordered()
                .into_iter()
                .filter(|m| opts.matches(m))
                .map(|m| m.as_slice()),
        );
        0
    } else {
        set.scan(cursor, opts.count, |m| {
            if opts.matches(m) {
                items.push(m);
            }
        })
    };
    reply_scan(out, next, &items);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_summary_and_the_set_group() {
        for c in COMMANDS {
            assert!(!c.summary.is_empty(), "{}", c.name);
            assert_eq!(c.group, "set");
            assert!(c.has(WRITE) != c.has(READONLY), "{}", c.name);
        }
    }
}
