//! [`Guard`]: a held lock — its token, fencing token and validity deadline,
//! its renewal watchdog and its lost-lock signal — for every lock kind and
//! every back end (the Redis kinds here, and etcd, ZooKeeper, MySQL and
//! PostgreSQL in `backend/`, which may add a monitor that pushes a loss the
//! service announces: a ZooKeeper session expiring, a PostgreSQL
//! connection closing).
//!
//! Validity is measured on the monotonic clock (`tokio::time::Instant`):
//! a lock acquired (or renewed) by a request sent at `t` is valid until
//! `t + ttl − drift`, whatever the wall clock does. Because it is Tokio's
//! clock, tests drive it with `tokio::time::pause` and `advance`.
//!
//! Validity only moves forward while it lasts: once its deadline has
//! passed the lock is lost for good. A renewal whose answer comes after
//! the deadline, or an extend asked for after it, does not bring the lock
//! back — even when the server still has the key (its clock slow or
//! stepped back, or simply the drift allowance): the lost signal has
//! fired and a [`Guard::run`] has been cancelled by then.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout, timeout_at};

use crate::{LockError, LockOptions, LostReason};

/// A boxed, sendable future (what [`Ops`] returns).
pub(crate) type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a guard needs from its lock kind: renew and release by token.
///
/// The Redis kinds share one `Ops` per lock and tell holders apart by
/// token; the other back ends make one per acquisition (it owns the lease,
/// the node or the dedicated connection) and may ignore the token.
pub(crate) trait Ops: Send + Sync + 'static {
    /// The lock's name (for errors).
    fn name(&self) -> &str;
    /// The lock's options.
    fn options(&self) -> &LockOptions;
    /// The keys its scripts touch together, checked to share one cluster
    /// slot before the first attempt (none: nothing to check).
    fn keys(&self) -> Vec<String> {
        Vec::new()
    }
    /// Extends the lock held with `token` by the TTL: `Ok(true)` if it was
    /// held with that token, `Ok(false)` if not.
    fn extend<'a>(&'a self, token: &'a str) -> BoxFut<'a, Result<bool, LockError>>;
    /// Releases the lock held with `token`: `Ok(true)` if it was held with
    /// that token, `Ok(false)` if not. `request` names this release: sent
    /// again after a lost reply, it must not release twice (kinds whose
    /// release is not idempotent remember it on the server, as Redisson's
    /// unlock latch does) and answers what the first did.
    fn release<'a>(
        &'a self,
        token: &'a str,
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>>;

    /// Gives back what the acquire `request` may have taken with `token`
    /// without our hearing of it (it was cancelled in flight, or its reply
    /// was lost and it gave up). By default a release; kinds whose holds
    /// count undo exactly that request's hold, never an older one.
    fn abandon<'a>(
        &'a self,
        token: &'a str,
        request: &'a str,
    ) -> BoxFut<'a, Result<bool, LockError>> {
        self.release(token, request)
    }

    /// Until when a renewal (or acquisition) whose request left at `sent`
    /// keeps the lock valid: `sent + ttl − drift` unless the kind knows a
    /// shorter bound (a ZooKeeper session timeout below the TTL).
    fn valid_until(&self, sent: Instant) -> Instant {
        self.options().valid_until(sent)
    }

    /// Why the lock is gone when the service answers that this owner no
    /// longer holds it (`extend` or `release` said `false`): another owner
    /// or nobody, unless the kind can tell that its lease, session or
    /// connection ended.
    fn gone_reason(&self) -> LostReason {
        LostReason::NotOwner
    }
}

/// The state a guard shares with its watchdog and its lost signals.
///
/// A mutex and one [`Notify`] rather than a `watch` channel: a channel
/// cost an allocation and two rounds of waking eight wait lists per lock
/// cycle (on release and on drop) even when nobody listened.
struct Shared {
    inner: Mutex<Inner>,
    changed: Notify,
}

struct Inner {
    valid_until: Instant,
    held: Held,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Held {
    Yes,
    Lost(LostReason),
    Released,
}

impl Shared {
    fn new(valid_until: Instant) -> Shared {
        Shared {
            inner: Mutex::new(Inner {
                valid_until,
                held: Held::Yes,
            }),
            changed: Notify::new(),
        }
    }

    fn valid_until(&self) -> Instant {
        self.inner.lock().valid_until
    }

    fn held(&self) -> Held {
        self.inner.lock().held
    }

    /// A renewal succeeded: the lock is valid until `until`, unless it was
    /// lost or its deadline passed before the answer came (then it stays
    /// lost: `false`).
    fn renewed(&self, until: Instant) -> bool {
        let mut inner = self.inner.lock();
        if inner.held != Held::Yes {
            return false;
        }
        if Instant::now() >= inner.valid_until {
            inner.held = Held::Lost(LostReason::Expired);
            drop(inner);
            self.changed.notify_waiters();
            return false;
        }
        if until > inner.valid_until {
            inner.valid_until = until;
        }
        true
    }

