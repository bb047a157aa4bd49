//! Pending entries: XPENDING (summary and extended form), XCLAIM and
//! XAUTOCLAIM. Idle times are measured on the server clock.

use super::access::{Access, interval_id, parts, probe, reply_entry, reply_id, stream, strict_id};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{CmdError, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::stream::group::Nack;
use crate::db::stream::{Stream, StreamId};

/// The key's stream and group must exist (`NOGROUP … '<tail>`), after the
/// type check.
fn need_group(ctx: &mut Ctx<'_>, key: &[u8], group: &[u8], tail: &str) -> Result<(), CmdError> {
    let exists = probe(ctx, key, Access::Read)?;
    if exists && stream(ctx, key).is_some_and(|s| s.groups.contains_key(group)) {
        Ok(())
    } else {
        Err(error::nogroup_key_or_group(key, group, tail))
    }
}

/// # Format
/// `XPENDING key group [[IDLE min-idle-time] start end count [consumer]]`
pub(super) fn xpending(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let argc = args.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        return Err(error::SYNTAX);
    }
    let mut range = None;
    if argc >= 6 {
        let mut at = 3;
        let mut min_idle = 0;
        if is(&args[3], "idle") {
            min_idle = int_arg(&args[4])?;
            if argc < 8 {
                return Err(error::SYNTAX);
            }
            at += 2;
        }
        let count = usize::try_from(int_arg(&args[at + 2])?).unwrap_or(0);
        let start = match interval_id(&args[at], 0)? {
            (id, true) => id.next().ok_or(error::INVALID_START_ID)?,
            (id, false) => id,
        };
        let end = match interval_id(&args[at + 1], u64::MAX)? {
            (id, true) => id.prev().ok_or(error::INVALID_END_ID)?,
            (id, false) => id,
        };
        let consumer = args.get(at + 3).cloned();
        range = Some((min_idle, start, end, count, consumer));
    }
    let (key, group) = (&args[1][..], &args[2][..]);
    need_group(ctx, key, group, "")?;
    let now = ctx.now;
    let (Some(s), out) = parts(ctx, key) else {
        return Ok(());
    };
    let Some(g) = s.groups.get(group) else {
        return Ok(());
    };
    let Some((min_idle, start, end, count, consumer)) = range else {
        out.array(4);
        out.int(g.pel.len() as i64);
        let (Some((first, _)), Some((last, _))) = (g.pel.first_key_value(), g.pel.last_key_value())
        else {
            out.null();
            out.null();
            out.null_array();
            return Ok(());
        };
        reply_id(out, *first);
        reply_id(out, *last);
        let owners: Vec<_> = g
            .consumers
            .iter()
            .filter(|(_, c)| !c.pel.is_empty())
            .collect();
        out.array(owners.len());
        for (name, c) in owners {
            out.array(2);
            out.bulk(name);
            out.bulk_int(c.pel.len() as i64);
        }
        return Ok(());
    };
    let ids: Vec<StreamId> = match &consumer {
        Some(name) => match g.consumers.get(&name[..]) {
            Some(c) if start <= end => c.pel.range(start..=end).copied().collect(),
            Some(_) => Vec::new(),
            None => {
                out.array(0);
                return Ok(());
            }
        },
        None if start <= end => g.pel.range(start..=end).map(|(id, _)| *id).collect(),
        None => Vec::new(),
    };
    let rows: Vec<(StreamId, &Nack)> = ids
        .into_iter()
        .filter_map(|id| g.pel.get(&id).map(|n| (id, n)))
        .filter(|(_, n)| min_idle == 0 || now - n.delivery_time >= min_idle)
        .take(count)
        .collect();
    out.array(rows.len());
    for (id, n) in rows {
        out.array(4);
        reply_id(out, id);
        out.bulk(&n.consumer);
        out.int((now - n.delivery_time).max(0));
        out.int(n.delivery_count as i64);
    }
    Ok(())
}

/// Gives pending entry `id` to `consumer` (created if missing; true if so)
/// with a new delivery time, counting a delivery unless `keep_count`;
/// `retry` sets the count instead.
fn claim_one(
    g: &mut crate::db::stream::group::Group,
    id: StreamId,
    consumer: &[u8],
    delivery_time: i64,
    retry: Option<i64>,
    keep_count: bool,
) {
    let Some(n) = g.pel.get_mut(&id) else {
        return;
    };
    n.delivery_time = delivery_time;
    match retry {
        Some(r) => n.delivery_count = r as u64,
        None if !keep_count => n.delivery_count += 1,
        None => {}
    }
    g.assign(id, consumer);
}

/// Looks the consumer up (refreshing its seen time) or creates it.
fn touch_consumer(ctx: &mut Ctx<'_>, key: &[u8], group: &[u8], consumer: &[u8]) {
    let now = ctx.now;
    let created = stream(ctx, key)
        .and_then(|s| s.groups.get_mut(group))
        .is_some_and(|g| {
            let (c, created) = g.consumer_or_create(consumer, now);
            c.seen_time = now;
            created
        });
    if created {
        ctx.state.dirty += 1;
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
    }
}

/// Drops pending entry `id` whose entry was deleted.
fn forget(s: &mut Stream, group: &[u8], id: StreamId) {
    if let Some(g) = s.groups.get_mut(group) {
        g.ack(id);
    }
}

