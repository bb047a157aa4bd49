//! PostgreSQL: the contract, the lock's backend terminated from another
//! session, the advisory lock as pg_locks shows it, sessions reused.

use std::time::Duration;

use tokio::time::timeout;

use redsim_lock::postgres::tokio_postgres::{self, NoTls, SimpleQueryMessage};
use redsim_lock::postgres::{PgLock, PgSessions};
use redsim_lock::{DistributedLock, Guard, LockOptions, LostReason};

use crate::contract::{self, Backend};
use crate::services::Postgres;

struct PgBackend {
    sessions: PgSessions,
    admin: tokio_postgres::Client,
}

async fn first_value(client: &tokio_postgres::Client, sql: &str) -> Option<String> {
    client
        .simple_query(sql)
        .await
        .unwrap()
        .into_iter()
        .find_map(|m| match m {
            SimpleQueryMessage::Row(r) => Some(r.get(0).map(str::to_string)),
            _ => None,
        })
        .flatten()
}

impl Backend for PgBackend {
    type Lock = PgLock;
    const NAME: &'static str = "postgres";
    // The lease is the library's own (the service keeps the lock for the
    // session): 1 s leaves the watchdog (every ttl/3) room on a loaded
    // 2-core CI machine, where 500 ms once missed a renewal.
    const SHORT_TTL: Duration = Duration::from_secs(1);
    const ALWAYS_FENCED: bool = false;
    const BROKEN: LostReason = LostReason::ConnectionLost;

    fn lock(&self, name: &str, options: LockOptions) -> PgLock {
        PgLock::with_options(self.sessions.clone(), name, options)
    }

    /// `pg_terminate_backend` of the lock's backend (its pid is the
    /// guard's token).
    async fn break_lock(&self, guard: &Guard) {
        let sql = format!("SELECT pg_terminate_backend({})", guard.token());
        assert_eq!(first_value(&self.admin, &sql).await.as_deref(), Some("t"));
    }
}

#[cfg_attr(no_postgres, ignore = "needs PostgreSQL: apt install postgresql")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_keeps_the_lock_contract_and_signals_its_faults() {
    let Some(pg) = Postgres::start() else { return };
    let config: tokio_postgres::Config = pg.config().parse().unwrap();
    let (admin, connection) = config.connect(NoTls).await.unwrap();
    tokio::spawn(connection);
    let sessions = PgSessions::new(config.clone());
    let backend = PgBackend {
        sessions: sessions.clone(),
        admin,
    };
    contract::run(&backend).await;
    let admin = &backend.admin;

    eprintln!("[postgres] a terminated session is pushed to the guard, without renewals");
    let lock = PgLock::with_options(
        sessions.clone(),
        "pg:pushed",
        LockOptions::new().ttl(Duration::from_secs(60)),
    );
    let guard = lock.lock().await.unwrap();
    let lost = guard.lost();
    backend.break_lock(&guard).await;
    // Long before the validity deadline (60 s): the closed connection,
    // not a renewal or the deadline, tells it.
    let reason = timeout(Duration::from_secs(20), lost)
        .await
        .expect("the closed connection was not pushed");
    assert_eq!(reason, LostReason::ConnectionLost);
    assert!(guard.remaining() > Duration::from_secs(30));
    drop(guard);

    eprintln!("[postgres] the lock is the session's advisory lock on the name's key");
    let lock = PgLock::new(sessions.clone(), "pg:visible");
    let guard = lock.lock().await.unwrap();
    let key = lock.key();
    let sql = format!(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND classid = '{}'::oid AND objid = '{}'::oid AND objsubid = 1",
        (key >> 32) as u32,
        key as u32
    );
    assert_eq!(
        first_value(admin, &sql).await.as_deref(),
        Some(guard.token())
    );
    let pid = guard.token().to_string();
    guard.release().await.unwrap();
    assert_eq!(
        first_value(admin, &sql).await,
        None,
        "still locked after release"
    );

    eprintln!("[postgres] a cleanly released session serves the next lock");
    let idle = sessions.idle();
    assert!(idle >= 1, "no idle session kept");
    let again = lock.lock().await.unwrap();
    assert_eq!(sessions.idle(), idle - 1);
    assert_eq!(again.token(), pid, "the idle session was not reused");
    again.release().await.unwrap();

    eprintln!("[postgres] a terminated idle session is not handed out");
    let sql = format!("SELECT pg_terminate_backend({pid})");
    assert_eq!(first_value(admin, &sql).await.as_deref(), Some("t"));
    let fresh = PgLock::with_options(
        sessions.clone(),
        "pg:visible",
        LockOptions::new().acquire_timeout(Duration::from_secs(20)),
    );
    let guard = fresh.lock().await.unwrap();
    assert_ne!(guard.token(), pid);
    guard.release().await.unwrap();
}
