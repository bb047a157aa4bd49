//! Lock scenarios that are about failures — renewals that fail once or
//! for good, replies delayed or lost, partitions, restarts without
//! persistence, cancellation in flight, an emptied script cache — each
//! reproduced with redsim's fault rules and verbs, outcome asserted.

use std::time::Duration;

use redis::AsyncCommands;
use redsim::{Injected, Rule, Server, SkewedClock, TokioClock, errors};
use redsim_lock::fencing::FencedStore;
use redsim_lock::{Lock, LockError, LockOptions, LostReason, Redlock, RetryPolicy};
use support::{server_on, value};
use tokio::time::{Instant, advance};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn named(server: &Server, name: &str) -> redsim::LocalConnection {
    let mut con = server.connection();
    redis::cmd("CLIENT")
        .arg("SETNAME")
        .arg(name)
        .exec_async(&mut con)
        .await
        .unwrap();
    con
}

#[tokio::test(start_paused = true)]
async fn one_failed_renewal_is_survived_but_an_outage_loses_the_lock_at_its_deadline() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new().ttl(secs(3)).auto_renew();
    let drift = options.drift();
    let interval = options.renew_interval().unwrap();
    let lock = Lock::with_options(server.connection(), "job", options);
    let guard = lock.acquire().await.unwrap();

    // One renewal answered LOADING: retried, the lock holds.
    let once = server.fault(Rule::command("EVALSHA").times(1).error(errors::LOADING));
    guard.run(tokio::time::sleep(secs(30))).await.unwrap();
    assert_eq!(once.hits(), 1);
    assert!(guard.is_valid());

    // Every renewal fails from now on. When did the last one that worked
    // run? The server says: its PTTL counts down from the TTL since.
    let outage_start = Instant::now();
    let pttl: i64 = server.connection().pttl("job").await.unwrap();
    let since_renewal = secs(3) - Duration::from_millis(pttl as u64);
    assert!(
        since_renewal < interval,
        "renewals went on at their interval until the outage: {since_renewal:?}"
    );
    let last_renewal_deadline = guard.valid_until();
    // Validity counts from that renewal's send: ttl − drift after it
    // (to the server's millisecond).
    let expected = outage_start - since_renewal + secs(3) - drift;
    assert!(
        last_renewal_deadline.max(expected) - last_renewal_deadline.min(expected) <= ms(1),
        "deadline {:?} after the outage, expected {:?}",
        last_renewal_deadline - outage_start,
        expected - outage_start
    );
    let outage = server.fault(Rule::command("EVALSHA").error(errors::LOADING));
    // Lost at that deadline, not before (the failed renewals did not give
    // up early) and not after (none of them moved it).
    assert_eq!(guard.lost().await, LostReason::Expired);
    assert_eq!(Instant::now(), last_renewal_deadline);
    assert_eq!(guard.valid_until(), last_renewal_deadline);
    assert!(outage.hits() >= 2, "renewals were tried during the outage");
}

