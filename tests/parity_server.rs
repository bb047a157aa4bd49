//! Parity with real Redis 7.0: CONFIG, COMMAND, DBSIZE, FLUSHDB/FLUSHALL
//! and the server probes clients send on connect.

use support::parity;

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn config_get_and_set_with_redis_texts() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG GET maxclients",
        "CONFIG GET maxmemory-policy",
        "CONFIG GET notify-keyspace-events",
        "CONFIG GET nosuchparam",
        "CONFIG SET nosuchparam 1",
        "CONFIG SET maxmemory 10mb",
        "CONFIG GET maxmemory",
        "CONFIG SET maxmemory 1k",
        "CONFIG GET maxmemory",
        "CONFIG SET maxmemory abc",
        "CONFIG SET maxmemory-policy allkeys-lru",
        "CONFIG GET maxmemory-policy",
        "CONFIG SET maxmemory-policy bogus",
        "CONFIG SET appendonly maybe",
        "CONFIG SET notify-keyspace-events KEA",
        "CONFIG GET notify-keyspace-events",
        "CONFIG SET notify-keyspace-events Q",
        "CONFIG SET notify-keyspace-events \"\"",
        "CONFIG SET databases 4",
        "CONFIG SET hz 1000",
        "CONFIG GET hz",
        "CONFIG SET hz 10",
        "CONFIG SET maxmemory 0 maxmemory 1",
        "CONFIG SET a b c",
        "CONFIG SET hash-max-ziplist-entries 64",
        "CONFIG GET hash-max-listpack-entries",
        "CONFIG SET maxmemory 0",
        "CONFIG SET maxmemory-policy noeviction",
        "CONFIG RESETSTAT",
    ]);
    p.run_sorted("CONFIG GET maxmemory*");
    p.run_sorted("CONFIG GET maxclients hz");
    // What redis-benchmark asks before it starts.
    p.run_all(&["CONFIG GET save", "CONFIG GET appendonly"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn dbsize_and_flushes() {
    let mut p = parity!();
    p.run_all(&[
        "DBSIZE",
        "SET a 1",
        "SET b 2",
        "DBSIZE",
        "SELECT 1",
        "SET c 3",
        "FLUSHDB",
        "DBSIZE",
        "SELECT 0",
        "DBSIZE",
        "FLUSHDB ASYNC",
        "FLUSHDB SYNC",
        "FLUSHDB foo",
        "FLUSHDB a b",
        "SET a 1",
        "FLUSHALL",
        "DBSIZE",
        "FLUSHALL async",
        "FLUSHALL nope",
        "DBSIZE x",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_introspection_for_known_commands() {
    let mut p = parity!();
    p.run_all(&[
        "COMMAND INFO nosuchcommand",
        "COMMAND GETKEYS get",
        "COMMAND GETKEYS nosuch a",
        "COMMAND GETKEYS ping x",
        "COMMAND GETKEYS ZUNIONSTORE d 2 a b",
        "COMMAND GETKEYS ZUNION 2 a b WEIGHTS 1 2",
        "COMMAND GETKEYS LMPOP 2 a b LEFT",
        "COMMAND GETKEYS BLMPOP 0 2 a b LEFT",
        "COMMAND GETKEYS ZMPOP 1 a MIN",
        "COMMAND GETKEYS BZMPOP 0 2 a b MAX",
        "COMMAND GETKEYS SINTERCARD 2 a b",
        "COMMAND GETKEYS ZDIFFSTORE d 1 a",
        "COMMAND GETKEYS ZUNIONSTORE d 5 a b",
        "COMMAND GETKEYS LMPOP 0 a LEFT",
        "COMMAND GETKEYS ZRANGESTORE d s 0 1",
        "COMMAND GETKEYS MSET a 1 b 2",
        "COMMAND GETKEYS get a b",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn probes_that_clients_send_on_connect() {
    let mut p = parity!();
    p.run_all(&["ROLE", "WAIT 0 0", "LASTSAVE x", "SAVE x", "BGSAVE x y"]);
    let (sim, real) = p.both("INFO");
    for reply in [&sim, &real] {
        let text = String::from_utf8_lossy(reply);
        for section in ["# Server", "# Clients", "# Memory", "# Stats", "# Keyspace"] {
            assert!(text.contains(section), "{section} missing from {text}");
        }
        assert!(text.contains("redis_version:7.0."));
    }
    let (sim, real) = p.both("INFO nosuchsection");
    assert_eq!(sim, real);
}

/// Name, arity, flags, key positions and ACL categories of every command
/// redsim implements, as COMMAND INFO reports them, against Redis's.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn command_info_matches_redis_for_every_implemented_command() {
    let mut p = parity!();
    let list = p.pair.sim.call(&[b"COMMAND", b"LIST"]);
    let (_, names) = support::split_aggregate(&list, false).expect("COMMAND LIST is an array");
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for raw in names {
        // `$<len>\r\n<name>\r\n`
        let name = raw.split(|&b| b == b'\n').nth(1).unwrap_or_default();
        let name = &name[..name.len().saturating_sub(1)];
        if name == b"client|setinfo" {
            continue; // Redis 7.2's; accepted because clients send it.
        }
        let (sim, real) = p.pair.both_args(&[b"COMMAND", b"INFO", name]);
        // Compare the first seven fields of the one entry; flag and
        // category sets are sorted (their order is a set's).
        let fields = |reply: &[u8]| -> Vec<Vec<u8>> {
            let (_, outer) = support::split_aggregate(reply, false).unwrap_or_default();
            let Some(entry) = outer.first() else {
                return Vec::new();
            };
            let (_, items) = support::split_aggregate(entry, false).unwrap_or_default();
            items
                .into_iter()
                .take(7)
                .map(|f| support::sorted(&f, false))
                .collect()
        };
        let (a, b) = (fields(&sim), fields(&real));
        assert_eq!(b.len(), 7, "no COMMAND INFO from Redis for {name:?}");
        if a != b {
            mismatches.push(String::from_utf8_lossy(name).into_owned());
        }
        checked += 1;
    }
    assert!(checked > 200, "only {checked} commands checked");
    assert!(
        mismatches.is_empty(),
        "COMMAND INFO differs for {mismatches:?}"
    );
}

/// INFO commandstats adds up the time of commands shorter than a
/// microsecond, as Redis does (whole-microsecond differences), instead of
/// truncating each one to 0. (The arithmetic itself is unit-tested in
/// `conn::session`; this checks the wiring, in a release build also the
/// failure it fixes.)
#[test]
fn commandstats_time_adds_up_for_sub_microsecond_commands() {
    let server = redsim::Server::start().unwrap();
    let mut con = server.connection();
    let mut pipe = redis::pipe();
    for _ in 0..20_000 {
        pipe.cmd("GET").arg("missing");
    }
    let _: Vec<Option<String>> = pipe.query(&mut con).unwrap();
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query(&mut con)
        .unwrap();
    let line = stats
        .lines()
        .find(|l| l.starts_with("cmdstat_get:"))
        .expect("cmdstat_get");
    let usec: u64 = line
        .split(',')
        .find_map(|f| f.strip_prefix("usec="))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no usec in {line}"));
    assert!(line.contains("calls=20000,"), "{line}");
    // 20 000 GETs take well over a microsecond in all.
    assert!(usec > 0, "{line}");
}

/// Every command (and subcommand) of `COMMAND`'s reply on `con`, as
/// `(full name, arity, noscript)`.
fn command_table(con: &mut redis::Connection) -> std::collections::BTreeMap<String, (i64, bool)> {
    fn walk(v: &redis::Value, out: &mut std::collections::BTreeMap<String, (i64, bool)>) {
        let redis::Value::Array(fields) = v else {
            panic!("not a command entry: {v:?}");
        };
        let name: String = redis::from_redis_value(fields[0].clone()).expect("name");
        let arity: i64 = redis::from_redis_value(fields[1].clone()).expect("arity");
        let flags: Vec<String> = redis::from_redis_value(fields[2].clone()).expect("flags");
        out.insert(name, (arity, flags.iter().any(|f| f == "noscript")));
        if let Some(redis::Value::Array(subs)) = fields.get(9) {
            for sub in subs {
                walk(sub, out);
            }
        }
    }
    let all: Vec<redis::Value> = redis::cmd("COMMAND").query(con).expect("COMMAND");
    let mut out = std::collections::BTreeMap::new();
    for entry in &all {
        walk(entry, &mut out);
    }
    out
}

/// redsim's list of the Redis commands it lacks is Redis's: each command
/// of a real redis-server is in redsim's table or in that list, with
/// Redis's arity and noscript flag (scripts are refused by them), and none
/// is in both.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn every_redis_command_is_implemented_or_listed_as_absent() {
    let p = parity!();
    let real = command_table(
        &mut redis::Client::open(p.real_server.url())
            .unwrap()
            .get_connection()
            .unwrap(),
    );
    let sim = command_table(&mut p.sim_server.client().get_connection().unwrap());
    let absent: std::collections::BTreeMap<String, (i64, bool)> =
        redsim::internals::absent_commands()
            .iter()
            .map(|&(n, a, ns)| (n.to_string(), (i64::from(a), ns)))
            .collect();
    for (name, info) in &real {
        match (sim.contains_key(name), absent.get(name)) {
            (true, None) => {}
            (true, Some(_)) => panic!("{name} is implemented: take it off the absent list"),
            (false, Some(listed)) => assert_eq!(listed, info, "{name}: arity and noscript"),
            (false, None) => panic!("{name} is neither implemented nor listed as absent"),
        }
    }
    for name in absent.keys() {
        assert!(
            real.contains_key(name),
            "{name} is listed as absent but Redis has no such command"
        );
    }
}

/// A script calling a command Redis has and redsim lacks is refused as
/// Redis refuses it: arity first, then the noscript flag.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scripts_calling_absent_commands_are_refused_by_redis_s_flags() {
    let mut p = parity!();
    for body in [
        "return redis.pcall('cluster')",
        "return redis.pcall('cluster', 'nosuch')",
        "return redis.pcall('monitor')",
        "return redis.pcall('monitor', 'x')",
        "return redis.pcall('sync')",
        "return redis.pcall('replicaof', 'no', 'one')",
        "return redis.pcall('acl', 'whoami')",
        "return redis.pcall('module', 'list')",
        "return redis.pcall('nosuchcommand')",
        "return redis.pcall('xadd')",
    ] {
        p.run_args(&[b"EVAL", body.as_bytes(), b"0"]);
    }
}

/// The payload of a bulk (`$`) or verbatim (`=`, after its `txt:`) reply.
fn text_payload(reply: &[u8]) -> Vec<u8> {
    let start = reply
        .windows(2)
        .position(|w| w == b"\r\n")
        .expect("a header")
        + 2;
    let skip = if reply.first() == Some(&b'=') { 4 } else { 0 };
    reply[start + skip..reply.len() - 2].to_vec()
}

/// The lines of a text reply's payload.
fn lines_of(reply: &[u8]) -> Vec<Vec<u8>> {
    text_payload(reply)
        .split(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

/// MEMORY USAGE of `key` (default samples, SAMPLES 0, SAMPLES 1) on both
/// servers, byte for byte.
#[track_caller]
fn usage_matches(p: &mut support::Parity, key: &str) {
    for tail in ["", " SAMPLES 0", " SAMPLES 1"] {
        p.run(&format!("MEMORY USAGE {key}{tail}"));
    }
}

/// MEMORY USAGE counts what Redis 7.0 (jemalloc) counts, exactly, for
/// strings, keys and the compact encodings, and for collections whose
/// sampled elements are all alike.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_usage_matches_redis_for_strings_and_compact_encodings() {
    let mut p = parity!();
    let x = |n: usize| "x".repeat(n);
    // Strings: int, embstr, raw, and the sds header sizes of keys and values.
    p.run_all(&[
        "SET k v",
        "SET n 12345",
        "SET neg -1",
        "SET e \"\"",
        "INCR counter",
        "INCRBYFLOAT f 1.5",
        "SETRANGE sr 10 abc",
        "SETBIT sb 100 1",
        "APPEND ap hello",
    ]);
    for key in [
        "k",
        "n",
        "neg",
        "e",
        "counter",
        "f",
        "sr",
        "sb",
        "ap",
        "nosuchkey",
    ] {
        usage_matches(&mut p, key);
    }
    for n in [44, 45, 100, 255, 256, 1000, 14_000, 40_000, 70_000] {
        let key = format!("s{n}");
        p.run_args(&[b"SET", key.as_bytes(), x(n).as_bytes()]);
        usage_matches(&mut p, &key);
    }
    for n in [29, 30, 31, 32, 255, 256, 300] {
        let key = "k".repeat(n);
        p.run(&format!("SET {key} v"));
        usage_matches(&mut p, &key);
    }
    // Lists: quicklist nodes of listpacks, by size and by count.
    let words = |prefix: &str, n: usize| -> String {
        (0..n)
            .map(|i| format!("{prefix}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    p.run("RPUSH l1 a");
    p.run(&format!("RPUSH l100 {}", words("e", 100)));
    p.run(&format!("RPUSH l1000 {}", words("element-", 1000)));
    p.run(&format!(
        "RPUSH ints {}",
        (0..5000)
            .map(|i| (i * 37 - 9000).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    p.run(&format!("RPUSH wide {}", vec![x(3000); 20].join(" ")));
    // Nodes of different sizes: the sample count changes the answer.
    let lengths = [1, 7, 30, 64, 150, 300, 12, 90];
    let mixed: Vec<String> = (0..480)
        .map(|i| "y".repeat(lengths[i % 8] + i / 8))
        .collect();
    p.run(&format!("RPUSH mixed {}", mixed.join(" ")));
    for key in ["l1", "l100", "l1000", "ints", "wide", "mixed"] {
        usage_matches(&mut p, key);
    }
    assert_ne!(
        p.run("MEMORY USAGE mixed"),
        p.run("MEMORY USAGE mixed SAMPLES 0"),
        "the sample count matters for this list"
    );
    for fill in ["5", "-1", "-5"] {
        p.run(&format!("CONFIG SET list-max-listpack-size {fill}"));
        let key = format!("fill{fill}");
        p.run(&format!("RPUSH {key} {}", words("element-", 3000)));
        p.run(&format!("RPUSH {key}w {}", vec![x(3000); 7].join(" ")));
        usage_matches(&mut p, &key);
        usage_matches(&mut p, &format!("{key}w"));
    }
    p.run("CONFIG SET list-max-listpack-size -2");
    // Hashes: listpack (integers packed small), and a hashtable of alike
    // fields (sampling cannot miss).
    p.run("HSET h a 1 b hello c -5000 1 2 -70000 9999999999");
    p.run(&format!("HSET hlong {} {}", x(63), x(64)));
    p.run(&format!(
        "HSET h128 {}",
        (0..128)
            .map(|i| format!("f{i} v{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    p.run(&format!(
        "HSET h1000 {}",
        (0..1000)
            .map(|i| format!("f{i:04} v{i:04}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    p.run(&format!("HSET hbig a {}", x(100)));
    for key in ["h", "hlong", "h128", "h1000", "hbig"] {
        usage_matches(&mut p, key);
    }
    // Sets: intsets of 16, 32 and 64-bit members, small and converted
    // hashtables.
    p.run_all(&[
        "SADD i16 1 2 3 400 -5 -32768 32767",
        "SADD i32 1 70000 -32769",
        "SADD i64 1 1099511627776",
        "SADD strs a b c",
    ]);
    p.run(&format!(
        "SADD i513 {}",
        (0..513)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    for key in ["i16", "i32", "i64", "strs", "i513"] {
        usage_matches(&mut p, key);
    }
    // Sorted sets in a listpack: scores stored as integers where they are.
    p.run("ZADD z 1 a 2.5 b -3 c 0.1 d -0 e 1e300 f inf g -inf h 123456789012 i");
    p.run(
        "ZADD zbig 1e17 a 4611686018427387904 b 4611686018427387903 c 1e19 d \
         -4611686018427387904 e 9007199254740993 f 1e-300 g",
    );
    usage_matches(&mut p, "z");
    usage_matches(&mut p, "zbig");
    p.pair.resp3();
    usage_matches(&mut p, "z");
    usage_matches(&mut p, "nosuchkey");
}

/// Where Redis samples (hashtables, skiplists), counts a table it is still
/// rehashing (both tables, for a while after each doubling) or packs by
/// history (lists pushed at the head, popped, edited), MEMORY USAGE is an
/// estimate: within 15% of Redis's, and growing with the value.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_usage_estimates_sampled_collections_near_redis() {
    let mut p = parity!();
    let number = |reply: &[u8]| -> i64 {
        std::str::from_utf8(&reply[1..reply.len() - 2])
            .unwrap()
            .parse()
            .unwrap()
    };
    let check = |p: &mut support::Parity, key: &str| -> i64 {
        let (sim, real) = p.both(&format!("MEMORY USAGE {key} SAMPLES 0"));
        let (sim, real) = (number(&sim), number(&real));
        let off = (sim - real).abs() as f64 / real as f64;
        assert!(off < 0.15, "MEMORY USAGE {key}: redsim {sim}, Redis {real}");
        sim
    };
    let members = |n: usize, from: usize| -> String {
        (from..from + n)
            .map(|i| format!("{i} m{i:04}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    p.run(&format!("ZADD zs {}", members(200, 0)));
    let before = check(&mut p, "zs");
    p.run(&format!("ZADD zs {}", members(300, 200)));
    assert!(check(&mut p, "zs") > before);

    let strings = |n: usize| -> String {
        (0..n)
            .map(|i| format!("m{i:04}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    p.run(&format!("SADD ss {}", strings(200)));
    let before = check(&mut p, "ss");
    p.run(&format!("SADD ss {}", strings(2000)));
    assert!(check(&mut p, "ss") > before);

    let lengths = [1, 7, 30, 64, 150, 300, 12, 90];
    let mixed: Vec<String> = (0..500).map(|i| "y".repeat(lengths[i % 8])).collect();
    p.run(&format!("LPUSH lm {}", mixed.join(" ")));
    check(&mut p, "lm");
    p.run(&format!(
        "LPUSH lp {}",
        (0..1000)
            .map(|i| format!("element-{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    check(&mut p, "lp");
    p.run(&format!(
        "RPUSH rl {}",
        (0..1000)
            .map(|i| format!("element-{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let before = check(&mut p, "rl");
    p.run("LPOP rl 300");
    let after = check(&mut p, "rl");
    assert!(after < before);
}

/// MEMORY USAGE's options are checked before the key, with Redis's errors;
/// the lookup counts no hit or miss.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_usage_options_and_errors_match_redis() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v",
        "MEMORY USAGE",
        "MEMORY USAGE k SAMPLES",
        "MEMORY USAGE k SAMPLES -1",
        "MEMORY USAGE k SAMPLES x",
        "MEMORY USAGE k SAMPLES 1.5",
        "MEMORY USAGE k FOO 1",
        "MEMORY USAGE k SAMPLES 1 SAMPLES 2",
        "MEMORY USAGE k samples 9223372036854775807",
        "MEMORY USAGE k SAMPLES 99999999999999999999",
        "MEMORY USAGE nokey SAMPLES x",
        "MEMORY USAGE nokey SAMPLES -1",
        "MEMORY USAGE nokey BAR",
        "MEMORY USAGE nokey",
        "memory usage k",
        "CONFIG RESETSTAT",
        "MEMORY USAGE k",
        "MEMORY USAGE nokey",
    ]);
    let (sim, real) = p.both("INFO stats");
    for field in ["keyspace_hits", "keyspace_misses"] {
        let sim: u64 = support::info_field(&String::from_utf8_lossy(&sim), field);
        let real: u64 = support::info_field(&String::from_utf8_lossy(&real), field);
        assert_eq!((field, sim), (field, real));
    }
}

/// A reply's structure: map keys (even positions) as text, the rest by
/// type, recursively; the numbers themselves are left out.
fn shape(reply: &[u8], resp3: bool) -> String {
    match support::split_aggregate(reply, resp3) {
        Some((header, items)) => {
            let mut out = format!("{}[", header[0] as char);
            for (i, item) in items.iter().enumerate() {
                if i % 2 == 0 && item.first() == Some(&b'$') {
                    out.push_str(&String::from_utf8_lossy(&text_payload(item)));
                } else {
                    out.push_str(&shape(item, resp3));
                }
                out.push(' ');
            }
            out.push(']');
            out
        }
        None => (reply[0] as char).to_string(),
    }
}

/// MEMORY HELP, PURGE, DOCTOR, STATS and MALLOC-STATS as Redis answers
/// them: texts whole, STATS by its fields, their order and their types.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn memory_subcommands_match_redis() {
    let mut p = parity!();
    p.run_all(&[
        "MEMORY HELP",
        "MEMORY help",
        "MEMORY PURGE",
        "MEMORY DOCTOR",
        "MEMORY",
        "MEMORY NOSUCH",
        "MEMORY HELP x",
        "MEMORY PURGE x",
        "MEMORY DOCTOR x",
        "MEMORY STATS x",
        "MEMORY MALLOC-STATS x",
    ]);
    // Empty, then with keys in two databases, one with deadlines.
    let stats = |p: &mut support::Parity, resp3: bool| {
        let (sim, real) = p.both("MEMORY STATS");
        assert_eq!(shape(&sim, resp3), shape(&real, resp3));
    };
    stats(&mut p, false);
    p.run_all(&[
        "SET a 1",
        "SET b 2 EX 100",
        "SELECT 3",
        "RPUSH l a b c",
        "SELECT 0",
    ]);
    stats(&mut p, false);
    // Redis built with jemalloc prints its statistics; built with libc,
    // as redsim reports itself, a bulk string says there are none.
    let (sim, real) = p.both("MEMORY MALLOC-STATS");
    assert_eq!((sim[0], real[0]), (b'$', b'$'));
    assert_eq!(
        sim,
        b"$45\r\nStats not supported for the current allocator\r\n"
    );
    p.pair.resp3();
    stats(&mut p, true);
    p.run_all(&["MEMORY DOCTOR", "MEMORY HELP", "MEMORY PURGE"]);
    // libc's answer is a bulk string in RESP3 too (jemalloc's is verbatim).
    assert_eq!(
        p.pair.sim.call(&[b"MEMORY", b"MALLOC-STATS"]),
        b"$45\r\nStats not supported for the current allocator\r\n"
    );
}

/// Over 5 MB in use, MEMORY DOCTOR looks for problems: none of the
/// allocator or buffer problems it looks for exist here, but more than 1000
/// cached scripts are reported as Redis reports them. (Not a parity test:
/// a real Redis that size may well report its allocator's fragmentation.)
#[test]
fn memory_doctor_finds_no_issue_in_a_filled_server() {
    let server = redsim::Server::start().unwrap();
    let mut con = server.connection();
    let report = |con: &mut redsim::LocalConnection| -> String {
        redis::cmd("MEMORY").arg("DOCTOR").query(con).unwrap()
    };
    assert!(report(&mut con).starts_with("Hi Sam, this instance is empty"));
    let value = "v".repeat(1 << 20);
    for i in 0..6 {
        let _: () = redis::cmd("SET")
            .arg(format!("big{i}"))
            .arg(&value)
            .query(&mut con)
            .unwrap();
    }
    assert_eq!(
        report(&mut con),
        "Hi Sam, I can't find any memory issue in your instance. \
         I can only account for what occurs on this base.\n"
    );
    // The one issue it can find here: more than 1000 cached scripts.
    for i in 0..1001 {
        let _: String = redis::cmd("SCRIPT")
            .arg("LOAD")
            .arg(format!("return {i}"))
            .query(&mut con)
            .unwrap();
    }
    assert_eq!(
        report(&mut con),
        "Sam, I detected a few issues in this Redis instance memory implants:\n\n \
         * Many scripts: There seem to be many cached scripts in this instance (more than 1000). \
         This may be because scripts are generated and `EVAL`ed, instead of being parameterized \
         (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called \
         periodically, the scripts' caches may end up consuming most of your memory.\n\n\
         I'm here to keep you safe, Sam. I want to help you.\n"
    );
}

/// LOLWUT's deterministic answers, byte for byte: the version alone, the
/// errors, and the drawings small enough to hold no randomness.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lolwut_matches_redis_where_deterministic() {
    let mut p = parity!();
    let lines = [
        "LOLWUT",
        "LOLWUT 5",
        "LOLWUT foo bar",
        "LOLWUT VERSION",
        "LOLWUT VERSION 7",
        "LOLWUT VERSION 4",
        "LOLWUT VERSION 0",
        "LOLWUT VERSION -1",
        "LOLWUT VERSION 56",
        "LOLWUT VERSION x",
        "LOLWUT VERSION 1.5",
        "LOLWUT VERSION 99999999999999999999",
        "LOLWUT VERSION 5 x",
        "LOLWUT VERSION 5 10 x",
        "LOLWUT VERSION 5 10 3 x",
        "LOLWUT VERSION 6 x",
        "LOLWUT VERSION 6 10 y",
        // One square, one column, no padding: nothing random is drawn.
        "LOLWUT VERSION 5 0 0 0",
        "LOLWUT version 5 -5 -5 -5",
        "LOLWUT VERSION 5 1 1 1 extra",
        "LOLWUT VERSION 4294967301 1 1 1",
        // Two rows of squares: both unrotated.
        "LOLWUT VERSION 5 10 3 2",
        "LOLWUT VERSION 5 40 5 1",
        // A canvas of height 0.
        "LOLWUT VERSION 5 1 200 1",
        // One pixel, too small for any skyscraper.
        "LOLWUT VERSION 6 1 1",
        "LOLWUT VERSION 6 0 0",
        "LOLWUT VERSION 6 5 -1",
    ];
    p.run_all(&lines);
    p.pair.resp3();
    p.run_all(&lines);
}

/// LOLWUT's random drawings have Redis's shape: the canvas (line count and
/// width), the rows of squares that are not yet turned, and the closing
/// text; arguments are clamped as Redis clamps them.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lolwut_drawings_have_redis_s_shape() {
    let mut p = parity!();
    let schotter = |p: &mut support::Parity, line: &str, still: usize| {
        let (sim, real) = p.both(line);
        let (sim, real) = (lines_of(&sim), lines_of(&real));
        assert_eq!(sim.len(), real.len(), "{line}: line count");
        let widths = |l: &[Vec<u8>]| l.iter().map(Vec::len).collect::<Vec<_>>();
        assert_eq!(widths(&sim), widths(&real), "{line}: line lengths");
        assert_eq!(sim[..still], real[..still], "{line}: the unrotated rows");
        assert_eq!(
            sim[sim.len() - 2..],
            real[real.len() - 2..],
            "{line}: caption"
        );
    };
    // The first two rows of squares (braille lines 0-6 at the default
    // size) are drawn before any random turn.
    schotter(&mut p, "LOLWUT VERSION 5", 7);
    schotter(&mut p, "LOLWUT VERSION 5 66 8 12", 7);
    schotter(&mut p, "LOLWUT VERSION 5 20 4 6", 2);
    schotter(&mut p, "LOLWUT VERSION 5 5000 500 500", 2);
    schotter(&mut p, "LOLWUT VERSION 5 1000 200 200", 2);

    let skyline = |p: &mut support::Parity, line: &str| {
        let (sim, real) = p.both(line);
        let (sim, real) = (lines_of(&sim), lines_of(&real));
        assert_eq!(sim.len(), real.len(), "{line}: line count");
        // Pixels per line: each is one space between colour escapes.
        let pixels = |l: &[Vec<u8>]| {
            l[..l.len() - 3]
                .iter()
                .map(|row| row.windows(4).filter(|w| w == b"\x1b[0m").count())
                .collect::<Vec<_>>()
        };
        assert_eq!(pixels(&sim), pixels(&real), "{line}: pixels per line");
        assert_eq!(
            sim[sim.len() - 3..],
            real[real.len() - 3..],
            "{line}: caption"
        );
    };
    skyline(&mut p, "LOLWUT VERSION 6");
    skyline(&mut p, "LOLWUT VERSION 6 30 12");
    skyline(&mut p, "LOLWUT VERSION 6 5000 3");
    skyline(&mut p, "LOLWUT VERSION 6 3 5000");
}
