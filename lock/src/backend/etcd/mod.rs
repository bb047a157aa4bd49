//! Locks on etcd (feature `etcd`): [`EtcdLock`], on the
//! [`etcd-client`](etcd_client) crate.
//!
//! # How it works
//!
//! etcd's own mutex recipe, with one lease per acquisition:
//!
//! 1. **Lease.** `LeaseGrant` with the options' TTL rounded up to whole
//!    seconds (etcd's unit; the guard still counts validity from the TTL
//!    asked for, so it ends before the lease can).
//! 2. **Claim.** One transaction puts the owner key
//!    `{prefix}{name}/{lease id}` with the lease, if it does not exist, and
//!    reads the key with the lowest create revision under `{prefix}{name}/`.
//!    The claim whose create revision is the lowest owns the lock; the
//!    create revision is the **fencing token** (etcd's revision only grows,
//!    so tokens grow across holders, restarts and compactions).
//! 3. **Wait.** A claim that is not first watches only its predecessor —
//!    the claim with the highest create revision below its own — from the
//!    revision it read it at, so a deletion in between is not missed, and
//!    looks again when it is deleted: no polling, and one release wakes one
//!    waiter. Meanwhile the lease is kept alive every third of the TTL.
//! 4. **Hold.** `extend` (and the watchdog, with
//!    [`LockOptions::auto_renew`]) sends a lease keep-alive and checks the
//!    owner key, both at once. A keep-alive answered with TTL 0 (the lease
//!    was revoked, or expired while the holder was away) is
//!    [`LostReason::SessionExpired`]; the key deleted under a live lease is
//!    [`LostReason::NotOwner`].
//! 5. **Release.** `LeaseRevoke`: etcd deletes the key with the lease, and
//!    the next waiter's watch fires.
//!
//! An acquire that is dropped, fails or gives up revokes its lease (in the
//! background when dropped), so it leaves nothing that would block others
//! longer than a round trip. A holder that dies leaves its key until the
//! lease's TTL runs out.
//!
//! # What it guarantees
//!
//! etcd is a Raft-replicated store: a lease and a claim are decided by the
//! majority, so a leader failover never grants the lock twice. The lease
//! is a time bound, as Redis's TTL: a holder paused past it loses the lock
//! (and learns so at its next keep-alive or at its validity deadline), so
//! writes must carry the fencing token. A partitioned holder's keep-alives
//! fail; its guard is lost at the validity deadline, before the lease can
//! expire on the server.

use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, EventType, GetOptions, LeaseKeepAliveStream, LeaseKeeper,
    PutOptions, SortOrder, SortTarget, Txn, TxnOp, TxnOpResponse, WatchOptions,
};
use parking_lot::Mutex;
use tokio::time::{Instant, timeout};

/// The client crate, re-exported: build the [`Client`] that
/// [`EtcdLock::new`] takes with it.
pub use etcd_client;

use super::{Failure, OnDrop, op_timeout, path_segment};
use crate::lock::guard::{BoxFut, Guard, Ops};
use crate::{DistributedLock, LockError, LockOptions, LostReason};

mod held;
use held::Held;

const SERVICE: &str = "etcd";

/// The key prefix used unless [`EtcdLock::prefix`] sets another.
pub const DEFAULT_PREFIX: &str = "redsim-lock/";

/// A lock on etcd. See the [module docs](self) for the recipe and what it
/// guarantees.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use redsim_lock::etcd::{EtcdLock, etcd_client::Client};
/// use redsim_lock::LockOptions;
///
/// let client = Client::connect(["http://127.0.0.1:2379"], None).await?;
/// let options = LockOptions::new().ttl(Duration::from_secs(10)).auto_renew();
/// let lock = EtcdLock::with_options(client, "invoice:42", options);
/// let guard = lock.acquire().await?;
/// let token = guard.fencing_token().expect("etcd always issues one");
/// // … write to the resource with `token` …
/// guard.release().await?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct EtcdLock {
    client: Client,
    name: String,
    dir: String,
    options: LockOptions,
}

impl std::fmt::Debug for EtcdLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdLock")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("options", &self.options)
            .finish()
    }
}

