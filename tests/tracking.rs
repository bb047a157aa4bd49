//! Client-side caching as code under test meets it: the `redis` crate's
//! own client-side cache (RESP3, CLIENT TRACKING) over TCP seeing another
//! client's write, RESP3 push invalidations through the in-process
//! connection, and invalidations of keys that expire on the manual clock,
//! that a flush removes, and that leave a full tracking table.

use std::time::Duration;

use redis::{AsyncCommands, PushKind, Value};

/// The pushes `con` received, as (kind, keys) — `None` keys for a
/// flush's "everything".
fn invalidations(con: &redsim::LocalConnection) -> Vec<Option<Vec<String>>> {
    con.pushes()
        .into_iter()
        .filter_map(|v| match v {
            Value::Push {
                kind: PushKind::Invalidate,
                data,
            } => Some(match data.into_iter().next() {
                Some(Value::Array(keys)) => Some(
                    keys.into_iter()
                        .map(|k| redis::from_redis_value(k).unwrap())
                        .collect(),
                ),
                _ => None,
            }),
            _ => None,
        })
        .collect()
}

fn tracking_connection(server: &redsim::Server, options: &[&str]) -> redsim::LocalConnection {
    let mut con = server.connection();
    let _: Value = redis::cmd("HELLO").arg(3).query(&mut con).unwrap();
    let mut cmd = redis::cmd("CLIENT");
    cmd.arg("TRACKING").arg("ON");
    for o in options {
        cmd.arg(*o);
    }
    cmd.exec(&mut con).unwrap();
    con
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_crate_cache_drops_a_value_another_client_changed() {
    let server = redsim::Server::start().unwrap();
    let url = format!("redis://{}/?protocol=resp3", server.addr());
    let client = redis::Client::open(url).unwrap();
    let config =
        redis::AsyncConnectionConfig::new().set_cache_config(redis::caching::CacheConfig::new());
    let mut cached = client
        .get_multiplexed_async_connection_with_config(&config)
        .await
        .unwrap();
    let mut writer = server.connection();
    let () = writer.set("greeting", "hello").await.unwrap();
    let v: String = cached.get("greeting").await.unwrap();
    assert_eq!(v, "hello");
    // Served from the crate's cache now.
    let v: String = cached.get("greeting").await.unwrap();
    assert_eq!(v, "hello");
    let stats = cached.get_cache_statistics().unwrap();
    assert_eq!((stats.hit, stats.miss), (1, 1));
    let () = writer.set("greeting", "bonjour").await.unwrap();
    // The invalidation arrives on the cached connection by itself.
    let mut seen = false;
    for _ in 0..500 {
        if cached.get_cache_statistics().unwrap().invalidate > 0 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(seen, "no invalidation reached the cache");
    let v: String = cached.get("greeting").await.unwrap();
    assert_eq!(v, "bonjour");
}

#[test]
fn in_process_clients_get_resp3_invalidation_pushes() {
    let server = redsim::Server::start().unwrap();
    let mut tracker = tracking_connection(&server, &[]);
    let mut other = server.connection();
    let _: Option<String> = redis::Commands::get(&mut tracker, "k").unwrap();
    let _: Value = redis::cmd("MGET")
        .arg("a")
        .arg("b")
        .query(&mut tracker)
        .unwrap();
    redis::cmd("SET")
        .arg("k")
        .arg("1")
        .exec(&mut other)
        .unwrap();
    redis::cmd("DEL")
        .arg("a")
        .arg("b")
        .exec(&mut other)
        .unwrap();
    // Deleting keys that do not exist changes nothing.
    redis::cmd("DEL").arg("k2").exec(&mut other).unwrap();
    assert_eq!(invalidations(&tracker), [Some(vec!["k".to_string()])]);
    // Still cached (they did not exist, nothing changed): told now.
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .exec(&mut other)
        .unwrap();
    assert_eq!(invalidations(&tracker), [Some(vec!["a".to_string()])]);
    // Its own write: after its reply.
    let _: Option<String> = redis::Commands::get(&mut tracker, "k").unwrap();
    redis::cmd("SET")
        .arg("k")
        .arg("2")
        .exec(&mut tracker)
        .unwrap();
    assert_eq!(invalidations(&tracker), [Some(vec!["k".to_string()])]);
}

#[test]
fn keys_expiring_on_the_manual_clock_are_invalidated_without_any_command() {
    let (clock, server) = support::manual_server();
    let mut writer = server.connection();
    redis::cmd("SET")
        .arg("session")
        .arg("x")
        .arg("PX")
        .arg(1000)
        .exec(&mut writer)
        .unwrap();
    let mut tracker = tracking_connection(&server, &[]);
    let _: Option<String> = redis::Commands::get(&mut tracker, "session").unwrap();
    clock.advance(Duration::from_millis(999));
    assert_eq!(invalidations(&tracker), []);
    clock.advance(Duration::from_millis(2));
    assert_eq!(invalidations(&tracker), [Some(vec!["session".to_string()])]);
}

#[test]
fn bcast_clients_hear_of_expiries_under_their_prefix() {
    let (clock, server) = support::manual_server();
    let tracker = tracking_connection(&server, &["BCAST", "PREFIX", "cache:"]);
    let mut writer = server.connection();
    for key in ["cache:1", "cache:2", "other"] {
        redis::cmd("SET")
            .arg(key)
            .arg("v")
            .arg("PX")
            .arg(10)
            .exec(&mut writer)
            .unwrap();
    }
    assert_eq!(invalidations(&tracker).len(), 2);
    clock.advance(Duration::from_millis(11));
    // Both expiries of this moment, in one message.
    assert_eq!(
        invalidations(&tracker),
        [Some(vec!["cache:1".to_string(), "cache:2".to_string()])]
    );
}

#[test]
fn flushes_tell_every_tracking_client_that_everything_is_invalid() {
    let server = redsim::Server::start().unwrap();
    let tracker = tracking_connection(&server, &[]);
    let mut other = server.connection();
    redis::cmd("FLUSHALL").exec(&mut other).unwrap();
    redis::cmd("FLUSHDB").exec(&mut other).unwrap();
    assert_eq!(invalidations(&tracker), [None, None]);
}

#[test]
fn a_full_tracking_table_lets_keys_go_and_says_so() {
    let server = redsim::Server::start().unwrap();
    let mut tracker = tracking_connection(&server, &[]);
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("tracking-table-max-keys")
        .arg(2)
        .exec(&mut tracker)
        .unwrap();
    for key in ["a", "b", "c"] {
        let _: Option<String> = redis::Commands::get(&mut tracker, key).unwrap();
    }
    // Before the next command the table goes back to two keys: one of the
    // three is invalidated (which one is random, as in Redis).
    redis::cmd("PING").exec(&mut tracker).unwrap();
    let got = invalidations(&tracker);
    assert_eq!(got.len(), 1, "{got:?}");
    let keys = support::info_of(&mut tracker, "stats", "tracking_total_keys");
    assert_eq!(keys.as_deref(), Some("2"));
}