#[tokio::test(start_paused = true)]
async fn an_acquire_whose_reply_comes_after_the_ttl_is_refused_and_cleaned_up() {
    let server = server_on(TokioClock::new());
    let options = LockOptions::new()
        .ttl(secs(10))
        .op_timeout(secs(60))
        .retry(RetryPolicy::never());
    let lock = Lock::with_options(server.connection(), "slow", options);
    // The SET waits 15 s of server time before it runs and answers.
    let _slow = server.fault(Rule::command("SET").times(1).delay(secs(15)));
    let err = lock.acquire().await.unwrap_err();
    assert!(matches!(err, LockError::NoValidity { .. }), "{err}");
    // The key it set was given back.
    for _ in 0..100 {
        if value(&server, "slow").await.is_none() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("the refused lock was left behind");
}

/// Every reply a drop-after rule withheld on `server` was that of a
/// command that ran — not a NOSCRIPT answered before the script was
/// loaded, which would leave the lost-reply path a test names unrun.
fn assert_dropped_replies_were_real(server: &Server, expected: usize) {
    let journal = server.journal();
    let dropped: Vec<_> = journal
        .iter()
        .filter(|e| e.fault == Some(Injected::DropAfter))
        .collect();
    assert_eq!(dropped.len(), expected, "{journal}");
    for e in dropped {
        let reply = e.reply_text().unwrap_or_default();
        assert!(!reply.contains("NOSCRIPT"), "the dropped reply was {reply}");
        assert!(!e.delivered);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acquire_reply_is_recognised_on_retry_and_a_lost_release_reply_is_resolved() {
    let server = Server::builder().journal(256).start().unwrap();
    // A ConnectionManager reconnects after a drop, as production code's does.
    let conn = server.client().get_connection_manager().await.unwrap();
    let options = LockOptions::new().retry(RetryPolicy::backoff(ms(1), ms(10)));
    let mut dropped = 0;
    for fencing in [false, true] {
        let lock = Lock::with_options(conn.clone(), "ambiguous", options.clone().fencing(fencing));
        // Loads the scripts: the rules below must hit the scripts' runs.
        lock.acquire().await.unwrap().release().await.unwrap();
        let acquire_cmd = if fencing { "EVALSHA" } else { "SET" };
        let lost = server.fault(Rule::command(acquire_cmd).times(1).drop_after());
        let guard = lock.acquire().await.unwrap();
        assert_eq!(
            lost.hits(),
            1,
            "the first attempt ran and its reply was lost"
        );
        assert_eq!(
            value(&server, "ambiguous").await.as_deref(),
            Some(guard.token())
        );
        drop(lost);

        let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
        guard.release().await.unwrap();
        assert_eq!(lost.hits(), 1);
        assert_eq!(value(&server, "ambiguous").await, None);
        dropped += 2;
        assert_dropped_replies_were_real(&server, dropped);
    }
}

#[tokio::test(start_paused = true)]
async fn a_holder_partitioned_from_the_majority_loses_the_lock_before_anyone_else_gets_it() {
    let base = TokioClock::new();
    let servers: Vec<Server> = (0..5).map(|_| server_on(&base)).collect();
    let options = LockOptions::new()
        .ttl(secs(6))
        .auto_renew()
        .op_timeout(ms(100));
    let mut a_nodes = Vec::new();
    let mut b_nodes = Vec::new();
    for s in &servers {
        a_nodes.push(named(s, "holder-a").await);
        b_nodes.push(named(s, "holder-b").await);
    }
    let a = Redlock::with_options(a_nodes, "resource", options.clone())
        .acquire()
        .await
        .unwrap();
    for s in &servers[..3] {
        s.partition("holder-a");
    }
    let b_lock = Redlock::with_options(b_nodes, "resource", options.retry(RetryPolicy::never()));
    let a_lost = a.lost();
    tokio::pin!(a_lost);
    loop {
        tokio::select! {
            reason = &mut a_lost => {
                assert_eq!(reason, LostReason::Expired);
                break;
            }
            () = tokio::time::sleep(ms(250)) => {
                // Until A has lost it, nobody else may have it.
                assert!(b_lock.try_acquire().await.unwrap_err().is_contention());
            }
        }
    }
    // The keys on the partitioned majority expire; then B gets it.
    advance(secs(1)).await;
    let b = b_lock.try_acquire().await.unwrap();
    assert!(!a.is_valid() && b.is_valid());
}

#[tokio::test(start_paused = true)]
async fn a_redlock_node_restarting_without_persistence_lets_a_second_holder_in_unless_restarts_are_delayed()
 {
    let base = TokioClock::new();
    let servers: Vec<Server> = (0..5).map(|_| server_on(&base)).collect();
    let nodes = |servers: &[Server]| servers.iter().map(Server::connection).collect::<Vec<_>>();
    let options = LockOptions::new()
        .ttl(secs(30))
        .op_timeout(ms(50))
        .fencing(true)
        .retry(RetryPolicy::never());
    // A gets nodes 0-2 while 3 and 4 are busy elsewhere.
    let blockers = [
        Lock::new(servers[3].connection(), "payment")
            .acquire()
            .await
            .unwrap(),
        Lock::new(servers[4].connection(), "payment")
            .acquire()
            .await
            .unwrap(),
    ];
    let a = Redlock::with_options(nodes(&servers), "payment", options.clone())
        .acquire()
        .await
        .unwrap();
    for b in blockers {
        b.release().await.unwrap();
    }

    // Node 2 restarts at once, with nothing: B finds 2, 3, 4 free.
    servers[2].restart();
    let b = Redlock::with_options(nodes(&servers), "payment", options.clone())
        .try_acquire()
        .await
        .unwrap();
    assert!(a.is_valid() && b.is_valid(), "two holders");
    // Node 2's fencing counter restarted too: B's token need not exceed
    // A's, so the resource cannot tell them apart. Fencing needs the
    // counter to survive restarts (persistence) — or delayed restarts.
    assert!(b.fencing_token() <= a.fencing_token());
    drop(b);

    // The remedy the algorithm's authors give: a restarted node stays out
    // for longer than the TTL. A2 holds a bare majority again (0-2); node
    // 2 goes down, and comes back without its data only after more than a
    // TTL. While A2's lock lives nobody gathers a majority: the
    // contender finds 3 and 4 free, 0 and 1 held, and node 2 down.
    drop(a);
    advance(secs(31)).await;
    let blockers = [
        Lock::new(servers[3].connection(), "payment")
            .acquire()
            .await
            .unwrap(),
        Lock::new(servers[4].connection(), "payment")
            .acquire()
            .await
            .unwrap(),
    ];
    let a2 = Redlock::with_options(nodes(&servers), "payment", options.clone())
        .acquire()
        .await
        .unwrap();
    for b in blockers {
        b.release().await.unwrap();
    }
    servers[2].power_off();
    let off_since = Instant::now();
    let contender = Redlock::with_options(nodes(&servers), "payment", options);
    let mut refused = 0;
    let mut back = false;
    while !back {
        if a2.is_valid() {
            match contender.try_acquire().await.unwrap_err() {
                LockError::NoQuorum {
                    granted: 2, errors, ..
                } if errors.len() == 1 && errors[0].0 == 2 => refused += 1,
                e => panic!("a second holder, or another refusal: {e}"),
            }
        }
        advance(secs(1)).await;
        if off_since.elapsed() > secs(31) {
            servers[2].restart();
            servers[2].power_on().unwrap();
            back = true;
        }
    }
    // Refused for all of A2's validity; when node 2 is back (empty), A2's
    // lock is long over and the contender gets it, its token above A2's.
    assert_eq!(refused, 30, "tried every second of A2's validity");
    assert!(!a2.is_valid());
    let c = contender.try_acquire().await.unwrap();
    assert!(c.fencing_token() > a2.fencing_token());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_acquire_cancelled_while_its_request_is_in_flight_leaves_nothing_behind() {
    let server = Server::start().unwrap();
    let conn = server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let release = redsim::Release::new();
    let hang = server.fault(Rule::command("SET").times(1).hang_until(&release));
    let lock = Lock::new(conn, "cancelled");
    let task = tokio::spawn(async move { lock.acquire().await });
    let hang_probe = tokio::task::spawn_blocking(move || {
        assert!(hang.wait_held(1, secs(10)), "the SET never arrived");
        hang
    });
    let hang = hang_probe.await.unwrap();
    // The caller gives up while its SET is held at the server.
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // The SET then runs — and the cleanup sent after it on the same
    // connection deletes what it set.
    release.release();
    let deadline = std::time::Instant::now() + secs(10);
    while value(&server, "cancelled").await.is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the key was left behind"
        );
        tokio::task::yield_now().await;
    }
    drop(hang);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_scripts_are_reloaded_and_the_lock_works() {
    let server = Server::start().unwrap();
    let conn = server.client().get_connection_manager().await.unwrap();
    let options = LockOptions::new()
        .fencing(true)
        .retry(RetryPolicy::backoff(ms(1), ms(10)));
    let lock = Lock::with_options(conn, "restarted", options);
    let before = lock.acquire().await.unwrap();
    assert_eq!(before.fencing_token(), Some(1));
    server.restart();
    // The key and the script cache are gone; EVALSHA gets NOSCRIPT and the
    // script is loaded again.
    let after = lock.acquire().await.unwrap();
    assert_eq!(after.fencing_token(), Some(1), "the counter was lost too");
    assert!(before.release().await.unwrap_err().is_lost());
    after.release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn set_then_expire_leaves_a_lock_forever_when_the_expire_is_lost_while_set_nx_px_cannot() {
    let server = server_on(TokioClock::new());
    // The design notes' anti-pattern: SETNX, then EXPIRE in a second call.
    let bad_lock = |con: redsim::LocalConnection| async move {
        let mut con = con;
        let taken: bool = con.set_nx("bad", "me").await?;
        if taken {
            let _: bool = con.expire("bad", 10).await?;
        }
        Ok::<bool, redis::RedisError>(taken)
    };
    let _lost_expire = server.fault(Rule::command("EXPIRE").drop_before());
    assert!(bad_lock(server.connection()).await.is_err());
    advance(secs(3600)).await;
    assert!(
        !bad_lock(server.connection()).await.unwrap(),
        "held an hour later"
    );
    assert_eq!(server.db(0).ttl("bad"), redsim::direct::Ttl::Persistent);

    // SET NX PX is one command: whatever is lost, the key has its TTL.
    let _lost_set_reply = server.fault(Rule::command("SET").times(1).drop_after());
    let lock = Lock::with_options(
        server.connection(),
        "good",
        LockOptions::new().ttl(secs(10)).retry(RetryPolicy::never()),
    );
    assert!(lock.acquire().await.is_err());
    advance(ms(10_001)).await;
    let other = Lock::new(server.connection(), "good");
    other.try_acquire().await.unwrap().release().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_stale_fencing_token_is_rejected_after_a_pause_with_a_skewed_resource_clock() {
    // The resource's server runs ahead; fencing does not care about time.
    let base = TokioClock::new();
    let lock_server = server_on(&base);
    let resource = server_on(SkewedClock::new(&base).ahead(secs(60)));
    let options = LockOptions::new().ttl(secs(5)).fencing(true);
    let lock = Lock::with_options(lock_server.connection(), "doc", options);
    let store = FencedStore::new(resource.connection(), "doc:body");
    let a = lock.acquire().await.unwrap();
    advance(secs(6)).await;
    let b = lock.acquire().await.unwrap();
    assert!(store.write(b.fencing_token().unwrap(), "b").await.unwrap());
    assert!(!store.write(a.fencing_token().unwrap(), "a").await.unwrap());
}
