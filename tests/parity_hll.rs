//! Parity with real Redis 7.0: the HyperLogLog commands. Replies are
//! compared byte for byte, and so are the HyperLogLog strings themselves
//! (`GET` of the key) after the same PFADD sequences, across the
//! sparse-to-dense promotion; payloads real Redis made, or that were made
//! by hand (stale or bogus caches, damaged codes), are counted, merged
//! and debugged on both.

use support::{Parity, parity};

/// A small deterministic generator.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// PFADD of `elements` to `key` on both; the reply must match.
fn pfadd(p: &mut Parity, key: &str, elements: &[Vec<u8>]) {
    let mut args: Vec<&[u8]> = vec![b"PFADD", key.as_bytes()];
    args.extend(elements.iter().map(|e| e.as_slice()));
    p.run_args(&args);
}

/// GET of `key` on both: the HyperLogLog bytes must be the same.
fn same_bytes(p: &mut Parity, key: &str) -> Vec<u8> {
    p.run(&format!("GET {key}"))
}

/// Real Redis's bytes for `key` (the raw reply's payload).
fn redis_bytes(p: &mut Parity, key: &str) -> Vec<u8> {
    let reply = p.pair.real.call(&[b"GET", key.as_bytes()]);
    let start = reply.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
    reply[start..reply.len() - 2].to_vec()
}

/// A dense HyperLogLog made by hand: registers from `reg`, the cache as
/// given.
fn dense_payload(card: [u8; 8], reg: impl Fn(usize) -> u8) -> Vec<u8> {
    let mut v = b"HYLL\0\0\0\0".to_vec();
    v.extend_from_slice(&card);
    let mut regs = vec![0u8; 12288];
    for r in 0..16384 {
        let value = u16::from(reg(r) & 63);
        let bit = r * 6;
        let (byte, shift) = (bit / 8, bit % 8);
        let both = value << shift;
        regs[byte] |= both as u8;
        if byte + 1 < regs.len() {
            regs[byte + 1] |= (both >> 8) as u8;
        }
    }
    v.extend_from_slice(&regs);
    v
}

/// A sparse HyperLogLog made by hand from raw opcodes.
fn sparse_payload(card: [u8; 8], code: &[u8]) -> Vec<u8> {
    let mut v = b"HYLL\x01\0\0\0".to_vec();
    v.extend_from_slice(&card);
    v.extend_from_slice(code);
    v
}

/// Sets `key` to `bytes` on both.
fn set_both(p: &mut Parity, key: &str, bytes: &[u8]) {
    p.run_args(&[b"SET", key.as_bytes(), bytes]);
}

