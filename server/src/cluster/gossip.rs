//! What nodes tell each other over the cluster bus, and what a node makes
//! of it.
//!
//! redsim's bus is its own, not Redis's binary protocol: a [`Message`] is
//! the sender's CLUSTER NODES description of itself (with its slots) and
//! of the nodes it knows (without), under a header line. A node applies
//! what it hears as Redis's `clusterProcessPacket` does for the parts
//! redsim models: it learns of new nodes, of the sender's role, address
//! and config epoch, and takes the sender's slot claims where the sender's
//! config epoch beats the current owner's (a node that loses its last
//! slot so becomes a replica of the winner, as Redis 7.0 does). Failure
//! detection is not gossiped: failures are the test's to declare (see
//! the `Cluster` handle), so they happen at a known instant.

use std::fmt::Write;

use super::view::{ClusterView, Node, NodeNum};

/// A message's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// CLUSTER MEET: the receiver adds the sender and answers.
    Meet,
    /// A node's configuration, sent when it changes.
    Ping,
    /// The answer to a meet or ping.
    Pong,
}

impl Kind {
    /// The name CLUSTER INFO counts it under.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Meet => "meet",
            Kind::Ping => "ping",
            Kind::Pong => "pong",
        }
    }
}

/// One bus message.
#[derive(Clone, Debug)]
pub struct Message {
    /// Its type.
    pub kind: Kind,
    /// The sender's current epoch.
    pub current_epoch: u64,
    /// The sender.
    pub sender: Node,
    /// The slots the sender serves (if a primary).
    pub slots: Vec<(u16, u16)>,
    /// The other nodes the sender knows.
    pub gossip: Vec<Node>,
}

/// What applying a message did.
#[derive(Debug, Default)]
pub struct Applied {
    /// This node's view changed in a way the others should hear of (it
    /// learned of a node, or its own configuration changed).
    pub tell_others: bool,
    /// Slots this node served and lost to the sender: their keys must go.
    pub lost: Vec<u16>,
    /// This node became a replica of the sender.
    pub demoted: bool,
}

impl Message {
    /// The message `view`'s node sends now.
    pub fn of(view: &ClusterView, kind: Kind) -> Message {
        Message {
            kind,
            current_epoch: view.current_epoch,
            sender: view.me().clone(),
            slots: view.ranges_of(view.myself),
            gossip: view
                .nodes()
                .filter(|(n, _)| *n != view.myself)
                .map(|(_, node)| node.clone())
                .collect(),
        }
    }

    /// The message as bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut t = format!("redsim-bus 1 {} {}\n", self.kind.name(), self.current_epoch);
        let mut line = |node: &Node, slots: &[(u16, u16)]| {
            let _ = write!(
                t,
                "{} {} {} {} {} {} {}",
                node.id,
                node.ip,
                node.port,
                node.bus_port,
                node.primary.as_deref().unwrap_or("-"),
                node.config_epoch,
                node.repl_offset,
            );
            for (s, e) in slots {
                let _ = write!(t, " {s}-{e}");
            }
            t.push('\n');
        };
        line(&self.sender, &self.slots);
        for node in &self.gossip {
            line(node, &[]);
        }
        t.into_bytes()
    }

    /// Parses [`Message::encode`]'s bytes.
    pub fn decode(bytes: &[u8]) -> Option<Message> {
        let text = std::str::from_utf8(bytes).ok()?;
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next()?.split(' ').collect();
        if header.len() != 4 || header[0] != "redsim-bus" || header[1] != "1" {
            return None;
        }
        let kind = match header[2] {
            "meet" => Kind::Meet,
            "ping" => Kind::Ping,
            "pong" => Kind::Pong,
            _ => return None,
        };
        let current_epoch = header[3].parse().ok()?;
        let mut parsed = lines.map(parse_line);
        let (sender, slots) = parsed.next()??;
        let gossip = parsed.map(|l| l.map(|(n, _)| n)).collect::<Option<_>>()?;
        Some(Message {
            kind,
            current_epoch,
            sender,
            slots,
            gossip,
        })
    }
}

fn parse_line(line: &str) -> Option<(Node, Vec<(u16, u16)>)> {
    let f: Vec<&str> = line.split(' ').collect();
    if f.len() < 7 || f[0].len() != 40 {
        return None;
    }
    let mut node = Node::new(
        f[0].to_string(),
        f[1],
        f[2].parse().ok()?,
        f[3].parse().ok()?,
    );
    node.primary = (f[4] != "-").then(|| f[4].to_string());
    node.config_epoch = f[5].parse().ok()?;
    node.repl_offset = f[6].parse().ok()?;
    let slots = f[7..]
        .iter()
        .map(|r| {
            let (s, e) = r.split_once('-')?;
            Some((s.parse().ok()?, e.parse().ok()?))
        })
        .collect::<Option<Vec<(u16, u16)>>>()?;
    if slots
        .iter()
        .any(|&(s, e)| s > e || usize::from(e) >= super::SLOTS)
    {
        return None;
    }
    Some((node, slots))
}

