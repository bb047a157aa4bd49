//! The Redisson family — read-write lock, semaphore with expirable
//! permits, fair lock — and waiting by pub/sub.
//!
//! The contract runs unchanged on three back ends (redsim in process,
//! redsim over TCP, a real `redis-server`), once waiting by pub/sub and
//! once polling. The time and fault scenarios run on redsim servers that
//! follow Tokio's paused clock (pub/sub through the in-process
//! connection's buffered pushes), or over TCP with a reconnecting client
//! where a reply is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redsim::{Injected, Rule, Server, TokioClock};
use redsim_lock::{
    DistributedLock, ExpirableSemaphore, FairLock, Lock, LockError, LockOptions, LostReason,
    ReadWriteLock, ReentrantLock, RetryPolicy, Wakeups,
};
use support::{RealRedis, server_on};
use tokio::time::{Instant, sleep};

// ---------------------------------------------------------------------
// Back ends
// ---------------------------------------------------------------------

/// A connection factory and a pub/sub source.
trait Backend: Send + Sync {
    type Conn: ConnectionLike + Clone + Send + Sync + 'static;
    async fn conn(&self) -> Self::Conn;
    async fn wakeups(&self) -> Wakeups;
}

struct InProcess(Server);
impl Backend for InProcess {
    type Conn = redsim::LocalConnection;
    async fn conn(&self) -> Self::Conn {
        self.0.connection()
    }
    async fn wakeups(&self) -> Wakeups {
        polled(&self.0)
    }
}

/// A URL, and the server behind it (kept alive, stopped on drop).
struct Tcp {
    url: String,
    _real: Option<RealRedis>,
    _sim: Option<Server>,
}
impl Backend for Tcp {
    type Conn = redis::aio::MultiplexedConnection;
    async fn conn(&self) -> Self::Conn {
        client(&self.url)
            .get_multiplexed_async_connection()
            .await
            .unwrap()
    }
    async fn wakeups(&self) -> Wakeups {
        Wakeups::connect(&client(&self.url)).await.unwrap()
    }
}

fn client(url: &str) -> redis::Client {
    redis::Client::open(url).unwrap()
}

fn redsim_tcp() -> Tcp {
    let server = Server::start().unwrap();
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

/// Pub/sub through an in-process connection's buffered pushes.
fn polled(server: &Server) -> Wakeups {
    let sub = server.connection();
    Wakeups::polling(sub.clone(), move || sub.pushes(), Duration::from_millis(1))
}

/// [`polled`], losing every message while `deaf` is set, counting them in
/// `lost`: pub/sub delivers at most once.
fn lossy(server: &Server, deaf: Arc<AtomicBool>, lost: Arc<AtomicUsize>) -> Wakeups {
    let sub = server.connection();
    Wakeups::polling(
        sub.clone(),
        move || {
            let mut pushes = sub.pushes();
            if deaf.load(Ordering::SeqCst) {
                lost.fetch_add(pushes.len(), Ordering::SeqCst);
                pushes.clear();
            }
            pushes
        },
        Duration::from_millis(1),
    )
}

async fn query<T: redis::FromRedisValue>(
    conn: &mut impl ConnectionLike,
    cmd: &mut redis::Cmd,
) -> T {
    cmd.query_async(conn).await.unwrap()
}

/// Polls (real time) until `check` holds, for up to 10 s.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(Instant::now() < deadline, "never: {what}");
        sleep(Duration::from_millis(2)).await;
    }
}

/// Quick retries for the polling pass (the contract never waits long).
fn options() -> LockOptions {
    LockOptions::new()
        .retry(RetryPolicy::backoff(
            Duration::from_millis(1),
            Duration::from_millis(20),
        ))
        .acquire_timeout(Duration::from_secs(20))
}

// ---------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------

