//! Deadlines: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME,
//! PEXPIRETIME and PERSIST.
//!
//! A deadline is an absolute Unix time in milliseconds on the server clock
//! (`ctx.now`, fixed for the whole command), kept in the entry and in the
//! database's deadline index by [`Db::set_expire`](crate::db::Db::set_expire).
//! A key is alive while `now < deadline` and gone from the millisecond
//! `now == deadline` on, as in Redis. Setting a deadline that is already
//! reached deletes the key at once, replies 1 and fires `del` (not
//! `expired`), as `expireGenericCommand` does in Redis 7.0.

use super::super::error::{self, CmdResult};
use super::super::{Ctx, int_arg, is};
use super::lookup::read_notouch;
use crate::config::notify;

/// EXPIRE's NX / XX / GT / LT.
#[derive(Clone, Copy, Default)]
struct Conditions {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

impl Conditions {
    /// Parses the options after `key time`, with Redis's errors: an unknown
    /// option first, then NX with anything, then GT with LT.
    fn parse(ctx: &Ctx<'_>) -> Result<Self, error::CmdError> {
        let mut c = Conditions::default();
        for i in 3..ctx.argc() {
            let opt = ctx.arg(i);
            if is(opt, "nx") {
                c.nx = true;
            } else if is(opt, "xx") {
                c.xx = true;
            } else if is(opt, "gt") {
                c.gt = true;
            } else if is(opt, "lt") {
                c.lt = true;
            } else {
                return Err(error::unsupported_option(opt));
            }
        }
        if c.nx && (c.xx || c.gt || c.lt) {
            return Err(error::NX_XX_GT_LT);
        }
        if c.gt && c.lt {
            return Err(error::GT_AND_LT);
        }
        Ok(c)
    }

    /// Whether a new deadline `when` may replace `current` (`None`: the
    /// key has none, which GT and LT treat as an infinite TTL).
    fn allow(self, current: Option<i64>, when: i64) -> bool {
        match current {
            None => !(self.xx || self.gt),
            Some(cur) => !(self.nx || (self.gt && when <= cur) || (self.lt && when >= cur)),
        }
    }
}

/// The unit of the time argument.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Seconds,
    Millis,
}

/// `EXPIRE`, `PEXPIRE`, `EXPIREAT` and `PEXPIREAT`: `base` is the time the
/// argument counts from (now for the relative forms, 0 for the absolute
/// ones), `name` the command name for the overflow error.
fn expire_generic(ctx: &mut Ctx<'_>, base: i64, unit: Unit, name: &str) -> CmdResult {
    let conditions = Conditions::parse(ctx)?;
    let mut when = int_arg(ctx.arg(2))?;
    if unit == Unit::Seconds {
        when = when
            .checked_mul(1000)
            .ok_or_else(|| error::invalid_expire(name))?;
    }
    let when = when
        .checked_add(base)
        .ok_or_else(|| error::invalid_expire(name))?;
    let key = ctx.arg(1);
    let Some(entry) = ctx.lookup_write(key) else {
        ctx.out.int(0);
        return Ok(());
    };
    if !conditions.allow(entry.expire_at(), when) {
        ctx.out.int(0);
        return Ok(());
    }
    if when <= ctx.now {
        ctx.db().remove(key);
        ctx.key_modified(key);
        ctx.notify(notify::GENERIC, "del", key);
        ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"DEL", key])]);
    } else {
        ctx.db().set_expire(key, Some(when));
        ctx.key_modified(key);
        ctx.notify(notify::GENERIC, "expire", key);
        if ctx.propagating() {
            // Propagated as PEXPIREAT with the absolute time, options kept.
            let mut args = ctx.args.to_vec();
            args[0] = bytes::Bytes::from_static(b"PEXPIREAT");
            args[2] = bytes::Bytes::from(when.to_string());
            ctx.propagate_as(vec![args]);
        }
    }
    ctx.out.int(1);
    Ok(())
}

/// # Format
/// `EXPIRE key seconds [NX | XX | GT | LT]`
pub(super) fn expire(ctx: &mut Ctx<'_>) -> CmdResult {
    expire_generic(ctx, ctx.now, Unit::Seconds, "expire")
}

/// # Format
/// `PEXPIRE key milliseconds [NX | XX | GT | LT]`
pub(super) fn pexpire(ctx: &mut Ctx<'_>) -> CmdResult {
    expire_generic(ctx, ctx.now, Unit::Millis, "pexpire")
}

/// # Format
/// `EXPIREAT key unix-time-seconds [NX | XX | GT | LT]`
pub(super) fn expireat(ctx: &mut Ctx<'_>) -> CmdResult {
    expire_generic(ctx, 0, Unit::Seconds, "expireat")
}

/// # Format
/// `PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]`
pub(super) fn pexpireat(ctx: &mut Ctx<'_>) -> CmdResult {
    expire_generic(ctx, 0, Unit::Millis, "pexpireat")
}

/// `TTL`, `PTTL`, `EXPIRETIME` and `PEXPIRETIME`: -2 for a missing key,
/// -1 for a key without deadline, else the time left (or the deadline),
/// never negative, in seconds rounded to nearest as Redis's
/// `(ttl+500)/1000` or in milliseconds.
fn ttl_generic(ctx: &mut Ctx<'_>, unit: Unit, absolute: bool) -> CmdResult {
    let Some(deadline) = read_notouch(ctx, ctx.arg(1), |e| e.expire_at()) else {
        ctx.out.int(-2);
        return Ok(());
    };
    let Some(deadline) = deadline else {
        ctx.out.int(-1);
        return Ok(());
    };
    let ttl = if absolute {
        deadline
    } else {
        deadline - ctx.now
    }
    .max(0);
    let reply = match unit {
        Unit::Millis => ttl,
        // In i128: a deadline near i64::MAX must not overflow the + 500.
        Unit::Seconds => ((i128::from(ttl) + 500) / 1000) as i64,
    };
    ctx.out.int(reply);
    Ok(())
}

/// # Format
/// `TTL key`
pub(super) fn ttl(ctx: &mut Ctx<'_>) -> CmdResult {
    ttl_generic(ctx, Unit::Seconds, false)
}

/// # Format
/// `PTTL key`
pub(super) fn pttl(ctx: &mut Ctx<'_>) -> CmdResult {
    ttl_generic(ctx, Unit::Millis, false)
}

/// # Format
/// `EXPIRETIME key`
pub(super) fn expiretime(ctx: &mut Ctx<'_>) -> CmdResult {
    ttl_generic(ctx, Unit::Seconds, true)
}

/// # Format
/// `PEXPIRETIME key`
pub(super) fn pexpiretime(ctx: &mut Ctx<'_>) -> CmdResult {
    ttl_generic(ctx, Unit::Millis, true)
}

/// # Format
/// `PERSIST key` — 1 and a `persist` event if a deadline was removed.
pub(super) fn persist(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let had_deadline = ctx
        .lookup_write(key)
        .is_some_and(|e| e.expire_at().is_some());
    if had_deadline {
        ctx.db().set_expire(key, None);
        ctx.key_modified(key);
        ctx.notify(notify::GENERIC, "persist", key);
    }
    ctx.out.int(i64::from(had_deadline));
    Ok(())
}
