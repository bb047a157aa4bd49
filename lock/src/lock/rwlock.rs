//! [`ReadWriteLock`]: many readers or one writer, as Redisson's
//! RReadWriteLock, reentrant per owner, on the same [`Guard`] as every
//! kind (validity, watchdog, lost signal, release on drop).
//!
//! The state lives in keys sharing the lock's hash tag: a hash (the
//! writer, its holds, deadline and fencing token, and each reader's
//! holds), a sorted set of readers' deadlines and one of waiting writers'
//! claims, all deadlines on the server's clock, so that a reader that dies
//! expires on its own while the others renew. Every release is one named
//! request with a latch, as the reentrant lock's, so a release sent again
//! after a lost reply never gives back two holds.

use std::sync::Arc;
use std::time::Duration;

use redis::aio::ConnectionLike;
use redis::{Script, ScriptInvocation};

use super::acquire::{Attempt, OnGiveUp, Pending, Taken, Waiting, Withdraw, acquire_loop_waiting};
use super::guard::{BoxFut, Guard, Ops};
use super::wait::{self, Wakeups};
use super::{DistributedLock, scripts};
use crate::{LockError, LockOptions, cluster};

/// A read-write lock on the key `name`: any number of readers at once, or
/// one writer. Owners ([`ReadWriteLock::owner`]) are reentrant: one that
/// reads may read again, one that writes may write again and may also
/// read — then release the write lock and keep reading (a **downgrade**).
/// An owner that is the **only** reader may also take the write lock (an
/// upgrade); with other readers present it waits for them like any writer,
/// so two readers upgrading at once wait for each other until their
/// acquire timeouts: release the read lock first where that can happen.
///
/// **Fairness**: a writer that finds the lock held leaves a claim, and
/// while a claim stands new readers wait (owners that already read, or
/// write, are let in, so nested reads never deadlock). So a stream of
/// readers cannot starve a writer: once the readers present leave, the
/// writer goes first. A claim lives a little longer than the wait its
/// writer was told (the holders' PTTL plus twice the operation timeout and
/// the retry policy's largest delay), is renewed by each of its attempts,
/// and is withdrawn when the writer gives up or is dropped; a writer that
/// dies holds new readers back until its claim expires. Writers are not
/// ordered among themselves (use a [`FairLock`](crate::FairLock) for
/// that).
///
/// Fencing tokens ([`LockOptions::fencing`]) are issued to writers, one
/// per write acquisition (re-entries share it); readers get none, since
/// several hold at once.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::ReadWriteLock;
///
/// let server = redsim::Server::start().unwrap();
/// let lock = ReadWriteLock::new(server.connection(), "catalog");
/// let (alice, bob) = (lock.owner(), lock.owner());
/// let r1 = alice.read_lock().acquire().await?;
/// let r2 = bob.read_lock().acquire().await?; // readers share
/// assert!(bob.write_lock().try_acquire().await.unwrap_err().is_contention());
/// r1.release().await?;
/// r2.release().await?;
///
/// // A writer excludes readers; it may read too, then downgrade.
/// let w = alice.write_lock().acquire().await?;
/// assert!(bob.read_lock().try_acquire().await.is_err());
/// let r = alice.read_lock().acquire().await?;
/// w.release().await?;
/// let other = bob.read_lock().try_acquire().await?; // reading together now
/// assert_eq!(alice.holds().await?, (1, 0));
/// # drop((r, other));
/// # Ok(()) }
/// ```
pub struct ReadWriteLock<C> {
    conn: C,
    name: String,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

impl<C> std::fmt::Debug for ReadWriteLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadWriteLock")
            .field("name", &self.name)
            .field("options", &self.options)
            .finish()
    }
}

/// One owner of a [`ReadWriteLock`]: its read and write holds count
/// together (clones are the same owner).
pub struct ReadWriteOwner<C> {
    shared: Arc<Shared<C>>,
}

impl<C> Clone for ReadWriteOwner<C> {
    fn clone(&self) -> Self {
        ReadWriteOwner {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<C> std::fmt::Debug for ReadWriteOwner<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadWriteOwner")
            .field("name", &self.shared.name)
            .field("token", &self.shared.token)
            .finish()
    }
}

/// The read side of a [`ReadWriteOwner`]: acquire it to read.
pub struct ReadLock<C> {
    ops: Arc<RwOps<C>>,
}

/// The write side of a [`ReadWriteOwner`]: acquire it to write.
pub struct WriteLock<C> {
    ops: Arc<RwOps<C>>,
}

impl<C> std::fmt::Debug for ReadLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadLock")
            .field("name", &self.ops.shared.name)
            .field("token", &self.ops.shared.token)
            .finish()
    }
}

impl<C> std::fmt::Debug for WriteLock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WriteLock")
            .field("name", &self.ops.shared.name)
            .field("token", &self.ops.shared.token)
            .finish()
    }
}

