//! Fault rules as clients see them, through the `redis` crate over both
//! transports: error replies, delays on the server clock and in real time,
//! connections dropped before or after a command runs, commands held until
//! released; rules matched by command, key, client name, database, n-th
//! call, count and seeded probability, tried in installation order, and
//! removed when their guard is dropped.
//!
//! No test sleeps to wait for something: a test that needs a command to be
//! held first waits on the rule's or the release's count of held commands
//! (with a generous timeout only as a failure guard), and delays on the
//! server clock are ended by advancing a [`ManualClock`].

use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use redis::{ErrorKind, RedisResult, ServerErrorKind, Value};
use redsim::{Injected, ManualClock, Release, Rule, Server, errors};
use support::RawClient;
use support::ways::{BOTH, Con, SAFETY, Via, cmd, connect, get, run};

fn manual() -> (Server, ManualClock) {
    let clock = ManualClock::new();
    let server = Server::builder().clock(&clock).start().expect("start");
    (server, clock)
}

/// Runs `args` on `con` in a thread.
fn spawn(mut con: Con, args: &[&str]) -> JoinHandle<(Con, RedisResult<Value>)> {
    let c = cmd(args);
    thread::spawn(move || {
        let r = c.query(&mut *con);
        (con, r)
    })
}

fn assert_dropped(r: RedisResult<Value>, via: Via) {
    let e = r.expect_err("the connection should have been dropped");
    assert!(
        e.is_connection_dropped(),
        "{via:?}: not a dropped connection: {e:?}"
    );
}

#[test]
fn error_verdicts_reply_with_any_text_and_the_redis_kind_over_both_transports() {
    let server = Server::start().unwrap();
    let cases = [
        (errors::READONLY, ServerErrorKind::ReadOnly),
        (errors::LOADING, ServerErrorKind::BusyLoading),
        (errors::NOSCRIPT, ServerErrorKind::NoScript),
        (errors::MASTERDOWN, ServerErrorKind::MasterDown),
        ("ERR anything at all", ServerErrorKind::ResponseError),
    ];
    for via in BOTH {
        let mut con = connect(&server, via);
        for (text, kind) in cases {
            let _rule = server.fault(Rule::command("SET").error(text));
            let e = run(&mut con, &["SET", "k", "v"]).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Server(kind), "{via:?} {text}");
            let (code, detail) = text.split_once(' ').unwrap();
            assert_eq!(
                (e.code(), e.detail()),
                (Some(code), Some(detail)),
                "{via:?}"
            );
        }
        // Nothing ran, and the connection goes on.
        assert_eq!(get(&mut con, "k"), None);
    }
    // The texts are Redis's own.
    assert_eq!(
        errors::OOM,
        "OOM command not allowed when used memory > 'maxmemory'."
    );
}

#[test]
fn set_error_answers_every_command_until_cleared() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut con = connect(&server, via);
        server.set_error(Some("ERR injected failure"));
        for args in [&["PING"][..], &["GET", "k"], &["CLIENT", "ID"]] {
            let e = run(&mut con, args).unwrap_err();
            assert_eq!(e.detail(), Some("injected failure"), "{via:?} {args:?}");
        }
        server.set_error(None);
        assert_eq!(
            run(&mut con, &["PING"]).unwrap(),
            Value::SimpleString("PONG".into())
        );
    }
}

#[test]
fn a_delay_on_the_server_clock_ends_when_the_clock_passes_it_and_not_before() {
    let (server, clock) = manual();
    for via in BOTH {
        let mut reader = connect(&server, via);
        let rule = server.fault(Rule::command("INCR").delay(Duration::from_secs(5)));
        let worker = spawn(connect(&server, via), &["INCR", "n"]);
        assert!(rule.wait_held(1, SAFETY), "{via:?}: the INCR is not held");
        clock.advance(Duration::from_millis(4_999));
        assert_eq!(rule.held(), 1, "{via:?}: released too early");
        assert_eq!(get(&mut reader, "n"), None, "{via:?}: ran too early");
        clock.advance(Duration::from_millis(1));
        assert_eq!(rule.held(), 0, "{via:?}: not released at the deadline");
        let (_, r) = worker.join().unwrap();
        assert_eq!(r.unwrap(), Value::Int(1), "{via:?}");
        cmd(&["DEL", "n"]).exec(&mut *reader).unwrap();
    }
}

