//! Blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) as a
//! client sees them: served by pushes from other clients in Redis's order,
//! timed out by the server clock, never blocking inside MULTI.
//!
//! Every server here reads a [`ManualClock`], so no test waits on the wall
//! clock: timeouts fire when the test advances the clock, and a test waits
//! for a client to be blocked by polling `INFO clients` from another
//! connection (yielding between polls), never by sleeping.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redis::{Commands, ConnectionLike, Value};
use redsim::{ManualClock, Server};

/// A server on a manual clock, with the clock.
fn server() -> (Server, ManualClock) {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().expect("start");
    (server, clock)
}

/// The number of blocked clients INFO reports.
fn blocked_clients(con: &mut impl ConnectionLike) -> usize {
    let info: String = redis::cmd("INFO").arg("clients").query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("INFO clients has blocked_clients")
}

/// Waits (yielding, never sleeping) until exactly `n` clients are blocked.
fn wait_blocked(con: &mut impl ConnectionLike, n: usize) {
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
fn spawn_cmd(server: &Server, cmd: redis::Cmd) -> JoinHandle<redis::RedisResult<Value>> {
    let client = server.client();
    thread::spawn(move || {
        let mut con = client.get_connection()?;
        cmd.query::<Value>(&mut con)
    })
}

/// [`spawn_cmd`], then waits until it is the `n`-th blocked client.
fn spawn_blocked(
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

fn bulk(s: &str) -> Value {
    Value::BulkString(s.as_bytes().to_vec())
}

fn pair(key: &str, value: &str) -> Value {
    Value::Array(vec![bulk(key), bulk(value)])
}

fn reply(handle: JoinHandle<redis::RedisResult<Value>>) -> Value {
    handle.join().expect("client thread").expect("reply")
}

#[test]
fn blpop_times_out_when_the_clock_passes_the_deadline_without_real_waiting() {
    let started = Instant::now();
    let (server, clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "10"]);
    // Timeouts are strict, as Redis's: at the deadline itself it still waits.
    clock.advance(Duration::from_secs(10));
    assert_eq!(blocked_clients(&mut admin), 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(reply(waiter), Value::Nil);
    assert_eq!(blocked_clients(&mut admin), 0);
    // A real wait would take the full 10 s; the bound is loose on purpose
    // so that a loaded machine cannot make this fail.
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn blpop_with_timeout_zero_waits_forever() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let other = spawn_blocked(&server, &mut admin, 2, &["BRPOP", "j", "-0.0001"]);
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert_eq!(blocked_clients(&mut admin), 2);
    let _: () = admin.rpush("k", "v").unwrap();
    let _: () = admin.rpush("j", "w").unwrap();
    assert_eq!(reply(waiter), pair("k", "v"));
    assert_eq!(reply(other), pair("j", "w"));
}

#[test]
fn blpop_is_woken_by_a_push_from_another_client() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let mut pusher = server.client().get_connection().unwrap();
    let len: i64 = pusher.rpush("k", "hello").unwrap();
    assert_eq!(len, 1);
    assert_eq!(reply(waiter), pair("k", "hello"));
    let exists: i64 = admin.llen("k").unwrap();
    assert_eq!(exists, 0);
    let keys: i64 = redis::cmd("DBSIZE").query(&mut admin).unwrap();
    assert_eq!(keys, 0, "the emptied list is deleted");
}

#[test]
fn blocked_clients_are_served_first_come_first_served() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let first = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let second = spawn_blocked(&server, &mut admin, 2, &["BLPOP", "k", "0"]);
    let third = spawn_blocked(&server, &mut admin, 3, &["BRPOP", "k", "0"]);
    let _: () = admin.rpush("k", &["a", "b"]).unwrap();
    assert_eq!(reply(first), pair("k", "a"));
    assert_eq!(reply(second), pair("k", "b"));
    assert_eq!(blocked_clients(&mut admin), 1);
    let _: () = admin.rpush("k", "c").unwrap();
    assert_eq!(reply(third), pair("k", "c"));
}

