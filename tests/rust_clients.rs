//! The Rust clients people use besides the `redis` crate, against redsim
//! over TCP: the `fred` client (RESP2 and RESP3) and the `deadpool-redis`
//! and `bb8-redis` pools. Each is driven through what applications do with
//! it: connect (with whatever handshake the client sends), pipelines,
//! transactions with WATCH, pub/sub, scripts and blocking pops, and the
//! pools' own health checks.
//!
//! No test waits on the wall clock: a blocking pop is started first and
//! then served by a push, and every wait is bounded by a generous timeout
//! that only a broken server would reach.

use std::time::Duration;

use fred::prelude::{
    ClientLike, Config, Error as FredError, EventInterface, HashesInterface, KeysInterface,
    ListInterface, LuaInterface, PubsubInterface, TransactionInterface, Value as FredValue,
};
use fred::types::RespVersion;
use redis::AsyncCommands;
use redsim::Server;

/// Long enough that only a broken server reaches it.
const PATIENCE: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("{what}: no answer within {PATIENCE:?}"))
}

async fn fred_client(server: &Server, version: RespVersion) -> fred::clients::Client {
    let mut config = Config::from_url(&server.url()).expect("fred config from the server url");
    config.version = version;
    let client = fred::types::Builder::from_config(config)
        .build()
        .expect("fred client");
    within("fred connect", client.init())
        .await
        .expect("fred connects and finishes its handshake");
    client
}

/// Everything the `fred` tests check, run once per protocol version.
async fn fred_round(version: RespVersion) {
    let server = Server::start().unwrap();
    let client = fred_client(&server, version.clone()).await;

    // Plain commands, with options, and a missing key.
    let _: () = client
        .set("greeting", "hello", None, None, false)
        .await
        .unwrap();
    let got: String = client.get("greeting").await.unwrap();
    assert_eq!(got, "hello");
    let missing: Option<String> = client.get("absent").await.unwrap();
    assert_eq!(missing, None);
    let err = client.incr::<i64, _>("greeting").await.unwrap_err();
    assert!(
        err.details().contains("not an integer"),
        "fred surfaces the server's error text: {err:?}"
    );

    // A pipeline answers in order, errors in place.
    let pipeline = client.pipeline();
    let queued: FredValue = pipeline.incr("counter").await.unwrap();
    assert!(queued.is_queued());
    let _: () = pipeline.incr("counter").await.unwrap();
    let _: () = pipeline.hgetall("counter").await.unwrap();
    let results = pipeline.try_all::<i64>().await;
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].clone().unwrap(), 1);
    assert_eq!(results[1].clone().unwrap(), 2);
    let wrongtype = results[2].clone().unwrap_err();
    assert!(
        wrongtype.details().starts_with("WRONGTYPE"),
        "{wrongtype:?}"
    );

    // MULTI/EXEC, and WATCH aborting it when another client writes.
    let trx = client.multi();
    let _: () = trx.set("a", "1", None, None, false).await.unwrap();
    let _: () = trx.incr("a").await.unwrap();
    let (set, incremented): ((), i64) = trx.exec(true).await.unwrap();
    assert_eq!((set, incremented), ((), 2));

    let watcher = fred_client(&server, version.clone()).await;
    let _: () = watcher.watch("a").await.unwrap();
    let _: () = client.set("a", "changed", None, None, false).await.unwrap();
    let trx = watcher.multi();
    let _: () = trx.set("a", "watcher", None, None, false).await.unwrap();
    let aborted: FredValue = trx.exec(true).await.unwrap();
    assert!(aborted.is_null(), "EXEC after a watched write: {aborted:?}");
    let a: String = client.get("a").await.unwrap();
    assert_eq!(a, "changed");

    // Scripts: EVAL, then EVALSHA of what SCRIPT LOAD returned.
    let script = "return {KEYS[1], ARGV[1], redis.call('INCRBY', KEYS[1], ARGV[1])}";
    let evaluated: (String, String, i64) = client.eval(script, vec!["n"], vec![5]).await.unwrap();
    assert_eq!(evaluated, ("n".into(), "5".into(), 5));
    let sha: String = client.script_load(script).await.unwrap();
    assert_eq!(sha.len(), 40, "a SHA-1 in hex: {sha}");
    let again: (String, String, i64) = client.evalsha(&sha, vec!["n"], vec![2]).await.unwrap();
    assert_eq!(again.2, 7);

    // Pub/sub: a message published by one client reaches the other.
    let subscriber = fred_client(&server, version.clone()).await;
    let mut messages = subscriber.message_rx();
    let _: () = subscriber.subscribe("news").await.unwrap();
    // fred resolves SUBSCRIBE once it is written, before the server's
    // confirmation arrives (seen on the wire: its next PUBLISH went out
    // before the `subscribe` reply came back). Real Redis, one thread,
    // usually reads the SUBSCRIBE first; redsim serves connections in
    // parallel, so wait until the server has registered it.
    wait_for_subscribers(&server, "news", 1).await;
    let receivers: i64 = client.publish("news", "extra").await.unwrap();
    assert_eq!(receivers, 1);
    let message = within("fred message", messages.recv()).await.unwrap();
    assert_eq!(message.channel.to_string(), "news");
    assert_eq!(message.value.convert::<String>().unwrap(), "extra");

    // A blocking pop waits, then is served by a push from another client.
    let popper = fred_client(&server, version).await;
    let pop = tokio::spawn(async move {
        let popped: Option<(String, String)> = popper.blpop("jobs", 0.0).await?;
        Ok::<_, FredError>(popped)
    });
    wait_for_blocked_clients(&server, 1).await;
    let _: () = client.rpush("jobs", "job-1").await.unwrap();
    let popped = within("fred BLPOP", pop).await.unwrap().unwrap();
    assert_eq!(popped, Some(("jobs".into(), "job-1".into())));

    for c in [client, watcher, subscriber] {
        let _: () = c.quit().await.unwrap();
    }
}

