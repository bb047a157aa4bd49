//! Pub/sub delivery: who listens to what, and the outboxes messages go to.
//!
//! A message for a client is encoded once, in that client's protocol
//! version (an array in RESP2, a push frame in RESP3), and appended to its
//! [`Outbox`]; the connection's task writes it out when woken. A message
//! for the client whose command is running (a RESP3 client subscribed to
//! keyspace events of its own writes) goes into that command's reply stream
//! instead, ahead of the reply, which is where Redis puts it.
//!
//! Keyspace notifications (`__keyspace@<db>__:<key>` and
//! `__keyevent@<db>__:<event>`) are ordinary publishes from here.

use std::collections::BTreeMap;

use super::State;
use super::clients::ClientId;
use crate::config::OutputLimits;
use crate::config::notify;
use crate::db::Blob;
use crate::glob;
use crate::protocol::Out;

/// Subscribers of channels and patterns.
#[derive(Debug, Default)]
pub struct PubSub {
    /// Channel → subscribers, in subscription order.
    pub channels: BTreeMap<Blob, Vec<ClientId>>,
    /// Pattern → subscribers, in subscription order.
    pub patterns: BTreeMap<Blob, Vec<ClientId>>,
    /// Shard channel → subscribers (SSUBSCRIBE).
    pub shard_channels: BTreeMap<Blob, Vec<ClientId>>,
}

/// Which of the three subscription kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// SUBSCRIBE.
    Channel,
    /// PSUBSCRIBE.
    Pattern,
    /// SSUBSCRIBE.
    Shard,
}

impl Kind {
    fn map(self, ps: &mut PubSub) -> &mut BTreeMap<Blob, Vec<ClientId>> {
        match self {
            Kind::Channel => &mut ps.channels,
            Kind::Pattern => &mut ps.patterns,
            Kind::Shard => &mut ps.shard_channels,
        }
    }
}

impl State {
    /// Number of subscriptions `client` has of the kinds counted together
    /// for `kind` (channels and patterns together; shard channels alone),
    /// as the subscribe replies report it.
    pub fn subscription_count(&self, client: ClientId, kind: Kind) -> usize {
        self.clients.get(&client).map_or(0, |c| match kind {
            Kind::Channel | Kind::Pattern => c.channels.len() + c.patterns.len(),
            Kind::Shard => c.shard_channels.len(),
        })
    }

    /// Whether `client` is in subscribed mode (any subscription at all).
    pub fn is_subscribed(&self, client: ClientId) -> bool {
        self.clients.get(&client).is_some_and(|c| {
            !c.channels.is_empty() || !c.patterns.is_empty() || !c.shard_channels.is_empty()
        })
    }

    /// Subscribes; false if it already was.
    pub fn subscribe(&mut self, client: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(info) = self.clients.get_mut(&client) else {
            return false;
        };
        let set = match kind {
            Kind::Channel => &mut info.channels,
            Kind::Pattern => &mut info.patterns,
            Kind::Shard => &mut info.shard_channels,
        };
        if !set.insert(Blob::new(name)) {
            return false;
        }
        kind.map(&mut self.pubsub)
            .entry(Blob::new(name))
            .or_default()
            .push(client);
        true
    }

    /// Unsubscribes; false if it was not subscribed.
    pub fn unsubscribe(&mut self, client: ClientId, kind: Kind, name: &[u8]) -> bool {
        let Some(info) = self.clients.get_mut(&client) else {
            return false;
        };
        let set = match kind {
            Kind::Channel => &mut info.channels,
            Kind::Pattern => &mut info.patterns,
            Kind::Shard => &mut info.shard_channels,
        };
        if !set.shift_remove(name) {
            return false;
        }
        let map = kind.map(&mut self.pubsub);
        if let Some(subs) = map.get_mut(name) {
            subs.retain(|&c| c != client);
            if subs.is_empty() {
                map.remove(name);
            }
        }
        true
    }