    /// Whether the lock still counts as held now; marks it lost (expired)
    /// if its deadline has passed.
    fn check(&self) -> Result<(), LostReason> {
        let mut inner = self.inner.lock();
        match inner.held {
            Held::Lost(reason) => Err(reason),
            Held::Released => Err(LostReason::NotOwner),
            Held::Yes if Instant::now() >= inner.valid_until => {
                inner.held = Held::Lost(LostReason::Expired);
                drop(inner);
                self.changed.notify_waiters();
                Err(LostReason::Expired)
            }
            Held::Yes => Ok(()),
        }
    }

    fn lose(&self, reason: LostReason) {
        let mut inner = self.inner.lock();
        if inner.held == Held::Yes {
            inner.held = Held::Lost(reason);
            drop(inner);
            self.changed.notify_waiters();
        }
    }

    fn release(&self) {
        self.inner.lock().held = Held::Released;
        self.changed.notify_waiters();
    }

    fn lost_reason(&self) -> Option<LostReason> {
        match self.held() {
            Held::Lost(r) => Some(r),
            _ => None,
        }
    }
}

/// A held lock. Release it with [`Guard::release`] to learn whether it was
/// still held; dropping it releases it in a background task (bounded by
/// the options' release timeout), or leaves it to its TTL outside a Tokio
/// runtime.
///
/// While it lives, [`Guard::lost`] resolves if the lock is lost: Redis
/// says another owner holds it, renewals keep failing, or — with or without
/// renewal — its validity deadline passes.
#[must_use = "dropping a guard releases the lock"]
pub struct Guard {
    ops: Arc<dyn Ops>,
    token: Arc<str>,
    fence: Option<u64>,
    shared: Arc<Shared>,
    watchdog: Option<JoinHandle<()>>,
    monitor: Option<JoinHandle<()>>,
    finished: bool,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("name", &self.ops.name())
            .field("token", &self.token)
            .field("fencing_token", &self.fence)
            .field("remaining", &self.remaining())
            .field("state", &self.shared.held())
            .finish()
    }
}

impl Guard {
    /// A guard for a lock acquired with `token` by a request sent at
    /// `sent`; starts the watchdog if the options ask for renewal.
    pub(crate) fn new(
        ops: Arc<dyn Ops>,
        token: Arc<str>,
        fence: Option<u64>,
        valid_until: Instant,
    ) -> Guard {
        Guard::monitored(ops, token, fence, valid_until, None)
    }

