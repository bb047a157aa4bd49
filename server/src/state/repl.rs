//! Replication as the state holds it: this server's role (primary, or
//! replica of an upstream), its replication ids and offset, the backlog
//! of the stream it propagated, the replicas attached to it with their
//! acknowledged offsets, and the commands the running command has asked to
//! propagate.
//!
//! Pure bookkeeping under the state lock: what a command propagates is
//! decided in `cmd::repl`, the replica's link to its primary runs in
//! `repl`, and the bytes reach a replica through its [`Outbox`], which its
//! transport writes. A server that never had a replica keeps
//! [`Repl::on`] false and pays nothing per command.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use bytes::Bytes;

use super::State;
use super::clients::{ClientId, KillSwitch, Outbox};

/// The replication id of a history nobody shares: PSYNC's `?`.
pub const NO_REPLID: &str = "0000000000000000000000000000000000000000";

/// What this server is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A primary (Redis's `master`).
    Primary,
    /// A replica of the server at `host:port`.
    Replica(Upstream),
}

/// The primary a replica follows, and how its link to it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The primary's host, as REPLICAOF named it.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// Where the link is.
    pub link: LinkState,
    /// Bumped by every REPLICAOF: a link task of an older epoch ends.
    pub epoch: u64,
    /// Server-clock ms of the last bytes from the primary.
    pub last_io_ms: i64,
    /// Server-clock ms when the link went down (for
    /// `master_link_down_since_seconds`).
    pub down_since_ms: i64,
    /// Whether a full synchronisation has completed since REPLICAOF.
    pub synced: bool,
    /// This server was a primary that hands over by FAILOVER: its PSYNC
    /// asks the target to take over.
    pub failover: bool,
    /// Reached in this process without a socket ([`Upstream::host`] and
    /// port name it in the in-process registry).
    pub local: bool,
}

/// The replica side of the link, as INFO's `master_link_status` and
/// ROLE's state word name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Must connect (ROLE: `connect`).
    Connect,
    /// Connecting or shaking hands (ROLE: `connecting` / `handshake`).
    Connecting,
    /// Receiving the snapshot (ROLE: `sync`).
    Sync,
    /// Streaming (ROLE: `connected`).
    Connected,
}

impl LinkState {
    /// ROLE's word for it.
    pub fn role_word(self) -> &'static str {
        match self {
            LinkState::Connect => "connect",
            LinkState::Connecting => "connecting",
            LinkState::Sync => "sync",
            LinkState::Connected => "connected",
        }
    }
}

/// Where a replica attached to this server is, as INFO's `state=` says
/// (redsim sends the snapshot within the PSYNC: a replica is online at
/// once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    /// Streaming (`online`).
    Online,
}

impl ReplicaState {
    /// INFO's word for it.
    pub fn word(self) -> &'static str {
        match self {
            ReplicaState::Online => "online",
        }
    }
}

/// A replica attached to this server.
#[derive(Debug)]
pub struct Replica {
    /// Its IP, as this server sees the connection (or the announced one).
    pub ip: String,
    /// The port it listens on (REPLCONF listening-port), 0 if unknown.
    pub port: u16,
    /// Where it is.
    pub state: ReplicaState,
    /// The offset it last acknowledged (REPLCONF ACK).
    pub ack_offset: i64,
    /// Server-clock ms of its last acknowledgement.
    pub ack_ms: i64,
    /// Where the stream for it goes: its connection's outbox.
    pub feed: Arc<Outbox>,
    /// Its connection's switch (the test cuts links with it).
    pub kill: Arc<KillSwitch>,
    /// Stream bytes held back by the test ([`Repl::hold`]).
    pub held: Vec<u8>,
    /// Connected in this process, without a socket.
    pub local: bool,
}

/// The replication backlog: the last `size` bytes of the stream, for
/// replicas that reconnect to resume where they were.
#[derive(Debug)]
pub struct Backlog {
    buf: VecDeque<u8>,
    size: usize,
    /// The replication offset of the first byte held.
    pub first_offset: i64,
}

impl Backlog {
    /// An empty backlog of `size` bytes whose next byte is at offset `next`.
    pub fn new(size: usize, next: i64) -> Backlog {
        Backlog {
            buf: VecDeque::new(),
            size: size.max(1),
            first_offset: next,
        }
    }

