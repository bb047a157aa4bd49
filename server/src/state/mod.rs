//! [`State`]: everything a command may read or change, behind the one lock.
//!
//! One `parking_lot::Mutex<State>` held for a whole command (or a whole
//! MULTI/EXEC, or a whole script) is what gives redsim Redis's atomicity:
//! no command ever sees another half done. The state holds the keyspace,
//! the registry of connected clients (for CLIENT LIST, WATCH and pub/sub,
//! which need to see other connections), the configuration and the
//! statistics that INFO reports.
//!
//! It does not hold anything a connection needs only for itself (its reply
//! buffer, its parser, its MULTI queue): that is the command layer's
//! client and the transports' session.
//!
//! Beside the keyspace it owns the registries a command may need to see
//! across clients: [`clients`] (who is connected), [`channels`] (who
//! listens to what) and [`waiters`] (who is blocked on which keys). The Lua
//! engine lives here too, but is the `script` module's.

pub mod acl;
pub mod channels;
pub mod clients;
pub mod introspect;
pub mod repl;
pub mod tracking;
pub mod waiters;

use std::collections::{BTreeMap, HashMap};

pub use clients::{ClientId, ClientInfo, KillSwitch, Outbox};

use crate::config::Config;
use crate::db::{Blob, Db};

/// Counters reported by INFO stats and INFO commandstats.
#[derive(Debug, Default)]
pub struct Stats {
    /// total_connections_received.
    pub connections_received: u64,
    /// total_commands_processed.
    pub commands_processed: u64,
    /// rejected_connections (maxclients).
    pub rejected_connections: u64,
    /// expired_keys.
    pub expired_keys: u64,
    /// keyspace_hits.
    pub keyspace_hits: u64,
    /// keyspace_misses.
    pub keyspace_misses: u64,
    /// total_error_replies.
    pub error_replies: u64,
    /// Per full command name: (calls, microseconds, rejected, failed).
    pub commands: BTreeMap<&'static str, CommandStat>,
    /// Per error code (`ERR`, `WRONGTYPE`…): count.
    pub errors: BTreeMap<String, u64>,
}

/// INFO commandstats figures for one command.
#[derive(Debug, Default, Clone, Copy)]
pub struct CommandStat {
    /// Successful and failed executions.
    pub calls: u64,
    /// Total time spent executing, in microseconds.
    pub usec: u64,
    /// Calls rejected before execution (arity, auth…).
    pub rejected: u64,
    /// Calls that executed and replied with an error.
    pub failed: u64,
    /// LATENCY HISTOGRAM: calls by reporting level of their duration
    /// (see [`introspect::histogram_level`]).
    pub histogram: [u64; introspect::HISTOGRAM_LEVELS],
}

/// The state shared by every connection of one server.
pub struct State {
    /// The sixteen databases.
    pub dbs: Vec<Db>,
    /// Connected clients by id.
    pub clients: BTreeMap<ClientId, ClientInfo>,
    /// CONFIG GET / SET parameters.
    pub config: Config,
    /// INFO counters.
    pub stats: Stats,
    /// 40 hex characters, new at every start and restart.
    pub run_id: String,
    /// Server-clock milliseconds at start.
    pub start_ms: i64,
    /// Changes since start (INFO's rdb_changes_since_last_save).
    pub dirty: u64,
    /// Deterministic randomness for RANDOMKEY, SPOP, sampling.
    pub rng: fastrand::Rng,
    /// Seed of the keyspace hashers.
    pub hash_seed: u64,
    /// TCP port reported by INFO, 0 when not listening.
    pub port: u16,
    /// The server's own executable path, for INFO (`executable`).
    pub executable: String,
    /// Who WATCHes each (database, key).
    pub watched_keys: HashMap<(usize, Blob), Vec<ClientId>>,
    /// Clients blocked in BLPOP and friends.
    pub blocking: waiters::Blocking,
    /// Channel and pattern subscribers.
    pub pubsub: channels::PubSub,
    /// The client whose command is running: messages for it go into its
    /// reply stream (see [`channels`]).
    pub current_client: Option<ClientId>,
    /// Messages for the current client, written ahead of its reply.
    pub current_pushes: Vec<u8>,
    /// The Lua engine and script cache, created by the first script.
    pub scripting: Option<Box<crate::script::Engine<State>>>,
    /// The FUNCTION libraries' Lua engine (a state of its own, as in
    /// Redis), created by the first FUNCTION LOAD.
    pub functions: Option<Box<crate::script::Engine<State>>>,
    /// `math.random`'s state kept across SCRIPT FLUSH (which drops the
    /// engine) until the next engine is created.
    pub script_random: Option<u64>,
    /// Bytes the Lua heap may hold ([`crate::ServerBuilder::lua_memory_limit`]).
    pub lua_memory_limit: usize,
    /// Whether expiry is held by a CLIENT PAUSE ([`State::hold_expiry`]).
    pub expiry_held: bool,
    /// Server-clock ms when the running command started (for what has no
    /// command context at hand, as pub/sub's soft output limit).
    pub now_ms: i64,
    /// The ACL users and log.
    pub acl: acl::Acl,
    /// Replication: role, ids, offsets, backlog, replicas.
    pub repl: repl::Repl,
    /// Client-side caching: who may have which keys cached.
    pub tracking: tracking::Tracking,
    /// MONITOR clients, SLOWLOG and the latency monitor.
    pub introspect: introspect::Introspection,
    /// This node's view of its cluster, in cluster mode.
    pub cluster: Option<Box<crate::cluster::ClusterView>>,
}

