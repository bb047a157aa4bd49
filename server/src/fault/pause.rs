//! Pauses: the test's [`Server::pause`](crate::Server::pause) and the
//! clients' `CLIENT PAUSE`, with Redis 7.0's rules for what waits.
//!
//! A pause holds commands *before* they run (after the unknown-command,
//! arity, NOAUTH and subscribed-context checks, before MULTI queueing), as
//! Redis postpones them: in `ALL` mode every command, in `WRITE` mode the
//! commands that may write or be replicated — write commands, `EXEC` of a
//! transaction holding one, `EVAL`/`EVALSHA` unless the script declares
//! `no-writes`, and `PUBLISH`, `SPUBLISH` and `PFCOUNT`, which Redis 7.0
//! counts as replicated. When pauses overlap, the stricter mode and the
//! later end win, as in Redis. Paused clients count in INFO's
//! `blocked_clients` and show the `b` flag in CLIENT LIST, as in Redis.
//!
//! As in Redis, keys stop expiring while a CLIENT PAUSE is in force
//! (`State::hold_expiry`): past their deadline they read as missing but
//! stay, until the pause ends. The test's own [`Server::pause`](crate::Server::pause)
//! does not hold expiry.
//!
//! This module owns the pause state and that classification; the executor
//! does the holding (through its gate) and the transports the waiting.

use std::sync::Arc;

use bytes::Bytes;

use super::hold::Slot;
use crate::cmd::{CommandSpec, PauseMode as Mode, flags};
use crate::state::State;

/// The pauses in force and the commands they hold.
#[derive(Debug, Default)]
pub(crate) struct Pause {
    /// Set by the test (`Server::pause`), lifted by `Server::resume`.
    pub test: Option<Mode>,
    /// Set by CLIENT PAUSE: mode and end (server-clock ms, exclusive).
    pub client: Option<(Mode, i64)>,
    /// Commands waiting for a pause to end.
    pub waiting: Vec<Arc<Slot>>,
}

impl Pause {
    /// The strictest pause in force at `now` (ms).
    pub fn mode(&self, now: i64) -> Option<Mode> {
        let client = self.client.filter(|&(_, end)| now < end).map(|(m, _)| m);
        self.test.max(client)
    }

    /// CLIENT PAUSE: merged with one still in force, the stricter mode and
    /// the later end winning.
    pub fn pause_clients(&mut self, mode: Mode, end: i64, now: i64) {
        self.client = match self.client.filter(|&(_, e)| now < e) {
            Some((m, e)) => Some((m.max(mode), e.max(end))),
            None => Some((mode, end)),
        };
    }

    /// Lets every waiting command try again (those still paused wait
    /// again).
    pub fn wake_all(&mut self) {
        for slot in std::mem::take(&mut self.waiting) {
            slot.fire();
        }
    }

    /// Whether `client` waits for a pause now.
    pub fn is_waiting(&self, client: crate::state::ClientId) -> bool {
        self.waiting
            .iter()
            .any(|s| s.client == client && !s.is_done())
    }
}

/// Whether a pause in `mode` holds this command. `queued` is the
/// transaction EXEC would run.
pub(crate) fn holds(
    mode: Mode,
    spec: &CommandSpec,
    args: &[Bytes],
    queued: &[(&'static CommandSpec, Vec<Bytes>)],
    state: &State,
) -> bool {
    match mode {
        Mode::All => true,
        Mode::Write if spec.name == "exec" => queued.iter().any(|(s, a)| may_write(s, a, state)),
        Mode::Write => may_write(spec, args, state),
    }
}

/// Redis 7.0's "may replicate" test for one command.
fn may_write(spec: &CommandSpec, args: &[Bytes], state: &State) -> bool {
    if spec.flags & (flags::WRITE | flags::MAY_REPLICATE) != 0 {
        return true;
    }
    match spec.name {
        "publish" | "spublish" | "pfcount" | "fcall" => true,
        "eval" => !crate::script::shebang_flags(&args[1]).no_writes,
        "evalsha" => {
            let sha = String::from_utf8_lossy(&args[1]).to_ascii_lowercase();
            let no_writes = state
                .scripting
                .as_ref()
                .and_then(|e| e.flags(&sha))
                .is_some_and(|f| f.no_writes);
            !no_writes
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_pauses_keep_the_stricter_mode_and_later_end() {
        let mut p = Pause::default();
        p.pause_clients(Mode::All, 200, 0);
        p.pause_clients(Mode::Write, 10, 0);
        assert_eq!(p.client, Some((Mode::All, 200)));
        assert_eq!(p.mode(199), Some(Mode::All));
        assert_eq!(p.mode(200), None);
        // An expired pause is replaced, not merged.
        p.pause_clients(Mode::Write, 300, 250);
        assert_eq!(p.client, Some((Mode::Write, 300)));
        p.test = Some(Mode::All);
        assert_eq!(p.mode(250), Some(Mode::All));
    }
}
