//! The server handle: build, start, connect, stop, and the verbs a test
//! applies to a running server.
//!
//! A [`Server`] owns one keyspace and, unless told otherwise, a TCP
//! listener on a free loopback port. Starting one costs a socket bind and a
//! task spawn, and dropping it closes everything, so a test can start a
//! fresh server for itself. Connections come two ways: [`Server::connection`]
//! gives an in-process connection for the `redis` crate (no socket), and
//! [`Server::addr`] / [`Server::url`] give what any client needs over TCP.
//!
//! Server tasks run on a small runtime owned by redsim (or one the builder
//! is given), never on the test's own runtime: a synchronous client called
//! from inside `#[tokio::test]` cannot starve the server that must answer it.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};

use parking_lot::Mutex;
use tokio::runtime::Runtime;

mod builder;
mod cluster;
mod repl;
mod verbs;

pub use builder::ServerBuilder;
pub(crate) use builder::bind_listener;
pub use cluster::{Cluster, ClusterBuilder, ClusterNode, SlotMigration};
pub use repl::{ReplicaInfo, Replication, ReplicationRole};

use crate::clock::Clock;
use crate::conn::LocalConnection;
use crate::shared::Shared;

/// The seed a server uses when none is given.
pub const DEFAULT_SEED: u64 = 0x5EED_F00D;

/// The runtime that runs server tasks when the builder is not given one.
static RUNTIME: LazyLock<Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("redsim")
        .enable_all()
        .build()
        .expect("redsim: cannot start its runtime")
});

/// The runtime server tasks run on when the builder is not given one.
pub(crate) fn runtime() -> tokio::runtime::Handle {
    RUNTIME.handle().clone()
}

/// A running redsim server. Dropping it shuts it down.
///
/// ```
/// let server = redsim::Server::start().unwrap();
/// let mut con = server.connection();
/// redis::cmd("SET").arg("greeting").arg("hello").exec(&mut con).unwrap();
/// let v: String = redis::cmd("GET").arg("greeting").query(&mut con).unwrap();
/// assert_eq!(v, "hello");
/// ```
pub struct Server {
    pub(crate) shared: Arc<Shared>,
    /// Dropped by the accept loop with its listener (the port is free).
    pub(crate) stopped: Mutex<Option<std::sync::mpsc::Receiver<()>>>,
}

impl Server {
    /// A builder with every default.
    pub fn builder() -> ServerBuilder {
        ServerBuilder::default()
    }

