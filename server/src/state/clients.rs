//! The registry of connected clients as the state sees them: who is
//! connected ([`ClientInfo`], for CLIENT LIST, WATCH and pub/sub, which
//! must see other connections), the switch that closes a connection from
//! outside ([`KillSwitch`]), and the [`Outbox`] a client's pub/sub messages
//! wait in until its transport writes them.
//!
//! It does not hold what a connection keeps for itself (its selected
//! database, MULTI queue, reply buffer): that is the command layer's
//! `Client` and the transports' session.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::config::OutputLimits;
use crate::db::Blob;
use crate::protocol::Resp;

/// Identifier of a client connection, as CLIENT ID reports it.
pub type ClientId = u64;

/// What the server knows about one connected client.
#[derive(Debug)]
pub struct ClientInfo {
    /// CLIENT ID.
    pub id: ClientId,
    /// Peer address (`ip:port`), or a description of the in-process link.
    pub addr: String,
    /// Local address (`ip:port`) the client connected to.
    pub laddr: String,
    /// CLIENT SETNAME.
    pub name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-NAME.
    pub lib_name: Option<Vec<u8>>,
    /// CLIENT SETINFO LIB-VER.
    pub lib_ver: Option<Vec<u8>>,
    /// Server-clock milliseconds at connection.
    pub created_ms: i64,
    /// Server-clock milliseconds of the last command.
    pub last_ms: i64,
    /// Selected database.
    pub db: usize,
    /// Protocol version.
    pub resp: Resp,
    /// The ACL user it is authenticated as (CLIENT LIST's `user=`).
    pub user: bytes::Bytes,
    /// Full name of the last command (`client|list`).
    pub last_cmd: &'static str,
    /// Queued commands, or -1 outside MULTI.
    pub multi: i64,
    /// Whether the connection is in-process rather than TCP.
    pub local: bool,
    /// Keys this client WATCHes, as (database, key).
    pub watching: Vec<(usize, Blob)>,
    /// Set when a watched key changes: the next EXEC fails.
    pub cas_dirty: bool,
    /// SUBSCRIBEd channels, in subscription order.
    pub channels: indexmap::IndexSet<Blob>,
    /// PSUBSCRIBEd patterns, in subscription order.
    pub patterns: indexmap::IndexSet<Blob>,
    /// SSUBSCRIBEd shard channels, in subscription order.
    pub shard_channels: indexmap::IndexSet<Blob>,
    /// Pub/sub messages waiting to be written to this client.
    pub outbox: Arc<Outbox>,
    /// Raised to make the connection close (CLIENT KILL, shutdown).
    pub kill: Arc<KillSwitch>,
    /// CLIENT TRACKING settings, while tracking is on.
    pub tracking: Option<ClientTracking>,
    /// CLIENT NO-EVICT on (CLIENT LIST's `e`).
    pub no_evict: bool,
    /// In MONITOR mode (CLIENT LIST's `O`).
    pub monitor: bool,
}

/// A client's CLIENT TRACKING settings, while tracking is on.
#[derive(Debug, Clone, Default)]
pub struct ClientTracking {
    /// REDIRECT: the client its messages go to (0: itself).
    pub redirect: ClientId,
    /// BCAST: told of every change under its prefixes.
    pub bcast: bool,
    /// OPTIN: keys are tracked only after CLIENT CACHING yes.
    pub optin: bool,
    /// OPTOUT: keys are tracked unless after CLIENT CACHING no.
    pub optout: bool,
    /// NOLOOP: not told of its own changes.
    pub noloop: bool,
    /// CLIENT CACHING was given for the next command.
    pub caching: bool,
    /// The client it redirects to has gone.
    pub broken_redirect: bool,
    /// Its BCAST prefixes, in byte order.
    pub prefixes: BTreeSet<Blob>,
}

/// A one-way switch that closes a connection from outside it.
#[derive(Debug, Default)]
pub struct KillSwitch {
    killed: AtomicBool,
    notify: Notify,
}

impl KillSwitch {
    /// Flips the switch and wakes the connection's task.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }

    /// Whether the switch has been flipped.
    pub fn is_killed(&self) -> bool {
        self.killed.load(Ordering::SeqCst)
    }

    /// Waits until the switch is flipped.
    pub async fn killed(&self) {
        loop {
            let notified = self.notify.notified();
            if self.is_killed() {
                return;
            }
            notified.await;
        }
    }
}

/// Messages waiting to be written to one client.
#[derive(Debug, Default)]
pub struct Outbox {
    buf: Mutex<Vec<u8>>,
    notify: Notify,
    /// Server-clock ms since when the backlog has been past the soft
    /// limit, if it is.
    soft_since: Mutex<Option<i64>>,
}

impl Outbox {
    /// Appends encoded bytes; false when the client must be disconnected
    /// instead, as Redis does past `client-output-buffer-limit pubsub`:
    /// the backlog would pass the hard limit, or it has stayed past the
    /// soft limit for more than its seconds (on the server clock, `now`).
    pub fn push(&self, bytes: &[u8], limits: OutputLimits, now: i64) -> bool {
        let mut buf = self.buf.lock();
        let len = buf.len() + bytes.len();
        if limits.hard > 0 && len > limits.hard {
            return false;
        }
        if limits.soft > 0 {
            let mut since = self.soft_since.lock();
            if len <= limits.soft {
                *since = None;
            } else if let Some(t) = *since {
                // Whole seconds, as Redis counts them (server.unixtime).
                if now.div_euclid(1000) - t.div_euclid(1000) > limits.soft_seconds {
                    return false;
                }
            } else {
                *since = Some(now);
            }
        }
        buf.extend_from_slice(bytes);
        drop(buf);
        self.notify.notify_one();
        true
    }

    /// Takes everything waiting.
    pub fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buf.lock())
    }

    /// Waits until something may be waiting.
    pub async fn ready(&self) {
        self.notify.notified().await;
    }
}
