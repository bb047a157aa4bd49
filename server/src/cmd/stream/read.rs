//! XREAD and XREADGROUP, blocking or not.
//!
//! Both first parse everything (IDs resolved: `$` to the stream's last ID,
//! `>` to "after the group's last delivered ID") and serve every stream
//! that has something, as Redis's `xreadCommand` does. With nothing to
//! serve and BLOCK given they block on all their keys ([`Ctx::block_as`],
//! with `$` replaced by the ID it stood for, as Redis remembers it); in
//! MULTI or a script they answer a null array instead. When a key they
//! wait on is written, the command runs again with [`Ctx::ready_key`] set
//! and serves that key only, as Redis's `serveClientsBlockedOnStreamKey`:
//! if the stream's last ID is past the one waited for (the group's last
//! delivered ID for XREADGROUP), at most COUNT entries (1000 without
//! COUNT) are delivered; a group that went away answers NOGROUP, a stream
//! that went away (deleted, replaced, flushed, expired) answers a group
//! reader UNBLOCKED; anything else keeps the client waiting.

use bytes::Bytes;

use super::access::{Access, option, probe, reply_entry, reply_id, stream, stream_of, strict_id};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Caller, CmdError, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::stream::group::Nack;
use crate::db::stream::{Stream, StreamId};
use crate::protocol::{Out, Resp};

/// What a blocked read is served at most without COUNT
/// (`XREAD_BLOCKED_DEFAULT_COUNT`).
const BLOCKED_DEFAULT_COUNT: usize = 1000;

/// The options of XREAD / XREADGROUP.
struct ReadArgs {
    /// BLOCK: `Some(deadline)` (`None` inside: forever).
    block: Option<Option<i64>>,
    /// COUNT (0: no limit).
    count: usize,
    /// Where the keys start.
    streams_at: usize,
    /// How many streams.
    n: usize,
    /// GROUP group consumer.
    group: Option<(Bytes, Bytes)>,
    noack: bool,
}

/// What an ID argument asks for.
#[derive(Clone, Copy)]
enum Want {
    /// Entries after this ID.
    After(StreamId),
    /// XREADGROUP's `>`: entries never delivered to the group.
    New,
}

/// # Format
/// `XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]`
pub(super) fn xread(ctx: &mut Ctx<'_>) -> CmdResult {
    read(ctx, false)
}

/// # Format
/// `XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]`
pub(super) fn xreadgroup(ctx: &mut Ctx<'_>) -> CmdResult {
    read(ctx, true)
}

fn parse(ctx: &Ctx<'_>, xreadgroup: bool) -> Result<ReadArgs, CmdError> {
    let args = ctx.args;
    let mut parsed = ReadArgs {
        block: None,
        count: 0,
        streams_at: 0,
        n: 0,
        group: None,
        noack: false,
    };
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i][..];
        if option(args, i, "block", 1) {
            if ctx.caller == Caller::Script {
                return Err(error::block_in_script(&args[0]));
            }
            i += 1;
            parsed.block = Some(block_deadline(&args[i], ctx.now)?);
        } else if option(args, i, "count", 1) {
            i += 1;
            parsed.count = usize::try_from(int_arg(&args[i])?).unwrap_or(0);
        } else if option(args, i, "streams", 1) {
            parsed.streams_at = i + 1;
            let rest = args.len() - parsed.streams_at;
            if !rest.is_multiple_of(2) {
                return Err(error::UNBALANCED_STREAMS);
            }
            parsed.n = rest / 2;
            break;
        } else if option(args, i, "group", 2) {
            if !xreadgroup {
                return Err(error::GROUP_IN_XREAD);
            }
            parsed.group = Some((args[i + 1].clone(), args[i + 2].clone()));
            i += 2;
        } else if is(arg, "noack") {
            if !xreadgroup {
                return Err(error::NOACK_IN_XREAD);
            }
            parsed.noack = true;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    if parsed.streams_at == 0 {
        return Err(error::SYNTAX);
    }
    if xreadgroup && parsed.group.is_none() {
        return Err(error::XREADGROUP_NEEDS_GROUP);
    }
    Ok(parsed)
}

/// A BLOCK argument in milliseconds as an absolute deadline (`None`: 0,
/// forever), as Redis's `getTimeoutFromObjectOrReply`.
fn block_deadline(arg: &[u8], now: i64) -> Result<Option<i64>, CmdError> {
    let ms = crate::num::parse_i64(arg).ok_or(error::TIMEOUT_NOT_INTEGER)?;
    if ms < 0 {
        return Err(error::TIMEOUT_NEGATIVE);
    }
    if ms == 0 {
        return Ok(None);
    }
    now.checked_add(ms)
        .map(Some)
        .ok_or(error::TIMEOUT_OUT_OF_RANGE)
}

