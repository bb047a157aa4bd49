//! [`Cluster`]: a Redis Cluster of redsim servers in one process, and the
//! test's controls over it — moving slots (at once, or step by step to
//! show the `ASK` window), failing and promoting, partitioning,
//! restarting, and each node's clock.
//!
//! Every node is a [`Server`] in cluster mode with its own view of the
//! cluster. Nodes tell each other of changes over the in-process bus
//! (`conn::bus`), as CLUSTER commands sent by clients do; the test's
//! controls instead change every view at once, so that after a control
//! returns the whole cluster agrees — no waiting, no polling.
//!
//! Also here: what [`ServerBuilder::start`] does for a server configured
//! with `cluster-enabled yes` ([`prepare`]).

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Deref;
use std::sync::Arc;

use super::{Server, ServerBuilder};
use crate::clock::Clock;
use crate::cluster::gossip::{Kind, Message};
use crate::cluster::{ClusterView, Node, SLOTS, key_slot};
use crate::conn::bus;
use crate::shared::Shared;
use crate::state::State;

/// Creates the cluster view of a server configured with `cluster-enabled
/// yes`: a new node id from the server's seed and port, its address, and, with
/// `tcp_bus`, the listener of its bus port (the client port + 10000, or
/// `cluster-port`).
pub(crate) fn prepare(
    state: &mut State,
    bind: IpAddr,
    tcp_bus: bool,
) -> io::Result<Option<std::net::TcpListener>> {
    let get = |name: &str| String::from_utf8_lossy(&state.config.value(name)).into_owned();
    if get("cluster-enabled") != "yes" {
        return Ok(None);
    }
    let number = |name: &str| get(name).parse::<u16>().unwrap_or(0);
    let port = state.port;
    let announced_port = Some(number("cluster-announce-port"))
        .filter(|&p| p != 0)
        .unwrap_or(port);
    let bus_port = match (number("cluster-port"), port.checked_add(10000)) {
        (0, Some(p)) => p,
        (0, None) if tcp_bus => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "port {port} leaves no room for the cluster bus port (+10000): set cluster-port"
                ),
            ));
        }
        // Nominal only: nodes of one process reach each other directly.
        (0, None) => port - 50000,
        (p, _) => p,
    };
    let announced_bus = Some(number("cluster-announce-bus-port"))
        .filter(|&p| p != 0)
        .unwrap_or(bus_port);
    let ip = match get("cluster-announce-ip") {
        ip if !ip.is_empty() => ip,
        _ if bind.is_unspecified() => Ipv4Addr::LOCALHOST.to_string(),
        _ => bind.to_string(),
    };
    // From the seed and the port: redsim-server processes started alike
    // (one default seed) on different ports must not share a node id, or
    // `redis-cli --cluster create` sees one node three times.
    let mut id_rng = fastrand::Rng::with_seed(
        state.rng.u64(..) ^ u64::from(port).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let id = crate::state::random_hex(&mut id_rng, 40);
    let mut me = Node::new(id, &ip, announced_port, announced_bus);
    me.hostname = get("cluster-announce-hostname");
    let mut view = ClusterView::new(me);
    view.full_coverage = get("cluster-require-full-coverage") == "yes";
    view.refresh();
    state.cluster = Some(Box::new(view));
    if !tcp_bus {
        return Ok(None);
    }
    let listener = super::bind_listener(SocketAddr::new(bind, bus_port), 511)?;
    Ok(Some(listener))
}

/// Builds a [`Cluster`]: how many primaries, replicas per primary, which
/// slots each primary serves, and what every node starts with.
///
/// ```
/// use redsim::{Cluster, ManualClock};
///
/// let clock = ManualClock::new();
/// let cluster = Cluster::builder()
///     .primaries(2)
///     .replicas(1)
///     .clock(&clock)
///     .seed(7)
///     .start()
///     .unwrap();
/// assert_eq!(cluster.nodes().len(), 4);
/// assert!(cluster.nodes()[2].is_replica());
/// ```
#[must_use = "a builder does nothing until .start()"]
pub struct ClusterBuilder {
    primaries: usize,
    replicas: usize,
    slots: Option<Vec<Vec<(u16, u16)>>>,
    clock: Clock,
    seed: u64,
    node: Option<NodeConfig>,
}

