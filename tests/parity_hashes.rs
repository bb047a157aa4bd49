//! Parity with real Redis 7.0: the hash commands (HSET, HSETNX, HMSET,
//! HGET, HMGET, HGETALL, HKEYS, HVALS, HDEL, HEXISTS, HLEN, HSTRLEN,
//! HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN).
//!
//! Small hashes are listpacks in Redis, whose order is insertion order
//! (deletions keep the rest in order), so their replies are compared raw;
//! hashtable replies are compared sorted. Random picks are compared by
//! shape: reply type, length, distinctness and membership.

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

/// Sends `line` to both servers and checks the two replies have the same
/// header and shape (for random picks); returns both element lists.
fn same_shape(p: &mut Pair, line: &str, resp3: bool) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let (sim, real) = p.both(line);
    let (sh, si) = parts(&sim, resp3);
    let (rh, ri) = parts(&real, resp3);
    assert_eq!(
        String::from_utf8_lossy(&sh),
        String::from_utf8_lossy(&rh),
        "header of {line}"
    );
    for (s, r) in si.iter().zip(&ri) {
        assert_eq!(s.first(), r.first(), "element type of {line}");
    }
    (si, ri)
}

fn fields(names: &[&str]) -> BTreeSet<Vec<u8>> {
    names.iter().map(|n| n.as_bytes().to_vec()).collect()
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hset_counts_new_fields_and_updates_in_place() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a 1 b 2",
        "HSET h a 3 c 4",
        "HSET h a 5 a 6 d 7",
        "HGETALL h",
        "HMSET h e 8 a 9",
        "HGETALL h",
        "HKEYS h",
        "HVALS h",
        "HLEN h",
        "HGET h a",
        "HGET h nosuch",
        "HMGET h a nosuch e a",
        "HSET h \"\" \"\"",
        "HGET h \"\"",
        "HSTRLEN h \"\"",
        "HEXISTS h \"\"",
        "SCARD h",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn odd_pairs_and_missing_arguments_are_arity_errors() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a",
        "HSET h a 1 b",
        "HMSET h a",
        "HMSET h a 1 b",
        "HSET h",
        "HSET",
        "HSETNX h a",
        "HSETNX h a 1 2",
        "HGET h",
        "HGET h a b",
        "HMGET h",
        "HGETALL",
        "HGETALL h x",
        "HKEYS",
        "HVALS h x",
        "HDEL h",
        "HEXISTS h",
        "HLEN",
        "HSTRLEN h",
        "HINCRBY h a",
        "HINCRBY h a 1 2",
        "HINCRBYFLOAT h a",
        "HRANDFIELD",
        "HSCAN h",
        "SCARD h",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn every_hash_command_refuses_another_type() {
    let mut p = parity!();
    p.run_all(&[
        "SET s x",
        "HSET s a 1",
        "HMSET s a 1",
        "HSETNX s a 1",
        "HGET s a",
        "HMGET s a b",
        "HGETALL s",
        "HKEYS s",
        "HVALS s",
        "HDEL s a",
        "HEXISTS s a",
        "HLEN s",
        "HSTRLEN s a",
        "HINCRBY s a 1",
        "HINCRBYFLOAT s a 1",
        "HRANDFIELD s",
        "HRANDFIELD s 0",
        "HRANDFIELD s -5 WITHVALUES",
        "HSCAN s 0",
        "HSCAN s 0 COUNT 0",
        "GET s",
        // Arity and argument errors come before the type check.
        "HSET s a 1 b",
        "HINCRBY s a x",
        "HINCRBYFLOAT s a x",
        "HINCRBYFLOAT s a inf",
        "HRANDFIELD s x",
        "HRANDFIELD s 1 nope",
        "HSCAN s x",
        "SADD set m",
        "HGET set a",
        "HSET set a 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn missing_keys_read_as_empty_hashes() {
    let mut p = parity!();
    p.run_all(&[
        "HGET nosuch f",
        "HMGET nosuch a b",
        "HGETALL nosuch",
        "HKEYS nosuch",
        "HVALS nosuch",
        "HLEN nosuch",
        "HEXISTS nosuch f",
        "HSTRLEN nosuch f",
        "HDEL nosuch f",
        "HRANDFIELD nosuch",
        "HRANDFIELD nosuch 3",
        "HRANDFIELD nosuch -3 WITHVALUES",
        "HRANDFIELD nosuch 0",
        "HSCAN nosuch 0",
        "HSCAN nosuch 0 COUNT 0",
        "HSCAN nosuch 0 BOGUS",
        "SCARD nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn deleting_the_last_field_deletes_the_key() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a 1 b 2 c 3",
        "HDEL h nosuch",
        "HDEL h a a nosuch",
        "HDEL h b c b",
        "SCARD h",
        "SCARD h",
        "HLEN h",
        "HSET h a 1",
        "HDEL h a",
        "SCARD h",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn listpack_keeps_insertion_order_through_deletes() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a 1 b 2 c 3 d 4 e 5",
        "HDEL h b",
        "HSET h f 6 a 7",
        "HDEL h d",
        "HSET h b 8",
        "HGETALL h",
        "HKEYS h",
        "HVALS h",
        "HSCAN h 0",
        "HSCAN h 0 COUNT 1",
        "HSCAN h 12345",
        "HRANDFIELD h 100",
        "HRANDFIELD h 5 WITHVALUES",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hsetnx_sets_only_new_fields() {
    let mut p = parity!();
    p.run_all(&[
        "HSETNX h a 1",
        "HSETNX h a 2",
        "HGET h a",
        "HSETNX h b \"\"",
        "HGETALL h",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn binary_fields_and_values_round_trip() {
    let mut p = parity!();
    p.run_args(&[b"HSET", b"h", b"f\x00g", b"v\x00\xff", b"\x00", b""]);
    p.run_args(&[b"HGET", b"h", b"f\x00g"]);
    p.run_args(&[b"HGET", b"h", b"f"]);
    p.run_args(&[b"HSTRLEN", b"h", b"f\x00g"]);
    p.run_args(&[b"HEXISTS", b"h", b"\x00"]);
    p.run_args(&[b"HMGET", b"h", b"\x00", b"f\x00g"]);
    p.run("HGETALL h");
    p.run_args(&[b"HDEL", b"h", b"f\x00g"]);
    p.run("HGETALL h");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hstrlen_counts_bytes_of_any_value() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h int 12345 neg -9223372036854775808 s hello e \"\" f 1.5",
        "HSTRLEN h int",
        "HSTRLEN h neg",
        "HSTRLEN h s",
        "HSTRLEN h e",
        "HSTRLEN h f",
        "HSTRLEN h nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hincrby_adds_checks_and_overflows_like_redis() {
    let mut p = parity!();
    p.run_all(&[
        "HINCRBY h n 5",
        "HINCRBY h n -7",
        "HINCRBY h n 0",
        "HSET h big 9223372036854775807 small -9223372036854775808 s abc f 1.5 sp \" 1\" e \"\" lz 01 plus +1",
        "HINCRBY h big 1",
        "HINCRBY h big 0",
        "HINCRBY h big -1",
        "HINCRBY h small -1",
        "HINCRBY h small 1",
        "HINCRBY h s 1",
        "HINCRBY h f 1",
        "HINCRBY h sp 1",
        "HINCRBY h e 1",
        "HINCRBY h lz 1",
        "HINCRBY h plus 1",
        "HINCRBY h n x",
        "HINCRBY h n 1.0",
        "HINCRBY h n \"\"",
        "HINCRBY h n 9223372036854775808",
        "HINCRBY h n 9223372036854775807",
        "HINCRBY h n2 -9223372036854775808",
        "HINCRBY h n2 -1",
        "HGETALL h",
        "HINCRBY new f 3",
        "HGETALL new",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hincrbyfloat_computes_in_long_double() {
    let mut p = parity!();
    p.run_all(&[
        "HINCRBYFLOAT h f 10.5",
        "HINCRBYFLOAT h f 0.1",
        "HINCRBYFLOAT h f -5",
        "HINCRBYFLOAT h f 3.0e3",
        "HINCRBYFLOAT h f 1e20",
        "HINCRBYFLOAT h g 0",
        "HINCRBYFLOAT h g -0.0",
        "HINCRBYFLOAT h z 5.0000",
        "HSET h i 10 s abc sp \" 1\" sp2 \"1 \" e \"\" inf inf",
        "HINCRBYFLOAT h i 1.5",
        "HINCRBYFLOAT h s 1",
        "HINCRBYFLOAT h sp 1",
        "HINCRBYFLOAT h sp2 1",
        "HINCRBYFLOAT h e 1",
        "HINCRBYFLOAT h inf 1",
        "HINCRBYFLOAT h i x",
        "HINCRBYFLOAT h i \"\"",
        "HINCRBYFLOAT h i \" 1\"",
        "HINCRBYFLOAT h i nan",
        "HINCRBYFLOAT h i inf",
        "HINCRBYFLOAT h i -inf",
        "HINCRBYFLOAT h i 1e5000",
        "HSET h huge 1.1e4932",
        "HINCRBYFLOAT h huge 1.1e4932",
        "HINCRBYFLOAT h d 1e308",
        "HGET h d",
        "HSET h big 9223372036854775807",
        "HINCRBYFLOAT h big 1",
    ]);
    // The 308-digit value made it a hashtable.
    p.run_sorted("HGETALL h");
    p.run_args(&[b"HSET", b"h", b"nul", b"1\x00x"]);
    p.run("HINCRBYFLOAT h nul 1");
    p.run_args(&[b"HINCRBYFLOAT", b"h", b"i", b"1\x00"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hrandfield_errors_and_checks_come_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a 1 b 2 c 3",
        "HRANDFIELD h x",
        "HRANDFIELD h 1.5",
        "HRANDFIELD h -9223372036854775808",
        "HRANDFIELD h -9223372036854775808 WITHVALUES",
        "HRANDFIELD h -9223372036854775807 WITHVALUES",
        "HRANDFIELD h 9223372036854775807 WITHVALUES",
        "HRANDFIELD h -4611686018427387904 WITHVALUES",
        "HRANDFIELD h 4611686018427387904 WITHVALUES",
        "HRANDFIELD h 1 WITHVALUE",
        "HRANDFIELD h 1 WITHVALUES x",
        "HRANDFIELD nosuch x",
        "HRANDFIELD nosuch 1 x",
        "HRANDFIELD h 0",
        "HRANDFIELD h 0 WITHVALUES",
        "HRANDFIELD h 3",
        "HRANDFIELD h 9223372036854775807",
        "HRANDFIELD h 4611686018427387903 withvalues",
    ]);
}

/// Checks HRANDFIELD's random replies on the hash `h` holding `all`.
fn check_hrandfield(p: &mut Pair, resp3: bool, all: &BTreeSet<Vec<u8>>) {
    let n = all.len();
    // One field.
    let (sim, real) = p.both("HRANDFIELD h");
    assert!(all.contains(&bulk(&sim)));
    assert!(all.contains(&bulk(&real)));
    // Distinct fields.
    for count in [1, 2, n - 1] {
        let (si, _) = same_shape(p, &format!("HRANDFIELD h {count}"), resp3);
        let got: BTreeSet<Vec<u8>> = si.iter().map(|f| bulk(f)).collect();
        assert_eq!(got.len(), count, "distinct");
        assert!(got.is_subset(all));
    }
    // Repeats allowed.
    for count in [-1, -5, -50] {
        let (si, _) = same_shape(p, &format!("HRANDFIELD h {count}"), resp3);
        assert!(si.iter().all(|f| all.contains(&bulk(f))));
    }
    // With values: flat in RESP2, pairs in RESP3.
    for count in [2, -7, 100] {
        let (si, _) = same_shape(p, &format!("HRANDFIELD h {count} WITHVALUES"), resp3);
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = if resp3 {
            si.iter()
                .map(|pair| {
                    let (header, kv) = parts(pair, true);
                    assert_eq!(header, b"*2\r\n");
                    (bulk(&kv[0]), bulk(&kv[1]))
                })
                .collect()
        } else {
            si.chunks(2)
                .map(|kv| (bulk(&kv[0]), bulk(&kv[1])))
                .collect()
        };
        for (f, v) in pairs {
            assert!(all.contains(&f));
            assert_eq!([b"v".as_slice(), &f].concat(), v, "value of its field");
        }
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hrandfield_picks_fields_in_the_shapes_redis_uses() {
    let mut p = parity!();
    let all = fields(&["a", "b", "c", "d", "e", "f"]);
    p.run("HSET h a va b vb c vc d vd e ve f vf");
    check_hrandfield(&mut p.pair, false, &all);
    // Once a hashtable, the same shapes.
    p.run("CONFIG SET hash-max-listpack-entries 2");
    p.run("HSET h g vg");
    let all = fields(&["a", "b", "c", "d", "e", "f", "g"]);
    check_hrandfield(&mut p.pair, false, &all);
    p.run_sorted("HRANDFIELD h 100");
    p.run("CONFIG SET hash-max-listpack-entries 128");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hrandfield_in_resp3_answers_pairs() {
    let mut p = parity!();
    p.pair.resp3();
    let all = fields(&["a", "b", "c", "d"]);
    p.run_all(&[
        "HSET h a va b vb c vc d vd",
        "HRANDFIELD nosuch",
        "HRANDFIELD nosuch 2 WITHVALUES",
        "HRANDFIELD h 0 WITHVALUES",
        "HRANDFIELD h 10 WITHVALUES",
        "HRANDFIELD h 10",
    ]);
    check_hrandfield(&mut p.pair, true, &all);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hscan_options_and_errors() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h a 1 b 2 ab 3 \"\" 4",
        "HSCAN h 0",
        "HSCAN h 0 MATCH a*",
        "HSCAN h 0 MATCH *",
        "HSCAN h 0 MATCH **",
        "HSCAN h 0 match A* COUNT 100",
        "HSCAN h 0 MATCH a* MATCH b*",
        "HSCAN h 0 COUNT 1",
        "HSCAN h 0 COUNT 0",
        "HSCAN h 0 COUNT -1",
        "HSCAN h 0 COUNT x",
        "HSCAN h 0 COUNT",
        "HSCAN h 0 MATCH",
        "HSCAN h 0 NOVALUES",
        "HSCAN h 0 TYPE string",
        "HSCAN h 0 BOGUS 1",
        "HSCAN h x",
        "HSCAN h -1",
        "HSCAN h \"\"",
        "HSCAN h +3",
        "HSCAN h 007",
        "HSCAN h \" 1\"",
        "HSCAN h 1x",
        "HSCAN h 18446744073709551615",
        "HSCAN h 18446744073709551616",
        "HSCAN nosuch x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hscan_over_a_hashtable_returns_every_field() {
    let mut p = parity!();
    p.run("CONFIG SET hash-max-listpack-entries 16");
    let mut expected = BTreeSet::new();
    for i in 0..200 {
        p.run(&format!("HSET h field:{i} v{i}"));
        expected.insert(format!("field:{i}").into_bytes());
    }
    for count in [1, 7, 50, 1000] {
        let mut seen = BTreeSet::new();
        let mut cursor = b"0".to_vec();
        let mut calls = 0;
        loop {
            let line = format!("HSCAN h {} COUNT {count}", String::from_utf8_lossy(&cursor));
            let reply = p.pair.sim.call(
                &support::split_command(&line)
                    .iter()
                    .map(|a| a.as_slice())
                    .collect::<Vec<_>>(),
            );
            let (_, items) = parts(&reply, false);
            cursor = bulk(&items[0]);
            let (_, kv) = parts(&items[1], false);
            for pair in kv.chunks(2) {
                let (f, v) = (bulk(&pair[0]), bulk(&pair[1]));
                assert_eq!(v, [b"v".as_slice(), &f[6..]].concat());
                seen.insert(f);
            }
            calls += 1;
            if cursor == b"0" {
                break;
            }
            assert!(calls < 1000, "scan does not end");
        }
        assert_eq!(seen, expected, "COUNT {count}");
    }
    // A COUNT beyond the size answers everything in one call, as Redis does.
    let (sim, real) = p.both("HSCAN h 0 MATCH field:1? COUNT 1000");
    assert_eq!(
        support::sorted(&parts(&sim, false).1[1], false),
        support::sorted(&parts(&real, false).1[1], false)
    );
    p.run("CONFIG SET hash-max-listpack-entries 128");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn conversion_to_hashtable_keeps_every_field() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG SET hash-max-listpack-entries 3",
        "CONFIG SET hash-max-listpack-value 8",
        "HSET h a 1 b 2 c 3",
        "HGETALL h",
        "HSET h d 4",
        "HSET v a 123456789",
        "HSETNX v2 longfieldname 1",
        "HINCRBY v3 a 123456789",
        "HINCRBYFLOAT v4 a 1.25",
        "HGETALL v4",
        "HINCRBYFLOAT v4 a 0.001",
    ]);
    for key in ["h", "v", "v2", "v3", "v4"] {
        p.run_sorted(&format!("HGETALL {key}"));
        p.run_sorted(&format!("HKEYS {key}"));
        p.run_sorted(&format!("HVALS {key}"));
        p.run(&format!("HLEN {key}"));
    }
    p.run_all(&[
        "HDEL h a b c",
        "HGETALL h",
        "CONFIG SET hash-max-listpack-entries 128",
        "CONFIG SET hash-max-listpack-value 64",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hash_replies_in_resp3() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "HSET h a 1 b 2",
        "HGETALL h",
        "HGETALL nosuch",
        "HKEYS h",
        "HVALS nosuch",
        "HGET h a",
        "HGET h nosuch",
        "HGET nosuch a",
        "HMGET h a nosuch",
        "HMGET nosuch a",
        "HEXISTS h a",
        "HLEN h",
        "HSTRLEN h a",
        "HINCRBY h a 1",
        "HINCRBYFLOAT h a 1.5",
        "HSETNX h a 1",
        "HMSET h c 3",
        "HDEL h c",
        "HSCAN h 0",
        "HSCAN nosuch 0",
        "HRANDFIELD nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hash_writes_touch_watched_keys() {
    let mut p = parity!();
    p.run_all(&[
        "HSET h f v",
        "WATCH h",
        "HSET h f v",
        "MULTI",
        "PING",
        "EXEC",
    ]);
    p.run_all(&["WATCH h", "HSETNX h f v2", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH h", "HDEL h nosuch", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH h", "HINCRBY h n 1", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH h", "HGET h f", "HGETALL h", "MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH h", "HDEL h f n", "MULTI", "PING", "EXEC", "SCARD h"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hash_commands_inside_multi() {
    let mut p = parity!();
    p.run_all(&[
        "MULTI",
        "HSET h a 1",
        "HINCRBY h a x",
        "HINCRBY h a 2",
        "HGET h a",
        "HSET h a 1 b",
        "EXEC",
        "MULTI",
        "HSET h b",
        "EXEC",
        "MULTI",
        "HSET h a 1",
        "HINCRBY h a 2",
        "HGETALL h",
        "EXEC",
    ]);
}

/// A deliberate difference: Redis starts answering `HRANDFIELD h -N` for
/// any N and, for N near 2⁶³, grows its output buffer until the process
/// runs out of memory. redsim refuses such counts with Redis's range error
/// (see `MAX_REPEATED_PICKS`), so only redsim is asked here.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn huge_negative_counts_are_refused_instead_of_exhausting_memory() {
    let mut p = parity!();
    p.run("HSET h a 1 b 2");
    for count in [&b"-9223372036854775807"[..], b"-16777217"] {
        let reply = p.pair.sim.call(&[b"HRANDFIELD", b"h", count]);
        assert_eq!(reply, b"-ERR value is out of range\r\n");
    }
    let reply = p.pair.sim.call(&[b"HRANDFIELD", b"h", b"-1000"]);
    assert!(reply.starts_with(b"*1000\r\n"));
}
