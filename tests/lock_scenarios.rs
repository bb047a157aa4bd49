//! Lock scenarios no other file covers, each reproduced with redsim's
//! clocks, fault rules and verbs, its outcome asserted:
//!
//! * server clocks slow or stepped back: waiters give up at their own
//!   (monotonic) deadline, renewals never extend validity past
//!   `send + ttl − drift`, and a lock past its deadline stays lost;
//! * the holder's wall clock stepped: validity does not move, the skew
//!   guard sees it (through the library's one wall-clock reading);
//! * Redlock: a majority that answers after the TTL, split votes, a node
//!   restarted since the acquire (its run id changed), per-node errors;
//! * cancellation mid-acquire on Redlock and MultiLock;
//! * error replies READONLY, MISCONF, OOM and BUSY, each surfaced as
//!   itself;
//! * a renewal racing a release, an extend of a key that is gone;
//! * a long outage cancelling `Guard::run`.
//!
//! Time-based scenarios run on paused Tokio time with in-process
//! connections (every command runs in the calling task: deterministic).
//! The two that need the server to run a command after its client gave up
//! (cancellation, a renewal overtaken by a release) use TCP and a hold
//! released by the test, on a real-time runtime, with nothing timed.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::{Cmd, Pipeline, RedisFuture, Value};
use redsim::{Injected, Release, Rule, Server, SkewedClock, TokioClock, errors};
use redsim_lock::{
    Guard, Lock, LockError, LockOptions, LostReason, MultiLock, Redlock, ReentrantLock,
    RetryPolicy, SkewAction, Wakeups,
};
use support::sim::SimConn;
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

async fn pttl(server: &Server, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(&mut server.connection())
        .await
        .unwrap()
}

/// Loads the lock scripts on `server` (EVALSHA would answer NOSCRIPT
/// first, and a rule on EVALSHA would hit that instead of the script).
async fn load_scripts(server: &Server) {
    let conn = server.connection();
    for fencing in [false, true] {
        let options = LockOptions::new().fencing(fencing);
        let g = Lock::with_options(conn.clone(), "warm-up", options)
            .acquire()
            .await
            .unwrap();
        g.extend().await.unwrap();
        g.release().await.unwrap();
    }
    let g = MultiLock::new(conn.clone(), ["{warm}:a", "{warm}:b"])
        .acquire()
        .await
        .unwrap();
    g.extend().await.unwrap();
    g.release().await.unwrap();
}

// ---------------------------------------------------------------------
// Server clocks slow or stepped back.

/// A waiter on a lock whose key a slow (or stepped back) server keeps far
/// longer than its TTL gives up at its own acquire deadline, measured on
/// the client's monotonic clock: the server's notion of time (the key's
/// life, the PTTL a fenced attempt reports) never stretches it.
#[tokio::test(start_paused = true)]
async fn waiters_give_up_at_their_own_deadline_when_the_server_clock_is_slow_or_stepped_back() {
    for stepped_back in [false, true] {
        for fencing in [false, true] {
            let base = TokioClock::new();
            let clock = SkewedClock::new(&base);
            let clock = if stepped_back {
                clock
            } else {
                clock.drifting(0.5)
            };
            let server = server_on(&clock);
            let options = LockOptions::new().ttl(secs(10)).fencing(fencing);
            let holder = Lock::with_options(server.connection(), "slow", options.clone())
                .acquire()
                .await
                .unwrap();
            if stepped_back {
                clock.jump_back(Duration::from_secs(3600));
            }
            let waiter = Lock::with_options(
                server.connection(),
                "slow",
                options
                    .acquire_timeout(secs(3))
                    .retry(RetryPolicy::backoff(ms(10), ms(200)).seed(7)),
            );
            let start = Instant::now();
            let err = waiter.acquire().await.unwrap_err();
            let waited = start.elapsed();
            assert!(
                matches!(err, LockError::Timeout { .. }) && err.is_contention(),
                "{err}"
            );
            assert!(
                waited <= secs(3) && waited >= secs(3) - ms(200),
                "gave up after {waited:?} (stepped back: {stepped_back}, fencing: {fencing})"
            );
            // The server still has the holder's key, for much longer than
            // the waiter waited.
            assert_eq!(
                value(&server, "slow").await.as_deref(),
                Some(holder.token())
            );
            assert!(pttl(&server, "slow").await > 5_000);
        }
    }
}

/// The same for a waiter that waits by pub/sub, whose fallback timer is
/// the holder's PTTL — which a half-speed server doubles and a server
/// stepped back an hour inflates by that hour: it still gives up at its
/// own deadline.
#[tokio::test(start_paused = true)]
async fn pub_sub_waiters_give_up_at_their_own_deadline_when_the_server_clock_is_slow_or_stepped_back()
 {
    for stepped_back in [false, true] {
        let base = TokioClock::new();
        let clock = SkewedClock::new(&base);
        let clock = if stepped_back {
            clock
        } else {
            clock.drifting(0.5)
        };
        let server = server_on(&clock);
        let subscriber = server.connection();
        let wakeups = Wakeups::polling(subscriber.clone(), move || subscriber.pushes(), ms(1));
        let options = LockOptions::new()
            .ttl(secs(10))
            .acquire_timeout(secs(3))
            .retry(RetryPolicy::backoff(ms(10), ms(200)).seed(7));
        let lock =
            ReentrantLock::with_options(server.connection(), "slow", options).wake_on(&wakeups);
        let holder = lock.owner().acquire().await.unwrap();
        if stepped_back {
            clock.jump_back(Duration::from_secs(3600));
        }
        let start = Instant::now();
        let err = lock.owner().acquire().await.unwrap_err();
        let waited = start.elapsed();
        assert!(
            matches!(err, LockError::Timeout { .. }) && err.is_contention(),
            "{err}"
        );
        assert!(
            waited <= secs(3) && waited >= secs(3) - ms(200),
            "gave up after {waited:?} (stepped back: {stepped_back})"
        );
        assert!(pttl(&server, "slow").await > 5_000);
        holder.release().await.unwrap();
    }
}

