//! Replication between redsim servers, in process and over TCP: full and
//! partial synchronisation, the stream, READONLY, WAIT with real
//! acknowledgements, min-replicas-to-write, expiry on replicas (and their
//! own clocks), and the test's controls (hold, release, drop, cut, heal,
//! crash, promote). Waits poll server state with timeouts; time that
//! matters to the servers is the test's clock.

use std::time::Duration;

use redis::Commands;
use redsim::{ManualClock, ReplicationRole, Server, SkewedClock};

const T: Duration = Duration::from_secs(10);

fn server() -> Server {
    Server::builder().listen(false).start().expect("start")
}

fn on(clock: impl Into<redsim::Clock>) -> Server {
    Server::builder()
        .clock(clock)
        .listen(false)
        .start()
        .expect("start")
}

/// A primary and a replica of it, in process, synchronised.
fn pair() -> (Server, Server) {
    let primary = server();
    let replica = server();
    replica.replicate(&primary);
    assert!(replica.wait_synced(T));
    assert!(primary.wait_replicas(1, T));
    (primary, replica)
}

fn get(server: &Server, key: &str) -> Option<String> {
    server.connection().get(key).unwrap()
}

#[test]
fn a_replica_gets_the_snapshot_and_the_stream() {
    let primary = server();
    let replica = server();
    primary.db(0).set("before", "1").unwrap();
    primary.db(3).set("other-db", "x").unwrap();
    let mut con = primary.connection();
    redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg("#!lua name=lib\nredis.register_function{function_name='hello', callback=function() return 'hi' end, flags={'no-writes'}}")
        .exec(&mut con)
        .unwrap();
    replica.replicate(&primary);
    assert!(replica.wait_synced(T));
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("before", "1");
    replica.db(3).assert_string("other-db", "x");
    let hi: String = redis::cmd("FCALL_RO")
        .arg("hello")
        .arg(0)
        .query(&mut replica.connection())
        .unwrap();
    assert_eq!(hi, "hi");
    redis::cmd("SET")
        .arg("after")
        .arg("2")
        .exec(&mut con)
        .unwrap();
    redis::cmd("RPUSH")
        .arg("list")
        .arg("a")
        .arg("b")
        .exec(&mut con)
        .unwrap();
    redis::cmd("EVAL")
        .arg("redis.call('incr', KEYS[1]); return redis.call('incr', KEYS[1])")
        .arg(1)
        .arg("n")
        .exec(&mut con)
        .unwrap();
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("after", "2");
    replica.db(0).assert_string("n", "2");
    let list: Vec<String> = replica.connection().lrange("list", 0, -1).unwrap();
    assert_eq!(list, ["a", "b"]);
    assert_eq!(primary.replication().offset, replica.replication().offset);
}

#[test]
fn replicaof_over_tcp_between_redsim_servers() {
    let primary = Server::start().unwrap();
    let replica = Server::start().unwrap();
    primary.db(0).set("k", "v").unwrap();
    let mut con = replica.connection();
    let addr = primary.addr();
    let ok: String = redis::cmd("REPLICAOF")
        .arg(addr.ip().to_string())
        .arg(addr.port())
        .query(&mut con)
        .unwrap();
    assert_eq!(ok, "OK");
    assert!(replica.wait_synced(T));
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("k", "v");
    primary.db(0).set("k2", "v2").unwrap();
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("k2", "v2");
    // ROLE on each side, as Redis answers it.
    let role: redis::Value = redis::cmd("ROLE").query(&mut con).unwrap();
    let offset = replica.replication().offset;
    assert_eq!(
        role,
        redis::Value::Array(vec![
            redis::Value::BulkString(b"slave".to_vec()),
            redis::Value::BulkString(addr.ip().to_string().into_bytes()),
            redis::Value::Int(i64::from(addr.port())),
            redis::Value::BulkString(b"connected".to_vec()),
            redis::Value::Int(offset),
        ])
    );
    let role: redis::Value = redis::cmd("ROLE").query(&mut primary.connection()).unwrap();
    let port = replica.addr().port().to_string();
    assert_eq!(
        role,
        redis::Value::Array(vec![
            redis::Value::BulkString(b"master".to_vec()),
            redis::Value::Int(offset),
            redis::Value::Array(vec![redis::Value::Array(vec![
                redis::Value::BulkString(b"127.0.0.1".to_vec()),
                redis::Value::BulkString(port.into_bytes()),
                redis::Value::BulkString(offset.to_string().into_bytes()),
            ])]),
        ])
    );
    let again: String = redis::cmd("REPLICAOF")
        .arg(addr.ip().to_string())
        .arg(addr.port())
        .query(&mut con)
        .unwrap();
    assert_eq!(again, "OK Already connected to specified master");
}

