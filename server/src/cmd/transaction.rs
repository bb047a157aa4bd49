//! Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//!
//! Commands after MULTI are queued by the executor (only their name and
//! arity are checked); EXEC runs them all under the one state lock, so no
//! other client sees the transaction half done. A command refused while
//! queueing dooms the transaction (EXECABORT); an error while running one
//! is just that command's reply. WATCH makes EXEC fail (a null reply) if a
//! watched key changed since — written by anyone, expired, or flushed.

use super::acl;
use super::error::{self, CmdResult};
use super::exec::{self, World};
use super::flags::*;
use super::{After, Caller, CommandSpec, Ctx, Multi};
use crate::state::acl::LogContext;

const TX: &str = "transactions";

/// The transaction commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("multi", 1, multi)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .acl("fast transaction")
        .doc(TX, "1.2.0", "Starts a transaction."),
    CommandSpec::new("exec", 1, exec)
        .flags(NOSCRIPT | LOADING | STALE | SKIP_SLOWLOG)
        .acl("slow transaction")
        .doc(TX, "1.2.0", "Executes all commands in a transaction."),
    CommandSpec::new("discard", 1, discard)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .acl("fast transaction")
        .doc(TX, "2.0.0", "Discards a transaction."),
    CommandSpec::new("watch", -2, watch)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .keys(1, -1, 1)
        .acl("fast transaction")
        .doc(
            TX,
            "2.2.0",
            "Monitors changes to keys to determine the execution of a transaction.",
        ),
    CommandSpec::new("unwatch", 1, unwatch)
        .flags(NOSCRIPT | LOADING | STALE | FAST | ALLOW_BUSY)
        .acl("fast transaction")
        .doc(TX, "2.2.0", "Forgets about watched keys of a transaction."),
];

/// # Format
/// `MULTI`
fn multi(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(error::MULTI_NESTED);
    }
    ctx.client.multi = Some(Multi::default());
    set_multi_count(ctx, 0);
    ctx.out.ok();
    Ok(())
}

fn set_multi_count(ctx: &mut Ctx<'_>, n: i64) {
    let id = ctx.client.id;
    if let Some(c) = ctx.state.clients.get_mut(&id) {
        c.multi = n;
    }
}

/// # Format
/// `EXEC`
fn exec(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(multi) = ctx.client.multi.take() else {
        return Err(error::EXEC_WITHOUT_MULTI);
    };
    let id = ctx.client.id;
    let watch_failed = ctx.state.clients.get(&id).is_some_and(|c| c.cas_dirty);
    ctx.state.unwatch_all(id);
    if multi.dirty {
        set_multi_count(ctx, -1);
        return Err(error::EXECABORT);
    }
    if watch_failed {
        set_multi_count(ctx, -1);
        ctx.out.null_array();
        return Ok(());
    }
    ctx.out.array(multi.queue.len());
    let mut world = World {
        state: &mut *ctx.state,
        host: ctx.host,
        now: ctx.now,
        now_us: ctx.now_us,
    };
    for (spec, args) in &multi.queue {
        // Permissions are checked again: they may have changed since the
        // command was queued.
        if let Err(refusal) = acl::check::check(world.state, ctx.client, spec, args) {
            acl::check::log_refusal(
                world.state,
                ctx.client,
                spec,
                args,
                refusal,
                LogContext::Multi,
                world.now,
            );
            let e = error::noperm_in_exec(refusal.reason.into());
            exec::count_error(world.state, &e);
            ctx.out.error_bytes(e.bytes());
            continue;
        }
        let ran = exec::run(
            &mut world,
            ctx.client,
            spec,
            args,
            ctx.out,
            Caller::Exec,
            None,
        );
        if ran.after == After::Close {
            ctx.after = After::Close;
        }
    }
    // Until now CLIENT LIST (and ACL LOG) showed it inside MULTI, as
    // Redis does while EXEC runs.
    set_multi_count(ctx, -1);
    Ok(())
}

/// # Format
/// `DISCARD`
fn discard(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.client.multi.take().is_none() {
        return Err(error::DISCARD_WITHOUT_MULTI);
    }
    set_multi_count(ctx, -1);
    let id = ctx.client.id;
    ctx.state.unwatch_all(id);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `WATCH key [key ...]`
fn watch(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.client.multi.is_some() {
        return Err(error::WATCH_IN_MULTI);
    }
    let (id, db) = (ctx.client.id, ctx.client.db);
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        ctx.state.watch(id, db, key);
    }
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `UNWATCH`
fn unwatch(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    ctx.state.unwatch_all(id);
    ctx.out.ok();
    Ok(())
}
