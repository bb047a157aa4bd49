//! The failure that breaks most Redis locks in production, on redsim: the
//! lock is written to the primary, the primary dies before the write
//! reaches its replica, the replica is promoted, and a second client
//! acquires the same lock. Without confirmation both hold it (shown);
//! with `confirm_replicas` (WAIT) the first acquire fails instead, a lock
//! that was confirmed survives the failover, and a renewal that cannot be
//! confirmed fires the lost signal. The servers run on a manual clock: WAIT
//! times out when the test moves it.

use std::time::Duration;

use redsim::{ManualClock, Server};
use redsim_lock::{Lock, LockError, LockOptions, LostReason};

const T: Duration = Duration::from_secs(10);

fn pair(clock: &ManualClock) -> (Server, Server) {
    let start = || {
        Server::builder()
            .clock(clock)
            .listen(false)
            .start()
            .unwrap()
    };
    let (primary, replica) = (start(), start());
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    (primary, replica)
}

/// Waits (polling) until a client of `server` is blocked (in WAIT).
async fn until_blocked(server: &Server) {
    let end = tokio::time::Instant::now() + T;
    loop {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query_async(&mut server.connection())
            .await
            .unwrap();
        if info.contains("blocked_clients:1") {
            return;
        }
        assert!(tokio::time::Instant::now() < end, "nothing blocked in WAIT");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_confirmation_a_failover_gives_the_lock_to_a_second_holder() {
    let clock = ManualClock::new();
    let (primary, replica) = pair(&clock);
    primary.hold_replication();
    let first = Lock::new(primary.connection(), "job")
        .try_acquire()
        .await
        .unwrap();
    // The primary crashes with the lock unreplicated; the replica is
    // promoted and knows nothing of it.
    primary.power_off();
    replica.promote();
    let second = Lock::new(replica.connection(), "job")
        .try_acquire()
        .await
        .unwrap();
    // Two holders at once: the first still believes it holds the lock.
    assert!(first.is_valid());
    assert!(second.is_valid());
    drop(second);
    drop(first);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_confirmation_an_unreplicated_acquire_fails() {
    let clock = ManualClock::new();
    let (primary, replica) = pair(&clock);
    let options = LockOptions::new().confirm_replicas(1, Duration::from_millis(100));
    let lock = Lock::with_options(primary.connection(), "job", options);
    primary.hold_replication();
    let acquiring = tokio::spawn(async move { lock.try_acquire().await });
    until_blocked(&primary).await;
    clock.advance(Duration::from_millis(101));
    let err = acquiring.await.unwrap().unwrap_err();
    assert!(
        matches!(
            err,
            LockError::NotReplicated {
                acknowledged: 0,
                required: 1,
                ..
            }
        ),
        "{err:?}"
    );
    // The crash and the promotion happen as before: there is one holder.
    primary.power_off();
    replica.promote();
    let second = Lock::new(replica.connection(), "job").try_acquire().await;
    assert!(second.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_lock_survives_the_failover() {
    let clock = ManualClock::new();
    let (primary, replica) = pair(&clock);
    let options = LockOptions::new().confirm_replicas(1, Duration::from_millis(100));
    let first = Lock::with_options(primary.connection(), "job", options)
        .try_acquire()
        .await
        .unwrap();
    primary.power_off();
    replica.promote();
    let second = Lock::new(replica.connection(), "job").try_acquire().await;
    assert!(second.unwrap_err().is_contention());
    assert!(first.is_valid());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_that_cannot_be_confirmed_fires_the_lost_signal() {
    let clock = ManualClock::new();
    let (primary, _replica) = pair(&clock);
    let options = LockOptions::new()
        .confirm_replicas(1, Duration::from_millis(100))
        .renew_every(Duration::from_millis(20))
        .renew_give_up_after(1);
    let guard = Lock::with_options(primary.connection(), "job", options)
        .try_acquire()
        .await
        .unwrap();
    primary.hold_replication();
    let lost = guard.lost();
    tokio::pin!(lost);
    // Each renewal's WAIT ends when the server clock passes its timeout.
    let reason = loop {
        tokio::select! {
            reason = &mut lost => break reason,
            () = tokio::time::sleep(Duration::from_millis(5)) => {
                clock.advance(Duration::from_millis(101));
            }
        }
    };
    assert_eq!(reason, LostReason::RenewalsFailed);
}
