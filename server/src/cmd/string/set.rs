//! SET and its variants (SETNX, SETEX, PSETEX, GETSET), the GET variants
//! (GETDEL, GETEX) and the several-key MSET, MSETNX and MGET.
//!
//! SET and GETEX share Redis's option parser and its expiry rules; the
//! order of their checks (expiry, then type, for SET; type, then expiry,
//! for GETEX) is Redis's.

use super::steps::{get_generic, keyword, reply_string, stored};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, int_arg};
use crate::config::notify;
use crate::db::Value;
use crate::protocol::Out;

/// The options of SET and GETEX, as the bits of Redis's `OBJ_*` flags.
mod opt {
    pub const NX: u32 = 1 << 0;
    pub const XX: u32 = 1 << 1;
    pub const EX: u32 = 1 << 2;
    pub const PX: u32 = 1 << 3;
    pub const KEEPTTL: u32 = 1 << 4;
    pub const GET: u32 = 1 << 5;
    pub const EXAT: u32 = 1 << 6;
    pub const PXAT: u32 = 1 << 7;
    pub const PERSIST: u32 = 1 << 8;
    /// Any option that sets a deadline.
    pub const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;
}

/// Which command's options [`parse_extended`] reads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Extended {
    /// SET: NX XX GET KEEPTTL EX PX EXAT PXAT, from the fourth argument.
    Set,
    /// GETEX: PERSIST EX PX EXAT PXAT, from the third argument.
    Get,
}

/// The expiry argument of SET or GETEX and its unit.
#[derive(Clone, Copy)]
struct Expire<'a> {
    arg: &'a [u8],
    millis: bool,
}

