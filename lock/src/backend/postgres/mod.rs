//! Locks on PostgreSQL (feature `postgres`): [`PgLock`], on the
//! [`tokio-postgres`](tokio_postgres) crate, with its sessions from
//! [`PgSessions`].
//!
//! # How it works
//!
//! Session-level advisory locks, held by a connection of their own:
//!
//! 1. **Key.** The name is hashed to a 64-bit key (XXH3-64, as a signed
//!    `bigint`; [`PgLock::key`]). Two names with the same hash are the same
//!    lock: with `n` names in use the chance of any collision is about
//!    `n² / 2⁶⁵` (one in 37 million for a million names), and a collision
//!    only ever makes two names exclude each other, never lets two holders
//!    in. Advisory locks are per database: clients must use the same one.
//! 2. **Acquire.** On a session taken from [`PgSessions`] (one per held
//!    lock), `pg_try_advisory_lock(key)`: one round trip when the lock is
//!    free. When it is held, `acquire` waits in the server's queue with
//!    `pg_advisory_lock(key)` under a `lock_timeout` of the time left — no
//!    polling, first come first served. A wait that is cancelled (the
//!    future dropped) is cancelled on the server too, and its connection
//!    closed.
//! 3. **Hold.** The lock lives as long as the session. Its connection is
//!    watched: when it closes — `pg_terminate_backend`, a server restart,
//!    a broken network that the socket reports — the guard is lost at once
//!    with [`LostReason::ConnectionLost`], pushed rather than polled.
//!    `extend` (and the watchdog, with [`LockOptions::auto_renew`]) checks
//!    `pg_locks` for the session's own grant.
//! 4. **Release.** `pg_advisory_unlock(key)`, and the session goes back to
//!    [`PgSessions`] for the next lock. A session whose state is unknown is
//!    closed instead, which releases everything it held.
//!
//! **Fencing**, when [`LockOptions::fencing`] asks for it: `nextval` of the
//! sequence `redsim_lock_fence` (created on first use), in the same
//! statement that takes the lock. A sequence only grows, and the next
//! holder's `nextval` runs after this holder's, so tokens grow across
//! holders (one sequence serves every name).
//!
//! # What it guarantees
//!
//! The server grants one session the lock at a time and frees it when the
//! session ends. There is no lease: a paused holder keeps its lock (safe,
//! but it blocks everyone); a partitioned holder keeps it until the server
//! notices the dead connection (TCP keep-alive, `idle_session_timeout`),
//! while the holder stops trusting it at the end of its validity
//! (`ttl − drift` after its last confirmation). A session terminated by an
//! operator frees the lock at once; the holder hears of it as soon as its
//! socket does, which may be after the next holder got in: use the fencing
//! token. Replicas do not carry advisory locks: lock on the primary. No
//! TLS: connect over a trusted network or a local proxy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio::time::{Instant, timeout};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

/// The client crate, re-exported: build the [`Config`](tokio_postgres::Config)
/// that [`PgSessions::new`] takes with it.
pub use tokio_postgres;

use super::{Failure, OnDrop, op_timeout};
use crate::lock::guard::{BoxFut, Guard, Ops};
use crate::{DistributedLock, LockError, LockOptions, LostReason};

mod held;
mod sessions;
use held::Held;
pub use sessions::PgSessions;
use sessions::{Closed, Session};

const SERVICE: &str = "postgres";

/// The sequence fencing tokens come from.
pub const FENCE_SEQUENCE: &str = "redsim_lock_fence";

/// A lock on PostgreSQL. See the [module docs](self) for how it works and
/// what it guarantees.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use redsim_lock::postgres::{PgLock, PgSessions};
/// use redsim_lock::LockOptions;
///
/// let sessions = PgSessions::new("host=127.0.0.1 user=app dbname=app".parse()?);
/// let lock = PgLock::with_options(sessions, "invoice:42", LockOptions::new().fencing(true));
/// let guard = lock.acquire().await?;
/// let lost = guard.lost(); // resolves if the session is terminated
/// # drop(lost);
/// guard.release().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct PgLock {
    sessions: PgSessions,
    name: String,
    key: i64,
    options: LockOptions,
}

impl std::fmt::Debug for PgLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLock")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("options", &self.options)
            .finish()
    }
}

/// The advisory-lock key of a name.
fn key_of(name: &str) -> i64 {
    // The 64 bits as a signed bigint, as PostgreSQL takes the key.
    xxhash_rust::xxh3::xxh3_64(name.as_bytes()) as i64
}