async fn rw_contract<B: Backend>(b: &B, name: &str, wake: Option<&Wakeups>) {
    let mut admin = b.conn().await;
    let mut lock = ReadWriteLock::with_options(b.conn().await, name, options().fencing(true));
    if let Some(w) = wake {
        lock = lock.wake_on(w);
    }
    let (a, bob, c, d) = (lock.owner(), lock.owner(), lock.owner(), lock.owner());
    let writers_key = redsim_lock::cluster::sibling(name, ":writers");

    // Readers share; a writer waits for them; a single try leaves no claim.
    let ra = a.read_lock().acquire().await.unwrap();
    let rb = bob.read_lock().acquire().await.unwrap();
    assert_eq!(a.holds().await.unwrap(), (1, 0));
    let err = c.write_lock().try_acquire().await.unwrap_err();
    assert!(
        matches!(
            err,
            LockError::Contended {
                retry_after: Some(_),
                ..
            }
        ),
        "{err}"
    );
    let exists: i64 = query(&mut admin, redis::cmd("EXISTS").arg(&writers_key)).await;
    assert_eq!(exists, 0, "a failed try leaves no claim");
    d.read_lock()
        .try_acquire()
        .await
        .unwrap()
        .release()
        .await
        .unwrap();

    // A waiting writer holds new readers back, not the readers present.
    let writer = tokio::spawn({
        let c = c.clone();
        async move { c.write_lock().acquire().await }
    });
    eventually("the writer's claim", || {
        let mut admin = admin.clone();
        let key = writers_key.clone();
        async move { query::<i64>(&mut admin, redis::cmd("ZCARD").arg(&key)).await == 1 }
    })
    .await;
    assert!(
        d.read_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    let nested = a.read_lock().try_acquire().await.unwrap();
    assert_eq!(a.holds().await.unwrap(), (2, 0));
    nested.release().await.unwrap();
    ra.release().await.unwrap();
    rb.release().await.unwrap();
    let w = writer.await.unwrap().unwrap();
    let fence = w.fencing_token().unwrap();
    assert!(fence >= 1);
    let exists: i64 = query(&mut admin, redis::cmd("EXISTS").arg(&writers_key)).await;
    assert_eq!(exists, 0, "the claim went with the acquire");

    // One writer excludes everyone else; it may write again and read.
    assert!(
        bob.read_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    assert!(
        bob.write_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    let w2 = c.write_lock().acquire().await.unwrap();
    assert_eq!(
        w2.fencing_token(),
        Some(fence),
        "a re-entry shares the token"
    );
    let r = c.read_lock().acquire().await.unwrap();
    assert_eq!(c.holds().await.unwrap(), (1, 2));
    w.extend().await.unwrap();
    r.extend().await.unwrap();

    // Downgrade: the write holds go, the read hold stays; others may read.
    w2.release().await.unwrap();
    w.release().await.unwrap();
    assert_eq!(c.holds().await.unwrap(), (1, 0));
    let rb = bob.read_lock().try_acquire().await.unwrap();
    assert!(
        a.write_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    rb.release().await.unwrap();

    // Upgrade: the only reader may write.
    let up = c.write_lock().try_acquire().await.unwrap();
    assert!(up.fencing_token().unwrap() > fence);
    assert_eq!(c.holds().await.unwrap(), (1, 1));
    up.release().await.unwrap();
    r.release().await.unwrap();
    assert_eq!(c.holds().await.unwrap(), (0, 0));
    let left: i64 = query(
        &mut admin,
        redis::cmd("EXISTS")
            .arg(name)
            .arg(redsim_lock::cluster::sibling(name, ":readers"))
            .arg(&writers_key),
    )
    .await;
    assert_eq!(left, 0, "nothing left behind");

    // A holder whose state was taken away learns it.
    let r = a.read_lock().acquire().await.unwrap();
    let w_other = ReadWriteLock::new(b.conn().await, name).owner();
    query::<i64>(
        &mut admin,
        redis::cmd("DEL")
            .arg(name)
            .arg(redsim_lock::cluster::sibling(name, ":readers")),
    )
    .await;
    let w = w_other.write_lock().try_acquire().await.unwrap();
    let err = r.extend().await.unwrap_err();
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
    assert!(r.release().await.unwrap_err().is_lost());
    w.release().await.unwrap();
}

async fn semaphore_contract<B: Backend>(b: &B, name: &str, wake: Option<&Wakeups>) {
    let mut admin = b.conn().await;
    let mut pool = ExpirableSemaphore::with_options(b.conn().await, name, options());
    if let Some(w) = wake {
        pool = pool.wake_on(w);
    }
    // No permits until set.
    assert_eq!(pool.available_permits().await.unwrap(), 0);
    assert!(pool.try_acquire().await.unwrap_err().is_contention());
    assert!(pool.try_set_permits(2).await.unwrap());
    assert!(!pool.try_set_permits(5).await.unwrap());
    assert_eq!(pool.available_permits().await.unwrap(), 2);

    let p1 = pool.acquire().await.unwrap();
    let p2 = pool.acquire().await.unwrap();
    assert_ne!(p1.token(), p2.token());
    assert_eq!(pool.available_permits().await.unwrap(), 0);
    match pool.try_acquire().await.unwrap_err() {
        LockError::Contended { retry_after, .. } => {
            assert!(retry_after.is_some_and(|d| d > Duration::from_secs(29)));
        }
        e => panic!("{e}"),
    }
    let leases: Vec<String> = query(
        &mut admin,
        redis::cmd("ZRANGE").arg(pool.leases_key()).arg(0).arg(-1),
    )
    .await;
    assert_eq!(leases.len(), 2);
    let pttl: i64 = query(&mut admin, redis::cmd("PTTL").arg(pool.leases_key())).await;
    assert!((29_000..=30_000).contains(&pttl), "{pttl}");

    // A waiter gets the permit released.
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire().await }
    });
    sleep(Duration::from_millis(20)).await;
    let id = p1.token().to_string();
    p1.extend().await.unwrap();
    p1.release().await.unwrap();
    let p3 = waiter.await.unwrap().unwrap();
    // Releasing an id twice frees nothing more.
    assert!(!pool.release_permit(&id).await.unwrap());
    assert_eq!(pool.available_permits().await.unwrap(), 0);

    // More permits wake waiters; fewer hold new acquires back.
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire().await }
    });
    sleep(Duration::from_millis(20)).await;
    pool.set_permits(3).await.unwrap();
    let p4 = waiter.await.unwrap().unwrap();
    pool.set_permits(1).await.unwrap();
    assert_eq!(pool.available_permits().await.unwrap(), 0);
    for p in [p2, p3] {
        p.release().await.unwrap();
    }
    assert_eq!(pool.available_permits().await.unwrap(), 0);
    assert!(pool.release_permit(p4.token()).await.unwrap());
    assert!(p4.release().await.unwrap_err().is_lost());
    assert_eq!(pool.available_permits().await.unwrap(), 1);
}

