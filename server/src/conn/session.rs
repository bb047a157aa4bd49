//! [`Session`]: one client connection's state, and the path every command
//! takes from arguments to reply.
//!
//! Both transports own a session and hand it each decoded request; the
//! session resolves the command, applies Redis's checks in Redis's order
//! (unknown command, arity, authentication, the fault layer's verdict,
//! MULTI queueing), takes the state lock, and runs the command. Nothing
//! here knows about sockets.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use tokio::sync::oneshot;

use super::call::{call, count_error};
use super::gate::{Gate, BlockedReply, Prior, Ran, Resume, Wait};
use crate::cmd::{self, After, Caller, CmdError, CommandSpec, Ctx, error, flags};
use crate::fault::Injected;
use crate::protocol::{Out, Resp};
use crate::shared::Shared;
use crate::state::{ClientId, KillSwitch, State};

/// How a client is connected, for CLIENT LIST.
#[derive(Clone, Debug)]
pub enum Peer {
    /// Over TCP, with the peer and local addresses.
    Tcp {
        /// `ip:port` of the client.
        addr: String,
        /// `ip:port` of the server side.
        laddr: String,
    },
    /// Through the in-process connection.
    Local,
}

/// What the connection does after a request.
#[derive(Debug)]
pub enum Step {
    /// The reply is in the buffer; go on.
    Continue,
    /// Write the reply, then close (QUIT, protocol errors, CLIENT KILL of
    /// itself).
    Close,
    /// The command blocked: its reply will arrive on this channel (hand
    /// it to [`Session::unblocked`] before delivering it).
    Blocked(oneshot::Receiver<Vec<u8>>),
    /// The command must wait (a fault's delay or hang, a pause): await
    /// the wait, then [`Session::resume`] it.
    Wait(Wait),
    /// Close the connection without this command's reply (a fault dropped
    /// it): replies to earlier commands still go out.
    Drop,
}

/// A transaction being queued between MULTI and EXEC.
#[derive(Debug, Default)]
pub struct Multi {
    /// The queued commands with their arguments.
    pub queue: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// Set when a command was rejected while queueing: EXEC will abort.
    pub dirty: bool,
}

/// The state of one connection that only that connection uses.
pub struct Session {
    /// CLIENT ID.
    pub id: ClientId,
    /// SELECTed database.
    pub db: usize,
    /// Protocol version of replies.
    pub resp: Resp,
    /// Whether AUTH (or HELLO … AUTH) succeeded, or no password is needed.
    pub authenticated: bool,
    /// The open transaction, between MULTI and EXEC/DISCARD.
    pub multi: Option<Multi>,
    /// Flipped from outside to close the connection.
    pub kill: Arc<KillSwitch>,
    /// Pub/sub messages from other clients, for the transport to write.
    pub outbox: Arc<crate::state::Outbox>,
    pub(super) shared: Arc<Shared>,
    /// Whether this session is in the client registry (and must leave it
    /// on drop); false for the stand-ins that serve blocked clients.
    pub(super) registered: bool,
    /// What to do with the reply of the command blocked now (journal it,
    /// drop it), when there is anything to do.
    pub(super) pending: Option<BlockedReply>,
    /// Set when a command took long (see [`Session::take_ran_long`]).
    pub(super) ran_long: bool,
    /// When the previous command ended, while the state lock has been held
    /// since: the next command's start. A pipelined command then costs one
    /// clock read for its duration instead of two (clock reads were a
    /// tenth of the server's time at `-P 16`).
    pub(super) since: Option<Instant>,
}

/// The state lock as a batch of commands holds it between them (see
/// [`Session::execute_held`]); `None` when not held.
pub type Held<'s> = Option<parking_lot::MutexGuard<'s, State>>;

/// A command that runs at least this long makes a batching transport
/// release the state lock before the next one.
pub(super) const LONG_COMMAND_US: u64 = 1_000;

impl Session {
    /// Whether the connection has been killed (CLIENT KILL, shutdown).
    pub fn is_killed(&self) -> bool {
        self.kill.is_killed()
    }

    /// Runs one request and writes its reply into `out`.
    pub fn execute(&mut self, args: Vec<Bytes>, out: &mut Out) -> Step {
        self.run(args, out, Prior::default())
    }

