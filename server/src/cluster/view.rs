//! [`ClusterView`]: what one node knows of its cluster — the nodes, who
//! serves each hash slot, the slots it is migrating or importing, the
//! epochs — and the per-client flags cluster mode adds (`READONLY`,
//! `ASKING`).
//!
//! Every node has its own view, as in Redis: nodes agree by exchanging
//! their own configuration over the bus (see [`super::gossip`]), and may
//! disagree for a while, which is what makes `MOVED` and `ASK` happen.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use super::slot::SLOTS;
use crate::state::ClientId;

/// A node's number in a view (stable while the node is known).
pub type NodeNum = u16;

/// The owner of a slot nobody serves.
pub const UNASSIGNED: NodeNum = NodeNum::MAX;

/// One node of the cluster, as a view knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The 40-hex-digit node id.
    pub id: String,
    /// The address clients reach it at.
    pub ip: String,
    /// Its client port.
    pub port: u16,
    /// Its cluster bus port.
    pub bus_port: u16,
    /// `cluster-announce-hostname`, empty when none.
    pub hostname: String,
    /// The id of its primary, when it is a replica.
    pub primary: Option<String>,
    /// The epoch of its slot configuration.
    pub config_epoch: u64,
    /// Failed, as the cluster agreed (`fail`).
    pub fail: bool,
    /// Failing as this node sees it (`fail?`).
    pub pfail: bool,
    /// Last ping sent (server-clock ms, 0 when none is pending).
    pub ping_sent: i64,
    /// Last pong received (server-clock ms).
    pub pong_received: i64,
    /// When the link to it was made (server-clock ms), for CLUSTER LINKS.
    pub linked_at: i64,
    /// Its replication offset as last heard.
    pub repl_offset: i64,
}

impl Node {
    /// A primary at `ip:port` with bus port `bus_port`.
    pub fn new(id: String, ip: &str, port: u16, bus_port: u16) -> Node {
        Node {
            id,
            ip: ip.to_string(),
            port,
            bus_port,
            hostname: String::new(),
            primary: None,
            config_epoch: 0,
            fail: false,
            pfail: false,
            ping_sent: 0,
            pong_received: 0,
            linked_at: 0,
            repl_offset: 0,
        }
    }

    /// Whether it is a replica.
    pub fn is_replica(&self) -> bool {
        self.primary.is_some()
    }

    /// `ip:port`, as MOVED and ASK name it.
    pub fn endpoint(&self) -> String {
        format!("{}:{}", self.ip, self.port)
    }
}

/// What the view asks of the world around it: the bus. Implemented above
/// the state (by the transports); the view only signals.
pub trait Bus: Send + Sync {
    /// This node's configuration changed: tell the others.
    fn changed(&self);
    /// CLUSTER MEET: introduce this node to the one at `ip`, bus `bus_port`.
    fn meet(&self, ip: &str, port: u16, bus_port: u16);
}

/// How CLUSTER FAILOVER was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failover {
    /// With the primary's agreement: its data is copied first.
    Default,
    /// Without the primary (FORCE).
    Force,
    /// Without the primary or the other nodes (TAKEOVER).
    Takeover,
}