async fn fair_contract<B: Backend>(b: &B, name: &str, wake: Option<&Wakeups>) {
    let mut lock = FairLock::with_options(b.conn().await, name, options().fencing(true));
    if let Some(w) = wake {
        lock = lock.wake_on(w);
    }
    let lock = Arc::new(lock);
    let holder = lock.owner();
    let h1 = holder.acquire().await.unwrap();
    let h2 = holder.acquire().await.unwrap();
    assert_eq!(holder.holds().await.unwrap(), 2);
    assert_eq!(h1.fencing_token(), h2.fencing_token());
    let first_fence = h1.fencing_token().unwrap();

    // Three waiters queue in order and are served in that order.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut owners = Vec::new();
    for i in 0..3 {
        let owner = lock.owner();
        owners.push(owner.token().to_string());
        let tx = tx.clone();
        tokio::spawn(async move {
            let g = owner.acquire().await.unwrap();
            tx.send((i, g.fencing_token().unwrap())).unwrap();
            sleep(Duration::from_millis(5)).await;
            g.release().await.unwrap();
        });
        eventually("queued", || {
            let lock = Arc::clone(&lock);
            async move { lock.queue().await.unwrap().len() == i + 1 }
        })
        .await;
    }
    assert_eq!(lock.queue().await.unwrap(), owners);
    // A newcomer neither jumps the queue nor joins it with a try.
    let newcomer = lock.owner();
    assert!(newcomer.try_acquire().await.unwrap_err().is_contention());
    h2.release().await.unwrap();
    assert!(newcomer.try_acquire().await.unwrap_err().is_contention());
    h1.release().await.unwrap();
    let mut served = Vec::new();
    for _ in 0..3 {
        served.push(rx.recv().await.unwrap());
    }
    let order: Vec<usize> = served.iter().map(|(i, _)| *i).collect();
    assert_eq!(order, [0, 1, 2]);
    assert!(served.windows(2).all(|w| w[0].1 < w[1].1));
    assert!(served[0].1 > first_fence);

    // A waiter that gives up leaves the queue.
    let h = holder.acquire().await.unwrap();
    let quitter = FairLock::with_options(
        b.conn().await,
        name,
        options().acquire_timeout(Duration::from_millis(100)),
    )
    .owner();
    let err = quitter.acquire().await.unwrap_err();
    assert!(err.is_contention(), "{err}");
    assert!(lock.queue().await.unwrap().is_empty());
    h.release().await.unwrap();
    newcomer
        .try_acquire()
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
}

async fn reentrant_wakes_contract<B: Backend>(b: &B, name: &str, wake: Option<&Wakeups>) {
    let mut lock = ReentrantLock::with_options(b.conn().await, name, options());
    if let Some(w) = wake {
        lock = lock.wake_on(w);
    }
    let held = lock.owner().acquire().await.unwrap();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let me = lock.owner();
            tokio::spawn(async move {
                let g = me.acquire().await.unwrap();
                sleep(Duration::from_millis(2)).await;
                g.release().await.unwrap();
            })
        })
        .collect();
    sleep(Duration::from_millis(20)).await;
    held.release().await.unwrap();
    for w in waiters {
        w.await.unwrap();
    }
}

async fn trait_contract<B: Backend>(b: &B, suffix: &str) {
    async fn cycle<L: DistributedLock>(lock: &L) {
        let g = lock.lock().await.unwrap();
        lock.unlock(g).await.unwrap();
        let g = lock.try_lock().await.unwrap();
        lock.unlock(g).await.unwrap();
    }
    let rw = ReadWriteLock::new(b.conn().await, format!("contract:trait:rw{suffix}"));
    cycle(&rw.owner().read_lock()).await;
    cycle(&rw.owner().write_lock()).await;
    let pool = ExpirableSemaphore::new(b.conn().await, format!("contract:trait:sem{suffix}"));
    pool.set_permits(1).await.unwrap();
    cycle(&pool).await;
    let g = pool.lock().await.unwrap();
    assert!(
        pool.try_lock().await.unwrap_err().is_contention(),
        "one permit: a lock"
    );
    pool.unlock(g).await.unwrap();
    let fair = FairLock::new(b.conn().await, format!("contract:trait:fair{suffix}"));
    cycle(&fair.owner()).await;
}

