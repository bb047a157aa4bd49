//! A lock that is lost while its holder is stalled, and the fencing token
//! that stops the stale holder's late write: the failure every Redis lock
//! has, reproduced on paused time with no real waiting.
//!
//! ```sh
//! cargo run --example lock
//! ```

use std::time::Duration;

use redsim::{Rule, Server, TokioClock, errors};
use redsim_lock::fencing::FencedStore;
use redsim_lock::{Lock, LockOptions, LostReason};

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Server and clients age together on Tokio's paused clock.
    let server = Server::builder().clock(TokioClock::new()).start()?;
    let options = LockOptions::new()
        .ttl(Duration::from_secs(3))
        .auto_renew() // renew every ttl/3 while the guard lives
        .fencing(true); // a strictly increasing token per acquisition
    let lock = Lock::with_options(server.connection(), "invoice:42", options);
    let store = FencedStore::new(server.connection(), "invoice:42:data");

    let first = lock.acquire().await?;
    let first_token = first.fencing_token().expect("fencing is on");
    println!("holder 1 acquired with token {first_token}");

    // Its renewals start failing (the server answers LOADING to every
    // script): the watchdog keeps trying, and the lock is lost when its
    // validity runs out, not before and not later.
    let outage = server.fault(Rule::command("EVALSHA").error(errors::LOADING));
    let work = first.run(tokio::time::sleep(Duration::from_secs(60))).await;
    println!("holder 1's work was cancelled: {}", work.unwrap_err());
    assert_eq!(first.lost().await, LostReason::Expired);
    drop(outage);

    // Meanwhile the key expired on the server: holder 2 gets the lock.
    let second = lock.acquire().await?;
    let second_token = second.fencing_token().expect("fencing is on");
    println!("holder 2 acquired with token {second_token}");
    assert!(store.write(second_token, "paid by holder 2").await?);

    // Holder 1 wakes up and writes anyway: its token is older, refused.
    let stale = store.write(first_token, "paid by holder 1").await?;
    println!("holder 1's late write accepted? {stale}");
    assert!(!stale);
    second.release().await?;
    Ok(())
}
