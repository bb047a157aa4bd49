//! How the engine reaches the commands: the [`Bridge`] it is handed from
//! above.
//!
//! The engine sits below the command layer (it lives in the state, which
//! commands run against) and cannot name it. So the command layer gives
//! each engine a bridge when it creates it, and `redis.call` /
//! `redis.pcall` run their commands through that bridge, against the
//! world (the server state) the run was given.

use std::sync::Arc;

use bytes::Bytes;

use super::hook::Running;
use crate::protocol::{Out, Resp};
use crate::state::ClientId;

/// Who runs a script, and when: what the script's own client starts as.
#[derive(Debug, Clone)]
pub struct RunStart<'a> {
    /// The calling client: the script's client shares its id.
    pub client: ClientId,
    /// The calling client's database: the script's client starts there.
    pub db: usize,
    /// Server-clock time of the calling command, in ms: a script sees one
    /// frozen time.
    pub now: i64,
    /// The same instant in microseconds.
    pub now_us: i64,
    /// The calling command as sent (FUNCTION STATS shows it).
    pub command: &'a [Bytes],
    /// The calling client's ACL user: the script's commands are checked
    /// against it.
    pub user: Bytes,
}

/// What a command run for a script was.
#[derive(Debug, Clone, Copy)]
pub struct Called {
    /// It may write: the script can no longer be killed.
    pub wrote: bool,
}

/// The command layer, as a script's `redis.call` reaches it. `W` is the
/// world commands run against (the server state).
pub trait Bridge<W>: Send {
    /// A run begins: the script's client starts as `start` says, in RESP2.
    fn begin(&mut self, start: &RunStart<'_>);

    /// Runs `args` (command name first) as the script's client, its reply
    /// in `out` in `resp`. `Err` is the error `redis.call` raises without
    /// running anything (an unknown command, one scripts may not run, a
    /// write from a read-only script).
    fn call(
        &mut self,
        world: &mut W,
        args: &[Bytes],
        resp: Resp,
        read_only: bool,
        out: &mut Out,
    ) -> Result<Called, String>;

    /// The script started: other clients see it through `running` (BUSY,
    /// SCRIPT KILL).
    fn started(&mut self, running: &Arc<Running>);

    /// The script ended, however it ended.
    fn ended(&mut self);

    /// Between two steps of a script that runs long: lets the server run
    /// what other clients may run meanwhile, against `world`.
    fn serve_busy(&mut self, world: &mut W);
}
