//! The script's way into the executor: [`ScriptClient`], the [`Bridge`]
//! the command layer hands each Lua engine, through which `redis.call`
//! runs commands — as Redis's Lua client does, with a client of its own
//! that shares the caller's id and starts in its database, in RESP2 (or
//! what `redis.setresp` chose).

use std::sync::{Arc, Weak};

use bytes::Bytes;

use super::call::{World, run};
use crate::cmd::error;
use crate::cmd::{Caller, Client, Host, flags};
use crate::protocol::{Out, Resp};
use crate::script::{Bridge, Called, RunStart, Running};
use crate::state::State;

/// The script's client and the server it runs on.
pub struct ScriptClient {
    /// The server, weakly: the engine lives in the server's state.
    server: Weak<dyn Host>,
    /// The server while a script runs.
    host: Option<Arc<dyn Host>>,
    client: Client,
    now: i64,
    now_us: i64,
    /// The command that runs the script (EVAL…), as sent.
    command: Vec<Bytes>,
    /// The script's first declared key (cluster mode: its slot is where
    /// the script's `redis.call`s must stay).
    first_key: Option<Bytes>,
    /// The slot the script's keys are in so far, in cluster mode.
    slot: Option<u16>,
}

impl ScriptClient {
    /// The bridge of an engine of the server `host`.
    pub fn new(host: &dyn Host) -> ScriptClient {
        ScriptClient {
            server: host.downgrade(),
            host: None,
            client: Client::new(0, 0, Resp::V2, true),
            now: 0,
            now_us: 0,
            command: Vec::new(),
            first_key: None,
            slot: None,
        }
    }
}

/// Whether `argc` arguments (name included) fit Redis's `arity`: exact if
/// positive, at least its absolute value if negative.
fn arity_fits(arity: i32, argc: usize) -> bool {
    let need = arity.unsigned_abs() as usize;
    if arity >= 0 {
        argc == need
    } else {
        argc >= need
    }
}

impl Bridge<State> for ScriptClient {
    fn begin(&mut self, start: &RunStart<'_>) {
        self.client = Client::new(start.client, start.db, Resp::V2, true);
        self.client.user = start.user.clone();
        self.command = start.command.to_vec();
        self.now = start.now;
        self.now_us = start.now_us;
        self.host = self.server.upgrade();
        // EVAL, EVALSHA and FCALL (and their _RO forms): script, count,
        // keys. Kept cheap: only cluster mode looks at it.
        self.first_key = match start.command.get(2) {
            Some(n) if n.as_ref() != b"0" => start.command.get(3).cloned(),
            _ => None,
        };
        self.slot = None;
    }

    fn call(
        &mut self,
        state: &mut State,
        args: &[Bytes],
        resp: Resp,
        read_only: bool,
        out: &mut Out,
    ) -> Result<Called, String> {
        let spec = crate::cmd::resolve(args).map_err(|e| {
            let refusal = match crate::cmd::absent::lookup(args) {
                // A command Redis has and redsim lacks: refused as Redis
                // would refuse it (arity first, then the noscript flag),
                // or, where Redis would run it, saying it is missing.
                Some((arity, _)) if !arity_fits(arity, args.len()) => error::CALL_WRONG_ARITY,
                Some((_, true)) => error::CALL_NOT_ALLOWED,
                Some((_, false)) => error::not_implemented(&args[0]),
                None if e.text().starts_with(error::WRONG_ARITY_PREFIX) => error::CALL_WRONG_ARITY,
                None => error::CALL_UNKNOWN_COMMAND,
            };
            refusal.into_text()
        })?;
        if spec.has(flags::NOSCRIPT) {
            return Err(error::CALL_NOT_ALLOWED.text().into());
        }
        if let Err(refusal) = crate::cmd::acl::check::check(state, &mut self.client, spec, args) {
            crate::cmd::acl::check::log_refusal(
                state,
                &self.client,
                spec,
                args,
                refusal,
                crate::state::acl::LogContext::Lua,
                self.now,
            );
            return Err(error::noperm_in_script(refusal.reason.into()).into_text());
        }
        if state.cluster.is_some() {
            if self.slot.is_none()
                && let Some(key) = &self.first_key
            {
                self.slot = Some(crate::cluster::key_slot(key));
            }
            crate::cmd::cluster::route::script_call(
                state,
                &self.client,
                spec,
                args,
                &mut self.slot,
                self.now,
            )
            .map_err(crate::cmd::CmdError::into_text)?;
        }
        let write = spec.has(flags::WRITE);
        if write && read_only {
            return Err(error::CALL_WRITE_READ_ONLY.text().into());
        }
        if write && let Err(e) = crate::cmd::repl::admit_script_write(state, self.now) {
            // READONLY on a replica, NOREPLICAS under min-replicas-to-write.
            return Err(e.into_text());
        }
        let Some(host) = self.host.as_deref() else {
            // Only when the server is gone mid-run, which its lock forbids.
            return Err(error::CALL_OUTSIDE_SCRIPT.text().into());
        };
        self.client.resp = resp;
        // The script's own code ran since the last call: time this one
        // afresh.
        self.client.forget_since();
        let mut world = World {
            state,
            host,
            now: self.now,
            now_us: self.now_us,
        };
        run(
            &mut world,
            &mut self.client,
            spec,
            args,
            out,
            Caller::Script,
            None,
        );
        if world.state.tracking.active() && spec.has(flags::READONLY) {
            // A read inside a script remembers the keys the script
            // declared, for the script's caller (Redis 7.0's rule).
            if let Some(script) = crate::cmd::find(&self.command[0]) {
                super::call::remember_tracked_keys(
                    world.state,
                    self.client.id,
                    script,
                    &self.command,
                );
            }
        }
        Ok(Called { wrote: write })
    }

    fn started(&mut self, running: &Arc<Running>) {
        if let Some(host) = &self.host {
            host.script_started(Arc::clone(running));
        }
    }

    fn ended(&mut self) {
        if let Some(host) = self.host.take() {
            host.script_ended();
        }
    }

    fn serve_busy(&mut self, state: &mut State) {
        if let Some(host) = &self.host {
            host.serve_while_busy(state);
        }
    }
}
