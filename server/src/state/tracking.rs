//! Client-side caching (CLIENT TRACKING): which clients may have which
//! keys cached, and the invalidation messages they are sent when a key
//! changes, expires, is flushed, or leaves a full tracking table.
//!
//! As in Redis, the table is global across databases (a key name is a key
//! name), remembers client ids rather than clients (a client that left is
//! skipped when its keys change), and forgets a key once it has sent its
//! invalidations. A client in BCAST mode is instead told of every change
//! to a key under one of its prefixes, in one message per prefix after
//! the command that made them. Messages go as RESP3 push frames
//! (`invalidate`), or — to a RESP2 client that another client redirects
//! to and that is subscribed — as messages of `__redis__:invalidate`.
//!
//! An invalidation for the client whose command is running goes out after
//! that command's reply, as in Redis 7.0. The table's operations return
//! the messages they make; the state delivers them (`state::channels`).

use std::collections::{BTreeMap, BTreeSet};

pub use super::clients::ClientTracking;
use super::clients::{ClientId, ClientInfo};
use crate::db::Blob;
use crate::protocol::{Out, Resp};

/// The connected clients, as the tracking table sees them.
pub type Clients = BTreeMap<ClientId, ClientInfo>;

/// Encoded messages for clients, in the order they must be delivered.
pub type Messages = Vec<(ClientId, Vec<u8>)>;

/// The clients of one BCAST prefix and the keys changed under it since
/// the last broadcast.
#[derive(Debug, Default)]
struct Prefix {
    clients: BTreeSet<ClientId>,
    /// Key → the client whose command first changed it (for NOLOOP).
    keys: BTreeMap<Blob, Option<ClientId>>,
}

/// What to invalidate: one key, or (after a flush) every key.
#[derive(Debug, Clone)]
enum Payload {
    Key(Blob),
    All,
    Encoded(Vec<u8>),
}

/// The tracking table, the BCAST prefixes, and the invalidations waiting
/// for the running command's reply.
#[derive(Debug, Default)]
pub struct Tracking {
    /// Key → clients that may have it cached.
    table: BTreeMap<Blob, BTreeSet<ClientId>>,
    /// Client ids over every key of the table (INFO tracking_total_items).
    items: u64,
    prefixes: BTreeMap<Blob, Prefix>,
    /// Clients with tracking on (INFO tracking_clients).
    pub clients: usize,
    /// Invalidations for the running command's own client, sent after its
    /// reply.
    after_reply: Vec<Payload>,
    /// Rounds the table stayed over `tracking-table-max-keys` (more effort
    /// each).
    over_limit_rounds: u32,
    /// Keys are leaving a full table: the calling client's messages go
    /// ahead of its reply, not after.
    evicting: bool,
}

impl Tracking {
    /// Whether any client tracks anything: when not, changes cost nothing.
    #[inline]
    pub fn active(&self) -> bool {
        self.clients > 0
    }

    /// Keys in the table (INFO tracking_total_keys).
    pub fn total_keys(&self) -> usize {
        self.table.len()
    }

    /// Client ids over every key (INFO tracking_total_items).
    pub fn total_items(&self) -> u64 {
        self.items
    }

    /// BCAST prefixes (INFO tracking_total_prefixes).
    pub fn total_prefixes(&self) -> usize {
        self.prefixes.len()
    }
}