/// Redis's `parseExtendedStringArgumentsOrReply`. An option is refused
/// (`ERR syntax error`) when it conflicts with one already seen, which is
/// why `EX 1 EX 2` and `NX NX` pass while `EX 1 PX 2` and `NX XX` do not;
/// an expiry option that is the last argument is a syntax error too.
fn parse_extended<'a>(
    args: &'a [bytes::Bytes],
    kind: Extended,
) -> Result<(u32, Option<Expire<'a>>), CmdError> {
    use opt::*;
    let mut flags = 0u32;
    let mut expire = None;
    let set = kind == Extended::Set;
    let mut j = if set { 3 } else { 2 };
    while j < args.len() {
        let word = keyword(&args[j]);
        let next = args.get(j + 1).map(|a| &a[..]);
        let has = |f: u32| flags & f != 0;
        let is = |k: &str| word.eq_ignore_ascii_case(k.as_bytes());
        if is("nx") && !has(XX) && set {
            flags |= NX;
        } else if is("xx") && !has(NX) && set {
            flags |= XX;
        } else if is("get") && set {
            flags |= GET;
        } else if is("keepttl") && !has(PERSIST | ANY_EXPIRE) && set {
            flags |= KEEPTTL;
        } else if is("persist") && !set && !has(ANY_EXPIRE | KEEPTTL) {
            flags |= PERSIST;
        } else if let Some(next) = next.filter(|_| !has(KEEPTTL | PERSIST)) {
            let (flag, millis) = if is("ex") && !has(EXAT | PX | PXAT) {
                (EX, false)
            } else if is("px") && !has(EX | EXAT | PXAT) {
                (PX, true)
            } else if is("exat") && !has(EX | PX | PXAT) {
                (EXAT, false)
            } else if is("pxat") && !has(EX | EXAT | PX) {
                (PXAT, true)
            } else {
                return Err(error::SYNTAX);
            };
            flags |= flag;
            expire = Some(Expire { arg: next, millis });
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok((flags, expire))
}

/// Redis's `getExpireMillisecondsOrReply`: the absolute deadline in Unix
/// milliseconds. Zero, negative, or overflowing once converted to
/// milliseconds and made absolute: `ERR invalid expire time in '<cmd>'
/// command`. A deadline already past is accepted (SET stores it and the
/// key expires on its next access, as in Redis 7.0).
fn expire_deadline(
    ctx: &Ctx<'_>,
    expire: Expire<'_>,
    flags: u32,
    name: &str,
) -> Result<i64, CmdError> {
    let mut ms = int_arg(expire.arg)?;
    if ms <= 0 || (!expire.millis && ms > i64::MAX / 1000) {
        return Err(error::invalid_expire(name));
    }
    if !expire.millis {
        ms *= 1000;
    }
    if flags & (opt::EX | opt::PX) != 0 {
        // Redis adds in C and checks the sign: an overflow wraps negative.
        ms = ms.wrapping_add(ctx.now);
    }
    if ms <= 0 {
        return Err(error::invalid_expire(name));
    }
    Ok(ms)
}

/// What SET-like commands answer when they set, and when NX or XX stops them.
#[derive(Clone, Copy)]
struct Answers {
    done: fn(&mut Out),
    aborted: fn(&mut Out),
}

const SET_ANSWERS: Answers = Answers {
    done: Out::ok,
    aborted: Out::null,
};

const SETNX_ANSWERS: Answers = Answers {
    done: |out| out.int(1),
    aborted: |out| out.int(0),
};

/// Redis's `setGenericCommand`, behind SET, SETNX, SETEX and PSETEX.
fn set_generic(
    ctx: &mut Ctx<'_>,
    (key, value): (&[u8], &[u8]),
    flags: u32,
    expire: Option<Expire<'_>>,
    name: &str,
    answers: Answers,
) -> CmdResult {
    let deadline = match expire {
        Some(e) => Some(expire_deadline(ctx, e, flags, name)?),
        None => None,
    };
    if flags & opt::GET != 0 {
        get_generic(ctx, key)?;
    }
    let found = ctx.lookup_write(key).is_some();
    if (flags & opt::NX != 0 && found) || (flags & opt::XX != 0 && !found) {
        if flags & opt::GET == 0 {
            (answers.aborted)(ctx.out);
        }
        return Ok(());
    }
    let lru = ctx.lru();
    let value = Value::string(value);
    if flags & opt::KEEPTTL != 0 {
        ctx.db().insert_keep_ttl(key, value, lru);
    } else {
        ctx.db().insert(key, value, deadline, lru);
    }
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "set", key);
    if let Some(at) = deadline {
        ctx.notify(notify::GENERIC, "expire", key);
        if flags & opt::PXAT == 0 && ctx.propagating() {
            // A relative TTL travels as an absolute time (Redis 7.0):
            // a replica with its own clock expires the key when the
            // primary does.
            let at = at.to_string();
            let set = [
                b"SET".as_slice(),
                key,
                ctx.arg(if name == "set" { 2 } else { 3 }),
                b"PXAT",
                at.as_bytes(),
            ];
            ctx.propagate_as(vec![crate::cmd::repl::args_of(&set)]);
        }
    }
    if flags & opt::GET == 0 {
        (answers.done)(ctx.out);
    }
    Ok(())
}

/// # Format
/// `GET key`
pub(super) fn get(ctx: &mut Ctx<'_>) -> CmdResult {
    get_generic(ctx, ctx.arg(1)).map(drop)
}

/// # Format
/// `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]`
pub(super) fn set(ctx: &mut Ctx<'_>) -> CmdResult {
    let (flags, expire) = parse_extended(ctx.args, Extended::Set)?;
    if flags & opt::GET != 0 && expire.is_none() && ctx.propagating() {
        // Propagated without its GETs, as Redis 7.0's setCommand does.
        let args = ctx
            .args
            .iter()
            .enumerate()
            .filter(|(i, a)| *i < 3 || !crate::cmd::is(crate::cmd::error::c_str(a), "get"))
            .map(|(_, a)| a.clone())
            .collect();
        ctx.propagate_as(vec![args]);
    }
    set_generic(
        ctx,
        (ctx.arg(1), ctx.arg(2)),
        flags,
        expire,
        "set",
        SET_ANSWERS,
    )
}

/// # Format
/// `SETNX key value`
pub(super) fn setnx(ctx: &mut Ctx<'_>) -> CmdResult {
    let pair = (ctx.arg(1), ctx.arg(2));
    set_generic(ctx, pair, opt::NX, None, "setnx", SETNX_ANSWERS)
}

/// # Format
/// `SETEX key seconds value`
pub(super) fn setex(ctx: &mut Ctx<'_>) -> CmdResult {
    let expire = Expire {
        arg: ctx.arg(2),
        millis: false,
    };
    let pair = (ctx.arg(1), ctx.arg(3));
    set_generic(ctx, pair, opt::EX, Some(expire), "setex", SET_ANSWERS)
}

/// # Format
/// `PSETEX key milliseconds value`
pub(super) fn psetex(ctx: &mut Ctx<'_>) -> CmdResult {
    let expire = Expire {
        arg: ctx.arg(2),
        millis: true,
    };
    let pair = (ctx.arg(1), ctx.arg(3));
    set_generic(ctx, pair, opt::PX, Some(expire), "psetex", SET_ANSWERS)
}

/// # Format
/// `GETSET key value`
pub(super) fn getset(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, value) = (ctx.arg(1), ctx.arg(2));
    get_generic(ctx, key)?;
    let lru = ctx.lru();
    ctx.db().insert(key, Value::string(value), None, lru);
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "set", key);
    Ok(())
}

/// # Format
/// `GETDEL key`
pub(super) fn getdel(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if get_generic(ctx, key)? {
        ctx.db().remove(key);
        ctx.key_modified(key);
        ctx.notify(notify::GENERIC, "del", key);
        ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"DEL", key])]);
    }
    Ok(())
}

