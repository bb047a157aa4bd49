//! Blocking list commands (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) as a
//! client sees them: served by pushes from other clients in Redis's order,
//! timed out by the server clock, never blocking inside MULTI. Continued in
//! tests/blocking_more.rs (types, databases, transports, RESP3, CLIENT
//! UNBLOCK, sorted sets).
//!
//! Every server here reads a [`ManualClock`], so no test waits on the wall
//! clock: timeouts fire when the test advances the clock, and a test waits
//! for a client to be blocked by polling `INFO clients` from another
//! connection (yielding between polls), never by sleeping.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use redis::{Commands, Value};
use support::blocking::{blocked_clients, bulk, pair, reply, server, spawn_blocked, wait_blocked};

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
