//! Locks on ZooKeeper (feature `zookeeper`): [`ZkLock`], on the
//! [`zookeeper-client`](zookeeper_client) crate.
//!
//! # How it works
//!
//! ZooKeeper's lock recipe:
//!
//! 1. **Claim.** Create an ephemeral sequential node
//!    `{root}/{name}/lock-{owner id}-{sequence}` (the parent is created,
//!    persistent, on first use). The owner id is a random 128-bit token,
//!    also the node's data.
//! 2. **Order.** List the children: the lowest sequence owns the lock.
//! 3. **Wait.** Otherwise set a watch on the predecessor only — the child
//!    with the next lower sequence — and look again when it fires, so a
//!    release wakes one waiter, not the herd.
//! 4. **Hold.** `extend` (and the watchdog, with
//!    [`LockOptions::auto_renew`]) checks that the node still exists and
//!    belongs to this session. The session's state is watched as well: an
//!    expired or closed session is [`LostReason::SessionExpired`] at once,
//!    pushed rather than polled.
//! 5. **Release.** Delete the node; the next waiter's watch fires.
//!
//! **Connection loss.** A create whose answer was lost may have created
//! the node: the recipe looks for a child carrying this attempt's owner id
//! before creating another (ZooKeeper's own recommendation), so a lost
//! reply never leaves an orphan claim that would block everyone until the
//! session ends. A delete whose answer was lost is sent again (a second
//! one finds no node, which means the first worked).
//!
//! **Fencing.** The token is the node's creation zxid (`czxid`): it grows
//! with every change to the ensemble, so it orders holders as the sequence
//! number does, and keeps growing if the lock's parent node is ever
//! deleted and its sequence counter starts again.
//!
//! # What it guarantees
//!
//! The node lives as long as the session: ZooKeeper ends the session when
//! it has not heard from the client for the session timeout, and deletes
//! the node with it. The client library pings in the background, so a
//! healthy holder keeps its lock without renewals; a holder that is paused
//! or partitioned for longer than the session timeout loses it. The
//! guard's validity is therefore capped at the session timeout: a
//! confirmation (acquire, extend, renewal) keeps the lock valid for
//! `min(ttl, session timeout) − drift`, which ends before the server can
//! expire the session. A disconnected holder keeps its guard until then;
//! if the session comes back in time, renewals go on.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::{Instant, timeout};
use zookeeper_client::{Acls, Client, CreateMode, SessionState};

/// The client crate, re-exported: build the [`Client`] that
/// [`ZkLock::new`] takes with it.
pub use zookeeper_client;

use super::{Failure, OnDrop, op_timeout, path_segment};
use crate::lock::guard::{BoxFut, Guard, Ops};
use crate::{DistributedLock, LockError, LockOptions, LostReason};

mod held;
use held::Held;

const SERVICE: &str = "zookeeper";

/// The parent of every lock's node unless [`ZkLock::root`] sets another.
pub const DEFAULT_ROOT: &str = "/redsim-lock";

/// The prefix of the claim nodes under a lock's node.
const CLAIM: &str = "lock-";

/// A lock on ZooKeeper. See the [module docs](self) for the recipe and
/// what it guarantees.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use redsim_lock::zookeeper::{ZkLock, zookeeper_client::Client};
/// use redsim_lock::LockOptions;
///
/// let client = Client::connector()
///     .with_session_timeout(Duration::from_secs(10))
///     .connect("127.0.0.1:2181")
///     .await?;
/// let lock = ZkLock::with_options(client, "invoice:42", LockOptions::new().auto_renew());
/// let guard = lock.acquire().await?;
/// let lost = guard.lost(); // resolves if the session expires
/// # drop(lost);
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ZkLock {
    client: Client,
    name: String,
    dir: String,
    options: LockOptions,
}

impl std::fmt::Debug for ZkLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZkLock")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("options", &self.options)
            .finish()
    }
}