/// Polls the server (not the wall clock) until `n` clients are blocked.
async fn wait_for_blocked_clients(server: &Server, n: usize) {
    let mut probe = server.connection();
    within("clients to block", async {
        loop {
            let info: String = redis::cmd("INFO")
                .arg("clients")
                .query_async(&mut probe)
                .await
                .unwrap();
            let blocked = info
                .lines()
                .find_map(|l| l.strip_prefix("blocked_clients:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .expect("INFO clients has blocked_clients");
            if blocked >= n {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
}

/// Polls the server until `channel` has `n` subscribers.
async fn wait_for_subscribers(server: &Server, channel: &str, n: i64) {
    let mut probe = server.connection();
    within("the subscription to register", async {
        loop {
            let (_, count): (String, i64) = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(channel)
                .query_async(&mut probe)
                .await
                .unwrap();
            if count >= n {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await;
}

#[tokio::test]
async fn fred_works_over_resp2() {
    fred_round(RespVersion::RESP2).await;
}

#[tokio::test]
async fn fred_works_over_resp3() {
    fred_round(RespVersion::RESP3).await;
}

/// What both pools are used for, on any connection they hand out.
async fn pooled_commands(con: &mut (impl redis::aio::ConnectionLike + Send)) {
    let _: () = redis::cmd("SET")
        .arg("pooled")
        .arg("1")
        .query_async(con)
        .await
        .unwrap();
    let (n, got): (i64, String) = redis::pipe()
        .incr("pooled", 41)
        .get("pooled")
        .query_async(con)
        .await
        .unwrap();
    assert_eq!((n, got.as_str()), (42, "42"));
    let (set, len): (String, i64) = redis::pipe()
        .atomic()
        .set("t", "v")
        .strlen("t")
        .query_async(con)
        .await
        .unwrap();
    assert_eq!((set.as_str(), len), ("OK", 1));
    let script = redis::Script::new("return redis.call('GET', KEYS[1]) .. ARGV[1]");
    let out: String = script
        .key("pooled")
        .arg("!")
        .invoke_async(con)
        .await
        .unwrap();
    assert_eq!(out, "42!");
}

#[tokio::test]
async fn deadpool_redis_hands_out_working_connections_and_recycles_them() {
    let server = Server::start().unwrap();
    let pool = deadpool_redis::Config::from_url(server.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .expect("deadpool pool");

    {
        let mut con = pool.get().await.expect("pooled connection");
        pooled_commands(&mut con).await;
        // WATCH left behind on a connection going back to the pool: the
        // recycle step sends UNWATCH and a PING with a payload, so the next
        // user's transaction is not aborted by this one's watch.
        let _: () = redis::cmd("WATCH")
            .arg("pooled")
            .query_async(&mut *con)
            .await
            .unwrap();
    }
    let _: () = server.connection().set("pooled", "changed").await.unwrap();
    {
        let mut con = pool.get().await.expect("recycled connection");
        let (_, got): (String, String) = redis::pipe()
            .atomic()
            .set("pooled", "after-recycle")
            .get("pooled")
            .query_async(&mut *con)
            .await
            .expect("EXEC is not aborted by a watch from the pool's last user");
        assert_eq!(got, "after-recycle");
    }
    assert_eq!(pool.status().size, 1, "the one connection was reused");

    // A blocking pop on one pooled connection, served by a push on another.
    let popper = pool.get().await.unwrap();
    let pop = tokio::spawn(async move {
        let mut popper = popper;
        let popped: Option<(String, String)> = popper.blpop("q", 0.0).await.unwrap();
        popped
    });
    wait_for_blocked_clients(&server, 1).await;
    let mut pusher = pool.get().await.unwrap();
    let _: () = pusher.rpush("q", "item").await.unwrap();
    let popped = within("deadpool BLPOP", pop).await.unwrap();
    assert_eq!(popped, Some(("q".into(), "item".into())));
}

#[tokio::test]
async fn deadpool_redis_replaces_a_connection_the_server_killed() {
    let server = Server::start().unwrap();
    let pool = deadpool_redis::Config::from_url(server.url())
        .create_pool(Some(deadpool_redis::Runtime::Tokio1))
        .unwrap();
    let first_id: i64 = {
        let mut con = pool.get().await.unwrap();
        redis::cmd("CLIENT")
            .arg("ID")
            .query_async(&mut *con)
            .await
            .unwrap()
    };
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(first_id)
        .query_async(&mut server.connection())
        .await
        .unwrap();
    assert_eq!(killed, 1);
    // The recycle check fails on the dead connection and the pool opens a
    // fresh one, so the caller sees a working connection, never the error.
    let mut con = within("a fresh pooled connection", pool.get())
        .await
        .unwrap();
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut *con)
        .await
        .unwrap();
    assert_ne!(id, first_id);
}

#[tokio::test]
async fn bb8_redis_hands_out_working_connections() {
    let server = Server::start().unwrap();
    let manager = bb8_redis::RedisConnectionManager::new(server.url()).unwrap();
    let pool = bb8_redis::bb8::Pool::builder()
        .max_size(4)
        .test_on_check_out(true)
        .build(manager)
        .await
        .expect("bb8 pool");

    {
        let mut con = pool.get().await.expect("pooled connection");
        pooled_commands(&mut *con).await;
    }

    let popper = pool.get_owned().await.unwrap();
    let pop = tokio::spawn(async move {
        let mut popper = popper;
        let popped: Option<(String, String)> = popper.brpop("q", 0.0).await.unwrap();
        popped
    });
    wait_for_blocked_clients(&server, 1).await;
    let mut pusher = pool.get().await.unwrap();
    let _: () = pusher.lpush("q", "item").await.unwrap();
    let popped = within("bb8 BRPOP", pop).await.unwrap();
    assert_eq!(popped, Some(("q".into(), "item".into())));

    // bb8 checks a connection with PING on check-out: a connection the
    // server killed is replaced, not handed out.
    let ids: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut *pusher)
        .await
        .unwrap();
    drop(pusher);
    let _: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(ids)
        .query_async(&mut server.connection())
        .await
        .unwrap();
    let mut con = within("bb8 check-out after a kill", pool.get())
        .await
        .unwrap();
    let pong: String = redis::cmd("PING").query_async(&mut *con).await.unwrap();
    assert_eq!(pong, "PONG");
}
