//! [`Sentinel`]: a Redis Sentinel for redsim servers of this process.
//!
//! It watches a primary and its replicas (the servers themselves, not
//! their sockets), answers over TCP the commands clients use to find the
//! primary (`SENTINEL get-master-addr-by-name`, `masters`, `master`,
//! `replicas`, `sentinels`, `is-master-down-by-addr`, `failover`,
//! `ckquorum`, `reset`, `PING`, `ROLE`, `INFO`) and publishes its events
//! (`+sdown`, `+odown`, `+switch-master`…) on its pub/sub, so that sentinel
//! clients — the `redis` crate's, and any other language's — can be tested
//! against a failover.
//!
//! Time is its clock's: a primary that cannot be reached (powered off,
//! shut down) for more than `down-after-milliseconds` of that clock is
//! subjectively down, then objectively down (this sentinel is the whole
//! quorum), and the sentinel fails over: it promotes the replica with the
//! highest offset, points the other replicas at it, and makes the old
//! primary a replica of it once it is back. With a [`ManualClock`]
//! (crate::ManualClock) all of it happens inside the `advance` that
//! crosses the deadline. A failover can also be asked for: the test's
//! [`Sentinel::failover`], or a client's `SENTINEL FAILOVER`.
//!
//! It is one sentinel: `SENTINEL sentinels` lists no other, and the quorum
//! must be 1.

mod commands;
mod net;
mod watch;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::Server;
use crate::clock::{Clock, ClockListener};
use crate::shared::Shared;

/// What a sentinel knows of one monitored primary and its replicas.
struct Master {
    name: String,
    /// The current primary.
    primary: Node,
    /// Its replicas (the old primary joins them after a failover).
    replicas: Vec<Node>,
    quorum: u32,
    down_after_ms: i64,
    failover_timeout_ms: i64,
    config_epoch: u64,
    /// Sentinel-clock ms since when the primary has been unreachable.
    down_since: Option<i64>,
    sdown: bool,
    odown: bool,
    failovers: u64,
}

/// A monitored server.
#[derive(Clone)]
struct Node {
    server: Weak<Shared>,
    host: String,
    port: u16,
    /// Sentinel-clock ms of the last successful check.
    last_ok: i64,
}

impl Node {
    fn of(server: &Server, now: i64) -> Node {
        let shared = server.shared();
        let (host, port) =
            crate::repl::address_of(shared).unwrap_or_else(|| crate::repl::register(shared));
        Node {
            server: Arc::downgrade(shared),
            host,
            port,
            last_ok: now,
        }
    }

    /// The server, if it answers (alive and powered on).
    fn reachable(&self) -> Option<Arc<Shared>> {
        self.server
            .upgrade()
            .filter(|s| !s.is_closed() && !s.faults.is_off())
    }
}

/// Shared by the sentinel's handle, its listener and its connections.
pub(crate) struct Inner {
    masters: Mutex<Vec<Master>>,
    clock: Clock,
    events: broadcast::Sender<(String, String)>,
    run_id: String,
    closed: tokio::sync::Notify,
    is_closed: std::sync::atomic::AtomicBool,
}

impl Inner {
    fn now(&self) -> i64 {
        self.clock.now_millis()
    }

    fn publish(&self, channel: &str, message: String) {
        let _ = self.events.send((channel.to_string(), message));
    }
}

impl ClockListener for Inner {
    fn clock_moved(&self) {
        self.check();
    }
}

/// Builds a [`Sentinel`].
#[must_use = "a builder does nothing until .start()"]
pub struct SentinelBuilder {
    clock: Clock,
    masters: Vec<(String, Vec<Node>, Node)>,
    quorum: u32,
    down_after: Duration,
    failover_timeout: Duration,
    port: u16,
}

impl std::fmt::Debug for SentinelBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentinelBuilder")
            .field("masters", &self.masters.len())
            .field("down_after", &self.down_after)
            .finish()
    }
}

/// A running sentinel. Dropping it stops it (its servers go on).
///
/// ```
/// use redsim::{Sentinel, Server};
///
/// let primary = Server::start().unwrap();
/// let replica = Server::start().unwrap();
/// replica.replicaof(primary.addr());
/// let sentinel = Sentinel::builder()
///     .monitor("mymaster", &primary, &[&replica])
///     .start()
///     .unwrap();
/// let mut con = sentinel.client().get_connection().unwrap();
/// let addr: (String, u16) = redis::cmd("SENTINEL")
///     .arg("get-master-addr-by-name")
///     .arg("mymaster")
///     .query(&mut con)
///     .unwrap();
/// assert_eq!(addr.1, primary.addr().port());
///
/// sentinel.failover("mymaster").unwrap();
/// let addr: (String, u16) = redis::cmd("SENTINEL")
///     .arg("get-master-addr-by-name")
///     .arg("mymaster")
///     .query(&mut con)
///     .unwrap();
/// assert_eq!(addr.1, replica.addr().port());
/// ```
pub struct Sentinel {
    inner: Arc<Inner>,
    addr: SocketAddr,
}