/// # Format
/// `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]`
pub(super) fn getex(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let (flags, expire) = parse_extended(ctx.args, Extended::Get)?;
    let ttl = match ctx.lookup_read(key) {
        None => {
            ctx.out.null();
            return Ok(());
        }
        Some(entry) if !entry.value.is_string() => return Err(error::WRONGTYPE),
        Some(entry) => entry.expire_at(),
    };
    // Unlike SET, GETEX validates the expiry only once the key is known
    // to exist and to hold a string.
    let deadline = match expire {
        Some(e) => Some(expire_deadline(ctx, e, flags, "getex")?),
        None => None,
    };
    reply_string(ctx.out, stored(ctx.state, ctx.client.db, key, ctx.now));
    match deadline {
        // An absolute deadline already past deletes the key at once.
        Some(at) if flags & (opt::EXAT | opt::PXAT) != 0 && at <= ctx.now => {
            ctx.db().remove(key);
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "del", key);
            ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"DEL", key])]);
        }
        Some(at) => {
            ctx.db().set_expire(key, Some(at));
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "expire", key);
            let at = at.to_string();
            let pexpireat = [b"PEXPIREAT".as_slice(), key, at.as_bytes()];
            ctx.propagate_as(vec![crate::cmd::repl::args_of(&pexpireat)]);
        }
        None if flags & opt::PERSIST != 0 && ttl.is_some() => {
            ctx.db().set_expire(key, None);
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "persist", key);
            ctx.propagate_as(vec![crate::cmd::repl::args_of(&[b"PERSIST", key])]);
        }
        None => {}
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Several keys
// ---------------------------------------------------------------------------

/// # Format
/// `MGET key [key ...]`
///
/// A key of another type is a nil, not an error.
pub(super) fn mget(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.array(ctx.argc() - 1);
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx.lookup_read(key).is_some() {
            reply_string(ctx.out, stored(ctx.state, ctx.client.db, key, ctx.now));
        } else {
            ctx.out.null();
        }
    }
    Ok(())
}

/// Redis's `msetGenericCommand`.
fn mset_generic(ctx: &mut Ctx<'_>, nx: bool, name: &str) -> CmdResult {
    if ctx.argc().is_multiple_of(2) {
        return Err(error::wrong_arity(name));
    }
    if nx {
        for i in (1..ctx.argc()).step_by(2) {
            if ctx.lookup_write(ctx.arg(i)).is_some() {
                ctx.out.int(0);
                return Ok(());
            }
        }
    }
    let lru = ctx.lru();
    for i in (1..ctx.argc()).step_by(2) {
        let (key, value) = (ctx.arg(i), ctx.arg(i + 1));
        // Redis's setKey looks the key up first: an expired one is
        // reported as expired before it is replaced.
        ctx.lookup_write(key);
        ctx.db().insert(key, Value::string(value), None, lru);
        ctx.key_modified(key);
        ctx.notify(notify::STRING, "set", key);
    }
    if nx {
        ctx.out.int(1);
    } else {
        ctx.out.ok();
    }
    Ok(())
}

/// # Format
/// `MSET key value [key value ...]`
pub(super) fn mset(ctx: &mut Ctx<'_>) -> CmdResult {
    mset_generic(ctx, false, "mset")
}

/// # Format
/// `MSETNX key value [key value ...]`
pub(super) fn msetnx(ctx: &mut Ctx<'_>) -> CmdResult {
    mset_generic(ctx, true, "msetnx")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_options_conflict_as_in_redis() {
        let args = |s: &str| -> Vec<bytes::Bytes> {
            s.split(' ')
                .map(|w| bytes::Bytes::copy_from_slice(w.as_bytes()))
                .collect()
        };
        let ok = |s: &str, kind| parse_extended(&args(s), kind).is_ok();
        assert!(ok("set k v EX 1 EX 2", Extended::Set));
        assert!(ok("set k v NX NX GET GET", Extended::Set));
        assert!(ok("set k v NX GET PXAT 5", Extended::Set));
        assert!(!ok("set k v NX XX", Extended::Set));
        assert!(!ok("set k v EX 1 PX 2", Extended::Set));
        assert!(!ok("set k v KEEPTTL EX 1", Extended::Set));
        assert!(!ok("set k v EX", Extended::Set));
        assert!(!ok("set k v PERSIST", Extended::Set));
        assert!(ok("getex k PERSIST", Extended::Get));
        assert!(!ok("getex k PERSIST EX 1", Extended::Get));
        assert!(!ok("getex k NX", Extended::Get));
        assert!(!ok("getex k KEEPTTL", Extended::Get));
        let argv = args("set k v px 10 GET");
        let (flags, expire) = parse_extended(&argv, Extended::Set).unwrap();
        assert_eq!(flags, opt::PX | opt::GET);
        assert!(expire.is_some_and(|e| e.millis && e.arg == b"10"));
    }
}
