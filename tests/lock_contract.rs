//! The lock contract, run unchanged on three back ends: redsim in process,
//! redsim over TCP, and a real `redis-server` (Redlock on 3 and 5 real
//! ones). Nothing here depends on time passing: expiry is stood in for by
//! deleting the key, as a takeover after expiry would leave it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redis::aio::ConnectionLike;
use redsim_lock::fencing::{FenceGate, FencedStore};
use redsim_lock::{
    DistributedLock, Lock, LockError, LockOptions, LostReason, MultiLock, Redlock, ReentrantLock,
    RetryPolicy,
};
use support::RealRedis;

/// A connection factory with a name for messages.
trait Backend: Send + Sync {
    type Conn: ConnectionLike + Clone + Send + Sync + 'static;
    async fn conn(&self) -> Self::Conn;
}

struct InProcess(redsim::Server);
impl Backend for InProcess {
    type Conn = redsim::LocalConnection;
    async fn conn(&self) -> Self::Conn {
        self.0.connection()
    }
}

/// A URL, and the server behind it (kept alive, stopped on drop).
struct Tcp {
    url: String,
    _real: Option<RealRedis>,
    _sim: Option<redsim::Server>,
}
impl Backend for Tcp {
    type Conn = redis::aio::MultiplexedConnection;
    async fn conn(&self) -> Self::Conn {
        redis::Client::open(self.url.as_str())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
}

fn redsim_tcp() -> Tcp {
    let server = redsim::Server::start().unwrap();
    Tcp {
        url: server.url(),
        _real: None,
        _sim: Some(server),
    }
}

fn real() -> Option<Tcp> {
    RealRedis::start().map(|r| Tcp {
        url: r.url(),
        _real: Some(r),
        _sim: None,
    })
}

async fn raw(conn: &mut impl ConnectionLike, cmd: &mut redis::Cmd) -> redis::Value {
    cmd.query_async(conn).await.unwrap()
}

async fn single_instance_contract(b: &impl Backend) {
    let mut admin = b.conn().await;
    let lock = Lock::new(b.conn().await, "contract:single");

    // Exclusive while held; free after release.
    let a = lock.acquire().await.unwrap();
    let err = lock.try_acquire().await.unwrap_err();
    assert!(matches!(err, LockError::Contended { .. }), "{err}");
    let stored: String = redis::cmd("GET")
        .arg("contract:single")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(stored, a.token());
    let pttl: i64 = redis::cmd("PTTL")
        .arg("contract:single")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!((29_000..=30_000).contains(&pttl), "{pttl}");
    a.extend().await.unwrap();
    a.release().await.unwrap();
    let b_guard = lock.try_acquire().await.unwrap();

    // An owner whose key was taken over can neither extend nor release
    // the next owner's lock.
    raw(&mut admin, redis::cmd("DEL").arg("contract:single")).await;
    let c_guard = lock.try_acquire().await.unwrap();
    let err = b_guard.extend().await.unwrap_err();
    assert!(
        matches!(
            err,
            LockError::Lost {
                reason: LostReason::NotOwner,
                ..
            }
        ),
        "{err}"
    );
    let err = b_guard.release().await.unwrap_err();
    assert!(err.is_lost(), "{err}");
    let stored: String = redis::cmd("GET")
        .arg("contract:single")
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(stored, c_guard.token(), "the new owner's key is intact");
    c_guard.release().await.unwrap();
}

async fn fencing_contract(b: &impl Backend) {
    let mut admin = b.conn().await;
    let options = LockOptions::new().fencing(true);
    let lock = Lock::with_options(b.conn().await, "contract:fenced", options);
    let store = FencedStore::new(b.conn().await, "contract:resource");
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let g = lock.acquire().await.unwrap();
        tokens.push(g.fencing_token().unwrap());
        assert!(store.write(g.fencing_token().unwrap(), "x").await.unwrap());
        g.release().await.unwrap();
    }
    assert!(tokens.windows(2).all(|w| w[0] < w[1]), "{tokens:?}");
    // A stale token is refused by the resource.
    assert!(!store.write(tokens[0], "late").await.unwrap());
    // Contention reports how long the holder's key lives.
    let held = lock.acquire().await.unwrap();
    match lock.try_acquire().await.unwrap_err() {
        LockError::Contended { retry_after, .. } => {
            assert!(retry_after.is_some_and(|d| d > Duration::from_secs(29)));
        }
        e => panic!("{e}"),
    }
    // The scripts survive an emptied script cache (EVALSHA → NOSCRIPT →
    // SCRIPT LOAD → retry).
    raw(&mut admin, redis::cmd("SCRIPT").arg("FLUSH")).await;
    held.release().await.unwrap();
    let again = lock.acquire().await.unwrap();
    assert_eq!(again.fencing_token(), Some(tokens[2] + 2));
    again.release().await.unwrap();
}

