//! Each back end's acquire + release, side by side with the Redis lock on
//! a real redis-server: the round trips one cycle costs, counted by each
//! server (not by the client), and the latency of a cycle. Ignored by
//! default: run it with
//!
//! ```sh
//! cargo test --release --test lock_backends -- --ignored --nocapture round_trips
//! ```
//!
//! Every lock is uncontended and taken with `try_lock`, then released:
//! the cost of the common case. Sessions and connections are opened
//! before measuring (a warm-up), as a service keeps them.

use std::time::Duration;

use redsim_lock::mysql::MysqlLock;
use redsim_lock::mysql::mysql_async::prelude::Queryable;
use redsim_lock::mysql::mysql_async::{Opts, Pool};
use redsim_lock::postgres::tokio_postgres::{self, NoTls};
use redsim_lock::postgres::{PgLock, PgSessions};
use redsim_lock::zookeeper::ZkLock;
use redsim_lock::{DistributedLock, Lock};
use support::RealRedis;
use tokio::time::Instant;

use crate::services::{Etcd, MariaDb, Postgres, ZooKeeper, four_letter_word, http_get};

const CYCLES: usize = 500;
const WARM_UP: usize = 50;

struct Row {
    name: &'static str,
    round_trips: f64,
    how: &'static str,
    mean: Duration,
    p50: Duration,
    p99: Duration,
}

async fn cycles<L: DistributedLock>(lock: &L, n: usize) -> Vec<Duration> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        let guard = lock.try_lock().await.expect("uncontended");
        lock.unlock(guard).await.expect("release");
        out.push(start.elapsed());
    }
    out
}

fn row(name: &'static str, how: &'static str, requests: u64, mut times: Vec<Duration>) -> Row {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    Row {
        name,
        round_trips: requests as f64 / times.len() as f64,
        how,
        mean,
        p50: times[times.len() / 2],
        p99: times[times.len() * 99 / 100],
    }
}

/// Sums a Prometheus counter over all its label sets.
fn metric_sum(metrics: &str, name: &str, filter: &str) -> u64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(name) && l.contains(filter))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

