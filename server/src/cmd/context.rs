//! The context a command runs in: [`Ctx`] (the locked state, the calling
//! [`Client`], the [`Host`], the arguments and the reply buffer), where it
//! was called from ([`Caller`]), and what the connection does after it
//! ([`After`]).
//!
//! The helpers every family uses to look keys up (lazy expiry, access
//! time, hit/miss counts) and to announce a change (WATCH, blocked
//! clients, keyspace notifications) are [`Ctx`]'s methods.

use bytes::Bytes;

use super::host::Host;
use super::{CommandSpec, keys};
use crate::db::{Db, Entry, Lookup};
use crate::protocol::{Out, Resp};
use crate::script::RunStart;
use crate::state::waiters::BlockRequest;
use crate::state::{ClientId, State};

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

/// One client of the server as its commands see it: who it is, where it
/// is (database, protocol), whether it logged in, and its transaction.
///
/// A connection's session owns one; so do the stand-ins Redis itself
/// runs commands as — a script's client (its own database and protocol
/// version, as Redis's Lua client), a blocked client being served, and
/// the test's direct access (id 0, which no connection has). The state
/// keeps what other clients must see of it (name, subscriptions, watched
/// keys) in its client registry, under the same id.
#[derive(Debug)]
pub struct Client {
    /// CLIENT ID.
    pub id: ClientId,
    /// SELECTed database.
    pub db: usize,
    /// Protocol version of replies.
    pub resp: Resp,
    /// Whether AUTH (or HELLO … AUTH) succeeded, or no password was
    /// needed when it connected.
    pub authenticated: bool,
    /// The ACL user it runs as (`default` until AUTH says otherwise).
    pub user: Bytes,
    /// The ACL generation at which its user was found to allow every
    /// command, key and channel (0: not known): until the users change,
    /// its commands need no ACL check.
    pub acl_clear: u64,
    /// The open transaction, between MULTI and EXEC/DISCARD.
    pub multi: Option<Multi>,
    /// CLIENT REPLY: whether replies are sent.
    pub reply: ReplyMode,
    /// When the previous command ended (microseconds from a fixed instant
    /// of the process), while the state lock has been held since: the
    /// next command's start. A pipelined command then costs one clock read
    /// and one conversion for its duration instead of two of each (clock
    /// reads were a tenth of the server's time at `-P 16`).
    pub(crate) since: Option<u64>,
    /// Set when a command took long (see [`Client::take_ran_long`]).
    pub(crate) ran_long: bool,
}

impl Client {
    /// A client `id` in database `db`, speaking `resp`.
    pub fn new(id: ClientId, db: usize, resp: Resp, authenticated: bool) -> Client {
        Client {
            id,
            db,
            resp,
            authenticated,
            user: Bytes::from_static(b"default"),
            acl_clear: 0,
            multi: None,
            reply: ReplyMode::On,
            since: None,
            ran_long: false,
        }
    }

    /// Makes the next command time itself from its own start rather than
    /// from the previous command's end (something else ran in between).
    pub fn forget_since(&mut self) {
        self.since = None;
    }

    /// Whether the last command ran long enough that a transport batching
    /// commands under one lock should let other clients in now (a long
    /// script, a big SORT…). Reading clears it.
    pub fn take_ran_long(&mut self) -> bool {
        std::mem::take(&mut self.ran_long)
    }
}

/// Whether a client's replies are sent (CLIENT REPLY).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReplyMode {
    /// Every reply is sent.
    #[default]
    On,
    /// No reply is sent (CLIENT REPLY OFF), until CLIENT REPLY ON.
    Off,
    /// The reply of the command being run is not sent.
    Skip,
    /// The next command's reply will not be sent (set by CLIENT REPLY
    /// SKIP, which is itself answered by nothing).
    SkipNext,
}

impl ReplyMode {
    /// Whether the reply of the command that ran is withheld.
    pub fn withholds(self) -> bool {
        matches!(self, ReplyMode::Off | ReplyMode::Skip)
    }

