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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
    // Deleted entries of the tail node count toward its fullness.
    fill(&mut p, "t2", 90, "v");
    for i in 31..=50 {
        p.run(&format!("XDEL t2 {i}-0"));
    }
    for i in 91..=120 {
        p.run(&format!("XADD t2 {i}-0 f v"));
    }
    p.run_all(&["XINFO STREAM t2", "XTRIM t2 MAXLEN ~ 20", "XLEN t2"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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

/// `reply` with what two servers' clocks make differ masked: integers of
/// 13 digits or more (Unix-ms times: delivery and seen times) become `:T`,
/// XINFO CONSUMERS's idle becomes `:I`, and the idle field of XPENDING's
/// rows (`[id, consumer, idle, count]`) becomes `:I`.
fn masked(reply: &[u8], resp3: bool) -> Vec<u8> {
    if let Some((header, items)) = support::split_aggregate(reply, resp3) {
        let is_int = |i: &Vec<u8>| i.first() == Some(&b':');
        let is_bulk = |i: &Vec<u8>| i.first() == Some(&b'$');
        let pending_row = items.len() == 4
            && is_bulk(&items[0])
            && is_bulk(&items[1])
            && is_int(&items[2])
            && is_int(&items[3]);
        let mut out = header;
        let mut after_idle = false;
        for (n, item) in items.iter().enumerate() {
            if (pending_row && n == 2) || after_idle {
                out.extend_from_slice(b":I\r\n");
            } else {
                out.extend_from_slice(&masked(item, resp3));
            }
            after_idle = item.as_slice() == b"$4\r\nidle\r\n";
        }
        return out;
    }
    if reply.first() == Some(&b':')
        && reply.len() >= 16
        && reply[1..reply.len() - 2].iter().all(u8::is_ascii_digit)
    {
        return b":T\r\n".to_vec();
    }
    reply.to_vec()
}

/// Sends `line` to both and compares the [`masked`] replies.
#[track_caller]
fn run_masked(p: &mut Parity, line: &str) {
    let (sim, real) = p.both(line);
    let resp3 = true;
    assert!(
        masked(&sim, resp3) == masked(&real, resp3),
        "replies differ (times masked)\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
        show(&sim),
        show(&real)
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xgroup_subcommands_create_set_and_destroy_groups() {
    let mut p = parity!();
    p.run_all(&[
        "XGROUP CREATE s g $",
        "XGROUP CREATE s g $ MKSTREAM",
        "XGROUP CREATE s g $",
        "XGROUP CREATE s g2 0 MKSTREAM",
        "XGROUP CREATE s g3 5-5 ENTRIESREAD 3",
        "XGROUP CREATE s g4 1 ENTRIESREAD -1",
        "XGROUP CREATE s g5 1 ENTRIESREAD -2",
        "XGROUP CREATE s g5 1 ENTRIESREAD x",
        "XGROUP CREATE s g5 1 ENTRIESREAD",
        "XGROUP CREATE s g5 1 FOO",
        "XGROUP CREATE s g5 1 MKSTREAM MKSTREAM MKSTREAM MKSTREAM",
        "XGROUP CREATE s g6 x",
        "XGROUP CREATE s g6 +",
        "XGROUP CREATE s g6 -",
        "XGROUP CREATE nosuch g $",
        "XGROUP CREATE nosuch g x",
        "XGROUP CREATE nosuch g x MKSTREAM",
        "EXISTS nosuch",
        "XINFO GROUPS s",
        "XADD s 1-0 a 1",
        "XADD s 2-0 b 2",
        "XGROUP CREATE s g7 $",
        "XINFO GROUPS s",
        "XGROUP SETID s g 1-0",
        "XGROUP SETID s g $",
        "XGROUP SETID s g - ",
        "XGROUP SETID s g +",
        "XGROUP SETID s g 1 ENTRIESREAD 1",
        "XGROUP SETID s g 1 ENTRIESREAD -3",
        "XGROUP SETID s g 1 FOO 1",
        "XGROUP SETID s g 1 ENTRIESREAD",
        "XGROUP SETID s g x",
        "XGROUP SETID s nosuch 1",
        "XGROUP SETID nosuch g 1",
        "XINFO GROUPS s",
        "XGROUP CREATECONSUMER s g alice",
        "XGROUP CREATECONSUMER s g alice",
        "XGROUP CREATECONSUMER s nosuch alice",
        "XGROUP CREATECONSUMER nosuch g alice",
        "XGROUP DELCONSUMER s g bob",
        "XGROUP DELCONSUMER s g alice",
        "XGROUP DELCONSUMER s nosuch alice",
        "XGROUP DESTROY s g7",
        "XGROUP DESTROY s g7",
        "XGROUP DESTROY nosuch g",
        "XGROUP DESTROY s",
        "XGROUP DESTROY s g a",
        "XGROUP CREATE s",
        "XGROUP CREATE s g",
        "XGROUP CREATE s g $ MKSTREAM ENTRIESREAD 1 MKSTREAM",
        "XGROUP CREATECONSUMER s g",
        "XGROUP FOO s g",
        "XGROUP",
        "XGROUP HELP",
        "XGROUP HELP x",
        "XGROUP help",
        "SET str x",
        "XGROUP CREATE str g $",
        "XGROUP CREATE str g $ MKSTREAM",
        "XGROUP DESTROY str g",
        "XINFO GROUPS s",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xreadgroup_delivers_new_entries_then_history_and_xack_clears_it() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-0 a 1",
        "XADD s 2-0 b 2",
        "XADD s 3-0 c 3",
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g bob STREAMS s >",
        "XREADGROUP GROUP g bob STREAMS s >",
        "XREADGROUP GROUP g alice STREAMS s 0",
        "XREADGROUP GROUP g bob STREAMS s 0",
        "XREADGROUP GROUP g bob COUNT 1 STREAMS s 2-0",
        "XREADGROUP GROUP g carol STREAMS s 0",
        "XPENDING s g",
        "XACK s g 1-0 9-0 2-0",
        "XACK s g 1-0",
        "XACK s g x",
        "XACK s g 3-0 x",
        "XACK s nosuch 3-0",
        "XACK nosuch g x",
        "XPENDING s g",
        "XDEL s 3-0",
        "XREADGROUP GROUP g bob STREAMS s 0",
        "XADD s 4-0 d 4",
        "XREADGROUP GROUP g alice NOACK STREAMS s >",
        "XPENDING s g",
        "XGROUP SETID s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XPENDING s g",
        "XINFO GROUPS s",
        "XGROUP DELCONSUMER s g bob",
        "XPENDING s g",
        "XINFO GROUPS s",
    ]);
    run_masked(&mut p, "XINFO CONSUMERS s g");
    run_masked(&mut p, "XINFO STREAM s FULL");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xread_and_xreadgroup_reject_bad_arguments_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-0 a 1",
        "XGROUP CREATE s g 0",
        "SET str x",
        "XREAD STREAMS s",
        "XREAD STREAMS s s2 0",
        "XREAD COUNT x STREAMS s 0",
        "XREAD COUNT -5 STREAMS s 0",
        "XREAD BLOCK x STREAMS s 0",
        "XREAD BLOCK -1 STREAMS s 0",
        "XREAD BLOCK 1.5 STREAMS s 0",
        "XREAD FOO STREAMS s 0",
        "XREAD COUNT 1",
        "XREAD GROUP g c STREAMS s 0",
        "XREAD NOACK STREAMS s 0",
        "XREAD STREAMS s >",
        "XREAD STREAMS s +",
        "XREAD STREAMS s -",
        "XREAD STREAMS s x",
        "XREAD STREAMS str 0",
        "XREAD STREAMS s str 0 0",
        "XREAD STREAMS nosuch s 0 0",
        "XREAD STREAMS nosuch $",
        "XREAD STREAMS s $",
        "XREAD STREAMS s 0-0 s 0",
        "XREAD COUNT 1 COUNT 5 STREAMS s 0",
        "XREADGROUP STREAMS s >",
        "XREADGROUP COUNT 1 STREAMS s >",
        "XREADGROUP GROUP g c STREAMS s",
        "XREADGROUP GROUP g c STREAMS s s >",
        "XREADGROUP GROUP g c STREAMS s $",
        "XREADGROUP GROUP nosuch c STREAMS s >",
        "XREADGROUP GROUP g c STREAMS nosuch >",
        "XREADGROUP GROUP g c STREAMS str >",
        "XREADGROUP GROUP g c STREAMS s x",
        "XREADGROUP GROUP g c STREAMS s +",
        "XREADGROUP GROUP g c NOACK NOACK STREAMS s >",
        "XREADGROUP GROUP g",
        "XREADGROUP GROUP g c FOO STREAMS s >",
        "XREADGROUP GROUP g c BLOCK -1 STREAMS s >",
        "XREADGROUP GROUP g c STREAMS s nosuch > >",
        "XREADGROUP GROUP g c STREAMS nosuch s > >",
        "XREAD STREAMS s s 0 0",
        "XREAD STREAMS s nosuch 0 0",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "XREAD STREAMS s nosuch 0 0",
        "XREAD STREAMS s s 0 0",
        "XREAD STREAMS s $",
        "XREADGROUP GROUP g d STREAMS s >",
        "XREADGROUP GROUP g d STREAMS s >",
        "XREADGROUP GROUP g d STREAMS s 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xpending_summarises_and_lists_pending_entries() {
    let mut p = parity!();
    fill(&mut p, "s", 6, "v");
    p.run_all(&[
        "XGROUP CREATE s g 0",
        "XPENDING s g",
        "XPENDING s g - + 10",
        "XREADGROUP GROUP g alice COUNT 2 STREAMS s >",
        "XREADGROUP GROUP g bob COUNT 3 STREAMS s >",
        "XGROUP CREATECONSUMER s g zed",
        "XPENDING s g",
        "XPENDING nosuch g",
        "XPENDING s nosuch",
        "XPENDING s g - +",
        "XPENDING s g - + x",
        "XPENDING s g x + 10",
        "XPENDING s g - x 10",
        "XPENDING s g IDLE x - + 10",
        "XPENDING s g IDLE 10 - +",
        "XPENDING s g (18446744073709551615-18446744073709551615 + 10",
        "XPENDING s g - (0-0 10",
        "XPENDING nosuch g - + 10",
        "XPENDING nosuch g - + x",
        "XPENDING s g - + 0",
        "XPENDING s g - + -3",
        "XPENDING s g 4 2 10",
        "XPENDING s g - + 10 nobody",
        "XPENDING s g IDLE 99999999999 - + 10",
        "SET str x",
        "XPENDING str g",
        "XPENDING str g - + x",
    ]);
    for line in [
        "XPENDING s g - + 10 alice bob",
        "XPENDING s g - + 10",
        "XPENDING s g - + 2",
        "XPENDING s g (1-0 (5-0 10",
        "XPENDING s g - + 10 bob",
        "XPENDING s g 2 + 2 bob",
        "XPENDING s g IDLE 0 - + 10",
    ] {
        run_masked(&mut p, line);
    }
    p.pair.resp3();
    p.run_all(&[
        "XPENDING s g",
        "XPENDING s g2",
        "XPENDING s g - + 10 nobody",
    ]);
    p.run_all(&["XGROUP CREATE s g2 $", "XPENDING s g2"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xclaim_moves_entries_with_every_option() {
    let mut p = parity!();
    fill(&mut p, "s", 6, "v");
    p.run_all(&[
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XCLAIM s g bob 0 1-0",
        "XCLAIM s g bob 0 1-0 JUSTID",
        "XCLAIM s g bob 0 2-0 RETRYCOUNT 7",
        "XCLAIM s g bob 0 3-0 RETRYCOUNT 7 JUSTID",
        "XCLAIM s g bob 0 9-0 FORCE",
        "XCLAIM s g bob 99999999 4-0",
        "XCLAIM s g bob -5 4-0 TIME 1",
        "XCLAIM s g carol 1000 4-0",
        "XCLAIM s g carol 0 5-0 IDLE 99999999999",
        "XCLAIM s g dave 1000 5-0",
        "XCLAIM s g bob 0 1-0 2-0 x",
        "XCLAIM s g bob 0 1-0 IDLE",
        "XCLAIM s g bob 0 1-0 IDLE x",
        "XCLAIM s g bob 0 1-0 TIME x",
        "XCLAIM s g bob 0 1-0 RETRYCOUNT x",
        "XCLAIM s g bob 0 1-0 LASTID x",
        "XCLAIM s g bob x 1-0",
        "XCLAIM s g bob 0 x",
        "XCLAIM s nosuch bob 0 1-0",
        "XCLAIM nosuch g bob 0 1-0",
        "XCLAIM nosuch g bob x 1-0",
        "XCLAIM s g bob 0 1-0 LASTID 50-0 JUSTID",
        "XINFO GROUPS s",
        "XDEL s 6-0",
        "XCLAIM s g bob 0 6-0",
        "XPENDING s g",
        "XGROUP SETID s g 0",
        "XREADGROUP GROUP g erin COUNT 1 STREAMS s >",
        "XCLAIM s g frank 0 1-0 FORCE JUSTID",
        "XACK s g 2-0",
        "XCLAIM s g frank 0 2-0 FORCE",
        "XCLAIM s g frank 0 2-0 FORCE JUSTID",
        "XCLAIM s g frank 0 3-0 FORCE RETRYCOUNT 0 JUSTID",
        "XPENDING s g",
        "SET str x",
        "XCLAIM str g bob 0 1-0",
    ]);
    for line in [
        "XPENDING s g - + 10",
        "XINFO STREAM s FULL",
        "XINFO CONSUMERS s g",
    ] {
        run_masked(&mut p, line);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xautoclaim_scans_with_a_cursor_and_reports_deleted_entries() {
    let mut p = parity!();
    fill(&mut p, "s", 10, "v");
    p.run_all(&[
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g alice STREAMS s >",
        "XDEL s 3-0 7-0",
        "XAUTOCLAIM s g bob 0 0 COUNT 2",
        "XAUTOCLAIM s g bob 0 3-0 COUNT 2",
        "XAUTOCLAIM s g bob 0 (4-0 COUNT 3 JUSTID",
        "XAUTOCLAIM s g bob 0 0",
        "XAUTOCLAIM s g carol 99999999 0",
        "XAUTOCLAIM s g carol 0 9-0 JUSTID",
        "XAUTOCLAIM s g carol 0 0 COUNT 0",
        "XAUTOCLAIM s g carol 0 0 COUNT -1",
        "XAUTOCLAIM s g carol 0 0 COUNT x",
        "XAUTOCLAIM s g carol 0 0 COUNT 9223372036854775807",
        "XAUTOCLAIM s g carol 0 0 FOO",
        "XAUTOCLAIM s g carol x 0",
        "XAUTOCLAIM s g carol 0 x",
        "XAUTOCLAIM s g carol 0 (18446744073709551615-18446744073709551615",
        "XAUTOCLAIM s nosuch carol 0 0",
        "XAUTOCLAIM nosuch g carol 0 0",
        "XAUTOCLAIM nosuch g carol 0 x",
        "XPENDING s g",
        "SET str x",
        "XAUTOCLAIM str g c 0 0",
        "XAUTOCLAIM s g bob 0 0 COUNT 1",
    ]);
    run_masked(&mut p, "XINFO CONSUMERS s g");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn xinfo_reports_lag_and_entries_read_as_redis_estimates_them() {
    let mut p = parity!();
    p.run_all(&[
        "XGROUP CREATE s g0 0 MKSTREAM",
        "XINFO GROUPS s",
        "XINFO STREAM s",
    ]);
    fill(&mut p, "s", 8, "v");
    p.run_all(&[
        "XGROUP CREATE s g1 0",
        "XGROUP CREATE s g2 $",
        "XGROUP CREATE s g3 4-0",
        "XGROUP CREATE s g4 0 ENTRIESREAD 3",
        "XGROUP CREATE s g5 99-0",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g1 c COUNT 3 STREAMS s >",
        "XREADGROUP GROUP g3 c COUNT 1 STREAMS s >",
        "XINFO GROUPS s",
        "XDEL s 6-0",
        "XINFO GROUPS s",
        "XREADGROUP GROUP g1 c COUNT 4 STREAMS s >",
        "XINFO GROUPS s",
        "XDEL s 1-0",
        "XINFO GROUPS s",
        "XTRIM s MAXLEN 3",
        "XINFO GROUPS s",
        "XADD s 9-0 f v",
        "XREADGROUP GROUP g0 c STREAMS s >",
        "XINFO GROUPS s",
        "XGROUP SETID s g2 0 ENTRIESREAD 2",
        "XGROUP SETID s g3 $",
        "XINFO GROUPS s",
        "XSETID s 20 ENTRIESADDED 30",
        "XINFO GROUPS s",
        "XINFO STREAM s",
        "XINFO STREAM s FULL COUNT x",
        "XINFO STREAM s FULL COUNT",
        "XINFO STREAM s FULL FOO 1",
        "XINFO STREAM s FOO",
        "XINFO STREAM nosuch",
        "XINFO GROUPS nosuch",
        "XINFO CONSUMERS nosuch g",
        "XINFO CONSUMERS s nosuch",
        "XINFO CONSUMERS s",
        "XINFO GROUPS s x",
        "XINFO HELP",
        "XINFO HELP x",
        "XINFO FOO s",
        "XINFO",
        "SET str x",
        "XINFO STREAM str",
        "XINFO GROUPS str",
    ]);
    for line in [
        "XINFO STREAM s FULL",
        "XINFO STREAM s FULL COUNT 1",
        "XINFO STREAM s FULL COUNT 0",
        "XINFO STREAM s FULL COUNT -1",
    ] {
        run_masked(&mut p, line);
    }
    p.run("XDEL s 7-0 8-0 9-0");
    p.run_all(&["XINFO GROUPS s", "XINFO STREAM s"]);
    p.pair.resp3();
    p.run_all(&["XINFO GROUPS s", "XINFO STREAM s"]);
    run_masked(&mut p, "XINFO STREAM s FULL");
    run_masked(&mut p, "XINFO CONSUMERS s g1");
}

/// Waits until `n` clients are blocked on both servers (INFO clients).
fn wait_blocked(p: &mut support::Pair, n: usize) {
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
        std::thread::yield_now();
    }
}

/// Sends `line` on both clients of `pair` without reading the reply.
fn send(pair: &mut support::Pair, line: &str) {
    let args = support::split_command(line);
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
    let req = support::RawClient::encode(&args);
    pair.sim.send_raw(&req);
    pair.real.send_raw(&req);
}

/// Reads the next reply on both clients of `pair` and compares them.
#[track_caller]
fn expect_same(pair: &mut support::Pair, what: &str) -> Vec<u8> {
    let (sim, real) = (pair.sim.read_reply(), pair.real.read_reply());
    assert!(
        sim == real,
        "{what}\n  redsim: {}\n  redis:  {}",
        show(&sim),
        show(&real)
    );
    sim
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocked_xread_is_served_by_xadd_on_any_of_its_keys() {
    let mut p = parity!();
    let mut a = p.new_pair();
    let mut b = p.new_pair();
    let mut c = p.new_pair();
    p.run("XADD s1 5-0 old 1");
    send(&mut a, "XREAD BLOCK 0 STREAMS s1 s2 $ $");
    wait_blocked(&mut p.pair, 1);
    send(&mut b, "XREAD BLOCK 0 COUNT 1 STREAMS s2 0");
    wait_blocked(&mut p.pair, 2);
    send(&mut c, "XREAD BLOCK 0 STREAMS s1 7-0");
    wait_blocked(&mut p.pair, 3);
    p.run("XADD s2 1-0 a 1");
    expect_same(&mut a, "XREAD served from s2");
    expect_same(&mut b, "XREAD with COUNT served from s2");
    p.run("XADD s1 6-0 b 2");
    wait_blocked(&mut p.pair, 1);
    p.run_all(&["MULTI", "XADD s1 8-0 c 3", "XADD s1 9-0 d 4", "EXEC"]);
    expect_same(&mut c, "XREAD served both entries after one EXEC");
    // A stream whose new entries were trimmed away still serves, empty.
    send(&mut a, "XREAD BLOCK 0 STREAMS s1 $");
    wait_blocked(&mut p.pair, 1);
    p.run_all(&["MULTI", "XADD s1 10-0 e 5", "XTRIM s1 MAXLEN 0", "EXEC"]);
    expect_same(&mut a, "XREAD served with nothing");
    a.resp3();
    send(&mut a, "XREAD BLOCK 0 STREAMS s1 $");
    wait_blocked(&mut p.pair, 1);
    p.run("XADD s1 11-0 f 6");
    expect_same(&mut a, "XREAD served in RESP3");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocked_xread_without_count_is_served_a_thousand_entries() {
    let mut p = parity!();
    let mut a = p.new_pair();
    send(&mut a, "XREAD BLOCK 0 STREAMS s 0");
    wait_blocked(&mut p.pair, 1);
    p.run("MULTI");
    for i in 1..=1200 {
        let (sim, _) = p.both(&format!("XADD s {i}-0 f {i}"));
        assert_eq!(sim, b"+QUEUED\r\n");
    }
    let (sim, real) = p.both("EXEC");
    assert_eq!(sim, real);
    let served = expect_same(&mut a, "XREAD served at most 1000");
    assert!(String::from_utf8_lossy(&served).starts_with("*1\r\n*2\r\n$1\r\ns\r\n*1000\r\n"));
    p.run("XREAD STREAMS s 0");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocked_xreadgroup_consumers_share_new_entries_in_blocking_order() {
    let mut p = parity!();
    let mut a = p.new_pair();
    let mut b = p.new_pair();
    p.run("XGROUP CREATE s g $ MKSTREAM");
    send(&mut a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    wait_blocked(&mut p.pair, 1);
    send(&mut b, "XREADGROUP GROUP g bob BLOCK 0 NOACK STREAMS s >");
    wait_blocked(&mut p.pair, 2);
    p.run("XINFO GROUPS s");
    p.run("XADD s 1-0 a 1");
    expect_same(&mut a, "first blocked consumer served");
    wait_blocked(&mut p.pair, 1);
    p.run("XADD s 2-0 b 2");
    expect_same(&mut b, "second consumer served, without acknowledgement");
    p.run_all(&["XPENDING s g", "XINFO GROUPS s"]);
    // The group goes away: the waiter is told so.
    send(
        &mut a,
        "XREADGROUP GROUP g alice BLOCK 0 COUNT 5 STREAMS s >",
    );
    wait_blocked(&mut p.pair, 1);
    p.run("XGROUP DESTROY s g");
    expect_same(&mut a, "group destroyed under a blocked consumer");
    // The key goes away or changes type: a group reader is told so, a
    // plain reader waits on.
    for (setup, gone) in [
        ("XGROUP CREATE s g $ MKSTREAM", "DEL s"),
        ("XGROUP CREATE s g $ MKSTREAM", "SET s x"),
        ("XGROUP CREATE s g $ MKSTREAM", "FLUSHDB"),
        ("XGROUP CREATE s g $ MKSTREAM", "RENAME s t"),
        ("XGROUP CREATE s g $ MKSTREAM", "SWAPDB 0 1"),
    ] {
        p.run_all(&["FLUSHALL", setup]);
        send(&mut a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
        send(&mut b, "XREAD BLOCK 0 STREAMS s $");
        wait_blocked(&mut p.pair, 2);
        p.run(gone);
        expect_same(&mut a, gone);
        wait_blocked(&mut p.pair, 1);
        p.run_all(&["FLUSHALL", "XADD s 1-0 a 1"]);
        expect_same(&mut b, "the plain reader served after all");
    }
    // A write that fails (WRONGTYPE) changes nothing: still waiting.
    p.run_all(&["FLUSHALL", "XGROUP CREATE s g $ MKSTREAM"]);
    send(&mut a, "XREADGROUP GROUP g alice BLOCK 0 STREAMS s >");
    wait_blocked(&mut p.pair, 1);
    p.run("LPUSH s x");
    wait_blocked(&mut p.pair, 1);
    p.run("XADD s 1-0 a 1");
    expect_same(&mut a, "served after the failed write");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn blocking_reads_time_out_and_do_not_block_in_multi_or_scripts() {
    let mut p = parity!();
    let mut a = p.new_pair();
    p.run("XGROUP CREATE s g $ MKSTREAM");
    send(&mut a, "XREAD BLOCK 20 STREAMS s $");
    expect_same(&mut a, "XREAD timed out");
    send(&mut a, "XREADGROUP GROUP g c BLOCK 20 STREAMS s >");
    expect_same(&mut a, "XREADGROUP timed out");
    a.resp3();
    send(&mut a, "XREAD BLOCK 20 STREAMS s $");
    expect_same(&mut a, "XREAD timed out in RESP3");
    p.run_all(&[
        "XINFO CONSUMERS s g",
        "MULTI",
        "XREAD BLOCK 0 STREAMS s $",
        "XREADGROUP GROUP g c BLOCK 0 STREAMS s >",
        "XREAD BLOCK 0 STREAMS nosuch 0",
        "EXEC",
        "EVAL \"return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', 's', '$')\" 0",
        "EVAL \"return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 's', '>')\" 0",
        "EVAL \"return redis.call('XREAD', 'STREAMS', 's', '0')\" 0",
        "XADD s 1-0 a 1",
        "EVAL \"return redis.call('XREAD', 'STREAMS', 's', '0')\" 0",
        "EVAL \"return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '>')\" 0",
        "MULTI",
        "XREAD BLOCK 0 STREAMS s 0",
        "EXEC",
        "XREAD BLOCK 10 STREAMS s 0",
    ]);
}

/// A small deterministic generator for the randomized test.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Commands of one randomized run: each seed sends the same mix to both
/// servers with small node limits, so that nodes split, fill with
/// tombstones and are trimmed whole often.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_command_sequences_match_redis() {
    let mut p = parity!();
    let runs: [(u64, &str, &str); 5] = [
        (20_241_215, "5", "200"),
        (7, "3", "0"),
        (99_991, "0", "120"),
        (123_456_789, "100", "4096"),
        (31_337, "2", "64"),
    ];
    let mut sent = 0;
    for (seed, entries, bytes) in runs {
        p.run_all(&[
            "FLUSHALL",
            &format!("CONFIG SET stream-node-max-entries {entries}"),
            &format!("CONFIG SET stream-node-max-bytes {bytes}"),
        ]);
        sent += random_sequence(&mut p, seed);
    }
    eprintln!("randomized: {sent} commands in {} runs", runs.len());
}

/// One run of 600 random commands; returns how many were sent.
fn random_sequence(p: &mut Parity, seed: u64) -> usize {
    let mut rng = Lcg(seed);
    let keys = ["s1", "s2", "s1", "s2", "s1", "str"];
    let groups = ["g1", "g2", "g3"];
    let consumers = ["alice", "bob", "carol"];
    let fields = ["f", "g", "field", "12", "-7", "h"];
    let values = [
        "v",
        "1",
        "-1",
        "255",
        "70000",
        "x",
        "long-value-long-value-long-value",
    ];
    // Millisecond parts stay small so that explicit IDs often collide,
    // go back, and use `ms-*`.
    let mut ms = 1u64;
    p.run("SET str x");
    let n = 600;
    let mut errors = 0;
    for _ in 0..n {
        let key = rng.pick(&keys);
        let group = rng.pick(&groups);
        let consumer = rng.pick(&consumers);
        let id = |rng: &mut Lcg, ms: u64| -> String {
            match rng.below(10) {
                0 => "-".into(),
                1 => "+".into(),
                2 => format!("({}-{}", rng.below(ms as usize + 2), rng.below(4)),
                3 => format!("{}", rng.below(ms as usize + 2)),
                _ => format!("{}-{}", rng.below(ms as usize + 2), rng.below(4)),
            }
        };
        let line = match rng.below(25) {
            0..=5 => {
                if rng.below(3) > 0 {
                    ms += rng.below(3) as u64;
                }
                let id = match rng.below(8) {
                    0 => format!("{ms}-*"),
                    1 => format!("{}-{}", ms.saturating_sub(1), rng.below(3)),
                    _ => format!("{ms}-{}", rng.below(3) + 1),
                };
                let trim = match rng.below(8) {
                    0 => format!("MAXLEN ~ {} ", rng.below(30)),
                    1 => format!("MAXLEN {} ", rng.below(30)),
                    2 => format!("MINID ~ {} ", rng.below(ms as usize + 1)),
                    3 => format!("MAXLEN ~ {} LIMIT {} ", rng.below(20), rng.below(12)),
                    4 => "NOMKSTREAM ".into(),
                    _ => String::new(),
                };
                let mut line = format!("XADD {key} {trim}{id}");
                for _ in 0..=rng.below(3) {
                    line += &format!(" {} {}", rng.pick(&fields), rng.pick(&values));
                }
                line
            }
            6 => format!("XDEL {key} {} {}", id(&mut rng, ms), id(&mut rng, ms)),
            7 => match rng.below(4) {
                0 => format!("XTRIM {key} MAXLEN ~ {}", rng.below(40)),
                1 => format!(
                    "XTRIM {key} MINID {}-{}",
                    rng.below(ms as usize + 1),
                    rng.below(3)
                ),
                2 => format!(
                    "XTRIM {key} MINID ~ {} LIMIT {}",
                    rng.below(ms as usize + 1),
                    rng.below(10)
                ),
                _ => format!("XTRIM {key} MAXLEN {}", rng.below(40)),
            },
            8 => format!(
                "XRANGE {key} {} {} COUNT {}",
                id(&mut rng, ms),
                id(&mut rng, ms),
                rng.below(6)
            ),
            9 => format!("XREVRANGE {key} {} {}", id(&mut rng, ms), id(&mut rng, ms)),
            10 => format!("XLEN {key}"),
            11 | 23 => match rng.below(8) {
                0 | 6 | 7 => format!(
                    "XGROUP CREATE {key} {group} {} MKSTREAM",
                    rng.pick(&["$", "0", "1-1", "3"])
                ),
                1 => format!("XGROUP CREATE {key} {group} $ ENTRIESREAD {}", rng.below(5)),
                2 => format!(
                    "XGROUP SETID {key} {group} {}",
                    rng.pick(&["$", "0", "2-0", "-"])
                ),
                3 => format!("XGROUP DESTROY {key} {group}"),
                4 => format!("XGROUP CREATECONSUMER {key} {group} {consumer}"),
                _ => format!("XGROUP DELCONSUMER {key} {group} {consumer}"),
            },
            12..=14 => {
                let opts = match rng.below(4) {
                    0 => "COUNT 2 ",
                    1 => "NOACK ",
                    2 => "COUNT 1 NOACK ",
                    _ => "",
                };
                let from = if rng.below(3) == 0 {
                    "0".to_string()
                } else {
                    ">".to_string()
                };
                format!("XREADGROUP GROUP {group} {consumer} {opts}STREAMS {key} {from}")
            }
            15 => format!(
                "XACK {key} {group} {} {}",
                id(&mut rng, ms),
                id(&mut rng, ms)
            ),
            16 => format!("XPENDING {key} {group}"),
            17 => format!(
                "XCLAIM {key} {group} {consumer} 0 {} {} {}",
                id(&mut rng, ms),
                id(&mut rng, ms),
                rng.pick(&[
                    "JUSTID",
                    "RETRYCOUNT 3",
                    "FORCE JUSTID",
                    "",
                    "LASTID 5-0 JUSTID"
                ])
            ),
            18 => format!(
                "XAUTOCLAIM {key} {group} {consumer} 0 {} COUNT {} {}",
                id(&mut rng, ms),
                rng.below(4) + 1,
                rng.pick(&["JUSTID", ""])
            ),
            19 => format!("XINFO STREAM {key}"),
            20 => format!("XINFO GROUPS {key}"),
            21 => format!(
                "XSETID {key} {}-{} {}",
                ms + rng.below(3) as u64,
                rng.below(3),
                rng.pick(&["", "ENTRIESADDED 100", "MAXDELETEDID 1-0"])
            ),
            22 => format!(
                "XREAD COUNT {} STREAMS {key} {}",
                rng.below(4),
                id(&mut rng, ms)
            ),
            _ => format!(
                "XPENDING {key} {group} - + {} {}",
                rng.below(5),
                rng.pick(&["", "alice"])
            ),
        };
        let line = line.trim_end().to_string();
        if line.starts_with("XPENDING") && line.contains(" - + ") {
            run_masked(p, &line);
        } else {
            let (sim, real) = p.both(&line);
            errors += usize::from(sim.first() == Some(&b'-'));
            assert!(
                sim == real,
                "seed {seed}: replies differ\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
                show(&sim),
                show(&real)
            );
        }
    }
    for key in ["s1", "s2"] {
        p.run(&format!("XINFO STREAM {key}"));
        p.run(&format!("XRANGE {key} - +"));
    }
    eprintln!("seed {seed}: {errors} of {n} replies were errors");
    // Most commands must do something, not fail on the same check.
    assert!(errors < n / 2, "seed {seed}: {errors} errors");
    n + 5
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn streams_work_with_the_generic_key_commands() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-0 a 1",
        "XADD s 2-0 b 2",
        "XGROUP CREATE s g 0",
        "XREADGROUP GROUP g c COUNT 1 STREAMS s >",
        "TYPE s",
        "OBJECT ENCODING s",
        "EXISTS s",
        "COPY s c",
        "XRANGE c - +",
        "XINFO GROUPS c",
        "XPENDING c g",
        "XREADGROUP GROUP g d STREAMS c >",
        "XINFO GROUPS s",
        "XINFO STREAM c",
        "COPY s c",
        "COPY s c REPLACE",
        "XINFO GROUPS c",
        "RENAME c r",
        "XLEN r",
        "XINFO STREAM r",
        "DEL r",
        "EXISTS r",
        "SCAN 0 TYPE stream",
        "SCAN 0 TYPE STREAM",
        "SET str x",
        "SCAN 0 TYPE string",
        "MOVE s 1",
        "SELECT 1",
        "XLEN s",
        "XINFO GROUPS s",
        "SELECT 0",
        "DBSIZE",
        "RENAME str s",
        "TYPE s",
    ]);
    let (sim, real) = p.both("INFO keyspace");
    assert_eq!(sim, real, "{}", show(&sim));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn stream_writes_publish_keyspace_events() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    p.run("CONFIG SET notify-keyspace-events KEA");
    sub.run("PSUBSCRIBE __keyevent@0__:*");
    let lines = [
        "XADD s 1-0 a 1",
        "XADD s MAXLEN 1 2-0 a 1",
        "XADD s MAXLEN 5 3-0 a 1",
        "XADD s MAXLEN ~ 0 4-0 a 1",
        "XTRIM s MAXLEN 1",
        "XTRIM s MAXLEN 1",
        "XADD s 5-0 a 1",
        "XDEL s 5-0 9-0",
        "XDEL s 9-0",
        "XSETID s 10-0",
        "XGROUP CREATE s g $",
        "XGROUP CREATE t g $ MKSTREAM",
        "XGROUP SETID s g 0",
        "XGROUP CREATECONSUMER s g c",
        "XGROUP CREATECONSUMER s g c",
        "XREADGROUP GROUP g d STREAMS s >",
        "XREADGROUP GROUP g d STREAMS s 0",
        "XCLAIM s g e 0 4-0",
        "XCLAIM s g e 0 4-0",
        "XAUTOCLAIM s g f 0 0",
        "XACK s g 4-0",
        "XGROUP DELCONSUMER s g c",
        "XGROUP DELCONSUMER s g zz",
        "XGROUP DESTROY s g",
        "XGROUP DESTROY s g",
        "XADD s NOMKSTREAM 11-0 a 1",
        "XADD nosuch NOMKSTREAM 1-0 a 1",
        "DEL s t",
    ];
    for line in lines {
        p.run(line);
        // Every event up to a marker, on each server.
        p.run("PUBLISH __keyevent@0__:mark x");
        let read = |c: &mut support::RawClient| {
            let mut got = Vec::new();
            loop {
                let r = c.read_reply();
                if String::from_utf8_lossy(&r).contains("__keyevent@0__:mark") {
                    return got;
                }
                got.push(show(&r));
            }
        };
        let sim = read(&mut sub.sim);
        let real = read(&mut sub.real);
        assert_eq!(sim, real, "events of {line}");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn stream_writes_signal_watchers_and_reads_do_not() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["XADD s 1-0 a 1", "XADD s 2-0 b 2", "XGROUP CREATE s g 0"]);
    for line in [
        "XLEN s",
        "XRANGE s - +",
        "XINFO STREAM s",
        "XPENDING s g",
        "XADD s 3-0 c 3",
        "XDEL s 9-0",
        "XDEL s 3-0",
        "XTRIM s MAXLEN 5",
        "XTRIM s MAXLEN 1",
        "XSETID s 20",
        "XGROUP CREATE s g2 0",
        "XGROUP SETID s g 0",
        "XGROUP CREATECONSUMER s g c",
        "XGROUP DELCONSUMER s g c",
        "XGROUP DESTROY s g2",
        "XREADGROUP GROUP g c STREAMS s >",
        "XACK s g 2-0",
        "XCLAIM s g d 0 2-0",
        "XAUTOCLAIM s g d 0 0",
    ] {
        p.run_all(&["WATCH s", "MULTI", "PING"]);
        other.run(line);
        let (sim, real) = p.both("EXEC");
        assert_eq!(show(&sim), show(&real), "EXEC after {line}");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scripts_get_stream_replies_converted() {
    let mut p = parity!();
    p.run_all(&[
        "XADD s 1-0 a 1 b 2",
        "XGROUP CREATE s g 0",
        "EVAL \"return redis.call('XRANGE', KEYS[1], '-', '+')\" 1 s",
        "EVAL \"return redis.call('XREAD', 'STREAMS', KEYS[1], '0')\" 1 s",
        "EVAL \"return redis.call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', KEYS[1], '>')\" 1 s",
        "EVAL \"return redis.call('XPENDING', KEYS[1], 'g')\" 1 s",
        "EVAL \"return redis.call('XINFO', 'GROUPS', KEYS[1])\" 1 s",
        "EVAL \"return redis.call('XADD', KEYS[1], '1-0', 'a', 1)\" 1 s",
        "EVAL \"return redis.pcall('XADD', KEYS[1], '1-0', 'a', 1)\" 1 s",
        "EVAL \"return redis.call('XADD', KEYS[1], '2-0', 'a', 1)\" 1 s",
        "EVAL \"redis.setresp(3); return redis.call('XREAD', 'STREAMS', KEYS[1], '0')\" 1 s",
        "EVAL \"redis.setresp(3); return redis.call('XINFO', 'STREAM', KEYS[1])\" 1 s",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "EVAL \"redis.setresp(3); return redis.call('XREAD', 'STREAMS', KEYS[1], '0')\" 1 s",
        "EVAL \"redis.setresp(3); return redis.call('XINFO', 'GROUPS', KEYS[1])\" 1 s",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_usage_of_small_streams_is_redis_s() {
    let mut p = parity!();
    let (sim, _) = p.both("MEMORY HELP");
    if sim.first() == Some(&b'-') {
        return; // MEMORY is not there yet.
    }
    p.run_all(&["XADD s 1-0 a 1", "MEMORY USAGE s"]);
    fill(&mut p, "big", 300, "value");
    p.run_all(&["MEMORY USAGE big", "MEMORY USAGE big SAMPLES 0"]);
    p.run_all(&[
        "XGROUP CREATE big g 0",
        "XREADGROUP GROUP g c COUNT 10 STREAMS big >",
    ]);
    p.run("MEMORY USAGE big");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_getkeys_finds_the_keys_of_stream_reads() {
    let mut p = parity!();
    p.run_all(&[
        "COMMAND GETKEYS XREAD STREAMS a b 0 0",
        "COMMAND GETKEYS XREAD COUNT 1 BLOCK 0 STREAMS a 0",
        "COMMAND GETKEYS XREAD STREAMS a b c",
        "COMMAND GETKEYS XREAD COUNT 1 STREAMS a",
        "COMMAND GETKEYS XREAD COUNT 1 BLOCK 1 x 0",
        "COMMAND GETKEYS XREADGROUP GROUP streams c STREAMS a b > >",
        "COMMAND GETKEYS XREADGROUP GROUP g c NOACK STREAMS a >",
        "COMMAND GETKEYS XADD s * a 1",
        "COMMAND GETKEYS XGROUP CREATE s g $",
        "COMMAND GETKEYS XINFO STREAM s",
        "COMMAND GETKEYS XAUTOCLAIM s g c 0 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn radix_tree_counts_follow_nodes_removed_anywhere() {
    let mut p = parity!();
    p.run("CONFIG SET stream-node-max-entries 4");
    fill(&mut p, "s", 40, "v");
    p.run("XINFO STREAM s");
    // Empty nodes in the middle, at the head and at the tail go.
    for ids in [
        "9-0 10-0 11-0 12-0",
        "1-0 2-0 3-0 4-0",
        "37-0 38-0 39-0 40-0",
        "21-0 22-0 23-0",
    ] {
        p.run(&format!("XDEL s {ids}"));
        p.run("XINFO STREAM s");
    }
    p.run_all(&[
        "XADD s 41-0 f v",
        "XINFO STREAM s",
        "XTRIM s MINID ~ 30",
        "XINFO STREAM s",
    ]);
    // IDs far apart: branches at every byte.
    for id in [
        "1000000-0",
        "1000000-5",
        "4294967296-0",
        "18446744073709551615-3",
    ] {
        p.run(&format!("XADD s {id} f v"));
        p.run("XINFO STREAM s");
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn stream_reads_count_keyspace_hits_and_misses_as_redis_does() {
    let mut p = parity!();
    p.run_all(&["XADD s 1-0 a 1", "XGROUP CREATE s g 0", "CONFIG RESETSTAT"]);
    for line in [
        "XREAD STREAMS s nosuch 0 0",
        "XRANGE s - +",
        "XRANGE nosuch - +",
        "XLEN s",
        "XREADGROUP GROUP g c STREAMS s >",
        "XPENDING s g",
        "XINFO STREAM s",
        "XACK s g 1-0",
    ] {
        p.run(line);
    }
    let (sim, real) = p.both("INFO stats");
    let pick = |r: &[u8]| {
        String::from_utf8_lossy(r)
            .lines()
            .filter(|l| l.starts_with("keyspace_"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(pick(&sim), pick(&real));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_usage_of_grown_streams_is_redis_s() {
    let mut p = parity!();
    let (sim, _) = p.both("MEMORY HELP");
    if sim.first() == Some(&b'-') {
        return;
    }
    let value = "x".repeat(100);
    fill(&mut p, "s", 500, &value);
    p.run_all(&[
        "MEMORY USAGE s",
        "MEMORY USAGE s SAMPLES 0",
        "MEMORY USAGE s SAMPLES 3",
    ]);
    p.run_all(&[
        "XGROUP CREATE s g1 0",
        "XGROUP CREATE s g2 0",
        "XREADGROUP GROUP g1 alice COUNT 100 STREAMS s >",
        "XREADGROUP GROUP g1 bob COUNT 100 STREAMS s >",
        "XREADGROUP GROUP g2 carol STREAMS s >",
        "MEMORY USAGE s",
        "XDEL s 5-0 6-0 7-0",
        "XTRIM s MAXLEN ~ 200",
        "MEMORY USAGE s",
    ]);
    fill(&mut p, "small", 3, "v");
    p.run_all(&[
        "MEMORY USAGE small",
        "XTRIM small MAXLEN 0",
        "MEMORY USAGE small",
    ]);
}
