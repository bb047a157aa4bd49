//! Parity with real Redis 7.0 for client-side caching: CLIENT TRACKING
//! (default mode, BCAST with prefixes, OPTIN/OPTOUT with CLIENT CACHING,
//! NOLOOP, REDIRECT), CLIENT TRACKINGINFO, GETREDIR, and the invalidation
//! messages — RESP3 pushes, and `__redis__:invalidate` messages to a
//! subscribed RESP2 client redirected to — on writes, deletions, past
//! deadlines, FLUSHALL and FLUSHDB, in transactions and scripts, and when
//! the client a redirection points to is gone.
//!
//! Client ids differ between the two servers: a REDIRECT names each
//! server's own, and CLIENT LIST lines are compared with ids, addresses
//! and ages masked.

use std::time::Duration;

use support::mask::{self, CLIENT_VARIABLE_FIELDS};
use support::{Pair, parity, show};

/// Reads `n` pushed frames from both sides of `pair` and compares them.
#[track_caller]
fn expect_pushes(pair: &mut Pair, n: usize) {
    for i in 0..n {
        let sim = pair
            .sim
            .try_read_reply(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("redsim sent no message {i}"));
        let real = pair
            .real
            .try_read_reply(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("redis sent no message {i}"));
        assert_eq!(show(&sim), show(&real), "message {i}");
    }
}

/// Asserts neither side has anything more for `pair` (a PING answers
/// PONG first on both: nothing was waiting ahead of it).
#[track_caller]
fn expect_nothing(pair: &mut Pair) {
    pair.run("PING");
}

/// Each side's CLIENT ID of `pair`.
fn ids(pair: &mut Pair) -> (String, String) {
    let (sim, real) = pair.both("CLIENT ID");
    let id = |r: &[u8]| {
        String::from_utf8_lossy(&r[1..r.len() - 2])
            .trim()
            .to_string()
    };
    (id(&sim), id(&real))
}

