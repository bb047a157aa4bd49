//! The server core: [`Shared`], what every connection of one server
//! shares — the state behind its one lock, the clock, the fault registry,
//! the client arrivals queued while a script holds the lock, the counters
//! the transports keep without the lock, and the ticker that purges
//! expired keys and times out blocked clients for clocks that move by
//! themselves.
//!
//! It is the commands' host: it implements [`cmd::Host`](crate::cmd::Host),
//! the narrow interface through which a command reaches beyond the state
//! (shutdown, CLIENT PAUSE, configuration the transports read without the
//! lock). It knows nothing of sockets or of the `Server` handle.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::runtime::Handle;
use tokio::sync::Notify;

use crate::clock::{Clock, ClockListener};
use crate::config::Config;
use crate::fault::Faults;
use crate::state::{ClientId, ClientInfo, KillSwitch, State};

mod busy;
mod gate;
mod host;
mod migrate;

pub use busy::{BusyCall, BusyOutcome};
pub use gate::{FaultGate, Prior};

/// The configuration values transports need without the state lock (a
/// long script holds it, and Redis still accepts and reads clients then).
#[derive(Debug)]
pub struct Mirror {
    /// Whether new connections must authenticate (the default user has a
    /// password, or is off): ACL changes keep it current.
    pub auth_required: AtomicBool,
    /// `proto-max-bulk-len`.
    pub max_bulk_len: AtomicI64,
    /// `client-query-buffer-limit`.
    pub query_limit: AtomicI64,
    /// `maxclients`.
    pub maxclients: AtomicU64,
    /// `lua-time-limit` in ms.
    pub busy_ms: AtomicU64,
}

impl Mirror {
    fn of(config: &Config) -> Mirror {
        let m = Mirror {
            auth_required: AtomicBool::new(false),
            max_bulk_len: AtomicI64::new(0),
            query_limit: AtomicI64::new(0),
            maxclients: AtomicU64::new(0),
            busy_ms: AtomicU64::new(0),
        };
        m.refresh(config);
        m
    }

    /// Copies the current values from `config`.
    pub fn refresh(&self, config: &Config) {
        self.max_bulk_len
            .store(config.proto_max_bulk_len(), Ordering::Relaxed);
        self.query_limit
            .store(config.client_query_buffer_limit(), Ordering::Relaxed);
        self.maxclients
            .store(config.maxclients(), Ordering::Relaxed);
        self.busy_ms.store(
            u64::try_from(config.lua_time_limit_ms()).unwrap_or(0),
            Ordering::Relaxed,
        );
    }
}

/// Client arrivals and departures that happened while the state was
/// locked by someone else; applied the next time it is locked.
#[derive(Default)]
struct Arrivals {
    arrived: Vec<ClientInfo>,
    left: Vec<ClientId>,
}

