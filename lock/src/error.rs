//! The errors of every lock kind, told apart so that callers can act on
//! them: someone else holds it (wait or give up), time ran out, you were not
//! (or are no longer) the owner, Redis (or another lock service) failed,
//! clocks disagree, no quorum.
//!
//! A Redis error reply (READONLY, MISCONF, OOM, BUSY…) always reaches the
//! caller as itself — in [`LockError::Redis`], as the last error of a
//! [`LockError::Timeout`], or per node in [`LockError::NoQuorum`] — and is
//! never counted as contention: [`LockError::redis_error`] finds it.

use std::time::Duration;

/// Why a held lock stopped being held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LostReason {
    /// Redis said another owner (or nobody) holds the key: it expired and
    /// was taken, or was deleted. For a [`Redlock`](crate::Redlock): too
    /// many nodes said so for a majority to be left — a node that
    /// restarted since the lock was acquired counts among them (see
    /// [`Redlock`](crate::Redlock)).
    NotOwner,
    /// The local validity deadline passed without a successful renewal
    /// (renewals kept failing, or there were none).
    Expired,
    /// Renewals failed as many times in a row as the options allow
    /// ([`LockOptions::renew_give_up_after`](crate::LockOptions::renew_give_up_after)).
    RenewalsFailed,
    /// The service ended the lease or session that held the lock: an etcd
    /// lease revoked or expired on the server, a ZooKeeper session expired
    /// or closed. The service deleted the lock with it.
    SessionExpired,
    /// The connection the lock lives on closed: a MySQL/MariaDB or
    /// PostgreSQL session killed (`KILL`, `pg_terminate_backend`), the
    /// server restarted, or the network broke it. The server releases the
    /// lock with the session.
    ConnectionLost,
}

impl std::fmt::Display for LostReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LostReason::NotOwner => "the lock is held by another owner or by nobody",
            LostReason::Expired => "the validity deadline passed without a renewal",
            LostReason::RenewalsFailed => "renewals failed too many times in a row",
            LostReason::SessionExpired => "the lease or session that held the lock ended",
            LostReason::ConnectionLost => "the connection that held the lock closed",
        })
    }
}