async fn run_all<B: Backend>(b: &B) {
    let wakeups = b.wakeups().await;
    for (pass, wake) in [("pubsub", Some(&wakeups)), ("polling", None)] {
        rw_contract(b, &format!("contract:rw:{pass}"), wake).await;
        semaphore_contract(b, &format!("contract:sem:{pass}"), wake).await;
        fair_contract(b, &format!("contract:fair:{pass}"), wake).await;
        reentrant_wakes_contract(b, &format!("contract:re:{pass}"), wake).await;
        trait_contract(b, pass).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redisson_contract_holds_on_redsim_in_process() {
    run_all(&InProcess(Server::start().unwrap())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redisson_contract_holds_on_redsim_over_tcp() {
    run_all(&redsim_tcp()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn the_redisson_contract_holds_on_real_redis() {
    let Some(b) = real() else { return };
    run_all(&b).await;
}

// ---------------------------------------------------------------------
// Round trips: waiting by pub/sub against polling
// ---------------------------------------------------------------------

/// Starts counting round trips: the journal records each command a client
/// sent once (a script's own calls are part of its EVALSHA), unlike INFO
/// commandstats, which also counts every `redis.call`.
fn reset_stats(server: &Server) {
    server.set_journal(None);
    server.set_journal(Some(1 << 20));
}

/// The commands clients sent since [`reset_stats`], by name.
fn commands_run(server: &Server) -> (u64, std::collections::BTreeMap<String, u64>) {
    let journal = server.journal();
    assert_eq!(journal.forgotten(), 0);
    let mut by_name = std::collections::BTreeMap::new();
    let mut total = 0;
    for e in journal.into_entries() {
        *by_name.entry(e.command().to_uppercase()).or_insert(0) += 1;
        total += 1;
    }
    (total, by_name)
}

/// What one contended scenario cost: commands run, and when the last
/// waiter was served.
#[derive(Debug, Clone, Copy)]
struct Cost {
    commands: u64,
    done_at: Duration,
}

impl std::fmt::Display for Cost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} commands, last served at {:?}",
            self.commands, self.done_at
        )
    }
}

/// A seeded policy with the defaults' shape (10 ms doubling to 1 s), so
/// that the polling runs replay exactly.
fn measured_options() -> LockOptions {
    LockOptions::new()
        .ttl(Duration::from_secs(10))
        .retry(RetryPolicy::default().seed(7))
        .acquire_timeout(Duration::from_secs(60))
}

/// The waiters' side of every scenario: each holds for 100 ms.
async fn work_then_release(g: redsim_lock::Guard) {
    sleep(Duration::from_millis(100)).await;
    g.release().await.unwrap();
}

/// One holder for 2 s, four waiters, each holding 100 ms once served.
async fn contended(kind: &str, wake: bool) -> Cost {
    let server = server_on(TokioClock::new());
    let wakeups = wake.then(|| polled(&server));
    let conn = server.connection();
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    macro_rules! with_wake {
        ($lock:expr) => {{
            let lock = $lock;
            match &wakeups {
                Some(w) => lock.wake_on(w),
                None => lock,
            }
        }};
    }
    match kind {
        "single" => {
            let lock = with_wake!(Lock::with_options(conn, "m", measured_options()));
            let holder = lock.acquire().await.unwrap();
            reset_stats(&server);
            for _ in 0..4 {
                let lock = lock.clone();
                tasks.spawn(async move { work_then_release(lock.acquire().await.unwrap()).await });
            }
            sleep(Duration::from_secs(2)).await;
            holder.release().await.unwrap();
        }
        "reentrant" => {
            let lock = with_wake!(ReentrantLock::with_options(conn, "m", measured_options()));
            let holder = lock.owner().acquire().await.unwrap();
            reset_stats(&server);
            for _ in 0..4 {
                let me = lock.owner();
                tasks.spawn(async move { work_then_release(me.acquire().await.unwrap()).await });
            }
            sleep(Duration::from_secs(2)).await;
            holder.release().await.unwrap();
        }
        "read-write" => {
            // A writer holds; four readers wait and then read together.
            let lock = with_wake!(ReadWriteLock::with_options(conn, "m", measured_options()));
            let holder = lock.owner().write_lock().acquire().await.unwrap();
            reset_stats(&server);
            for _ in 0..4 {
                let me = lock.owner();
                tasks.spawn(async move {
                    work_then_release(me.read_lock().acquire().await.unwrap()).await
                });
            }
            sleep(Duration::from_secs(2)).await;
            holder.release().await.unwrap();
        }
        "semaphore" => {
            // Two permits, both held; four waiters.
            let pool = with_wake!(ExpirableSemaphore::with_options(
                conn,
                "m",
                measured_options()
            ));
            pool.set_permits(2).await.unwrap();
            let a = pool.acquire().await.unwrap();
            let b = pool.acquire().await.unwrap();
            reset_stats(&server);
            for _ in 0..4 {
                let pool = pool.clone();
                tasks.spawn(async move { work_then_release(pool.acquire().await.unwrap()).await });
            }
            sleep(Duration::from_secs(2)).await;
            a.release().await.unwrap();
            b.release().await.unwrap();
        }
        "fair" => {
            let lock = with_wake!(FairLock::with_options(conn, "m", measured_options()));
            let holder = lock.owner().acquire().await.unwrap();
            reset_stats(&server);
            for _ in 0..4 {
                let me = lock.owner();
                tasks.spawn(async move { work_then_release(me.acquire().await.unwrap()).await });
            }
            sleep(Duration::from_secs(2)).await;
            holder.release().await.unwrap();
        }
        other => unreachable!("{other}"),
    }
    tasks.join_all().await;
    let done_at = start.elapsed();
    // Let the last unsubscriptions go out before counting.
    sleep(Duration::from_millis(10)).await;
    let (commands, by_name) = commands_run(&server);
    eprintln!(
        "{kind} {}: {by_name:?}",
        if wake { "pub/sub" } else { "polling" }
    );
    Cost { commands, done_at }
}

/// The measurement docs/locks.md reports (`cargo test --test lock_redisson
/// round_trips -- --nocapture` prints the table): per kind, commands the
/// server ran while four waiters waited for a holder of 2 s and then
/// took turns of 100 ms (releases, subscriptions and the holder's release
/// included), polling with the default-shaped retry policy vs waiting by
/// pub/sub.
#[tokio::test(start_paused = true)]
async fn waiting_by_pubsub_takes_fewer_round_trips_than_polling() {
    let mut table = String::from("| kind | polling | pub/sub |\n|---|---|---|\n");
    for kind in ["single", "reentrant", "read-write", "semaphore", "fair"] {
        let polling = contended(kind, false).await;
        let pubsub = contended(kind, true).await;
        table += &format!("| {kind} | {polling} | {pubsub} |\n");
        assert!(
            pubsub.commands < polling.commands,
            "{kind}: pub/sub {pubsub:?} vs polling {polling:?}"
        );
        // Woken at the release, not at the next poll.
        assert!(pubsub.done_at <= polling.done_at, "{kind}");
    }
    eprintln!("{table}");
}

// ---------------------------------------------------------------------
// Wake-ups missed, and holders that die
// ---------------------------------------------------------------------

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A reentrant lock's waiter, and when it got the lock.
fn spawn_waiter<C>(lock: &ReentrantLock<C>) -> tokio::task::JoinHandle<Duration>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    let me = lock.owner();
    let start = Instant::now();
    tokio::spawn(async move {
        let g = me.acquire().await.unwrap();
        let at = start.elapsed();
        g.release().await.unwrap();
        at
    })
}

/// The release's message is lost (the subscriber hears nothing): the
/// waiter still wakes, at the PTTL it was told — and without the loss it
/// wakes at the release.
#[tokio::test(start_paused = true)]
async fn a_lost_release_message_is_recovered_by_the_pttl_timer() {
    for deaf in [false, true] {
        let server = server_on(TokioClock::new());
        let lost = Arc::new(AtomicUsize::new(0));
        let wakeups = lossy(&server, Arc::new(AtomicBool::new(deaf)), Arc::clone(&lost));
        let options = LockOptions::new()
            .ttl(secs(5))
            .retry(RetryPolicy::default().seed(1));
        let lock =
            ReentrantLock::with_options(server.connection(), "job", options).wake_on(&wakeups);
        lock.owner()
            .acquire()
            .await
            .unwrap()
            .release()
            .await
            .unwrap(); // loads the scripts
        let holder = lock.owner().acquire().await.unwrap();
        reset_stats(&server);
        let waiter = spawn_waiter(&lock);
        sleep(secs(1)).await;
        holder.release().await.unwrap();
        let at = waiter.await.unwrap();
        if deaf {
            assert_eq!(
                lost.load(Ordering::SeqCst),
                1,
                "the release's message was lost"
            );
            // The PTTL seen by the retry made once subscribed, + 1 ms.
            assert!(at >= ms(5000) && at <= ms(5002), "{at:?}");
        } else {
            assert!(at >= ms(1000) && at <= ms(1002), "{at:?}");
        }
        // Neither polled meanwhile: a try, the subscription, a try, the
        // one that took it (and the holder's release, the waiter's).
        let (_, by_name) = commands_run(&server);
        assert_eq!(by_name.get("EVALSHA"), Some(&5), "{by_name:?}");
    }
}

/// A release between a waiter's failed attempt and its subscription
/// publishes to nobody: the attempt the waiter makes once subscribed
/// finds the lock free, instead of sleeping to the PTTL.
#[tokio::test(start_paused = true)]
async fn a_release_before_the_subscription_is_not_missed() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(5));
    let lock = ReentrantLock::with_options(server.connection(), "job", options).wake_on(&wakeups);
    let holder = lock.owner().acquire().await.unwrap();
    let slow = server.fault(Rule::command("SUBSCRIBE").times(1).delay(ms(500)));
    let waiter = spawn_waiter(&lock);
    sleep(ms(100)).await;
    holder.release().await.unwrap(); // nobody subscribed yet: nobody hears it
    let at = waiter.await.unwrap();
    assert_eq!(slow.hits(), 1);
    assert!(at >= ms(500) && at <= ms(502), "{at:?}");
}