    /// Runs one request of a pipeline batch: like [`Session::execute`], but
    /// the state lock is taken from `held` if the previous request of the
    /// batch left it there, and left there again when this one ends with
    /// [`Step::Continue`], so that a batch of commands costs one lock
    /// acquisition instead of one per command. Any other step releases it:
    /// the transport must be free to wait. `shared` must be this session's
    /// server. The caller decides when to let go between commands
    /// (fairness), by dropping the guard.
    pub fn execute_held<'s>(
        &mut self,
        shared: &'s Shared,
        held: &mut Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
    ) -> Step {
        debug_assert!(std::ptr::eq(shared, Arc::as_ptr(&self.shared)));
        self.run_held(shared, held, args, out, Prior::default())
    }

    /// Makes the next command time itself from its own start rather than
    /// from the previous command's end (something else ran in between).
    pub fn forget_since(&mut self) {
        self.since = None;
    }

    /// Whether the last command ran long enough that a transport batching
    /// commands under one lock should let other clients in now (a long
    /// script, a big SORT…). Reading clears it.
    pub fn take_ran_long(&mut self) -> bool {
        std::mem::take(&mut self.ran_long)
    }

    /// Runs a request, given what the fault layer did to it before it
    /// waited, and journals it.
    pub(super) fn run(&mut self, args: Vec<Bytes>, out: &mut Out, prior: Prior) -> Step {
        let shared = Arc::clone(&self.shared);
        let mut held = None;
        self.run_held(&shared, &mut held, args, out, prior)
    }

    fn run_held<'s>(
        &mut self,
        shared: &'s Shared,
        held: &mut Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
    ) -> Step {
        if args.is_empty() {
            return Step::Continue;
        }
        let mut draft = shared.faults.journal.draft(&args);
        let db = self.db;
        let ran = self.run_locked(shared, held.take(), args, out, prior, &mut draft);
        self.finish(shared, ran, draft, db, out, held)
    }

    fn run_locked<'s>(
        &mut self,
        shared: &'s Shared,
        held: Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
        draft: &mut Option<crate::fault::Draft>,
    ) -> Ran<'s> {
        let mark = out.len();
        let answered = |step, state, fault, now_us| Ran {
            step,
            state,
            reply_at: Some(mark),
            fault,
            now_us,
        };
        // Redis 7.0 answers QUIT before looking anything up: even
        // unauthenticated, even inside MULTI; only a pause holds it.
        if cmd::is(&args[0], "quit") {
            let now_us = shared.clock.now_micros();
            if shared.faults.is_armed() {
                if let Some(until) = shared.faults.decide_quit(self.id, now_us) {
                    let resume = Resume { args, prior };
                    return Ran {
                        step: Step::Wait(Wait { until, resume }),
                        state: None,
                        reply_at: None,
                        fault: prior.fault,
                        now_us,
                    };
                }
            }
            out.ok();
            if let Some(d) = draft.as_mut() {
                let state = held.or_else(|| shared.state.try_lock());
                if let Some(state) = state {
                    d.client_name = state.clients.get(&self.id).and_then(|c| c.name.clone());
                }
            }
            return answered(Step::Close, None, prior.fault, now_us);
        }
        let resolved = cmd::resolve(&args);
        let state = match held {
            Some(state) => Ok(state),
            None => {
                self.since = None;
                self.lock_state(shared, resolved.as_ref().ok().copied(), &args, out)
            }
        };
        let mut state = match state {
            Ok(state) => state,
            Err(step) => {
                if let Err(e) = &resolved {
                    // Errors found before the lock are answered even while
                    // a script is busy, as Redis answers them.
                    out.error(e.text());
                }
                return answered(step, None, prior.fault, shared.clock.now_micros());
            }
        };
        let now_us = shared.clock.now_micros();
        let now = now_us.div_euclid(1000);
        state.now_ms = now;
        if let Some(d) = draft {
            // The name it had when it sent the command, before any SETNAME.
            d.client_name = state.clients.get(&self.id).and_then(|c| c.name.clone());
        }
        if self.kill.is_killed() {
            // Killed while waiting for the lock (a restart, a partition):
            // as a closed socket, it runs nothing more.
            return Ran {
                step: Step::Drop,
                state: Some(state),
                reply_at: None,
                fault: prior.fault,
                now_us,
            };
        }
        let spec = match resolved {
            Ok(spec) => spec,
            Err(e) => {
                self.reject(&mut state, out, None, e);
                return answered(Step::Continue, Some(state), prior.fault, now_us);
            }
        };
        // CLIENT SETINFO is Redis 7.2's; redsim accepts it because clients
        // send it on connect, but before authentication it must answer as
        // Redis 7.0 does (unknown subcommand, which clients ignore) rather
        // than NOAUTH (which redis-py turns into a failed connection).
        if !self.authenticated
            && spec.name == "client|setinfo"
            && state.config.requirepass().is_some()
        {
            let e = error::unknown_subcommand(&args[1], "client");
            self.reject(&mut state, out, None, e);
            return answered(Step::Continue, Some(state), prior.fault, now_us);
        }
        if !self.authenticated && !spec.has(flags::NO_AUTH) {
            if state.config.requirepass().is_none() {
                self.authenticated = true;
            } else {
                self.reject(&mut state, out, Some(spec), error::NOAUTH);
                return answered(Step::Continue, Some(state), prior.fault, now_us);
            }
        }
        if self.resp == Resp::V2
            && !cmd::pubsub::allowed_when_subscribed(spec.name)
            && state.is_subscribed(self.id)
        {
            self.reject(
                &mut state,
                out,
                Some(spec),
                error::subscribed_context(spec.name),
            );
            return answered(Step::Continue, Some(state), prior.fault, now_us);
        }
        let mut fault = prior.fault;
        if shared.faults.is_armed() {
            match self.gate(shared, &mut state, spec, &args, prior, now_us) {
                Gate::Run(f) => fault = f,
                Gate::Reply(text) => {
                    self.reject(&mut state, out, Some(spec), CmdError::owned(text));
                    return answered(Step::Continue, Some(state), Some(Injected::Error), now_us);
                }
                Gate::Wait(until, prior) => {
                    let resume = Resume { args, prior };
                    return Ran {
                        step: Step::Wait(Wait { until, resume }),
                        state: Some(state),
                        reply_at: None,
                        fault: prior.fault,
                        now_us,
                    };
                }
                Gate::Drop(f) => {
                    return Ran {
                        step: Step::Drop,
                        state: Some(state),
                        reply_at: None,
                        fault: f,
                        now_us,
                    };
                }
            }
        }
        // Execute, then drop the reply: the effects stay, the client never
        // learns of them.
        let then = |step| {
            if fault == Some(Injected::DropAfter) {
                Step::Drop
            } else {
                step
            }
        };
        if let Some(multi) = &mut self.multi {
            if !matches!(spec.name, "exec" | "discard" | "multi" | "watch" | "reset") {
                if spec.has(flags::NO_MULTI) {
                    self.reject(&mut state, out, Some(spec), error::NOT_IN_TRANSACTION);
                    return answered(then(Step::Continue), Some(state), fault, now_us);
                }
                multi.queue.push((spec, args));
                let queued = multi.queue.len() as i64;
                if let Some(c) = state.clients.get_mut(&self.id) {
                    c.multi = queued;
                }
                out.simple("QUEUED");
                return answered(then(Step::Continue), Some(state), fault, now_us);
            }
        }
        if state.next_deadline().is_some_and(|deadline| deadline < now) {
            state.purge_expired(now);
        }
        if state.blocking.next_deadline().is_some_and(|d| d < now) {
            state.blocking.expire(now);
        }
        if let Some(c) = state.clients.get_mut(&self.id) {
            c.last_ms = now;
            c.last_cmd = spec.name;
        }
        state.current_client = Some(self.id);
        let mut ctx = Ctx {
            state: &mut state,
            session: self,
            shared,
            args: &args,
            out,
            now,
            now_us,
            caller: Caller::Client,
            after: After::Continue,
            block: None,
            ready_key: None,
        };
        call(spec, &mut ctx);
        let after = ctx.after;
        let block = ctx.block.take();
        state.current_client = None;
        let mut reply_at = mark;
        if !state.current_pushes.is_empty() {
            // Messages this command caused for its own client go ahead of
            // its reply, where Redis writes them.
            let pushes = std::mem::take(&mut state.current_pushes);
            out.insert(mark, &pushes);
            reply_at += pushes.len();
        }
        if let Some(c) = state.clients.get_mut(&self.id) {
            c.db = self.db;
            c.resp = self.resp;
        }
        let named_away = self.named_into_partition(shared, &state, spec);
        let step = match (after, block) {
            _ if named_away => {
                fault = Some(Injected::Partition);
                Step::Drop
            }
            (After::Close, _) => then(Step::Close),
            (After::Continue, Some(request)) => {
                let rx = state
                    .blocking
                    .add(self.id, self.db, self.resp, spec, args, request);
                shared.blocking_changed();
                // A dropped reply is dropped when it comes (`unblocked`).
                Step::Blocked(rx)
            }
            (After::Continue, None) => then(Step::Continue),
        };
        crate::state::waiters::serve_ready(&mut state, shared, now, now_us);
        shared.refresh_wake(&state);
        Ran {
            step,
            state: Some(state),
            reply_at: Some(reply_at),
            fault,
            now_us,
        }
    }

    /// Whether running `args` is known to take long (DEBUG SLEEP): the
    /// transport then runs it off the async worker so that the server keeps
    /// accepting and answering other clients. Scripts need no such care:
    /// one that runs long hands its worker over by itself (see
    /// `script::offload_if_long`), so the short ones — nearly all — stay
    /// on the fast path.
    pub fn may_run_long(&self, args: &[Bytes]) -> bool {
        args.first().is_some_and(|name| cmd::is(name, "debug"))
    }

    /// Answers a request refused before execution and counts it: the
    /// transaction in progress, if any, is doomed (EXECABORT).
    fn reject(
        &mut self,
        state: &mut State,
        out: &mut Out,
        spec: Option<&'static CommandSpec>,
        e: CmdError,
    ) {
        if let Some(multi) = &mut self.multi {
            multi.dirty = true;
        }
        if let Some(spec) = spec {
            state.stats.commands.entry(spec.name).or_default().rejected += 1;
        }
        count_error(state, &e);
        out.error(e.text());
    }
}