const STALE: [u8; 8] = [0, 0, 0, 0, 0, 0, 0, 0x80];

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pfadd_and_pfcount_basics() {
    let mut p = parity!();
    p.run_all(&[
        "PFADD h",
        "PFADD h",
        "EXISTS h",
        "TYPE h",
        "OBJECT ENCODING h",
        "STRLEN h",
        "GET h",
        "PFCOUNT h",
        "PFADD h a b c",
        "GET h",
        "PFADD h a",
        "PFADD h A",
        "GET h",
        "PFCOUNT h",
        "GET h",
        "PFCOUNT h",
        "PFCOUNT nosuch",
        "PFCOUNT h nosuch",
        "PFCOUNT nosuch1 nosuch2",
        "PFADD h \"\" \"\\x00\" \"\\x00\\x00\" 12345678 123456789 abcdefghijklmnopq",
        "GET h",
        "PFCOUNT h",
        "OBJECT ENCODING h",
        "PFADD",
        "PFCOUNT",
    ]);
    // An embstr copy made by SET turns raw when PFADD or PFCOUNT touch it.
    let bytes = redis_bytes(&mut p, "h");
    set_both(&mut p, "copy", &bytes);
    p.run_all(&[
        "OBJECT ENCODING copy",
        "PFCOUNT copy",
        "OBJECT ENCODING copy",
    ]);
    set_both(&mut p, "copy2", &bytes);
    p.run_all(&[
        "PFADD copy2",
        "OBJECT ENCODING copy2",
        "PFADD copy2 zzz",
        "GET copy2",
    ]);
    // The deadline stays.
    p.run_all(&[
        "EXPIRE h 100",
        "PFADD h x1 x2 x3",
        "TTL h",
        "PFCOUNT h",
        "TTL h",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bytes_match_redis_across_the_promotion_to_dense() {
    let mut p = parity!();
    for (seed, sparse_max, batch) in [
        (1u64, "3000", 37u64),
        (2, "3000", 1),
        (3, "200", 5),
        (4, "10000", 250),
        (5, "0", 3),
    ] {
        p.run(&format!("CONFIG SET hll-sparse-max-bytes {sparse_max}"));
        p.run("DEL h");
        let mut rng = Lcg(seed);
        let mut added = 0;
        while added < 4000 {
            let n = 1 + rng.below(batch);
            let elements: Vec<Vec<u8>> = (0..n)
                .map(|_| format!("e{}-{}", seed, rng.below(6000)).into_bytes())
                .collect();
            pfadd(&mut p, "h", &elements);
            added += n;
            if rng.below(4) == 0 {
                same_bytes(&mut p, "h");
                p.run("PFCOUNT h");
                same_bytes(&mut p, "h");
                p.run("PFDEBUG ENCODING h");
            }
        }
        same_bytes(&mut p, "h");
        p.run_all(&["PFCOUNT h", "PFDEBUG ENCODING h", "STRLEN h"]);
    }
    p.run("CONFIG SET hll-sparse-max-bytes 3000");
}

/// MurmurHash64A with Redis's seed, written here from its published
/// description, to pick elements that land on chosen registers.
fn register_of(element: &[u8]) -> (usize, u8) {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    let mut h = 0xadc8_3b19 ^ (element.len() as u64).wrapping_mul(M);
    let mut chunks = element.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes(c.try_into().unwrap()).wrapping_mul(M);
        k ^= k >> 47;
        h ^= k.wrapping_mul(M);
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> 47;
    h = h.wrapping_mul(M);
    h ^= h >> 47;
    let run = ((h >> 14) | (1 << 50)).trailing_zeros() as u8 + 1;
    ((h & 16383) as usize, run)
}

/// Many updates packed into a few dozen neighbouring registers make the
/// sparse code split and merge its opcodes in every way (runs of equal
/// values growing to four, values raised inside runs, ZERO and XZERO
/// runs cut at their limits): the bytes must stay Redis's after each.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sparse_splits_and_merges_match_redis_byte_for_byte() {
    let mut p = parity!();
    // Elements for (register, value) over a window of registers.
    const WINDOW: std::ops::Range<usize> = 1000..1024;
    let mut table: std::collections::BTreeMap<(usize, u8), Vec<u8>> = Default::default();
    let mut n = 0u64;
    while table.len() < WINDOW.len() * 4 {
        let e = format!("w{n}").into_bytes();
        let (r, v) = register_of(&e);
        if WINDOW.contains(&r) && v <= 4 {
            table.entry((r, v)).or_insert(e);
        }
        n += 1;
    }
    // Also the edges of the register space and of ZERO's 64-register runs.
    let mut edges: Vec<Vec<u8>> = Vec::new();
    for target in [0usize, 16383, 64, 65, 63, 128, 129, 1064, 1065] {
        let mut n = 0u64;
        loop {
            let e = format!("edge{target}-{n}").into_bytes();
            if register_of(&e).0 == target {
                edges.push(e);
                break;
            }
            n += 1;
        }
    }
    for seed in 1..=20u64 {
        p.run("DEL h");
        let mut rng = Lcg(seed);
        for step in 0..300 {
            let mut batch = Vec::new();
            for _ in 0..=rng.below(2) {
                let r = WINDOW.start + rng.below(WINDOW.len() as u64) as usize;
                let v = 1 + rng.below(4) as u8;
                batch.push(table[&(r, v)].clone());
            }
            if step % 25 == 0 {
                batch.push(edges[rng.below(edges.len() as u64) as usize].clone());
            }
            pfadd(&mut p, "h", &batch);
            same_bytes(&mut p, "h");
        }
        p.run_all(&["PFDEBUG DECODE h", "PFCOUNT h"]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pfmerge_and_pfcount_of_several_keys() {
    let mut p = parity!();
    let mut rng = Lcg(9);
    for (key, n) in [("small", 30u64), ("mid", 600), ("big", 5000)] {
        let elements: Vec<Vec<u8>> = (0..n)
            .map(|_| format!("m{}", rng.below(8000)).into_bytes())
            .collect();
        for chunk in elements.chunks(200) {
            pfadd(&mut p, key, chunk);
        }
    }
    p.run_all(&[
        "PFDEBUG ENCODING small",
        "PFDEBUG ENCODING mid",
        "PFDEBUG ENCODING big",
        "PFCOUNT small mid",
        "PFCOUNT small mid big",
        "PFCOUNT small nosuch",
        "PFMERGE d1 small",
        "GET d1",
        "PFMERGE d2 small mid",
        "GET d2",
        "PFDEBUG ENCODING d2",
        "PFMERGE d3 small big",
        "GET d3",
        "PFDEBUG ENCODING d3",
        "PFMERGE small mid",
        "GET small",
        "PFMERGE empty",
        "GET empty",
        "PFMERGE empty2 nosuch",
        "GET empty2",
        "PFMERGE mid",
        "GET mid",
        "PFCOUNT d2",
        "PFCOUNT d3 d2 small",
        "PFMERGE",
    ]);
    // A sparse destination that grows past the limit turns dense mid-merge.
    p.run_all(&[
        "CONFIG SET hll-sparse-max-bytes 300",
        "PFMERGE tiny mid",
        "GET tiny",
        "PFDEBUG ENCODING tiny",
        "CONFIG SET hll-sparse-max-bytes 3000",
    ]);
    // A register above 32 cannot be sparse.
    let high = dense_payload(STALE, |r| if r == 100 { 40 } else { 0 });
    set_both(&mut p, "high", &high);
    p.run_all(&[
        "PFADD sp a b",
        "PFMERGE sp high",
        "PFDEBUG ENCODING sp",
        "GET sp",
        "PFCOUNT sp",
        "PFCOUNT high",
        "PFCOUNT high small",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn payloads_made_by_redis_count_and_grow_the_same() {
    let mut p = parity!();
    // Make HyperLogLogs on the real server only, copy their bytes over.
    let mut rng = Lcg(77);
    for (key, n) in [("r1", 3u64), ("r2", 400), ("r3", 9000)] {
        for _ in 0..(n / 100 + 1) {
            let mut args: Vec<Vec<u8>> = vec![b"PFADD".to_vec(), key.as_bytes().to_vec()];
            for _ in 0..n.min(100) {
                args.push(format!("x{}", rng.below(1 << 20)).into_bytes());
            }
            let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
            p.pair.real.call(&refs);
        }
        let bytes = redis_bytes(&mut p, key);
        p.pair.sim.call(&[b"SET", key.as_bytes(), &bytes]);
        same_bytes(&mut p, key);
        p.run_all(&[
            &format!("PFCOUNT {key}"),
            &format!("GET {key}"),
            &format!("PFADD {key} new1 new2 new3"),
            &format!("GET {key}"),
            &format!("PFCOUNT {key}"),
            &format!("PFDEBUG ENCODING {key}"),
        ]);
    }
    p.run_all(&["PFCOUNT r1 r2 r3", "PFMERGE all r1 r2 r3", "GET all"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn caches_are_trusted_or_recomputed_as_in_redis() {
    let mut p = parity!();
    // A bogus but valid cache is answered as it is, even above 2^63.
    let bogus = sparse_payload([42, 0, 0, 0, 0, 0, 0, 0], &[0x7f, 0xff]);
    set_both(&mut p, "b", &bogus);
    p.run_all(&["PFCOUNT b", "GET b"]);
    let huge = sparse_payload([1, 2, 3, 4, 5, 6, 7, 0x7f], &[0x7f, 0xff]);
    set_both(&mut p, "huge", &huge);
    p.run_all(&["PFCOUNT huge", "PFCOUNT huge b"]);
    // A stale cache is recomputed and written back.
    let stale = sparse_payload(STALE, &[0x40, 0x09, 0x90, 0x7f, 0xf5]);
    set_both(&mut p, "s", &stale);
    p.run_all(&["PFCOUNT s", "GET s", "PFDEBUG DECODE s"]);
    // A dense one, with all registers set.
    let full = dense_payload(STALE, |r| (r % 50) as u8 + 1);
    set_both(&mut p, "full", &full);
    p.run_all(&["PFCOUNT full", "GET full", "PFCOUNT full s b"]);
    let max = dense_payload(STALE, |_| 63);
    set_both(&mut p, "max", &max);
    p.run_all(&["PFCOUNT max", "PFCOUNT max s"]);
    let zero = dense_payload(STALE, |_| 0);
    set_both(&mut p, "zero", &zero);
    p.run_all(&["PFCOUNT zero", "GET zero", "PFADD zero a", "GET zero"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn invalid_values_get_redis_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SET str hello",
        "SET int 1234567890123456789",
        "SET empty \"\"",
        "SET short HYLL",
        "SET magic \"HYLX\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\"",
        "SET enc2 \"HYLL\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x7f\\xff\"",
        "SET denseshort \"HYLL\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x80\"",
        "LPUSH list a",
    ]);
    for key in [
        "str",
        "int",
        "empty",
        "short",
        "magic",
        "enc2",
        "denseshort",
        "list",
    ] {
        p.run_all(&[
            &format!("PFADD {key} a"),
            &format!("PFCOUNT {key}"),
            &format!("PFCOUNT {key} nosuch"),
            &format!("PFCOUNT nosuch {key}"),
            &format!("PFMERGE {key} nosuch"),
            &format!("PFMERGE dst {key}"),
            &format!("PFDEBUG ENCODING {key}"),
            &format!("PFDEBUG GETREG {key}"),
            &format!("OBJECT ENCODING {key}"),
        ]);
    }
    p.run("EXISTS dst");
    // Sparse codes that do not cover 16384 registers.
    for (name, code) in [
        ("few", &[0x7f, 0xfe][..]),
        ("many", &[0x7f, 0xff, 0x00][..]),
        ("valpast", &[0x7f, 0xfe, 0x83][..]),
        ("nothing", &[][..]),
        ("cut", &[0x7f][..]),
        ("cutval", &[0x80, 0x7f][..]),
    ] {
        let payload = sparse_payload(STALE, code);
        set_both(&mut p, name, &payload);
        p.run_all(&[
            &format!("PFCOUNT {name}"),
            &format!("PFCOUNT {name} nosuch"),
            &format!("PFMERGE m_{name} {name}"),
            &format!("EXISTS m_{name}"),
            &format!("PFDEBUG DECODE {name}"),
            &format!("PFDEBUG ENCODING {name}"),
            &format!("PFADD {name} a b c d e f g h"),
            &format!("GET {name}"),
            &format!("PFDEBUG TODENSE {name}"),
            &format!("PFDEBUG GETREG {name}"),
            &format!("GET {name}"),
        ]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn pfdebug_and_pfselftest() {
    let mut p = parity!();
    p.run_all(&[
        "PFADD h a b c d",
        "PFDEBUG ENCODING h",
        "PFDEBUG DECODE h",
        "PFDEBUG decode h",
        "PFDEBUG GETREG nosuch",
        "PFDEBUG nosuch nosuch",
        "PFDEBUG nosuch h",
        "PFDEBUG \"bad\\x00sub\" h",
        "PFDEBUG TODENSE h",
        "PFDEBUG TODENSE h",
        "PFDEBUG ENCODING h",
        "PFDEBUG DECODE h",
        "GET h",
        "PFCOUNT h",
        "PFADD h2 x",
        "PFDEBUG GETREG h2",
        "PFDEBUG ENCODING h2",
        "GET h2",
        "PFDEBUG GETREG h2",
        "PFDEBUG",
        "PFDEBUG GETREG",
        "PFDEBUG GETREG h h",
        "PFSELFTEST",
        "PFSELFTEST x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "PFADD h a b",
        "PFCOUNT h",
        "PFCOUNT h nosuch",
        "PFMERGE d h",
        "PFDEBUG ENCODING d",
        "PFDEBUG DECODE d",
        "PFDEBUG GETREG d",
        "PFDEBUG TODENSE d",
        "SET s x",
        "PFADD s a",
        "PFDEBUG nosuch d",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn events_and_watch() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    p.run("CONFIG SET notify-keyspace-events KEAn");
    sub.run("PSUBSCRIBE __keyevent@0__:*");
    for line in [
        "PFADD h a",
        "PFADD h a",
        "PFADD h b",
        "PFCOUNT h",
        "PFMERGE d h",
        "PFMERGE d h",
        "PFDEBUG TODENSE d",
        "PFADD new",
    ] {
        p.run(line);
        sub.same_messages();
    }
    p.run("CONFIG SET notify-keyspace-events \"\"");
    // PFCOUNT writes a recomputed cache back: WATCH sees it; a cached
    // answer, an unchanged PFADD and PFDEBUG's conversions do not touch.
    let mut w = p.new_pair();
    for (setup, touch) in [
        ("PFADD w a", "PFCOUNT w"),
        ("PFCOUNT w", "PFCOUNT w"),
        ("PFCOUNT w", "PFADD w a"),
        ("PFCOUNT w", "PFADD w zz"),
        ("PFADD w2 q", "PFDEBUG TODENSE w2"),
        ("PFADD w3 q", "PFDEBUG GETREG w3"),
        ("PFCOUNT w", "PFMERGE w"),
        ("DEL w4", "PFCOUNT w4 w"),
    ] {
        p.run(setup);
        let key = touch
            .split(' ')
            .nth(if touch.starts_with("PFDEBUG") { 2 } else { 1 })
            .unwrap_or("w");
        w.run(&format!("WATCH {key}"));
        p.run(touch);
        w.run_all(&["MULTI", "PING", "EXEC"]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn changes_count_as_redis_counts_them() {
    let mut p = parity!();
    let changes = |p: &mut Parity| {
        let (sim, real) = p.both("INFO persistence");
        let pick = |r: &[u8]| -> i64 {
            String::from_utf8_lossy(r)
                .lines()
                .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:")?.parse().ok())
                .unwrap_or_default()
        };
        (pick(&sim), pick(&real))
    };
    let mut last = changes(&mut p);
    for line in [
        "PFADD h a b c d e",
        "PFADD h a",
        "PFCOUNT h",
        "PFCOUNT h",
        "PFMERGE d h",
        "PFDEBUG GETREG h",
        "PFDEBUG TODENSE d",
        "PFADD new",
    ] {
        p.run(line);
        let now = changes(&mut p);
        assert_eq!(now.0 - last.0, now.1 - last.1, "after {line}");
        last = now;
    }
}