#[test]
fn a_replica_refuses_writes_with_readonly() {
    let (_primary, replica) = pair();
    let mut con = replica.connection();
    let err = con.set::<_, _, ()>("k", "v").unwrap_err();
    assert_eq!(err.code(), Some("READONLY"));
    assert_eq!(
        err.detail(),
        Some("You can't write against a read only replica.")
    );
    // Reads are fine, and so are writes once replica-read-only is off.
    let _: Option<String> = con.get("k").unwrap();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("replica-read-only")
        .arg("no")
        .exec(&mut con)
        .unwrap();
    con.set::<_, _, ()>("local", "only").unwrap();
    // Inside MULTI the refusal dooms the transaction.
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("replica-read-only")
        .arg("yes")
        .exec(&mut con)
        .unwrap();
    let r: redis::RedisResult<()> = redis::pipe().atomic().set("a", 1).query(&mut con);
    assert_eq!(r.unwrap_err().code(), Some("EXECABORT"));
}

#[test]
fn wait_counts_replicas_that_acknowledged() {
    let (primary, replica) = pair();
    let mut con = primary.connection();
    con.set::<_, _, ()>("k", "v").unwrap();
    let n: i64 = redis::cmd("WAIT").arg(1).arg(0).query(&mut con).unwrap();
    assert_eq!(n, 1);
    // Held: the replica cannot acknowledge, and WAIT times out on the
    // server clock with the count it has.
    primary.hold_replication();
    con.set::<_, _, ()>("k2", "v").unwrap();
    let n: i64 = redis::cmd("WAIT").arg(1).arg(5).query(&mut con).unwrap();
    assert_eq!(n, 0);
    primary.release_replication();
    let n: i64 = redis::cmd("WAIT").arg(1).arg(0).query(&mut con).unwrap();
    assert_eq!(n, 1);
    replica.db(0).assert_string("k2", "v");
    // On a replica WAIT is an error.
    let err = redis::cmd("WAIT")
        .arg(0)
        .arg(0)
        .query::<i64>(&mut replica.connection())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("WAIT cannot be used with replica instances"),
        "{err}"
    );
}

#[test]
fn wait_times_out_on_the_manual_clock() {
    let clock = ManualClock::new();
    let primary = on(&clock);
    let replica = on(&clock);
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    primary.hold_replication();
    let mut con = primary.connection();
    con.set::<_, _, ()>("k", "v").unwrap();
    let waiter = std::thread::spawn(move || -> i64 {
        redis::cmd("WAIT").arg(1).arg(1000).query(&mut con).unwrap()
    });
    // The WAIT is blocked until the clock passes its deadline.
    let blocked = |s: &Server| {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query(&mut s.connection())
            .unwrap();
        info.contains("blocked_clients:1")
    };
    let end = std::time::Instant::now() + T;
    while !blocked(&primary) {
        assert!(std::time::Instant::now() < end, "WAIT never blocked");
        std::thread::sleep(Duration::from_millis(1));
    }
    clock.advance(Duration::from_millis(1001));
    assert_eq!(waiter.join().unwrap(), 0);
}

