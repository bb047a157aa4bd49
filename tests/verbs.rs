//! Server-wide verbs as clients see them over both transports: pause /
//! resume (and the clients' own CLIENT PAUSE / UNPAUSE), partition / heal,
//! restart, and power off / on.
//!
//! No test sleeps to wait for something: a test that needs clients to be
//! paused first waits on the server's count of paused clients (with a
//! generous timeout only as a failure guard), and pause timeouts run on a
//! [`ManualClock`].

use std::thread::{self, JoinHandle};
use std::time::Duration;

use redis::{ErrorKind, RedisResult, ServerErrorKind, Value};
use redsim::{ManualClock, Server};
use support::ways::{BOTH, Con, SAFETY, Via, cmd, connect, get, run};

fn spawn(mut con: Con, args: &[&str]) -> JoinHandle<RedisResult<Value>> {
    let c = cmd(args);
    thread::spawn(move || c.query(&mut *con))
}

fn named(server: &Server, via: Via, name: &str) -> Con {
    let mut con = connect(server, via);
    run(&mut con, &["CLIENT", "SETNAME", name]).unwrap();
    con
}

fn assert_dropped(r: RedisResult<Value>, what: &str) {
    let e = r.expect_err(what);
    assert!(
        e.is_connection_dropped(),
        "{what}: not a dropped connection: {e:?}"
    );
}

fn info_field(con: &mut Con, section: &str, field: &str) -> String {
    let info: String = cmd(&["INFO", section]).query(&mut **con).unwrap();
    support::info_field(&info, field)
}

#[test]
fn pause_holds_every_command_until_resume() {
    let server = Server::builder().journal(16).start().unwrap();
    for via in BOTH {
        let writer = connect(&server, via);
        let pinger = connect(&server, via);
        server.set_journal(Some(16));
        server.pause();
        let set = spawn(writer, &["SET", "k", "v"]);
        let ping = spawn(pinger, &["PING"]);
        assert!(server.wait_paused_clients(2, SAFETY), "{via:?}");
        assert!(server.journal().is_empty(), "{via:?}: ran while paused");
        server.resume();
        assert_eq!(set.join().unwrap().unwrap(), Value::Okay);
        assert_eq!(
            ping.join().unwrap().unwrap(),
            Value::SimpleString("PONG".into())
        );
        assert_eq!(server.paused_clients(), 0);
        assert_eq!(server.journal().len(), 2);
        server.set_journal(None);
    }
}

#[test]
fn pause_writes_lets_reads_through_and_holds_writes() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut reader = connect(&server, via);
        server.pause_writes();
        let set = spawn(connect(&server, via), &["SET", "k", "v"]);
        assert!(server.wait_paused_clients(1, SAFETY), "{via:?}");
        assert_eq!(get(&mut reader, "k"), None, "{via:?}: reads must go on");
        server.resume();
        assert_eq!(set.join().unwrap().unwrap(), Value::Okay);
        assert_eq!(get(&mut reader, "k").as_deref(), Some("v"));
        run(&mut reader, &["DEL", "k"]).unwrap();
    }
}