type NodeConfig = Box<dyn Fn(usize, ServerBuilder) -> ServerBuilder>;

impl std::fmt::Debug for ClusterBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterBuilder")
            .field("primaries", &self.primaries)
            .field("replicas", &self.replicas)
            .field("slots", &self.slots)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl Default for ClusterBuilder {
    fn default() -> Self {
        ClusterBuilder {
            primaries: 3,
            replicas: 0,
            slots: None,
            clock: Clock::system(),
            seed: super::DEFAULT_SEED,
            node: None,
        }
    }
}

impl ClusterBuilder {
    /// How many primaries (default 3).
    pub fn primaries(mut self, n: usize) -> Self {
        self.primaries = n.max(1);
        self
    }

    /// How many replicas each primary has (default 0).
    pub fn replicas(mut self, n: usize) -> Self {
        self.replicas = n;
        self
    }

    /// The slot ranges (inclusive) each primary serves, one list per
    /// primary; slots left out are served by nobody (`CLUSTERDOWN`).
    /// Default: the 16384 slots split evenly, as `redis-cli --cluster
    /// create` splits them.
    ///
    /// ```
    /// let cluster = redsim::Cluster::builder()
    ///     .primaries(2)
    ///     .slots(vec![vec![(0, 99)], vec![(100, 16383)]])
    ///     .start()
    ///     .unwrap();
    /// assert_eq!(cluster.owner_of_slot(99), Some(0));
    /// assert_eq!(cluster.owner_of_slot(100), Some(1));
    /// ```
    pub fn slots(mut self, ranges: Vec<Vec<(u16, u16)>>) -> Self {
        self.primaries = ranges.len().max(1);
        self.slots = Some(ranges);
        self
    }

    /// The clock every node reads (default: the system clock); give nodes
    /// clocks of their own (skewed, drifting) with [`ClusterBuilder::node`].
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// The seed; node `i` is seeded with `seed + i` (its node id comes
    /// from it).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Configures node `i`'s [`ServerBuilder`] further (a clock of its
    /// own, a password, a journal, configuration): called for every node
    /// with its index (primaries first, then the replicas of primary 0,
    /// of primary 1…).
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::{Cluster, ManualClock, SkewedClock};
    ///
    /// let base = ManualClock::new();
    /// let late = SkewedClock::new(&base).behind(Duration::from_secs(2));
    /// let cluster = Cluster::builder()
    ///     .clock(&base)
    ///     .node(move |i, b| if i == 1 { b.clock(&late) } else { b })
    ///     .start()
    ///     .unwrap();
    /// let t0 = cluster.nodes()[0].clock().now_millis();
    /// let t1 = cluster.nodes()[1].clock().now_millis();
    /// assert_eq!(t0 - t1, 2000);
    /// ```
    pub fn node(mut self, f: impl Fn(usize, ServerBuilder) -> ServerBuilder + 'static) -> Self {
        self.node = Some(Box::new(f));
        self
    }