#[test]
fn a_delay_in_real_time_passes_without_the_server_clock_moving() {
    let (server, clock) = manual();
    let before = clock.now();
    for via in BOTH {
        let mut con = connect(&server, via);
        let rule = server.fault(Rule::command("PING").delay_real(Duration::from_millis(30)));
        let started = Instant::now();
        assert_eq!(
            run(&mut con, &["PING"]).unwrap(),
            Value::SimpleString("PONG".into())
        );
        assert!(started.elapsed() >= Duration::from_millis(30), "{via:?}");
        assert_eq!((rule.hits(), rule.held()), (1, 0));
    }
    assert_eq!(clock.now(), before);
}

#[test]
fn drop_before_closes_the_connection_without_running_the_command() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut other = connect(&server, via);
        let _rule = server.fault(Rule::command("SET").key("k").drop_before());
        let mut con = connect(&server, via);
        assert_dropped(run(&mut con, &["SET", "k", "v"]), via);
        assert_eq!(get(&mut other, "k"), None, "{via:?}: the SET ran");
        // Closed for good, as a socket the server closed.
        assert!(run(&mut con, &["PING"]).is_err(), "{via:?}");
        assert!(!con.is_open(), "{via:?}");
    }
}

#[test]
fn drop_after_leaves_the_write_applied_while_the_client_sees_a_dropped_connection() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut other = connect(&server, via);
        let rule = server.fault(Rule::command("SET").key("lock:*").drop_after());
        let mut con = connect(&server, via);
        let r = run(&mut con, &["SET", "lock:a", "token", "NX", "PX", "30000"]);
        assert_dropped(r, via);
        // The ambiguous case: the client does not know, but the lock is taken.
        assert_eq!(
            get(&mut other, "lock:a").as_deref(),
            Some("token"),
            "{via:?}"
        );
        assert_eq!(rule.hits(), 1);
        cmd(&["DEL", "lock:a"]).exec(&mut *other).unwrap();
    }
}

#[test]
fn drop_after_over_tcp_still_delivers_the_replies_before_it_in_a_pipeline() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::command("INCR").drop_after());
    let mut raw = RawClient::connect(server.addr()).unwrap();
    let mut batch = RawClient::encode(&[b"SET", b"a", b"1"]);
    batch.extend(RawClient::encode(&[b"INCR", b"n"]));
    batch.extend(RawClient::encode(&[b"GET", b"a"]));
    raw.send_raw(&batch);
    assert_eq!(raw.read_reply(), b"+OK\r\n");
    assert!(raw.is_closed_by_server(SAFETY));
    // The INCR ran; the GET after it never did (nor could it be answered).
    let mut con = server.connection();
    let n: i64 = cmd(&["GET", "n"]).query(&mut con).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn drop_after_on_a_blocked_command_consumes_the_element_and_drops_the_reply() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::command("BLPOP").drop_after());
    for via in BOTH {
        let mut admin = connect(&server, via);
        let worker = spawn(connect(&server, via), &["BLPOP", "queue", "0"]);
        wait_blocked(&mut admin, 1);
        cmd(&["RPUSH", "queue", "job"]).exec(&mut *admin).unwrap();
        let (_, r) = worker.join().unwrap();
        assert_dropped(r, via);
        let len: i64 = cmd(&["LLEN", "queue"]).query(&mut *admin).unwrap();
        assert_eq!(len, 0, "{via:?}: the job was not taken");
    }
}

fn wait_blocked(con: &mut Con, n: usize) {
    let started = Instant::now();
    loop {
        let info: String = cmd(&["INFO", "clients"]).query(&mut **con).unwrap();
        let blocked: usize = info
            .lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap();
        if blocked == n {
            return;
        }
        assert!(started.elapsed() < SAFETY, "expected {n} blocked clients");
        thread::yield_now();
    }
}

