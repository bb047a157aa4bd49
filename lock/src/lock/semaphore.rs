//! [`ExpirableSemaphore`]: a semaphore whose permits expire if their
//! holder dies, as Redisson's RPermitExpirableSemaphore.
//!
//! A permit is an id with a deadline on the server's clock, in a sorted
//! set beside the semaphore; the permits available are the number set
//! less the unexpired leases. Releasing removes one id, so releasing it
//! again (a retry after a lost reply, a release by another process that
//! was handed the id) frees nothing more. Each permit is a [`Guard`]: its
//! token is the permit id, its validity the lease, renewed by the watchdog
//! with auto-renew, lost when the lease is.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionLike;

use super::acquire::{Attempt, Pending, Taken, Waiting, acquire_loop_waiting};
use super::guard::{BoxFut, Guard, Ops};
use super::wait::{self, Wakeups};
use super::{DistributedLock, scripts};
use crate::{LockError, LockOptions, cluster};

/// A semaphore on the key `name` whose permits are leases: each expires
/// after the options' TTL unless renewed (auto-renew) or released.
///
/// Set how many permits there are with [`ExpirableSemaphore::set_permits`]
/// (or [`ExpirableSemaphore::try_set_permits`], which only the first
/// caller wins); until then there are none and acquires wait. With one
/// permit it is a lock, and it implements [`DistributedLock`]. Fencing
/// tokens are not issued (several holders at once).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::ExpirableSemaphore;
///
/// let server = redsim::Server::start().unwrap();
/// let pool = ExpirableSemaphore::new(server.connection(), "gpu-slots");
/// pool.set_permits(2).await?;
/// let a = pool.acquire().await?;
/// let b = pool.acquire().await?;
/// assert_eq!(pool.available_permits().await?, 0);
/// assert!(pool.try_acquire().await.unwrap_err().is_contention());
/// let id = a.token().to_string(); // the permit's id
/// a.release().await?;
/// assert!(!pool.release_permit(&id).await?); // released already: frees nothing
/// assert_eq!(pool.available_permits().await?, 1);
/// # drop(b);
/// # Ok(()) }
/// ```
pub struct ExpirableSemaphore<C> {
    ops: Arc<SemOps<C>>,
}

impl<C> Clone for ExpirableSemaphore<C> {
    fn clone(&self) -> Self {
        ExpirableSemaphore {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for ExpirableSemaphore<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExpirableSemaphore")
            .field("name", &self.ops.name)
            .field("options", &self.ops.options)
            .finish()
    }
}

struct SemOps<C> {
    conn: C,
    name: String,
    leases: String,
    channel: String,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

impl<C> ExpirableSemaphore<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A semaphore on `name` with default options (30 s leases).
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_options(conn, name, LockOptions::default())
    }

    /// A semaphore on `name`; the TTL is each permit's lease.
    pub fn with_options(conn: C, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        ExpirableSemaphore {
            ops: Arc::new(SemOps {
                conn,
                leases: cluster::sibling(&name, ":leases"),
                channel: wait::channel(&name),
                name,
                options,
                wakeups: None,
            }),
        }
    }