/// A holder that dies publishes nothing; its key expires and the waiter
/// wakes then, by its PTTL timer.
#[tokio::test(start_paused = true)]
async fn a_dead_holders_expiry_wakes_a_waiter_without_any_message() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(3));
    let lock = ReentrantLock::with_options(server.connection(), "job", options).wake_on(&wakeups);
    let dead = lock.owner().acquire().await.unwrap();
    std::mem::forget(dead); // no release, no renewal: the process died
    let waiter = spawn_waiter(&lock);
    let at = waiter.await.unwrap();
    assert!(at >= ms(3000) && at <= ms(3002), "{at:?}");
}

/// A waiter cancelled after a release woke it passes the wake-up on to
/// another waiter of the process, which would otherwise sleep to the PTTL.
#[tokio::test(start_paused = true)]
async fn a_wake_up_taken_by_a_cancelled_waiter_is_passed_on() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(30));
    let lock = ReentrantLock::with_options(server.connection(), "job", options.clone());
    lock.owner()
        .acquire()
        .await
        .unwrap()
        .release()
        .await
        .unwrap(); // loads the scripts
    let holder = lock.owner().acquire().await.unwrap();
    let start = Instant::now();
    // Two waiters on connections of their own; the attempt a wake-up
    // sends is held at the server, whichever waiter is woken.
    let mut waiters = Vec::new();
    let mut gates = Vec::new();
    let mut rules = Vec::new();
    for name in ["w0", "w1"] {
        let mut conn = server.connection();
        query::<()>(&mut conn, redis::cmd("CLIENT").arg("SETNAME").arg(name)).await;
        let me = ReentrantLock::with_options(conn, "job", options.clone())
            .wake_on(&wakeups)
            .owner();
        waiters.push(tokio::spawn(async move {
            let g = me.acquire().await.unwrap();
            let at = start.elapsed();
            g.release().await.unwrap();
            at
        }));
        sleep(ms(10)).await; // both asleep, subscribed
        let gate = redsim::Release::new();
        rules.push(Some(
            server.fault(
                Rule::command("EVALSHA")
                    .client(name)
                    .times(1)
                    .hang_until(&gate),
            ),
        ));
        gates.push(gate);
    }
    holder.release().await.unwrap(); // one wake-up for this process
    let woken = loop {
        let held: Vec<usize> = rules
            .iter()
            .map(|r| r.as_ref().map_or(0, |r| r.held()))
            .collect();
        if let Some(i) = held.iter().position(|&n| n == 1) {
            break i;
        }
        sleep(ms(1)).await;
    };
    let other = 1 - woken;
    rules[other] = None;
    waiters[woken].abort(); // cancelled with its wake-up in hand
    let at = (&mut waiters[other]).await.unwrap();
    assert!(at < ms(100), "the wake-up was not passed on: {at:?}");
    gates[woken].release();
}

/// A reader that dies expires on its own while another reader renews:
/// the writer waits for the living reader's release, then only until the
/// dead one's deadline — not until the readers' last renewal.
#[tokio::test(start_paused = true)]
async fn a_dead_readers_hold_expires_on_its_own_while_another_reader_renews() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let plain = LockOptions::new().ttl(secs(2));
    let renewing = plain.clone().auto_renew();
    let dead_side = ReadWriteLock::with_options(server.connection(), "doc", plain.clone());
    let live_side =
        ReadWriteLock::with_options(server.connection(), "doc", renewing).wake_on(&wakeups);
    let start = Instant::now();
    let dead = dead_side.owner();
    std::mem::forget(dead.read_lock().acquire().await.unwrap());
    sleep(ms(500)).await;
    let live = live_side.owner().read_lock().acquire().await.unwrap();
    let writer = tokio::spawn({
        let w = ReadWriteLock::with_options(
            server.connection(),
            "doc",
            plain.acquire_timeout(secs(30)),
        )
        .wake_on(&wakeups)
        .owner();
        async move { w.write_lock().acquire().await.map(|g| (start.elapsed(), g)) }
    });
    // The live reader renews past its TTL; the dead one is forgotten at 2 s.
    sleep(ms(1600)).await; // 2.1 s
    assert_eq!(dead.holds().await.unwrap(), (0, 0));
    assert!(live.is_valid());
    sleep(secs(3)).await; // 5.1 s: the writer still waits for the live one
    assert!(!writer.is_finished());
    live.release().await.unwrap();
    let (at, w) = writer.await.unwrap().unwrap();
    assert!(at >= ms(5100) && at <= ms(5102), "{at:?}");
    w.release().await.unwrap();
}

