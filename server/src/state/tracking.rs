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
//! that command's reply, as in Redis 7.0.

use std::collections::{BTreeMap, BTreeSet};

use super::State;
use super::clients::ClientId;
use crate::config::OutputLimits;
use crate::db::Blob;
use crate::protocol::{Out, Resp};

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

impl State {
    /// CLIENT TRACKING on for `client` with `settings` (its BCAST prefixes
    /// added to those it has).
    pub fn enable_tracking(&mut self, client: ClientId, mut settings: ClientTracking) {
        let Some(info) = self.clients.get_mut(&client) else {
            return;
        };
        match &mut info.tracking {
            Some(old) => {
                // Prefixes accumulate; the rest is set anew.
                settings.prefixes.extend(old.prefixes.iter().cloned());
                settings.caching = old.caching;
            }
            None => self.tracking.clients += 1,
        }
        if settings.bcast && settings.prefixes.is_empty() {
            settings.prefixes.insert(Blob::new(b""));
        }
        if settings.bcast {
            for p in &settings.prefixes {
                self.tracking
                    .prefixes
                    .entry(p.clone())
                    .or_default()
                    .clients
                    .insert(client);
            }
        }
        info.tracking = Some(settings);
    }

    /// CLIENT TRACKING off (also RESET, and a client leaving).
    pub fn disable_tracking(&mut self, client: ClientId) {
        let Some(info) = self.clients.get_mut(&client) else {
            return;
        };
        let Some(t) = info.tracking.take() else {
            return;
        };
        self.tracking.clients -= 1;
        for p in &t.prefixes {
            if let Some(state) = self.tracking.prefixes.get_mut(p) {
                state.clients.remove(&client);
                if state.clients.is_empty() {
                    self.tracking.prefixes.remove(p);
                }
            }
        }
    }

    /// A BCAST prefix of `client` that overlaps `prefix`, if any.
    pub fn overlapping_prefix(&self, client: ClientId, prefix: &[u8]) -> Option<Blob> {
        let t = self.clients.get(&client)?.tracking.as_ref()?;
        t.prefixes
            .iter()
            .find(|p| overlaps(p.as_slice(), prefix))
            .cloned()
    }

