//! MIGRATE between redsim servers, and how it waits: off the state lock
//! for a client's command (other clients run meanwhile), under it inside
//! MULTI. Targets the test controls by hand (a listener that answers when
//! told) make the waiting visible without timing anything.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use redis::Commands;
use support::RawClient;

fn cmd(con: &mut impl redis::ConnectionLike, line: &str) -> redis::RedisResult<redis::Value> {
    let mut c = redis::Cmd::new();
    for w in line.split(' ') {
        c.arg(if w == "\"\"" { "" } else { w });
    }
    c.query(con)
}

fn ok() -> redis::Value {
    redis::Value::Okay
}

/// A target that takes MIGRATE's connection and answers only when told.
struct HeldTarget {
    listener: TcpListener,
    port: u16,
}

impl HeldTarget {
    fn new() -> HeldTarget {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        HeldTarget { listener, port }
    }

    /// Accepts MIGRATE's connection and reads `commands` whole commands
    /// (AUTH, SELECT, RESTOREs), without answering.
    fn take(&self, commands: usize) -> (TcpStream, Vec<u8>) {
        let (mut stream, _) = self.listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let seen = read_commands(&mut stream, commands);
        (stream, seen)
    }
}

/// Reads exactly `n` whole RESP commands from `stream` (MIGRATE writes
/// nothing more until answered).
fn read_commands(stream: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while complete_commands(&seen) < n {
        let got = stream.read(&mut buf).unwrap();
        assert!(got > 0, "MIGRATE closed its connection");
        seen.extend_from_slice(&buf[..got]);
    }
    seen
}

/// How many whole `*N` arrays of bulk strings `buf` holds.
fn complete_commands(buf: &[u8]) -> usize {
    fn line(buf: &[u8], at: usize) -> Option<(&[u8], usize)> {
        let end = buf[at..].windows(2).position(|w| w == b"\r\n")? + at;
        Some((&buf[at..end], end + 2))
    }
    let number = |b: &[u8]| -> usize { std::str::from_utf8(&b[1..]).unwrap().parse().unwrap() };
    let mut at = 0;
    let mut count = 0;
    'commands: while at < buf.len() {
        let Some((head, mut next)) = line(buf, at) else {
            break;
        };
        for _ in 0..number(head) {
            let Some((len, body)) = line(buf, next) else {
                break 'commands;
            };
            next = body + number(len) + 2;
            if next > buf.len() {
                break 'commands;
            }
        }
        at = next;
        count += 1;
    }
    count
}

#[test]
fn keys_move_between_redsim_servers_over_tcp_and_in_process() {
    let source = redsim::Server::start().unwrap();
    let target = redsim::Server::start().unwrap();
    let mut con = source.connection();
    let _: () = con.set("a", "1").unwrap();
    let _: () = con.rpush("l", &["x", "y"]).unwrap();
    let _: () = con.set_ex("t", "v", 1000).unwrap();
    let port = target.addr().port();
    // In process to the source, TCP to the target.
    let line = format!("MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS a l t nosuch");
    assert_eq!(cmd(&mut con, &line).unwrap(), ok());
    let mut tcon = target.connection();
    let v: String = tcon.get("a").unwrap();
    assert_eq!(v, "1");
    let l: Vec<String> = tcon.lrange("l", 0, -1).unwrap();
    assert_eq!(l, ["x", "y"]);
    let ttl: i64 = tcon.ttl("t").unwrap();
    assert!((990..=1000).contains(&ttl), "{ttl}");
    let n: i64 = con.exists(&["a", "l", "t"]).unwrap();
    assert_eq!(n, 0);
    // Over TCP to the source too; BUSYKEY passed through.
    let mut raw = RawClient::connect(source.addr()).unwrap();
    raw.call(&[b"SET", b"a", b"2"]);
    let reply = raw.call(&[
        b"MIGRATE",
        b"127.0.0.1",
        port.to_string().as_bytes(),
        b"a",
        b"0",
        b"5000",
    ]);
    assert_eq!(
        reply,
        b"-ERR Target instance replied with error: BUSYKEY Target key name already exists.\r\n"
    );
    let reply = raw.call(&[
        b"MIGRATE",
        b"127.0.0.1",
        port.to_string().as_bytes(),
        b"a",
        b"0",
        b"5000",
        b"REPLACE",
    ]);
    assert_eq!(reply, b"+OK\r\n");
    let v: String = tcon.get("a").unwrap();
    assert_eq!(v, "2");
    // The source's DEL reached its keyspace events as `del`.
    assert_eq!(raw.call(&[b"EXISTS", b"a"]), b":0\r\n");
}

