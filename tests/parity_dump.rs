//! Parity with real Redis 7.0: DUMP and RESTORE.
//!
//! Values of every type and size are built by the same commands on redsim
//! and on a real `redis-server`, and then:
//!
//! * their DUMP payloads are compared byte for byte wherever Redis's
//!   encoding is deterministic (strings, LZF included; intsets; listpack
//!   hashes and sorted sets; skiplist sorted sets; lists split as RPUSH
//!   splits them; streams without consumers). Hashtable sets and hashes
//!   come in each server's own hash order, so only their contents are
//!   compared;
//! * each server's payload is restored on *both* servers, and the restored
//!   keys are compared (contents, encoding, DUMP again);
//! * streams with consumers carry delivery and seen times from each
//!   server's clock, so there Redis's payload must survive a RESTORE and
//!   DUMP through redsim unchanged, byte for byte.
//!
//! Payloads in the encodings older Redis versions wrote (zipmaps,
//! ziplists, quicklists of ziplists, text-score sorted sets, version-1
//! streams) are built here by hand and restored on both servers. Damaged
//! payloads (bytes flipped, cut, with and without a repaired checksum) get
//! the same answer from both, with Redis deep-checking payloads
//! (`sanitize-dump-payload yes`, where Redis never keeps a payload it
//! could crash on later; redsim always checks that deeply).

use support::mask::{Frame, parse};
use support::{Parity, parity, show};

// ---------------------------------------------------------------- helpers

/// The bytes of a bulk reply.
fn bulk(reply: &[u8]) -> Option<Vec<u8>> {
    match parse(reply).0 {
        Frame::Blob(_, b) => b,
        _ => None,
    }
}

/// CRC-64 (Jones, reflected, as Redis's `crc64`).
fn crc64(data: &[u8]) -> u64 {
    const POLY: u64 = 0x95AC_9329_AC4B_C9B5;
    let mut crc = 0u64;
    for &b in data {
        crc ^= u64::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
        }
    }
    crc
}

