//! The blocking pops: BZPOPMIN, BZPOPMAX and BZMPOP.
//!
//! Each first tries what its non-blocking form would do. With nothing to
//! pop it blocks on its keys ([`Ctx::block`]); when a key becomes ready the
//! command runs again with [`Ctx::ready_key`] set and serves from that key
//! only, staying blocked if the key is missing or no longer a sorted set
//! (Redis 7.0 keeps such a client waiting). Inside MULTI it does not wait
//! and answers a null array.

use bytes::Bytes;

use super::access::{Access, probe};
use super::pop::{parse_mpop, pop, reply_popped};
use crate::cmd::error::CmdResult;
use crate::cmd::{Ctx, timeout_arg};

/// What a served pop replies: BZPOPMIN's flat `[key, member, score]`, or
/// BZMPOP's nested `[key, [[member, score]…]]`.
#[derive(Clone, Copy)]
enum Shape {
    Flat,
    Nested,
}

/// # Format
/// `BZPOPMIN key [key ...] timeout`
pub(super) fn bzpopmin(ctx: &mut Ctx<'_>) -> CmdResult {
    bzpop(ctx, true)
}

/// # Format
/// `BZPOPMAX key [key ...] timeout`
pub(super) fn bzpopmax(ctx: &mut Ctx<'_>) -> CmdResult {
    bzpop(ctx, false)
}

fn bzpop(ctx: &mut Ctx<'_>, min: bool) -> CmdResult {
    let args = ctx.args;
    let last = args.len() - 1;
    let deadline = timeout_arg(&args[last], ctx.now)?;
    serve_or_block(ctx, &args[1..last], min, 1, Shape::Flat, deadline)
}

/// # Format
/// `BZMPOP timeout numkeys key [key ...] MIN | MAX [COUNT count]`
///
/// The timeout is parsed after the other arguments, as Redis does.
pub(super) fn bzmpop(ctx: &mut Ctx<'_>) -> CmdResult {
    let (keys, min, count) = parse_mpop(ctx, 2)?;
    let deadline = timeout_arg(ctx.arg(1), ctx.now)?;
    serve_or_block(ctx, keys, min, count, Shape::Nested, deadline)
}

fn serve_or_block(
    ctx: &mut Ctx<'_>,
    keys: &[Bytes],
    min: bool,
    count: usize,
    shape: Shape,
    deadline: Option<i64>,
) -> CmdResult {
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    if let Some(ready) = ctx.ready_key {
        if matches!(probe(ctx, ready, Access::Write), Ok(true)) {
            serve(ctx, ready, min, count, shape);
        } else {
            ctx.block(&key_refs, deadline);
        }
        return Ok(());
    }
    for key in keys {
        if probe(ctx, key, Access::Write)? {
            serve(ctx, key, min, count, shape);
            return Ok(());
        }
    }
    if ctx.can_block() {
        ctx.block(&key_refs, deadline);
    } else {
        ctx.out.null_array();
    }
    Ok(())
}

fn serve(ctx: &mut Ctx<'_>, key: &[u8], min: bool, count: usize, shape: Shape) {
    let popped = pop(ctx, key, min, count);
    match shape {
        Shape::Flat => reply_popped(ctx.out, Some(key), &popped, false),
        Shape::Nested => reply_popped(ctx.out, Some(key), &popped, true),
    }
    let count = matches!(shape, Shape::Nested).then_some(popped.len());
    super::pop::propagate_pop(ctx, key, min, count);
}
