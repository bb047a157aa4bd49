//! The same server over real TCP: the `redis` crate's own client, and its
//! pub/sub, on a free loopback port. Any client in any language can use
//! `server.url()` the same way, and `redsim-server` is this on its own.
//!
//! ```sh
//! cargo run --example over_tcp
//! ```

use futures_util::StreamExt;
use redis::AsyncCommands;

#[tokio::main(flavor = "current_thread")]
async fn main() -> redis::RedisResult<()> {
    let server = redsim::Server::start()?; // 127.0.0.1, a free port
    println!("listening on {}", server.url());

    let client = redis::Client::open(server.url())?; // or server.client()
    let mut con = client.get_multiplexed_async_connection().await?;
    let _: () = con.set("greeting", "hello").await?;
    let greeting: String = con.get("greeting").await?;
    println!("GET greeting -> {greeting}");

    // Pub/sub through the crate's dedicated connection.
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe("news").await?;
    let receivers: i64 = con.publish("news", "redsim is up").await?;
    let message = pubsub.on_message().next().await.expect("a message");
    let payload: String = message.get_payload()?;
    println!("{receivers} subscriber(s); got {payload:?}");
    assert_eq!(payload, "redsim is up");
    Ok(())
}