    /// Waits by pub/sub through `wakeups` (see [`Wakeups`]): an acquire
    /// that finds no permit sleeps until one is released (or permits are
    /// set) or the first lease expires.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use redsim_lock::{ExpirableSemaphore, Wakeups};
    ///
    /// let server = redsim::Server::start()?;
    /// let wakeups = Wakeups::connect(&server.client()).await?;
    /// let pool = ExpirableSemaphore::new(server.connection(), "slots").wake_on(&wakeups);
    /// pool.set_permits(1).await?;
    /// pool.acquire().await?.release().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wake_on(self, wakeups: &Wakeups) -> Self {
        let ops = &self.ops;
        ExpirableSemaphore {
            ops: Arc::new(SemOps {
                conn: ops.conn.clone(),
                name: ops.name.clone(),
                leases: ops.leases.clone(),
                channel: ops.channel.clone(),
                options: ops.options.clone(),
                wakeups: Some(wakeups.clone()),
            }),
        }
    }

    /// The semaphore's key (a hash holding the number of permits).
    pub fn name(&self) -> &str {
        &self.ops.name
    }

    /// The key of the leases (a sorted set of permit id → deadline, in
    /// server milliseconds).
    pub fn leases_key(&self) -> &str {
        &self.ops.leases
    }

    /// Leases a permit, waiting per the options until one is free.
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false, None).await
    }

    /// Leases a permit, waiting at most `wait` (instead of the options'
    /// acquire timeout).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// use std::time::Duration;
    /// let server = redsim::Server::builder().clock(redsim::TokioClock::new()).start().unwrap();
    /// let pool = redsim_lock::ExpirableSemaphore::new(server.connection(), "one");
    /// pool.set_permits(1).await?;
    /// let held = pool.acquire().await?;
    /// let err = pool.acquire_within(Duration::from_millis(200)).await.unwrap_err();
    /// assert!(err.is_contention());
    /// # drop(held);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire_within(&self, wait: Duration) -> Result<Guard, LockError> {
        self.acquire_inner(false, Some(wait)).await
    }

    /// One attempt.
    ///
    /// # Errors
    /// As [`Lock::try_acquire`](crate::Lock::try_acquire).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true, None).await
    }

    /// Gives back the permit `id` (a [`Guard::token`]), for a process that
    /// was handed the id rather than the guard: `true` if it was leased,
    /// `false` if not (released already, or expired). A second release
    /// of one id never frees a second permit.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn release_permit(&self, id: &str) -> Result<bool, LockError> {
        self.ops.release_id(id).await
    }

    /// The permits free now: the number set less the unexpired leases
    /// (zero if leases outnumber a number lowered meanwhile).
    ///
    /// # Errors
    /// A Redis error.
    pub async fn available_permits(&self) -> Result<u64, LockError> {
        let ops = &self.ops;
        let mut conn = ops.conn.clone();
        scripts::SEM_AVAILABLE
            .key(&ops.name)
            .key(&ops.leases)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&ops.name, e))
    }

    /// Sets how many permits there are (leases already held stay; if they
    /// outnumber `permits`, acquires wait until enough expire or are
    /// released). Wakes waiters.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn set_permits(&self, permits: u64) -> Result<(), LockError> {
        self.set(permits, false).await.map(|_| ())
    }

    /// Sets how many permits there are if nobody has yet: `true` if this
    /// call set it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// let server = redsim::Server::start().unwrap();
    /// let pool = redsim_lock::ExpirableSemaphore::new(server.connection(), "workers");
    /// assert!(pool.try_set_permits(4).await?);
    /// assert!(!pool.try_set_permits(8).await?);
    /// assert_eq!(pool.available_permits().await?, 4);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A Redis error.
    pub async fn try_set_permits(&self, permits: u64) -> Result<bool, LockError> {
        self.set(permits, true).await
    }

    async fn set(&self, permits: u64, only_if_unset: bool) -> Result<bool, LockError> {
        let ops = &self.ops;
        let mut conn = ops.conn.clone();
        let n: i64 = scripts::SEM_SET
            .key(&ops.name)
            .key(&ops.leases)
            .arg(permits)
            .arg(u8::from(only_if_unset))
            .arg(&ops.channel)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&ops.name, e))?;
        Ok(n == 1)
    }

    async fn acquire_inner(&self, once: bool, wait: Option<Duration>) -> Result<Guard, LockError> {
        let ops = &self.ops;
        let id: Arc<str> = crate::token::new().into();
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&id));
        let waiting = Waiting {
            wake: ops.wakeups.as_ref().map(|w| (w, ops.channel.clone(), None)),
            acquire_timeout: wait,
            ..Waiting::default()
        };
        let limit = ops.options.op_timeout;
        let Taken { sent, .. } = acquire_loop_waiting(&mut pending, once, limit, waiting, |_| {
            let id = Arc::clone(&id);
            async move { ops.attempt(&id).await }
        })
        .await?;
        let valid_until = ops.options.valid_until(sent);
        Ok(Guard::new(dyn_ops, id, None, valid_until))
    }
}

impl<C> SemOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn attempt(&self, id: &str) -> Result<Attempt, LockError> {
        let mut conn = self.conn.clone();
        let (got, value): (i64, i64) = scripts::SEM_ACQUIRE
            .key(&self.name)
            .key(&self.leases)
            .arg(id)
            .arg(self.options.ttl_ms())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        Ok(if got == 1 {
            Attempt::Acquired { fence: None }
        } else {
            Attempt::Held {
                retry_after: u64::try_from(value).ok().map(Duration::from_millis),
            }
        })
    }

    async fn release_id(&self, id: &str) -> Result<bool, LockError> {
        let mut conn = self.conn.clone();
        let n: i64 = scripts::SEM_RELEASE
            .key(&self.name)
            .key(&self.leases)
            .arg(id)
            .arg(&self.channel)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        Ok(n == 1)
    }
}

impl<C> Ops for SemOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn keys(&self) -> Vec<String> {
        vec![self.name.clone(), self.leases.clone()]
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let n: i64 = scripts::SEM_EXTEND
                .key(&self.name)
                .key(&self.leases)
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
        // Removing one id is idempotent: a second run frees nothing.
        Box::pin(self.release_id(token))
    }
}

impl<C> DistributedLock for ExpirableSemaphore<C>
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