/// On a server whose clock runs at half speed (or was stepped back an
/// hour) the key outlives its TTL by far; renewals still give the holder
/// `send + ttl − drift` and no more.
#[tokio::test(start_paused = true)]
async fn renewals_never_extend_validity_past_send_plus_ttl_minus_drift_however_long_the_server_keeps_the_key()
 {
    for stepped_back in [false, true] {
        let base = TokioClock::new();
        let clock = SkewedClock::new(&base);
        let clock = if stepped_back {
            clock
        } else {
            clock.drifting(0.5)
        };
        let server = server_on(&clock);
        let options = LockOptions::new().ttl(secs(3)).auto_renew();
        let (ttl, drift) = (options.ttl_value(), options.drift());
        let interval = options.renew_interval().unwrap();
        let guard = Lock::with_options(server.connection(), "renewed", options)
            .acquire()
            .await
            .unwrap();
        if stepped_back {
            clock.jump_back(Duration::from_secs(3600));
        }
        let mut seen = guard.valid_until();
        for _ in 0..90 {
            advance(ms(100)).await;
            let now = Instant::now();
            let until = guard.valid_until();
            assert!(until <= now + ttl - drift, "beyond send + ttl − drift");
            // Renewals go on at their interval (the lock is not lost)…
            // (a renewal fires on the timer's next millisecond tick, which
            // this loop reaches one step later)
            assert!(
                until + interval + ms(100) >= now + ttl - drift,
                "renewals stopped (stepped back: {stepped_back})"
            );
            seen = seen.max(until);
        }
        assert!(guard.is_valid() && seen == guard.valid_until());
        if !stepped_back {
            // …while the half-speed server keeps the key twice as long
            // (PTTL counts its milliseconds).
            let server_ms = pttl(&server, "renewed").await;
            let server_life = Duration::from_millis(server_ms as u64) * 2;
            assert!(server_life > guard.remaining() + secs(1), "{server_life:?}");
        }
        guard.release().await.unwrap();
    }
}

