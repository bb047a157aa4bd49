//! [`Host`]: what a command may ask of the server beyond the state.
//!
//! Commands run against the locked state and nothing else, with a few
//! exceptions that reach the server around it: SHUTDOWN, CLIENT PAUSE,
//! CONFIG SET of what the transports read without the lock, INFO's
//! network counters, MIGRATE's connections to its targets, and the record of a running script that other
//! clients consult (without the lock, which the script holds) to answer
//! BUSY. The server core implements this interface; the command layer
//! names nothing above itself.

use std::sync::{Arc, Weak};

use super::migrate::transfer::{Migration, Resume, Transfer, Transferred};
use crate::config::Config;
use crate::script::Running;
use crate::state::{ClientId, State};

/// The network counters INFO reports, kept by the transports.
#[derive(Debug, Default, Clone, Copy)]
pub struct NetCounters {
    /// Bytes read from TCP clients (total_net_input_bytes).
    pub input: u64,
    /// Bytes written to TCP clients (total_net_output_bytes).
    pub output: u64,
    /// Connections refused by `maxclients` (rejected_connections).
    pub rejected: u64,
}

/// The server around the state, as commands see it.
pub trait Host: Send + Sync {
    /// SHUTDOWN: stops a running script, closes every connection and the
    /// listener.
    fn shutdown(&self);

    /// CONFIG SET changed `config`: the values the transports read
    /// without the lock follow it.
    fn config_changed(&self, config: &Config);

    /// The users changed: whether new connections must authenticate (the
    /// default user has a password or is off), which the transports read
    /// without the lock.
    fn auth_changed(&self, required: bool);

    /// CLIENT PAUSE until server-clock ms `end`, merged with a pause in
    /// force.
    fn pause_clients(&self, mode: PauseMode, end: i64, now: i64);

    /// CLIENT UNPAUSE.
    fn unpause_clients(&self);

    /// Whether a CLIENT PAUSE is in force at `now`.
    fn clients_paused(&self, now: i64) -> bool;

    /// How many clients wait for a pause to end.
    fn paused_clients(&self) -> usize;

    /// Whether `client` waits for a pause to end (CLIENT LIST's `b`).
    fn is_paused(&self, client: ClientId) -> bool;

    /// What the transports counted.
    fn net_counters(&self) -> NetCounters;

    /// A script or function starts running: other clients consult it to
    /// answer BUSY, and SCRIPT KILL reaches it through it.
    fn script_started(&self, running: Arc<Running>);

    /// The running script ended (normally, by an error, or by a panic).
    fn script_ended(&self);

    /// Something with a server-clock deadline was added (a blocked
    /// client's timeout, a pause's end): the server must wake up for it.
    /// `state` is the state the command leaves.
    fn deadlines_changed(&self, state: &State);

    /// After every top-level command: a clock that wakes the server at
    /// its deadlines learns of the next one (a key's new TTL). Costs
    /// nothing for other clocks.
    fn refresh_wake(&self, state: &State);

    /// Called by a busy script between two of its steps: runs the
    /// commands other clients may run meanwhile (the `allow_busy` ones,
    /// as Redis does) against `state`, the state the script holds.
    fn serve_while_busy(&self, state: &mut State);

    /// The replication role changed (REPLICAOF, a promotion, a FAILOVER):
    /// the link to the primary, if this server now has one, is started.
    fn replication_changed(&self);

    /// MIGRATE's transfer, made now, blocking until the target answered
    /// or the timeouts passed (inside EXEC or a script, which hold the
    /// lock throughout, as Redis blocks).
    fn migrate(&self, transfer: &Transfer) -> Transferred;

    /// MIGRATE's transfer made off the state lock: once the target has
    /// answered, the core takes the lock again and finishes `migration`
    /// for the client `resume` names; its reply arrives on the channel.
    fn migrate_detached(
        &self,
        migration: Migration,
        resume: Resume,
    ) -> tokio::sync::oneshot::Receiver<Vec<u8>>;

    /// A weak handle on this host, for the script engine, which keeps one
    /// between runs: the engine lives in the state, which the host owns, so
    /// a strong one would keep the server alive forever.
    fn downgrade(&self) -> Weak<dyn Host>;
}

/// What a pause holds back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PauseMode {
    /// Commands that may write (CLIENT PAUSE … WRITE).
    Write,
    /// Every command (CLIENT PAUSE … ALL, the default).
    All,
}
