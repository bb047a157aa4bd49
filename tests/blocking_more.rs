//! Blocking commands, continued from tests/blocking.rs: a waiter on a key
//! of another type, wrong-type destinations, independent timeouts,
//! databases, the in-process transport, CLIENT LIST and CLIENT UNBLOCK,
//! RESP3 timeouts, and the sorted-set forms (BZPOPMIN, BZMPOP).
//!
//! As there, every server reads a [`ManualClock`](redsim::ManualClock):
//! timeouts fire when the test advances the clock, and waiting for a
//! blocked client polls `INFO clients`, never sleeps.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::thread;
use std::time::Duration;

use redis::{Commands, Value};
use support::blocking::{blocked_clients, bulk, pair, reply, server, spawn_blocked, wait_blocked};

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
