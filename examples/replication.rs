//! The failover that breaks most Redis locks: a lock written to a primary
//! that crashes before its replica got the write; the promoted replica
//! gives the same lock to a second client. Then the same with the lock
//! confirmed on the replica by WAIT, and a Sentinel failing over on the
//! test's clock.
//!
//! ```sh
//! cargo run --example replication
//! ```

use std::time::Duration;

use redsim::{ManualClock, Sentinel, Server};
use redsim_lock::{Lock, LockError, LockOptions};

const T: Duration = Duration::from_secs(10);

/// A primary and a replica in process, synchronised.
fn pair(clock: &ManualClock) -> (Server, Server) {
    let start = || Server::builder().clock(clock).start().unwrap();
    let (primary, replica) = (start(), start());
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    (primary, replica)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock = ManualClock::new();

    // 1. Two holders after a failover.
    let (primary, replica) = pair(&clock);
    primary.hold_replication(); // replica lag: the stream waits
    let first = Lock::new(primary.connection(), "job").try_acquire().await?;
    primary.power_off(); // the crash, the lock unreplicated
    replica.promote();
    let second = Lock::new(replica.connection(), "job").try_acquire().await?;
    assert!(first.is_valid() && second.is_valid());
    println!("without confirmation: two clients hold \"job\" at once");

    // 2. Confirmed on the replica: the acquire that could not be
    // replicated fails instead of handing out a lock a failover loses.
    let (primary, _replica) = pair(&clock);
    primary.hold_replication();
    let options = LockOptions::new().confirm_replicas(1, Duration::from_millis(100));
    let confirmed = Lock::with_options(primary.connection(), "job", options.clone());
    let acquiring = tokio::spawn(async move { confirmed.try_acquire().await });
    // WAIT's timeout runs on the server clock: once the WAIT is blocked,
    // move the clock past it.
    loop {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query_async(&mut primary.connection())
            .await?;
        if info.contains("blocked_clients:1") {
            break;
        }
        tokio::task::yield_now().await;
    }
    clock.advance(Duration::from_millis(101));
    let err = acquiring.await?.unwrap_err();
    assert!(matches!(err, LockError::NotReplicated { .. }), "{err:?}");
    println!("with confirm_replicas(1, 100ms) and the replica lagging: {err}");
    primary.release_replication();
    let confirmed = Lock::with_options(primary.connection(), "job", options);
    // (The failed acquire's release runs in the background: wait for it.)
    let guard = confirmed.acquire().await?;
    println!(
        "once it catches up, the acquire is confirmed: {}",
        guard.is_valid()
    );

    // 3. A Sentinel notices the primary is down on its clock and fails over.
    let (primary, replica) = pair(&clock);
    let sentinel = Sentinel::builder()
        .clock(&clock)
        .down_after(Duration::from_secs(5))
        .monitor("mymaster", &primary, &[&replica])
        .start()?;
    primary.power_off();
    clock.advance(Duration::from_secs(6)); // +sdown, +odown, +switch-master
    let (_, port) = sentinel.master_addr("mymaster").expect("a primary");
    assert_eq!(port, replica.addr().port());
    println!("the sentinel promoted the replica on port {port}");
    Ok(())
}