    /// Bytes held (`repl_backlog_histlen`).
    pub fn histlen(&self) -> usize {
        self.buf.len()
    }

    /// Its capacity (`repl-backlog-size`).
    pub fn size(&self) -> usize {
        self.size
    }

    /// Changes its capacity, keeping the newest bytes.
    pub fn resize(&mut self, size: usize) {
        self.size = size.max(1);
        self.trim();
    }

    /// Appends stream bytes, forgetting the oldest past its capacity.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend(bytes);
        self.trim();
    }

    fn trim(&mut self) {
        let over = self.buf.len().saturating_sub(self.size);
        if over > 0 {
            self.buf.drain(..over);
            self.first_offset += over as i64;
        }
    }

    /// The bytes from offset `from` to the end, if it still holds them.
    pub fn since(&self, from: i64) -> Option<Vec<u8>> {
        let end = self.first_offset + self.buf.len() as i64;
        if from < self.first_offset || from > end {
            return None;
        }
        let skip = (from - self.first_offset) as usize;
        Some(self.buf.iter().skip(skip).copied().collect())
    }
}

/// A new replication id: random, and never the same twice in a process,
/// even for servers built with the same seed (two servers with one history
/// id would take each other's data for their own).
pub fn fresh_replid(seed: u64) -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut rng = fastrand::Rng::with_seed(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    super::random_hex(&mut rng, 40)
}

