//! The innermost stage of the executor, which every way of running a
//! command ends in: [`run`] builds the command's [`Ctx`] and calls its
//! handler — timed for INFO commandstats, with a panic caught as an error
//! reply, errors counted.

use std::time::Instant;

use bytes::Bytes;

use crate::cmd::error::{self, CmdError};
use crate::cmd::{After, Caller, Client, CommandSpec, Ctx, Host};
use crate::protocol::Out;
use crate::state::State;
use crate::state::waiters::BlockRequest;

/// Panics caught in commands since the process started (a bug in redsim
/// each time; the fuzz harness checks it stays at zero).
pub static PANICS_CAUGHT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A command that runs at least this long makes a batching transport
/// release the state lock before the next one.
pub const LONG_COMMAND_US: u64 = 1_000;

/// Where a command runs: the state, the server around it, and the time.
/// Fixed for one top-level command, and for everything it runs (EXEC's
/// commands, a script's `redis.call`s, the blocked clients it serves).
pub struct World<'a> {
    /// The locked state.
    pub state: &'a mut State,
    /// The server around it.
    pub host: &'a dyn Host,
    /// Server-clock time in Unix milliseconds.
    pub now: i64,
    /// The same instant in microseconds.
    pub now_us: i64,
}

/// What a command asked of whoever runs it, besides its reply.
#[derive(Debug)]
pub struct Ran {
    /// What the connection does after the reply.
    pub after: After,
    /// Set when a blocking command found nothing and asks to wait.
    pub block: Option<BlockRequest>,
    /// Set when the command finishes off the lock: its reply's channel.
    pub detached: Option<tokio::sync::oneshot::Receiver<Vec<u8>>>,
    /// The error the command answered, if it did (also written in the
    /// reply buffer).
    pub error: Option<CmdError>,
}

/// Runs `spec` with `args` for `client`, its reply (or its error, in place
/// of whatever it had written) in `out`. Counts INFO commandstats and
/// errorstats, except for the test's direct writes ([`Caller::Direct`]),
/// which no client sent.
///
/// A panic in the handler (a bug in redsim) is caught here: the client
/// gets an error naming the command, and the server and its other clients
/// go on. What the command changed before it panicked stays changed.
#[allow(clippy::too_many_arguments)]
pub fn run(
    world: &mut World<'_>,
    client: &mut Client,
    spec: &'static CommandSpec,
    args: &[Bytes],
    out: &mut Out,
    caller: Caller,
    ready_key: Option<&[u8]>,
) -> Ran {
    let Some(handler) = spec.handler else {
        // Containers are resolved to a subcommand before they get here.
        return Ran {
            after: After::Continue,
            block: None,
            detached: None,
            error: None,
        };
    };
    run_body(world, client, spec, args, out, caller, ready_key, handler)
}

/// [`run`] with `body` in place of the command's handler: how a command
/// that went off the lock (MIGRATE) ends, counted and guarded as any.
#[allow(clippy::too_many_arguments)]
pub fn run_body(
    world: &mut World<'_>,
    client: &mut Client,
    spec: &'static CommandSpec,
    args: &[Bytes],
    out: &mut Out,
    caller: Caller,
    ready_key: Option<&[u8]>,
    body: impl FnOnce(&mut Ctx<'_>) -> crate::cmd::error::CmdResult,
) -> Ran {
    let mark = out.len();
    if !world.state.introspect.monitors.is_empty()
        && caller != Caller::Direct
        && caller != Caller::Unblocked
        && crate::cmd::introspect::feeds_monitor_first(spec)
    {
        // Scripts show before their calls.
        crate::cmd::introspect::feed_monitors(world.state, client, caller, args, world.now_us);
    }
    let dirty = world.state.dirty;
    let started = client.since.unwrap_or_else(|| micros(Instant::now()));
    let mut ctx = Ctx {
        state: &mut *world.state,
        client: &mut *client,
        host: world.host,
        args,
        out: &mut *out,
        now: world.now,
        now_us: world.now_us,
        caller,
        after: After::Continue,
        block: None,
        ready_key,
        detached: None,
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| body(&mut ctx)))
        .unwrap_or_else(|panic| {
            PANICS_CAUGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // A script interrupted by the panic is not running any more.
            world.host.script_ended();
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            tracing::error!(target: "redsim", command = spec.name, "command panicked: {what}");
            Err(error::internal_panic(spec.name, &what))
        });
    let mut ran = Ran {
        after: ctx.after,
        block: ctx.block.take(),
        detached: ctx.detached.take(),
        error: None,
    };
    if world.state.repl.on {
        crate::cmd::repl::propagate::after_run(world.state, client, spec, args, dirty);
    }
    if world.state.tracking.active()
        && spec.has(crate::cmd::flags::READONLY)
        && caller != Caller::Script
        && !matches!(spec.name, "eval_ro" | "evalsha_ro" | "fcall_ro")
    {
        remember_tracked_keys(world.state, client.id, spec, args);
    }
    let ended = micros(Instant::now());
    client.since = Some(ended);
    if caller == Caller::Direct {
        if let Err(e) = result {
            out.truncate(mark);
            out.error_bytes(e.bytes());
            ran.error = Some(e);
        }
        return ran;
    }
    // A difference of whole microseconds, as Redis takes it: a command of
    // 0.3 µs counts 0 or 1, and the sum over many comes out right, where
    // truncating each command's own duration would count every fast
    // command as 0 forever.
    let usec = ended.saturating_sub(started);
    if usec >= LONG_COMMAND_US {
        client.ran_long = true;
    }
    let stats = &mut world.state.stats;
    stats.commands_processed += 1;
    let stat = stats.commands.entry(spec.name).or_default();
    stat.calls += 1;
    stat.usec += usec;
    if world.state.introspect.latency_tracking {
        crate::cmd::introspect::count_latency(&mut stat.histogram, usec);
    }
    if result.is_err() {
        stat.failed += 1;
    }
    observe(world, client, caller, spec, args, usec, ran.block.is_some());
    if let Err(e) = result {
        out.truncate(mark);
        out.error_bytes(e.bytes());
        count_error(world.state, &e);
        ran.error = Some(e);
    }
    ran
}

