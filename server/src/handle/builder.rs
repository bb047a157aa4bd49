//! [`ServerBuilder`]: what a server starts with, and starting it; the
//! listening socket.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::runtime::Handle;

use super::{DEFAULT_SEED, RUNTIME, Server};
use crate::clock::Clock;
use crate::config::Config;
use crate::conn::tcp;
use crate::fault::Faults;
use crate::shared::Shared;
use crate::state::State;

/// Builds a [`Server`]: clock, seed, password, address, runtime.
///
/// ```
/// use redsim::{ManualClock, Server};
///
/// let clock = ManualClock::new();
/// let server = Server::builder()
///     .clock(&clock)
///     .seed(7)
///     .password("secret")
///     .start()
///     .unwrap();
/// assert!(server.url().starts_with("redis://:secret@127.0.0.1:"));
/// ```
#[derive(Debug)]
#[must_use = "a builder does nothing until .start()"]
pub struct ServerBuilder {
    clock: Clock,
    seed: u64,
    password: Option<String>,
    bind: IpAddr,
    port: u16,
    listen: bool,
    runtime: Option<Handle>,
    config: Vec<(String, String)>,
    pub(crate) journal: Option<usize>,
    lua_memory_limit: usize,
    users: Vec<String>,
    /// In cluster mode, whether the node listens on its bus port for
    /// nodes of other processes (a [`crate::Cluster`]'s nodes need not).
    pub(crate) cluster_tcp_bus: bool,
}

impl Default for ServerBuilder {
    fn default() -> Self {
        ServerBuilder {
            clock: Clock::system(),
            seed: DEFAULT_SEED,
            password: None,
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            listen: true,
            runtime: None,
            config: Vec::new(),
            journal: None,
            lua_memory_limit: crate::script::DEFAULT_MEMORY_LIMIT,
            users: Vec::new(),
            cluster_tcp_bus: true,
        }
    }
}

impl ServerBuilder {
    /// The clock the server reads (default: the system clock). Pass a
    /// [`ManualClock`](crate::ManualClock) to move time by hand, a
    /// [`TokioClock`](crate::TokioClock) to follow `tokio::time::pause` /
    /// `advance`, or a [`SkewedClock`](crate::SkewedClock) over either to
    /// give this server its own offset, drift and jumps (or a reference to
    /// any of them: clones share the time).
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// The seed of everything random in the server (RANDOMKEY, SPOP,
    /// hashing order, the run id). The same seed gives the same run.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Requires clients to AUTH with this password (`requirepass`).
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The address to listen on (default 127.0.0.1).
    pub fn bind(mut self, addr: IpAddr) -> Self {
        self.bind = addr;
        self
    }

    /// The TCP port (default 0: a free port chosen by the system).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Whether to listen on TCP at all (default true). Without it the
    /// server is reachable only through [`Server::connection`].
    pub fn listen(mut self, listen: bool) -> Self {
        self.listen = listen;
        self
    }

    /// Runs the server's tasks on `runtime` instead of redsim's own.
    pub fn runtime(mut self, runtime: Handle) -> Self {
        self.runtime = Some(runtime);
        self
    }

    /// The most memory the Lua heap of this server's scripts may hold
    /// (default 512 MiB, the largest string Redis stores). A script that
    /// needs more fails with `not enough memory` and the server goes on;
    /// the heap is collected and the next script runs normally. Redis sets
    /// no such bound: it is there so that a runaway script (`string.rep` of
    /// a huge count, a table that never stops growing) fails the test
    /// instead of taking the test process down with it.
    ///
    /// ```
    /// let server = redsim::Server::builder().lua_memory_limit(8 << 20).start().unwrap();
    /// let mut con = server.connection();
    /// let bomb = "return #string.rep('x', 64 * 1024 * 1024)";
    /// let err = redis::cmd("EVAL").arg(bomb).arg(0).query::<i64>(&mut con).unwrap_err();
    /// assert!(err.to_string().contains("not enough memory"), "{err}");
    /// let ok: i64 = redis::cmd("EVAL").arg("return #string.rep('x', 1000)").arg(0).query(&mut con).unwrap();
    /// assert_eq!(ok, 1000);
    /// ```
    pub fn lua_memory_limit(mut self, bytes: usize) -> Self {
        self.lua_memory_limit = bytes;
        self
    }

    /// Sets a configuration parameter at start, as `CONFIG SET` would.
    /// `user` is the ACL directive of redis.conf: the same as
    /// [`ServerBuilder::user`].
    pub fn config(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if name.eq_ignore_ascii_case("user") {
            return self.user(value);
        }
        self.config.push((name, value.into()));
        self
    }