#[test]
fn blpop_on_several_keys_is_served_from_the_key_that_became_ready() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k1", "k2", "k3", "0"]);
    let _: () = admin.rpush("k3", "x").unwrap();
    assert_eq!(reply(waiter), pair("k3", "x"));

    // When several become ready in one transaction, the first written wins.
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BRPOP", "k1", "k2", "0"]);
    let _: () = redis::pipe()
        .atomic()
        .rpush("k2", "from-k2")
        .rpush("k1", "from-k1")
        .query(&mut admin)
        .unwrap();
    assert_eq!(reply(waiter), pair("k2", "from-k2"));
    let left: Vec<String> = admin.lrange("k1", 0, -1).unwrap();
    assert_eq!(left, ["from-k1"]);
}

#[test]
fn blmove_chains_serve_the_client_blocked_on_the_destination() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let first = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["BLMOVE", "a", "b", "LEFT", "RIGHT", "0"],
    );
    let second = spawn_blocked(&server, &mut admin, 2, &["BRPOPLPUSH", "b", "c", "0"]);
    let third = spawn_blocked(&server, &mut admin, 3, &["BLMPOP", "0", "1", "c", "LEFT"]);
    let len: i64 = admin.rpush("a", "v").unwrap();
    assert_eq!(len, 1);
    assert_eq!(reply(first), bulk("v"));
    assert_eq!(reply(second), bulk("v"));
    assert_eq!(
        reply(third),
        Value::Array(vec![bulk("c"), Value::Array(vec![bulk("v")])])
    );
    let keys: i64 = redis::cmd("DBSIZE").query(&mut admin).unwrap();
    assert_eq!(keys, 0);
}

#[test]
fn blmove_onto_its_own_source_rotates_and_serves_the_next_waiter() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let rotating = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["BLMOVE", "k", "k", "RIGHT", "LEFT", "0"],
    );
    let popping = spawn_blocked(&server, &mut admin, 2, &["BLPOP", "k", "0"]);
    let _: () = admin.rpush("k", "x").unwrap();
    assert_eq!(reply(rotating), bulk("x"));
    assert_eq!(reply(popping), pair("k", "x"));
}

#[test]
fn a_disconnected_waiter_does_not_consume_the_pushed_element() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let mut gone = TcpStream::connect(server.addr()).unwrap();
    gone.write_all(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
        .unwrap();
    wait_blocked(&mut admin, 1);
    let stays = spawn_blocked(&server, &mut admin, 2, &["BLPOP", "k", "0"]);
    drop(gone);
    wait_blocked(&mut admin, 1);
    let _: () = admin.rpush("k", "v").unwrap();
    assert_eq!(reply(stays), pair("k", "v"));

    // With nobody left waiting, the list keeps the element.
    let mut gone = TcpStream::connect(server.addr()).unwrap();
    gone.write_all(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n")
        .unwrap();
    wait_blocked(&mut admin, 1);
    drop(gone);
    wait_blocked(&mut admin, 0);
    let _: () = admin.rpush("k", "kept").unwrap();
    let items: Vec<String> = admin.lrange("k", 0, -1).unwrap();
    assert_eq!(items, ["kept"]);
}

#[test]
fn blocking_commands_inside_multi_do_not_block() {
    let (server, _clock) = server();
    let mut con = server.connection();
    let replies: Vec<Value> = redis::pipe()
        .atomic()
        .cmd("BLPOP")
        .arg("k")
        .arg(0)
        .cmd("BLMOVE")
        .arg("k")
        .arg("d")
        .arg("LEFT")
        .arg("RIGHT")
        .arg(0)
        .cmd("BLMPOP")
        .arg(0)
        .arg(1)
        .arg("k")
        .arg("LEFT")
        .rpush("k", "v")
        .cmd("BRPOP")
        .arg("k")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(
        replies,
        [
            Value::Nil,
            Value::Nil,
            Value::Nil,
            Value::Int(1),
            pair("k", "v")
        ]
    );
    assert_eq!(blocked_clients(&mut con), 0);
}

#[test]
fn lpush_reply_counts_the_element_before_the_waiter_pops_it() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let len: i64 = admin.lpush("k", &["a", "b"]).unwrap();
    assert_eq!(len, 2);
    assert_eq!(reply(waiter), pair("k", "b"));
    let left: Vec<String> = admin.lrange("k", 0, -1).unwrap();
    assert_eq!(left, ["a"]);
}