async fn reentrant_contract(b: &impl Backend) {
    let lock = ReentrantLock::new(b.conn().await, "contract:reentrant");
    let me = lock.owner();
    let other = lock.owner();
    let g1 = me.acquire().await.unwrap();
    let g2 = me.clone().try_acquire().await.unwrap();
    assert_eq!(me.holds().await.unwrap(), 2);
    assert!(other.try_acquire().await.unwrap_err().is_contention());
    g2.release().await.unwrap();
    assert!(other.try_acquire().await.unwrap_err().is_contention());
    g1.release().await.unwrap();
    let g3 = other.try_acquire().await.unwrap();
    assert_eq!(me.holds().await.unwrap(), 0);
    g3.release().await.unwrap();
}

async fn multi_contract(b: &impl Backend) {
    let mut admin = b.conn().await;
    let keys = ["{contract}:a", "{contract}:b", "{contract}:c"];
    let blocker = Lock::new(b.conn().await, "{contract}:c")
        .acquire()
        .await
        .unwrap();
    let all = MultiLock::new(b.conn().await, keys);
    assert!(all.try_acquire().await.unwrap_err().is_contention());
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&keys[..2])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(exists, 0, "all or nothing: no key was taken");
    // The pipelined variant takes a and b, meets c, and gives a and b back.
    assert!(
        all.try_acquire_pipelined()
            .await
            .unwrap_err()
            .is_contention()
    );
    blocker.release().await.unwrap();
    let g = all.acquire().await.unwrap();
    let tokens: Vec<String> = redis::cmd("MGET")
        .arg(&keys[..])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert!(tokens.iter().all(|t| t == g.token()));
    g.extend().await.unwrap();
    g.release().await.unwrap();
    let exists: i64 = redis::cmd("EXISTS")
        .arg(&keys[..])
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(exists, 0);
    let g = all.try_acquire_pipelined().await.unwrap();
    g.release().await.unwrap();
}