    /// Starts every node and joins them into one cluster that agrees on
    /// every slot (`cluster_state:ok` when every slot is served).
    ///
    /// # Errors
    /// When a node cannot start (see [`ServerBuilder::start`]).
    pub fn start(self) -> io::Result<Cluster> {
        let p = self.primaries;
        let total = p * (1 + self.replicas);
        let mut servers = Vec::with_capacity(total);
        for i in 0..total {
            let mut builder = Server::builder()
                .clock(self.clock.clone())
                .seed(self.seed.wrapping_add(i as u64))
                .config("cluster-enabled", "yes");
            builder.cluster_tcp_bus = false;
            if let Some(f) = &self.node {
                builder = f(i, builder);
            }
            servers.push(builder.start()?);
        }
        let ranges = self.slots.unwrap_or_else(|| even_slots(p));
        // Every node knows every node; epochs as redis-cli gives them.
        let mut records: Vec<Node> = servers
            .iter()
            .map(|s| {
                let state = s.shared.state.lock();
                state.cluster.as_ref().expect("cluster mode").me().clone()
            })
            .collect();
        for (i, record) in records.iter_mut().enumerate() {
            record.config_epoch = i as u64 + 1;
            if i >= p {
                let primary = (i - p) / self.replicas.max(1);
                record.primary = Some(servers_id(&servers, primary));
            }
        }
        let now = self.clock.now_millis();
        for (i, server) in servers.iter().enumerate() {
            let mut state = server.shared.state.lock();
            let view = state.cluster.as_deref_mut().expect("cluster mode");
            let mut nums = Vec::with_capacity(total);
            for (j, record) in records.iter().enumerate() {
                if i == j {
                    *view.me_mut() = record.clone();
                    nums.push(view.myself);
                } else {
                    let mut record = record.clone();
                    record.pong_received = now;
                    record.linked_at = now;
                    nums.push(view.add(record));
                }
            }
            for (primary, list) in ranges.iter().enumerate() {
                for &(start, end) in list {
                    for slot in start..=end.min(SLOTS as u16 - 1) {
                        view.assign(slot, Some(nums[primary]));
                    }
                }
            }
            view.current_epoch = total as u64;
            view.refresh();
        }
        let nodes = servers
            .into_iter()
            .enumerate()
            .map(|(index, server)| ClusterNode { server, index })
            .collect();
        Ok(Cluster { nodes })
    }
}

fn servers_id(servers: &[Server], i: usize) -> String {
    let state = servers[i].shared.state.lock();
    state
        .cluster
        .as_ref()
        .expect("cluster mode")
        .me()
        .id
        .clone()
}

/// The 16384 slots split into `n` ranges as `redis-cli --cluster create`
/// splits them (a running float cursor, each end rounded).
fn even_slots(n: usize) -> Vec<Vec<(u16, u16)>> {
    let per = SLOTS as f64 / n as f64;
    let mut cursor = 0.0f64;
    let mut first = 0i64;
    (0..n)
        .map(|i| {
            let mut last = (cursor + per - 1.0).round() as i64;
            if last > SLOTS as i64 - 1 || i == n - 1 {
                last = SLOTS as i64 - 1;
            }
            last = last.max(first);
            let range = (first as u16, last as u16);
            first = last + 1;
            cursor += per;
            vec![range]
        })
        .collect()
}

/// A Redis Cluster of redsim servers in this process. Dropping it shuts
/// every node down.
///
/// ```
/// use redis::Commands;
///
/// let cluster = redsim::Cluster::start().unwrap();
/// // The node that serves a key answers it; the others redirect.
/// let owner = cluster.node_for_key("user:1");
/// let mut con = owner.connection();
/// let _: () = con.set("user:1", "ada").unwrap();
/// let other = cluster.nodes().iter().find(|n| n.index() != owner.index()).unwrap();
/// let err = other.connection().get::<_, String>("user:1").unwrap_err();
/// assert_eq!(err.code(), Some("MOVED"));
/// ```
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<ClusterNode>,
}

/// One node of a [`Cluster`]: a [`Server`] (every server verb applies) in
/// cluster mode.
#[derive(Debug)]
pub struct ClusterNode {
    server: Server,
    index: usize,
}

impl Deref for ClusterNode {
    type Target = Server;

    fn deref(&self) -> &Server {
        &self.server
    }
}

impl ClusterNode {
    /// Its position in [`Cluster::nodes`].
    pub fn index(&self) -> usize {
        self.index
    }

