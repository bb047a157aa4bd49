//! The test's hands on a running server: [`Server::fault`] and
//! [`Server::set_error`], the server-wide verbs in pairs (pause / resume,
//! partition / heal, power off / on, and restart), and the journal.
//!
//! This module owns those methods; what they change lives in the fault
//! registry, the state and the transports.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::Handle;

use super::{Server, ServerBuilder};
use crate::conn::tcp;
use crate::fault::{FaultGuard, Journal, PauseMode, Rule};
use crate::state::State;

impl ServerBuilder {
    /// Records every command clients send in a journal of `capacity`
    /// entries (the oldest are forgotten first); see [`Server::journal`].
    pub fn journal(mut self, capacity: usize) -> Self {
        self.journal = Some(capacity);
        self
    }
}

impl Server {
    /// Installs a fault rule after those already installed; it applies
    /// until the returned guard is dropped.
    ///
    /// ```
    /// use redsim::{Rule, Server, errors};
    ///
    /// let server = Server::start().unwrap();
    /// let _loading = server.fault(Rule::command("GET").times(1).error(errors::LOADING));
    /// let mut con = server.connection();
    /// let err = redis::cmd("GET").arg("k").query::<Option<String>>(&mut con).unwrap_err();
    /// assert_eq!(err.code(), Some("LOADING"));
    /// // Only once: a client that retries gets through.
    /// assert_eq!(redis::cmd("GET").arg("k").query::<Option<String>>(&mut con).unwrap(), None);
    /// ```
    pub fn fault(&self, rule: Rule) -> FaultGuard {
        let (id, counters) = self.shared.faults.add_rule(rule);
        FaultGuard {
            faults: Arc::downgrade(&self.shared.faults),
            id,
            counters,
        }
    }

    /// Answers every client command with the error `text` (its code first,
    /// as `"ERR something"`), ahead of any rule, until called with `None`.
    /// QUIT still closes the connection.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let mut con = server.connection();
    /// server.set_error(Some("ERR maintenance"));
    /// let err = redis::cmd("PING").query::<String>(&mut con).unwrap_err();
    /// assert_eq!((err.code(), err.detail()), (Some("ERR"), Some("maintenance")));
    /// server.set_error(None);
    /// assert_eq!(redis::cmd("PING").query::<String>(&mut con).unwrap(), "PONG");
    /// ```
    pub fn set_error(&self, text: Option<&str>) {
        self.shared.faults.set_error(text.map(str::to_owned));
    }

    /// Pauses every client, as `CLIENT PAUSE … ALL` does: each command
    /// waits, unanswered, until [`Server::resume`]. A pause that clients
    /// set with CLIENT PAUSE runs its own course beside it.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let mut con = server.connection();
    /// server.pause();
    /// let client = std::thread::spawn(move || -> String {
    ///     redis::cmd("PING").query(&mut con).unwrap()
    /// });
    /// assert!(server.wait_paused_clients(1, Duration::from_secs(10)));
    /// server.resume();
    /// assert_eq!(client.join().unwrap(), "PONG");
    /// ```
    pub fn pause(&self) {
        self.shared.faults.set_test_pause(Some(PauseMode::All));
    }

    /// Pauses the commands that may write, as `CLIENT PAUSE … WRITE` does
    /// (reads go on), until [`Server::resume`].
    pub fn pause_writes(&self) {
        self.shared.faults.set_test_pause(Some(PauseMode::Write));
    }

    /// Ends [`Server::pause`] or [`Server::pause_writes`]: the waiting
    /// commands run, in no promised order.
    pub fn resume(&self) {
        self.shared.faults.set_test_pause(None);
    }

    /// How many clients wait for a pause (the test's or a CLIENT PAUSE) to
    /// end. INFO's `blocked_clients` counts them too, as Redis does.
    pub fn paused_clients(&self) -> usize {
        self.shared.faults.paused_clients()
    }

    /// Blocks the thread until at least `n` clients wait for a pause, or
    /// `timeout` passes; whether they do. The timeout guards against a
    /// broken test; from async code use [`Server::until_paused_clients`].
    pub fn wait_paused_clients(&self, n: usize, timeout: Duration) -> bool {
        self.shared.faults.wait_paused(n, timeout)
    }