/// What MONITOR, SLOWLOG and the latency monitor learn of a command that
/// ran: nothing, unless one of them is on (a comparison each).
#[inline]
fn observe(
    world: &mut World<'_>,
    client: &Client,
    caller: Caller,
    spec: &'static CommandSpec,
    args: &[Bytes],
    usec: u64,
    blocked: bool,
) {
    let intro = &world.state.introspect;
    // A blocked command shows in MONITOR when sent, and in the slow log
    // and latency monitor when it completes.
    let monitor = !intro.monitors.is_empty()
        && caller != Caller::Unblocked
        && crate::cmd::introspect::feeds_monitor_after(spec);
    let slow_or_late = !blocked
        && (intro.is_slow(usec)
            || (intro.latency_threshold > 0 && usec / 1000 >= intro.latency_threshold as u64));
    if monitor {
        crate::cmd::introspect::feed_monitors(world.state, client, caller, args, world.now_us);
    }
    if slow_or_late {
        crate::cmd::introspect::record(world.state, client, caller, spec, args, usec, world.now_us);
    }
}

/// After a read-only command: its keys are remembered as cached by its
/// client, if that client tracks them. A read-only script itself
/// remembers nothing, as in Redis 7.0: the reads it makes do, and they
/// remember the keys the script declared (see the script bridge).
#[cold]
pub(super) fn remember_tracked_keys(
    state: &mut State,
    id: u64,
    spec: &CommandSpec,
    args: &[Bytes],
) {
    let tracking = state.clients.get(&id).and_then(|c| c.tracking.as_ref());
    if tracking.is_none_or(|t| t.bcast) {
        return;
    }
    let Some(cmd) = crate::cmd::meta::meta().get(spec.name) else {
        return;
    };
    let keys = crate::cmd::meta::keys::keys(cmd, args);
    state.remember_tracked_keys(id, keys.iter().map(|k| &args[k.pos][..]));
}

/// Microseconds from a fixed instant of this process to `at`.
pub(super) fn micros(at: Instant) -> u64 {
    at.saturating_duration_since(anchor()).as_micros() as u64
}

fn anchor() -> Instant {
    static ANCHOR: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ANCHOR.get_or_init(Instant::now)
}

/// Counts an error reply in INFO's errorstats.
pub fn count_error(state: &mut State, e: &CmdError) {
    state.stats.error_replies += 1;
    *state.stats.errors.entry(e.code().to_string()).or_default() += 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn command_time_is_a_difference_of_whole_microseconds() {
        let at = |ns| anchor() + Duration::from_nanos(ns);
        // 0.3 µs across a microsecond boundary counts 1, within one
        // counts 0: the sum over many commands follows their real time.
        assert_eq!(micros(at(1_000_100)) - micros(at(999_800)), 1);
        assert_eq!(micros(at(1_000_400)) - micros(at(1_000_100)), 0);
        let total: u64 = (0..1000u64)
            .map(|i| micros(at(i * 300 + 300)) - micros(at(i * 300)))
            .sum();
        assert_eq!(total, 300);
    }
}
