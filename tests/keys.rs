//! The generic key commands, black-box, where no real Redis is needed to
//! say what is right: on a [`ManualClock`], expiry to the millisecond, TTL
//! rounding, absolute deadlines, idle time and the LFU counter (time moves
//! only when a test says so; nothing sleeps); and the guarantees of
//! RANDOMKEY (reproducible from the seed) and SCAN (every key that stays
//! is returned, whatever comes and goes between calls). Reply-for-reply
//! parity with Redis is in `parity_keys.rs`.

use std::time::{Duration, Instant, UNIX_EPOCH};

use redsim::{ManualClock, Server};

/// A server on a manual clock that starts on a whole second.
fn manual() -> (ManualClock, Server) {
    let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let server = Server::builder()
        .clock(&clock)
        .start()
        .expect("start redsim");
    (clock, server)
}

fn int(con: &mut redsim::LocalConnection, args: &[&str]) -> i64 {
    let mut cmd = redis::cmd(args[0]);
    for a in &args[1..] {
        cmd.arg(*a);
    }
    cmd.query(con).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

fn get(con: &mut redsim::LocalConnection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query(con).expect("GET")
}

fn set(con: &mut redsim::LocalConnection, key: &str, value: &str) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .exec(con)
        .expect("SET");
}

#[test]
fn ttl_counts_down_with_the_clock_and_rounds_to_nearest_second() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["PEXPIRE", "k", "10500"]), 1);
    assert_eq!(int(&mut con, &["PTTL", "k"]), 10_500);
    // (10500 + 500) / 1000: half a second rounds up.
    assert_eq!(int(&mut con, &["TTL", "k"]), 11);
    clock.advance(Duration::from_millis(1));
    assert_eq!(int(&mut con, &["PTTL", "k"]), 10_499);
    assert_eq!(int(&mut con, &["TTL", "k"]), 10);
    clock.advance(Duration::from_millis(9_999));
    assert_eq!(int(&mut con, &["PTTL", "k"]), 500);
    assert_eq!(int(&mut con, &["TTL", "k"]), 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(int(&mut con, &["TTL", "k"]), 0);
    assert_eq!(int(&mut con, &["PTTL", "k"]), 499);
}

#[test]
fn a_key_lives_through_its_deadline_millisecond_and_is_gone_the_next() {
    // Redis's rule is `now > when`: at the deadline itself the key is
    // still there, with a PTTL of 0.
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["EXPIRE", "k", "2"]), 1);
    clock.advance(Duration::from_millis(1_999));
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    assert_eq!(int(&mut con, &["PTTL", "k"]), 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    assert_eq!(int(&mut con, &["PTTL", "k"]), 0);
    assert_eq!(int(&mut con, &["EXISTS", "k"]), 1);
    clock.advance(Duration::from_millis(1));
    assert_eq!(get(&mut con, "k"), None);
    assert_eq!(int(&mut con, &["TTL", "k"]), -2);
    assert_eq!(int(&mut con, &["EXISTS", "k"]), 0);
    assert_eq!(int(&mut con, &["DBSIZE"]), 0);
}

#[test]
fn expiry_is_purged_when_the_clock_moves_without_any_access() {
    let (clock, server) = manual();
    let mut con = server.connection();
    for i in 0..100 {
        set(&mut con, &format!("k{i}"), "v");
        int(
            &mut con,
            &["PEXPIRE", &format!("k{i}"), &(1_000 + i * 10).to_string()],
        );
    }
    set(&mut con, "forever", "v");
    clock.advance(Duration::from_millis(1_495));
    assert_eq!(int(&mut con, &["DBSIZE"]), 51);
    let keys: Vec<String> = redis::cmd("KEYS").arg("k*").query(&mut con).unwrap();
    assert_eq!(keys.len(), 50);
    clock.advance(Duration::from_secs(1));
    assert_eq!(int(&mut con, &["DBSIZE"]), 1);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut con).unwrap();
    assert_eq!(keys, ["forever"]);
}

