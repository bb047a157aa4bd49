//! [`Lock`]: the single-instance lock — `SET NX PX` with a random token,
//! owner-checked extend and release in Lua, optional fencing tokens and a
//! clock-skew guard.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use redis::aio::ConnectionLike;
use tokio::time::Instant;

use super::acquire::{Attempt, Pending, Taken, Waiting, acquire_loop_waiting};
use super::guard::{BoxFut, Guard, Ops};
use super::wait::{self, Wakeups};
use super::{DistributedLock, scripts};
use crate::SkewAction;
use crate::{LockError, LockOptions, cluster};

/// A lock on one Redis server.
///
/// The key holds a random 128-bit token while the lock is held, with the
/// options' TTL. Release and extend check the token in a script, so an
/// owner whose lock expired can never delete or extend the next owner's.
/// With [`LockOptions::fencing`], each acquisition also gets a fencing
/// token from a counter beside the key (same hash tag, see
/// [`cluster::sibling`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use redsim_lock::Lock;
///
/// let server = redsim::Server::start().unwrap();
/// let lock = Lock::new(server.connection(), "order:42");
/// let guard = lock.acquire().await?;
/// assert!(lock.try_acquire().await.unwrap_err().is_contention());
/// guard.release().await?;
/// # Ok(()) }
/// ```
pub struct Lock<C> {
    ops: Arc<SingleOps<C>>,
}

impl<C> Clone for Lock<C> {
    fn clone(&self) -> Self {
        Lock {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for Lock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("name", &self.ops.name)
            .field("options", &self.ops.options)
            .finish()
    }
}

struct SingleOps<C> {
    conn: C,
    name: String,
    fence_key: String,
    /// Where releases are published (see [`Lock::wake_on`]).
    channel: String,
    options: LockOptions,
    wakeups: Option<Wakeups>,
}

impl<C> Lock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A lock on the key `name`, with default options.
    pub fn new(conn: C, name: impl Into<String>) -> Self {
        Self::with_options(conn, name, LockOptions::default())
    }

    /// A lock on the key `name`.
    pub fn with_options(conn: C, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        Lock {
            ops: Arc::new(SingleOps {
                conn,
                fence_key: cluster::sibling(&name, ":fence"),
                channel: wait::channel(&name),
                name,
                options,
                wakeups: None,
            }),
        }
    }

    /// Waits for the lock by pub/sub through `wakeups` (see [`Wakeups`]):
    /// an acquire that finds it held sleeps until a release is published
    /// (every release of this lock publishes, whichever way its owner
    /// waits) or the holder's PTTL passes, instead of polling with the
    /// retry policy.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use redsim_lock::{Lock, Wakeups};
    ///
    /// let server = redsim::Server::start()?;
    /// let wakeups = Wakeups::connect(&server.client()).await?;
    /// let lock = Lock::new(server.connection(), "report").wake_on(&wakeups);
    /// lock.acquire().await?.release().await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn wake_on(self, wakeups: &Wakeups) -> Self {
        let mut ops = match Arc::try_unwrap(self.ops) {
            Ok(ops) => ops,
            Err(shared) => SingleOps {
                conn: shared.conn.clone(),
                name: shared.name.clone(),
                fence_key: shared.fence_key.clone(),
                channel: shared.channel.clone(),
                options: shared.options.clone(),
                wakeups: shared.wakeups.clone(),
            },
        };
        ops.wakeups = Some(wakeups.clone());
        Lock { ops: Arc::new(ops) }
    }

    /// The lock's key.
    pub fn name(&self) -> &str {
        &self.ops.name
    }

    /// The key of its fencing counter.
    pub fn fence_key(&self) -> &str {
        &self.ops.fence_key
    }

    /// Its options.
    pub fn options(&self) -> &LockOptions {
        &self.ops.options
    }

    /// One attempt.
    ///
    /// # Errors
    /// [`LockError::Contended`] if another owner holds it; a Redis error or
    /// [`LockError::OpTimeout`] if the attempt failed (anything it may have
    /// taken is released in the background).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Attempts until acquired, spaced by the retry policy, until the
    /// acquire timeout. Dropping the future mid-way releases anything an
    /// attempt in flight may have taken.
    ///
    /// # Errors
    /// [`LockError::Timeout`] when the deadline or the attempts run out;
    /// a Redis error that retrying cannot help (WRONGTYPE, NOPERM…);
    /// [`LockError::NoValidity`] / [`LockError::ClockSkew`] as documented.
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        let token: Arc<str> = crate::token::new().into();
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let ops = &self.ops;
        let limit = ops.options.op_timeout;
        let waiting = Waiting {
            wake: ops.wakeups.as_ref().map(|w| (w, ops.channel.clone(), None)),
            ..Waiting::default()
        };
        let Taken { fence, sent } =
            acquire_loop_waiting(&mut pending, once, limit, waiting, |possibly_held| {
                let token = Arc::clone(&token);
                async move { ops.attempt(&token, possibly_held).await }
            })
            .await?;
        let mut valid_until = ops.options.valid_until(sent);
        if let Err(e) = ops.confirm().await {
            super::guard::release_detached(dyn_ops, token);
            return Err(e);
        }
        if let Some(guard) = ops.options.skew_guard {
            let skew = match ops.server_skew().await {
                Ok(skew) => skew,
                Err(e) => {
                    super::guard::release_detached(dyn_ops, token);
                    return Err(e);
                }
            };
            if skew > guard.bound {
                match guard.action {
                    SkewAction::Shrink => {
                        valid_until = valid_until.checked_sub(skew * 2).unwrap_or(sent);
                    }
                    _ => {
                        super::guard::release_detached(dyn_ops, token);
                        return Err(LockError::ClockSkew {
                            name: ops.name.clone(),
                            skew,
                            bound: guard.bound,
                        });
                    }
                }
            }
        }
        if valid_until <= Instant::now() {
            super::guard::release_detached(dyn_ops, token);
            return Err(LockError::NoValidity {
                name: ops.name.clone(),
                elapsed: sent.elapsed(),
            });
        }
        Ok(Guard::new(dyn_ops, token, fence, valid_until))
    }
}