/// Sends `line` with `{}` replaced by each side's own value.
#[track_caller]
fn run_each(pair: &mut Pair, line: &str, (sim, real): &(String, String)) {
    let s = pair.sim.call(
        &support::split_command(&line.replace("{}", sim))
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
    let r = pair.real.call(
        &support::split_command(&line.replace("{}", real))
            .iter()
            .map(Vec::as_slice)
            .collect::<Vec<_>>(),
    );
    assert_eq!(show(&s), show(&r), "{line}");
}

/// CLIENT INFO (or LIST) compared with what varies masked.
#[track_caller]
fn run_client_info(pair: &mut Pair, line: &str) {
    let (sim, real) = pair.both(line);
    let m = |r: &[u8]| mask::mask_fields(r, CLIENT_VARIABLE_FIELDS);
    assert_eq!(show(&m(&sim)), show(&m(&real)), "{line}");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_clients_are_told_when_keys_they_read_change() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    a.run_all(&["CLIENT TRACKING on", "GET k1", "MGET k2 k3", "HGET h f"]);
    p.run("SET k1 v");
    expect_pushes(&mut a, 1);
    p.run("MSET k2 a k3 b");
    expect_pushes(&mut a, 2);
    // Not read since: nothing to tell.
    p.run("SET k1 again");
    expect_nothing(&mut a);
    a.run_all(&["GET k1", "STRLEN k2", "EXISTS k3"]);
    p.run_all(&["DEL k1", "APPEND k2 x", "PEXPIREAT k3 1"]);
    // EXISTS is not a read of the value but it reads the key: tracked.
    expect_pushes(&mut a, 3);
    p.run("HSET h f v");
    expect_pushes(&mut a, 1);
    expect_nothing(&mut a);
    // Its own writes come after its reply.
    a.run_all(&["GET mine", "SET mine 1", "GET mine", "INCR mine"]);
    expect_pushes(&mut a, 1);
    a.run_all(&["CLIENT TRACKING off", "GET k1"]);
    p.run("SET k1 v");
    expect_nothing(&mut a);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn flushes_invalidate_every_key_with_a_null() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    a.run_all(&["CLIENT TRACKING on", "GET k"]);
    p.run("FLUSHALL");
    expect_pushes(&mut a, 1);
    p.run("FLUSHDB");
    expect_pushes(&mut a, 1);
    // The table is empty after a flush.
    p.run("SET k v");
    expect_nothing(&mut a);
    a.run_all(&["GET k", "FLUSHALL", "SET k v"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bcast_prefixes_and_noloop() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    a.run_all(&[
        "CLIENT TRACKING on BCAST PREFIX user: PREFIX cart:",
        "CLIENT TRACKINGINFO",
    ]);
    p.run_all(&["SET user:1 a", "SET other b"]);
    expect_pushes(&mut a, 1);
    p.run("MSET user:2 a user:3 b cart:1 c other x");
    expect_pushes(&mut a, 2);
    // Its own changes come after its reply; with NOLOOP, never.
    a.run("SET user:9 x");
    expect_pushes(&mut a, 1);
    a.run_all(&[
        "CLIENT TRACKING off",
        "CLIENT TRACKING on BCAST NOLOOP",
        "SET mine x",
    ]);
    p.run("SET theirs y");
    expect_pushes(&mut a, 1);
    a.run_all(&["MULTI", "SET mine 1", "SET mine2 2", "EXEC"]);
    p.run_all(&["MULTI", "SET t1 1", "SET t2 2", "EXEC"]);
    expect_pushes(&mut a, 1);
    expect_nothing(&mut a);
    a.run_all(&[
        "CLIENT TRACKING off",
        "CLIENT TRACKING on BCAST PREFIX a PREFIX b PREFIX bc",
        "CLIENT TRACKINGINFO",
        "CLIENT TRACKING on BCAST PREFIX abc",
        "CLIENT TRACKING on BCAST PREFIX x",
        "CLIENT TRACKINGINFO",
        "CLIENT TRACKING off",
        "CLIENT TRACKING on BCAST PREFIX ab PREFIX a",
        "CLIENT TRACKINGINFO",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn optin_and_optout_with_client_caching() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    a.run_all(&[
        "CLIENT TRACKING on OPTIN",
        "GET not-cached",
        "CLIENT CACHING yes",
        "CLIENT TRACKINGINFO",
        "GET cached",
        "CLIENT TRACKINGINFO",
        "GET not-cached-either",
    ]);
    p.run_all(&[
        "SET not-cached 1",
        "SET cached 1",
        "SET not-cached-either 1",
    ]);
    expect_pushes(&mut a, 1);
    // In a transaction CACHING lasts until EXEC.
    a.run_all(&[
        "CLIENT CACHING yes",
        "MULTI",
        "GET m1",
        "GET m2",
        "EXEC",
        "GET m3",
    ]);
    p.run("MSET m1 1 m2 2 m3 3");
    expect_pushes(&mut a, 2);
    a.run_all(&[
        "CLIENT TRACKING off",
        "CLIENT TRACKING on OPTOUT",
        "CLIENT CACHING no",
        "CLIENT TRACKINGINFO",
        "GET skipped",
        "GET kept",
    ]);
    p.run_all(&["SET skipped 1", "SET kept 1"]);
    expect_pushes(&mut a, 1);
    expect_nothing(&mut a);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn tracking_errors_and_info() {
    let mut p = parity!();
    p.run_all(&[
        "CLIENT TRACKINGINFO",
        "CLIENT GETREDIR",
        "CLIENT CACHING yes",
        "CLIENT TRACKING on",
        "CLIENT GETREDIR",
        "CLIENT TRACKINGINFO",
        "CLIENT CACHING yes",
        "CLIENT CACHING no",
        "CLIENT CACHING maybe",
        "CLIENT TRACKING on OPTIN OPTOUT",
        "CLIENT TRACKING on PREFIX a",
        "CLIENT TRACKING maybe",
        "CLIENT TRACKING on REDIRECT 999999",
        "CLIENT TRACKING on REDIRECT x",
        "CLIENT TRACKING on BOGUS",
        "CLIENT TRACKING on REDIRECT",
        "CLIENT TRACKING on BCAST OPTIN",
        "CLIENT TRACKING on OPTOUT",
        "CLIENT TRACKING on OPTIN",
        "CLIENT TRACKING off",
        "CLIENT TRACKING on BCAST OPTIN",
        "CLIENT TRACKING on BCAST OPTOUT",
        "CLIENT TRACKING on OPTIN NOLOOP",
        "CLIENT TRACKINGINFO",
        "CLIENT TRACKING off BOGUS",
        "CLIENT TRACKING off REDIRECT 999999",
        "CLIENT TRACKING off",
        "CLIENT TRACKING",
        "CLIENT CACHING",
        "CLIENT TRACKINGINFO x",
        "CLIENT HELP",
    ]);
    run_client_info(&mut p.pair, "CLIENT INFO");
    p.run("CLIENT TRACKING on BCAST");
    run_client_info(&mut p.pair, "CLIENT INFO");
    p.pair.resp3();
    p.run("CLIENT TRACKINGINFO");
    let info = |reply: &[u8]| -> String {
        String::from_utf8_lossy(reply)
            .lines()
            .filter(|l| l.starts_with("tracking_"))
            .collect::<Vec<_>>()
            .join(",")
    };
    let (sim, real) = p.both("INFO clients");
    assert_eq!(info(&sim), info(&real));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp2_invalidations_go_to_a_subscribed_client_redirected_to() {
    let mut p = parity!();
    let mut listener = p.new_pair();
    let listener_ids = ids(&mut listener);
    listener.run("SUBSCRIBE __redis__:invalidate");
    let mut a = p.new_pair();
    run_each(&mut a, "CLIENT TRACKING on REDIRECT {}", &listener_ids);
    a.run_all(&["GET rk", "GET other"]);
    p.run("SET rk 1");
    expect_pushes(&mut listener, 1);
    p.run("FLUSHALL");
    expect_pushes(&mut listener, 1);
    let (sim, real) = a.both("CLIENT GETREDIR");
    assert_eq!(show(&sim[1..]).is_empty(), show(&real[1..]).is_empty());
    // A RESP2 client without a redirection is told nothing.
    let mut b = p.new_pair();
    b.run_all(&["CLIENT TRACKING on", "GET rk"]);
    p.run("SET rk 2");
    expect_nothing(&mut b);
    run_client_info(&mut b, "CLIENT INFO");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn a_redirection_to_a_client_that_left_is_reported() {
    let mut p = parity!();
    let mut gone = p.new_pair();
    let gone_ids = ids(&mut gone);
    let mut a = p.new_pair();
    a.resp3();
    run_each(&mut a, "CLIENT TRACKING on REDIRECT {}", &gone_ids);
    a.run("GET zk");
    drop(gone);
    // Both servers must have noticed the client left before the write.
    for _ in 0..500 {
        let (sim, real) = (
            p.pair
                .sim
                .call(&[b"CLIENT", b"LIST", b"ID", gone_ids.0.as_bytes()]),
            p.pair
                .real
                .call(&[b"CLIENT", b"LIST", b"ID", gone_ids.1.as_bytes()]),
        );
        if sim == b"$0\r\n\r\n" && real == b"$0\r\n\r\n" {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    p.run("SET zk 1");
    let redir_broken = |pair: &mut Pair| {
        let sim = pair.sim.try_read_reply(Duration::from_secs(5)).unwrap();
        let real = pair.real.try_read_reply(Duration::from_secs(5)).unwrap();
        let m = |r: &[u8]| mask::mask_values_after(r, &["tracking-redir-broken"]);
        assert_eq!(show(&m(&sim)), show(&m(&real)));
    };
    redir_broken(&mut a);
    let (sim, real) = a.both("CLIENT TRACKINGINFO");
    let m = |r: &[u8]| mask::mask_values_after(r, &["redirect"]);
    assert_eq!(show(&m(&sim)), show(&m(&real)));
    let (sim, real) = a.both("CLIENT INFO");
    let m = |r: &[u8]| mask::mask_fields(r, &[CLIENT_VARIABLE_FIELDS, &["redir"]].concat());
    assert_eq!(show(&m(&sim)), show(&m(&real)));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keys_read_in_transactions_and_scripts_are_tracked() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    a.run_all(&[
        "CLIENT TRACKING on",
        "MULTI",
        "GET tx1",
        "SET tx2 v",
        "EXEC",
        "EVAL \"return redis.call('get', KEYS[1])\" 1 sk1",
        "EVAL \"return redis.call('get', 'sk2')\" 0",
        "EVAL_RO \"return 1\" 1 sk3",
    ]);
    // Inside a script a read remembers the keys the script declared (sk1),
    // not the keys the read names (sk2); a read-only script alone
    // remembers nothing (sk3).
    p.run_all(&["SET tx1 1", "SET sk1 1", "SET sk2 2", "SET sk3 3"]);
    expect_pushes(&mut a, 2);
    // A transaction changing what it read: told after EXEC's reply.
    a.run_all(&["GET own", "MULTI", "SET own 1", "GET own", "EXEC"]);
    expect_pushes(&mut a, 1);
    expect_nothing(&mut a);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_getkeysandflags_and_getkeys() {
    let mut p = parity!();
    for line in [
        "COMMAND GETKEYSANDFLAGS get k",
        "COMMAND GETKEYSANDFLAGS set k v",
        "COMMAND GETKEYSANDFLAGS set k v get",
        "COMMAND GETKEYSANDFLAGS mset a 1 b 2",
        "COMMAND GETKEYSANDFLAGS lmove a b left right",
        "COMMAND GETKEYSANDFLAGS zunionstore d 2 a b weights 1 2",
        "COMMAND GETKEYSANDFLAGS eval s 2 a b c",
        "COMMAND GETKEYSANDFLAGS sort k by w get g store d",
        "COMMAND GETKEYSANDFLAGS sort_ro k",
        "COMMAND GETKEYSANDFLAGS migrate h 1 \"\" 0 5 keys a b",
        "COMMAND GETKEYSANDFLAGS bitfield k get u8 0",
        "COMMAND GETKEYSANDFLAGS bitfield k set u8 0 1",
        "COMMAND GETKEYSANDFLAGS xread count 1 streams a b 0 0",
        "COMMAND GETKEYSANDFLAGS georadius k 0 0 1 km store d",
        "COMMAND GETKEYSANDFLAGS object encoding k",
        "COMMAND GETKEYSANDFLAGS del a b",
        "COMMAND GETKEYSANDFLAGS copy a b",
        "COMMAND GETKEYSANDFLAGS getex k",
        "COMMAND GETKEYSANDFLAGS xreadgroup group g c streams s >",
        "COMMAND GETKEYSANDFLAGS ping",
        "COMMAND GETKEYSANDFLAGS nosuch a",
        "COMMAND GETKEYSANDFLAGS get",
        "COMMAND GETKEYSANDFLAGS zunionstore d 0 a",
        "COMMAND GETKEYSANDFLAGS eval s 0",
        "COMMAND GETKEYSANDFLAGS config get x",
        "COMMAND GETKEYSANDFLAGS",
        "COMMAND GETKEYS sort k store d",
        "COMMAND GETKEYS georadius k 0 0 1 km store d",
        "COMMAND GETKEYS xread streams a b 0 0",
        "COMMAND GETKEYS migrate h 1 k 0 5",
        "COMMAND GETKEYS eval s 0",
        "COMMAND GETKEYS lmpop 2 a b left",
        "COMMAND GETKEYS set k v",
        "COMMAND GETKEYS object freq k",
    ] {
        p.run(line);
    }
    p.pair.resp3();
    p.run("COMMAND GETKEYSANDFLAGS set k v get");
}