/// Appends `args` as a RESP array of bulk strings, as the stream carries
/// commands.
pub fn encode_command(out: &mut Vec<u8>, args: &[Bytes]) {
    out.push(b'*');
    out.extend_from_slice(itoa::Buffer::new().format(args.len()).as_bytes());
    out.extend_from_slice(b"\r\n");
    for a in args {
        out.push(b'$');
        out.extend_from_slice(itoa::Buffer::new().format(a.len()).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
}

/// The test's hold on the stream to replicas (lag, or a link cut).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Hold {
    /// The stream is kept back (and so are acknowledgements).
    pub held: bool,
    /// Replication links are cut and refused.
    pub cut: bool,
}

/// Replication as the state holds it.
#[derive(Debug)]
pub struct Repl {
    /// Primary or replica.
    pub role: Role,
    /// This history's id (`master_replid`).
    pub replid: String,
    /// The id of the history this one continues (`master_replid2`).
    pub replid2: String,
    /// The last offset valid for `replid2` (`second_repl_offset`), -1 if
    /// none.
    pub second_offset: i64,
    /// Bytes of stream propagated (or, on a replica, applied) so far
    /// (`master_repl_offset`).
    pub offset: i64,
    /// The backlog, once a replica has attached (or this server is one).
    pub backlog: Option<Backlog>,
    /// Replicas attached, by their client id.
    pub replicas: BTreeMap<ClientId, Replica>,
    /// The database the stream last SELECTed, if any.
    pub seldb: Option<usize>,
    /// Commands the running command propagates, with their database.
    pub pending: Vec<(usize, Vec<Bytes>)>,
    /// What the running command propagates instead of itself.
    pub rewrite: Option<Vec<Vec<Bytes>>>,
    /// Whether propagation is on: a backlog exists. Checked once per
    /// command; false on a server that never had a replica.
    pub on: bool,
    /// Whether expiry is held because this server is a replica: keys past
    /// their deadline read as missing, and wait for the primary's DEL.
    pub holds_expiry: bool,
    /// The test's hold on the stream.
    pub hold: Hold,
    /// `min-replicas-to-write`, read on every write.
    pub min_replicas: i64,
    /// The highest link epoch handed out, so that a new link never
    /// takes an old one's number.
    pub epoch_floor: u64,
    /// The switch that ends the running link to the primary, if any.
    pub link_kill: Option<Arc<KillSwitch>>,
    /// What connecting clients said in REPLCONF before PSYNC: listening
    /// port and announced IP, by client id.
    pub announced: BTreeMap<ClientId, (u16, Option<String>)>,
    /// The FAILOVER in progress, if any (INFO's master_failover_state).
    pub failover: Option<Failover>,
    /// Full synchronisations served (`sync_full`).
    pub sync_full: u64,
    /// Partial resynchronisations accepted (`sync_partial_ok`).
    pub sync_partial_ok: u64,
    /// Partial resynchronisations refused (`sync_partial_err`).
    pub sync_partial_err: u64,
    /// The offset each client's last propagated write ended at (WAIT's
    /// target), by client id; forgotten when the client goes.
    pub woff: BTreeMap<ClientId, i64>,
}

/// A FAILOVER in progress on a primary.
#[derive(Debug, Clone)]
pub struct Failover {
    /// The replica to hand over to, if named (`host`, `port`).
    pub target: Option<(String, u16)>,
    /// Server-clock ms after which it is aborted (0: never).
    pub deadline: i64,
    /// Promote even if the target has not caught up, at the deadline.
    pub force: bool,
    /// Where it is: `waiting-for-sync` or `failover-in-progress`.
    pub state: &'static str,
}

impl Repl {
    /// A primary with a fresh replication id.
    pub fn new(replid: String) -> Repl {
        Repl {
            role: Role::Primary,
            replid,
            replid2: NO_REPLID.to_string(),
            second_offset: -1,
            offset: 0,
            backlog: None,
            replicas: BTreeMap::new(),
            seldb: None,
            pending: Vec::new(),
            rewrite: None,
            on: false,
            holds_expiry: false,
            hold: Hold::default(),
            min_replicas: 0,
            epoch_floor: 0,
            link_kill: None,
            announced: BTreeMap::new(),
            failover: None,
            sync_full: 0,
            sync_partial_ok: 0,
            sync_partial_err: 0,
            woff: BTreeMap::new(),
        }
    }

    /// Whether this server is a primary.
    pub fn is_primary(&self) -> bool {
        self.role == Role::Primary
    }

    /// The upstream of a replica.
    pub fn upstream(&self) -> Option<&Upstream> {
        match &self.role {
            Role::Replica(u) => Some(u),
            Role::Primary => None,
        }
    }

    /// The upstream of a replica, to change.
    pub fn upstream_mut(&mut self) -> Option<&mut Upstream> {
        match &mut self.role {
            Role::Replica(u) => Some(u),
            Role::Primary => None,
        }
    }

    /// Creates the backlog (of `size` bytes) if there is none: from now on
    /// commands are propagated.
    pub fn ensure_backlog(&mut self, size: usize) {
        if self.backlog.is_none() {
            self.backlog = Some(Backlog::new(size, self.offset + 1));
            // A new backlog starts a history replicas must SELECT into.
            self.seldb = None;
        }
        self.on = true;
    }

    /// Sends `bytes` of stream: into the backlog, to every replica (or
    /// into what the test holds back), and counts them in the offset.
    /// Replicas whose outbox refuses them are disconnected.
    pub fn feed(&mut self, bytes: &[u8], now: i64) {
        if bytes.is_empty() {
            return;
        }
        if let Some(b) = &mut self.backlog {
            b.push(bytes);
        }
        self.offset += bytes.len() as i64;
        self.send(bytes, now);
    }

    /// Sends `bytes` to the replicas without counting them (the snapshot
    /// and stream of a full synchronisation are counted where they start).
    pub fn send(&mut self, bytes: &[u8], now: i64) {
        let held = self.hold.held || self.hold.cut;
        for r in self.replicas.values_mut() {
            if held {
                if !self.hold.cut {
                    r.held.extend_from_slice(bytes);
                }
                continue;
            }
            let unlimited = crate::config::OutputLimits::default();
            if !r.feed.push(bytes, unlimited, now) {
                r.kill.kill();
            }
        }
    }

    /// Releases what the test held back, in order.
    pub fn release(&mut self, now: i64) {
        self.hold.held = false;
        for r in self.replicas.values_mut() {
            let held = std::mem::take(&mut r.held);
            if !held.is_empty() {
                let unlimited = crate::config::OutputLimits::default();
                r.feed.push(&held, unlimited, now);
            }
        }
    }

    /// How many replicas have acknowledged `offset`.
    pub fn acked(&self, offset: i64) -> usize {
        self.replicas
            .values()
            .filter(|r| r.state == ReplicaState::Online && r.ack_offset >= offset)
            .count()
    }

    /// Replicas whose lag (seconds since their last acknowledgement, 0 for
    /// one that has acknowledged everything) is at most `max_lag`: those
    /// `min-replicas-to-write` counts.
    pub fn good_replicas(&self, now: i64, max_lag: i64) -> usize {
        self.replicas
            .values()
            .filter(|r| r.state == ReplicaState::Online && self.lag_secs(r, now) <= max_lag)
            .count()
    }

    /// A replica's lag in seconds, as INFO's `lag=` reports it. A replica
    /// that has acknowledged the whole stream, on a link the test does not
    /// hold, is 0 behind: Redis's replicas acknowledge every second of
    /// real time, and a test clock must not age one that is caught up.
    pub fn lag_secs(&self, r: &Replica, now: i64) -> i64 {
        if r.ack_offset >= self.offset && !self.hold.held && !self.hold.cut {
            return 0;
        }
        (now - r.ack_ms).max(0) / 1000
    }

    /// Starts a new history (a replica promoted, or a primary that must
    /// not be resumed from): the old id becomes `replid2`, valid up to the
    /// current offset.
    pub fn shift_replid(&mut self, new: String) {
        self.replid2 = std::mem::replace(&mut self.replid, new);
        self.second_offset = self.offset + 1;
    }

    /// Propagates `commands` (each with the database it ran in) as one
    /// unit: MULTI/EXEC around them when there are several (MULTI in the
    /// first one's database), a SELECT before each whose database the
    /// stream is not in, as Redis 7.0's `propagatePendingCommands` and
    /// `replicationFeedSlaves` write them.
    pub fn emit_units(&mut self, commands: &[(usize, Vec<Bytes>)], now: i64) {
        let Some((first, _)) = commands.first() else {
            return;
        };
        let mut bytes = Vec::new();
        let wrap = commands.len() > 1;
        if wrap {
            self.select(&mut bytes, *first);
            encode_command(&mut bytes, &[Bytes::from_static(b"MULTI")]);
        }
        for (db, c) in commands {
            self.select(&mut bytes, *db);
            encode_command(&mut bytes, c);
        }
        if wrap {
            encode_command(&mut bytes, &[Bytes::from_static(b"EXEC")]);
        }
        self.feed(&bytes, now);
    }

    fn select(&mut self, bytes: &mut Vec<u8>, db: usize) {
        if self.seldb != Some(db) {
            let n = itoa::Buffer::new().format(db).as_bytes().to_vec();
            encode_command(bytes, &[Bytes::from_static(b"SELECT"), Bytes::from(n)]);
            self.seldb = Some(db);
        }
    }

    /// Propagates the deletion of a key that expired in database `db`
    /// (on a primary that propagates: replicas wait for it).
    pub fn expired(&mut self, db: usize, key: &[u8], now: i64) {
        if self.on && self.is_primary() {
            let del = vec![Bytes::from_static(b"DEL"), Bytes::copy_from_slice(key)];
            self.emit_units(&[(db, del)], now);
        }
    }

    /// Forgets a client that is gone: a replica is detached.
    pub fn forget_client(&mut self, id: ClientId) {
        if self.on || !self.woff.is_empty() || !self.announced.is_empty() {
            self.replicas.remove(&id);
            self.woff.remove(&id);
            self.announced.remove(&id);
        }
    }

    /// Whether a replica asking to continue `replid` from `offset` can be
    /// served from the backlog.
    pub fn can_continue(&self, replid: &str, offset: i64) -> bool {
        let same =
            replid == self.replid || (replid == self.replid2 && offset <= self.second_offset);
        same && self
            .backlog
            .as_ref()
            .is_some_and(|b| b.since(offset).is_some())
    }
}

impl State {
    /// Holds expiry as a replica does (keys past their deadline read as
    /// missing to clients, stay until the primary's DEL, and are never
    /// announced), or lets it go on, purging what came due.
    pub fn set_replica_expiry(&mut self, on: bool, now: i64) {
        self.repl.holds_expiry = on;
        let held = on || self.expiry_held;
        for db in &mut self.dbs {
            db.hold_expiry(held);
        }
        if !held {
            self.purge_expired(now);
        }
    }

    /// While a replica applies its primary's stream, keys past their
    /// deadline are alive to it (Redis's master client sees them).
    pub fn set_primary_view(&mut self, on: bool) {
        for db in &mut self.dbs {
            db.set_primary_view(on);
        }
    }
}