#[test]
fn pipelined_ping_is_answered_after_the_blpop_is_served() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let mut raw = TcpStream::connect(server.addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    raw.write_all(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n")
        .unwrap();
    wait_blocked(&mut admin, 1);
    let _: () = admin.rpush("k", "v").unwrap();
    let expected = b"*2\r\n$1\r\nk\r\n$1\r\nv\r\n+PONG\r\n";
    let mut got = Vec::new();
    while got.len() < expected.len() {
        let mut chunk = [0u8; 64];
        let n = raw.read(&mut chunk).unwrap();
        assert!(n > 0, "connection closed");
        got.extend_from_slice(&chunk[..n]);
    }
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(expected)
    );
}

#[test]
fn a_waiter_stays_blocked_while_the_key_holds_another_type() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let _: () = admin.set("k", "string").unwrap();
    assert_eq!(blocked_clients(&mut admin), 1);
    let _: () = admin.del("k").unwrap();
    let _: () = admin.rpush("k", "v").unwrap();
    assert_eq!(reply(waiter), pair("k", "v"));
}

#[test]
fn served_blmove_to_a_wrong_type_destination_gets_wrongtype() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["BLMOVE", "src", "dst", "LEFT", "LEFT", "0"],
    );
    let _: () = admin.set("dst", "string").unwrap();
    let _: () = admin.rpush("src", "v").unwrap();
    let err = waiter.join().unwrap().unwrap_err();
    assert_eq!(err.code(), Some("WRONGTYPE"));
    let left: Vec<String> = admin.lrange("src", 0, -1).unwrap();
    assert_eq!(left, ["v"]);
}

#[test]
fn waiters_time_out_independently_in_deadline_order() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let short = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "1"]);
    let long = spawn_blocked(&server, &mut admin, 2, &["BLMPOP", "5", "1", "k", "LEFT"]);
    let never = spawn_blocked(
        &server,
        &mut admin,
        3,
        &["BLMOVE", "k", "d", "LEFT", "LEFT", "0"],
    );
    clock.advance(Duration::from_millis(1001));
    assert_eq!(reply(short), Value::Nil);
    assert_eq!(blocked_clients(&mut admin), 2);
    clock.advance(Duration::from_millis(3999));
    assert_eq!(blocked_clients(&mut admin), 2);
    clock.advance(Duration::from_millis(1));
    assert_eq!(reply(long), Value::Nil);
    let _: () = admin.rpush("k", "v").unwrap();
    assert_eq!(reply(never), bulk("v"));
}

#[test]
fn waiters_in_another_database_are_not_served() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let client = server.client();
    let waiter = thread::spawn(move || {
        let mut con = client.get_connection().unwrap();
        let _: () = redis::cmd("SELECT").arg(1).query(&mut con).unwrap();
        redis::cmd("BLPOP").arg("k").arg(0).query::<Value>(&mut con)
    });
    wait_blocked(&mut admin, 1);
    let _: () = admin.rpush("k", "db0").unwrap();
    assert_eq!(blocked_clients(&mut admin), 1);
    let _: () = redis::cmd("SELECT").arg(1).query(&mut admin).unwrap();
    let _: () = admin.rpush("k", "db1").unwrap();
    assert_eq!(reply(waiter), pair("k", "db1"));
}

#[test]
fn in_process_connections_block_and_are_served_too() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let mut local = server.connection();
    let waiter = thread::spawn(move || {
        redis::cmd("BRPOP")
            .arg("k")
            .arg(0)
            .query::<Value>(&mut local)
    });
    wait_blocked(&mut admin, 1);
    let _: () = admin.rpush("k", &["a", "b"]).unwrap();
    assert_eq!(reply(waiter), pair("k", "b"));

    let mut local = server.connection();
    let waiter = thread::spawn(move || {
        redis::cmd("BLPOP")
            .arg("nothing")
            .arg(2)
            .query::<Value>(&mut local)
    });
    wait_blocked(&mut admin, 1);
    clock.advance(Duration::from_millis(2001));
    assert_eq!(reply(waiter), Value::Nil);
}

