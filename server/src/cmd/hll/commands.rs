//! PFADD, PFCOUNT and PFMERGE.

use super::access::{Access, create, load, save, sparse_max};
use crate::cmd::Ctx;
use crate::cmd::error::{self, CmdResult};
use crate::config::notify;
use crate::db::hll;

/// # Format
/// `PFADD key [element [element ...]]`
///
/// 1 if a register changed or the key was created, else 0.
pub(super) fn pfadd(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let max = sparse_max(ctx);
    let (mut bytes, mut updated) = match load(ctx, key, Access::Write, true)? {
        Some(bytes) => (bytes, 0u64),
        None => (create(ctx, key), 1),
    };
    let args = ctx.args;
    for element in &args[2..] {
        match hll::add(&mut bytes, element, max) {
            Ok(true) => updated += 1,
            Ok(false) => {}
            Err(hll::Corrupt) => {
                // Redis changed the value in place up to the fault.
                save(ctx, key, bytes);
                return Err(error::INVALID_HLL);
            }
        }
    }
    if updated > 0 {
        hll::invalidate_cache(&mut bytes);
    }
    save(ctx, key, bytes);
    if updated > 0 {
        ctx.key_modified(key);
        // Redis counts one change per register raised.
        ctx.state.dirty += updated - 1;
        ctx.notify(notify::STRING, "pfadd", key);
    }
    ctx.out.int(i64::from(updated > 0));
    Ok(())
}

/// # Format
/// `PFCOUNT key [key ...]`
///
/// One key: its cached cardinality, or one computed and cached (a change
/// of the value: WATCH sees it). Several: the cardinality of their union,
/// nothing cached.
pub(super) fn pfcount(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() > 2 {
        let mut merged = hll::Merged::default();
        let args = ctx.args;
        for key in &args[1..] {
            let Some(bytes) = load(ctx, key, Access::Read, false)? else {
                continue;
            };
            merged.merge(&bytes).map_err(|_| error::INVALID_HLL)?;
        }
        ctx.out.int(merged.count() as i64);
        return Ok(());
    }
    let key = ctx.arg(1);
    let Some(mut bytes) = load(ctx, key, Access::Read, true)? else {
        ctx.out.int(0);
        return Ok(());
    };
    let card = match hll::cached(&bytes) {
        Some(card) => card,
        None => {
            let card = hll::count(&bytes).map_err(|_| error::INVALID_HLL)?;
            hll::store_cache(&mut bytes, card);
            save(ctx, key, bytes);
            ctx.key_modified(key);
            card
        }
    };
    // The cache holds 63 bits of a count; a hand-made payload may hold
    // more, which Redis prints as a signed number too.
    ctx.out.int(card as i64);
    Ok(())
}

/// # Format
/// `PFMERGE destkey [sourcekey [sourcekey ...]]`
///
/// The destination (itself one of the inputs) becomes the union; it is
/// dense if any input was.
pub(super) fn pfmerge(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut merged = hll::Merged::default();
    let mut dense = false;
    let args = ctx.args;
    for key in &args[1..] {
        let Some(bytes) = load(ctx, key, Access::Read, false)? else {
            continue;
        };
        dense |= hll::encoding(&bytes) == hll::Encoding::Dense;
        merged.merge(&bytes).map_err(|_| error::INVALID_HLL)?;
    }
    let dest = ctx.arg(1);
    let max = sparse_max(ctx);
    // The destination was checked as an input above.
    let mut bytes = match load(ctx, dest, Access::Write, true)? {
        Some(bytes) => bytes,
        None => create(ctx, dest),
    };
    if dense && hll::to_dense(&mut bytes).is_err() {
        return Err(error::INVALID_HLL);
    }
    merged.write_into(&mut bytes, max);
    hll::invalidate_cache(&mut bytes);
    save(ctx, dest, bytes);
    ctx.key_modified(dest);
    // PFMERGE announces itself as a mass PFADD.
    ctx.notify(notify::STRING, "pfadd", dest);
    ctx.out.ok();
    Ok(())
}
