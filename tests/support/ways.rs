//! The two ways into a server — the in-process connection and TCP — behind
//! one boxed `redis::ConnectionLike`, for tests that must see the same
//! thing over both, and the small helpers they share.

use std::time::Duration;

use redis::{ConnectionLike, RedisResult, Value};
use redsim::Server;

/// Guard against a broken test, never a way to wait.
pub const SAFETY: Duration = Duration::from_secs(10);

/// The two ways in.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    /// `Server::connection`, no socket.
    Local,
    /// A `redis::Connection` over TCP.
    Tcp,
}

/// Both ways, for `for via in BOTH`.
pub const BOTH: [Via; 2] = [Via::Local, Via::Tcp];

/// A connection of either kind.
pub type Con = Box<dyn ConnectionLike + Send>;

/// A new connection to `server` the `via` way.
pub fn connect(server: &Server, via: Via) -> Con {
    match via {
        Via::Local => Box::new(server.connection()),
        Via::Tcp => Box::new(server.client().get_connection().expect("tcp connection")),
    }
}

/// A command from its words.
pub fn cmd(args: &[&str]) -> redis::Cmd {
    let mut c = redis::cmd(args[0]);
    for a in &args[1..] {
        c.arg(*a);
    }
    c
}

/// Runs `args` on `con`.
pub fn run(con: &mut Con, args: &[&str]) -> RedisResult<Value> {
    cmd(args).query(&mut **con)
}

/// GET `key` on `con`.
pub fn get(con: &mut Con, key: &str) -> Option<String> {
    cmd(&["GET", key]).query(&mut **con).expect("GET")
}