/// An error from a lock operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// Another owner holds the lock (a single attempt, as `try_lock`).
    #[error("lock {name:?} is held by another owner")]
    Contended {
        /// The lock's name.
        name: String,
        /// How long the holder's key still lives, when Redis said.
        retry_after: Option<Duration>,
    },
    /// Acquiring gave up: the deadline passed or the attempts ran out
    /// while the lock stayed held (or Redis kept failing).
    #[error(
        "gave up acquiring lock {name:?} after {attempts} attempt(s) in {elapsed:?}{}",
        last_error_suffix(.last_error.as_ref())
    )]
    Timeout {
        /// The lock's name.
        name: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last Redis error met, if the attempts failed rather than
        /// found the lock held.
        #[source]
        last_error: Option<redis::RedisError>,
    },
    /// The operation needs ownership and Redis says this owner does not
    /// hold the lock (releasing someone else's, or a reentrant release
    /// with no hold left).
    #[error("lock {name:?} is not held by this owner")]
    NotOwner {
        /// The lock's name.
        name: String,
    },
    /// The lock was held and is no longer: the critical section may have
    /// overlapped another holder's.
    #[error("lock {name:?} was lost: {reason}")]
    Lost {
        /// The lock's name.
        name: String,
        /// Why.
        reason: LostReason,
    },
    /// Redis failed (connection, timeout, an error reply).
    #[error("redis error on lock {name:?}: {source}")]
    Redis {
        /// The lock's name.
        name: String,
        /// The error.
        #[source]
        source: redis::RedisError,
    },
    /// A Redis call did not answer within the operation timeout.
    #[error("redis did not answer within {after:?} on lock {name:?}")]
    OpTimeout {
        /// The lock's name.
        name: String,
        /// The timeout.
        after: Duration,
    },
    /// The server's clock differs from the local clock by more than the
    /// configured bound.
    #[error(
        "server clock differs from the local clock by {skew:?} (bound {bound:?}) on lock {name:?}"
    )]
    ClockSkew {
        /// The lock's name.
        name: String,
        /// The measured difference.
        skew: Duration,
        /// The bound.
        bound: Duration,
    },
    /// Redlock: fewer nodes than a majority granted (or confirmed) the
    /// lock, because nodes failed rather than refused: each failed node's
    /// error is in `errors` (a refusal by a majority is contention
    /// instead, [`LockError::Contended`], or the lock is
    /// [`LockError::Lost`]).
    #[error(
        "lock {name:?} granted by {granted} of {nodes} nodes, {quorum} needed in time{}",
        node_errors_suffix(.errors)
    )]
    NoQuorum {
        /// The lock's name.
        name: String,
        /// Nodes that granted (or confirmed) it.
        granted: usize,
        /// Nodes in all.
        nodes: usize,
        /// The majority needed.
        quorum: usize,
        /// The nodes that failed, by their index in the node list, with
        /// their errors: an error reply (READONLY, MISCONF, OOM, BUSY…), a
        /// dropped connection, no reply within the operation timeout.
        errors: Vec<(usize, redis::RedisError)>,
    },
    /// The validity left after acquiring was zero or less (the TTL is too
    /// short for the round trip and the drift allowance).
    #[error("lock {name:?} acquired with no validity left (ttl too short for {elapsed:?})")]
    NoValidity {
        /// The lock's name.
        name: String,
        /// How long the acquire took.
        elapsed: Duration,
    },
    /// The lock was taken but fewer replicas than
    /// [`LockOptions::confirm_replicas`](crate::LockOptions::confirm_replicas)
    /// asks for acknowledged it in time: it was released (a failover now
    /// could have handed it to someone else).
    #[error("lock {name:?} reached {acknowledged} replica(s) of the {required} required")]
    NotReplicated {
        /// The lock's name.
        name: String,
        /// Replicas that acknowledged it (WAIT's answer).
        acknowledged: u32,
        /// Replicas required.
        required: u32,
    },
    /// The keys one of the lock's scripts touches together hash to
    /// different cluster slots: on a Redis Cluster the script could not
    /// run (CROSSSLOT), so no lock kind runs it anywhere. Found before any
    /// script is sent. Give the keys one hash tag — the part between the
    /// first `{` and the next `}` is all that is hashed — as in
    /// `{order:42}:a` and `{order:42}:b`; a lock's own counters and
    /// queues take its name's tag (see [`cluster`](crate::cluster)).
    #[error(
        "lock {name:?}: keys {keys:?} hash to different cluster slots {slots:?}; a script's keys must share one slot: give them one hash tag, as {{order:42}}:a and {{order:42}}:b (a name with braces but no usable tag, as \"a{{}}b\", cannot share its slot with the lock's own keys)"
    )]
    CrossSlot {
        /// The lock's name.
        name: String,
        /// The keys, in the order the script takes them.
        keys: Vec<String>,
        /// Their slots, in the same order.
        slots: Vec<u16>,
    },
    /// Options that cannot work (a zero TTL, a multi-key lock without keys…).
    #[error("invalid lock options: {0}")]
    InvalidOptions(String),
    /// A lock service other than Redis failed — etcd, ZooKeeper,
    /// MySQL/MariaDB or PostgreSQL: a connection, a timeout, an error
    /// reply. The client crate's own error is the source (downcast it
    /// from [`LockError::service_error`]).
    #[error("{service} error on lock {name:?}: {source}")]
    Service {
        /// The lock's name.
        name: String,
        /// Which service: `"etcd"`, `"zookeeper"`, `"mysql"`, `"postgres"`.
        service: &'static str,
        /// The client crate's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync + 'static>,
    },
}

impl LockError {
    pub(crate) fn redis(name: &str, source: redis::RedisError) -> Self {
        LockError::Redis {
            name: name.to_string(),
            source,
        }
    }

    /// Whether the lock was held by someone else (contention or a timeout
    /// spent waiting for it), as opposed to a failure.
    pub fn is_contention(&self) -> bool {
        matches!(
            self,
            LockError::Contended { .. }
                | LockError::Timeout {
                    last_error: None,
                    ..
                }
        )
    }