    /// The subscriptions of one kind a client has, in subscription order.
    pub fn subscriptions(&self, client: ClientId, kind: Kind) -> Vec<Blob> {
        self.clients.get(&client).map_or_else(Vec::new, |c| {
            let set = match kind {
                Kind::Channel => &c.channels,
                Kind::Pattern => &c.patterns,
                Kind::Shard => &c.shard_channels,
            };
            set.iter().cloned().collect()
        })
    }

    /// Drops every subscription of a client that is leaving.
    pub fn unsubscribe_all(&mut self, client: ClientId) {
        for kind in [Kind::Channel, Kind::Pattern, Kind::Shard] {
            for name in self.subscriptions(client, kind) {
                self.unsubscribe(client, kind, &name);
            }
        }
    }

    /// PUBLISH (or SPUBLISH with `shard`): delivers `message` to every
    /// subscriber of `channel` and, for plain channels, to every matching
    /// pattern. Returns the number of deliveries.
    pub fn publish(&mut self, channel: &[u8], message: &[u8], shard: bool) -> usize {
        let mut deliveries: Vec<(ClientId, Option<Blob>)> = Vec::new();
        let map = if shard {
            &self.pubsub.shard_channels
        } else {
            &self.pubsub.channels
        };
        if let Some(subs) = map.get(channel) {
            deliveries.extend(subs.iter().map(|&c| (c, None)));
        }
        if !shard {
            for (pattern, subs) in &self.pubsub.patterns {
                if glob::matches(pattern, channel, false) {
                    deliveries.extend(subs.iter().map(|&c| (c, Some(pattern.clone()))));
                }
            }
        }
        let count = deliveries.len();
        let limit = if count > 0 {
            self.config.pubsub_output_limits()
        } else {
            OutputLimits::default()
        };
        for (client, pattern) in deliveries {
            let Some(info) = self.clients.get(&client) else {
                continue;
            };
            let mut out = Out::new(info.resp);
            match &pattern {
                None => {
                    out.push(3);
                    out.bulk(if shard { b"smessage" } else { b"message" });
                    out.bulk(channel);
                    out.bulk(message);
                }
                Some(p) => {
                    out.push(4);
                    out.bulk(b"pmessage");
                    out.bulk(p);
                    out.bulk(channel);
                    out.bulk(message);
                }
            }
            self.deliver(client, out.as_bytes(), limit);
        }
        count
    }

    /// Hands encoded push bytes to a client: into the running command's
    /// reply stream if it is the current client, else into its outbox
    /// (disconnecting it if the outbox is full).
    fn deliver(&mut self, client: ClientId, bytes: &[u8], limit: OutputLimits) {
        if self.current_client == Some(client) {
            self.current_pushes.extend_from_slice(bytes);
            return;
        }
        if let Some(info) = self.clients.get(&client)
            && !info.outbox.push(bytes, limit, self.now_ms)
        {
            tracing::warn!(
                client,
                "closing client over the pub/sub output buffer limit"
            );
            info.kill.kill();
            // Gone for publishers at once, not when its task notices.
            self.unsubscribe_all(client);
        }
    }

    /// Fires a keyspace notification if `notify-keyspace-events` enables
    /// `class` and at least one of K (keyspace) or E (keyevent).
    pub fn notify_keyspace_event(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        let flags = self.config.notify_keyspace_events();
        if flags & class == 0 {
            return;
        }
        if flags & notify::KEYSPACE != 0 {
            let mut channel = format!("__keyspace@{db}__:").into_bytes();
            channel.extend_from_slice(key);
            self.publish(&channel, event.as_bytes(), false);
        }
        if flags & notify::KEYEVENT != 0 {
            let channel = format!("__keyevent@{db}__:{event}");
            self.publish(channel.as_bytes(), key, false);
        }
    }
}

/// Encodes a subscribe-family confirmation (`subscribe`, `unsubscribe`…):
/// kind, channel (or null), count.
pub fn confirmation(out: &mut Out, what: &str, name: Option<&[u8]>, count: usize) {
    out.push(3);
    out.bulk(what.as_bytes());
    match name {
        Some(n) => out.bulk(n),
        None => out.null(),
    }
    out.int(count as i64);
}

