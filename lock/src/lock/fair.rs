//! [`FairLock`]: a reentrant lock granted first come, first served, as
//! Redisson's RFairLock: waiters queue in a list, each with a deadline in
//! a sorted set, so that a waiter that dies is skipped once its deadline
//! passes instead of blocking the queue.
//!
//! A waiter proves it is alive by trying again: every attempt moves its
//! deadline to now + the waiter timeout, and it never sleeps longer than
//! a third of that between attempts (with [`Wakeups`], it sleeps until the
//! release that makes it first in line publishes to it by name).

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{Script, ScriptInvocation};

use super::acquire::{Attempt, OnGiveUp, Pending, Taken, Waiting, Withdraw, acquire_loop_waiting};
use super::guard::{BoxFut, Guard, Ops};
use super::wait::{self, Wakeups};
use super::{DistributedLock, scripts};
use crate::{LockError, LockOptions, cluster};

/// The default [`FairLock::waiter_timeout`].
const WAITER_TIMEOUT: Duration = Duration::from_secs(5);

/// A fair, reentrant lock on the key `name` (a hash of hold counts, as
/// [`ReentrantLock`](crate::ReentrantLock)): while the lock is held or
/// others wait, an acquire joins the end of the queue, and a free lock
/// goes to the first in line. [`FairLockOwner::try_acquire`] takes it
/// only if it is free and nobody waits, and never queues.
///
/// A waiter that stops trying — its process died, or it was partitioned
/// away — is dropped from the queue once its deadline (its last attempt +
/// the [waiter timeout](FairLock::waiter_timeout)) passes, by whichever
/// attempt or release comes next; the next in line is then woken. One that
/// gives up (its acquire timed out, or was dropped) leaves the queue at
/// once. Fencing tokens ([`LockOptions::fencing`]) are issued per
/// acquisition (re-entries share it).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::FairLock;
///
/// let server = redsim::Server::builder().clock(redsim::TokioClock::new()).start().unwrap();
/// let lock = FairLock::new(server.connection(), "printer");
/// let (first, second, newcomer) = (lock.owner(), lock.owner(), lock.owner());
/// let held = first.acquire().await?;
/// let waiting = tokio::spawn({
///     let second = second.clone();
///     async move { second.acquire().await.map(|g| g.token().to_string()) }
/// });
/// while lock.queue().await?.is_empty() {
///     tokio::task::yield_now().await;
/// }
/// assert_eq!(lock.queue().await?, [second.token()]);
/// held.release().await?;
/// // Free, but someone waits: a newcomer does not jump the queue.
/// assert!(newcomer.try_acquire().await.unwrap_err().is_contention());
/// assert_eq!(waiting.await.unwrap()?, second.token());
/// # Ok(()) }
/// ```
pub struct FairLock<C> {
    conn: C,
    name: String,
    options: LockOptions,
    waiter_timeout: Duration,
    wakeups: Option<Wakeups>,
}

impl<C> std::fmt::Debug for FairLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FairLock")
            .field("name", &self.name)
            .field("options", &self.options)
            .field("waiter_timeout", &self.waiter_timeout)
            .finish()
    }
}

/// One owner of a [`FairLock`] (clones are the same owner).
pub struct FairLockOwner<C> {
    ops: Arc<FairOps<C>>,
}

impl<C> Clone for FairLockOwner<C> {
    fn clone(&self) -> Self {
        FairLockOwner {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for FairLockOwner<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FairLockOwner")
            .field("name", &self.ops.keys.name)
            .field("token", &self.ops.token)
            .finish()
    }
}

/// The fair lock's keys, all under its hash tag.
#[derive(Clone)]
struct Keys {
    name: String,
    queue: String,
    timeouts: String,
    fence: String,
    channel: String,
}

impl Keys {
    fn new(name: &str) -> Keys {
        Keys {
            name: name.to_string(),
            queue: cluster::sibling(name, ":queue"),
            timeouts: cluster::sibling(name, ":timeouts"),
            fence: cluster::sibling(name, ":fence"),
            channel: wait::channel(name),
        }
    }

