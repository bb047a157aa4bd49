//! Parity with real Redis 7.0: the set commands (SADD, SREM, SMEMBERS,
//! SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE, SINTER,
//! SINTERCARD, SINTERSTORE, SUNION, SUNIONSTORE, SDIFF, SDIFFSTORE, SSCAN).
//!
//! Sets of integers are intsets in Redis, which answer in ascending
//! numeric order, so their replies are compared raw; other sets are
//! compared sorted. Random picks are compared by shape: reply type,
//! length, distinctness and membership.

use std::collections::BTreeSet;

use support::{Pair, parity, split_aggregate};

/// The value of a raw bulk-string frame (`$3\r\nabc\r\n` → `abc`).
fn bulk(frame: &[u8]) -> Vec<u8> {
    assert_eq!(frame.first(), Some(&b'$'), "not a bulk: {frame:?}");
    let start = frame.windows(2).position(|w| w == b"\r\n").expect("header") + 2;
    frame[start..frame.len() - 2].to_vec()
}

/// The header and elements of an aggregate reply.
fn parts(reply: &[u8], resp3: bool) -> (Vec<u8>, Vec<Vec<u8>>) {
    split_aggregate(reply, resp3).unwrap_or_else(|| panic!("not an aggregate: {reply:?}"))
}

/// Sends `line` to both servers, checks the replies have the same header
/// (type and length), and returns redsim's elements as values.
fn same_shape(p: &mut Pair, line: &str, resp3: bool) -> Vec<Vec<u8>> {
    let (sim, real) = p.both(line);
    let (sh, si) = parts(&sim, resp3);
    let (rh, _) = parts(&real, resp3);
    assert_eq!(
        String::from_utf8_lossy(&sh),
        String::from_utf8_lossy(&rh),
        "header of {line}"
    );
    si.iter().map(|m| bulk(m)).collect()
}

