//! Commands: the table of every command, argument helpers, and the context
//! a command runs in.
//!
//! A command is a function of a [`Ctx`] — the state (under the lock), the
//! calling session, the arguments and a reply buffer — that writes its
//! reply or returns the error that is its reply. Commands never touch a
//! socket and never see which transport called them; that is what lets
//! TCP, the in-process connection, MULTI/EXEC and the fault layer share one
//! path. Arity and unknown-command errors are found from the table before
//! the lock is taken.
//!
//! One file per command family; this module owns the registry and the
//! helpers every family uses. Error texts live in [`error`].

mod args;
mod bitmap;
mod collection;
mod connection;
pub mod error;
mod functions;
mod hash;
mod keys;
mod keyspec;
mod list;
pub mod pubsub;
mod registry;
mod scripting;
mod server;
mod set;
mod string;
mod transaction;
mod zset;

use bytes::Bytes;

pub use args::*;
pub use error::{CmdError, CmdResult};
pub use functions::function_stats_reply;
pub use registry::{find, registry, resolve};

use crate::conn::Session;
use crate::db::{Db, Entry, Lookup};
use crate::protocol::Out;
use crate::shared::Shared;
use crate::state::State;

/// Command flags, as COMMAND INFO lists them.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related (allowed in RESP2 subscribed mode when also listed there).
    pub const PUBSUB: u32 = 1 << 4;
    /// Refused inside scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown by MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged by SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log n).
    pub const FAST: u32 = 1 << 11;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even if read-only.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Refused inside MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Key positions depend on arguments.
    pub const MOVABLE_KEYS: u32 = 1 << 17;
    /// Not allowed during async loading.
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    /// Available in sentinel mode.
    pub const SENTINEL: u32 = 1 << 19;

    /// The names COMMAND INFO prints, in its order (Redis does not print
    /// `sentinel` outside sentinel mode).
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// A command handler.
pub type Handler = fn(&mut Ctx<'_>) -> CmdResult;

/// One command (or subcommand) of the table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Full lowercase name: `get`, or `config|get` for a subcommand.
    pub name: &'static str,
    /// Redis arity: exact count if positive, minimum count if negative
    /// (the command name included).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// First key position, last key position (negative: from the end),
    /// step — COMMAND INFO's legacy key specification.
    pub keys: (i32, i32, i32),
    /// ACL categories, space separated, without the `@`.
    pub acl: &'static str,
    /// COMMAND DOCS group (`string`, `generic`…).
    pub group: &'static str,
    /// The Redis version that introduced it.
    pub since: &'static str,
    /// A one-line summary for COMMAND DOCS.
    pub summary: &'static str,
    /// The handler; `None` for a container such as CONFIG.
    pub handler: Option<Handler>,
    /// Subcommands of a container.
    pub subcommands: &'static [CommandSpec],
    /// For commands whose keys follow a count (`ZUNIONSTORE dest numkeys
    /// key…`, `EVAL script numkeys key…`): where that count is, and
    /// whether a destination key comes first. Used by COMMAND GETKEYS.
    pub numkeys: Option<NumKeys>,
}

/// Where a command's keys are when a count argument gives their number.
#[derive(Debug, Clone, Copy)]
pub struct NumKeys {
    /// Position of the count (the command name is 0).
    pub at: usize,
    /// Whether argument 1 is a destination key.
    pub dest_first: bool,
}

impl CommandSpec {
    /// A command named `name` (lowercase) with `arity`, run by `handler`.
    pub const fn new(name: &'static str, arity: i32, handler: Handler) -> Self {
        CommandSpec {
            name,
            arity,
            flags: 0,
            keys: (0, 0, 0),
            acl: "",
            group: "generic",
            since: "1.0.0",
            summary: "",
            handler: Some(handler),
            subcommands: &[],
            numkeys: None,
        }
    }

    /// A container command (CONFIG, CLIENT…) dispatching to `subs`.
    pub const fn container(name: &'static str, subs: &'static [CommandSpec]) -> Self {
        CommandSpec {
            name,
            arity: -2,
            flags: 0,
            keys: (0, 0, 0),
            acl: "",
            group: "generic",
            since: "1.0.0",
            summary: "",
            handler: None,
            subcommands: subs,
            numkeys: None,
        }
    }

    /// Lets a container run alone too (plain `COMMAND`), with `handler`.
    pub const fn bare(mut self, handler: Handler) -> Self {
        self.handler = Some(handler);
        self.arity = -1;
        self
    }

    /// Says the keys follow a count at position `at` (and, with
    /// `dest_first`, a destination key at position 1).
    pub const fn numkeys(mut self, at: usize, dest_first: bool) -> Self {
        self.numkeys = Some(NumKeys { at, dest_first });
        self
    }

    /// Sets the flags.
    pub const fn flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// Sets first key, last key and step.
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Self {
        self.keys = (first, last, step);
        self
    }

    /// Sets the ACL categories (space separated, no `@`).
    pub const fn acl(mut self, acl: &'static str) -> Self {
        self.acl = acl;
        self
    }

    /// Sets the docs group, version and summary.
    pub const fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        summary: &'static str,
    ) -> Self {
        self.group = group;
        self.since = since;
        self.summary = summary;
        self
    }

    /// Whether the flag bits `f` are all set.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }
}

/// Where a command is running: a plain call, inside EXEC, or inside a
/// script. Blocking commands do not block inside EXEC or scripts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// Directly from a client.
    Client,
    /// From EXEC: blocking commands do not block.
    Exec,
    /// Run again for a blocked client because a key it waits on changed.
    Unblocked,
    /// From a Lua script (`redis.call`): blocking commands do not block.
    Script,
    /// From the test's direct API ([`crate::direct`]): no client, never blocks.
    Direct,
}