    /// Adds an ACL user, as a `user` line of redis.conf does: its name,
    /// then its rules (`on`, `>password`, `~pattern`, `&channel`,
    /// `+@category`, `-command`, `(selector)`…). `default` redefines the
    /// default user. A server cannot have both these and an `aclfile`.
    ///
    /// ```
    /// let server = redsim::Server::builder()
    ///     .user("reader on >secret ~cache:* +@read")
    ///     .start()
    ///     .unwrap();
    /// let mut con = server.connection();
    /// redis::cmd("AUTH").arg("reader").arg("secret").exec(&mut con).unwrap();
    /// let v: Option<String> = redis::cmd("GET").arg("cache:1").query(&mut con).unwrap();
    /// assert_eq!(v, None);
    /// let err = redis::cmd("SET").arg("cache:1").arg("x").exec(&mut con).unwrap_err();
    /// assert_eq!(err.code(), Some("NOPERM"));
    /// ```
    pub fn user(mut self, line: impl Into<String>) -> Self {
        self.users.push(line.into());
        self
    }

    /// The ACL file the server loads its users from at start, and which
    /// ACL LOAD and ACL SAVE read and write (`aclfile`).
    pub fn aclfile(self, path: impl AsRef<std::path::Path>) -> Self {
        let path = path.as_ref().display().to_string();
        self.config("aclfile", path)
    }

    /// Starts the server.
    ///
    /// # Errors
    /// When the address cannot be bound, or a configuration parameter is
    /// refused (`io::ErrorKind::InvalidInput`, with Redis's error text).
    pub fn start(self) -> io::Result<Server> {
        let mut config = Config::new();
        if let Some(p) = &self.password {
            config
                .set(&[(b"requirepass".as_slice(), p.as_bytes())])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.into_text()))?;
        }
        for (name, value) in &self.config {
            // As from a configuration file: immutable parameters allowed.
            config
                .set_startup(&[(name.as_bytes(), value.as_bytes())])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.into_text()))?;
        }
        let runtime = match self.runtime {
            Some(h) => h,
            None => RUNTIME.handle().clone(),
        };
        let listener = if self.listen {
            let backlog = config.tcp_backlog();
            Some(bind_listener(
                SocketAddr::new(self.bind, self.port),
                backlog,
            )?)
        } else {
            None
        };
        let addr = listener.as_ref().map(|l| l.local_addr()).transpose()?;
        if let Some(a) = addr {
            config.set_port(a.port());
        }
        let faults = Faults::new(self.seed, config.clone(), self.journal);
        let mut state = State::new(self.seed, config, self.clock.now_millis());
        state.port = addr.map_or(0, |a| a.port());
        state.lua_memory_limit = self.lua_memory_limit;
        state.executable = std::env::current_exe()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        crate::cmd::acl::file::load_at_startup(&mut state, &self.users)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        crate::cmd::repl::config_changed(&mut state);
        let bus_listener = super::cluster::prepare(&mut state, self.bind, self.cluster_tcp_bus)?;
        let shared = Shared::new(state, self.clock.clone(), runtime.clone(), addr, faults);
        let _ = shared.link_starter.set(crate::repl::start);
        crate::repl::register(&shared);
        *shared.startup_users.lock() = self.users;
        if shared.state.lock().cluster.is_some() {
            crate::conn::bus::attach(&shared, bus_listener)?;
        }
        let mut stopped = None;
        if let Some(l) = listener {
            let _enter = runtime.enter();
            let l = tokio::net::TcpListener::from_std(l)?;
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            stopped = Some(rx);
            let epoch = shared.faults.listen_epoch();
            runtime.spawn(tcp::accept_loop(Arc::clone(&shared), l, tx, epoch));
        }
        if self.clock.runs_in_real_time() {
            runtime.spawn(crate::shared::ticker(Arc::downgrade(&shared)));
        }
        Ok(Server {
            shared,
            stopped: Mutex::new(stopped),
        })
    }
}

/// A non-blocking listener on `addr` with SO_REUSEADDR and a listen queue
/// of `backlog` (Redis's `tcp-backlog`, 511 by default; std's own bind
/// would fix it at 128, and a burst of connections past the queue waits
/// for the kernel's SYN retry, a second or more).
pub(crate) fn bind_listener(addr: SocketAddr, backlog: i32) -> io::Result<std::net::TcpListener> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}
