//! Parity with real Redis 7.0: the stream commands. Every reply is
//! compared byte for byte with a real `redis-server`. IDs are given
//! explicitly wherever a reply shows them; `*` IDs (which come from each
//! server's own clock) are compared by shape. Idle times and delivery
//! times come from two clocks too: they are compared only where they
//! cannot differ (idle 0 is not guaranteed, so such fields are left out).

use support::{Parity, parity, show};

/// Sends `line` to both and asserts both replies are a bulk `<ms>-<seq>`
/// with the same sequence (the milliseconds are each server's clock).
#[track_caller]
fn run_auto_id(p: &mut Parity, line: &str, seq: u64) {
    let (sim, real) = p.both(line);
    for reply in [&sim, &real] {
        let text = String::from_utf8_lossy(reply);
        let body = text.lines().nth(1).unwrap_or_default();
        let (ms, s) = body.split_once('-').unwrap_or(("", ""));
        assert!(
            text.starts_with('$') && ms.parse::<u64>().is_ok() && s == seq.to_string(),
            "{line}: not an ID with sequence {seq}: {}",
            show(reply)
        );
    }
}

#[test]
fn xadd_appends_with_explicit_ids_and_rejects_bad_ones() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-1 a 1",
        "XADD s 1-1 a 1",
        "XADD s 1-0 a 1",
        "XADD s 0-0 a 1",
        "XADD s2 0 a 1",
        "XADD s2 0-0 a 1",
        "EXISTS s2",
        "XADD s 1-2 a 1 b 2",
        "XADD s 2 x y",
        "XADD s 5-* f v",
        "XADD s 5-* f v",
        "XADD s 3-* f v",
        "XADD s abc a 1",
        "XADD s 1-x a 1",
        "XADD s -1 a 1",
        "XADD s 1-2-3 a 1",
        "XADD s + a 1",
        "XADD s - a 1",
        "XADD s 6-* a",
        "XADD s 6 a 1 b",
        "XADD s 00007-0003 a 1",
        "XADD s 8--01 a 1",
        "XADD s 18446744073709551616-0 a 1",
        "XADD s 9-18446744073709551615 a 1",
        "XADD s 9-* a 1",
        "XADD s 18446744073709551615-18446744073709551615 a 1",
        "XADD s 18446744073709551615-* a 1",
        "XADD s * a 1",
        "XLEN s",
        "XRANGE s - +",
        "XADD",
        "XADD s",
        "XADD s *",
        "XADD s * a",
        "SET str x",
        "XADD str * a 1",
        "XADD str 1-1 a 1",
        "XLEN str",
        "XLEN nosuch",
        "TYPE s",
        "OBJECT ENCODING s",
    ]);
}

#[test]
fn xadd_with_auto_ids_follows_the_clock() {
    let mut p = parity!();
    run_auto_id(&mut p, "XADD s * a 1", 0);
    p.run("XADD s2 1-5 a 1");
    run_auto_id(&mut p, "XADD s2 * a 1", 0);
    p.run_all(&["XLEN s", "XLEN s2"]);
    // A last ID in the future: the sequence counts on from it.
    p.run("XADD s3 99999999999999-7 a 1");
    run_auto_id(&mut p, "XADD s3 * a 1", 8);
    run_auto_id(&mut p, "XADD s3 * a 1", 9);
}

