//! Parity with real Redis 7.0: the generic key commands.
//!
//! The same commands go to redsim and to a real `redis-server` and the raw
//! replies are compared (sorted where Redis's order is unspecified). Both
//! run on the wall clock here, so only times that cannot drift apart
//! within a test are compared: TTLs in whole seconds well away from a
//! rounding edge, and absolute deadlines (EXPIREAT, EXPIRETIME).
//! Everything finer — the exact millisecond of expiry, TTL rounding, idle
//! times, LFU decay — is tested on a manual clock in `keys.rs`.

use support::{RawClient, parity, split_aggregate};

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn del_unlink_exists_type_touch() {
    let mut p = parity!();
    p.run_all(&[
        "SET a 1",
        "SET b hello",
        "SET c x",
        "EXISTS a",
        "EXISTS a a nosuch b a",
        "EXISTS nosuch",
        "TYPE a",
        "TYPE nosuch",
        "TOUCH a b nosuch a",
        "DEL a a nosuch",
        "DEL a",
        "UNLINK b c b",
        "EXISTS a b c",
        "DEL",
        "UNLINK",
        "EXISTS",
        "TYPE",
        "TYPE a b",
        "TOUCH",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn expire_options_and_their_errors() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v",
        "EXPIRE k 100 NX XX",
        "EXPIRE k 100 nx gt",
        "EXPIRE k 100 NX LT",
        "EXPIRE k 100 GT LT",
        "EXPIRE k 100 FOO",
        "EXPIRE k abc FOO",
        "EXPIRE k abc NX XX",
        "EXPIRE k abc",
        "EXPIRE k 1.5",
        "EXPIRE k",
        "EXPIRE nosuch 100",
        "EXPIRE nosuch 100 NX",
        // No deadline yet: XX and GT refuse, LT and NX set.
        "EXPIRE k 100 XX",
        "EXPIRE k 100 GT",
        "TTL k",
        "EXPIRE k 100 LT",
        "TTL k",
        "PERSIST k",
        "EXPIRE k 100 NX",
        "TTL k",
        // With a deadline: NX refuses, XX sets, GT and LT compare.
        "EXPIRE k 200 NX",
        "EXPIRE k 200 XX",
        "TTL k",
        "EXPIRE k 150 GT",
        "EXPIRE k 300 gt",
        "TTL k",
        "EXPIRE k 400 LT",
        "EXPIRE k 50 lt",
        "TTL k",
        // A second less (not the same 50: the two servers' clocks tick on
        // their own, and one may cross a millisecond between the commands).
        "EXPIRE k 49 XX GT",
        "EXPIRE k 60 XX GT",
        "TTL k",
        "EXPIRE k 60 nx nx",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn expire_overflow_errors_name_the_command() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v",
        "EXPIRE k 9223372036854775807",
        "EXPIRE k -9223372036854775808",
        "EXPIRE k 9223372036854776",
        "EXPIRE k 9223372036854775",
        "EXPIREAT k 9223372036854776",
        "PEXPIRE k 9223372036854775807",
        "EXPIRE k 99999999999999999999",
        "EXISTS k",
        "SET k v",
        "PEXPIREAT k 9223372036854775807",
        "PEXPIRETIME k",
        "EXPIRETIME k",
        "PERSIST k",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn a_deadline_in_the_past_deletes_the_key_and_replies_one() {
    let mut p = parity!();
    p.run_all(&[
        "SET a 1",
        "EXPIRE a -1",
        "EXISTS a",
        "SET a 1",
        "EXPIRE a 0",
        "EXISTS a",
        "SET a 1",
        "PEXPIRE a -100 LT",
        "EXISTS a",
        "SET a 1",
        "EXPIREAT a 1",
        "EXISTS a",
        "SET a 1",
        "PEXPIREAT a 0",
        "EXISTS a",
        "SET a 1",
        "PEXPIREAT a -9223372036854775808",
        "EXISTS a",
        // A refused condition keeps the key even with a past time.
        "SET a 1",
        "EXPIRE a -1 XX",
        "EXPIRE a -1 GT",
        "EXISTS a",
        "EXPIRE nosuch -1",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn ttl_family_and_persist() {
    let mut p = parity!();
    p.run_all(&[
        "TTL nosuch",
        "PTTL nosuch",
        "EXPIRETIME nosuch",
        "PEXPIRETIME nosuch",
        "SET k v",
        "TTL k",
        "PTTL k",
        "EXPIRETIME k",
        "PEXPIRETIME k",
        "PERSIST k",
        "PERSIST nosuch",
        "EXPIREAT k 4102444800",
        "EXPIRETIME k",
        "PEXPIRETIME k",
        "PEXPIREAT k 4102444800499",
        "EXPIRETIME k",
        "PEXPIREAT k 4102444800500",
        "EXPIRETIME k",
        "PEXPIRETIME k",
        "EXPIRE k 1000",
        "TTL k",
        "PERSIST k",
        "TTL k",
        "PERSIST k",
        "TTL",
        "TTL a b",
        "PERSIST",
        "EXPIRETIME a b",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn rename_and_renamenx() {
    let mut p = parity!();
    p.run_all(&[
        "RENAME nosuch x",
        "RENAME nosuch nosuch",
        "RENAMENX nosuch x",
        "RENAMENX nosuch nosuch",
        "SET a 1",
        "RENAME a a",
        "RENAMENX a a",
        "EXPIREAT a 4102444800",
        "RENAME a b",
        "EXISTS a",
        "GET b",
        "EXPIRETIME b",
        "SET c 3",
        "RENAMENX b c",
        "GET c",
        "RENAME b c",
        "GET c",
        "EXPIRETIME c",
        "EXISTS b",
        "RENAMENX c d",
        "GET d",
        "EXPIRETIME d",
        "RENAME",
        "RENAME a",
        "RENAME a b c",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn copy_with_db_and_replace() {
    let mut p = parity!();
    p.run_all(&[
        "SET src hello",
        "EXPIREAT src 4102444800",
        "COPY src src",
        "COPY src src DB 0",
        "COPY src dst DB 16",
        "COPY src dst DB -1",
        "COPY src dst DB abc",
        "COPY src dst DB 99999999999",
        "COPY src dst DB",
        "COPY src dst FOO",
        "COPY nosuch dst",
        "COPY src dst",
        "GET dst",
        "EXPIRETIME dst",
        "SET other x",
        "COPY src other",
        "GET other",
        "COPY src other REPLACE",
        "GET other",
        "EXPIRETIME other",
        "COPY src src DB 1",
        "COPY src dst db 1 replace",
        "SELECT 1",
        "GET src",
        "GET dst",
        "EXPIRETIME dst",
        "SELECT 0",
        "SET n 5",
        "COPY n n2",
        "OBJECT ENCODING n2",
        "GET n2",
        "COPY",
        "COPY a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn move_between_databases() {
    let mut p = parity!();
    p.run_all(&[
        "SET k v",
        "EXPIREAT k 4102444800",
        "MOVE k 0",
        "MOVE k 16",
        "MOVE k -1",
        "MOVE k abc",
        "MOVE k 99999999999",
        "MOVE k 99999999999999999999",
        "MOVE nosuch 1",
        "MOVE nosuch 0",
        "MOVE k 1",
        "EXISTS k",
        "MOVE k 1",
        "SELECT 1",
        "GET k",
        "EXPIRETIME k",
        "SET k other",
        "SELECT 0",
        "SET k mine",
        "MOVE k 1",
        "GET k",
        "MOVE",
        "MOVE k",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn swapdb_swaps_for_every_client() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["SET a zero", "SELECT 1", "SET b one", "SELECT 0"]);
    other.run("SELECT 1");
    p.run_all(&[
        "SWAPDB 0 1",
        "GET a",
        "GET b",
        "SWAPDB 0 0",
        "SWAPDB 0 16",
        "SWAPDB -1 0",
        "SWAPDB a 1",
        "SWAPDB 1 a",
        "SWAPDB 99999999999 1",
        "SWAPDB 1 99999999999",
        "SWAPDB 0",
    ]);
    other.run_all(&["GET a", "GET b"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keys_with_patterns() {
    let mut p = parity!();
    p.run_all(&[
        "SET hello 1",
        "SET hallo 1",
        "SET hxllo 1",
        "SET hllo 1",
        "SET heeeello 1",
        "SET \"h*llo\" 1",
        "SET user:1 1",
        "SET user:2 1",
        "SET USER:3 1",
    ]);
    for pattern in [
        "*", "h?llo", "h*llo", "user:*", "USER:*", "*:?", "nomatch*", "",
    ] {
        p.run_sorted(&format!("KEYS \"{pattern}\""));
    }
    p.run_all(&["KEYS", "KEYS a b"]);
}

/// Character classes and escapes: these exercise `crate::glob` through
/// KEYS (the glob module's own tests cover it in depth).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keys_with_classes_and_escapes() {
    let mut p = parity!();
    p.run_all(&[
        "SET hello 1",
        "SET hallo 1",
        "SET hxllo 1",
        "SET \"h*llo\" 1",
    ]);
    for pattern in ["h[ae]llo", "h[^e]llo", "h[a-b]llo", "h\\*llo", "h[*]llo"] {
        p.run_sorted(&format!("KEYS \"{pattern}\""));
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn randomkey_on_empty_and_single_key_databases() {
    let mut p = parity!();
    p.run_all(&[
        "RANDOMKEY",
        "SET only 1",
        "RANDOMKEY",
        "RANDOMKEY",
        "RANDOMKEY x",
    ]);
}

/// Runs a whole SCAN with `options` and returns the keys seen, sorted and
/// without duplicates.
fn full_scan(client: &mut RawClient, options: &[&str]) -> Vec<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut seen = Vec::new();
    for _ in 0..100_000 {
        let mut args: Vec<&[u8]> = vec![b"SCAN", &cursor];
        args.extend(options.iter().map(|o| o.as_bytes()));
        let reply = client.call(&args);
        let (_, items) = split_aggregate(&reply, false).expect("SCAN replies an array");
        let (_, keys) =
            split_aggregate(&items[1], false).expect("SCAN's second element is an array");
        seen.extend(keys);
        cursor = bulk_text(&items[0]);
        if cursor == b"0" {
            seen.sort();
            seen.dedup();
            return seen;
        }
    }
    panic!("SCAN never ended");
}

/// The text of a raw bulk-string reply.
fn bulk_text(raw: &[u8]) -> Vec<u8> {
    let start = raw.iter().position(|&b| b == b'\n').expect("bulk header") + 1;
    raw[start..raw.len() - 2].to_vec()
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scan_returns_the_same_keys_and_errors() {
    let mut p = parity!();
    for i in 0..200 {
        p.run(&format!("SET key:{i} {i}"));
        if i % 3 == 0 {
            p.run(&format!("SET other:{i} x"));
        }
    }
    for options in [
        &[][..],
        &["COUNT", "1"],
        &["COUNT", "1000"],
        &["MATCH", "key:1*"],
        &["MATCH", "*", "COUNT", "7"],
        &["match", "other:*", "count", "3"],
        &["TYPE", "string"],
        &["TYPE", "STRING", "MATCH", "key:?"],
        &["TYPE", "list"],
        &["TYPE", "nosuchtype"],
    ] {
        let sim = full_scan(&mut p.pair.sim, options);
        let real = full_scan(&mut p.pair.real, options);
        assert_eq!(sim, real, "SCAN with {options:?}");
    }
    p.run_all(&[
        "SCAN abc",
        "SCAN \" 1\"",
        "SCAN \"1 \"",
        "SCAN +",
        "SCAN 18446744073709551616",
        "SCAN 0x10",
        "SCAN 0 COUNT 0",
        "SCAN 0 COUNT -1",
        "SCAN 0 COUNT abc",
        "SCAN 0 COUNT",
        "SCAN 0 MATCH",
        "SCAN 0 TYPE",
        "SCAN 0 FOO bar",
        "SCAN abc COUNT 0",
        "SCAN",
    ]);
    // Cursors Redis's strtoul accepts; in an empty database every one ends at once.
    p.run("SELECT 3");
    for cursor in ["\"\"", "+0", "-0", "-1", "18446744073709551615", "5"] {
        p.run(&format!("SCAN {cursor}"));
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn object_subcommands() {
    let mut p = parity!();
    p.run_all(&[
        "SET int 12345",
        "SET small 5",
        "SET neg -5",
        "SET emb hello",
        "SET raw 0123456789012345678901234567890123456789012345",
        "SET edge 01234567890123456789012345678901234567890123",
        "OBJECT ENCODING int",
        "OBJECT ENCODING small",
        "OBJECT ENCODING emb",
        "OBJECT ENCODING raw",
        "OBJECT ENCODING edge",
        "OBJECT ENCODING nosuch",
        "OBJECT REFCOUNT small",
        "OBJECT REFCOUNT int",
        "OBJECT REFCOUNT neg",
        "OBJECT REFCOUNT emb",
        "OBJECT REFCOUNT nosuch",
        "OBJECT FREQ emb",
        "OBJECT FREQ nosuch",
        "OBJECT IDLETIME nosuch",
        "OBJECT HELP",
        "OBJECT help",
        "OBJECT",
        "OBJECT ENCODING",
        "OBJECT ENCODING a b",
        "OBJECT HELP x",
        "OBJECT FOO k",
    ]);
    p.pair.resp3();
    p.run_all(&[
        "OBJECT ENCODING nosuch",
        "OBJECT FREQ nosuch",
        "OBJECT HELP",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn object_freq_under_an_lfu_policy() {
    let mut p = parity!();
    p.run_all(&[
        "CONFIG SET maxmemory-policy allkeys-lfu",
        "SET k hello",
        // A new value starts at 5; the first access from 5 always counts.
        "OBJECT FREQ k",
        "GET k",
        "OBJECT FREQ k",
        "OBJECT IDLETIME k",
        "OBJECT IDLETIME nosuch",
        "OBJECT FREQ nosuch",
        "CONFIG SET maxmemory-policy noeviction",
        "OBJECT FREQ k",
    ]);
}
