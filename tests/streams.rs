//! Streams through the public API: IDs from the server clock, blocking
//! reads on the manual and Tokio clocks (no real waiting), idle times on
//! the server clock, and a consumer group driven by the `redis` crate's
//! stream API over both transports.

use std::time::{Duration, UNIX_EPOCH};

use redis::Value;
use redis::streams::{
    StreamAutoClaimOptions, StreamAutoClaimReply, StreamPendingCountReply, StreamReadOptions,
    StreamReadReply,
};
use redsim::{ManualClock, Server, TokioClock};
use support::blocking::{bulk, reply, spawn_blocked, wait_blocked};

/// A server on a manual clock at 1 700 000 000 000 ms.
fn server() -> (Server, ManualClock) {
    let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_millis(1_700_000_000_000));
    let server = Server::builder().clock(&clock).start().unwrap();
    (server, clock)
}

fn xadd(con: &mut impl redis::ConnectionLike, key: &str, id: &str) -> String {
    redis::cmd("XADD")
        .arg(key)
        .arg(id)
        .arg("f")
        .arg("v")
        .query(con)
        .unwrap()
}

#[test]
fn auto_ids_come_from_the_server_clock_and_never_go_back() {
    let (server, clock) = server();
    let mut con = server.connection();
    assert_eq!(xadd(&mut con, "s", "*"), "1700000000000-0");
    assert_eq!(xadd(&mut con, "s", "*"), "1700000000000-1");
    clock.advance(Duration::from_millis(5));
    assert_eq!(xadd(&mut con, "s", "*"), "1700000000005-0");
    // The clock jumps back: IDs keep increasing from the last one.
    clock.set(UNIX_EPOCH + Duration::from_millis(1_600_000_000_000));
    assert_eq!(xadd(&mut con, "s", "*"), "1700000000005-1");
    assert_eq!(xadd(&mut con, "s", "1700000000005-*"), "1700000000005-2");
    clock.set(UNIX_EPOCH + Duration::from_millis(1_800_000_000_000));
    assert_eq!(xadd(&mut con, "s", "*"), "1800000000000-0");
}

