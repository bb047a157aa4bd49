//! Parity with real Redis 7.0: the list commands, their options, replies in
//! both protocols, errors (and the order in which they are found), and the
//! immediate paths of the blocking commands. Served blocked clients are
//! compared too, waiting for them to block by polling INFO.

use support::{Pair, parity};

/// Lists used by most tests: `l` = a b c d e (with repeats in `r`), and a
/// string `s` for WRONGTYPE.
const SETUP: &[&str] = &["RPUSH l a b c d e", "RPUSH r a b a c a a", "SET s x"];

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pushes_reply_with_the_length_and_create_the_list() {
    let mut p = parity!();
    p.run_all(&[
        "LPUSH l a",
        "LPUSH l b c",
        "RPUSH l d e f",
        "LRANGE l 0 -1",
        "LLEN l",
        "LPUSHX nokey a",
        "RPUSHX nokey a b",
        "DBSIZE",
        "LPUSHX l x y",
        "RPUSHX l z",
        "LRANGE l 0 -1",
        "SET s x",
        "LPUSH s a",
        "RPUSH s a",
        "LPUSHX s a",
        "RPUSHX s a",
        "LPUSH l",
        "RPUSHX l",
        "LPUSH",
        "LLEN",
        "LLEN s",
        "LLEN nokey",
        "LLEN l extra",
    ]);
    p.run_args(&[b"RPUSH", b"bin", b"", b"\x00\xff\r\n", b"-0", b"01", b"12"]);
    p.run("LRANGE bin 0 -1");
    p.run("LPOS bin 12");
    p.run("LPOS bin 01");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pops_without_and_with_count() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LPOP l",
        "RPOP l",
        "LPOP l 0",
        "LPOP l 2",
        "RPOP l 1",
        "DBSIZE",
        "RPUSH l a b c",
        "RPOP l 2",
        "LPOP l 100",
        "LPOP l",
        "LPOP l 1",
        "LPOP l 0",
        "LPUSHX l x",
        "RPUSH l a b c",
        "LPOP l -1",
        "LPOP l abc",
        "LPOP l 1.5",
        "LPOP nokey -1",
        "LPOP nokey abc",
        "LPOP s abc",
        "LPOP s",
        "LPOP s 0",
        "RPOP s 1",
        "LPOP l 1 2",
        "RPOP l 1 2 3",
        "LPOP",
        "RPOP l 9223372036854775807",
        "LPOP l 9223372036854775808",
        "DBSIZE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pops_in_resp3() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(SETUP);
    p.run_all(&[
        "LPOP l",
        "RPOP l 2",
        "LPOP l 0",
        "LPOP nokey",
        "LPOP nokey 0",
        "RPOP nokey 3",
        "LRANGE nokey 0 -1",
        "LINDEX nokey 0",
        "LINDEX l 99",
        "LPOS l zz",
        "LPOS l zz COUNT 0",
        "LMOVE nokey d LEFT RIGHT",
        "LMPOP 1 nokey LEFT",
        "LMPOP 2 nokey l RIGHT COUNT 2",
        "LMPOP 1 r LEFT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lrange_clamps_indexes_and_parses_them_first() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LRANGE l 0 -1",
        "LRANGE l 1 3",
        "LRANGE l -2 -1",
        "LRANGE l -100 1",
        "LRANGE l 3 1",
        "LRANGE l 5 10",
        "LRANGE l -1 -2",
        "LRANGE l 0 9223372036854775807",
        "LRANGE l -9223372036854775808 9223372036854775807",
        "LRANGE l 9223372036854775807 -9223372036854775808",
        "LRANGE l 0 9223372036854775808",
        "LRANGE nokey 0 -1",
        "LRANGE nokey a b",
        "LRANGE s 0 -1",
        "LRANGE s a 1",
        "LRANGE s 0 b",
        "LRANGE l 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lindex_looks_the_key_up_before_parsing_the_index() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LINDEX l 0",
        "LINDEX l -1",
        "LINDEX l 4",
        "LINDEX l 5",
        "LINDEX l -5",
        "LINDEX l -6",
        "LINDEX l 9223372036854775807",
        "LINDEX l -9223372036854775808",
        "LINDEX l abc",
        "LINDEX l 1.0",
        "LINDEX nokey abc",
        "LINDEX nokey 0",
        "LINDEX s abc",
        "LINDEX s 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lset_replaces_in_range_only() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LSET l 0 A",
        "LSET l -1 E",
        "LSET l 2 C",
        "LRANGE l 0 -1",
        "LSET l 5 x",
        "LSET l -6 x",
        "LSET l 9223372036854775807 x",
        "LSET l -9223372036854775808 x",
        "LSET l abc x",
        "LSET nokey abc x",
        "LSET nokey 0 x",
        "LSET s abc x",
        "LSET s 0 x",
        "DBSIZE",
        "LSET l 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn linsert_before_and_after_the_first_pivot() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LINSERT r BEFORE a x",
        "LINSERT r AFTER a y",
        "LINSERT r after c z",
        "LINSERT r before zz q",
        "LRANGE r 0 -1",
        "LINSERT nokey BEFORE a b",
        "LINSERT nokey middle a b",
        "LINSERT s middle a b",
        "LINSERT s BEFORE a b",
        "LINSERT l BEFORE e e",
        "LRANGE l 0 -1",
        "DBSIZE",
        "LINSERT l BEFORE a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lrem_counts_from_either_end() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LREM r 1 a",
        "LRANGE r 0 -1",
        "LREM r -2 a",
        "LRANGE r 0 -1",
        "DEL r",
        "RPUSH r a b a c a a",
        "LREM r 0 a",
        "LRANGE r 0 -1",
        "LREM r 0 zz",
        "LREM r -9223372036854775808 b",
        "LREM r 9223372036854775807 c",
        "DBSIZE",
        "LREM r abc a",
        "LREM nokey abc a",
        "LREM nokey 1 a",
        "LREM s 1 a",
        "LREM s abc a",
        "LPUSHX r x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn ltrim_keeps_a_range_and_deletes_an_empty_list() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LTRIM l 1 -2",
        "LRANGE l 0 -1",
        "LTRIM l 0 100",
        "LTRIM l -100 -1",
        "LRANGE l 0 -1",
        "LTRIM l -9223372036854775808 9223372036854775807",
        "LRANGE l 0 -1",
        "LTRIM l 2 1",
        "DBSIZE",
        "LPUSHX l x",
        "RPUSH l a b",
        "LTRIM l 5 10",
        "LLEN l",
        "LTRIM nokey 0 1",
        "LTRIM nokey a 1",
        "LTRIM s 0 1",
        "LTRIM s 0 b",
        "DBSIZE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lpos_options_and_errors() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LPOS r a",
        "LPOS r c",
        "LPOS r zz",
        "LPOS r a RANK 2",
        "LPOS r a RANK -1",
        "LPOS r a RANK -3",
        "LPOS r a RANK 5",
        "LPOS r a RANK -5",
        "LPOS r a COUNT 0",
        "LPOS r a COUNT 2",
        "LPOS r a COUNT 2 RANK 2",
        "LPOS r a COUNT 0 RANK -1",
        "LPOS r a COUNT 1 RANK -2",
        "LPOS r a MAXLEN 2",
        "LPOS r a MAXLEN 2 RANK 2",
        "LPOS r a MAXLEN 2 COUNT 0",
        "LPOS r a RANK -1 MAXLEN 2 COUNT 0",
        "LPOS r a RANK -1 MAXLEN 1",
        "LPOS r a MAXLEN 0 COUNT 0",
        "LPOS r a rank 1 count 1 maxlen 1",
        "LPOS r a COUNT 1 COUNT 3",
        "LPOS r a RANK 2 RANK 1",
        "LPOS r zz COUNT 1",
        "LPOS r a RANK 0",
        "LPOS r a RANK abc",
        "LPOS r a RANK -9223372036854775808",
        "LPOS r a RANK -9223372036854775808 COUNT 0",
        "LPOS r a RANK -9223372036854775808 COUNT 1",
        "LPOS r a RANK -9223372036854775807 COUNT 5",
        "LPOS r a RANK 9223372036854775807",
        "LPOS r a RANK 9223372036854775807 COUNT 1",
        "LPOS r a COUNT 9223372036854775807",
        "LPOS r a MAXLEN 9223372036854775807",
        "LPOS r a COUNT -1",
        "LPOS r a COUNT abc",
        "LPOS r a MAXLEN -1",
        "LPOS r a MAXLEN abc",
        "LPOS r a RANK",
        "LPOS r a COUNT",
        "LPOS r a FOO 1",
        "LPOS r a RANK 0 COUNT -1",
        "LPOS r a COUNT -1 RANK 0",
        "LPOS nokey a",
        "LPOS nokey a COUNT 1",
        "LPOS nokey a RANK 0",
        "LPOS nokey a FOO",
        "LPOS s a",
        "LPOS s a COUNT 1",
        "LPOS s a RANK 0",
        "LPOS r",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lmove_and_rpoplpush_between_and_within_lists() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LMOVE l d LEFT RIGHT",
        "LMOVE l d RIGHT LEFT",
        "LMOVE l d left left",
        "LMOVE l d right right",
        "LRANGE l 0 -1",
        "LRANGE d 0 -1",
        "LMOVE l l LEFT RIGHT",
        "LMOVE l l RIGHT LEFT",
        "LRANGE l 0 -1",
        "LMOVE l d LEFT RIGHT",
        "DBSIZE",
        "LMOVE nokey d LEFT RIGHT",
        "LMOVE nokey d MIDDLE RIGHT",
        "LMOVE nokey d LEFT UP",
        "LMOVE s d LEFT RIGHT",
        "LMOVE d s LEFT RIGHT",
        "LMOVE nokey s LEFT RIGHT",
        "LRANGE d 0 -1",
        "RPOPLPUSH d d",
        "LRANGE d 0 -1",
        "RPOPLPUSH d e",
        "RPOPLPUSH nokey e",
        "RPOPLPUSH s e",
        "RPOPLPUSH d s",
        "RPUSH one x",
        "RPOPLPUSH one one",
        "LRANGE one 0 -1",
        "LMOVE one one LEFT LEFT",
        "RPOPLPUSH one two",
        "DBSIZE",
        "LMOVE l d LEFT",
        "RPOPLPUSH l",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lmpop_numkeys_direction_and_count() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "LMPOP 1 l LEFT",
        "LMPOP 1 l RIGHT COUNT 2",
        "LMPOP 2 nokey l left count 10",
        "DBSIZE",
        "LMPOP 2 nokey l LEFT",
        "LMPOP 3 nokey r s RIGHT COUNT 2",
        "LMPOP 2 s r LEFT",
        "LMPOP 0 l LEFT",
        "LMPOP -1 l LEFT",
        "LMPOP abc l LEFT",
        "LMPOP 2 l LEFT",
        "LMPOP 5 l LEFT",
        "LMPOP 9223372036854775807 l LEFT",
        "LMPOP 1 l MIDDLE",
        "LMPOP 1 l LEFT COUNT 0",
        "LMPOP 1 l LEFT COUNT -1",
        "LMPOP 1 l LEFT COUNT abc",
        "LMPOP 1 l LEFT COUNT",
        "LMPOP 1 l LEFT COUNT 1 COUNT 2",
        "LMPOP 1 l LEFT FOO",
        "LMPOP 0 l MIDDLE COUNT 0",
        "LMPOP 1 l MIDDLE COUNT 0",
        "LMPOP 1 r LEFT COUNT 9223372036854775807",
        "LMPOP 1 l",
        "LMPOP 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_commands_with_data_serve_at_once() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "BLPOP l 0",
        "BRPOP l 0",
        "BLPOP nokey l 1",
        "BRPOP nokey r l 0",
        "BLMOVE l d LEFT RIGHT 0",
        "BRPOPLPUSH l d 0",
        "BLMOVE d d RIGHT LEFT 0",
        "LRANGE d 0 -1",
        "BLMPOP 0 2 nokey r LEFT COUNT 2",
        "BLMPOP 0 1 r RIGHT",
        "BLMPOP 0 1 r RIGHT COUNT 100",
        "BLPOP d d 0",
        "BRPOP d 0",
        "DBSIZE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_commands_time_out_with_a_null_array() {
    let mut p = parity!();
    p.run_all(&[
        "BLPOP nokey 0.01",
        "BRPOP nokey other 0.01",
        "BLMOVE nokey d LEFT RIGHT 0.01",
        "BRPOPLPUSH nokey d 0.01",
        "BLMPOP 0.01 2 nokey other LEFT",
        "BLMPOP 0.01 1 nokey RIGHT COUNT 3",
        "BLPOP nokey 0.0001",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "BLPOP nokey 0.01",
        "BLMOVE nokey d LEFT RIGHT 0.01",
        "BLMPOP 0.01 1 nokey LEFT",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_commands_check_arguments_and_types_in_redis_order() {
    let mut p = parity!();
    p.run_all(SETUP);
    p.run_all(&[
        "BLPOP nokey abc",
        "BLPOP nokey -1",
        "BLPOP s abc",
        "BLPOP s -1",
        "BLPOP s 0",
        "BLPOP nokey s l 0",
        "BLPOP nokey l s 0",
        "BRPOP s l 0",
        "BLPOP nokey inf",
        "BLPOP nokey 1e400",
        "BLPOP nokey nan",
        "BLPOP l",
        "BLMOVE l d MIDDLE RIGHT 0",
        "BLMOVE l d LEFT RIGHT abc",
        "BLMOVE l d LEFT UP abc",
        "BLMOVE s d LEFT RIGHT -1",
        "BLMOVE s d LEFT RIGHT 0",
        "BLMOVE l s LEFT RIGHT 0",
        "BLMOVE nokey s LEFT RIGHT 0.01",
        "BRPOPLPUSH l d abc",
        "BRPOPLPUSH s d -1",
        "BRPOPLPUSH s d 0",
        "BRPOPLPUSH l s 0",
        "BLMPOP abc 1 l LEFT",
        "BLMPOP abc 0 l LEFT",
        "BLMPOP abc 1 l MIDDLE",
        "BLMPOP abc 1 l LEFT COUNT 0",
        "BLMPOP -1 1 l LEFT",
        "BLMPOP 0 0 l LEFT",
        "BLMPOP 0 2 l LEFT",
        "BLMPOP 0 9223372036854775807 l LEFT",
        "BLMPOP 0 1 l LEFT COUNT 1 COUNT 1",
        "BLMPOP 0 2 nokey s LEFT",
        "BLMPOP 0 1 l",
        "LRANGE l 0 -1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_commands_do_not_block_inside_multi() {
    let mut p = parity!();
    p.run_all(&[
        "SET s x",
        "MULTI",
        "BLPOP nokey 0",
        "BRPOP nokey other 0",
        "BLMOVE nokey d LEFT RIGHT 0",
        "BRPOPLPUSH nokey d 0",
        "BLMPOP 0 1 nokey LEFT",
        "BLPOP s 0",
        "BLPOP nokey abc",
        "RPUSH nokey a b",
        "BLPOP nokey 0",
        "BLMOVE nokey d LEFT RIGHT 0",
        "BLMPOP 0 1 nokey RIGHT COUNT 5",
        "BLPOP nokey 0",
        "EXEC",
        "DBSIZE",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "MULTI",
        "BLPOP nokey 0",
        "BLMOVE nokey d LEFT RIGHT 0",
        "BRPOPLPUSH nokey d 0",
        "BLMPOP 0 1 nokey LEFT",
        "EXEC",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn arity_errors() {
    let mut p = parity!();
    p.run_all(&[
        "LPUSH l",
        "RPUSHX l",
        "LPOP",
        "LRANGE l 0",
        "LLEN",
        "LINDEX l",
        "LSET l 0",
        "LINSERT l BEFORE a",
        "LREM l 0",
        "LTRIM l 0",
        "LPOS l",
        "LMOVE a b LEFT",
        "RPOPLPUSH a",
        "LMPOP 1 l",
        "BLPOP l",
        "BRPOP l",
        "BLMOVE a b LEFT RIGHT",
        "BRPOPLPUSH a b",
        "BLMPOP 0 1 l",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_info_matches() {
    let mut p = parity!();
    for name in [
        "lpush",
        "rpush",
        "lpushx",
        "rpushx",
        "lpop",
        "rpop",
        "lrange",
        "llen",
        "lindex",
        "lset",
        "linsert",
        "lrem",
        "ltrim",
        "lpos",
        "lmove",
        "rpoplpush",
        "lmpop",
        "blpop",
        "brpop",
        "blmove",
        "brpoplpush",
        "blmpop",
    ] {
        // The first seven fields (name, arity, flags, keys, categories);
        // key specifications are the core's business.
        let (sim, real) = p.both(&format!("COMMAND INFO {name}"));
        let head = |r: &[u8]| first_fields(r, 7);
        assert_eq!(head(&sim), head(&real), "COMMAND INFO {name}");
    }
}

/// The raw bytes of the first `n` elements of the single command in a
/// COMMAND INFO reply.
fn first_fields(reply: &[u8], n: usize) -> Vec<u8> {
    let (_, cmds) = support::split_aggregate(reply, false).expect("array");
    let (_, fields) = support::split_aggregate(&cmds[0], false).expect("array");
    fields[..n].concat()
}

/// Waits until `n` clients are blocked on both servers (INFO clients).
fn wait_blocked(p: &mut Pair, n: usize) {
    let want = format!("blocked_clients:{n}\r\n");
    let has = |reply: &[u8]| String::from_utf8_lossy(reply).contains(&want);
    let started = std::time::Instant::now();
    loop {
        let (sim, real) = p.both("INFO clients");
        if has(&sim) && has(&real) {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "clients never blocked"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// Sends `line` on both clients of `pair` without reading the reply.
fn send(pair: &mut Pair, line: &str) {
    let args = support::split_command(line);
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    let req = support::RawClient::encode(&args);
    pair.sim.send_raw(&req);
    pair.real.send_raw(&req);
}

/// Reads the next reply on both clients of `pair` and compares them.
#[track_caller]
fn expect_same(pair: &mut Pair, what: &str) -> Vec<u8> {
    let (sim, real) = (pair.sim.read_reply(), pair.real.read_reply());
    assert_eq!(
        String::from_utf8_lossy(&sim),
        String::from_utf8_lossy(&real),
        "{what}"
    );
    sim
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn served_blocked_clients_reply_as_redis() {
    let mut p = parity!();
    let mut a = p.new_pair();
    let mut b = p.new_pair();
    let mut c = p.new_pair();
    send(&mut a, "BLPOP k1 k2 0");
    wait_blocked(&mut p.pair, 1);
    send(&mut b, "BLMPOP 0 2 k2 k1 RIGHT COUNT 2");
    wait_blocked(&mut p.pair, 2);
    send(&mut c, "BRPOPLPUSH k1 dst 0");
    wait_blocked(&mut p.pair, 3);
    // k2 becomes ready first: a takes one element from k2, b the rest.
    p.run_all(&["MULTI", "RPUSH k2 x y z", "RPUSH k1 q", "EXEC"]);
    expect_same(&mut a, "BLPOP served from k2");
    expect_same(&mut b, "BLMPOP served from k2");
    expect_same(&mut c, "BRPOPLPUSH served from k1");
    p.run_all(&["LRANGE k1 0 -1", "LRANGE k2 0 -1", "LRANGE dst 0 -1"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn served_blmove_with_a_wrong_type_destination_gets_wrongtype() {
    let mut p = parity!();
    let mut a = p.new_pair();
    send(&mut a, "BLMOVE src dst LEFT LEFT 0");
    wait_blocked(&mut p.pair, 1);
    p.run_all(&["SET dst x", "RPUSH src v"]);
    expect_same(&mut a, "BLMOVE to a string");
    p.run_all(&["LRANGE src 0 -1", "GET dst"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocked_client_stays_blocked_when_the_key_changes_type() {
    let mut p = parity!();
    let mut a = p.new_pair();
    send(&mut a, "BLPOP k 0");
    wait_blocked(&mut p.pair, 1);
    p.run_all(&["SET k str", "DEL k"]);
    wait_blocked(&mut p.pair, 1);
    p.run("RPUSH k v w");
    expect_same(&mut a, "BLPOP after the type change");
    p.run("LRANGE k 0 -1");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn served_clients_in_resp3() {
    let mut p = parity!();
    let mut a = p.new_pair();
    a.resp3();
    send(&mut a, "BLMPOP 0 1 k LEFT COUNT 5");
    wait_blocked(&mut p.pair, 1);
    p.run("RPUSH k a b");
    expect_same(&mut a, "BLMPOP in RESP3");
    send(&mut a, "BLPOP k 0");
    wait_blocked(&mut p.pair, 1);
    p.run("LPUSH k c");
    expect_same(&mut a, "BLPOP in RESP3");
}

/// Whether a command counts as a change for WATCH: only when it changed
/// something (a failed LINSERT, an LREM that removed nothing, LPOP with
/// count 0 do not), except LTRIM, which always does on an existing list.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn watch_sees_only_real_changes() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(SETUP);
    for (change, line) in [
        (false, "LINSERT l BEFORE zz x"),
        (false, "LREM l 0 zz"),
        (false, "LPOP l 0"),
        (false, "LSET l 99 x"),
        (false, "LPUSHX nokey x"),
        (false, "LMOVE nokey l LEFT LEFT"),
        (false, "LPOS l a"),
        (false, "LTRIM nokey 0 1"),
        (true, "LTRIM l 0 -1"),
        (true, "LSET l 0 a"),
        (true, "LINSERT l BEFORE a x"),
        (true, "LREM l 0 x"),
        (true, "RPOPLPUSH l l"),
        (true, "LMPOP 1 l RIGHT"),
    ] {
        p.run("WATCH l");
        other.run(line);
        p.run_all(&["MULTI", "PING"]);
        let reply = p.run("EXEC");
        let aborted = reply.starts_with(b"*-1");
        assert_eq!(aborted, change, "{line}");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn long_lists_and_large_elements() {
    let mut p = parity!();
    let items: Vec<String> = (0..3000).map(|i| (i % 7).to_string()).collect();
    let mut args: Vec<&[u8]> = vec![b"RPUSH", b"big"];
    args.extend(items.iter().map(|s| s.as_bytes()));
    p.run_args(&args);
    let large = vec![b'x'; 100_000];
    p.run_args(&[b"LPUSH", b"big", &large]);
    p.run_args(&[b"LINSERT", b"big", b"AFTER", b"6", &large]);
    p.run_all(&[
        "LLEN big",
        "LRANGE big 1 20",
        "LRANGE big -10 -1",
        "LINDEX big 1500",
        "LPOS big 3 RANK -2 COUNT 5",
        "LPOS big 3 MAXLEN 100 COUNT 0",
        "LREM big -100 5",
        "LREM big 50 4",
        "LLEN big",
        "LTRIM big 100 -100",
        "LLEN big",
        "RPOP big 3",
        "LMPOP 1 big LEFT COUNT 4",
    ]);
    p.run_args(&[b"LPOS", b"big", &large]);
    p.run_args(&[b"LREM", b"big", b"0", &large]);
    p.run("LPOP big 5000");
    p.run("DBSIZE");
}
