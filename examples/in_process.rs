//! A server inside the process and the `redis` crate talking to it with no
//! socket: plain commands, a pipeline, a transaction and a script.
//!
//! ```sh
//! cargo run --example in_process
//! ```

use redis::AsyncCommands;

#[tokio::main(flavor = "current_thread")]
async fn main() -> redis::RedisResult<()> {
    // The server and an in-process connection (redis::aio::ConnectionLike).
    let (server, mut con) = redsim::Server::start_with_connection()?;

    let _: () = con.set("visits", 41).await?;
    let visits: i64 = con.incr("visits", 1).await?;
    println!("INCR visits -> {visits}");
    assert_eq!(visits, 42);

    // A pipeline: every reply, in order.
    let (len, members): (i64, Vec<String>) = redis::pipe()
        .rpush("queue", &["a", "b", "c"])
        .lrange("queue", 0, -1)
        .query_async(&mut con)
        .await?;
    println!("RPUSH queue -> {len}, LRANGE -> {members:?}");

    // MULTI/EXEC.
    let (balance,): (i64,) = redis::pipe()
        .atomic()
        .incr("balance", 100)
        .ignore()
        .decr("balance", 30)
        .query_async(&mut con)
        .await?;
    println!("balance after a transaction -> {balance}");
    assert_eq!(balance, 70);

    // A script, loaded and run by SHA (EVALSHA, reloaded on NOSCRIPT).
    let take = redis::Script::new(
        "local v = redis.call('GET', KEYS[1]); redis.call('DEL', KEYS[1]); return v",
    );
    let taken: Option<String> = take.key("visits").invoke_async(&mut con).await?;
    println!("take visits -> {taken:?}");

    // The test's own view of the data, with no client.
    server.db(0).assert_missing("visits");
    server.db(0).assert_list("queue", ["a", "b", "c"]);
    Ok(())
}