impl<C> SingleOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    async fn attempt(&self, token: &str, possibly_held: bool) -> Result<Attempt, LockError> {
        let mut conn = self.conn.clone();
        let ttl = self.options.ttl_ms();
        if self.options.fencing {
            let (got, value): (i64, i64) = scripts::ACQUIRE_FENCED
                .key(&self.name)
                .key(&self.fence_key)
                .arg(token)
                .arg(ttl)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            return Ok(if got == 1 {
                Attempt::Acquired {
                    fence: Some(value as u64),
                }
            } else {
                Attempt::Held {
                    retry_after: pttl(value),
                }
            });
        }
        if self.wakeups.is_some() {
            // A waiter that sleeps until a release needs the holder's PTTL
            // as its fallback timer.
            let got: i64 = scripts::ACQUIRE_OR_PTTL
                .key(&self.name)
                .arg(token)
                .arg(ttl)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            return Ok(if got == -3 {
                Attempt::Acquired { fence: None }
            } else {
                Attempt::Held {
                    retry_after: pttl(got),
                }
            });
        }
        let set: Option<String> = redis::cmd("SET")
            .arg(&self.name)
            .arg(token)
            .arg("NX")
            .arg("PX")
            .arg(ttl)
            .query_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        if set.is_some() {
            return Ok(Attempt::Acquired { fence: None });
        }
        // Held — perhaps by us, if an earlier attempt's reply was lost:
        // then take it over (refreshing its TTL, so that validity counts
        // from this attempt).
        if possibly_held && self.extend_with(&mut conn, token).await? {
            return Ok(Attempt::Acquired { fence: None });
        }
        Ok(Attempt::Held { retry_after: None })
    }

    /// With [`LockOptions::confirm_replicas`]: waits for the replicas to
    /// acknowledge this connection's writes (WAIT); fails with
    /// [`LockError::NotReplicated`] when too few did.
    async fn confirm(&self) -> Result<(), LockError> {
        let Some(confirm) = self.options.confirm else {
            return Ok(());
        };
        let mut conn = self.conn.clone();
        let acked: i64 = redis::cmd("WAIT")
            .arg(confirm.replicas)
            .arg(confirm.timeout.as_millis() as u64)
            .query_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        let acked = u32::try_from(acked).unwrap_or(0);
        if acked < confirm.replicas {
            return Err(LockError::NotReplicated {
                name: self.name.clone(),
                acknowledged: acked,
                required: confirm.replicas,
            });
        }
        Ok(())
    }

    async fn extend_with(&self, conn: &mut C, token: &str) -> Result<bool, LockError> {
        let n: i64 = scripts::EXTEND
            .key(&self.name)
            .arg(token)
            .arg(self.options.ttl_ms())
            .invoke_async(conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        Ok(n == 1)
    }

    /// |server TIME − local wall clock| (the options' [`WallClock`]: the
    /// library's only wall-clock reading).
    ///
    /// [`WallClock`]: super::options::WallClock
    async fn server_skew(&self) -> Result<Duration, LockError> {
        let mut conn = self.conn.clone();
        let (secs, micros): (u64, u64) = redis::cmd("TIME")
            .query_async(&mut conn)
            .await
            .map_err(|e| LockError::redis(&self.name, e))?;
        let server = Duration::from_secs(secs) + Duration::from_micros(micros);
        let local = self
            .options
            .wall_clock
            .now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Ok(server.abs_diff(local))
    }
}

/// A PTTL reply as a duration (none for -1/-2).
fn pttl(ms: i64) -> Option<Duration> {
    u64::try_from(ms).ok().map(Duration::from_millis)
}

impl<C> Ops for SingleOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn keys(&self) -> Vec<String> {
        if self.options.fencing {
            vec![self.name.clone(), self.fence_key.clone()]
        } else {
            Vec::new()
        }
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let mut conn = self.conn.clone();
            let held = self.extend_with(&mut conn, token).await?;
            if held {
                // An unconfirmed renewal is a failed one.
                self.confirm().await?;
            }
            Ok(held)
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
            let n: i64 = scripts::RELEASE
                .key(&self.name)
                .arg(token)
                .arg(&self.channel)
                .invoke_async(&mut conn)
                .await
                .map_err(|e| LockError::redis(&self.name, e))?;
            Ok(n == 1)
        })
    }
}

impl<C> DistributedLock for Lock<C>
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