    /// Whether a held lock was lost.
    pub fn is_lost(&self) -> bool {
        matches!(self, LockError::Lost { .. })
    }

    /// The Redis error behind this one, if Redis failed: the source of
    /// [`LockError::Redis`], the last error of a [`LockError::Timeout`],
    /// the first failed node's of a [`LockError::NoQuorum`]. Its
    /// [`code`](redis::RedisError::code) tells READONLY from OOM from BUSY.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use redsim::{Rule, errors};
    /// use redsim_lock::Lock;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let _replica = server.fault(Rule::command("SET").error(errors::READONLY));
    /// let err = Lock::new(server.connection(), "job").acquire().await.unwrap_err();
    /// assert!(!err.is_contention());
    /// assert_eq!(err.redis_error().and_then(|e| e.code()), Some("READONLY"));
    /// # }
    /// ```
    pub fn redis_error(&self) -> Option<&redis::RedisError> {
        match self {
            LockError::Redis { source, .. } => Some(source),
            LockError::Timeout { last_error, .. } => last_error.as_ref(),
            LockError::NoQuorum { errors, .. } => errors.first().map(|(_, e)| e),
            _ => None,
        }
    }

    /// The error of the lock service behind this one, for the back ends
    /// other than Redis ([`LockError::Service`]): downcast it to the client
    /// crate's type (`etcd_client::Error`, `zookeeper_client::Error`,
    /// `mysql_async::Error`, `tokio_postgres::Error`).
    ///
    /// ```
    /// use redsim_lock::LockError;
    ///
    /// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
    /// let err = LockError::Service { name: "job".into(), service: "etcd", source: Box::new(io) };
    /// let source = err.service_error().unwrap();
    /// assert!(source.downcast_ref::<std::io::Error>().is_some());
    /// assert!(!err.is_contention());
    /// ```
    pub fn service_error(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        match self {
            LockError::Service { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }

    /// Whether the operation may have run although its answer was lost
    /// (see [`may_have_run`]): on one server, or on some Redlock node.
    pub(crate) fn may_have_run(&self) -> bool {
        match self {
            LockError::Redis { source, .. } => may_have_run(source),
            LockError::NoQuorum { errors, .. } => errors.iter().any(|(_, e)| may_have_run(e)),
            LockError::OpTimeout { .. } => true,
            _ => false,
        }
    }
}

fn last_error_suffix(e: Option<&redis::RedisError>) -> String {
    e.map(|e| format!(" (last error: {e})")).unwrap_or_default()
}

fn node_errors_suffix(errors: &[(usize, redis::RedisError)]) -> String {
    errors
        .iter()
        .map(|(node, e)| format!("; node {node}: {e}"))
        .collect()
}

/// Whether retrying the same request on the same connection, within an
/// acquire's window, may succeed: the connection failed or timed out (a
/// reconnecting client gets a new one), or the server says it is
/// momentarily unable — LOADING (a restart reading its data), BUSY (a
/// script past its time limit, which ends or is killed), MASTERDOWN,
/// TRYAGAIN, CLUSTERDOWN, NOREPLICAS (a replica link coming back).
///
/// Not transient, so surfaced at once rather than retried until the
/// acquire timeout hides them: READONLY (the connection reaches a replica,
/// and keeps reaching it until the client connects elsewhere), MISCONF
/// (writes stay refused until a snapshot succeeds: an operator's fix), OOM
/// (`maxmemory` reached under `noeviction`: memory is not freed by
/// waiting milliseconds), and every other error reply (WRONGTYPE,
/// NOPERM, a script error…).
pub(crate) fn is_transient(e: &redis::RedisError) -> bool {
    if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
        return true;
    }
    matches!(
        e.code(),
        Some("LOADING" | "BUSY" | "MASTERDOWN" | "TRYAGAIN" | "CLUSTERDOWN" | "NOREPLICAS")
    )
}

/// Whether the command may have run although no reply came: the request
/// left and the answer was lost (connection dropped, timed out). An error
/// reply, by contrast, means Redis did not run it: READONLY, MISCONF, OOM
/// and BUSY refuse a command (or a script, before its first write) without
/// running it.
pub(crate) fn may_have_run(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_timeout()
}