    /// `script` with the lock's keys (and a request's latch).
    fn invocation<'s>(&self, script: &'s Script, request: Option<&str>) -> ScriptInvocation<'s> {
        let mut inv = script.key(&self.name);
        inv.key(&self.queue).key(&self.timeouts).key(&self.fence);
        if let Some(request) = request {
            inv.key(cluster::sibling(&self.name, &format!(":latch:{request}")));
        }
        inv
    }
}

struct FairOps<C> {
    conn: C,
    keys: Keys,
    token: Arc<str>,
    options: LockOptions,
    waiter_timeout: Duration,
    wakeups: Option<Wakeups>,
}

impl<C> FairLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A fair lock on `name` with default options.
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_options(conn, name, LockOptions::default())
    }

    /// A fair lock on `name`.
    pub fn with_options(conn: C, name: impl Into<String>, options: LockOptions) -> Self {
        FairLock {
            conn,
            name: name.into(),
            options,
            waiter_timeout: WAITER_TIMEOUT,
            wakeups: None,
        }
    }

    /// How long a waiter may go without trying before it is taken for dead
    /// and dropped from the queue (default 5 s). Waiters try at least
    /// three times in that span, so it bounds both how long a dead waiter
    /// holds up the queue and how often a living one polls while it waits.
    ///
    /// ```
    /// use std::time::Duration;
    /// let server = redsim::Server::start().unwrap();
    /// let lock = redsim_lock::FairLock::new(server.connection(), "q")
    ///     .waiter_timeout(Duration::from_secs(2));
    /// # drop(lock);
    /// ```
    #[must_use]
    pub fn waiter_timeout(mut self, timeout: Duration) -> Self {
        self.waiter_timeout = timeout.max(Duration::from_millis(3));
        self
    }

    /// Waits by pub/sub through `wakeups` (see [`Wakeups`]): a waiter
    /// sleeps until the release that makes it first in line publishes to
    /// it, or the holder's PTTL passes, or it must prove it is alive.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use redsim_lock::{FairLock, Wakeups};
    ///
    /// let server = redsim::Server::start()?;
    /// let wakeups = Wakeups::connect(&server.client()).await?;
    /// let lock = FairLock::new(server.connection(), "queue").wake_on(&wakeups);
    /// lock.owner().acquire().await?.release().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wake_on(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = Some(wakeups.clone());
        self
    }

    /// The lock's key.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new owner (a fresh token).
    pub fn owner(&self) -> FairLockOwner<C> {
        FairLockOwner {
            ops: Arc::new(FairOps {
                conn: self.conn.clone(),
                keys: Keys::new(&self.name),
                token: crate::token::new().into(),
                options: self.options.clone(),
                waiter_timeout: self.waiter_timeout,
                wakeups: self.wakeups.clone(),
            }),
        }
    }

    /// The owners waiting, first in line first (waiters past their
    /// deadline are dropped first).
    ///
    /// # Errors
    /// A Redis error.
    pub async fn queue(&self) -> Result<Vec<String>, LockError> {
        let keys = Keys::new(&self.name);
        let mut conn = self.conn.clone();
        keys.invocation(&scripts::FAIR_QUEUE, None)
            .arg(&keys.channel)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))
    }
}