struct Shared<C> {
    conn: C,
    name: String,
    readers: String,
    writers: String,
    fence: String,
    channel: String,
    token: Arc<str>,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

/// One side's operations, for its guards.
struct RwOps<C> {
    shared: Arc<Shared<C>>,
    write: bool,
}

impl<C> ReadWriteLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A read-write lock on `name` with default options.
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_options(conn, name, LockOptions::default())
    }

    /// A read-write lock on `name`. The TTL is each holder's: a reader or
    /// writer that neither renews nor releases is forgotten that long
    /// after its last acquire or renewal.
    pub fn with_options(conn: C, name: impl Into<String>, options: LockOptions) -> Self {
        ReadWriteLock {
            conn,
            name: name.into(),
            options,
            wakeups: None,
        }
    }

    /// Waits by pub/sub through `wakeups` (see [`Wakeups`]): readers and
    /// writers that find the lock held sleep until a release is published
    /// (the last reader out, a writer out, a writer giving up) or the
    /// holders' deadline passes. Owners made afterwards use it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use redsim_lock::{ReadWriteLock, Wakeups};
    ///
    /// let server = redsim::Server::start()?;
    /// let wakeups = Wakeups::connect(&server.client()).await?;
    /// let lock = ReadWriteLock::new(server.connection(), "doc").wake_on(&wakeups);
    /// lock.owner().write_lock().acquire().await?.release().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wake_on(mut self, wakeups: &Wakeups) -> Self {
        self.wakeups = Some(wakeups.clone());
        self
    }

    /// The lock's key (a hash; its siblings share its hash tag).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A new owner (a fresh token).
    pub fn owner(&self) -> ReadWriteOwner<C> {
        ReadWriteOwner {
            shared: Arc::new(Shared {
                conn: self.conn.clone(),
                readers: cluster::sibling(&self.name, ":readers"),
                writers: cluster::sibling(&self.name, ":writers"),
                fence: cluster::sibling(&self.name, ":fence"),
                channel: wait::channel(&self.name),
                name: self.name.clone(),
                token: crate::token::new().into(),
                options: self.options.clone(),
                wakeups: self.wakeups.clone(),
            }),
        }
    }
}

impl<C> ReadWriteOwner<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// This owner's token (the guards of its holds carry it).
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// This owner's read side.
    pub fn read_lock(&self) -> ReadLock<C> {
        ReadLock {
            ops: Arc::new(RwOps {
                shared: Arc::clone(&self.shared),
                write: false,
            }),
        }
    }

    /// This owner's write side.
    pub fn write_lock(&self) -> WriteLock<C> {
        WriteLock {
            ops: Arc::new(RwOps {
                shared: Arc::clone(&self.shared),
                write: true,
            }),
        }
    }

    /// This owner's `(read holds, write holds)` now (expired holds count
    /// as none).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// let server = redsim::Server::start().unwrap();
    /// let me = redsim_lock::ReadWriteLock::new(server.connection(), "t").owner();
    /// let w = me.write_lock().acquire().await?;
    /// let r = me.read_lock().acquire().await?;
    /// assert_eq!(me.holds().await?, (1, 1));
    /// # drop((w, r));
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// A Redis error.
    pub async fn holds(&self) -> Result<(u64, u64), LockError> {
        let shared = &self.shared;
        let mut conn = shared.conn.clone();
        shared
            .invocation(&scripts::RW_HOLDS, None)
            .arg(&*shared.token)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&shared.name, e))
    }
}

impl<C> Shared<C> {
    fn latch(&self, request: &str) -> String {
        cluster::sibling(&self.name, &format!(":latch:{request}"))
    }

    /// `script` with the lock's keys (and a request's latch).
    fn invocation<'s>(&self, script: &'s Script, request: Option<&str>) -> ScriptInvocation<'s> {
        let mut inv = script.key(&self.name);
        inv.key(&self.readers).key(&self.writers).key(&self.fence);
        if let Some(request) = request {
            inv.key(self.latch(request));
        }
        inv
    }

    /// How long a waiting writer's claim outlives the wait it was told.
    fn claim_ms(&self) -> u64 {
        let slack = self.options.op_timeout * 2 + self.options.retry.ceiling(u32::MAX);
        u64::try_from(slack.as_millis()).unwrap_or(u64::MAX)
    }
}

