//! The errors of every lock kind, told apart so that callers can act on
//! them: someone else holds it (wait or give up), time ran out, you were not
//! (or are no longer) the owner, Redis failed, clocks disagree, no quorum.

use std::time::Duration;

/// Why a held lock stopped being held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LostReason {
    /// Redis said another owner (or nobody) holds the key: it expired and
    /// was taken, or was deleted.
    NotOwner,
    /// The local validity deadline passed without a successful renewal
    /// (renewals kept failing, or there were none).
    Expired,
    /// Renewals failed as many times in a row as the options allow
    /// ([`LockOptions::renew_give_up_after`](crate::LockOptions::renew_give_up_after)).
    RenewalsFailed,
}

impl std::fmt::Display for LostReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LostReason::NotOwner => "the lock is held by another owner or by nobody",
            LostReason::Expired => "the validity deadline passed without a renewal",
            LostReason::RenewalsFailed => "renewals failed too many times in a row",
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
    #[error("gave up acquiring lock {name:?} after {attempts} attempt(s) in {elapsed:?}")]
    Timeout {
        /// The lock's name.
        name: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last Redis error met, if the attempts failed rather than
        /// found the lock held.
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
    /// Redlock: fewer nodes than a majority granted the lock in time.
    #[error("lock {name:?} granted by {granted} of {nodes} nodes, {quorum} needed in time")]
    NoQuorum {
        /// The lock's name.
        name: String,
        /// Nodes that granted it.
        granted: usize,
        /// Nodes in all.
        nodes: usize,
        /// The majority needed.
        quorum: usize,
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
    /// Options that cannot work (a zero TTL, a multi-key lock without keys…).
    #[error("invalid lock options: {0}")]
    InvalidOptions(String),
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
}

/// Whether a Redis error leaves it unknown whether the command ran (the
/// connection failed or timed out after sending), or says the server is
/// momentarily unable (LOADING, BUSY, MASTERDOWN, TRYAGAIN…): a retry may
/// succeed, and a lock may have been taken without us hearing of it.
pub(crate) fn is_transient(e: &redis::RedisError) -> bool {
    if e.is_io_error() || e.is_connection_dropped() || e.is_timeout() {
        return true;
    }
    matches!(
        e.code(),
        Some(
            "LOADING"
                | "BUSY"
                | "MASTERDOWN"
                | "TRYAGAIN"
                | "CLUSTERDOWN"
                | "READONLY"
                | "NOREPLICAS"
                | "OOM"
        )
    )
}

/// Whether the command may have run although no reply came: the request
/// left and the answer was lost (connection dropped, timed out). An error
/// reply, by contrast, means Redis did not run it.
pub(crate) fn may_have_run(e: &redis::RedisError) -> bool {
    e.is_io_error() || e.is_connection_dropped() || e.is_timeout()
}
