//! The command journal as a test reads it: who sent what, when on the
//! server clock, in which database, what came back, and what the fault
//! layer did — for commands from both transports, blocked commands,
//! transactions and scripts.

use std::thread;
use std::time::{Duration, Instant, UNIX_EPOCH};

use redis::ConnectionLike;
use redsim::{Injected, ManualClock, Rule, Server};

/// 2024-01-01T12:00:00Z.
const NOON: u64 = 1_704_110_400;

fn server_at_noon(journal: usize) -> (Server, ManualClock) {
    let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(NOON));
    let server = Server::builder()
        .clock(&clock)
        .journal(journal)
        .start()
        .unwrap();
    (server, clock)
}

fn cmd(args: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c
}

fn run(con: &mut dyn ConnectionLike, args: &[&str]) {
    let _ = cmd(args).query::<redis::Value>(con);
}

#[test]
fn nothing_is_recorded_unless_asked() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    run(&mut con, &["SET", "k", "v"]);
    assert!(server.journal().is_empty());
    server.set_journal(Some(10));
    run(&mut con, &["GET", "k"]);
    assert_eq!(server.journal().len(), 1);
    server.set_journal(None);
    assert!(server.journal().is_empty());
    run(&mut con, &["GET", "k"]);
    assert!(server.journal().is_empty());
}

#[test]
fn each_command_is_one_line_with_client_time_database_arguments_and_reply() {
    let (server, clock) = server_at_noon(100);
    let mut con = server.connection();
    run(&mut con, &["CLIENT", "SETNAME", "worker-1"]);
    clock.advance(Duration::from_micros(123_456));
    run(&mut con, &["SET", "lock:a", "tok", "NX", "PX", "3000"]);
    run(&mut con, &["SELECT", "2"]);
    run(&mut con, &["GET", "a b"]);
    run(&mut con, &["NOSUCH"]);
    let id = con.client_id();
    let text = server.journal().to_string();
    let expected = [
        format!("#1 12:00:00.000000 client {id} db0 CLIENT SETNAME worker-1 -> OK"),
        format!("#2 12:00:00.123456 client {id} (worker-1) db0 SET lock:a tok NX PX 3000 -> OK"),
        format!("#3 12:00:00.123456 client {id} (worker-1) db0 SELECT 2 -> OK"),
        format!("#4 12:00:00.123456 client {id} (worker-1) db2 GET \"a b\" -> (nil)"),
        format!(
            "#5 12:00:00.123456 client {id} (worker-1) db2 NOSUCH -> (error) ERR unknown command 'NOSUCH', with args beginning with: "
        ),
    ];
    assert_eq!(text.lines().collect::<Vec<_>>(), expected, "\n{text}");
}

#[test]
fn entries_carry_the_raw_reply_and_typed_fields() {
    let (server, _clock) = server_at_noon(100);
    let mut tcp = server.client().get_connection().unwrap();
    server.set_journal(None);
    server.set_journal(Some(100));
    run(&mut tcp, &["RPUSH", "l", "a", "b"]);
    run(&mut tcp, &["LRANGE", "l", "0", "-1"]);
    let journal = server.journal();
    let lrange = &journal[1];
    assert_eq!(lrange.command(), "LRANGE");
    assert_eq!(
        lrange.args,
        [
            b"LRANGE".to_vec(),
            b"l".to_vec(),
            b"0".to_vec(),
            b"-1".to_vec()
        ]
    );
    assert_eq!(
        lrange.reply.as_deref(),
        Some(&b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"[..])
    );
    assert_eq!(lrange.reply_text().as_deref(), Some("[\"a\", \"b\"]"));
    assert_eq!(lrange.time(), UNIX_EPOCH + Duration::from_secs(NOON));
    assert!(lrange.delivered && lrange.fault.is_none() && !lrange.is_error());
    assert_eq!(lrange.seq, journal[0].seq + 1);
}

#[test]
fn a_blocked_command_is_recorded_when_it_is_answered() {
    let (server, clock) = server_at_noon(100);
    let mut waiter = server.connection();
    let mut pusher = server.connection();
    let blocked = thread::spawn(move || {
        cmd(&["BLPOP", "q", "0"])
            .query::<Vec<String>>(&mut waiter)
            .unwrap()
    });
    let started = Instant::now();
    loop {
        let info: String = cmd(&["INFO", "clients"]).query(&mut pusher).unwrap();
        if info.contains("blocked_clients:1\r\n") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10));
        thread::yield_now();
    }
    clock.advance(Duration::from_secs(1));
    run(&mut pusher, &["RPUSH", "q", "job"]);
    assert_eq!(blocked.join().unwrap(), ["q", "job"]);
    let commands: Vec<String> = server.journal().iter().map(|e| e.command()).collect();
    let rpush = commands.iter().position(|c| c == "RPUSH").unwrap();
    assert_eq!(commands[rpush + 1..], ["BLPOP".to_string()]);
    let journal = server.journal();
    let blpop = journal.last().unwrap();
    assert_eq!(blpop.time(), UNIX_EPOCH + Duration::from_secs(NOON + 1));
    assert_eq!(blpop.reply_text().as_deref(), Some("[\"q\", \"job\"]"));
}