#[test]
fn hang_holds_the_command_until_released_then_runs_it() {
    let server = Server::start().unwrap();
    let release = Release::new();
    let rule = server.fault(Rule::command("INCR").hang_until(&release));
    for via in BOTH {
        let mut reader = connect(&server, via);
        let a = spawn(connect(&server, via), &["INCR", "n"]);
        let b = spawn(connect(&server, via), &["INCR", "n"]);
        assert!(release.wait_held(2, SAFETY), "{via:?}");
        assert_eq!(rule.held(), 2);
        assert_eq!(get(&mut reader, "n"), None, "{via:?}: ran while held");
        assert_eq!(release.release(), 2);
        assert_eq!(release.held(), 0);
        let mut got = [a, b].map(|h| match h.join().unwrap().1.unwrap() {
            Value::Int(n) => n,
            v => panic!("{v:?}"),
        });
        got.sort();
        assert_eq!(got, [1, 2], "{via:?}");
        cmd(&["DEL", "n"]).exec(&mut *reader).unwrap();
    }
}

#[test]
fn hang_forever_ends_only_when_the_connection_does() {
    for via in BOTH {
        let server = Server::start().unwrap();
        let rule = server.fault(Rule::command("GET").hang());
        let worker = spawn(connect(&server, via), &["GET", "k"]);
        assert!(rule.wait_held(1, SAFETY), "{via:?}");
        // Removing the rule does not let go of what it holds.
        drop(rule);
        server.restart();
        let (_, r) = worker.join().unwrap();
        assert_dropped(r, via);
    }
}

#[tokio::test(start_paused = true)]
async fn a_hung_command_leaves_the_client_nothing_but_its_own_timeout() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::command("GET").hang());
    let mut con = server.connection();
    let mut get = redis::cmd("GET");
    get.arg("k");
    let get = get.query_async::<Option<String>>(&mut con);
    // Paused Tokio time: the timeout fires as soon as nothing else can
    // happen, without waiting for real.
    let r = tokio::time::timeout(Duration::from_secs(5), get).await;
    assert!(r.is_err(), "a hung command was answered: {r:?}");
}

#[test]
fn nth_matches_only_that_call_and_times_limits_the_count() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut con = connect(&server, via);
        let third = server.fault(Rule::command("PING").nth(3).error("ERR third"));
        let outcomes: Vec<bool> = (0..5).map(|_| run(&mut con, &["PING"]).is_ok()).collect();
        assert_eq!(outcomes, [true, true, false, true, true], "{via:?}");
        assert_eq!(third.hits(), 1);
        drop(third);

        let twice = server.fault(Rule::command("PING").times(2).error("ERR twice"));
        let outcomes: Vec<bool> = (0..4).map(|_| run(&mut con, &["PING"]).is_ok()).collect();
        assert_eq!(outcomes, [false, false, true, true], "{via:?}");
        assert_eq!(twice.hits(), 2);
    }
}

/// Which of 200 PINGs fail under a 30% rule on a server seeded `seed`.
fn failing_pings(seed: u64) -> Vec<usize> {
    let server = Server::builder().seed(seed).start().unwrap();
    let rule = server.fault(Rule::command("PING").probability(0.3).error("ERR unlucky"));
    let mut con = server.connection();
    let failed: Vec<usize> = (0..200)
        .filter(|_| redis::cmd("PING").query::<String>(&mut con).is_err())
        .collect();
    assert_eq!(rule.hits(), failed.len() as u64);
    failed
}

#[test]
fn probability_draws_from_the_seed_so_a_run_replays_exactly() {
    let first = failing_pings(42);
    assert_eq!(first, failing_pings(42));
    assert_ne!(first, failing_pings(43));
    assert!((30..=90).contains(&first.len()), "{} of 200", first.len());
    let never = {
        let server = Server::start().unwrap();
        let rule = server.fault(Rule::command("PING").probability(0.0).error("ERR"));
        let mut con = server.connection();
        for _ in 0..50 {
            let _: String = redis::cmd("PING").query(&mut con).unwrap();
        }
        rule.hits()
    };
    assert_eq!(never, 0);
}

