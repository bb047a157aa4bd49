//! [`ReentrantLock`]: a lock the same owner may take again, with hold
//! counts in a hash (`owner token → holds`), as Redisson's RLock keeps them.
//!
//! Ownership belongs to a [`ReentrantOwner`] handle, not to a thread or a
//! task: clone the handle into whatever should count as the same owner.
//! The release that frees the lock publishes on its release channel, so
//! that waiters given [`Wakeups`] sleep until then instead of polling.

use std::sync::Arc;

use redis::aio::ConnectionLike;

use super::acquire::{Attempt, Pending, Taken, Waiting, acquire_loop_waiting};
use super::guard::{BoxFut, Guard, Ops};
use super::wait::{self, Wakeups};
use super::{DistributedLock, scripts};
use crate::{LockError, LockOptions};

/// A reentrant lock on the key `name` (a hash of hold counts).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::ReentrantLock;
///
/// let server = redsim::Server::start().unwrap();
/// let lock = ReentrantLock::new(server.connection(), "account:7");
/// let me = lock.owner();
/// let outer = me.acquire().await?;
/// let inner = me.acquire().await?; // same owner: granted
/// assert_eq!(me.holds().await?, 2);
/// assert!(lock.owner().try_acquire().await.unwrap_err().is_contention());
/// inner.release().await?;
/// outer.release().await?;
/// assert_eq!(me.holds().await?, 0);
/// # Ok(()) }
/// ```
pub struct ReentrantLock<C> {
    conn: C,
    name: String,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

impl<C> std::fmt::Debug for ReentrantLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReentrantLock")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish()
    }
}

/// One owner of a [`ReentrantLock`]. Clones are the same owner.
pub struct ReentrantOwner<C> {
    ops: Arc<ReentrantOps<C>>,
}

impl<C> Clone for ReentrantOwner<C> {
    fn clone(&self) -> Self {
        ReentrantOwner {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for ReentrantOwner<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReentrantOwner")
            .field("name", &self.ops.name)
            .field("token", &self.ops.token)
            .finish()
    }
}

struct ReentrantOps<C> {
    conn: C,
    name: String,
    channel: String,
    token: Arc<str>,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

impl<C> ReentrantLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A reentrant lock on `name` with default options.
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_options(conn, name, LockOptions::default())
    }

    /// A reentrant lock on `name`. Fencing tokens are not issued by this
    /// kind (a re-entry is not a new holder).
    pub fn with_options(conn: C, name: impl Into<String>, options: LockOptions) -> Self {
        ReentrantLock {
            conn,
            name: name.into(),
            options,
            wakeups: None,
        }
    }

    /// Waits for the lock by pub/sub through `wakeups` (see [`Wakeups`]):
    /// an acquire that finds it held sleeps until its release is published
    /// or its PTTL passes, instead of polling with the retry policy.
    /// Owners made afterwards use it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use redsim_lock::{ReentrantLock, Wakeups};
    ///
    /// let server = redsim::Server::start()?;
    /// let wakeups = Wakeups::connect(&server.client()).await?;
    /// let lock = ReentrantLock::new(server.connection(), "ledger").wake_on(&wakeups);
    /// lock.owner().acquire().await?.release().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wake_on(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = Some(wakeups.clone());
        self
    }

    /// A new owner (a fresh token).
    pub fn owner(&self) -> ReentrantOwner<C> {
        ReentrantOwner {
            ops: Arc::new(ReentrantOps {
                conn: self.conn.clone(),
                name: self.name.clone(),
                channel: wait::channel(&self.name),
                token: crate::token::new().into(),
                options: self.options.clone(),
                wakeups: self.wakeups.clone(),
            }),
        }
    }
}

impl<C> ReentrantOwner<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// This owner's token (the hash field that counts its holds).
    pub fn token(&self) -> &str {
        &self.ops.token
    }

    /// Acquires (again, if this owner holds it), retrying per the options.
    ///
    /// Every attempt of one acquire is one request that the server
    /// remembers for a while: a retry after a lost reply takes no second
    /// hold, and an acquire cancelled in flight (or given up after a lost
    /// reply) gives back exactly the hold it took, if it took one — never
    /// an older hold of the same owner.
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    /// One attempt.
    ///
    /// # Errors
    /// As [`Lock::try_acquire`](crate::Lock::try_acquire).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// How many holds this owner has now.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn holds(&self) -> Result<u64, LockError> {
        let mut conn = self.ops.conn.clone();
        let n: Option<u64> = redis::cmd("HGET")
            .arg(&self.ops.name)
            .arg(&*self.ops.token)
            .query_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.ops.name, e))?;
        Ok(n.unwrap_or(0))
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let token = Arc::clone(&self.ops.token);
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let request = pending.request();
        let ops = &self.ops;
        let limit = ops.options.op_timeout;
        let waiting = Waiting {
            wake: ops.wakeups.as_ref().map(|w| (w, ops.channel.clone(), None)),
            ..Waiting::default()
        };
        let Taken { sent, .. } = acquire_loop_waiting(&mut pending, once, limit, waiting, |_| {
            let request = Arc::clone(&request);
            async move { ops.attempt(&request).await }
        })
        .await?;
        let valid_until = ops.options.valid_until(sent);
        Ok(Guard::new(dyn_ops, token, None, valid_until))
    }
}

impl<C> ReentrantOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// The latch key of `request` (same hash slot as the lock).
    fn latch(&self, request: &str) -> String {
        crate::cluster::sibling(&self.name, &format!(":latch:{request}"))
    }

    async fn attempt(&self, request: &str) -> Result<Attempt, LockError> {
        let mut conn = self.conn.clone();
        let (got, value): (i64, i64) = scripts::REENTRANT_ACQUIRE
            .key(&self.name)
            .key(self.latch(request))
            .arg(&*self.token)
            .arg(self.options.ttl_ms())
            .arg(self.options.latch_ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        Ok(if got == 1 {
            Attempt::Acquired { fence: None }
        } else {
            Attempt::Held {
                retry_after: u64::try_from(value)
                    .ok()
                    .map(std::time::Duration::from_millis),
            }
        })
    }
}

impl<C> Ops for ReentrantOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn keys(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            crate::cluster::sibling(&self.name, ":latch:"),
        ]
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let n: i64 = scripts::REENTRANT_EXTEND
                .key(&self.name)
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
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let left: i64 = scripts::REENTRANT_RELEASE
                .key(&self.name)
                .key(self.latch(request))
                .arg(token)
                .arg(self.options.ttl_ms())
                .arg(self.options.latch_ttl_ms())
                .arg(&self.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            Ok(left >= 0)
        })
    }

    fn abandon<'a>(
        &'a self,
        token: &'a str,
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let undone: i64 = scripts::REENTRANT_UNDO
                .key(&self.name)
                .key(self.latch(request))
                .arg(token)
                .arg(self.options.ttl_ms())
                .arg(self.options.latch_ttl_ms())
                .arg(&self.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            Ok(undone == 1)
        })
    }
}

impl<C> DistributedLock for ReentrantOwner<C>
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
