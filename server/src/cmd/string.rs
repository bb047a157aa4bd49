//! String commands: SET and its variants, GET and its variants, MSET/MGET,
//! APPEND, STRLEN, GETRANGE/SETRANGE, the INCR family, INCRBYFLOAT and LCS.
//!
//! Each command follows Redis 7.0's `t_string.c` step by step, because the
//! order of its checks is visible: which error wins when several apply,
//! whether a key is created, whether an encoding changes, which keyspace
//! events fire. Values are read and changed only through the string API of
//! [`Value`] (`str_bytes`, `str_bytes_mut`…), which also picks the encoding
//! `OBJECT ENCODING` reports: whole values get Redis's `tryObjectEncoding`
//! choice, in-place changes make them `raw`, INCR makes them `int` and
//! INCRBYFLOAT `embstr`/`raw`.
//!
//! This module does not own expiry (the keyspace does) nor number syntax
//! ([`crate::num`]).

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, int_arg};
use crate::config::notify;
use crate::db::{Blob, Value};
use crate::num::LongDouble;
use crate::protocol::Out;
use crate::state::State;

/// The string commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("get", 2, get)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read string fast")
        .doc("string", "1.0.0", "Get the value of a key"),
    CommandSpec::new("set", -3, set)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc("string", "1.0.0", "Set the string value of a key"),
    CommandSpec::new("setnx", 3, setnx)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Set the value of a key, only if the key does not exist",
        ),
    CommandSpec::new("setex", 4, setex)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc("string", "2.0.0", "Set the value and expiration of a key"),
    CommandSpec::new("psetex", 4, psetex)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc(
            "string",
            "2.6.0",
            "Set the value and expiration in milliseconds of a key",
        ),
    CommandSpec::new("getset", 3, getset)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Set the string value of a key and return its old value",
        ),
    CommandSpec::new("getdel", 2, getdel)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "6.2.0",
            "Get the value of a key and delete the key",
        ),
    CommandSpec::new("getex", -2, getex)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "6.2.0",
            "Get the value of a key and optionally set its expiration",
        ),
    CommandSpec::new("mset", -3, mset)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 2)
        .acl("write string slow")
        .doc("string", "1.0.1", "Set multiple keys to multiple values"),
    CommandSpec::new("msetnx", -3, msetnx)
        .flags(WRITE | DENYOOM)
        .keys(1, -1, 2)
        .acl("write string slow")
        .doc(
            "string",
            "1.0.1",
            "Set multiple keys to multiple values, only if none of the keys exist",
        ),
    CommandSpec::new("mget", -2, mget)
        .flags(READONLY | FAST)
        .keys(1, -1, 1)
        .acl("read string fast")
        .doc("string", "1.0.0", "Get the values of all the given keys"),
    CommandSpec::new("append", 3, append)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc("string", "2.0.0", "Append a value to a key"),
    CommandSpec::new("strlen", 2, strlen)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read string fast")
        .doc(
            "string",
            "2.2.0",
            "Get the length of the value stored in a key",
        ),
    CommandSpec::new("getrange", 4, getrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read string slow")
        .doc(
            "string",
            "2.4.0",
            "Get a substring of the string stored at a key",
        ),
    CommandSpec::new("substr", 4, getrange)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read string slow")
        .doc(
            "string",
            "1.0.0",
            "Get a substring of the string stored at a key",
        ),
    CommandSpec::new("setrange", 4, setrange)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write string slow")
        .doc(
            "string",
            "2.2.0",
            "Overwrite part of a string at key starting at the specified offset",
        ),
    CommandSpec::new("incr", 2, incr)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Increment the integer value of a key by one",
        ),
    CommandSpec::new("incrby", 3, incrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Increment the integer value of a key by the given amount",
        ),
    CommandSpec::new("decr", 2, decr)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Decrement the integer value of a key by one",
        ),
    CommandSpec::new("decrby", 3, decrby)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "1.0.0",
            "Decrement the integer value of a key by the given number",
        ),
    CommandSpec::new("incrbyfloat", 3, incrbyfloat)
        .flags(WRITE | DENYOOM | FAST)
        .keys(1, 1, 1)
        .acl("write string fast")
        .doc(
            "string",
            "2.6.0",
            "Increment the float value of a key by the given amount",
        ),
    CommandSpec::new("lcs", -3, lcs)
        .flags(READONLY)
        .keys(1, 2, 1)
        .acl("read string slow")
        .doc("string", "7.0.0", "Find longest common substring"),
];

// ---------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------

