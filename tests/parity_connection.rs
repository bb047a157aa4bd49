//! Parity with real Redis 7.0: connection commands and protocol handling.

use std::time::Duration;

use support::{RawClient, parity};

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn ping_echo_select_and_their_errors() {
    let mut p = parity!();
    p.run_all(&[
        "PING",
        "PING hello",
        "PING a b",
        "ECHO hi",
        "ECHO",
        "ECHO a b",
        "SELECT 15",
        "SELECT 16",
        "SELECT -1",
        "SELECT abc",
        "SELECT 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn unknown_commands_and_arity_errors() {
    let mut p = parity!();
    p.run_all(&[
        "FOO",
        "FOO a b c",
        "foo aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb ccc ddd",
        "GET",
        "get a b",
        "CONFIG",
        "CONFIG GET",
        "CONFIG FOO",
        "CLIENT FOO x",
        "CLIENT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn auth_without_password_and_hello_errors() {
    let mut p = parity!();
    p.run_all(&[
        "AUTH x",
        "AUTH a b",
        "AUTH default x",
        "HELLO 4",
        "HELLO abc",
        "HELLO 2 AUTH a b",
        "HELLO 3 SETNAME \"a b\"",
        "HELLO 2 FOO",
        "HELLO 2 AUTH",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn client_name_and_setinfo() {
    let mut p = parity!();
    p.run_all(&[
        "CLIENT GETNAME",
        "CLIENT SETNAME myname",
        "CLIENT GETNAME",
        "CLIENT SETNAME \"a b\"",
        "CLIENT SETNAME \"\"",
        "CLIENT GETNAME",
        "CLIENT KILL 1.2.3.4:5",
        "CLIENT KILL ID 999999",
        "CLIENT KILL foo bar",
        "CLIENT NO-EVICT on",
        "CLIENT NO-EVICT maybe",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn protocol_errors_close_the_connection_with_redis_texts() {
    let p = parity!();
    for input in [
        &b"*abc\r\n"[..],
        b"*2\r\n$3\r\nfoo\r\n+bar\r\n",
        b"*1\r\n$-5\r\n",
        b"PING \"unbalanced\r\n",
        b"ECHO \"a\"b\r\n",
        b"*3000000000\r\n",
        b"*1\r\n$600000000\r\n",
        b"*1\r\n$4\r\nPING\r\n*x\r\n",
    ] {
        let mut sim = RawClient::connect(p.sim_server.addr()).unwrap();
        let mut real = RawClient::connect(p.real_server.addr()).unwrap();
        sim.send_raw(input);
        real.send_raw(input);
        let mut sim_replies = Vec::new();
        let mut real_replies = Vec::new();
        while let Some(r) = sim.try_read_reply(Duration::from_millis(200)) {
            sim_replies.push(r);
        }
        while let Some(r) = real.try_read_reply(Duration::from_millis(200)) {
            real_replies.push(r);
        }
        assert_eq!(
            sim_replies,
            real_replies,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
        assert!(
            sim.is_closed_by_server(Duration::from_secs(2)),
            "redsim kept {input:?} open"
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn inline_commands_pipelines_and_empty_requests() {
    let p = parity!();
    for input in [
        &b"PING\r\n"[..],
        b"PING\n",
        b"\r\n\r\nPING\r\n",
        b"*0\r\n*-1\r\nPING\r\n",
        b"ECHO \"a\\x41b\\n\"\r\n",
        b"ECHO 'it\\'s'\r\n",
        b"SET a b\r\nGET a\r\nECHO x\r\n",
        b"*1\r\n$4\r\nPINGxx\r\n",
    ] {
        let mut sim = RawClient::connect(p.sim_server.addr()).unwrap();
        let mut real = RawClient::connect(p.real_server.addr()).unwrap();
        sim.send_raw(input);
        real.send_raw(input);
        let mut sim_replies = Vec::new();
        let mut real_replies = Vec::new();
        while let Some(r) = sim.try_read_reply(Duration::from_millis(150)) {
            sim_replies.push(r);
        }
        while let Some(r) = real.try_read_reply(Duration::from_millis(150)) {
            real_replies.push(r);
        }
        assert_eq!(
            sim_replies,
            real_replies,
            "input {:?}",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_hello_switches_reply_types() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&["PING", "ECHO x", "GET nosuchkey", "CONFIG GET maxclients"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn client_pause_and_unpause_replies_and_errors() {
    let mut p = parity!();
    p.run_all(&[
        "CLIENT PAUSE",
        "CLIENT PAUSE abc",
        "CLIENT PAUSE -1",
        "CLIENT PAUSE 1.5",
        "CLIENT PAUSE 99999999999999999999",
        "CLIENT PAUSE 10 foo",
        "client pause 10 write extra",
        "CLIENT PAUSE 10 WRITE extra",
        "CLIENT PAUSE 0",
        "CLIENT PAUSE 0 all",
        "CLIENT UNPAUSE x",
        // A write pause holds neither reads nor the unpause itself.
        "CLIENT PAUSE 100000 write",
        "GET k",
        "PING",
        "CLIENT UNPAUSE",
        "SET k v",
        "CLIENT PAUSE 9223372036854775807 WRITE",
        "CLIENT UNPAUSE",
        "SET k w",
        "COMMAND INFO client|pause client|unpause",
    ]);
}

/// Errors that echo what the client sent echo its bytes as Redis does:
/// bytes that are not UTF-8 as they are, and C's `%s` cut at a NUL byte
/// (`%.128s` also at 128 bytes).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn errors_echo_the_client_s_bytes_exactly() {
    let mut p = parity!();
    let long = format!("\"{}\"", "\\x80".repeat(200));
    p.run_all(&[
        "GETX k \"\\x80\"",
        "SETT k \"\\x00\"",
        "SETT k \"a\\x00b\" \"\\xff\\xfe\"",
        "\"GE\\x00TX\" k",
        "\"\\xe9t\\xe9\" x",
        &format!("NOSUCH {long} {long}"),
        &format!("{long} x"),
        "CLIENT \"\\xff\\x00x\"",
        &format!("CLIENT {long}"),
        "OBJECT \"\\x80\"",
        "CONFIG SET \"\\x80bad\" 1",
        "CONFIG SET \"ok\\x00bad\" 1",
        "HELLO 2 \"\\x80\"",
        "HELLO 2 \"a\\x00b\"",
        "CLIENT KILL TYPE \"\\x80\"",
        "CLIENT KILL USER \"\\x80\"",
        "SET k v",
        "EXPIRE k 10 \"\\x80\"",
        "FUNCTION LIST \"\\x80\"",
        "FUNCTION RESTORE x \"\\x80\"",
    ]);
}

/// Sends `lines` on `con` without reading, then PING, and returns every
/// reply that came before PONG's (with it).
fn replies_until_pong(con: &mut support::RawClient, lines: &[&str]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for line in lines.iter().chain(&["PING"]) {
        let args = support::split_command(line);
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        bytes.extend(support::RawClient::encode(&args));
    }
    con.send_raw(&bytes);
    let mut got = Vec::new();
    loop {
        let reply = con.read_reply();
        got.extend_from_slice(&reply);
        if reply == b"+PONG\r\n" {
            return got;
        }
    }
}

/// CLIENT REPLY OFF withholds every reply until ON, SKIP the next
/// command's; ON is answered even right after SKIP; a blocked command's
/// reply is withheld when it comes; RESET turns replies back on.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn client_reply_withholds_replies_as_redis_does() {
    let mut p = parity!();
    let lines = [
        "CLIENT REPLY SKIP",
        "SET a 1",
        "GET a",
        "CLIENT REPLY OFF",
        "INCR a",
        "NOSUCH command",
        "GET a",
        "CLIENT REPLY SKIP",
        "CLIENT REPLY ON",
        "GET a",
        "CLIENT REPLY SKIP",
        "CLIENT REPLY ON",
        "CLIENT REPLY FOO",
        "CLIENT REPLY",
        "CLIENT REPLY OFF",
        "RESET",
        "GET a",
    ];
    let sim = replies_until_pong(&mut p.pair.sim, &lines);
    let real = replies_until_pong(&mut p.pair.real, &lines);
    assert_eq!(support::show(&sim), support::show(&real));
    // A blocked command's reply, withheld when it comes.
    let mut other = p.new_pair();
    for (con, pusher) in [
        (&mut p.pair.sim, &mut other.sim),
        (&mut p.pair.real, &mut other.real),
    ] {
        con.send_raw(&support::RawClient::encode(&[b"CLIENT", b"REPLY", b"SKIP"]));
        con.send_raw(&support::RawClient::encode(&[b"BLPOP", b"list", b"0"]));
        // The push waits until the pop is blocked.
        while pusher
            .call(&[b"CLIENT", b"LIST", b"TYPE", b"NORMAL"])
            .windows(9)
            .all(|w| w != b"cmd=blpop")
        {
            std::thread::yield_now();
        }
        assert_eq!(pusher.call(&[b"LPUSH", b"list", b"x"]), b":1\r\n");
    }
    let sim = replies_until_pong(&mut p.pair.sim, &["GET a"]);
    let real = replies_until_pong(&mut p.pair.real, &["GET a"]);
    assert_eq!(support::show(&sim), support::show(&real));
    p.run("LLEN list");
}

/// A client with subscriptions is of type pubsub, any other normal:
/// CLIENT LIST TYPE and CLIENT KILL TYPE select them so.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn client_types_follow_subscriptions() {
    let mut p = parity!();
    let mut subscriber = p.new_pair();
    let (sim, real) = subscriber.both("SUBSCRIBE news");
    assert_eq!(sim, real);
    let _bystander = p.new_pair();
    p.run_all(&[
        "CLIENT KILL TYPE master",
        "CLIENT KILL TYPE replica",
        "CLIENT KILL TYPE pubsub",
        "CLIENT KILL TYPE pubsub",
        "CLIENT KILL TYPE normal SKIPME yes",
        "CLIENT KILL TYPE normal SKIPME yes",
        "CLIENT KILL TYPE bogus",
    ]);
    let (sim, real) = p.both("CLIENT LIST TYPE pubsub");
    assert_eq!(
        (sim, real),
        (b"$0\r\n\r\n".to_vec(), b"$0\r\n\r\n".to_vec()),
        "no subscriber is left"
    );
}
