//! The direct data API (`server.db(n)`), continued from tests/direct.rs:
//! a direct write does to the rest of the server exactly what the same
//! command from a client does — WATCH, blocked clients, keyspace events,
//! encodings — while direct reads and operations leave no trace (command
//! counts, idle times).
//!
//! Time moves only on a [`ManualClock`](redsim::ManualClock); the one test
//! that waits for another thread (a client blocked in BLPOP) polls `INFO
//! clients` with a generous real-time guard, never sleeps.

use std::thread;

use redis::{Commands, Value as Reply};
use redsim::Server;
use support::blocking::wait_blocked;
use support::{info_of as info_field, manual_server as manual, run_words as run, secs};

// -------------------------------------------------- effects on the server

#[test]
fn a_direct_write_to_a_watched_key_fails_the_clients_exec() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut con = server.connection();
    db.set("balance", "10").unwrap();

    // Control: a direct write to another key leaves the transaction alone.
    run(&mut con, &["WATCH", "balance"]);
    db.set("other", "x").unwrap();
    run(&mut con, &["MULTI"]);
    run(&mut con, &["SET", "balance", "11"]);
    let done = run(&mut con, &["EXEC"]);
    assert_eq!(done, Reply::Array(vec![Reply::Okay]));

    run(&mut con, &["WATCH", "balance"]);
    db.set("balance", "100").unwrap();
    run(&mut con, &["MULTI"]);
    run(&mut con, &["SET", "balance", "12"]);
    assert_eq!(run(&mut con, &["EXEC"]), Reply::Nil);
    db.assert_string("balance", "100");
}

#[test]
fn direct_writes_of_every_kind_touch_watched_keys_over_tcp() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut tcp = server.client().get_connection().unwrap();
    db.set_ex("k", "v", secs(60)).unwrap();
    let writes: [(&str, &dyn Fn()); 6] = [
        ("rpush", &|| {
            db.rpush("l", ["x"]).unwrap();
        }),
        ("expire", &|| {
            db.expire("k", secs(5)).unwrap();
        }),
        ("persist", &|| {
            db.persist("k").unwrap();
        }),
        ("del", &|| {
            db.del("k").unwrap();
        }),
        ("flush", &|| db.flush().unwrap()),
        ("flush_all", &|| server.flush_all().unwrap()),
    ];
    for (name, write) in writes {
        db.set("k", "v").unwrap();
        db.rpush("l", ["seed"]).unwrap();
        db.expire("k", secs(60)).unwrap();
        run(&mut tcp, &["WATCH", "k", "l"]);
        write();
        run(&mut tcp, &["MULTI"]);
        run(&mut tcp, &["PING"]);
        assert_eq!(run(&mut tcp, &["EXEC"]), Reply::Nil, "{name}");
    }
    // Expiry seeded directly invalidates a watch when the clock passes it.
    db.set_ex("k", "v", secs(1)).unwrap();
    run(&mut tcp, &["WATCH", "k"]);
    clock.advance(secs(2));
    run(&mut tcp, &["MULTI"]);
    run(&mut tcp, &["PING"]);
    assert_eq!(run(&mut tcp, &["EXEC"]), Reply::Nil);
}

#[test]
fn a_direct_push_wakes_a_client_blocked_in_blpop() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut admin = server.connection();
    let client = server.client();
    let waiter = thread::spawn(move || {
        let mut con = client.get_connection().unwrap();
        redis::cmd("BLPOP")
            .arg("jobs")
            .arg(0)
            .query::<Reply>(&mut con)
    });
    wait_blocked(&mut admin, 1);
    // The push's reply counts the element; then the waiter takes it,
    // before the push returns, as in Redis.
    assert_eq!(db.rpush("jobs", ["job-1"]).unwrap(), 1);
    // Served before the push returned: no other command ran in between.
    db.assert_missing("jobs");
    wait_blocked(&mut admin, 0);
    assert_eq!(
        waiter.join().unwrap().unwrap(),
        Reply::Array(vec![
            Reply::BulkString(b"jobs".to_vec()),
            Reply::BulkString(b"job-1".to_vec()),
        ])
    );
}

#[test]
fn a_direct_push_wakes_only_waiters_of_its_own_database() {
    let server = Server::start().unwrap();
    let mut admin = server.connection();
    let client = server.client();
    let waiter = thread::spawn(move || {
        let mut con = client.get_connection().unwrap();
        run(&mut con, &["SELECT", "2"]);
        redis::cmd("BRPOP").arg("q").arg(0).query::<Reply>(&mut con)
    });
    wait_blocked(&mut admin, 1);
    server.db(0).rpush("q", ["wrong-db"]).unwrap();
    assert_eq!(
        info_field(&mut admin, "clients", "blocked_clients").as_deref(),
        Some("1")
    );
    server.db(0).assert_list("q", ["wrong-db"]);
    server.db(2).lpush("q", ["a", "b"]).unwrap();
    server.db(2).assert_list("q", ["b"]);
    wait_blocked(&mut admin, 0);
    assert_eq!(
        waiter.join().unwrap().unwrap(),
        Reply::Array(vec![
            Reply::BulkString(b"q".to_vec()),
            Reply::BulkString(b"a".to_vec()),
        ])
    );
}

