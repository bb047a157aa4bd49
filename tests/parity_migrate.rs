//! Parity with real Redis 7.0: MIGRATE.
//!
//! The same MIGRATE commands go to redsim and to a real `redis-server`,
//! each migrating to its own real `redis-server` target; the replies are
//! compared byte for byte, then the sources' and the targets' contents
//! (DUMP payloads, TTLs rounded to seconds), and what each target was sent,
//! as its MONITOR shows it (AUTH, SELECT only when the cached connection
//! was in another database, RESTORE with its payload and REPLACE), with
//! times, client addresses and TTL arguments masked. Errors: Redis's
//! syntax and integer errors in Redis's order, a refused connection, a
//! name that does not resolve, a target that never answers (the timeout),
//! and the target's own errors passed through (BUSYKEY, a database out of
//! range, AUTH refused, NOAUTH).

use std::net::TcpListener;
use std::time::Duration;

use support::{RawClient, RealRedis, show, split_command};

/// A source pair (redsim, Redis) and a real target for each.
struct Sides {
    sim: RawClient,
    real: RawClient,
    _sim_server: redsim::Server,
    _real_server: RealRedis,
    /// (target of redsim, target of Redis).
    targets: (RealRedis, RealRedis),
}

impl Sides {
    fn start(target_args: &[&str]) -> Option<Sides> {
        let real_server = RealRedis::start()?;
        let targets = (
            RealRedis::start_with(target_args)?,
            RealRedis::start_with(target_args)?,
        );
        let sim_server = redsim::Server::builder()
            .config("save", "")
            .start()
            .expect("start redsim");
        Some(Sides {
            sim: RawClient::connect(sim_server.addr()).unwrap(),
            real: RawClient::connect(real_server.addr()).unwrap(),
            _sim_server: sim_server,
            _real_server: real_server,
            targets,
        })
    }

    /// Sends `line` to both sources, `{T}` standing for each one's target
    /// port; asserts identical replies and returns the reply.
    #[track_caller]
    fn run(&mut self, line: &str) -> Vec<u8> {
        let (ts, tr) = (self.targets.0.port(), self.targets.1.port());
        self.run_with(line, &ts.to_string(), &tr.to_string())
    }

