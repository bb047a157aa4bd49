//! Load with faults: many connections held at once, and many pipelined
//! writes from many clients while fault rules drop connections before and
//! after commands and answer some with errors. Afterwards the keyspace is
//! checked against the server's journal and against what each client saw
//! acknowledged: nothing acknowledged is lost, nothing is applied twice,
//! and nothing is applied that the journal does not show as run.
//!
//! Sizes: a million commands and 10 000 connections at full scale
//! (`REDSIM_FULL_TESTS=1`, as CI sets it), a tenth of each by default so
//! that a plain `cargo test` stays quick; `REDSIM_LOAD_COMMANDS` and
//! `REDSIM_LOAD_CONNECTIONS` set them directly.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};

use bytes::BytesMut;
use redsim::{Injected, Rule, Server, errors};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Connections held at once: 10 000 at full scale (`REDSIM_FULL_TESTS=1`,
/// as in CI), 1 000 by default, or `REDSIM_LOAD_CONNECTIONS`.
fn connections() -> usize {
    support::size_from_env("REDSIM_LOAD_CONNECTIONS", 1_000, 10_000)
}

/// Run by [`many_connections_are_held_and_served`] in a child
/// process (the test binary itself), so that the client sockets do not
/// count against the server process's file limit: opens
/// `REDSIM_LOAD_HOLD_ADDR`'s connections, PINGs on each, says `ready`, and
/// holds them until its stdin closes.
#[test]
#[ignore = "run as a child process by many_connections_are_held_and_served"]
fn hold_connections_child() {
    let Ok(addr) = std::env::var("REDSIM_LOAD_HOLD_ADDR") else {
        return;
    };
    let addr: SocketAddr = addr.parse().unwrap();
    let n = connections();
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        let mut s = TcpStream::connect(addr).expect("connect");
        s.write_all(b"*1\r\n$4\r\nPING\r\n").unwrap();
        held.push(s);
    }
    // Every connection is answered while all of them are open.
    for s in &mut held {
        let mut pong = [0u8; 7];
        s.read_exact(&mut pong).unwrap();
        assert_eq!(&pong, b"+PONG\r\n");
    }
    println!("ready {}", held.len());
    let mut rest = String::new();
    let _ = std::io::stdin().read_line(&mut rest);
}

/// Raises this process's open-file limit (inherited by the child) to what
/// `n` connections need, or fails saying how.
fn allow_open_files(n: usize) {
    let want = (n + 1_000) as u64;
    let got = rlimit::increase_nofile_limit(want).unwrap_or(0);
    assert!(
        got >= want,
        "{n} connections need {want} open files; the hard limit allows {got}: \
         raise it (`ulimit -Hn`) or set REDSIM_LOAD_CONNECTIONS lower"
    );
}

