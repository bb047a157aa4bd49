//! The direct data API: a test seeds, inspects and asserts on the keyspace
//! without a client and without the protocol.
//!
//! [`Server::db`] gives a [`Database`] handle on one numbered database.
//! Through it a test seeds strings, hashes, lists, sets, sorted sets and
//! streams (with their consumer groups and pending entries),
//! sets and clears TTLs, deletes and flushes; reads values back as typed
//! Rust values ([`Value`]), TTLs as [`Ttl`], types as [`KeyType`] and whole
//! databases as a [`Snapshot`]; and checks a key in one line with the
//! `assert_*` methods, whose panic messages show what the key actually
//! holds. Refusals are [`DirectError`]s. [`Database::dump`] and
//! [`Database::restore`] move values in Redis's DUMP format, to and from a
//! real Redis as well.
//!
//! ```
//! use std::time::Duration;
//! use redis::Commands;
//! use redsim::{ManualClock, Server};
//! use redsim::direct::Ttl;
//!
//! let clock = ManualClock::new();
//! let server = Server::builder().clock(&clock).start().unwrap();
//! let db = server.db(0);
//!
//! // Seed directly...
//! db.set_ex("session", "abc", Duration::from_secs(60)).unwrap();
//! db.rpush("queue", ["a", "b"]).unwrap();
//!
//! // ...the code under test sees it through any client...
//! let mut con = server.connection();
//! let job: String = con.lpop("queue", None).unwrap();
//! assert_eq!(job, "a");
//!
//! // ...and the test checks what it left, on the server clock.
//! db.assert_list("queue", ["b"]);
//! assert_eq!(db.ttl("session"), Ttl::Remaining(Duration::from_secs(60)));
//! clock.advance(Duration::from_secs(61));
//! db.assert_missing("session");
//! ```
//!
//! # Semantics
//!
//! * **Writes run the real commands.** Each seeding method runs the command
//!   a client would send (`SET`, `HSET`, `RPUSH`, `ZADD`, `PEXPIRE`…) under
//!   the state lock, as the server's own stand-in client, so it does
//!   everything the same command from a client does: encodings (`OBJECT
//!   ENCODING`), WATCH invalidation (a watching client's EXEC fails),
//!   keyspace notifications, and serving blocked clients (a direct `rpush`
//!   wakes a `BLPOP`) before the method returns. A refusal is Redis's
//!   (WRONGTYPE, an invalid expire time, a NaN score), as a
//!   [`DirectError`]. **Every write returns a `Result`**, also those
//!   Redis never refuses today (a plain SET, DEL, FLUSHDB): one rule to
//!   remember, and room for refusals to come (`OOM` once `maxmemory` is
//!   enforced). In a test, `.unwrap()` shows the refusal. Writes do not
//!   pass through fault rules, register no client, and are not counted
//!   in `INFO commandstats` or `total_commands_processed`: no client sent
//!   them.
//! * **Reads change nothing.** Inspecting methods look at the data under
//!   the state lock and at the server clock's current time: a key past its
//!   deadline reads as missing, exactly as a command would see it. Unlike a
//!   command they leave no trace: no LRU/LFU update (`OBJECT IDLETIME` and
//!   `OBJECT FREQ` are as the code under test left them), no
//!   `keyspace_hits`/`keyspace_misses`, and no lazy expiry — a key past its
//!   deadline is removed, with its `expired` event, by the next command or
//!   clock move, as Redis's own expiry cycle would. A test that looks can
//!   therefore never change what it is looking at.
//! * Every method takes the state lock for one short step, as one command
//!   does, so it waits while a client's MULTI/EXEC or script runs and
//!   never sees one half done.
//!
//! This module owns the facade and its public types; it stores nothing of
//! its own and knows no command's rules (those are `cmd`'s), no protocol
//! beyond reading an integer reply (that is `protocol`'s).

mod assert;
mod dump;
mod error;
mod read;
mod show;
mod stream;
mod stream_value;
mod value;
mod write;

use std::sync::Arc;

use bytes::Bytes;

pub use error::DirectError;
pub use stream_value::{ParseStreamIdError, PendingEntry, StreamEntry, StreamGroup, StreamId};
pub use value::{Entry, KeyType, Snapshot, Ttl, Value};

use crate::cmd::Client;
use crate::cmd::exec;
use crate::handle::Server;
use crate::protocol::{Out, Resp};
use crate::shared::Shared;
use crate::state::ClientId;

/// The client id direct writes run as: none that a client can have (ids
/// start at 1), so nothing a command does for "its client" reaches anyone.
const DIRECT_CLIENT: ClientId = 0;