impl EtcdLock {
    /// A lock named `name`, with default options, under
    /// [`DEFAULT_PREFIX`].
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self::with_options(client, name, LockOptions::default())
    }

    /// A lock named `name`, under [`DEFAULT_PREFIX`].
    pub fn with_options(client: Client, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        EtcdLock {
            dir: format!("{DEFAULT_PREFIX}{}/", path_segment(&name)),
            client,
            name,
            options,
        }
    }

    /// Puts the lock's keys under `prefix` instead of [`DEFAULT_PREFIX`]
    /// (the name is appended, `/`-free, then `/` and the lease id).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        self.dir = format!("{prefix}{}/", path_segment(&self.name));
        self
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key prefix its claims live under (`{prefix}{name}/`).
    pub fn key_prefix(&self) -> &str {
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
    /// withdrawn); [`LockError::Service`] or [`LockError::OpTimeout`] if
    /// etcd failed.
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Claims the lock and waits for it, watching the claim before its
    /// own, until the acquire timeout; failures are retried per the retry
    /// policy. Dropping the future revokes its lease in the background.
    ///
    /// # Errors
    /// [`LockError::Timeout`] when the deadline passes while the lock is
    /// held; the last [`LockError::Service`] or [`LockError::OpTimeout`]
    /// when etcd kept failing.
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        super::acquire(&self.options, &self.name, once, |deadline| {
            self.attempt(once, deadline)
        })
        .await
    }

    fn err(&self, e: etcd_client::Error) -> Failure {
        let transient = is_transient(&e);
        let error = super::service_error(&self.name, SERVICE, e);
        Failure { error, transient }
    }

    /// Bounds one request by the operation timeout.
    async fn call<T>(
        &self,
        fut: impl Future<Output = Result<T, etcd_client::Error>>,
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

    /// Grants a lease, claims, and (unless `once`) waits: `Some(guard)`
    /// when acquired, `None` when held by another (until the deadline).
    async fn attempt(&self, once: bool, deadline: Instant) -> Result<Option<Guard>, Failure> {
        let ttl_secs = i64::try_from(self.options.ttl.as_secs())
            .unwrap_or(i64::MAX)
            .saturating_add(i64::from(self.options.ttl.subsec_nanos() > 0))
            .max(1);
        let sent = Instant::now();
        let mut client = self.client.clone();
        let lease = self.call(client.lease_grant(ttl_secs, None)).await?.id();
        let key = format!("{}{lease:016x}", self.dir);
        let held = Arc::new(Held {
            client: self.client.clone(),
            name: self.name.clone(),
            options: self.options.clone(),
            key: key.clone(),
            lease,
            keeper: tokio::sync::Mutex::new(None),
            gone: Mutex::new(LostReason::NotOwner),
        });
        let mut cleanup = OnDrop::new(revoke(self.client.clone(), lease));

        let first = GetOptions::new()
            .with_prefix()
            .with_sort(SortTarget::Create, SortOrder::Ascend)
            .with_limit(1);
        let txn = Txn::new()
            .when([Compare::create_revision(key.clone(), CompareOp::Equal, 0)])
            .and_then([
                TxnOp::put(key.clone(), "", Some(PutOptions::new().with_lease(lease))),
                TxnOp::get(self.dir.clone(), Some(first.clone())),
            ])
            .or_else([
                TxnOp::get(key.clone(), None),
                TxnOp::get(self.dir.clone(), Some(first)),
            ]);
        let resp = self.call(client.txn(txn)).await?;
        let responses = resp.op_responses();
        let mine = if resp.succeeded() {
            resp.header().map(|h| h.revision())
        } else {
            first_create_revision(responses.first())
        };
        let owner = first_create_revision(responses.get(1));
        let Some(mine) = mine else {
            return Err(Failure::fatal(LockError::InvalidOptions(
                "etcd answered the claim without a revision".into(),
            )));
        };
        if owner == Some(mine) {
            cleanup.disarm();
            return Ok(Some(held.guard(mine, held.valid_until(sent))));
        }
        if once {
            cleanup.now(self.options.op_timeout).await;
            return Ok(None);
        }
        match self.wait(&held, mine, sent, deadline).await {
            Ok(Some(confirmed)) => {
                cleanup.disarm();
                Ok(Some(held.guard(mine, held.valid_until(confirmed))))
            }
            Ok(None) => {
                cleanup.now(self.options.op_timeout).await;
                Ok(None)
            }
            Err(f) => {
                cleanup.now(self.options.op_timeout).await;
                Err(f)
            }
        }
    }

    /// Waits until no claim older than `mine` is left, keeping the lease
    /// alive; returns when the lease was last confirmed (the send of the
    /// keep-alive that confirmed it), or `None` at the deadline.
    async fn wait(
        &self,
        held: &Held,
        mine: i64,
        mut confirmed: Instant,
        deadline: Instant,
    ) -> Result<Option<Instant>, Failure> {
        let refresh_every = (self.options.ttl / 3).max(Duration::from_millis(50));
        let mut client = self.client.clone();
        let older = GetOptions::new()
            .with_prefix()
            .with_max_create_revision(mine - 1)
            .with_sort(SortTarget::Create, SortOrder::Descend)
            .with_limit(1);
        loop {
            let resp = self
                .call(client.get(self.dir.clone(), Some(older.clone())))
                .await?;
            let Some(predecessor) = resp.kvs().first() else {
                // First in line. Confirm the lease now, so that validity
                // counts from this moment rather than the last refresh.
                let sent = Instant::now();
                return match self.call(held.keep_alive()).await? {
                    true => Ok(Some(sent)),
                    false => Err(lease_lost_while_waiting(&self.name)),
                };
            };
            let from = resp.header().map_or(0, |h| h.revision()) + 1;
            let options = WatchOptions::new().with_start_revision(from);
            let mut stream = self
                .call(client.watch(predecessor.key().to_vec(), Some(options)))
                .await?;
            loop {
                let refresh_at = confirmed + refresh_every;
                tokio::select! {
                    biased;
                    () = tokio::time::sleep_until(deadline) => return Ok(None),
                    () = tokio::time::sleep_until(refresh_at) => {
                        let sent = Instant::now();
                        if !self.call(held.keep_alive()).await? {
                            return Err(lease_lost_while_waiting(&self.name));
                        }
                        confirmed = sent;
                    }
                    message = stream.message() => match message {
                        Ok(Some(r)) if r.canceled() => break,
                        Ok(Some(r)) => {
                            if r.events().iter().any(|e| e.event_type() == EventType::Delete) {
                                break;
                            }
                        }
                        // The stream ended or failed: look again.
                        Ok(None) => break,
                        Err(e) => return Err(self.err(e)),
                    },
                }
            }
        }
    }
}

