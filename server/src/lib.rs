//! # redsim
//!
//! A Redis 7.0-compatible server that runs inside your Rust test process,
//! with a clock the test controls.
//!
//! ```
//! use std::time::Duration;
//! use redsim::{ManualClock, Server};
//!
//! let clock = ManualClock::new();
//! let server = Server::builder().clock(&clock).start().unwrap();
//!
//! // In-process: the `redis` crate, no socket.
//! let mut con = server.connection();
//! redis::cmd("SET").arg("session").arg("abc").arg("EX").arg(60).exec(&mut con).unwrap();
//!
//! // Over TCP: any client, any language.
//! let mut tcp = server.client().get_connection().unwrap();
//! let ttl: i64 = redis::cmd("TTL").arg("session").query(&mut tcp).unwrap();
//! assert_eq!(ttl, 60);
//!
//! // Time moves when the test says so; nothing sleeps.
//! clock.advance(Duration::from_secs(61));
//! let gone: Option<String> = redis::cmd("GET").arg("session").query(&mut con).unwrap();
//! assert_eq!(gone, None);
//! ```
//!
//! # Layout
//!
//! * [`server`](crate::Server) — the handle: build, start, connect, shut down.
//! * `clock` — the server clock ([`Clock`], [`ManualClock`], [`TokioClock`],
//!   [`SkewedClock`]); nothing else
//!   reads the time.
//! * `db` — the keyspace: sixteen databases, values, the deadline index.
//! * [`direct`] — the test's own handle on the keyspace ([`Server::db`]):
//!   seed, inspect and assert without a client.
//! * `cmd` — one file per command family, the command table, error texts.
//! * `protocol` — RESP2/RESP3: request decoding, reply encoding.
//! * `conn` — the per-client session and the two transports (TCP and the
//!   in-process [`LocalConnection`]).
//! * `fault` — what a test does to a server: fault rules ([`Rule`],
//!   [`Server::fault`]), pause / resume, partition / heal, restart, power
//!   off / on, and the command [`Journal`].
//! * `state`, `config`, `num`, `glob` — the locked server state, CONFIG
//!   parameters, Redis's number formats, glob patterns.

mod clock;
mod cmd;
mod config;
mod conn;
mod db;
pub mod direct;
mod fault;
mod glob;
mod handle;
mod num;
mod protocol;
mod script;
mod shared;
mod state;
mod version;

pub use clock::{Clock, ManualClock, SkewedClock, TokioClock};
pub use conn::LocalConnection;
pub use direct::Database;
pub use fault::{FaultGuard, Injected, Journal, JournalEntry, Release, Rule, Verdict, errors};
pub use handle::{DEFAULT_SEED, Server, ServerBuilder};

#[doc(hidden)]
pub mod internals;