impl State {
    /// A fresh state for a server seeded with `seed`.
    pub fn new(seed: u64, config: Config, start_ms: i64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let hash_seed = rng.u64(..);
        let run_id = random_hex(&mut rng, 40);
        let acl = acl::Acl::new(config.requirepass());
        let introspect = introspect::Introspection::new(&config);
        State {
            dbs: (0..config.databases())
                .map(|i| Db::new(hash_seed ^ i as u64))
                .collect(),
            clients: BTreeMap::new(),
            config,
            stats: Stats::default(),
            run_id,
            start_ms,
            dirty: 0,
            rng,
            hash_seed,
            port: 0,
            executable: String::new(),
            watched_keys: HashMap::new(),
            blocking: waiters::Blocking::default(),
            pubsub: channels::PubSub::default(),
            current_client: None,
            current_pushes: Vec::new(),
            scripting: None,
            functions: None,
            script_random: None,
            lua_memory_limit: crate::script::DEFAULT_MEMORY_LIMIT,
            expiry_held: false,
            now_ms: start_ms,
            acl,
            // Its own generator: the seeded draws of the rest stay as
            // they were before replication existed.
            repl: repl::Repl::new(repl::fresh_replid(seed)),
            tracking: tracking::Tracking::default(),
            introspect,
            cluster: None,
        }
    }

    /// Forgets a client that is gone: its watches, its wait, its
    /// subscriptions, its entry.
    pub fn remove_client(&mut self, id: ClientId) {
        self.disable_tracking(id);
        self.introspect.monitors.retain(|&m| m != id);
        self.unwatch_all(id);
        self.repl.forget_client(id);
        self.blocking.forget(id);
        self.unsubscribe_all(id);
        self.clients.remove(&id);
        if let Some(cluster) = &mut self.cluster {
            cluster.forget_client(id);
        }
    }

    /// WATCH: `client` watches `key` of `db`.
    pub fn watch(&mut self, client: ClientId, db: usize, key: &[u8]) {
        let Some(info) = self.clients.get_mut(&client) else {
            return;
        };
        if info
            .watching
            .iter()
            .any(|(d, k)| *d == db && k.as_slice() == key)
        {
            return;
        }
        let key = Blob::new(key);
        info.watching.push((db, key.clone()));
        self.watched_keys.entry((db, key)).or_default().push(client);
    }

    /// UNWATCH (also after EXEC, DISCARD, RESET and disconnection).
    pub fn unwatch_all(&mut self, client: ClientId) {
        let Some(info) = self.clients.get_mut(&client) else {
            return;
        };
        info.cas_dirty = false;
        for (db, key) in std::mem::take(&mut info.watching) {
            let slot = (db, key);
            if let Some(watchers) = self.watched_keys.get_mut(&slot) {
                watchers.retain(|&c| c != client);
                if watchers.is_empty() {
                    self.watched_keys.remove(&slot);
                }
            }
        }
    }

    /// A key changed (Redis's `touchWatchedKey`): its watchers' next EXEC fails.
    pub fn touch_watched(&mut self, db: usize, key: &[u8]) {
        if self.watched_keys.is_empty() {
            return;
        }
        let Some(watchers) = self.watched_keys.get(&(db, Blob::new(key))) else {
            return;
        };
        for c in watchers {
            if let Some(info) = self.clients.get_mut(c) {
                info.cas_dirty = true;
            }
        }
    }