#[test]
fn nomkstream_and_trim_options_parse_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s NOMKSTREAM 1-1 a 1",
        "EXISTS s",
        "XADD s NOMKSTREAM MAXLEN 5 1-1 a 1",
        "XADD s MAXLEN -1 1-1 a 1",
        "XADD s MAXLEN x 1-1 a 1",
        "XADD s MAXLEN = 1 LIMIT 5 1-1 a 1",
        "XADD s MAXLEN 1 MINID 1 1-1 a 1",
        "XADD s MINID 1 MAXLEN 1 1-1 a 1",
        "XADD s LIMIT 5 1-1 a 1",
        "XADD s LIMIT 0 1-1 a 1",
        "XADD s MAXLEN ~ 1 LIMIT -1 1-1 a 1",
        "XADD s MAXLEN ~ 1 LIMIT x 1-1 a 1",
        "XADD s MINID ~ x 1-1 a 1",
        "XADD s MINID - 1-1 a 1",
        "XADD s MINID ~ + 1-1 a 1",
        "XADD s MAXLEN 1-1 a 1",
        "XADD s maxlen ~ 2 1-1 a 1",
        "XADD s MaxLen = 2 2-1 a 1",
        "XADD s minid 0 3-1 a 1",
        "XADD s MAXLEN ~ 1 LIMIT 0 4-1 a 1",
        "XADD s NOMKSTREAM nomkstream 5-1 a 1",
        "XLEN s",
        "XTRIM s",
        "XTRIM s foo",
        "XTRIM s MAXLEN",
        "XTRIM s MAXLEN x",
        "XTRIM s MAXLEN ~",
        "XTRIM s LIMIT 5 MAXLEN 1",
        "XTRIM s MINID 5 foo",
        "XTRIM s FOO 1",
        "XTRIM s MAXLEN 1 LIMIT 2",
        "XTRIM s MAXLEN ~ 1 LIMIT 2 LIMIT 3",
        "XTRIM s MAXLEN 1 MAXLEN 2",
        "XTRIM nosuch MAXLEN 0",
        "XTRIM nosuch MAXLEN x",
        "SET str x",
        "XTRIM str MAXLEN 0",
        "XTRIM s MAXLEN 2",
        "XRANGE s - +",
        "XTRIM s MINID 5-1",
        "XRANGE s - +",
        "XTRIM s MAXLEN 0",
        "EXISTS s",
        "XLEN s",
    ]);
}

/// XADD `n` entries with IDs `1-0`… and fields `f` → `v<i>`.
fn fill(p: &mut Parity, key: &str, n: usize, value: &str) {
    for i in 1..=n {
        p.run(&format!("XADD {key} {i}-0 f {value}{i}"));
    }
}

#[test]
fn approximate_trims_remove_whole_nodes_as_redis_does() {
    let mut p = parity!();
    fill(&mut p, "s", 250, "v");
    p.run_all(&[
        "XINFO STREAM s",
        "XTRIM s MAXLEN ~ 260",
        "XTRIM s MAXLEN ~ 200",
        "XLEN s",
        "XTRIM s MAXLEN ~ 100",
        "XLEN s",
        "XTRIM s MAXLEN ~ 99",
        "XLEN s",
        "XTRIM s MINID ~ 245",
        "XTRIM s MINID ~ 251",
        "XLEN s",
    ]);
    fill(&mut p, "t", 300, "v");
    p.run_all(&[
        "XTRIM t MAXLEN ~ 0 LIMIT 150",
        "XLEN t",
        "XTRIM t MAXLEN ~ 0 LIMIT 100",
        "XLEN t",
        "XTRIM t MAXLEN ~ 0 LIMIT 0",
        "XLEN t",
        "XINFO STREAM t",
    ]);
    // Deleted entries still take room in their node.
    fill(&mut p, "d", 150, "v");
    for i in 1..=60 {
        p.run(&format!("XDEL d {i}-0"));
    }
    p.run_all(&["XINFO STREAM d", "XTRIM d MAXLEN ~ 10", "XLEN d"]);
    p.run("XDEL d 61-0 62-0");
    p.run_all(&["XINFO STREAM d", "XRANGE d - + COUNT 2"]);
}

#[test]
fn nodes_split_on_bytes_as_listpacks_grow() {
    let mut p = parity!();
    let big = "x".repeat(300);
    fill(&mut p, "s", 60, &big);
    p.run_all(&["XINFO STREAM s", "XTRIM s MAXLEN ~ 30", "XLEN s"]);
    // Numbers, negative deltas, differing fields and multi-byte lengths.
    let mut id = 1;
    for i in 0..200 {
        let line = match i % 4 {
            0 => format!("XADD n {id}-{} n {}", i * 7, i * 1000),
            1 => format!("XADD n {id}-{} a -{} b {}", i * 3, i * 99, "y".repeat(i)),
            2 => format!("XADD n {} a 1 b 2", id + 1),
            _ => format!("XADD n {}-5 f {}", id + 2, "z".repeat(70 + i)),
        };
        if i % 4 == 2 {
            id += 1;
        }
        if i % 4 == 3 {
            id += 3;
        }
        p.run(&line);
    }
    p.run_all(&[
        "XINFO STREAM n",
        "XTRIM n MAXLEN ~ 50",
        "XLEN n",
        "XINFO STREAM n",
    ]);
    p.run_all(&[
        "CONFIG SET stream-node-max-entries 7",
        "CONFIG SET stream-node-max-bytes 0",
    ]);
    fill(&mut p, "c", 50, "v");
    p.run_all(&["XINFO STREAM c", "XTRIM c MAXLEN ~ 20", "XLEN c"]);
    p.run_all(&[
        "CONFIG SET stream-node-max-entries 0",
        "CONFIG SET stream-node-max-bytes 200",
    ]);
    fill(&mut p, "b", 50, "v");
    p.run_all(&[
        "XINFO STREAM b",
        "XTRIM b MAXLEN ~ 20",
        "XLEN b",
        "XTRIM b MAXLEN ~ 20 LIMIT 3",
        "XLEN b",
    ]);
}

