//! ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX.

use super::access::{Access, delete_if_empty, modified, parts, probe};
use super::parse::{LexRange, ScoreRange, lex_range, score_range};
use super::seek::{lex_removal, rank_run, score_run};
use crate::cmd::error::CmdResult;
use crate::cmd::{Ctx, int_arg};
use crate::config::notify;

/// ZREMRANGEBY*: what to remove.
enum Removal<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

fn zremrange_generic(ctx: &mut Ctx<'_>, what: Removal<'_>, event: &str) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let (z, _) = parts(ctx, key);
    let removed = match z {
        None => 0,
        Some(z) => {
            let run = match &what {
                Removal::Rank(start, end) => rank_run(z.len(), *start, *end, false),
                Removal::Score(r) => score_run(z, r, false),
                Removal::Lex(r) => lex_removal(z, r),
            };
            z.remove_range(run.lowest(), run.len).len()
        }
    };
    if removed > 0 {
        modified(ctx, key, removed);
        ctx.notify(notify::ZSET, event, key);
        delete_if_empty(ctx, key);
    }
    ctx.out.int(removed as i64);
    Ok(())
}

/// # Format
/// `ZREMRANGEBYRANK key start stop`
pub(super) fn zremrangebyrank(ctx: &mut Ctx<'_>) -> CmdResult {
    let start = int_arg(ctx.arg(2))?;
    let end = int_arg(ctx.arg(3))?;
    zremrange_generic(ctx, Removal::Rank(start, end), "zremrangebyrank")
}

/// # Format
/// `ZREMRANGEBYSCORE key min max`
pub(super) fn zremrangebyscore(ctx: &mut Ctx<'_>) -> CmdResult {
    let range = score_range(ctx.arg(2), ctx.arg(3))?;
    zremrange_generic(ctx, Removal::Score(range), "zremrangebyscore")
}

/// # Format
/// `ZREMRANGEBYLEX key min max`
pub(super) fn zremrangebylex(ctx: &mut Ctx<'_>) -> CmdResult {
    let (min, max) = (ctx.arg(2), ctx.arg(3));
    let range = lex_range(min, max)?;
    zremrange_generic(ctx, Removal::Lex(range), "zremrangebylex")
}
