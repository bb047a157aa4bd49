//! DUMP and RESTORE without a real Redis: through the `redis` crate over
//! both transports, on the server clock (TTL, IDLETIME, FREQ), through the
//! direct API, every type round-tripping, and damaged payloads never
//! taking the server down. Byte-for-byte parity with Redis is in
//! `parity_dump.rs`.

use std::time::Duration;

use redis::{Commands, ConnectionLike};
use support::{manual_server, run_words, secs};

/// CRC-64 (Jones, reflected, as Redis's `crc64`).
fn crc64(data: &[u8]) -> u64 {
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x95AC_9329_AC4B_C9B5
            } else {
                crc >> 1
            };
        }
    }
    crc
}

fn dump(con: &mut impl ConnectionLike, key: &str) -> Option<Vec<u8>> {
    redis::cmd("DUMP").arg(key).query(con).unwrap()
}

fn restore(con: &mut impl ConnectionLike, key: &str, ttl: i64, payload: &[u8], extra: &[&str]) {
    let mut cmd = redis::cmd("RESTORE");
    cmd.arg(key).arg(ttl).arg(payload);
    for e in extra {
        cmd.arg(*e);
    }
    let () = cmd.query(con).unwrap();
}

#[test]
fn dump_and_restore_through_the_redis_crate_in_process_and_over_tcp() {
    let server = redsim::Server::start().unwrap();
    let mut local = server.connection();
    let mut tcp = server.client().get_connection().unwrap();
    let () = local.set("k", "hello").unwrap();
    let payload = dump(&mut local, "k").unwrap();
    assert_eq!(payload, b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a");
    assert_eq!(dump(&mut tcp, "k").unwrap(), payload);
    assert_eq!(dump(&mut local, "nosuch"), None);
    restore(&mut tcp, "copy", 0, &payload, &[]);
    assert_eq!(local.get::<_, String>("copy").unwrap(), "hello");
    // An existing key needs REPLACE; the error kind reaches the crate.
    let err = redis::cmd("RESTORE")
        .arg("copy")
        .arg(0)
        .arg(&payload)
        .query::<()>(&mut local)
        .unwrap_err();
    assert_eq!(err.code(), Some("BUSYKEY"));
    let err = redis::cmd("RESTORE")
        .arg("other")
        .arg(0)
        .arg(&b"junk"[..])
        .query::<()>(&mut local)
        .unwrap_err();
    assert_eq!(
        err.detail(),
        Some("DUMP payload version or checksum are wrong")
    );
}

#[test]
fn restore_ttls_count_on_the_server_clock() {
    let (clock, server) = manual_server();
    let mut con = server.connection();
    let () = con.set("k", "v").unwrap();
    let payload = dump(&mut con, "k").unwrap();
    restore(&mut con, "rel", 5000, &payload, &[]);
    // ABSTTL is an instant of the server clock.
    let at = 1_700_000_000_000i64 + 3000;
    restore(&mut con, "abs", at, &payload, &["ABSTTL"]);
    assert_eq!(con.pttl::<_, i64>("rel").unwrap(), 5000);
    clock.advance(Duration::from_millis(3000));
    assert_eq!(con.pttl::<_, i64>("abs").unwrap(), 0);
    clock.advance(Duration::from_millis(1));
    assert!(!con.exists::<_, bool>("abs").unwrap());
    clock.advance(Duration::from_millis(2000));
    assert!(!con.exists::<_, bool>("rel").unwrap());
    // A deadline already past creates nothing (and REPLACE deletes).
    let () = con.set("gone", "old").unwrap();
    restore(&mut con, "gone", at, &payload, &["ABSTTL", "REPLACE"]);
    assert!(!con.exists::<_, bool>("gone").unwrap());
}

#[test]
fn restore_idletime_and_freq_set_the_access_field_on_the_server_clock() {
    let (clock, server) = manual_server();
    let mut con = server.connection();
    let () = con.set("k", "v").unwrap();
    let payload = dump(&mut con, "k").unwrap();
    restore(&mut con, "idle", 0, &payload, &["IDLETIME", "100"]);
    let idle = |con: &mut redsim::LocalConnection, k: &str| -> i64 {
        redis::cmd("OBJECT")
            .arg("IDLETIME")
            .arg(k)
            .query(con)
            .unwrap()
    };
    assert_eq!(idle(&mut con, "idle"), 100);
    clock.advance(secs(25));
    assert_eq!(idle(&mut con, "idle"), 125);
    // FREQ is ignored under an LRU policy; IDLETIME under an LFU one.
    restore(&mut con, "f", 0, &payload, &["FREQ", "200"]);
    assert_eq!(idle(&mut con, "f"), 0);
    run_words(
        &mut con,
        &["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"],
    );
    restore(&mut con, "lfu", 0, &payload, &["FREQ", "200"]);
    restore(&mut con, "lfu2", 0, &payload, &["IDLETIME", "5"]);
    let freq = |con: &mut redsim::LocalConnection, k: &str| -> i64 {
        redis::cmd("OBJECT").arg("FREQ").arg(k).query(con).unwrap()
    };
    assert_eq!(freq(&mut con, "lfu"), 200);
    assert_eq!(freq(&mut con, "lfu2"), 5);
    // The counter decays by one per lfu-decay-time minute.
    clock.advance(secs(3 * 60));
    assert_eq!(freq(&mut con, "lfu"), 197);
}

#[test]
fn direct_dump_leaves_no_trace_and_direct_restore_seeds() {
    let (clock, server) = manual_server();
    let db = server.db(0);
    db.hset("h", [("a", "1"), ("b", "2")]).unwrap();
    clock.advance(secs(30));
    let payload = db.dump("h").unwrap();
    let mut con = server.connection();
    let idle: i64 = redis::cmd("OBJECT")
        .arg("IDLETIME")
        .arg("h")
        .query(&mut con)
        .unwrap();
    assert_eq!(idle, 30, "a direct dump does not touch the key");
    assert_eq!(dump(&mut con, "h").unwrap(), payload);
    db.restore("h2", &payload, Some(secs(10))).unwrap();
    db.assert_hash("h2", [("a", "1"), ("b", "2")]);
    db.restore("h2", &payload, None).unwrap();
    assert_eq!(db.ttl("h2"), redsim::direct::Ttl::Persistent);
    let err = db.restore("bad", b"nonsense", None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "ERR DUMP payload version or checksum are wrong"
    );
    assert_eq!(db.dump("nothing"), None);
}

/// Builds a random value of every type under `prefix` with commands.
fn seed_values(
    con: &mut impl ConnectionLike,
    rng: &mut fastrand::Rng,
    prefix: &str,
) -> Vec<String> {
    let mut keys = Vec::new();
    let word = |rng: &mut fastrand::Rng| -> String {
        match rng.u8(..4) {
            0 => rng.i64(..).to_string(),
            1 => rng.i32(-300..300).to_string(),
            2 => "x".repeat(rng.usize(0..200)),
            _ => (0..rng.usize(1..20)).map(|_| rng.alphanumeric()).collect(),
        }
    };
    for (kind, size) in [
        ("string", 1),
        ("list", 5),
        ("list", 3000),
        ("set", 5),
        ("set", 700),
        ("hash", 5),
        ("hash", 300),
        ("zset", 5),
        ("zset", 300),
        ("stream", 5),
        ("stream", 300),
    ] {
        let key = format!("{prefix}:{kind}:{size}");
        for i in 0..size {
            let w = word(rng);
            let words: Vec<String> = match kind {
                "string" => vec!["SET".into(), key.clone(), w],
                "list" => vec!["RPUSH".into(), key.clone(), w],
                "set" => vec!["SADD".into(), key.clone(), w],
                "hash" => vec!["HSET".into(), key.clone(), w, word(rng)],
                "zset" => vec!["ZADD".into(), key.clone(), rng.i32(-99..99).to_string(), w],
                _ => vec![
                    "XADD".into(),
                    key.clone(),
                    format!("{}-1", i + 1),
                    w,
                    word(rng),
                ],
            };
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            run_words(con, &words);
        }
        if kind == "stream" {
            run_words(con, &["XGROUP", "CREATE", &key, "g", "0"]);
            run_words(
                con,
                &[
                    "XREADGROUP",
                    "GROUP",
                    "g",
                    "c",
                    "COUNT",
                    "3",
                    "STREAMS",
                    &key,
                    ">",
                ],
            );
            run_words(con, &["XDEL", &key, "2-1"]);
        }
        keys.push(key);
    }
    keys
}

#[test]
fn every_type_round_trips_byte_for_byte() {
    let server = redsim::Server::start().unwrap();
    let mut con = server.connection();
    for seed in 1..=3 {
        let mut rng = fastrand::Rng::with_seed(seed);
        for key in seed_values(&mut con, &mut rng, &format!("s{seed}")) {
            let payload = dump(&mut con, &key).unwrap();
            let copy = format!("{key}:copy");
            restore(&mut con, &copy, 0, &payload, &[]);
            assert_eq!(dump(&mut con, &copy).unwrap(), payload, "{key}");
            let enc = |con: &mut redsim::LocalConnection, k: &str| -> String {
                redis::cmd("OBJECT")
                    .arg("ENCODING")
                    .arg(k)
                    .query(con)
                    .unwrap()
            };
            assert_eq!(enc(&mut con, &key), enc(&mut con, &copy), "{key}");
        }
    }
}

#[test]
fn damaged_payloads_never_take_the_server_down() {
    let server = redsim::Server::start().unwrap();
    let mut con = server.connection();
    let mut rng = fastrand::Rng::with_seed(99);
    let keys = seed_values(&mut con, &mut rng, "f");
    let payloads: Vec<Vec<u8>> = keys.iter().map(|k| dump(&mut con, k).unwrap()).collect();
    let (mut ok, mut refused) = (0, 0);
    for round in 0..4000 {
        let mut p = payloads[round % payloads.len()].clone();
        for _ in 0..rng.usize(1..4) {
            let body = p.len() - 10;
            if body == 0 {
                break;
            }
            match rng.u8(..3) {
                0 => {
                    let i = rng.usize(..body);
                    p[i] ^= 1 << rng.u8(..8);
                }
                1 => p[rng.usize(..body)] = rng.u8(..),
                _ => {
                    let cut = rng.usize(..body);
                    p.truncate(cut + 10);
                }
            }
        }
        // Repair the footer so that the value itself is read.
        let body = p.len() - 10;
        p.truncate(body);
        p.extend_from_slice(&10u16.to_le_bytes());
        let sum = crc64(&p);
        p.extend_from_slice(&sum.to_le_bytes());
        let reply: redis::RedisResult<()> = redis::cmd("RESTORE")
            .arg("fuzz")
            .arg(0)
            .arg(&p)
            .arg("REPLACE")
            .query(&mut con);
        match reply {
            Ok(()) => {
                ok += 1;
                // Whatever was accepted reads and dumps again.
                let again = dump(&mut con, "fuzz").unwrap();
                restore(&mut con, "fuzz2", 0, &again, &["REPLACE"]);
            }
            Err(e) => {
                assert_eq!(e.detail(), Some("Bad data format"), "round {round}");
                refused += 1;
            }
        }
    }
    assert!(
        ok > 100 && refused > 100,
        "{ok} accepted, {refused} refused"
    );
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}