#[test]
fn client_pause_write_holds_what_may_write_as_redis_7_0_does() {
    let server = Server::start().unwrap();
    let mut admin = connect(&server, Via::Tcp);
    run(&mut admin, &["SET", "k", "v"]).unwrap();
    let no_writes_sha: String = cmd(&["SCRIPT", "LOAD", "#!lua flags=no-writes\nreturn 1"])
        .query(&mut *admin)
        .unwrap();
    let held: &[&[&str]] = &[
        &["SET", "k", "w"],
        &["DEL", "nokey"],
        &["EXPIRE", "k", "100"],
        &["PUBLISH", "ch", "m"],
        &["EVAL", "return 1", "0"],
        &["EVAL", "#!lua\nreturn 1", "0"],
        &["EVALSHA", "0000000000000000000000000000000000000000", "0"],
        &["FLUSHALL"],
    ];
    let through: &[&[&str]] = &[
        &["GET", "k"],
        &["PING"],
        &["INFO", "server"],
        &["EVAL_RO", "return 1", "0"],
        &["EVAL", "#!lua flags=no-writes\nreturn 1", "0"],
        &["EVALSHA", &no_writes_sha, "0"],
        &["SCRIPT", "LOAD", "return 2"],
        &["CLIENT", "ID"],
    ];
    run(&mut admin, &["CLIENT", "PAUSE", "100000", "WRITE"]).unwrap();
    for args in through {
        let mut con = connect(&server, Via::Tcp);
        run(&mut con, args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
    }
    let waiting: Vec<_> = held
        .iter()
        .map(|args| spawn(connect(&server, Via::Tcp), args))
        .collect();
    assert!(server.wait_paused_clients(held.len(), SAFETY));
    assert_eq!(get(&mut admin, "k").as_deref(), Some("v"));
    run(&mut admin, &["CLIENT", "UNPAUSE"]).unwrap();
    for (h, args) in waiting.into_iter().zip(held) {
        // EVALSHA of an unknown script runs, and fails, once released.
        let r = h.join().unwrap();
        assert!(r.is_ok() || args[0] == "EVALSHA", "{args:?}: {r:?}");
    }
    assert_eq!(server.paused_clients(), 0);
}

#[test]
fn client_pause_write_holds_a_write_as_it_is_queued_and_exec_of_a_write() {
    let server = Server::start().unwrap();
    let mut admin = connect(&server, Via::Local);
    let mut reads = connect(&server, Via::Local);
    run(&mut admin, &["CLIENT", "PAUSE", "100000", "WRITE"]).unwrap();
    // A read-only transaction goes through.
    let r: Vec<Option<String>> = redis::pipe()
        .atomic()
        .get("a")
        .get("b")
        .query(&mut *reads)
        .unwrap();
    assert_eq!(r, [None, None]);
    // A write is held when it is queued.
    let writer = thread::spawn({
        let mut con = connect(&server, Via::Local);
        move || -> RedisResult<(String,)> { redis::pipe().atomic().set("a", 1).query(&mut *con) }
    });
    assert!(server.wait_paused_clients(1, SAFETY));
    run(&mut admin, &["CLIENT", "UNPAUSE"]).unwrap();
    assert_eq!(writer.join().unwrap().unwrap().0, "OK");
}

#[test]
fn client_pause_ends_when_the_server_clock_passes_its_timeout() {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    for via in BOTH {
        let mut admin = connect(&server, via);
        // Connected first: a TCP client's handshake would wait too.
        let pinger = connect(&server, via);
        run(&mut admin, &["CLIENT", "PAUSE", "1000"]).unwrap();
        let ping = spawn(pinger, &["PING"]);
        assert!(server.wait_paused_clients(1, SAFETY), "{via:?}");
        clock.advance(Duration::from_millis(999));
        assert_eq!(server.paused_clients(), 1, "{via:?}: ended early");
        clock.advance(Duration::from_millis(1));
        assert_eq!(
            ping.join().unwrap().unwrap(),
            Value::SimpleString("PONG".into())
        );
        assert_eq!(server.paused_clients(), 0);
    }
}

#[test]
fn overlapping_client_pauses_keep_the_stricter_mode_and_the_later_end() {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut admin = connect(&server, Via::Tcp);
    let pinger = connect(&server, Via::Tcp);
    run(&mut admin, &["CLIENT", "PAUSE", "100", "WRITE"]).unwrap();
    run(&mut admin, &["CLIENT", "PAUSE", "50", "ALL"]).unwrap();
    let ping = spawn(pinger, &["PING"]);
    assert!(server.wait_paused_clients(1, SAFETY));
    clock.advance(Duration::from_millis(60));
    assert_eq!(
        server.paused_clients(),
        1,
        "ALL must last until the later end"
    );
    clock.advance(Duration::from_millis(40));
    ping.join().unwrap().unwrap();
}

#[test]
fn paused_clients_show_as_blocked_in_info_and_client_list() {
    let server = Server::start().unwrap();
    let mut admin = connect(&server, Via::Tcp);
    let writer = named(&server, Via::Tcp, "writer");
    run(&mut admin, &["CLIENT", "PAUSE", "100000", "WRITE"]).unwrap();
    let set = spawn(writer, &["SET", "k", "v"]);
    assert!(server.wait_paused_clients(1, SAFETY));
    assert_eq!(info_field(&mut admin, "clients", "blocked_clients"), "1");
    let list: String = cmd(&["CLIENT", "LIST"]).query(&mut *admin).unwrap();
    let line = list.lines().find(|l| l.contains("name=writer ")).unwrap();
    assert!(
        line.contains(" flags=b ") && line.contains(" cmd=set "),
        "{line}"
    );
    run(&mut admin, &["CLIENT", "UNPAUSE"]).unwrap();
    set.join().unwrap().unwrap();
}

#[test]
fn a_test_pause_outlives_client_unpause() {
    let server = Server::start().unwrap();
    let mut admin = connect(&server, Via::Local);
    run(&mut admin, &["CLIENT", "PAUSE", "100000", "WRITE"]).unwrap();
    server.pause_writes();
    run(&mut admin, &["CLIENT", "UNPAUSE"]).unwrap();
    let set = spawn(connect(&server, Via::Local), &["SET", "k", "v"]);
    assert!(server.wait_paused_clients(1, SAFETY));
    server.resume();
    set.join().unwrap().unwrap();
}

#[tokio::test]
async fn pause_and_resume_from_async_code() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    server.pause();
    let ping =
        tokio::spawn(async move { redis::cmd("PING").query_async::<String>(&mut con).await });
    tokio::time::timeout(SAFETY, server.until_paused_clients(1))
        .await
        .unwrap();
    server.resume();
    assert_eq!(ping.await.unwrap().unwrap(), "PONG");
}

