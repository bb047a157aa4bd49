//! The resource side of fencing tokens.
//!
//! A lock alone cannot stop a holder that paused past its expiry from
//! writing after the next holder did (Kleppmann's argument). A fencing
//! token can, if the resource checks it: each acquisition gets a larger
//! token, and the resource refuses any write whose token is lower than the
//! highest it has accepted. [`FenceGate`] does that check in process;
//! [`FencedStore`] does it atomically inside Redis for a value kept there.
//!
//! A token *equal* to the highest is admitted, so that one holder may
//! write more than once. Tokens are only unique while the counter that
//! issues them survives: a lock server restarted without persistence
//! starts counting again, two holders can then carry the same token, and
//! both are admitted (the lock-safety simulation in `tests/lock_sim.rs`
//! measures how often). Persist the counter, or delay restarts, if the
//! resource depends on it.

use std::sync::atomic::{AtomicU64, Ordering};

use redis::aio::ConnectionLike;

use super::scripts;

/// A write refused because its token is lower than one already accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stale fencing token {token}: {highest} was already accepted")]
pub struct StaleToken {
    /// The token presented.
    pub token: u64,
    /// The highest token accepted before.
    pub highest: u64,
}

/// An in-process fencing check: admits a token at least the highest seen,
/// atomically, and remembers it.
///
/// ```
/// use redsim_lock::fencing::FenceGate;
///
/// let gate = FenceGate::new();
/// assert!(gate.admit(5).is_ok());
/// assert!(gate.admit(5).is_ok()); // the same holder writing again
/// assert!(gate.admit(7).is_ok());
/// assert_eq!(gate.admit(6).unwrap_err().highest, 7);
/// ```
#[derive(Debug, Default)]
pub struct FenceGate {
    highest: AtomicU64,
}

impl FenceGate {
    /// A gate that has seen no token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Admits `token` if it is at least the highest admitted so far.
    ///
    /// # Errors
    /// [`StaleToken`] otherwise (nothing changes).
    pub fn admit(&self, token: u64) -> Result<(), StaleToken> {
        let before = self.highest.fetch_max(token, Ordering::SeqCst);
        if token < before {
            Err(StaleToken {
                token,
                highest: before,
            })
        } else {
            Ok(())
        }
    }

    /// The highest token admitted.
    pub fn highest(&self) -> u64 {
        self.highest.load(Ordering::SeqCst)
    }
}

/// A value kept in a Redis hash (`fence`, `value`) that accepts a write only
/// with a fencing token at least the highest accepted, checked and written
/// in one script.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> redis::RedisResult<()> {
/// use redsim_lock::fencing::FencedStore;
///
/// let server = redsim::Server::start().unwrap();
/// let store = FencedStore::new(server.connection(), "report");
/// assert!(store.write(34, "from holder 34").await?);
/// assert!(store.write(35, "from holder 35").await?);
/// assert!(!store.write(34, "late write from a paused holder").await?);
/// assert_eq!(store.read().await?, Some((35, b"from holder 35".to_vec())));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FencedStore<C> {
    conn: C,
    key: String,
}

impl<C> FencedStore<C>
where
    C: ConnectionLike + Clone + Send + Sync,
{
    /// The store in the hash `key`.
    pub fn new(conn: C, key: impl Into<String>) -> Self {
        FencedStore {
            conn,
            key: key.into(),
        }
    }

    /// Writes `value` with `token`: `true` if accepted, `false` if the
    /// token was lower than the highest accepted (nothing written).
    ///
    /// # Errors
    /// A Redis error.
    pub async fn write(
        &self,
        token: u64,
        value: impl redis::ToRedisArgs + Send + Sync,
    ) -> redis::RedisResult<bool> {
        let mut conn = self.conn.clone();
        let n: i64 = scripts::FENCED_WRITE
            .key(&self.key)
            .arg(token)
            .arg(value)
            .invoke_async(&mut conn)
            .await?;
        Ok(n == 1)
    }

    /// The highest accepted token and the value written with it.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn read(&self) -> redis::RedisResult<Option<(u64, Vec<u8>)>> {
        let mut conn = self.conn.clone();
        let (fence, value): (Option<u64>, Option<Vec<u8>>) = redis::cmd("HMGET")
            .arg(&self.key)
            .arg("fence")
            .arg("value")
            .query_async(&mut conn)
            .await?;
        Ok(fence.zip(value))
    }
}
