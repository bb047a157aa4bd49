//! [`Redlock`]: a lock granted by a majority of independent Redis servers.
//!
//! The algorithm as its authors describe it, with the validity rule
//! `ttl − elapsed − (ttl × drift factor + 2 ms)`, release on every node
//! when the majority or the validity is missing, retries after a random
//! delay, and extension on a majority. Fencing across nodes: each granting
//! node's counter is incremented, the token is the largest over the
//! quorum, and it is written back to every node of the quorum before the
//! lock is returned — any later majority shares a node with this one, so
//! its token is larger.
//!
//! What it does not promise (and the tests show): safety rests on bounded
//! clock drift and on nodes not losing keys. A node whose clock jumps
//! forward, or that restarts without persistence, can let a second client
//! gather a majority while the first still believes it holds the lock.
//! Fencing tokens are what keeps the resource safe then.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use redis::aio::ConnectionLike;
use tokio::time::timeout;

use super::acquire::{Attempt, Pending, Taken, acquire_loop};
use super::guard::{BoxFut, Guard, Ops};
use super::{DistributedLock, scripts};
use crate::error::may_have_run;
use crate::{LockError, LockOptions, cluster};

/// A lock over N independent Redis servers, held when a majority grants it.
///
/// Give the options a short [`LockOptions::op_timeout`] (a node that does
/// not answer quickly should not eat the validity): it bounds each node's
/// answer.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::LockError> {
/// use std::time::Duration;
/// use redsim_lock::{LockOptions, Redlock};
///
/// let servers: Vec<_> = (0..5).map(|_| redsim::Server::start().unwrap()).collect();
/// let nodes: Vec<_> = servers.iter().map(|s| s.connection()).collect();
/// let options = LockOptions::new()
///     .ttl(Duration::from_secs(10))
///     .op_timeout(Duration::from_millis(50))
///     .fencing(true);
/// let lock = Redlock::with_options(nodes, "invoice:9", options);
/// assert_eq!(lock.quorum(), 3);
/// let guard = lock.acquire().await?;
/// assert_eq!(guard.fencing_token(), Some(1));
/// guard.release().await?;
/// # Ok(()) }
/// ```
pub struct Redlock<C> {
    ops: Arc<RedlockOps<C>>,
}

impl<C> Clone for Redlock<C> {
    fn clone(&self) -> Self {
        Redlock {
            ops: Arc::clone(&self.ops),
        }
    }
}

impl<C> std::fmt::Debug for Redlock<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redlock")
            .field("name", &self.ops.name)
            .field("nodes", &self.ops.nodes.len())
            .field("options", &self.ops.options)
            .finish()
    }
}

struct RedlockOps<C> {
    nodes: Vec<C>,
    name: String,
    fence_key: String,
    options: LockOptions,
}

/// One node's answer to an acquire.
enum NodeAnswer {
    Granted(Option<u64>),
    Refused,
    Failed(redis::RedisError),
}