/// A payload of `body`: RDB version 10 and the CRC-64.
fn seal(mut body: Vec<u8>) -> Vec<u8> {
    body.extend_from_slice(&10u16.to_le_bytes());
    let crc = crc64(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

/// `payload` with its checksum recomputed over its (changed) body.
fn reseal(payload: &[u8]) -> Vec<u8> {
    let body = payload.len().saturating_sub(10);
    seal(payload[..body].to_vec())
}

/// Sends `args` to both servers and asserts the same reply.
#[track_caller]
fn run(p: &mut Parity, args: &[&[u8]]) -> Vec<u8> {
    p.run_args(args)
}

/// The pairs of a flat HGETALL-like reply, sorted.
fn sorted_pairs(reply: &[u8]) -> Vec<(Frame, Frame)> {
    let Frame::Agg(_, Some(items)) = parse(reply).0 else {
        return Vec::new();
    };
    let mut pairs: Vec<(Frame, Frame)> = items
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    pairs.sort_by_key(|(a, b)| format!("{a:?}{b:?}"));
    pairs
}

/// Compares what `key` holds on both servers: type, encoding and every
/// element (in order where the encoding orders them).
#[track_caller]
fn same_content(p: &mut Parity, key: &str) {
    let k = key.as_bytes();
    let kind = run(p, &[b"TYPE", k]);
    let encoding = run(p, &[b"OBJECT", b"ENCODING", k]);
    let hashtable = encoding.ends_with(b"hashtable\r\n");
    match &kind[..] {
        b"+string\r\n" => {
            run(p, &[b"GET", k]);
        }
        b"+list\r\n" => {
            run(p, &[b"LRANGE", k, b"0", b"-1"]);
        }
        b"+set\r\n" => {
            p.run_sorted(&format!("SMEMBERS {key}"));
        }
        b"+zset\r\n" => {
            run(p, &[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"]);
        }
        b"+hash\r\n" if hashtable => {
            let (sim, real) = p.pair.both_args(&[b"HGETALL", k]);
            assert_eq!(sorted_pairs(&sim), sorted_pairs(&real), "HGETALL {key}");
        }
        b"+hash\r\n" => {
            run(p, &[b"HGETALL", k]);
        }
        b"+stream\r\n" => {
            run(p, &[b"XINFO", b"STREAM", k, b"FULL", b"COUNT", b"0"]);
        }
        other => panic!("{key}: unexpected type {}", show(other)),
    }
}

/// The payloads of `key` on (redsim, Redis), asserted equal when `exact`.
#[track_caller]
fn dumps(p: &mut Parity, key: &str, exact: bool) -> (Vec<u8>, Vec<u8>) {
    let (sim, real) = p.pair.both_args(&[b"DUMP", key.as_bytes()]);
    if exact {
        assert!(
            sim == real,
            "DUMP {key} differs\n  redsim: {}\n  redis:  {}",
            show(&sim),
            show(&real)
        );
    }
    (
        bulk(&sim).expect("redsim's DUMP"),
        bulk(&real).expect("Redis's DUMP"),
    )
}

/// The whole check of one key: DUMP compared (when `exact`), both
/// payloads restored on both servers and compared there, and the restored
/// values equal to the original.
#[track_caller]
fn check(p: &mut Parity, key: &str, exact: bool) {
    same_content(p, key);
    let (sim, real) = dumps(p, key, exact);
    for (name, payload) in [("from:redis", &real), ("from:redsim", &sim)] {
        let ok = run(p, &[b"RESTORE", name.as_bytes(), b"0", payload, b"REPLACE"]);
        assert_eq!(ok, b"+OK\r\n", "RESTORE {name} of {key}");
        same_content(p, name);
        dumps(p, name, exact);
    }
    // The restored value is the original one, on each server.
    for restored in ["from:redis", "from:redsim"] {
        let hashtable =
            run(p, &[b"OBJECT", b"ENCODING", key.as_bytes()]).ends_with(b"hashtable\r\n");
        let read = |c: &mut support::RawClient, k: &str| -> Vec<u8> {
            let t = c.call(&[b"TYPE", k.as_bytes()]);
            let k = k.as_bytes();
            match &t[..] {
                b"+string\r\n" => c.call(&[b"GET", k]),
                b"+list\r\n" => c.call(&[b"LRANGE", k, b"0", b"-1"]),
                b"+set\r\n" => support::sorted(&c.call(&[b"SMEMBERS", k]), false),
                b"+zset\r\n" => c.call(&[b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"]),
                b"+hash\r\n" if hashtable => {
                    format!("{:?}", sorted_pairs(&c.call(&[b"HGETALL", k]))).into_bytes()
                }
                b"+hash\r\n" => c.call(&[b"HGETALL", k]),
                _ => c.call(&[b"XRANGE", k, b"-", b"+"]),
            }
        };
        for c in [&mut p.pair.sim, &mut p.pair.real] {
            let original = read(c, key);
            let copy = read(c, restored);
            assert!(
                original == copy,
                "{restored} differs from {key}\n  {}\n  {}",
                show(&original),
                show(&copy)
            );
        }
    }
}

/// A random element: integers of every width, short and long text,
/// binary bytes, and long runs LZF compresses.
fn element(rng: &mut fastrand::Rng) -> Vec<u8> {
    match rng.u8(0..12) {
        0 => rng.i64(-200..200).to_string().into_bytes(),
        1 => rng.i64(-40_000..40_000).to_string().into_bytes(),
        2 => rng
            .i64(i64::from(i32::MIN)..=i64::from(i32::MAX))
            .to_string()
            .into_bytes(),
        3 => rng.i64(..).to_string().into_bytes(),
        4 => (0..rng.usize(0..12))
            .map(|_| rng.alphanumeric() as u8)
            .collect(),
        5 => (0..rng.usize(0..40)).map(|_| rng.u8(..)).collect(),
        6 => (0..rng.usize(60..300))
            .map(|_| rng.alphanumeric() as u8)
            .collect(),
        7 => b"abc".repeat(rng.usize(7..400)),
        8 => format!("0{}", rng.u32(..)).into_bytes(),
        9 => (0..rng.usize(4090..4200))
            .map(|_| rng.u8(b'a'..b'e'))
            .collect(),
        10 => format!("field:{}", rng.u32(..1000)).into_bytes(),
        _ => vec![b'x'; rng.usize(0..70)],
    }
}

/// `n` distinct random elements.
fn distinct(rng: &mut fastrand::Rng, n: usize) -> Vec<Vec<u8>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while out.len() < n {
        let e = element(rng);
        if seen.insert(e.clone()) {
            out.push(e);
        }
    }
    out
}

/// Runs `cmd` `key` `items…` on both servers in chunks.
fn push_all(p: &mut Parity, cmd: &[u8], key: &str, items: &[Vec<u8>], chunk: usize) {
    for part in items.chunks(chunk.max(1)) {
        let mut args: Vec<&[u8]> = vec![cmd, key.as_bytes()];
        args.extend(part.iter().map(Vec::as_slice));
        run(p, &args);
    }
}

/// The random seeds each randomized case runs: four at full scale
/// (`REDSIM_FULL_TESTS=1`, as CI sets it), one in a plain `cargo test`.
fn seeds() -> &'static [u64] {
    if support::full_scale() {
        &[1, 2, 3, 4]
    } else {
        &[1]
    }
}

// ------------------------------------------------------------------ types

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn strings_dump_byte_for_byte() {
    let mut p = parity!();
    let fixed: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"0".to_vec(),
        b"-1".to_vec(),
        b"127".to_vec(),
        b"-128".to_vec(),
        b"128".to_vec(),
        b"32767".to_vec(),
        b"-32769".to_vec(),
        b"2147483647".to_vec(),
        b"-2147483648".to_vec(),
        b"2147483648".to_vec(),
        b"9223372036854775807".to_vec(),
        b"-9223372036854775808".to_vec(),
        b"9223372036854775808".to_vec(),
        b"00012".to_vec(),
        b"12345678901".to_vec(),
        b"1.5".to_vec(),
        vec![b'a'; 20],
        vec![b'a'; 21],
        vec![b'a'; 30],
        b"abcdabcdabcdabcdabcdabcdabcd".to_vec(),
        b"hello world hello world hello world".to_vec(),
        (0..=255u8).collect(),
        vec![b'z'; 100_000],
    ];
    for (i, v) in fixed.iter().enumerate() {
        let key = format!("s{i}");
        run(&mut p, &[b"SET", key.as_bytes(), v]);
        check(&mut p, &key, true);
    }
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for i in 0..60 {
            let key = format!("r{seed}:{i}");
            let v = element(&mut rng);
            run(&mut p, &[b"SET", key.as_bytes(), &v]);
            check(&mut p, &key, true);
        }
    }
    // Strings changed in place (raw), INCRBYFLOAT's (never int), and
    // rdbcompression off.
    p.run_all(&[
        "SETRANGE sr 0 7",
        "APPEND ap 12",
        "APPEND ap 34",
        "SET f 10.5",
        "INCRBYFLOAT f 1.5",
        "SET big 123456789012",
        "INCR big",
    ]);
    for key in ["sr", "ap", "f", "big"] {
        check(&mut p, key, true);
    }
    p.run("CONFIG SET rdbcompression no");
    run(&mut p, &[b"SET", b"plain", &vec![b'q'; 500]]);
    check(&mut p, "plain", true);
    check(&mut p, "s20", true);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lists_dump_as_quicklists() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for (i, n) in [1, 2, 10, 100, 600, 3000].into_iter().enumerate() {
            let key = format!("l{seed}:{i}");
            let items: Vec<Vec<u8>> = (0..n).map(|_| element(&mut rng)).collect();
            let chunk = rng.usize(1..50);
            push_all(&mut p, b"RPUSH", &key, &items, chunk);
            check(&mut p, &key, true);
        }
        // Built from the head: one node, so the split cannot differ.
        let key = format!("head{seed}");
        let items: Vec<Vec<u8>> = (0..30).map(|_| element(&mut rng)).collect();
        push_all(&mut p, b"LPUSH", &key, &items, 3);
        let one_node = items.iter().map(Vec::len).sum::<usize>() < 7000;
        check(&mut p, &key, one_node);
        // Changed in the middle: the split is Redis's history, not ours.
        p.run(&format!("LSET {key} 1 changed"));
        p.run(&format!("LINSERT {key} BEFORE changed inserted"));
        p.run(&format!("LREM {key} 0 changed"));
        check(&mut p, &key, one_node);
    }
    // Other node limits, and compression of the inner nodes.
    for (fill, depth) in [
        ("-1", "0"),
        ("-5", "0"),
        ("5", "0"),
        ("0", "0"),
        ("-2", "1"),
        ("-1", "2"),
    ] {
        p.run(&format!("CONFIG SET list-max-listpack-size {fill}"));
        p.run(&format!("CONFIG SET list-compress-depth {depth}"));
        let mut rng = fastrand::Rng::with_seed(9);
        let key = format!("cfg{fill}:{depth}");
        let items: Vec<Vec<u8>> = (0..2000).map(|_| element(&mut rng)).collect();
        push_all(&mut p, b"RPUSH", &key, &items, 1);
        check(&mut p, &key, true);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sets_dump_as_intsets_or_members() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for (i, (n, width)) in [
            (1, 100),
            (20, 30_000),
            (50, 1 << 31),
            (400, 1 << 62),
            (600, 5),
        ]
        .into_iter()
        .enumerate()
        {
            let key = format!("is{seed}:{i}");
            let members: Vec<Vec<u8>> = (0..n)
                .map(|_| rng.i64(-width..width).to_string().into_bytes())
                .collect();
            push_all(&mut p, b"SADD", &key, &members, 7);
            let intset = p
                .run(&format!("OBJECT ENCODING {key}"))
                .ends_with(b"intset\r\n");
            check(&mut p, &key, intset);
        }
        let key = format!("hs{seed}");
        let members = distinct(&mut rng, 200);
        push_all(&mut p, b"SADD", &key, &members, 11);
        check(&mut p, &key, false);
    }
    // An intset keeps the width of a member that is gone.
    p.run_all(&["SADD w 1 2 3 100000", "SREM w 100000", "SADD w2 1 2 3"]);
    check(&mut p, "w", true);
    check(&mut p, "w2", true);
    p.run_all(&["SADD w3 1 5000000000", "SREM w3 5000000000"]);
    p.run_all(&["SADD w4 1 2", "SMOVE w4 w5 1", "SINTERSTORE w6 w4 w4"]);
    for key in ["w3", "w5", "w6"] {
        check(&mut p, key, true);
    }
    // A small limit: a restored intset past it becomes a hashtable.
    p.run("SADD many 1 2 3 4 5 6");
    let (_, payload) = dumps(&mut p, "many", true);
    p.run("CONFIG SET set-max-intset-entries 4");
    run(&mut p, &[b"RESTORE", b"many2", b"0", &payload]);
    p.run("OBJECT ENCODING many2");
    p.run_sorted("SMEMBERS many2");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn hashes_dump_as_listpacks_or_pairs() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for (i, n) in [1, 5, 60, 128, 129, 400].into_iter().enumerate() {
            let key = format!("h{seed}:{i}");
            let fields = distinct(&mut rng, n);
            let mut pairs = Vec::new();
            for f in fields {
                let short = f.len() <= 64;
                pairs.push(f);
                let v = element(&mut rng);
                // Mostly short values, so that listpacks stay listpacks.
                pairs.push(if short && rng.u8(..10) > 0 {
                    v.into_iter().take(60).collect()
                } else {
                    v
                });
            }
            for part in pairs.chunks(2 * rng.usize(1..8)) {
                let mut args: Vec<&[u8]> = vec![b"HSET", key.as_bytes()];
                args.extend(part.iter().map(Vec::as_slice));
                run(&mut p, &args);
            }
            let listpack = p
                .run(&format!("OBJECT ENCODING {key}"))
                .ends_with(b"listpack\r\n");
            if listpack && n > 3 {
                // Deletions and updates keep a listpack's order.
                p.run(&format!("HDEL {key} field:1 field:2"));
                let all = p.run(&format!("HGETALL {key}"));
                let Frame::Agg(_, Some(items)) = parse(&all).0 else {
                    panic!("HGETALL {key}");
                };
                let Some(Frame::Blob(_, Some(first))) = items.into_iter().next() else {
                    panic!("HGETALL {key}");
                };
                run(&mut p, &[b"HSET", key.as_bytes(), &first, b"updated"]);
            }
            check(&mut p, &key, listpack);
        }
    }
    // Smaller limits when restoring: a listpack payload with too many
    // fields becomes a hashtable, a long value alone does not.
    p.run("HSET small a 1 b 2 c 3 long xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    let (_, payload) = dumps(&mut p, "small", true);
    p.run("CONFIG SET hash-max-listpack-value 8");
    run(&mut p, &[b"RESTORE", b"small2", b"0", &payload]);
    p.run("OBJECT ENCODING small2");
    p.run("CONFIG SET hash-max-listpack-entries 3");
    run(&mut p, &[b"RESTORE", b"small3", b"0", &payload]);
    p.run("OBJECT ENCODING small3");
}

/// A random score: integers, fractions, huge, tiny, infinite, zero.
fn score(rng: &mut fastrand::Rng) -> String {
    match rng.u8(0..9) {
        0 => rng.i64(-1000..1000).to_string(),
        1 => format!("{}", rng.f64() * 100.0 - 50.0),
        2 => format!("{:e}", rng.f64() * 1e300),
        3 => format!("{:e}", rng.f64() * 1e-300),
        4 => "inf".into(),
        5 => "-inf".into(),
        6 => "-0".into(),
        7 => rng.i64(..).to_string(),
        _ => format!("{}", (rng.f64() * 1e18).floor() + 0.5),
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sorted_sets_dump_as_listpacks_or_skiplists() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for (i, n) in [1, 7, 128, 129, 500].into_iter().enumerate() {
            let key = format!("z{seed}:{i}");
            let members = distinct(&mut rng, n);
            for part in members.chunks(rng.usize(1..10)) {
                let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), key.clone().into_bytes()];
                for m in part {
                    args.push(score(&mut rng).into_bytes());
                    args.push(m.iter().copied().take(100).collect());
                }
                let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                run(&mut p, &args);
            }
            check(&mut p, &key, true);
        }
    }
    // -0 survives in a skiplist, becomes 0 in a listpack.
    p.run("CONFIG SET zset-max-listpack-entries 1");
    p.run_all(&["ZADD neg -0 a -0 b", "ZINCRBY neg 0 a"]);
    check(&mut p, "neg", true);
    p.run("CONFIG SET zset-max-listpack-entries 128");
    let (_, payload) = dumps(&mut p, "neg", true);
    run(&mut p, &[b"RESTORE", b"neg2", b"0", &payload]);
    p.run("OBJECT ENCODING neg2");
    p.run("ZRANGE neg2 0 -1 WITHSCORES");
    // A long member keeps a restored listpack a listpack, too many make it
    // a skiplist.
    p.run("ZADD zl 1 a 2 b 3 cccccccccccccccccccccccccccccc");
    let (_, payload) = dumps(&mut p, "zl", true);
    p.run("CONFIG SET zset-max-listpack-value 4");
    run(&mut p, &[b"RESTORE", b"zl2", b"0", &payload]);
    p.run("OBJECT ENCODING zl2");
    p.run("CONFIG SET zset-max-listpack-entries 2");
    run(&mut p, &[b"RESTORE", b"zl3", b"0", &payload]);
    p.run("OBJECT ENCODING zl3");
}

