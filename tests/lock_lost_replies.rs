//! Lost replies on every lock kind: a release (or acquire) that ran but
//! whose reply never came is sent again, and must not act twice. Each
//! scenario drops the reply of a script that really ran (the scripts are
//! loaded first, and the journal shows the dropped reply was the script's,
//! not a NOSCRIPT), then checks what the server holds.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redsim::{Injected, Release, Rule, Server};
use redsim_lock::{Lock, LockOptions, MultiLock, Redlock, ReentrantLock, RetryPolicy};
use support::value;

fn options() -> LockOptions {
    LockOptions::new()
        .ttl(Duration::from_secs(30))
        .retry(RetryPolicy::backoff(
            Duration::from_millis(1),
            Duration::from_millis(10),
        ))
}

fn journaled() -> Server {
    Server::builder().journal(256).start().unwrap()
}

/// A reconnecting client, as production code uses: the dropped reply
/// closes the connection, and the retry goes out on a new one.
async fn manager(server: &Server) -> ConnectionManager {
    server.client().get_connection_manager().await.unwrap()
}

/// Every reply a drop-after rule withheld on `server` was a script's that
/// ran (not a NOSCRIPT before the script was loaded): the lost-reply path
/// the test names did run.
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

/// Whether some request latch of the lock `re` says its acquire was given
/// back.
async fn undone_latch(server: &Server) -> bool {
    let mut con = server.connection();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("{re}:latch:*")
        .query_async(&mut con)
        .await
        .unwrap();
    for key in keys {
        let v: Option<String> = redis::cmd("GET")
            .arg(&key)
            .query_async(&mut con)
            .await
            .unwrap();
        if v.as_deref() == Some("undone") {
            return true;
        }
    }
    false
}

async fn holds(server: &Server, key: &str, owner: &str) -> Option<String> {
    let mut con = server.connection();
    redis::cmd("HGET")
        .arg(key)
        .arg(owner)
        .query_async(&mut con)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_releases_a_single_lock_once() {
    for fencing in [false, true] {
        let server = journaled();
        let lock = Lock::with_options(manager(&server).await, "one", options().fencing(fencing));
        // Loads the scripts.
        lock.acquire().await.unwrap().release().await.unwrap();
        let guard = lock.acquire().await.unwrap();
        let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
        guard.release().await.unwrap();
        assert_eq!(lost.hits(), 1);
        assert_eq!(value(&server, "one").await, None);
        assert_dropped_replies_were_real(&server, 1);
    }
}

/// The bug this file started from: with a reentrant lock held twice by one
/// owner, a release whose reply was lost was sent again and gave back a
/// second hold — freeing the lock while the outer holder still held it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_gives_back_one_reentrant_hold_not_two() {
    let server = journaled();
    let lock = ReentrantLock::with_options(manager(&server).await, "re", options());
    let me = lock.owner();
    me.acquire().await.unwrap().release().await.unwrap();
    let outer = me.acquire().await.unwrap();
    let inner = me.acquire().await.unwrap();
    assert_eq!(me.holds().await.unwrap(), 2);
    let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
    inner.release().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_dropped_replies_were_real(&server, 1);
    // The outer hold stands: nobody else gets the lock.
    assert_eq!(me.holds().await.unwrap(), 1);
    let rival = lock.owner();
    assert!(rival.try_acquire().await.unwrap_err().is_contention());
    outer.release().await.unwrap();
    assert_eq!(me.holds().await.unwrap(), 0);
    rival.try_acquire().await.unwrap().release().await.unwrap();
}

/// An acquire whose reply was lost is retried under the same request: the
/// owner gets one more hold, not two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_acquire_reply_takes_one_reentrant_hold_not_two() {
    let server = journaled();
    let lock = ReentrantLock::with_options(manager(&server).await, "re", options());
    let me = lock.owner();
    me.acquire().await.unwrap().release().await.unwrap();
    let outer = me.acquire().await.unwrap();
    let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
    let inner = me.acquire().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_dropped_replies_were_real(&server, 1);
    assert_eq!(me.holds().await.unwrap(), 2);
    inner.release().await.unwrap();
    outer.release().await.unwrap();
    assert_eq!(holds(&server, "re", me.token()).await, None);
}

/// A reentrant acquire cancelled while its request is held up at the
/// server gives back the hold it took when it finally runs — and only
/// that one: the owner's outer hold stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_reentrant_acquire_gives_back_only_its_own_hold() {
    let server = journaled();
    let lock = ReentrantLock::with_options(manager(&server).await, "re", options());
    let me = lock.owner();
    me.acquire().await.unwrap().release().await.unwrap();
    let outer = me.acquire().await.unwrap();
    let gate = Release::new();
    let slow = server.fault(Rule::command("EVALSHA").times(1).hang_until(&gate));
    let inner = tokio::spawn({
        let me = me.clone();
        async move { me.acquire().await }
    });
    assert!(slow.wait_held(1, Duration::from_secs(10)));
    inner.abort();
    assert!(inner.await.unwrap_err().is_cancelled());
    // The held acquire runs now (a second hold), then the give-back
    // queued behind it, which marks the acquire's latch undone.
    gate.release();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !undone_latch(&server).await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the cancelled acquire was never given back"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(holds(&server, "re", me.token()).await.as_deref(), Some("1"));
    let rival = lock.owner();
    assert!(rival.try_acquire().await.unwrap_err().is_contention());
    outer.release().await.unwrap();
    assert_eq!(holds(&server, "re", me.token()).await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_releases_a_multi_lock_once() {
    let server = journaled();
    let lock = MultiLock::with_options(manager(&server).await, ["{m}:a", "{m}:b"], options());
    lock.acquire().await.unwrap().release().await.unwrap();
    let guard = lock.acquire().await.unwrap();
    let lost = server.fault(Rule::command("EVALSHA").times(1).drop_after());
    guard.release().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_dropped_replies_were_real(&server, 1);
    assert_eq!(value(&server, "{m}:a").await, None);
    assert_eq!(value(&server, "{m}:b").await, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_release_reply_on_one_redlock_node_releases_once() {
    let servers: Vec<Server> = (0..3).map(|_| journaled()).collect();
    let mut nodes = Vec::new();
    for s in &servers {
        nodes.push(manager(s).await);
    }
    let lock = Redlock::with_options(nodes, "red", options());
    lock.acquire().await.unwrap().release().await.unwrap();
    let guard = lock.acquire().await.unwrap();
    let lost = servers[1].fault(Rule::command("EVALSHA").times(1).drop_after());
    guard.release().await.unwrap();
    assert_eq!(lost.hits(), 1);
    assert_dropped_replies_were_real(&servers[1], 1);
    for s in &servers {
        assert_eq!(value(s, "red").await, None);
    }
}