/// # Format
/// `XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]`
pub(super) fn xclaim(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let (key, group, consumer) = (&args[1][..], &args[2][..], &args[3][..]);
    need_group(ctx, key, group, "")?;
    let min_idle = crate::num::parse_i64(&args[4])
        .ok_or(error::XCLAIM_MIN_IDLE)?
        .max(0);
    let mut j = 5;
    let mut ids = Vec::new();
    while j < args.len() {
        match strict_id(&args[j]) {
            Ok(id) => ids.push(id),
            Err(_) => break,
        }
        j += 1;
    }
    let now = ctx.now;
    let (mut force, mut justid) = (false, false);
    let mut delivery: Option<i64> = None;
    let mut retry: Option<i64> = None;
    let mut last_id = StreamId::MIN;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let opt = &args[j][..];
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            let idle = crate::num::parse_i64(&args[j]).ok_or(error::XCLAIM_IDLE)?;
            delivery = Some(now.wrapping_sub(idle));
        } else if is(opt, "time") && more > 0 {
            j += 1;
            delivery = Some(crate::num::parse_i64(&args[j]).ok_or(error::XCLAIM_TIME)?);
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            retry = Some(crate::num::parse_i64(&args[j]).ok_or(error::XCLAIM_RETRYCOUNT)?);
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = strict_id(&args[j])?;
        } else {
            return Err(error::xclaim_option(opt));
        }
        j += 1;
    }
    let delivery = match delivery {
        Some(d) if d >= 0 && d <= now => d,
        _ => now,
    };
    let retry = retry.filter(|&r| r >= 0);
    if let Some(g) = stream(ctx, key).and_then(|s| s.groups.get_mut(group))
        && last_id > g.last_id
    {
        g.last_id = last_id;
    }
    let mut out = crate::protocol::Out::new(ctx.out.resp());
    let mut claimed = 0;
    let mut consumer_ready = false;
    for id in ids {
        let Some(s) = stream(ctx, key) else {
            break;
        };
        if s.get(id).is_none() {
            if s.groups.get(group).is_some_and(|g| g.pel.contains_key(&id)) {
                forget(s, group, id);
                ctx.state.dirty += 1;
            }
            continue;
        }
        let Some(g) = s.groups.get_mut(group) else {
            break;
        };
        let mut fresh = false;
        if force && !g.pel.contains_key(&id) {
            g.pel.insert(
                id,
                Nack {
                    consumer: Blob::empty(),
                    delivery_time: now,
                    delivery_count: 1,
                },
            );
            fresh = true;
        }
        let Some(n) = g.pel.get(&id) else {
            continue;
        };
        if !fresh && min_idle > 0 && now - n.delivery_time < min_idle {
            continue;
        }
        if !consumer_ready {
            touch_consumer(ctx, key, group, consumer);
            consumer_ready = true;
        }
        let Some(s) = stream(ctx, key) else {
            break;
        };
        if let Some(g) = s.groups.get_mut(group) {
            claim_one(g, id, consumer, delivery, retry, justid);
        }
        if justid {
            reply_id(&mut out, id);
        } else if let Some(pairs) = s.get(id) {
            reply_entry(&mut out, id, pairs);
        } else {
            out.null();
        }
        claimed += 1;
        ctx.state.dirty += 1;
    }
    ctx.out.array(claimed);
    ctx.out.raw(&out.take());
    Ok(())
}

/// # Format
/// `XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]`
pub(super) fn xautoclaim(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let (key, group, consumer) = (&args[1][..], &args[2][..], &args[3][..]);
    let min_idle = crate::num::parse_i64(&args[4])
        .ok_or(error::XAUTOCLAIM_MIN_IDLE)?
        .max(0);
    let start = match interval_id(&args[5], 0)? {
        (id, true) => id.next().ok_or(error::INVALID_START_ID)?,
        (id, false) => id,
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        if is(&args[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            count = crate::num::parse_i64(&args[j + 1])
                .filter(|n| (1..=max).contains(n))
                .ok_or(error::XAUTOCLAIM_COUNT)?;
            j += 1;
        } else if is(&args[j], "justid") {
            justid = true;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    need_group(ctx, key, group, "")?;
    let now = ctx.now;
    let mut attempts = count.saturating_mul(10);
    let ids: Vec<StreamId> = stream(ctx, key)
        .and_then(|s| s.groups.get(group))
        .map(|g| g.pel.range(start..).map(|(id, _)| *id).collect())
        .unwrap_or_default();
    let mut out = crate::protocol::Out::new(ctx.out.resp());
    let mut claimed = 0;
    let mut deleted = Vec::new();
    let mut consumer_ready = false;
    let mut next = 0;
    while next < ids.len() {
        if attempts == 0 || count == 0 {
            break;
        }
        attempts -= 1;
        let id = ids[next];
        next += 1;
        let Some(s) = stream(ctx, key) else {
            break;
        };
        if s.get(id).is_none() {
            forget(s, group, id);
            ctx.state.dirty += 1;
            deleted.push(id);
            count -= 1;
            continue;
        }
        let idle_enough = s
            .groups
            .get(group)
            .and_then(|g| g.pel.get(&id))
            .is_some_and(|n| min_idle == 0 || now - n.delivery_time >= min_idle);
        if !idle_enough {
            continue;
        }
        if !consumer_ready {
            touch_consumer(ctx, key, group, consumer);
            consumer_ready = true;
        }
        let Some(s) = stream(ctx, key) else {
            break;
        };
        if let Some(g) = s.groups.get_mut(group) {
            claim_one(g, id, consumer, now, None, justid);
        }
        if justid {
            reply_id(&mut out, id);
        } else if let Some(pairs) = s.get(id) {
            reply_entry(&mut out, id, pairs);
        }
        claimed += 1;
        count -= 1;
        ctx.state.dirty += 1;
    }
    let cursor = ids.get(next).copied().unwrap_or(StreamId::MIN);
    ctx.out.array(3);
    reply_id(ctx.out, cursor);
    ctx.out.array(claimed);
    ctx.out.raw(&out.take());
    ctx.out.array(deleted.len());
    for id in deleted {
        reply_id(ctx.out, id);
    }
    Ok(())
}