/// Whether one prefix covers what the other does (they overlap).
fn overlaps(a: &[u8], b: &[u8]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

impl Tracking {
    /// CLIENT TRACKING on for `client` with `settings` (its BCAST prefixes
    /// added to those it has).
    pub fn enable(
        &mut self,
        clients: &mut Clients,
        client: ClientId,
        mut settings: ClientTracking,
    ) {
        let Some(info) = clients.get_mut(&client) else {
            return;
        };
        match &mut info.tracking {
            Some(old) => {
                // Prefixes accumulate; the rest is set anew.
                settings.prefixes.extend(old.prefixes.iter().cloned());
                settings.caching = old.caching;
            }
            None => self.clients += 1,
        }
        if settings.bcast && settings.prefixes.is_empty() {
            settings.prefixes.insert(Blob::new(b""));
        }
        if settings.bcast {
            for p in &settings.prefixes {
                self.prefixes
                    .entry(p.clone())
                    .or_default()
                    .clients
                    .insert(client);
            }
        }
        info.tracking = Some(settings);
    }

    /// CLIENT TRACKING off (also RESET, and a client leaving).
    pub fn disable(&mut self, clients: &mut Clients, client: ClientId) {
        let Some(t) = clients.get_mut(&client).and_then(|c| c.tracking.take()) else {
            return;
        };
        self.clients -= 1;
        for p in &t.prefixes {
            if let Some(state) = self.prefixes.get_mut(p) {
                state.clients.remove(&client);
                if state.clients.is_empty() {
                    self.prefixes.remove(p);
                }
            }
        }
    }

    /// After a read-only command of `client`: remembers `keys` as cached
    /// by it, unless it tracks by prefixes or its OPTIN/OPTOUT mode says
    /// otherwise.
    pub fn remember<'k>(
        &mut self,
        clients: &Clients,
        client: ClientId,
        keys: impl Iterator<Item = &'k [u8]>,
    ) {
        let Some(t) = clients.get(&client).and_then(|c| c.tracking.as_ref()) else {
            return;
        };
        if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) {
            return;
        }
        for key in keys {
            let ids = self.table.entry(Blob::new(key)).or_default();
            if ids.insert(client) {
                self.items += 1;
            }
        }
    }

    /// `key` changed: the clients that may have it cached are told
    /// (`current`'s own message waits for its reply), and it is noted for
    /// BCAST clients with a prefix of it (with `bcast`). `by` is the client
    /// whose command changed it.
    #[allow(clippy::too_many_arguments)]
    pub fn invalidate_key(
        &mut self,
        clients: &mut Clients,
        current: Option<ClientId>,
        key: &[u8],
        by: Option<ClientId>,
        bcast: bool,
        out: &mut Messages,
    ) {
        if bcast {
            for (prefix, state) in self.prefixes.iter_mut() {
                if key.starts_with(prefix.as_slice()) {
                    state.keys.entry(Blob::new(key)).or_insert(by);
                }
            }
        }
        let Some(ids) = self.table.remove(key) else {
            return;
        };
        self.items -= ids.len() as u64;
        for id in ids {
            let Some(t) = clients.get(&id).and_then(|c| c.tracking.as_ref()) else {
                continue;
            };
            if t.bcast || (t.noloop && Some(id) == current) {
                continue;
            }
            if Some(id) == current && !self.evicting {
                self.after_reply.push(Payload::Key(Blob::new(key)));
            } else {
                message(clients, id, &Payload::Key(Blob::new(key)), out);
            }
        }
    }

    /// A database (or all) was flushed: every tracking client is told
    /// that all its keys are invalid (`current` after its reply), and the
    /// table is emptied.
    pub fn invalidate_all(
        &mut self,
        clients: &mut Clients,
        current: Option<ClientId>,
        out: &mut Messages,
    ) {
        if self.active() {
            let ids: Vec<ClientId> = clients
                .values()
                .filter(|c| c.tracking.is_some())
                .map(|c| c.id)
                .collect();
            for id in ids {
                if Some(id) == current {
                    self.after_reply.push(Payload::All);
                } else {
                    message(clients, id, &Payload::All, out);
                }
            }
        }
        self.table.clear();
        self.items = 0;
    }

    /// After a top-level command of `client`: its own invalidations (after
    /// its reply), then the BCAST ones.
    pub fn flush(&mut self, clients: &mut Clients, client: Option<ClientId>, out: &mut Messages) {
        if !self.after_reply.is_empty() {
            let pending = std::mem::take(&mut self.after_reply);
            if let Some(id) = client {
                for p in &pending {
                    message(clients, id, p, out);
                }
            }
        }
        if self.prefixes.values().any(|p| !p.keys.is_empty()) {
            self.broadcast(clients, out);
        }
    }

    /// Whether messages wait for [`Tracking::flush`].
    pub fn has_pending(&self) -> bool {
        !self.after_reply.is_empty() || self.prefixes.values().any(|p| !p.keys.is_empty())
    }

    /// Redis's `trackingBroadcastInvalidationMessages`: per prefix, the
    /// keys changed under it, to each of its clients (without the keys a
    /// NOLOOP client changed itself).
    fn broadcast(&mut self, clients: &mut Clients, out: &mut Messages) {
        let mut pending: Vec<(ClientId, Vec<u8>)> = Vec::new();
        for state in self.prefixes.values_mut() {
            if state.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut state.keys);
            for &c in &state.clients {
                let noloop = clients
                    .get(&c)
                    .and_then(|i| i.tracking.as_ref())
                    .is_some_and(|t| t.noloop);
                let list: Vec<&Blob> = keys
                    .iter()
                    .filter(|(_, by)| !(noloop && **by == Some(c)))
                    .map(|(k, _)| k)
                    .collect();
                if list.is_empty() {
                    continue;
                }
                let mut proto = Out::new(Resp::V2);
                proto.array(list.len());
                for k in list {
                    proto.bulk(k.as_slice());
                }
                pending.push((c, proto.take()));
            }
        }
        for (c, proto) in pending {
            message(clients, c, &Payload::Encoded(proto), out);
        }
    }

    /// Redis's `trackingLimitUsedSlots`, before each command while clients
    /// track: past `max` keys, random keys (drawn from `rng`) leave the
    /// table, their clients told at once as if the keys had changed.
    pub fn limit(
        &mut self,
        clients: &mut Clients,
        caller: ClientId,
        max: usize,
        rng: &mut fastrand::Rng,
        out: &mut Messages,
    ) {
        if max == 0 || self.table.len() <= max {
            self.over_limit_rounds = 0;
            return;
        }
        self.evicting = true;
        let mut effort = 100 * (self.over_limit_rounds + 1);
        while effort > 0 && !self.table.is_empty() {
            effort -= 1;
            let at = rng.usize(..self.table.len());
            let Some(key) = self.table.keys().nth(at).cloned() else {
                break;
            };
            self.invalidate_key(clients, Some(caller), key.as_slice(), None, false, out);
            if self.table.len() <= max {
                self.over_limit_rounds = 0;
                self.evicting = false;
                return;
            }
        }
        self.evicting = false;
        self.over_limit_rounds += 1;
    }
}

