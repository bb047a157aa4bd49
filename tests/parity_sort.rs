//! Parity with real Redis 7.0: SORT and SORT_RO. Every reply is compared
//! byte for byte with a real `redis-server`, in RESP2 and RESP3; the one
//! order Redis leaves to chance (an unsorted SORT of a set outside
//! scripts and STORE) is compared by content.

use support::{Parity, parity};

/// Numbers, strings and their corner cases in a list, a set and a sorted
/// set, sorted every way.
fn fill(p: &mut Parity) {
    p.run_all(&[
        "RPUSH l 3 1 2 10 -1 1.5 0 -0 2",
        "SADD s 3 1 2 10 -1 1.5 0",
        "ZADD z 5 3 4 1 3 2 2 10 1 -1 0 1.5",
        "SADD is 5 3 9 1 -4 100",
        "RPUSH w banana Apple apple 10 9 _x \"\" zed",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn numeric_and_alpha_orders_for_lists_sets_and_sorted_sets() {
    let mut p = parity!();
    fill(&mut p);
    for key in ["l", "s", "z", "is", "w", "missing"] {
        for opts in [
            "",
            "DESC",
            "ASC",
            "ALPHA",
            "ALPHA DESC",
            "desc alpha",
            "ASC DESC",
            "DESC ASC",
        ] {
            p.run(&format!("SORT {key} {opts}"));
            p.run(&format!("SORT_RO {key} {opts}"));
        }
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn weights_read_as_strtod_reads_them() {
    let mut p = parity!();
    p.run_all(&[
        "RPUSH ok \"\" \" 1\" \"  +5\" -0 .5 5. infinity -Infinity 0x10 1e308 -inf 0X1P-2",
        "SORT ok",
        "SORT ok DESC",
        "RPUSH exact 0x1p-1074 0x1.8p-1070 2.2250738585072014e-308",
        "SORT exact",
    ]);
    for bad in [
        "1e-400",
        "1e400",
        "1e-310",
        "4.9e-324",
        "2.2250738585072011e-308",
        "0x1.00000000000001p-1070",
        "nan",
        "-nan",
        "\"1 \"",
        "0x",
        "abc",
        "\"   \"",
        "1e5x",
    ] {
        p.run_all(&[
            "DEL bad",
            &format!("RPUSH bad 1 {bad} 2"),
            "SORT bad",
            "SORT bad DESC",
        ]);
        // ALPHA does not read numbers.
        p.run("SORT bad ALPHA");
        // Redis reads weights with strtod without clearing errno first, so
        // after an out-of-range weight its later numeric SORTs of string
        // weights fail too, until some command clears errno (ZADD's double
        // parsing does). redsim has no such leftover state: clear it.
        p.run("ZADD errno_reset 0 x");
    }
    // A NUL ends the number, as in C.
    p.run_all(&[
        "RPUSH nul \"1\\x00abc\" 0 \"\\x00\"",
        "SORT nul",
        "SORT nul ALPHA",
    ]);
    // A failed sort still converted the sorted set.
    p.run_all(&[
        "ZADD zl 1 a 2 b",
        "OBJECT ENCODING zl",
        "SORT zl",
        "OBJECT ENCODING zl",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn limit_clamps_offsets_and_counts_as_redis() {
    let mut p = parity!();
    fill(&mut p);
    let limits = [
        "0 0",
        "0 1",
        "0 -1",
        "0 -5",
        "2 3",
        "-3 2",
        "5 100",
        "8 1",
        "9 1",
        "100 2",
        "9223372036854775807 9223372036854775807",
        "-9223372036854775808 9223372036854775807",
        "1 -9223372036854775808",
    ];
    for key in ["l", "z", "w", "missing"] {
        for limit in limits {
            p.run(&format!("SORT {key} LIMIT {limit}"));
            p.run(&format!("SORT {key} LIMIT {limit} DESC ALPHA"));
            p.run(&format!("SORT {key} BY nosort LIMIT {limit}"));
            p.run(&format!("SORT {key} BY nosort LIMIT {limit} DESC"));
        }
    }
    p.run_all(&[
        "SORT l LIMIT 0",
        "SORT l LIMIT",
        "SORT l LIMIT x 1",
        "SORT l LIMIT 1 x",
        "SORT l LIMIT 1.5 1",
        "SORT l LIMIT 99999999999999999999 1",
        "SORT l LIMIT 0 1 LIMIT 2 2",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn by_patterns_weigh_by_keys_and_hash_fields() {
    let mut p = parity!();
    p.run_all(&[
        "RPUSH l a b c d e",
        "SADD s a b c d e",
        "ZADD z 1 a 2 b 3 c 4 d 5 e",
        "MSET w_a 5 w_b 3 w_c 30 w_e -2",
        "HSET h_a f 2 g zz",
        "HSET h_b f 9 g aa",
        "HSET h_c f 1",
        "HSET h_d g mm",
        "SET h_e notahash",
        "RPUSH w_d notastring",
    ]);
    for key in ["l", "s", "z"] {
        for by in [
            "w_*",
            "h_*->f",
            "h_*->g",
            "*",
            "w_*->",
            "nosort",
            "w_",
            "h_*->f->x",
            "*w_*",
        ] {
            for opts in [
                "",
                "DESC",
                "ALPHA",
                "ALPHA DESC",
                "LIMIT 1 2",
                "ALPHA LIMIT 0 3",
            ] {
                let line = format!("SORT {key} BY {by} {opts}");
                // Equal ALPHA weights (missing keys) keep the order the
                // elements were loaded in: a hash table's, for sets and
                // sorted sets. So does an unsorted set.
                let hashed =
                    (key != "l" && opts.contains("ALPHA")) || (key == "s" && !by.contains('*'));
                if hashed && opts.contains("LIMIT") {
                    continue;
                }
                if hashed {
                    p.run_sorted(&line);
                } else {
                    p.run(&line);
                }
            }
        }
    }
    // Weights that are not numbers.
    p.run_all(&["SET w_a x", "SORT l BY w_*", "SORT l BY w_* ALPHA"]);
    // A constant pattern with `*` after a NUL does not weigh.
    p.run_args(&[b"SORT", b"l", b"BY", b"w\0*"]);
    p.run_args(&[b"SORT", b"l", b"BY", b"w_*\0x"]);
    p.run_args(&[b"SORT", b"l", b"BY", b"h_*->f\0", b"GET", b"h_*-\0>f"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn get_patterns_fetch_elements_keys_and_fields() {
    let mut p = parity!();
    p.run_all(&[
        "RPUSH l 3 1 2",
        "MSET o_1 one o_2 two",
        "HSET h_1 name uno",
        "HSET h_3 name tres n 33",
        "SET int_1 100",
        "SORT l GET #",
        "SORT l GET o_*",
        "SORT l GET o_* GET #",
        "SORT l GET # GET o_* GET h_*->name GET h_*->n",
        "SORT l GET nostar",
        "SORT l GET int_*",
        "SORT l GET h_*",
        "SORT l GET o_*->name",
        "SORT l DESC GET # GET h_*->name LIMIT 1 5",
        "SORT l BY o_* ALPHA GET o_*",
        "SORT l BY nosort GET #",
        "SORT l GET",
        "SORT l GET # GET",
    ]);
    p.run_args(&[b"SORT", b"l", b"GET", b"#\0extra"]);
    p.run_args(&[b"SORT", b"l", b"GET", b"o_*\0"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn store_writes_a_list_and_replaces_or_deletes_the_destination() {
    let mut p = parity!();
    p.run_all(&[
        "RPUSH l 3 1 2",
        "SORT l STORE dst",
        "TYPE dst",
        "OBJECT ENCODING dst",
        "LRANGE dst 0 -1",
        "SET dst x EX 100",
        "SORT l DESC STORE dst",
        "TTL dst",
        "LRANGE dst 0 -1",
        "HSET dst f v",
        "SORT l STORE dst GET # GET nosuch_*",
        "LRANGE dst 0 -1",
        "SORT l LIMIT 0 0 STORE dst",
        "EXISTS dst",
        "SORT nosuch STORE dst",
        "EXISTS dst",
        "SORT l STORE l",
        "LRANGE l 0 -1",
        "SORT l STORE",
        "SORT_RO l STORE dst",
        "SORT_RO l store",
        "EXISTS dst",
        // ALPHA with STORE compares the whole strings, NULs included.
        "RPUSH n \"a\\x00c\" \"a\\x00b\" a",
        "SORT n ALPHA",
        "SORT n ALPHA STORE nd",
        "LRANGE nd 0 -1",
        "MSET k_1 \"a\\x00c\" k_2 \"a\\x00b\"",
        "RPUSH two 1 2",
        "SORT two BY k_* ALPHA",
        "SORT two BY k_* ALPHA STORE nd",
        "LRANGE nd 0 -1",
        "SORT two BY k_* ALPHA DESC",
        "SORT two BY k_* ALPHA DESC STORE nd",
        "LRANGE nd 0 -1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn an_unsorted_set_is_sorted_when_stored_or_scripted() {
    let mut p = parity!();
    p.run_all(&[
        "SADD s c a b 10 2",
        "SORT s BY nosort STORE d",
        "LRANGE d 0 -1",
        "SORT s BY nosort DESC STORE d",
        "LRANGE d 0 -1",
        "SORT s BY nosort LIMIT 1 2 STORE d",
        "LRANGE d 0 -1",
        "EVAL \"return redis.call('sort', KEYS[1], 'by', 'nosort')\" 1 s",
        "EVAL \"return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc')\" 1 s",
        "EVAL \"return redis.call('sort_ro', KEYS[1], 'by', 'nosort', 'limit', 1, 3)\" 1 s",
        "EVAL \"return redis.call('sort', KEYS[1], 'by', 'nosort', 'get', '#')\" 1 s",
        // Lists and sorted sets keep their order.
        "RPUSH l c a b",
        "ZADD z 3 a 1 b 2 c",
        "EVAL \"return redis.call('sort', KEYS[1], 'by', 'nosort')\" 1 l",
        "EVAL \"return redis.call('sort', KEYS[1], 'by', 'nosort')\" 1 z",
        "SORT z BY nosort DESC STORE d",
        "LRANGE d 0 -1",
        "SORT z BY nosort LIMIT 1 1",
    ]);
    // Outside scripts and STORE the set's own order is unspecified.
    p.run_sorted("SORT s BY nosort");
    // An intset iterates in numeric order.
    p.run_all(&[
        "SADD is 5 -3 10 0",
        "SORT is BY nosort",
        "SORT is BY nosort LIMIT 1 2",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn errors_come_in_redis_order() {
    let mut p = parity!();
    p.run_all(&[
        "SET str x",
        "HSET h f v",
        "RPUSH l b a",
        "SORT",
        "SORT_RO",
        "SORT str",
        "SORT h",
        "SORT str BADOPT",
        "SORT str LIMIT x 1",
        "SORT l BADOPT",
        "SORT l BY",
        "SORT l ALPHA BY",
        "SORT l STORE",
        "SORT l LIMIT 1",
        "SORT l GET # BY",
        "SORT l",
        "SORT l BY w_* LIMIT x 0",
        "SORT str STORE d",
        "SORT_RO str",
        "SORT_RO l STORE d",
        "SORT_RO l BY nosort STORE d",
    ]);
}

/// BY and GET patterns read keys the ACL check cannot see: Redis allows
/// them only to a user one of whose selectors allows the command and
/// every key (`~*`, or `%R~*`).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn acl_users_without_every_key_may_not_use_key_patterns() {
    let mut p = parity!();
    p.run_all(&[
        "RPUSH l 2 1",
        "SET w_1 5",
        "ACL SETUSER limited on nopass ~l* +@all",
        "ACL SETUSER reader on nopass %R~* +@all",
        "ACL SETUSER writer on nopass %W~* +@all",
        "ACL SETUSER sel on nopass ~l* +@all (~* -sort)",
        "ACL SETUSER sel2 on nopass ~l* +@all (%R~* +sort)",
        "ACL SETUSER all on nopass ~* +@all",
    ]);
    for user in ["limited", "reader", "writer", "sel", "sel2", "all"] {
        let mut u = p.new_pair();
        u.run(&format!("AUTH {user} x"));
        u.run_all(&[
            "SORT l",
            "SORT l BY w_*",
            "SORT l BY nosort",
            "SORT l BY w_* GET #",
            "SORT l GET #",
            "SORT l GET w_*",
            "SORT_RO l BY w_*",
            "SORT_RO l GET #",
            "SORT l LIMIT x 1 BY w_*",
            "SORT l BY w_* LIMIT x 1",
            "SORT l BADOPT BY w_*",
            "SORT l BY w_* STORE l2",
            "EVAL \"return redis.call('sort', KEYS[1], 'get', '#')\" 1 l",
        ]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies() {
    let mut p = parity!();
    p.pair.resp3();
    fill(&mut p);
    p.run_all(&[
        "SORT l",
        "SORT w ALPHA",
        "SORT missing",
        "SORT l GET # GET nosuch_*",
        "SORT l STORE d",
        "SORT w",
        "SORT l LIMIT x 1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn store_announces_sortstore_new_and_del_and_touches_watch() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    p.run("CONFIG SET notify-keyspace-events KEAn");
    sub.run("PSUBSCRIBE __keyevent@0__:*");
    for line in [
        "RPUSH l 2 1",
        "SORT l STORE d",
        "SORT l STORE d",
        "SET d x",
        "SORT l GET # STORE d",
        "SORT nosuch STORE d",
        "SORT nosuch STORE d",
        "SORT l LIMIT 0 0 STORE l",
    ] {
        p.run(line);
        sub.same_messages();
    }
    p.run("CONFIG SET notify-keyspace-events \"\"");

    // WATCH: a stored result or a deleted destination touches the key; an
    // empty result for a missing destination does not.
    let mut w = p.new_pair();
    for (setup, sort) in [
        ("DEL d", "SORT l STORE d"),
        ("RPUSH d x", "SORT nosuch STORE d"),
        ("DEL d", "SORT nosuch STORE d"),
        ("DEL d", "SORT l LIMIT 0 0 STORE d"),
        ("SET d x", "SORT l LIMIT 0 0 STORE d"),
        ("DEL d", "SORT l"),
    ] {
        p.run(setup);
        w.run("WATCH d");
        p.run(sort);
        w.run_all(&["MULTI", "PING", "EXEC"]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn changes_count_as_redis_counts_them() {
    let mut p = parity!();
    let changes = |p: &mut Parity| {
        let (sim, real) = p.both("INFO persistence");
        let pick = |r: &[u8]| {
            String::from_utf8_lossy(r)
                .lines()
                .find_map(|l| {
                    l.strip_prefix("rdb_changes_since_last_save:")
                        .map(str::to_string)
                })
                .unwrap_or_default()
        };
        (pick(&sim), pick(&real))
    };
    p.run_all(&["CONFIG SET save \"\"", "FLUSHALL", "RPUSH l 3 2 1"]);
    let base = changes(&mut p);
    p.run("SORT l STORE d GET # GET #");
    let after = changes(&mut p);
    let delta = |a: &str, b: &str| b.parse::<i64>().unwrap() - a.parse::<i64>().unwrap();
    assert_eq!(delta(&base.0, &after.0), delta(&base.1, &after.1));
    p.run("SORT nosuch STORE d");
    let last = changes(&mut p);
    assert_eq!(delta(&after.0, &last.0), delta(&after.1, &last.1));
}

/// A small deterministic generator for the randomized test.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Seeds of the randomized runs: RESP2 ones, then a RESP3 one.
const SEEDS: [u64; 4] = [11, 2_024, 777_777, 31_415_926];
const RESP3_SEED: u64 = 8_675_309;
/// Commands per run.
const STEPS: usize = 1500;

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn random_sort_sequences_match_redis() {
    let mut p = parity!();
    for seed in SEEDS {
        random_run(&mut p, seed);
    }
    p.pair.resp3();
    random_run(&mut p, RESP3_SEED);
}

fn random_run(p: &mut Parity, seed: u64) {
    let mut rng = Lcg(seed);
    // Elements: numbers of every form and words.
    let elems = [
        "1", "2", "10", "-3", "0", "1.5", "abc", "b", "B", "", "007", "1e3", "-0",
    ];
    // Every element has a weight key and a hash, with values unique to
    // the element: equal weights would leave the order of their elements
    // to Redis's sort algorithm and, for sets and sorted sets, to its hash
    // tables (SORT's ties are compared in the deterministic tests).
    let weight = |rng: &mut Lcg, i: usize| format!("{}.{i}", rng.below(20) as i64 - 5);
    p.run_all(&["FLUSHALL", "SET str x"]);
    for (i, e) in elems.iter().enumerate() {
        let (w, f) = (weight(&mut rng, i), weight(&mut rng, i));
        p.run(&format!("SET \"w_{e}\" {w}"));
        p.run(&format!("HSET \"h_{e}\" f {f} g {}g{i}", rng.below(9)));
    }
    let keys = ["l1", "l2", "s1", "z1", "str", "d"];
    let gets = ["#", "w_*", "h_*->f", "nosuch_*", "h_*->nf", "h_*->g"];
    let bys = ["w_*", "h_*->f", "h_*->g", "nosort"];
    for step in 0..STEPS {
        let k = rng.pick(&keys);
        let i = rng.below(elems.len());
        let e = elems[i];
        let line = match rng.below(14) {
            0 | 1 => format!(
                "RPUSH {} \"{e}\" \"{}\"",
                rng.pick(&["l1", "l2"]),
                rng.pick(&elems)
            ),
            2 => format!("SADD s1 \"{e}\" \"{}\"", rng.pick(&elems)),
            3 => format!("ZADD z1 {} \"{e}\"", rng.below(5)),
            4 => format!("SET \"w_{e}\" {}", weight(&mut rng, i)),
            5 => format!(
                "HSET \"h_{e}\" f {} g {}g{i}",
                weight(&mut rng, i),
                rng.below(9)
            ),
            6 => match rng.below(3) {
                0 => format!("LREM {} 0 \"{e}\"", rng.pick(&["l1", "l2"])),
                1 => format!("SREM s1 \"{e}\""),
                _ => format!("ZREM z1 \"{e}\""),
            },
            7 => format!("DEL {}", rng.pick(&keys)),
            _ => {
                let mut line = format!("{} {k}", rng.pick(&["SORT", "SORT", "SORT_RO"]));
                let by = (rng.below(3) == 0).then(|| rng.pick(&bys));
                if let Some(by) = by {
                    line += &format!(" BY {by}");
                }
                // A set left unsorted comes in its hash table's order: a
                // range of it is not comparable.
                let unordered_set = k == "s1" && by == Some("nosort");
                if rng.below(3) == 0 && !unordered_set {
                    let offset = rng.below(6) as i64 - 1;
                    let count = rng.below(7) as i64 - 1;
                    line += &format!(" LIMIT {offset} {count}");
                }
                for _ in 0..rng.below(3) {
                    line += &format!(" GET {}", rng.pick(&gets));
                }
                if rng.below(2) == 0 {
                    line += " ALPHA";
                }
                line += rng.pick(&["", "", " DESC", " ASC"]);
                if line.starts_with("SORT ") && rng.below(4) == 0 {
                    // GET results are not elements with weights: they go
                    // to a key that is not sorted again.
                    let dst = if line.contains(" GET ") {
                        "out"
                    } else {
                        rng.pick(&["d", "l2", "str"])
                    };
                    line += &format!(" STORE {dst}");
                }
                line
            }
        };
        if std::env::var("SORTTRACE").is_ok() {
            eprintln!("seed {seed} step {step}: {line}");
        }
        if line.contains("s1 BY nosort") && !line.contains("STORE") {
            p.run_sorted(&line);
        } else {
            p.run(&line);
        }
        if rng.below(8) == 0 {
            for key in ["d", "l2", "str", "out"] {
                p.run(&format!("TYPE {key}"));
                p.run(&format!("LRANGE {key} 0 -1"));
            }
        }
    }
}
