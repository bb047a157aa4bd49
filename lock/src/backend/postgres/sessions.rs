//! The sessions PostgreSQL locks are held on: a pool of dedicated
//! connections, each holding at most one lock.

use super::*;

/// The sessions locks are held on: connections opened from one
/// configuration, each dedicated to one held lock, and kept open for the
/// next lock when released cleanly (up to [`PgSessions::max_idle`]).
/// Cheap to clone: clones share the idle sessions.
///
/// ```
/// use redsim_lock::postgres::{PgSessions, PgLock};
///
/// let config = "host=127.0.0.1 user=app dbname=app".parse().unwrap();
/// let sessions = PgSessions::new(config).max_idle(4);
/// let lock = PgLock::new(sessions.clone(), "invoice:42"); // connects when used
/// assert_eq!(sessions.idle(), 0);
/// # let _ = lock;
/// ```
#[derive(Clone)]
pub struct PgSessions {
    pub(super) inner: Arc<SessionsInner>,
}

pub(super) struct SessionsInner {
    pub(super) config: tokio_postgres::Config,
    pub(super) idle: Mutex<Vec<Session>>,
    pub(super) max_idle: usize,
    pub(super) fence_ready: AtomicBool,
}

impl std::fmt::Debug for PgSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgSessions")
            .field("idle", &self.idle())
            .field("max_idle", &self.inner.max_idle)
            .finish()
    }
}

impl PgSessions {
    /// Sessions opened with `config` (keeping up to 8 idle).
    pub fn new(config: tokio_postgres::Config) -> Self {
        PgSessions {
            inner: Arc::new(SessionsInner {
                config,
                idle: Mutex::new(Vec::new()),
                max_idle: 8,
                fence_ready: AtomicBool::new(false),
            }),
        }
    }

    /// Keeps at most `n` released sessions open for reuse (0: close each
    /// when its lock is released).
    #[must_use]
    pub fn max_idle(self, n: usize) -> Self {
        let inner = SessionsInner {
            config: self.inner.config.clone(),
            idle: Mutex::new(std::mem::take(&mut *self.inner.idle.lock())),
            max_idle: n,
            fence_ready: AtomicBool::new(self.inner.fence_ready.load(Ordering::Acquire)),
        };
        PgSessions {
            inner: Arc::new(inner),
        }
    }

    /// How many sessions are open and idle.
    pub fn idle(&self) -> usize {
        self.inner.idle.lock().len()
    }

    /// An idle session that is still open, or a new one.
    pub(super) async fn take(&self) -> Result<Session, tokio_postgres::Error> {
        loop {
            let Some(session) = self.inner.idle.lock().pop() else {
                break;
            };
            if !session.closed.is_set() && !session.client.is_closed() {
                return Ok(session);
            }
        }
        Session::connect(&self.inner.config).await
    }

    /// Keeps a session that holds no lock for the next one.
    pub(super) fn give_back(&self, session: Session) {
        if session.closed.is_set() {
            return;
        }
        let mut idle = self.inner.idle.lock();
        if idle.len() < self.inner.max_idle {
            idle.push(session);
        }
    }
}

/// Set once a connection has closed, and wakes whoever waits for it.
pub(super) struct Closed {
    pub(super) flag: AtomicBool,
    pub(super) notify: Notify,
}

impl Closed {
    pub(super) fn is_set(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    pub(super) fn set(&self) {
        self.flag.store(true, Ordering::Release);
        self.notify.notify_waiters();
    }

    pub(super) async fn wait(self: Arc<Self>) {
        loop {
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.is_set() {
                return;
            }
            notified.await;
        }
    }
}

/// A connection and its backend: the lock is the backend's.
pub(super) struct Session {
    pub(super) client: Client,
    pub(super) closed: Arc<Closed>,
    /// Its backend's pid, learned with its first lock.
    pub(super) pid: Option<i32>,
}

impl Session {
    pub(super) async fn connect(
        config: &tokio_postgres::Config,
    ) -> Result<Session, tokio_postgres::Error> {
        let (client, connection) = config.connect(NoTls).await?;
        let closed = Arc::new(Closed {
            flag: AtomicBool::new(false),
            notify: Notify::new(),
        });
        let watch = Arc::clone(&closed);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%e, "a PostgreSQL lock connection ended");
            }
            watch.set();
        });
        Ok(Session {
            client,
            closed,
            pid: None,
        })
    }
}