/// What every connection of a server shares.
pub struct Shared {
    /// The one lock over everything commands see.
    pub state: Mutex<State>,
    /// The server clock.
    pub clock: Clock,
    /// Where server tasks run.
    pub runtime: Handle,
    /// The TCP address, if listening.
    pub addr: Option<SocketAddr>,
    /// Bytes read from TCP clients (INFO total_net_input_bytes).
    pub net_input: AtomicU64,
    /// Bytes written to TCP clients (INFO total_net_output_bytes).
    pub net_output: AtomicU64,
    next_client_id: AtomicU64,
    closed: AtomicBool,
    shutdown: Notify,
    /// The script running now, if any, for BUSY and SCRIPT KILL (read
    /// without the state lock, which the script holds).
    pub running_script: Mutex<Option<Arc<crate::script::Running>>>,
    /// Configuration values read without the state lock.
    pub mirror: Mirror,
    /// Connections accepted and not yet gone (for `maxclients`).
    pub connected: AtomicUsize,
    /// Connections refused by `maxclients` (INFO rejected_connections).
    pub rejected: AtomicU64,
    arrivals: Mutex<Arrivals>,
    /// Set after queueing into `arrivals`, so that the lock holder can skip
    /// it with one atomic when nothing is queued.
    any_arrivals: AtomicBool,
    switches: Mutex<HashMap<ClientId, Arc<KillSwitch>>>,
    /// Wakes the ticker when a waiter with an earlier deadline arrives.
    pub(crate) ticker: Notify,
    /// Whether the clock wakes the server at its deadlines (a Tokio
    /// clock): then `wake_at` must be kept current.
    wake_hints: bool,
    /// The first server-clock microsecond at which something is due (a
    /// key to expire, a blocked client to time out); `i64::MAX` if none.
    wake_at: AtomicI64,
    pub(super) me: Weak<Shared>,
    /// Fault rules, pauses, partitions, power, and the command journal.
    pub faults: Arc<Faults>,
    /// Commands waiting to run while a script is busy, and replies given
    /// without the lock, to count.
    busy: busy::BusyQueue,
    /// The `user` lines the server started with (set again by a restart).
    pub startup_users: Mutex<Vec<String>>,
    /// Starts a replica's link to its primary: the link runs above the
    /// server core, which is handed this when the server is built.
    pub link_starter: std::sync::OnceLock<fn(&Arc<Shared>)>,
    /// MIGRATE's connections to its targets.
    pub migrate_sockets: migrate::MigrateSockets,
}

impl Shared {
    /// The core of a server starting with `state`, reading `clock`,
    /// running its tasks on `runtime`, listening on `addr` if any. The
    /// clock is told to report its moves to it.
    pub fn new(
        state: State,
        clock: Clock,
        runtime: Handle,
        addr: Option<SocketAddr>,
        faults: Faults,
    ) -> Arc<Shared> {
        let faults = Arc::new(faults);
        let mirror = Mirror::of(&state.config);
        mirror
            .auth_required
            .store(state.acl.auth_required(), Ordering::Relaxed);
        let shared = Arc::new_cyclic(|me| Shared {
            state: Mutex::new(state),
            wake_hints: clock.wants_wake_hints(),
            clock: clock.clone(),
            runtime,
            addr,
            net_input: AtomicU64::new(0),
            net_output: AtomicU64::new(0),
            next_client_id: AtomicU64::new(1),
            closed: AtomicBool::new(false),
            shutdown: Notify::new(),
            ticker: Notify::new(),
            wake_at: AtomicI64::new(i64::MAX),
            running_script: Mutex::new(None),
            mirror,
            connected: AtomicUsize::new(0),
            rejected: AtomicU64::new(0),
            arrivals: Mutex::new(Arrivals::default()),
            any_arrivals: AtomicBool::new(false),
            switches: Mutex::new(HashMap::new()),
            me: me.clone(),
            faults,
            busy: busy::BusyQueue::default(),
            startup_users: Mutex::new(Vec::new()),
            link_starter: std::sync::OnceLock::new(),
            migrate_sockets: migrate::MigrateSockets::default(),
        });
        let listener: Weak<dyn ClockListener> = Arc::downgrade(&shared) as _;
        clock.subscribe(listener);
        shared
    }