impl std::fmt::Debug for Sentinel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sentinel")
            .field("addr", &self.addr)
            .finish()
    }
}

/// Why a failover could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FailoverError {
    /// No primary is monitored under that name.
    #[error("no such master with that name")]
    NoSuchMaster,
    /// No replica can be promoted (none reachable).
    #[error("no suitable replica to promote")]
    NoGoodReplica,
}

impl Sentinel {
    /// A builder: system clock, quorum 1, `down-after-milliseconds` 30 s,
    /// a free port of 127.0.0.1.
    pub fn builder() -> SentinelBuilder {
        SentinelBuilder {
            clock: Clock::system(),
            masters: Vec::new(),
            quorum: 1,
            down_after: Duration::from_secs(30),
            failover_timeout: Duration::from_secs(180),
            port: 0,
        }
    }

    /// Its TCP address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A `redis://` URL for it.
    pub fn url(&self) -> String {
        format!("redis://{}/", self.addr)
    }

    /// A `redis::Client` for it.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("a sentinel URL is always valid")
    }

    /// The address of the primary monitored as `name`, as
    /// `SENTINEL get-master-addr-by-name` answers it.
    pub fn master_addr(&self, name: &str) -> Option<(String, u16)> {
        let masters = self.inner.masters.lock();
        let m = masters.iter().find(|m| m.name == name)?;
        Some((m.primary.host.clone(), m.primary.port))
    }

    /// Fails `name` over now, whatever the primary's health: the replica
    /// with the highest offset is promoted, the others follow it, and so
    /// does the old primary (now if it is reachable, else once it is back).
    /// `+switch-master` is published.
    ///
    /// # Errors
    /// No such primary, or no replica can be promoted.
    pub fn failover(&self, name: &str) -> Result<(), FailoverError> {
        self.inner.failover(name)
    }

    /// Looks at the servers now (as its clock moving would): marks the
    /// primary down past `down-after-milliseconds`, and fails over.
    pub fn check(&self) {
        self.inner.check();
    }
}

impl SentinelBuilder {
    /// The clock that `down-after-milliseconds` counts on (default: the
    /// system clock). A [`ManualClock`](crate::ManualClock) makes failovers
    /// happen exactly when the test moves it.
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// Monitors `primary` under `name`, with its `replicas` (servers of
    /// this process; they should replicate from it already).
    pub fn monitor(mut self, name: &str, primary: &Server, replicas: &[&Server]) -> Self {
        let now = self.clock.now_millis();
        self.masters.push((
            name.to_string(),
            replicas.iter().map(|r| Node::of(r, now)).collect(),
            Node::of(primary, now),
        ));
        self
    }

    /// `quorum` (only 1 can be reached: there is one sentinel).
    pub fn quorum(mut self, quorum: u32) -> Self {
        self.quorum = quorum;
        self
    }

    /// `down-after-milliseconds`: how long the primary must be unreachable
    /// to be down.
    pub fn down_after(mut self, d: Duration) -> Self {
        self.down_after = d;
        self
    }

    /// `failover-timeout`, as SENTINEL MASTER reports it.
    pub fn failover_timeout(mut self, d: Duration) -> Self {
        self.failover_timeout = d;
        self
    }

    /// The TCP port (default: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts it.
    ///
    /// # Errors
    /// When no port can be bound.
    pub fn start(self) -> io::Result<Sentinel> {
        let masters = self
            .masters
            .into_iter()
            .map(|(name, replicas, primary)| Master {
                name,
                primary,
                replicas,
                quorum: self.quorum,
                down_after_ms: self.down_after.as_millis() as i64,
                failover_timeout_ms: self.failover_timeout.as_millis() as i64,
                config_epoch: 0,
                down_since: None,
                sdown: false,
                odown: false,
                failovers: 0,
            })
            .collect();
        let (events, _) = broadcast::channel(1024);
        let mut rng = fastrand::Rng::new();
        let inner = Arc::new(Inner {
            masters: Mutex::new(masters),
            clock: self.clock.clone(),
            events,
            run_id: crate::state::random_hex(&mut rng, 40),
            closed: tokio::sync::Notify::new(),
            is_closed: std::sync::atomic::AtomicBool::new(false),
        });
        let listener: Weak<dyn ClockListener> = Arc::downgrade(&inner) as _;
        self.clock.subscribe(listener);
        let runtime = crate::handle::runtime();
        let addr = net::listen(&inner, self.port, &runtime)?;
        if self.clock.runs_in_real_time() {
            runtime.spawn(watch::ticker(Arc::downgrade(&inner)));
        }
        Ok(Sentinel { inner, addr })
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        self.inner
            .is_closed
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.closed.notify_waiters();
    }
}
