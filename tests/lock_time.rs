//! Lock scenarios that are about time, on redsim servers that follow
//! Tokio's paused clock: the test moves the lock's deadlines and the
//! servers' TTLs together with `tokio::time::advance`, and skews, drifts
//! or jumps individual servers' clocks.

use std::time::Duration;

use redis::AsyncCommands;
use redsim::{Server, SkewedClock, TokioClock};
use redsim_lock::fencing::FencedStore;
use redsim_lock::{Lock, LockError, LockOptions, LostReason, Redlock, RetryPolicy, SkewAction};
use support::{server_on, value};
use tokio::time::{Instant, advance};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[tokio::test(start_paused = true)]
async fn a_holder_paused_past_expiry_cannot_harm_the_next_one() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(10)).fencing(true);
    let lock = Lock::with_options(server.connection(), "report", options);
    let store = FencedStore::new(server.connection(), "report:data");

    let a = lock.acquire().await.unwrap();
    let a_lost = tokio::spawn(a.lost());
    // A "stops the world" for 15 s: a GC pause, a swapped-out VM.
    advance(secs(15)).await;
    let b = lock.acquire().await.unwrap();
    assert!(b.fencing_token() > a.fencing_token());
    assert!(store.write(b.fencing_token().unwrap(), "b").await.unwrap());

    // A wakes up. Its lost signal fired by its own deadline…
    assert_eq!(a_lost.await.unwrap(), LostReason::Expired);
    assert!(!a.is_valid());
    // …its extend is refused, its late write is refused by the resource,
    // and its release reports the loss without touching B's key.
    assert!(matches!(
        a.extend().await.unwrap_err(),
        LockError::Lost { .. }
    ));
    assert!(!store.write(a.fencing_token().unwrap(), "a").await.unwrap());
    assert!(a.release().await.unwrap_err().is_lost());
    assert_eq!(value(&server, "report").await.as_deref(), Some(b.token()));
    assert_eq!(store.read().await.unwrap().unwrap().1, b"b");
    b.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn without_renewal_the_lost_signal_fires_at_ttl_minus_drift_before_the_key_expires() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(10));
    let drift = options.drift();
    let lock = Lock::with_options(server.connection(), "job", options);
    let start = Instant::now();
    let guard = lock.acquire().await.unwrap();
    assert_eq!(guard.lost().await, LostReason::Expired);
    assert_eq!(start.elapsed(), secs(10) - drift);
    // The server still has the key: the local deadline is the earlier one.
    assert_eq!(value(&server, "job").await.as_deref(), Some(guard.token()));
}

#[tokio::test(start_paused = true)]
async fn auto_renew_keeps_the_lock_through_long_work_and_stops_on_release() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(3)).auto_renew();
    let lock = Lock::with_options(server.connection(), "batch", options);
    let guard = lock.acquire().await.unwrap();
    // A minute of work with a 3 s TTL, renewed every second.
    let done = guard
        .run(async {
            tokio::time::sleep(secs(60)).await;
            "done"
        })
        .await
        .unwrap();
    assert_eq!(done, "done");
    assert!(guard.is_valid());
    let pttl: i64 = server.connection().pttl("batch").await.unwrap();
    assert!(pttl > 1_000, "renewed recently: {pttl}");
    guard.release().await.unwrap();
    advance(secs(10)).await;
    assert_eq!(value(&server, "batch").await, None);
}

#[tokio::test(start_paused = true)]
async fn an_extend_answered_not_owner_fires_lost_and_cancels_the_work() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(30)).auto_renew();
    let lock = Lock::with_options(server.connection(), "ledger", options);
    let guard = lock.acquire().await.unwrap();
    // An operator deletes the key (or it was lost some other way).
    server.db(0).del("ledger").unwrap();
    let started = Instant::now();
    let err = guard.run(tokio::time::sleep(secs(3600))).await.unwrap_err();
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
    // At the first renewal, a third of the TTL in.
    assert_eq!(started.elapsed(), secs(10));
}

#[tokio::test(start_paused = true)]
async fn a_server_clock_drifting_beyond_the_factor_lets_a_second_holder_in() {
    // The server runs 1.5x fast: the key dies after 6.7 s of client time
    // while the client believes in 9.9 s of validity.
    let base = TokioClock::new();
    let server = server_on(SkewedClock::new(&base).drifting(1.5));
    let options = LockOptions::new().ttl(secs(10));
    let a = Lock::with_options(server.connection(), "drift", options.clone())
        .acquire()
        .await
        .unwrap();
    advance(secs(7)).await;
    let b = Lock::with_options(server.connection(), "drift", options)
        .try_acquire()
        .await
        .unwrap();
    assert!(a.is_valid() && b.is_valid(), "two holders at once");
}