    /// A fresh client id (CLIENT ID), increasing from 1.
    pub fn next_client_id(&self) -> u64 {
        self.next_client_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Whether the server has been shut down.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits until the server shuts down.
    pub async fn closed(&self) {
        loop {
            let notified = self.shutdown.notified();
            if self.is_closed() {
                return;
            }
            notified.await;
        }
    }

    /// Shuts the server down from inside (SHUTDOWN): stops a running
    /// script, then closes every connection and the listener.
    pub fn shutdown(&self) {
        if let Some(running) = self.running_script.lock().as_ref() {
            running.kill();
        }
        self.close_now();
    }

    /// Closes every connection and the listener (the handle is dropped).
    pub fn close(&self) {
        self.close_now();
    }

    fn close_now(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.shutdown.notify_waiters();
        self.kill_clients();
    }

    /// Drops every connection (shutdown, restart, power off).
    pub fn kill_clients(&self) {
        for switch in self.switches.lock().values() {
            switch.kill();
        }
    }

    /// Zeroes the counters a process restart zeroes.
    pub fn reset_counters(&self) {
        self.net_input.store(0, Ordering::Relaxed);
        self.net_output.store(0, Ordering::Relaxed);
        self.rejected.store(0, Ordering::Relaxed);
    }

    /// Registers a new client: at once if the state is free, else at the
    /// next lock (a busy script must not keep clients from connecting).
    pub fn register(&self, info: ClientInfo) {
        self.connected.fetch_add(1, Ordering::SeqCst);
        self.switches.lock().insert(info.id, Arc::clone(&info.kill));
        match self.state.try_lock() {
            Some(mut state) => {
                self.sync_arrivals(&mut state);
                state.stats.connections_received += 1;
                state.clients.insert(info.id, info);
            }
            None => {
                let mut arrivals = self.arrivals.lock();
                arrivals.arrived.push(info);
                self.any_arrivals.store(true, Ordering::Release);
            }
        }
    }

    /// Removes a client that is gone, now or at the next lock.
    pub fn unregister(&self, id: ClientId) {
        self.connected.fetch_sub(1, Ordering::SeqCst);
        self.switches.lock().remove(&id);
        match self.state.try_lock() {
            Some(mut state) => {
                self.sync_arrivals(&mut state);
                state.remove_client(id);
            }
            None => {
                let mut arrivals = self.arrivals.lock();
                arrivals.left.push(id);
                self.any_arrivals.store(true, Ordering::Release);
            }
        }
    }

    /// Applies the arrivals and departures queued while the state was
    /// busy. Called by whoever holds the lock.
    pub fn sync_arrivals(&self, state: &mut State) {
        self.apply_unlocked_counts(state);
        // Nearly always nothing is queued: one atomic load, not a lock.
        if !self.any_arrivals.load(Ordering::Acquire)
            || !self.any_arrivals.swap(false, Ordering::Acquire)
        {
            return;
        }
        let pending = std::mem::take(&mut *self.arrivals.lock());
        for info in pending.arrived {
            state.stats.connections_received += 1;
            state.clients.insert(info.id, info);
        }
        for id in pending.left {
            state.remove_client(id);
        }
    }

    /// What time passing does to the state without any command (server
    /// clock at `now` ms): clients that arrived meanwhile are registered, a
    /// CLIENT PAUSE that ended lets expiry go on, keys and blocked clients
    /// that came due are purged and timed out (as before every command),
    /// the clients blocked on keys that expired are served (a group reader
    /// whose stream expired is told so, as Redis's `beforeSleep` does),
    /// idle clients are closed.
    fn time_passed(&self, state: &mut State, now: i64) {
        self.sync_arrivals(state);
        state.now_ms = now;
        self.release_expiry_after_pause(state, now);
        state.housekeep(now);
        if state.blocking.has_ready() {
            let mut world = crate::cmd::exec::World {
                state: &mut *state,
                host: self,
                now,
                now_us: now.saturating_mul(1000),
            };
            crate::cmd::exec::serve_ready(&mut world);
        }
        if state.tracking.active() {
            // Keys that expired, to the clients that cache them by prefix.
            state.flush_tracking(None);
        }
        state.close_idle_clients(now);
        if state.repl.failover.is_some() {
            crate::cmd::repl::tick(state, self, now);
        }
    }

    /// The replication role changed: a replica's link is started (the
    /// link of a former role ends by itself).
    pub fn replication_changed(&self) {
        if let (Some(start), Some(me)) = (self.link_starter.get(), self.me.upgrade()) {
            start(&me);
        }
    }

    /// Purges what the clock's move made due. Called when a manual clock
    /// moves, before the move returns to the test, and when a Tokio clock
    /// reaches the deadline in `wake_at`.
    fn on_clock_moved(&self) {
        let now_us = self.clock.now_micros();
        let now = now_us.div_euclid(1000);
        let mut state = self.state.lock();
        self.time_passed(&mut state, now);
        drop(state);
        self.faults.tick(now_us);
        if self.wake_hints {
            let state = self.state.lock();
            self.refresh_wake(&state);
        }
    }

    /// Lets expiry go on once the CLIENT PAUSE that held it has ended (by
    /// its timeout: CLIENT UNPAUSE lets it go itself).
    pub fn release_expiry_after_pause(&self, state: &mut State, now: i64) {
        if state.expiry_held && !self.faults.client_paused(now) {
            state.hold_expiry(false, now);
        }
    }

    /// Keeps `wake_at` current for a clock that wakes the server at its
    /// deadlines; costs nothing for other clocks. Called by whoever holds
    /// the state lock after a change that may add an earlier deadline
    /// (a key's expiry, a blocked client's timeout, a fault's delay or a
    /// CLIENT PAUSE on the server clock).
    pub fn refresh_wake(&self, state: &State) {
        if !self.wake_hints {
            return;
        }
        // Deadlines are strict: what is due at millisecond d is due once
        // the clock reads d + 1.
        let next = [state.next_deadline(), state.blocking.next_deadline()]
            .into_iter()
            .flatten()
            .min()
            .map_or(i64::MAX, |d| d.saturating_add(1).saturating_mul(1000));
        // Fault timers are in microseconds and due once reached.
        let next = self.faults.next_deadline().map_or(next, |d| next.min(d));
        let before = self.wake_at.swap(next, Ordering::SeqCst);
        if next < before {
            self.clock.wake_hint_changed();
        }
    }
}

impl ClockListener for Shared {
    fn clock_moved(&self) {
        self.on_clock_moved();
    }