impl<C> Redlock<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A Redlock over `nodes` (one connection per independent server) with
    /// default options.
    pub fn new(nodes: Vec<C>, name: impl Into<String>) -> Self {
        Self::with_options(nodes, name, LockOptions::default())
    }

    /// A Redlock over `nodes`. The clock-skew guard of the options is not
    /// applied (it is a single-server check).
    pub fn with_options(nodes: Vec<C>, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        Redlock {
            ops: Arc::new(RedlockOps {
                nodes,
                fence_key: cluster::sibling(&name, ":fence"),
                name,
                options,
            }),
        }
    }

    /// The majority: `N / 2 + 1`.
    pub fn quorum(&self) -> usize {
        self.ops.quorum()
    }

    /// One round over all nodes.
    ///
    /// # Errors
    /// [`LockError::Contended`] when no majority granted it in time
    /// (whatever was granted is released).
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Rounds spaced by the retry policy's random delays until a majority
    /// grants the lock with validity left, or the acquire timeout.
    ///
    /// # Errors
    /// [`LockError::Timeout`] as [`Lock::acquire`](crate::Lock::acquire).
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        if self.ops.nodes.is_empty() {
            return Err(LockError::InvalidOptions("a Redlock needs nodes".into()));
        }
        let token: Arc<str> = crate::token::new().into();
        let dyn_ops: Arc<dyn Ops> = self.ops.clone();
        let mut pending = Pending::new(Arc::clone(&dyn_ops), Arc::clone(&token));
        let ops = &self.ops;
        // Each node is bounded by the operation timeout; the round by
        // twice that (the fence write-back is a second step).
        let round_limit = ops.options.op_timeout * 2 + Duration::from_millis(1);
        let Taken { fence, sent } = acquire_loop(&mut pending, once, round_limit, |held| {
            let token = Arc::clone(&token);
            async move { ops.round(&token, held).await }
        })
        .await?;
        let valid_until = ops.options.valid_until(sent);
        if valid_until <= tokio::time::Instant::now() {
            super::guard::release_detached(dyn_ops, token);
            return Err(LockError::NoValidity {
                name: ops.name.clone(),
                elapsed: sent.elapsed(),
            });
        }
        Ok(Guard::new(dyn_ops, token, fence, valid_until))
    }
}

