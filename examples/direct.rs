//! The test's own handle on the data: seed what the code under test
//! expects, let it run through any client, then check what it left, on
//! the server clock.
//!
//! ```sh
//! cargo run --example direct
//! ```

use std::time::Duration;

use redis::Commands;
use redsim::direct::{Snapshot, Ttl, Value};
use redsim::{ManualClock, Server};

fn main() -> redis::RedisResult<()> {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start()?;
    let db = server.db(0);

    // Seed: each call runs the real command (SET, RPUSH…).
    db.set_ex("session", "abc", Duration::from_secs(60))
        .unwrap();
    db.rpush("jobs", ["a", "b"]).unwrap();

    // The code under test, through any client.
    let mut con = server.connection();
    let job: String = con.lpop("jobs", None)?;
    let _: () = con.hset("done", &job, "ok")?;

    // Inspect and assert.
    db.assert_list("jobs", ["b"]);
    db.assert_hash("done", [("a", "ok")]);
    assert_eq!(db.ttl("session"), Ttl::Remaining(Duration::from_secs(60)));
    clock.advance(Duration::from_secs(61));
    db.assert_missing("session");

    let snapshot = db.snapshot();
    println!("{snapshot}");
    assert_eq!(
        snapshot,
        Snapshot::from([
            ("done", Value::hash([("a", "ok")])),
            ("jobs", Value::list(["b"])),
        ])
    );
    Ok(())
}
