//! The direct data API (`server.db(n)`), continued from tests/direct.rs:
//! typed errors for the wrong type and for arguments Redis refuses,
//! snapshots and how they print, and the assertion helpers with their
//! failure messages (checked message for message).

use std::time::Duration;

use redis::Commands;
use redsim::Server;
use redsim::direct::{DirectError, KeyType, Snapshot, Ttl, Value};
use support::{manual_server as manual, panic_message, secs};

// ----------------------------------------------------------------- errors

#[test]
fn the_wrong_type_is_a_typed_error_and_changes_nothing() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    db.set("name", "ann").unwrap();
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
    db.set("queue", "now a string").unwrap();
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
    db.set("k", "v").unwrap();
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
    db.set("count", "3").unwrap();
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
    db.flush().unwrap();
    assert_eq!(db.snapshot().to_string(), "(empty)\n");
}

#[test]
fn values_print_as_escaped_text_or_bytes_and_scores_short() {
    let server = Server::start().unwrap();
    let db = server.db(0);
    db.set(b"k\xff", b"\x00\xfe").unwrap();
    db.set("tab", "a\tb\"c").unwrap();
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
    db.set("plain", "p").unwrap();

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
    db.set("big", "é".repeat(200)).unwrap();
    let msg = panic_message(|| db.assert_missing("big"));
    assert_eq!(
        msg,
        format!(
            "redsim: db 0, key \"big\": expected no key, found string \"{}\"… (400 bytes) (no TTL)",
            "é".repeat(128)
        )
    );
}
