//! Every expectation below was observed on a real Redis 7.0.15.
use super::parse::{c_strtoll, memtoull, string2d, string2ll};
use super::*;

fn get1(config: &Config, name: &str) -> String {
    let found = config.get(&[name.as_bytes()]);
    assert_eq!(found.len(), 1, "{name}");
    String::from_utf8(found[0].1.clone()).unwrap()
}

fn set1(config: &mut Config, name: &str, value: &str) -> Result<(), String> {
    config
        .set(&[(name.as_bytes(), value.as_bytes())])
        .map_err(CmdError::into_text)
}

fn failed(name: &str, why: &str) -> String {
    format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
}

#[test]
fn defaults_match_redis() {
    let config = Config::new();
    for (name, value) in [
        ("maxmemory", "0"),
        ("maxmemory-policy", "noeviction"),
        ("hash-max-listpack-entries", "512"),
        ("hash-max-ziplist-value", "64"),
        ("list-max-listpack-size", "-2"),
        ("zset-max-listpack-entries", "128"),
        ("proto-max-bulk-len", "536870912"),
        ("client-query-buffer-limit", "1073741824"),
        ("busy-reply-threshold", "5000"),
        ("lua-time-limit", "5000"),
        ("save", "3600 1 300 100 60 10000"),
        ("appendonly", "no"),
        ("databases", "16"),
        ("maxclients", "10000"),
        ("bind", "* -::*"),
        ("notify-keyspace-events", ""),
        ("unixsocketperm", "0"),
        ("latency-tracking-info-percentiles", "50 99 99.9"),
        ("oom-score-adj-values", "0 200 800"),
        (
            "client-output-buffer-limit",
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
        ),
        ("proc-title-template", "{title} {listen-addr} {server-mode}"),
        ("shutdown-on-sigterm", "default"),
        ("loading-process-events-interval-bytes", "2097152"),
        ("enable-debug-command", "yes"), // redsim deviation: Redis says "no"
    ] {
        assert_eq!(get1(&config, name), value, "{name}");
    }
    // `CONFIG GET *` lists 192 names (aliases included, hidden excluded).
    assert_eq!(config.get(&[b"*"]).len(), 192);
    let dir = std::env::current_dir().unwrap();
    assert_eq!(get1(&config, "dir"), dir.to_string_lossy());
}

#[test]
fn typed_accessors() {
    let mut config = Config::new();
    assert_eq!(config.requirepass(), None);
    assert_eq!(config.proto_max_bulk_len(), 512 << 20);
    assert_eq!(config.maxclients(), 10000);
    assert_eq!(config.notify_keyspace_events(), 0);
    assert_eq!(config.lua_time_limit_ms(), 5000);
    assert_eq!(config.hash_max_listpack_entries(), 512);
    assert_eq!(config.hash_max_listpack_value(), 64);
    assert_eq!(config.set_max_intset_entries(), 512);
    assert_eq!(config.zset_max_listpack_entries(), 128);
    assert_eq!(config.zset_max_listpack_value(), 64);
    assert_eq!(config.maxmemory_policy(), "noeviction");
    assert_eq!(config.lfu_log_factor(), 10);
    assert_eq!(config.lfu_decay_time(), 1);
    assert_eq!(config.client_query_buffer_limit(), 1 << 30);
    assert_eq!(config.timeout_secs(), 0);
    assert_eq!(config.databases(), 16);
    config.set_port(7801);
    assert_eq!(get1(&config, "port"), "7801");
    config
        .set(&[
            (b"requirepass", b"s3cret"),
            (b"lua-time-limit", b"250"),
            (b"maxmemory-policy", b"ALLKEYS-LFU"),
            (b"notify-keyspace-events", b"Kx"),
            (b"hash-max-ziplist-entries", b"7"),
            (b"proto-max-bulk-len", b"2mb"),
        ])
        .unwrap();
    assert_eq!(config.requirepass(), Some(&b"s3cret"[..]));
    assert_eq!(get1(&config, "requirepass"), "s3cret");
    assert_eq!(config.lua_time_limit_ms(), 250);
    assert_eq!(get1(&config, "busy-reply-threshold"), "250");
    assert_eq!(config.maxmemory_policy(), "allkeys-lfu");
    assert_eq!(
        config.notify_keyspace_events(),
        notify::KEYSPACE | notify::EXPIRED
    );
    assert_eq!(config.hash_max_listpack_entries(), 7);
    assert_eq!(config.proto_max_bulk_len(), 2 << 20);
}

