//! Serving blocked clients: the executor's stage that runs, at the end of
//! every top-level command, the commands of clients blocked on keys that
//! command made ready.

use crate::cmd::{Caller, Client};
use crate::protocol::Out;

use super::call::{World, run};

/// Serves the waiters of every ready key, first blocked first served, by
/// running their commands again against that key; serving may make more
/// keys ready (BLMOVE pushes), which are served in turn. A waiter whose
/// command finds nothing after all keeps its place in line.
#[inline]
pub fn serve_ready(world: &mut World<'_>) {
    if world.state.blocking.has_ready() {
        serve(world);
    }
}

fn serve(world: &mut World<'_>) {
    while let Some(slot) = world.state.blocking.next_ready() {
        for seq in world.state.blocking.line(&slot) {
            let Some((id, db, resp, args)) = world.state.blocking.serve_next(seq) else {
                continue;
            };
            let Ok(spec) = crate::cmd::resolve(&args) else {
                // It resolved when it blocked; the table does not change.
                continue;
            };
            // The blocked client's command runs as that client, in the
            // database and protocol it blocked in.
            let mut client = Client::new(id, db, resp, true);
            let mut out = Out::new(resp);
            let ran = run(
                world,
                &mut client,
                spec,
                &args,
                &mut out,
                Caller::Unblocked,
                Some(&slot.1),
            );
            match ran.block {
                None => world.state.blocking.answer(seq, out.take()),
                // Still waiting; what it would answer at its deadline may
                // have changed (WAIT's count).
                Some(request) => world
                    .state
                    .blocking
                    .set_timeout_reply(seq, request.timeout_reply),
            }
            if world.state.repl.on {
                crate::cmd::repl::propagate::flush(world.state, id, world.now);
            }
        }
    }
}
