//! Moving an element from one list to another: LMOVE, RPOPLPUSH and the
//! blocking BLMOVE and BRPOPLPUSH.

use super::access::{Access, after_pop, end_arg, list_mut, probe, push_values};
use crate::cmd::error::CmdResult;
use crate::cmd::{Ctx, timeout_arg};
use crate::db::list::End;

/// # Format
/// `LMOVE source destination LEFT|RIGHT LEFT|RIGHT`
///
/// Replies with the element moved, or null when the source is missing.
/// Source and destination may be the same list: the element rotates.
pub(super) fn lmove(ctx: &mut Ctx<'_>) -> CmdResult {
    let from = end_arg(ctx.arg(3))?;
    let to = end_arg(ctx.arg(4))?;
    move_element(ctx, from, to)
}

/// # Format
/// `RPOPLPUSH source destination`
///
/// `LMOVE source destination RIGHT LEFT`.
pub(super) fn rpoplpush(ctx: &mut Ctx<'_>) -> CmdResult {
    move_element(ctx, End::Right, End::Left)
}

/// # Format
/// `BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout`
///
/// LMOVE, or waits (on the source only) for up to `timeout` seconds, 0
/// for ever. Inside MULTI it does not wait: a missing source answers a
/// null bulk string there, while a timeout answers a null array.
pub(super) fn blmove(ctx: &mut Ctx<'_>) -> CmdResult {
    let from = end_arg(ctx.arg(3))?;
    let to = end_arg(ctx.arg(4))?;
    let deadline = timeout_arg(ctx.arg(5), ctx.now)?;
    blocking_move(ctx, from, to, deadline)
}

/// # Format
/// `BRPOPLPUSH source destination timeout`
///
/// `BLMOVE source destination RIGHT LEFT timeout`.
pub(super) fn brpoplpush(ctx: &mut Ctx<'_>) -> CmdResult {
    let deadline = timeout_arg(ctx.arg(3), ctx.now)?;
    blocking_move(ctx, End::Right, End::Left, deadline)
}

fn blocking_move(ctx: &mut Ctx<'_>, from: End, to: End, deadline: Option<i64>) -> CmdResult {
    let src = ctx.arg(1);
    let ready = match probe(ctx, src, Access::Write) {
        Ok(ready) => ready,
        // Served because the source changed, but it now holds another
        // type: Redis 7.0 leaves such a client blocked.
        Err(_) if ctx.ready_key.is_some() => false,
        Err(e) => return Err(e),
    };
    if ready {
        move_element(ctx, from, to)
    } else {
        if ctx.can_block() {
            ctx.block(&[src], deadline);
        } else {
            ctx.out.null();
        }
        Ok(())
    }
}

/// The body of LMOVE once its arguments are parsed (`lmoveGenericCommand`):
/// also how a blocked BLMOVE is served, so a destination of another type
/// answers WRONGTYPE and ends the wait, leaving the element in the source.
fn move_element(ctx: &mut Ctx<'_>, from: End, to: End) -> CmdResult {
    let (src, dst) = (ctx.arg(1), ctx.arg(2));
    if !probe(ctx, src, Access::Write)? {
        ctx.out.null();
        return Ok(());
    }
    probe(ctx, dst, Access::Write)?;
    // The source is left in place even if this empties it: when it is also
    // the destination, the push below refills it.
    let Some(value) = list_mut(ctx, src).and_then(|l| l.pop(from)) else {
        ctx.out.null();
        return Ok(());
    };
    ctx.out.bulk(&value);
    push_values(ctx, dst, to, [value]);
    after_pop(ctx, src, from);
    if ctx.propagating() {
        // The blocking forms travel as the plain ones.
        let args = if crate::cmd::is(ctx.arg(0), "blmove") {
            let mut a = ctx.args[..5].to_vec();
            a[0] = bytes::Bytes::from_static(b"LMOVE");
            Some(a)
        } else if crate::cmd::is(ctx.arg(0), "brpoplpush") {
            Some(crate::cmd::repl::args_of(&[b"RPOPLPUSH", src, dst]))
        } else {
            None
        };
        if let Some(args) = args {
            ctx.propagate_as(vec![args]);
        }
    }
    Ok(())
}
