//! [`Session`]: one client connection — the [`Client`] its commands run
//! as, and what the transports need besides — and the way its requests
//! reach the executor.
//!
//! Both transports own a session and hand it each decoded request; the
//! session answers QUIT, resolves the command, takes the state lock (or
//! answers what a busy script leaves answerable), and hands the request
//! to the executor ([`crate::cmd::exec`]) with the fault layer as its gate;
//! around it, the journal. Nothing here knows about sockets.

use std::sync::Arc;

use bytes::Bytes;

use tokio::sync::oneshot;

use super::busy::Busy;
use super::gate::{BlockedReply, Ran, Resume, Wait, step_of};
use crate::cmd::exec;
use crate::cmd::{self, Client};
use crate::fault::Draft;
use crate::protocol::Out;
use crate::shared::{FaultGate, Prior, Shared};
use crate::state::{KillSwitch, Outbox, State};

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

/// The state of one connection: the client it is to the commands, and
/// what the transports need besides.
pub struct Session {
    /// The client its commands run as.
    pub client: Client,
    /// Flipped from outside to close the connection.
    pub kill: Arc<KillSwitch>,
    /// Pub/sub messages from other clients, for the transport to write.
    pub outbox: Arc<Outbox>,
    pub(super) shared: Arc<Shared>,
    /// What to do with the reply of the command blocked now (journal it,
    /// drop it), when there is anything to do.
    pub(super) pending: Option<BlockedReply>,
}

/// The state lock as a batch of commands holds it between them (see
/// [`Session::execute_held`]); `None` when not held.
pub type Held<'s> = Option<parking_lot::MutexGuard<'s, State>>;

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
        let db = self.client.db;
        let ran = self.run_locked(shared, held.take(), args, out, prior, &mut draft);
        self.finish(shared, ran, draft, db, out, held)
    }

    /// The stages a request goes through under the lock: QUIT (answered
    /// before anything), the lock (or the answer a busy script leaves),
    /// the kill check, then the executor with the fault layer as its gate.
    pub(super) fn run_locked<'s>(
        &mut self,
        shared: &'s Shared,
        held: Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
        draft: &mut Option<Draft>,
    ) -> Ran<'s> {
        if cmd::is(&args[0], "quit") {
            return self.quit(shared, held, args, out, prior, draft);
        }
        let resolved = cmd::resolve(&args);
        let mark = out.len();
        let state = match held {
            Some(state) => Ok(state),
            None => {
                self.client.forget_since();
                self.lock_state(shared, resolved.as_ref().ok().copied(), &args, out)
            }
        };
        let mut state = match state {
            Ok(state) => state,
            Err(Busy::Serve) => return self.run_while_busy(shared, args, out, prior, draft),
            Err(Busy::Answered(step)) => {
                if let Err(e) = resolved {
                    // Errors found before the lock are answered even while
                    // a script is busy, as Redis answers them.
                    self.refuse_busy(shared, None, e, out);
                }
                return Ran {
                    step,
                    state: None,
                    reply_at: Some(mark),
                    fault: prior.fault,
                    now_us: shared.clock.now_micros(),
                };
            }
        };
        let now_us = shared.clock.now_micros();
        state.now_ms = now_us.div_euclid(1000);
        if let Some(d) = draft {
            // The name it had when it sent the command, before any SETNAME.
            d.client_name = state
                .clients
                .get(&self.client.id)
                .and_then(|c| c.name.clone());
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
        let mut gate = FaultGate::new(shared, prior);
        let executed = exec::execute(
            &mut state,
            shared,
            &mut gate,
            &mut self.client,
            resolved,
            args,
            out,
            now_us,
        );
        Ran {
            step: step_of(executed.outcome, gate.resume),
            state: Some(state),
            reply_at: executed.reply_at,
            fault: gate.fault,
            now_us,
        }
    }

    /// QUIT: Redis 7.0 answers it before looking anything up — even
    /// unauthenticated, even inside MULTI; only a pause holds it.
    fn quit<'s>(
        &mut self,
        shared: &'s Shared,
        held: Held<'s>,
        args: Vec<Bytes>,
        out: &mut Out,
        prior: Prior,
        draft: &mut Option<Draft>,
    ) -> Ran<'s> {
        let now_us = shared.clock.now_micros();
        if shared.faults.is_armed()
            && let Some(until) = shared.faults.decide_quit(self.client.id, now_us)
        {
            let resume = Resume { args, prior };
            return Ran {
                step: Step::Wait(Wait { until, resume }),
                state: None,
                reply_at: None,
                fault: prior.fault,
                now_us,
            };
        }
        let mark = out.len();
        out.ok();
        if let Some(d) = draft.as_mut() {
            let state = held.or_else(|| shared.state.try_lock());
            if let Some(state) = state {
                d.client_name = state
                    .clients
                    .get(&self.client.id)
                    .and_then(|c| c.name.clone());
            }
        }
        Ran {
            step: Step::Close,
            state: None,
            reply_at: Some(mark),
            fault: prior.fault,
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
}