/// Past its deadline a lock stays lost, though a slow server still has the
/// key and would extend it: `extend` sends nothing and says `Expired`, and
/// a renewal that was in flight over the deadline does not revive it
/// either when its (positive) answer comes.
#[tokio::test(start_paused = true)]
async fn a_lock_past_its_deadline_stays_lost_though_a_slow_server_still_has_the_key() {
    let base = TokioClock::new();
    let server = server_on(SkewedClock::new(&base).drifting(0.5));
    load_scripts(&server).await;
    let options = LockOptions::new().ttl(secs(3)).op_timeout(secs(30));
    let lock = Lock::with_options(server.connection(), "late", options.clone());

    // An extend asked for after the deadline.
    let guard = lock.acquire().await.unwrap();
    advance(secs(3)).await;
    assert!(!guard.is_valid());
    let before = pttl(&server, "late").await;
    assert!(before > 0, "the half-speed server still has the key");
    let err = guard.extend().await.unwrap_err();
    assert!(
        matches!(
            err,
            LockError::Lost {
                reason: LostReason::Expired,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(pttl(&server, "late").await, before, "nothing was sent");
    assert!(!guard.is_valid());
    assert_eq!(guard.lost().await, LostReason::Expired);
    drop(guard);
    advance(secs(10)).await;

    // An extend sent in time whose answer comes after the deadline.
    let journal_from = {
        server.set_journal(Some(64));
        server.journal().len()
    };
    let guard = lock.acquire().await.unwrap();
    let deadline = guard.valid_until();
    advance(secs(2)).await;
    // 1.5 s of server time (3 s of ours at half speed): the answer comes
    // past the deadline, the key (1 s of its 3 gone) still there.
    let slow = server.fault(Rule::command("EVALSHA").times(1).delay(ms(1500)));
    let err = guard.extend().await.unwrap_err();
    assert!(Instant::now() > deadline);
    assert_eq!(slow.hits(), 1);
    assert!(
        matches!(
            err,
            LockError::Lost {
                reason: LostReason::Expired,
                ..
            }
        ),
        "{err}"
    );
    // The server did extend the key (the script ran and said 1)…
    let journal = server.journal();
    let extended = journal
        .iter()
        .skip(journal_from)
        .find(|e| matches!(e.fault, Some(Injected::Delay(_))))
        .expect("the delayed EXTEND");
    assert_eq!(extended.reply_text().as_deref(), Some("(integer) 1"));
    // …and the lock stays lost all the same.
    assert!(!guard.is_valid());
    assert_eq!(guard.valid_until(), deadline);
    assert_eq!(guard.lost().await, LostReason::Expired);
}

// ---------------------------------------------------------------------
// The holder's wall clock stepped.

/// A wall clock for the lock under test: the server's clock plus an
/// offset the test steps (µs, signed). Reading the server's (paused)
/// clock keeps the skew exact.
fn stepped_wall_clock(
    clock: &TokioClock,
    offset: &Arc<AtomicI64>,
) -> impl Fn() -> SystemTime + Send + Sync + 'static {
    let (clock, offset) = (clock.clone(), Arc::clone(offset));
    move || {
        let by = offset.load(Ordering::SeqCst);
        let magnitude = Duration::from_micros(by.unsigned_abs());
        if by >= 0 {
            clock.now() + magnitude
        } else {
            clock.now() - magnitude
        }
    }
}

fn step(offset: &AtomicI64, by: i64) {
    offset.store(by * 1_000_000, Ordering::SeqCst);
}

/// Moves time a millisecond at a time until the guard's watchdog renews
/// it; returns when (Tokio's timers fire on millisecond ticks).
async fn next_renewal(guard: &Guard) -> Instant {
    let before = guard.valid_until();
    for _ in 0..100_000 {
        advance(ms(1)).await;
        tokio::task::yield_now().await;
        if guard.valid_until() != before {
            return Instant::now();
        }
    }
    panic!("no renewal");
}

/// The holder's wall clock jumps a day ahead and back while it acquires,
/// holds and renews: validity, renewals and the lost signal do not move.
/// The skew guard, which reads the same (stepped) wall clock, does see
/// it: it refuses at an hour of skew and shrinks by exactly twice five
/// seconds — so the steps do reach the library's wall-clock reading, and
/// validity does not read it.
#[tokio::test(start_paused = true)]
async fn validity_ignores_a_stepped_wall_clock_which_only_the_skew_guard_sees() {
    let clock = TokioClock::new();
    let server = server_on(&clock);
    let offset = Arc::new(AtomicI64::new(0));
    let options = LockOptions::new()
        .ttl(secs(10))
        .wall_clock(stepped_wall_clock(&clock, &offset));
    let (ttl, drift) = (options.ttl_value(), options.drift());

    // Acquired with the wall clock a day ahead, held while it steps back.
    step(&offset, 86_400);
    let lock = Lock::with_options(server.connection(), "wall", options.clone());
    let sent = Instant::now();
    let guard = lock.acquire().await.unwrap();
    assert_eq!(guard.valid_until(), sent + ttl - drift);
    step(&offset, -86_400);
    assert_eq!(guard.remaining(), ttl - drift);
    advance(secs(4)).await;
    step(&offset, 3_600);
    assert_eq!(guard.remaining(), ttl - drift - secs(4));
    assert!(guard.is_valid());
    assert_eq!(guard.lost().await, LostReason::Expired);
    assert_eq!(Instant::now(), sent + ttl - drift);
    drop(guard);
    advance(secs(1)).await;

    // Renewals: on their interval, counted from their send, wherever the
    // wall clock is.
    let renewing = Lock::with_options(
        server.connection(),
        "wall:renewed",
        options.clone().auto_renew(),
    );
    let guard = renewing.acquire().await.unwrap();
    let interval = renewing.options().renew_interval().unwrap();
    let mut last = Instant::now();
    for (i, by) in [-86_400, 86_400, -60, 0].into_iter().enumerate() {
        step(&offset, by);
        let renewed_at = next_renewal(&guard).await;
        let gap = renewed_at - last;
        assert!(
            gap >= interval && gap <= interval + ms(2),
            "renewal {i} with the wall clock {by} s off came after {gap:?}"
        );
        assert_eq!(
            guard.valid_until(),
            renewed_at + ttl - drift,
            "renewal {i} with the wall clock {by} s off"
        );
        last = renewed_at;
    }
    guard.release().await.unwrap();

    // The skew guard compares the server's TIME with that wall clock.
    step(&offset, 3_600);
    let refuse = Lock::with_options(
        server.connection(),
        "wall:guarded",
        options
            .clone()
            .skew_guard(Duration::from_secs(60), SkewAction::Refuse),
    );
    match refuse.acquire().await.unwrap_err() {
        LockError::ClockSkew { skew, .. } => assert_eq!(skew, secs(3_600)),
        e => panic!("{e}"),
    }
    tokio::task::yield_now().await;
    assert_eq!(value(&server, "wall:guarded").await, None, "given back");
    step(&offset, -5);
    let options = options
        .ttl(secs(30))
        .skew_guard(secs(1), SkewAction::Shrink);
    let drift = options.drift();
    let shrink = Lock::with_options(server.connection(), "wall:guarded", options);
    let sent = Instant::now();
    let guard = shrink.acquire().await.unwrap();
    assert_eq!(guard.valid_until(), sent + secs(30) - drift - secs(10));
}

/// What makes the test above honest: the library reads the wall clock in
/// exactly one place (the function the hook replaces) and never reads
/// `std::time::Instant`. A second reading — of `SystemTime::now()` or of
/// the std monotonic clock, which paused Tokio time does not move — fails
/// here.
#[test]
fn the_lock_library_reads_the_wall_clock_in_one_place_and_no_std_instant() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lock/src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    files.sort();
    assert!(files.len() > 5, "{files:?}");
    let mut wall_reads = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let at = format!("{}:{}", file.display(), n + 1);
            if code.contains("SystemTime::now") {
                wall_reads.push(at.clone());
            }
            let std_instant = code.contains("std::time::Instant")
                || (code.contains("std::time::{") && code.contains("Instant"));
            assert!(!std_instant, "{at} uses std::time::Instant: {code}");
        }
    }
    assert_eq!(wall_reads.len(), 1, "{wall_reads:?}");
    assert!(wall_reads[0].contains("options.rs"), "{wall_reads:?}");
}

// ---------------------------------------------------------------------
// Redlock.

