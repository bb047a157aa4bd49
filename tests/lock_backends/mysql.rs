//! MySQL, on MariaDB: the contract, the lock's connection killed from
//! another session, long names hashed.

use std::time::Duration;

use redsim_lock::mysql::MysqlLock;
use redsim_lock::mysql::mysql_async::prelude::Queryable;
use redsim_lock::mysql::mysql_async::{Opts, Pool};
use redsim_lock::{DistributedLock, Guard, LockOptions, LostReason};

use crate::contract::{self, Backend};
use crate::services::MariaDb;

struct MysqlBackend {
    pool: Pool,
    admin: Pool,
}

impl Backend for MysqlBackend {
    type Lock = MysqlLock;
    const NAME: &'static str = "mysql";
    // The lease is the library's own (the service keeps the lock for the
    // session): 1 s leaves the watchdog (every ttl/3) room on a loaded
    // 2-core CI machine, where 500 ms once missed a renewal.
    const SHORT_TTL: Duration = Duration::from_secs(1);
    const ALWAYS_FENCED: bool = false;
    const BROKEN: LostReason = LostReason::ConnectionLost;

    fn lock(&self, name: &str, options: LockOptions) -> MysqlLock {
        MysqlLock::with_options(self.pool.clone(), name, options)
    }

    /// `KILL` of the lock's connection (its id is the guard's token).
    async fn break_lock(&self, guard: &Guard) {
        let mut admin = self.admin.get_conn().await.unwrap();
        admin
            .query_drop(format!("KILL {}", guard.token()))
            .await
            .unwrap();
    }
}

#[cfg_attr(no_mariadb, ignore = "needs MariaDB: apt install mariadb-server")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_keeps_the_lock_contract_and_signals_its_faults() {
    let Some(db) = MariaDb::start() else { return };
    let root = Pool::new(Opts::from_url(&db.url("")).unwrap());
    root.get_conn()
        .await
        .unwrap()
        .query_drop("CREATE DATABASE redsim")
        .await
        .unwrap();
    let pool = Pool::new(Opts::from_url(&db.url("redsim")).unwrap());
    let backend = MysqlBackend {
        pool: pool.clone(),
        admin: root.clone(),
    };
    contract::run(&backend).await;

    eprintln!("[mysql] a name over 64 characters is hashed, and locks as itself");
    let long = format!("{}:{}", "order".repeat(20), 42);
    let lock = MysqlLock::new(pool.clone(), long.as_str());
    assert_eq!(lock.server_name().chars().count(), 64);
    let guard = lock.lock().await.unwrap();
    let mut admin = root.get_conn().await.unwrap();
    let holder: Option<u64> = admin
        .exec_first("SELECT IS_USED_LOCK(?)", (lock.server_name(),))
        .await
        .unwrap()
        .flatten();
    assert_eq!(
        holder.map(|h| h.to_string()),
        Some(guard.token().to_string())
    );
    let sibling = MysqlLock::new(pool.clone(), format!("{}:{}", "order".repeat(20), 43));
    sibling
        .try_lock()
        .await
        .expect("a name with the same first 64 characters is another lock")
        .release()
        .await
        .unwrap();
    guard.release().await.unwrap();
    let free: Option<i64> = admin
        .exec_first("SELECT IS_FREE_LOCK(?)", (lock.server_name(),))
        .await
        .unwrap()
        .flatten();
    assert_eq!(free, Some(1));

    eprintln!("[mysql] fencing counters live in their table");
    let count: Option<u64> = admin
        .query_first("SELECT token FROM redsim.redsim_lock_fences WHERE name = 'contract:fence'")
        .await
        .unwrap();
    assert!(count.unwrap() >= 4);
}