    /// The server.
    pub fn server(&self) -> &Server {
        &self.server
    }

    /// Its node id (CLUSTER MYID).
    pub fn id(&self) -> String {
        self.with_view(|v| v.me().id.clone())
    }

    /// Whether it is a replica, as it sees itself.
    pub fn is_replica(&self) -> bool {
        self.with_view(|v| v.me().is_replica())
    }

    /// The slot ranges it serves, as it sees them.
    pub fn slots(&self) -> Vec<(u16, u16)> {
        self.with_view(|v| v.ranges_of(v.myself))
    }

    /// Whether it sees the cluster as up (`cluster_state:ok`).
    pub fn cluster_ok(&self) -> bool {
        self.with_view(ClusterView::is_ok)
    }

    fn with_view<T>(&self, f: impl FnOnce(&ClusterView) -> T) -> T {
        let state = self.server.shared.state.lock();
        f(state.cluster.as_deref().expect("a cluster node"))
    }

    fn with_view_mut<T>(&self, f: impl FnOnce(&mut ClusterView) -> T) -> T {
        let mut state = self.server.shared.state.lock();
        f(state.cluster.as_deref_mut().expect("a cluster node"))
    }
}

impl Cluster {
    /// A builder with every default: three primaries, no replicas, the
    /// slots split evenly, the system clock.
    pub fn builder() -> ClusterBuilder {
        ClusterBuilder::default()
    }

    /// Starts three primaries serving every slot.
    ///
    /// # Errors
    /// When a node cannot start.
    pub fn start() -> io::Result<Cluster> {
        ClusterBuilder::default().start()
    }

    /// Every node: primaries first, then the replicas of primary 0, of
    /// primary 1… (roles change with failovers; the order does not).
    pub fn nodes(&self) -> &[ClusterNode] {
        &self.nodes
    }

    /// Node `i`.
    ///
    /// # Panics
    /// If there is no node `i`.
    pub fn node(&self, i: usize) -> &ClusterNode {
        &self.nodes[i]
    }

    /// The nodes that are primaries now.
    pub fn primaries(&self) -> Vec<&ClusterNode> {
        self.nodes.iter().filter(|n| !n.is_replica()).collect()
    }