#[test]
fn expireat_uses_absolute_server_clock_times() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["EXPIREAT", "k", "1700000010"]), 1);
    assert_eq!(int(&mut con, &["TTL", "k"]), 10);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 1_700_000_010);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "k"]), 1_700_000_010_000);
    assert_eq!(int(&mut con, &["PEXPIREAT", "k", "1700000000250"]), 1);
    assert_eq!(int(&mut con, &["PTTL", "k"]), 250);
    // EXPIRETIME rounds the deadline to the nearest second too.
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 1_700_000_000);
    assert_eq!(int(&mut con, &["PEXPIREAT", "k", "1700000000500"]), 1);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 1_700_000_001);

    // Moving the clock moves nothing stored: the deadline is absolute.
    clock.set(UNIX_EPOCH + Duration::from_millis(1_700_000_000_400));
    assert_eq!(int(&mut con, &["PTTL", "k"]), 100);
    assert_eq!(int(&mut con, &["PEXPIRETIME", "k"]), 1_700_000_000_500);

    // A deadline equal to now is already reached: the key is deleted, reply 1.
    assert_eq!(int(&mut con, &["PEXPIREAT", "k", "1700000000400"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "k"]), 0);
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["EXPIREAT", "k", "1699999999"]), 1);
    assert_eq!(get(&mut con, "k"), None);
}

#[test]
fn a_clock_set_back_revives_nothing_and_a_clock_set_forward_expires() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    int(&mut con, &["EXPIRE", "k", "60"]);
    clock.set(UNIX_EPOCH + Duration::from_secs(1_600_000_000));
    // Further from the deadline than when it was set.
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), 1_700_000_060);
    assert!(int(&mut con, &["TTL", "k"]) > 60);
    // At the deadline itself the key still lives; a millisecond later not.
    clock.set(UNIX_EPOCH + Duration::from_secs(1_700_000_060));
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    clock.set(UNIX_EPOCH + Duration::from_millis(1_700_000_060_001));
    assert_eq!(get(&mut con, "k"), None);
}

#[test]
fn persist_keeps_the_key_past_its_old_deadline() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["PERSIST", "k"]), 0);
    int(&mut con, &["EXPIRE", "k", "10"]);
    clock.advance(Duration::from_secs(5));
    assert_eq!(int(&mut con, &["PERSIST", "k"]), 1);
    assert_eq!(int(&mut con, &["TTL", "k"]), -1);
    assert_eq!(int(&mut con, &["EXPIRETIME", "k"]), -1);
    clock.advance(Duration::from_secs(3600));
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
    assert_eq!(int(&mut con, &["PERSIST", "nosuch"]), 0);
}

#[test]
fn gt_and_lt_compare_with_the_current_deadline() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    int(&mut con, &["EXPIRE", "k", "100"]);
    clock.advance(Duration::from_secs(50));
    // 60 s from now is later than the deadline 50 s from now.
    assert_eq!(int(&mut con, &["EXPIRE", "k", "60", "GT"]), 1);
    assert_eq!(int(&mut con, &["TTL", "k"]), 60);
    assert_eq!(int(&mut con, &["EXPIRE", "k", "60", "GT"]), 0);
    assert_eq!(int(&mut con, &["PEXPIRE", "k", "59999", "LT"]), 1);
    assert_eq!(int(&mut con, &["PTTL", "k"]), 59_999);
    assert_eq!(int(&mut con, &["EXPIRE", "k", "-1", "LT"]), 1);
    assert_eq!(int(&mut con, &["EXISTS", "k"]), 0);
}