    /// The mode once a command is done (Redis's `resetClient`): a skipped
    /// reply skips one command; CLIENT REPLY SKIP's skip starts now.
    pub fn after_command(self) -> ReplyMode {
        match self {
            ReplyMode::Skip => ReplyMode::On,
            ReplyMode::SkipNext => ReplyMode::Skip,
            mode => mode,
        }
    }
}

/// A transaction being queued between MULTI and EXEC.
#[derive(Debug, Default)]
pub struct Multi {
    /// The queued commands with their arguments.
    pub queue: Vec<(&'static CommandSpec, Vec<Bytes>)>,
    /// Set when a command was rejected while queueing: EXEC will abort.
    pub dirty: bool,
}

/// Everything a command runs with.
pub struct Ctx<'a> {
    /// The server state, locked.
    pub state: &'a mut State,
    /// The calling client.
    pub client: &'a mut Client,
    /// What the command may ask of the server beyond the state.
    pub host: &'a dyn Host,
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
    pub block: Option<BlockRequest>,
    /// When a blocked client is served: the key that became ready, which
    /// the command must serve from.
    pub ready_key: Option<&'a [u8]>,
    /// Set by a command that finishes off the lock (MIGRATE waiting on
    /// its target): its reply will arrive here, and the client waits for
    /// it as a blocked client does.
    pub detached: Option<tokio::sync::oneshot::Receiver<Vec<u8>>>,
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

    /// What a script run by this command starts as: the caller's id and
    /// database, this command's time, the command itself.
    pub fn run_start(&self) -> RunStart<'a> {
        RunStart {
            client: self.client.id,
            db: self.client.db,
            now: self.now,
            now_us: self.now_us,
            command: self.args,
            user: self.client.user.clone(),
        }
    }

    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        &mut self.state.dbs[self.client.db]
    }

    /// Index of the selected database.
    pub fn db_index(&self) -> usize {
        self.client.db
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
        self.lookup_inner(self.client.db, key, true, true)
    }

    /// Looks a key up for writing: lazy expiry and access time, no stats.
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(self.client.db, key, true, false)
    }

    /// Looks a key up without touching its access time (TYPE, OBJECT, TTL…).
    pub fn lookup_notouch(&mut self, key: &[u8]) -> Option<&mut Entry> {
        self.lookup_inner(self.client.db, key, false, false)
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
        self.block = Some(BlockRequest {
            keys: keys.iter().map(|k| crate::db::Blob::new(k)).collect(),
            deadline,
            args: None,
            timeout_reply: None,
        });
    }

    /// [`Ctx::block`], to be run again as `args` rather than as sent
    /// (XREAD's `$` replaced by the ID it stood for when it blocked).
    pub fn block_as(&mut self, keys: &[&[u8]], deadline: Option<i64>, args: Vec<Bytes>) {
        self.block(keys, deadline);
        if let Some(request) = &mut self.block {
            request.args = Some(args);
        }
    }

    /// Records that `key` of the selected database was changed by this
    /// command: Redis's `signalModifiedKey` (WATCH, client tracking).
    pub fn key_modified(&mut self, key: &[u8]) {
        let db = self.client.db;
        self.key_modified_in(db, key);
    }

    /// [`Ctx::key_modified`] for another database.
    pub fn key_modified_in(&mut self, db: usize, key: &[u8]) {
        self.state.dirty += 1;
        self.state.touch_watched(db, key);
        self.state.blocking.signal(db, key);
        if self.state.tracking.active() {
            let by = self.client.id;
            self.state.invalidate_tracked_key(key, Some(by));
        }
    }

    /// Publishes a keyspace event for `key` in the selected database if
    /// `notify-keyspace-events` enables `class`.
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.client.db;
        self.notify_in(db, class, event, key);
    }

    /// [`Ctx::notify`] for another database.
    pub fn notify_in(&mut self, db: usize, class: u32, event: &str, key: &[u8]) {
        self.state.notify_keyspace_event(db, class, event, key);
    }

    fn key_expired(&mut self, db: usize, key: &[u8]) {
        let now = self.now;
        self.state.repl.expired(db, key, now);
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
