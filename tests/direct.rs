//! The direct data API (`server.db(n)`), black-box: what a test seeds
//! directly is what clients read over both transports, what clients write
//! is what the test inspects, and a direct write does to the rest of the
//! server exactly what the same command from a client does (expiry on the
//! server clock, WATCH, blocked clients, keyspace events, encodings) while
//! direct reads leave no trace. Assertion failures are checked message for
//! message.
//!
//! Time moves only on a [`ManualClock`]; the one test that waits for another
//! thread (a client blocked in BLPOP) polls `INFO clients` with a generous
//! real-time guard, never sleeps.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread;
use std::time::{Duration, Instant, UNIX_EPOCH};

use redis::{Commands, ConnectionLike, Value as Reply};
use redsim::direct::{DirectError, KeyType, Snapshot, Ttl, Value};
use redsim::{ManualClock, Server};

/// A server on a manual clock that starts on a whole second.
fn manual() -> (ManualClock, Server) {
    let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let server = Server::builder().clock(&clock).start().expect("start");
    (clock, server)
}

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// Runs a command given as words and returns the raw reply.
fn run(con: &mut impl ConnectionLike, words: &[&str]) -> Reply {
    let mut cmd = redis::cmd(words[0]);
    for w in &words[1..] {
        cmd.arg(*w);
    }
    cmd.query(con)
        .unwrap_or_else(|e| panic!("{words:?} failed: {e}"))
}

/// One field of an INFO section.
fn info_field(con: &mut impl ConnectionLike, section: &str, field: &str) -> Option<String> {
    let info: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
}

/// The message of the panic `f` raises (it must raise one).
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

// ---------------------------------------------------------------- seeding

/// Seeds one key of every type, then reads them with `con`.
fn check_seeded_values_read_back(con: &mut impl ConnectionLike, db: &redsim::Database) {
    db.set("name", "ann");
    db.hset("user:1", [("name", "ann"), ("age", "40")]).unwrap();
    db.rpush("queue", ["a", "b"]).unwrap();
    db.lpush("queue", ["z"]).unwrap();
    db.sadd("tags", ["x", "y", "x"]).unwrap();
    db.zadd("board", [("ann", 10.0), ("bob", 2.5)]).unwrap();
    db.set(b"bin\xff", [0u8, 0xff, b'\n']);

    let name: String = con.get("name").unwrap();
    assert_eq!(name, "ann");
    let user: BTreeMap<String, String> = con.hgetall("user:1").unwrap();
    assert_eq!(
        user,
        BTreeMap::from([("age".into(), "40".into()), ("name".into(), "ann".into())])
    );
    let queue: Vec<String> = con.lrange("queue", 0, -1).unwrap();
    assert_eq!(queue, ["z", "a", "b"]);
    let tags: BTreeSet<String> = con.smembers("tags").unwrap();
    assert_eq!(tags, BTreeSet::from(["x".into(), "y".into()]));
    let board: Vec<(String, f64)> = con.zrange_withscores("board", 0, -1).unwrap();
    assert_eq!(board, [("bob".into(), 2.5), ("ann".into(), 10.0)]);
    let bin: Vec<u8> = con.get(b"bin\xff").unwrap();
    assert_eq!(bin, [0u8, 0xff, b'\n']);
    let ttl: i64 = con.ttl("name").unwrap();
    assert_eq!(ttl, -1);
}

#[test]
fn seeded_values_read_back_in_process() {
    let server = Server::start().unwrap();
    check_seeded_values_read_back(&mut server.connection(), &server.db(0));
}

#[test]
fn seeded_values_read_back_over_tcp() {
    let server = Server::start().unwrap();
    let mut tcp = server.client().get_connection().unwrap();
    check_seeded_values_read_back(&mut tcp, &server.db(0));
}

#[test]
fn seeding_returns_what_the_command_answers() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    assert_eq!(db.hset("h", [("a", "1"), ("b", "2")]).unwrap(), 2);
    assert_eq!(db.hset("h", [("a", "9"), ("c", "3")]).unwrap(), 1);
    assert_eq!(db.rpush("l", ["a", "b"]).unwrap(), 2);
    assert_eq!(db.lpush("l", ["c"]).unwrap(), 3);
    assert_eq!(db.sadd("s", ["a", "b"]).unwrap(), 2);
    assert_eq!(db.sadd("s", ["b", "c"]).unwrap(), 1);
    assert_eq!(db.zadd("z", [("a", 1.0)]).unwrap(), 1);
    assert_eq!(db.zadd("z", [("a", 5.0), ("b", 2.0)]).unwrap(), 1);
    assert_eq!(db.zscore("z", "a").unwrap(), Some(5.0));
    assert!(db.del("h"));
    assert!(!db.del("h"));
    assert!(!db.persist("l"), "no TTL to remove");
    assert!(!db.expire("nothing", secs(5)).unwrap());
}

