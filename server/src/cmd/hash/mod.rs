//! Hash commands: the readers (HGET, HMGET, HGETALL, HKEYS, HVALS,
//! HEXISTS, HLEN, HSTRLEN) here, the writers (HSET, HSETNX, HMSET, HDEL,
//! HINCRBY, HINCRBYFLOAT) in [`write`], HRANDFIELD and HSCAN in
//! [`iterate`].
//!
//! Semantics follow Redis 7.0's `t_hash.c`: a hash never exists empty (the
//! last HDEL deletes the key), writers create the key before anything can
//! fail (nothing after the creation can fail on a new key), and the
//! encoding `OBJECT ENCODING` reports is kept by [`Hash`] from the limits
//! configured at the time of each write.

mod iterate;
mod write;

use iterate::{hrandfield, hscan};
use write::{hdel, hincrby, hincrbyfloat, hmset, hset, hsetnx};

use super::collection::parts;
use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::db::Value;
use crate::db::hash::{Hash, HashLimits};
use crate::protocol::Out;

/// The hash commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("hset", -4, hset)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Sets fields of a hash, creating it if needed.",
        ),
    CommandSpec::new("hsetnx", 4, hsetnx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Sets a hash field only if it is not set yet.",
        ),
    CommandSpec::new("hmset", -4, hmset)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Sets fields of a hash (the older form of HSET).",
        ),
    CommandSpec::new("hget", 3, hget)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read hash fast")
        .doc("hash", "2.0.0", "Returns the value of one hash field."),
    CommandSpec::new("hmget", -3, hmget)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Returns the values of several hash fields.",
        ),
    CommandSpec::new("hgetall", 2, hgetall)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read hash slow")
        .doc("hash", "2.0.0", "Returns every field and value of a hash."),
    CommandSpec::new("hkeys", 2, hkeys)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read hash slow")
        .doc("hash", "2.0.0", "Returns every field name of a hash."),
    CommandSpec::new("hvals", 2, hvals)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read hash slow")
        .doc("hash", "2.0.0", "Returns every value of a hash."),
    CommandSpec::new("hdel", -3, hdel)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Removes fields from a hash, and the hash once empty.",
        ),
    CommandSpec::new("hexists", 3, hexists)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read hash fast")
        .doc("hash", "2.0.0", "Tells whether a hash field exists."),
    CommandSpec::new("hlen", 2, hlen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read hash fast")
        .doc("hash", "2.0.0", "Returns the number of fields of a hash."),
    CommandSpec::new("hstrlen", 3, hstrlen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read hash fast")
        .doc(
            "hash",
            "3.2.0",
            "Returns the length in bytes of a hash field's value.",
        ),
    CommandSpec::new("hincrby", 4, hincrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.0.0",
            "Adds an integer to the integer held by a hash field.",
        ),
    CommandSpec::new("hincrbyfloat", 4, hincrbyfloat)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write hash fast")
        .doc(
            "hash",
            "2.6.0",
            "Adds a decimal number to the number held by a hash field.",
        ),
    CommandSpec::new("hrandfield", -2, hrandfield)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read hash slow")
        .doc(
            "hash",
            "6.2.0",
            "Returns random fields of a hash, with or without their values.",
        ),
    CommandSpec::new("hscan", -3, hscan)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read hash slow")
        .doc(
            "hash",
            "2.8.0",
            "Iterates over the fields and values of a hash.",
        ),
];

// ---------------------------------------------------------------------------
// Access
// ---------------------------------------------------------------------------

/// The listpack limits configured now.
pub(super) fn limits(ctx: &Ctx<'_>) -> HashLimits {
    let config = &ctx.state.config;
    HashLimits::new(
        config.hash_max_listpack_entries(),
        config.hash_max_listpack_value(),
    )
}

/// The hash at `key` for writing, `None` if the key does not exist.
pub(super) fn write<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<Option<&'c mut Hash>, CmdError> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(entry) => match &mut entry.value {
            Value::Hash(h) => Ok(Some(h)),
            _ => Err(error::WRONGTYPE),
        },
    }
}