#[test]
fn get_patterns_and_aliases() {
    let config = Config::new();
    let names = |patterns: &[&[u8]]| -> Vec<String> {
        config.get(patterns).into_iter().map(|(n, _)| n).collect()
    };
    assert_eq!(
        names(&[b"MAXMEM*", b"maxmemory"]),
        [
            "maxmemory",
            "maxmemory-clients",
            "maxmemory-eviction-tenacity",
            "maxmemory-policy",
            "maxmemory-samples"
        ]
    );
    // Exact names answer under the spelling used, once.
    assert_eq!(
        names(&[b"HASH-MAX-ZIPLIST-entries"]),
        ["HASH-MAX-ZIPLIST-entries"]
    );
    assert_eq!(names(&[b"maxmemory", b"MAXMEMORY"]), ["maxmemory"]);
    assert_eq!(
        names(&[b"hash-max-listpack-entries", b"hash-max-ziplist-entries"]),
        ["hash-max-listpack-entries", "hash-max-ziplist-entries"]
    );
    assert_eq!(
        names(&[b"hash-max-zip*"]),
        ["hash-max-ziplist-entries", "hash-max-ziplist-value"]
    );
    assert_eq!(names(&[b"slaveof", b"replicaof"]), ["replicaof", "slaveof"]);
    assert_eq!(names(&[b"nosuch"]), Vec::<String>::new());
    assert_eq!(names(&[b""]), Vec::<String>::new());
    // Hidden parameters need their exact name.
    assert_eq!(names(&[b"key-load-delay"]), ["key-load-delay"]);
    assert_eq!(
        names(&[b"*delay*"]),
        ["repl-disable-tcp-nodelay", "repl-diskless-sync-delay"]
    );
    assert_eq!(
        names(&[b"*cpulist*"]),
        [
            "aof_rewrite_cpulist",
            "bgsave_cpulist",
            "bio_cpulist",
            "server_cpulist"
        ]
    );
}

#[test]
fn error_texts() {
    let mut config = Config::new();
    let cases: &[(&str, &str, String)] = &[
        (
            "foo",
            "1",
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into(),
        ),
        (
            "daemonize",
            "yes",
            failed("daemonize", "can't set immutable config"),
        ),
        (
            "DATABASES",
            "1",
            failed("DATABASES", "can't set immutable config"),
        ),
        (
            "slaveof",
            "no one",
            failed("slaveof", "can't set immutable config"),
        ),
        ("dir", "/tmp", failed("dir", "can't set protected config")),
        (
            "dbfilename",
            "x.rdb",
            failed("dbfilename", "can't set protected config"),
        ),
        (
            "maxclients",
            "1k",
            failed("maxclients", "argument couldn't be parsed into an integer"),
        ),
        (
            "MAXCLIENTS",
            "0",
            failed(
                "maxclients",
                "argument must be between 1 and 4294967295 inclusive",
            ),
        ),
        (
            "Slave-Priority",
            "x",
            failed(
                "slave-priority",
                "argument couldn't be parsed into an integer",
            ),
        ),
        (
            "timeout",
            "-1",
            failed(
                "timeout",
                "argument must be between 0 and 2147483647 inclusive",
            ),
        ),
        (
            "proto-max-bulk-len",
            "1k",
            failed(
                "proto-max-bulk-len",
                "argument must be between 1048576 and 9223372036854775807 inclusive",
            ),
        ),
        (
            "maxmemory",
            "1t",
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            "maxmemory",
            "-1",
            failed("maxmemory", "argument must be a memory value"),
        ),
        (
            "maxmemory-clients",
            "101%",
            failed(
                "maxmemory-clients",
                "percentage argument must be less or equal to 100",
            ),
        ),
        (
            "maxmemory-clients",
            "x",
            failed(
                "maxmemory-clients",
                "argument must be a memory or percent value",
            ),
        ),
        (
            "activerehashing",
            "1",
            failed("activerehashing", "argument must be 'yes' or 'no'"),
        ),
        (
            "appendfsync",
            "sometimes",
            failed(
                "appendfsync",
                "argument(s) must be one of the following: everysec, always, no",
            ),
        ),
        (
            "shutdown-on-sigint",
            "save nosave",
            failed(
                "shutdown-on-sigint",
                "shutdown options SAVE and NOSAVE can't be used simultaneously",
            ),
        ),
        (
            "notify-keyspace-events",
            "KEAq",
            failed(
                "notify-keyspace-events",
                "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
            ),
        ),
        ("save", "3600", failed("save", "Invalid save parameters")),
        ("save", "0 1", failed("save", "Invalid save parameters")),
        (
            "client-output-buffer-limit",
            "normal 1 2",
            failed(
                "client-output-buffer-limit",
                "Wrong number of arguments in buffer limit configuration.",
            ),
        ),
        (
            "client-output-buffer-limit",
            "master 1 2 3",
            failed(
                "client-output-buffer-limit",
                "Invalid client class specified in buffer limit configuration.",
            ),
        ),
        (
            "client-output-buffer-limit",
            "normal 1 2 -1",
            failed(
                "client-output-buffer-limit",
                "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
            ),
        ),
        (
            "oom-score-adj-values",
            "1 2",
            failed("oom-score-adj-values", "wrong number of arguments"),
        ),
        (
            "oom-score-adj-values",
            "0 200 3000",
            failed(
                "oom-score-adj-values",
                "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
            ),
        ),
        (
            "latency-tracking-info-percentiles",
            "abc",
            failed(
                "latency-tracking-info-percentiles",
                "Invalid latency-tracking-info-percentiles parameters",
            ),
        ),
        (
            "latency-tracking-info-percentiles",
            "101",
            failed(
                "latency-tracking-info-percentiles",
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
            ),
        ),
        (
            "cluster-announce-hostname",
            "a_b",
            failed(
                "cluster-announce-hostname",
                "Hostnames may only contain alphanumeric characters, hyphens or dots",
            ),
        ),
        (
            "proc-title-template",
            "{title}",
            failed(
                "proc-title-template",
                "template format is invalid or contains unknown variables",
            ),
        ),
        (
            "bind",
            "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
            failed("bind", "Too many bind addresses specified."),
        ),
    ];
    for (name, value, expected) in cases {
        assert_eq!(
            set1(&mut config, name, value).unwrap_err(),
            *expected,
            "{name} {value}"
        );
    }
    let dup = config
        .set(&[(b"maxmemory", b"1"), (b"MAXMEMORY", b"2")])
        .map_err(CmdError::into_text);
    assert_eq!(dup.unwrap_err(), failed("MAXMEMORY", "duplicate parameter"));
}