/// The value of `key`, alive at `now`, read straight from the state.
///
/// Commands look a key up through [`Ctx`] first (lazy expiry, access time,
/// hit and miss counts); this second, plain read borrows only the state,
/// so the value can be written into the reply buffer without a copy.
fn stored<'s>(state: &'s State, db: usize, key: &[u8], now: i64) -> Option<&'s Value> {
    state.dbs[db].get(key, now).map(|e| &e.value)
}

/// Writes a string value as a bulk reply (nil for a value of another type).
fn reply_string(out: &mut Out, value: Option<&Value>) {
    match value {
        Some(Value::Int(n)) => out.bulk_int(*n),
        Some(v) => match v.str_bytes() {
            Some(bytes) => out.bulk(&bytes),
            None => out.null(),
        },
        None => out.null(),
    }
}

/// Redis's `getGenericCommand`: replies with the string at `key` or nil,
/// and says whether the key existed. A key of another type is `WRONGTYPE`,
/// with nothing written.
fn get_generic(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, CmdError> {
    match ctx.lookup_read(key) {
        None => {
            ctx.out.null();
            Ok(false)
        }
        Some(entry) if !entry.value.is_string() => Err(error::WRONGTYPE),
        Some(_) => {
            reply_string(ctx.out, stored(ctx.state, ctx.session.db, key, ctx.now));
            Ok(true)
        }
    }
}

/// Redis's `checkStringLength`: a string of `size + append` bytes must fit
/// in `max` (proto-max-bulk-len).
fn check_string_length(max: i64, size: usize, append: usize) -> CmdResult {
    let total = size as i128 + append as i128;
    if total > i128::from(max) {
        return Err(error::STRING_TOO_LONG);
    }
    Ok(())
}

/// An option keyword as Redis compares it: C string functions stop at the
/// first NUL byte, so `"NX\0junk"` reads as `NX`.
fn keyword(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&b| b == 0) {
        Some(nul) => &arg[..nul],
        None => arg,
    }
}

// ---------------------------------------------------------------------------
// SET and friends
// ---------------------------------------------------------------------------

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
    if deadline.is_some() {
        ctx.notify(notify::GENERIC, "expire", key);
    }
    if flags & opt::GET == 0 {
        (answers.done)(ctx.out);
    }
    Ok(())
}

/// # Format
/// `GET key`
fn get(ctx: &mut Ctx<'_>) -> CmdResult {
    get_generic(ctx, ctx.arg(1)).map(drop)
}