#[test]
fn min_replicas_to_write_refuses_writes_with_noreplicas() {
    let clock = ManualClock::new();
    let primary = on(&clock);
    let replica = on(&clock);
    let mut con = primary.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("min-replicas-to-write")
        .arg(1)
        .exec(&mut con)
        .unwrap();
    let err = con.set::<_, _, ()>("k", "v").unwrap_err();
    assert_eq!(err.code(), Some("NOREPLICAS"));
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    con.set::<_, _, ()>("k", "v").unwrap();
    // A replica that stops acknowledging for longer than
    // min-replicas-max-lag (10 s) no longer counts.
    primary.hold_replication();
    con.set::<_, _, ()>("k", "v2").unwrap();
    clock.advance(Duration::from_secs(11));
    let err = con.set::<_, _, ()>("k", "v3").unwrap_err();
    assert_eq!(err.code(), Some("NOREPLICAS"));
    primary.release_replication();
    assert!(primary.wait_replicas(1, T));
    con.set::<_, _, ()>("k", "v4").unwrap();
}

#[test]
fn a_replica_waits_for_the_primary_to_expire_keys() {
    let clock = ManualClock::new();
    let primary = on(&clock);
    let replica = on(&clock);
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    primary.hold_replication();
    let mut con = primary.connection();
    con.set_ex::<_, _, ()>("session", "abc", 10).unwrap();
    primary.release_replication();
    assert!(primary.wait_replicas(1, T));
    let mut r = replica.connection();
    assert_eq!(
        r.get::<_, Option<String>>("session").unwrap().as_deref(),
        Some("abc")
    );
    // Past the deadline the primary has not looked at the key yet (held):
    // the replica answers it as missing but keeps it until the DEL comes.
    primary.hold_replication();
    clock.advance(Duration::from_secs(11));
    assert_eq!(r.get::<_, Option<String>>("session").unwrap(), None);
    let n: i64 = redis::cmd("DBSIZE").query(&mut r).unwrap();
    assert_eq!(n, 1, "the replica deleted the key itself");
    primary.release_replication();
    assert!(primary.wait_replicas(1, T));
    let n: i64 = redis::cmd("DBSIZE").query(&mut r).unwrap();
    assert_eq!(n, 0, "the primary's DEL did not arrive");
}

#[test]
fn ttls_travel_as_absolute_times_to_a_replica_with_its_own_clock() {
    let clock = ManualClock::new();
    // The replica's clock runs 5 s ahead of the primary's.
    let skewed = SkewedClock::new(&clock).ahead(Duration::from_secs(5));
    let primary = on(&clock);
    let replica = on(skewed);
    replica.replicate(&primary);
    assert!(primary.wait_replicas(1, T));
    let mut con = primary.connection();
    redis::cmd("SET")
        .arg("lock")
        .arg("me")
        .arg("EX")
        .arg(10)
        .exec(&mut con)
        .unwrap();
    assert!(primary.wait_replicas(1, T));
    let ttl: i64 = replica.connection().ttl("lock").unwrap();
    // The deadline is the primary's now + 10 s, read on a clock 5 s ahead.
    assert_eq!(ttl, 5);
    clock.advance(Duration::from_secs(6));
    // Expired for the replica's clients, alive on the primary.
    assert_eq!(get(&replica, "lock"), None);
    assert_eq!(get(&primary, "lock").as_deref(), Some("me"));
}

#[test]
fn a_short_disconnection_resumes_from_the_backlog() {
    let (primary, replica) = pair();
    primary.db(0).set("a", "1").unwrap();
    assert!(primary.wait_replicas(1, T));
    let before: i64 = redis_info(&primary, "sync_partial_ok");
    primary.cut_replication();
    primary.db(0).set("b", "2").unwrap();
    assert!(!primary.wait_replicas(1, Duration::from_millis(50)));
    primary.heal_replication();
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("b", "2");
    assert_eq!(redis_info(&primary, "sync_partial_ok"), before + 1);
    assert_eq!(redis_info(&primary, "sync_full"), 1);
}

#[test]
fn a_disconnection_longer_than_the_backlog_resyncs_in_full() {
    let (primary, replica) = pair();
    let mut con = primary.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("repl-backlog-size")
        .arg(16384)
        .exec(&mut con)
        .unwrap();
    primary.cut_replication();
    for i in 0..100 {
        con.set::<_, _, ()>(format!("key:{i}"), "x".repeat(500))
            .unwrap();
    }
    primary.heal_replication();
    assert!(primary.wait_replicas(1, T));
    replica
        .db(0)
        .assert_string("key:99", "x".repeat(500).as_str());
    assert_eq!(redis_info(&primary, "sync_full"), 2);
}