#[test]
fn many_connections_are_held_and_served() {
    let n = connections();
    allow_open_files(n);
    let server = Server::builder()
        .config("maxclients", (n + 100).to_string())
        .start()
        .unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "hold_connections_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("REDSIM_LOAD_HOLD_ADDR", server.addr().to_string())
        .env("REDSIM_LOAD_CONNECTIONS", n.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    // The harness prints `test hold_connections_child ... ` before the
    // child's own output, on the same line.
    let mut line = String::new();
    while !line.contains("ready ") {
        line.clear();
        assert_ne!(
            stdout.read_line(&mut line).unwrap(),
            0,
            "the child exited before holding its connections"
        );
    }
    assert!(line.trim_end().ends_with(&format!("ready {n}")), "{line}");
    // All held at once, and the server still serves a newcomer.
    let mut con = server.connection();
    let info: String = redis::cmd("INFO").arg("clients").query(&mut con).unwrap();
    let connected: usize = support::info_field(&info, "connected_clients");
    assert!(
        connected > n,
        "{connected} clients connected, expected {n} + 1"
    );
    let mut tcp = server.client().get_connection().unwrap();
    redis::cmd("SET").arg("k").arg("v").exec(&mut tcp).unwrap();
    assert_eq!(
        redis::cmd("GET")
            .arg("k")
            .query::<String>(&mut tcp)
            .unwrap(),
        "v"
    );
    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
}

/// What one client saw: the writes whose replies it read.
#[derive(Default)]
struct Seen {
    /// `key:<client>:<i>` acknowledged with +OK.
    set_acked: HashSet<Vec<u8>>,
    /// Sum of INCRBY amounts acknowledged.
    incr_acked: i64,
    /// Commands sent, and connections lost.
    sent: usize,
    dropped: usize,
    errors: usize,
}

/// One client: `commands` commands in pipelines of `batch`, alternating
/// `SET key:<c>:<i> <i>` and `INCRBY total <i % 7 + 1>`, reconnecting when
/// the server drops the connection.
async fn client(addr: SocketAddr, c: usize, commands: usize, batch: usize) -> Seen {
    let mut seen = Seen::default();
    let mut i = 0;
    let mut stream = None;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    while i < commands {
        let s = match &mut stream {
            Some(s) => s,
            None => {
                let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
                s.set_nodelay(true).unwrap();
                // Named, so that the journal says who sent what.
                let name = format!("loader-{c}");
                let hello = format!(
                    "*3\r\n$6\r\nCLIENT\r\n$7\r\nSETNAME\r\n${}\r\n{name}\r\n",
                    name.len()
                );
                s.write_all(hello.as_bytes()).await.unwrap();
                let mut ok = [0u8; 5];
                if s.read_exact(&mut ok).await.is_err() {
                    // Dropped by a fault before it answered: try again.
                    seen.dropped += 1;
                    continue;
                }
                buf.clear();
                stream.insert(s)
            }
        };
        let end = (i + batch).min(commands);
        let mut out = Vec::with_capacity((end - i) * 48);
        for j in i..end {
            if j % 2 == 0 {
                let key = format!("key:{c}:{j}");
                let val = j.to_string();
                out.extend_from_slice(
                    format!(
                        "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n${}\r\n{val}\r\n",
                        key.len(),
                        val.len()
                    )
                    .as_bytes(),
                );
            } else {
                let by = (j % 7 + 1).to_string();
                out.extend_from_slice(
                    format!("*3\r\n$6\r\nINCRBY\r\n$5\r\ntotal\r\n$1\r\n{by}\r\n").as_bytes(),
                );
            }
        }
        seen.sent += end - i;
        let mut answered = i;
        let mut lost = s.write_all(&out).await.is_err();
        while !lost && answered < end {
            // One reply per command, in order: +OK, :n or -ERROR.
            match next_line(&mut buf) {
                Some(reply) => {
                    match reply.first() {
                        Some(b'+') => {
                            seen.set_acked
                                .insert(format!("key:{c}:{answered}").into_bytes());
                        }
                        Some(b':') => seen.incr_acked += (answered % 7 + 1) as i64,
                        _ => seen.errors += 1,
                    }
                    answered += 1;
                }
                None => match s.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => lost = true,
                    Ok(_) => {}
                },
            }
        }
        if lost {
            seen.dropped += 1;
            stream = None;
        }
        // Commands whose replies never came are not retried: whether they
        // ran is for the journal to say.
        i = end;
    }
    seen
}

