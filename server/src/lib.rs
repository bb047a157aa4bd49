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
//! The server is built in layers; each imports only the layers below it
//! (`tests/architecture.rs` checks it, and that no import cycle spans more
//! than three files):
//!
//! 1. **Base**: `clock` (the server clock: [`Clock`], [`ManualClock`],
//!    [`TokioClock`], [`SkewedClock`]; nothing else reads the time),
//!    `num` (Redis's number formats), `glob`, `protocol` (RESP in and out:
//!    nothing else writes RESP), `config` (CONFIG parameters), `version`,
//!    and `cmd::error` (every error reply text).
//! 2. **`db`**: the keyspace — sixteen databases, values, the deadline
//!    index.
//! 3. **The state** (`state`): the databases, the registries of clients,
//!    pub/sub channels and blocked clients (waiters hold a command's
//!    arguments, never a handler), statistics, and the Lua engine
//!    (`script`), which is generic over the state and reaches the
//!    commands only through the bridge it is handed.
//! 4. **`cmd`**: one folder or file per command family, the command
//!    table, and the **executor** (`cmd::exec`): the one path every
//!    command runs through — from a connection, EXEC, `redis.call`, a
//!    blocked client being served, or the direct API — with Redis's
//!    checks, the fault gate, the panic guard, stats, keyspace side
//!    effects and wake-ups. A command sees a `Ctx`: the state, the calling
//!    `Client` (id, database, protocol, authentication, transaction) and a
//!    narrow `Host` interface to the server around the state.
//! 5. **`fault`**: the rule registry ([`Rule`], [`Verdict`],
//!    [`FaultGuard`]), pauses, partitions, power, the [`Journal`]; the
//!    executor consults it as its gate.
//! 6. **`shared`**: the server core behind the state lock — clock, fault
//!    registry, counters, the ticker — which implements the `Host`.
//! 7. **`conn`**: sessions (a `Client` plus transport state) and the two
//!    transports, TCP and the in-process [`LocalConnection`]; beside it
//!    **`repl`**, a replica's link to its primary (over TCP or a session
//!    opened in process), which applies the stream through the executor.
//! 8. **The handle** (`handle`): [`Server`], its builder and the verbs a
//!    test applies (pause / resume, partition / heal, restart, power off
//!    / on, replicate / promote, hold / release replication); [`direct`],
//!    the test's own handle on the keyspace ([`Server::db`]): seed,
//!    inspect and assert without a client; and [`Sentinel`], which
//!    watches servers of the process and fails them over.

// docs.rs (nightly, `--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod clock;
mod cluster;
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
mod repl;
mod script;
mod sentinel;
mod shared;
mod state;
mod version;

pub use clock::{Clock, ManualClock, SkewedClock, TokioClock};
pub use conn::LocalConnection;
pub use direct::Database;
pub use fault::{FaultGuard, Injected, Journal, JournalEntry, Release, Rule, Verdict, errors};
pub use handle::{
    Cluster, ClusterBuilder, ClusterNode, DEFAULT_SEED, ReplicaInfo, Replication, ReplicationRole,
    Server, ServerBuilder, SlotMigration,
};
pub use sentinel::{FailoverError, Sentinel, SentinelBuilder};

/// The `redis` crate redsim is built against. Its connection types are the
/// ones [`LocalConnection`] implements, so a test that names this one (or
/// the same version in its own `Cargo.toml`) can never mix two versions.
pub use redis;

#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals;