    /// The index of the node that serves `slot` (as that node sees it).
    pub fn owner_of_slot(&self, slot: u16) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.with_view(|v| v.owner(slot) == Some(v.myself) && !v.me().is_replica()))
    }

    /// The node that serves `key`'s slot.
    ///
    /// # Panics
    /// If nobody serves it.
    pub fn node_for_key(&self, key: impl AsRef<[u8]>) -> &ClusterNode {
        let slot = key_slot(key.as_ref());
        let i = self
            .owner_of_slot(slot)
            .unwrap_or_else(|| panic!("no node serves slot {slot}"));
        &self.nodes[i]
    }

    /// The hash slot of `key` (CLUSTER KEYSLOT).
    pub fn slot_of(key: impl AsRef<[u8]>) -> u16 {
        key_slot(key.as_ref())
    }

    /// Every node's `redis://` URL, primaries first.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.url()).collect()
    }

    /// The `redis` crate's cluster client over TCP, seeded with every
    /// node. Requires the `cluster` feature.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// use redis::AsyncCommands;
    ///
    /// let cluster = redsim::Cluster::start()?;
    /// let mut con = cluster.client().get_async_connection().await?;
    /// let _: () = con.set("a", 1).await?;
    /// let _: () = con.set("b", 2).await?; // another node: the client follows
    /// let (a, b): (i64, i64) = (con.get("a").await?, con.get("b").await?);
    /// assert_eq!((a, b), (1, 2));
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "cluster")]
    pub fn client(&self) -> redis::cluster::ClusterClient {
        redis::cluster::ClusterClient::new(self.urls()).expect("redsim URLs are valid")
    }

    /// An async cluster connection of the `redis` crate whose connections
    /// to the nodes are in-process ones (no socket): the client still
    /// discovers the slots with CLUSTER SLOTS and follows `MOVED` and
    /// `ASK`, by the addresses the nodes announce. Requires the `cluster`
    /// feature.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// use redis::AsyncCommands;
    ///
    /// let cluster = redsim::Cluster::start()?;
    /// let mut con = cluster.connection().await?;
    /// let _: () = con.set("{user:1}:name", "ada").await?;
    /// let name: String = con.get("{user:1}:name").await?;
    /// assert_eq!(name, "ada");
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// When the client cannot read the slots.
    #[cfg(feature = "cluster")]
    pub async fn connection(
        &self,
    ) -> redis::RedisResult<redis::cluster_async::ClusterConnection<crate::LocalConnection>> {
        self.client()
            .get_async_generic_connection::<crate::LocalConnection>()
            .await
    }

    /// Tells every other node what node `from` says of itself, at once.
    fn spread(&self, from: usize) {
        let msg = self.nodes[from].with_view(|v| Message::of(v, Kind::Ping));
        for (j, node) in self.nodes.iter().enumerate() {
            if j != from {
                deliver(&node.server.shared, &msg);
            }
        }
    }

    /// Moves `slot` to node `to` at once, keys and all: when this returns,
    /// every node agrees that `to` serves it (its config epoch moved
    /// ahead, as after `CLUSTER SETSLOT … NODE`). A client that still
    /// asks the old owner is answered `MOVED`.
    ///
    /// ```
    /// let cluster = redsim::Cluster::start().unwrap();
    /// let slot = redsim::Cluster::slot_of("k");
    /// let from = cluster.owner_of_slot(slot).unwrap();
    /// let to = (from + 1) % 3;
    /// let mut con = cluster.node(from).connection();
    /// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    /// cluster.move_slot(slot, to);
    /// let err = redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap_err();
    /// assert_eq!(err.code(), Some("MOVED"));
    /// let v: String = redis::cmd("GET").arg("k").query(&mut cluster.node(to).connection()).unwrap();
    /// assert_eq!(v, "v");
    /// ```
    ///
    /// # Panics
    /// If `to` is not a primary or nobody serves `slot`.
    pub fn move_slot(&self, slot: u16, to: usize) {
        let migration = self.begin_migration(slot, to);
        while migration.move_keys(1000) > 0 {}
        migration.finish();
    }

    /// Starts moving `slot` to node `to` step by step, as `redis-cli
    /// --cluster reshard` does: the target is importing it, the source
    /// migrating it. Until [`SlotMigration::finish`], the source serves
    /// the keys it still has and answers `ASK` for those already moved
    /// ([`SlotMigration::move_keys`], [`SlotMigration::move_key`]); the
    /// target serves moved keys to clients that send `ASKING`.
    ///
    /// ```
    /// let cluster = redsim::Cluster::start().unwrap();
    /// let slot = redsim::Cluster::slot_of("k");
    /// let from = cluster.owner_of_slot(slot).unwrap();
    /// let mut con = cluster.node(from).connection();
    /// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    /// let migration = cluster.begin_migration(slot, (from + 1) % 3);
    /// assert!(migration.move_key("k"));
    /// let err = redis::cmd("GET").arg("k").query::<String>(&mut con).unwrap_err();
    /// assert_eq!(err.code(), Some("ASK"));
    /// migration.finish();
    /// ```
    ///
    /// # Panics
    /// If `to` is not a primary, nobody serves `slot`, or `to` already
    /// does.
    pub fn begin_migration(&self, slot: u16, to: usize) -> SlotMigration<'_> {
        let from = self
            .owner_of_slot(slot)
            .unwrap_or_else(|| panic!("no node serves slot {slot}"));
        assert!(!self.nodes[to].is_replica(), "node {to} is a replica");
        assert_ne!(from, to, "node {to} already serves slot {slot}");
        let to_id = self.nodes[to].id();
        let from_id = self.nodes[from].id();
        self.nodes[from].with_view_mut(|v| {
            let n = v.find(to_id.as_bytes()).expect("known");
            v.migrating.insert(slot, n);
        });
        self.nodes[to].with_view_mut(|v| {
            let n = v.find(from_id.as_bytes()).expect("known");
            v.importing.insert(slot, n);
        });
        SlotMigration {
            cluster: self,
            slot,
            from,
            to,
        }
    }

    /// Copies every primary's keys to its replicas now (what a replica
    /// has is what it had at the last copy: redsim's replicas do not yet
    /// follow writes as they happen). A failover copies first by itself.
    pub fn sync_replicas(&self) {
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = self.primary_index(i) {
                copy_data(&self.nodes[p].server.shared, &node.server.shared);
            }
        }
    }

    /// The index of node `i`'s primary, if it is a replica.
    fn primary_index(&self, i: usize) -> Option<usize> {
        let primary = self.nodes[i].with_view(|v| {
            let p = v.primary_of(v.myself)?;
            v.node(p).map(|n| n.id.clone())
        })?;
        self.nodes.iter().position(|n| n.id() == primary)
    }

    /// The replicas of node `i`, as they see themselves.
    fn replicas_of(&self, i: usize) -> Vec<usize> {
        let id = self.nodes[i].id();
        (0..self.nodes.len())
            .filter(|&j| {
                self.nodes[j].with_view(|v| v.me().primary.as_deref() == Some(id.as_str()))
            })
            .collect()
    }

    /// A manual failover (CLUSTER FAILOVER on replica `replica`): the
    /// replica copies its primary's keys, takes its slots with a new
    /// config epoch, and the old primary becomes its replica — on every
    /// node at once.
    ///
    /// ```
    /// let cluster = redsim::Cluster::builder().primaries(3).replicas(1).start().unwrap();
    /// let replica = 3; // primary 0's
    /// cluster.failover(replica);
    /// assert!(!cluster.node(replica).is_replica());
    /// assert!(cluster.node(0).is_replica());
    /// ```
    ///
    /// # Panics
    /// If node `replica` is no replica.
    pub fn failover(&self, replica: usize) {
        let primary = self
            .primary_index(replica)
            .unwrap_or_else(|| panic!("node {replica} is not a replica"));
        copy_data(
            &self.nodes[primary].server.shared,
            &self.nodes[replica].server.shared,
        );
        self.promote(replica);
    }

    fn promote(&self, replica: usize) {
        self.nodes[replica].with_view_mut(ClusterView::promote);
        self.spread(replica);
        // The others learn it; the old primary and its other replicas
        // follow, and say so.
        for j in 0..self.nodes.len() {
            if j != replica {
                self.spread(j);
            }
        }
    }

    /// Fails node `i` as a crash would: the server powers off (clients
    /// are refused), every other node marks it `fail`, and if it was a
    /// primary with a replica, its first replica — having copied its keys,
    /// as an in-sync replica would have them — takes over its slots.
    /// Returns the promoted replica's index. Bring the node back with
    /// [`Cluster::revive`].
    ///
    /// ```
    /// let cluster = redsim::Cluster::builder().replicas(1).start().unwrap();
    /// let promoted = cluster.fail(1);
    /// assert_eq!(promoted, Some(4));
    /// assert!(!cluster.node(4).is_replica());
    /// cluster.revive(1).unwrap();
    /// assert!(cluster.node(1).is_replica());
    /// ```
    pub fn fail(&self, i: usize) -> Option<usize> {
        let promoted = self.fail_node(i);
        self.nodes[i].power_off();
        promoted
    }

    fn fail_node(&self, i: usize) -> Option<usize> {
        let id = self.nodes[i].id();
        for (j, node) in self.nodes.iter().enumerate() {
            if j != i {
                node.with_view_mut(|v| {
                    if let Some(n) = v.find(id.as_bytes())
                        && let Some(node) = v.node_mut(n)
                    {
                        node.fail = true;
                    }
                    v.refresh();
                });
            }
        }
        let replica = self.replicas_of(i).into_iter().next()?;
        copy_data(
            &self.nodes[i].server.shared,
            &self.nodes[replica].server.shared,
        );
        self.nodes[replica].with_view_mut(ClusterView::promote);
        for j in 0..self.nodes.len() {
            if j != i {
                self.spread_except(j, i);
            }
        }
        Some(replica)
    }

    /// [`Cluster::spread`] to every node but `skip`.
    fn spread_except(&self, from: usize, skip: usize) {
        let msg = self.nodes[from].with_view(|v| Message::of(v, Kind::Ping));
        for (j, node) in self.nodes.iter().enumerate() {
            if j != from && j != skip {
                deliver(&node.server.shared, &msg);
            }
        }
    }

    /// Brings a node back from [`Cluster::fail`] (powered on, data kept)
    /// or [`Cluster::partition`]: it hears the others, so a primary whose
    /// slots were taken over becomes a replica of the node that took them
    /// (and copies its keys), and the others clear its `fail` flag.
    ///
    /// # Errors
    /// When its port cannot be bound again.
    pub fn revive(&self, i: usize) -> io::Result<()> {
        self.nodes[i].power_on()?;
        self.heal(i);
        Ok(())
    }

    /// Cuts node `i` off from the other nodes (not from its clients): it
    /// sees the cluster down (`CLUSTERDOWN` for keys), the others mark it
    /// `fail`, and its first replica, if any, takes over its slots (with
    /// the keys it had). End it with [`Cluster::heal`].
    pub fn partition(&self, i: usize) -> Option<usize> {
        self.nodes[i].with_view_mut(|v| {
            v.isolated = true;
            let me = v.myself;
            let others: Vec<_> = v.nodes().map(|(n, _)| n).filter(|&n| n != me).collect();
            for n in others {
                if let Some(node) = v.node_mut(n) {
                    node.pfail = true;
                }
            }
            v.refresh();
        });
        self.fail_node(i)
    }

    /// Ends [`Cluster::partition`] of node `i` (also the end of
    /// [`Cluster::revive`]).
    pub fn heal(&self, i: usize) {
        self.nodes[i].with_view_mut(|v| {
            v.isolated = false;
            let others: Vec<_> = v.nodes().map(|(n, _)| n).collect();
            for n in others {
                if let Some(node) = v.node_mut(n) {
                    node.pfail = false;
                    node.fail = false;
                }
            }
            v.refresh();
        });
        let id = self.nodes[i].id();
        for node in &self.nodes {
            node.with_view_mut(|v| {
                if let Some(n) = v.find(id.as_bytes())
                    && let Some(node) = v.node_mut(n)
                {
                    node.fail = false;
                    node.pfail = false;
                }
                v.refresh();
            });
        }
        for j in 0..self.nodes.len() {
            if j != i {
                self.spread(j);
            }
        }
        self.spread(i);
        if let Some(p) = self.primary_index(i) {
            copy_data(&self.nodes[p].server.shared, &self.nodes[i].server.shared);
            self.nodes[i].with_view_mut(|v| v.resync = false);
        }
    }

    /// Restarts node `i` as a process without persistence would (see
    /// [`Server::restart`]): its keys are lost, its cluster configuration
    /// (id, slots, epochs) kept, as nodes.conf keeps it.
    pub fn restart(&self, i: usize) {
        self.nodes[i].restart();
    }

    /// Whether every node agrees with every other on who serves each slot
    /// and sees the cluster up: what `redis-cli --cluster check` checks.
    pub fn is_consistent(&self) -> bool {
        let signature = |n: &ClusterNode| {
            n.with_view(|v| {
                let mut owners: Vec<(String, Vec<(u16, u16)>)> = v
                    .nodes()
                    .map(|(num, node)| (node.id.clone(), v.ranges_of(num)))
                    .collect();
                owners.sort();
                (owners, v.is_ok())
            })
        };
        let first = signature(&self.nodes[0]);
        first.1 && self.nodes.iter().all(|n| signature(n) == first)
    }
}