#[test]
fn scores_survive_the_trip_to_the_command_exactly() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let scores = [
        0.1,
        -0.0,
        1e300,
        -2.5e-300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1.0 / 3.0,
    ];
    let members: Vec<(String, f64)> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("m{i}"), *s))
        .collect();
    db.zadd("z", members.iter().map(|(m, s)| (m.as_str(), *s)))
        .unwrap();
    for (m, s) in &members {
        assert_eq!(db.zscore("z", m).unwrap(), Some(*s), "{m}");
    }
}

#[test]
fn databases_are_separate_as_select_makes_them() {
    let server = Server::start().unwrap();
    server.db(3).set("k", "three");
    let mut con = server.connection();
    let none: Option<String> = con.get("k").unwrap();
    assert_eq!(none, None);
    run(&mut con, &["SELECT", "3"]);
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "three");
    assert!(!server.db(0).exists("k"));

    server.db(0).set("k", "zero");
    server.db(3).flush();
    assert_eq!(server.db(3).dbsize(), 0);
    server.db(0).assert_string("k", "zero");
    server.db(5).set("k", "five");
    server.flush_all();
    assert_eq!(server.db(0).dbsize() + server.db(5).dbsize(), 0);
}

#[test]
#[should_panic(expected = "redsim: there is no database 16: this server has 16 (0..=15)")]
fn a_database_the_server_does_not_have_is_a_panic() {
    let server = Server::builder().listen(false).start().unwrap();
    let _ = server.db(16);
}

#[test]
fn the_database_count_follows_the_databases_parameter() {
    let server = Server::builder()
        .listen(false)
        .config("databases", "2")
        .start()
        .unwrap();
    server.db(1).set("k", "v");
    let msg = panic_message(|| {
        server.db(2);
    });
    assert_eq!(
        msg,
        "redsim: there is no database 2: this server has 2 (0..=1)"
    );
}

#[test]
fn direct_access_needs_no_password() {
    let server = Server::builder().password("secret").start().unwrap();
    let db = server.db(0);
    db.set("k", "v");
    db.assert_string("k", "v");
    let mut tcp = server.client().get_connection().unwrap();
    let v: String = tcp.get("k").unwrap();
    assert_eq!(v, "v");
}

// ------------------------------------------------------------- inspecting

/// Writes one key of every type with `con`, then inspects them directly.
fn check_client_writes_inspected(con: &mut impl ConnectionLike, db: &redsim::Database) {
    let _: () = con.set("s", "v").unwrap();
    let _: () = con.set("n", 42).unwrap();
    let _: () = con.hset_multiple("h", &[("f", "1"), ("g", "2")]).unwrap();
    let _: () = con.rpush("l", &["a", "b", "c"]).unwrap();
    let _: () = con.sadd("set", &["m", "n"]).unwrap();
    let _: () = con.zadd_multiple("z", &[(3.0, "c"), (1.0, "a")]).unwrap();
    run(con, &["INCRBYFLOAT", "f", "1.5"]);

    assert_eq!(db.get("s").unwrap().unwrap(), "v");
    assert_eq!(db.get("n").unwrap().unwrap(), "42");
    assert_eq!(db.get("f").unwrap().unwrap(), "1.5");
    assert_eq!(db.get("missing").unwrap(), None);
    assert_eq!(db.hget("h", "g").unwrap().unwrap(), "2");
    assert_eq!(db.hget("h", "nope").unwrap(), None);
    assert_eq!(db.hget("missing", "f").unwrap(), None);
    let h = db.hgetall("h").unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(h[&b"f"[..]], "1");
    assert_eq!(db.list("l").unwrap(), ["a", "b", "c"]);
    assert!(db.members("set").unwrap().iter().eq(["m", "n"]));
    let z = db.zrange("z").unwrap();
    assert_eq!(z, [("a".into(), 1.0), ("c".into(), 3.0)]);
    assert!(db.list("missing").unwrap().is_empty());
    assert!(db.members("missing").unwrap().is_empty());
    assert!(db.hgetall("missing").unwrap().is_empty());
    assert!(db.zrange("missing").unwrap().is_empty());

    assert_eq!(db.key_type("s"), Some(KeyType::String));
    assert_eq!(db.key_type("h"), Some(KeyType::Hash));
    assert_eq!(db.key_type("l"), Some(KeyType::List));
    assert_eq!(db.key_type("set"), Some(KeyType::Set));
    assert_eq!(db.key_type("z"), Some(KeyType::ZSet));
    assert_eq!(db.key_type("missing"), None);
    assert_eq!(db.keys(), ["f", "h", "l", "n", "s", "set", "z"]);
    assert_eq!(db.dbsize(), 7);
    assert!(db.exists("z") && !db.exists("missing"));
    assert_eq!(db.value("l"), Some(Value::list(["a", "b", "c"])));
}