    /// Starts a server with every default: system clock, no password,
    /// listening on a free port of 127.0.0.1.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub fn start() -> io::Result<Server> {
        ServerBuilder::default().start()
    }

    /// Starts a server with every default and opens an in-process
    /// connection to it: the line most tests begin with.
    ///
    /// ```
    /// use redis::Commands;
    ///
    /// let (server, mut con) = redsim::Server::start_with_connection().unwrap();
    /// let _: () = con.set("greeting", "hello").unwrap();
    /// server.db(0).assert_string("greeting", "hello");
    /// ```
    ///
    /// Keep `server` alive for as long as the connection is used: dropping
    /// it shuts the server down.
    ///
    /// # Errors
    /// When no loopback port can be bound.
    pub fn start_with_connection() -> io::Result<(Server, LocalConnection)> {
        let server = Server::start()?;
        let connection = server.connection();
        Ok((server, connection))
    }

    /// A new in-process connection: a client of its own (CLIENT ID, SELECT,
    /// MULTI state), reached without a socket. Its clones share it, as
    /// clones of a `redis` multiplexed connection share theirs.
    pub fn connection(&self) -> LocalConnection {
        LocalConnection::new(Arc::clone(&self.shared))
    }

    /// A connection that carries RESP bytes over an in-memory pipe instead
    /// of a socket, served exactly as a TCP connection is: pub/sub
    /// messages and RESP3 pushes arrive as they would over TCP, fault
    /// rules, CLIENT KILL, partitions and restarts close it as they would
    /// a socket. Hand it to any client that takes a custom stream (the
    /// `redis` crate's `aio::PubSub::new` and
    /// `aio::MultiplexedConnection::new`); [`Server::pubsub`] does the
    /// former. Works on a server that does not listen.
    ///
    /// Must be called within a Tokio runtime if the server was given one
    /// ([`ServerBuilder::runtime`]); the server side always runs on the
    /// server's runtime.
    pub fn stream_connection(&self) -> tokio::io::DuplexStream {
        let (client, server_side) = tokio::io::duplex(64 * 1024);
        let id = self.shared.next_client_id();
        self.shared.runtime.spawn(crate::conn::tcp::serve_stream(
            Arc::clone(&self.shared),
            server_side,
            id,
        ));
        client
    }

    /// The `redis` crate's own pub/sub connection ([`redis::aio::PubSub`]),
    /// in process: over a [`Server::stream_connection`], authenticated
    /// with the server's password if it has one.
    ///
    /// ```
    /// use futures_util::StreamExt;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> redis::RedisResult<()> {
    /// let server = redsim::Server::builder().listen(false).start()?;
    /// let mut pubsub = server.pubsub().await?;
    /// pubsub.subscribe("news").await?;
    /// let n: i64 = redis::cmd("PUBLISH")
    ///     .arg("news")
    ///     .arg("hello")
    ///     .query_async(&mut server.connection())
    ///     .await?;
    /// assert_eq!(n, 1);
    /// let message = pubsub.on_message().next().await.unwrap();
    /// assert_eq!(message.get_payload::<String>()?, "hello");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As the `redis` crate's handshake reports them (a wrong password).
    pub async fn pubsub(&self) -> redis::RedisResult<redis::aio::PubSub> {
        let mut info = redis::RedisConnectionInfo::default();
        let password = self
            .shared
            .state
            .lock()
            .config
            .requirepass()
            .map(|p| String::from_utf8_lossy(p).into_owned());
        if let Some(password) = password {
            info = info.set_password(password);
        }
        redis::aio::PubSub::new(&info, self.stream_connection()).await
    }

    /// The TCP address.
    ///
    /// # Panics
    /// If the server was built with `.listen(false)`.
    pub fn addr(&self) -> SocketAddr {
        self.shared
            .addr
            .expect("this redsim server was built with .listen(false)")
    }

    /// A `redis://` URL for `redis::Client::open`, with the password if one
    /// is set.
    pub fn url(&self) -> String {
        let addr = self.addr();
        let auth = match self.shared.state.lock().config.requirepass() {
            Some(p) => format!(":{}@", String::from_utf8_lossy(p)),
            None => String::new(),
        };
        format!("redis://{auth}{addr}/")
    }

    /// A `redis::Client` for this server's TCP address.
    pub fn client(&self) -> redis::Client {
        redis::Client::open(self.url()).expect("a redsim URL is always valid")
    }

    /// The clock this server reads.
    pub fn clock(&self) -> &Clock {
        &self.shared.clock
    }

    /// What every connection shares, for the crate's other handles.
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Waits until the server has been shut down (by [`Server::shutdown`],
    /// or by a client's `SHUTDOWN`).
    pub async fn closed(&self) {
        self.shared.closed().await;
    }

    /// Shuts the server down: stops listening, closes every connection,
    /// and makes in-process connections fail. Also done on drop.
    pub fn shutdown(self) {
        drop(self);
    }

    fn close(&self) {
        self.shared.close();
        self.wait_listener_gone();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.shared.addr)
            .field("clock", &self.shared.clock)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Lua engines live in the server's state and reach the server
    /// through their bridge: were that a strong handle, a server that ran
    /// a script or a function would never be freed.
    #[test]
    fn a_server_that_ran_scripts_and_functions_is_freed_when_dropped() {
        let clock = crate::ManualClock::new();
        let server = Server::builder()
            .clock(&clock)
            .listen(false)
            .start()
            .expect("start");
        let weak = Arc::downgrade(server.shared());
        {
            let mut con = server.connection();
            let n: i64 = redis::cmd("EVAL")
                .arg("return redis.call('incr', 'n')")
                .arg(0)
                .query(&mut con)
                .expect("eval");
            assert_eq!(n, 1);
            redis::cmd("FUNCTION")
                .arg("LOAD")
                .arg("#!lua name=lib\nredis.register_function('f', function() return redis.call('incr', 'n') end)")
                .exec(&mut con)
                .expect("load");
            let n: i64 = redis::cmd("FCALL")
                .arg("f")
                .arg(0)
                .query(&mut con)
                .expect("fcall");
            assert_eq!(n, 2);
        }
        drop(server);
        assert!(weak.upgrade().is_none(), "the server outlived its handle");
    }
}
