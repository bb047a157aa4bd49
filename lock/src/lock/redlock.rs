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
//! Restarted nodes: each node's `run_id` (from `INFO server`, asked
//! beside the acquire on the same connection) is remembered for the
//! guard; every extend asks it again after the EXTEND, and a node whose
//! run id changed — it restarted since the lock was acquired, so it may
//! have lost the key and granted it to someone else in between — no
//! longer counts towards the majority for that guard, whatever it answers:
//! its vote counts as a "no". (go-redsync, Redisson's RedissonRedLock and
//! node-redlock do not check this.) A node that cannot say its run id (an
//! error reply to INFO at acquire, e.g. a proxy) is counted without the
//! check.
//!
//! Failures are reported per node: a round where failing nodes (an error
//! reply such as READONLY, MISCONF, OOM or BUSY, a dropped connection, no
//! reply in time) kept the majority away ends in [`LockError::NoQuorum`]
//! with each node's error — never in contention, which is a majority
//! refusing. A majority that answered only after the validity was spent
//! (`ttl − elapsed − drift` ≤ 0) is refused: released everywhere, and
//! reported as [`LockError::NoValidity`].
//!
//! What it does not promise (and the tests show): safety rests on bounded
//! clock drift and on nodes not losing keys. A node whose clock jumps
//! forward, or that restarts without persistence, can let a second client
//! gather a majority while the first still believes it holds the lock
//! (until its next renewal). Fencing tokens are what keeps the resource
//! safe then.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{join, join_all};
use parking_lot::Mutex;
use redis::aio::ConnectionLike;
use tokio::time::{Instant, timeout};

use super::acquire::{Attempt, Pending, Taken, acquire_loop};
use super::guard::{BoxFut, Guard, Ops};
use super::{DistributedLock, scripts};
use crate::error::{is_transient, may_have_run};
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
    /// Per held lock (by token), each node's run id when it granted it
    /// (`None`: the node could not say). Removed on release.
    run_ids: Mutex<BTreeMap<Arc<str>, Vec<Option<String>>>>,
}

/// One node's answer to an acquire.
enum NodeAnswer {
    Granted {
        fence: Option<u64>,
        run_id: Option<String>,
    },
    Refused,
    Failed(redis::RedisError),
}

/// One node's answer to an extend or a release.
enum Vote {
    Yes,
    No,
    /// Its run id changed since the lock was acquired: counts as a no.
    Restarted,
    Failed(redis::RedisError),
}

/// What the last round of an acquire saw, to say why the acquire failed.
#[derive(Default)]
struct RoundReport {
    granted: usize,
    /// A majority granted it, but only after the validity was spent:
    /// how long the round took.
    late: Option<Duration>,
    /// The nodes that failed, when they kept the majority away.
    errors: Vec<(usize, redis::RedisError)>,
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
                run_ids: Mutex::new(BTreeMap::new()),
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
    /// [`LockError::Contended`] when a majority refused it (whatever was
    /// granted is released); [`LockError::NoQuorum`] with each failed
    /// node's error when failures kept the majority away;
    /// [`LockError::NoValidity`] when the majority came too late.
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Rounds spaced by the retry policy's random delays until a majority
    /// grants the lock with validity left, or the acquire timeout.
    ///
    /// # Errors
    /// [`LockError::Timeout`] as [`Lock::acquire`](crate::Lock::acquire)
    /// (with the last node error, if the last round failed rather than
    /// met contention); [`LockError::NoQuorum`] at once when a majority
    /// failed with errors retrying cannot help (READONLY, MISCONF, OOM…);
    /// [`LockError::NoValidity`] when the last round's majority came too
    /// late.
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
        let report = Mutex::new(RoundReport::default());
        // Each node is bounded by the operation timeout; the round by
        // twice that (the fence write-back is a second step).
        let round_limit = ops.options.op_timeout * 2 + Duration::from_millis(1);
        let result = acquire_loop(&mut pending, once, round_limit, |held| {
            let token = Arc::clone(&token);
            let report = &report;
            async move { ops.round(&token, held, report).await }
        })
        .await;
        let Taken { fence, sent } = result.map_err(|e| ops.explain(e, report.into_inner()))?;
        let valid_until = ops.options.valid_until(sent);
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

impl<C> RedlockOps<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    fn quorum(&self) -> usize {
        self.nodes.len() / 2 + 1
    }