#[test]
fn a_cluster_node_migrates_with_restore_asking() {
    let cluster = redsim::Cluster::start().unwrap();
    let slot = redsim::Cluster::slot_of("foo");
    let from = cluster.owner_of_slot(slot).unwrap();
    let to = (from + 1) % 3;
    let mut src = cluster.node(from).connection();
    cmd(&mut src, "SET foo bar").unwrap();
    // Without the slot importing, the target refuses RESTORE-ASKING's key
    // with a MOVED: ASKING is what lets it in, and only while importing.
    let port = cluster.node(to).addr().port();
    let err = cmd(&mut src, &format!("MIGRATE 127.0.0.1 {port} foo 0 5000")).unwrap_err();
    assert!(
        err.to_string()
            .contains("Target instance replied with error: MOVED"),
        "{err}"
    );
    let migration = cluster.begin_migration(slot, to);
    assert_eq!(
        cmd(&mut src, &format!("MIGRATE 127.0.0.1 {port} foo 0 5000")).unwrap(),
        ok()
    );
    migration.finish();
    let mut dst = cluster.node(to).connection();
    assert_eq!(
        cmd(&mut dst, "GET foo").unwrap(),
        redis::Value::BulkString(b"bar".to_vec())
    );
}

#[test]
fn other_clients_run_while_migrate_waits_for_its_target() {
    let source = redsim::Server::start().unwrap();
    let target = HeldTarget::new();
    let mut a = RawClient::connect(source.addr()).unwrap();
    let mut b = RawClient::connect(source.addr()).unwrap();
    a.call(&[b"SET", b"k", b"v1"]);
    a.call(&[b"SET", b"j", b"v1"]);
    let migrate = RawClient::encode(&[
        b"MIGRATE",
        b"127.0.0.1",
        target.port.to_string().as_bytes(),
        b"",
        b"0",
        b"20000",
        b"KEYS",
        b"k",
        b"j",
    ]);
    a.send_raw(&migrate);
    // SELECT and the two RESTOREs have been sent; nobody has answered.
    let (mut held, _) = target.take(3);
    // Meanwhile the server serves others, and a write lands on one key.
    assert_eq!(b.call(&[b"PING"]), b"+PONG\r\n");
    assert_eq!(b.call(&[b"SET", b"j", b"v2"]), b"+OK\r\n");
    assert_eq!(a.try_read_reply(Duration::from_millis(1)), None);
    held.write_all(b"+OK\r\n+OK\r\n+OK\r\n").unwrap();
    assert_eq!(a.read_reply(), b"+OK\r\n");
    // The key sent as it was is gone; the one written meanwhile stays
    // with its newer value (Redis, blocked throughout, never sees this).
    assert_eq!(b.call(&[b"EXISTS", b"k"]), b":0\r\n");
    assert_eq!(b.call(&[b"GET", b"j"]), b"$2\r\nv2\r\n");
}

#[test]
fn migrate_inside_multi_waits_under_the_lock_and_replies_in_exec() {
    let source = redsim::Server::start().unwrap();
    let target = redsim::Server::start().unwrap();
    let mut con = source.connection();
    let _: () = con.set("k", "v").unwrap();
    let port = target.addr().port();
    let (reply,): (String,) = redis::pipe()
        .atomic()
        .cmd("MIGRATE")
        .arg("127.0.0.1")
        .arg(port)
        .arg("k")
        .arg(0)
        .arg(5000)
        .query(&mut con)
        .unwrap();
    assert_eq!(reply, "OK");
    let v: String = target.connection().get("k").unwrap();
    assert_eq!(v, "v");
    let n: i64 = con.exists("k").unwrap();
    assert_eq!(n, 0);
}