/// With only a dead reader left, the writer wakes at its deadline.
#[tokio::test(start_paused = true)]
async fn a_writer_waiting_for_a_dead_reader_gets_in_at_its_deadline() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(2)).acquire_timeout(secs(30));
    let lock = ReadWriteLock::with_options(server.connection(), "doc", options).wake_on(&wakeups);
    let start = Instant::now();
    std::mem::forget(lock.owner().read_lock().acquire().await.unwrap());
    let other = lock.owner().read_lock().acquire().await.unwrap();
    let writer = lock.owner();
    let w = tokio::spawn(async move {
        writer
            .write_lock()
            .acquire()
            .await
            .map(|g| (start.elapsed(), g))
    });
    sleep(ms(500)).await;
    other.release().await.unwrap(); // publishes: the writer retries, finds the dead reader
    let (at, g) = w.await.unwrap().unwrap();
    assert!(at >= ms(2000) && at <= ms(2002), "{at:?}");
    g.release().await.unwrap();
}

/// A dead writer's write hold expires at its deadline and the waiting
/// readers all get in then — even though its own read hold, taken later,
/// lives on a while.
#[tokio::test(start_paused = true)]
async fn readers_waiting_for_a_dead_writer_get_in_at_its_deadline() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(2)).acquire_timeout(secs(30));
    let lock = ReadWriteLock::with_options(server.connection(), "doc", options).wake_on(&wakeups);
    let start = Instant::now();
    let dead = lock.owner();
    std::mem::forget(dead.write_lock().acquire().await.unwrap());
    sleep(ms(500)).await;
    std::mem::forget(dead.read_lock().acquire().await.unwrap());
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let r = lock.owner();
            tokio::spawn(async move { r.read_lock().acquire().await.map(|g| (start.elapsed(), g)) })
        })
        .collect();
    let mut guards = Vec::new();
    for r in readers {
        let (at, g) = r.await.unwrap().unwrap();
        assert!(at >= ms(2000) && at <= ms(2002), "{at:?}");
        guards.push(g);
    }
    assert_eq!(dead.holds().await.unwrap(), (1, 0));
    for g in guards {
        g.release().await.unwrap();
    }
}

/// Watchdogs renew readers and writers past their TTL, and a guard whose
/// state was taken away hears of it at its next renewal.
#[tokio::test(start_paused = true)]
async fn watchdogs_renew_readers_and_writers_and_signal_their_loss() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(3)).auto_renew();
    let lock = ReadWriteLock::with_options(server.connection(), "doc", options);
    let (a, b) = (lock.owner(), lock.owner());
    let w = a.write_lock().acquire().await.unwrap();
    sleep(secs(10)).await;
    assert!(w.is_valid());
    assert!(
        b.read_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    let r = a.read_lock().acquire().await.unwrap();
    w.release().await.unwrap(); // downgrade
    sleep(secs(10)).await;
    assert!(r.is_valid());
    assert!(
        b.write_lock()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    // The state is wiped (an operator's DEL, a restart): lost at the next
    // renewal, not at the deadline.
    let lost = tokio::spawn(r.lost());
    let start = Instant::now();
    let mut admin = server.connection();
    query::<i64>(
        &mut admin,
        redis::cmd("DEL").arg("doc").arg("{doc}:readers"),
    )
    .await;
    assert_eq!(lost.await.unwrap(), LostReason::NotOwner);
    assert!(start.elapsed() <= secs(1), "{:?}", start.elapsed());
    assert!(r.release().await.unwrap_err().is_lost());
    // Without renewal, both sides are lost at ttl − drift.
    let options = LockOptions::new().ttl(secs(3));
    for write in [false, true] {
        let plain = ReadWriteLock::with_options(
            server.connection(),
            format!("plain:{write}"),
            options.clone(),
        );
        let me = plain.owner();
        let start = Instant::now();
        let g = if write {
            me.write_lock().acquire().await.unwrap()
        } else {
            me.read_lock().acquire().await.unwrap()
        };
        assert_eq!(g.lost().await, LostReason::Expired);
        assert_eq!(start.elapsed(), secs(3) - options.drift());
        drop(g);
    }
}

/// A writer's claim holds new readers back until it is served, so a
/// stream of readers cannot starve it; a writer that gives up withdraws
/// its claim at once.
#[tokio::test(start_paused = true)]
async fn a_waiting_writer_goes_before_readers_that_came_after_it() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(10)).acquire_timeout(secs(60));
    let lock =
        ReadWriteLock::with_options(server.connection(), "doc", options.clone()).wake_on(&wakeups);
    let start = Instant::now();
    let first = lock.owner().read_lock().acquire().await.unwrap();
    let writer = lock.owner();
    let w = tokio::spawn(async move {
        writer
            .write_lock()
            .acquire()
            .await
            .map(|g| (start.elapsed(), g))
    });
    sleep(ms(100)).await;
    let late = lock.owner();
    let r = tokio::spawn(async move {
        late.read_lock()
            .acquire()
            .await
            .map(|g| (start.elapsed(), g))
    });
    sleep(ms(900)).await;
    assert!(
        !r.is_finished(),
        "a reader that came after the writer went first"
    );
    first.release().await.unwrap(); // 1 s
    let (w_at, wg) = w.await.unwrap().unwrap();
    assert!(w_at >= secs(1) && w_at <= ms(1002), "{w_at:?}");
    sleep(secs(1)).await;
    assert!(!r.is_finished());
    wg.release().await.unwrap(); // 2 s
    let (r_at, rg) = r.await.unwrap().unwrap();
    assert!(r_at >= secs(2) && r_at <= ms(2002), "{r_at:?}");
    rg.release().await.unwrap();

    // A writer that gives up takes its claim with it: readers go at once.
    let holder = lock.owner().read_lock().acquire().await.unwrap();
    let quitter =
        ReadWriteLock::with_options(server.connection(), "doc", options.acquire_timeout(secs(1)))
            .owner();
    assert!(
        quitter
            .write_lock()
            .acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    lock.owner()
        .read_lock()
        .try_acquire()
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
    holder.release().await.unwrap();
}

