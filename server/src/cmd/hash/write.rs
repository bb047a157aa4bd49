//! The hash writers: HSET, HMSET, HSETNX, HDEL, HINCRBY, HINCRBYFLOAT.
//!
//! Each one signals the key (WATCH) and publishes the keyspace event of
//! `t_hash.c` (`hset`, `hdel`, `hincrby`, `hincrbyfloat`, and `del` when
//! the last field goes).

use super::super::collection::modified;
use super::super::error::{self, CmdResult};
use super::super::{Ctx, int_arg};
use super::{limits, write, write_or_create};
use crate::config::notify;
use crate::num::{LongDouble, parse_i64};

/// # Format
/// `HSET key field value [field value ...]`
///
/// Replies with the number of fields that were new.
pub(super) fn hset(ctx: &mut Ctx<'_>) -> CmdResult {
    set_pairs(ctx, false)
}

/// # Format
/// `HMSET key field value [field value ...]`
///
/// HSET replying `OK`.
pub(super) fn hmset(ctx: &mut Ctx<'_>) -> CmdResult {
    set_pairs(ctx, true)
}

fn set_pairs(ctx: &mut Ctx<'_>, legacy: bool) -> CmdResult {
    // The arity only says "at least one pair"; an odd count is an arity
    // error too, found before the key is looked at.
    if ctx.argc() % 2 == 1 {
        return Err(error::wrong_arity(if legacy { "hmset" } else { "hset" }));
    }
    let args = ctx.args;
    let key = ctx.arg(1);
    let limits = limits(ctx);
    let hash = write_or_create(ctx, key)?;
    let mut created = 0;
    for pair in args[2..].chunks_exact(2) {
        created += i64::from(hash.set(&pair[0], &pair[1], limits));
    }
    if legacy {
        ctx.out.ok();
    } else {
        ctx.out.int(created);
    }
    modified(ctx, key, (args.len() as u64 - 2) / 2);
    ctx.notify(notify::HASH, "hset", key);
    Ok(())
}

/// # Format
/// `HSETNX key field value`
pub(super) fn hsetnx(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field, value) = (ctx.arg(1), ctx.arg(2), ctx.arg(3));
    let limits = limits(ctx);
    let hash = write_or_create(ctx, key)?;
    if hash.contains(field) {
        ctx.out.int(0);
        return Ok(());
    }
    hash.set(field, value, limits);
    ctx.out.int(1);
    modified(ctx, key, 1);
    ctx.notify(notify::HASH, "hset", key);
    Ok(())
}

/// # Format
/// `HDEL key field [field ...]`
///
/// Replies with the number of fields removed; removing the last one
/// deletes the key.
pub(super) fn hdel(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let key = ctx.arg(1);
    let Some(hash) = write(ctx, key)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let mut deleted = 0u64;
    let mut emptied = false;
    for field in &args[2..] {
        if hash.remove(field) {
            deleted += 1;
            if hash.is_empty() {
                emptied = true;
                break;
            }
        }
    }
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        modified(ctx, key, deleted);
        ctx.notify(notify::HASH, "hdel", key);
        if emptied {
            ctx.notify(notify::GENERIC, "del", key);
        }
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

/// # Format
/// `HINCRBY key field increment`
///
/// A missing field counts as 0. Fails on a value that is not an integer
/// as `string2ll` reads it, and on overflow.
pub(super) fn hincrby(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let by = int_arg(ctx.arg(3))?;
    let limits = limits(ctx);
    let hash = write_or_create(ctx, key)?;
    let current = match hash.get(field) {
        Some(v) => parse_i64(v).ok_or(error::HASH_VALUE_NOT_INTEGER)?,
        None => 0,
    };
    let value = current.checked_add(by).ok_or(error::OVERFLOW)?;
    let mut buf = itoa::Buffer::new();
    hash.set(field, buf.format(value).as_bytes(), limits);
    ctx.out.int(value);
    modified(ctx, key, 1);
    ctx.notify(notify::HASH, "hincrby", key);
    Ok(())
}

/// # Format
/// `HINCRBYFLOAT key field increment`
///
/// Computes in the x87 `long double` and stores the printed sum, exactly
/// as INCRBYFLOAT does. An infinite increment is refused before the key is
/// looked at; a sum that overflows is refused without storing anything.
pub(super) fn hincrbyfloat(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, field) = (ctx.arg(1), ctx.arg(2));
    let by = LongDouble::parse(ctx.arg(3)).ok_or(error::NOT_FLOAT)?;
    if by.is_infinite() {
        return Err(error::VALUE_NAN_OR_INF);
    }
    let limits = limits(ctx);
    let hash = write_or_create(ctx, key)?;
    let current = match hash.get(field) {
        Some(v) => LongDouble::parse(v).ok_or(error::HASH_VALUE_NOT_FLOAT)?,
        None => LongDouble::zero(),
    };
    let sum = current.add(&by);
    if sum.is_infinite() {
        return Err(error::NAN_OR_INF);
    }
    // Every finite long double prints within Redis's 5 KiB buffer.
    let text = sum.to_human_string().unwrap_or_default();
    hash.set(field, text.as_bytes(), limits);
    ctx.out.bulk(text.as_bytes());
    modified(ctx, key, 1);
    ctx.notify(notify::HASH, "hincrbyfloat", key);
    let hset = [b"HSET".as_slice(), key, field, text.as_bytes()];
    ctx.propagate_as(vec![crate::cmd::repl::args_of(&hset)]);
    Ok(())
}