#[test]
fn rename_move_and_copy_keep_the_deadline() {
    let (clock, server) = manual();
    let mut con = server.connection();
    for k in ["r", "m", "c"] {
        set(&mut con, k, "v");
        int(&mut con, &["PEXPIRE", k, "1000"]);
    }
    assert_eq!(
        redis::cmd("RENAME")
            .arg("r")
            .arg("r2")
            .query::<String>(&mut con)
            .unwrap(),
        "OK"
    );
    assert_eq!(int(&mut con, &["MOVE", "m", "3"]), 1);
    assert_eq!(int(&mut con, &["COPY", "c", "c2"]), 1);
    assert_eq!(int(&mut con, &["COPY", "c", "c3", "DB", "4"]), 1);
    assert_eq!(int(&mut con, &["PTTL", "r2"]), 1_000);
    assert_eq!(int(&mut con, &["PTTL", "c2"]), 1_000);
    clock.advance(Duration::from_millis(999));
    assert_eq!(int(&mut con, &["EXISTS", "r2", "c", "c2"]), 3);
    let mut db3 = server.connection();
    redis::cmd("SELECT").arg(3).exec(&mut db3).unwrap();
    assert_eq!(int(&mut db3, &["PTTL", "m"]), 1);
    clock.advance(Duration::from_millis(2));
    assert_eq!(int(&mut con, &["EXISTS", "r2", "c", "c2"]), 0);
    assert_eq!(int(&mut db3, &["EXISTS", "m"]), 0);
    redis::cmd("SELECT").arg(4).exec(&mut db3).unwrap();
    assert_eq!(int(&mut db3, &["EXISTS", "c3"]), 0);
    assert_eq!(int(&mut con, &["DBSIZE"]), 0);
}

#[test]
fn swapdb_moves_keys_and_deadlines_for_other_connections() {
    let (clock, server) = manual();
    let mut con = server.connection();
    let mut other = server.connection();
    redis::cmd("SELECT").arg(1).exec(&mut other).unwrap();
    set(&mut con, "a", "in-zero");
    int(&mut con, &["EXPIRE", "a", "10"]);
    set(&mut other, "b", "in-one");
    assert_eq!(
        redis::cmd("SWAPDB")
            .arg(0)
            .arg(1)
            .query::<String>(&mut con)
            .unwrap(),
        "OK"
    );
    assert_eq!(get(&mut other, "a").as_deref(), Some("in-zero"));
    assert_eq!(get(&mut con, "b").as_deref(), Some("in-one"));
    assert_eq!(get(&mut con, "a"), None);
    clock.advance(Duration::from_millis(10_001));
    assert_eq!(get(&mut other, "a"), None);
}

#[test]
fn nothing_sleeps_a_year_passes_in_an_instant() {
    let (clock, server) = manual();
    let mut con = server.connection();
    for i in 0..1_000 {
        set(&mut con, &format!("k{i}"), "v");
        int(
            &mut con,
            &[
                "EXPIRE",
                &format!("k{i}"),
                &(86_400 * (1 + i % 365)).to_string(),
            ],
        );
    }
    let started = Instant::now();
    for _ in 0..365 {
        clock.advance(Duration::from_secs(86_400));
    }
    // The last keys sit exactly at their deadline: one more millisecond.
    assert_eq!(int(&mut con, &["DBSIZE"]), 2);
    clock.advance(Duration::from_millis(1));
    assert_eq!(int(&mut con, &["DBSIZE"]), 0);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn idletime_follows_the_clock_and_only_real_accesses_reset_it() {
    let (clock, server) = manual();
    let mut con = server.connection();
    set(&mut con, "k", "v");
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "k"]), 0);
    clock.advance(Duration::from_secs(100));
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "k"]), 100);
    // Lookups that do not touch: TYPE, EXISTS, TTL, OBJECT itself.
    redis::cmd("TYPE").arg("k").exec(&mut con).unwrap();
    int(&mut con, &["EXISTS", "k"]);
    int(&mut con, &["TTL", "k"]);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "k"]), 100);
    get(&mut con, "k");
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "k"]), 0);
    clock.advance(Duration::from_secs(7));
    assert_eq!(int(&mut con, &["TOUCH", "k", "nosuch"]), 1);
    assert_eq!(int(&mut con, &["OBJECT", "IDLETIME", "k"]), 0);
}

