//! Parity with real Redis 7.0: pub/sub and keyspace notifications.

use std::time::Duration;

use support::{Pair, parity};

/// Reads `n` pushed messages from both sides and asserts they are equal
/// (sorted, where several arrive whose order Redis does not fix).
#[track_caller]
fn expect_messages(pair: &mut Pair, n: usize) {
    let mut sim = Vec::new();
    let mut real = Vec::new();
    for _ in 0..n {
        sim.push(
            pair.sim
                .try_read_reply(Duration::from_secs(5))
                .expect("redsim message"),
        );
        real.push(
            pair.real
                .try_read_reply(Duration::from_secs(5))
                .expect("redis message"),
        );
    }
    sim.sort();
    real.sort();
    assert_eq!(
        sim.iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect::<Vec<_>>(),
        real.iter()
            .map(|m| String::from_utf8_lossy(m).into_owned())
            .collect::<Vec<_>>()
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn unsubscribing_with_no_subscription_confirms_with_null() {
    let mut p = parity!();
    p.run_all(&[
        "UNSUBSCRIBE",
        "PUNSUBSCRIBE",
        "SUNSUBSCRIBE",
        "UNSUBSCRIBE nosuch",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn subscribed_mode_restricts_commands_in_resp2() {
    let mut p = parity!();
    p.run_all(&[
        "SUBSCRIBE a b",
        "PING",
        "PING x",
        "GET k",
        "MULTI",
        "SUBSCRIBE a",
        "PSUBSCRIBE p*",
        "SSUBSCRIBE s",
        "UNSUBSCRIBE a",
        "PUNSUBSCRIBE p*",
        "SUNSUBSCRIBE",
    ]);
    // Leaving every channel returns the connection to normal mode.
    p.run("UNSUBSCRIBE b");
    p.run_all(&["PING", "GET k"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_subscriptions_are_pushes_and_commands_stay_allowed() {
    let mut p = parity!();
    p.pair.resp3();
    p.run_all(&[
        "SUBSCRIBE a",
        "GET nokey",
        "PING",
        "UNSUBSCRIBE a",
        "UNSUBSCRIBE",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn publish_reaches_channel_and_pattern_subscribers() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    let mut psub = p.new_pair();
    sub.run("SUBSCRIBE news");
    psub.run("PSUBSCRIBE n*");
    p.run("PUBLISH news hello");
    p.run("PUBLISH other nobody");
    expect_messages(&mut sub, 1);
    expect_messages(&mut psub, 1);
    p.run_sorted("PUBSUB CHANNELS");
    p.run_all(&[
        "PUBSUB CHANNELS n*",
        "PUBSUB NUMSUB news other",
        "PUBSUB NUMPAT",
        "PUBSUB FOO",
    ]);
    p.run_all(&["PUBLISH", "SUBSCRIBE", "PUBSUB CHANNELS a b"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sharded_pubsub_is_separate() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    sub.run_all(&["SSUBSCRIBE s1", "SUBSCRIBE c1"]);
    p.run_all(&[
        "SPUBLISH s1 m",
        "PUBLISH s1 m",
        "PUBSUB SHARDCHANNELS",
        "PUBSUB SHARDNUMSUB s1 s2",
    ]);
    expect_messages(&mut sub, 1);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_messages_are_pushes() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    sub.resp3();
    sub.run("SUBSCRIBE c");
    p.run("PUBLISH c m");
    expect_messages(&mut sub, 1);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keyspace_and_keyevent_notifications() {
    let mut p = parity!();
    let mut sub = p.new_pair();
    p.run("CONFIG SET notify-keyspace-events KEA");
    sub.run("PSUBSCRIBE __key*__:*");
    p.run_all(&[
        "SET k v",
        "DEL k",
        "LPUSH l a",
        "EXPIRE l 100",
        "PERSIST l",
        "HSET h f v",
    ]);
    // set, del, lpush, expire, persist, hset: each as a keyspace and a keyevent message.
    expect_messages(&mut sub, 12);
    p.run("CONFIG SET notify-keyspace-events \"\"");
}