#[test]
fn a_cached_connection_is_reused_and_selects_only_when_the_database_changes() {
    let source = redsim::Server::start().unwrap();
    let target = HeldTarget::new();
    let mut a = RawClient::connect(source.addr()).unwrap();
    for k in [b"k1", b"k2", b"k3"] {
        a.call(&[b"SET", k, b"v"]);
    }
    let port = target.port.to_string();
    let migrate = |key: &[u8], db: &[u8]| {
        RawClient::encode(&[b"MIGRATE", b"127.0.0.1", port.as_bytes(), key, db, b"20000"])
    };
    a.send_raw(&migrate(b"k1", b"2"));
    let (mut held, seen) = target.take(2);
    assert!(seen.starts_with(b"*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*4\r\n$7\r\nRESTORE\r\n"));
    held.write_all(b"+OK\r\n+OK\r\n").unwrap();
    assert_eq!(a.read_reply(), b"+OK\r\n");
    // The same database: no SELECT, on the same connection.
    a.send_raw(&migrate(b"k2", b"2"));
    let seen = read_commands(&mut held, 1);
    assert!(seen.starts_with(b"*4\r\n$7\r\nRESTORE\r\n$2\r\nk2\r\n"));
    held.write_all(b"+OK\r\n").unwrap();
    assert_eq!(a.read_reply(), b"+OK\r\n");
    // An error answered: the next one SELECTs again.
    a.send_raw(&migrate(b"k3", b"2"));
    read_commands(&mut held, 1);
    held.write_all(b"-ERR no\r\n").unwrap();
    assert_eq!(
        a.read_reply(),
        b"-ERR Target instance replied with error: ERR no\r\n"
    );
    a.send_raw(&migrate(b"k3", b"2"));
    let seen = read_commands(&mut held, 2);
    assert!(seen.starts_with(b"*2\r\n$6\r\nSELECT\r\n"));
    held.write_all(b"+OK\r\n+OK\r\n").unwrap();
    assert_eq!(a.read_reply(), b"+OK\r\n");
}

#[test]
fn replicas_see_the_migrated_keys_deleted() {
    let primary = redsim::Server::start().unwrap();
    let replica = redsim::Server::builder().listen(false).start().unwrap();
    replica.replicate(&primary);
    let target = redsim::Server::start().unwrap();
    let mut con = primary.connection();
    for k in ["a", "b", "c"] {
        let _: () = con.set(k, "v").unwrap();
    }
    assert!(primary.wait_replicas(1, Duration::from_secs(10)));
    let port = target.addr().port();
    let line = format!("MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS a b");
    assert_eq!(cmd(&mut con, &line).unwrap(), ok());
    let line = format!("MIGRATE 127.0.0.1 {port} c 0 5000 COPY");
    assert_eq!(cmd(&mut con, &line).unwrap(), ok());
    assert!(primary.wait_replicas(1, Duration::from_secs(10)));
    let mut rcon = replica.connection();
    let n: i64 = rcon.exists(&["a", "b"]).unwrap();
    assert_eq!(n, 0);
    let n: i64 = rcon.exists("c").unwrap();
    assert_eq!(n, 1);
    let n: i64 = target.connection().exists(&["a", "b", "c"]).unwrap();
    assert_eq!(n, 3);
}

#[test]
fn migrate_in_exec_and_scripts_over_tcp_reaches_a_target_in_this_process() {
    // EXEC and scripts make the transfer under the lock, on the worker
    // that runs the command: the target, served by the same runtime, must
    // still answer.
    let source = redsim::Server::start().unwrap();
    let target = redsim::Server::start().unwrap();
    let port = target.addr().port().to_string();
    let mut raw = RawClient::connect(source.addr()).unwrap();
    for k in [&b"k1"[..], b"k2", b"k3"] {
        raw.call(&[b"SET", k, b"v"]);
    }
    assert_eq!(raw.call(&[b"MULTI"]), b"+OK\r\n");
    let migrate = |key: &[u8]| -> Vec<Vec<u8>> {
        [
            &b"MIGRATE"[..],
            b"127.0.0.1",
            port.as_bytes(),
            key,
            b"0",
            b"5000",
        ]
        .iter()
        .map(|a| a.to_vec())
        .collect()
    };
    let args = migrate(b"k1");
    let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
    assert_eq!(raw.call(&args), b"+QUEUED\r\n");
    assert_eq!(raw.call(&[b"GET", b"k1"]), b"+QUEUED\r\n");
    assert_eq!(raw.call(&[b"EXEC"]), b"*2\r\n+OK\r\n$-1\r\n");
    let script = format!(
        "return {{redis.call('migrate', '127.0.0.1', '{port}', KEYS[1], 0, 5000), \
         redis.call('migrate', '127.0.0.1', '{port}', '', 0, 5000, 'KEYS', KEYS[2], 'nosuch')}}"
    );
    assert_eq!(
        raw.call(&[b"EVAL", script.as_bytes(), b"2", b"k2", b"k3"]),
        b"*2\r\n+OK\r\n+OK\r\n"
    );
    assert_eq!(raw.call(&[b"EXISTS", b"k1", b"k2", b"k3"]), b":0\r\n");
    let mut t = RawClient::connect(target.addr()).unwrap();
    assert_eq!(t.call(&[b"EXISTS", b"k1", b"k2", b"k3"]), b":3\r\n");
}