#[test]
fn set_is_atomic_and_ordered() {
    let mut config = Config::new();
    let err = config
        .set(&[(b"maxmemory", b"5"), (b"maxclients", b"abc")])
        .unwrap_err()
        .into_text();
    assert_eq!(
        err,
        failed("maxclients", "argument couldn't be parsed into an integer")
    );
    assert_eq!(get1(&config, "maxmemory"), "0");
    // The first problem wins: names are checked before values.
    let err = config
        .set(&[(b"maxclients", b"abc"), (b"daemonize", b"yes")])
        .unwrap_err()
        .into_text();
    assert_eq!(err, failed("daemonize", "can't set immutable config"));
    let err = config
        .set(&[(b"daemonize", b"yes"), (b"foo", b"bar")])
        .unwrap_err()
        .into_text();
    assert_eq!(err, failed("daemonize", "can't set immutable config"));
    let err = config
        .set(&[(b"foo", b"bar"), (b"daemonize", b"yes")])
        .unwrap_err()
        .into_text();
    assert_eq!(
        err,
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
    );
    // An alias and its parameter are distinct names: the last one wins.
    config
        .set(&[
            (b"hash-max-ziplist-entries", b"1"),
            (b"hash-max-listpack-entries", b"2"),
        ])
        .unwrap();
    assert_eq!(get1(&config, "hash-max-ziplist-entries"), "2");
    config
        .set(&[
            (b"maxmemory", b"1mb"),
            (b"maxmemory-policy", b"allkeys-lru"),
        ])
        .unwrap();
    assert_eq!(get1(&config, "maxmemory"), "1048576");
    assert_eq!(get1(&config, "maxmemory-policy"), "allkeys-lru");
}

