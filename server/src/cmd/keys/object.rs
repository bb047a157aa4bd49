//! OBJECT ENCODING, FREQ, IDLETIME, REFCOUNT and HELP.
//!
//! Every subcommand looks the key up without touching its access time and
//! replies nil for a missing key, before anything else (so FREQ and
//! IDLETIME of a missing key are nil whatever the policy).

use super::super::error::{self, CmdResult};
use super::super::flags::*;
use super::super::{CommandSpec, Ctx};
use super::lfu;
use super::lookup::read_counted;
use crate::db::{Entry, Value};
use crate::state::State;

const GENERIC: &str = "generic";

/// The OBJECT subcommands.
pub(super) const SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("object|encoding", 3, encoding)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("keyspace read slow")
        .doc(
            GENERIC,
            "2.2.3",
            "Returns the internal encoding of a Redis object.",
        ),
    CommandSpec::new("object|freq", 3, freq)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("keyspace read slow")
        .doc(
            GENERIC,
            "4.0.0",
            "Returns the logarithmic access frequency counter of a Redis object.",
        ),
    CommandSpec::new("object|idletime", 3, idletime)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("keyspace read slow")
        .doc(
            GENERIC,
            "2.2.3",
            "Returns the time since the last access to a Redis object.",
        ),
    CommandSpec::new("object|refcount", 3, refcount)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("keyspace read slow")
        .doc(
            GENERIC,
            "2.2.3",
            "Returns the reference count of a value of a key.",
        ),
    CommandSpec::new("object|help", 2, object_help)
        .flags(LOADING | STALE)
        .acl("keyspace slow")
        .doc(
            GENERIC,
            "6.2.0",
            "Returns helpful text about the different subcommands.",
        ),
];

/// Integers Redis shares one object for (`OBJ_SHARED_INTEGERS`).
const SHARED_INTEGERS: i64 = 10_000;

/// The reference count Redis reports for a shared object
/// (`OBJ_SHARED_REFCOUNT`, `INT_MAX`).
const SHARED_REFCOUNT: i64 = i32::MAX as i64;

/// Looks the key of an OBJECT subcommand up as Redis's
/// `objectCommandLookup` does (no touch, no `keymiss` event, hit/miss
/// statistics counted) and reads what the subcommand needs; `None`, with
/// the nil reply written, for a missing key.
fn lookup<T>(ctx: &mut Ctx<'_>, read: impl FnOnce(&Entry) -> T) -> Option<T> {
    let found = read_counted(ctx, ctx.arg(2), false, read);
    if found.is_none() {
        ctx.out.null();
    }
    found
}

/// # Format
/// `OBJECT ENCODING key`
fn encoding(ctx: &mut Ctx<'_>) -> CmdResult {
    if let Some(name) = lookup(ctx, |e| e.value.encoding()) {
        ctx.out.bulk(name.as_bytes());
    }
    Ok(())
}

/// # Format
/// `OBJECT FREQ key` — only under an LFU `maxmemory-policy`.
fn freq(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(access) = lookup(ctx, |e| e.access) else {
        return Ok(());
    };
    if !lfu::is_lfu(&ctx.state.config) {
        return Err(error::LFU_NOT_SELECTED);
    }
    let params = lfu::params(&ctx.state.config);
    ctx.out
        .int(i64::from(lfu::decayed(access, ctx.now, params)));
    Ok(())
}

/// # Format
/// `OBJECT IDLETIME key` — seconds since the last access; refused under an
/// LFU `maxmemory-policy`, where no access time is kept.
fn idletime(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(access) = lookup(ctx, |e| e.access) else {
        return Ok(());
    };
    if lfu::is_lfu(&ctx.state.config) {
        return Err(error::LFU_SELECTED);
    }
    // estimateObjectIdleTime, including its wrap-around arithmetic.
    const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
    let now = State::lru_clock(ctx.now);
    let idle = if now >= access {
        now - access
    } else {
        now + (LRU_CLOCK_MAX - access)
    };
    ctx.out.int(i64::from(idle));
    Ok(())
}

/// # Format
/// `OBJECT REFCOUNT key`
///
/// Redis stores the integers 0 to 9999 as shared objects, reported with
/// the refcount `INT_MAX`, unless `maxmemory` is set with an LRU or LFU
/// policy (which needs a private access field per value); every other
/// value has one reference. Redis decides when the value is stored, this
/// answer when it is asked; and where Redis's COPY un-shares an integer,
/// this one still reports it shared.
fn refcount(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(small_int) = lookup(
        ctx,
        |e| matches!(e.value, Value::Int(n) if (0..SHARED_INTEGERS).contains(&n)),
    ) else {
        return Ok(());
    };
    let config = &ctx.state.config;
    let policy = config.maxmemory_policy();
    let private_access = (policy.ends_with("-lru") || policy.ends_with("-lfu"))
        && config
            .get(&[b"maxmemory".as_slice()])
            .first()
            .is_some_and(|(_, v)| v.as_slice() != b"0");
    let shared = small_int && !private_access;
    ctx.out.int(if shared { SHARED_REFCOUNT } else { 1 });
    Ok(())
}

/// # Format
/// `OBJECT HELP`
fn object_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}