    /// One round: ask every node at once, count, and either keep a
    /// majority (fencing written back, run ids remembered) or release
    /// everything. Contention, and failures on a minority, are
    /// `Attempt::Held` (the loop retries); failures that alone keep the
    /// majority away are an error (the loop retries it if transient). The
    /// report says which nodes failed, or that the majority was late.
    async fn round(
        &self,
        token: &str,
        possibly_held: bool,
        report: &Mutex<RoundReport>,
    ) -> Result<Attempt, LockError> {
        *report.lock() = RoundReport::default();
        let started = Instant::now();
        let answers = join_all(
            self.nodes
                .iter()
                .map(|node| self.ask(node.clone(), token, possibly_held)),
        )
        .await;
        let nodes = self.nodes.len();
        let mut granted: Vec<(usize, Option<u64>)> = Vec::new();
        let mut run_ids = vec![None; nodes];
        let mut refused = 0;
        let mut errors = Vec::new();
        for (i, answer) in answers.into_iter().enumerate() {
            match answer {
                NodeAnswer::Granted { fence, run_id } => {
                    granted.push((i, fence));
                    run_ids[i] = run_id;
                }
                NodeAnswer::Refused => refused += 1,
                NodeAnswer::Failed(e) => errors.push((i, e)),
            }
        }
        report.lock().granted = granted.len();
        if granted.len() >= self.quorum() {
            if self.options.valid_until(started) <= Instant::now() {
                // The majority answered after the validity was spent
                // (replies held in flight): refused, given back.
                self.release_everywhere(token).await;
                report.lock().late = Some(started.elapsed());
                return Ok(Attempt::Held { retry_after: None });
            }
            let fence = if self.options.fencing {
                match self.write_back_fence(&granted).await {
                    Ok(f) => Some(f),
                    Err(failed) => {
                        self.release_everywhere(token).await;
                        return Err(self.failed(report, failed));
                    }
                }
            } else {
                None
            };
            self.run_ids.lock().insert(Arc::from(token), run_ids);
            return Ok(Attempt::Acquired { fence });
        }
        self.release_everywhere(token).await;
        if errors.len() > nodes - self.quorum() {
            // The failures alone keep the majority away.
            return Err(self.failed(report, errors));
        }
        if refused <= nodes - self.quorum() {
            // Refusals and failures together: retried as contention, the
            // failed nodes reported if the acquire ends here.
            report.lock().errors = errors;
        }
        // Otherwise a majority refused: contention, whatever failed.
        Ok(Attempt::Held { retry_after: None })
    }

    /// Records the failed nodes and returns the error the acquire loop
    /// judges: one it cannot retry if there is one, else one that may
    /// have run (so that the acquire gives back what it may hold).
    fn failed(
        &self,
        report: &Mutex<RoundReport>,
        errors: Vec<(usize, redis::RedisError)>,
    ) -> LockError {
        let pick = errors
            .iter()
            .find(|(_, e)| !is_transient(e))
            .or_else(|| errors.iter().find(|(_, e)| may_have_run(e)))
            .or(errors.first())
            .map(|(_, e)| e.clone())
            .unwrap_or_else(|| timed_out(self.options.op_timeout));
        report.lock().errors = errors;
        LockError::redis(&self.name, pick)
    }

