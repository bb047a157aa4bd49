//! The two ways in: the in-process connection and TCP, through the `redis`
//! crate. Whatever a client can observe must be the same on both.

use redis::aio::ConnectionLike;
use redis::{AsyncCommands, ErrorKind, RedisError, ServerErrorKind};
use redsim::Server;

async fn tcp(server: &Server) -> redis::aio::MultiplexedConnection {
    server
        .client()
        .get_multiplexed_async_connection()
        .await
        .expect("tcp connection")
}

#[tokio::test]
async fn async_commands_work_in_process_and_over_tcp() {
    let server = Server::start().unwrap();
    let mut local = server.connection();
    let mut remote = tcp(&server).await;
    let _: () = local.set("k", "from-local").await.unwrap();
    let v: String = remote.get("k").await.unwrap();
    assert_eq!(v, "from-local");
    let _: () = remote.set("k2", 5).await.unwrap();
    let v: i64 = local.get("k2").await.unwrap();
    assert_eq!(v, 5);
    let missing: Option<String> = local.get("nope").await.unwrap();
    assert_eq!(missing, None);
}

async fn plain_pipeline(mut con: impl ConnectionLike + Send) {
    let (a, b, c): (String, i64, Option<String>) = redis::pipe()
        .set("a", "1")
        .ignore()
        .get("a")
        .del("a")
        .get("a")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!((a.as_str(), b, c), ("1", 1, None));
}

#[tokio::test]
async fn plain_pipelines_return_every_reply_in_order() {
    let server = Server::start().unwrap();
    plain_pipeline(server.connection()).await;
    plain_pipeline(tcp(&server).await).await;
}

async fn atomic_pipeline(mut con: impl ConnectionLike + Send) {
    let (set, got): (String, String) = redis::pipe()
        .atomic()
        .set("t", "v")
        .get("t")
        .query_async(&mut con)
        .await
        .unwrap();
    assert_eq!((set.as_str(), got.as_str()), ("OK", "v"));
}

#[tokio::test]
async fn atomic_pipelines_run_as_one_transaction() {
    let server = Server::start().unwrap();
    atomic_pipeline(server.connection()).await;
    atomic_pipeline(tcp(&server).await).await;
}

/// The error a command gives over one connection.
async fn error_of(con: &mut (impl ConnectionLike + Send), cmd: &redis::Cmd) -> RedisError {
    cmd.query_async::<redis::Value>(con).await.unwrap_err()
}

#[tokio::test]
async fn server_errors_have_the_same_kind_and_text_on_both_transports() {
    let server = Server::start().unwrap();
    let mut local = server.connection();
    let mut remote = tcp(&server).await;
    let cases = [
        redis::cmd("NOSUCHCOMMAND"),
        redis::cmd("EXEC"),
        redis::cmd("SELECT").arg(99).clone(),
        redis::cmd("GET").clone(),
    ];
    for cmd in &cases {
        let a = error_of(&mut local, cmd).await;
        let b = error_of(&mut remote, cmd).await;
        assert_eq!(a.kind(), b.kind(), "{cmd:?}");
        assert_eq!(a.code(), b.code(), "{cmd:?}");
        assert_eq!(a.detail(), b.detail(), "{cmd:?}");
        assert_eq!(a.kind(), ErrorKind::Server(ServerErrorKind::ResponseError));
    }
}