fn redis_info(server: &Server, field: &str) -> i64 {
    let info: String = redis::cmd("INFO")
        .arg("everything")
        .query(&mut server.connection())
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .unwrap_or_else(|| panic!("no {field}"))
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_crashed_primary_loses_what_it_did_not_replicate() {
    let (primary, replica) = pair();
    primary.db(0).set("replicated", "yes").unwrap();
    assert!(primary.wait_replicas(1, T));
    primary.hold_replication();
    primary.db(0).set("lost", "yes").unwrap();
    primary.power_off();
    replica.promote();
    assert!(matches!(
        replica.replication().role,
        ReplicationRole::Primary { .. }
    ));
    assert_eq!(get(&replica, "replicated").as_deref(), Some("yes"));
    assert_eq!(get(&replica, "lost"), None);
    // The promoted replica takes writes.
    replica.connection().set::<_, _, ()>("new", "1").unwrap();
}

#[test]
fn a_promoted_replica_keeps_the_history_for_the_others() {
    let primary = server();
    let a = server();
    let b = server();
    a.replicate(&primary);
    b.replicate(&primary);
    primary.db(0).set("k", "v").unwrap();
    assert!(primary.wait_replicas(2, T));
    a.promote();
    b.replicate(&a);
    assert!(a.wait_replicas(1, T));
    a.connection().set::<_, _, ()>("after", "1").unwrap();
    assert!(a.wait_replicas(1, T));
    b.db(0).assert_string("after", "1");
    // b continued from a's history rather than copying it again.
    assert_eq!(redis_info(&a, "sync_partial_ok"), 1);
    assert_eq!(redis_info(&a, "sync_full"), 0);
}

#[test]
fn failover_hands_over_to_the_replica() {
    let primary = Server::start().unwrap();
    let replica = Server::start().unwrap();
    replica.replicaof(primary.addr());
    assert!(primary.wait_replicas(1, T));
    primary.db(0).set("k", "v").unwrap();
    let mut con = primary.connection();
    let ok: String = redis::cmd("FAILOVER").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    let end = std::time::Instant::now() + T;
    while !matches!(replica.replication().role, ReplicationRole::Primary { .. })
        || !primary.wait_synced(Duration::from_millis(1))
    {
        assert!(
            std::time::Instant::now() < end,
            "the failover did not complete"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    replica.db(0).assert_string("k", "v");
    let err = con.set::<_, _, ()>("k", "x").unwrap_err();
    assert_eq!(err.code(), Some("READONLY"));
    replica.connection().set::<_, _, ()>("k", "new").unwrap();
    assert!(replica.wait_replicas(1, T));
    primary.db(0).assert_string("k", "new");
    let info: String = redis::cmd("INFO")
        .arg("replication")
        .query(&mut con)
        .unwrap();
    assert!(info.contains("master_failover_state:no-failover"), "{info}");
    assert!(
        !info.contains("second_repl_offset:-1"),
        "the old primary did not take the new history: {info}"
    );
    // The old primary continued the history: no second full copy.
    assert_eq!(redis_info(&replica, "sync_full"), 0, "{info}");
    assert_eq!(redis_info(&replica, "sync_partial_ok"), 1);
}

#[test]
fn a_held_stream_dropped_in_flight_is_resent_from_the_backlog() {
    let (primary, replica) = pair();
    primary.hold_replication();
    primary.db(0).set("in-flight", "1").unwrap();
    primary.drop_held_replication();
    // The link broke with the write in flight: the replica reconnects and
    // continues from its offset, so it gets the write after all.
    assert!(primary.wait_replicas(1, T));
    replica.db(0).assert_string("in-flight", "1");
    assert_eq!(redis_info(&primary, "sync_partial_ok"), 1);
}

#[test]
fn a_dropped_stream_is_lost_if_the_primary_crashes_first() {
    let (primary, replica) = pair();
    primary.cut_replication();
    primary.db(0).set("never-replicated", "1").unwrap();
    primary.power_off();
    replica.promote();
    assert_eq!(get(&replica, "never-replicated"), None);
}
