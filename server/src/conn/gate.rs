//! Where the fault layer meets the session: deciding a command's fate
//! before it runs, running it again after a wait, dropping a reply, and
//! journaling what happened.
//!
//! The registry (`crate::fault`) decides, consulted by the executor
//! through the server core's `FaultGate`; this module turns the outcome
//! into the [`Step`] the transports follow, so that TCP and the in-process
//! connection apply every fault the same way. It does not wait itself:
//! waiting is the transports' (they own the connection's other duties
//! meanwhile, such as noticing a hang-up).

use bytes::Bytes;

use super::session::{Held, Session, Step};
use crate::cmd::exec::Outcome;
use crate::fault::{Draft, Injected, Record, Until};
use crate::protocol::Out;
use crate::shared::{Prior, Shared};
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

/// The step a transport follows after the executor's `outcome`; a held
/// command resumes with `resume`.
#[inline]
pub(super) fn step_of(outcome: Outcome<Until>, resume: Prior) -> Step {
    match outcome {
        Outcome::Replied => Step::Continue,
        Outcome::Close => Step::Close,
        Outcome::Blocked(rx) => Step::Blocked(rx),
        Outcome::Drop => Step::Drop,
        Outcome::Wait(until, args) => Step::Wait(Wait {
            until,
            resume: Resume {
                args,
                prior: resume,
            },
        }),
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
        // CLIENT REPLY OFF or SKIP withholds it; the blocked command is
        // done only now.
        let withheld = self.client.reply.withholds();
        self.client.reply = self.client.reply.after_command();
        let shown = |reply: Vec<u8>| if withheld { Vec::new() } else { reply };
        let Some(pending) = self.pending.take() else {
            return Some(shown(reply));
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
        deliver.then(|| shown(reply))
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
                // CLIENT REPLY OFF or SKIP withholds what the command
                // answered (messages for the client that went ahead of
                // the reply still go).
                if self.client.reply.withholds()
                    && let Some(at) = reply_at
                {
                    out.truncate(at);
                }
                self.client.reply = self.client.reply.after_command();
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