/// A permit whose holder died expires at its lease's end, and a waiter
/// gets it then; a holder cut off from the server loses its permit (its
/// lost signal fires) rather than keeping it through failed renewals.
#[tokio::test(start_paused = true)]
async fn a_dead_holders_permit_expires_and_goes_to_a_waiter() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(3)).acquire_timeout(secs(30));
    let pool = ExpirableSemaphore::with_options(server.connection(), "slots", options.clone())
        .wake_on(&wakeups);
    pool.set_permits(2).await.unwrap();
    // A living holder renews its lease throughout (the leases' key lives).
    let renewing = ExpirableSemaphore::with_options(
        server.connection(),
        "slots",
        options.clone().auto_renew(),
    );
    let live = renewing.acquire().await.unwrap();
    let start = Instant::now();
    std::mem::forget(pool.acquire().await.unwrap());
    let waiter = tokio::spawn({
        let pool = pool.clone();
        async move { pool.acquire().await.map(|g| (start.elapsed(), g)) }
    });
    sleep(ms(2900)).await;
    assert_eq!(pool.available_permits().await.unwrap(), 0);
    let (at, g) = waiter.await.unwrap().unwrap();
    assert!(at >= ms(3000) && at <= ms(3002), "{at:?}");
    g.release().await.unwrap();
    assert_eq!(pool.available_permits().await.unwrap(), 1);
    assert!(live.is_valid());
    live.release().await.unwrap();
    pool.set_permits(1).await.unwrap();

    // Renewing, then partitioned away: the lease runs out on the server
    // and the holder's guard says so.
    let mut cut = server.connection();
    query::<()>(&mut cut, redis::cmd("CLIENT").arg("SETNAME").arg("cut")).await;
    let isolated =
        ExpirableSemaphore::with_options(cut, "slots", options.auto_renew().op_timeout(ms(200)));
    let g = isolated.acquire().await.unwrap();
    let start = Instant::now();
    sleep(secs(5)).await;
    assert!(g.is_valid(), "renewed");
    server.partition("cut");
    assert_eq!(g.lost().await, LostReason::Expired);
    assert!(start.elapsed() < secs(9));
    let next = pool.acquire().await.unwrap();
    assert!(start.elapsed() <= secs(9), "{:?}", start.elapsed());
    next.release().await.unwrap();
    server.heal("cut");
}

/// A fair-lock waiter that dies (cut off from the server) is skipped once
/// its deadline passes; until then the queue waits for it.
#[tokio::test(start_paused = true)]
async fn a_dead_fair_lock_waiter_is_skipped_after_its_timeout() {
    let server = server_on(TokioClock::new());
    let wakeups = polled(&server);
    let options = LockOptions::new().ttl(secs(30)).acquire_timeout(secs(60));
    let lock = FairLock::with_options(server.connection(), "line", options.clone())
        .waiter_timeout(secs(3))
        .wake_on(&wakeups);
    let start = Instant::now();
    let holder = lock.owner().acquire().await.unwrap();
    // The first waiter's process will die.
    let mut doomed_conn = server.connection();
    query::<()>(
        &mut doomed_conn,
        redis::cmd("CLIENT").arg("SETNAME").arg("doomed"),
    )
    .await;
    let doomed = FairLock::with_options(doomed_conn, "line", options)
        .waiter_timeout(secs(3))
        .owner();
    let doomed_token = doomed.token().to_string();
    let doomed_task = tokio::spawn(async move { doomed.acquire().await.map(|_| ()) });
    sleep(ms(10)).await;
    let second = lock.owner();
    let second_token = second.token().to_string();
    let next = tokio::spawn(async move { second.acquire().await.map(|g| (start.elapsed(), g)) });
    sleep(ms(10)).await;
    assert_eq!(
        lock.queue().await.unwrap(),
        [doomed_token.clone(), second_token.clone()]
    );
    server.partition("doomed"); // 20 ms: its last attempt was at 0 ms
    sleep(ms(980)).await;
    holder.release().await.unwrap(); // 1 s: wakes the dead waiter, first in line
    sleep(secs(1)).await;
    assert_eq!(lock.queue().await.unwrap(), [doomed_token, second_token]);
    assert!(
        !next.is_finished(),
        "the queue waits for a waiter until its deadline"
    );
    let (at, g) = next.await.unwrap().unwrap();
    // Its deadline is 3 s; the second waiter's next heartbeat (every
    // second) finds it passed.
    assert!(at >= secs(3) && at <= ms(4100), "{at:?}");
    assert!(lock.queue().await.unwrap().is_empty());
    g.release().await.unwrap();
    doomed_task.abort();
    server.heal("doomed");
}

// ---------------------------------------------------------------------
// Lost replies on release
// ---------------------------------------------------------------------

fn journaled() -> Server {
    Server::builder().journal(256).start().unwrap()
}

