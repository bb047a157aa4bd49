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
