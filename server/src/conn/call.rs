//! [`call`]: running one command's handler — timing it for INFO
//! commandstats, catching a panic as an error reply, counting errors.

use std::time::Instant;

use super::session::LONG_COMMAND_US;
use crate::cmd::{CmdError, CommandSpec, Ctx};
use crate::state::State;

/// Panics caught in commands since the process started (a bug in redsim
/// each time; the fuzz harness checks it stays at zero).
pub static PANICS_CAUGHT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Runs `spec` in `ctx`: the handler's reply, or its error in place of
/// whatever it had written. Counts INFO commandstats and errorstats.
///
/// A panic in the handler (a bug in redsim) is caught here: the client
/// gets an error naming the command, and the server and its other clients
/// go on. What the command changed before it panicked stays changed.
pub fn call(spec: &'static CommandSpec, ctx: &mut Ctx<'_>) {
    let Some(handler) = spec.handler else {
        return;
    };
    let mark = ctx.out.len();
    let started = ctx.session.since.unwrap_or_else(Instant::now);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| handler(ctx)))
        .unwrap_or_else(|panic| {
            PANICS_CAUGHT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            // A script interrupted by the panic is not running any more.
            *ctx.shared.running_script.lock() = None;
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            tracing::error!(target: "redsim", command = spec.name, "command panicked: {what}");
            Err(crate::cmd::error::internal_panic(spec.name, &what))
        });
    let ended = Instant::now();
    ctx.session.since = Some(ended);
    // A difference of whole microseconds, as Redis takes it: a command of
    // 0.3 µs counts 0 or 1, and the sum over many comes out right, where
    // truncating each command's own duration would count every fast
    // command as 0 forever.
    let usec = micros(ended).saturating_sub(micros(started));
    if usec >= LONG_COMMAND_US {
        ctx.session.ran_long = true;
    }
    let stats = &mut ctx.state.stats;
    stats.commands_processed += 1;
    let stat = stats.commands.entry(spec.name).or_default();
    stat.calls += 1;
    stat.usec += usec;
    if let Err(e) = result {
        stat.failed += 1;
        ctx.out.truncate(mark);
        ctx.out.error(e.text());
        count_error(ctx.state, &e);
    }
}

/// Microseconds from a fixed instant of this process to `at`.
fn micros(at: Instant) -> u64 {
    at.saturating_duration_since(anchor()).as_micros() as u64
}

fn anchor() -> Instant {
    static ANCHOR: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ANCHOR.get_or_init(Instant::now)
}

pub(super) fn count_error(state: &mut State, e: &CmdError) {
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