impl ZkLock {
    /// A lock named `name`, with default options, under [`DEFAULT_ROOT`].
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self::with_options(client, name, LockOptions::default())
    }

    /// A lock named `name`, under [`DEFAULT_ROOT`].
    pub fn with_options(client: Client, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        ZkLock {
            dir: format!("{DEFAULT_ROOT}/{}", path_segment(&name)),
            client,
            name,
            options,
        }
    }

    /// Puts the lock's node under `root` (an absolute path, without a
    /// trailing `/`) instead of [`DEFAULT_ROOT`].
    #[must_use]
    pub fn root(mut self, root: &str) -> Self {
        self.dir = format!(
            "{}/{}",
            root.trim_end_matches('/'),
            path_segment(&self.name)
        );
        self
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The node its claims are created under (`{root}/{name}`).
    pub fn node(&self) -> &str {
        &self.dir
    }

    /// Its options.
    pub fn options(&self) -> &LockOptions {
        &self.options
    }

    /// One attempt: claims the lock if nobody holds it.
    ///
    /// # Errors
    /// [`LockError::Contended`] if another owner holds it (the claim is
    /// deleted); [`LockError::Service`] or [`LockError::OpTimeout`] if
    /// ZooKeeper failed.
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Claims the lock and waits for it, watching the claim before its
    /// own, until the acquire timeout; failures are retried per the retry
    /// policy. Dropping the future deletes its claim in the background.
    ///
    /// # Errors
    /// [`LockError::Timeout`] when the deadline passes while the lock is
    /// held; the last [`LockError::Service`] or [`LockError::OpTimeout`]
    /// when ZooKeeper kept failing.
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        super::acquire(&self.options, &self.name, once, |deadline| {
            self.attempt(once, deadline)
        })
        .await
    }

    fn err(&self, e: zookeeper_client::Error) -> Failure {
        let transient = is_transient(&e);
        Failure {
            error: super::service_error(&self.name, SERVICE, e),
            transient,
        }
    }

    /// Bounds one request by the operation timeout.
    async fn call<T>(
        &self,
        fut: impl Future<Output = Result<T, zookeeper_client::Error>>,
    ) -> Result<T, Failure> {
        match timeout(self.options.op_timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.err(e)),
            Err(_) => Err(Failure::transient(op_timeout(
                &self.name,
                self.options.op_timeout,
            ))),
        }
    }

    /// Creates this attempt's claim: its path and creation zxid. A create
    /// whose answer was lost is looked for by owner id before another.
    async fn claim(&self, owner: &str) -> Result<(String, i64), Failure> {
        let prefix = format!("{}/{CLAIM}{owner}-", self.dir);
        let ephemeral = CreateMode::EphemeralSequential.with_acls(Acls::anyone_all());
        let mut made_parent = false;
        let mut lost_replies = 0;
        loop {
            let created = timeout(
                self.options.op_timeout,
                self.client.create(&prefix, owner.as_bytes(), &ephemeral),
            )
            .await;
            match created {
                Ok(Ok((stat, sequence))) => return Ok((format!("{prefix}{sequence}"), stat.czxid)),
                Ok(Err(zookeeper_client::Error::NoNode)) if !made_parent => {
                    let persistent = CreateMode::Persistent.with_acls(Acls::anyone_all());
                    self.call(self.client.mkdir(&self.dir, &persistent)).await?;
                    made_parent = true;
                }
                Ok(Err(zookeeper_client::Error::ConnectionLoss)) | Err(_) if lost_replies < 3 => {
                    // The create may have happened: find it by owner id.
                    lost_replies += 1;
                    if let Some(found) = self.find_claim(owner).await? {
                        return Ok(found);
                    }
                }
                Ok(Err(e)) => return Err(self.err(e)),
                Err(_) => {
                    return Err(Failure::transient(op_timeout(
                        &self.name,
                        self.options.op_timeout,
                    )));
                }
            }
        }
    }

    /// The claim node carrying `owner`, if any, with its creation zxid.
    async fn find_claim(&self, owner: &str) -> Result<Option<(String, i64)>, Failure> {
        let children = match self.call(self.client.list_children(&self.dir)).await {
            Ok(children) => children,
            Err(f) if is_no_node(&f.error) => return Ok(None),
            Err(f) => return Err(f),
        };
        let mine = format!("{CLAIM}{owner}-");
        let Some(child) = children.into_iter().find(|c| c.starts_with(&mine)) else {
            return Ok(None);
        };
        let path = format!("{}/{child}", self.dir);
        Ok(self
            .call(self.client.check_stat(&path))
            .await?
            .map(|stat| (path, stat.czxid)))
    }

    /// Claims, and (unless `once`) waits: `Some(guard)` when acquired,
    /// `None` when held by another (until the deadline).
    async fn attempt(&self, once: bool, deadline: Instant) -> Result<Option<Guard>, Failure> {
        let owner = crate::token::new();
        // Armed before the create is sent: a create in flight when this
        // future is dropped (or whose answer is lost) may still make the
        // node, so the clean-up finds it by owner id. ZooKeeper runs one
        // session's requests in order, so the look comes after the create.
        let mut cleanup = OnDrop::new(delete_claim_of(
            self.client.clone(),
            self.dir.clone(),
            owner.clone(),
        ));
        let (path, czxid) = self.claim(&owner).await?;
        cleanup.disarm();
        let mut cleanup = OnDrop::new(delete_claim(self.client.clone(), path.clone()));
        let mine = sequence_of(&path).unwrap_or(i64::MAX);
        loop {
            let sent = Instant::now();
            let mut claims: Vec<(i64, String)> = self
                .call(self.client.list_children(&self.dir))
                .await?
                .into_iter()
                .filter(|c| c.starts_with(CLAIM))
                .filter_map(|c| sequence_of(&c).map(|s| (s, c)))
                .collect();
            claims.sort_unstable();
            let Some(position) = claims.iter().position(|(s, _)| *s == mine) else {
                // Our claim is gone: the session ended under us.
                cleanup.disarm();
                return Err(Failure::transient(LockError::Lost {
                    name: self.name.clone(),
                    reason: LostReason::SessionExpired,
                }));
            };
            if position == 0 {
                cleanup.disarm();
                let held = Arc::new(Held {
                    client: self.client.clone(),
                    name: self.name.clone(),
                    options: self.options.clone(),
                    path,
                    gone: Mutex::new(LostReason::NotOwner),
                });
                let valid_until = held.valid_until(sent);
                let monitor = session_monitor(self.client.clone());
                let token: Arc<str> = held.path.as_str().into();
                let fence = u64::try_from(czxid).ok();
                return Ok(Some(Guard::monitored(
                    held,
                    token,
                    fence,
                    valid_until,
                    Some(monitor),
                )));
            }
            if once {
                cleanup.now(self.options.op_timeout).await;
                return Ok(None);
            }
            let predecessor = format!("{}/{}", self.dir, claims[position - 1].1);
            let (stat, watcher) = self
                .call(self.client.check_and_watch_stat(&predecessor))
                .await?;
            if stat.is_none() {
                continue;
            }
            tokio::select! {
                biased;
                () = tokio::time::sleep_until(deadline) => {
                    cleanup.now(self.options.op_timeout).await;
                    return Ok(None);
                }
                event = watcher.changed() => {
                    if matches!(
                        event.session_state,
                        SessionState::Expired | SessionState::Closed | SessionState::AuthFailed
                    ) {
                        cleanup.disarm();
                        return Err(Failure::fatal(super::service_error(
                            &self.name,
                            SERVICE,
                            zookeeper_client::Error::SessionExpired,
                        )));
                    }
                }
            }
        }
    }
}

