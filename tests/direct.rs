//! The direct data API (`server.db(n)`), black-box: what a test seeds
//! directly is what clients read over both transports, what clients write
//! is what the test inspects, and TTLs seeded or read directly run on the
//! server clock (a [`ManualClock`](redsim::ManualClock): time moves only
//! when a test moves it). Continued in tests/direct_effects.rs (what a
//! direct write does to the rest of the server) and tests/direct_checks.rs
//! (typed errors, snapshots, assertion messages).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, UNIX_EPOCH};

use redis::{Commands, ConnectionLike};
use redsim::Server;
use redsim::direct::{KeyType, Ttl, Value};
use support::{manual_server as manual, panic_message, run_words as run, secs};

// ---------------------------------------------------------------- seeding

/// Seeds one key of every type, then reads them with `con`.
fn check_seeded_values_read_back(con: &mut impl ConnectionLike, db: &redsim::Database) {
    db.set("name", "ann").unwrap();
    db.hset("user:1", [("name", "ann"), ("age", "40")]).unwrap();
    db.rpush("queue", ["a", "b"]).unwrap();
    db.lpush("queue", ["z"]).unwrap();
    db.sadd("tags", ["x", "y", "x"]).unwrap();
    db.zadd("board", [("ann", 10.0), ("bob", 2.5)]).unwrap();
    db.set(b"bin\xff", [0u8, 0xff, b'\n']).unwrap();

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
    assert!(db.del("h").unwrap());
    assert!(!db.del("h").unwrap());
    assert!(!db.persist("l").unwrap(), "no TTL to remove");
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
    server.db(3).set("k", "three").unwrap();
    let mut con = server.connection();
    let none: Option<String> = con.get("k").unwrap();
    assert_eq!(none, None);
    run(&mut con, &["SELECT", "3"]);
    let v: String = con.get("k").unwrap();
    assert_eq!(v, "three");
    assert!(!server.db(0).exists("k"));

    server.db(0).set("k", "zero").unwrap();
    server.db(3).flush().unwrap();
    assert_eq!(server.db(3).dbsize(), 0);
    server.db(0).assert_string("k", "zero");
    server.db(5).set("k", "five").unwrap();
    server.flush_all().unwrap();
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
    server.db(1).set("k", "v").unwrap();
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
    db.set("k", "v").unwrap();
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
    db.set("k", "v").unwrap();
    assert_eq!(db.ttl("k"), Ttl::Persistent);
    assert_eq!(db.expire_at("k"), None);
    assert!(db.expire("k", Duration::from_millis(2500)).unwrap());
    assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(2500)));
    let pttl: i64 = con.pttl("k").unwrap();
    assert_eq!(pttl, 2500);
    clock.advance(Duration::from_millis(1000));
    assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(1500)));
    assert!(db.persist("k").unwrap());
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
    db.set("k", "v").unwrap();
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
    db.set("k", "v").unwrap();
    assert!(db.expire("k", Duration::ZERO).unwrap());
    db.assert_missing("k");
}