/// What the connection must do after the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum After {
    /// Nothing special.
    #[default]
    Continue,
    /// Close the connection once the reply is written (QUIT, CLIENT KILL
    /// of itself).
    Close,
}

/// Everything a command runs with.
pub struct Ctx<'a> {
    /// The server state, locked.
    pub state: &'a mut State,
    /// The calling connection.
    pub session: &'a mut Session,
    /// The server's shared handle (clock, configuration of the transport).
    pub shared: &'a Shared,
    /// The arguments, command name first.
    pub args: &'a [Bytes],
    /// The reply buffer.
    pub out: &'a mut Out,
    /// Server-clock time of this command in Unix milliseconds; fixed for
    /// the whole command (and the whole EXEC).
    pub now: i64,
    /// The same instant in microseconds.
    pub now_us: i64,
    /// Where the command was called from.
    pub caller: Caller,
    /// What the connection does after the reply.
    pub after: After,
    /// Set by a blocking command that found nothing and may wait.
    pub block: Option<crate::state::waiters::BlockRequest>,
    /// When a blocked client is served: the key that became ready, which
    /// the command must serve from.
    pub ready_key: Option<&'a [u8]>,
}

impl<'a> Ctx<'a> {
    /// Argument `i` (0 is the command name).
    pub fn arg(&self, i: usize) -> &'a [u8] {
        &self.args[i]
    }

    /// Number of arguments, command name included.
    pub fn argc(&self) -> usize {
        self.args.len()
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        &mut self.state.dbs[self.session.db]
    }

    /// Index of the selected database.
    pub fn db_index(&self) -> usize {
        self.session.db
    }

    /// The access field a value created by this command starts with: the
    /// LRU clock, or a new LFU counter under an LFU `maxmemory-policy`
    /// (layout in `keys::lfu`).
    pub fn lru(&self) -> u32 {
        if keys::lfu::is_lfu(&self.state.config) {
            keys::lfu::fresh(self.now)
        } else {
            State::lru_clock(self.now)
        }
    }

    /// Looks a key up for reading: lazy expiry, access time, hit/miss stats.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(self.session.db, key, true, true)
    }

    /// Looks a key up for writing: lazy expiry and access time, no stats.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(self.session.db, key, true, false)
    }

    /// Looks a key up without touching its access time (TYPE, OBJECT, TTL…).
    pub fn lookup_notouch(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(self.session.db, key, false, false)
    }

    /// Looks a key up for writing in database `db` (MOVE, COPY … DB).
    pub fn lookup_in(&mut self, db: usize, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(db, key, true, false)
    }

    fn lookup_inner(
        &mut self,
        db: usize,
        key: &[u8],
        touch: bool,
        count: bool,
    ) -> Option<&mut Entry> {
        let now = self.now;
        match self.state.dbs[db].lookup(key, now) {
            Lookup::Found(idx) => {
                if count {
                    self.state.stats.keyspace_hits += 1;
                }
                let lfu = (touch && keys::lfu::is_lfu(&self.state.config))
                    .then(|| keys::lfu::params(&self.state.config));
                let state = &mut *self.state;
                let entry = state.dbs[db].entry_at_mut(idx);
                if touch {
                    entry.access = match lfu {
                        Some(p) => keys::lfu::touched(entry.access, now, &mut state.rng, p),
                        None => State::lru_clock(now),
                    };
                }
                Some(entry)
            }
            Lookup::Missing => {
                if count {
                    self.state.stats.keyspace_misses += 1;
                }
                None
            }
            Lookup::Expired(k) => {
                if count {
                    self.state.stats.keyspace_misses += 1;
                }
                self.state.stats.expired_keys += 1;
                self.key_expired(db, &k);
                None
            }
        }
    }

    /// Whether a blocking command may block here: not inside EXEC (or a
    /// script), where Redis makes it behave as if it timed out at once.
    pub fn can_block(&self) -> bool {
        matches!(self.caller, Caller::Client | Caller::Unblocked)
    }

    /// Asks to block on `keys` until `deadline` (server-clock ms; `None`
    /// waits forever). The command writes no reply; it is run again when
    /// one of the keys changes, or answered with the null reply when the
    /// deadline passes. Call only when [`Ctx::can_block`].
    pub fn block(&mut self, keys: &[&[u8]], deadline: Option<i64>) {
        self.block = Some(crate::state::waiters::BlockRequest {
            keys: keys.iter().map(|k| crate::db::Blob::new(k)).collect(),
            deadline,
        });
    }

    /// Records that `key` of the selected database was changed by this
    /// command: Redis's `signalModifiedKey` (WATCH, client tracking).
    pub fn key_modified(&mut self, key: &[u8]) {
        let db = self.session.db;
        self.key_modified_in(db, key);
    }

    /// [`Ctx::key_modified`] for another database.
    pub fn key_modified_in(&mut self, db: usize, key: &[u8]) {
        self.state.dirty += 1;
        self.state.touch_watched(db, key);
        self.state.blocking.signal(db, key);
    }

    /// Publishes a keyspace event for `key` in the selected database if
    /// `notify-keyspace-events` enables `class`.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.session.db;
        self.notify_in(db, class, event, key);
    }

    /// [`Ctx::notify`] for another database.
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        self.state.notify_keyspace_event(db, class, event, key);
    }

    fn key_expired(&mut self, db: usize, key: &[u8]) {
        self.notify_in(db, crate::config::notify::EXPIRED, "expired", key);
        self.key_modified_in(db, key);
    }

    /// Deletes `key` from the selected database; true if it existed.
    pub fn delete(&mut self, key: &[u8]) -> bool {
        if self.lookup_write(key).is_none() {
            return false;
        }
        self.db().remove(key);
        true
    }
}
