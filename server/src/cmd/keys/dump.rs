//! DUMP, RESTORE and RESTORE-ASKING: a key's value in Redis 7.0's payload
//! format, both ways. The format itself is [`crate::db::rdb`]'s; this file
//! reads the configuration it depends on, parses RESTORE's options in
//! Redis's order (options, then an existing key, then the TTL, then the
//! payload) and applies the side effects of `cluster.c`'s
//! `restoreCommand`: the `restore` event (or `del`, when REPLACE meets a
//! deadline already past), WATCH, blocked clients, and the access time
//! set by IDLETIME or FREQ.

use super::super::error::{self, CmdResult};
use super::super::{Ctx, int_arg, is};
use super::lfu;
use crate::config::notify;
use crate::db::rdb::{self, DumpOptions, Limits, RestoreError};
use crate::state::State;

/// The largest value of the 24-bit LRU clock (`LRU_CLOCK_MAX`).
const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;

/// An option keyword as `strcasecmp` sees it: up to the first NUL byte.
fn word(arg: &[u8]) -> &[u8] {
    arg.split(|&b| b == 0).next().unwrap_or_default()
}

/// # Format
/// `DUMP key`
///
/// Looked up as a read (access time, hit/miss statistics, `keymiss`).
pub(super) fn dump(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let options = DumpOptions::of(&ctx.state.config);
    match ctx.lookup_read(key).map(|e| rdb::dump(&e.value, &options)) {
        Some(payload) => ctx.out.bulk(&payload),
        None => {
            ctx.notify(notify::KEY_MISS, "keymiss", key);
            ctx.out.null();
        }
    }
    Ok(())
}

/// # Format
/// `RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds]
/// [FREQ frequency]`, and `RESTORE-ASKING` with the same arguments.
///
/// IDLETIME and FREQ exclude each other (the second is a syntax error).
/// IDLETIME sets the access time under an LRU policy and FREQ the counter
/// under an LFU one; each is ignored under the other kind of policy.
pub(super) fn restore(ctx: &mut Ctx<'_>) -> CmdResult {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < ctx.argc() {
        let opt = word(ctx.arg(j));
        let more = j + 1 < ctx.argc();
        if is(opt, "replace") {
            replace = true;
        } else if is(opt, "absttl") {
            absttl = true;
        } else if is(opt, "idletime") && more && freq.is_none() {
            let v = int_arg(ctx.arg(j + 1))?;
            if v < 0 {
                return Err(error::INVALID_IDLETIME);
            }
            idle = Some(v);
            j += 1;
        } else if is(opt, "freq") && more && idle.is_none() {
            let v = int_arg(ctx.arg(j + 1))?;
            if !(0..=255).contains(&v) {
                return Err(error::INVALID_FREQ);
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let key = ctx.arg(1);
    if !replace && ctx.lookup_write(key).is_some() {
        return Err(error::BUSYKEY);
    }
    let ttl = int_arg(ctx.arg(2))?;
    if ttl < 0 {
        return Err(error::INVALID_TTL);
    }
    let limits = Limits::of(&ctx.state.config);
    let value = match rdb::restore(ctx.arg(3), &limits, ctx.state.hash_seed) {
        Ok(value) => value,
        Err(RestoreError::Footer) => return Err(error::DUMP_PAYLOAD_WRONG),
        Err(RestoreError::Format) => return Err(error::BAD_DATA_FORMAT),
    };
    // dbDelete: no lazy expiry first, an expired key still counts.
    let deleted = replace && ctx.db().remove(key).is_some();
    // A relative TTL counts from now; C's signed overflow wraps.
    let deadline = match ttl {
        0 => None,
        _ if absttl => Some(ttl),
        _ => Some(ttl.wrapping_add(ctx.now)),
    };
    if let Some(at) = deadline
        && at <= ctx.now
    {
        if deleted {
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "del", key);
        }
        ctx.out.ok();
        return Ok(());
    }
    let access = access(ctx, idle, freq);
    ctx.db().insert(key, value, deadline, access);
    ctx.key_modified(key);
    ctx.notify(notify::GENERIC, "restore", key);
    ctx.out.ok();
    Ok(())
}

/// The access field of the restored value (Redis's `objectSetLRUOrLFU`):
/// under an LFU policy FREQ's counter stamped now, otherwise IDLETIME
/// seconds before the LRU clock (wrapping below zero as Redis does), and
/// a fresh access time when the option that applies is absent.
fn access(ctx: &Ctx<'_>, idle: Option<i64>, freq: Option<i64>) -> u32 {
    if lfu::is_lfu(&ctx.state.config) {
        if let Some(f) = freq {
            return (lfu::fresh(ctx.now) & !0xFF) | f as u32;
        }
    } else if let Some(idle) = idle {
        let clock = i64::from(State::lru_clock(ctx.now));
        let idle = idle.wrapping_mul(1000) / 1000;
        let mut at = clock.wrapping_sub(idle);
        if at < 0 {
            at = at.wrapping_add(LRU_CLOCK_MAX);
        }
        // The object's `lru` field keeps 24 bits.
        return (at & 0xFF_FFFF) as u32;
    }
    ctx.lru()
}
