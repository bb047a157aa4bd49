//! [`MultiLock`]: several keys taken together, all or nothing, by one
//! script — and, for comparison, the design notes' pipelined per-key batch
//! as an explicit weaker variant.

use std::sync::Arc;

use redis::aio::ConnectionLike;

use super::acquire::{Attempt, Pending, Taken, acquire_loop};
use super::guard::{BoxFut, Guard, Ops};
use super::{DistributedLock, scripts};
use crate::{LockError, LockOptions};

/// A lock over several keys with one token: either every key is taken or
/// none is. The keys must share a cluster slot (give them one hash tag;
/// see [`cluster`](crate::cluster)), on a cluster or not: keys that do not
/// are refused with [`LockError::CrossSlot`] before anything is sent.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::{Lock, MultiLock};
///
/// let server = redsim::Server::start().unwrap();
/// let other = Lock::new(server.connection(), "{bank}:b").acquire().await?;
/// let transfer = MultiLock::new(server.connection(), ["{bank}:a", "{bank}:b"]);
/// // b is held: nothing is taken, not even a.
/// assert!(transfer.try_acquire().await.unwrap_err().is_contention());
/// assert!(Lock::new(server.connection(), "{bank}:a").try_acquire().await.is_ok());
/// # drop(other);
/// # Ok(()) }
/// ```
pub struct MultiLock<C> {
    ops: Arc<MultiOps<C>>,
}

impl<C> Clone for MultiLock<C> {
    fn clone(&self) -> Self {
        MultiLock {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for MultiLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultiLock")
            .field("keys", &self.ops.keys)
            .field("options", &self.ops.options)
            .finish()
    }
}

struct MultiOps<C> {
    conn: C,
    keys: Vec<String>,
    name: String,
    options: LockOptions,
}

impl<C> MultiLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A lock over `keys` with default options.
    pub fn new<K: Into<String>>(conn: C, keys: impl IntoIterator<Item = K>) -> Self {
        Self::with_options(conn, keys, LockOptions::default())
    }

    /// A lock over `keys`.
    pub fn with_options<K: Into<String>>(
        conn: C,
        keys: impl IntoIterator<Item = K>,
        options: LockOptions,
    ) -> Self {
        let keys: Vec<String> = keys.into_iter().map(Into::into).collect();
        MultiLock {
            ops: Arc::new(MultiOps {
                conn,
                name: keys.join(","),
                keys,
                options,
            }),
        }
    }

    /// The keys.
    pub fn keys(&self) -> &[String] {
        &self.ops.keys
    }

    /// One attempt, all or nothing.
    ///
    /// # Errors
    /// As [`Lock::try_acquire`](crate::Lock::try_acquire).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Attempts until all keys are taken at once, per the options.
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    /// The design notes' batch: one pipelined `SET NX PX` per key. Weaker
    /// than [`MultiLock::try_acquire`]: the keys are taken one by one, so
    /// other clients can see (and contend on) a partial set, and a client
    /// that dies in between leaves some keys held until their TTL. When a
    /// key is held by another owner the ones taken are released and
    /// [`LockError::Contended`] returned; so are they when the call fails
    /// or its future is dropped while the batch is in flight. Kept for
    /// comparison and for keys that cannot share a script.
    ///
    /// # Errors
    /// [`LockError::Contended`] or a Redis error.
    pub async fn try_acquire_pipelined(&self) -> Result<Guard, LockError> {
        let ops = &self.ops;
        ops.options.check()?;
        if ops.keys.is_empty() {
            return Err(LockError::InvalidOptions(
                "a multi-key lock needs keys".into(),
            ));
        }
        let token: Arc<str> = crate::token::new().into();
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let mut pipe = redis::pipe();
        for key in &ops.keys {
            pipe.cmd("SET")
                .arg(key)
                .arg(&*token)
                .arg("NX")
                .arg("PX")
                .arg(ops.options.ttl_ms());
        }
        let sent = tokio::time::Instant::now();
        let mut conn = ops.conn.clone();
        // From here some keys may be ours: a future dropped mid-batch
        // gives them back.
        let mut taken = GiveBack(Some((Arc::clone(&dyn_ops), Arc::clone(&token))));
        let replies: Result<Vec<Option<String>>, _> =
            tokio::time::timeout(ops.options.op_timeout, pipe.query_async(&mut conn))
                .await
                .unwrap_or_else(|_| {
                    Err(redis::RedisError::from(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "pipelined acquire timed out",
                    )))
                });
        match replies {
            Ok(r) if r.iter().all(Option::is_some) => {
                taken.0 = None;
                let valid_until = ops.options.valid_until(sent);
                Ok(Guard::new(dyn_ops, token, None, valid_until))
            }
            // `taken` gives back the keys that were set.
            Ok(_) => Err(LockError::Contended {
                name: ops.name.clone(),
                retry_after: None,
            }),
            Err(e) => Err(LockError::redis(&ops.name, e)),
        }
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        if self.ops.keys.is_empty() {
            return Err(LockError::InvalidOptions(
                "a multi-key lock needs keys".into(),
            ));
        }
        let token: Arc<str> = crate::token::new().into();
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let ops = &self.ops;
        let limit = ops.options.op_timeout;
        let Taken { sent, .. } = acquire_loop(&mut pending, once, limit, |_| {
            let token = Arc::clone(&token);
            async move { ops.attempt(&token).await }
        })
        .await?;
        let valid_until = ops.options.valid_until(sent);
        Ok(Guard::new(dyn_ops, token, None, valid_until))
    }
}

/// Releases (in the background) the keys a pipelined acquire may have
/// set, unless disarmed by taking the lock.
struct GiveBack(Option<(Arc<dyn Ops>, Arc<str>)>);

impl Drop for GiveBack {
    fn drop(&mut self) {
        if let Some((ops, token)) = self.0.take() {
            super::guard::release_detached(ops, token);
        }
    }
}

impl<C> MultiOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn attempt(&self, token: &str) -> Result<Attempt, LockError> {
        let mut conn = self.conn.clone();
        let mut invocation = scripts::MULTI_ACQUIRE.prepare_invoke();
        for key in &self.keys {
            invocation.key(key);
        }
        let blocked: i64 = invocation
            .arg(token)
            .arg(self.options.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        Ok(if blocked == 0 {
            Attempt::Acquired { fence: None }
        } else {
            Attempt::Held { retry_after: None }
        })
    }
}

impl<C> Ops for MultiOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let mut invocation = scripts::MULTI_EXTEND.prepare_invoke();
            for key in &self.keys {
                invocation.key(key);
            }
            let n: i64 = invocation
                .arg(token)
                .arg(self.options.ttl_ms())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            Ok(n == 1)
        })
    }

    fn release<'a>(
        &'a self,
        token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        // Compare-and-delete is idempotent: a second run finds nothing.
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let mut invocation = scripts::MULTI_RELEASE.prepare_invoke();
            for key in &self.keys {
                invocation.key(key);
            }
            let n: usize = invocation
                .arg(token)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            Ok(n == self.keys.len())
        })
    }
}

impl<C> DistributedLock for MultiLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn lock(&self) -> Result<Guard, LockError> {
        self.acquire().await
    }

    async fn try_lock(&self) -> Result<Guard, LockError> {
        self.try_acquire().await
    }
}