/// Replies held in flight past the TTL: a majority granted the lock, but
/// by the time its answers came the validity was spent. The acquire is
/// refused as `NoValidity` (not contention) and every node is cleaned up,
/// on the plain and the fenced path.
#[tokio::test(start_paused = true)]
async fn a_redlock_majority_answering_after_the_ttl_is_refused_and_cleaned_up_everywhere() {
    for fencing in [false, true] {
        let base = TokioClock::new();
        let servers: Vec<Server> = (0..5).map(|_| server_on(&base)).collect();
        for s in &servers {
            load_scripts(s).await;
        }
        let options = LockOptions::new()
            .ttl(secs(10))
            .op_timeout(secs(60))
            .fencing(fencing)
            .retry(RetryPolicy::never());
        let nodes: Vec<_> = servers.iter().map(Server::connection).collect();
        let lock = Redlock::with_options(nodes, "late", options.clone());
        let command = if fencing { "EVALSHA" } else { "SET" };
        // Three nodes (a majority) answer 15 s late; two at once.
        let slow: Vec<_> = servers[..3]
            .iter()
            .map(|s| s.fault(Rule::command(command).times(1).delay(secs(15))))
            .collect();
        let start = Instant::now();
        let err = lock.acquire().await.unwrap_err();
        assert!(start.elapsed() >= secs(15));
        assert!(slow.iter().all(|r| r.hits() == 1));
        assert!(
            matches!(err, LockError::NoValidity { .. }),
            "fencing {fencing}: {err}"
        );
        assert!(!err.is_contention());
        for (i, s) in servers.iter().enumerate() {
            assert_eq!(value(s, "late").await, None, "left on node {i}");
        }
        // Nothing held: the next attempt, in time, wins.
        drop(slow);
        lock.try_acquire().await.unwrap().release().await.unwrap();
    }
}

/// K contenders on K nodes, each first on its own node (the others'
/// requests there are held a moment): every contender gets one vote,
/// nobody a majority. All are refused as contention, each gives back its
/// vote, nothing is left on any node, and a later attempt wins.
#[tokio::test(start_paused = true)]
async fn split_votes_elect_nobody_leave_nothing_behind_and_a_later_attempt_wins() {
    for k in [3usize, 5] {
        let base = TokioClock::new();
        let servers: Vec<Server> = (0..k).map(|_| server_on(&base)).collect();
        let mut rules = Vec::new();
        for (i, s) in servers.iter().enumerate() {
            load_scripts(s).await;
            for j in (0..k).filter(|&j| j != i) {
                rules.push(
                    s.fault(
                        Rule::command("SET")
                            .client(&format!("c{j}"))
                            .times(1)
                            .delay(ms(100)),
                    ),
                );
            }
            // Releases come after every held SET has run: a vote given
            // back early would let another contender take it.
            rules.push(s.fault(Rule::command("EVALSHA").delay(ms(50))));
        }
        let options = LockOptions::new()
            .ttl(secs(10))
            .op_timeout(secs(1))
            .retry(RetryPolicy::never());
        let mut locks = Vec::new();
        for c in 0..k {
            let mut nodes = Vec::new();
            for s in &servers {
                nodes.push(named(s, &format!("c{c}")).await);
            }
            locks.push(Redlock::with_options(nodes, "vote", options.clone()));
        }
        let outcomes = futures_join_all(locks.iter().map(|l| l.try_acquire())).await;
        for (c, outcome) in outcomes.into_iter().enumerate() {
            let err = outcome.expect_err("nobody may win a split vote");
            assert!(
                matches!(err, LockError::Contended { .. }),
                "c{c} (K = {k}): {err}"
            );
        }
        for (i, s) in servers.iter().enumerate() {
            assert_eq!(value(s, "vote").await, None, "left on node {i} (K = {k})");
        }
        for r in &rules {
            assert!(
                r.hits() >= 1,
                "every contender was held on the others' nodes"
            );
        }
        drop(rules);
        let winner = locks[k - 1].try_acquire().await.unwrap();
        assert!(winner.is_valid());
        winner.release().await.unwrap();
    }
}

/// `join_all` without a dependency: polls every future in order until all
/// are done.
async fn futures_join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut done: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all = true;
        for (f, slot) in pending.iter_mut().zip(done.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => all = false,
                }
            }
        }
        if all {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    done.into_iter().map(Option::unwrap).collect()
}

/// Reconnects a reconnecting connection after its server restarted: its
/// first command fails (the old connection is gone), the next goes out on
/// a new one.
async fn reconnect(conn: &SimConn) {
    let mut conn = conn.clone();
    for _ in 0..3 {
        if redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .is_ok()
        {
            return;
        }
    }
    panic!("no reconnection");
}