/// One node's knowledge of its cluster.
pub struct ClusterView {
    nodes: Vec<Option<Node>>,
    /// This node's number.
    pub myself: NodeNum,
    slots: Vec<NodeNum>,
    /// Slots this node is migrating, and to whom.
    pub migrating: BTreeMap<u16, NodeNum>,
    /// Slots this node is importing, and from whom.
    pub importing: BTreeMap<u16, NodeNum>,
    /// The cluster's current epoch as this node knows it.
    pub current_epoch: u64,
    /// Bus messages sent and received, by type, for CLUSTER INFO.
    pub sent: BTreeMap<&'static str, u64>,
    /// See [`ClusterView::sent`].
    pub received: BTreeMap<&'static str, u64>,
    /// Clients that sent READONLY.
    pub readonly: HashSet<ClientId>,
    /// Clients that sent ASKING (for their next command).
    pub asking: HashSet<ClientId>,
    /// Whether the command running now was sent after ASKING (its
    /// script's `redis.call`s route with the flag too).
    pub current_asking: bool,
    /// Node ids forgotten by CLUSTER FORGET, until (server-clock ms).
    pub forgotten: BTreeMap<String, i64>,
    /// Cut off from the other nodes (a test's partition): the cluster is
    /// down as this node sees it.
    pub isolated: bool,
    /// `cluster-require-full-coverage`.
    pub full_coverage: bool,
    /// Assigned slots whose owner is not failed, counted by `refresh`.
    slots_ok: usize,
    slots_assigned: usize,
    slots_fail: usize,
    slots_pfail: usize,
    ok: bool,
    /// The bus, once the node is connected to one.
    pub bus: Option<Arc<dyn Bus>>,
    /// This replica must copy its primary's data (it just attached).
    pub resync: bool,
    /// A CLUSTER FAILOVER the bus is to carry out.
    pub pending_failover: Option<Failover>,
}

impl std::fmt::Debug for ClusterView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterView")
            .field("myself", &self.me().id)
            .field("nodes", &self.nodes().count())
            .field("ok", &self.ok)
            .finish()
    }
}

impl ClusterView {
    /// A view of a cluster of one: this node, `myself`, serving nothing.
    pub fn new(myself: Node) -> ClusterView {
        let mut view = ClusterView {
            nodes: vec![Some(myself)],
            myself: 0,
            slots: vec![UNASSIGNED; SLOTS],
            migrating: BTreeMap::new(),
            importing: BTreeMap::new(),
            current_epoch: 0,
            sent: BTreeMap::new(),
            received: BTreeMap::new(),
            readonly: HashSet::new(),
            asking: HashSet::new(),
            current_asking: false,
            forgotten: BTreeMap::new(),
            isolated: false,
            full_coverage: true,
            slots_ok: 0,
            slots_assigned: 0,
            slots_fail: 0,
            slots_pfail: 0,
            ok: false,
            bus: None,
            resync: false,
            pending_failover: None,
        };
        view.refresh();
        view
    }

    /// This node.
    pub fn me(&self) -> &Node {
        self.node(self.myself).expect("myself is always known")
    }

    /// This node, to change.
    pub fn me_mut(&mut self) -> &mut Node {
        let me = self.myself;
        self.node_mut(me).expect("myself is always known")
    }

    /// The node numbered `n`.
    pub fn node(&self, n: NodeNum) -> Option<&Node> {
        self.nodes.get(usize::from(n)).and_then(Option::as_ref)
    }

    /// The node numbered `n`, to change.
    pub fn node_mut(&mut self, n: NodeNum) -> Option<&mut Node> {
        self.nodes.get_mut(usize::from(n)).and_then(Option::as_mut)
    }

