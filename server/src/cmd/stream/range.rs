//! XRANGE and XREVRANGE.

use super::access::{Access, parts, probe, range_end, range_start, reply_entries};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg, is};

/// # Format
/// `XRANGE key start end [COUNT count]`
pub(super) fn xrange(ctx: &mut Ctx<'_>) -> CmdResult {
    range(ctx, false)
}

/// # Format
/// `XREVRANGE key end start [COUNT count]`
pub(super) fn xrevrange(ctx: &mut Ctx<'_>) -> CmdResult {
    range(ctx, true)
}

fn range(ctx: &mut Ctx<'_>, rev: bool) -> CmdResult {
    let args = ctx.args;
    let (start_arg, end_arg) = if rev {
        (&args[3], &args[2])
    } else {
        (&args[2], &args[3])
    };
    let start = range_start(start_arg)?;
    let end = range_end(end_arg)?;
    let mut count: Option<usize> = None;
    let mut j = 4;
    while j < args.len() {
        if is(&args[j], "count") && j + 1 < args.len() {
            let n = int_arg(&args[j + 1])?;
            count = Some(usize::try_from(n).unwrap_or(0));
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Read)? {
        ctx.out.array(0);
        return Ok(());
    }
    if count == Some(0) {
        ctx.out.null_array();
        return Ok(());
    }
    let (Some(s), out) = parts(ctx, key) else {
        return Ok(());
    };
    let count = count.unwrap_or(usize::MAX);
    let items: Vec<_> = if rev {
        s.range(start, end).rev().take(count).collect()
    } else {
        s.range(start, end).take(count).collect()
    };
    reply_entries(out, items.into_iter());
    Ok(())
}