    fn next_wake_micros(&self) -> Option<i64> {
        let at = self.wake_at.load(Ordering::SeqCst);
        (at != i64::MAX).then_some(at)
    }
}

/// With a clock that moves by itself, time passes without anyone calling:
/// this task purges expired keys in the background (ten times a second,
/// Redis's default `hz`), so that memory and DBSIZE follow time even when
/// nobody touches the keys, and times blocked clients out on the dot (it
/// sleeps until the next deadline, woken early when an earlier one
/// arrives). Manual clocks need none of it: their moves do the work.
pub async fn ticker(shared: Weak<Shared>) {
    loop {
        let Some(sh) = shared.upgrade() else {
            return;
        };
        if sh.is_closed() {
            return;
        }
        let wait = {
            let now = sh.clock.now_millis();
            // A long script holds the state: try again on the next tick
            // rather than block a worker the server needs.
            let Some(mut state) = sh.state.try_lock() else {
                drop(sh);
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            sh.time_passed(&mut state, now);
            // Deadlines are strict: a waiter times out once the clock is
            // past its deadline, i.e. at deadline + 1 ms. A drifting clock
            // gets there sooner or later than real time does.
            let rate = sh.clock.rate();
            let real_ms = |clock_ms: i64| (clock_ms as f64 / rate).ceil().clamp(1.0, 100.0) as i64;
            let blocked = state
                .blocking
                .next_deadline()
                .map_or(100, |d| real_ms(d + 1 - now));
            drop(state);
            // Fault delays and CLIENT PAUSE end when the clock reaches them.
            let now_us = sh.clock.now_micros();
            sh.faults.tick(now_us).map_or(blocked, |d| {
                blocked.min(real_ms((d - now_us).div_euclid(1000)))
            })
        };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(wait as u64)) => {}
            () = sh.ticker.notified() => {}
            () = sh.closed() => return,
        }
    }
}