#[test]
fn values_are_normalised_like_redis() {
    let mut config = Config::new();
    for (name, value, shown) in [
        ("maxmemory", "1k", "1000"),
        ("maxmemory", "1Kb", "1024"),
        ("maxmemory", "1gb", "1073741824"),
        ("maxmemory", "1G", "1000000000"),
        ("maxmemory", "007", "7"),
        ("maxmemory", "", "0"),
        (
            "maxmemory",
            "99999999999999999999kb",
            "18446744073709550592",
        ),
        ("maxmemory-clients", "10%", "10%"),
        ("maxmemory-clients", "0%", "0"),
        ("hz", "0", "1"),
        ("hz", "1000", "500"),
        ("repl-backlog-size", "1k", "16384"),
        ("activerehashing", "YES", "yes"),
        ("oom-score-adj", "relative", "yes"),
        ("shutdown-on-sigint", "now nosave", "nosave now"),
        ("shutdown-on-sigint", "default save", "save"),
        ("save", "", ""),
        ("save", "3600 ", "3600 0"),
        ("save", "+5 +6", "5 6"),
        ("oom-score-adj-values", "+1 2 3", "1 2 3"),
        ("notify-keyspace-events", "KEA", "AKE"),
        ("notify-keyspace-events", "KEAmn", "AKEm"),
        ("notify-keyspace-events", "Kdt", "tdK"),
        (
            "latency-tracking-info-percentiles",
            "1e1 0.1234567 99.99999999",
            "10 0.123457 100",
        ),
        ("latency-tracking-info-percentiles", "0x10", "16"),
        ("latency-tracking-info-percentiles", "", ""),
        ("proc-title-template", "x{port}y", "x{port}y"),
    ] {
        set1(&mut config, name, value).unwrap();
        assert_eq!(get1(&config, name), shown, "{name} {value}");
    }
    set1(
        &mut config,
        "client-output-buffer-limit",
        "replica 1mb 2k 10",
    )
    .unwrap();
    set1(
        &mut config,
        "client-output-buffer-limit",
        "NORMAL 1 2 3 pubsub 4 5 6",
    )
    .unwrap();
    assert_eq!(
        get1(&config, "client-output-buffer-limit"),
        "normal 1 2 3 slave 1048576 2000 10 pubsub 4 5 6"
    );
}

#[test]
fn startup_settings_reach_immutable_parameters() {
    let mut config = Config::new();
    let pairs: &[(&[u8], &[u8])] = &[(b"databases", b"32"), (b"dir", b"/tmp")];
    config.set_startup(pairs).unwrap();
    assert_eq!(config.databases(), 32);
    assert_eq!(get1(&config, "dir"), "/tmp");
    let err = config
        .set_startup(&[(b"databases", b"0")])
        .unwrap_err()
        .into_text();
    assert_eq!(
        err,
        failed(
            "databases",
            "argument must be between 1 and 2147483647 inclusive"
        )
    );
    assert!(config.set(&[(b"databases", b"8")]).is_err());
}

#[test]
fn notify_flags() {
    assert_eq!(parse_notify_flags(b"A"), Some(notify::ALL));
    assert_eq!(notify::ALL & (notify::KEY_MISS | notify::NEW), 0);
    assert_eq!(parse_notify_flags(b"kea"), None);
    assert_eq!(parse_notify_flags(b""), Some(0));
    for (input, shown) in [
        ("Ex", "xE"),
        ("g$lshzxetd", "A"),
        ("Kn", "nK"),
        ("$gl", "g$l"),
    ] {
        let flags = parse_notify_flags(input.as_bytes()).unwrap();
        assert_eq!(format_notify_flags(flags), shown);
    }
}

#[test]
fn parsers() {
    assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
    for bad in ["", "-0", "+1", "01", " 1", "1 ", "9223372036854775808"] {
        assert_eq!(string2ll(bad.as_bytes()), None, "{bad}");
    }
    assert_eq!(memtoull(b"kb"), Some(0));
    assert_eq!(memtoull(b"1MB"), Some(1 << 20));
    assert_eq!(memtoull(b"0x10"), None);
    assert_eq!(c_strtoll(b""), Some(0));
    assert_eq!(c_strtoll(b"\t+7"), Some(7));
    assert_eq!(c_strtoll(b" "), None);
    assert_eq!(string2d(b"1e400"), None);
    assert_eq!(string2d(b"inf"), Some(f64::INFINITY));
}

#[test]
fn one_parameter_by_name_alias_or_case() {
    let mut config = Config::new();
    assert_eq!(config.value("hash-max-listpack-entries"), b"512");
    assert_eq!(config.value("HASH-MAX-ZIPLIST-ENTRIES"), b"512");
    assert_eq!(config.value("no-such-parameter"), b"");
    assert_eq!(config.int("list-max-listpack-size"), Some(-2));
    assert_eq!(config.int("maxmemory-policy"), None);
    assert_eq!(config.int("no-such-parameter"), None);
    assert!(!config.yes("cluster-enabled"));
    set1(&mut config, "appendonly", "yes").unwrap();
    assert!(config.yes("appendonly"));
    assert!(!config.yes("no-such-parameter"));
}