/// Builds a stream on both servers from random XADDs (explicit IDs),
/// deletions and trims.
fn build_stream(p: &mut Parity, rng: &mut fastrand::Rng, key: &str, n: usize) {
    let mut ms = rng.u64(1..1_000_000);
    let field_sets: [&[&str]; 3] = [&["a", "b"], &["name", "age", "city"], &["x"]];
    for _ in 0..n {
        ms += rng.u64(0..3);
        let id = format!("{ms}-*");
        let mut args: Vec<Vec<u8>> =
            vec![b"XADD".to_vec(), key.as_bytes().to_vec(), id.into_bytes()];
        let fields = field_sets[rng.usize(..field_sets.len())];
        for f in fields {
            args.push(f.as_bytes().to_vec());
            args.push(element(rng).into_iter().take(200).collect());
        }
        if rng.u8(..10) == 0 {
            args.push(b"extra".to_vec());
            args.push(b"1".to_vec());
        }
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        p.pair.both_args(&args);
        match rng.u8(..20) {
            0 => {
                let r = p.run(&format!("XRANGE {key} - + COUNT 5"));
                if let Frame::Agg(_, Some(entries)) = parse(&r).0
                    && let Some(Frame::Agg(_, Some(e))) =
                        entries.get(rng.usize(..entries.len().max(1)))
                    && let Some(Frame::Blob(_, Some(id))) = e.first()
                {
                    run(p, &[b"XDEL", key.as_bytes(), id]);
                }
            }
            1 => {
                let keep = rng.usize(1..n.max(2));
                p.run(&format!("XTRIM {key} MAXLEN ~ {keep}"));
            }
            2 => {
                let keep = rng.usize(1..n.max(2));
                p.run(&format!("XTRIM {key} MAXLEN {keep}"));
            }
            _ => {}
        }
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn streams_dump_with_nodes_and_groups() {
    let mut p = parity!();
    p.run("CONFIG SET stream-node-max-entries 10");
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for (i, n) in [1, 8, 60, 300].into_iter().enumerate() {
            let key = format!("x{seed}:{i}");
            build_stream(&mut p, &mut rng, &key, n);
            // Groups without consumers: no clock in the payload.
            p.run(&format!("XGROUP CREATE {key} g1 0"));
            p.run(&format!("XGROUP CREATE {key} g2 $ ENTRIESREAD 3"));
            check(&mut p, &key, true);
        }
    }
    // Empty streams, with and without groups.
    p.run_all(&[
        "XADD e 5-1 a 1",
        "XDEL e 5-1",
        "XGROUP CREATE e2 g $ MKSTREAM",
    ]);
    check(&mut p, "e", true);
    check(&mut p, "e2", true);
    p.run("CONFIG SET stream-node-max-entries 100");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn streams_with_consumers_survive_a_round_trip_through_redsim() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        let key = format!("c{seed}");
        build_stream(&mut p, &mut rng, &key, 200);
        p.run(&format!("XGROUP CREATE {key} g 0"));
        p.run(&format!("XGROUP CREATE {key} h 0"));
        for c in [
            "alice",
            "bob",
            "12",
            "a-much-longer-consumer-name-than-usual",
        ] {
            p.both(&format!(
                "XREADGROUP GROUP g {c} COUNT {} STREAMS {key} >",
                rng.u8(1..30)
            ));
        }
        p.both(&format!("XREADGROUP GROUP h solo COUNT 5 STREAMS {key} >"));
        p.both(&format!("XACK {key} g {}", "0-1"));
        p.both(&format!("XGROUP CREATECONSUMER {key} h idle"));
        let (_, real) = p.pair.both_args(&[b"DUMP", key.as_bytes()]);
        let real = bulk(&real).expect("Redis's DUMP");
        let ok = p
            .pair
            .sim
            .call(&[b"RESTORE", b"copy", b"0", &real, b"REPLACE"]);
        assert_eq!(ok, b"+OK\r\n");
        let again = bulk(&p.pair.sim.call(&[b"DUMP", b"copy"])).expect("redsim's DUMP");
        assert!(
            again == real,
            "a stream through redsim changed\n  redis:  {}\n  redsim: {}",
            show(&real),
            show(&again)
        );
        // And what redsim writes, Redis reads back the same way.
        let ok = p
            .pair
            .real
            .call(&[b"RESTORE", b"copy", b"0", &again, b"REPLACE"]);
        assert_eq!(ok, b"+OK\r\n");
        run(
            &mut p,
            &[b"XINFO", b"STREAM", b"copy", b"FULL", b"COUNT", b"0"],
        );
        // The summary (the extended form shows idle times, two clocks).
        run(&mut p, &[b"XPENDING", b"copy", b"g"]);
        run(&mut p, &[b"XPENDING", b"copy", b"h"]);
    }
}

