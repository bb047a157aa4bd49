//! Locks on MySQL and MariaDB (feature `mysql`): [`MysqlLock`], on the
//! [`mysql_async`] crate.
//!
//! # How it works
//!
//! Named user locks, held by a connection of their own:
//!
//! 1. **Acquire.** Take a connection from the pool — it is the lock's for
//!    as long as the guard lives — and run `GET_LOCK(name, timeout)`: the
//!    server makes the caller wait, in line, until the lock is free or the
//!    acquire timeout passes (`try_acquire` waits 0 s). No polling.
//! 2. **Hold.** The lock lives as long as that connection's session.
//!    `extend` (and the watchdog, with [`LockOptions::auto_renew`]) asks
//!    `IS_USED_LOCK(name) = CONNECTION_ID()` on it: an answer confirms the
//!    lock; a dead connection (killed with `KILL`, the server restarted,
//!    the network broke it) is [`LostReason::ConnectionLost`] — MySQL
//!    releases a lock with its session, and says nothing to an idle
//!    client, so the loss is learned at the next renewal.
//! 3. **Release.** `RELEASE_LOCK(name)`, and the connection goes back to
//!    the pool. A connection whose state is unknown — an acquire or a
//!    renewal cancelled half-way, a release that failed — is closed
//!    instead, which releases whatever it held: a lock connection never
//!    goes back to the pool holding a lock.
//!
//! **Names.** MySQL limits lock names to 64 characters: a longer name is
//! hashed to `{first 31 characters}~{XXH3-128 of the name, in hex}`
//! ([`MysqlLock::server_name`]). Names are sent as hex literals converted
//! to `utf8mb4`, so any text is safe. Whether two names that differ only
//! in case are one lock depends on the server (MariaDB 10.11 keeps them
//! apart; MySQL's documentation says they are one): use names that differ
//! by more than case.
//!
//! **Fencing**, when [`LockOptions::fencing`] asks for it: after
//! acquiring, one statement increments the lock's row in the table
//! `redsim_lock_fences` (created in the connection's default database on
//! first use) and reads it back through `LAST_INSERT_ID`. The counter only
//! grows, so tokens grow across holders; its names compare without regard
//! to case, so names that the server takes for one lock share one counter.
//!
//! # What it guarantees
//!
//! The server grants one connection the lock at a time and frees it when
//! the connection ends. There is no lease: a paused holder keeps its lock
//! (its connection stays open), which is safe but blocks everyone; a
//! partitioned holder keeps it until the server notices the dead
//! connection (TCP keep-alive, `wait_timeout`), while the holder itself
//! stops trusting it at the end of its validity (`ttl − drift` after its
//! last confirmation). A connection killed by an operator frees the lock at
//! once, before the holder can know: use the fencing token. Replication
//! does not carry user locks: lock on the primary.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Pool};
use parking_lot::Mutex;
use tokio::time::{Instant, timeout};

/// The client crate, re-exported: build the [`Pool`] that
/// [`MysqlLock::new`] takes with it.
pub use mysql_async;

use super::{Failure, op_timeout};
use crate::lock::guard::{BoxFut, Guard, Ops};
use crate::{DistributedLock, LockError, LockOptions, LostReason};

mod held;
use held::Held;

const SERVICE: &str = "mysql";

/// The table of fencing counters, in the connection's default database.
pub const FENCE_TABLE: &str = "redsim_lock_fences";

/// The longest lock name MySQL accepts, in characters.
const MAX_NAME: usize = 64;

/// A lock on MySQL or MariaDB. See the [module docs](self) for how it
/// works and what it guarantees.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use redsim_lock::mysql::{MysqlLock, mysql_async::Pool};
/// use redsim_lock::LockOptions;
///
/// let pool = Pool::new("mysql://app@127.0.0.1:3306/app");
/// let lock = MysqlLock::with_options(pool, "invoice:42", LockOptions::new().fencing(true));
/// let guard = lock.acquire().await?;
/// let token = guard.fencing_token().unwrap();
/// // … write to the resource with `token` …
/// guard.release().await?;
/// # let _ = token; Ok(()) }
/// ```
#[derive(Clone)]
pub struct MysqlLock {
    pool: Pool,
    name: String,
    server_name: String,
    literal: String,
    options: LockOptions,
    fence_table_ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for MysqlLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlLock")
            .field("name", &self.name)
            .field("server_name", &self.server_name)
            .field("options", &self.options)
            .finish()
    }
}

/// The name the server sees: `name` itself up to 64 characters, else its
/// first 31 characters, `~`, and the XXH3-128 of the whole name in hex
/// (64 characters in all).
fn server_name_of(name: &str) -> String {
    if name.chars().count() <= MAX_NAME {
        return name.to_string();
    }
    let head: String = name.chars().take(31).collect();
    let hash = xxhash_rust::xxh3::xxh3_128(name.as_bytes());
    format!("{head}~{hash:032x}")
}

