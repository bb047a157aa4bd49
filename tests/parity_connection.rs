//! Parity with real Redis 7.0: connection commands and protocol handling.

use std::time::Duration;

use support::{RawClient, parity};

#[test]
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
fn resp3_hello_switches_reply_types() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&["PING", "ECHO x", "GET nosuchkey", "CONFIG GET maxclients"]);
}

#[test]
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
