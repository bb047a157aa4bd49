//! FAILOVER: a primary hands over to one of its replicas, as Redis 7.0's
//! `failoverCommand` and `updateFailoverStatus` do it. Writes are paused;
//! once the target (named, or the first replica that caught up) has
//! acknowledged the whole stream, this server becomes its replica and its
//! PSYNC carries `FAILOVER`, which makes the target promote itself and
//! continue the stream. A TIMEOUT aborts it (or, with FORCE, hands over
//! anyway); ABORT ends it.

use super::{follow, promote};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, Host, PauseMode, is};
use crate::state::State;
use crate::state::repl::{Failover, ReplicaState};

/// # Format
/// `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]`
pub(super) fn failover(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() == 2 && is(ctx.arg(1), "abort") {
        if ctx.state.repl.failover.is_none() {
            return Err(error::FAILOVER_NONE);
        }
        abort(ctx.state, ctx.host);
        ctx.out.ok();
        return Ok(());
    }
    let (mut timeout, mut force, mut target) = (0i64, false, None);
    let mut j = 1;
    while j < ctx.argc() {
        let a = ctx.arg(j);
        if is(a, "timeout") && j + 1 < ctx.argc() && timeout == 0 {
            timeout = crate::cmd::int_arg(ctx.arg(j + 1))?;
            if timeout <= 0 {
                return Err(error::FAILOVER_TIMEOUT);
            }
            j += 2;
        } else if is(a, "to") && j + 2 < ctx.argc() && target.is_none() {
            let port = crate::cmd::int_arg(ctx.arg(j + 2))?;
            target = Some((String::from_utf8_lossy(ctx.arg(j + 1)).into_owned(), port));
            j += 3;
        } else if is(a, "force") && !force {
            force = true;
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let repl = &ctx.state.repl;
    if repl.failover.is_some() {
        return Err(error::FAILOVER_IN_PROGRESS);
    }
    if !repl.is_primary() {
        return Err(error::FAILOVER_ON_REPLICA);
    }
    if repl.replicas.is_empty() {
        return Err(error::FAILOVER_NO_REPLICAS);
    }
    if force && (timeout == 0 || target.is_none()) {
        return Err(error::FAILOVER_FORCE);
    }
    let target = match target {
        Some((host, port)) => {
            let Some(r) = repl
                .replicas
                .values()
                .find(|r| r.ip.eq_ignore_ascii_case(&host) && i64::from(r.port) == port)
            else {
                return Err(error::FAILOVER_NOT_A_REPLICA);
            };
            if r.state != ReplicaState::Online {
                return Err(error::FAILOVER_NOT_ONLINE);
            }
            Some((host, port as u16))
        }
        None => None,
    };
    ctx.state.repl.failover = Some(Failover {
        target,
        deadline: if timeout > 0 { ctx.now + timeout } else { 0 },
        force,
        state: "waiting-for-sync",
    });
    ctx.host.pause_clients(PauseMode::Write, i64::MAX, ctx.now);
    // Redis 7.0 has a PING in the stream once writes are paused (seen in
    // the offsets both ends report afterwards), which the target must
    // acknowledge before the handover: so has redsim.
    let mut ping = Vec::new();
    crate::state::repl::encode_command(&mut ping, &[bytes::Bytes::from_static(b"PING")]);
    ctx.state.repl.feed(&ping, ctx.now);
    ctx.out.ok();
    progress(ctx.state, ctx.host, ctx.now);
    Ok(())
}

/// Ends a FAILOVER that has not handed over: writes resume.
fn abort(state: &mut State, host: &dyn Host) {
    state.repl.failover = None;
    host.unpause_clients();
}

/// Moves a FAILOVER on: hands over once the target has caught up.
pub(super) fn progress(state: &mut State, host: &dyn Host, now: i64) {
    let Some(f) = state.repl.failover.clone() else {
        return;
    };
    if f.state != "waiting-for-sync" {
        return;
    }
    let offset = state.repl.offset;
    let caught_up = state.repl.replicas.values().find(|r| {
        r.state == ReplicaState::Online
            && r.ack_offset >= offset
            && f.target
                .as_ref()
                .is_none_or(|(h, p)| r.ip.eq_ignore_ascii_case(h) && r.port == *p)
    });
    let chosen = match caught_up {
        Some(r) => Some((r.ip.clone(), r.port, r.local)),
        None if f.force && f.deadline > 0 && now > f.deadline => f.target.as_ref().map(|(h, p)| {
            let local = state
                .repl
                .replicas
                .values()
                .find(|r| r.ip.eq_ignore_ascii_case(h) && r.port == *p)
                .is_some_and(|r| r.local);
            (h.clone(), *p, local)
        }),
        None => None,
    };
    let Some((host_name, port, local)) = chosen else {
        return;
    };
    follow(state, host, host_name, port, local, now);
    if let Some(u) = state.repl.upstream_mut() {
        u.failover = true;
    }
    state.repl.failover = Some(Failover {
        state: "failover-in-progress",
        ..f
    });
}

/// The handover is done (the target answered the PSYNC): writes resume
/// (they are refused as READONLY now).
pub fn completed(state: &mut State, host: &dyn Host) {
    if state.repl.failover.take().is_some() {
        host.unpause_clients();
    }
}

/// The target refused the handover: this server is a primary again.
pub fn failed(state: &mut State, host: &dyn Host, now: i64) {
    if state.repl.failover.is_some() {
        promote(state, host, now);
        abort(state, host);
    }
}

/// What time passing does to replication at server-clock `now`: a
/// FAILOVER past its TIMEOUT is aborted, or forced.
pub fn tick(state: &mut State, host: &dyn Host, now: i64) {
    let Some(f) = &state.repl.failover else {
        return;
    };
    if f.deadline == 0 || now <= f.deadline || f.state != "waiting-for-sync" {
        return;
    }
    if f.force {
        progress(state, host, now);
    } else {
        abort(state, host);
    }
}
