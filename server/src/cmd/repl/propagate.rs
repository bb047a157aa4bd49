//! Propagation: what a command sends down the replication stream, as
//! Redis 7.0's `call()` and `propagatePendingCommands` decide it.
//!
//! Every command that changed the keyspace (the server's dirty count
//! moved) is propagated as sent, or as it rewrote itself
//! ([`Ctx::propagate_as`](crate::cmd::Ctx::propagate_as)); commands that
//! run others (EXEC, EVAL, FCALL) propagate nothing of their own, their
//! commands do. At the end of the top-level command, what it propagated
//! goes out as one unit: a SELECT when the stream is in another database,
//! MULTI/EXEC around several commands. A replica propagates nothing of
//! its own: it passes on its primary's stream as it came.
//!
//! All of it runs only when [`Repl::on`](crate::state::repl::Repl::on):
//! a server without replicas pays one branch per command.

use bytes::Bytes;

use crate::cmd::{Client, CommandSpec};
use crate::state::State;

/// Commands whose effect is propagated by the commands they run.
fn runs_others(name: &str) -> bool {
    matches!(
        name,
        "exec" | "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    )
}

/// After a command ran (at any depth: a top-level command, one of EXEC's,
/// a script's `redis.call`): records what it propagates. `dirty` is the
/// dirty count before it ran.
pub fn after_run(
    state: &mut State,
    client: &Client,
    spec: &CommandSpec,
    args: &[Bytes],
    dirty: u64,
) {
    let rewrite = state.repl.rewrite.take();
    if !state.repl.is_primary() || runs_others(spec.name) || state.dirty == dirty {
        return;
    }
    match rewrite {
        Some(commands) => {
            for c in commands {
                state.repl.pending.push((client.db, c));
            }
        }
        None => state.repl.pending.push((client.db, args.to_vec())),
    }
}

/// At the end of a top-level command of client `id` (or of a blocked
/// client served): sends what it propagated as one unit, and remembers
/// where the client's writes end in the stream (WAIT's target).
pub fn flush(state: &mut State, id: u64, now: i64) {
    if state.repl.pending.is_empty() {
        return;
    }
    let pending = std::mem::take(&mut state.repl.pending);
    state.repl.emit_units(&pending, now);
    let offset = state.repl.offset;
    state.repl.woff.insert(id, offset);
}