#[test]
fn freq_counts_accesses_and_decays_by_the_minute_under_lfu() {
    let (clock, server) = manual();
    let mut con = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("allkeys-lfu")
        .exec(&mut con)
        .unwrap();
    set(&mut con, "k", "hello");
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "k"]), 5);
    get(&mut con, "k");
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "k"]), 6);
    for _ in 0..1_000 {
        get(&mut con, "k");
    }
    let hot = int(&mut con, &["OBJECT", "FREQ", "k"]);
    assert!((10..=30).contains(&hot), "{hot}");
    // One point lost per minute without access (lfu-decay-time 1).
    clock.advance(Duration::from_secs(3 * 60));
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "k"]), hot - 3);
    clock.advance(Duration::from_secs(3_600));
    assert_eq!(int(&mut con, &["OBJECT", "FREQ", "k"]), 0);
}

#[test]
fn randomkey_is_reproducible_from_the_seed_and_skips_nothing_alive() {
    let run = |seed: u64| -> Vec<String> {
        let server = Server::builder().seed(seed).listen(false).start().unwrap();
        let mut con = server.connection();
        for i in 0..50 {
            set(&mut con, &format!("k{i}"), "v");
        }
        (0..20)
            .map(|_| redis::cmd("RANDOMKEY").query(&mut con).unwrap())
            .collect()
    };
    assert_eq!(run(7), run(7));
    let seen: std::collections::HashSet<String> = run(7).into_iter().collect();
    assert!(seen.len() > 5, "{seen:?}");

    let (clock, server) = manual();
    let mut con = server.connection();
    for i in 0..10 {
        set(&mut con, &format!("gone{i}"), "v");
        int(&mut con, &["EXPIRE", &format!("gone{i}"), "1"]);
    }
    set(&mut con, "alive", "v");
    clock.advance(Duration::from_millis(1_001));
    for _ in 0..20 {
        let k: Option<String> = redis::cmd("RANDOMKEY").query(&mut con).unwrap();
        assert_eq!(k.as_deref(), Some("alive"));
    }
    int(&mut con, &["DEL", "alive"]);
    let k: Option<String> = redis::cmd("RANDOMKEY").query(&mut con).unwrap();
    assert_eq!(k, None);
}

#[test]
fn scan_sees_every_key_that_stays_while_others_come_and_go() {
    let server = Server::builder().listen(false).start().unwrap();
    let mut con = server.connection();
    for i in 0..1_000 {
        set(&mut con, &format!("stay:{i}"), "v");
        set(&mut con, &format!("go:{i}"), "v");
    }
    let mut seen = std::collections::HashSet::new();
    let mut cursor: u64 = 0;
    let mut step = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("COUNT")
            .arg(17)
            .query(&mut con)
            .unwrap();
        seen.extend(keys);
        // Between calls: delete some of the keys that go, add new ones.
        for j in 0..5 {
            int(
                &mut con,
                &["DEL", &format!("go:{}", (step * 37 + j * 101) % 1_000)],
            );
            set(&mut con, &format!("new:{step}:{j}"), "v");
        }
        step += 1;
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    for i in 0..1_000 {
        assert!(
            seen.contains(&format!("stay:{i}")),
            "stay:{i} was never returned"
        );
    }
}

#[test]
fn scan_over_tcp_with_match_and_type() {
    let server = Server::start().unwrap();
    let mut con = server.client().get_connection().unwrap();
    for i in 0..30 {
        redis::cmd("SET")
            .arg(format!("a:{i}"))
            .arg(i)
            .exec(&mut con)
            .unwrap();
        redis::cmd("SET")
            .arg(format!("b:{i}"))
            .arg(i)
            .exec(&mut con)
            .unwrap();
    }
    let mut cursor: u64 = 0;
    let mut found = Vec::new();
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg("a:*")
            .arg("TYPE")
            .arg("string")
            .query(&mut con)
            .unwrap();
        found.extend(keys);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    found.sort();
    let mut expected: Vec<String> = (0..30).map(|i| format!("a:{i}")).collect();
    expected.sort();
    assert_eq!(found, expected);
    let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
        .arg(0)
        .arg("TYPE")
        .arg("hash")
        .arg("COUNT")
        .arg(1000)
        .query(&mut con)
        .unwrap();
    assert_eq!((next, keys), (0, vec![]));
}