#[test]
fn xread_block_times_out_on_the_manual_clock_without_real_waiting() {
    let (server, clock) = server();
    let mut admin = server.connection();
    let started = std::time::Instant::now();
    let waiter = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["XREAD", "BLOCK", "60000", "STREAMS", "s", "$"],
    );
    clock.advance(Duration::from_millis(60_000));
    wait_blocked(&mut admin, 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(reply(waiter), Value::Nil);
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn xread_block_is_served_by_xadd_with_what_dollar_stood_for() {
    let (server, _clock) = server();
    let mut admin = server.connection();
    xadd(&mut admin, "s", "1-0");
    let waiter = spawn_blocked(
        &server,
        &mut admin,
        1,
        &["XREAD", "BLOCK", "0", "STREAMS", "s", "$"],
    );
    xadd(&mut admin, "s", "2-0");
    // Fails rather than hangs if the waiter is not served.
    wait_blocked(&mut admin, 0);
    let entry = Value::Array(vec![bulk("2-0"), Value::Array(vec![bulk("f"), bulk("v")])]);
    assert_eq!(
        reply(waiter),
        Value::Array(vec![Value::Array(vec![
            bulk("s"),
            Value::Array(vec![entry])
        ])])
    );
}

#[test]
fn a_blocked_group_reader_is_told_when_its_stream_expires() {
    use redis::Commands;
    let (server, clock) = server();
    let mut admin = server.connection();
    let _: () = redis::cmd("XGROUP")
        .arg("CREATE")
        .arg("s")
        .arg("g")
        .arg("$")
        .arg("MKSTREAM")
        .query(&mut admin)
        .unwrap();
    let _: bool = admin.pexpire("s", 100).unwrap();
    let waiter = support::blocking::spawn_cmd(&server, {
        let mut c = redis::cmd("XREADGROUP");
        c.arg("GROUP").arg("g").arg("c").arg("BLOCK").arg(0);
        c.arg("STREAMS").arg("s").arg(">");
        c
    });
    wait_blocked(&mut admin, 1);
    // Only the clock moves; no command runs until the waiter is answered.
    clock.advance(Duration::from_millis(101));
    let started = std::time::Instant::now();
    while !waiter.is_finished() {
        assert!(started.elapsed() < support::ways::SAFETY, "never answered");
        std::thread::yield_now();
    }
    let err = waiter.join().unwrap().unwrap_err();
    assert_eq!(err.code(), Some("UNBLOCKED"));
    assert_eq!(err.detail(), Some("the stream key no longer exists"));
}

#[test]
fn idle_times_follow_the_server_clock() {
    use redis::Commands;
    let (server, clock) = server();
    let mut con = server.connection();
    for id in ["1-0", "2-0", "3-0"] {
        xadd(&mut con, "s", id);
    }
    let _: () = con.xgroup_create("s", "g", "0").unwrap();
    let opts = StreamReadOptions::default().group("g", "alice");
    let _: Option<StreamReadReply> = con.xread_options(&["s"], &[">"], &opts).unwrap();
    clock.advance(Duration::from_millis(7_500));
    let pending: StreamPendingCountReply = con.xpending_count("s", "g", "-", "+", 10).unwrap();
    let idle: Vec<usize> = pending.ids.iter().map(|p| p.last_delivered_ms).collect();
    assert_eq!(idle, [7_500, 7_500, 7_500]);
    let info: Value = redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg("s")
        .arg("g")
        .query(&mut con)
        .unwrap();
    assert!(format!("{info:?}").contains("int(7500)"), "{info:?}");
    // Not idle long enough yet, then long enough.
    let claimed: Vec<String> = redis::cmd("XCLAIM")
        .arg(&["s", "g", "bob", "8000", "1-0", "JUSTID"])
        .query(&mut con)
        .unwrap();
    assert!(claimed.is_empty());
    clock.advance(Duration::from_millis(500));
    let claimed: Vec<String> = redis::cmd("XCLAIM")
        .arg(&["s", "g", "bob", "8000", "1-0", "JUSTID"])
        .query(&mut con)
        .unwrap();
    assert_eq!(claimed, ["1-0"]);
    let pending: StreamPendingCountReply = con.xpending_count("s", "g", "-", "+", 10).unwrap();
    let idle: Vec<usize> = pending.ids.iter().map(|p| p.last_delivered_ms).collect();
    assert_eq!(idle, [0, 8_000, 8_000]);
}

#[tokio::test(start_paused = true)]
async fn tokio_advance_times_out_and_serves_blocked_reads() {
    use redis::AsyncCommands;
    let clock = TokioClock::new();
    let server = Server::builder()
        .clock(&clock)
        .listen(false)
        .start()
        .unwrap();
    let mut con = server.connection();
    let _: () = con.xgroup_create_mkstream("s", "g", "$").await.unwrap();
    let mut reader = server.connection();
    let timed_out = tokio::spawn(async move {
        let opts = StreamReadOptions::default().block(5_000).group("g", "c");
        let r: redis::RedisResult<Option<StreamReadReply>> =
            reader.xread_options(&["s"], &[">"], &opts).await;
        r
    });
    while blocked(&mut con).await == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::advance(Duration::from_millis(5_001)).await;
    assert!(timed_out.await.unwrap().unwrap().is_none());

    let mut reader = server.connection();
    let served = tokio::spawn(async move {
        let opts = StreamReadOptions::default().block(5_000).group("g", "c");
        let r: redis::RedisResult<Option<StreamReadReply>> =
            reader.xread_options(&["s"], &[">"], &opts).await;
        r
    });
    while blocked(&mut con).await == 0 {
        tokio::task::yield_now().await;
    }
    tokio::time::advance(Duration::from_millis(4_000)).await;
    let id: String = con.xadd("s", "*", &[("job", "1")]).await.unwrap();
    let reply = served.await.unwrap().unwrap().unwrap();
    assert_eq!(reply.keys[0].ids[0].id, id);
}

async fn blocked(con: &mut redsim::LocalConnection) -> usize {
    let info: String = redis::cmd("INFO")
        .arg("clients")
        .query_async(con)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix("blocked_clients:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap()
}

#[test]
fn a_consumer_group_through_the_redis_crate_over_both_transports() {
    let (local, clock) = server();
    group_flow(&mut local.connection(), &clock, "in-process");
    let (tcp, clock) = server();
    group_flow(&mut tcp.client().get_connection().unwrap(), &clock, "tcp");
}

/// Alice reads, stalls and Bob claims her work, through the crate's API.
fn group_flow<C: redis::ConnectionLike>(con: &mut C, clock: &ManualClock, via: &str) {
    use redis::Commands;
    {
        let _: () = con.xgroup_create_mkstream("jobs", "workers", "$").unwrap();
        for n in 1..=4 {
            let _: String = con.xadd("jobs", "*", &[("n", n)]).unwrap();
        }
        let opts = StreamReadOptions::default()
            .group("workers", "alice")
            .count(3);
        let read: Option<StreamReadReply> = con.xread_options(&["jobs"], &[">"], &opts).unwrap();
        let read = read.expect("entries");
        let ids: Vec<String> = read.keys[0].ids.iter().map(|e| e.id.clone()).collect();
        assert_eq!(
            ids,
            ["1700000000000-0", "1700000000000-1", "1700000000000-2"],
            "{via}"
        );
        assert_eq!(read.keys[0].ids[0].get::<i64>("n"), Some(1));
        let acked: i64 = con.xack("jobs", "workers", &[&ids[0]]).unwrap();
        assert_eq!(acked, 1);
        // Alice stalls; after a minute Bob takes over her pending work.
        clock.advance(Duration::from_secs(60));
        let claim: StreamAutoClaimReply = con
            .xautoclaim_options(
                "jobs",
                "workers",
                "bob",
                60_000,
                "0-0",
                StreamAutoClaimOptions::default().count(10),
            )
            .unwrap();
        let claimed: Vec<&str> = claim.claimed.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(claimed, ["1700000000000-1", "1700000000000-2"], "{via}");
        assert_eq!(claim.next_stream_id, "0-0");
        assert!(claim.deleted_ids.is_empty());
        let pending: StreamPendingCountReply =
            con.xpending_count("jobs", "workers", "-", "+", 10).unwrap();
        let owners: Vec<(&str, usize)> = pending
            .ids
            .iter()
            .map(|p| (p.consumer.as_str(), p.times_delivered))
            .collect();
        assert_eq!(owners, [("bob", 2), ("bob", 2)], "{via}");
        // The fourth job goes to whoever reads next.
        let opts = StreamReadOptions::default().group("workers", "bob");
        let read: Option<StreamReadReply> = con.xread_options(&["jobs"], &[">"], &opts).unwrap();
        let read = read.expect("entries");
        assert_eq!(read.keys[0].ids[0].id, "1700000000000-3");
        let none: Option<StreamReadReply> = con.xread_options(&["jobs"], &[">"], &opts).unwrap();
        assert!(none.is_none_or(|r| r.keys.is_empty()), "{via}");
    }
}

#[test]
fn direct_seeding_reads_and_pending_assertions() {
    use redis::Commands;
    use redsim::direct::{StreamEntry, StreamId};
    let (server, clock) = server();
    let db = server.db(0);
    db.xgroup_create("jobs", "workers", "$").unwrap();
    db.xadd("jobs", "1-0", [("n", "1")]).unwrap();
    db.xadd("jobs", "2-0", [("n", "2")]).unwrap();
    let id = db.xadd("jobs", "*", [("n", "3")]).unwrap();
    assert_eq!(id, StreamId::new(1_700_000_000_000, 0));
    assert!(db.xadd("jobs", "1-5", [("n", "x")]).is_err());
    db.set("str", "x").unwrap();
    assert!(matches!(
        db.xadd("str", "*", [("a", "b")]),
        Err(redsim::direct::DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.xgroup_create("str", "g", "0"),
        Err(redsim::direct::DirectError::WrongType { .. })
    ));
    assert!(db.stream("str").is_err());
    assert!(db.stream("nothing").unwrap().is_empty());

    // The code under test sees what was seeded.
    let mut con = server.connection();
    let opts = StreamReadOptions::default()
        .group("workers", "alice")
        .count(2);
    let read: Option<StreamReadReply> = con.xread_options(&["jobs"], &[">"], &opts).unwrap();
    assert_eq!(read.unwrap().keys[0].ids.len(), 2);
    db.assert_pending("jobs", "workers", [("1-0", "alice"), ("2-0", "alice")]);

    // A direct delivery is XREADGROUP's.
    clock.advance(Duration::from_secs(3));
    let got = db.xreadgroup("jobs", "workers", "bob", None).unwrap();
    assert_eq!(got, [StreamEntry::new(id, [("n", "3")])]);
    let pending = db.pending("jobs", "workers").unwrap();
    assert_eq!(pending[2].consumer, "bob");
    assert_eq!(
        pending[2].delivered_at,
        UNIX_EPOCH + Duration::from_millis(1_700_000_003_000)
    );
    let groups = db.stream_groups("jobs").unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].last_delivered, id);
    assert_eq!((groups[0].entries_read, groups[0].lag), (Some(3), Some(0)));
    assert_eq!(groups[0].consumers, ["alice", "bob"]);
    let _: i64 = con.xack("jobs", "workers", &["1-0"]).unwrap();
    db.assert_pending(
        "jobs",
        "workers",
        [("2-0", "alice"), ("1700000000000-0", "bob")],
    );

    // A failed assertion says what is pending.
    let message = support::panic_message(|| {
        db.assert_pending("jobs", "workers", [("2-0", "carol")]);
    });
    assert_eq!(
        message,
        "redsim: db 0, key \"jobs\", group \"workers\": expected pending [2-0 \"carol\"], \
         found [2-0 \"alice\", 1700000000000-0 \"bob\"]"
    );
    db.assert_stream(
        "jobs",
        [
            StreamEntry::new(StreamId::new(1, 0), [("n", "1")]),
            StreamEntry::new(StreamId::new(2, 0), [("n", "2")]),
            StreamEntry::new(id, [("n", "3")]),
        ],
    );
    let message = support::panic_message(|| db.assert_stream("jobs", []));
    assert!(
        message.starts_with(
            "redsim: db 0, key \"jobs\": expected stream [], found stream [1-0: {\"n\": \"1\"}"
        ),
        "{message}"
    );
    db.assert_type("jobs", redsim::direct::KeyType::Stream);
}

#[test]
fn a_direct_xadd_wakes_a_blocked_group_reader() {
    let (server, _clock) = server();
    let db = server.db(0);
    db.xgroup_create("jobs", "workers", "$").unwrap();
    let mut admin = server.connection();
    let waiter = spawn_blocked(
        &server,
        &mut admin,
        1,
        &[
            "XREADGROUP",
            "GROUP",
            "workers",
            "c",
            "BLOCK",
            "0",
            "STREAMS",
            "jobs",
            ">",
        ],
    );
    db.xadd("jobs", "7-0", [("a", "1")]).unwrap();
    wait_blocked(&mut admin, 0);
    let entry = Value::Array(vec![bulk("7-0"), Value::Array(vec![bulk("a"), bulk("1")])]);
    assert_eq!(
        reply(waiter),
        Value::Array(vec![Value::Array(vec![
            bulk("jobs"),
            Value::Array(vec![entry])
        ])])
    );
    db.assert_pending("jobs", "workers", [("7-0", "c")]);
}

#[test]
fn fault_rules_match_the_keys_of_stream_reads() {
    use redsim::Rule;
    let (server, _clock) = server();
    let mut con = server.connection();
    xadd(&mut con, "jobs", "1-0");
    let _guard = server.fault(
        Rule::command("XREADGROUP")
            .key("jobs")
            .error("ERR injected"),
    );
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", "jobs", "g", "0"])
        .query(&mut con)
        .unwrap();
    let err = redis::cmd("XREADGROUP")
        .arg(&["GROUP", "g", "c", "STREAMS", "other", "jobs", ">", ">"])
        .query::<Value>(&mut con)
        .unwrap_err();
    assert_eq!(err.detail(), Some("injected"), "{err}");
    let ok = redis::cmd("XREAD")
        .arg(&["STREAMS", "jobs", "0"])
        .query::<Value>(&mut con);
    assert!(ok.is_ok());
}