    /// After a read-only command of `client` (or of a script it runs):
    /// remembers `keys` as cached by it, unless it tracks by prefixes or
    /// its OPTIN/OPTOUT mode says otherwise.
    pub fn remember_tracked_keys<'k>(
        &mut self,
        client: ClientId,
        keys: impl Iterator<Item = &'k [u8]>,
    ) {
        let Some(t) = self.clients.get(&client).and_then(|c| c.tracking.as_ref()) else {
            return;
        };
        if t.bcast || (t.optin && !t.caching) || (t.optout && t.caching) {
            return;
        }
        for key in keys {
            let ids = self.tracking.table.entry(Blob::new(key)).or_default();
            if ids.insert(client) {
                self.tracking.items += 1;
            }
        }
    }

    /// After a command of `client`: a CLIENT CACHING given before it has
    /// been used up (not inside MULTI, not by CLIENT itself).
    pub fn tracking_command_done(&mut self, client: ClientId, keeps_caching: bool) {
        if keeps_caching {
            return;
        }
        if let Some(t) = self
            .clients
            .get_mut(&client)
            .and_then(|c| c.tracking.as_mut())
        {
            t.caching = false;
        }
    }

    /// `key` changed (written, expired, deleted): the clients that may
    /// have it cached are told, and it is noted for BCAST clients with a
    /// prefix of it. `by` is the client whose command changed it.
    pub fn invalidate_tracked_key(&mut self, key: &[u8], by: Option<ClientId>) {
        self.invalidate_key_raw(key, by, true);
    }

    fn invalidate_key_raw(&mut self, key: &[u8], by: Option<ClientId>, bcast: bool) {
        if bcast {
            for (prefix, state) in self.tracking.prefixes.iter_mut() {
                if key.starts_with(prefix.as_slice()) {
                    state.keys.entry(Blob::new(key)).or_insert(by);
                }
            }
        }
        let Some(ids) = self.tracking.table.remove(key) else {
            return;
        };
        self.tracking.items -= ids.len() as u64;
        for id in ids {
            let Some(t) = self.clients.get(&id).and_then(|c| c.tracking.as_ref()) else {
                continue;
            };
            if t.bcast || (t.noloop && Some(id) == self.current_client) {
                continue;
            }
            if Some(id) == self.current_client && !self.tracking.evicting {
                self.tracking.after_reply.push(Payload::Key(Blob::new(key)));
            } else {
                self.send_tracking_message(id, &Payload::Key(Blob::new(key)));
            }
        }
    }

    /// A database (or all of them) was flushed: every tracking client is
    /// told that all its keys are invalid, and the table is emptied.
    pub fn invalidate_tracked_all(&mut self) {
        if self.tracking.active() {
            let ids: Vec<ClientId> = self
                .clients
                .values()
                .filter(|c| c.tracking.is_some())
                .map(|c| c.id)
                .collect();
            for id in ids {
                if Some(id) == self.current_client {
                    self.tracking.after_reply.push(Payload::All);
                } else {
                    self.send_tracking_message(id, &Payload::All);
                }
            }
        }
        self.tracking.table.clear();
        self.tracking.items = 0;
    }

    /// Redis's `sendTrackingMessage`: to the client or where it redirects.
    fn send_tracking_message(&mut self, id: ClientId, payload: &Payload) {
        let Some(info) = self.clients.get_mut(&id) else {
            return;
        };
        let own_resp = info.resp;
        let redirect = info.tracking.as_ref().map_or(0, |t| t.redirect);
        let mut target = id;
        if redirect != 0 {
            if !self.clients.contains_key(&redirect) {
                let Some(info) = self.clients.get_mut(&id) else {
                    return;
                };
                if let Some(t) = info.tracking.as_mut() {
                    t.broken_redirect = true;
                }
                if own_resp == Resp::V3 {
                    let mut out = Out::new(Resp::V3);
                    out.push(2);
                    out.bulk(b"tracking-redir-broken");
                    out.int(redirect as i64);
                    self.deliver_tracking(id, out.as_bytes());
                }
                return;
            }
            target = redirect;
        }
        let Some(to) = self.clients.get(&target) else {
            return;
        };
        let mut out = Out::new(to.resp);
        if to.resp == Resp::V3 {
            out.push(2);
            out.bulk(b"invalidate");
        } else if redirect != 0 && self.is_subscribed(target) {
            out.array(3);
            out.bulk(b"message");
            out.bulk(b"__redis__:invalidate");
        } else {
            return;
        }
        match payload {
            Payload::Key(k) => {
                out.array(1);
                out.bulk(k.as_slice());
            }
            // The null of the tracking client's own protocol, as Redis
            // sends it.
            Payload::All => out.raw(if own_resp == Resp::V3 {
                b"_\r\n"
            } else {
                b"$-1\r\n"
            }),
            Payload::Encoded(bytes) => out.raw(bytes),
        }
        self.deliver_tracking(target, out.as_bytes());
    }

    fn deliver_tracking(&mut self, to: ClientId, bytes: &[u8]) {
        // Invalidations are few and small: no output limit applies.
        self.deliver(to, bytes, OutputLimits::default());
    }

    /// After a top-level command: the invalidations for its own client go
    /// out (after its reply), then the BCAST ones.
    pub fn flush_tracking(&mut self, client: Option<ClientId>) {
        if !self.tracking.after_reply.is_empty() {
            let pending = std::mem::take(&mut self.tracking.after_reply);
            if let Some(id) = client {
                for p in &pending {
                    self.send_tracking_message(id, p);
                }
            }
        }
        if self.tracking.prefixes.values().any(|p| !p.keys.is_empty()) {
            self.broadcast_invalidations();
        }
    }

    /// Redis's `trackingBroadcastInvalidationMessages`: per prefix, the
    /// keys changed under it, to each of its clients (without the keys a
    /// NOLOOP client changed itself).
    fn broadcast_invalidations(&mut self) {
        let mut messages: Vec<(ClientId, Vec<u8>)> = Vec::new();
        for state in self.tracking.prefixes.values_mut() {
            if state.keys.is_empty() {
                continue;
            }
            let keys = std::mem::take(&mut state.keys);
            for &c in &state.clients {
                let noloop = self
                    .clients
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
                messages.push((c, proto.take()));
            }
        }
        for (c, proto) in messages {
            self.send_tracking_message(c, &Payload::Encoded(proto));
        }
    }

    /// Redis's `trackingLimitUsedSlots`, before each command of `caller`
    /// while clients track: past `tracking-table-max-keys`, random keys
    /// leave the table, their clients told as if the keys had changed (the
    /// caller ahead of its reply: its messages wait in `current_pushes`).
    pub fn limit_tracking_table(&mut self, caller: ClientId) {
        let max = self.config.tracking_table_max_keys();
        if max == 0 || self.tracking.table.len() <= max {
            self.tracking.over_limit_rounds = 0;
            return;
        }
        let saved = self.current_client.replace(caller);
        self.tracking.evicting = true;
        self.evict_tracked_keys(max);
        self.tracking.evicting = false;
        self.current_client = saved;
    }

    fn evict_tracked_keys(&mut self, max: usize) {
        let mut effort = 100 * (self.tracking.over_limit_rounds + 1);
        while effort > 0 && !self.tracking.table.is_empty() {
            effort -= 1;
            let at = self.rng.usize(..self.tracking.table.len());
            let Some(key) = self.tracking.table.keys().nth(at).cloned() else {
                break;
            };
            self.invalidate_key_raw(key.as_slice(), None, false);
            if self.tracking.table.len() <= max {
                self.tracking.over_limit_rounds = 0;
                return;
            }
        }
        self.tracking.over_limit_rounds += 1;
    }
}
