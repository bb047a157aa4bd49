//! The introspection commands on the manual clock: MONITOR lines, slow
//! log entries and latency samples carry the server clock's time, CLIENT
//! LIST ages and CLIENT KILL MAXAGE follow it, and a script's calls show
//! in MONITOR after the script.

use std::time::Duration;

use redis::Value;

fn lines(con: &redsim::LocalConnection) -> Vec<String> {
    con.pushes()
        .into_iter()
        .filter_map(|v| match v {
            Value::SimpleString(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn monitor_lines_carry_the_server_clock_s_time() {
    let (clock, server) = support::manual_server();
    let mut monitor = server.connection();
    redis::cmd("MONITOR").exec(&mut monitor).unwrap();
    let mut con = server.connection();
    clock.advance(Duration::from_micros(1_234_567));
    redis::cmd("SET")
        .arg("k")
        .arg("v w")
        .exec(&mut con)
        .unwrap();
    redis::cmd("EVAL")
        .arg("return redis.call('get', KEYS[1])")
        .arg(1)
        .arg("k")
        .exec(&mut con)
        .unwrap();
    redis::cmd("AUTH")
        .arg("default")
        .arg("secret")
        .exec(&mut con)
        .unwrap();
    let id = con.client_id();
    assert_eq!(
        lines(&monitor),
        [
            format!("1700000001.234567 [0 in-process:{id}] \"SET\" \"k\" \"v w\""),
            format!(
                "1700000001.234567 [0 in-process:{id}] \"EVAL\" \"return redis.call('get', KEYS[1])\" \"1\" \"k\""
            ),
            "1700000001.234567 [0 lua] \"get\" \"k\"".to_string(),
            format!("1700000001.234567 [0 in-process:{id}] \"AUTH\" \"(redacted)\" \"(redacted)\""),
        ]
    );
}

#[test]
fn slow_log_entries_are_timed_on_the_server_clock() {
    let (clock, server) = support::manual_server();
    let mut con = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("slowlog-log-slower-than")
        .arg(0)
        .exec(&mut con)
        .unwrap();
    clock.advance(Duration::from_secs(42));
    redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg("worker")
        .exec(&mut con)
        .unwrap();
    let entries: Vec<Vec<Value>> = redis::cmd("SLOWLOG")
        .arg("GET")
        .arg(1)
        .query(&mut con)
        .unwrap();
    let e = &entries[0];
    assert_eq!(e[1], Value::Int(1_700_000_042));
    assert_eq!(
        e[3],
        Value::Array(vec![
            Value::BulkString(b"CLIENT".to_vec()),
            Value::BulkString(b"SETNAME".to_vec()),
            Value::BulkString(b"worker".to_vec()),
        ])
    );
    assert_eq!(
        e[4],
        Value::BulkString(format!("in-process:{}", con.client_id()).into_bytes())
    );
    assert_eq!(e[5], Value::BulkString(b"worker".to_vec()));
}

#[test]
fn latency_samples_and_graph_labels_follow_the_server_clock() {
    let (clock, server) = support::manual_server();
    let mut con = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("latency-monitor-threshold")
        .arg(1)
        .exec(&mut con)
        .unwrap();
    redis::cmd("DEBUG")
        .arg("SLEEP")
        .arg("0.01")
        .exec(&mut con)
        .unwrap();
    let latest: Vec<(String, i64, i64, i64)> =
        redis::cmd("LATENCY").arg("LATEST").query(&mut con).unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].0, "command");
    assert_eq!(latest[0].1, 1_700_000_000);
    assert!(latest[0].2 >= 10, "{latest:?}");
    // Two minutes later the graph labels the sample "2m".
    clock.advance(Duration::from_secs(120));
    let graph: String = redis::cmd("LATENCY")
        .arg("GRAPH")
        .arg("command")
        .query(&mut con)
        .unwrap();
    assert!(graph.ends_with("_\n \n2\nm\n"), "{graph}");
}

#[test]
fn client_ages_and_kill_maxage_follow_the_server_clock() {
    let (clock, server) = support::manual_server();
    let old = server.connection();
    let _ = old.client_id();
    let mut admin = server.connection();
    redis::cmd("PING").exec(&mut admin).unwrap();
    clock.advance(Duration::from_secs(30));
    let young = server.connection();
    let info: String = redis::cmd("CLIENT").arg("INFO").query(&mut admin).unwrap();
    assert!(info.contains(" age=30 idle=0 "), "{info}");
    // MAXAGE (Redis 7.4's filter, which redsim accepts): only clients
    // connected 30 s ago or more, not the caller.
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("MAXAGE")
        .arg(30)
        .query(&mut admin)
        .unwrap();
    assert_eq!(killed, 1);
    drop((old, young));
}
