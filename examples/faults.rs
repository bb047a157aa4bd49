//! Faults a test injects: a reply lost after the write happened, a command
//! held in flight while the test races it, a client cut off by name, and a
//! restart that loses everything.
//!
//! ```sh
//! cargo run --example faults
//! ```

use std::time::Duration;

use redis::Commands;
use redsim::{Injected, Release, Rule, Server};

fn main() {
    lost_reply();
    held_in_flight();
    partition_and_restart();
}

/// "Execute, then lose the reply": the write happened, the client cannot
/// tell, and the journal shows it.
fn lost_reply() {
    let server = Server::builder().journal(100).start().unwrap();
    let lost = server.fault(
        Rule::command("INCRBY")
            .key("balance:*")
            .times(1)
            .drop_after(),
    );
    let mut con = server.connection();
    let err = con.incr::<_, _, i64>("balance:ann", 10).unwrap_err();
    assert!(err.is_connection_dropped());
    assert_eq!(lost.hits(), 1);
    // It ran: a client that retries blindly pays twice.
    server.db(0).assert_string("balance:ann", "10");
    let journal = server.journal();
    print!("{journal}");
    assert_eq!(journal[0].fault, Some(Injected::DropAfter));
}

/// Hold an INCR on its way in; the test writes first, then lets it go.
fn held_in_flight() {
    let server = Server::start().unwrap();
    let release = Release::new();
    let held = server.fault(Rule::command("INCR").hang_until(&release));
    let mut con = server.connection();
    let client = std::thread::spawn(move || redis::cmd("INCR").arg("n").query::<i64>(&mut con));
    assert!(held.wait_held(1, Duration::from_secs(5)));
    server.db(0).set("n", "41").unwrap();
    release.release();
    let n = client.join().unwrap().unwrap();
    println!("the held INCR ran after the test's SET: {n}");
    assert_eq!(n, 42);
}

/// Cut off the clients named `worker-*`, heal them, then restart the
/// server: keys and scripts are gone, the port stays.
fn partition_and_restart() {
    let server = Server::start().unwrap();
    let mut worker = server.client().get_connection().unwrap();
    let _: () = redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("worker-1")
        .query(&mut worker)
        .unwrap();
    let _: () = worker.set("k", "v").unwrap();

    server.partition("worker-*");
    let cut = worker.get::<_, String>("k").unwrap_err();
    println!("partitioned: {cut}");
    server.heal("worker-*");
    let mut worker = server.client().get_connection().unwrap(); // reconnect
    assert_eq!(worker.get::<_, String>("k").unwrap(), "v");

    server.restart();
    let mut after = server.client().get_connection().unwrap();
    let k: Option<String> = after.get("k").unwrap();
    println!("after a restart without persistence: {k:?}");
    assert_eq!(k, None);
}