/// Applies what `msg` says to `view` at server-clock `now` (ms).
pub fn apply(view: &mut ClusterView, msg: &Message, now: i64) -> Applied {
    let mut applied = Applied::default();
    view.forgotten.retain(|_, until| *until > now);
    view.count_received(msg.kind.name());
    let me_id = view.me().id.clone();
    if msg.sender.id == me_id || view.forgotten.contains_key(&msg.sender.id) {
        return applied;
    }
    view.current_epoch = view.current_epoch.max(msg.current_epoch);
    let sender = match view.find(msg.sender.id.as_bytes()) {
        Some(n) => n,
        None => {
            applied.tell_others = true;
            let mut node = msg.sender.clone();
            node.linked_at = now;
            view.add(node)
        }
    };
    let was_replica = view.node(sender).is_some_and(Node::is_replica);
    if let Some(node) = view.node_mut(sender) {
        node.ip.clone_from(&msg.sender.ip);
        node.port = msg.sender.port;
        node.bus_port = msg.sender.bus_port;
        node.hostname.clone_from(&msg.sender.hostname);
        node.primary.clone_from(&msg.sender.primary);
        node.config_epoch = msg.sender.config_epoch;
        node.repl_offset = msg.sender.repl_offset;
        node.pong_received = now;
        node.ping_sent = 0;
        node.pfail = false;
        node.fail = false;
        if node.linked_at == 0 {
            node.linked_at = now;
        }
    }
    // The primary of this replica turned replica itself (a sibling took
    // over): follow the new primary, as Redis's replicas do.
    if let Some(new_primary) = &msg.sender.primary
        && view.primary_of(view.myself) == Some(sender)
        && *new_primary != me_id
    {
        view.me_mut().primary = Some(new_primary.clone());
        view.resync = true;
        applied.tell_others = true;
    }
    if msg.sender.is_replica() && !was_replica {
        // A primary that turned replica serves nothing any more.
        for slot in 0..super::SLOTS as u16 {
            if view.owner(slot) == Some(sender) {
                view.assign(slot, None);
            }
        }
    }
    if !msg.sender.is_replica() {
        claim_slots(view, sender, msg, &mut applied);
        resolve_epoch_collision(view, sender, &mut applied);
    }
    for node in &msg.gossip {
        if node.id == me_id
            || view.forgotten.contains_key(&node.id)
            || view.find(node.id.as_bytes()).is_some()
        {
            continue;
        }
        let mut node = node.clone();
        node.linked_at = now;
        node.pong_received = now;
        view.add(node);
        applied.tell_others = true;
    }
    view.refresh();
    applied
}

/// Takes the sender's slot claims that beat the current owners'
/// (Redis's `clusterUpdateSlotsConfigWith`).
fn claim_slots(view: &mut ClusterView, sender: NodeNum, msg: &Message, applied: &mut Applied) {
    let epoch = msg.sender.config_epoch;
    let myself = view.myself;
    for &(start, end) in &msg.slots {
        for slot in start..=end {
            let owner = view.owner(slot);
            if owner == Some(sender) || view.importing.contains_key(&slot) {
                continue;
            }
            let beaten = owner
                .and_then(|o| view.node(o))
                .is_none_or(|o| o.config_epoch < epoch);
            if !beaten {
                continue;
            }
            if owner == Some(myself) {
                applied.lost.push(slot);
                view.migrating.remove(&slot);
            }
            view.assign(slot, Some(sender));
        }
    }
    if !applied.lost.is_empty()
        && !view.me().is_replica()
        && view.slot_count(myself) == 0
        && let Some(id) = view.node(sender).map(|n| n.id.clone())
    {
        view.me_mut().primary = Some(id);
        view.resync = true;
        applied.demoted = true;
        applied.tell_others = true;
    }
}

/// Two primaries with one config epoch: the one with the smaller id moves
/// on (Redis's `clusterHandleConfigEpochCollision`).
fn resolve_epoch_collision(view: &mut ClusterView, sender: NodeNum, applied: &mut Applied) {
    let Some(other) = view.node(sender) else {
        return;
    };
    let me = view.me();
    if other.config_epoch != me.config_epoch || me.is_replica() || other.is_replica() {
        return;
    }
    if me.id.as_str() >= other.id.as_str() {
        return;
    }
    view.current_epoch += 1;
    let epoch = view.current_epoch;
    view.me_mut().config_epoch = epoch;
    applied.tell_others = true;
}
