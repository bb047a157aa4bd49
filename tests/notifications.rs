//! Keyspace notifications that only a controllable clock can show: the
//! `expired` event fired when time moves, with nobody touching the key.

use std::time::Duration;

use redsim::{ManualClock, Server};

#[test]
fn expired_events_fire_when_the_manual_clock_moves() {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = server.connection();
    let listener = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("Ex")
        .exec(&mut con)
        .unwrap();
    let mut l = listener.clone();
    let _: redis::Value = redis::cmd("SUBSCRIBE")
        .arg("__keyevent@0__:expired")
        .query(&mut l)
        .unwrap();
    redis::cmd("SET")
        .arg("session")
        .arg("x")
        .arg("PX")
        .arg(1500)
        .exec(&mut con)
        .unwrap();
    clock.advance(Duration::from_millis(1500));
    assert!(
        listener.pushes().is_empty(),
        "alive through its deadline millisecond"
    );
    clock.advance(Duration::from_millis(1));
    let pushes = listener.pushes();
    assert_eq!(pushes.len(), 1, "{pushes:?}");
    let msg = redis::Msg::from_value(&pushes[0]).unwrap();
    assert_eq!(msg.get_channel_name(), "__keyevent@0__:expired");
    assert_eq!(msg.get_payload::<String>().unwrap(), "session");
}

#[test]
fn expired_events_reach_tcp_subscribers_without_any_access() {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("Kx")
        .exec(&mut con)
        .unwrap();
    let mut pubsub = server.client().get_connection().unwrap();
    let mut pubsub = pubsub.as_pubsub();
    pubsub.psubscribe("__keyspace@0__:*").unwrap();
    redis::cmd("SET")
        .arg("a")
        .arg("1")
        .arg("EX")
        .arg(10)
        .exec(&mut con)
        .unwrap();
    redis::cmd("SET")
        .arg("b")
        .arg("1")
        .arg("EX")
        .arg(20)
        .exec(&mut con)
        .unwrap();
    clock.advance(Duration::from_secs(11));
    let msg = pubsub.get_message().unwrap();
    assert_eq!(msg.get_channel_name(), "__keyspace@0__:a");
    assert_eq!(msg.get_payload::<String>().unwrap(), "expired");
    let exists: i64 = redis::cmd("EXISTS").arg("b").query(&mut con).unwrap();
    assert_eq!(exists, 1);
}

#[test]
fn a_resp3_client_sees_events_of_its_own_writes_before_the_reply() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    redis::cmd("HELLO").arg(3).exec(&mut con).unwrap();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("E$")
        .exec(&mut con)
        .unwrap();
    let _: redis::Value = redis::cmd("SUBSCRIBE")
        .arg("__keyevent@0__:set")
        .query(&mut con)
        .unwrap();
    // In RESP3 the subscribed client may still write.
    let mut tcp = std::net::TcpStream::connect(server.addr()).unwrap();
    use std::io::{Read, Write};
    tcp.write_all(b"HELLO 3\r\nCONFIG SET notify-keyspace-events E$\r\nSUBSCRIBE __keyevent@0__:set\r\nSET k v\r\n").unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    let want = b">3\r\n$7\r\nmessage\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n+OK\r\n";
    while !got.ends_with(want) {
        let mut buf = [0u8; 4096];
        let n = tcp.read(&mut buf).unwrap();
        assert!(n > 0, "closed early: {:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
}