async fn queueing_error(mut con: impl ConnectionLike + Send) -> RedisError {
    redis::pipe()
        .atomic()
        .set("x", 1)
        .cmd("NOSUCHCOMMAND")
        .query_async::<redis::Value>(&mut con)
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_transaction_with_a_queueing_error_is_an_execabort_on_both() {
    let server = Server::start().unwrap();
    let local = queueing_error(server.connection()).await;
    let remote = queueing_error(tcp(&server).await).await;
    assert_eq!(local.kind(), ErrorKind::Server(ServerErrorKind::ExecAbort));
    assert_eq!(local.kind(), remote.kind());
}

#[test]
fn sync_connection_like_runs_commands_and_pipelines() {
    use redis::Commands;
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let _: () = Commands::set(&mut con, "s", 10).unwrap();
    let v: i64 = Commands::get(&mut con, "s").unwrap();
    assert_eq!(v, 10);
    let (x, y): (i64, String) = redis::pipe()
        .atomic()
        .get("s")
        .set("s", "z")
        .query(&mut con)
        .unwrap();
    assert_eq!((x, y.as_str()), (10, "OK"));
    assert!(redis::ConnectionLike::check_connection(&mut con));
}

#[test]
fn clones_share_one_client_and_new_connections_are_separate() {
    let server = Server::start().unwrap();
    let mut a = server.connection();
    let mut a2 = a.clone();
    let mut b = server.connection();
    let id_a: i64 = redis::cmd("CLIENT").arg("ID").query(&mut a).unwrap();
    let id_a2: i64 = redis::cmd("CLIENT").arg("ID").query(&mut a2).unwrap();
    let id_b: i64 = redis::cmd("CLIENT").arg("ID").query(&mut b).unwrap();
    assert_eq!(id_a, id_a2);
    assert_ne!(id_a, id_b);
    redis::cmd("SELECT").arg(3).exec(&mut a).unwrap();
    assert_eq!(redis::ConnectionLike::get_db(&a2), 3);
    assert_eq!(redis::ConnectionLike::get_db(&b), 0);
}

#[test]
fn quit_closes_the_in_process_connection() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let ok: String = redis::cmd("QUIT").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    assert!(!redis::ConnectionLike::is_open(&con));
    let err = redis::cmd("PING").query::<String>(&mut con).unwrap_err();
    assert!(err.is_connection_dropped(), "{err:?}");
}

#[test]
fn client_kill_drops_an_in_process_client() {
    let server = Server::start().unwrap();
    let mut victim = server.connection();
    let mut killer = server.connection();
    let id: i64 = redis::cmd("CLIENT").arg("ID").query(&mut victim).unwrap();
    let n: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query(&mut killer)
        .unwrap();
    assert_eq!(n, 1);
    let err = redis::cmd("PING").query::<String>(&mut victim).unwrap_err();
    assert!(err.is_connection_dropped(), "{err:?}");
}

#[test]
fn shutdown_closes_tcp_and_in_process_connections_and_frees_the_port() {
    let server = Server::start().unwrap();
    let addr = server.addr();
    let mut local = server.connection();
    let mut remote = server.client().get_connection().unwrap();
    let _: String = redis::cmd("PING").query(&mut remote).unwrap();
    server.shutdown();
    assert!(
        redis::cmd("PING")
            .query::<String>(&mut local)
            .unwrap_err()
            .is_connection_dropped()
    );
    assert!(redis::cmd("PING").query::<String>(&mut remote).is_err());
    // The port is released when shutdown returns.
    std::net::TcpListener::bind(addr).expect("port still held after shutdown");
}

#[test]
fn password_is_required_on_both_transports() {
    let server = Server::builder().password("pw").start().unwrap();
    let mut local = server.connection();
    let err = redis::cmd("GET")
        .arg("k")
        .query::<Option<String>>(&mut local)
        .unwrap_err();
    assert_eq!(err.code(), Some("NOAUTH"));
    redis::cmd("AUTH").arg("pw").exec(&mut local).unwrap();
    let _: Option<String> = redis::cmd("GET").arg("k").query(&mut local).unwrap();
    // The URL carries the password, so redis-rs authenticates by itself.
    let mut remote = server.client().get_connection().unwrap();
    let v: Option<String> = redis::cmd("GET").arg("k").query(&mut remote).unwrap();
    assert_eq!(v, None);
    let bad = redis::Client::open(format!("redis://:wrong@{}/", server.addr())).unwrap();
    assert!(bad.get_connection().is_err());
}

#[test]
fn listen_false_gives_an_in_process_only_server() {
    let server = Server::builder().listen(false).start().unwrap();
    let mut con = server.connection();
    let pong: String = redis::cmd("PING").query(&mut con).unwrap();
    assert_eq!(pong, "PONG");
}

