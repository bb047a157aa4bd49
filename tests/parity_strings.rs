//! Parity with real Redis 7.0: the string commands.
//!
//! Every reply is compared byte for byte with a real `redis-server`. What
//! replies cannot show is checked too: the encoding `OBJECT ENCODING`
//! would report (through `DEBUG OBJECT`, which both servers answer), the
//! deadlines that SET, GETEX and the counters leave (against a
//! [`ManualClock`], without sleeping), and the keyspace events.
//!
//! A few checks need commands of other families (LPUSH for a key of
//! another type, TTL, PSUBSCRIBE for events). Each of them runs only when
//! redsim has that command, and says so when it skips, so that this file
//! passes on its own and checks more as the other families land.

use std::time::Duration;

use redsim::{ManualClock, Server};
use support::{Pair, Parity, parity};

/// Whether redsim knows `command` (`COMMAND INFO` answers nil otherwise).
fn sim_has(p: &mut Parity, command: &str) -> bool {
    let reply = p.pair.sim.call(&[b"COMMAND", b"INFO", command.as_bytes()]);
    let known = reply != b"*1\r\n*-1\r\n";
    if !known {
        eprintln!("SKIPPED (needs {command} in redsim)");
    }
    known
}

/// The `encoding:` field of `DEBUG OBJECT key` on each server.
fn encodings(pair: &mut Pair, key: &str) -> (String, String) {
    let field = |reply: Vec<u8>| {
        let text = String::from_utf8_lossy(&reply).into_owned();
        text.split_whitespace()
            .find_map(|w| w.strip_prefix("encoding:"))
            .map(str::to_string)
            .unwrap_or(text)
    };
    let (sim, real) = pair.both(&format!("DEBUG OBJECT {key}"));
    (field(sim), field(real))
}