/// A slot on its way from one node to another
/// ([`Cluster::begin_migration`]).
#[derive(Debug)]
#[must_use = "a migration stays open until .finish()"]
pub struct SlotMigration<'a> {
    cluster: &'a Cluster,
    slot: u16,
    from: usize,
    to: usize,
}

impl SlotMigration<'_> {
    /// Moves up to `count` of the slot's keys from the source to the
    /// target, as MIGRATE does; how many it moved.
    pub fn move_keys(&self, count: usize) -> usize {
        let keys: Vec<crate::db::Blob> = {
            let state = self.cluster.nodes[self.from].server.shared.state.lock();
            state.dbs[0]
                .iter()
                .map(|(k, _)| k)
                .filter(|k| key_slot(k.as_slice()) == self.slot)
                .take(count)
                .cloned()
                .collect()
        };
        keys.iter().filter(|k| self.move_key(k.as_slice())).count()
    }

    /// Moves `key` (of this slot) from the source to the target; whether
    /// the source had it.
    pub fn move_key(&self, key: impl AsRef<[u8]>) -> bool {
        let key = key.as_ref();
        let entry = {
            let mut state = self.cluster.nodes[self.from].server.shared.state.lock();
            state.dbs[0].remove(key)
        };
        let Some(entry) = entry else {
            return false;
        };
        let mut state = self.cluster.nodes[self.to].server.shared.state.lock();
        let expire = entry.expire_at();
        state.dbs[0].insert(key, entry.value, expire, entry.access);
        true
    }

    /// Ends the migration: the keys left move, the target serves the slot
    /// with a new config epoch, and every node learns it.
    pub fn finish(self) {
        while self.move_keys(1000) > 0 {}
        let slot = self.slot;
        self.cluster.nodes[self.to].with_view_mut(|v| {
            v.importing.remove(&slot);
            let me = v.myself;
            v.assign(slot, Some(me));
            v.bump_epoch();
            v.refresh();
        });
        self.cluster.nodes[self.from].with_view_mut(|v| {
            v.migrating.remove(&slot);
        });
        self.cluster.spread(self.to);
    }
}

