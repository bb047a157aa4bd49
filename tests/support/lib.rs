//! Shared test harness for the workspace's cross-crate tests and benches.
//!
//! * [`RealRedis`] spawns a real `redis-server` on a free loopback port and
//!   stops it on drop. Where `redis-server` is missing it skips loudly, or
//!   fails with install instructions when `REDSIM_REQUIRE_REDIS=1` (CI).
//! * [`RawClient`] speaks RESP over a socket and returns each reply's raw
//!   bytes; frame boundaries come from the `redis-protocol` crate, an
//!   implementation independent of redsim's own encoder.
//! * [`Parity`] sends the same commands to redsim and to real Redis and
//!   asserts the raw replies are identical (or identical once sorted, where
//!   Redis's order is unspecified).

#![allow(missing_docs)]

pub mod blocking;
mod busy;
pub mod cluster;
mod commands;
pub mod mask;
mod raw;
mod real;
pub mod replica;
pub mod sim;
pub mod ways;

pub use busy::{assert_nothing_runs, killed, quick_busy_server, run_until_busy, wait_busy};
pub use commands::{info_of, manual_server, panic_message, run_words, secs};
pub use raw::*;
pub use real::*;

/// A pair of raw clients, one to redsim and one to real Redis.
pub struct Pair {
    /// The client of redsim.
    pub sim: RawClient,
    /// The client of real Redis.
    pub real: RawClient,
}

impl Pair {
    /// Sends `line` to both and returns (redsim's reply, Redis's reply).
    pub fn both(&mut self, line: &str) -> (Vec<u8>, Vec<u8>) {
        let args = split_command(line);
        self.both_args(&args.iter().map(|a| a.as_slice()).collect::<Vec<_>>())
    }

    /// [`Pair::both`] with explicit (binary) arguments.
    pub fn both_args(&mut self, args: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        SENT_TO_BOTH.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (self.sim.call(args), self.real.call(args))
    }