/// A holds a bare majority (nodes 0–2). Node 2 restarts from its data
/// file (power off, power on: the keys kept, a new run id). Its EXTEND
/// would still say yes — A's key is there — but a restarted node may have
/// granted the lock to someone else while it was away, so its vote no
/// longer counts: A's renewal finds two yeses of five and the lock lost.
/// Were the restart not detected, the renewal would have succeeded.
#[tokio::test(start_paused = true)]
async fn a_redlock_node_whose_run_id_changed_no_longer_counts_towards_the_renewal_quorum() {
    let base = TokioClock::new();
    let servers: Vec<Arc<Server>> = (0..5).map(|_| Arc::new(server_on(&base))).collect();
    let nodes: Vec<SimConn> = servers
        .iter()
        .map(|s| SimConn::new(Arc::clone(s), "holder"))
        .collect();
    let options = LockOptions::new().ttl(secs(30)).op_timeout(ms(100));
    let blockers = [
        Lock::new(servers[3].connection(), "ledger")
            .acquire()
            .await
            .unwrap(),
        Lock::new(servers[4].connection(), "ledger")
            .acquire()
            .await
            .unwrap(),
    ];
    let lock = Redlock::with_options(nodes.clone(), "ledger", options.clone());
    let a = lock.acquire().await.unwrap();
    a.extend().await.unwrap();

    servers[2].power_off();
    servers[2].power_on().unwrap();
    reconnect(&nodes[2]).await;
    assert_eq!(
        value(&servers[2], "ledger").await.as_deref(),
        Some(a.token()),
        "the restarted node kept A's key"
    );
    let err = a.extend().await.unwrap_err();
    assert!(
        matches!(
            err,
            LockError::Lost {
                reason: LostReason::NotOwner,
                ..
            }
        ),
        "{err}"
    );
    assert!(!a.is_valid());
    drop(blockers);

    // Holding every node, one restart leaves four votes: still renewed,
    // by a renewal watchdog as by hand.
    advance(secs(31)).await;
    let all = Redlock::with_options(nodes.clone(), "ledger", options.auto_renew())
        .acquire()
        .await
        .unwrap();
    servers[0].power_off();
    servers[0].power_on().unwrap();
    reconnect(&nodes[0]).await;
    all.extend().await.unwrap();
    tokio::time::sleep(secs(60)).await;
    assert!(all.is_valid());
    // Two more restarts leave two votes of five: lost at the next
    // renewal.
    for i in [1, 2] {
        servers[i].power_off();
        servers[i].power_on().unwrap();
        reconnect(&nodes[i]).await;
    }
    assert_eq!(all.lost().await, LostReason::NotOwner);
}

/// Nodes failing with error replies are reported per node, never as
/// contention: a minority failing while a majority grants is fine; a
/// majority failing with errors that retrying cannot help ends the acquire
/// at once; a transient one (BUSY) is retried until the deadline;
/// failures together with refusals are reported by a single attempt and
/// retried by `acquire` until the refusals clear.
#[tokio::test(start_paused = true)]
async fn redlock_reports_each_failed_node_with_its_own_error_never_as_contention() {
    let base = TokioClock::new();
    let servers: Vec<Server> = (0..5).map(|_| server_on(&base)).collect();
    let nodes: Vec<_> = servers.iter().map(Server::connection).collect();
    let options = LockOptions::new()
        .ttl(secs(10))
        .op_timeout(ms(100))
        .acquire_timeout(secs(2))
        .retry(RetryPolicy::backoff(ms(5), ms(50)).seed(1));
    let lock = Redlock::with_options(nodes.clone(), "red", options.clone());
    let codes = |err: &LockError| -> Vec<(usize, String)> {
        match err {
            LockError::NoQuorum { errors, .. } => errors
                .iter()
                .map(|(i, e)| (*i, e.code().unwrap_or("?").to_string()))
                .collect(),
            e => panic!("expected per-node errors: {e}"),
        }
    };

    // Two of five fail (READONLY, OOM): the other three are a majority.
    let readonly = servers[0].fault(Rule::command("SET").error(errors::READONLY));
    let oom = servers[1].fault(Rule::command("SET").error(errors::OOM));
    lock.try_acquire().await.unwrap().release().await.unwrap();
    // A third fails (MISCONF): a majority failed — at once, not retried.
    let misconf = servers[2].fault(Rule::command("SET").error(errors::MISCONF));
    for once in [true, false] {
        let start = Instant::now();
        let err = if once {
            lock.try_acquire().await.unwrap_err()
        } else {
            lock.acquire().await.unwrap_err()
        };
        assert_eq!(start.elapsed(), Duration::ZERO, "{err}");
        assert!(!err.is_contention(), "{err}");
        assert_eq!(
            codes(&err),
            [
                (0, "READONLY".to_string()),
                (1, "OOM".to_string()),
                (2, "MISCONF".to_string())
            ]
        );
        let text = err.to_string();
        assert!(
            text.contains("node 0") && text.contains("MISCONF"),
            "{text}"
        );
        for s in &servers[3..] {
            assert_eq!(value(s, "red").await, None, "the two grants given back");
        }
    }
    drop((readonly, oom, misconf));

    // BUSY on a majority: one attempt reports it per node; acquire
    // retries it (a busy script ends) until its deadline.
    let busy: Vec<_> = servers[..3]
        .iter()
        .map(|s| s.fault(Rule::command("SET").error(errors::BUSY)))
        .collect();
    let err = lock.try_acquire().await.unwrap_err();
    assert_eq!(codes(&err).len(), 3);
    assert!(codes(&err).iter().all(|(_, c)| c == "BUSY"));
    let start = Instant::now();
    let err = lock.acquire().await.unwrap_err();
    assert!(start.elapsed() > secs(1), "retried: {err}");
    match &err {
        LockError::Timeout {
            last_error: Some(e),
            attempts,
            ..
        } => assert!(e.code() == Some("BUSY") && *attempts > 1, "{err}"),
        e => panic!("{e}"),
    }
    assert!(!err.is_contention());
    assert!(busy.iter().all(|r| r.hits() > 3));
    drop(busy);

    // One node fails (MISCONF), two are held by another owner: neither
    // alone keeps the majority away. One attempt reports the failed node;
    // acquire waits for the other owner as for contention.
    let misconf = servers[0].fault(Rule::command("SET").error(errors::MISCONF));
    let other = [
        Lock::new(nodes[1].clone(), "red").acquire().await.unwrap(),
        Lock::new(nodes[2].clone(), "red").acquire().await.unwrap(),
    ];
    let err = lock.try_acquire().await.unwrap_err();
    assert_eq!(codes(&err), [(0, "MISCONF".to_string())]);
    let waiting = tokio::spawn({
        let lock = lock.clone();
        async move { lock.acquire().await }
    });
    advance(ms(300)).await;
    for g in other {
        g.release().await.unwrap();
    }
    let g = waiting.await.unwrap().unwrap();
    drop(misconf);

    // Extend and release report per node too.
    let failing: Vec<_> = servers[..3]
        .iter()
        .map(|s| s.fault(Rule::command("EVALSHA").error(errors::READONLY)))
        .collect();
    let err = g.extend().await.unwrap_err();
    assert_eq!(codes(&err).len(), 3, "{err}");
    assert!(g.is_valid(), "a failed renewal is not a loss");
    let err = g.release().await.unwrap_err();
    assert!(codes(&err).iter().all(|(_, c)| c == "READONLY"), "{err}");
    drop(failing);
}