#[test]
fn transactions_are_recorded_as_queued_and_scripts_as_one_command() {
    let (server, _clock) = server_at_noon(100);
    let mut con = server.connection();
    let _: () = redis::pipe()
        .atomic()
        .set("a", 1)
        .incr("a", 1)
        .query(&mut con)
        .unwrap();
    run(
        &mut con,
        &[
            "EVAL",
            "redis.call('SET', KEYS[1], 'x') return redis.call('GET', KEYS[1])",
            "1",
            "b",
        ],
    );
    let lines: Vec<String> = server
        .journal()
        .iter()
        .map(|e| format!("{} -> {}", e.command(), e.reply_text().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [
            "MULTI -> OK",
            "SET -> QUEUED",
            "INCRBY -> QUEUED",
            "EXEC -> [OK, (integer) 2]",
            "EVAL -> \"x\"",
        ]
    );
}

#[test]
fn faults_and_undelivered_replies_are_marked() {
    let (server, _clock) = server_at_noon(100);
    let _refuse = server.fault(Rule::command("GET").error("READONLY no"));
    let _lose = server.fault(Rule::command("INCR").drop_after());
    let mut con = server.connection();
    run(&mut con, &["GET", "k"]);
    run(&mut con, &["INCR", "n"]);
    let journal = server.journal();
    assert_eq!(journal[0].fault, Some(Injected::Error));
    assert!(journal[0].is_error() && journal[0].delivered);
    assert_eq!(journal[1].fault, Some(Injected::DropAfter));
    assert!(!journal[1].delivered);
    assert!(
        journal[1]
            .to_string()
            .ends_with("INCR n -> (integer) 1 (not delivered) [fault: drop-after]"),
        "{}",
        journal[1]
    );
}

#[test]
fn the_ring_keeps_the_newest_entries_and_says_how_many_it_forgot() {
    let (server, _clock) = server_at_noon(3);
    let mut con = server.connection();
    for i in 0..5 {
        run(&mut con, &["ECHO", &i.to_string()]);
    }
    let journal = server.journal();
    assert_eq!(journal.forgotten(), 2);
    let seqs: Vec<u64> = journal.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 4, 5]);
    assert!(
        journal
            .to_string()
            .starts_with("(2 older entries forgotten)\n#3 ")
    );
    // Shrinking keeps the newest.
    server.set_journal(Some(1));
    assert_eq!(server.journal()[0].seq, 5);
}

#[test]
fn commands_from_both_transports_share_one_sequence() {
    let (server, _clock) = server_at_noon(100);
    let mut tcp = server.client().get_connection().unwrap();
    let mut local = server.connection();
    server.set_journal(None);
    server.set_journal(Some(100));
    run(&mut tcp, &["SET", "k", "1"]);
    run(&mut local, &["INCR", "k"]);
    run(&mut tcp, &["GET", "k"]);
    let journal = server.journal();
    let clients: Vec<u64> = journal.iter().map(|e| e.client).collect();
    assert_eq!(clients[0], clients[2]);
    assert_eq!(clients[1], local.client_id());
    assert_eq!(journal[2].reply_text().as_deref(), Some("\"2\""));
}