    /// [`Guard::new`], with a `monitor` that resolves when the service
    /// announces the lock's loss (run in a task while the guard lives,
    /// stopped by release or drop).
    pub(crate) fn monitored(
        ops: Arc<dyn Ops>,
        token: Arc<str>,
        fence: Option<u64>,
        valid_until: Instant,
        monitor: Option<BoxFut<'static, LostReason>>,
    ) -> Guard {
        let shared = Arc::new(Shared::new(valid_until));
        let monitor = monitor.map(|m| {
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                let reason = m.await;
                shared.lose(reason);
            })
        });
        let watchdog = ops.options().renew_interval().map(|interval| {
            let max_failures = ops.options().renew.and_then(|r| r.max_failures);
            tokio::spawn(watchdog(
                Arc::clone(&ops),
                Arc::clone(&token),
                Arc::clone(&shared),
                interval,
                max_failures,
            ))
        });
        Guard {
            ops,
            token,
            fence,
            shared,
            watchdog,
            monitor,
            finished: false,
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        self.ops.name()
    }

    /// What marks this owner on the server: the random 128-bit token in
    /// the Redis key; for the other back ends, what their docs say (the
    /// owner key on etcd, the node's path on ZooKeeper, the lock's
    /// connection id on MySQL and backend pid on PostgreSQL).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The fencing token issued with the lock (strictly increasing per lock
    /// name), if the lock was asked for one (etcd and ZooKeeper always
    /// issue one).
    pub fn fencing_token(&self) -> Option<u64> {
        self.fence
    }

    /// Until when the lock is valid, on the monotonic (Tokio) clock.
    pub fn valid_until(&self) -> Instant {
        self.shared.valid_until()
    }

    /// The validity left (zero once past).
    pub fn remaining(&self) -> Duration {
        self.valid_until().saturating_duration_since(Instant::now())
    }

    /// Whether the lock is still held as far as this process knows: not
    /// lost and within its validity.
    pub fn is_valid(&self) -> bool {
        self.shared.lost_reason().is_none() && Instant::now() < self.valid_until()
    }

    /// Resolves when the lock is lost, with the reason: Redis answered a
    /// renewal with another owner, renewals kept failing (when
    /// [`LockOptions::renew_give_up_after`] is set), the validity
    /// deadline passed — which it does, without auto-renew, at `ttl −
    /// drift` after acquiring — or, on the other back ends, the service
    /// said the lease, session or connection ended. Never resolves once
    /// the guard is released.
    /// The future owns what it needs: select on it beside the work.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), redsim_lock::LockError> {
    /// use std::time::Duration;
    /// use redsim_lock::{Lock, LockOptions, LostReason};
    ///
    /// let server = redsim::Server::builder().clock(redsim::TokioClock::new()).start().unwrap();
    /// let options = LockOptions::new().ttl(Duration::from_secs(1));
    /// let guard = Lock::with_options(server.connection(), "job", options).acquire().await?;
    /// // No renewal: the lock is lost at its validity deadline.
    /// assert_eq!(guard.lost().await, LostReason::Expired);
    /// # Ok(()) }
    /// ```
    pub fn lost(&self) -> impl Future<Output = LostReason> + Send + 'static {
        let shared = Arc::clone(&self.shared);
        async move {
            loop {
                // Registered before the state is read: a change after the
                // read still wakes this loop.
                let notified = shared.changed.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                match shared.held() {
                    Held::Lost(r) => return r,
                    Held::Released => std::future::pending::<()>().await,
                    Held::Yes => {}
                }
                let until = shared.valid_until();
                // Fixed polling order: a simulation replays the same way.
                tokio::select! {
                    biased;
                    () = &mut notified => {}
                    () = tokio::time::sleep_until(until) => {
                        if Instant::now() >= shared.valid_until() {
                            shared.lose(LostReason::Expired);
                        }
                    }
                }
            }
        }
    }

    /// Runs `work` while the lock is held, and cancels it (drops it) if
    /// the lock is lost first.
    ///
    /// # Errors
    /// [`LockError::Lost`] when the lock was lost before `work` finished.
    pub async fn run<F: Future>(&self, work: F) -> Result<F::Output, LockError> {
        let lost = self.lost();
        tokio::select! {
            biased;
            reason = lost => Err(LockError::Lost { name: self.name().to_string(), reason }),
            out = work => Ok(out),
        }
    }

    /// Extends the lock by its TTL now (the watchdog does this by itself
    /// with auto-renew): valid until `now + ttl − drift`, counted from
    /// when the request left. An extend never re-creates a key that is
    /// gone (the scripts check the token), and never revives a lock whose
    /// deadline has passed: nothing is sent then.
    ///
    /// # Errors
    /// [`LockError::Lost`] when Redis says this owner no longer holds it,
    /// or the validity deadline passed (before the request, or before its
    /// answer came); a Redis error or [`LockError::OpTimeout`] when the
    /// renewal failed (the lock may still be held until its deadline).
    pub async fn extend(&self) -> Result<(), LockError> {
        let options = self.ops.options();
        self.shared.check().map_err(|r| self.lost_error(r))?;
        let sent = Instant::now();
        match timeout(options.op_timeout, self.ops.extend(&self.token)).await {
            Ok(Ok(true)) => {
                if self.shared.renewed(self.ops.valid_until(sent)) {
                    Ok(())
                } else {
                    let reason = self.shared.lost_reason().unwrap_or(LostReason::Expired);
                    Err(self.lost_error(reason))
                }
            }
            Ok(Ok(false)) => {
                let reason = self.ops.gone_reason();
                self.shared.lose(reason);
                Err(self.lost_error(self.shared.lost_reason().unwrap_or(reason)))
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(LockError::OpTimeout {
                name: self.name().to_string(),
                after: options.op_timeout,
            }),
        }
    }

    /// Releases the lock.
    ///
    /// If the reply is lost (the connection fails after sending), the
    /// release is sent again under the same request name, which never
    /// releases twice: the kinds whose release is not idempotent (hold
    /// counts) remember the request on the server and answer the retry
    /// with what the first did. For the others, a second "not held" answer
    /// means the first one deleted it, provided the lock was within its
    /// validity when the first was sent — so a lost reply is neither a
    /// double release nor a false alarm. The inference assumes the server keeps
    /// its keys: if it restarted without persistence in between (the key
    /// gone with everything else), this reports `Ok` for a lock that the
    /// restart, not the release, ended — which the holder could not have
    /// told apart either (the lock-safety simulation shows it happen only
    /// when that assumption is broken).
    ///
    /// # Errors
    /// [`LockError::Lost`] when the lock was no longer held by this owner
    /// (it expired or was taken: the critical section may have overlapped
    /// another holder's); a Redis error or [`LockError::OpTimeout`] when
    /// Redis could not be asked (the TTL clears the key).
    pub async fn release(mut self) -> Result<(), LockError> {
        self.finished = true;
        if let Some(w) = self.watchdog.take() {
            w.abort();
        }
        if let Some(m) = self.monitor.take() {
            m.abort();
        }
        let lost_before = self.shared.lost_reason();
        let sent = Instant::now();
        let valid_at_send = lost_before.is_none() && sent < self.valid_until();
        self.shared.release();
        let options = self.ops.options();
        // One name for this release, however many times it is sent.
        let request = crate::token::new();
        let first = timeout_at(
            sent + options.op_timeout,
            self.ops.release(&self.token, &request),
        )
        .await;
        let unknown = match first {
            Ok(Ok(true)) => return Ok(()),
            Ok(Ok(false)) => return Err(self.not_held(valid_at_send, lost_before)),
            Ok(Err(e)) if e.may_have_run() => e,
            Ok(Err(e)) => return Err(e),
            Err(_) => LockError::OpTimeout {
                name: self.name().to_string(),
                after: options.op_timeout,
            },
        };
        match timeout(options.op_timeout, self.ops.release(&self.token, &request)).await {
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) if valid_at_send => Ok(()),
            Ok(Ok(false)) => Err(self.not_held(false, lost_before)),
            _ => Err(unknown),
        }
    }

    fn not_held(&self, valid_at_send: bool, lost_before: Option<LostReason>) -> LockError {
        let reason = lost_before.unwrap_or(if valid_at_send {
            self.ops.gone_reason()
        } else {
            LostReason::Expired
        });
        self.lost_error(reason)
    }

    fn lost_error(&self, reason: LostReason) -> LockError {
        LockError::Lost {
            name: self.name().to_string(),
            reason,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(w) = self.watchdog.take() {
            w.abort();
        }
        if let Some(m) = self.monitor.take() {
            m.abort();
        }
        if self.finished {
            return;
        }
        self.shared.release();
        release_detached(Arc::clone(&self.ops), Arc::clone(&self.token));
    }
}

