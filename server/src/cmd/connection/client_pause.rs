//! CLIENT PAUSE and CLIENT UNPAUSE: clients pausing the server.
//!
//! The pause itself (what it holds, how overlapping pauses merge, when it
//! ends on the server clock) is the fault registry's; these commands parse
//! Redis 7.0's syntax and hand it over.

use crate::cmd::error::{self, CmdResult};
use crate::cmd::flags::*;
use crate::cmd::{CommandSpec, Ctx, PauseMode, is};

/// `CLIENT PAUSE`.
pub const PAUSE: CommandSpec = CommandSpec::new("client|pause", -3, client_pause)
    .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
    .acl("admin slow dangerous connection")
    .doc(
        "connection",
        "2.9.50",
        "Suspends the processing of clients' commands for a while.",
    );

/// `CLIENT UNPAUSE`.
pub const UNPAUSE: CommandSpec = CommandSpec::new("client|unpause", 2, client_unpause)
    .flags(ADMIN | NOSCRIPT | LOADING | STALE | SENTINEL)
    .acl("admin slow dangerous connection")
    .doc(
        "connection",
        "6.2.0",
        "Resumes the processing of paused clients' commands.",
    );

/// # Format
/// `CLIENT PAUSE timeout [WRITE | ALL]` — `timeout` in milliseconds of the
/// server clock.
fn client_pause(ctx: &mut Ctx<'_>) -> CmdResult {
    let timeout = crate::num::parse_i64(ctx.arg(2)).ok_or(error::PAUSE_TIMEOUT)?;
    if timeout < 0 {
        return Err(error::TIMEOUT_NEGATIVE);
    }
    let mode = match ctx.argc() {
        3 => PauseMode::All,
        4 if is(ctx.arg(3), "write") => PauseMode::Write,
        4 if is(ctx.arg(3), "all") => PauseMode::All,
        4 => {
            return Err(error::PAUSE_MODE);
        }
        _ => return Err(error::subcommand_syntax(ctx.arg(1), "client")),
    };
    let end = ctx.now.saturating_add(timeout);
    ctx.host.pause_clients(mode, end, ctx.now);
    // Keys stop expiring while clients are paused, as in Redis 7.0.
    let paused = ctx.host.clients_paused(ctx.now);
    ctx.state.hold_expiry(paused, ctx.now);
    // The ticker sleeps until the next deadline it knows of.
    ctx.host.deadlines_changed(ctx.state);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLIENT UNPAUSE`
fn client_unpause(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.host.unpause_clients();
    ctx.state.hold_expiry(false, ctx.now);
    ctx.out.ok();
    Ok(())
}