/// # Format
/// `SET key value [NX | XX] [GET] [EX seconds | PX milliseconds |
/// EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]`
fn set(ctx: &mut Ctx<'_>) -> CmdResult {
    let (flags, expire) = parse_extended(ctx.args, Extended::Set)?;
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
fn setnx(ctx: &mut Ctx<'_>) -> CmdResult {
    let pair = (ctx.arg(1), ctx.arg(2));
    set_generic(ctx, pair, opt::NX, None, "setnx", SETNX_ANSWERS)
}

/// # Format
/// `SETEX key seconds value`
fn setex(ctx: &mut Ctx<'_>) -> CmdResult {
    let expire = Expire {
        arg: ctx.arg(2),
        millis: false,
    };
    let pair = (ctx.arg(1), ctx.arg(3));
    set_generic(ctx, pair, opt::EX, Some(expire), "setex", SET_ANSWERS)
}

/// # Format
/// `PSETEX key milliseconds value`
fn psetex(ctx: &mut Ctx<'_>) -> CmdResult {
    let expire = Expire {
        arg: ctx.arg(2),
        millis: true,
    };
    let pair = (ctx.arg(1), ctx.arg(3));
    set_generic(ctx, pair, opt::PX, Some(expire), "psetex", SET_ANSWERS)
}

/// # Format
/// `GETSET key value`
fn getset(ctx: &mut Ctx<'_>) -> CmdResult {
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
fn getdel(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if get_generic(ctx, key)? {
        ctx.db().remove(key);
        ctx.key_modified(key);
        ctx.notify(notify::GENERIC, "del", key);
    }
    Ok(())
}

/// # Format
/// `GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]`
fn getex(ctx: &mut Ctx<'_>) -> CmdResult {
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
    reply_string(ctx.out, stored(ctx.state, ctx.session.db, key, ctx.now));
    match deadline {
        // An absolute deadline already past deletes the key at once.
        Some(at) if flags & (opt::EXAT | opt::PXAT) != 0 && at <= ctx.now => {
            ctx.db().remove(key);
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "del", key);
        }
        Some(at) => {
            ctx.db().set_expire(key, Some(at));
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "expire", key);
        }
        None if flags & opt::PERSIST != 0 && ttl.is_some() => {
            ctx.db().set_expire(key, None);
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "persist", key);
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
fn mget(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.array(ctx.argc() - 1);
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx.lookup_read(key).is_some() {
            reply_string(ctx.out, stored(ctx.state, ctx.session.db, key, ctx.now));
        } else {
            ctx.out.null();
        }
    }
    Ok(())
}

/// Redis's `msetGenericCommand`.
fn mset_generic(ctx: &mut Ctx<'_>, nx: bool, name: &str) -> CmdResult {
    if ctx.argc() % 2 == 0 {
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
fn mset(ctx: &mut Ctx<'_>) -> CmdResult {
    mset_generic(ctx, false, "mset")
}

/// # Format
/// `MSETNX key value [key value ...]`
fn msetnx(ctx: &mut Ctx<'_>) -> CmdResult {
    mset_generic(ctx, true, "msetnx")
}

// ---------------------------------------------------------------------------
// Lengths and ranges
// ---------------------------------------------------------------------------

/// # Format
/// `APPEND key value`
fn append(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, tail) = (ctx.arg(1), ctx.arg(2));
    let max = ctx.state.config.proto_max_bulk_len();
    let len = match ctx.lookup_write(key) {
        None => {
            // A new key gets the argument as SET would store it: `int`
            // or `embstr` included.
            let lru = ctx.lru();
            ctx.db().insert(key, Value::string(tail), None, lru);
            tail.len()
        }
        Some(entry) => {
            let len = entry.value.str_len().ok_or(error::WRONGTYPE)?;
            check_string_length(max, len, tail.len())?;
            let bytes = entry.value.str_bytes_mut().ok_or(error::WRONGTYPE)?;
            bytes.extend_from_slice(tail);
            bytes.len()
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "append", key);
    ctx.out.int(len as i64);
    Ok(())
}

/// # Format
/// `STRLEN key`
fn strlen(ctx: &mut Ctx<'_>) -> CmdResult {
    let len = match ctx.lookup_read(ctx.arg(1)) {
        None => 0,
        Some(entry) => entry.value.str_len().ok_or(error::WRONGTYPE)?,
    };
    ctx.out.int(len as i64);
    Ok(())
}

/// The byte range GETRANGE returns from a string of `len` bytes for the
/// inclusive indexes `start` and `end` (negative from the end), or `None`
/// for an empty reply.
///
/// Redis 7.0 answers empty when both indexes are negative and reversed,
/// but clamps two negative indexes that both fall before the start to the
/// first byte: `GETRANGE` of `"abc"` from -100 to -50 is `"a"`.
fn getrange_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// # Format
/// `GETRANGE key start end` (and the older `SUBSTR key start end`)
fn getrange(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let start = int_arg(ctx.arg(2))?;
    let end = int_arg(ctx.arg(3))?;
    match ctx.lookup_read(key) {
        None => {
            ctx.out.bulk(b"");
            return Ok(());
        }
        Some(entry) if !entry.value.is_string() => return Err(error::WRONGTYPE),
        Some(_) => {}
    }
    let bytes = stored(ctx.state, ctx.session.db, key, ctx.now).and_then(Value::str_bytes);
    let bytes = bytes.as_deref().unwrap_or_default();
    match getrange_span(start, end, bytes.len()) {
        Some((from, to)) => ctx.out.bulk(&bytes[from..=to]),
        None => ctx.out.bulk(b""),
    }
    Ok(())
}

/// # Format
/// `SETRANGE key offset value`
fn setrange(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, value) = (ctx.arg(1), ctx.arg(3));
    let offset = int_arg(ctx.arg(2))?;
    if offset < 0 {
        return Err(error::OFFSET_OUT_OF_RANGE);
    }
    let offset = usize::try_from(offset).map_err(|_| error::STRING_TOO_LONG)?;
    let max = ctx.state.config.proto_max_bulk_len();
    let len = match ctx.lookup_write(key) {
        None => {
            // Setting nothing on a missing key creates nothing, whatever
            // the offset.
            if value.is_empty() {
                ctx.out.int(0);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let mut bytes = Blob::empty();
            bytes.resize(offset + value.len());
            bytes.as_mut_slice()[offset..].copy_from_slice(value);
            let len = bytes.len();
            let lru = ctx.lru();
            ctx.db().insert(key, Value::raw_string(bytes), None, lru);
            len
        }
        Some(entry) => {
            let len = entry.value.str_len().ok_or(error::WRONGTYPE)?;
            // Setting nothing answers the length and leaves the value
            // (and its encoding) alone.
            if value.is_empty() {
                ctx.out.int(len as i64);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let bytes = entry.value.str_bytes_mut().ok_or(error::WRONGTYPE)?;
            let end = offset + value.len();
            if bytes.len() < end {
                bytes.resize(end);
            }
            bytes.as_mut_slice()[offset..end].copy_from_slice(value);
            bytes.len()
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "setrange", key);
    ctx.out.int(len as i64);
    Ok(())
}

// ---------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------

/// Redis's `incrDecrCommand`, behind INCR, DECR, INCRBY and DECRBY. The
/// result is stored as an `int`, keeping the key's deadline.
fn incr_decr(ctx: &mut Ctx<'_>, by: i64) -> CmdResult {
    let key = ctx.arg(1);
    let current = match ctx.lookup_write(key) {
        None => 0,
        Some(entry) if !entry.value.is_string() => return Err(error::WRONGTYPE),
        Some(entry) => entry.value.str_to_i64().ok_or(error::NOT_INTEGER)?,
    };
    let value = current.checked_add(by).ok_or(error::OVERFLOW)?;
    let lru = ctx.lru();
    ctx.db().insert_keep_ttl(key, Value::Int(value), lru);
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "incrby", key);
    ctx.out.int(value);
    Ok(())
}

/// # Format
/// `INCR key`
fn incr(ctx: &mut Ctx<'_>) -> CmdResult {
    incr_decr(ctx, 1)
}

/// # Format
/// `DECR key`
fn decr(ctx: &mut Ctx<'_>) -> CmdResult {
    incr_decr(ctx, -1)
}

/// # Format
/// `INCRBY key increment`
fn incrby(ctx: &mut Ctx<'_>) -> CmdResult {
    let by = int_arg(ctx.arg(2))?;
    incr_decr(ctx, by)
}

/// # Format
/// `DECRBY key decrement`
fn decrby(ctx: &mut Ctx<'_>) -> CmdResult {
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
fn incrbyfloat(ctx: &mut Ctx<'_>) -> CmdResult {
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
    Ok(())
}

// ---------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------

/// One matching run found by LCS: inclusive byte ranges in each string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Match {
    a: (usize, usize),
    b: (usize, usize),
}

impl Match {
    fn len(&self) -> usize {
        self.a.1 - self.a.0 + 1
    }
}

/// The longest common subsequence of `a` and `b` and, when `ranges`, its
/// matching runs from the end of the strings backwards, as Redis's
/// `lcsCommand` walks its table. `Err` when the table cannot be had.
fn longest_common(
    a: &[u8],
    b: &[u8],
    max_table_bytes: i64,
    want_string: bool,
    ranges: bool,
) -> Result<(usize, Vec<u8>, Vec<Match>), CmdError> {
    if a.len() >= u32::MAX as usize - 1 || b.len() >= u32::MAX as usize - 1 {
        return Err(error::LCS_TOO_LONG);
    }
    let (alen, blen) = (a.len(), b.len());
    let width = blen + 1;
    let cells = (alen as u128 + 1) * (blen as u128 + 1);
    let table_bytes = cells * 4;
    if table_bytes > max_table_bytes.max(0) as u128 {
        return Err(error::LCS_TABLE_TOO_BIG);
    }
    let cells = usize::try_from(cells).map_err(|_| error::LCS_NO_MEMORY)?;
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(cells)
        .map_err(|_| error::LCS_NO_MEMORY)?;
    table.resize(cells, 0);
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let total = table[alen * width + blen] as usize;
    if !want_string && !ranges {
        return Ok((total, Vec::new(), Vec::new()));
    }
    let mut result = vec![0u8; total];
    let mut matches = Vec::new();
    let mut idx = total;
    let (mut i, mut j) = (alen, blen);
    // `None` is Redis's "arange_start == alen": no run in progress.
    let mut run: Option<Match> = None;
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            match &mut run {
                None => {
                    run = Some(Match {
                        a: (i - 1, i - 1),
                        b: (j - 1, j - 1),
                    })
                }
                Some(m) if m.a.0 == i && m.b.0 == j => {
                    m.a.0 -= 1;
                    m.b.0 -= 1;
                }
                Some(_) => emit = true,
            }
            if run.is_some_and(|m| m.a.0 == 0 || m.b.0 == 0) {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * width + j] > table[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if run.is_some() {
                emit = true;
            }
        }
        if emit {
            if let Some(m) = run.take() {
                matches.push(m);
            }
        }
    }
    Ok((total, result, matches))
}

/// # Format
/// `LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]`
fn lcs(ctx: &mut Ctx<'_>) -> CmdResult {
    let (k1, k2) = (ctx.arg(1), ctx.arg(2));
    // Redis 7.0 checks both types before the options, with its own text.
    let a_is_string = ctx.lookup_read(k1).map(|e| e.value.is_string());
    let b_is_string = ctx.lookup_read(k2).map(|e| e.value.is_string());
    if a_is_string == Some(false) || b_is_string == Some(false) {
        return Err(error::LCS_WRONGTYPE);
    }
    let (mut want_len, mut want_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len = 0i64;
    let mut j = 3;
    while j < ctx.argc() {
        let word = keyword(ctx.arg(j));
        let more = ctx.argc() - 1 - j;
        if word.eq_ignore_ascii_case(b"idx") {
            want_idx = true;
        } else if word.eq_ignore_ascii_case(b"len") {
            want_len = true;
        } else if word.eq_ignore_ascii_case(b"withmatchlen") {
            with_match_len = true;
        } else if word.eq_ignore_ascii_case(b"minmatchlen") && more > 0 {
            min_match_len = int_arg(ctx.arg(j + 1))?.max(0);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if want_idx && want_len {
        return Err(error::LCS_LEN_AND_IDX);
    }
    let max_table = ctx.state.config.proto_max_bulk_len();
    let (db, now) = (ctx.session.db, ctx.now);
    let a = stored(ctx.state, db, k1, now).and_then(Value::str_bytes);
    let b = stored(ctx.state, db, k2, now).and_then(Value::str_bytes);
    let (total, string, matches) = longest_common(
        a.as_deref().unwrap_or_default(),
        b.as_deref().unwrap_or_default(),
        max_table,
        !want_len,
        want_idx,
    )?;
    let out = &mut *ctx.out;
    if want_idx {
        let shown: Vec<&Match> = matches
            .iter()
            .filter(|m| min_match_len == 0 || m.len() as i64 >= min_match_len)
            .collect();
        out.map(2);
        out.bulk(b"matches");
        out.array(shown.len());
        for m in shown {
            out.array(if with_match_len { 3 } else { 2 });
            out.array(2);
            out.int(m.a.0 as i64);
            out.int(m.a.1 as i64);
            out.array(2);
            out.int(m.b.0 as i64);
            out.int(m.b.1 as i64);
            if with_match_len {
                out.int(m.len() as i64);
            }
        }
        out.bulk(b"len");
        out.int(total as i64);
    } else if want_len {
        out.int(total as i64);
    } else {
        out.bulk(&string);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ranges(a: &str, b: &str) -> (usize, String, Vec<Match>) {
        let (n, s, m) = longest_common(a.as_bytes(), b.as_bytes(), i64::MAX, true, true).unwrap();
        (n, String::from_utf8(s).unwrap(), m)
    }

    #[test]
    fn lcs_walks_runs_backwards_as_redis() {
        let (n, s, m) = ranges("ohmytext", "mynewtext");
        assert_eq!((n, s.as_str()), (6, "mytext"));
        assert_eq!(
            m,
            vec![
                Match {
                    a: (4, 7),
                    b: (5, 8)
                },
                Match {
                    a: (2, 3),
                    b: (0, 1)
                },
            ]
        );
        assert_eq!(ranges("", "abc").0, 0);
        assert_eq!(
            ranges("abc", "abc").2,
            vec![Match {
                a: (0, 2),
                b: (0, 2)
            }]
        );
    }

    #[test]
    fn lcs_refuses_a_table_over_the_limit() {
        let a = vec![b'a'; 600];
        let err = longest_common(&a, &a, 1 << 20, true, false).unwrap_err();
        assert_eq!(err, error::LCS_TABLE_TOO_BIG);
    }

    #[test]
    fn getrange_spans_follow_redis_7_0() {
        assert_eq!(getrange_span(0, -1, 3), Some((0, 2)));
        assert_eq!(getrange_span(-100, -50, 3), Some((0, 0)));
        assert_eq!(getrange_span(-1, -5, 3), None);
        assert_eq!(getrange_span(5, 10, 3), None);
        assert_eq!(getrange_span(1, 100, 3), Some((1, 2)));
        assert_eq!(getrange_span(0, -1, 0), None);
        assert_eq!(getrange_span(i64::MIN, i64::MAX, 3), Some((0, 2)));
    }

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