    /// A database is emptied or swapped (FLUSHDB, FLUSHALL, SWAPDB): every
    /// watched key of `db` that exists in it — or in `other`, the database
    /// that takes its place — counts as changed, as Redis's
    /// `touchAllWatchedKeysInDb` decides. The clients blocked on keys of
    /// `db` are tried again (an XREADGROUP whose stream went is told so).
    pub fn touch_watched_db(&mut self, db: usize, other: Option<usize>, now: i64) {
        self.blocking.signal_db(db);
        if self.watched_keys.is_empty() {
            return;
        }
        let mut dirty = Vec::new();
        for ((d, key), watchers) in &self.watched_keys {
            if *d != db {
                continue;
            }
            let exists = self.dbs[db].contains(key, now)
                || other.is_some_and(|o| self.dbs[o].contains(key, now));
            if exists {
                dirty.extend(watchers.iter().copied());
            }
        }
        for c in dirty {
            if let Some(info) = self.clients.get_mut(&c) {
                info.cas_dirty = true;
            }
        }
    }

    /// What every command does first: keys past their deadline are
    /// purged, and blocked clients past theirs time out.
    pub fn housekeep(&mut self, now: i64) {
        if self.next_deadline().is_some_and(|d| d < now) {
            self.purge_expired(now);
        }
        if self.blocking.next_deadline().is_some_and(|d| d < now) {
            self.blocking.expire(now);
        }
    }

    /// Holds expiry while a CLIENT PAUSE is in force, as Redis 7.0 does:
    /// keys past their deadline read as missing but are neither deleted
    /// (DBSIZE still counts them) nor announced. Letting go purges what
    /// came due meanwhile, at once.
    pub fn hold_expiry(&mut self, held: bool, now: i64) {
        if self.expiry_held == held {
            return;
        }
        self.expiry_held = held;
        // A replica's expiry stays held whatever the pause does.
        let held = held || self.repl.holds_expiry;
        for db in &mut self.dbs {
            db.hold_expiry(held);
        }
        if !held {
            self.purge_expired(now);
        }
    }

    /// Removes every key whose deadline is at or before `now` in every
    /// database, counting them in INFO's expired_keys (nothing while
    /// expiry is held).
    pub fn purge_expired(&mut self, now: i64) {
        let mut expired = 0u64;
        let mut touched = Vec::new();
        let track = !self.watched_keys.is_empty()
            || self.blocking.len() > 0
            || self.repl.on
            || self.tracking.active()
            || self.config.notify_keyspace_events() & crate::config::notify::EXPIRED != 0;
        for (i, db) in self.dbs.iter_mut().enumerate() {
            if db.expires_len() == 0 {
                continue;
            }
            db.purge_expired(now, |key| {
                expired += 1;
                if track {
                    touched.push((i, key));
                }
            });
        }
        self.stats.expired_keys += expired;
        for (db, key) in touched {
            self.notify_keyspace_event(db, crate::config::notify::EXPIRED, "expired", &key);
            self.touch_watched(db, &key);
            self.blocking.signal(db, &key);
            self.repl.expired(db, &key, now);
            if self.tracking.active() {
                self.invalidate_tracked_key(&key, None);
            }
        }
    }

    /// Closes clients idle for more than `timeout` seconds of server
    /// time, as Redis's clientsCron does: blocked clients (they have their
    /// own timeout) and subscribers (they only listen) are spared.
    pub fn close_idle_clients(&mut self, now: i64) {
        let timeout = self.config.timeout_secs();
        if timeout <= 0 {
            return;
        }
        for c in self.clients.values() {
            let idle_secs = (now - c.last_ms) / 1000;
            let subscribed =
                !c.channels.is_empty() || !c.patterns.is_empty() || !c.shard_channels.is_empty();
            if idle_secs > timeout && !subscribed && !self.blocking.is_blocked(c.id) {
                c.kill.kill();
            }
        }
    }

    /// The earliest deadline over all databases.
    pub fn next_deadline(&self) -> Option<i64> {
        self.dbs.iter().filter_map(Db::next_deadline).min()
    }

    /// The LRU clock value for `now` (server-clock seconds, 24 bits, as
    /// Redis's `LRU_CLOCK`).
    pub fn lru_clock(now_ms: i64) -> u32 {
        ((now_ms / 1000) as u64 & 0xFF_FFFF) as u32
    }
}

/// The stand-in a script's run context holds between runs (the real state
/// is swapped in for the run): never seen by a command.
impl Default for State {
    fn default() -> Self {
        State::new(0, Config::default(), 0)
    }
}

/// `len` random lowercase hex digits.
pub fn random_hex(rng: &mut fastrand::Rng, len: usize) -> String {
    const HEX: &[u8] = b"0123456789abcdef";
    (0..len).map(|_| HEX[rng.usize(..16)] as char).collect()
}