impl PgLock {
    /// A lock named `name`, with default options, held on a session from
    /// `sessions`.
    pub fn new(sessions: PgSessions, name: impl Into<String>) -> Self {
        Self::with_options(sessions, name, LockOptions::default())
    }

    /// A lock named `name`, held on a session from `sessions`.
    pub fn with_options(
        sessions: PgSessions,
        name: impl Into<String>,
        options: LockOptions,
    ) -> Self {
        let name = name.into();
        PgLock {
            key: key_of(&name),
            sessions,
            name,
            options,
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The advisory-lock key the name hashes to (what `pg_locks` shows as
    /// `classid` — the high 32 bits — and `objid` — the low 32 bits — with
    /// `objsubid = 1`).
    ///
    /// ```
    /// use redsim_lock::postgres::{PgLock, PgSessions};
    ///
    /// let sessions = PgSessions::new("host=127.0.0.1".parse().unwrap());
    /// let a = PgLock::new(sessions.clone(), "a");
    /// assert_eq!(a.key(), PgLock::new(sessions.clone(), "a").key());
    /// assert_ne!(a.key(), PgLock::new(sessions, "b").key());
    /// ```
    pub fn key(&self) -> i64 {
        self.key
    }

    /// Its options.
    pub fn options(&self) -> &LockOptions {
        &self.options
    }

    /// One attempt (`pg_try_advisory_lock`).
    ///
    /// # Errors
    /// [`LockError::Contended`] if another session holds it;
    /// [`LockError::Service`] or [`LockError::OpTimeout`] if the server
    /// failed.
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Takes the lock if free, else waits in the server's queue until the
    /// acquire timeout; failures are retried per the retry policy.
    /// Dropping the future cancels the wait on the server.
    ///
    /// # Errors
    /// [`LockError::Timeout`] when the deadline passes while the lock is
    /// held; the last [`LockError::Service`] or [`LockError::OpTimeout`]
    /// when the server kept failing.
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        super::acquire(&self.options, &self.name, once, |deadline| {
            self.attempt(once, deadline)
        })
        .await
    }

    fn err(&self, e: tokio_postgres::Error) -> Failure {
        let transient = session_gone(&e);
        Failure {
            error: super::service_error(&self.name, SERVICE, e),
            transient,
        }
    }

    /// Runs `sql` on `client` within `limit`: the first row's first
    /// column and its second (as text, `None` for NULL).
    async fn one_row(
        &self,
        client: &Client,
        sql: &str,
        limit: Duration,
    ) -> Result<(Option<String>, Option<String>), Failure> {
        let messages = match timeout(limit, client.simple_query(sql)).await {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => return Err(self.err(e)),
            Err(_) => return Err(Failure::transient(op_timeout(&self.name, limit))),
        };
        let row = messages
            .iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some(r),
                _ => None,
            })
            .next_back();
        Ok(match row {
            Some(r) => (
                r.get(0).map(str::to_string),
                r.try_get(1).ok().flatten().map(str::to_string),
            ),
            None => (None, None),
        })
    }

    async fn ensure_fence_sequence(&self, client: &Client) -> Result<(), Failure> {
        let inner = &self.sessions.inner;
        if inner.fence_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let sql = format!("CREATE SEQUENCE IF NOT EXISTS {FENCE_SEQUENCE}");
        match timeout(self.options.op_timeout, client.batch_execute(&sql)).await {
            Ok(Ok(())) => {}
            // Two sessions creating it at once: one wins, which is enough.
            Ok(Err(e))
                if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                    || e.code() == Some(&SqlState::DUPLICATE_TABLE) => {}
            Ok(Err(e)) => return Err(self.err(e)),
            Err(_) => {
                return Err(Failure::transient(op_timeout(
                    &self.name,
                    self.options.op_timeout,
                )));
            }
        }
        inner.fence_ready.store(true, Ordering::Release);
        Ok(())
    }