#[test]
fn idle_clients_are_closed_after_timeout_seconds_of_server_time() {
    let clock = redsim::ManualClock::new();
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut admin = server.connection();
    redis::cmd("CONFIG")
        .arg("SET")
        .arg("timeout")
        .arg(10)
        .exec(&mut admin)
        .unwrap();
    let mut idle = server.client().get_connection().unwrap();
    let _: String = redis::cmd("PING").query(&mut idle).unwrap();
    let mut subscriber = server.client().get_connection().unwrap();
    let _: redis::Value = redis::cmd("SUBSCRIBE")
        .arg("c")
        .query(&mut subscriber)
        .unwrap();
    clock.advance(std::time::Duration::from_secs(10));
    // Exactly at the limit it stays (Redis's "more than timeout").
    let _: String = redis::cmd("PING").query(&mut idle).unwrap();
    clock.advance(std::time::Duration::from_secs(11));
    assert!(redis::cmd("PING").query::<String>(&mut idle).is_err());
    // The in-process admin client was idle for 21 s as well: closed too.
    assert!(
        redis::cmd("PING")
            .query::<String>(&mut admin)
            .unwrap_err()
            .is_connection_dropped()
    );
    let n: i64 = redis::cmd("PUBLISH")
        .arg("c")
        .arg("m")
        .query(&mut server.connection())
        .unwrap();
    assert_eq!(n, 1, "the subscriber is still connected");
}

// A TCP connection runs a pipeline's commands under one state lock, a
// batch at a time; a blocking command in the middle must release it, wait
// for its data, and the rest must follow in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deep_pipeline_blocked_midway_answers_every_command_in_order() {
    let server = Server::start().unwrap();
    let mut con = tcp(&server).await;
    let mut pipe = redis::pipe();
    for _ in 0..150 {
        pipe.incr("n", 1);
    }
    pipe.blpop("q", 0.0);
    for _ in 0..150 {
        pipe.incr("n", 1);
    }
    let pipelined = tokio::spawn(async move {
        let replies: Vec<redis::Value> = pipe.query_async(&mut con).await.unwrap();
        replies
    });
    let mut other = tcp(&server).await;
    // Wait (on the server, not on a clock) until the pipeline is blocked.
    loop {
        let info: String = redis::cmd("INFO")
            .arg("clients")
            .query_async(&mut other)
            .await
            .unwrap();
        if info.contains("blocked_clients:1") {
            break;
        }
        tokio::task::yield_now().await;
    }
    let seen: i64 = other.get("n").await.unwrap();
    assert_eq!(seen, 150, "the commands before BLPOP ran, none after it");
    let _: () = other.lpush("q", "x").await.unwrap();
    let replies = pipelined.await.unwrap();
    assert_eq!(replies.len(), 301);
    for (i, reply) in replies[..150].iter().enumerate() {
        assert_eq!(*reply, redis::Value::Int(i as i64 + 1));
    }
    let popped: (String, String) = redis::from_redis_value(replies[150].clone()).unwrap();
    assert_eq!(popped, ("q".to_string(), "x".to_string()));
    for (i, reply) in replies[151..].iter().enumerate() {
        assert_eq!(*reply, redis::Value::Int(i as i64 + 151));
    }
}

