//! Parity with real Redis 7.0: CONFIG, COMMAND, DBSIZE, FLUSHDB/FLUSHALL
//! and the server probes clients send on connect.

use support::parity;

#[test]
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