impl<C> RwOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn attempt(&self, request: &str, queue: bool) -> Result<Attempt, LockError> {
        let s = &self.shared;
        let mut conn = s.conn.clone();
        let (got, value, fence): (i64, i64, u64) = if self.write {
            s.invocation(&scripts::RW_WRITE_ACQUIRE, Some(request))
                .arg(&*s.token)
                .arg(s.options.ttl_ms())
                .arg(s.options.latch_ttl_ms())
                .arg(s.claim_ms())
                .arg(u8::from(queue))
                .arg(u8::from(s.options.fencing))
                .invoke_async(&mut conn)
                .await
        } else {
            s.invocation(&scripts::RW_READ_ACQUIRE, Some(request))
                .arg(&*s.token)
                .arg(s.options.ttl_ms())
                .arg(s.options.latch_ttl_ms())
                .invoke_async::<(i64, i64)>(&mut conn)
                .await
                .map(|(got, value)| (got, value, 0))
        }
        .map_err(|e| LockError::redis(&s.name, e))?;
        Ok(if got == 1 {
            Attempt::Acquired {
                fence: (self.write && s.options.fencing).then_some(fence),
            }
        } else {
            Attempt::Held {
                retry_after: u64::try_from(value).ok().map(Duration::from_millis),
            }
        })
    }

    async fn acquire(self: &Arc<Self>, once: bool) -> Result<Guard, LockError> {
        let s = &self.shared;
        let dyn_ops: Arc<dyn Ops> = self.clone();
        let token = Arc::clone(&s.token);
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let request = pending.request();
        // A writer that waits leaves a claim; if it gives up, the claim
        // goes with it.
        let give_up = (self.write && !once).then(|| {
            let ops = Arc::clone(self);
            let withdraw: Withdraw =
                Box::new(move || Box::pin(async move { ops.withdraw().await }));
            OnGiveUp::new(Arc::clone(&dyn_ops), withdraw)
        });
        let waiting = Waiting {
            wake: s.wakeups.as_ref().map(|w| (w, s.channel.clone(), None)),
            ..Waiting::default()
        };
        let limit = s.options.op_timeout;
        let outcome = acquire_loop_waiting(&mut pending, once, limit, waiting, |_| {
            let request = Arc::clone(&request);
            async move { self.attempt(&request, !once).await }
        })
        .await;
        match outcome {
            Ok(Taken { fence, sent }) => {
                if let Some(g) = give_up {
                    g.disarm();
                }
                let valid_until = s.options.valid_until(sent);
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

    async fn withdraw(&self) {
        let s = &self.shared;
        let mut conn = s.conn.clone();
        let result: Result<i64, _> = s
            .invocation(&scripts::RW_WITHDRAW, None)
            .arg(&*s.token)
            .arg(&s.channel)
            .invoke_async(&mut conn)
            .await;
        if let Err(e) = result {
            tracing::debug!(lock = s.name, error = %e, "withdrawing a writer's claim failed");
        }
    }
}

impl<C> Ops for RwOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.shared.name
    }

    fn keys(&self) -> Vec<String> {
        let s = &self.shared;
        vec![
            s.name.clone(),
            s.readers.clone(),
            s.writers.clone(),
            s.fence.clone(),
        ]
    }

    fn options(&self) -> &LockOptions {
        &self.shared.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let s = &self.shared;
            let mut conn = s.conn.clone();
            let script = if self.write {
                &scripts::RW_WRITE_EXTEND
            } else {
                &scripts::RW_READ_EXTEND
            };
            let n: i64 = s
                .invocation(script, None)
                .arg(token)
                .arg(s.options.ttl_ms())
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&s.name, e))?;
            Ok(n == 1)
        })
    }

    fn release<'a>(
        &'a self,
        token: &'a str,
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let s = &self.shared;
            let mut conn = s.conn.clone();
            let script = if self.write {
                &scripts::RW_WRITE_RELEASE
            } else {
                &scripts::RW_READ_RELEASE
            };
            let left: i64 = s
                .invocation(script, Some(request))
                .arg(token)
                .arg(s.options.latch_ttl_ms())
                .arg(&s.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&s.name, e))?;
            Ok(left >= 0)
        })
    }

    fn abandon<'a>(
        &'a self,
        token: &'a str,
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let s = &self.shared;
            let mut conn = s.conn.clone();
            let undone: i64 = s
                .invocation(&scripts::RW_UNDO, Some(request))
                .arg(token)
                .arg(s.options.latch_ttl_ms())
                .arg(&s.channel)
                .arg(if self.write { "w" } else { "r" })
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&s.name, e))?;
            Ok(undone == 1)
        })
    }
}

impl<C> ReadLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Takes a read hold, waiting (per the options, by pub/sub if given
    /// [`Wakeups`]) while another owner writes or a writer waits.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// let server = redsim::Server::start().unwrap();
    /// let lock = redsim_lock::ReadWriteLock::new(server.connection(), "prices");
    /// let guard = lock.owner().read_lock().acquire().await?;
    /// guard.release().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.ops.acquire(false).await
    }

    /// One attempt.
    ///
    /// # Errors
    /// As [`Lock::try_acquire`](crate::Lock::try_acquire).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.ops.acquire(true).await
    }
}

impl<C> WriteLock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// Takes a write hold, waiting (per the options, by pub/sub if given
    /// [`Wakeups`]) while others read or write; meanwhile its claim holds
    /// new readers back (see [`ReadWriteLock`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// use redsim_lock::{LockOptions, ReadWriteLock};
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let lock = ReadWriteLock::with_options(server.connection(), "prices", LockOptions::new().fencing(true));
    /// let guard = lock.owner().write_lock().acquire().await?;
    /// assert_eq!(guard.fencing_token(), Some(1));
    /// guard.release().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.ops.acquire(false).await
    }

    /// One attempt (leaves no claim if it fails).
    ///
    /// # Errors
    /// As [`Lock::try_acquire`](crate::Lock::try_acquire).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.ops.acquire(true).await
    }
}

impl<C> DistributedLock for ReadLock<C>
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

impl<C> DistributedLock for WriteLock<C>
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