/// A reconnecting client: the dropped reply closes the connection, and
/// the retry goes out on a new one.
async fn manager(server: &Server) -> ConnectionManager {
    server.client().get_connection_manager().await.unwrap()
}

/// The one reply dropped on `server` was a script's that ran.
fn assert_one_real_dropped_reply(server: &Server) {
    let journal = server.journal();
    let dropped: Vec<_> = journal
        .iter()
        .filter(|e| e.fault == Some(Injected::DropAfter))
        .collect();
    assert_eq!(dropped.len(), 1, "{journal}");
    let reply = dropped[0].reply_text().unwrap_or_default();
    assert!(!reply.contains("NOSCRIPT"), "the dropped reply was {reply}");
}

fn quick() -> LockOptions {
    LockOptions::new().retry(RetryPolicy::backoff(ms(1), ms(10)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_gives_back_one_read_or_write_hold_not_two() {
    for write in [false, true] {
        let server = journaled();
        let lock = ReadWriteLock::with_options(manager(&server).await, "rw", quick());
        let me = lock.owner();
        let side = |me: &redsim_lock::ReadWriteOwner<_>| {
            let me = me.clone();
            async move {
                if write {
                    me.write_lock().acquire().await
                } else {
                    me.read_lock().acquire().await
                }
            }
        };
        side(&me).await.unwrap().release().await.unwrap(); // loads the scripts
        let outer = side(&me).await.unwrap();
        let inner = side(&me).await.unwrap();
        let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
        inner.release().await.unwrap();
        assert_eq!(lost.hits(), 1);
        assert_one_real_dropped_reply(&server);
        let expected = if write { (0, 1) } else { (1, 0) };
        assert_eq!(me.holds().await.unwrap(), expected, "write: {write}");
        assert!(
            lock.owner()
                .write_lock()
                .try_acquire()
                .await
                .unwrap_err()
                .is_contention()
        );
        outer.release().await.unwrap();
        assert_eq!(me.holds().await.unwrap(), (0, 0));
        lock.owner()
            .write_lock()
            .try_acquire()
            .await
            .unwrap()
            .release()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_frees_one_permit_not_two() {
    let server = journaled();
    let pool = ExpirableSemaphore::with_options(manager(&server).await, "sem", quick());
    pool.set_permits(3).await.unwrap();
    pool.acquire().await.unwrap().release().await.unwrap();
    let mine = pool.acquire().await.unwrap();
    let others = pool.acquire().await.unwrap();
    assert_eq!(pool.available_permits().await.unwrap(), 1);
    let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
    mine.release().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_one_real_dropped_reply(&server);
    assert_eq!(
        pool.available_permits().await.unwrap(),
        2,
        "one permit freed, not two"
    );
    assert!(others.is_valid());
    others.release().await.unwrap();
    assert_eq!(pool.available_permits().await.unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_gives_back_one_fair_hold_not_two() {
    let server = journaled();
    let lock = FairLock::with_options(manager(&server).await, "fair", quick());
    let me = lock.owner();
    me.acquire().await.unwrap().release().await.unwrap();
    let outer = me.acquire().await.unwrap();
    let inner = me.acquire().await.unwrap();
    let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
    inner.release().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_one_real_dropped_reply(&server);
    assert_eq!(me.holds().await.unwrap(), 1);
    assert!(
        lock.owner()
            .try_acquire()
            .await
            .unwrap_err()
            .is_contention()
    );
    outer.release().await.unwrap();
    assert_eq!(me.holds().await.unwrap(), 0);
}

// ---------------------------------------------------------------------
// The pub/sub connection lost
// ---------------------------------------------------------------------

/// The pub/sub connection is killed while a waiter sleeps and the holder
/// releases meanwhile: the connection is reopened, the channel subscribed
/// again, and the waiter woken to try — long before the 30 s PTTL.
async fn a_lost_pubsub_connection_is_reopened<B: Backend>(b: &B) {
    let wakeups = b.wakeups().await;
    let mut admin = b.conn().await;
    let lock = ReentrantLock::with_options(b.conn().await, "reconnect", LockOptions::new())
        .wake_on(&wakeups);
    let holder = lock.owner().acquire().await.unwrap();
    let waiter = spawn_waiter(&lock);
    eventually("subscribed", || {
        let mut admin = admin.clone();
        async move {
            let n: Vec<(String, i64)> = query(
                &mut admin,
                redis::cmd("PUBSUB")
                    .arg("NUMSUB")
                    .arg("{reconnect}:released"),
            )
            .await;
            n[0].1 == 1
        }
    })
    .await;
    // The subscriber, by CLIENT LIST's `sub=` (redsim's CLIENT KILL TYPE
    // pubsub does not tell subscribers apart yet).
    let list: String = query(&mut admin, redis::cmd("CLIENT").arg("LIST")).await;
    let subscriber: Vec<&str> = list
        .lines()
        .filter(|l| l.contains(" sub=1 "))
        .filter_map(|l| l.strip_prefix("id=")?.split(' ').next())
        .collect();
    assert_eq!(subscriber.len(), 1, "{list}");
    let killed: i64 = query(
        &mut admin,
        redis::cmd("CLIENT")
            .arg("KILL")
            .arg("ID")
            .arg(subscriber[0]),
    )
    .await;
    assert_eq!(killed, 1);
    holder.release().await.unwrap(); // published to nobody, or to the old connection
    let at = tokio::time::timeout(secs(10), waiter)
        .await
        .expect("woken")
        .unwrap();
    assert!(at < secs(10), "{at:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_pubsub_connection_is_reopened_on_redsim() {
    a_lost_pubsub_connection_is_reopened(&redsim_tcp()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn a_lost_pubsub_connection_is_reopened_on_real_redis() {
    let Some(b) = real() else { return };
    a_lost_pubsub_connection_is_reopened(&b).await;
}