    /// Sends `line` to both and asserts identical raw replies; returns the reply.
    #[track_caller]
    pub fn run(&mut self, line: &str) -> Vec<u8> {
        let (sim, real) = self.both(line);
        assert!(
            sim == real,
            "replies differ\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
        sim
    }

    /// [`Pair::run`] with explicit (binary) arguments.
    #[track_caller]
    pub fn run_args(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let (sim, real) = self.both_args(args);
        assert!(
            sim == real,
            "replies differ\n  command: {:?}\n  redsim:  {}\n  redis:   {}\n",
            args.iter().map(|a| show(a)).collect::<Vec<_>>(),
            show(&sim),
            show(&real)
        );
        sim
    }

    /// Like [`Pair::run`], comparing the replies with their top-level
    /// elements sorted (for SMEMBERS, KEYS, HGETALL…).
    #[track_caller]
    pub fn run_sorted(&mut self, line: &str) -> Vec<u8> {
        let (sim, real) = self.both(line);
        let resp3 = self.sim.resp3;
        assert!(
            sorted(&sim, resp3) == sorted(&real, resp3),
            "replies differ (compared sorted)\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
        sim
    }

    /// Runs each line with [`Pair::run`].
    #[track_caller]
    pub fn run_all(&mut self, lines: &[&str]) {
        for l in lines {
            self.run(l);
        }
    }

    /// Switches both clients to RESP3 (`HELLO 3`), without comparing the
    /// replies (they carry connection ids).
    pub fn resp3(&mut self) {
        self.sim.set_resp3(true);
        self.real.set_resp3(true);
        self.both("HELLO 3");
    }

    /// Reads the messages waiting on both sides (pushes, pub/sub and
    /// keyspace events; until each is quiet for 150 ms) and asserts they
    /// are the same, in order.
    #[track_caller]
    pub fn same_messages(&mut self) {
        let drain = |c: &mut RawClient| {
            let mut got = Vec::new();
            while let Some(m) = c.try_read_reply(std::time::Duration::from_millis(150)) {
                got.push(show(&m));
            }
            got
        };
        let (sim, real) = (drain(&mut self.sim), drain(&mut self.real));
        assert_eq!(sim, real);
    }
}

/// Commands sent to both servers by this test binary so far; reported when
/// a [`Parity`] is dropped (visible with `cargo test -- --nocapture`).
static SENT_TO_BOTH: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A redsim server and a real Redis, with one client pair to start with.
pub struct Parity {
    /// The embedded server (system clock).
    pub sim_server: redsim::Server,
    /// The real server.
    pub real_server: RealRedis,
    /// The first client pair.
    pub pair: Pair,
}

impl Drop for Parity {
    fn drop(&mut self) {
        eprintln!(
            "parity: {} commands sent to both servers so far by this test binary",
            SENT_TO_BOTH.load(std::sync::atomic::Ordering::Relaxed)
        );
    }
}

impl Parity {
    /// Starts both servers, or `None` when redis-server is missing (see
    /// [`RealRedis::start`]). Prefer the [`parity!`] macro in tests.
    pub fn start() -> Option<Parity> {
        let real_server = RealRedis::start()?;
        // Configured as the real server is started: no snapshots.
        let sim_server = redsim::Server::builder()
            .config("save", "")
            .start()
            .expect("start redsim");
        let pair = Pair {
            sim: RawClient::connect(sim_server.addr()).expect("connect redsim"),
            real: RawClient::connect(real_server.addr()).expect("connect redis"),
        };
        Some(Parity {
            sim_server,
            real_server,
            pair,
        })
    }

    /// A new client pair (for WATCH, pub/sub, blocking, CLIENT tests).
    pub fn new_pair(&self) -> Pair {
        Pair {
            sim: RawClient::connect(self.sim_server.addr()).expect("connect redsim"),
            real: RawClient::connect(self.real_server.addr()).expect("connect redis"),
        }
    }

    /// [`Pair::run`] on the first pair.
    #[track_caller]
    pub fn run(&mut self, line: &str) -> Vec<u8> {
        self.pair.run(line)
    }

    /// [`Pair::run_args`] on the first pair.
    #[track_caller]
    pub fn run_args(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.pair.run_args(args)
    }

    /// [`Pair::run_sorted`] on the first pair.
    #[track_caller]
    pub fn run_sorted(&mut self, line: &str) -> Vec<u8> {
        self.pair.run_sorted(line)
    }

    /// [`Pair::run_all`] on the first pair.
    #[track_caller]
    pub fn run_all(&mut self, lines: &[&str]) {
        self.pair.run_all(lines)
    }

    /// [`Pair::both`] on the first pair.
    pub fn both(&mut self, line: &str) -> (Vec<u8>, Vec<u8>) {
        self.pair.both(line)
    }
}

/// Starts a [`Parity`] or returns from the test (skipping loudly) when
/// `redis-server` is missing and not required.
#[macro_export]
macro_rules! parity {
    () => {
        match $crate::Parity::start() {
            Some(p) => p,
            None => return,
        }
    };
}

/// The value of `field` in INFO's text (`field:value` lines), parsed.
///
/// # Panics
/// When the field is missing or does not parse: a test that asks for it
/// depends on it.
#[track_caller]
pub fn info_field<T: std::str::FromStr>(info: &str, field: &str) -> T {
    let raw = info
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("INFO has no {field}"));
    raw.trim()
        .parse()
        .unwrap_or_else(|_| panic!("INFO {field}:{raw} does not parse"))
}

/// Whether the heavy cases run at full size: `REDSIM_FULL_TESTS=1`, as CI
/// sets it. By default they run scaled down, so that a plain `cargo test`
/// on a laptop stays quick; the full sizes are what the READMEs quote.
pub fn full_scale() -> bool {
    std::env::var("REDSIM_FULL_TESTS").is_ok_and(|v| v == "1")
}

/// `full` when [`full_scale`], `quick` otherwise.
pub fn scaled<T>(quick: T, full: T) -> T {
    if full_scale() { full } else { quick }
}

/// A size for a heavy test: the environment variable `name` when set,
/// else [`scaled`]`(quick, full)`.
pub fn size_from_env(name: &str, quick: usize, full: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| scaled(quick, full))
}

/// An in-process-only server (no TCP listener) on `clock`, for the lock
/// scenarios.
pub fn server_on(clock: impl Into<redsim::Clock>) -> redsim::Server {
    redsim::Server::builder()
        .clock(clock)
        .listen(false)
        .start()
        .expect("start redsim")
}

/// GET `key` through a fresh in-process connection.
pub async fn value(server: &redsim::Server, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(&mut server.connection())
        .await
        .expect("GET")
}