#[test]
fn partition_closes_only_the_named_clients_until_healed() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut w1 = named(&server, via, "worker-1");
        let mut w2 = named(&server, via, "worker-2");
        let mut api = named(&server, via, "api");
        let mut anonymous = connect(&server, via);
        server.partition("worker-*");
        assert_dropped(run(&mut w1, &["PING"]), "worker-1");
        assert_dropped(run(&mut w2, &["PING"]), "worker-2");
        run(&mut api, &["PING"]).unwrap();
        run(&mut anonymous, &["PING"]).unwrap();

        // A new client is cut off as soon as it takes the name.
        let mut newcomer = connect(&server, via);
        run(&mut newcomer, &["PING"]).unwrap();
        assert_dropped(
            run(&mut newcomer, &["CLIENT", "SETNAME", "worker-3"]),
            "worker-3",
        );
        let mut hello = connect(&server, via);
        assert_dropped(
            run(&mut hello, &["HELLO", "2", "SETNAME", "worker-4"]),
            "worker-4",
        );

        server.heal("worker-*");
        let mut back = named(&server, via, "worker-1");
        run(&mut back, &["PING"]).unwrap();
        // Closed connections stay closed.
        assert!(run(&mut w1, &["PING"]).is_err());
    }
}

#[test]
fn partitioning_one_exact_name_spares_the_others() {
    let server = Server::start().unwrap();
    let mut a = named(&server, Via::Local, "a");
    let mut b = named(&server, Via::Local, "b");
    server.partition("a");
    assert_dropped(run(&mut a, &["PING"]), "a");
    run(&mut b, &["PING"]).unwrap();
    server.heal("a");
}

fn run_id(con: &mut Con) -> String {
    info_field(con, "server", "run_id")
}

#[test]
fn restart_loses_data_config_and_scripts_and_takes_a_new_run_id() {
    let clock = ManualClock::new();
    let server = Server::builder()
        .clock(&clock)
        .config("maxmemory-policy", "allkeys-lru")
        .start()
        .unwrap();
    for via in BOTH {
        let mut con = connect(&server, via);
        let before = run_id(&mut con);
        run(&mut con, &["SET", "k", "v"]).unwrap();
        run(
            &mut con,
            &["CONFIG", "SET", "maxmemory-policy", "noeviction"],
        )
        .unwrap();
        let sha: String = cmd(&["SCRIPT", "LOAD", "return 7"])
            .query(&mut *con)
            .unwrap();
        clock.advance(Duration::from_secs(100));
        assert_eq!(info_field(&mut con, "server", "uptime_in_seconds"), "100");

        server.restart();
        assert_dropped(run(&mut con, &["PING"]), "after restart");
        let mut con = connect(&server, via);
        assert_ne!(run_id(&mut con), before, "{via:?}");
        assert_eq!(info_field(&mut con, "server", "uptime_in_seconds"), "0");
        assert_eq!(get(&mut con, "k"), None, "{via:?}");
        let policy: Vec<String> = cmd(&["CONFIG", "GET", "maxmemory-policy"])
            .query(&mut *con)
            .unwrap();
        assert_eq!(
            policy[1], "allkeys-lru",
            "{via:?}: back to the startup configuration"
        );
        let e = run(&mut con, &["EVALSHA", &sha, "0"]).unwrap_err();
        assert_eq!(
            e.kind(),
            ErrorKind::Server(ServerErrorKind::NoScript),
            "{via:?}"
        );
    }
}

#[test]
fn restart_ends_waits_and_subscriptions() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut admin = connect(&server, via);
        let mut listener = connect(&server, via);
        run(&mut listener, &["SUBSCRIBE", "news"]).unwrap();
        let blpop = spawn(connect(&server, via), &["BLPOP", "q", "0"]);
        loop {
            if info_field(&mut admin, "clients", "blocked_clients") == "1" {
                break;
            }
            thread::yield_now();
        }
        server.restart();
        assert_dropped(blpop.join().unwrap(), "blocked client");
        let mut fresh = connect(&server, via);
        let subscribers: i64 = cmd(&["PUBLISH", "news", "hello"])
            .query(&mut *fresh)
            .unwrap();
        assert_eq!(subscribers, 0, "{via:?}");
        assert_eq!(info_field(&mut fresh, "clients", "blocked_clients"), "0");
    }
}