#[tokio::test(start_paused = true)]
async fn a_server_clock_drifting_within_the_factor_never_lets_a_second_holder_in() {
    // 0.5 % fast, within the default 1 % drift allowance: the key (9.950 s
    // of our time) outlives the holder's validity (10 s − 102 ms = 9.898
    // s). The margin is 52 ms, so the end of the validity is probed every
    // millisecond, and at its very last microsecond: a validity that
    // allowed for less drift would overlap the key's expiry there.
    let base = TokioClock::new();
    let server = server_on(SkewedClock::new(&base).drifting(1.005));
    let options = LockOptions::new().ttl(secs(10));
    let lock = Lock::with_options(server.connection(), "drift", options);
    let a = lock.acquire().await.unwrap();
    let mut near_the_end = 0;
    while a.is_valid() {
        assert!(
            lock.try_acquire().await.unwrap_err().is_contention(),
            "a second holder {:?} before the first one's deadline",
            a.remaining()
        );
        let remaining = a.remaining();
        let step = if remaining > Duration::from_millis(200) {
            Duration::from_millis(100)
        } else {
            near_the_end += 1;
            if remaining > Duration::from_millis(1) {
                Duration::from_millis(1)
            } else if remaining > Duration::from_micros(1) {
                // To the last microsecond of the validity.
                remaining - Duration::from_micros(1)
            } else {
                remaining
            }
        };
        advance(step).await;
    }
    assert!(near_the_end > 190, "{near_the_end}");
    // The key outlived the validity, by the margin the factor leaves.
    let pttl: i64 = server.connection().pttl("drift").await.unwrap();
    assert!((1..=60).contains(&pttl), "{pttl}");
}

#[tokio::test(start_paused = true)]
async fn a_clock_jump_on_one_of_five_redlock_nodes_breaks_mutual_exclusion_and_fencing_catches_it()
{
    let base = TokioClock::new();
    let clocks: Vec<SkewedClock> = (0..5).map(|_| SkewedClock::new(&base)).collect();
    let servers: Vec<Server> = clocks.iter().map(server_on).collect();
    let nodes: Vec<_> = servers.iter().map(Server::connection).collect();
    let options = LockOptions::new()
        .ttl(secs(30))
        .op_timeout(Duration::from_millis(50))
        .fencing(true)
        .retry(RetryPolicy::never());
    let redlock = Redlock::with_options(nodes.clone(), "payment", options.clone());
    let store = FencedStore::new(servers[0].connection(), "payment:ledger");

    // Nodes 3 and 4 are busy with someone else when A acquires: A holds
    // the lock on nodes 0, 1 and 2 — a bare majority.
    let blockers = [
        Lock::new(nodes[3].clone(), "payment")
            .acquire()
            .await
            .unwrap(),
        Lock::new(nodes[4].clone(), "payment")
            .acquire()
            .await
            .unwrap(),
    ];
    let a = redlock.acquire().await.unwrap();
    for b in blockers {
        b.release().await.unwrap();
    }
    // Node 2's clock jumps 31 s forward (an NTP step): A's key there dies.
    clocks[2].jump_forward(secs(31));
    // B now finds nodes 2, 3 and 4 free: a majority of its own.
    let b = redlock.try_acquire().await.unwrap();
    assert!(a.is_valid() && b.is_valid(), "Redlock's safety is gone");
    // The fencing token is what keeps the resource consistent.
    assert!(b.fencing_token() > a.fencing_token());
    assert!(store.write(b.fencing_token().unwrap(), "b").await.unwrap());
    assert!(!store.write(a.fencing_token().unwrap(), "a").await.unwrap());
}

#[tokio::test(start_paused = true)]
async fn contenders_with_jitter_each_win_within_bounded_rounds() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new()
        .ttl(secs(5))
        .retry(RetryPolicy::backoff(Duration::from_millis(5), Duration::from_millis(200)).seed(3))
        .acquire_timeout(secs(60));
    let holders = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let lock = Lock::with_options(server.connection(), "hot", options.clone());
        let holders = std::sync::Arc::clone(&holders);
        tasks.push(tokio::spawn(async move {
            let start = Instant::now();
            let g = lock.acquire().await.unwrap();
            assert_eq!(holders.fetch_add(1, std::sync::atomic::Ordering::SeqCst), 0);
            tokio::time::sleep(Duration::from_millis(100 + i)).await;
            holders.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            g.release().await.unwrap();
            start.elapsed()
        }));
    }
    let mut waited = Vec::new();
    for t in tasks {
        waited.push(t.await.unwrap());
    }
    // Ten holders of ~0.1 s each: everyone is served well within the
    // acquire timeout (the backoff cap keeps the tail short).
    let longest = waited.iter().max().unwrap();
    assert!(*longest < secs(5), "{waited:?}");
}

#[tokio::test(start_paused = true)]
async fn the_skew_guard_refuses_or_shrinks_when_the_server_clock_is_off() {
    let ahead = SkewedClock::new(redsim::Clock::system()).ahead(secs(5));
    let server = server_on(&ahead);
    let refuse = LockOptions::new()
        .ttl(secs(30))
        .skew_guard(secs(1), SkewAction::Refuse);
    let err = Lock::with_options(server.connection(), "skewed", refuse)
        .acquire()
        .await
        .unwrap_err();
    assert!(matches!(err, LockError::ClockSkew { .. }), "{err}");
    // Refused and released: nothing is left behind.
    tokio::task::yield_now().await;
    assert_eq!(value(&server, "skewed").await, None);

    let shrink = LockOptions::new()
        .ttl(secs(30))
        .skew_guard(secs(1), SkewAction::Shrink);
    let g = Lock::with_options(server.connection(), "skewed", shrink)
        .acquire()
        .await
        .unwrap();
    // Validity loses twice the skew (about 10 s) on top of the drift.
    let remaining = g.remaining();
    assert!(
        remaining > secs(19) && remaining < secs(21),
        "{remaining:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn dropping_a_guard_releases_the_lock_in_the_background() {
    let server = server_on(TokioClock::new());
    let lock = Lock::new(server.connection(), "dropped");
    let g = lock.acquire().await.unwrap();
    drop(g);
    let again = lock.acquire().await.unwrap();
    again.release().await.unwrap();
}