fn mntr(port: u16, key: &str) -> u64 {
    four_letter_word(port, "mntr")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn round_trips_and_latency_side_by_side() {
    let mut rows = Vec::new();

    if let Some(redis) = RealRedis::start() {
        let client = redis::Client::open(redis.url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let lock = Lock::new(conn.clone(), "bench");
        cycles(&lock, WARM_UP).await;
        // The commands the client sent: SET and the release script's
        // EVALSHA (the GET, DEL and PUBLISH the script runs inside Redis
        // are no round trips).
        let count = |info: String| -> u64 {
            info.lines()
                .filter(|l| {
                    ["cmdstat_set:", "cmdstat_evalsha:", "cmdstat_eval:"]
                        .iter()
                        .any(|p| l.starts_with(p))
                })
                .filter_map(|l| {
                    l.split("calls=")
                        .nth(1)?
                        .split(',')
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .sum()
        };
        let mut stats = async || -> String {
            redis::cmd("INFO")
                .arg("commandstats")
                .query_async(&mut conn)
                .await
                .unwrap()
        };
        let before = count(stats().await);
        let times = cycles(&lock, CYCLES).await;
        let after = count(stats().await);
        rows.push(row(
            "Redis `Lock` (redis-server)",
            "SET and EVALSHA calls",
            after - before,
            times,
        ));
    }

    if let Some(etcd) = Etcd::start() {
        let client = redsim_lock::etcd::etcd_client::Client::connect([etcd.endpoint()], None)
            .await
            .unwrap();
        let lock = redsim_lock::etcd::EtcdLock::new(client, "bench");
        cycles(&lock, WARM_UP).await;
        let unary = |m: String| metric_sum(&m, "grpc_server_handled_total", "grpc_type=\"unary\"");
        let before = unary(http_get(etcd.port, "/metrics").unwrap());
        let times = cycles(&lock, CYCLES).await;
        let after = unary(http_get(etcd.port, "/metrics").unwrap());
        rows.push(row(
            "etcd `EtcdLock`",
            "unary gRPC calls handled",
            after - before,
            times,
        ));
    }

    if let Some(zk) = ZooKeeper::start() {
        let client = redsim_lock::zookeeper::zookeeper_client::Client::connector()
            .with_session_timeout(Duration::from_secs(30))
            .connect(&zk.address())
            .await
            .unwrap();
        let lock = ZkLock::new(client, "bench");
        cycles(&lock, WARM_UP).await;
        let before = mntr(zk.port, "zk_packets_received");
        let times = cycles(&lock, CYCLES).await;
        // Less the pings the session sent meanwhile (one every third of
        // the session timeout: at most a handful).
        let after = mntr(zk.port, "zk_packets_received");
        rows.push(row(
            "ZooKeeper `ZkLock`",
            "packets received (pings included)",
            after - before,
            times,
        ));
    }

    if let Some(db) = MariaDb::start() {
        let pool = Pool::new(Opts::from_url(&db.url("")).unwrap());
        let lock = MysqlLock::new(pool.clone(), "bench");
        cycles(&lock, WARM_UP).await;
        let mut admin = pool.get_conn().await.unwrap();
        admin
            .query_drop("SET GLOBAL log_output = 'TABLE'")
            .await
            .unwrap();
        admin
            .query_drop("TRUNCATE mysql.general_log")
            .await
            .unwrap();
        admin
            .query_drop("SET GLOBAL general_log = 1")
            .await
            .unwrap();
        let times = cycles(&lock, CYCLES).await;
        // The pool resets a returned connection in the background; let the
        // last one finish before counting.
        tokio::time::sleep(Duration::from_millis(200)).await;
        admin
            .query_drop("SET GLOBAL general_log = 0")
            .await
            .unwrap();
        let mine = admin.id();
        let n: u64 = admin
            .query_first(format!(
                "SELECT COUNT(*) FROM mysql.general_log WHERE thread_id <> {mine} \
                 AND command_type NOT IN ('Connect', 'Quit')"
            ))
            .await
            .unwrap()
            .unwrap();
        let kinds: Vec<(String, u64)> = admin
            .query(format!(
                "SELECT command_type, COUNT(*) FROM mysql.general_log WHERE thread_id <> {mine} \
                 GROUP BY command_type"
            ))
            .await
            .unwrap();
        eprintln!("MariaDB general log, by command: {kinds:?}");
        drop(admin);
        rows.push(row(
            "MariaDB `MysqlLock`",
            "commands in the general log",
            n,
            times,
        ));
    }

    if let Some(pg) = Postgres::start() {
        let config: tokio_postgres::Config = pg.config().parse().unwrap();
        let (admin, connection) = config.connect(NoTls).await.unwrap();
        tokio::spawn(connection);
        let lock = PgLock::new(PgSessions::new(config), "bench");
        cycles(&lock, WARM_UP).await;
        // (Two requests: ALTER SYSTEM refuses to run in a transaction.)
        admin
            .batch_execute("ALTER SYSTEM SET log_statement = 'all'")
            .await
            .unwrap();
        admin
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .unwrap();
        // Wait until the reload took: the admin's own statement is logged.
        let marker = "SELECT 'redsim-bench-start'";
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            admin.batch_execute(marker).await.unwrap();
            if pg.log().contains(marker) {
                break;
            }
            assert!(Instant::now() < deadline, "log_statement did not take");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let before = pg.log().matches("statement: ").count();
        let times = cycles(&lock, CYCLES).await;
        let after_marker = "SELECT 'redsim-bench-end'";
        admin.batch_execute(after_marker).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !pg.log().contains(after_marker) {
            assert!(Instant::now() < deadline, "the log did not catch up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let after = pg.log().matches("statement: ").count() - 1;
        rows.push(row(
            "PostgreSQL `PgLock`",
            "statements logged",
            (after - before) as u64,
            times,
        ));
    }

    println!();
    println!("acquire + release, uncontended, {CYCLES} cycles each, one client:");
    println!("| lock | round trips per cycle | counted as | mean | p50 | p99 |");
    println!("|---|---:|---|---:|---:|---:|");
    for r in rows {
        println!(
            "| {} | {:.2} | {} | {:.0} µs | {:.0} µs | {:.0} µs |",
            r.name,
            r.round_trips,
            r.how,
            r.mean.as_secs_f64() * 1e6,
            r.p50.as_secs_f64() * 1e6,
            r.p99.as_secs_f64() * 1e6
        );
    }
}