#[test]
fn xrange_and_xrevrange_cover_bounds_counts_and_errors() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-0 a 1",
        "XADD s 1-1 b 2",
        "XADD s 2-0 c 3",
        "XADD s 3-5 d 4 e 5",
        "XRANGE s - +",
        "XREVRANGE s + -",
        "XRANGE s 1 1",
        "XRANGE s 1-1 3",
        "XRANGE s (1-0 +",
        "XRANGE s - (3-5",
        "XRANGE s (1 (3-5",
        "XREVRANGE s (3-5 (1-0",
        "XRANGE s - + COUNT 2",
        "XREVRANGE s + - COUNT 1",
        "XRANGE s - + COUNT 0",
        "XRANGE s - + COUNT -1",
        "XRANGE s - + COUNT x",
        "XRANGE s - + COUNT",
        "XRANGE s - + LIMIT 1",
        "XRANGE s - + COUNT 1 COUNT 3",
        "XRANGE s 3 1",
        "XRANGE s (- +",
        "XRANGE s - (+",
        "XRANGE s (18446744073709551615-18446744073709551615 +",
        "XRANGE s - (0-0",
        "XRANGE s - (0",
        "XRANGE s x +",
        "XRANGE s - x",
        "XRANGE s ( +",
        "XRANGE s 2-x +",
        "XRANGE nosuch - +",
        "XRANGE nosuch - + COUNT 0",
        "XRANGE nosuch x +",
        "SET str x",
        "XRANGE str - +",
        "XREVRANGE str + -",
        "XRANGE str - + COUNT 0",
        "XRANGE s",
        "XREVRANGE s +",
    ]);
    p.pair.resp3();
    p.run_all(&["XRANGE s - +", "XRANGE s - + COUNT 0", "XRANGE nosuch - +"]);
}

#[test]
fn xdel_marks_tombstones_and_xsetid_moves_the_last_id() {
    let mut p = parity!();
    fill(&mut p, "s", 5, "v");
    p.run_all(&[
        "XDEL s 2-0 4-0 9-0 2-0",
        "XDEL s x",
        "XDEL s 1-0 x",
        "XDEL s +",
        "XDEL nosuch x",
        "XDEL nosuch 1-0",
        "XRANGE s - +",
        "XINFO STREAM s",
        "XDEL s 1-0",
        "XINFO STREAM s",
        "XSETID s 4-0",
        "XSETID s 5-0",
        "XSETID s 6-0",
        "XADD s 6-0 a 1",
        "XADD s 6-1 a 1",
        "XSETID s 10 ENTRIESADDED 1",
        "XSETID s 10 ENTRIESADDED -1",
        "XSETID s 10 ENTRIESADDED x",
        "XSETID s 10 ENTRIESADDED 3 MAXDELETEDID 11",
        "XSETID s 10 MAXDELETEDID 3-0",
        "XSETID s 10 ENTRIESADDED 50 MAXDELETEDID 9",
        "XINFO STREAM s",
        "XSETID s 9",
        "XSETID s 10 FOO",
        "XSETID s 10 ENTRIESADDED",
        "XSETID s +",
        "XSETID s x",
        "XSETID nosuch 1",
        "XSETID nosuch x",
        "SET str x",
        "XSETID str 1",
        "XDEL s 3-0 5-0 6-0 6-1",
        "EXISTS s",
        "XINFO STREAM s",
        "XSETID s 20",
        "XADD s 15 a 1",
        "XADD s 21 a 1",
        "XINFO STREAM s",
    ]);
}

#[test]
fn empty_streams_stay_and_report_their_counters() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s MAXLEN 0 1-0 a 1",
        "EXISTS s",
        "XLEN s",
        "XINFO STREAM s",
        "XINFO STREAM s FULL",
        "XADD s 2-0 a 1",
        "XDEL s 2-0",
        "XINFO STREAM s",
        "XRANGE s - +",
        "XREVRANGE s + -",
    ]);
}
