//! Time under the test's control: a manual clock that expires keys without
//! waiting, servers whose clocks disagree, and Tokio's paused time driving
//! a server and the code under test together.
//!
//! ```sh
//! cargo run --example time
//! ```

use std::time::Duration;

use redis::Commands;
use redsim::{ManualClock, Server, SkewedClock, TokioClock};

fn main() -> redis::RedisResult<()> {
    manual_clock()?;
    clocks_that_disagree()?;
    tokio_paused_time();
    Ok(())
}

/// A session with a 30 s TTL, expired by moving the clock, not by sleeping.
fn manual_clock() -> redis::RedisResult<()> {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start()?;
    let mut con = server.connection();
    let _: () = con.set_ex("session", "abc", 30)?;

    clock.advance(Duration::from_secs(29));
    let ttl: i64 = con.ttl("session")?;
    println!("after 29 s: TTL {ttl}");
    clock.advance(Duration::from_secs(2)); // purged before advance() returns
    let gone: Option<String> = con.get("session")?;
    println!("after 31 s: {gone:?}");
    assert_eq!(gone, None);
    Ok(())
}

/// Three servers over one base clock: on time, 5 s ahead, and running
/// 1.5 times too fast, as Redlock's safety argument must assume they can.
fn clocks_that_disagree() -> redis::RedisResult<()> {
    let base = ManualClock::new();
    let ahead = SkewedClock::new(&base).ahead(Duration::from_secs(5));
    let fast = SkewedClock::new(&base).drifting(1.5);
    let servers = [
        Server::builder().clock(&base).start()?,
        Server::builder().clock(&ahead).start()?,
        Server::builder().clock(&fast).start()?,
    ];
    for s in &servers {
        s.connection().set_ex::<_, _, ()>("lock", "me", 30)?;
    }
    base.advance(Duration::from_secs(21));
    let ttls: Vec<i64> = servers
        .iter()
        .map(|s| s.connection().ttl("lock"))
        .collect::<Result<_, _>>()?;
    println!("TTLs after 21 s of base time: {ttls:?} (the fast server's key is gone)");
    assert_eq!(ttls, [9, 9, -2]);
    Ok(())
}

/// Under paused Tokio time a BLPOP with a 10 s timeout returns at once:
/// the runtime jumps to the next timer while everything waits.
fn tokio_paused_time() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let server = Server::builder().clock(TokioClock::new()).start().unwrap();
        let mut con = server.connection();
        let started = tokio::time::Instant::now();
        let popped: Option<(String, String)> = redis::cmd("BLPOP")
            .arg("jobs")
            .arg(10)
            .query_async(&mut con)
            .await
            .unwrap();
        println!(
            "BLPOP timed out after {:?} of paused time: {popped:?}",
            started.elapsed()
        );
        assert_eq!(popped, None);
    });
}