#[test]
fn client_list_flags_a_blocked_client() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BLPOP", "k", "0"]);
    let list: String = redis::cmd("CLIENT").arg("LIST").query(&mut admin).unwrap();
    let blocked: Vec<&str> = list.lines().filter(|l| l.contains(" flags=b ")).collect();
    assert_eq!(blocked.len(), 1, "{list}");
    assert!(blocked[0].contains(" cmd=blpop "), "{list}");
    let _: () = admin.rpush("k", "v").unwrap();
    assert_eq!(reply(waiter), pair("k", "v"));
}

#[test]
fn timeouts_in_resp3_are_null() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let mut raw = TcpStream::connect(server.addr()).unwrap();
    raw.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    raw.write_all(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n*1\r\n$4\r\nPING\r\n")
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let mut hello = Vec::new();
    while !hello.ends_with(b"+PONG\r\n") {
        let n = raw.read(&mut buf).unwrap();
        assert!(n > 0, "connection closed");
        hello.extend_from_slice(&buf[..n]);
    }
    assert_eq!(hello[0], b'%');
    raw.write_all(b"*3\r\n$5\r\nBLPOP\r\n$1\r\nk\r\n$1\r\n1\r\n")
        .unwrap();
    wait_blocked(&mut admin, 1);
    clock.advance(Duration::from_millis(1001));
    let n = raw.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"_\r\n");
}

#[test]
fn client_unblock_ends_a_wait_as_a_timeout_or_an_error() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let client = server.client();
    let mut victim = client.get_connection().unwrap();
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut victim).unwrap();
    let waiter = thread::spawn(move || {
        redis::cmd("BLPOP")
            .arg("q")
            .arg(0)
            .query::<Value>(&mut victim)
    });
    wait_blocked(&mut admin, 1);
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(id)
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(waiter.join().unwrap().unwrap(), Value::Nil);

    let mut victim = client.get_connection().unwrap();
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut victim).unwrap();
    let waiter = thread::spawn(move || {
        redis::cmd("BLPOP")
            .arg("q")
            .arg(0)
            .query::<Value>(&mut victim)
    });
    wait_blocked(&mut admin, 1);
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(id)
        .arg("ERROR")
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 1);
    let err = waiter.join().unwrap().unwrap_err();
    assert_eq!(err.code(), Some("UNBLOCKED"));
    // Nobody left to unblock.
    let n: i64 = redis::cmd("CLIENT")
        .arg("UNBLOCK")
        .arg(id)
        .query(&mut admin)
        .unwrap();
    assert_eq!(n, 0);
}

#[test]
fn bzpopmin_is_woken_by_zadd_and_times_out_on_the_clock() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BZPOPMIN", "z1", "z2", "5"]);
    let _: i64 = admin.zadd("z2", "m", 2.5).unwrap();
    assert_eq!(
        reply(waiter),
        Value::Array(vec![bulk("z2"), bulk("m"), bulk("2.5")])
    );
    let left: bool = admin.exists("z2").unwrap();
    assert!(!left, "the emptied sorted set is deleted");
    let waiter = spawn_blocked(&server, &mut admin, 1, &["BZPOPMAX", "z1", "5"]);
    clock.advance(Duration::from_millis(5_001));
    assert_eq!(reply(waiter), Value::Nil);
}

#[test]
fn bzmpop_serves_the_ready_key_with_its_count() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    let waiter = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["BZMPOP", "0", "2", "za", "zb", "MAX", "COUNT", "2"],
    );
    redis::cmd("ZADD")
        .arg("zb")
        .arg(1)
        .arg("x")
        .arg(2)
        .arg("y")
        .arg(3)
        .arg("z")
        .exec(&mut admin)
        .unwrap();
    assert_eq!(
        reply(waiter),
        Value::Array(vec![
            bulk("zb"),
            Value::Array(vec![
                Value::Array(vec![bulk("z"), bulk("3")]),
                Value::Array(vec![bulk("y"), bulk("2")]),
            ]),
        ])
    );
    let left: i64 = admin.zcard("zb").unwrap();
    assert_eq!(left, 1);
}
