//! Bad input and misbehaving clients: the server answers as Redis would,
//! keeps what it stores, and goes on serving everyone else.
//!
//! Parity cases send the same bytes to redsim and to a real `redis-server`;
//! the others check what only redsim can show (a panic caught inside a
//! command).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use redsim::Server;
use support::{RawClient, parity};

/// Reads every reply the server sends within a short quiet period.
fn drain(client: &mut RawClient) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    while let Some(r) = client.try_read_reply(Duration::from_millis(200)) {
        replies.push(r);
    }
    replies
}

#[test]
fn a_panic_inside_a_command_is_an_error_reply_and_the_server_goes_on() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let mut tcp = server.client().get_connection().unwrap();
    redis::cmd("SET")
        .arg("kept")
        .arg("v")
        .exec(&mut con)
        .unwrap();
    for c in [&mut con as &mut dyn redis::ConnectionLike, &mut tcp] {
        let err = redis::cmd("DEBUG").arg("PANIC").exec(c).unwrap_err();
        assert_eq!(err.code(), Some("ERR"), "{err}");
        assert!(
            err.to_string()
                .contains("redsim internal error: 'debug' panicked (DEBUG PANIC)"),
            "{err}"
        );
        // The same connection still works, and nothing stored was lost.
        let v: String = redis::cmd("GET").arg("kept").query(c).unwrap();
        assert_eq!(v, "v");
    }
    // Inside a transaction: the panicking command's slot holds the error,
    // the rest of the transaction ran.
    let mut raw = RawClient::connect(server.addr()).unwrap();
    for cmd in [
        &[&b"MULTI"[..]][..],
        &[b"SET", b"a", b"1"],
        &[b"DEBUG", b"PANIC"],
        &[b"GET", b"a"],
    ] {
        raw.call(cmd);
    }
    let exec = String::from_utf8(raw.call(&[b"EXEC"])).unwrap();
    assert_eq!(
        exec,
        "*3\r\n+OK\r\n-ERR redsim internal error: 'debug' panicked (DEBUG PANIC); please report it\r\n$1\r\n1\r\n"
    );
    // The error counts where Redis counts errors.
    let info: String = redis::cmd("INFO")
        .arg("errorstats")
        .query(&mut con)
        .unwrap();
    assert!(info.contains("errorstat_ERR:count=3"), "{info}");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn protocol_limits_match_redis() {
    let p = parity!();
    let cases: [(&str, bool, Vec<u8>); 5] = [
        // An inline request past 64 KB without a newline.
        ("inline over 64 KB", true, vec![b'x'; 70 * 1024]),
        // A multibulk count Redis 7.0 accepts (it has no 1 M cap any more)…
        ("large multibulk count", false, b"*1048577\r\n".to_vec()),
        // …and one past INT_MAX, which it refuses.
        ("multibulk count", true, b"*2147483648\r\n".to_vec()),
        // A bulk length past proto-max-bulk-len (512 MB).
        ("bulk length", true, b"*1\r\n$536870913\r\n".to_vec()),
        // A multibulk header line past 64 KB.
        ("header line", true, {
            let mut v = b"*".to_vec();
            v.extend(std::iter::repeat_n(b'1', 70 * 1024));
            v
        }),
    ];
    for (what, closes, input) in cases {
        if closes {
            // The server may close before the client has written it all.
            let sim = send_until_closed(p.sim_server.addr(), &input);
            let real = send_until_closed(p.real_server.addr(), &input);
            assert_eq!(sim, real, "{what}");
            assert!(sim.1, "{what}: left open");
        } else {
            let mut sim = RawClient::connect(p.sim_server.addr()).unwrap();
            let mut real = RawClient::connect(p.real_server.addr()).unwrap();
            sim.send_raw(&input);
            real.send_raw(&input);
            assert_eq!(drain(&mut sim), drain(&mut real), "{what}");
        }
    }
    // Declared sizes are not allocated up front: a million-element header
    // and a 512 MB bulk header, then nothing, cost the server nothing it
    // keeps; it answers others meanwhile.
    let mut idle = RawClient::connect(p.sim_server.addr()).unwrap();
    idle.send_raw(b"*1048576\r\n$536870912\r\nabc");
    let mut other = RawClient::connect(p.sim_server.addr()).unwrap();
    assert_eq!(other.call(&[b"PING"]), b"+PONG\r\n");
    let info = String::from_utf8(other.call(&[b"INFO", b"memory"])).unwrap();
    let used: u64 = support::info_field(&info, "used_memory");
    assert!(
        used < 64 << 20,
        "used_memory {used} after a huge declared size"
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn maxclients_refuses_extra_connections_with_redis_text() {
    let p = parity!();
    let mut pair = p.new_pair();
    let (sim, real) = pair.both("CONFIG SET maxclients 2");
    assert_eq!(sim, real);
    // Two connections exist per server now (the parity pair and this one).
    for addr in [p.sim_server.addr(), p.real_server.addr()] {
        let mut extra = RawClient::connect(addr).unwrap();
        extra.send_raw(b"PING\r\n");
        let replies = drain(&mut extra);
        assert_eq!(
            replies,
            [b"-ERR max number of clients reached\r\n".to_vec()],
            "{addr}"
        );
        assert!(extra.is_closed_by_server(Duration::from_secs(5)));
    }
    let (sim, real) = pair.both("CONFIG SET maxclients 10000");
    assert_eq!(sim, real);
    let rejected = |reply: Vec<u8>| -> u64 {
        support::info_field(&String::from_utf8(reply).unwrap(), "rejected_connections")
    };
    let (sim, real) = pair.both("INFO stats");
    assert_eq!(rejected(sim), rejected(real));
}

/// Sets `client-output-buffer-limit` to `limits` and connects a TCP
/// subscriber to `news` that stops reading after its confirmation.
fn slow_subscriber(server: &Server, con: &mut redsim::LocalConnection, limits: &str) -> TcpStream {
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("client-output-buffer-limit")
        .arg(limits)
        .exec(con)
        .unwrap();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.write_all(b"SUBSCRIBE news\r\n").unwrap();
    let mut confirmation = [0u8; 64];
    let n = slow.read(&mut confirmation).unwrap();
    assert!(confirmation[..n].starts_with(b"*3\r\n$9\r\nsubscribe"));
    slow
}

#[test]
fn a_subscriber_that_never_reads_is_disconnected_at_the_pubsub_limit() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let _slow = slow_subscriber(&server, &mut con, "pubsub 1mb 0 0");
    let subscribers = |con: &mut redsim::LocalConnection| -> i64 {
        let (_, n): (String, i64) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg("news")
            .query(con)
            .unwrap();
        n
    };
    assert_eq!(subscribers(&mut con), 1);
    // 16 MB of messages: more than the loopback socket buffers hold (at
    // most ~10 MB), so the backlog passes 1 MB and the server lets the
    // subscriber go — and less than the default 32 MB limit, so it is the
    // configured limit that does it.
    let message = vec![b'm'; 64 * 1024];
    let mut delivered = 0;
    for _ in 0..256 {
        delivered = redis::cmd("PUBLISH")
            .arg("news")
            .arg(&message)
            .query::<i64>(&mut con)
            .unwrap();
        if delivered == 0 {
            break;
        }
    }
    assert_eq!(delivered, 0, "the slow subscriber was never dropped");
    assert_eq!(subscribers(&mut con), 0);
    // The publisher and the data are fine.
    redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    assert_eq!(
        redis::cmd("GET")
            .arg("k")
            .query::<String>(&mut con)
            .unwrap(),
        "v"
    );
}

#[test]
fn before_auth_only_auth_hello_and_quit_are_answered() {
    let server = Server::builder().password("s3cret").start().unwrap();
    let mut raw = RawClient::connect(server.addr()).unwrap();
    for cmd in [
        &[&b"GET"[..], b"k"][..],
        &[b"SET", b"k", b"v"],
        &[b"EVAL", b"return 1", b"0"],
        &[b"SUBSCRIBE", b"c"],
        &[b"MULTI"],
        &[b"CLIENT", b"LIST"],
        &[b"CONFIG", b"GET", b"requirepass"],
    ] {
        assert_eq!(
            raw.call(cmd),
            b"-NOAUTH Authentication required.\r\n",
            "{:?}",
            String::from_utf8_lossy(cmd[0])
        );
    }
    assert_eq!(
        raw.call(&[b"AUTH", b"wrong"]),
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n".to_vec()
    );
    assert_eq!(raw.call(&[b"AUTH", b"s3cret"]), b"+OK\r\n");
    assert_eq!(raw.call(&[b"SET", b"k", b"v"]), b"+OK\r\n");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn the_query_buffer_limit_closes_a_client_as_redis_does() {
    let mut p = parity!();
    p.run("CONFIG SET client-query-buffer-limit 1mb");
    let mut big = b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n".to_vec();
    big.extend(std::iter::repeat_n(b'v', 2_000_000));
    big.extend_from_slice(b"\r\n");
    // A 2 MB argument: both servers close the connection silently once
    // the query buffer passes 1 MB, which may be before the client has
    // written it all (then its write fails: that is the point).
    for addr in [p.sim_server.addr(), p.real_server.addr()] {
        let (answer, closed) = send_until_closed(addr, &big);
        assert!(
            answer.is_empty(),
            "{addr}: {:?}",
            String::from_utf8_lossy(&answer)
        );
        assert!(closed, "{addr}: left open");
    }
    p.run("GET k");
    p.run("CONFIG SET client-query-buffer-limit 1gb");
}

/// Sends `input` to `addr`, ignoring a failed write (the server may close
/// partway), and reads until the server closes: what it answered, and
/// whether it closed within a few seconds.
fn send_until_closed(addr: std::net::SocketAddr, input: &[u8]) -> (Vec<u8>, bool) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(input);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return (answer, true),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return (answer, true),
            Err(_) => return (answer, false),
        }
    }
}

#[test]
fn the_pubsub_soft_limit_counts_its_seconds_on_the_server_clock() {
    let clock = redsim::ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = server.connection();
    // No hard limit; past 1 MB for more than 10 s closes the subscriber.
    let _slow = slow_subscriber(&server, &mut con, "pubsub 0 1mb 10");
    let publish = |con: &mut redsim::LocalConnection, message: &[u8]| -> i64 {
        redis::cmd("PUBLISH")
            .arg("news")
            .arg(message)
            .query(con)
            .unwrap()
    };
    // 48 MB: far past the soft limit whatever the socket buffers hold, but
    // no time passes, so the subscriber stays.
    let message = vec![b'm'; 64 * 1024];
    for _ in 0..768 {
        assert_eq!(publish(&mut con, &message), 1);
    }
    clock.advance(Duration::from_secs(10));
    assert_eq!(publish(&mut con, b"x"), 1, "10 s is not more than 10 s");
    clock.advance(Duration::from_secs(1));
    // The message that finds it past the limit for 11 s closes it.
    assert_eq!(publish(&mut con, b"x"), 1);
    assert_eq!(publish(&mut con, b"x"), 0);
}