/// Contenders that retry with jitter all get the lock in turn, never two
/// at once.
async fn contenders_contract(b: &impl Backend) {
    let options = LockOptions::new()
        .retry(RetryPolicy::backoff(
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
        .acquire_timeout(Duration::from_secs(30));
    let inside = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let lock = Lock::with_options(b.conn().await, "contract:contended", options.clone());
        let (inside, served) = (Arc::clone(&inside), Arc::clone(&served));
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                let g = lock.acquire().await.unwrap();
                assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0, "two holders");
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
                served.fetch_add(1, Ordering::SeqCst);
                g.release().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(served.load(Ordering::SeqCst), 40);
}

async fn trait_contract(b: &impl Backend) {
    async fn twice<L: DistributedLock>(lock: &L) {
        let g = lock.lock().await.unwrap();
        assert!(lock.try_lock().await.unwrap_err().is_contention());
        lock.unlock(g).await.unwrap();
        let g = lock.try_lock().await.unwrap();
        lock.unlock(g).await.unwrap();
    }
    twice(&Lock::new(b.conn().await, "contract:trait:single")).await;
    twice(&MultiLock::new(b.conn().await, ["{t}:1", "{t}:2"])).await;
    twice(&Redlock::new(
        vec![b.conn().await],
        "contract:trait:redlock",
    ))
    .await;
    // Reentrant: the same owner may lock again, so try_lock from it
    // succeeds; its contract is checked in reentrant_contract.
}

async fn run_all(b: &impl Backend) {
    single_instance_contract(b).await;
    fencing_contract(b).await;
    reentrant_contract(b).await;
    multi_contract(b).await;
    contenders_contract(b).await;
    trait_contract(b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_holds_on_redsim_in_process() {
    run_all(&InProcess(redsim::Server::start().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_contract_holds_on_redsim_over_tcp() {
    run_all(&redsim_tcp()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn the_contract_holds_on_real_redis() {
    let Some(b) = real() else { return };
    run_all(&b).await;
}

async fn redlock_contract<B: Backend>(nodes: &[B]) {
    let mut conns = Vec::new();
    for n in nodes {
        conns.push(n.conn().await);
    }
    let options = LockOptions::new()
        .op_timeout(Duration::from_millis(500))
        .fencing(true);
    let lock = Redlock::with_options(conns.clone(), "contract:redlock", options.clone());
    let quorum = lock.quorum();
    let g = lock.acquire().await.unwrap();
    let first = g.fencing_token().unwrap();
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    g.extend().await.unwrap();
    g.release().await.unwrap();

    // Another owner holds the key on some nodes (plain single-node locks,
    // so exactly those nodes).
    async fn hold<C>(conns: &[C]) -> Vec<redsim_lock::Guard>
    where
        C: ConnectionLike + Clone + Send + Sync + 'static,
    {
        let mut guards = Vec::new();
        for c in conns {
            guards.push(
                Lock::new(c.clone(), "contract:redlock")
                    .acquire()
                    .await
                    .unwrap(),
            );
        }
        guards
    }

    // A minority held elsewhere: still a majority left.
    let minority = nodes.len() - quorum;
    let held = hold(&conns[..minority]).await;
    let g = lock.acquire().await.unwrap();
    assert!(g.fencing_token().unwrap() > first);
    g.release().await.unwrap();
    for h in held {
        h.release().await.unwrap();
    }

    // A majority held elsewhere: no quorum, and nothing of ours is left
    // on the nodes that did grant it.
    let held = hold(&conns[..quorum]).await;
    assert!(lock.try_acquire().await.unwrap_err().is_contention());
    for conn in &mut conns[quorum..] {
        let exists: i64 = redis::cmd("EXISTS")
            .arg("contract:redlock")
            .query_async(conn)
            .await
            .unwrap();
        assert_eq!(exists, 0);
    }
    for h in held {
        h.release().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redlock_works_on_three_and_five_redsim_servers() {
    for n in [3, 5] {
        let nodes: Vec<_> = (0..n)
            .map(|_| InProcess(redsim::Server::start().unwrap()))
            .collect();
        redlock_contract(&nodes).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn redlock_works_on_three_and_five_real_redis_servers() {
    for n in [3, 5] {
        let Some(nodes) = (0..n).map(|_| real()).collect::<Option<Vec<_>>>() else {
            return;
        };
        redlock_contract(&nodes).await;
    }
}

/// Four tasks present their tokens to one gate at once, each in a
/// shuffled order — so neither a task's own sequence nor the interleaving
/// rises by construction. The gate must refuse every token below one it
/// admitted before (a task never sees its own admitted tokens go down),
/// name in each refusal a token it did admit, never let its highest go
/// down, and end at the largest token presented. A gate that admitted
/// everything, or lost a concurrent raise, fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fence_gate_refuses_every_token_below_one_it_admitted_under_concurrency() {
    const TASKS: u64 = 4;
    const EACH: u64 = 1000;
    let gate = Arc::new(FenceGate::new());
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let gate = Arc::clone(&gate);
        tasks.push(tokio::spawn(async move {
            let mut tokens: Vec<u64> = (0..EACH).map(|i| i * TASKS + t).collect();
            fastrand::Rng::with_seed(t).shuffle(&mut tokens);
            let mut log = Vec::new();
            for token in tokens {
                let outcome = gate.admit(token);
                log.push((token, outcome, gate.highest()));
                tokio::task::yield_now().await;
            }
            log
        }));
    }
    let mut admitted = std::collections::BTreeSet::new();
    let mut named_in_refusals = Vec::new();
    for task in tasks {
        let log = task.await.unwrap();
        let mut own_highest: Option<u64> = None;
        let mut seen_highest = 0;
        for (token, outcome, highest) in log {
            assert!(highest >= seen_highest, "the highest went down");
            seen_highest = highest;
            assert!(highest >= token);
            match outcome {
                Ok(()) => {
                    assert!(
                        own_highest.is_none_or(|h| token >= h),
                        "{token} admitted after {own_highest:?}"
                    );
                    own_highest = Some(token);
                    admitted.insert(token);
                }
                Err(stale) => {
                    assert_eq!(stale.token, token);
                    assert!(stale.highest > token);
                    named_in_refusals.push(stale.highest);
                }
            }
        }
    }
    for h in &named_in_refusals {
        assert!(admitted.contains(h), "refused for {h}, never admitted");
    }
    let largest = TASKS * EACH - 1;
    assert!(admitted.contains(&largest));
    assert_eq!(gate.highest(), largest);
    // Shuffled: most tokens come after a larger one.
    assert!(named_in_refusals.len() as u64 > TASKS * EACH / 2);
}