/// Asserts that `key` has the same encoding on both servers, and that it
/// is `expected`.
#[track_caller]
fn assert_encoding(p: &mut Parity, key: &str, expected: &str) {
    let (sim, real) = encodings(&mut p.pair, key);
    assert_eq!(real, expected, "real Redis encodes {key} otherwise");
    assert_eq!(sim, real, "encoding of {key}");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_options_conflicts_and_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v",
        "SET k v NX XX",
        "SET k v XX NX",
        "SET k v EX 10 PX 10",
        "SET k v EX 10 EXAT 10",
        "SET k v PX 10 PXAT 10",
        "SET k v EXAT 10 PXAT 10",
        "SET k v EX 10 KEEPTTL",
        "SET k v KEEPTTL EX 10",
        "SET k v KEEPTTL PXAT 10",
        "SET k v EX",
        "SET k v PX",
        "SET k v GET EX",
        "SET k v ex 0",
        "SET k v ex -1",
        "SET k v px 0",
        "SET k v exat 0",
        "SET k v pxat -5",
        "SET k v ex abc",
        "SET k v px 1.5",
        "SET k v ex 9223372036854775",
        "SET k v ex 9223372036854776",
        "SET k v px 9223372036854775807",
        "SET k v ex 99999999999999999999",
        "SET k v pxat 9223372036854775807",
        "SET k v ex 10 ex 20",
        "SET k v px 10 px 20",
        "SET k v nx nx",
        "SET k v xx xx",
        "SET k v get get",
        "SET k v keepttl keepttl",
        "SET k v foo",
        "SET k v PERSIST",
        "SET k v EX 10 foo",
        "SET k v ex 0 GET",
        "SET k v ExAt 99999999999 GeT",
        "GET k",
        "SET",
        "SET k",
        "GET",
        "GET a b",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_nx_xx_and_get_combinations() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v1 NX",
        "SET k v2 NX",
        "GET k",
        "SET k v3 XX",
        "GET k",
        "SET nokey v XX",
        "GET nokey",
        "SET k v4 GET",
        "SET k v5 NX GET",
        "GET k",
        "SET k v6 XX GET",
        "GET k",
        "SET nokey v XX GET",
        "GET nokey",
        "SET nokey v NX GET",
        "GET nokey",
        "SET fresh v GET",
        "GET fresh",
        "SET k v7 EX 100 GET",
        "SET k v8 KEEPTTL GET",
        "SET k 123 GET",
        "SET k 456 GET",
        "SETNX k x",
        "SETNX k2 x",
        "GET k2",
        "SETNX k2",
        "GETSET k2 y",
        "GETSET k3 y",
        "GET k3",
        "GETSET k3",
        "GETDEL k3",
        "GETDEL k3",
        "GET k3",
        "GETDEL",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn binary_values_and_option_keywords_read_as_c_strings() {
    let mut p = parity!();
    p.run_args(&[b"SET", b"bin", b"a\x00b\r\n\xff"]);
    p.run_args(&[b"GET", b"bin"]);
    p.run_args(&[b"STRLEN", b"bin"]);
    p.run_args(&[b"GETRANGE", b"bin", b"1", b"3"]);
    // Redis compares option keywords as C strings: they end at a NUL.
    p.run_args(&[b"SET", b"k", b"v", b"NX\x00junk"]);
    p.run_args(&[b"SET", b"k", b"w", b"XX\x00", b"GET\x00x"]);
    p.run_args(&[b"SET", b"k", b"w", b"KEEPTTL\x00?"]);
    p.run_args(&[b"SET", b"k", b"w", b"EX\x00", b"100"]);
    p.run_args(&[b"GETEX", b"k", b"PERSIST\x00!"]);
    p.run_args(&[b"SET", b"k", b"w", b"N\x00X"]);
    p.run_args(&[b"GET", b"k"]);
    p.run_args(&[b"SET", b"", b"empty key"]);
    p.run_args(&[b"GET", b""]);
    p.run_args(&[b"SET", b"emptyval", b""]);
    p.run_args(&[b"GET", b"emptyval"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setex_psetex_and_getex_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SETEX k 10 v",
        "SETEX k 0 v",
        "SETEX k -1 v",
        "SETEX k abc v",
        "SETEX k 9223372036854775807 v",
        "SETEX k 10",
        "PSETEX k 100000 v",
        "PSETEX k 0 v",
        "PSETEX k -1 v",
        "PSETEX k 9223372036854775807 v",
        "GET k",
        "GETEX k",
        "GETEX nokey",
        "GETEX nokey EX -5",
        "GETEX nokey FOO",
        "GETEX k EX -5",
        "GETEX k EX 0",
        "GETEX k PX abc",
        "GETEX k EXAT 0",
        "GETEX k EX",
        "GETEX k FOO",
        "GETEX k KEEPTTL",
        "GETEX k NX",
        "GETEX k GET",
        "GETEX k PERSIST EX 10",
        "GETEX k EX 10 PERSIST",
        "GETEX k EX 10 PX 10",
        "GETEX k EX 10 EX 20",
        "GETEX k PERSIST PERSIST",
        "GETEX k PX 100000",
        "GETEX k PERSIST",
        "GETEX k EXAT 99999999999",
        "GETEX k PXAT 99999999999999",
        "GETEX k EX 9223372036854775",
        "GETEX",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn past_absolute_deadlines() {
    let mut p = parity!();
    p.run_all(&[
        // SET stores the key with its past deadline: it is gone when next
        // looked at.
        "SET k v EXAT 1",
        "GET k",
        "SET k v PXAT 1 GET",
        "GET k",
        // GETEX answers the value, then deletes the key.
        "SET k v",
        "GETEX k EXAT 1",
        "GET k",
        "SET k 5",
        "GETEX k PXAT 1",
        "GET k",
        "GETEX k PXAT 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn mset_msetnx_and_mget() {
    let mut p = parity!();
    p.run_all(&[
        "MSET a 1 b 2 c 3",
        "MGET a b c nokey",
        "MSET a 1 b",
        "MSET a",
        "MSETNX a 1 b",
        "MSETNX a 9 z 9",
        "MGET a z",
        "MSETNX x 1 y 2",
        "MSETNX x 1",
        "MSETNX d 1 d 2",
        "GET d",
        "MSET e 1 e 2",
        "GET e",
        "MGET a",
        "MGET",
        "SET a 7 EX 100",
        "MSET a 8",
        "GET a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn append_strlen_getrange_and_substr() {
    let mut p = parity!();
    p.run_all(&[
        "APPEND k hello",
        "APPEND k \" world\"",
        "GET k",
        "STRLEN k",
        "STRLEN nokey",
        "APPEND k \"\"",
        "APPEND empty \"\"",
        "GET empty",
        "SET n 12345",
        "STRLEN n",
        "APPEND n 6",
        "GET n",
        "SET neg -42",
        "STRLEN neg",
        "GETRANGE k 0 4",
        "GETRANGE k -5 -1",
        "GETRANGE k 0 -1",
        "GETRANGE k 6 100",
        "GETRANGE k 100 200",
        "GETRANGE k -100 -50",
        "GETRANGE k -1 -5",
        "GETRANGE k 5 2",
        "GETRANGE k -100 2",
        "GETRANGE k 2 -100",
        "GETRANGE k -9223372036854775808 9223372036854775807",
        "GETRANGE k x 1",
        "GETRANGE k 1 x",
        "GETRANGE k 1 9223372036854775808",
        "GETRANGE nokey 0 -1",
        "GETRANGE nokey x 1",
        "GETRANGE n 0 1",
        "GETRANGE neg -2 -1",
        "SET e \"\"",
        "GETRANGE e 0 -1",
        "GETRANGE e -1 0",
        "GETRANGE e 0 0",
        "SUBSTR k 0 4",
        "SUBSTR k -3 -1",
        "SUBSTR k 1",
        "GETRANGE k 1",
        "STRLEN",
        "APPEND k",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn setrange_padding_offsets_and_size_limit() {
    let mut p = parity!();
    p.run_all(&[
        "SETRANGE k 5 \"\"",
        "GET k",
        "SETRANGE k 5 hello",
        "GET k",
        "STRLEN k",
        "SETRANGE k 0 HE",
        "GET k",
        "SETRANGE k 8 \"lo world\"",
        "GET k",
        "SETRANGE k 0 \"\"",
        "SETRANGE k 1000 \"\"",
        "SETRANGE k -1 x",
        "SETRANGE k -1 \"\"",
        "SETRANGE k abc x",
        "SETRANGE k 1.5 x",
        // 512 MB, the default proto-max-bulk-len, is the limit.
        "SETRANGE k 536870912 x",
        "SETRANGE k 536870911 xy",
        "SETRANGE k 9223372036854775807 x",
        "SETRANGE missing 536870912 \"\"",
        "SETRANGE missing 536870912 x",
        "SETRANGE missing 9223372036854775807 x",
        "GET missing",
        "SET n 123",
        "SETRANGE n 1 9",
        "GET n",
        "SETRANGE n 5 0",
        "GET n",
        "SETRANGE",
        "SETRANGE k 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn proto_max_bulk_len_bounds_setrange_append_and_lcs() {
    let mut p = parity!();
    let mib = 1024 * 1024;
    let big = "a".repeat(600);
    p.run_all(&[
        "CONFIG SET proto-max-bulk-len 1048576",
        &format!("SETRANGE k {} x", mib - 1),
        "STRLEN k",
        &format!("SETRANGE k {mib} x"),
        "APPEND k x",
        "APPEND k \"\"",
        &format!("SETRANGE k {} x", mib - 1),
        &format!("SETRANGE k2 {mib} x"),
        &format!("SETRANGE k2 {mib} \"\""),
        "GET k2",
        &format!("SETRANGE s {} abc", mib - 2),
        "SET small abc",
        &format!("SETRANGE small {} x", mib),
        "GET small",
        // The LCS table of two 600-byte strings is over 1 MB.
        &format!("MSET x {big} y {big}"),
        "LCS x y LEN",
        "LCS x small LEN",
        "CONFIG SET proto-max-bulk-len 536870912",
        "LCS x y LEN",
        "DEL k s",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn incr_decr_family() {
    let mut p = parity!();
    p.run_all(&[
        "INCR c",
        "INCR c",
        "INCRBY c 10",
        "INCRBY c -20",
        "DECR c",
        "DECRBY c 5",
        "DECRBY c -5",
        "GET c",
        "INCRBY c abc",
        "INCRBY c 1.5",
        "INCRBY c \" 1\"",
        "INCRBY c 9223372036854775808",
        "INCRBY c +1",
        "INCRBY c 01",
        "SET big 9223372036854775807",
        "INCR big",
        "INCRBY big 0",
        "DECR big",
        "INCR big",
        "SET small -9223372036854775808",
        "DECR small",
        "INCRBY small -1",
        "DECRBY small 1",
        "DECRBY small -9223372036854775808",
        "DECRBY missing -9223372036854775808",
        "DECRBY missing 9223372036854775807",
        "DECR missing",
        "DECR missing",
        "INCRBY small 9223372036854775807",
        "SET s \" 1\"",
        "INCR s",
        "SET s \"1 \"",
        "INCR s",
        "SET s 01",
        "INCR s",
        "SET s +1",
        "INCR s",
        "SET s -0",
        "INCR s",
        "SET s 1.0",
        "INCR s",
        "SET s \"\"",
        "INCR s",
        "SET s abc",
        "DECR s",
        "SET s 12345678901234567890",
        "INCR s",
        "SET s -9223372036854775809",
        "DECR s",
        "SET s 10",
        "APPEND s 0",
        "INCR s",
        "SETRANGE s 0 5",
        "INCR s",
        "INCR",
        "INCRBY c",
        "DECRBY c 1 2",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn incrbyfloat_prints_as_long_double() {
    let mut p = parity!();
    p.run_all(&[
        "INCRBYFLOAT f 10.5",
        "INCRBYFLOAT f 0.1",
        "INCRBYFLOAT f -5",
        "INCRBYFLOAT f 1e20",
        "INCRBYFLOAT f -1e20",
        "INCRBYFLOAT f 1.5e-10",
        "INCRBYFLOAT f 3.0e3",
        "INCRBYFLOAT f -0.0",
        "GET f",
        "INCRBYFLOAT f abc",
        "INCRBYFLOAT f \" 1\"",
        "INCRBYFLOAT f \"1 \"",
        "INCRBYFLOAT f \"\"",
        "INCRBYFLOAT f nan",
        "INCRBYFLOAT f inf",
        "INCRBYFLOAT f -inf",
        "INCRBYFLOAT f +Infinity",
        "INCRBYFLOAT f 1e5000",
        "INCRBYFLOAT f 1e-5000",
        "INCRBYFLOAT f 1e-4940",
        "INCRBYFLOAT f .5",
        "INCRBYFLOAT f 5.",
        "INCRBYFLOAT f +5",
        "INCRBYFLOAT f 1e",
        "INCRBYFLOAT f .",
        // strtold reads hexadecimal floats too.
        "INCRBYFLOAT h 0x10",
        "INCRBYFLOAT h 0x1p-2",
        "INCRBYFLOAT h 0X.8P1",
        "INCRBYFLOAT h -0x1.8",
        "INCRBYFLOAT h 0x",
        "INCRBYFLOAT h 0x1p",
        "INCRBYFLOAT h 0x123456789abcdef12p0",
        "INCRBYFLOAT n 1",
        "INCRBYFLOAT n 2",
        "INCRBYFLOAT nf abc",
        "GET nf",
        "SET i 10",
        "INCRBYFLOAT i 0.1",
        "INCRBYFLOAT i -10.1",
        "SET i 9223372036854775807",
        "INCRBYFLOAT i 1",
        "SET d 1e3",
        "INCRBYFLOAT d 1",
        "SET d \"  5\"",
        "INCRBYFLOAT d 1",
        "SET d \"\"",
        "INCRBYFLOAT d 1",
        "SET d -0",
        "INCRBYFLOAT d 0",
        "SET d inf",
        "INCRBYFLOAT d 1",
        "INCRBYFLOAT big 1.0e3000",
        "INCRBYFLOAT big -1e3000",
        "INCRBYFLOAT max 0x1.fffffffffffffffep16383",
        "INCRBYFLOAT max 0x1.fffffffffffffffep16383",
        "INCRBYFLOAT max -1",
        "INCRBYFLOAT",
        "INCRBYFLOAT f",
    ]);
    // Binary-safe: a NUL does not end the number (Redis checks that
    // strtold read every byte).
    p.run_args(&[b"INCRBYFLOAT", b"z", b"1\x00abc"]);
    p.run_args(&[b"INCRBYFLOAT", b"z", b"\x00"]);
    p.run_args(&[b"SET", b"z", b"2\x00junk"]);
    p.run_args(&[b"INCRBYFLOAT", b"z", b"1"]);
    p.run_args(&[b"SET", b"z", b"\x001"]);
    p.run_args(&[b"INCRBYFLOAT", b"z", b"1"]);
    p.run_args(&[b"INCRBY", b"z", b"1\x00"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lcs_replies_in_resp2_and_resp3() {
    let mut p = parity!();
    let lines = [
        "MSET a ohmytext b mynewtext",
        "LCS a b",
        "LCS a b LEN",
        "LCS a b IDX",
        "LCS a b IDX WITHMATCHLEN",
        "LCS a b IDX MINMATCHLEN 4",
        "LCS a b IDX MINMATCHLEN 4 WITHMATCHLEN",
        "LCS a b IDX MINMATCHLEN -5",
        "LCS a b IDX MINMATCHLEN 100",
        "LCS a b MINMATCHLEN 3",
        "LCS a b LEN WITHMATCHLEN",
        "LCS a b LEN LEN",
        "LCS a b withmatchlen",
        "LCS a b IDX LEN",
        "LCS a b LEN IDX",
        "LCS a b FOO",
        "LCS a b MINMATCHLEN",
        "LCS a b MINMATCHLEN x",
        "LCS a b MINMATCHLEN x IDX LEN",
        "LCS a nokey",
        "LCS a nokey IDX",
        "LCS nokey nokey2 LEN",
        "LCS a a IDX WITHMATCHLEN",
        "SET n 1234567",
        "LCS n a",
        "MSET p abcXdefYghi q abcdefghi",
        "LCS p q IDX WITHMATCHLEN",
        "LCS q p IDX WITHMATCHLEN",
        "MSET r \"\" s \"\"",
        "LCS r s",
        "LCS r s IDX",
        "LCS a",
    ];
    p.run_all(&lines);
    p.pair.resp3();
    p.run_all(&lines);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn encodings_follow_redis() {
    let mut p = parity!();
    let long = "x".repeat(45);
    let cases: Vec<(String, &str, &str)> = vec![
        ("SET k 123".into(), "k", "int"),
        ("SET k -9223372036854775808".into(), "k", "int"),
        ("SET k 0123".into(), "k", "embstr"),
        ("SET k 12345678901234567890".into(), "k", "embstr"),
        ("SET k hello".into(), "k", "embstr"),
        (format!("SET k {}", "x".repeat(44)), "k", "embstr"),
        (format!("SET k {long}"), "k", "raw"),
        ("APPEND k x".into(), "k", "raw"),
        ("SET k 1".into(), "k", "int"),
        ("APPEND k 2".into(), "k", "raw"),
        ("INCR k".into(), "k", "int"),
        ("APPEND k \"\"".into(), "k", "raw"),
        ("SET k 12".into(), "k", "int"),
        ("SETRANGE k 0 \"\"".into(), "k", "int"),
        ("SETRANGE k 0 3".into(), "k", "raw"),
        ("APPEND fresh 123".into(), "fresh", "int"),
        ("APPEND fresh2 abc".into(), "fresh2", "embstr"),
        ("SETRANGE fresh3 0 abc".into(), "fresh3", "raw"),
        ("INCR counter".into(), "counter", "int"),
        ("INCRBYFLOAT f 1".into(), "f", "embstr"),
        ("INCR f".into(), "f", "int"),
        ("INCRBYFLOAT f 1.5".into(), "f", "embstr"),
        ("INCRBYFLOAT f 1e30".into(), "f", "embstr"),
        ("INCRBYFLOAT f 1e50".into(), "f", "raw"),
        ("MSET m1 5 m2 abc".into(), "m1", "int"),
        ("MSETNX m3 7".into(), "m3", "int"),
        ("GETSET m2 42".into(), "m2", "int"),
        ("SETEX e 100 99".into(), "e", "int"),
        ("PSETEX e 100000 v".into(), "e", "embstr"),
        ("SETNX nx 1".into(), "nx", "int"),
        ("SET g 5 GET".into(), "g", "int"),
    ];
    for (line, key, expected) in &cases {
        p.run(line);
        assert_encoding(&mut p, key, expected);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn wrong_type_keys() {
    let mut p = parity!();
    if !sim_has(&mut p, "lpush") {
        return;
    }
    p.run_all(&[
        "LPUSH l a",
        "SET s abc",
        "GET l",
        "SET l v GET",
        "SET l v NX GET",
        "SET l v XX GET",
        "SET l v EX 0 GET",
        "SET l v NX",
        "GETSET l v",
        "GETDEL l",
        "GETEX l",
        "GETEX l EX 100",
        "GETEX l EX -5",
        "GETEX l FOO",
        "MGET s l nokey",
        "APPEND l x",
        "STRLEN l",
        "GETRANGE l 0 -1",
        "GETRANGE l x 1",
        "SUBSTR l 0 -1",
        "SETRANGE l 0 x",
        "SETRANGE l 0 \"\"",
        "SETRANGE l -1 x",
        "SETRANGE l 536870912 x",
        "INCR l",
        "DECR l",
        "INCRBY l 1",
        "INCRBY l abc",
        "DECRBY l -9223372036854775808",
        "INCRBYFLOAT l 1",
        "INCRBYFLOAT l abc",
        "LCS s l",
        "LCS l s",
        "LCS l s FOO",
        "LCS l s IDX LEN",
        "MSETNX l 1 z 2",
        "SET l v",
        "GET l",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn deadlines_parity_through_ttl() {
    let mut p = parity!();
    if !sim_has(&mut p, "ttl") {
        return;
    }
    p.run_all(&[
        "SET k v EX 100",
        "TTL k",
        "SET k v KEEPTTL",
        "TTL k",
        "SET k v",
        "TTL k",
        "SET k v EXAT 99999999999",
        "TTL k",
        "INCR n",
        "SET n 1 EX 100",
        "INCR n",
        "TTL n",
        "APPEND n 1",
        "TTL n",
        "SETRANGE n 0 5",
        "TTL n",
        "INCRBYFLOAT n 1.5",
        "TTL n",
        "GETSET n 1",
        "TTL n",
        "SETEX n 100 v",
        "TTL n",
        "GETEX n PERSIST",
        "TTL n",
        "GETEX n EX 200",
        "TTL n",
        "MSET n 1",
        "TTL n",
        "SET n v EX 50",
        "SET n w NX EX 10",
        "TTL n",
        "SET n w XX GET EX 500",
        "TTL n",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keyspace_events() {
    let mut p = parity!();
    if !sim_has(&mut p, "psubscribe") {
        return;
    }
    p.run("CONFIG SET notify-keyspace-events KEA");
    let mut sub = p.new_pair();
    sub.both("PSUBSCRIBE __keyevent@0__:*");
    p.run_all(&[
        "SET k v",
        "SET k v EX 100",
        "SET k 1 KEEPTTL",
        "SET k v NX",
        "SETNX k v",
        "SETEX k 10 v",
        "PSETEX k 10000 v",
        "GETSET k v",
        "MSET a 1 b 2",
        "MSETNX a 1 c 3",
        "MSETNX c 3 d 4",
        "APPEND a x",
        "SETRANGE a 0 y",
        "SETRANGE a 0 \"\"",
        "INCR c",
        "DECR c",
        "INCRBY c 5",
        "DECRBY c 5",
        "INCRBYFLOAT c 1.5",
        "GETEX a EX 100",
        "GETEX a PERSIST",
        "GETEX a PERSIST",
        "GETEX a PXAT 1",
        "GETDEL b",
        "GETDEL b",
        "SET k v PXAT 1",
        "GET k",
        "GET c",
        "LCS c d",
        "CONFIG SET notify-keyspace-events \"\"",
    ]);
    let mut sim_events = Vec::new();
    let mut real_events = Vec::new();
    while let Some(r) = sub.sim.try_read_reply(Duration::from_millis(300)) {
        sim_events.push(String::from_utf8_lossy(&r).into_owned());
    }
    while let Some(r) = sub.real.try_read_reply(Duration::from_millis(300)) {
        real_events.push(String::from_utf8_lossy(&r).into_owned());
    }
    assert_eq!(sim_events, real_events);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_nulls_and_values() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "GET nokey",
        "SET k v NX",
        "SET k v NX",
        "SET k w GET",
        "SET nokey v XX",
        "GETEX nokey",
        "GETDEL nokey",
        "GETSET nokey v",
        "MGET k nokey",
        "INCRBYFLOAT f 1.5",
        "INCR c",
        "GETRANGE nokey 0 1",
    ]);
}

// ---------------------------------------------------------------------------
// Deadlines, against a manual clock (no TTL command needed)
// ---------------------------------------------------------------------------

fn manual() -> (ManualClock, Server, redsim::LocalConnection) {
    let clock = ManualClock::new();
    let server = Server::builder()
        .clock(&clock)
        .listen(false)
        .start()
        .expect("start redsim");
    let con = server.connection();
    (clock, server, con)
}

fn get(con: &mut redsim::LocalConnection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(con).expect("GET")
}

fn run(con: &mut redsim::LocalConnection, args: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(con).expect("command")
}

fn now_secs(clock: &ManualClock) -> u64 {
    clock
        .now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn set_ex_px_exat_pxat_expire_just_after_their_deadline() {
    // Redis's rule is `now > deadline`: a key lives through the millisecond
    // of its deadline and is gone the next.
    let (clock, _server, mut con) = manual();
    let exat = (now_secs(&clock) + 20).to_string();
    let pxat = ((now_secs(&clock) + 30) * 1000).to_string();
    run(&mut con, &["SET", "ex", "v", "EX", "10"]);
    run(&mut con, &["SET", "px", "v", "PX", "5000"]);
    run(&mut con, &["SET", "exat", "v", "EXAT", &exat]);
    run(&mut con, &["SET", "pxat", "v", "PXAT", &pxat]);
    run(&mut con, &["SETEX", "setex", "3", "v"]);
    run(&mut con, &["PSETEX", "psetex", "1500", "v"]);
    clock.advance(Duration::from_millis(1500));
    assert!(get(&mut con, "psetex").is_some());
    clock.advance(Duration::from_millis(1));
    assert!(get(&mut con, "psetex").is_none());
    clock.advance(Duration::from_millis(1500));
    assert!(get(&mut con, "setex").is_none());
    assert!(get(&mut con, "px").is_some());
    clock.advance(Duration::from_secs(2));
    assert!(get(&mut con, "px").is_none());
    assert!(get(&mut con, "ex").is_some());
    clock.advance(Duration::from_secs(5));
    assert!(get(&mut con, "ex").is_none());
    assert!(get(&mut con, "exat").is_some());
    clock.advance(Duration::from_secs(20));
    assert!(get(&mut con, "exat").is_none());
    assert!(get(&mut con, "pxat").is_none());
}

#[test]
fn keepttl_and_in_place_changes_keep_the_deadline_while_set_and_getset_clear_it() {
    let (clock, _server, mut con) = manual();
    for key in [
        "keepttl", "incr", "append", "setrange", "float", "set", "getset", "nx",
    ] {
        run(&mut con, &["SET", key, "1", "EX", "10"]);
    }
    run(&mut con, &["SET", "keepttl", "2", "KEEPTTL"]);
    run(&mut con, &["INCR", "incr"]);
    run(&mut con, &["APPEND", "append", "x"]);
    run(&mut con, &["SETRANGE", "setrange", "0", "x"]);
    run(&mut con, &["INCRBYFLOAT", "float", "0.5"]);
    run(&mut con, &["SET", "set", "2"]);
    run(&mut con, &["GETSET", "getset", "2"]);
    run(&mut con, &["SET", "nx", "2", "NX", "EX", "1000"]);
    clock.advance(Duration::from_millis(10_001));
    for key in ["keepttl", "incr", "append", "setrange", "float", "nx"] {
        assert_eq!(get(&mut con, key), None, "{key} should have expired");
    }
    assert_eq!(get(&mut con, "set").as_deref(), Some("2"));
    assert_eq!(get(&mut con, "getset").as_deref(), Some("2"));
}

#[test]
fn getex_sets_moves_and_removes_deadlines() {
    let (clock, _server, mut con) = manual();
    run(&mut con, &["SET", "a", "1"]);
    run(&mut con, &["SET", "b", "2", "EX", "5"]);
    run(&mut con, &["SET", "c", "3", "EX", "5"]);
    let got: Option<String> = redis::cmd("GETEX")
        .arg("a")
        .arg("PX")
        .arg(2000)
        .query(&mut con)
        .unwrap();
    assert_eq!(got.as_deref(), Some("1"));
    let got: Option<String> = redis::cmd("GETEX")
        .arg("b")
        .arg("PERSIST")
        .query(&mut con)
        .unwrap();
    assert_eq!(got.as_deref(), Some("2"));
    let later = now_secs(&clock) + 100;
    run(&mut con, &["GETEX", "c", "EXAT", &later.to_string()]);
    clock.advance(Duration::from_millis(2_001));
    assert_eq!(get(&mut con, "a"), None);
    clock.advance(Duration::from_secs(10));
    assert_eq!(get(&mut con, "b").as_deref(), Some("2"));
    assert_eq!(get(&mut con, "c").as_deref(), Some("3"));
    clock.advance(Duration::from_secs(100));
    assert_eq!(get(&mut con, "c"), None);
    // A plain GETEX leaves the deadline alone.
    run(&mut con, &["SET", "d", "4", "PX", "100"]);
    run(&mut con, &["GETEX", "d"]);
    clock.advance(Duration::from_millis(101));
    assert_eq!(get(&mut con, "d"), None);
}

#[test]
fn relative_expiry_counts_from_the_server_clock() {
    // A clock far in the past still gives EX its meaning: the deadline is
    // the server's now plus the duration, whatever the wall clock says.
    let clock = ManualClock::starting_at(std::time::UNIX_EPOCH + Duration::from_secs(1000));
    let server = Server::builder()
        .clock(&clock)
        .listen(false)
        .start()
        .unwrap();
    let mut con = server.connection();
    run(&mut con, &["SET", "k", "v", "EX", "10"]);
    // EXAT 1005 is 5 s ahead of the server's time, however far behind the
    // wall clock that is.
    run(&mut con, &["SET", "at", "v", "EXAT", "1005"]);
    clock.advance(Duration::from_millis(5_001));
    assert_eq!(get(&mut con, "at"), None);
    assert!(get(&mut con, "k").is_some());
    clock.advance(Duration::from_secs(5));
    assert_eq!(get(&mut con, "k"), None);
}

// ---------------------------------------------------------------------------
// A seeded random walk over the whole family
// ---------------------------------------------------------------------------

/// A small deterministic generator (SplitMix64), so that a failing walk
/// can be replayed from its seed.
struct Walk(u64);

impl Walk {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn key(&mut self) -> String {
        format!("k{}", self.below(6))
    }

    fn value(&mut self) -> String {
        match self.below(6) {
            0 => (self.below(2000) as i64 - 1000).to_string(),
            1 => format!("{}.{}", self.below(100), self.below(1000)),
            2 => self
                .pick(&[
                    "",
                    "0",
                    "-0",
                    "01",
                    " 1",
                    "1e3",
                    "0x1p3",
                    "inf",
                    "9223372036854775807",
                ])
                .to_string(),
            _ => {
                let len = self.below(12) as usize;
                (0..len)
                    .map(|_| (b'a' + self.below(4) as u8) as char)
                    .collect()
            }
        }
    }

    fn index(&mut self) -> String {
        (self.below(40) as i64 - 20).to_string()
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_walk_matches_redis() {
    let mut p = parity!();
    for seed in [1u64, 2, 3] {
        let mut w = Walk(seed);
        p.run("FLUSHALL");
        for step in 0..700 {
            let (k, k2, v) = (w.key(), w.key(), w.value());
            let q = |s: &str| format!("\"{s}\"");
            let line = match w.below(20) {
                0 => format!(
                    "SET {k} {} {}",
                    q(&v),
                    w.pick(&[
                        "",
                        "NX",
                        "XX",
                        "GET",
                        "NX GET",
                        "XX GET",
                        "EX 1000",
                        "KEEPTTL",
                        "PX 1000000 GET"
                    ])
                ),
                1 => format!("GET {k}"),
                2 => format!("APPEND {k} {}", q(&v)),
                3 => format!("GETRANGE {k} {} {}", w.index(), w.index()),
                4 => format!("SETRANGE {k} {} {}", w.below(12), q(&v)),
                5 => format!("INCR {k}"),
                6 => format!("DECRBY {k} {}", w.index()),
                7 => format!("INCRBYFLOAT {k} {}", q(&v)),
                8 => format!("STRLEN {k}"),
                9 => format!("MGET {k} {k2} nokey"),
                10 => format!("MSETNX {k} {} {k2} {}", q(&v), q(&w.value())),
                11 => format!("MSET {k} {} {k2} {}", q(&v), q(&w.value())),
                12 => format!("GETSET {k} {}", q(&v)),
                13 => format!("GETDEL {k}"),
                14 => format!(
                    "GETEX {k} {}",
                    w.pick(&["", "PERSIST", "EX 1000", "PX 5000000"])
                ),
                15 => format!(
                    "LCS {k} {k2} {}",
                    w.pick(&["", "LEN", "IDX", "IDX WITHMATCHLEN", "IDX MINMATCHLEN 2"])
                ),
                16 => format!("SETNX {k} {}", q(&v)),
                17 => format!("INCRBY {k} {}", q(&v)),
                18 => format!("SUBSTR {k} {} {}", w.index(), w.index()),
                _ => format!("SETEX {k} 1000 {}", q(&v)),
            };
            let (sim, real) = p.both(&line);
            assert_eq!(
                String::from_utf8_lossy(&sim),
                String::from_utf8_lossy(&real),
                "seed {seed}, step {step}: {line}"
            );
            if w.below(10) == 0 {
                let (sim, real) = encodings(&mut p.pair, &k);
                assert_eq!(
                    sim, real,
                    "encoding of {k} after seed {seed}, step {step}: {line}"
                );
            }
        }
    }
}