/// Client-side caching and MONITOR: the state runs the tracking table's
/// operations over its clients and delivers the messages they make, and
/// hands MONITOR lines to the monitors.
impl State {
    fn deliver_all(&mut self, messages: super::tracking::Messages) {
        // Invalidations and monitor lines are few and small: no output
        // limit applies.
        for (to, bytes) in messages {
            self.deliver(to, &bytes, OutputLimits::default());
        }
    }

    /// CLIENT TRACKING on for `client` (see [`super::tracking::Tracking::enable`]).
    pub fn enable_tracking(&mut self, client: ClientId, settings: super::clients::ClientTracking) {
        self.tracking.enable(&mut self.clients, client, settings);
    }

    /// CLIENT TRACKING off (also RESET, and a client leaving).
    pub fn disable_tracking(&mut self, client: ClientId) {
        self.tracking.disable(&mut self.clients, client);
    }

    /// A BCAST prefix of `client` that overlaps `prefix`, if any.
    pub fn overlapping_prefix(&self, client: ClientId, prefix: &[u8]) -> Option<Blob> {
        super::tracking::overlapping_prefix(&self.clients, client, prefix)
    }

    /// After a read-only command of `client`: `keys` are remembered as
    /// cached by it, if it tracks them.
    pub fn remember_tracked_keys<'k>(
        &mut self,
        client: ClientId,
        keys: impl Iterator<Item = &'k [u8]>,
    ) {
        self.tracking.remember(&self.clients, client, keys);
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

    /// `key` changed (written, expired, deleted) by the command of `by`:
    /// the clients that may have it cached are told.
    pub fn invalidate_tracked_key(&mut self, key: &[u8], by: Option<ClientId>) {
        let mut out = Vec::new();
        let current = self.current_client;
        self.tracking
            .invalidate_key(&mut self.clients, current, key, by, true, &mut out);
        self.deliver_all(out);
    }

    /// A database (or all) was flushed: every tracking client is told.
    pub fn invalidate_tracked_all(&mut self) {
        let mut out = Vec::new();
        let current = self.current_client;
        self.tracking
            .invalidate_all(&mut self.clients, current, &mut out);
        self.deliver_all(out);
    }

    /// After a top-level command of `client` (or time passing): its own
    /// invalidations go out after its reply, then the BCAST ones.
    pub fn flush_tracking(&mut self, client: Option<ClientId>) {
        if !self.tracking.has_pending() {
            return;
        }
        let mut out = Vec::new();
        self.tracking.flush(&mut self.clients, client, &mut out);
        self.deliver_all(out);
    }

    /// Before a command of `caller` while clients track: a table past
    /// `tracking-table-max-keys` lets random keys go, their clients told
    /// at once (the caller ahead of its reply: in `current_pushes`).
    pub fn limit_tracking_table(&mut self, caller: ClientId) {
        let max = self.config.tracking_table_max_keys();
        let mut out = Vec::new();
        self.tracking
            .limit(&mut self.clients, caller, max, &mut self.rng, &mut out);
        let saved = self.current_client.replace(caller);
        self.deliver_all(out);
        self.current_client = saved;
    }

    /// Hands a MONITOR line to monitor `to`: after the reply of its own
    /// command, else into its outbox.
    pub fn deliver_monitor(&mut self, to: ClientId, line: &[u8]) {
        if self.current_client == Some(to) {
            self.introspect.own_lines.extend_from_slice(line);
        } else {
            self.deliver(to, line, OutputLimits::default());
        }
    }

    /// After a command: the MONITOR lines for its own client go out.
    pub fn flush_own_monitor_lines(&mut self, client: ClientId) {
        let lines = std::mem::take(&mut self.introspect.own_lines);
        self.deliver(client, &lines, OutputLimits::default());
    }
}