    /// Says why an acquire failed, from its last round: too late
    /// ([`LockError::NoValidity`]), failed nodes ([`LockError::NoQuorum`],
    /// or a timeout's last error), or contention as the loop said.
    fn explain(&self, error: LockError, report: RoundReport) -> LockError {
        let contention = error.is_contention();
        if let (true, Some(elapsed)) = (contention, report.late) {
            return LockError::NoValidity {
                name: self.name.clone(),
                elapsed,
            };
        }
        if report.errors.is_empty() {
            return error;
        }
        match error {
            LockError::Timeout {
                name,
                attempts,
                elapsed,
                last_error: None,
            } => LockError::Timeout {
                name,
                attempts,
                elapsed,
                last_error: report.errors.into_iter().next().map(|(_, e)| e),
            },
            LockError::Contended { .. } | LockError::Redis { .. } => LockError::NoQuorum {
                name: self.name.clone(),
                granted: report.granted,
                nodes: self.nodes.len(),
                quorum: self.quorum(),
                errors: report.errors,
            },
            other => other,
        }
    }

    async fn ask(&self, node: C, token: &str, possibly_held: bool) -> NodeAnswer {
        let ttl = self.options.ttl_ms();
        let mut info_conn = node.clone();
        let mut node = node;
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
                    Some(Some(value as u64))
                } else {
                    None
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
                return Ok(Some(None));
            }
            if possibly_held {
                let n: i64 = scripts::EXTEND
                    .key(&self.name)
                    .arg(token)
                    .arg(ttl)
                    .invoke_async(&mut node)
                    .await?;
                if n == 1 {
                    return Ok(Some(None));
                }
            }
            Ok::<_, redis::RedisError>(None)
        };
        // The run id is asked on the same connection, sent right after
        // the acquire: one round trip for both.
        let answered = timeout(self.options.op_timeout, join(call, run_id(&mut info_conn))).await;
        match answered {
            Err(_) => NodeAnswer::Failed(timed_out(self.options.op_timeout)),
            Ok((Err(e), _)) => NodeAnswer::Failed(e),
            Ok((Ok(None), _)) => NodeAnswer::Refused,
            Ok((Ok(Some(fence)), Ok(run_id))) => NodeAnswer::Granted { fence, run_id },
            // The node may have restarted right after granting: which
            // instance holds the key is unknown.
            Ok((Ok(Some(_)), Err(e))) if may_have_run(&e) => NodeAnswer::Failed(e),
            // INFO refused (a proxy, an ACL): counted without the check.
            Ok((Ok(Some(fence)), Err(_))) => NodeAnswer::Granted {
                fence,
                run_id: None,
            },
        }
    }

    /// Raises the counter of every granting node to the largest token
    /// they issued: the token, if a majority confirmed it, else the
    /// nodes that failed.
    async fn write_back_fence(
        &self,
        granted: &[(usize, Option<u64>)],
    ) -> Result<u64, Vec<(usize, redis::RedisError)>> {
        let fence = granted.iter().filter_map(|(_, f)| *f).max().unwrap_or(0);
        let raised = join_all(granted.iter().map(|(i, _)| {
            let mut node = self.nodes[*i].clone();
            async move {
                let mut invocation = scripts::FENCE_RAISE.key(&self.fence_key);
                invocation.arg(fence);
                let call = invocation.invoke_async::<u64>(&mut node);
                match timeout(self.options.op_timeout, call).await {
                    Ok(Ok(v)) if v >= fence => Ok(()),
                    Ok(Ok(v)) => Err((
                        *i,
                        redis::RedisError::from((
                            redis::ErrorKind::Client,
                            "the fence counter was not raised",
                            format!("{v} < {fence}"),
                        )),
                    )),
                    Ok(Err(e)) => Err((*i, e)),
                    Err(_) => Err((*i, timed_out(self.options.op_timeout))),
                }
            }
        }))
        .await;
        let confirmed = raised.iter().filter(|r| r.is_ok()).count();
        if confirmed >= self.quorum() {
            Ok(fence)
        } else {
            Err(raised.into_iter().filter_map(Result::err).collect())
        }
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

    /// Extends on every node; a node whose run id changed since the lock
    /// was acquired votes no, whatever its EXTEND said.
    async fn extend_all(&self, token: &str) -> Vec<Vote> {
        let remembered = self.run_ids.lock().get(token).cloned();
        join_all(self.nodes.iter().enumerate().map(|(i, node)| {
            let expected = remembered.as_ref().and_then(|ids| ids[i].clone());
            let mut conn = node.clone();
            let mut info_conn = node.clone();
            async move {
                let mut invocation = scripts::EXTEND.key(&self.name);
                invocation.arg(token).arg(self.options.ttl_ms());
                let call = invocation.invoke_async::<i64>(&mut conn);
                // After the EXTEND on the same connection: a yes counts
                // only if no restart came between the grant and it.
                let check = async {
                    match &expected {
                        Some(_) => Some(run_id(&mut info_conn).await),
                        None => None,
                    }
                };
                let answered = timeout(self.options.op_timeout, join(call, check)).await;
                match answered {
                    Err(_) => Vote::Failed(timed_out(self.options.op_timeout)),
                    Ok((Err(e), _)) | Ok((_, Some(Err(e)))) => Vote::Failed(e),
                    Ok((Ok(_), Some(Ok(now)))) if now != expected => {
                        tracing::debug!(lock = %self.name, node = i, "node restarted since the lock was acquired");
                        Vote::Restarted
                    }
                    Ok((Ok(1), _)) => Vote::Yes,
                    Ok((Ok(_), _)) => Vote::No,
                }
            }
        }))
        .await
    }

    /// Releases on every node (and forgets the run ids).
    async fn release_all(&self, token: &str) -> Vec<Vote> {
        self.run_ids.lock().remove(token);
        join_all(self.nodes.iter().map(|node| {
            let mut node = node.clone();
            async move {
                let mut invocation = scripts::RELEASE.key(&self.name);
                invocation.arg(token);
                let call = invocation.invoke_async::<i64>(&mut node);
                match timeout(self.options.op_timeout, call).await {
                    Ok(Ok(1)) => Vote::Yes,
                    Ok(Ok(_)) => Vote::No,
                    Ok(Err(e)) => Vote::Failed(e),
                    Err(_) => Vote::Failed(timed_out(self.options.op_timeout)),
                }
            }
        }))
        .await
    }

    /// A majority said yes: `true`; too many said no (or restarted) for a
    /// majority to be left: `false`; else the failed nodes' errors.
    fn decide(&self, votes: Vec<Vote>) -> Result<bool, LockError> {
        let mut yes = 0;
        let mut no = 0;
        let mut errors = Vec::new();
        for (i, vote) in votes.into_iter().enumerate() {
            match vote {
                Vote::Yes => yes += 1,
                Vote::No | Vote::Restarted => no += 1,
                Vote::Failed(e) => errors.push((i, e)),
            }
        }
        if yes >= self.quorum() {
            return Ok(true);
        }
        if no > self.nodes.len() - self.quorum() {
            return Ok(false);
        }
        Err(LockError::NoQuorum {
            name: self.name.clone(),
            granted: yes,
            nodes: self.nodes.len(),
            quorum: self.quorum(),
            errors,
        })
    }
}

/// The node's `run_id` from `INFO server` (`None` if it has none).
async fn run_id<C: ConnectionLike>(conn: &mut C) -> redis::RedisResult<Option<String>> {
    let info: String = redis::cmd("INFO").arg("server").query_async(conn).await?;
    Ok(info
        .lines()
        .find_map(|l| l.strip_prefix("run_id:"))
        .map(|id| id.trim().to_string()))
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
            let votes = self.extend_all(token).await;
            self.decide(votes)
        })
    }

    fn release<'a>(
        &'a self,
        token: &'a str,
        _request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        // Compare-and-delete is idempotent: a second run finds nothing.
        Box::pin(async move {
            let votes = self.release_all(token).await;
            self.decide(votes)
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