impl<C> FairLockOwner<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// This owner's token.
    pub fn token(&self) -> &str {
        &self.ops.token
    }

    /// Acquires (again, if this owner holds it), waiting in line per the
    /// options. Leaves the queue if it gives up or is dropped.
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    /// One attempt: taken only if free with nobody waiting (or already
    /// this owner's); never queues.
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
            .arg(&self.ops.keys.name)
            .arg(&*self.ops.token)
            .query_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.ops.keys.name, e))?;
        Ok(n.unwrap_or(0))
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        let ops = &self.ops;
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let token = Arc::clone(&ops.token);
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let request = pending.request();
        let give_up = (!once).then(|| {
            let ops = Arc::clone(&self.ops);
            let withdraw: Withdraw =
                Box::new(move || Box::pin(async move { ops.withdraw().await }));
            OnGiveUp::new(Arc::clone(&dyn_ops), withdraw)
        });
        let waiting = Waiting {
            wake: ops
                .wakeups
                .as_ref()
                .map(|w| (w, ops.keys.channel.clone(), Some(Arc::clone(&token)))),
            max_wait: Some(ops.waiter_timeout / 3),
            acquire_timeout: None,
        };
        let limit = ops.options.op_timeout;
        let outcome = acquire_loop_waiting(&mut pending, once, limit, waiting, |_| {
            let request = Arc::clone(&request);
            async move { ops.attempt(&request, !once).await }
        })
        .await;
        match outcome {
            Ok(Taken { fence, sent }) => {
                if let Some(g) = give_up {
                    g.disarm();
                }
                let valid_until = ops.options.valid_until(sent);
                Ok(Guard::new(dyn_ops, token, fence, valid_until))
            }
            Err(e) => {
                if let Some(g) = give_up {
                    g.now().await;
                }
                Err(e)
            }
        }
    }
}

impl<C> FairOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn attempt(&self, request: &str, queue: bool) -> Result<Attempt, LockError> {
        let mut conn = self.conn.clone();
        let (got, value, fence): (i64, i64, u64) = self
            .keys
            .invocation(&scripts::FAIR_ACQUIRE, Some(request))
            .arg(&*self.token)
            .arg(self.options.ttl_ms())
            .arg(self.options.latch_ttl_ms())
            .arg(u64::try_from(self.waiter_timeout.as_millis()).unwrap_or(u64::MAX))
            .arg(u8::from(queue))
            .arg(u8::from(self.options.fencing))
            .arg(&self.keys.channel)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.keys.name, e))?;
        Ok(if got == 1 {
            Attempt::Acquired {
                fence: self.options.fencing.then_some(fence),
            }
        } else {
            Attempt::Held {
                retry_after: u64::try_from(value).ok().map(Duration::from_millis),
            }
        })
    }

    async fn withdraw(&self) {
        let mut conn = self.conn.clone();
        let result: Result<i64, _> = self
            .keys
            .invocation(&scripts::FAIR_WITHDRAW, None)
            .arg(&*self.token)
            .arg(&self.keys.channel)
            .invoke_async(&mut conn)
            .await;
        if let Err(e) = result {
            tracing::debug!(lock = self.keys.name, error = %e, "leaving the queue failed");
        }
    }
}

impl<C> Ops for FairOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.keys.name
    }

    fn keys(&self) -> Vec<String> {
        let k = &self.keys;
        vec![
            k.name.clone(),
            k.queue.clone(),
            k.timeouts.clone(),
            k.fence.clone(),
        ]
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let n: i64 = scripts::REENTRANT_EXTEND
                .key(&self.keys.name)
                .arg(token)
                .arg(self.options.ttl_ms())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.keys.name, e))?;
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
            let left: i64 = self
                .keys
                .invocation(&scripts::FAIR_RELEASE, Some(request))
                .arg(token)
                .arg(self.options.ttl_ms())
                .arg(self.options.latch_ttl_ms())
                .arg(&self.keys.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.keys.name, e))?;
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
            let undone: i64 = self
                .keys
                .invocation(&scripts::FAIR_UNDO, Some(request))
                .arg(token)
                .arg(self.options.ttl_ms())
                .arg(self.options.latch_ttl_ms())
                .arg(&self.keys.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.keys.name, e))?;
            Ok(undone == 1)
        })
    }
}

impl<C> DistributedLock for FairLockOwner<C>
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