    async fn attempt(&self, once: bool, deadline: Instant) -> Result<Option<Guard>, Failure> {
        let limit = self.options.op_timeout;
        let session = match timeout(limit, self.sessions.take()).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(self.err(e)),
            Err(_) => return Err(Failure::transient(op_timeout(&self.name, limit))),
        };
        // Until the guard owns it, a cancelled or failed attempt cancels
        // what runs on the session and closes it, which frees anything it
        // took.
        let cancel = session.client.cancel_token();
        let mut cleanup = OnDrop::new(async move {
            let _ = cancel.cancel_query(NoTls).await;
        });
        if self.options.fencing {
            self.ensure_fence_sequence(&session.client).await?;
        }
        let key = self.key;
        let fence_column = if self.options.fencing {
            format!("nextval('{FENCE_SEQUENCE}')")
        } else {
            "NULL".into()
        };
        let sent = Instant::now();
        // Taken (with its token), or NULL: one round trip when free.
        let try_sql = format!(
            "SELECT CASE WHEN pg_try_advisory_lock({key}) THEN coalesce({fence_column}::text, '') END, \
             pg_backend_pid()"
        );
        let (got, pid) = self.one_row(&session.client, &try_sql, limit).await?;
        let mut session = session;
        session.pid = pid.and_then(|p| p.parse().ok()).or(session.pid);
        let (token, confirmed) = match got {
            Some(token) => (token, sent),
            None if once => {
                cleanup.disarm();
                self.sessions.give_back(session);
                return Ok(None);
            }
            None => {
                let wait = deadline.saturating_duration_since(Instant::now());
                let wait_ms = wait.as_millis();
                if wait_ms == 0 {
                    cleanup.disarm();
                    self.sessions.give_back(session);
                    return Ok(None);
                }
                // Waits in the server's queue; lock_timeout ends the wait
                // at the deadline (its error rolls back the SET, too).
                let wait_sql = format!(
                    "SET lock_timeout = {wait_ms}; \
                     SELECT coalesce(({fence_column})::text, '') FROM pg_advisory_lock({key})"
                );
                match timeout(wait + limit, session.client.simple_query(&wait_sql)).await {
                    Ok(Ok(messages)) => {
                        let token = messages
                            .iter()
                            .find_map(|m| match m {
                                SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                                _ => None,
                            })
                            .unwrap_or_default();
                        (token, Instant::now())
                    }
                    Ok(Err(e)) if e.code() == Some(&SqlState::LOCK_NOT_AVAILABLE) => {
                        cleanup.disarm();
                        self.sessions.give_back(session);
                        return Ok(None);
                    }
                    Ok(Err(e)) => return Err(self.err(e)),
                    Err(_) => return Err(Failure::transient(op_timeout(&self.name, wait + limit))),
                }
            }
        };
        cleanup.disarm();
        let fence = if self.options.fencing {
            token.parse::<u64>().ok()
        } else {
            None
        };
        let pid = session.pid.unwrap_or_default();
        let closed = Arc::clone(&session.closed);
        let held = Arc::new(Held {
            session: tokio::sync::Mutex::new(Some(session)),
            sessions: self.sessions.clone(),
            closed: Arc::clone(&closed),
            name: self.name.clone(),
            key,
            options: self.options.clone(),
            gone: Mutex::new(LostReason::NotOwner),
        });
        let valid_until = held.valid_until(confirmed);
        let monitor: BoxFut<'static, LostReason> = Box::pin(async move {
            closed.wait().await;
            LostReason::ConnectionLost
        });
        let token: Arc<str> = pid.to_string().into();
        Ok(Some(Guard::monitored(
            held,
            token,
            fence,
            valid_until,
            Some(monitor),
        )))
    }
}

/// Whether the error ended (or never opened) the session, so that a new
/// one may succeed: the connection closed or failed, or the server ended
/// it — terminated by an operator (a session can be picked from the idle
/// ones just before its connection reports it), shutting down, or a
/// connection-level error (SQLSTATE classes 57P and 08).
fn session_gone(e: &tokio_postgres::Error) -> bool {
    match e.code() {
        None => true,
        Some(code) => {
            let code = code.code();
            e.is_closed() || code.starts_with("57P") || code.starts_with("08")
        }
    }
}

impl DistributedLock for PgLock {
    async fn lock(&self) -> Result<Guard, LockError> {
        self.acquire().await
    }

    async fn try_lock(&self) -> Result<Guard, LockError> {
        self.try_acquire().await
    }
}

#[cfg(test)]
mod tests {
    use super::key_of;

    #[test]
    fn keys_are_stable_64_bit_hashes() {
        assert_eq!(key_of("a"), key_of("a"));
        assert_ne!(key_of("a"), key_of("b"));
        // XXH3-64 of the bytes, read as a signed bigint.
        let raw = xxhash_rust::xxh3::xxh3_64(b"invoice:42");
        assert_eq!(key_of("invoice:42") as u64, raw);
    }
}