    /// Waits until at least `n` clients wait for a pause.
    pub async fn until_paused_clients(&self, n: usize) {
        self.shared.faults.until_paused(n).await;
    }

    /// Cuts clients off by name: connections of clients whose name
    /// (CLIENT SETNAME, HELLO … SETNAME) matches the glob `name` are
    /// closed at once, and a client that takes such a name later is
    /// disconnected as soon as it does (its SETNAME is not answered).
    /// Other clients go on. Until [`Server::heal`] with the same `name`.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let mut worker = server.connection();
    /// let mut other = server.connection();
    /// redis::cmd("CLIENT").arg("SETNAME").arg("worker-1").exec(&mut worker).unwrap();
    /// server.partition("worker-*");
    /// let err = redis::cmd("PING").query::<String>(&mut worker).unwrap_err();
    /// assert!(err.is_connection_dropped());
    /// assert_eq!(redis::cmd("PING").query::<String>(&mut other).unwrap(), "PONG");
    /// server.heal("worker-*");
    /// ```
    pub fn partition(&self, name: &str) {
        self.shared.faults.partition(name.as_bytes());
        let mut state = self.shared.state.lock();
        self.shared.sync_arrivals(&mut state);
        for c in state.clients.values() {
            if self.shared.faults.is_partitioned(c.name.as_deref()) {
                c.kill.kill();
            }
        }
    }

    /// Ends a [`Server::partition`] made with the same `name`: clients so
    /// named may connect again (closed connections stay closed).
    pub fn heal(&self, name: &str) {
        self.shared.faults.heal(name.as_bytes());
    }

    /// Restarts the server as a process without persistence would: every
    /// connection is dropped, every key lost, CONFIG back to the startup
    /// configuration, the script cache empty (EVALSHA answers NOSCRIPT),
    /// pub/sub and blocked clients gone, a new `run_id` and uptime in INFO,
    /// a CLIENT PAUSE lifted. The TCP port stays open, so clients simply
    /// reconnect; in-process connections stay closed, so take new ones
    /// with [`Server::connection`]. Fault rules, the test's pause,
    /// partitions and the journal are the test's, and stay. CLIENT IDs go
    /// on increasing rather than restarting from 1.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let mut con = server.connection();
    /// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    /// server.restart();
    /// assert!(redis::cmd("PING").query::<String>(&mut con).unwrap_err().is_connection_dropped());
    /// let mut con = server.connection();
    /// assert_eq!(redis::cmd("GET").arg("k").query::<Option<String>>(&mut con).unwrap(), None);
    /// ```
    pub fn restart(&self) {
        self.reboot(false);
    }

    /// Stops the server as a power cut would, data kept: the listener
    /// closes (TCP connections are refused), every connection is dropped,
    /// in-process commands fail as dropped, and connections taken while
    /// off fail as refused. [`Server::power_on`] brings it back on the same
    /// port, as a process restarting from its data file: the keys are
    /// there, everything else is as after [`Server::restart`].
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let mut con = server.connection();
    /// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
    /// let port = server.addr().port();
    /// server.power_off();
    /// assert!(std::net::TcpStream::connect(server.addr()).is_err());
    /// server.power_on().unwrap();
    /// assert_eq!(server.addr().port(), port);
    /// let mut tcp = server.client().get_connection().unwrap();
    /// assert_eq!(redis::cmd("GET").arg("k").query::<String>(&mut tcp).unwrap(), "v");
    /// ```
    pub fn power_off(&self) {
        if self.shared.faults.is_off() {
            return;
        }
        self.shared.faults.set_off(true);
        self.shared.faults.stop_listening();
        self.wait_listener_gone();
        self.reboot(true);
    }