// ---------------------------------------------------------------------
// Error replies on one server.

/// READONLY, MISCONF, OOM and BUSY from the server reach the caller as
/// themselves on acquire, try, extend and release, for the plain and the
/// fenced path and a multi-key lock — never as contention; READONLY,
/// MISCONF and OOM end an acquire at once, BUSY (a script past its time
/// limit, which ends) is retried, and a renewal failing with any of them
/// loses the lock only at its deadline.
#[tokio::test(start_paused = true)]
async fn server_error_replies_are_surfaced_as_themselves_and_never_as_contention() {
    let server = server_on(TokioClock::new());
    load_scripts(&server).await;
    let options = LockOptions::new()
        .ttl(secs(3))
        .acquire_timeout(secs(1))
        .retry(RetryPolicy::backoff(ms(5), ms(50)).seed(3));
    let check = |err: &LockError, code: &str, what: &str| {
        assert!(!err.is_contention() && !err.is_lost(), "{what}: {err}");
        assert_eq!(
            err.redis_error().and_then(|e| e.code()),
            Some(code),
            "{what}: {err}"
        );
        let source = err.redis_error().unwrap().to_string();
        assert!(err.to_string().contains(&source), "{what}: {err}");
    };
    for (code, text) in [
        ("READONLY", errors::READONLY),
        ("MISCONF", errors::MISCONF),
        ("OOM", errors::OOM),
        ("BUSY", errors::BUSY),
    ] {
        for kind in ["plain", "fenced", "multi"] {
            let what = format!("{code} on {kind}");
            let make = |options: LockOptions| -> Box<dyn Fn() -> AcquireFut + Send + Sync> {
                let conn = server.connection();
                match kind {
                    "plain" | "fenced" => {
                        let lock =
                            Lock::with_options(conn, "err", options.fencing(kind == "fenced"));
                        Box::new(move || {
                            let lock = lock.clone();
                            Box::pin(async move { lock.acquire().await })
                        })
                    }
                    _ => {
                        let lock = MultiLock::with_options(conn, ["{err}:a", "{err}:b"], options);
                        Box::new(move || {
                            let lock = lock.clone();
                            Box::pin(async move { lock.acquire().await })
                        })
                    }
                }
            };
            let acquire_cmd = if kind == "plain" { "SET" } else { "EVALSHA" };
            let acquire = make(options.clone());

            // acquire: at once, or (BUSY) retried until the deadline.
            let rule = server.fault(Rule::command(acquire_cmd).error(text));
            let start = Instant::now();
            let err = acquire().await.unwrap_err();
            check(&err, code, &what);
            if code == "BUSY" {
                assert!(matches!(err, LockError::Timeout { .. }), "{what}: {err}");
                assert!(rule.hits() > 1 && start.elapsed() > ms(500), "{what}");
            } else {
                assert!(matches!(err, LockError::Redis { .. }), "{what}: {err}");
                assert_eq!(
                    (rule.hits(), start.elapsed()),
                    (1, Duration::ZERO),
                    "{what}"
                );
            }
            drop(rule);
            // BUSY once, then the script ended: acquired on the retry.
            let once = server.fault(Rule::command(acquire_cmd).times(1).error(text));
            let result = acquire().await;
            if code == "BUSY" {
                let g = result.unwrap();
                g.release().await.unwrap();
            } else {
                check(&result.unwrap_err(), code, &what);
            }
            assert_eq!(once.hits(), 1);
            drop(once);

            // Extend and release of a held lock; a renewal watchdog that
            // meets the error keeps the lock until its deadline.
            let g = make(options.clone().auto_renew())().await.unwrap();
            let rule = server.fault(Rule::command("EVALSHA").error(text));
            let err = g.extend().await.unwrap_err();
            check(&err, code, &what);
            assert!(g.is_valid(), "{what}: a failed extend is not a loss");
            let deadline = g.valid_until();
            assert_eq!(g.lost().await, LostReason::Expired, "{what}");
            assert_eq!(Instant::now(), deadline, "{what}");
            drop(g);
            let g = make(options.clone())().await;
            // (the acquire itself failed on the fenced and multi paths)
            if let Ok(g) = g {
                let err = g.release().await.unwrap_err();
                check(&err, code, &what);
            }
            drop(rule);
            advance(secs(4)).await;
        }
    }
}

type AcquireFut = Pin<Box<dyn Future<Output = Result<Guard, LockError>> + Send>>;

