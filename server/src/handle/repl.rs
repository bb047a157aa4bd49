//! The test's hands on replication: making a server a replica of another
//! (in this process, or over TCP as REPLICAOF does), promoting it, reading
//! where replication stands, waiting for replicas to catch up, and the
//! faults of a replication link in pairs — hold / release (lag),
//! cut / heal (a partition), plus dropping what was held.
//!
//! This module owns those methods; what they change lives in the state's
//! replication bookkeeping (`state::repl`), the commands (`cmd::repl`) and
//! the replica's link (`repl`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::Server;
use crate::state::repl::{LinkState, Role};

/// What a server is in replication, as [`Server::replication`] reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplicationRole {
    /// A primary, with its replicas.
    Primary {
        /// Its replicas: address (`ip`, listening port) and the offset each
        /// acknowledged.
        replicas: Vec<ReplicaInfo>,
    },
    /// A replica.
    Replica {
        /// Its primary's host.
        host: String,
        /// Its primary's port.
        port: u16,
        /// Whether its link is up (streaming).
        link_up: bool,
    },
}

/// A replica as its primary sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReplicaInfo {
    /// Its IP (`in-process` for a replica in this process that does not
    /// listen).
    pub ip: String,
    /// The port it listens on.
    pub port: u16,
    /// The offset it acknowledged.
    pub ack_offset: i64,
}

/// Where a server stands in replication.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replication {
    /// Primary or replica.
    pub role: ReplicationRole,
    /// Its replication id (`master_replid`).
    pub replid: String,
    /// Its replication offset (`master_repl_offset`).
    pub offset: i64,
}

impl Server {
    /// Makes this server a replica of `primary`, another server of this
    /// process, reached without a socket: a full synchronisation (or a
    /// partial one, when it can continue its history), then the stream.
    /// Returns at once; [`Server::wait_synced`] waits for the link.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::Server;
    ///
    /// let primary = Server::builder().listen(false).start().unwrap();
    /// let replica = Server::builder().listen(false).start().unwrap();
    /// primary.db(0).set("k", "v").unwrap();
    /// replica.replicate(&primary);
    /// assert!(primary.wait_replicas(1, Duration::from_secs(10)));
    /// replica.db(0).assert_string("k", "v");
    /// ```
    pub fn replicate(&self, primary: &Server) {
        let (host, port) = crate::repl::address_of(&primary.shared)
            .unwrap_or_else(|| crate::repl::register(&primary.shared));
        self.follow(host, port, true);
    }

    /// Makes this server a replica of the server at `addr`, over TCP, as
    /// `REPLICAOF host port` does (any Redis-speaking primary: redsim or a
    /// real redis-server).
    pub fn replicaof(&self, addr: SocketAddr) {
        self.follow(addr.ip().to_string(), addr.port(), false);
    }

    fn follow(&self, host: String, port: u16, local: bool) {
        let now = self.shared.clock.now_millis();
        let mut state = self.shared.state.lock();
        self.shared.sync_arrivals(&mut state);
        crate::cmd::repl::follow(&mut state, &*self.shared, host, port, local, now);
    }

    /// Promotes this server to primary, as `REPLICAOF NO ONE` does: it
    /// keeps its data, starts a new history that continues the old one
    /// (replicas of the old primary can resume from it), and answers
    /// writes. Nothing if it is a primary.
    pub fn promote(&self) {
        let now = self.shared.clock.now_millis();
        let mut state = self.shared.state.lock();
        self.shared.sync_arrivals(&mut state);
        crate::cmd::repl::promote(&mut state, &*self.shared, now);
    }

