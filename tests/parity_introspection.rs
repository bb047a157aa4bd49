//! Parity with real Redis 7.0 for the introspection commands: MONITOR
//! (its lines, with the timestamp and the client's address masked),
//! SLOWLOG (entries with ids, times, durations and addresses masked),
//! LATENCY, CLIENT LIST / INFO (every field, ids, addresses, ages and
//! buffer figures masked), CLIENT KILL's filters, and COMMAND DOCS and
//! COMMAND INFO of every command redsim implements.

use std::time::Duration;

use support::mask::{self, CLIENT_VARIABLE_FIELDS, Frame};
use support::{Pair, parity, show};

/// A MONITOR line with its timestamp and the client's `ip:port` masked
/// (`[0 lua]` stays).
fn mask_monitor_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line).into_owned();
    let Some(rest) = text.strip_prefix('+') else {
        return text;
    };
    let Some((_, rest)) = rest.split_once(' ') else {
        return text;
    };
    let Some((peer, rest)) = rest.split_once("] ") else {
        return text;
    };
    let (db, who) = peer
        .trim_start_matches('[')
        .split_once(' ')
        .unwrap_or((peer, ""));
    let who = if who == "lua" { "lua" } else { "*" };
    format!("+<ts> [{db} {who}] {rest}")
}