fn members(names: &[&str]) -> BTreeSet<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sadd_and_srem_count_what_changed() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s a b c",
        "SADD s a d a",
        "SCARD s",
        "SISMEMBER s a",
        "SISMEMBER s z",
        "SMISMEMBER s a z d",
        "SREM s z",
        "SREM s a a z",
        "SCARD s",
        "SADD s \"\"",
        "SISMEMBER s \"\"",
        "SCARD s",
    ]);
    p.run_sorted("SMEMBERS s");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn removing_the_last_member_deletes_the_key() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s a b",
        "SREM s a b c",
        "HLEN s",
        "SCARD s",
        "SADD s 1",
        "SPOP s",
        "HLEN s",
        "SADD s 1 2",
        "SPOP s 5",
        "HLEN s",
        "SADD a x",
        "SMOVE a b x",
        "HLEN a",
        "SMEMBERS b",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn intsets_answer_in_numeric_order() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s 10 -3 2 -9223372036854775808 9223372036854775807 0",
        "SMEMBERS s",
        "SSCAN s 0",
        "SSCAN s 0 MATCH *2*",
        "SRANDMEMBER s 100",
        "SADD t 2 10 77",
        "SINTER s t",
        "SUNION s t",
        "SDIFF s t",
        "SDIFF t s",
        "SINTERSTORE d s t",
        "SMEMBERS d",
        "SUNIONSTORE d s t",
        "SMEMBERS d",
        "SREM s 0",
        "SMEMBERS s",
        "SPOP t 3",
        // A hashtable left with only integers pops whole through a new
        // set, hence as an intset, in order.
        "SADD ht 5 3 x 1 9",
        "SREM ht x",
        "SPOP ht 10",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn integers_in_odd_forms_are_plain_strings() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s 01 -0 +1 \" 1\" 1.0 9223372036854775808",
        "SISMEMBER s 1",
        "SISMEMBER s 01",
        "SADD s 1",
        "SCARD s",
        "SREM s 1",
        "SISMEMBER s 01",
    ]);
    p.run_sorted("SMEMBERS s");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn arity_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s",
        "SREM s",
        "SMEMBERS",
        "SMEMBERS s t",
        "SISMEMBER s",
        "SMISMEMBER s",
        "SCARD",
        "SPOP",
        "SRANDMEMBER",
        "SMOVE a b",
        "SINTER",
        "SINTERCARD 1",
        "SINTERSTORE d",
        "SUNION",
        "SUNIONSTORE d",
        "SDIFF",
        "SDIFFSTORE d",
        "SSCAN s",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn every_set_command_refuses_another_type() {
    let mut p = parity!();
    p.run_all(&[
        "SET str x",
        "HSET h f v",
        "SADD s a",
        "SADD str a",
        "SREM str a",
        "SMEMBERS str",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SCARD h",
        "SPOP str",
        "SPOP str 0",
        "SPOP str 3",
        "SRANDMEMBER str",
        "SRANDMEMBER str 0",
        "SRANDMEMBER str -3",
        "SSCAN str 0",
        "SSCAN str 0 COUNT 0",
        "GET str",
        // Argument errors come before the type check.
        "SPOP str -1",
        "SPOP str x",
        "SPOP str 1 2",
        "SRANDMEMBER str x",
        "SRANDMEMBER str 1 2",
        "SSCAN str x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn missing_keys_read_as_empty_sets() {
    let mut p = parity!();
    p.run_all(&[
        "SMEMBERS nosuch",
        "SISMEMBER nosuch a",
        "SMISMEMBER nosuch a b",
        "SCARD nosuch",
        "SREM nosuch a",
        "SPOP nosuch",
        "SPOP nosuch 0",
        "SPOP nosuch 3",
        "SRANDMEMBER nosuch",
        "SRANDMEMBER nosuch 0",
        "SRANDMEMBER nosuch 3",
        "SRANDMEMBER nosuch -3",
        "SSCAN nosuch 0",
        "SSCAN nosuch 0 COUNT 0",
        "SSCAN nosuch 0 NOPE",
        "SINTER nosuch",
        "SUNION nosuch other",
        "SDIFF nosuch",
        "SINTERCARD 2 nosuch other",
        "HLEN nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn binary_members_round_trip() {
    let mut p = parity!();
    p.run_args(&[b"SADD", b"s", b"a\x00b", b"\x00", b"", b"\xff\xfe"]);
    p.run_args(&[b"SISMEMBER", b"s", b"a\x00b"]);
    p.run_args(&[b"SISMEMBER", b"s", b"a"]);
    p.run_args(&[b"SMISMEMBER", b"s", b"\x00", b"", b"\x00\x00"]);
    p.run_sorted("SMEMBERS s");
    p.run_args(&[b"SREM", b"s", b"a\x00b"]);
    p.run_args(&[b"SMOVE", b"s", b"t", b"\x00"]);
    p.run_sorted("SMEMBERS s");
    p.run("SMEMBERS t");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn spop_and_srandmember_argument_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s a b c",
        "SPOP s -1",
        "SPOP s x",
        "SPOP s 9223372036854775808",
        "SPOP s 1 2",
        "SPOP nosuch -1",
        "SPOP s 0",
        "SRANDMEMBER s x",
        "SRANDMEMBER s 1.5",
        "SRANDMEMBER s 1 2",
        "SRANDMEMBER s -9223372036854775808",
        "SRANDMEMBER s 0",
        "SCARD s",
    ]);
    p.run_sorted("SRANDMEMBER s 9223372036854775807");
}

/// Checks SRANDMEMBER's random replies on the set `s` holding `all`.
fn check_srandmember(p: &mut Pair, resp3: bool, all: &BTreeSet<Vec<u8>>) {
    let n = all.len();
    let (sim, real) = p.both("SRANDMEMBER s");
    assert!(all.contains(&bulk(&sim)));
    assert!(all.contains(&bulk(&real)));
    for count in [1, 2, n - 1] {
        let got: BTreeSet<Vec<u8>> = same_shape(p, &format!("SRANDMEMBER s {count}"), resp3)
            .into_iter()
            .collect();
        assert_eq!(got.len(), count, "distinct");
        assert!(got.is_subset(all));
    }
    for count in [-1, -5, -50] {
        let got = same_shape(p, &format!("SRANDMEMBER s {count}"), resp3);
        assert!(got.iter().all(|m| all.contains(m)));
    }
    p.run_sorted(&format!("SRANDMEMBER s {}", n + 3));
    p.run("SCARD s");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn srandmember_picks_members_without_removing_them() {
    let mut p = parity!();
    p.run("SADD s 1 2 3 4 5 6 7 8 9 10");
    check_srandmember(
        &mut p.pair,
        false,
        &(1..=10).map(|i| i.to_string().into_bytes()).collect(),
    );
    p.run("SADD s a");
    let mut all: BTreeSet<Vec<u8>> = (1..=10).map(|i| i.to_string().into_bytes()).collect();
    all.insert(b"a".to_vec());
    check_srandmember(&mut p.pair, false, &all);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn spop_removes_what_it_returns() {
    let mut p = parity!();
    let words = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
    // Few popped (picked one by one), many popped (survivors picked), all.
    for count in [1usize, 3, 11, 12, 20] {
        p.run("DEL s");
        p.run(&format!("SADD s {}", words.join(" ")));
        let popped = same_shape(&mut p.pair, &format!("SPOP s {count}"), false);
        let popped_set: BTreeSet<Vec<u8>> = popped.iter().cloned().collect();
        assert_eq!(popped_set.len(), popped.len(), "distinct");
        assert_eq!(popped.len(), count.min(words.len()));
        p.run("SCARD s");
        p.run("HLEN s");
        let (rest, _) = p.pair.both("SMEMBERS s");
        let rest: BTreeSet<Vec<u8>> = parts(&rest, false).1.iter().map(|m| bulk(m)).collect();
        assert!(rest.is_disjoint(&popped_set));
        assert_eq!(rest.len() + popped.len(), words.len());
    }
    // One at a time until the key is gone.
    p.run("SADD t 1 2 3");
    let (mut sims, mut reals) = (BTreeSet::new(), BTreeSet::new());
    for _ in 0..3 {
        let (sim, real) = p.both("SPOP t");
        sims.insert(bulk(&sim));
        reals.insert(bulk(&real));
    }
    // Each pops every member once, in its own random order.
    assert_eq!(sims, members(&["1", "2", "3"]));
    assert_eq!(reals, sims);
    p.run_all(&["HLEN t", "SPOP t", "SPOP t 1"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn smove_checks_and_moves_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "SADD a 1 2",
        "SADD b 2 x",
        "SET str v",
        "SMOVE nosuch b 1",
        "SMOVE nosuch str 1",
        "SMOVE str b 1",
        "SMOVE a str 1",
        "SMOVE a str 9",
        "SMOVE a a 1",
        "SMOVE a a 9",
        "SMOVE a b 9",
        "SMOVE a b 2",
        "SMEMBERS a",
        "SMOVE a fresh 1",
        "HLEN a",
        "SMEMBERS fresh",
        "SMOVE fresh b 1",
        "HLEN fresh",
    ]);
    p.run_sorted("SMEMBERS b");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sintercard_checks_numkeys_then_options_then_keys() {
    let mut p = parity!();
    p.run_all(&[
        "SADD a 1 2 3 x",
        "SADD b 2 3 4 x",
        "SET str v",
        "SINTERCARD 0 a",
        "SINTERCARD -1 a",
        "SINTERCARD x a",
        "SINTERCARD 9223372036854775808 a",
        "SINTERCARD 3 a b",
        "SINTERCARD 2 a b",
        "SINTERCARD 1 a",
        "SINTERCARD 2 a b LIMIT 1",
        "SINTERCARD 2 a b LIMIT 2",
        "SINTERCARD 2 a b LIMIT 0",
        "SINTERCARD 2 a b LIMIT 100",
        "SINTERCARD 2 a b limit 5 LIMIT 1",
        "SINTERCARD 2 a b LIMIT -1",
        "SINTERCARD 2 a b LIMIT x",
        "SINTERCARD 2 a b LIMIT",
        "SINTERCARD 2 a b FOO 1",
        "SINTERCARD 1 a b",
        "SINTERCARD 2 a str",
        "SINTERCARD 2 nosuch str",
        "SINTERCARD 2 a nosuch",
        "SINTERCARD 2 str b LIMIT x",
        "SINTERCARD 2 a a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_algebra_over_missing_and_wrong_type_keys() {
    let mut p = parity!();
    p.run_all(&[
        "SADD a 1 2 3 x",
        "SADD b 2 3 4 y",
        "SET str v",
        "SINTER a str",
        "SINTER nosuch str",
        "SINTER str nosuch",
        "SUNION a str",
        "SUNION nosuch str",
        "SDIFF str nosuch",
        "SDIFF nosuch str",
        "SDIFF a str",
        "SINTER a nosuch",
        "SDIFF nosuch a",
        "SDIFF a a",
        "SDIFF a b a",
        "SUNION nosuch other",
    ]);
    for line in [
        "SINTER a b",
        "SINTER a",
        "SINTER a a b",
        "SUNION a b",
        "SUNION a nosuch b",
        "SDIFF a b",
        "SDIFF a nosuch b",
        "SDIFF b a nosuch",
        "SDIFF a b b b b",
    ] {
        p.run_sorted(line);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn store_commands_replace_or_delete_the_destination() {
    let mut p = parity!();
    p.run_all(&[
        "SADD a 1 2 3 x",
        "SADD b 2 3 4 y",
        "SET str v",
        "HSET h f v",
        // The destination's type does not matter; it is replaced.
        "SINTERSTORE str a b",
        "SCARD str",
        "SUNIONSTORE h a b",
        "SCARD h",
        "SDIFFSTORE d a b",
        "SCARD d",
        // An empty result deletes the destination.
        "SET str v",
        "SINTERSTORE str a nosuch",
        "HLEN str",
        "SET str v",
        "SUNIONSTORE str nosuch",
        "HLEN str",
        "SET str v",
        "SDIFFSTORE str a a",
        "HLEN str",
        "SDIFFSTORE nothing a a",
        "HLEN nothing",
        // A wrong-type source fails even after a missing one, and leaves
        // the destination alone.
        "SET str v",
        "SINTERSTORE d nosuch str",
        "SUNIONSTORE d a str",
        "SDIFFSTORE d nosuch str",
        "SCARD d",
        // A source may be the destination.
        "SUNIONSTORE a a b",
        "SCARD a",
        "SINTERSTORE b b a",
        "SCARD b",
        "SDIFFSTORE a a b",
        "SCARD a",
        // Integers only: the stored set answers in order.
        "SADD i 5 1 3",
        "SADD j 3 4 1",
        "SUNIONSTORE u i j",
        "SMEMBERS u",
        "SINTERSTORE n i j",
        "SMEMBERS n",
    ]);
    for key in ["str", "h", "d", "a", "b"] {
        p.run_sorted(&format!("SMEMBERS {key}"));
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sscan_options_and_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s a b ab \"\"",
        "SSCAN s 0 MATCH a* MATCH b*",
        "SSCAN s 0 COUNT 0",
        "SSCAN s 0 COUNT -1",
        "SSCAN s 0 COUNT x",
        "SSCAN s 0 COUNT",
        "SSCAN s 0 MATCH",
        "SSCAN s 0 TYPE string",
        "SSCAN s 0 NOVALUES",
        "SSCAN s x",
        "SSCAN s \" 1\"",
        "SSCAN s 18446744073709551616",
        "SSCAN nosuch x",
        "SADD i 3 1 2",
        "SSCAN i 0",
        "SSCAN i 5 COUNT 1",
        "SSCAN i -1",
        "SSCAN i \"\"",
        "SSCAN i +3",
        "SSCAN i 007",
        "SSCAN i 0 MATCH 1",
    ]);
    for line in [
        "SSCAN s 0",
        "SSCAN s 0 MATCH a*",
        "SSCAN s 0 MATCH *",
        "SSCAN s 0 MATCH **",
    ] {
        let (sim, real) = p.both(line);
        let (si, ri) = (parts(&sim, false).1, parts(&real, false).1);
        assert_eq!(si[0], ri[0], "cursor of {line}");
        assert_eq!(
            support::sorted(&si[1], false),
            support::sorted(&ri[1], false),
            "{line}"
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sscan_over_a_hashtable_returns_every_member() {
    let mut p = parity!();
    let mut expected = BTreeSet::new();
    for i in 0..300 {
        p.run(&format!("SADD s m{i}"));
        expected.insert(format!("m{i}").into_bytes());
    }
    for count in [1, 10, 64, 1000] {
        let mut seen = BTreeSet::new();
        let mut cursor = b"0".to_vec();
        let mut calls = 0;
        loop {
            let line = format!("SSCAN s {} COUNT {count}", String::from_utf8_lossy(&cursor));
            let args = support::split_command(&line);
            let reply = p
                .pair
                .sim
                .call(&args.iter().map(|a| a.as_slice()).collect::<Vec<_>>());
            let (_, items) = parts(&reply, false);
            cursor = bulk(&items[0]);
            seen.extend(parts(&items[1], false).1.iter().map(|m| bulk(m)));
            calls += 1;
            if cursor == b"0" {
                break;
            }
            assert!(calls < 1000, "scan does not end");
        }
        assert_eq!(seen, expected, "COUNT {count}");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn conversion_past_the_intset_limit() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG SET set-max-intset-entries 3",
        "SADD s 3 1 2",
        "SMEMBERS s",
        "SADD s 3",
        "SMEMBERS s",
        "SADD s 4",
        "SREM s 4",
        "SCARD s",
        "SADD z 5 6 7 8",
        "SCARD z",
    ]);
    p.run_sorted("SMEMBERS s");
    p.run_sorted("SMEMBERS z");
    p.run("CONFIG SET set-max-intset-entries 512");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_replies_in_resp3() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "SADD s 3 1 2",
        "SADD t 2 3 4",
        "SMEMBERS s",
        "SMEMBERS nosuch",
        "SINTER s t",
        "SINTER s nosuch",
        "SDIFF s t",
        "SUNION nosuch",
        "SDIFF nosuch",
        "SUNION s t",
        "SMISMEMBER s 1 9",
        "SMISMEMBER nosuch 1",
        "SISMEMBER s 1",
        "SCARD s",
        "SRANDMEMBER nosuch",
        "SRANDMEMBER nosuch 2",
        "SRANDMEMBER s 0",
        "SRANDMEMBER s 10",
        "SPOP nosuch",
        "SPOP nosuch 2",
        "SPOP s 0",
        "SSCAN s 0",
        "SSCAN nosuch 0",
        "SINTERCARD 2 s t",
        "SINTERSTORE d s t",
        "SMOVE s t 1",
    ]);
    let all = members(&["1", "2", "3", "4"]);
    let got: BTreeSet<Vec<u8>> = same_shape(&mut p.pair, "SRANDMEMBER t 2", true)
        .into_iter()
        .collect();
    assert!(got.len() == 2 && got.is_subset(&all));
    same_shape(&mut p.pair, "SRANDMEMBER t -5", true);
    let popped = same_shape(&mut p.pair, "SPOP t 2", true);
    assert_eq!(popped.len(), 2);
    assert_eq!(same_shape(&mut p.pair, "SPOP t 10", true).len(), 2);
    p.run("HLEN t");
    let (sim, real) = p.both("SPOP s");
    assert_eq!((sim.first(), sim.len()), (real.first(), real.len()));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn set_writes_touch_watched_keys_as_redis_does() {
    let mut p = parity!();
    p.run_all(&["SADD a x y", "SADD b x"]);
    // SMOVE of a member the destination already has leaves it untouched.
    p.run_all(&["WATCH b", "SMOVE a b x", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH a", "SMOVE a b zz", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH b", "SADD b x", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH b", "SREM b nosuch", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH b", "SADD b new", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH a", "SMOVE a b y", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH d", "SINTERSTORE d nosuch", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH d", "SUNIONSTORE d b", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH d", "SINTERSTORE d nosuch", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH d", "SPOP d 0", "MULTI", "PING", "EXEC"]);
}

/// A deliberate difference: Redis starts answering `SRANDMEMBER s -N` for
/// any N and, for N near 2⁶³, grows its output buffer until the process
/// runs out of memory. redsim refuses such counts with Redis's range error
/// (see `MAX_REPEATED_PICKS`), so only redsim is asked here.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn huge_negative_counts_are_refused_instead_of_exhausting_memory() {
    let mut p = parity!();
    p.run("SADD s a b");
    for count in [&b"-9223372036854775807"[..], b"-16777217"] {
        let reply = p.pair.sim.call(&[b"SRANDMEMBER", b"s", count]);
        assert_eq!(reply, b"-ERR value is out of range\r\n");
    }
    let reply = p.pair.sim.call(&[b"SRANDMEMBER", b"s", b"-1000"]);
    assert!(reply.starts_with(b"*1000\r\n"));
    // Large positive counts are bounded by the set, as in Redis.
    p.run_sorted("SRANDMEMBER s 9223372036854775807");
    p.run_sorted("SPOP s 9223372036854775807");
}

/// A random pick from a collection of one member is not random: compared
/// whole, in both protocols (the other random tests can only compare
/// shapes and membership).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_picks_from_one_member_are_compared_whole() {
    let mut p = parity!();
    let lines = [
        "SADD one x",
        "SRANDMEMBER one",
        "SRANDMEMBER one 1",
        "SRANDMEMBER one -3",
        "SRANDMEMBER one 5",
        "SPOP one",
        "SPOP one",
        "SADD one x",
        "SPOP one 3",
        "HSET h1 f v",
        "HRANDFIELD h1",
        "HRANDFIELD h1 -3 WITHVALUES",
        "HRANDFIELD h1 2 WITHVALUES",
        "ZADD z1 1.5 m",
        "ZRANDMEMBER z1",
        "ZRANDMEMBER z1 -2 WITHSCORES",
        "ZRANDMEMBER z1 3 WITHSCORES",
        "FLUSHALL",
    ];
    p.run_all(&lines);
    p.pair.resp3();
    p.run_all(&lines);
}
