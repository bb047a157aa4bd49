//! Adding, trimming and deleting entries: XADD, XTRIM, XDEL, XLEN and
//! XSETID, with the trimming options XADD and XTRIM share.

use super::access::{
    Access, Parsed, clock_ms, create, limits, next_auto_id, option, parse_id, probe, reply_id,
    stream, strict_id,
};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{CmdError, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::stream::StreamId;
use crate::db::stream::node::{LISTPACK_MAX, Strategy};

/// The trimming and other options of XADD and XTRIM, as Redis's
/// `streamParseAddOrTrimArgsOrReply` reads them.
#[derive(Debug, Default)]
pub(crate) struct TrimArgs {
    /// MAXLEN or MINID, if given.
    pub strategy: Option<Strategy>,
    /// `~`: whole nodes only.
    pub approx: bool,
    /// Entries removed at most (0: no limit).
    pub limit: u64,
    /// XADD … NOMKSTREAM.
    pub nomkstream: bool,
    /// XADD's explicit ID (`None` for `*`).
    pub id: Option<Parsed>,
    /// Where XADD's fields start.
    pub fields_at: usize,
}

/// Reads the options from argument 2 on. For XADD they end at the ID
/// (`*` or explicit), for XTRIM at the end.
pub(crate) fn parse_trim(ctx: &Ctx<'_>, xadd: bool) -> Result<TrimArgs, CmdError> {
    let args = ctx.args;
    let mut parsed = TrimArgs::default();
    let mut limit: Option<i64> = None;
    let mut i = 2;
    while i < args.len() {
        let arg = &args[i][..];
        if xadd && arg == b"*" {
            break;
        } else if option(args, i, "maxlen", 1) || option(args, i, "minid", 1) {
            if parsed.strategy.is_some() {
                return Err(error::MAXLEN_AND_MINID);
            }
            let maxlen = is(arg, "maxlen");
            parsed.approx = false;
            let more = args.len() - 1 - i;
            if more >= 2 && &args[i + 1][..] == b"~" {
                parsed.approx = true;
                i += 1;
            } else if more >= 2 && &args[i + 1][..] == b"=" {
                i += 1;
            }
            parsed.strategy = Some(if maxlen {
                let n = int_arg(&args[i + 1])?;
                if n < 0 {
                    return Err(error::MAXLEN_NEGATIVE);
                }
                Strategy::MaxLen(n as u64)
            } else {
                Strategy::MinId(strict_id(&args[i + 1])?)
            });
            i += 2;
            continue;
        } else if option(args, i, "limit", 1) {
            let n = int_arg(&args[i + 1])?;
            if n < 0 {
                return Err(error::STREAM_LIMIT_NEGATIVE);
            }
            limit = Some(n);
            i += 2;
            continue;
        } else if xadd && is(arg, "nomkstream") {
            parsed.nomkstream = true;
        } else if xadd {
            parsed.id = Some(parse_id(arg, 0, true, true)?);
            break;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    parsed.fields_at = i + 1;
    if limit.is_some_and(|l| l != 0) && parsed.strategy.is_none() {
        return Err(error::LIMIT_WITHOUT_STRATEGY);
    }
    if !xadd && parsed.strategy.is_none() {
        return Err(error::XTRIM_WITHOUT_STRATEGY);
    }
    match limit {
        Some(_) if !parsed.approx => return Err(error::LIMIT_WITHOUT_APPROX),
        Some(l) => parsed.limit = l as u64,
        None if parsed.approx => {
            let entries = ctx.state.config.stream_node_max_entries();
            let l = entries.saturating_mul(100);
            parsed.limit = if l <= 0 || l > 1_000_000 {
                10_000
            } else {
                l as u64
            };
        }
        None => parsed.limit = 0,
    }
    Ok(parsed)
}

/// # Format
/// `XADD key [NOMKSTREAM] [MAXLEN | MINID [= | ~] threshold [LIMIT count]] * | id field value [field value ...]`
pub(super) fn xadd(ctx: &mut Ctx<'_>) -> CmdResult {
    let parsed = parse_trim(ctx, true)?;
    let args = ctx.args;
    let at = parsed.fields_at;
    if args.len() < at + 2 || (args.len() - at) % 2 == 1 {
        return Err(error::wrong_arity("xadd"));
    }
    if let Some(p) = parsed.id
        && p.seq_given
        && p.id.is_zero()
    {
        return Err(error::XADD_ID_ZERO);
    }
    let key = &args[1][..];
    if !probe(ctx, key, Access::Write)? {
        if parsed.nomkstream {
            ctx.out.null();
            return Ok(());
        }
        create(ctx, key);
    }
    let now = clock_ms(ctx);
    let node_limits = limits(ctx);
    let Some(s) = stream(ctx, key) else {
        return Ok(());
    };
    if s.last_id == StreamId::MAX {
        return Err(error::STREAM_EXHAUSTED);
    }
    let id = match parsed.id {
        Some(p) if p.seq_given => p.id,
        Some(p) if p.id.ms == s.last_id.ms => s
            .last_id
            .next()
            .filter(|n| n.ms == p.id.ms)
            .ok_or(error::ELEMENTS_TOO_LARGE)?,
        Some(p) => p.id,
        None => next_auto_id(s.last_id, now).ok_or(error::STREAM_EXHAUSTED)?,
    };
    if id <= s.last_id {
        return Err(error::XADD_ID_TOO_SMALL);
    }
    let pairs: Vec<Blob> = args[at..].iter().map(|a| Blob::new(a)).collect();
    if pairs.iter().map(|p| p.len()).sum::<usize>() > LISTPACK_MAX {
        return Err(error::ELEMENTS_TOO_LARGE);
    }
    s.append(id, pairs, node_limits);
    reply_id(ctx.out, id);
    ctx.key_modified(key);
    ctx.notify(notify::STREAM, "xadd", key);
    if let Some(strategy) = parsed.strategy {
        let trimmed = stream(ctx, key).map_or(0, |s| s.trim(strategy, parsed.approx, parsed.limit));
        if trimmed > 0 {
            ctx.notify(notify::STREAM, "xtrim", key);
        }
    }
    Ok(())
}

/// # Format
/// `XTRIM key MAXLEN | MINID [= | ~] threshold [LIMIT count]`
pub(super) fn xtrim(ctx: &mut Ctx<'_>) -> CmdResult {
    let parsed = parse_trim(ctx, false)?;
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let Some(strategy) = parsed.strategy else {
        return Err(error::XTRIM_WITHOUT_STRATEGY);
    };
    let trimmed = stream(ctx, key).map_or(0, |s| s.trim(strategy, parsed.approx, parsed.limit));
    if trimmed > 0 {
        ctx.notify(notify::STREAM, "xtrim", key);
        ctx.key_modified(key);
        ctx.state.dirty += trimmed as u64 - 1;
    }
    ctx.out.int(trimmed as i64);
    Ok(())
}

/// # Format
/// `XDEL key id [id ...]`
pub(super) fn xdel(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        ctx.out.int(0);
        return Ok(());
    }
    let ids = ctx.args[2..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted = stream(ctx, key).map_or(0, |s| ids.iter().filter(|&&id| s.delete(id)).count());
    if deleted > 0 {
        ctx.key_modified(key);
        ctx.notify(notify::STREAM, "xdel", key);
        ctx.state.dirty += deleted as u64 - 1;
    }
    ctx.out.int(deleted as i64);
    Ok(())
}

/// # Format
/// `XLEN key`
pub(super) fn xlen(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let len = if probe(ctx, key, Access::Read)? {
        stream(ctx, key).map_or(0, |s| s.len())
    } else {
        0
    };
    ctx.out.int(len as i64);
    Ok(())
}

/// # Format
/// `XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]`
pub(super) fn xsetid(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let id = strict_id(&args[2])?;
    let mut entries_added: Option<u64> = None;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < args.len() {
        if option(args, i, "entriesadded", 1) {
            let n = int_arg(&args[i + 1])?;
            if n < 0 {
                return Err(error::ENTRIES_ADDED_NEGATIVE);
            }
            entries_added = Some(n as u64);
        } else if option(args, i, "maxdeletedid", 1) {
            max_deleted = strict_id(&args[i + 1])?;
            if id < max_deleted {
                return Err(error::XSETID_BELOW_MAX_DELETED_ARG);
            }
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    let key = ctx.arg(1);
    if !probe(ctx, key, Access::Write)? {
        return Err(error::NO_SUCH_KEY);
    }
    let Some(s) = stream(ctx, key) else {
        return Ok(());
    };
    if id < s.max_deleted {
        return Err(error::XSETID_BELOW_MAX_DELETED);
    }
    if let Some((top, _)) = s.last() {
        if id < top {
            return Err(error::XSETID_BELOW_TOP);
        }
        if entries_added.is_some_and(|n| (s.len() as u64) > n) {
            return Err(error::XSETID_ENTRIES_ADDED_SMALL);
        }
    }
    s.last_id = id;
    if let Some(n) = entries_added {
        s.entries_added = n;
    }
    if !max_deleted.is_zero() {
        s.max_deleted = max_deleted;
    }
    ctx.out.ok();
    // Redis 7.0 does not signal the key (WATCH) here.
    ctx.state.dirty += 1;
    ctx.notify(notify::STREAM, "xsetid", key);
    Ok(())
}