#[test]
fn client_writes_are_inspected_directly_in_process() {
    let server = Server::start().unwrap();
    check_client_writes_inspected(&mut server.connection(), &server.db(0));
}

#[test]
fn client_writes_are_inspected_directly_over_tcp() {
    let server = Server::start().unwrap();
    let mut tcp = server.client().get_connection().unwrap();
    check_client_writes_inspected(&mut tcp, &server.db(0));
}

#[test]
fn ttl_tells_missing_keys_keys_without_ttl_and_time_left_apart() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut con = server.connection();
    assert_eq!(db.ttl("k"), Ttl::Missing);
    db.set("k", "v");
    assert_eq!(db.ttl("k"), Ttl::Persistent);
    assert_eq!(db.expire_at("k"), None);
    assert!(db.expire("k", Duration::from_millis(2500)).unwrap());
    assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(2500)));
    let pttl: i64 = con.pttl("k").unwrap();
    assert_eq!(pttl, 2500);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(1500)));
    assert!(db.persist("k"));
    assert_eq!(db.ttl("k"), Ttl::Persistent);
    let ttl: i64 = con.ttl("k").unwrap();
    assert_eq!(ttl, -1);
}

#[test]
fn a_seeded_ttl_runs_on_the_server_clock_and_the_key_goes_past_it() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut con = server.connection();
    db.set_ex("session", "abc", secs(10)).unwrap();
    db.rpush("jobs", ["a"]).unwrap();
    db.expire("jobs", secs(20)).unwrap();

    // As in Redis, a key lives through the millisecond of its deadline.
    clock.advance(secs(10));
    assert_eq!(db.ttl("session"), Ttl::Remaining(Duration::ZERO));
    db.assert_string("session", "abc");
    clock.advance(Duration::from_millis(1));
    assert_eq!(db.ttl("session"), Ttl::Missing);
    db.assert_missing("session");
    let gone: Option<String> = con.get("session").unwrap();
    assert_eq!(gone, None);
    assert_eq!(db.keys(), ["jobs"]);

    clock.advance(secs(10));
    db.assert_missing("jobs");
    assert_eq!(db.dbsize(), 0);
    assert!(db.snapshot().is_empty());
}

#[test]
fn a_ttl_set_by_a_client_reads_back_as_an_absolute_deadline() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut con = server.connection();
    let _: () = con.set("k", "v").unwrap();
    let at = 1_700_000_123_456_i64;
    run(&mut con, &["PEXPIREAT", "k", &at.to_string()]);
    assert_eq!(
        db.expire_at("k"),
        Some(UNIX_EPOCH + Duration::from_millis(at as u64))
    );
    assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(123_456)));
    assert_eq!(
        clock.now() + Duration::from_millis(123_456),
        db.expire_at("k").unwrap()
    );
}

#[test]
fn a_direct_absolute_deadline_is_what_clients_see_and_a_past_one_deletes() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut tcp = server.client().get_connection().unwrap();
    db.set("k", "v");
    assert!(db.set_expire_at("k", clock.now() + secs(30)).unwrap());
    let ttl: i64 = tcp.ttl("k").unwrap();
    assert_eq!(ttl, 30);
    let at: i64 = redis::cmd("PEXPIRETIME").arg("k").query(&mut tcp).unwrap();
    assert_eq!(
        UNIX_EPOCH + Duration::from_millis(at as u64),
        db.expire_at("k").unwrap()
    );
    assert!(db.set_expire_at("k", clock.now() - secs(1)).unwrap());
    db.assert_missing("k");
    let exists: bool = tcp.exists("k").unwrap();
    assert!(!exists);
    assert!(!db.set_expire_at("k", clock.now() + secs(1)).unwrap());
}