/// The lease expired (or was revoked) while its claim waited: the claim is
/// gone, so the attempt starts over.
fn lease_lost_while_waiting(name: &str) -> Failure {
    Failure::transient(LockError::Lost {
        name: name.to_string(),
        reason: LostReason::SessionExpired,
    })
}

fn first_create_revision(resp: Option<&TxnOpResponse>) -> Option<i64> {
    match resp {
        Some(TxnOpResponse::Get(get)) => get.kvs().first().map(|kv| kv.create_revision()),
        _ => None,
    }
}

/// Revokes `lease`, ignoring the outcome (a clean-up).
async fn revoke(mut client: Client, lease: i64) {
    if let Err(e) = client.lease_revoke(lease).await {
        tracing::debug!(lease, %e, "revoking an abandoned etcd lease failed");
    }
}

/// Whether retrying may help: the transport failed, or etcd was
/// momentarily unable (no leader, overloaded, a timeout).
fn is_transient(e: &etcd_client::Error) -> bool {
    use tonic::Code;
    match e {
        etcd_client::Error::TransportError(_)
        | etcd_client::Error::IoError(_)
        | etcd_client::Error::WatchError(_)
        | etcd_client::Error::LeaseKeepAliveError(_) => true,
        etcd_client::Error::GRpcStatus(s) => matches!(
            s.code(),
            Code::Unavailable
                | Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Aborted
                | Code::Unknown
                | Code::Cancelled
        ),
        _ => false,
    }
}

impl DistributedLock for EtcdLock {
    async fn lock(&self) -> Result<Guard, LockError> {
        self.acquire().await
    }

    async fn try_lock(&self) -> Result<Guard, LockError> {
        self.try_acquire().await
    }
}