// Several clients pipelining at once: batches interleave, but no update is
// lost and each client sees its own replies in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_deep_pipelines_lose_no_update() {
    let server = Server::start().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut con = tcp(&server).await;
        tasks.push(tokio::spawn(async move {
            let mut pipe = redis::pipe();
            for _ in 0..500 {
                pipe.incr("shared", 1);
            }
            let replies: Vec<i64> = pipe.query_async(&mut con).await.unwrap();
            replies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let replies = task.await.unwrap();
        assert!(replies.windows(2).all(|w| w[0] < w[1]));
        all.extend(replies);
    }
    all.sort_unstable();
    assert_eq!(all, (1..=2000).collect::<Vec<i64>>());
}

/// In process, a reply CLIENT REPLY OFF or SKIP withholds comes back as
/// nil (over TCP nothing comes, as with Redis), so calls stay paired
/// with replies.
#[test]
fn withheld_replies_are_nil_in_process() {
    let server = redsim::Server::start().unwrap();
    let mut con = server.connection();
    let off: redis::Value = redis::cmd("CLIENT")
        .arg("REPLY")
        .arg("OFF")
        .query(&mut con)
        .unwrap();
    assert_eq!(off, redis::Value::Nil);
    let set: redis::Value = redis::cmd("SET").arg("k").arg("v").query(&mut con).unwrap();
    assert_eq!(set, redis::Value::Nil);
    let on: String = redis::cmd("CLIENT")
        .arg("REPLY")
        .arg("ON")
        .query(&mut con)
        .unwrap();
    assert_eq!(on, "OK");
    let v: String = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(v, "v");
    let (a, b): (redis::Value, String) = redis::pipe()
        .cmd("CLIENT")
        .arg("REPLY")
        .arg("SKIP")
        .cmd("GET")
        .arg("k")
        .cmd("GET")
        .arg("k")
        .query::<(redis::Value, redis::Value, String)>(&mut con)
        .map(|(_, skipped, v)| (skipped, v))
        .unwrap();
    assert_eq!((a, b.as_str()), (redis::Value::Nil, "v"));
}

#[tokio::test]
async fn the_redis_crates_own_pubsub_works_in_process() {
    use futures_util::StreamExt;
    let server = Server::builder().listen(false).start().unwrap();
    let mut pubsub = server.pubsub().await.expect("an in-process PubSub");
    pubsub.subscribe("news").await.unwrap();
    pubsub.psubscribe("alerts.*").await.unwrap();
    let mut publisher = server.connection();
    let to_news: i64 = publisher.publish("news", "first").await.unwrap();
    let to_alerts: i64 = publisher.publish("alerts.disk", "full").await.unwrap();
    assert_eq!((to_news, to_alerts), (1, 1));
    let mut messages = pubsub.on_message();
    let first = messages.next().await.unwrap();
    assert_eq!(first.get_channel_name(), "news");
    assert_eq!(first.get_payload::<String>().unwrap(), "first");
    let second = messages.next().await.unwrap();
    assert_eq!(second.get_pattern::<String>().unwrap(), "alerts.*");
    assert_eq!(second.get_channel_name(), "alerts.disk");
    drop(messages);
    // The subscription is a client of the server like any other.
    let numsub: (String, i64) = redis::cmd("PUBSUB")
        .arg("NUMSUB")
        .arg("news")
        .query_async(&mut publisher)
        .await
        .unwrap();
    assert_eq!(numsub.1, 1);
    pubsub.unsubscribe("news").await.unwrap();
    let gone: i64 = publisher.publish("news", "unheard").await.unwrap();
    assert_eq!(gone, 0);
}

#[tokio::test]
async fn a_stream_connection_is_served_like_a_socket() {
    let server = Server::builder()
        .password("pw")
        .listen(false)
        .start()
        .unwrap();
    // The password travels in the redis crate's own handshake: without
    // it, SUBSCRIBE would be refused with NOAUTH.
    let mut pubsub = server.pubsub().await.unwrap();
    pubsub.subscribe("news").await.expect("authenticated");

    let info = redis::RedisConnectionInfo::default().set_password("pw");
    let (mut con, driver) = redis::aio::MultiplexedConnection::new_with_config(
        &info,
        server.stream_connection(),
        redis::AsyncConnectionConfig::new(),
    )
    .await
    .unwrap();
    tokio::spawn(driver);
    let _: () = con.set("k", "v").await.unwrap();
    let id: i64 = redis::cmd("CLIENT")
        .arg("ID")
        .query_async(&mut con)
        .await
        .unwrap();
    let list: String = redis::cmd("CLIENT")
        .arg("LIST")
        .arg("ID")
        .arg(id)
        .query_async(&mut con)
        .await
        .unwrap();
    assert!(list.contains("addr=in-process:"), "{list}");

    // Killed from another client, it closes as a socket would.
    let mut admin = server.connection();
    let _: () = redis::cmd("AUTH")
        .arg("pw")
        .query_async(&mut admin)
        .await
        .unwrap();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("ID")
        .arg(id)
        .query_async(&mut admin)
        .await
        .unwrap();
    assert_eq!(killed, 1);
    let err = con.get::<_, String>("k").await.unwrap_err();
    assert!(
        err.is_connection_dropped() || err.is_io_error(),
        "a killed stream connection reports a dropped connection: {err:?}"
    );
}
