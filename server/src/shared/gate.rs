//! The fault registry as the executor's [`Gate`]: for one request, it asks
//! the registry (rules, pauses, partitions, power), remembers what the
//! registry did to the request before it waited, and records what it does
//! now, for the journal and for the resumption.

use bytes::Bytes;

use super::Shared;
use crate::cmd::exec::{Gate, Verdict};
use crate::cmd::{Client, CommandSpec, Host};
use crate::fault::{Call, Decision, Injected, Until, pause_holds};
use crate::state::State;

/// What the fault layer already did to a command before it waited.
#[derive(Clone, Copy, Debug, Default)]
pub struct Prior {
    /// The rules were applied: running it again must not apply them twice.
    pub rules_done: bool,
    /// The fault applied so far, for the journal.
    pub fault: Option<Injected>,
}

/// The fault registry as the executor's [`Gate`], for one request: it
/// remembers what the registry did to the request before it waited, and
/// records what it does now, for the journal and for the resumption.
pub struct FaultGate<'a> {
    shared: &'a Shared,
    prior: Prior,
    /// The fault applied to the request so far.
    pub fault: Option<Injected>,
    /// What to resume with if the request is held.
    pub resume: Prior,
}

impl<'a> FaultGate<'a> {
    /// The gate of a request the fault layer did `prior` to before.
    pub fn new(shared: &'a Shared, prior: Prior) -> Self {
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
