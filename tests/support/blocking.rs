//! Helpers for tests of blocking commands: a server on a manual clock,
//! clients blocked from threads, and waiting (yielding, never sleeping)
//! until INFO shows them blocked.

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redis::{ConnectionLike, Value};
use redsim::{ManualClock, Server};

/// A server on a manual clock, with the clock.
pub fn server() -> (Server, ManualClock) {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().expect("start");
    (server, clock)
}

/// The number of blocked clients INFO reports.
pub fn blocked_clients(con: &mut impl ConnectionLike) -> usize {
    let info: String = redis::cmd("INFO").arg("clients").query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has blocked_clients")
}

/// Waits (yielding, never sleeping) until exactly `n` clients are blocked.
pub fn wait_blocked(con: &mut impl ConnectionLike, n: usize) {
    let started = Instant::now();
    while blocked_clients(con) != n {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "expected {n} blocked clients"
        );
        thread::yield_now();
    }
}

/// Runs `cmd` on a new TCP connection in a thread; the handle returns the
/// reply once the command is served.
pub fn spawn_cmd(server: &Server, cmd: redis::Cmd) -> JoinHandle<redis::RedisResult<Value>> {
    let client = server.client();
    thread::spawn(move || {
        let mut con = client.get_connection()?;
        cmd.query::<Value>(&mut con)
    })
}

/// [`spawn_cmd`], then waits until it is the `n`-th blocked client.
pub fn spawn_blocked(
    server: &Server,
    admin: &mut impl ConnectionLike,
    n: usize,
    args: &[&str],
) -> JoinHandle<redis::RedisResult<Value>> {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    let handle = spawn_cmd(server, cmd);
    wait_blocked(admin, n);
    handle
}

/// A bulk-string reply.
pub fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

/// A `[key, value]` reply (what BLPOP answers).
pub fn pair(key: &str, value: &str) -> Value {
    Value::Array(vec![bulk(key), bulk(value)])
}

/// The reply of a [`spawn_cmd`] thread, once it is served.
pub fn reply(handle: JoinHandle<redis::RedisResult<Value>>) -> Value {
    handle.join().expect("client thread").expect("reply")
}
