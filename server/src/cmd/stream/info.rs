//! XINFO STREAM (with FULL [COUNT]), XINFO GROUPS, XINFO CONSUMERS and
//! XINFO HELP, in Redis 7.0's fields and order.

use super::access::{Access, parts, probe, reply_entry, reply_id};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{CmdError, Ctx, int_arg, is};
use crate::db::stream::Stream;
use crate::db::stream::group::Group;
use crate::protocol::Out;

/// The stream at argument 2, which must exist (`ERR no such key`).
fn need_stream(ctx: &mut Ctx<'_>) -> Result<(), CmdError> {
    if probe(ctx, ctx.arg(2), Access::Read)? {
        Ok(())
    } else {
        Err(error::NO_SUCH_KEY)
    }
}

/// A group's lag, or nil where it cannot be known.
fn reply_lag(out: &mut Out, s: &Stream, g: &Group) {
    match s.lag(g) {
        Some(lag) => out.int(lag),
        None => out.null(),
    }
}

fn reply_entries_read(out: &mut Out, g: &Group) {
    match g.entries_read {
        Some(n) => out.int(n),
        None => out.null(),
    }
}

/// # Format
/// `XINFO STREAM key [FULL [COUNT count]]`
pub(super) fn stream_info(ctx: &mut Ctx<'_>) -> CmdResult {
    need_stream(ctx)?;
    let args = ctx.args;
    let rest = &args[3..];
    let mut full = false;
    let mut count = 10usize;
    if !rest.is_empty() {
        if !is(&rest[0], "full") {
            return Err(error::subcommand_syntax(&args[1], "xinfo"));
        }
        full = true;
        if rest.len() > 1 {
            if rest.len() != 3 || !is(&rest[1], "count") {
                return Err(error::subcommand_syntax(&args[1], "xinfo"));
            }
            count = usize::try_from(int_arg(&rest[2])?).unwrap_or(0);
        }
    }
    let key = ctx.arg(2);
    let (Some(s), out) = parts(ctx, key) else {
        return Ok(());
    };
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.len() as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.nodes().len() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.nodes().rax_nodes() as i64);
    out.bulk(b"last-generated-id");
    reply_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    reply_id(out, s.max_deleted);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    reply_id(out, s.first_id());
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        out.bulk(b"first-entry");
        match s.first() {
            Some((id, pairs)) => reply_entry(out, id, pairs),
            None => out.null(),
        }
        out.bulk(b"last-entry");
        match s.last() {
            Some((id, pairs)) => reply_entry(out, id, pairs),
            None => out.null(),
        }
        return Ok(());
    }
    let take = if count == 0 { usize::MAX } else { count };
    out.bulk(b"entries");
    let entries: Vec<_> = s
        .range(Default::default(), crate::db::stream::StreamId::MAX)
        .take(take)
        .collect();
    out.array(entries.len());
    for (id, pairs) in entries {
        reply_entry(out, id, pairs);
    }
    out.bulk(b"groups");
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_entries_read(out, g);
        out.bulk(b"lag");
        reply_lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let pel: Vec<_> = g.pel.iter().take(take).collect();
        out.array(pel.len());
        for (id, n) in pel {
            out.array(4);
            reply_id(out, *id);
            out.bulk(&n.consumer);
            out.int(n.delivery_time);
            out.int(n.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let own: Vec<_> = c.pel.iter().take(take).collect();
            out.array(own.len());
            for id in own {
                let n = g.pel.get(id);
                out.array(3);
                reply_id(out, *id);
                out.int(n.map_or(0, |n| n.delivery_time));
                out.int(n.map_or(0, |n| n.delivery_count as i64));
            }
        }
    }
    Ok(())
}

/// # Format
/// `XINFO GROUPS key`
pub(super) fn groups(ctx: &mut Ctx<'_>) -> CmdResult {
    need_stream(ctx)?;
    let key = ctx.arg(2);
    let (Some(s), out) = parts(ctx, key) else {
        return Ok(());
    };
    out.array(s.groups.len());
    for (name, g) in &s.groups {
        out.map(6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_entries_read(out, g);
        out.bulk(b"lag");
        reply_lag(out, s, g);
    }
    Ok(())
}

/// # Format
/// `XINFO CONSUMERS key group`
pub(super) fn consumers(ctx: &mut Ctx<'_>) -> CmdResult {
    need_stream(ctx)?;
    let (key, group) = (ctx.arg(2), ctx.arg(3));
    let now = ctx.now;
    let (Some(s), out) = parts(ctx, key) else {
        return Ok(());
    };
    let Some(g) = s.groups.get(group) else {
        return Err(error::nogroup_for_key(group, key));
    };
    out.array(g.consumers.len());
    for (name, c) in &g.consumers {
        out.map(3);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"pending");
        out.int(c.pel.len() as i64);
        out.bulk(b"idle");
        out.int((now - c.seen_time).max(0));
    }
    Ok(())
}

/// # Format
/// `XINFO HELP`
pub(super) fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "XINFO",
        &[
            "CONSUMERS <key> <groupname>",
            "    Show consumers of <groupname>.",
            "GROUPS <key>",
            "    Show the stream consumer groups.",
            "STREAM <key> [FULL [COUNT <count>]",
            "    Show information about the stream.",
        ],
    );
    Ok(())
}