#[test]
fn direct_writes_fire_keyspace_notifications() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut con = server.connection();
    run(
        &mut con,
        &["CONFIG", "SET", "notify-keyspace-events", "KEA"],
    );
    let listener = server.connection();
    let mut l = listener.clone();
    run(&mut l, &["PSUBSCRIBE", "__keyevent@0__:*"]);
    db.set("a", "1").unwrap();
    db.rpush("l", ["x"]).unwrap();
    db.expire("a", secs(10)).unwrap();
    db.del("l").unwrap();
    server.db(1).set("elsewhere", "1").unwrap();
    let events: Vec<(String, String)> = listener
        .pushes()
        .iter()
        .map(|p| {
            let msg = redis::Msg::from_value(p).expect("a pub/sub message");
            (
                msg.get_channel_name().to_string(),
                msg.get_payload::<String>().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> =
        [("set", "a"), ("rpush", "l"), ("expire", "a"), ("del", "l")]
            .iter()
            .map(|(e, k)| (format!("__keyevent@0__:{e}"), k.to_string()))
            .collect();
    assert_eq!(events, expected);
}

#[test]
fn direct_writes_take_the_encodings_a_client_write_would() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut con = server.connection();
    let many: Vec<String> = (0..600).map(|i| format!("m{i}")).collect();
    let ints: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    let long = "x".repeat(100);

    db.set("int", "12345").unwrap();
    db.set("short", "hello").unwrap();
    db.set("long", &long).unwrap();
    db.hset("small-hash", [("f", "v")]).unwrap();
    db.hset("big-hash", many.iter().map(|m| (m, "v"))).unwrap();
    db.sadd("int-set", &ints).unwrap();
    db.sadd("big-set", &many).unwrap();
    db.zadd("small-zset", [("a", 1.0)]).unwrap();
    db.zadd("big-zset", many.iter().map(|m| (m, 1.0))).unwrap();
    db.rpush("list", ["a"]).unwrap();

    let _: () = con.set("c:int", "12345").unwrap();
    let _: () = con.set("c:short", "hello").unwrap();
    let _: () = con.set("c:long", &long).unwrap();
    let _: () = con.hset("c:small-hash", "f", "v").unwrap();
    let pairs: Vec<(&str, &str)> = many.iter().map(|m| (m.as_str(), "v")).collect();
    let _: () = con.hset_multiple("c:big-hash", &pairs).unwrap();
    let _: () = con.sadd("c:int-set", &ints).unwrap();
    let _: () = con.sadd("c:big-set", &many).unwrap();
    let _: () = con.zadd("c:small-zset", "a", 1.0).unwrap();
    let scored: Vec<(f64, &str)> = many.iter().map(|m| (1.0, m.as_str())).collect();
    let _: () = con.zadd_multiple("c:big-zset", &scored).unwrap();
    let _: () = con.rpush("c:list", "a").unwrap();

    let expected = [
        ("int", "int"),
        ("short", "embstr"),
        ("long", "raw"),
        ("small-hash", "listpack"),
        ("big-hash", "hashtable"),
        ("int-set", "intset"),
        ("big-set", "hashtable"),
        ("small-zset", "listpack"),
        ("big-zset", "skiplist"),
        ("list", "quicklist"),
    ];
    for (key, encoding) in expected {
        let direct: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(key)
            .query(&mut con)
            .unwrap();
        let client: String = redis::cmd("OBJECT")
            .arg("ENCODING")
            .arg(format!("c:{key}"))
            .query(&mut con)
            .unwrap();
        assert_eq!((key, direct.as_str()), (key, encoding));
        assert_eq!(direct, client, "{key}");
    }
}

#[test]
fn direct_operations_are_not_counted_as_client_commands() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut con = server.connection();
    db.set("k", "v").unwrap();
    db.rpush("l", ["a"]).unwrap();
    let _ = db.rpush("k", ["wrong type"]).unwrap_err();
    db.get("k").unwrap();
    db.get("missing").unwrap();
    db.list("l").unwrap();
    db.snapshot();
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    for name in ["set", "rpush", "get", "lrange"] {
        assert!(
            !stats.contains(&format!("cmdstat_{name}:")),
            "{name} counted:\n{stats}"
        );
    }
    assert_eq!(
        info_field(&mut con, "stats", "keyspace_hits").as_deref(),
        Some("0")
    );
    assert_eq!(
        info_field(&mut con, "stats", "keyspace_misses").as_deref(),
        Some("0")
    );
    assert_eq!(
        info_field(&mut con, "stats", "total_error_replies").as_deref(),
        Some("0")
    );
    // Control: the same read from a client is counted.
    let _: Option<String> = con.get("k").unwrap();
    assert_eq!(
        info_field(&mut con, "stats", "keyspace_hits").as_deref(),
        Some("1")
    );
}

#[test]
fn direct_reads_leave_the_idle_time_where_the_code_under_test_left_it() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut con = server.connection();
    let _: () = con.set("k", "v").unwrap();
    clock.advance(secs(100));
    db.get("k").unwrap();
    db.entry("k");
    db.snapshot();
    db.assert_string("k", "v");
    let idle: i64 = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("k")
        .query(&mut con)
        .unwrap();
    assert_eq!(idle, 100);
    // Control: a client's read does reset it.
    let _: String = con.get("k").unwrap();
    let idle: i64 = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("k")
        .query(&mut con)
        .unwrap();
    assert_eq!(idle, 0);
}

#[test]
fn a_database_handle_moves_into_another_thread() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let seeder = db.clone();
    thread::spawn(move || seeder.set("from-thread", "1"))
        .join()
        .unwrap()
        .unwrap();
    db.assert_string("from-thread", "1");
}