/// Releases in a background task with the options' release timeout, if
/// there is a Tokio runtime to run it on; otherwise the TTL clears the key.
pub(crate) fn release_detached(ops: Arc<dyn Ops>, token: Arc<str>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let limit = ops.options().release_timeout;
    runtime.spawn(async move {
        let request = crate::token::new();
        if timeout(limit, ops.release(&token, &request)).await.is_err() {
            tracing::debug!(lock = ops.name(), "release on drop timed out");
        }
    });
}

/// Gives back, in a background task, what the acquire `request` may have
/// taken unheard (see [`Ops::abandon`]); the TTL clears it otherwise.
pub(crate) fn abandon_detached(ops: Arc<dyn Ops>, token: Arc<str>, request: Arc<str>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let limit = ops.options().release_timeout;
    runtime.spawn(async move {
        if timeout(limit, ops.abandon(&token, &request)).await.is_err() {
            tracing::debug!(lock = ops.name(), "abandoning an acquire timed out");
        }
    });
}

/// Renews every `interval` while the guard lives; a failed renewal is
/// retried sooner; the lock is declared lost when Redis names another
/// owner, after `max_failures` failures in a row if set, and in any case
/// at the validity deadline.
async fn watchdog(
    ops: Arc<dyn Ops>,
    token: Arc<str>,
    shared: Arc<Shared>,
    interval: Duration,
    max_failures: Option<u32>,
) {
    let options = ops.options().clone();
    let retry_after_failure = (interval / 4).max(Duration::from_millis(1));
    let mut failures = 0u32;
    let mut next = Instant::now() + interval;
    loop {
        let deadline = shared.valid_until();
        tokio::time::sleep_until(next.min(deadline)).await;
        let now = Instant::now();
        if now >= shared.valid_until() {
            shared.lose(LostReason::Expired);
            return;
        }
        if now < next {
            // Woken by an old deadline that a manual extend moved.
            continue;
        }
        let budget = options
            .op_timeout
            .min(shared.valid_until().saturating_duration_since(now));
        match timeout(budget, ops.extend(&token)).await {
            Ok(Ok(true)) => {
                failures = 0;
                if !shared.renewed(ops.valid_until(now)) {
                    return;
                }
                next = now + interval;
            }
            Ok(Ok(false)) => {
                shared.lose(ops.gone_reason());
                return;
            }
            Ok(Err(_)) | Err(_) => {
                failures += 1;
                tracing::debug!(lock = ops.name(), failures, "renewal failed");
                if max_failures.is_some_and(|max| failures >= max) {
                    shared.lose(LostReason::RenewalsFailed);
                    return;
                }
                next = Instant::now() + retry_after_failure;
            }
        }
    }
}