/// Reads `n` MONITOR lines from both sides and compares them masked.
#[track_caller]
fn expect_lines(m: &mut Pair, n: usize) {
    for i in 0..n {
        let sim = m
            .sim
            .try_read_reply(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("redsim sent no line {i}"));
        let real = m
            .real
            .try_read_reply(Duration::from_secs(5))
            .unwrap_or_else(|| panic!("redis sent no line {i}"));
        assert_eq!(
            mask_monitor_line(&sim),
            mask_monitor_line(&real),
            "line {i}"
        );
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn monitor_shows_what_runs_with_credentials_redacted() {
    let p = parity!();
    let mut m = p.new_pair();
    m.run("MONITOR");
    let mut a = p.new_pair();
    a.run_all(&["SET k 1", "SELECT 2", "SELECT 0"]);
    expect_lines(&mut m, 3);
    a.run_all(&["MULTI", "SET k 2", "GET k", "EXEC"]);
    expect_lines(&mut m, 4);
    a.run("EVAL \"return redis.call('get', KEYS[1])\" 1 k");
    expect_lines(&mut m, 2);
    a.run("AUTH default x");
    let (sim, real) = a.both("HELLO 2 AUTH default x SETNAME n");
    let ids = |r: &[u8]| mask::mask_values_after(r, &["id"]);
    assert_eq!(show(&ids(&sim)), show(&ids(&real)));
    a.run("SET \"a b\" \"x\\\"y\\n\\x01\"");
    expect_lines(&mut m, 3);
    // Refused before running, or administrative: not shown.
    a.run_all(&["GET", "NOSUCH", "CONFIG GET maxmemory"]);
    let _ = a.both("CLIENT LIST");
    a.run("PING");
    expect_lines(&mut m, 1);
    // A blocking command shows when sent.
    a.run("BLPOP nolist 0.01");
    expect_lines(&mut m, 1);
    // The monitor's own commands show after their replies; a second
    // MONITOR gets no reply at all.
    m.run("PING");
    expect_lines(&mut m, 1);
    let again = support::RawClient::encode(&[b"MONITOR"]);
    m.sim.send_raw(&again);
    m.real.send_raw(&again);
    m.run("ECHO x");
    expect_lines(&mut m, 1);
    run_client_info(&mut m, "CLIENT INFO");
    expect_lines(&mut m, 1);
    m.run("RESET");
    a.run("SET k 3");
    m.run("PING");
    // MONITOR inside a transaction is refused at EXEC.
    a.run_all(&["MULTI", "MONITOR", "EXEC"]);
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
fn client_list_and_info_fields_follow_the_client_s_state() {
    let mut p = parity!();
    let mut a = p.new_pair();
    for line in [
        "CLIENT SETNAME worker",
        "SELECT 3",
        "CLIENT NO-EVICT on",
        "MULTI",
        "CLIENT INFO",
        "DISCARD",
        "WATCH w",
    ] {
        let (sim, real) = a.both(line);
        let m = |r: &[u8]| mask::mask_fields(r, CLIENT_VARIABLE_FIELDS);
        assert_eq!(show(&m(&sim)), show(&m(&real)), "{line}");
    }
    run_client_info(&mut a, "CLIENT INFO");
    // A watched key changed: the watcher is dirty (d).
    p.run_all(&["SELECT 3", "SET w changed", "SELECT 0"]);
    run_client_info(&mut a, "CLIENT INFO");
    a.run_all(&["UNWATCH", "CLIENT NO-EVICT off", "CLIENT TRACKING on"]);
    run_client_info(&mut a, "CLIENT INFO");
    a.resp3();
    a.run("CLIENT TRACKING on BCAST");
    let (sim, real) = a.both("CLIENT INFO");
    let m = |r: &[u8]| mask::mask_fields(r, CLIENT_VARIABLE_FIELDS);
    // The flags differ only in t (on): BCAST needs it off first.
    assert_eq!(show(&m(&sim)), show(&m(&real)));
    let mut s = p.new_pair();
    s.run("PSUBSCRIBE news.*");
    let (sim, real) = p.both("CLIENT LIST TYPE pubsub");
    let m = |r: &[u8]| mask::mask_fields(r, CLIENT_VARIABLE_FIELDS);
    assert_eq!(show(&m(&sim)), show(&m(&real)));
    p.run("ACL SETUSER bob on nopass +@all ~*");
    let mut b = p.new_pair();
    b.run("AUTH bob x");
    run_client_info(&mut b, "CLIENT INFO");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn client_kill_filters() {
    let mut p = parity!();
    p.run("ACL SETUSER bob on nopass +@all ~*");
    let mut b1 = p.new_pair();
    b1.run("AUTH bob x");
    let mut b2 = p.new_pair();
    b2.run("AUTH bob x");
    p.run_all(&[
        "CLIENT KILL USER nosuch",
        "CLIENT KILL USER bob",
        "CLIENT KILL USER bob",
        "CLIENT KILL ID 0",
        "CLIENT KILL ID x",
        "CLIENT KILL ID 999999",
        "CLIENT KILL SKIPME maybe",
        "CLIENT KILL TYPE master",
        "CLIENT KILL TYPE nosuch",
        "CLIENT KILL ADDR 1.1.1.1:1",
        "CLIENT KILL 1.1.1.1:1",
        "CLIENT KILL LADDR 1.2.3.4:5",
        "CLIENT KILL a b c",
        "CLIENT KILL USER default SKIPME yes",
    ]);
    for c in [&mut b1.sim, &mut b1.real, &mut b2.sim, &mut b2.real] {
        assert!(c.try_call(&[b"PING"]).is_err(), "bob's clients were killed");
    }
    // LADDR: each server's own address kills its other clients.
    let mut other = p.new_pair();
    other.run("PING");
    let laddr = |r: &[u8]| -> String {
        let text = String::from_utf8_lossy(r);
        let at = text.find("laddr=").unwrap() + 6;
        text[at..].split(' ').next().unwrap().to_string()
    };
    let (sim, real) = p.both("CLIENT INFO");
    let (sim_laddr, real_laddr) = (laddr(&sim), laddr(&real));
    let s = p
        .pair
        .sim
        .call(&[b"CLIENT", b"KILL", b"LADDR", sim_laddr.as_bytes()]);
    let r = p
        .pair
        .real
        .call(&[b"CLIENT", b"KILL", b"LADDR", real_laddr.as_bytes()]);
    assert_eq!(show(&s), show(&r));
    let s = p.pair.sim.call(&[
        b"CLIENT",
        b"KILL",
        b"LADDR",
        sim_laddr.as_bytes(),
        b"SKIPME",
        b"no",
    ]);
    let r = p.pair.real.call(&[
        b"CLIENT",
        b"KILL",
        b"LADDR",
        real_laddr.as_bytes(),
        b"SKIPME",
        b"no",
    ]);
    assert_eq!(show(&s), show(&r));
    assert!(p.pair.sim.try_call(&[b"PING"]).is_err());
    assert!(p.pair.real.try_call(&[b"PING"]).is_err());
}

/// A SLOWLOG GET reply with each entry's id, time, duration and client
/// address masked.
fn mask_slowlog(reply: &[u8]) -> Vec<u8> {
    let (mut f, _) = mask::parse(reply);
    if let Frame::Agg(_, Some(entries)) = &mut f {
        for e in entries {
            if let Frame::Agg(_, Some(fields)) = e {
                for i in [0, 1, 2, 4] {
                    if let Some(field) = fields.get_mut(i) {
                        *field = Frame::Blob(b'$', Some(b"*".to_vec()));
                    }
                }
            }
        }
    }
    mask::encode(&f)
}

#[track_caller]
fn run_slowlog(pair: &mut Pair, line: &str) {
    let (sim, real) = pair.both(line);
    assert_eq!(
        show(&mask_slowlog(&sim)),
        show(&mask_slowlog(&real)),
        "{line}"
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn slowlog_entries_arguments_and_limits() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG SET slowlog-log-slower-than 0",
        "SLOWLOG RESET",
        "CLIENT SETNAME me",
        "SET k v",
        "EVAL \"return redis.call('get', KEYS[1])\" 1 k",
        "MULTI",
        "GET k",
        "EXEC",
        "SLOWLOG LEN",
    ]);
    run_slowlog(&mut p.pair, "SLOWLOG GET");
    let long = "x".repeat(200);
    let many: Vec<String> = (0..40).map(|i| format!("f{i} v{i}")).collect();
    p.run_all(&[
        "SLOWLOG RESET",
        &format!("SET long {long}"),
        &format!("HSET h {}", many.join(" ")),
    ]);
    run_slowlog(&mut p.pair, "SLOWLOG GET 2");
    p.run_all(&[
        "CONFIG SET slowlog-max-len 3",
        "PING",
        "PING",
        "PING",
        "SLOWLOG LEN",
        "CONFIG SET slowlog-log-slower-than -1",
        "SLOWLOG RESET",
        "PING",
        "SLOWLOG LEN",
        "CONFIG SET slowlog-log-slower-than 10000000",
        "PING",
        "SLOWLOG LEN",
        "SLOWLOG GET -2",
        "SLOWLOG GET x",
        "SLOWLOG GET 0",
        "SLOWLOG GET 1 2",
        "SLOWLOG",
        "SLOWLOG nosuch",
        "SLOWLOG HELP",
        "SLOWLOG LEN x",
    ]);
    p.pair.resp3();
    run_slowlog(&mut p.pair, "SLOWLOG GET -1");
}

/// Digits masked, in strings and integers: latencies and times differ
/// between the servers by a millisecond or a second.
fn mask_digits(reply: &[u8]) -> Vec<u8> {
    let (mut f, _) = mask::parse(reply);
    fn ints(f: &mut Frame) {
        match f {
            Frame::Line(b':', t) => *t = b"#".to_vec(),
            Frame::Agg(_, Some(items)) => items.iter_mut().for_each(ints),
            _ => {}
        }
    }
    ints(&mut f);
    mask::map_strings(&mask::encode(&f), &mut |s| {
        let mut out = Vec::new();
        for &c in s {
            if c.is_ascii_digit() {
                if out.last() != Some(&b'#') {
                    out.push(b'#');
                }
            } else {
                out.push(c);
            }
        }
        out
    })
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn latency_monitor_off_and_on() {
    let mut p = parity!();
    p.run_all(&[
        "LATENCY LATEST",
        "LATENCY HISTORY command",
        "LATENCY DOCTOR",
        "LATENCY GRAPH command",
        "LATENCY RESET",
        "LATENCY RESET command nosuch",
        "LATENCY HELP",
        "LATENCY nosuch",
        "LATENCY HISTORY",
        "LATENCY GRAPH",
        "LATENCY LATEST x",
        "LATENCY DOCTOR x",
        "LATENCY HISTORY nosuch",
        "LATENCY GRAPH nosuch",
        "CONFIG SET latency-monitor-threshold 5",
        "LATENCY DOCTOR",
        "DEBUG SLEEP 0.02",
    ]);
    for line in [
        "LATENCY LATEST",
        "LATENCY HISTORY command",
        "LATENCY GRAPH command",
        "LATENCY DOCTOR",
    ] {
        let (sim, real) = p.both(line);
        assert_eq!(
            show(&mask_digits(&sim)),
            show(&mask_digits(&real)),
            "{line}"
        );
    }
    p.run_all(&[
        "LATENCY HISTORY COMMAND",
        "LATENCY RESET nosuch COMMAND",
        "LATENCY LATEST",
    ]);
    p.pair.resp3();
    p.run("LATENCY DOCTOR");
}

/// A LATENCY HISTOGRAM reply with its buckets masked (their bounds
/// depend on timing) but not the commands and their calls.
fn mask_histogram(reply: &[u8]) -> Vec<u8> {
    mask::mask_values_after(reply, &["histogram_usec"])
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn latency_histogram_counts_calls_per_command() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG RESETSTAT",
        "SET a 1",
        "SET b 2",
        "GET a",
        "CONFIG GET hz",
    ]);
    for line in [
        "LATENCY HISTOGRAM set get",
        "LATENCY HISTOGRAM config",
        "LATENCY HISTOGRAM config|get nosuch",
        "LATENCY HISTOGRAM",
    ] {
        let (sim, real) = p.both(line);
        let (sim, real) = (mask_histogram(&sim), mask_histogram(&real));
        // Every command redsim was sent shows, as in Redis (the whole
        // table in Redis's hash order: compared sorted).
        assert_eq!(
            show(&support::sorted(&sim, false)),
            show(&support::sorted(&real, false)),
            "{line}"
        );
    }
    p.run_all(&[
        "CONFIG SET latency-tracking no",
        "CONFIG RESETSTAT",
        "GET a",
    ]);
    let (sim, real) = p.both("LATENCY HISTOGRAM");
    assert_eq!(show(&sim), show(&real));
}

/// Whether a frame is (or starts with) the name of CLIENT SETINFO, which
/// redsim has (clients send it) and Redis 7.0 does not.
fn is_setinfo(f: &Frame) -> bool {
    match f {
        Frame::Blob(_, Some(t)) => t == b"client|setinfo",
        Frame::Agg(_, Some(items)) => items.first().is_some_and(is_setinfo),
        _ => false,
    }
}

/// Redis lists subcommands in its hash order: each level's subcommands
/// sorted, recursively, for comparison (CLIENT SETINFO left out).
fn sort_nested(f: &mut Frame) {
    if let Frame::Agg(kind, Some(items)) = f {
        for i in items.iter_mut() {
            sort_nested(i);
        }
        if *kind == b'*' && items.len() == 10 && matches!(items[9], Frame::Agg(..)) {
            // A COMMAND INFO entry: sort its subcommands by name.
            if let Frame::Agg(_, Some(subs)) = &mut items[9] {
                subs.retain(|s| !is_setinfo(s));
                subs.sort_by_key(mask::encode);
            }
        }
    }
}

fn docs_sorted(reply: &[u8]) -> Vec<u8> {
    let (mut f, _) = mask::parse(reply);
    fn walk(f: &mut Frame) {
        if let Frame::Agg(_, Some(items)) = f {
            for i in items.iter_mut() {
                walk(i);
            }
            // The value after "subcommands" is a map (a flat array in
            // RESP2) whose pairs come in hash order.
            let at = items
                .iter()
                .position(|i| matches!(i, Frame::Blob(_, Some(t)) if t == b"subcommands"));
            if let Some(at) = at
                && let Some(Frame::Agg(_, Some(pairs))) = items.get_mut(at + 1)
            {
                let mut chunks: Vec<Vec<Frame>> = pairs.chunks(2).map(|c| c.to_vec()).collect();
                chunks.retain(|c| !is_setinfo(&c[0]));
                chunks.sort_by_key(|c| mask::encode(&c[0]));
                *pairs = chunks.concat();
            }
        }
    }
    walk(&mut f);
    mask::encode(&f)
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_docs_and_info_of_every_implemented_command_are_redis_s() {
    let mut p = parity!();
    let list = p.pair.sim.call(&[b"COMMAND", b"LIST"]);
    let (_, names) = support::split_aggregate(&list, false).unwrap();
    let mut checked = 0;
    let mut differ = Vec::new();
    for raw in names {
        let name = raw.split(|&b| b == b'\n').nth(1).unwrap_or_default();
        let name = &name[..name.len().saturating_sub(1)];
        if name == b"client|setinfo" {
            continue; // Redis 7.2's; accepted because clients send it.
        }
        if name.contains(&b'|') {
            continue; // Compared within their containers.
        }
        let (sim, real) = p.pair.both_args(&[b"COMMAND", b"DOCS", name]);
        if docs_sorted(&sim) != docs_sorted(&real) {
            differ.push(format!("DOCS {}", String::from_utf8_lossy(name)));
        }
        let (sim, real) = p.pair.both_args(&[b"COMMAND", b"INFO", name]);
        let sorted = |r: &[u8]| {
            let (mut f, _) = mask::parse(r);
            sort_nested(&mut f);
            mask::encode(&f)
        };
        if sorted(&sim) != sorted(&real) {
            differ.push(format!("INFO {}", String::from_utf8_lossy(name)));
        }
        checked += 1;
    }
    assert!(checked > 150, "only {checked} commands checked");
    assert!(differ.is_empty(), "differ from Redis: {differ:?}");
    p.pair.resp3();
    for line in [
        "COMMAND DOCS get set",
        "COMMAND DOCS nosuch get",
        "COMMAND DOCS config|get",
    ] {
        let (sim, real) = p.both(line);
        assert_eq!(
            show(&docs_sorted(&sim)),
            show(&docs_sorted(&real)),
            "{line}"
        );
    }
}