    /// [`Sides::run`] with `{T}` replaced by the given ports.
    #[track_caller]
    fn run_with(&mut self, line: &str, sim_port: &str, real_port: &str) -> Vec<u8> {
        let call = |c: &mut RawClient, port: &str| {
            let args = split_command(&line.replace("{T}", port));
            let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
            c.call(&args)
        };
        let sim = call(&mut self.sim, sim_port);
        let real = call(&mut self.real, real_port);
        assert!(
            sim == real,
            "replies differ\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
        sim
    }

    /// Runs `line` on both targets (authenticated with `auth` if given)
    /// and asserts identical replies.
    #[track_caller]
    fn on_targets(&self, auth: Option<&str>, line: &str) -> Vec<u8> {
        let replies: Vec<Vec<u8>> = [&self.targets.0, &self.targets.1]
            .iter()
            .map(|t| {
                let mut c = RawClient::connect(t.addr()).unwrap();
                if let Some(pw) = auth {
                    c.call(&[b"AUTH", pw.as_bytes()]);
                }
                let mut reply = Vec::new();
                for part in line.split(" ; ") {
                    let args = split_command(part);
                    let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
                    reply = c.call(&args);
                }
                reply
            })
            .collect();
        assert!(
            replies[0] == replies[1],
            "targets differ\n  command: {line}\n  redsim's target: {}\n  redis's target:  {}\n",
            show(&replies[0]),
            show(&replies[1])
        );
        replies[0].clone()
    }
}

/// Each target's MONITOR.
fn monitors(sides: &Sides, auth: Option<&str>) -> (RawClient, RawClient) {
    let open = |t: &RealRedis| {
        let mut c = RawClient::connect(t.addr()).unwrap();
        if let Some(pw) = auth {
            c.call(&[b"AUTH", pw.as_bytes()]);
        }
        assert_eq!(c.call(&[b"MONITOR"]), b"+OK\r\n");
        c
    };
    (open(&sides.targets.0), open(&sides.targets.1))
}

/// The lines a MONITOR saw up to the marker `ECHO <marker>` sent by a
/// client of its own, with time, client address and RESTORE's TTL masked.
fn monitored(monitor: &mut RawClient, target: &RealRedis, auth: Option<&str>) -> Vec<String> {
    let mut c = RawClient::connect(target.addr()).unwrap();
    if let Some(pw) = auth {
        c.call(&[b"AUTH", pw.as_bytes()]);
    }
    c.call(&[b"ECHO", b"the-end-marker"]);
    let mut lines = Vec::new();
    loop {
        let reply = monitor
            .try_read_reply(Duration::from_secs(10))
            .expect("the monitor's marker never came");
        let line = String::from_utf8_lossy(&reply).into_owned();
        if line.contains("the-end-marker") {
            return lines;
        }
        // `+<time> [<db> <addr>] "CMD" ...`: keep the db and the command.
        let (_, rest) = line.split_once(" [").unwrap();
        let (db, rest) = rest.split_once(' ').unwrap();
        let (_, command) = rest.split_once("] ").unwrap();
        let mut words: Vec<String> = command
            .trim_end()
            .split("\" \"")
            .map(str::to_string)
            .collect();
        if words[0].starts_with("\"RESTORE") && words.len() > 2 {
            words[2] = "<ttl>".into();
        }
        lines.push(format!("[{db}] {}", words.join("\" \"")));
    }
}

const SEED: &[&str] = &[
    "SET s1 hello",
    "SET s2 12345",
    "RPUSH l a b c",
    "HSET h f v g w",
    "ZADD z 1 a 2 b",
    "SADD st 1 2 3",
    "SET t1 v PX 100000",
    "XADD x 1-1 f v",
];

fn seed(s: &mut Sides) {
    for line in SEED {
        s.run(line);
    }
    s.run(&format!("SET big {}", "abcdefgh".repeat(20_000)));
}

/// The keys' state, compared between the sources or between the targets.
const PROBES: &[&str] = &[
    "DBSIZE", "DUMP s1", "DUMP s2", "DUMP l", "DUMP h", "DUMP z", "DUMP st", "DUMP t1", "DUMP x",
    "DUMP big", "TTL s1",
];

/// The PTTL of `key` on each target: both set, and within `max`.
fn target_ttls(s: &Sides, key: &str, max: i64) {
    for t in [&s.targets.0, &s.targets.1] {
        let mut c = RawClient::connect(t.addr()).unwrap();
        let reply = String::from_utf8_lossy(&c.call(&[b"PTTL", key.as_bytes()])).into_owned();
        let ttl: i64 = reply.trim_start_matches(':').trim().parse().unwrap();
        assert!(ttl > 0 && ttl <= max, "PTTL {key} on a target: {ttl}");
    }
}

/// How many connections of each target last ran a RESTORE: MIGRATE's
/// cached ones.
fn restore_connections(s: &Sides, auth: Option<&str>) -> (usize, usize) {
    let count = |t: &RealRedis| {
        let mut c = RawClient::connect(t.addr()).unwrap();
        if let Some(pw) = auth {
            c.call(&[b"AUTH", pw.as_bytes()]);
        }
        let list = c.call(&[b"CLIENT", b"LIST"]);
        String::from_utf8_lossy(&list)
            .lines()
            .filter(|l| l.contains("cmd=restore"))
            .count()
    };
    (count(&s.targets.0), count(&s.targets.1))
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn migrate_replies_and_effects_match_redis() {
    let Some(mut s) = Sides::start(&[]) else {
        return;
    };
    seed(&mut s);
    let (mut mon_sim, mut mon_real) = monitors(&s, None);
    // One key, moved.
    assert_eq!(s.run("MIGRATE 127.0.0.1 {T} s1 0 5000"), b"+OK\r\n");
    s.run("EXISTS s1");
    // Nothing to move.
    assert_eq!(s.run("MIGRATE 127.0.0.1 {T} nosuch 0 5000"), b"+NOKEY\r\n");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 KEYS nosuch other");
    // Several keys, some missing; a big one (written in 64K chunks).
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 KEYS l nosuch h big");
    s.run("EXISTS l h big nosuch");
    // COPY keeps the source; the same key again is BUSYKEY on the target;
    // REPLACE replaces it.
    s.run("MIGRATE 127.0.0.1 {T} z 0 5000 COPY");
    s.run("EXISTS z");
    s.run("MIGRATE 127.0.0.1 {T} z 0 5000");
    s.run("EXISTS z");
    s.run("ZADD z 3 c");
    s.run("MIGRATE 127.0.0.1 {T} z 0 5000 REPLACE");
    s.run("EXISTS z");
    // The first error of several keys; the others are still moved.
    s.run("SET s1 again");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 KEYS st s1 s2");
    s.run("EXISTS st s1 s2");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 COPY REPLACE KEYS s1");
    // A TTL travels.
    s.run("MIGRATE 127.0.0.1 {T} t1 0 5000");
    // Another database (SELECT sent), then back (SELECT again), then the
    // same (none); one out of range.
    s.run("MIGRATE 127.0.0.1 {T} x 3 5000 COPY");
    s.run("MIGRATE 127.0.0.1 {T} x 0 5000 COPY");
    s.run("MIGRATE 127.0.0.1 {T} x 0 5000 COPY REPLACE");
    s.run("MIGRATE 127.0.0.1 {T} x 99 5000");
    s.run("EXISTS x");
    // After an error the next one SELECTs again.
    s.run("MIGRATE 127.0.0.1 {T} x 0 5000 REPLACE");
    // AUTH to a target without a password.
    s.run("SET a1 v");
    s.run("MIGRATE 127.0.0.1 {T} a1 0 5000 AUTH secret");
    s.run("MIGRATE 127.0.0.1 {T} a1 0 5000 AUTH2 someone secret");
    s.run("EXISTS a1");
    // A zero or negative timeout is 1000 ms.
    s.run("MIGRATE 127.0.0.1 {T} a1 0 0");
    s.run("MIGRATE 127.0.0.1 {T} nosuch 0 -5");
    // What each target was sent.
    let sent_sim = monitored(&mut mon_sim, &s.targets.0, None);
    let sent_real = monitored(&mut mon_real, &s.targets.1, None);
    assert_eq!(
        sent_sim, sent_real,
        "the targets were sent different commands"
    );
    assert!(sent_sim.iter().any(|l| l.contains("\"SELECT\" \"3\"")));
    // The sources and the targets.
    for probe in PROBES {
        s.run(probe);
        s.on_targets(None, probe);
    }
    s.on_targets(None, "SELECT 3 ; DUMP x");
    target_ttls(&s, "t1", 100_000);
    // One connection per target, cached and reused.
    assert_eq!(restore_connections(&s, None), (1, 1));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn migrate_errors_match_redis() {
    let Some(mut s) = Sides::start(&[]) else {
        return;
    };
    s.run("SET k v");
    for line in [
        "MIGRATE 127.0.0.1 {T} k 0",
        "MIGRATE 127.0.0.1 {T} k 0 5000 AUTH",
        "MIGRATE 127.0.0.1 {T} k 0 5000 AUTH2 user",
        "MIGRATE 127.0.0.1 {T} k 0 5000 BADOPTION",
        "MIGRATE 127.0.0.1 {T} k 0 5000 COPY BADOPTION KEYS k",
        "MIGRATE 127.0.0.1 {T} k 0 5000 KEYS k",
        "MIGRATE 127.0.0.1 {T} k 0 5000 KEYS",
        "MIGRATE 127.0.0.1 {T} k 0 notanumber",
        "MIGRATE 127.0.0.1 {T} k notanumber 5000",
        "MIGRATE 127.0.0.1 {T} k notanumber notanumber",
        "MIGRATE 127.0.0.1 {T} k 0 5000 KEYS x BADOPTION",
        "MIGRATE 127.0.0.1 {T} \"\" 0 5000",
        "MIGRATE 127.0.0.1 {T} \"\" 0 5000 KEYS",
        "MIGRATE 127.0.0.1 {T} k 0 99999999999999999999",
        "EXISTS k",
    ] {
        s.run(line);
    }
    // Nobody listening: Redis's connect "succeeds" and the write fails.
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    s.run_with("MIGRATE 127.0.0.1 {T} k 0 1000", &closed, &closed);
    s.run("MIGRATE 127.0.0.1 notaport k 0 1000");
    // A name that does not resolve.
    s.run("MIGRATE no-such-host.invalid {T} k 0 1000");
    // A target that accepts and never answers: the timeout.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    s.run_with("MIGRATE 127.0.0.1 {T} k 0 300", &port, &port);
    s.run_with(
        "MIGRATE 127.0.0.1 {T} \"\" 0 300 KEYS k nosuch",
        &port,
        &port,
    );
    // Nothing was moved.
    s.run("EXISTS k");
    s.on_targets(None, "DBSIZE");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn migrate_authenticates_as_redis_does() {
    let Some(mut s) = Sides::start(&["--requirepass", "pw"]) else {
        return;
    };
    for t in [&s.targets.0, &s.targets.1] {
        let mut c = RawClient::connect(t.addr()).unwrap();
        c.call(&[b"AUTH", b"pw"]);
        let reply = c.call(&[
            b"ACL", b"SETUSER", b"mover", b"on", b">mpw", b"~*", b"+@all",
        ]);
        assert_eq!(reply, b"+OK\r\n");
    }
    for line in ["SET a 1", "SET b 2", "SET c 3", "SET d 4"] {
        s.run(line);
    }
    let (mut mon_sim, mut mon_real) = monitors(&s, Some("pw"));
    s.run("MIGRATE 127.0.0.1 {T} a 0 5000");
    s.run("MIGRATE 127.0.0.1 {T} a 0 5000 AUTH wrong");
    s.run("MIGRATE 127.0.0.1 {T} a 0 5000 AUTH2 mover wrong");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 AUTH wrong KEYS a b");
    s.run("EXISTS a b");
    s.run("MIGRATE 127.0.0.1 {T} a 0 5000 AUTH pw");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 AUTH2 mover mpw KEYS b c");
    s.run("MIGRATE 127.0.0.1 {T} d 0 5000 AUTH2 mover mpw AUTH pw COPY");
    s.run("EXISTS a b c d");
    let sent_sim = monitored(&mut mon_sim, &s.targets.0, Some("pw"));
    let sent_real = monitored(&mut mon_real, &s.targets.1, Some("pw"));
    assert_eq!(
        sent_sim, sent_real,
        "the targets were sent different commands"
    );
    for probe in ["DBSIZE", "DUMP a", "DUMP b", "DUMP c", "DUMP d"] {
        s.on_targets(Some("pw"), probe);
    }
    assert_eq!(restore_connections(&s, Some("pw")), (1, 1));
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn monitor_shows_migrates_credentials_redacted_as_redis_does() {
    let Some(mut s) = Sides::start(&["--requirepass", "pw"]) else {
        return;
    };
    let open = |addr| {
        let mut c = RawClient::connect(addr).unwrap();
        assert_eq!(c.call(&[b"MONITOR"]), b"+OK\r\n");
        c
    };
    let (mut mon_sim, mut mon_real) = (open(s._sim_server.addr()), open(s._real_server.addr()));
    s.run("SET k v");
    s.run("SET k2 v");
    s.run("MIGRATE 127.0.0.1 {T} k 0 5000 AUTH pw");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 COPY AUTH2 default pw REPLACE KEYS k2");
    s.run("MIGRATE 127.0.0.1 {T} \"\" 0 5000 AUTH2 default pw KEYS nosuch");
    s.run("MIGRATE 127.0.0.1 {T} k 0 5000 BAD AUTH pw");
    s.run("MIGRATE 127.0.0.1 {T} k 0 5000 AUTH");
    s.run("ECHO the-end-marker");
    let lines = |mon: &mut RawClient, port: u16| {
        let mut out = Vec::new();
        loop {
            let reply = mon
                .try_read_reply(Duration::from_secs(10))
                .expect("monitor");
            let line = String::from_utf8_lossy(&reply).into_owned();
            if line.contains("the-end-marker") {
                return out;
            }
            let (_, command) = line.split_once("] ").unwrap();
            out.push(command.replace(&port.to_string(), "{T}"));
        }
    };
    let sim = lines(&mut mon_sim, s.targets.0.port());
    let real = lines(&mut mon_real, s.targets.1.port());
    assert_eq!(sim, real);
    assert!(
        sim.iter()
            .any(|l| l.contains("\"AUTH2\" \"(redacted)\" \"(redacted)\""))
    );
}