/// Splits one `\r\n`-terminated line off `buf`.
fn next_line(buf: &mut BytesMut) -> Option<Vec<u8>> {
    let pos = buf.windows(2).position(|w| w == b"\r\n")?;
    let line = buf.split_to(pos + 2);
    Some(line[..pos].to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipelined_writes_under_faults_lose_nothing_acknowledged() {
    // A million at full scale (as in CI), 100 000 by default.
    let commands = support::size_from_env("REDSIM_LOAD_COMMANDS", 100_000, 1_000_000);
    let clients = 50;
    let per_client = commands / clients;
    let server = Server::builder()
        .seed(7)
        .journal(commands + 10 * clients)
        .start()
        .unwrap();
    // Seeded, so a run repeats its fault choices per rule.
    let rules = [
        server.fault(
            Rule::commands(["SET", "INCRBY"])
                .probability(0.0005)
                .drop_after(),
        ),
        server.fault(
            Rule::commands(["SET", "INCRBY"])
                .probability(0.0005)
                .drop_before(),
        ),
        server.fault(
            Rule::commands(["SET", "INCRBY"])
                .probability(0.001)
                .error(errors::LOADING),
        ),
        server.fault(
            Rule::command("INCRBY")
                .probability(0.001)
                .error(errors::READONLY),
        ),
    ];
    let addr = server.addr();
    let tasks: Vec<_> = (0..clients)
        .map(|c| tokio::spawn(client(addr, c, per_client, 200)))
        .collect();
    let mut seen = Vec::new();
    for t in tasks {
        seen.push(t.await.unwrap());
    }
    let hits: Vec<u64> = rules.iter().map(|r| r.hits()).collect();
    drop(rules);

    // What the journal says ran: every SET and INCRBY that got a non-error
    // reply, whether or not the reply was delivered.
    let journal = server.journal();
    assert_eq!(
        journal.forgotten(),
        0,
        "the journal must hold the whole run"
    );
    let mut ran_sets: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut ran_incr = 0i64;
    let mut undelivered = 0usize;
    let mut journal_errors = 0usize;
    for e in &journal {
        let name = e.command();
        if name != "SET" && name != "INCRBY" {
            continue;
        }
        match e.reply.as_deref() {
            None => continue, // dropped before it ran
            Some(r) if r.starts_with(b"-") => {
                journal_errors += 1;
                continue;
            }
            Some(_) => {}
        }
        if !e.delivered {
            assert_eq!(e.fault, Some(Injected::DropAfter), "{e}");
            undelivered += 1;
        }
        if name == "SET" {
            let previous = ran_sets.insert(e.args[1].clone(), e.args[2].clone());
            assert!(previous.is_none(), "SET ran twice: {e}");
        } else {
            ran_incr += std::str::from_utf8(&e.args[2])
                .unwrap()
                .parse::<i64>()
                .unwrap();
        }
    }

    // The keyspace is exactly what ran…
    let db = server.db(0);
    let total: i64 = db
        .get("total")
        .unwrap()
        .map_or(0, |v| std::str::from_utf8(&v).unwrap().parse().unwrap());
    assert_eq!(total, ran_incr, "INCRBY total differs from the journal");
    let keys = db.keys();
    assert_eq!(
        keys.len(),
        ran_sets.len() + 1,
        "keys other than what the journal shows ran"
    );
    for (key, value) in &ran_sets {
        assert_eq!(db.get(key).unwrap().as_deref(), Some(&value[..]), "{key:?}");
    }
    // …and holds everything acknowledged.
    let mut acked_sets = 0;
    let mut acked_incr = 0;
    for s in &seen {
        for key in &s.set_acked {
            assert!(
                ran_sets.contains_key(key),
                "acknowledged {key:?} is not in the journal"
            );
        }
        acked_sets += s.set_acked.len();
        acked_incr += s.incr_acked;
    }
    assert!(acked_incr <= total);
    let sent: usize = seen.iter().map(|s| s.sent).sum();
    let dropped: usize = seen.iter().map(|s| s.dropped).sum();
    let client_errors: usize = seen.iter().map(|s| s.errors).sum();
    assert_eq!(sent, per_client * clients);
    assert_eq!(
        client_errors, journal_errors,
        "error replies seen vs journal"
    );
    // The faults really happened, in every kind.
    assert!(hits.iter().all(|&h| h > 0), "rule hits {hits:?}");
    assert!(undelivered > 0 && dropped > 0);
    println!(
        "{sent} commands from {clients} clients: {} SETs and INCRBY total {total} applied; \
         {acked_sets} SETs and {acked_incr} of the total acknowledged; {undelivered} applied \
         but unacknowledged (drop-after); {dropped} connections dropped; {client_errors} error \
         replies; rule hits {hits:?}",
        ran_sets.len()
    );
}