// ---------------------------------------------------------- the command

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn restore_options_and_errors() {
    let mut p = parity!();
    p.run("SET k v");
    let payload = bulk(&p.run("DUMP k")).unwrap();
    let with = |p: &mut Parity, extra: &[&str]| {
        let mut args: Vec<&[u8]> = vec![b"RESTORE", b"t", b"0", &payload];
        args.extend(extra.iter().map(|s| s.as_bytes()));
        run(p, &args)
    };
    with(&mut p, &[]);
    with(&mut p, &[]);
    with(&mut p, &["REPLACE"]);
    with(&mut p, &["replace", "ABSTTL", "IDLETIME", "10"]);
    with(&mut p, &["REPLACE", "FREQ", "10"]);
    with(&mut p, &["REPLACE", "IDLETIME", "5", "FREQ", "5"]);
    with(&mut p, &["REPLACE", "FREQ", "5", "IDLETIME", "5"]);
    with(&mut p, &["REPLACE", "IDLETIME", "-1"]);
    with(&mut p, &["REPLACE", "IDLETIME", "x"]);
    with(&mut p, &["REPLACE", "FREQ", "256"]);
    with(&mut p, &["REPLACE", "FREQ", "-1"]);
    with(&mut p, &["REPLACE", "FREQ"]);
    with(&mut p, &["REPLACE", "IDLETIME"]);
    with(&mut p, &["REPLACE", "BOGUS"]);
    with(&mut p, &["REPLACE\0junk"]);
    p.run("OBJECT IDLETIME t");
    // Errors in Redis's order: options, existing key, TTL, payload.
    run(&mut p, &[b"RESTORE", b"t", b"-1", &payload]);
    run(&mut p, &[b"RESTORE", b"t", b"x", b"junk"]);
    run(&mut p, &[b"RESTORE", b"t2", b"-1", &payload]);
    run(&mut p, &[b"RESTORE", b"t2", b"x", &payload]);
    run(&mut p, &[b"RESTORE", b"t2", b"1.5", &payload]);
    run(&mut p, &[b"RESTORE", b"t2", b"0", b"junk"]);
    run(&mut p, &[b"RESTORE", b"t2", b"0", b""]);
    run(&mut p, &[b"RESTORE", b"t2", b"0", b"junk", b"BOGUS"]);
    run(
        &mut p,
        &[b"RESTORE", b"t2", b"-5", b"junk", b"IDLETIME", b"-1"],
    );
    run(&mut p, &[b"RESTORE-ASKING", b"t3", b"0", &payload]);
    p.run_all(&[
        "RESTORE",
        "RESTORE t2",
        "RESTORE t2 0",
        "DUMP",
        "DUMP a b",
        "DUMP nosuch",
        "EXISTS t2 t3",
    ]);
    // A wrong version, a payload of the footer alone, a function payload.
    let mut newer = payload[..payload.len() - 10].to_vec();
    newer.extend_from_slice(&11u16.to_le_bytes());
    let crc = crc64(&newer);
    newer.extend_from_slice(&crc.to_le_bytes());
    run(&mut p, &[b"RESTORE", b"t4", b"0", &newer]);
    let mut older = payload[..payload.len() - 10].to_vec();
    older.extend_from_slice(&7u16.to_le_bytes());
    let crc = crc64(&older);
    older.extend_from_slice(&crc.to_le_bytes());
    run(&mut p, &[b"RESTORE", b"t4", b"0", &older]);
    run(&mut p, &[b"RESTORE", b"t5", b"0", &seal(Vec::new())]);
    run(&mut p, &[b"RESTORE", b"t5", b"0", &seal(vec![6])]);
    run(&mut p, &[b"RESTORE", b"t5", b"0", &seal(vec![8])]);
    run(&mut p, &[b"RESTORE", b"t5", b"0", &seal(vec![20])]);
    p.run(
        "FUNCTION LOAD \"#!lua name=lib\nredis.register_function('f', function() return 1 end)\"",
    );
    let functions = bulk(&p.run("FUNCTION DUMP")).unwrap();
    run(&mut p, &[b"RESTORE", b"t5", b"0", &functions]);
    // Empty collections are refused.
    for body in [
        vec![1, 0],
        vec![2, 0],
        vec![3, 0],
        vec![4, 0],
        vec![5, 0],
        vec![18, 0],
        vec![14, 0],
    ] {
        run(&mut p, &[b"RESTORE", b"t6", b"0", &seal(body)]);
    }
    p.run("EXISTS t4 t5 t6");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn restore_ttls_and_events() {
    let mut p = parity!();
    p.run("SET k v");
    let payload = bulk(&p.run("DUMP k")).unwrap();
    run(&mut p, &[b"RESTORE", b"a", b"100000", &payload]);
    p.run("TTL a");
    run(
        &mut p,
        &[b"RESTORE", b"b", b"4102444800000", &payload, b"ABSTTL"],
    );
    p.run("PEXPIRETIME b");
    // A deadline already past: nothing is created, REPLACE deletes.
    run(&mut p, &[b"RESTORE", b"c", b"1", &payload, b"ABSTTL"]);
    p.run("EXISTS c");
    p.run("SET d old");
    let mut sub = p.new_pair();
    sub.run("CONFIG SET notify-keyspace-events KEA");
    sub.run("PSUBSCRIBE __keyevent@0__:*");
    run(
        &mut p,
        &[b"RESTORE", b"d", b"1", &payload, b"ABSTTL", b"REPLACE"],
    );
    p.run("EXISTS d");
    run(&mut p, &[b"RESTORE", b"e", b"0", &payload]);
    run(&mut p, &[b"RESTORE", b"e", b"0", &payload, b"REPLACE"]);
    run(
        &mut p,
        &[b"RESTORE", b"f", b"9223372036854775807", &payload],
    );
    p.run("EXISTS f");
    for _ in 0..3 {
        let (sim, real) = (sub.sim.read_reply(), sub.real.read_reply());
        assert!(sim == real, "event\n  {}\n  {}", show(&sim), show(&real));
    }
    p.run("DUMP nosuch");
    // A blocked client is served by a restored list.
    p.run("RPUSH l x y");
    let list = bulk(&p.run("DUMP l")).unwrap();
    let mut blocked = p.new_pair();
    blocked
        .sim
        .send_raw(&support::RawClient::encode(&[b"BLPOP", b"q", b"0"]));
    blocked
        .real
        .send_raw(&support::RawClient::encode(&[b"BLPOP", b"q", b"0"]));
    wait_blocked(&mut p, 1);
    run(&mut p, &[b"RESTORE", b"q", b"0", &list]);
    let (sim, real) = (blocked.sim.read_reply(), blocked.real.read_reply());
    assert!(sim == real, "BLPOP\n  {}\n  {}", show(&sim), show(&real));
    p.run("LRANGE q 0 -1");
    // WATCH sees a RESTORE.
    let mut w = p.new_pair();
    w.run("WATCH e");
    run(&mut p, &[b"RESTORE", b"e", b"0", &payload, b"REPLACE"]);
    w.run("MULTI");
    w.run("GET e");
    w.run("EXEC");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn object_freq_and_idletime_after_restore() {
    let mut p = parity!();
    p.run("SET k v");
    let payload = bulk(&p.run("DUMP k")).unwrap();
    p.run("OBJECT FREQ k");
    run(
        &mut p,
        &[b"RESTORE", b"i", b"0", &payload, b"IDLETIME", b"1000"],
    );
    p.run("OBJECT IDLETIME i");
    run(
        &mut p,
        &[b"RESTORE", b"i2", b"0", &payload, b"IDLETIME", b"100000000"],
    );
    p.run("OBJECT IDLETIME i2");
    run(
        &mut p,
        &[b"RESTORE", b"i3", b"0", &payload, b"FREQ", b"100"],
    );
    p.run("OBJECT IDLETIME i3");
    p.run("CONFIG SET maxmemory-policy allkeys-lfu");
    p.run("OBJECT IDLETIME i");
    run(&mut p, &[b"RESTORE", b"f", b"0", &payload, b"FREQ", b"100"]);
    p.run("OBJECT FREQ f");
    run(&mut p, &[b"RESTORE", b"f2", b"0", &payload, b"FREQ", b"0"]);
    p.run("OBJECT FREQ f2");
    run(
        &mut p,
        &[b"RESTORE", b"f3", b"0", &payload, b"IDLETIME", b"10"],
    );
    p.run("OBJECT FREQ f3");
    run(&mut p, &[b"RESTORE", b"f4", b"0", &payload]);
    p.run("OBJECT FREQ f4");
    p.run("OBJECT FREQ nosuch");
    p.run("CONFIG SET maxmemory-policy volatile-lfu");
    p.run("OBJECT FREQ f");
    p.run("CONFIG SET maxmemory-policy noeviction");
    p.run("OBJECT FREQ f");
}

/// Waits (asking, never sleeping) until `n` clients are blocked on both
/// servers.
fn wait_blocked(p: &mut Parity, n: usize) {
    let want = format!("blocked_clients:{n}\r\n");
    let started = std::time::Instant::now();
    loop {
        let (sim, real) = p.both("INFO clients");
        let has = |r: &[u8]| String::from_utf8_lossy(r).contains(&want);
        if has(&sim) && has(&real) {
            return;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "clients never blocked"
        );
    }
}

// --------------------------------------------------- older encodings

/// An RDB length.
fn len(out: &mut Vec<u8>, n: usize) {
    if n < 64 {
        out.push(n as u8);
    } else if n < 16384 {
        out.push(0x40 | (n >> 8) as u8);
        out.push(n as u8);
    } else {
        out.push(0x80);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    }
}

/// An RDB string, verbatim.
fn string(out: &mut Vec<u8>, s: &[u8]) {
    len(out, s.len());
    out.extend_from_slice(s);
}

/// A ziplist of `items`, each stored as Redis 6 stored it (integers in
/// the smallest integer encoding).
fn ziplist(items: &[Vec<u8>]) -> Vec<u8> {
    let mut body = Vec::new();
    let mut prev = 0usize;
    let mut tail = 10;
    for item in items {
        tail = 10 + body.len();
        let start = body.len();
        if prev < 254 {
            body.push(prev as u8);
        } else {
            body.push(254);
            body.extend_from_slice(&(prev as u32).to_le_bytes());
        }
        let text = std::str::from_utf8(item).ok();
        let int = text
            .filter(|t| {
                !t.is_empty()
                    && t.len() < 21
                    && (*t == "0" || !t.starts_with('0'))
                    && !t.starts_with("-0")
            })
            .and_then(|t| t.parse::<i64>().ok());
        match int {
            Some(v @ 0..=12) => body.push(0xF1 + v as u8),
            Some(v) if i8::try_from(v).is_ok() => body.extend_from_slice(&[0xFE, v as u8]),
            Some(v) if i16::try_from(v).is_ok() => {
                body.push(0xC0);
                body.extend_from_slice(&(v as i16).to_le_bytes());
            }
            Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                body.push(0xF0);
                body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            Some(v) if i32::try_from(v).is_ok() => {
                body.push(0xD0);
                body.extend_from_slice(&(v as i32).to_le_bytes());
            }
            Some(v) => {
                body.push(0xE0);
                body.extend_from_slice(&v.to_le_bytes());
            }
            None if item.len() < 64 => {
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
            None if item.len() < 16384 => {
                body.push(0x40 | (item.len() >> 8) as u8);
                body.push(item.len() as u8);
                body.extend_from_slice(item);
            }
            None => {
                body.push(0x80);
                body.extend_from_slice(&(item.len() as u32).to_be_bytes());
                body.extend_from_slice(item);
            }
        }
        prev = body.len() - start;
    }
    let mut zl = Vec::new();
    zl.extend_from_slice(&((10 + body.len() + 1) as u32).to_le_bytes());
    zl.extend_from_slice(&(tail as u32).to_le_bytes());
    zl.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
    zl.extend_from_slice(&body);
    zl.push(0xFF);
    zl
}

/// A zipmap of `pairs`.
fn zipmap(pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut zm = vec![pairs.len().min(254) as u8];
    let zlen = |zm: &mut Vec<u8>, n: usize| {
        if n < 254 {
            zm.push(n as u8);
        } else {
            zm.push(254);
            zm.extend_from_slice(&(n as u32).to_le_bytes());
        }
    };
    for (f, v) in pairs {
        zlen(&mut zm, f.len());
        zm.extend_from_slice(f);
        zlen(&mut zm, v.len());
        zm.push(1);
        zm.extend_from_slice(v);
        zm.push(0);
    }
    zm.push(0xFF);
    zm
}

/// Restores `payload` as `key` on both servers and compares the results
/// (DUMP too when `exact`, unless the value became a hashtable).
#[track_caller]
fn restore_both(p: &mut Parity, key: &str, payload: &[u8], exact: bool) {
    let reply = run(p, &[b"RESTORE", key.as_bytes(), b"0", payload, b"REPLACE"]);
    if reply == b"+OK\r\n" {
        same_content(p, key);
        let hashtable =
            run(p, &[b"OBJECT", b"ENCODING", key.as_bytes()]).ends_with(b"hashtable\r\n");
        dumps(p, key, exact && !hashtable);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn older_encodings_restore_alike() {
    let mut p = parity!();
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for n in [1, 3, 20, 70, 200] {
            let items: Vec<Vec<u8>> = (0..n)
                .map(|_| element(&mut rng).into_iter().take(100).collect())
                .collect();
            let unique = distinct(&mut rng, n * 2);
            // RDB_TYPE_LIST: elements one by one.
            let mut body = vec![1];
            len(&mut body, n);
            items.iter().for_each(|i| string(&mut body, i));
            restore_both(&mut p, "list1", &seal(body), true);
            // RDB_TYPE_LIST_ZIPLIST.
            let mut body = vec![10];
            string(&mut body, &ziplist(&items));
            restore_both(&mut p, "list10", &seal(body), true);
            // RDB_TYPE_LIST_QUICKLIST: nodes of ziplists.
            let mut body = vec![14];
            let nodes: Vec<&[Vec<u8>]> = items.chunks(rng.usize(1..20)).collect();
            len(&mut body, nodes.len());
            nodes.iter().for_each(|n| string(&mut body, &ziplist(n)));
            // Redis keeps the payload's nodes: the split can differ.
            restore_both(&mut p, "list14", &seal(body), nodes.len() == 1 && n <= 20);
            // RDB_TYPE_ZSET: text scores.
            let mut body = vec![3];
            len(&mut body, n);
            for m in &unique[..n] {
                string(&mut body, m);
                let s = score(&mut rng);
                match s.as_str() {
                    "inf" => body.push(254),
                    "-inf" => body.push(255),
                    s => string(&mut body, s.as_bytes()),
                }
            }
            restore_both(&mut p, "zset3", &seal(body), true);
            // RDB_TYPE_ZSET_ZIPLIST: member, score pairs in score order.
            let mut scored: Vec<(i64, Vec<u8>)> = unique[..n]
                .iter()
                .map(|m| (rng.i64(-1000..1000), m.clone()))
                .collect();
            scored.sort();
            let flat: Vec<Vec<u8>> = scored
                .iter()
                .flat_map(|(s, m)| [m.clone(), s.to_string().into_bytes()])
                .collect();
            let mut body = vec![12];
            string(&mut body, &ziplist(&flat));
            restore_both(&mut p, "zset12", &seal(body), true);
            // RDB_TYPE_HASH_ZIPLIST and RDB_TYPE_HASH_ZIPMAP.
            let pairs: Vec<(Vec<u8>, Vec<u8>)> = unique[..n]
                .iter()
                .zip(&items)
                .map(|(f, v)| (f.clone(), v.clone()))
                .collect();
            let flat: Vec<Vec<u8>> = pairs
                .iter()
                .flat_map(|(f, v)| [f.clone(), v.clone()])
                .collect();
            let mut body = vec![13];
            string(&mut body, &ziplist(&flat));
            restore_both(&mut p, "hash13", &seal(body), true);
            let mut body = vec![9];
            string(&mut body, &zipmap(&pairs));
            restore_both(&mut p, "hash9", &seal(body), true);
            // RDB_TYPE_HASH: pairs one by one (a listpack if small).
            let mut body = vec![4];
            len(&mut body, n);
            for (f, v) in &pairs {
                string(&mut body, f);
                string(&mut body, v);
            }
            restore_both(&mut p, "hash4", &seal(body), true);
            // RDB_TYPE_SET of integers: an intset if few enough.
            let mut body = vec![2];
            len(&mut body, n);
            for i in 0..n {
                string(&mut body, (i as i64 * 7 - 100).to_string().as_bytes());
            }
            restore_both(&mut p, "set2", &seal(body), true);
        }
    }
    // Duplicates are refused in every older encoding.
    let dup = vec![b"a".to_vec(), b"1".to_vec(), b"a".to_vec(), b"2".to_vec()];
    for t in [12, 13] {
        let mut body = vec![t];
        string(&mut body, &ziplist(&dup));
        restore_both(&mut p, "dup", &seal(body), true);
    }
    let mut body = vec![9];
    string(
        &mut body,
        &zipmap(&[
            (b"a".to_vec(), b"1".to_vec()),
            (b"a".to_vec(), b"2".to_vec()),
        ]),
    );
    restore_both(&mut p, "dup", &seal(body), true);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn version_one_streams_restore_alike() {
    let mut p = parity!();
    let mut rng = fastrand::Rng::with_seed(7);
    build_stream(&mut p, &mut rng, "s", 120);
    p.run("XGROUP CREATE s g 0");
    p.run("XGROUP CREATE s g2 $");
    let (_, real) = dumps(&mut p, "s", true);
    // A version-2 stream turned into version 1: the type byte, no first
    // ID, largest deleted ID or entries added, no group read counters.
    let v1 = to_stream_v1(&real);
    restore_both(&mut p, "v1", &v1, true);
    p.run("XINFO STREAM v1");
    p.run("XINFO GROUPS v1");
}

/// Rewrites a version-2 stream payload as version 1 by re-reading it.
fn to_stream_v1(payload: &[u8]) -> Vec<u8> {
    struct R<'a>(&'a [u8], usize);
    impl R<'_> {
        fn byte(&mut self) -> u8 {
            self.1 += 1;
            self.0[self.1 - 1]
        }
        /// A length's raw bytes.
        fn len_raw(&mut self) -> (u64, Vec<u8>) {
            let start = self.1;
            let b = self.byte();
            let v = match b >> 6 {
                0 => u64::from(b & 0x3F),
                1 => (u64::from(b & 0x3F) << 8) | u64::from(self.byte()),
                _ if b == 0x80 => (0..4).fold(0, |acc, _| (acc << 8) | u64::from(self.byte())),
                _ if b == 0x81 => (0..8).fold(0, |acc, _| (acc << 8) | u64::from(self.byte())),
                _ => u64::from(b & 0x3F) | 1 << 63,
            };
            (v, self.0[start..self.1].to_vec())
        }
        /// A string's raw bytes.
        fn string_raw(&mut self) -> Vec<u8> {
            let start = self.1;
            let (v, _) = self.len_raw();
            if v & (1 << 63) != 0 {
                match v & 0x3F {
                    0 => self.1 += 1,
                    1 => self.1 += 2,
                    2 => self.1 += 4,
                    _ => {
                        let (c, _) = self.len_raw();
                        self.len_raw();
                        self.1 += c as usize;
                    }
                }
            } else {
                self.1 += v as usize;
            }
            self.0[start..self.1].to_vec()
        }
    }
    let mut r = R(payload, 1);
    let mut out = vec![15];
    let (nodes, raw) = r.len_raw();
    out.extend(raw);
    for _ in 0..nodes {
        out.extend(r.string_raw());
        out.extend(r.string_raw());
    }
    for _ in 0..3 {
        out.extend(r.len_raw().1); // length, last ID
    }
    for _ in 0..5 {
        r.len_raw(); // first ID, largest deleted ID, entries added
    }
    let (groups, raw) = r.len_raw();
    out.extend(raw);
    for _ in 0..groups {
        out.extend(r.string_raw());
        out.extend(r.len_raw().1);
        out.extend(r.len_raw().1);
        r.len_raw(); // entries read
        let (pel, raw) = r.len_raw();
        assert_eq!(pel, 0, "groups without pending entries only");
        out.extend(raw);
        let (consumers, raw) = r.len_raw();
        assert_eq!(consumers, 0, "groups without consumers only");
        out.extend(raw);
    }
    seal(out)
}

// ---------------------------------------------------------------- damage

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn damaged_payloads_get_the_same_answer() {
    let mut p = parity!();
    p.run("CONFIG SET sanitize-dump-payload yes");
    // One payload of each type and encoding, from Redis, and some in the
    // older encodings.
    let mut rng = fastrand::Rng::with_seed(11);
    p.run("SET str hello");
    run(&mut p, &[b"SET", b"lzf", &b"abcde".repeat(40)]);
    p.run("SET int 123456");
    let items: Vec<Vec<u8>> = (0..50).map(|_| element(&mut rng)).collect();
    push_all(&mut p, b"RPUSH", "list", &items, 50);
    p.run("SADD intset 1 2 3 70000 -5");
    push_all(&mut p, b"SADD", "set", &distinct(&mut rng, 20), 20);
    p.run("HSET hash a 1 b 2 c hello d 12345678901");
    p.run("CONFIG SET hash-max-listpack-entries 2");
    p.run("HSET hashtable a 1 b 2 c hello d 12345678901");
    p.run("CONFIG SET hash-max-listpack-entries 128");
    p.run("ZADD zset 1 a 2.5 b -3 c inf d");
    p.run("CONFIG SET zset-max-listpack-entries 2");
    p.run("ZADD zskip 1 a 2.5 b -3 c inf d");
    p.run("CONFIG SET zset-max-listpack-entries 128");
    build_stream(&mut p, &mut rng, "stream", 20);
    p.run("XGROUP CREATE stream g 0");
    p.both("XREADGROUP GROUP g alice COUNT 3 STREAMS stream >");
    let keys = [
        "str",
        "lzf",
        "int",
        "list",
        "intset",
        "set",
        "hash",
        "hashtable",
        "zset",
        "zskip",
        "stream",
    ];
    let mut payloads = Vec::new();
    for k in keys {
        let (_, real) = p.pair.both_args(&[b"DUMP", k.as_bytes()]);
        payloads.push((k, bulk(&real).unwrap()));
    }
    let small: Vec<Vec<u8>> = ["a", "1", "bb", "300", "c", "-7"]
        .map(|s| s.as_bytes().to_vec())
        .to_vec();
    let mut body = vec![10];
    string(&mut body, &ziplist(&small));
    payloads.push(("ziplist", seal(body)));
    let mut body = vec![13];
    string(&mut body, &ziplist(&small));
    payloads.push(("hash ziplist", seal(body)));
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = small
        .chunks(2)
        .map(|c| (c[0].clone(), c[1].clone()))
        .collect();
    let mut body = vec![9];
    string(&mut body, &zipmap(&pairs));
    payloads.push(("zipmap", seal(body)));
    let (mut compared, mut accepted, mut stricter) = (0, 0, 0);
    for &seed in seeds() {
        let mut rng = fastrand::Rng::with_seed(seed);
        for round in 0..2500 {
            let (kind, original) = &payloads[round % payloads.len()];
            let damaged = damage(&mut rng, original);
            let (sim, real) =
                p.pair
                    .both_args(&[b"RESTORE".as_slice(), b"fuzz", b"0", &damaged, b"REPLACE"]);
            compared += 1;
            if sim != real && *kind == "stream" && real == b"+OK\r\n".as_slice() {
                // Redis takes stream entries in any order and pending
                // entries owned twice; redsim's model cannot hold them.
                assert_eq!(sim, b"-ERR Bad data format\r\n".as_slice());
                stricter += 1;
                continue;
            }
            assert!(
                sim == real,
                "RESTORE of damaged {kind} (seed {seed}, {})\n  redsim: {}\n  redis:  {}",
                show(&damaged),
                show(&sim),
                show(&real)
            );
            if sim == b"+OK\r\n".as_slice() {
                accepted += 1;
                let t = p.run("TYPE fuzz");
                if t == b"+zset\r\n" {
                    // A damaged listpack may hold a sorted set out of
                    // order, which Redis keeps as it is and redsim sorts.
                    p.run_sorted("ZRANGE fuzz 0 -1 WITHSCORES");
                } else if t == b"+stream\r\n" {
                    p.run("XRANGE fuzz - +");
                } else {
                    same_content(&mut p, "fuzz");
                }
            }
        }
    }
    eprintln!(
        "damaged payloads: {compared} compared, {accepted} accepted by both, \
         {stricter} streams refused only by redsim"
    );
    assert!(accepted > 100 && stricter * 20 < compared);
}

/// `original` damaged at random: bits flipped or bytes cut, in the body
/// or anywhere, with the checksum repaired (mostly) or not.
fn damage(rng: &mut fastrand::Rng, original: &[u8]) -> Vec<u8> {
    let mut damaged = original.to_vec();
    let body = damaged.len() - 10;
    match rng.u8(..6) {
        0 => {
            let i = rng.usize(..body);
            damaged[i] ^= 1 << rng.u8(..8);
        }
        1 => damaged.truncate(rng.usize(..damaged.len())),
        2..=4 => {
            for _ in 0..rng.usize(1..4) {
                let i = rng.usize(..body);
                damaged[i] ^= 1 << rng.u8(..8);
            }
            damaged = reseal(&damaged);
        }
        _ => {
            damaged.truncate(rng.usize(..body));
            damaged = reseal(&damaged);
        }
    }
    damaged
}