    /// Where this server stands in replication.
    pub fn replication(&self) -> Replication {
        let state = self.shared.state.lock();
        let repl = &state.repl;
        let role = match &repl.role {
            Role::Primary => ReplicationRole::Primary {
                replicas: repl
                    .replicas
                    .values()
                    .map(|r| ReplicaInfo {
                        ip: r.ip.clone(),
                        port: r.port,
                        ack_offset: r.ack_offset,
                    })
                    .collect(),
            },
            Role::Replica(u) => ReplicationRole::Replica {
                host: u.host.clone(),
                port: u.port,
                link_up: u.link == LinkState::Connected,
            },
        };
        Replication {
            role,
            replid: repl.replid.clone(),
            offset: repl.offset,
        }
    }

    /// Blocks the thread until at least `n` replicas have acknowledged
    /// everything this primary propagated so far, or `timeout` passes;
    /// whether they did. Real time, as a guard against a broken test:
    /// replicas acknowledge as soon as they apply the stream.
    pub fn wait_replicas(&self, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if self.replicas_caught_up() >= n {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// [`Server::wait_replicas`] for async tests (polls every millisecond
    /// of Tokio time; under paused time, advance it).
    pub async fn until_replicas(&self, n: usize) {
        while self.replicas_caught_up() < n {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    fn replicas_caught_up(&self) -> usize {
        let state = self.shared.state.lock();
        state.repl.acked(state.repl.offset)
    }

    /// Blocks the thread until this replica's link is up and streaming, or
    /// `timeout` passes; whether it is.
    pub fn wait_synced(&self, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        loop {
            let up = matches!(
                self.replication().role,
                ReplicationRole::Replica { link_up: true, .. }
            );
            if up {
                return true;
            }
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// Holds the stream from this primary to its replicas (and their
    /// acknowledgements): writes still succeed here, the replicas fall
    /// behind and WAIT counts no one, until [`Server::release_replication`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::Server;
    ///
    /// let primary = Server::builder().listen(false).start().unwrap();
    /// let replica = Server::builder().listen(false).start().unwrap();
    /// replica.replicate(&primary);
    /// assert!(primary.wait_replicas(1, Duration::from_secs(10)));
    /// primary.hold_replication();
    /// // WAIT counts the replicas that acknowledged this client's own
    /// // writes, so the write goes through the same connection.
    /// let mut con = primary.connection();
    /// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    /// let n: i64 = redis::cmd("WAIT").arg(1).arg(10).query(&mut con).unwrap();
    /// assert_eq!(n, 0);
    /// primary.release_replication();
    /// assert!(primary.wait_replicas(1, Duration::from_secs(10)));
    /// replica.db(0).assert_string("k", "v");
    /// ```
    pub fn hold_replication(&self) {
        let mut state = self.shared.state.lock();
        state.repl.hold.held = true;
    }

    /// Ends [`Server::hold_replication`]: what was held reaches the
    /// replicas, in order.
    pub fn release_replication(&self) {
        let now = self.shared.clock.now_millis();
        let mut state = self.shared.state.lock();
        state.repl.release(now);
    }

    /// Loses what [`Server::hold_replication`] held, as a link that breaks
    /// with writes in flight: the links are closed, the replicas reconnect
    /// and resume from the backlog (so they catch up, unless this primary
    /// crashes first: [`Server::power_off`]). The hold ends.
    pub fn drop_held_replication(&self) {
        let mut state = self.shared.state.lock();
        state.repl.hold.held = false;
        for r in state.repl.replicas.values_mut() {
            r.held.clear();
            r.kill.kill();
        }
        state.repl.replicas.clear();
    }

    /// Cuts this primary's replication links: replicas lose the link and
    /// their attempts to reconnect are refused until
    /// [`Server::heal_replication`]. Clients of this server are not
    /// affected.
    pub fn cut_replication(&self) {
        let mut state = self.shared.state.lock();
        state.repl.hold.cut = true;
        for (_, r) in std::mem::take(&mut state.repl.replicas) {
            r.kill.kill();
        }
    }

    /// Ends [`Server::cut_replication`]: replicas reconnect and resume.
    pub fn heal_replication(&self) {
        let mut state = self.shared.state.lock();
        state.repl.hold.cut = false;
    }
}