    /// Every known node with its number.
    pub fn nodes(&self) -> impl Iterator<Item = (NodeNum, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.as_ref().map(|n| (i as NodeNum, n)))
    }

    /// The number of the node with id `id` (case-insensitive, as Redis
    /// compares ids).
    pub fn find(&self, id: &[u8]) -> Option<NodeNum> {
        self.nodes()
            .find(|(_, n)| n.id.as_bytes().eq_ignore_ascii_case(id))
            .map(|(i, _)| i)
    }

    /// Adds a node; its number.
    pub fn add(&mut self, node: Node) -> NodeNum {
        if let Some(free) = self.nodes.iter().position(Option::is_none) {
            self.nodes[free] = Some(node);
            return free as NodeNum;
        }
        self.nodes.push(Some(node));
        (self.nodes.len() - 1) as NodeNum
    }

    /// Forgets node `n`: its slots become unassigned, its replicas
    /// primary-less, its migrations closed.
    pub fn remove(&mut self, n: NodeNum) {
        let Some(node) = self.nodes.get_mut(usize::from(n)).and_then(Option::take) else {
            return;
        };
        for owner in &mut self.slots {
            if *owner == n {
                *owner = UNASSIGNED;
            }
        }
        self.migrating.retain(|_, to| *to != n);
        self.importing.retain(|_, from| *from != n);
        for other in self.nodes.iter_mut().flatten() {
            if other.primary.as_deref() == Some(node.id.as_str()) {
                other.primary = None;
            }
        }
        self.refresh();
    }

    /// Who serves `slot`.
    pub fn owner(&self, slot: u16) -> Option<NodeNum> {
        let n = self.slots[usize::from(slot)];
        (n != UNASSIGNED).then_some(n)
    }

    /// Gives `slot` to `n` (or to nobody).
    pub fn assign(&mut self, slot: u16, n: Option<NodeNum>) {
        self.slots[usize::from(slot)] = n.unwrap_or(UNASSIGNED);
    }

    /// The slots `n` serves, as ranges of consecutive slots.
    pub fn ranges_of(&self, n: NodeNum) -> Vec<(u16, u16)> {
        let mut ranges: Vec<(u16, u16)> = Vec::new();
        for (slot, &owner) in self.slots.iter().enumerate() {
            if owner != n {
                continue;
            }
            let slot = slot as u16;
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == slot => *end = slot,
                _ => ranges.push((slot, slot)),
            }
        }
        ranges
    }

    /// Every run of consecutive slots with one owner: (start, end, owner).
    pub fn runs(&self) -> Vec<(u16, u16, NodeNum)> {
        let mut runs: Vec<(u16, u16, NodeNum)> = Vec::new();
        for (slot, &owner) in self.slots.iter().enumerate() {
            let slot = slot as u16;
            if owner == UNASSIGNED {
                continue;
            }
            match runs.last_mut() {
                Some((_, end, o)) if *o == owner && *end + 1 == slot => *end = slot,
                _ => runs.push((slot, slot, owner)),
            }
        }
        runs
    }

    /// How many slots `n` serves.
    pub fn slot_count(&self, n: NodeNum) -> usize {
        self.slots.iter().filter(|&&o| o == n).count()
    }

    /// The replicas of the node with id `id`, in number order.
    pub fn replicas_of(&self, id: &str) -> Vec<NodeNum> {
        self.nodes()
            .filter(|(_, n)| n.primary.as_deref() == Some(id))
            .map(|(i, _)| i)
            .collect()
    }

    /// The primary of `n`, if it is a known replica.
    pub fn primary_of(&self, n: NodeNum) -> Option<NodeNum> {
        let id = self.node(n)?.primary.clone()?;
        self.find(id.as_bytes())
    }

    /// The largest config epoch known, or the current epoch if larger.
    pub fn max_epoch(&self) -> u64 {
        self.nodes()
            .map(|(_, n)| n.config_epoch)
            .max()
            .unwrap_or(0)
            .max(self.current_epoch)
    }

    /// Takes a new config epoch for this node unless its own is already
    /// the largest (Redis's `clusterBumpConfigEpochWithoutConsensus`).
    /// Whether it did.
    pub fn bump_epoch(&mut self) -> bool {
        let max = self.max_epoch();
        let me = self.me().config_epoch;
        if me == 0 || me != max {
            self.current_epoch += 1;
            let epoch = self.current_epoch;
            self.me_mut().config_epoch = epoch;
            return true;
        }
        false
    }

    /// This replica takes its primary's place: a new config epoch ahead of
    /// every other, the primary's slots. The old primary learns of it
    /// over the bus and follows. Nothing if this node is no replica.
    pub fn promote(&mut self) {
        let Some(primary) = self.primary_of(self.myself) else {
            self.me_mut().primary = None;
            return;
        };
        self.me_mut().primary = None;
        self.current_epoch = self.max_epoch() + 1;
        let epoch = self.current_epoch;
        self.me_mut().config_epoch = epoch;
        let me = self.myself;
        for slot in 0..SLOTS as u16 {
            if self.owner(slot) == Some(primary) {
                self.assign(slot, Some(me));
            }
        }
        let my_id = self.me().id.clone();
        let old_id = self.node(primary).map(|n| n.id.clone());
        for node in self.nodes.iter_mut().flatten() {
            if node.primary.is_some() && node.primary == old_id {
                node.primary = Some(my_id.clone());
            }
        }
        if let Some(old) = self.node_mut(primary) {
            old.primary = Some(my_id);
        }
        self.refresh();
    }

    /// CLUSTER RESET: every other node forgotten, no slots, no
    /// migrations; a primary again. `new_id` (HARD) also renames this node
    /// and zeroes the epochs.
    pub fn reset(&mut self, new_id: Option<String>) {
        let me = self.me().clone();
        let mut fresh = Node::new(me.id.clone(), &me.ip, me.port, me.bus_port);
        fresh.hostname = me.hostname;
        fresh.config_epoch = me.config_epoch;
        if let Some(id) = new_id {
            fresh.id = id;
            fresh.config_epoch = 0;
            self.current_epoch = 0;
        }
        self.nodes = vec![Some(fresh)];
        self.myself = 0;
        self.slots.iter_mut().for_each(|s| *s = UNASSIGNED);
        self.migrating.clear();
        self.importing.clear();
        self.pending_failover = None;
        self.resync = false;
        self.refresh();
    }

    /// Recounts the slots and the cluster state after a change.
    pub fn refresh(&mut self) {
        let (mut assigned, mut ok, mut fail, mut pfail) = (0, 0, 0, 0);
        let health: Vec<(bool, bool)> = self
            .nodes
            .iter()
            .map(|n| n.as_ref().map_or((false, false), |n| (n.fail, n.pfail)))
            .collect();
        for &owner in &self.slots {
            if owner == UNASSIGNED {
                continue;
            }
            assigned += 1;
            match health.get(usize::from(owner)) {
                Some((true, _)) => fail += 1,
                Some((false, true)) => pfail += 1,
                _ => ok += 1,
            }
        }
        self.slots_assigned = assigned;
        self.slots_ok = ok;
        self.slots_fail = fail;
        self.slots_pfail = pfail;
        let covered = !self.full_coverage || (assigned == SLOTS && fail == 0);
        self.ok = covered && !self.isolated;
    }

    /// Whether the cluster is up as this node sees it (`cluster_state:ok`).
    pub fn is_ok(&self) -> bool {
        self.ok
    }

    /// (assigned, ok, pfail, fail) slot counts for CLUSTER INFO.
    pub fn slot_counts(&self) -> (usize, usize, usize, usize) {
        (
            self.slots_assigned,
            self.slots_ok + self.slots_pfail,
            self.slots_pfail,
            self.slots_fail,
        )
    }

    /// The number of primaries serving at least one slot (cluster_size).
    pub fn size(&self) -> usize {
        self.nodes()
            .filter(|(i, n)| !n.is_replica() && self.slots.contains(i))
            .count()
    }

    /// Tells the bus this node's configuration changed.
    pub fn announce(&self) {
        if let Some(bus) = &self.bus {
            bus.changed();
        }
    }

    /// Forgets what cluster mode kept of a client that is gone.
    pub fn forget_client(&mut self, id: ClientId) {
        self.readonly.remove(&id);
        self.asking.remove(&id);
    }

    /// Counts a bus message of `kind` sent.
    pub fn count_sent(&mut self, kind: &'static str) {
        *self.sent.entry(kind).or_default() += 1;
    }

    /// Counts a bus message of `kind` received.
    pub fn count_received(&mut self, kind: &'static str) {
        *self.received.entry(kind).or_default() += 1;
    }
}