/// The hash at `key` for writing, created empty if the key does not exist
/// (the caller always stores a field in it).
pub(super) fn write_or_create<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<&'c mut Hash, CmdError> {
    if write(ctx, key)?.is_none() {
        let hash = Hash::new(ctx.state.hash_seed);
        let lru = ctx.lru();
        ctx.db().insert(key, Value::Hash(Box::new(hash)), None, lru);
    }
    write(ctx, key)?.ok_or(error::NO_SUCH_KEY)
}

/// The hash at `key` for reading (`None` if missing), with the reply
/// buffer and the random generator.
pub(super) fn read<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
) -> Result<(Option<&'c Hash>, &'c mut Out, &'c mut fastrand::Rng), CmdError> {
    if let Some(entry) = ctx.lookup_read(key)
        && !matches!(entry.value, Value::Hash(_))
    {
        return Err(error::WRONGTYPE);
    }
    let p = parts(ctx, key);
    let hash = match p.value {
        Some(Value::Hash(h)) if !h.is_empty() => Some(&**h),
        _ => None,
    };
    Ok((hash, p.out, p.rng))
}

// ---------------------------------------------------------------------------
// Readers
// ---------------------------------------------------------------------------

/// # Format
/// `HGET key field`
fn hget(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (hash, out, _) = read(ctx, key)?;
    match hash.and_then(|h| h.get(field)) {
        Some(v) => out.bulk(v),
        None => out.null(),
    }
    Ok(())
}

/// # Format
/// `HMGET key field [field ...]`
///
/// A missing key answers like an empty hash: one null per field.
fn hmget(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let (hash, out, _) = read(ctx, key)?;
    out.array(args.len() - 2);
    for field in &args[2..] {
        match hash.and_then(|h| h.get(field)) {
            Some(v) => out.bulk(v),
            None => out.null(),
        }
    }
    Ok(())
}

/// # Format
/// `HGETALL key`
///
/// A map in RESP3, a flat array of fields and values in RESP2.
fn hgetall(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out, _) = read(ctx, key)?;
    let Some(hash) = hash else {
        out.map(0);
        return Ok(());
    };
    out.map(hash.len());
    for (f, v) in hash.iter() {
        out.bulk(f);
        out.bulk(v);
    }
    Ok(())
}

/// # Format
/// `HKEYS key`
fn hkeys(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out, _) = read(ctx, key)?;
    match hash {
        None => out.array(0),
        Some(h) => out.bulk_array(h.iter().map(|(f, _)| f.as_slice())),
    }
    Ok(())
}

/// # Format
/// `HVALS key`
fn hvals(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out, _) = read(ctx, key)?;
    match hash {
        None => out.array(0),
        Some(h) => out.bulk_array(h.iter().map(|(_, v)| v.as_slice())),
    }
    Ok(())
}

/// # Format
/// `HEXISTS key field`
fn hexists(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (hash, out, _) = read(ctx, key)?;
    out.int(i64::from(hash.is_some_and(|h| h.contains(field))));
    Ok(())
}

/// # Format
/// `HLEN key`
fn hlen(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (hash, out, _) = read(ctx, key)?;
    out.int(hash.map_or(0, |h| h.len() as i64));
    Ok(())
}

/// # Format
/// `HSTRLEN key field`
///
/// 0 for a missing key or field.
fn hstrlen(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let (hash, out, _) = read(ctx, key)?;
    out.int(
        hash.and_then(|h| h.get(field))
            .map_or(0, |v| v.len() as i64),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_summary_and_the_hash_group() {
        for c in COMMANDS {
            assert!(!c.summary.is_empty(), "{}", c.name);
            assert_eq!(c.group, "hash");
            assert!(c.has(WRITE) != c.has(READONLY), "{}", c.name);
        }
    }
}