fn read(ctx: &mut Ctx<'_>, xreadgroup: bool) -> CmdResult {
    let parsed = parse(ctx, xreadgroup)?;
    let args = ctx.args;
    let keys = &args[parsed.streams_at..parsed.streams_at + parsed.n];
    let id_args = &args[parsed.streams_at + parsed.n..];
    if let Some(ready) = ctx.ready_key {
        return serve_blocked(ctx, &parsed, keys, id_args, ready);
    }
    let mut wants = Vec::with_capacity(parsed.n);
    for (key, id_arg) in keys.iter().zip(id_args) {
        let exists = probe(ctx, key, Access::Read)?;
        if let Some((group, _)) = &parsed.group {
            let has = exists && stream(ctx, key).is_some_and(|s| s.groups.contains_key(&group[..]));
            if !has {
                return Err(error::nogroup_key_or_group(
                    key,
                    group,
                    " in XREADGROUP with GROUP option",
                ));
            }
        }
        let want = match &id_arg[..] {
            b"$" if xreadgroup => return Err(error::DOLLAR_IN_XREADGROUP),
            b"$" => Want::After(stream(ctx, key).map_or(StreamId::MIN, |s| s.last_id)),
            b">" if !xreadgroup => return Err(error::GT_IN_XREAD),
            b">" => Want::New,
            other => Want::After(strict_id(other)?),
        };
        wants.push(want);
    }
    let mut served = Vec::new();
    for (key, want) in keys.iter().zip(&wants) {
        if !probe(ctx, key, Access::Read)? {
            continue;
        }
        let mut one = Out::new(ctx.out.resp());
        if serve_key(ctx, &parsed, key, *want, parsed.count, false, &mut one) {
            served.push(one.take());
        }
    }
    if !served.is_empty() {
        match ctx.out.resp() {
            Resp::V2 => ctx.out.array(served.len()),
            Resp::V3 => ctx.out.map(served.len()),
        }
        for part in served {
            ctx.out.raw(&part);
        }
        return Ok(());
    }
    match parsed.block {
        Some(deadline) if ctx.can_block() => {
            let key_refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
            // Remember what `$` stood for, as Redis does.
            let mut again = args.to_vec();
            for (i, want) in wants.iter().enumerate() {
                if let Want::After(id) = want {
                    again[parsed.streams_at + parsed.n + i] = Bytes::from(id.to_string());
                }
            }
            ctx.block_as(&key_refs, deadline, again);
        }
        _ => ctx.out.null_array(),
    }
    Ok(())
}

/// Serves `key` into `out` if it has something for `want` (`[key,
/// entries]`, a map entry in RESP3); false if not. `blocked`: served to a
/// client that waited, which reads only new entries.
fn serve_key(
    ctx: &mut Ctx<'_>,
    parsed: &ReadArgs,
    key: &[u8],
    want: Want,
    count: usize,
    blocked: bool,
    out: &mut Out,
) -> bool {
    let now = ctx.now;
    let Some(s) = stream(ctx, key) else {
        return false;
    };
    let (after, history) = match (&parsed.group, want) {
        (None, Want::After(id)) => {
            let has = s.last().is_some_and(|(top, _)| top > id);
            if !has {
                return false;
            }
            (id, false)
        }
        (None, Want::New) => return false,
        (Some(_), Want::After(id)) if !blocked => (id, true),
        (Some((group, _)), _) => {
            let Some(last) = s.groups.get(&group[..]).map(|g| g.last_id) else {
                return false;
            };
            let has = if blocked {
                s.last_id > last
            } else {
                s.last().is_some_and(|(top, _)| top > last)
            };
            if !has {
                return false;
            }
            (last, false)
        }
    };
    if out.resp() == Resp::V2 {
        out.array(2);
    }
    out.bulk(key);
    let start = after.next().unwrap_or(StreamId::MAX);
    let Some((group, consumer)) = &parsed.group else {
        let items: Vec<_> = s.range(start, StreamId::MAX).take(limit(count)).collect();
        out.array(items.len());
        for (id, pairs) in items {
            reply_entry(out, id, pairs);
        }
        return true;
    };
    let created = consumer_seen(s, group, consumer, now);
    if history {
        deliver_history(s, group, consumer, start, count, now, out);
    } else {
        deliver_new(s, group, consumer, start, count, parsed.noack, now, out);
    }
    if created {
        ctx.state.dirty += 1;
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
    }
    ctx.state.dirty += 1;
    true
}

fn limit(count: usize) -> usize {
    if count == 0 { usize::MAX } else { count }
}

/// Looks the consumer up, refreshing its seen time, or creates it; true
/// if created.
fn consumer_seen(s: &mut Stream, group: &[u8], consumer: &[u8], now: i64) -> bool {
    let Some(g) = s.groups.get_mut(group) else {
        return false;
    };
    let (c, created) = g.consumer_or_create(consumer, now);
    c.seen_time = now;
    created
}

