//! redsim-lock over the `redis` crate's cluster connection: the lock
//! contract (mutual exclusion, release, expiry, fencing tokens that only
//! grow, the reentrant, read-write and multi-key kinds) on a
//! `redsim::Cluster` and on a real three-node Redis Cluster; a lock whose
//! slot moves while it is held, step by step (the ASK window) and at once;
//! the cache's distributed single-flight across two "processes"; and the
//! hash-tag rule: keys one script would take in different slots are
//! refused with `LockError::CrossSlot` before anything is sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use redis::aio::ConnectionLike;
use redsim::{Cluster, ManualClock};
use redsim_lock::cache::{Cache, CacheOptions};
use redsim_lock::cluster::key_slot;
use redsim_lock::{Lock, LockError, LockOptions, MultiLock, ReadWriteLock, ReentrantLock};
use support::cluster::RealCluster;

async fn exists<C: ConnectionLike>(conn: &mut C, key: &str) -> bool {
    redis::cmd("EXISTS")
        .arg(key)
        .query_async::<i64>(conn)
        .await
        .unwrap()
        == 1
}

/// The contract every cluster connection must keep. Expiry is stood in
/// for by deleting the key (as a takeover after expiry leaves it); the
/// redsim cluster's own test lets a manual clock expire it for real.
async fn contract<C>(conn: C)
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    let mut admin = conn.clone();
    // Names on every node: mutual exclusion and release wherever the key
    // lives.
    for name in ["order:1", "order:2", "foo", "bar", "user:{42}:lock"] {
        let lock = Lock::new(conn.clone(), name);
        let g = lock.try_acquire().await.unwrap();
        assert!(
            lock.try_acquire().await.unwrap_err().is_contention(),
            "{name}"
        );
        assert!(exists(&mut admin, name).await);
        g.extend().await.unwrap();
        g.release().await.unwrap();
        assert!(!exists(&mut admin, name).await);
        lock.try_acquire().await.unwrap().release().await.unwrap();
    }
    // A takeover after expiry: the old owner cannot release the new
    // owner's lock.
    let lock = Lock::new(conn.clone(), "contract:single");
    let old = lock.acquire().await.unwrap();
    redis::cmd("DEL")
        .arg("contract:single")
        .exec_async(&mut admin)
        .await
        .unwrap();
    let new = lock.try_acquire().await.unwrap();
    assert!(old.release().await.unwrap_err().is_lost());
    assert!(exists(&mut admin, "contract:single").await);
    new.release().await.unwrap();
    // Fencing tokens only grow; the counter shares the lock's slot.
    let lock = Lock::with_options(
        conn.clone(),
        "contract:fenced",
        LockOptions::new().fencing(true),
    );
    assert_eq!(
        key_slot(lock.name().as_bytes()),
        key_slot(lock.fence_key().as_bytes())
    );
    let mut tokens = Vec::new();
    for _ in 0..4 {
        let g = lock.acquire().await.unwrap();
        tokens.push(g.fencing_token().unwrap());
        g.release().await.unwrap();
    }
    assert!(tokens.windows(2).all(|w| w[0] < w[1]), "{tokens:?}");
    // The kinds with sibling keys, and a multi-key lock under one tag.
    let reentrant = ReentrantLock::new(conn.clone(), "contract:reentrant");
    let me = reentrant.owner();
    let g1 = me.acquire().await.unwrap();
    let g2 = me.try_acquire().await.unwrap();
    assert!(
        reentrant
            .owner()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    g2.release().await.unwrap();
    g1.release().await.unwrap();
    let rw = ReadWriteLock::new(conn.clone(), "contract:rw");
    let (r1, r2) = (rw.owner(), rw.owner());
    let read1 = r1.read_lock().try_acquire().await.unwrap();
    let read2 = r2.read_lock().try_acquire().await.unwrap();
    assert!(
        rw.owner()
            .write_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    read1.release().await.unwrap();
    read2.release().await.unwrap();
    let w = rw.owner().write_lock().try_acquire().await.unwrap();
    w.release().await.unwrap();
    let multi = MultiLock::new(conn.clone(), ["{m}:a", "{m}:b", "{m}:c"]);
    let blocker = Lock::new(conn.clone(), "{m}:c").acquire().await.unwrap();
    assert!(multi.try_acquire().await.unwrap_err().is_contention());
    assert!(!exists(&mut admin, "{m}:a").await, "all or nothing");
    blocker.release().await.unwrap();
    multi.try_acquire().await.unwrap().release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lock_contract_holds_on_a_redsim_cluster() {
    let cluster = Cluster::start().unwrap();
    contract(cluster.connection().await.unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn the_lock_contract_holds_on_a_real_redis_cluster() {
    let Some(real) = tokio::task::spawn_blocking(RealCluster::start)
        .await
        .unwrap()
    else {
        return;
    };
    let conn = redis::cluster::ClusterClient::new(real.urls())
        .unwrap()
        .get_async_connection()
        .await
        .unwrap();
    contract(conn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_expires_on_the_cluster_clock_and_the_next_owner_takes_it() {
    let clock = ManualClock::new();
    let cluster = Cluster::builder().clock(&clock).start().unwrap();
    let conn = cluster.connection().await.unwrap();
    let options = LockOptions::new().ttl(Duration::from_secs(5)).fencing(true);
    let lock = Lock::with_options(conn, "order:9", options);
    let first = lock.acquire().await.unwrap();
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    clock.advance(Duration::from_secs(6));
    let second = lock.try_acquire().await.unwrap();
    assert!(second.fencing_token() > first.fencing_token());
    assert!(first.extend().await.unwrap_err().is_lost());
    second.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_lock_survives_its_slot_moving_step_by_step_and_at_once() {
    let cluster = Cluster::start().unwrap();
    let conn = cluster.connection().await.unwrap();
    let name = "order:7";
    let lock = Lock::with_options(conn.clone(), name, LockOptions::new().fencing(true));
    let held = lock.acquire().await.unwrap();
    let first = held.fencing_token().unwrap();
    let slot = Cluster::slot_of(name);
    let from = cluster.owner_of_slot(slot).unwrap();
    let to = (from + 1) % 3;
    // The ASK window: the lock's key and its counter have moved, the slot
    // not yet. Renewal, contention and release follow ASK.
    let migration = cluster.begin_migration(slot, to);
    assert!(migration.move_key(name));
    assert!(migration.move_key(lock.fence_key()));
    held.extend().await.unwrap();
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    migration.finish();
    // After the move: MOVED, then the new owner.
    held.extend().await.unwrap();
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    held.release().await.unwrap();
    let again = lock.acquire().await.unwrap();
    assert!(again.fencing_token().unwrap() > first);
    // At once, back where it was, while held.
    cluster.move_slot(slot, from);
    again.extend().await.unwrap();
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    again.release().await.unwrap();
    let last = lock.acquire().await.unwrap();
    assert!(last.fencing_token().unwrap() > first + 1);
    last.release().await.unwrap();
}

/// Calls of the commands a lock's acquire sends, on `node`.
fn acquire_calls(cluster: &Cluster, node: usize) -> u64 {
    let mut con = cluster.node(node).connection();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_caches_distributed_single_flight_works_over_a_cluster_connection() {
    let cluster = Cluster::start().unwrap();
    let key = "report:2026";
    let node = cluster.owner_of_slot(Cluster::slot_of(key)).unwrap();
    let options = CacheOptions::new().distributed(
        LockOptions::new()
            .ttl(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10)),
    );
    // Two "processes": two connections, two caches, two flight tables.
    let a = Cache::with_options(cluster.connection().await.unwrap(), options.clone());
    let b = Cache::with_options(cluster.connection().await.unwrap(), options);
    let calls = Arc::new(AtomicUsize::new(0));
    let (loading_tx, loading_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let calls_a = Arc::clone(&calls);
    let ta = tokio::spawn(async move {
        a.get_or_set(key, Duration::from_secs(60), || async move {
            calls_a.fetch_add(1, Ordering::SeqCst);
            loading_tx.send(()).unwrap();
            go_rx.await.unwrap();
            Ok::<_, std::io::Error>(Some("from a".to_string()))
        })
        .await
        .unwrap()
    });
    // A holds the load lock and is loading.
    loading_rx.await.unwrap();
    let before = acquire_calls(&cluster, node);
    let calls_b = Arc::clone(&calls);
    let tb = tokio::spawn(async move {
        b.get_or_set(key, Duration::from_secs(60), || async move {
            calls_b.fetch_add(1, Ordering::SeqCst);
            Ok::<_, std::io::Error>(Some("from b".to_string()))
        })
        .await
        .unwrap()
    });
    // B has tried the load lock and found it held.
    let deadline = Instant::now() + Duration::from_secs(10);
    while acquire_calls(&cluster, node) == before {
        assert!(Instant::now() < deadline, "B never tried the load lock");
        tokio::task::yield_now().await;
    }
    go_tx.send(()).unwrap();
    assert_eq!(ta.await.unwrap(), Some("from a".to_string()));
    assert_eq!(tb.await.unwrap(), Some("from a".to_string()));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_in_different_slots_are_refused_before_any_script_runs() {
    let cluster = Cluster::start().unwrap();
    let conn = cluster.connection().await.unwrap();
    let scripts_run = || -> u64 { (0..3).map(|i| acquire_calls(&cluster, i)).sum() };
    let before = scripts_run();
    let multi = MultiLock::new(conn.clone(), ["alpha", "beta"]);
    let err = multi.try_acquire().await.unwrap_err();
    match &err {
        LockError::CrossSlot { keys, slots, .. } => {
            assert_eq!(keys, &["alpha", "beta"]);
            assert_eq!(slots, &[key_slot(b"alpha"), key_slot(b"beta")]);
        }
        e => panic!("{e}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("\"alpha\"") && text.contains("hash tag"),
        "{text}"
    );
    assert!(
        multi
            .acquire()
            .await
            .unwrap_err()
            .to_string()
            .contains("hash tag")
    );
    // A name with braces but no usable tag: its counter cannot share its
    // slot.
    let fenced = Lock::with_options(conn.clone(), "a{}b", LockOptions::new().fencing(true));
    match fenced.try_acquire().await.unwrap_err() {
        LockError::CrossSlot { keys, .. } => assert_eq!(keys, ["a{}b", "a{}b:fence"]),
        e => panic!("{e}"),
    }
    // The same rule on a single server: what passes there passes on a
    // cluster.
    let server = redsim::Server::start().unwrap();
    let single = MultiLock::new(server.connection(), ["alpha", "beta"]);
    assert!(matches!(
        single.try_acquire().await.unwrap_err(),
        LockError::CrossSlot { .. }
    ));
    assert_eq!(scripts_run(), before, "nothing was sent");
    // One tag: fine.
    let tagged = MultiLock::new(conn, ["{ab}alpha", "{ab}beta"]);
    tagged.try_acquire().await.unwrap().release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redlock_over_one_clusters_primaries_finds_no_quorum() {
    // Redlock wants the same key on independent masters. The primaries of
    // one cluster are not that: each key lives on one of them, and the
    // others answer MOVED, so no majority can be had.
    let cluster = Cluster::start().unwrap();
    let nodes: Vec<redsim::LocalConnection> =
        (0..3).map(|i| cluster.node(i).connection()).collect();
    let redlock = redsim_lock::Redlock::new(nodes, "order:1");
    match redlock.try_acquire().await.unwrap_err() {
        LockError::NoQuorum {
            granted, errors, ..
        } => {
            assert_eq!(granted, 1);
            assert_eq!(errors.len(), 2);
            assert!(errors.iter().all(|(_, e)| e.code() == Some("MOVED")));
        }
        e => panic!("{e}"),
    }
    // Nothing is left behind on the node that granted it.
    let owner = cluster.owner_of_slot(Cluster::slot_of("order:1")).unwrap();
    let mut con = cluster.node(owner).connection();
    let n: i64 = redis::cmd("EXISTS").arg("order:1").query(&mut con).unwrap();
    assert_eq!(n, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fenced_acquire_whose_keys_are_split_by_a_migration_fails_cleanly() {
    // A reshard moves a slot's keys in batches: for a moment the lock's
    // counter can be on the target and its key not. The script cannot run
    // on either node; the cluster client keeps retrying until the
    // operation timeout, and the acquire fails having taken nothing.
    let cluster = Cluster::start().unwrap();
    let conn = cluster.connection().await.unwrap();
    let name = "order:8";
    let lock = Lock::with_options(conn.clone(), name, LockOptions::new().fencing(true));
    let before = lock.acquire().await.unwrap();
    let token = before.fencing_token().unwrap();
    before.release().await.unwrap();
    let slot = Cluster::slot_of(name);
    let from = cluster.owner_of_slot(slot).unwrap();
    let migration = cluster.begin_migration(slot, (from + 1) % 3);
    assert!(migration.move_key(lock.fence_key()));
    match lock.try_acquire().await.unwrap_err() {
        LockError::OpTimeout { .. } => {}
        e => panic!("{e}"),
    }
    migration.finish();
    let after = lock.try_acquire().await.unwrap();
    assert!(after.fencing_token().unwrap() > token);
    after.release().await.unwrap();
}
