//! redsim's Sentinel: discovery commands, events on its pub/sub, a
//! failover asked for by the test and one driven by
//! `down-after-milliseconds` on the manual clock, and the `redis` crate's
//! sentinel client following the primary across a failover.

use std::time::Duration;

use redis::Commands;
use redis::sentinel::{SentinelClient, SentinelServerType};
use redsim::{ManualClock, ReplicationRole, Sentinel, Server};

const T: Duration = Duration::from_secs(10);

fn servers(clock: &ManualClock) -> (Server, Server, Server) {
    let start = || Server::builder().clock(clock).start().unwrap();
    let (primary, a, b) = (start(), start(), start());
    a.replicaof(primary.addr());
    b.replicaof(primary.addr());
    assert!(primary.wait_replicas(2, T));
    (primary, a, b)
}

fn is_primary(s: &Server) -> bool {
    matches!(s.replication().role, ReplicationRole::Primary { .. })
}

#[test]
fn discovery_commands_answer_as_sentinel_does() {
    let clock = ManualClock::new();
    let (primary, a, b) = servers(&clock);
    let sentinel = Sentinel::builder()
        .clock(&clock)
        .monitor("mymaster", &primary, &[&a, &b])
        .start()
        .unwrap();
    let mut con = sentinel.client().get_connection().unwrap();
    let addr: (String, u16) = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg("mymaster")
        .query(&mut con)
        .unwrap();
    assert_eq!(addr, ("127.0.0.1".to_string(), primary.addr().port()));
    let none: Option<(String, u16)> = redis::cmd("SENTINEL")
        .arg("get-master-addr-by-name")
        .arg("nope")
        .query(&mut con)
        .unwrap();
    assert_eq!(none, None);
    let masters: Vec<std::collections::HashMap<String, String>> = redis::cmd("SENTINEL")
        .arg("masters")
        .query(&mut con)
        .unwrap();
    assert_eq!(masters[0]["name"], "mymaster");
    assert_eq!(masters[0]["flags"], "master");
    assert_eq!(masters[0]["num-slaves"], "2");
    let replicas: Vec<std::collections::HashMap<String, String>> = redis::cmd("SENTINEL")
        .arg("replicas")
        .arg("mymaster")
        .query(&mut con)
        .unwrap();
    assert_eq!(replicas.len(), 2);
    assert_eq!(replicas[0]["master-link-status"], "ok");
    let sentinels: Vec<redis::Value> = redis::cmd("SENTINEL")
        .arg("sentinels")
        .arg("mymaster")
        .query(&mut con)
        .unwrap();
    assert!(sentinels.is_empty());
    let ok: String = redis::cmd("SENTINEL")
        .arg("ckquorum")
        .arg("mymaster")
        .query(&mut con)
        .unwrap();
    assert!(ok.starts_with("OK 1 usable Sentinels"), "{ok}");
    let down: (i64, String, i64) = redis::cmd("SENTINEL")
        .arg("is-master-down-by-addr")
        .arg("127.0.0.1")
        .arg(primary.addr().port())
        .arg(0)
        .arg("*")
        .query(&mut con)
        .unwrap();
    assert_eq!(down, (0, "*".to_string(), 0));
    let err = redis::cmd("SENTINEL")
        .arg("master")
        .arg("nope")
        .query::<redis::Value>(&mut con)
        .unwrap_err();
    assert_eq!(err.detail(), Some("No such master with that name"));
    let n: i64 = redis::cmd("SENTINEL")
        .arg("reset")
        .arg("*")
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn the_primary_down_past_down_after_fails_over_on_the_clock() {
    let clock = ManualClock::new();
    let (primary, a, b) = servers(&clock);
    let sentinel = Sentinel::builder()
        .clock(&clock)
        .down_after(Duration::from_secs(5))
        .monitor("mymaster", &primary, &[&a, &b])
        .start()
        .unwrap();
    let mut events = sentinel.client().get_connection().unwrap();
    redis::cmd("PSUBSCRIBE").arg("*").exec(&mut events).unwrap();
    primary.connection().set::<_, _, ()>("k", "v").unwrap();
    assert!(primary.wait_replicas(2, T));
    primary.power_off();
    clock.advance(Duration::from_secs(5));
    // Not yet: down for exactly down-after.
    assert!(!is_primary(&a) && !is_primary(&b));
    clock.advance(Duration::from_millis(1));
    let promoted = if is_primary(&a) { &a } else { &b };
    assert!(is_primary(promoted), "no replica was promoted");
    assert_eq!(
        sentinel.master_addr("mymaster").unwrap().1,
        promoted.addr().port()
    );
    let mut got = Vec::new();
    let _ = events.set_read_timeout(Some(Duration::from_secs(5)));
    while !got
        .iter()
        .any(|(c, _): &(String, String)| c == "+switch-master")
    {
        let msg = events.recv_response().unwrap();
        let items: Vec<String> = redis::FromRedisValue::from_redis_value(msg).unwrap();
        got.push((items[2].clone(), items[3].clone()));
    }
    let channels: Vec<&str> = got.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(&channels[..3], ["+sdown", "+odown", "+try-failover"]);
    let switch = &got.last().unwrap().1;
    assert_eq!(
        switch,
        &format!(
            "mymaster 127.0.0.1 {} 127.0.0.1 {}",
            primary.addr().port(),
            promoted.addr().port()
        )
    );
    // The other replica follows the new primary; the data is there.
    let other = if std::ptr::eq(promoted, &a) { &b } else { &a };
    promoted.db(0).assert_string("k", "v");
    promoted.connection().set::<_, _, ()>("after", "1").unwrap();
    assert!(promoted.wait_replicas(1, T));
    other.db(0).assert_string("after", "1");
    // The old primary comes back as a replica of the new one.
    primary.power_on().unwrap();
    clock.advance(Duration::from_millis(1));
    assert!(primary.wait_synced(T));
    assert!(promoted.wait_replicas(2, T));
    primary.db(0).assert_string("after", "1");
}

#[test]
fn the_redis_crate_sentinel_client_follows_a_failover() {
    let clock = ManualClock::new();
    let (primary, a, b) = servers(&clock);
    let sentinel = Sentinel::builder()
        .clock(&clock)
        .monitor("mymaster", &primary, &[&a, &b])
        .start()
        .unwrap();
    let mut client = SentinelClient::build(
        vec![sentinel.url()],
        "mymaster".to_string(),
        None,
        SentinelServerType::Master,
    )
    .unwrap();
    let mut con = client.get_connection().unwrap();
    con.set::<_, _, ()>("before", "1").unwrap();
    assert!(primary.wait_replicas(2, T));
    sentinel.failover("mymaster").unwrap();
    // The old connection now talks to a replica.
    let err = con.set::<_, _, ()>("x", "1").unwrap_err();
    assert_eq!(err.code(), Some("READONLY"));
    let mut con = client.get_connection().unwrap();
    con.set::<_, _, ()>("after", "2").unwrap();
    let v: String = con.get("before").unwrap();
    assert_eq!(v, "1");
    let new = sentinel.master_addr("mymaster").unwrap();
    assert_ne!(new.1, primary.addr().port());
}
