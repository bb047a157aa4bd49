//! Consumer groups: the XGROUP subcommands and XACK.
//!
//! XGROUP's subcommands share Redis's preamble (`xgroupCommand`): CREATE's
//! options are read first, then the key (which must exist unless CREATE
//! has MKSTREAM), then the group (which SETID, CREATECONSUMER and
//! DELCONSUMER need).

use super::access::{Access, create, parse_id, probe, stream, strict_id};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{CmdError, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::Blob;
use crate::db::stream::StreamId;
use crate::db::stream::group::Group;

/// What the preamble found: whether CREATE asked for MKSTREAM, its
/// ENTRIESREAD, and whether the key holds a stream.
struct Preamble {
    mkstream: bool,
    entries_read: Option<i64>,
    exists: bool,
}

/// An ENTRIESREAD value: `-1` (unknown) or a count.
fn entries_read_arg(arg: &[u8]) -> Result<Option<i64>, CmdError> {
    let n = int_arg(arg)?;
    if n < -1 {
        return Err(error::ENTRIES_READ_NEGATIVE);
    }
    Ok((n != -1).then_some(n))
}

fn preamble(ctx: &mut Ctx<'_>, needs_group: bool) -> Result<Preamble, CmdError> {
    let args = ctx.args;
    let sub = &args[1][..];
    let mut found = Preamble {
        mkstream: false,
        entries_read: None,
        exists: false,
    };
    if is(sub, "create") {
        let mut i = 5;
        while i < args.len() {
            if is(&args[i], "mkstream") {
                found.mkstream = true;
                i += 1;
            } else if is(&args[i], "entriesread") && i + 1 < args.len() {
                found.entries_read = entries_read_arg(&args[i + 1])?;
                i += 2;
            } else {
                return Err(error::subcommand_syntax(sub, "xgroup"));
            }
        }
    }
    let key = &args[2][..];
    found.exists = probe(ctx, key, Access::Write)?;
    if !found.mkstream {
        if !found.exists {
            return Err(error::XGROUP_NEEDS_KEY);
        }
        let group = &args[3][..];
        let has = stream(ctx, key).is_some_and(|s| s.groups.contains_key(group));
        if !has && needs_group {
            return Err(error::nogroup_for_key(group, key));
        }
    }
    Ok(found)
}

/// # Format
/// `XGROUP CREATE key group id | $ [MKSTREAM] [ENTRIESREAD entries-read]`
pub(super) fn create_group(ctx: &mut Ctx<'_>) -> CmdResult {
    let found = preamble(ctx, false)?;
    let args = ctx.args;
    if args.len() > 8 {
        return Err(error::subcommand_syntax(&args[1], "xgroup"));
    }
    let (key, name) = (&args[2][..], &args[3][..]);
    let id = if &args[4][..] == b"$" {
        stream(ctx, key).map_or(StreamId::MIN, |s| s.last_id)
    } else {
        strict_id(&args[4])?
    };
    if !found.exists {
        create(ctx, key);
        ctx.key_modified(key);
        // key_modified counted a change; Redis counts the group only.
        ctx.state.dirty -= 1;
    }
    let Some(s) = stream(ctx, key) else {
        return Ok(());
    };
    if s.groups.contains_key(name) {
        return Err(error::BUSYGROUP);
    }
    s.groups
        .insert(Blob::new(name), Group::new(id, found.entries_read));
    ctx.out.ok();
    ctx.state.dirty += 1;
    ctx.notify(notify::STREAM, "xgroup-create", key);
    Ok(())
}

/// # Format
/// `XGROUP SETID key group id | $ [ENTRIESREAD entries-read]`
pub(super) fn setid(ctx: &mut Ctx<'_>) -> CmdResult {
    preamble(ctx, true)?;
    let args = ctx.args;
    if args.len() != 5 && args.len() != 7 {
        return Err(error::subcommand_syntax(&args[1], "xgroup"));
    }
    let (key, name) = (&args[2][..], &args[3][..]);
    let id = if &args[4][..] == b"$" {
        stream(ctx, key).map_or(StreamId::MIN, |s| s.last_id)
    } else {
        parse_id(&args[4], 0, false, false)?.id
    };
    let mut entries_read = None;
    if args.len() == 7 {
        if !is(&args[5], "entriesread") {
            return Err(error::subcommand_syntax(&args[1], "xgroup"));
        }
        entries_read = entries_read_arg(&args[6])?;
    }
    if let Some(g) = stream(ctx, key).and_then(|s| s.groups.get_mut(name)) {
        g.last_id = id;
        g.entries_read = entries_read;
    }
    ctx.out.ok();
    ctx.state.dirty += 1;
    ctx.notify(notify::STREAM, "xgroup-setid", key);
    Ok(())
}

/// # Format
/// `XGROUP DESTROY key group`
pub(super) fn destroy(ctx: &mut Ctx<'_>) -> CmdResult {
    preamble(ctx, false)?;
    let (key, name) = (ctx.arg(2), ctx.arg(3));
    let removed = stream(ctx, key).is_some_and(|s| s.groups.remove(name).is_some());
    if removed {
        ctx.out.int(1);
        ctx.state.dirty += 1;
        ctx.notify(notify::STREAM, "xgroup-destroy", key);
        // Blocked XREADGROUPs on it learn the group is gone (NOGROUP).
        let db = ctx.client.db;
        ctx.state.blocking.signal(db, key);
    } else {
        ctx.out.int(0);
    }
    Ok(())
}

/// # Format
/// `XGROUP CREATECONSUMER key group consumer`
pub(super) fn createconsumer(ctx: &mut Ctx<'_>) -> CmdResult {
    preamble(ctx, true)?;
    let (key, name, consumer) = (ctx.arg(2), ctx.arg(3), ctx.arg(4));
    let now = ctx.now;
    let created = stream(ctx, key)
        .and_then(|s| s.groups.get_mut(name))
        .is_some_and(|g| g.consumer_or_create(consumer, now).1);
    if created {
        ctx.state.dirty += 1;
        ctx.notify(notify::STREAM, "xgroup-createconsumer", key);
    }
    ctx.out.int(i64::from(created));
    Ok(())
}

/// # Format
/// `XGROUP DELCONSUMER key group consumer`
pub(super) fn delconsumer(ctx: &mut Ctx<'_>) -> CmdResult {
    preamble(ctx, true)?;
    let (key, name, consumer) = (ctx.arg(2), ctx.arg(3), ctx.arg(4));
    let pending = stream(ctx, key)
        .and_then(|s| s.groups.get_mut(name))
        .and_then(|g| g.delete_consumer(consumer));
    if pending.is_some() {
        ctx.state.dirty += 1;
        ctx.notify(notify::STREAM, "xgroup-delconsumer", key);
    }
    ctx.out.int(pending.unwrap_or(0) as i64);
    Ok(())
}

/// # Format
/// `XGROUP HELP`
pub(super) fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "XGROUP",
        &[
            "CREATE <key> <groupname> <id|$> [option]",
            "    Create a new consumer group. Options are:",
            "    * MKSTREAM",
            "      Create the empty stream if it does not exist.",
            "    * ENTRIESREAD entries_read",
            "      Set the group's entries_read counter (internal use).",
            "CREATECONSUMER <key> <groupname> <consumer>",
            "    Create a new consumer in the specified group.",
            "DELCONSUMER <key> <groupname> <consumer>",
            "    Remove the specified consumer.",
            "DESTROY <key> <groupname>",
            "    Remove the specified group.",
            "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
            "    Set the current group ID and entries_read counter.",
        ],
    );
    Ok(())
}

/// # Format
/// `XACK key group id [id ...]`
pub(super) fn xack(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, name) = (ctx.arg(1), ctx.arg(2));
    let exists = probe(ctx, key, Access::Read)?;
    let has_group = exists && stream(ctx, key).is_some_and(|s| s.groups.contains_key(name));
    if !has_group {
        ctx.out.int(0);
        return Ok(());
    }
    let ids = ctx.args[3..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let acked = stream(ctx, key)
        .and_then(|s| s.groups.get_mut(name))
        .map_or(0, |g| ids.iter().filter(|&&id| g.ack(id)).count());
    ctx.state.dirty += acked as u64;
    ctx.out.int(acked as i64);
    Ok(())
}