#[test]
fn key_patterns_match_key_arguments_including_eval_keys() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::any().key("lock:*").error(errors::READONLY));
    for via in BOTH {
        let mut con = connect(&server, via);
        let refused = |con: &mut Con, args: &[&str]| run(con, args).is_err();
        assert!(refused(&mut con, &["SET", "lock:a", "1"]), "{via:?}");
        assert!(
            !refused(&mut con, &["SET", "other", "lock:a"]),
            "{via:?}: a value is no key"
        );
        assert!(
            refused(&mut con, &["MSET", "x", "1", "lock:b", "2"]),
            "{via:?}"
        );
        assert!(
            refused(&mut con, &["EVAL", "return 1", "1", "lock:c"]),
            "{via:?}"
        );
        assert!(
            !refused(&mut con, &["EVAL", "return 1", "0", "lock:c"]),
            "{via:?}: ARGV is no key"
        );
        assert!(!refused(&mut con, &["PING"]), "{via:?}");
    }
}

#[test]
fn client_name_patterns_match_named_clients_only() {
    let server = Server::start().unwrap();
    let _rule = server.fault(
        Rule::command("GET")
            .client("worker-*")
            .error("ERR not for workers"),
    );
    for via in BOTH {
        let mut worker = connect(&server, via);
        let mut hello = connect(&server, via);
        let mut other = connect(&server, via);
        let mut anonymous = connect(&server, via);
        run(&mut worker, &["CLIENT", "SETNAME", "worker-1"]).unwrap();
        run(&mut hello, &["HELLO", "2", "SETNAME", "worker-2"]).unwrap();
        run(&mut other, &["CLIENT", "SETNAME", "api"]).unwrap();
        assert!(run(&mut worker, &["GET", "k"]).is_err(), "{via:?}");
        assert!(run(&mut hello, &["GET", "k"]).is_err(), "{via:?}");
        assert!(run(&mut other, &["GET", "k"]).is_ok(), "{via:?}");
        assert!(run(&mut anonymous, &["GET", "k"]).is_ok(), "{via:?}");
        // Renamed, it is no longer matched.
        run(&mut worker, &["CLIENT", "SETNAME", "retired"]).unwrap();
        assert!(run(&mut worker, &["GET", "k"]).is_ok(), "{via:?}");
    }
}

#[test]
fn commands_match_case_insensitively_with_containers_and_subcommands() {
    let server = Server::start().unwrap();
    let mut con = connect(&server, Via::Local);
    {
        let _all = server.fault(Rule::command("client").error("ERR client"));
        assert!(run(&mut con, &["CLIENT", "ID"]).is_err());
        assert!(run(&mut con, &["client", "getname"]).is_err());
    }
    let _one = server.fault(Rule::command("CLIENT GETNAME").error("ERR getname"));
    assert!(run(&mut con, &["CLIENT", "ID"]).is_ok());
    assert!(run(&mut con, &["Client", "GetName"]).is_err());
    let _many = server.fault(Rule::commands(["get", "DEL"]).error("ERR many"));
    assert!(run(&mut con, &["GET", "k"]).is_err());
    assert!(run(&mut con, &["DEL", "k"]).is_err());
    assert!(run(&mut con, &["GETDEL", "k"]).is_ok());
}

#[test]
fn a_database_rule_matches_only_that_database() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::any().db(3).error("ERR db 3"));
    let mut con = connect(&server, Via::Tcp);
    assert!(run(&mut con, &["GET", "k"]).is_ok());
    run(&mut con, &["SELECT", "3"]).unwrap();
    assert!(run(&mut con, &["GET", "k"]).is_err());
}