impl<C> RedlockOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn quorum(&self) -> usize {
        self.nodes.len() / 2 + 1
    }

    /// One round: ask every node at once, count, and either keep a
    /// majority (fencing written back) or release everything.
    async fn round(&self, token: &str, possibly_held: bool) -> Result<Attempt, LockError> {
        let started = tokio::time::Instant::now();
        let answers = join_all(
            self.nodes
                .iter()
                .map(|node| self.ask(node.clone(), token, possibly_held)),
        )
        .await;
        let granted: Vec<(usize, Option<u64>)> = answers
            .iter()
            .enumerate()
            .filter_map(|(i, a)| match a {
                NodeAnswer::Granted(f) => Some((i, *f)),
                _ => None,
            })
            .collect();
        let validity_left = self.options.valid_until(started) > tokio::time::Instant::now();
        if granted.len() >= self.quorum() && validity_left {
            let fence = if self.options.fencing {
                match self.write_back_fence(token, &granted).await {
                    Some(f) => Some(f),
                    None => {
                        self.release_everywhere(token).await;
                        return Ok(Attempt::Held { retry_after: None });
                    }
                }
            } else {
                None
            };
            return Ok(Attempt::Acquired { fence });
        }
        self.release_everywhere(token).await;
        let failures: Vec<redis::RedisError> = answers
            .into_iter()
            .filter_map(|a| match a {
                NodeAnswer::Failed(e) => Some(e),
                _ => None,
            })
            .collect();
        // Every node failed: report the error (transient ones are retried).
        if failures.len() == self.nodes.len() {
            if let Some(e) = failures.into_iter().next() {
                return Err(LockError::redis(&self.name, e));
            }
        }
        Ok(Attempt::Held { retry_after: None })
    }

    async fn ask(&self, mut node: C, token: &str, possibly_held: bool) -> NodeAnswer {
        let ttl = self.options.ttl_ms();
        let call = async {
            if self.options.fencing {
                let (got, value): (i64, i64) = scripts::ACQUIRE_FENCED
                    .key(&self.name)
                    .key(&self.fence_key)
                    .arg(token)
                    .arg(ttl)
                    .invoke_async(&mut node)
                    .await?;
                return Ok(if got == 1 {
                    NodeAnswer::Granted(Some(value as u64))
                } else {
                    NodeAnswer::Refused
                });
            }
            let set: Option<String> = redis::cmd("SET")
                .arg(&self.name)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(ttl)
                .query_async(&mut node)
                .await?;
            if set.is_some() {
                return Ok(NodeAnswer::Granted(None));
            }
            if possibly_held {
                let n: i64 = scripts::EXTEND
                    .key(&self.name)
                    .arg(token)
                    .arg(ttl)
                    .invoke_async(&mut node)
                    .await?;
                if n == 1 {
                    return Ok(NodeAnswer::Granted(None));
                }
            }
            Ok(NodeAnswer::Refused)
        };
        match timeout(self.options.op_timeout, call).await {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => NodeAnswer::Failed(e),
            Err(_) => NodeAnswer::Failed(timed_out(self.options.op_timeout)),
        }
    }

    /// Raises the counter of every granting node to the largest token
    /// they issued; the token, if a majority confirmed it.
    async fn write_back_fence(
        &self,
        _token: &str,
        granted: &[(usize, Option<u64>)],
    ) -> Option<u64> {
        let fence = granted.iter().filter_map(|(_, f)| *f).max()?;
        let raised = join_all(granted.iter().map(|(i, _)| {
            let mut node = self.nodes[*i].clone();
            async move {
                let mut invocation = scripts::FENCE_RAISE.key(&self.fence_key);
                invocation.arg(fence);
                let call = invocation.invoke_async::<u64>(&mut node);
                matches!(timeout(self.options.op_timeout, call).await, Ok(Ok(v)) if v >= fence)
            }
        }))
        .await;
        (raised.iter().filter(|ok| **ok).count() >= self.quorum()).then_some(fence)
    }

    async fn release_everywhere(&self, token: &str) {
        join_all(self.nodes.iter().map(|node| {
            let mut node = node.clone();
            async move {
                let mut invocation = scripts::RELEASE.key(&self.name);
                invocation.arg(token);
                let call = invocation.invoke_async::<i64>(&mut node);
                let _ = timeout(self.options.op_timeout, call).await;
            }
        }))
        .await;
    }

    /// Runs `script` (extend or release) on every node: how many said
    /// yes, no, and failed (with one of the errors).
    async fn on_all(
        &self,
        script: &redis::Script,
        token: &str,
        with_ttl: bool,
    ) -> (usize, usize, Option<redis::RedisError>) {
        let answers = join_all(self.nodes.iter().map(|node| {
            let mut node = node.clone();
            async move {
                let mut invocation = script.key(&self.name);
                invocation.arg(token);
                if with_ttl {
                    invocation.arg(self.options.ttl_ms());
                }
                match timeout(
                    self.options.op_timeout,
                    invocation.invoke_async::<i64>(&mut node),
                )
                .await
                {
                    Ok(r) => r,
                    Err(_) => Err(timed_out(self.options.op_timeout)),
                }
            }
        }))
        .await;
        let yes = answers.iter().filter(|a| matches!(a, Ok(1))).count();
        let no = answers
            .iter()
            .filter(|a| matches!(a, Ok(n) if *n != 1))
            .count();
        let error = answers.into_iter().find_map(Result::err);
        (yes, no, error)
    }

    fn decide(
        &self,
        (yes, no, error): (usize, usize, Option<redis::RedisError>),
    ) -> Result<bool, LockError> {
        if yes >= self.quorum() {
            return Ok(true);
        }
        if no > self.nodes.len() - self.quorum() {
            return Ok(false);
        }
        match error {
            // The majority is unknown: some nodes did not answer.
            Some(e) if may_have_run(&e) || yes + no < self.nodes.len() => {
                Err(LockError::redis(&self.name, e))
            }
            _ => Err(LockError::NoQuorum {
                name: self.name.clone(),
                granted: yes,
                nodes: self.nodes.len(),
                quorum: self.quorum(),
            }),
        }
    }
}

fn timed_out(after: Duration) -> redis::RedisError {
    redis::RedisError::from(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("no reply within {after:?}"),
    ))
}

impl<C> Ops for RedlockOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn name(&self) -> &str {
        &self.name
    }

    fn options(&self) -> &LockOptions {
        &self.options
    }

    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>> {
        Box::pin(async move {
            let counts = self.on_all(&scripts::EXTEND, token, true).await;
            self.decide(counts)
        })
    }

    fn release<'a>(
        &'a self,
        token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        // Compare-and-delete is idempotent: a second run finds nothing.
        Box::pin(async move {
            let counts = self.on_all(&scripts::RELEASE, token, false).await;
            self.decide(counts)
        })
    }
}

impl<C> DistributedLock for Redlock<C>
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