// ---------------------------------------------------------------------
// Cancellation mid-acquire (TCP: the server runs what the client gave up on).

async fn tcp(server: &Server) -> MultiplexedConnection {
    server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Polls until `check` holds, for at most ten seconds of real time (the
/// server works on its own threads).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + secs(10);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(ms(2)).await;
    }
}

async fn held_at_server(rule: redsim::FaultGuard) -> redsim::FaultGuard {
    tokio::task::spawn_blocking(move || {
        assert!(rule.wait_held(1, secs(10)), "the request never arrived");
        rule
    })
    .await
    .unwrap()
}

/// A Redlock acquire cancelled while two nodes have granted and the third
/// node's request is still held at the server: the two grants are given
/// back at once, and the third node's, set when its request finally runs,
/// by the release queued behind it. No key is left on any node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redlock_acquire_cancelled_mid_round_leaves_no_key_on_any_node() {
    let servers: Vec<Server> = (0..3).map(|_| Server::start().unwrap()).collect();
    let mut nodes = Vec::new();
    for s in &servers {
        load_scripts(s).await;
        nodes.push(tcp(s).await);
    }
    let lock = Redlock::with_options(nodes, "cancelled", LockOptions::new().op_timeout(secs(5)));
    let gate = Release::new();
    let held = servers[2].fault(Rule::command("SET").times(1).hang_until(&gate));
    let task = tokio::spawn({
        let lock = lock.clone();
        async move { lock.acquire().await }
    });
    let held = held_at_server(held).await;
    eventually("nodes 0 and 1 granted", || async {
        value(&servers[0], "cancelled").await.is_some()
            && value(&servers[1], "cancelled").await.is_some()
    })
    .await;
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    eventually("the grants given back", || async {
        value(&servers[0], "cancelled").await.is_none()
            && value(&servers[1], "cancelled").await.is_none()
    })
    .await;
    gate.release();
    eventually("node 2's late grant given back", || async {
        held.held() == 0 && value(&servers[2], "cancelled").await.is_none()
    })
    .await;
    assert_eq!(held.hits(), 1);
    lock.try_acquire().await.unwrap().release().await.unwrap();
}

/// A MultiLock acquire cancelled while its script (or, on the pipelined
/// variant, its second SET) is held at the server: once it runs, the
/// release queued behind it takes every key back — no partial set left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_lock_acquire_cancelled_in_flight_leaves_no_key_behind() {
    for pipelined in [false, true] {
        let server = Server::start().unwrap();
        load_scripts(&server).await;
        let lock = MultiLock::new(tcp(&server).await, ["{m}:a", "{m}:b", "{m}:c"]);
        let gate = Release::new();
        let rule = if pipelined {
            Rule::command("SET").key("{m}:b").times(1)
        } else {
            Rule::command("EVALSHA").times(1)
        };
        let held = server.fault(rule.hang_until(&gate));
        let task = tokio::spawn({
            let lock = lock.clone();
            async move {
                if pipelined {
                    lock.try_acquire_pipelined().await
                } else {
                    lock.acquire().await
                }
            }
        });
        let held = held_at_server(held).await;
        if pipelined {
            assert!(value(&server, "{m}:a").await.is_some(), "a partial set");
        }
        task.abort();
        assert!(task.await.unwrap_err().is_cancelled());
        gate.release();
        eventually("every key given back", || async {
            let mut left = 0;
            for key in ["{m}:a", "{m}:b", "{m}:c"] {
                left += usize::from(value(&server, key).await.is_some());
            }
            held.held() == 0 && left == 0
        })
        .await;
        lock.try_acquire().await.unwrap().release().await.unwrap();
    }
}

// ---------------------------------------------------------------------
// Renewal racing release; extend of a missing key.

/// A connection that sends each request on a new TCP connection (kept
/// open): a request held at the server does not hold back the next.
#[derive(Clone)]
struct OnePerRequest {
    client: redis::Client,
    opened: Arc<Mutex<Vec<MultiplexedConnection>>>,
}

impl OnePerRequest {
    fn new(server: &Server) -> Self {
        OnePerRequest {
            client: server.client(),
            opened: Arc::default(),
        }
    }

    async fn open(&self) -> redis::RedisResult<MultiplexedConnection> {
        let c = self.client.get_multiplexed_async_connection().await?;
        self.opened.lock().unwrap().push(c.clone());
        Ok(c)
    }
}

impl ConnectionLike for OnePerRequest {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        Box::pin(async move { self.open().await?.req_packed_command(cmd).await })
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        Box::pin(async move {
            self.open()
                .await?
                .req_packed_commands(pipeline, offset, count)
                .await
        })
    }

    fn get_db(&self) -> i64 {
        0
    }
}

/// The watchdog's renewal is held at the server when the holder releases;
/// the release (on another connection) deletes the key first. When the
/// renewal then runs, its script finds the key gone and answers 0: the
/// key is not resurrected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewal_in_flight_when_the_release_runs_does_not_resurrect_the_key() {
    let server = Server::builder().journal(256).start().unwrap();
    load_scripts(&server).await;
    let options = LockOptions::new()
        .ttl(secs(30))
        .renew_every(ms(20))
        .op_timeout(secs(5));
    let lock = Lock::with_options(OnePerRequest::new(&server), "raced", options);
    let guard = lock.acquire().await.unwrap();
    let gate = Release::new();
    let renewal = server.fault(Rule::command("EVALSHA").times(1).hang_until(&gate));
    let renewal = held_at_server(renewal).await;
    guard.release().await.unwrap();
    assert_eq!(value(&server, "raced").await, None);
    gate.release();
    eventually("the held renewal ran", || async {
        server
            .journal()
            .iter()
            .any(|e| e.fault == Some(Injected::Hang))
    })
    .await;
    assert_eq!(renewal.hits(), 1);
    let journal = server.journal();
    let ran = journal
        .iter()
        .find(|e| e.fault == Some(Injected::Hang))
        .unwrap_or_else(|| panic!("{journal}"));
    assert_eq!(
        ran.reply_text().as_deref(),
        Some("(integer) 0"),
        "the renewal found no key: {journal}"
    );
    assert_eq!(value(&server, "raced").await, None, "resurrected");
}