#[test]
fn rules_are_tried_in_installation_order_and_the_first_verdict_that_is_not_pass_wins() {
    let server = Server::start().unwrap();
    let probe = server.fault(Rule::command("GET"));
    let first = server.fault(Rule::command("GET").key("a*").error("ERR first"));
    let second = server.fault(Rule::command("GET").error("ERR second"));
    let mut con = connect(&server, Via::Local);
    assert_eq!(
        run(&mut con, &["GET", "ab"]).unwrap_err().detail(),
        Some("first")
    );
    assert_eq!(
        run(&mut con, &["GET", "b"]).unwrap_err().detail(),
        Some("second")
    );
    // A passing rule counts what it sees and lets later rules decide.
    assert_eq!((probe.hits(), first.hits(), second.hits()), (2, 1, 1));
}

#[test]
fn dropping_the_guard_removes_the_rule_and_keep_does_not() {
    let server = Server::start().unwrap();
    let mut con = connect(&server, Via::Local);
    let guard = server.fault(Rule::command("PING").error("ERR gone soon"));
    assert!(run(&mut con, &["PING"]).is_err());
    drop(guard);
    assert!(run(&mut con, &["PING"]).is_ok());
    server
        .fault(Rule::command("ECHO").error("ERR forever"))
        .keep();
    assert!(run(&mut con, &["ECHO", "x"]).is_err());
}

#[test]
fn transaction_commands_are_matched_as_they_are_queued() {
    let server = Server::start().unwrap();
    for via in BOTH {
        let mut con = connect(&server, via);
        let refused = server.fault(Rule::command("SET").error(errors::OOM));
        // A refused queued command dooms the transaction, as Redis's own
        // OOM does.
        let r: RedisResult<Value> = redis::pipe()
            .atomic()
            .set("t", 1)
            .incr("u", 1)
            .query(&mut *con);
        assert_eq!(
            r.unwrap_err().kind(),
            ErrorKind::Server(ServerErrorKind::ExecAbort)
        );
        drop(refused);
        assert_eq!(get(&mut con, "u"), None, "{via:?}");

        // To lose the reply of a whole transaction, match EXEC.
        let _exec = server.fault(Rule::command("EXEC").drop_after());
        let r: RedisResult<Value> = redis::pipe()
            .atomic()
            .set("t", 1)
            .incr("u", 1)
            .query(&mut *con);
        assert_dropped(r, via);
        let mut other = connect(&server, via);
        assert_eq!(get(&mut other, "u").as_deref(), Some("1"), "{via:?}");
        cmd(&["DEL", "t", "u"]).exec(&mut *other).unwrap();
    }
}

#[test]
fn commands_run_by_scripts_are_not_matched() {
    let server = Server::start().unwrap();
    let _rule = server.fault(Rule::command("SET").error(errors::READONLY));
    let mut con = connect(&server, Via::Tcp);
    let r = run(
        &mut con,
        &["EVAL", "return redis.call('SET', KEYS[1], 'v')", "1", "k"],
    );
    assert_eq!(r.unwrap(), Value::Okay);
    assert_eq!(get(&mut con, "k").as_deref(), Some("v"));
}

#[test]
fn a_delayed_command_holds_back_the_rest_of_its_pipeline_but_not_what_came_before() {
    let (server, clock) = manual();
    let rule = server.fault(Rule::command("INCR").delay(Duration::from_secs(1)));
    let mut raw = RawClient::connect(server.addr()).unwrap();
    let mut batch = RawClient::encode(&[b"PING"]);
    batch.extend(RawClient::encode(&[b"INCR", b"n"]));
    batch.extend(RawClient::encode(&[b"ECHO", b"after"]));
    raw.send_raw(&batch);
    assert_eq!(raw.read_reply(), b"+PONG\r\n");
    assert!(rule.wait_held(1, SAFETY));
    clock.advance(Duration::from_secs(1));
    assert_eq!(raw.read_reply(), b":1\r\n");
    assert_eq!(raw.read_reply(), b"$5\r\nafter\r\n");
}

