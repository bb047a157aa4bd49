//! Where the fault layer meets the session: deciding a command's fate
//! before it runs, running it again after a wait, dropping a reply, and
//! journaling what happened.
//!
//! The registry (`crate::fault`) decides; this module turns its decision
//! into the [`Step`] the transports follow, so that TCP and the in-process
//! connection apply every fault the same way. It does not wait itself:
//! waiting is the transports' (they own the connection's other duties
//! meanwhile, such as noticing a hang-up).

use bytes::Bytes;

use super::session::{Held, Session, Step};
use crate::cmd::exec::{Gate, Verdict};
use crate::cmd::{Client, CommandSpec, Host};
use crate::fault::{Call, Decision, Draft, Injected, Record, Until, pause_holds};
use crate::protocol::Out;
use crate::shared::Shared;
use crate::state::State;

/// A command that must wait before it runs: the transport awaits
/// [`Until::done`], then hands `resume` back to [`Session::resume`].
#[derive(Debug)]
pub struct Wait {
    /// What to wait for.
    pub until: Until,
    /// What to run afterwards.
    pub resume: Resume,
}

/// A command that waited, to be run again.
#[derive(Debug)]
pub struct Resume {
    pub(super) args: Vec<Bytes>,
    pub(super) prior: Prior,
}

/// What the fault layer already did to a command before it waited.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Prior {
    /// The rules were applied: running it again must not apply them twice.
    pub rules_done: bool,
    /// The fault applied so far, for the journal.
    pub fault: Option<Injected>,
}

/// A blocked command's fate once it is answered: journal it, and drop the
/// reply if the fault said so.
#[derive(Debug)]
pub(super) struct BlockedReply {
    draft: Option<Draft>,
    db: usize,
    fault: Option<Injected>,
}

/// How a request ended, for [`Session::finish`].
pub(super) struct Ran<'s> {
    pub step: Step,
    /// Held until the command is journaled, so that the journal's order is
    /// the order commands ran in.
    pub state: Option<parking_lot::MutexGuard<'s, State>>,
    /// Where this command's reply starts in the buffer, if it wrote one.
    pub reply_at: Option<usize>,
    pub fault: Option<Injected>,
    pub now_us: i64,
}

/// The fault registry as the executor's [`Gate`], for one request: it
/// remembers what the registry did to the request before it waited, and
/// records what it does now, for the journal and for the resumption.
pub(super) struct FaultGate<'a> {
    shared: &'a Shared,
    prior: Prior,
    /// The fault applied to the request so far.
    pub fault: Option<Injected>,
    /// What to resume with if the request is held.
    pub resume: Prior,
}

impl<'a> FaultGate<'a> {
    pub(super) fn new(shared: &'a Shared, prior: Prior) -> Self {
        FaultGate {
            shared,
            prior,
            fault: prior.fault,
            resume: prior,
        }
    }
}

impl Gate for FaultGate<'_> {
    type Wait = Until;

    fn armed(&self) -> bool {
        self.shared.faults.is_armed()
    }

    fn decide(
        &mut self,
        state: &State,
        client: &Client,
        spec: &'static CommandSpec,
        args: &[Bytes],
        now_us: i64,
    ) -> Verdict<Until> {
        let shared = self.shared;
        let call = Call {
            spec,
            args,
            client: client.id,
            name: state
                .clients
                .get(&client.id)
                .and_then(|c| c.name.as_deref()),
            db: client.db,
        };
        let queued = client.multi.as_ref().map_or(&[][..], |m| &m.queue[..]);
        let decision = shared.faults.decide(
            &call,
            |mode| pause_holds(mode, spec, args, queued, state),
            self.prior.rules_done,
            now_us,
            &shared.runtime,
        );
        match decision {
            Decision::Run(fault) => {
                self.fault = fault.or(self.prior.fault);
                if fault == Some(Injected::DropAfter) {
                    Verdict::RunThenDrop
                } else {
                    Verdict::Run
                }
            }
            Decision::Reply(text) => {
                self.fault = Some(Injected::Error);
                Verdict::Reply(text)
            }
            Decision::Drop(fault) => {
                self.fault = fault;
                Verdict::Drop
            }
            Decision::Wait {
                until,
                fault,
                rules_done,
                timer,
            } => {
                if timer {
                    shared.deadlines_changed(state);
                }
                self.resume = Prior {
                    rules_done,
                    fault: fault.or(self.prior.fault),
                };
                self.fault = self.resume.fault;
                Verdict::Wait(until)
            }
        }
    }

    /// A client that took a partitioned name (CLIENT SETNAME, HELLO …
    /// SETNAME) is cut off before the reply.
    fn cuts_off(&mut self, state: &State, client: &Client, spec: &CommandSpec) -> bool {
        let cut = matches!(spec.name, "client|setname" | "hello")
            && self.shared.faults.is_partitioned(
                state
                    .clients
                    .get(&client.id)
                    .and_then(|c| c.name.as_deref()),
            );
        if cut {
            self.fault = Some(Injected::Partition);
        }
        cut
    }
}