/// Delivers `msg` to the node of `shared` now (the test's controls).
fn deliver(shared: &Arc<Shared>, msg: &Message) {
    let now = shared.clock.now_millis();
    let mut state = shared.state.lock();
    let Some(view) = state.cluster.as_deref_mut() else {
        return;
    };
    let applied = crate::cluster::gossip::apply(view, msg, now);
    let resync = std::mem::take(&mut view.resync);
    bus::delete_slots(&mut state, &applied.lost);
    drop(state);
    if resync {
        // It follows a new primary: copy its keys now.
        let primary = {
            let state = shared.state.lock();
            state.cluster.as_deref().and_then(|v| {
                let p = v.node(v.primary_of(v.myself)?)?;
                Some(SocketAddr::new(p.ip.parse().ok()?, p.port))
            })
        };
        if let Some(p) = primary.and_then(bus::server_at) {
            copy_data(&p, shared);
        }
    }
}

/// Replaces database 0 of `to` with a copy of `from`'s.
fn copy_data(from: &Arc<Shared>, to: &Arc<Shared>) {
    if Arc::ptr_eq(from, to) {
        return;
    }
    let keys: Vec<_> = {
        let state = from.state.lock();
        state.dbs[0]
            .iter()
            .map(|(k, e)| (k.clone(), e.clone()))
            .collect()
    };
    let mut state = to.state.lock();
    bus::install(&mut state, keys);
}