#[test]
fn a_client_library_reconnects_after_a_restart_on_the_same_port() {
    let server = Server::start().unwrap();
    let client = server.client();
    let mut con = client.get_connection().unwrap();
    redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    server.restart();
    assert!(redis::cmd("PING").query::<String>(&mut con).is_err());
    let mut con = client.get_connection().unwrap();
    assert_eq!(
        redis::cmd("GET")
            .arg("k")
            .query::<Option<String>>(&mut con)
            .unwrap(),
        None
    );
}

#[test]
fn power_off_drops_everyone_and_power_on_brings_the_data_back_on_the_same_port() {
    let server = Server::start().unwrap();
    let addr = server.addr();
    for via in BOTH {
        let mut con = connect(&server, via);
        run(&mut con, &["SET", "k", "v"]).unwrap();
        let before = run_id(&mut con);
        server.power_off();
        assert_dropped(run(&mut con, &["PING"]), "powered off");
        assert!(
            std::net::TcpStream::connect(addr).is_err(),
            "still listening"
        );
        let mut refused = server.connection();
        let e = cmd(&["PING"]).query::<String>(&mut refused).unwrap_err();
        assert!(
            e.is_connection_refusal() && e.is_connection_dropped(),
            "{e:?}"
        );
        assert!(server.client().get_connection().is_err());

        server.power_on().unwrap();
        assert_eq!(server.addr(), addr);
        let mut con = connect(&server, via);
        assert_eq!(get(&mut con, "k").as_deref(), Some("v"), "{via:?}");
        assert_ne!(run_id(&mut con), before, "{via:?}: a new process");
        // A connection taken while off never connected.
        assert!(cmd(&["PING"]).query::<String>(&mut refused).is_err());
    }
    // Both verbs are idempotent.
    server.power_on().unwrap();
    server.power_off();
    server.power_off();
    server.power_on().unwrap();
}

#[test]
fn restart_and_power_keep_the_test_s_own_rules() {
    let server = Server::start().unwrap();
    let _rule = server.fault(redsim::Rule::command("GET").error("ERR still here"));
    server.restart();
    server.power_off();
    server.power_on().unwrap();
    let mut con = connect(&server, Via::Tcp);
    assert!(run(&mut con, &["GET", "k"]).is_err());
}

#[test]
fn keys_stop_expiring_during_client_pause_as_in_redis() {
    // What Redis 7.0.15 shows: during CLIENT PAUSE a key past its deadline
    // reads as missing but is not deleted (DBSIZE counts it, expired_keys
    // does not), and the pause's end deletes it.
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = connect(&server, Via::Local);
    let dbsize = |con: &mut Con| -> i64 { cmd(&["DBSIZE"]).query(&mut **con).unwrap() };
    for end in ["unpause", "timeout"] {
        run(&mut con, &["SET", "a", "1", "PX", "100"]).unwrap();
        run(&mut con, &["SET", "b", "1", "PX", "100"]).unwrap();
        let expired_before: i64 = info_field(&mut con, "stats", "expired_keys")
            .parse()
            .unwrap();
        run(&mut con, &["CLIENT", "PAUSE", "5000", "WRITE"]).unwrap();
        clock.advance(Duration::from_millis(400));
        assert_eq!(dbsize(&mut con), 2, "{end}");
        assert_eq!(get(&mut con, "a"), None, "{end}");
        let exists: i64 = cmd(&["EXISTS", "b"]).query(&mut *con).unwrap();
        assert_eq!(exists, 0, "{end}");
        assert_eq!(dbsize(&mut con), 2, "{end}: a lookup deleted it");
        let expired: i64 = info_field(&mut con, "stats", "expired_keys")
            .parse()
            .unwrap();
        assert_eq!(expired, expired_before, "{end}");
        match end {
            "unpause" => {
                run(&mut con, &["CLIENT", "UNPAUSE"]).unwrap();
            }
            _ => clock.advance(Duration::from_millis(4600)),
        }
        assert_eq!(dbsize(&mut con), 0, "{end}");
        let expired: i64 = info_field(&mut con, "stats", "expired_keys")
            .parse()
            .unwrap();
        assert_eq!(expired, expired_before + 2, "{end}");
    }
    // The test's own pause does not hold expiry.
    run(&mut con, &["SET", "c", "1", "PX", "100"]).unwrap();
    server.pause_writes();
    clock.advance(Duration::from_millis(200));
    server.resume();
    assert_eq!(dbsize(&mut con), 0);
}