impl Session {
    /// Runs again a command that waited ([`Step::Wait`]), without applying
    /// the fault rules a second time (a pause still holds it).
    pub fn resume(&mut self, resume: Resume, out: &mut Out) -> Step {
        self.run(resume.args, out, resume.prior)
    }

    /// A blocked command's reply has arrived: journals it, and returns the
    /// reply to deliver, or `None` when the connection must be dropped
    /// instead (the command's fault said to drop its reply).
    pub fn unblocked(&mut self, reply: Vec<u8>) -> Option<Vec<u8>> {
        let Some(pending) = self.pending.take() else {
            return Some(reply);
        };
        let deliver = pending.fault != Some(Injected::DropAfter);
        if let Some(draft) = pending.draft {
            let shared = std::sync::Arc::clone(&self.shared);
            // The command that answered (a push, CLIENT UNBLOCK) journals
            // itself before it releases the state: waiting for the state
            // once puts this entry after that one.
            let sync = || drop(shared.state.lock());
            let multi_thread = tokio::runtime::Handle::try_current()
                .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
            if multi_thread {
                tokio::task::block_in_place(sync);
            } else {
                sync();
            }
            shared.faults.journal.record(Record {
                draft,
                client: self.client.id,
                db: pending.db,
                time_us: shared.clock.now_micros(),
                reply: Some(&reply),
                fault: pending.fault,
                delivered: deliver,
            });
        }
        deliver.then_some(reply)
    }

    /// Ends a request: takes a dropped reply out of the buffer, journals
    /// the command (or keeps it for later, if it blocked), and releases
    /// the state — or, when the batch may go on, leaves it in `held`.
    pub(super) fn finish<'s>(
        &mut self,
        shared: &Shared,
        ran: Ran<'s>,
        draft: Option<Draft>,
        db: usize,
        out: &mut Out,
        held: &mut Held<'s>,
    ) -> Step {
        let Ran {
            step,
            state,
            reply_at,
            fault,
            now_us,
        } = ran;
        match step {
            Step::Wait(_) => {}
            Step::Blocked(_) => {
                if draft.is_some() || fault.is_some() {
                    self.pending = Some(BlockedReply { draft, db, fault });
                }
            }
            Step::Continue | Step::Close | Step::Drop => {
                let dropped = matches!(step, Step::Drop);
                if let Some(draft) = draft {
                    shared.faults.journal.record(Record {
                        draft,
                        client: self.client.id,
                        db,
                        time_us: now_us,
                        reply: reply_at.map(|at| &out.as_bytes()[at..]),
                        fault,
                        delivered: !dropped,
                    });
                }
                if let (true, Some(at)) = (dropped, reply_at) {
                    out.truncate(at);
                }
            }
        }
        if matches!(step, Step::Continue) {
            // The next command of the batch, if any, goes on under it.
            *held = state;
        } else {
            drop(state);
        }
        step
    }
}