#[test]
fn a_zero_ttl_deletes_as_pexpire_0_does() {
    let (_clock, server) = manual();
    let db = server.db(0);
    db.set("k", "v");
    assert!(db.expire("k", Duration::ZERO).unwrap());
    db.assert_missing("k");
}

// -------------------------------------------------- effects on the server

#[test]
fn a_direct_write_to_a_watched_key_fails_the_clients_exec() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let mut con = server.connection();
    db.set("balance", "10");

    // Control: a direct write to another key leaves the transaction alone.
    run(&mut con, &["WATCH", "balance"]);
    db.set("other", "x");
    run(&mut con, &["MULTI"]);
    run(&mut con, &["SET", "balance", "11"]);
    let done = run(&mut con, &["EXEC"]);
    assert_eq!(done, Reply::Array(vec![Reply::Okay]));

    run(&mut con, &["WATCH", "balance"]);
    db.set("balance", "100");
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
            db.persist("k");
        }),
        ("del", &|| {
            db.del("k");
        }),
        ("flush", &|| db.flush()),
        ("flush_all", &|| server.flush_all()),
    ];
    for (name, write) in writes {
        db.set("k", "v");
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

/// Waits (yielding, never sleeping) until `n` clients are blocked.
fn wait_blocked(con: &mut impl ConnectionLike, n: usize) {
    let started = Instant::now();
    loop {
        let blocked = info_field(con, "clients", "blocked_clients").expect("blocked_clients");
        if blocked == n.to_string() {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "expected {n} blocked clients, INFO says {blocked}"
        );
        thread::yield_now();
    }
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
    db.set("a", "1");
    db.rpush("l", ["x"]).unwrap();
    db.expire("a", secs(10)).unwrap();
    db.del("l");
    server.db(1).set("elsewhere", "1");
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

    db.set("int", "12345");
    db.set("short", "hello");
    db.set("long", &long);
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
    db.set("k", "v");
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
        .unwrap();
    db.assert_string("from-thread", "1");
}

// ----------------------------------------------------------------- errors

#[test]
fn the_wrong_type_is_a_typed_error_and_changes_nothing() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    db.set("name", "ann");
    db.rpush("queue", ["a"]).unwrap();

    let err = db.rpush("name", ["x"]).unwrap_err();
    assert_eq!(
        err,
        DirectError::WrongType {
            key: "name".into(),
            expected: KeyType::List,
            actual: KeyType::String,
        }
    );
    assert_eq!(
        err.to_string(),
        "WRONGTYPE \"name\" holds a string, not a list"
    );
    assert!(matches!(
        db.hset("queue", [("f", "v")]),
        Err(DirectError::WrongType {
            expected: KeyType::Hash,
            actual: KeyType::List,
            ..
        })
    ));
    assert!(matches!(
        db.sadd("queue", ["m"]),
        Err(DirectError::WrongType {
            expected: KeyType::Set,
            ..
        })
    ));
    assert!(matches!(
        db.zadd("queue", [("m", 1.0)]),
        Err(DirectError::WrongType {
            expected: KeyType::ZSet,
            ..
        })
    ));
    assert!(matches!(
        db.lpush("name", ["x"]),
        Err(DirectError::WrongType {
            expected: KeyType::List,
            ..
        })
    ));

    assert_eq!(
        db.get("queue").unwrap_err().to_string(),
        "WRONGTYPE \"queue\" holds a list, not a string"
    );
    assert!(matches!(
        db.list("name"),
        Err(DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.members("name"),
        Err(DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.hgetall("name"),
        Err(DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.hget("name", "f"),
        Err(DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.zrange("name"),
        Err(DirectError::WrongType { .. })
    ));
    assert!(matches!(
        db.zscore("name", "m"),
        Err(DirectError::WrongType { .. })
    ));

    db.assert_string("name", "ann");
    db.assert_list("queue", ["a"]);
    // SET takes any type, as it does from a client.
    db.set("queue", "now a string");
    db.assert_string("queue", "now a string");
}

#[test]
fn arguments_redis_refuses_are_refused_with_its_error() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    assert_eq!(
        db.set_ex("k", "v", Duration::ZERO),
        Err(DirectError::Refused(
            "ERR invalid expire time in 'set' command".into()
        ))
    );
    assert_eq!(
        db.set_ex("k", "v", Duration::from_micros(999)),
        Err(DirectError::Refused(
            "ERR invalid expire time in 'set' command".into()
        ))
    );
    assert_eq!(
        db.zadd("z", [("m", f64::NAN)]),
        Err(DirectError::Refused(
            "ERR value is not a valid float".into()
        ))
    );
    assert_eq!(
        db.rpush("l", Vec::<&str>::new()),
        Err(DirectError::Refused(
            "ERR wrong number of arguments for 'rpush' command".into()
        ))
    );
    db.set("k", "v");
    assert_eq!(
        db.expire("k", Duration::MAX),
        Err(DirectError::Refused(
            "ERR invalid expire time in 'pexpire' command".into()
        ))
    );
    assert_eq!(db.dbsize(), 1, "nothing but the last SET was stored");
    db.assert_ttl("k", Ttl::Persistent);
}

// ------------------------------------------------------------- snapshots

#[test]
fn a_snapshot_compares_with_an_expected_one_and_prints_readably() {
    let (clock, server) = manual();
    let db = server.db(0);
    let mut tcp = server.client().get_connection().unwrap();
    db.set("count", "3");
    db.rpush("jobs", ["a", "b"]).unwrap();
    db.expire("jobs", secs(30)).unwrap();
    db.hset("user", [("name", "ann")]).unwrap();
    let _: () = tcp.sadd("tags", &["y", "x"]).unwrap();
    let _: () = tcp
        .zadd_multiple("board", &[(10.0, "ann"), (2.5, "bob")])
        .unwrap();

    let expected = Snapshot::from([
        ("board", Value::zset([("ann", 10.0), ("bob", 2.5)]).into()),
        ("count", Value::string("3").into()),
        ("jobs", Value::list(["a", "b"]).with_ttl(secs(30))),
        ("tags", Value::set(["x", "y"]).into()),
        ("user", Value::hash([("name", "ann")]).into()),
    ]);
    let snap = db.snapshot();
    assert_eq!(snap, expected);
    assert_eq!(
        snap.to_string(),
        concat!(
            "\"board\" => zset {\"bob\": 2.5, \"ann\": 10} (no TTL)\n",
            "\"count\" => string \"3\" (no TTL)\n",
            "\"jobs\" => list [\"a\", \"b\"] (TTL 30s)\n",
            "\"tags\" => set {\"x\", \"y\"} (no TTL)\n",
            "\"user\" => hash {\"name\": \"ann\"} (no TTL)\n",
        )
    );
    assert_eq!(
        format!("{:?}", snap.get("jobs").unwrap()),
        "Entry { value: List([\"a\", \"b\"]), ttl: Some(30s) }"
    );
    assert_eq!(
        format!("{:?}", Snapshot::from([("z", Value::zset([("m", 1.0)]))])),
        "{\"z\": Entry { value: ZSet({\"m\": 1.0}), ttl: None }}"
    );

    // Time moves: TTLs are the time left, so the snapshot changes.
    clock.advance(secs(1));
    let later = db.snapshot();
    assert_ne!(later, snap);
    assert_eq!(later.get("jobs").unwrap().ttl, Some(secs(29)));
    clock.advance(secs(29) + Duration::from_millis(1));
    assert_eq!(
        db.snapshot().keys().collect::<Vec<_>>(),
        ["board", "count", "tags", "user"]
    );
    db.flush();
    assert_eq!(db.snapshot().to_string(), "(empty)\n");
}

#[test]
fn values_print_as_escaped_text_or_bytes_and_scores_short() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    db.set(b"k\xff", b"\x00\xfe");
    db.set("tab", "a\tb\"c");
    db.zadd(
        "z",
        [
            ("big", 1e300),
            ("tenth", 0.1),
            ("tiny", -2.5e-7),
            ("one", 1.0),
        ],
    )
    .unwrap();
    assert_eq!(
        db.snapshot().to_string(),
        concat!(
            "b\"k\\xff\" => string b\"\\x00\\xfe\" (no TTL)\n",
            "\"tab\" => string \"a\\tb\\\"c\" (no TTL)\n",
            "\"z\" => zset {\"tiny\": -2.5e-7, \"tenth\": 0.1, \"one\": 1, \"big\": 1e300} (no TTL)\n",
        )
    );
}

// ------------------------------------------------------------- assertions

#[test]
fn assertions_pass_on_the_state_they_describe() {
    let (clock, server) = manual();
    let db = server.db(0);
    db.set_ex("s", "v", secs(10)).unwrap();
    db.rpush("l", ["a", "b"]).unwrap();
    db.sadd("set", ["x", "y"]).unwrap();
    db.hset("h", [("f", "1")]).unwrap();
    db.zadd("z", [("m", 1.5)]).unwrap();
    db.assert_string("s", "v");
    db.assert_list("l", ["a", "b"]);
    db.assert_members("set", ["y", "x"]);
    db.assert_hash("h", [("f", "1")]);
    db.assert_zset("z", [("m", 1.5)]);
    db.assert_type("z", KeyType::ZSet);
    db.assert_missing("nothing");
    db.assert_ttl("s", Ttl::Remaining(secs(10)));
    db.assert_ttl("l", Ttl::Persistent);
    db.assert_ttl("nothing", Ttl::Missing);
    clock.advance(secs(4));
    db.assert_ttl_between("s", secs(6), secs(6));
    db.assert_ttl_between("s", secs(1), secs(7));
}

#[test]
#[should_panic(
    expected = "redsim: db 0, key \"k\": expected string \"v\", found list [\"a\", \"b\"] (no TTL)"
)]
fn assert_string_on_a_list_shows_the_list() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    db.rpush("k", ["a", "b"]).unwrap();
    db.assert_string("k", "v");
}