    /// Turns a server that was [powered off](Server::power_off) back on,
    /// listening on the same address; nothing if it is on.
    ///
    /// # Errors
    /// When the port cannot be bound again (another process took it).
    pub fn power_on(&self) -> io::Result<()> {
        if !self.shared.faults.is_off() {
            return Ok(());
        }
        if let Some(addr) = self.shared.addr {
            // SO_REUSEADDR: the connections just closed, in TIME_WAIT, do
            // not keep the port.
            let backlog = self.shared.faults.startup.tcp_backlog();
            let listener = super::bind_listener(addr, backlog)?;
            let runtime = self.shared.runtime.clone();
            let _enter = runtime.enter();
            let listener = tokio::net::TcpListener::from_std(listener)?;
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            *self.stopped.lock() = Some(rx);
            let epoch = self.shared.faults.listen_epoch();
            runtime.spawn(tcp::accept_loop(
                Arc::clone(&self.shared),
                listener,
                tx,
                epoch,
            ));
        }
        self.shared.faults.set_off(false);
        Ok(())
    }

    /// Starts recording commands into a journal of `capacity` entries
    /// (keeping what it holds), or with `None` stops and forgets it.
    pub fn set_journal(&self, capacity: Option<usize>) {
        self.shared.faults.journal.set(capacity);
    }

    /// A copy of the command journal (empty unless recording); print it to
    /// see, one line per command, who sent what and what they got back.
    ///
    /// ```
    /// use redsim::{Injected, Rule, Server};
    ///
    /// let server = Server::builder().journal(64).start().unwrap();
    /// let _drop = server.fault(Rule::command("INCR").drop_after());
    /// let mut con = server.connection();
    /// let err = redis::cmd("INCR").arg("n").query::<i64>(&mut con).unwrap_err();
    /// assert!(err.is_connection_dropped());
    /// let journal = server.journal();
    /// println!("{journal}");
    /// let incr = &journal[0];
    /// assert_eq!(incr.reply_text().as_deref(), Some("(integer) 1"));
    /// assert_eq!((incr.fault, incr.delivered), (Some(Injected::DropAfter), false));
    /// ```
    pub fn journal(&self) -> Journal {
        self.shared.faults.journal.snapshot()
    }

    /// Waits (briefly) until the accept loop has dropped the listener, so
    /// that the port is free — unless on the very runtime that must drop
    /// it, where waiting could only delay it.
    pub(crate) fn wait_listener_gone(&self) {
        if let Some(rx) = self.stopped.lock().take() {
            let on_runtime =
                Handle::try_current().is_ok_and(|h| h.id() == self.shared.runtime.id());
            if !on_runtime {
                let _ = rx.recv_timeout(Duration::from_secs(1));
            }
        }
    }

    /// What a process restart does to the state: everything but the keys
    /// (with `keep_data`) starts afresh, and every connection is dropped.
    fn reboot(&self, keep_data: bool) {
        let shared = &self.shared;
        if let Some(running) = shared.running_script.lock().as_ref() {
            running.kill();
        }
        let mut state = shared.state.lock();
        shared.sync_arrivals(&mut state);
        // Under the lock: a command waiting for it finds its connection
        // killed and does not run against the new state.
        shared.kill_clients();
        let now = shared.clock.now_millis();
        let seed = state.rng.u64(..);
        let mut fresh = State::new(seed, shared.faults.startup.clone(), now);
        fresh.port = state.port;
        fresh.lua_memory_limit = state.lua_memory_limit;
        fresh.executable = std::mem::take(&mut state.executable);
        // The node's cluster configuration outlives a restart, as Redis's
        // nodes.conf does; what it kept of clients does not.
        fresh.cluster = state.cluster.take().map(|mut view| {
            view.readonly.clear();
            view.asking.clear();
            view
        });
        if keep_data {
            fresh.dbs = std::mem::take(&mut state.dbs);
            fresh.hash_seed = state.hash_seed;
        }
        // The users are those of the configuration again (they loaded at
        // start; an ACL file changed since that no longer loads leaves the
        // default user alone).
        let users = shared.startup_users.lock().clone();
        let _ = crate::cmd::acl::file::load_at_startup(&mut fresh, &users);
        shared.mirror.auth_required.store(
            fresh.acl.auth_required(),
            std::sync::atomic::Ordering::Relaxed,
        );
        crate::cmd::repl::config_changed(&mut fresh);
        *state = fresh;
        drop(state);
        shared.mirror.refresh(&shared.faults.startup);
        shared.faults.unpause_clients();
        shared.reset_counters();
    }
}