#[test]
fn a_held_client_that_hangs_up_is_no_longer_held() {
    let server = Server::start().unwrap();
    let release = Release::new();
    let _rule = server.fault(Rule::command("GET").hang_until(&release));
    let mut raw = RawClient::connect(server.addr()).unwrap();
    raw.send_raw(&RawClient::encode(&[b"GET", b"k"]));
    assert!(release.wait_held(1, SAFETY));
    drop(raw);
    let started = Instant::now();
    while release.held() != 0 {
        assert!(started.elapsed() < SAFETY, "the hang-up was not noticed");
        thread::yield_now();
    }
}

#[test]
fn the_journal_tells_which_fault_hit_which_command() {
    let (server, clock) = manual();
    server.set_journal(Some(100));
    let _delay = server.fault(Rule::command("INCR").delay(Duration::from_millis(10)));
    let _drop = server.fault(Rule::command("DEL").drop_before());
    let mut con = connect(&server, Via::Local);
    let worker = spawn(connect(&server, Via::Local), &["INCR", "n"]);
    assert!(_delay.wait_held(1, SAFETY));
    clock.advance(Duration::from_millis(10));
    worker.join().unwrap().1.unwrap();
    assert_dropped(run(&mut con, &["DEL", "n"]), Via::Local);
    let journal = server.journal();
    let faults: Vec<_> = journal
        .iter()
        .map(|e| (e.command(), e.fault, e.delivered))
        .collect();
    assert_eq!(
        faults,
        [
            (
                "INCR".to_string(),
                Some(Injected::Delay(Duration::from_millis(10))),
                true
            ),
            ("DEL".to_string(), Some(Injected::DropBefore), false),
        ],
        "{journal}"
    );
    assert_eq!(journal[1].reply, None);
}

/// In process as over TCP, a command held by a fault still runs when its
/// caller stops waiting for it (the caller's future is dropped): the
/// server does not know the client gave up. The connection's next request
/// queues behind it, and a blocking command whose caller gave up still
/// consumes what it waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_command_still_runs_after_its_in_process_caller_gives_up() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let gate = Release::new();
    let held = server.fault(Rule::command("SET").times(1).hang_until(&gate));
    let mut giving_up = con.clone();
    let abandoned = tokio::time::timeout(Duration::from_millis(50), async move {
        redis::cmd("SET")
            .arg("k")
            .arg("v")
            .exec_async(&mut giving_up)
            .await
    })
    .await;
    assert!(
        abandoned.is_err(),
        "the caller gave up while the SET was held"
    );
    assert_eq!(held.held(), 1);
    gate.release();
    // Queued behind the SET on the same connection.
    let v: Option<String> = redis::cmd("GET")
        .arg("k")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(v.as_deref(), Some("v"));

    // A BLPOP whose caller gave up pops what arrives, as over TCP.
    let mut waiter = server.connection();
    let mut gone = waiter.clone();
    let abandoned = tokio::time::timeout(Duration::from_millis(50), async move {
        redis::cmd("BLPOP")
            .arg("q")
            .arg(0)
            .query_async::<Value>(&mut gone)
            .await
    })
    .await;
    assert!(abandoned.is_err());
    let pushed: i64 = redis::cmd("RPUSH")
        .arg("q")
        .arg("x")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(pushed, 1);
    let len: i64 = redis::cmd("LLEN")
        .arg("q")
        .query_async(&mut waiter)
        .await
        .unwrap();
    assert_eq!(len, 0, "the abandoned BLPOP took the element");

    // Dropping every handle of a connection ends its wait, as a closed
    // socket does: nothing is popped for it any more.
    let mut last = server.connection();
    let abandoned = tokio::time::timeout(Duration::from_millis(50), async move {
        redis::cmd("BLPOP")
            .arg("r")
            .arg(0)
            .query_async::<Value>(&mut last)
            .await
    })
    .await;
    assert!(abandoned.is_err());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let blocked = support::info_of(&mut con, "clients", "blocked_clients");
        if blocked.as_deref() == Some("0") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped connection still waits"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _: i64 = redis::cmd("RPUSH")
        .arg("r")
        .arg("y")
        .query_async(&mut con)
        .await
        .unwrap();
    let len: i64 = redis::cmd("LLEN")
        .arg("r")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!(len, 1);
}