/// An extend of a lock whose key is gone (deleted, expired on the server)
/// is refused as lost and never creates the key again — on every kind.
#[tokio::test(start_paused = true)]
async fn an_extend_never_re_creates_a_missing_key() {
    let servers: Vec<Server> = (0..3).map(|_| server_on(TokioClock::new())).collect();
    let server = &servers[0];
    let conn = server.connection();
    let options = LockOptions::new().ttl(secs(10));
    let not_owner = |err: LockError| {
        assert!(
            matches!(
                err,
                LockError::Lost {
                    reason: LostReason::NotOwner,
                    ..
                }
            ),
            "{err}"
        );
    };
    for fencing in [false, true] {
        let g = Lock::with_options(conn.clone(), "gone", options.clone().fencing(fencing))
            .acquire()
            .await
            .unwrap();
        server.db(0).del("gone").unwrap();
        not_owner(g.extend().await.unwrap_err());
        assert_eq!(value(server, "gone").await, None);
    }
    // A multi-key lock with one key gone: the other is not extended either.
    let g = MultiLock::with_options(conn.clone(), ["{g}:a", "{g}:b"], options.clone())
        .acquire()
        .await
        .unwrap();
    advance(secs(2)).await;
    server.db(0).del("{g}:b").unwrap();
    let before = pttl(server, "{g}:a").await;
    not_owner(g.extend().await.unwrap_err());
    assert_eq!(value(server, "{g}:b").await, None);
    assert_eq!(pttl(server, "{g}:a").await, before, "all or nothing");
    // Reentrant.
    let me = ReentrantLock::with_options(conn.clone(), "re:gone", options.clone()).owner();
    let g = me.acquire().await.unwrap();
    server.db(0).del("re:gone").unwrap();
    not_owner(g.extend().await.unwrap_err());
    assert_eq!(me.holds().await.unwrap(), 0);
    // Redlock, gone from two of three nodes.
    let nodes: Vec<_> = servers.iter().map(Server::connection).collect();
    let g = Redlock::with_options(nodes, "red:gone", options)
        .acquire()
        .await
        .unwrap();
    for s in &servers[..2] {
        s.db(0).del("red:gone").unwrap();
    }
    not_owner(g.extend().await.unwrap_err());
    for s in &servers[..2] {
        assert_eq!(value(s, "red:gone").await, None);
    }
}

// ---------------------------------------------------------------------
// A long outage and the critical section.

/// The server goes away for good while the critical section runs: every
/// renewal fails, and at the validity deadline of the last renewal that
/// worked the lost signal fires and `Guard::run` drops the work — or
/// sooner, after as many failed renewals in a row as the options allow.
#[tokio::test(start_paused = true)]
async fn a_long_outage_cancels_the_run_critical_section_at_the_deadline() {
    for give_up_after in [None, Some(3)] {
        let server = server_on(TokioClock::new());
        let mut options = LockOptions::new().ttl(secs(3)).auto_renew();
        if let Some(n) = give_up_after {
            options = options.renew_give_up_after(n);
        }
        let drift = options.drift();
        let guard = Lock::with_options(server.connection(), "outage", options)
            .acquire()
            .await
            .unwrap();
        let steps = Arc::new(AtomicUsize::new(0));
        let dropped = Arc::new(AtomicBool::new(false));
        struct OnDrop(Arc<AtomicBool>);
        impl Drop for OnDrop {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let work = {
            let (steps, dropped) = (Arc::clone(&steps), Arc::clone(&dropped));
            async move {
                let _flag = OnDrop(dropped);
                loop {
                    tokio::time::sleep(ms(100)).await;
                    steps.fetch_add(1, Ordering::SeqCst);
                }
            }
        };
        let outage = async {
            tokio::time::sleep(ms(1500)).await;
            server.power_off();
        };
        let start = Instant::now();
        let (result, ()) = tokio::join!(guard.run(work), outage);
        let err = result.unwrap_err();
        assert!(dropped.load(Ordering::SeqCst), "the work was not cancelled");
        assert!(
            steps.load(Ordering::SeqCst) >= 15,
            "the work ran until then"
        );
        match give_up_after {
            None => {
                assert!(
                    matches!(
                        err,
                        LockError::Lost {
                            reason: LostReason::Expired,
                            ..
                        }
                    ),
                    "{err}"
                );
                // The last renewal that worked was at 1 s.
                assert_eq!(start.elapsed(), secs(1) + secs(3) - drift);
            }
            Some(_) => {
                assert!(
                    matches!(
                        err,
                        LockError::Lost {
                            reason: LostReason::RenewalsFailed,
                            ..
                        }
                    ),
                    "{err}"
                );
                assert!(start.elapsed() < secs(1) + secs(3) - drift);
            }
        }
        assert!(!guard.is_valid());
    }
}