/// Delivers entries from `start` on to `consumer` as new: the group's last
/// ID and read counter move, and each goes to the consumer's PEL (taken
/// from another consumer if pending there) unless `noack`.
#[allow(clippy::too_many_arguments)]
fn deliver_new(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    noack: bool,
    now: i64,
    out: &mut Out,
) {
    let items: Vec<(StreamId, Box<[Blob]>)> = s
        .range(start, StreamId::MAX)
        .take(limit(count))
        .map(|(id, pairs)| (id, pairs.into()))
        .collect();
    out.array(items.len());
    for (id, pairs) in items {
        s.advance_group(group, id);
        reply_entry(out, id, &pairs);
        if noack {
            continue;
        }
        let Some(g) = s.groups.get_mut(group) else {
            continue;
        };
        if let Some(old) = g.pel.get(&id).map(|n| n.consumer.clone())
            && let Some(c) = g.consumers.get_mut(&old)
        {
            c.pel.remove(&id);
        }
        g.pel.insert(
            id,
            Nack {
                consumer: Blob::new(consumer),
                delivery_time: now,
                delivery_count: 1,
            },
        );
        if let Some(c) = g.consumers.get_mut(consumer) {
            c.pel.insert(id);
        }
    }
}

/// Delivers the consumer's own pending entries from `start` on (its
/// history): an entry deleted since is given as `[id, nil]`; the others
/// count one more delivery.
fn deliver_history(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
    out: &mut Out,
) {
    let ids: Vec<StreamId> = s
        .groups
        .get(group)
        .and_then(|g| g.consumers.get(consumer))
        .map(|c| c.pel.range(start..).take(limit(count)).copied().collect())
        .unwrap_or_default();
    out.array(ids.len());
    for id in ids {
        match s.get(id) {
            Some(pairs) => {
                reply_entry(out, id, pairs);
                if let Some(n) = s.groups.get_mut(group).and_then(|g| g.pel.get_mut(&id)) {
                    n.delivery_time = now;
                    n.delivery_count += 1;
                }
            }
            None => {
                out.array(2);
                reply_id(out, id);
                out.null_array();
            }
        }
    }
}

/// Serves a blocked client from the key that became `ready`, or keeps it
/// waiting.
fn serve_blocked(
    ctx: &mut Ctx<'_>,
    parsed: &ReadArgs,
    keys: &[Bytes],
    id_args: &[Bytes],
    ready: &[u8],
) -> CmdResult {
    let key_refs: Vec<&[u8]> = keys.iter().map(|k| &k[..]).collect();
    let Some(i) = keys.iter().position(|k| &k[..] == ready) else {
        ctx.block(&key_refs, None);
        return Ok(());
    };
    let (db, now) = (ctx.client.db, ctx.now);
    let Some(s) = stream_of(&mut ctx.state.dbs[db], ready, now) else {
        // Redis 7.0 tells a group reader its stream went (deleted, or
        // replaced by another type); a plain reader waits on.
        if parsed.group.is_some() {
            return Err(error::STREAM_KEY_GONE);
        }
        ctx.block(&key_refs, None);
        return Ok(());
    };
    let want = match &parsed.group {
        Some((group, _)) => {
            if !s.groups.contains_key(&group[..]) {
                return Err(error::NOGROUP_BLOCKED);
            }
            Want::New
        }
        None => Want::After(strict_id(&id_args[i]).unwrap_or(StreamId::MAX)),
    };
    if let Want::After(id) = want
        && s.last_id <= id
    {
        ctx.block(&key_refs, None);
        return Ok(());
    }
    let count = if parsed.count == 0 {
        BLOCKED_DEFAULT_COUNT
    } else {
        parsed.count
    };
    let mut one = Out::new(ctx.out.resp());
    if serve_blocked_key(ctx, parsed, ready, want, count, &mut one) {
        match ctx.out.resp() {
            Resp::V2 => ctx.out.array(1),
            Resp::V3 => ctx.out.map(1),
        }
        ctx.out.raw(&one.take());
    } else {
        ctx.block(&key_refs, None);
    }
    Ok(())
}

fn serve_blocked_key(
    ctx: &mut Ctx<'_>,
    parsed: &ReadArgs,
    key: &[u8],
    want: Want,
    count: usize,
    out: &mut Out,
) -> bool {
    if let Want::After(id) = want {
        // Redis serves a reader once the last ID passes what it waited
        // for, even if those entries were trimmed away since.
        let now = ctx.now;
        let Some(s) = stream(ctx, key) else {
            return false;
        };
        if s.last_id <= id {
            return false;
        }
        if out.resp() == Resp::V2 {
            out.array(2);
        }
        out.bulk(key);
        let start = id.next().unwrap_or(StreamId::MAX);
        let items: Vec<_> = s.range(start, StreamId::MAX).take(count).collect();
        out.array(items.len());
        for (id, pairs) in items {
            reply_entry(out, id, pairs);
        }
        let _ = now;
        return true;
    }
    serve_key(ctx, parsed, key, want, count, true, out)
}