/// A BCAST prefix of `client` that overlaps `prefix`, if any.
pub fn overlapping_prefix(clients: &Clients, client: ClientId, prefix: &[u8]) -> Option<Blob> {
    let t = clients.get(&client)?.tracking.as_ref()?;
    t.prefixes
        .iter()
        .find(|p| overlaps(p.as_slice(), prefix))
        .cloned()
}

/// Redis's `sendTrackingMessage`: the message for client `id`, to it or
/// where it redirects (a redirection to a client that left is reported
/// to a RESP3 client instead, and marked).
fn message(clients: &mut Clients, id: ClientId, payload: &Payload, out: &mut Messages) {
    let Some(info) = clients.get_mut(&id) else {
        return;
    };
    let own_resp = info.resp;
    let redirect = info.tracking.as_ref().map_or(0, |t| t.redirect);
    let mut target = id;
    if redirect != 0 {
        if !clients.contains_key(&redirect) {
            if let Some(t) = clients.get_mut(&id).and_then(|c| c.tracking.as_mut()) {
                t.broken_redirect = true;
            }
            if own_resp == Resp::V3 {
                let mut o = Out::new(Resp::V3);
                o.push(2);
                o.bulk(b"tracking-redir-broken");
                o.int(redirect as i64);
                out.push((id, o.take()));
            }
            return;
        }
        target = redirect;
    }
    let Some(to) = clients.get(&target) else {
        return;
    };
    let subscribed =
        !to.channels.is_empty() || !to.patterns.is_empty() || !to.shard_channels.is_empty();
    let mut o = Out::new(to.resp);
    if to.resp == Resp::V3 {
        o.push(2);
        o.bulk(b"invalidate");
    } else if redirect != 0 && subscribed {
        o.array(3);
        o.bulk(b"message");
        o.bulk(b"__redis__:invalidate");
    } else {
        return;
    }
    match payload {
        Payload::Key(k) => {
            o.array(1);
            o.bulk(k.as_slice());
        }
        // The null of the tracking client's own protocol, as Redis sends
        // it.
        Payload::All => o.raw(if own_resp == Resp::V3 {
            b"_\r\n"
        } else {
            b"$-1\r\n"
        }),
        Payload::Encoded(bytes) => o.raw(bytes),
    }
    out.push((target, o.take()));
}