/// The sequence number at the end of a claim's name.
fn sequence_of(name: &str) -> Option<i64> {
    name.rsplit('-').next()?.parse().ok()
}

/// Resolves when the session ends (expired, closed, refused): every node
/// it created is gone then.
fn session_monitor(client: Client) -> BoxFut<'static, LostReason> {
    let mut states = client.state_watcher();
    drop(client);
    Box::pin(async move {
        let mut state = states.peek_state();
        loop {
            if matches!(
                state,
                SessionState::Expired | SessionState::Closed | SessionState::AuthFailed
            ) {
                return LostReason::SessionExpired;
            }
            state = states.changed().await;
        }
    })
}

/// Deletes an abandoned claim, ignoring the outcome (a clean-up).
async fn delete_claim(client: Client, path: String) {
    if let Err(e) = client.delete(&path, None).await {
        tracing::debug!(%path, %e, "deleting an abandoned ZooKeeper claim failed");
    }
}

/// Deletes the claim carrying `owner`, if there is one (a clean-up after a
/// create whose outcome is unknown).
async fn delete_claim_of(client: Client, dir: String, owner: String) {
    let mine = format!("{CLAIM}{owner}-");
    let Ok(children) = client.list_children(&dir).await else {
        return;
    };
    if let Some(child) = children.into_iter().find(|c| c.starts_with(&mine)) {
        delete_claim(client, format!("{dir}/{child}")).await;
    }
}

/// Whether retrying may help: the connection was lost (the client
/// reconnects within the session), or the server was busy.
fn is_transient(e: &zookeeper_client::Error) -> bool {
    use zookeeper_client::Error as E;
    matches!(
        e,
        E::ConnectionLoss | E::Timeout | E::Throttled | E::NoHosts | E::SessionMoved
    )
}

/// Whether a service error is ZooKeeper's "no node".
fn is_no_node(e: &LockError) -> bool {
    e.service_error()
        .and_then(|s| s.downcast_ref::<zookeeper_client::Error>())
        .is_some_and(|e| *e == zookeeper_client::Error::NoNode)
}

/// Whether the session is over: its nodes are gone.
fn session_ended(e: &zookeeper_client::Error) -> bool {
    use zookeeper_client::Error as E;
    matches!(e, E::SessionExpired | E::ClientClosed | E::AuthFailed)
}

impl DistributedLock for ZkLock {
    async fn lock(&self) -> Result<Guard, LockError> {
        self.acquire().await
    }

    async fn try_lock(&self) -> Result<Guard, LockError> {
        self.try_acquire().await
    }
}

#[cfg(test)]
mod tests {
    use super::sequence_of;

    #[test]
    fn sequences_are_read_from_the_end_of_a_claim() {
        assert_eq!(
            sequence_of("lock-0123456789abcdef0123456789abcdef-0000000042"),
            Some(42)
        );
        assert_eq!(sequence_of("/a/b/lock-x-0000000007"), Some(7));
        assert_eq!(sequence_of("lock-x-"), None);
    }
}