/// A handle on one numbered database of a [`Server`], for seeding,
/// inspecting and asserting without a client. Made by [`Server::db`].
///
/// It is cheap to clone, and owns a share of the server's state rather than
/// borrowing the [`Server`], so it can move into a thread or task that
/// seeds while the test talks to the server. Once the server is shut down
/// it still reads and writes the data the server had.
///
/// See the [module documentation](crate::direct) for what a direct write
/// does and what a direct read leaves untouched.
#[derive(Clone)]
pub struct Database {
    shared: Arc<Shared>,
    index: usize,
}

impl Server {
    /// A direct handle on database `index` (0 is the one clients start
    /// in).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("greeting", "hello").unwrap();
    /// assert_eq!(db.get("greeting").unwrap().as_deref(), Some(&b"hello"[..]));
    ///
    /// // Databases are separate, as SELECT makes them.
    /// assert!(!server.db(1).exists("greeting"));
    /// ```
    ///
    /// # Panics
    /// If the server has no database `index` (it has 16, `0..=15`, unless
    /// the `databases` parameter says otherwise): a test that names a
    /// database that cannot exist is wrong, like an index out of bounds.
    #[track_caller]
    pub fn db(&self, index: usize) -> Database {
        let shared = self.shared();
        let count = shared.state.lock().dbs.len();
        assert!(
            index < count,
            "redsim: there is no database {index}: this server has {count} (0..={})",
            count.saturating_sub(1)
        );
        Database {
            shared: Arc::clone(shared),
            index,
        }
    }

    /// Empties every database, as `FLUSHALL` does (watchers of keys that
    /// existed see their EXEC fail).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// server.db(0).set("a", "1").unwrap();
    /// server.db(3).set("b", "2").unwrap();
    /// server.flush_all().unwrap();
    /// assert_eq!(server.db(0).dbsize() + server.db(3).dbsize(), 0);
    /// ```
    ///
    /// # Errors
    /// None that Redis gives for FLUSHALL today; a `Result` like every
    /// direct write (see [the module](crate::direct)).
    pub fn flush_all(&self) -> Result<(), DirectError> {
        let db = Database {
            shared: Arc::clone(self.shared()),
            index: 0,
        };
        db.run(None, &[b"FLUSHALL"])?;
        Ok(())
    }
}

impl Database {
    /// The number of this database (what SELECT takes).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// assert_eq!(server.db(2).index(), 2);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Runs one write command, as the server's stand-in client selected on
    /// this database, with everything a client's command gets around it:
    /// the housekeeping before (due keys purged, due waiters timed out) and
    /// the serving of blocked clients after. Returns the reply bytes.
    ///
    /// `kind` is the type the command needs its key (argument 1) to have,
    /// for the WRONGTYPE error; `None` for commands that take any type.
    fn run(&self, kind: Option<KeyType>, args: &[&[u8]]) -> Result<Vec<u8>, DirectError> {
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let shared = &*self.shared;
        let mut state = shared.state.lock();
        shared.sync_arrivals(&mut state);
        let now_us = shared.clock.now_micros();
        let now = now_us.div_euclid(1000);
        let mut client = Client::new(DIRECT_CLIENT, self.index, Resp::V2, true);
        let mut out = Out::new(Resp::V2);
        let result = exec::direct(&mut state, shared, &mut client, &args, &mut out, now_us);
        match result {
            Ok(()) => Ok(out.take()),
            Err(e) if e.code() == "WRONGTYPE" => {
                let key = args.get(1).cloned().unwrap_or_default();
                let actual = state.dbs[self.index]
                    .get(&key, now)
                    .map(|entry| KeyType::of(&entry.value));
                match (kind, actual) {
                    (Some(expected), Some(actual)) => Err(DirectError::WrongType {
                        key,
                        expected,
                        actual,
                    }),
                    _ => Err(DirectError::Refused(e.text().into())),
                }
            }
            Err(e) => Err(DirectError::Refused(e.text().into())),
        }
    }

    /// The count an integer-replying write answered.
    fn run_count(&self, kind: Option<KeyType>, args: &[&[u8]]) -> Result<i64, DirectError> {
        let reply = self.run(kind, args)?;
        match crate::protocol::reply::integer(&reply) {
            Some(n) => Ok(n),
            None => unreachable!(
                "redsim bug: {:?} answered {:?}, not an integer",
                String::from_utf8_lossy(args[0]),
                String::from_utf8_lossy(&reply)
            ),
        }
    }

    /// Reads database `index` at the server clock's current time, under the
    /// state lock, changing nothing.
    fn peek<T>(&self, f: impl FnOnce(&crate::db::Db, i64) -> T) -> T {
        let state = self.shared.state.lock();
        let now = self.shared.clock.now_millis();
        f(&state.dbs[self.index], now)
    }
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}
