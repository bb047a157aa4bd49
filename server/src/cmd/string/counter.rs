//! INCR, DECR, INCRBY, DECRBY and INCRBYFLOAT.
//!
//! Integer results are stored as `int`; INCRBYFLOAT computes in the x87
//! `long double` of [`LongDouble`] and stores its printed result.

use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg};
use crate::config::notify;
use crate::db::Value;
use crate::num::LongDouble;

/// Redis's `incrDecrCommand`, behind INCR, DECR, INCRBY and DECRBY. The
/// result is stored as an `int`, keeping the key's deadline.
fn incr_decr(ctx: &mut Ctx<'_>, by: i64) -> CmdResult {
    let key = ctx.arg(1);
    let lru = ctx.lru();
    let value = match ctx.lookup_write(key) {
        None => {
            ctx.db().insert_keep_ttl(key, Value::Int(by), lru);
            by
        }
        Some(entry) if !entry.value.is_string() => return Err(error::WRONGTYPE),
        Some(entry) => {
            let current = entry.value.str_to_i64().ok_or(error::NOT_INTEGER)?;
            let value = current.checked_add(by).ok_or(error::OVERFLOW)?;
            // Updated where the lookup found it: one probe of the keyspace,
            // not a second one to store.
            entry.value = Value::Int(value);
            entry.access = lru;
            value
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "incrby", key);
    ctx.out.int(value);
    Ok(())
}

/// # Format
/// `INCR key`
pub(super) fn incr(ctx: &mut Ctx<'_>) -> CmdResult {
    incr_decr(ctx, 1)
}

/// # Format
/// `DECR key`
pub(super) fn decr(ctx: &mut Ctx<'_>) -> CmdResult {
    incr_decr(ctx, -1)
}

/// # Format
/// `INCRBY key increment`
pub(super) fn incrby(ctx: &mut Ctx<'_>) -> CmdResult {
    let by = int_arg(ctx.arg(2))?;
    incr_decr(ctx, by)
}

/// # Format
/// `DECRBY key decrement`
pub(super) fn decrby(ctx: &mut Ctx<'_>) -> CmdResult {
    let by = int_arg(ctx.arg(2))?;
    if by == i64::MIN {
        return Err(error::DECREMENT_OVERFLOW);
    }
    incr_decr(ctx, -by)
}

/// # Format
/// `INCRBYFLOAT key increment`
///
/// Computes in the x87 80-bit `long double` as Redis does on x86-64 and
/// stores the printed result (`%.17Lf`, trailing zeros removed) as a plain
/// string: `embstr` or `raw`, never `int`, even for `3`.
pub(super) fn incrbyfloat(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let current = match ctx.lookup_write(key) {
        None => LongDouble::zero(),
        Some(entry) => {
            let bytes = entry.value.str_bytes().ok_or(error::WRONGTYPE)?;
            LongDouble::parse(&bytes).ok_or(error::NOT_FLOAT)?
        }
    };
    let by = LongDouble::parse(ctx.arg(2)).ok_or(error::NOT_FLOAT)?;
    let sum = current.add(&by);
    if sum.is_infinite() {
        return Err(error::NAN_OR_INF);
    }
    // Redis's 5 KiB buffer holds every finite long double; were it ever
    // too small, Redis would store the empty string.
    let text = sum.to_human_string().unwrap_or_default();
    let lru = ctx.lru();
    ctx.db()
        .insert_keep_ttl(key, Value::plain_string(text.as_bytes()), lru);
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "incrbyfloat", key);
    ctx.out.bulk(text.as_bytes());
    // The result travels, not the increment (float arithmetic may differ).
    let set = [b"SET".as_slice(), key, text.as_bytes(), b"KEEPTTL"];
    ctx.propagate_as(vec![crate::cmd::repl::args_of(&set)]);
    Ok(())
}
