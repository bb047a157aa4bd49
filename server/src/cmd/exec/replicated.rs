//! The executor's way for a replica's primary: [`replicated`] runs one
//! command of the replication stream as Redis runs its master client's —
//! no reply, no ACL or READONLY checks, no fault gate, MULTI queued and
//! EXEC run as sent, blocking commands never blocking, and keys past their
//! deadline alive (the primary deletes them itself, by DEL).

use bytes::Bytes;

use super::call::{World, run};
use super::settle;
use crate::cmd::{Caller, Client, Host, Multi};
use crate::protocol::Out;
use crate::state::State;

/// Runs `args`, a command of the primary's stream, as `client` (the
/// primary's client on this replica, which keeps its database and its
/// transaction between commands). Commands the table does not know are
/// skipped, as a replica must not stop on them.
pub fn replicated(
    state: &mut State,
    host: &dyn Host,
    client: &mut Client,
    args: &[Bytes],
    now_us: i64,
) {
    let Ok(spec) = crate::cmd::resolve(args) else {
        return;
    };
    if let Some(multi) = &mut client.multi
        && !matches!(spec.name, "exec" | "discard" | "multi")
    {
        multi.queue.push((spec, args.to_vec()));
        return;
    }
    if spec.name == "multi" && client.multi.is_none() {
        client.multi = Some(Multi::default());
        return;
    }
    let now = now_us.div_euclid(1000);
    state.housekeep(now);
    state.set_primary_view(true);
    let mut world = World {
        state,
        host,
        now,
        now_us,
    };
    let mut out = Out::default();
    run(&mut world, client, spec, args, &mut out, Caller::Exec, None);
    world.state.set_primary_view(false);
    settle(&mut world);
}