/// A string as an SQL expression that no text can break out of: a hex
/// literal converted to utf8mb4.
fn literal(s: &str) -> String {
    let mut hex = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        hex.push_str(&format!("{b:02X}"));
    }
    format!("CONVERT(X'{hex}' USING utf8mb4)")
}

impl MysqlLock {
    /// A lock named `name`, with default options, whose connections come
    /// from `pool` (one per held lock).
    pub fn new(pool: Pool, name: impl Into<String>) -> Self {
        Self::with_options(pool, name, LockOptions::default())
    }

    /// A lock named `name` whose connections come from `pool`.
    pub fn with_options(pool: Pool, name: impl Into<String>, options: LockOptions) -> Self {
        let name = name.into();
        let server_name = server_name_of(&name);
        MysqlLock {
            literal: literal(&server_name),
            pool,
            name,
            server_name,
            options,
            fence_table_ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The lock's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The name `GET_LOCK` sees: the name itself, or its hashed form when
    /// longer than 64 characters.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use redsim_lock::mysql::{MysqlLock, mysql_async::Pool};
    ///
    /// let pool = Pool::new("mysql://127.0.0.1:1/unused"); // connects lazily
    /// assert_eq!(MysqlLock::new(pool.clone(), "short").server_name(), "short");
    /// let long = "x".repeat(100);
    /// let hashed = MysqlLock::new(pool, long.as_str()).server_name().to_string();
    /// assert_eq!(hashed.chars().count(), 64);
    /// assert!(hashed.starts_with(&"x".repeat(31)));
    /// # }
    /// ```
    pub fn server_name(&self) -> &str {
        &self.server_name
    }

    /// Its options.
    pub fn options(&self) -> &LockOptions {
        &self.options
    }

    /// One attempt (`GET_LOCK` with a timeout of 0).
    ///
    /// # Errors
    /// [`LockError::Contended`] if another connection holds it;
    /// [`LockError::Service`] or [`LockError::OpTimeout`] if the server
    /// failed.
    pub async fn try_acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(true).await
    }

    /// Waits in the server's line for the lock until the acquire timeout;
    /// failures are retried per the retry policy. Dropping the future
    /// closes its connection, which leaves the line.
    ///
    /// # Errors
    /// [`LockError::Timeout`] when the deadline passes while the lock is
    /// held; the last [`LockError::Service`] or [`LockError::OpTimeout`]
    /// when the server kept failing.
    pub async fn acquire(&self) -> Result<Guard, LockError> {
        self.acquire_inner(false).await
    }

    async fn acquire_inner(&self, once: bool) -> Result<Guard, LockError> {
        if self.name.is_empty() {
            // GET_LOCK('') answers NULL, as for an error.
            return Err(LockError::InvalidOptions(
                "a MySQL lock needs a non-empty name".into(),
            ));
        }
        super::acquire(&self.options, &self.name, once, |deadline| {
            self.attempt(once, deadline)
        })
        .await
    }

    fn err(&self, e: mysql_async::Error) -> Failure {
        let transient = connection_dead(&e);
        Failure {
            error: super::service_error(&self.name, SERVICE, e),
            transient,
        }
    }

    async fn attempt(&self, once: bool, deadline: Instant) -> Result<Option<Guard>, Failure> {
        let limit = self.options.op_timeout;
        let conn = match timeout(limit, self.pool.get_conn()).await {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => return Err(self.err(e)),
            Err(_) => return Err(Failure::transient(op_timeout(&self.name, limit))),
        };
        // From here on, an early return or a cancellation closes it.
        let mut conn = LockConn(Some(conn));
        let wait = if once {
            Duration::ZERO
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        let sql = format!(
            "SELECT GET_LOCK({}, {:.3})",
            self.literal,
            wait.as_secs_f64()
        );
        let sent = Instant::now();
        let got = match timeout(wait + limit, conn.get().query_first::<Option<i64>, _>(sql)).await {
            Ok(Ok(row)) => row.flatten(),
            Ok(Err(e)) => return Err(self.err(e)),
            Err(_) => return Err(Failure::transient(op_timeout(&self.name, wait + limit))),
        };
        match got {
            Some(1) => {}
            Some(0) => {
                conn.into_pool();
                return Ok(None);
            }
            // NULL: the wait was interrupted (the query killed); the
            // connection may be on its way out.
            _ => {
                return Err(Failure::transient(LockError::Lost {
                    name: self.name.clone(),
                    reason: LostReason::ConnectionLost,
                }));
            }
        }
        // The lock is the session's from when the server granted it: when
        // it made us wait, count from its answer.
        let confirmed = if wait.is_zero() { sent } else { Instant::now() };
        let fence = if self.options.fencing {
            // On failure the connection closes, releasing the lock.
            Some(self.fence(conn.get()).await?)
        } else {
            None
        };
        let id = conn.get().id();
        let held = Arc::new(Held {
            conn: tokio::sync::Mutex::new(Some(conn)),
            name: self.name.clone(),
            literal: self.literal.clone(),
            options: self.options.clone(),
            gone: Mutex::new(LostReason::NotOwner),
        });
        let valid_until = held.valid_until(confirmed);
        let token: Arc<str> = id.to_string().into();
        Ok(Some(Guard::new(held, token, fence, valid_until)))
    }

    /// Increments and reads the lock's fencing counter on `conn` (which
    /// holds the lock).
    async fn fence(&self, conn: &mut Conn) -> Result<u64, Failure> {
        let limit = self.options.op_timeout;
        let run = async {
            if !self.fence_table_ready.load(Ordering::Acquire) {
                conn.query_drop(format!(
                    "CREATE TABLE IF NOT EXISTS {FENCE_TABLE} (\
                     name VARCHAR({MAX_NAME}) CHARACTER SET utf8mb4 \
                     COLLATE utf8mb4_general_ci NOT NULL PRIMARY KEY, \
                     token BIGINT UNSIGNED NOT NULL) ENGINE=InnoDB"
                ))
                .await?;
                self.fence_table_ready.store(true, Ordering::Release);
            }
            conn.query_drop(format!(
                "INSERT INTO {FENCE_TABLE} (name, token) VALUES ({}, LAST_INSERT_ID(1)) \
                 ON DUPLICATE KEY UPDATE token = LAST_INSERT_ID(token + 1)",
                self.literal
            ))
            .await?;
            Ok::<_, mysql_async::Error>(conn.last_insert_id())
        };
        match timeout(limit, run).await {
            Ok(Ok(Some(token))) => Ok(token),
            Ok(Ok(None)) => Err(Failure::fatal(LockError::InvalidOptions(
                "the fencing counter returned no value".into(),
            ))),
            Ok(Err(e)) => Err(self.err(e)),
            Err(_) => Err(Failure::transient(op_timeout(&self.name, limit))),
        }
    }
}

/// Whether the connection is gone (so is every lock it held): the
/// transport failed, or the server says it was killed or is shutting down.
fn connection_dead(e: &mysql_async::Error) -> bool {
    match e {
        mysql_async::Error::Server(s) => {
            // ER_SERVER_SHUTDOWN, ER_CONNECTION_KILLED, CR_SERVER_GONE_ERROR,
            // CR_SERVER_LOST.
            matches!(s.code, 1053 | 1927 | 2006 | 2013)
        }
        other => other.is_fatal(),
    }
}

/// A lock's dedicated connection. Dropped without
/// [`LockConn::into_pool`], it is closed rather than pooled — in the
/// background, since closing waits — because its state is unknown: a
/// query may be in flight, a lock may be held.
struct LockConn(Option<Conn>);

impl LockConn {
    fn get(&mut self) -> &mut Conn {
        self.0
            .as_mut()
            .expect("a LockConn holds its connection until consumed")
    }

    /// Back to the pool: only once it is known to hold no lock of ours.
    fn into_pool(mut self) {
        drop(self.0.take());
    }
}

impl Drop for LockConn {
    fn drop(&mut self) {
        let Some(conn) = self.0.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    if let Err(e) = conn.disconnect().await {
                        tracing::debug!(%e, "closing a MySQL lock connection failed");
                    }
                });
            }
            // No runtime to close it on: the server frees the lock when it
            // finds the socket gone.
            Err(_) => drop(conn),
        }
    }
}

impl DistributedLock for MysqlLock {
    async fn lock(&self) -> Result<Guard, LockError> {
        self.acquire().await
    }

    async fn try_lock(&self) -> Result<Guard, LockError> {
        self.try_acquire().await
    }
}

#[cfg(test)]
mod tests {
    use super::{literal, server_name_of};

    #[test]
    fn long_names_are_hashed_to_64_characters_and_kept_apart() {
        assert_eq!(server_name_of("short"), "short");
        let exact = "é".repeat(64);
        assert_eq!(server_name_of(&exact), exact);
        let a = server_name_of(&format!("{}a", "x".repeat(100)));
        let b = server_name_of(&format!("{}b", "x".repeat(100)));
        assert_eq!(a.chars().count(), 64);
        assert_ne!(a, b);
        assert!(a.starts_with(&"x".repeat(31)));
    }

    #[test]
    fn names_become_hex_literals() {
        assert_eq!(literal("a'b"), "CONVERT(X'612762' USING utf8mb4)");
        assert_eq!(literal(""), "CONVERT(X'' USING utf8mb4)");
    }
}