#[test]
fn failed_assertions_say_what_was_expected_and_what_is_there() {
    let (_clock, server) = manual();
    let db = server.db(0);
    db.set_ex("s", "v", secs(10)).unwrap();
    db.hset("h", [("a", "1"), ("b", "3")]).unwrap();
    db.zadd("z", [("a", 1.0), ("b", 2.5)]).unwrap();
    db.sadd("set", ["x"]).unwrap();
    db.set("plain", "p");

    let cases: Vec<(String, Box<dyn FnOnce() + '_>)> = vec![
        (
            r#"redsim: db 0, key "s": expected no key, found string "v" (TTL 10s)"#.into(),
            Box::new(|| db.assert_missing("s")),
        ),
        (
            r#"redsim: db 0, key "s": expected string "w", found string "v" (TTL 10s)"#.into(),
            Box::new(|| db.assert_string("s", "w")),
        ),
        (
            r#"redsim: db 0, key "h": expected hash {"a": "1", "b": "2"}, found hash {"a": "1", "b": "3"} (no TTL)"#.into(),
            Box::new(|| db.assert_hash("h", [("b", "2"), ("a", "1")])),
        ),
        (
            r#"redsim: db 0, key "z": expected zset {"a": 1, "b": 2}, found zset {"a": 1, "b": 2.5} (no TTL)"#.into(),
            Box::new(|| db.assert_zset("z", [("a", 1.0), ("b", 2.0)])),
        ),
        (
            r#"redsim: db 0, key "set": expected set {"x", "y"}, found set {"x"} (no TTL)"#.into(),
            Box::new(|| db.assert_members("set", ["y", "x"])),
        ),
        (
            r#"redsim: db 0, key "set": expected a hash, found set {"x"} (no TTL)"#.into(),
            Box::new(|| db.assert_type("set", KeyType::Hash)),
        ),
        (
            r#"redsim: db 0, key "plain": expected a TTL between 5s and 10s, found string "p" (no TTL)"#.into(),
            Box::new(|| db.assert_ttl_between("plain", secs(5), secs(10))),
        ),
        (
            r#"redsim: db 0, key "s": expected TTL 9.999s, found string "v" (TTL 10s)"#.into(),
            Box::new(|| db.assert_ttl("s", Ttl::Remaining(Duration::from_millis(9999)))),
        ),
        (
            r#"redsim: db 0, key "gone": expected no TTL, found no key"#.into(),
            Box::new(|| db.assert_ttl("gone", Ttl::Persistent)),
        ),
    ];
    for (expected, check) in cases {
        assert_eq!(panic_message(check), expected);
    }
    let other = server.db(3);
    assert_eq!(
        panic_message(|| other.assert_list("q", ["a"])),
        r#"redsim: db 3, key "q": expected list ["a"], found no key"#
    );
}

#[test]
fn failure_messages_cut_long_values() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    let items: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    db.rpush("long", &items).unwrap();
    let shown: Vec<String> = (0..32).map(|i| format!("\"{i}\"")).collect();
    assert_eq!(
        panic_message(|| db.assert_missing("long")),
        format!(
            "redsim: db 0, key \"long\": expected no key, found list [{}, … (8 more)] (no TTL)",
            shown.join(", ")
        )
    );
    db.set("big", "é".repeat(200));
    let msg = panic_message(|| db.assert_missing("big"));
    assert_eq!(
        msg,
        format!(
            "redsim: db 0, key \"big\": expected no key, found string \"{}\"… (400 bytes) (no TTL)",
            "é".repeat(128)
        )
    );
}
