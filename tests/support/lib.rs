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
pub mod sim;
pub mod ways;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether tests that need `redis-server` must fail (rather than skip)
/// when it is missing: `REDSIM_REQUIRE_REDIS=1`, as CI sets it.
pub fn redis_required() -> bool {
    std::env::var("REDSIM_REQUIRE_REDIS").is_ok_and(|v| v == "1")
}

/// The `redis-server` binary: `$REDIS_SERVER`, or `redis-server` on PATH.
pub fn redis_server_binary() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("REDIS_SERVER") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

/// A Redis tool (`redis-cli`, `redis-benchmark`) from PATH, or `None`
/// after saying so loudly; panics when [`redis_required`].
pub fn redis_tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let msg = format!(
            "{name} not found: install it (Debian/Ubuntu: `apt-get install -y redis-tools`)"
        );
        if redis_required() {
            panic!("REDSIM_REQUIRE_REDIS=1 but {msg}");
        }
        eprintln!("SKIPPED: {msg}");
    }
    found
}

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// A real `redis-server` child process, stopped on drop.
pub struct RealRedis {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl RealRedis {
    /// Starts a real redis-server with no persistence, or returns `None`
    /// (after saying so loudly) when it is not installed. Panics with
    /// install instructions instead when [`redis_required`].
    pub fn start() -> Option<RealRedis> {
        Self::start_with(&[])
    }

    /// [`RealRedis::start`] with extra command-line arguments
    /// (`["--requirepass", "pw"]`, `["--cluster-enabled", "yes"]`…).
    pub fn start_with(extra: &[&str]) -> Option<RealRedis> {
        let Some(bin) = redis_server_binary() else {
            let msg = "redis-server not found: install it (Debian/Ubuntu: \
                       `apt-get install -y redis-server`) or set REDIS_SERVER to its path";
            if redis_required() {
                panic!("REDSIM_REQUIRE_REDIS=1 but {msg}");
            }
            eprintln!("SKIPPED (parity with real Redis): {msg}");
            return None;
        };
        for _attempt in 0..5 {
            let port = free_port();
            let dir =
                std::env::temp_dir().join(format!("redsim-parity-{}-{port}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            let child = Command::new(&bin)
                .args(["--port", &port.to_string()])
                .args(["--bind", "127.0.0.1"])
                .args(["--save", ""])
                .args(["--appendonly", "no"])
                .args(["--daemonize", "no"])
                .args(["--enable-debug-command", "yes"])
                .args(["--dir", dir.to_str().unwrap_or(".")])
                .args(extra)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            let Ok(child) = child else { continue };
            let mut real = RealRedis { child, port, dir };
            let password = extra
                .iter()
                .position(|a| *a == "--requirepass")
                .and_then(|i| extra.get(i + 1))
                .map(|p| p.to_string());
            if real.wait_ready(password.as_deref()) {
                return Some(real);
            }
            let _ = real.child.kill();
        }
        panic!("could not start redis-server from {}", bin.display());
    }

    /// Waits until *our* child answers. The port was free when chosen but
    /// another test's server may have taken it since, so the answer must
    /// carry the child's process id.
    fn wait_ready(&mut self, password: Option<&str>) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        let pid = format!("process_id:{}\r\n", self.child.id());
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            // Any I/O error here (refused, or reset by another test's
            // server going away on this port) means "not ready yet": the
            // loop looks again, and notices when our child has exited.
            if let Ok(mut c) = RawClient::connect(self.addr()) {
                let authed = match password {
                    Some(p) => c.try_call(&[b"AUTH", p.as_bytes()]).is_ok(),
                    None => true,
                };
                if authed && let Ok(info) = c.try_call(&[b"INFO", b"server"]) {
                    return String::from_utf8_lossy(&info).contains(&pid);
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A `redis://` URL for it.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A blocking RESP client that returns raw reply bytes.
pub struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
    resp3: bool,
}

impl RawClient {
    /// Connects to `addr`.
    pub fn connect(addr: SocketAddr) -> std::io::Result<RawClient> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        Ok(RawClient {
            stream,
            buf: Vec::new(),
            resp3: false,
        })
    }

    /// Whether replies are read as RESP3 (after `HELLO 3`).
    pub fn set_resp3(&mut self, on: bool) {
        self.resp3 = on;
    }

    /// Encodes `args` as a multibulk request.
    pub fn encode(args: &[&[u8]]) -> Vec<u8> {
        let mut req = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            req.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            req.extend_from_slice(a);
            req.extend_from_slice(b"\r\n");
        }
        req
    }

    /// Sends a request and returns the raw bytes of its reply.
    pub fn call(&mut self, args: &[&[u8]]) -> Vec<u8> {
        self.send_raw(&Self::encode(args));
        self.read_reply()
    }

    /// [`RawClient::call`] that returns I/O errors (and a closed
    /// connection) instead of panicking.
    pub fn try_call(&mut self, args: &[&[u8]]) -> std::io::Result<Vec<u8>> {
        self.stream.write_all(&Self::encode(args))?;
        self.read_reply_io()
    }

    fn read_reply_io(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            if let Some(n) = frame_len(&self.buf, self.resp3) {
                return Ok(self.buf.drain(..n).collect());
            }
            let mut chunk = [0u8; 64 * 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "server closed the connection; unread: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// Reads the raw bytes of the next reply (blocking).
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.read_reply_io().expect("read from server")
    }

    /// Reads a reply if one arrives within `wait`.
    pub fn try_read_reply(&mut self, wait: Duration) -> Option<Vec<u8>> {
        let _ = self.stream.set_read_timeout(Some(wait));
        let deadline = Instant::now() + wait;
        let result = loop {
            if let Some(n) = frame_len(&self.buf, self.resp3) {
                break Some(self.buf.drain(..n).collect());
            }
            if Instant::now() >= deadline {
                break None;
            }
            let mut chunk = [0u8; 64 * 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) | Err(_) => break None,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
            }
        };
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(20)));
        result
    }

    /// Whether the server has closed the connection (reads EOF within
    /// `wait`).
    pub fn is_closed_by_server(&mut self, wait: Duration) -> bool {
        let _ = self.stream.set_read_timeout(Some(wait));
        let mut chunk = [0u8; 1024];
        let closed = matches!(self.stream.read(&mut chunk), Ok(0));
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(20)));
        closed
    }
}

/// Length of the first complete frame in `buf`, by `redis-protocol`.
pub fn frame_len(buf: &[u8], resp3: bool) -> Option<usize> {
    if buf.is_empty() {
        return None;
    }
    let r = if resp3 {
        redis_protocol::resp3::decode::complete::decode(buf).map(|o| o.map(|(_, n)| n))
    } else {
        redis_protocol::resp2::decode::decode(buf).map(|o| o.map(|(_, n)| n))
    };
    match r {
        Ok(n) => n,
        Err(e) => panic!(
            "undecodable reply ({e:?}): {:?}",
            String::from_utf8_lossy(buf)
        ),
    }
}

/// Splits an aggregate reply (`*`, `~`, `%`, `>`) into its header line and
/// the raw bytes of each element; `None` for a non-aggregate.
pub fn split_aggregate(reply: &[u8], resp3: bool) -> Option<(Vec<u8>, Vec<Vec<u8>>)> {
    if !matches!(reply.first(), Some(b'*' | b'~' | b'%' | b'>')) {
        return None;
    }
    let line_end = reply.windows(2).position(|w| w == b"\r\n")? + 2;
    let header = reply[..line_end].to_vec();
    let count: i64 = std::str::from_utf8(&reply[1..line_end - 2])
        .ok()?
        .parse()
        .ok()?;
    if count < 0 {
        return None;
    }
    let count = if reply[0] == b'%' { count * 2 } else { count };
    let mut rest = &reply[line_end..];
    let mut items = Vec::new();
    for _ in 0..count {
        let n = frame_len(rest, resp3)?;
        items.push(rest[..n].to_vec());
        rest = &rest[n..];
    }
    Some((header, items))
}

/// A reply with its top-level aggregate's elements sorted (map entries
/// sorted as pairs), for replies whose order Redis leaves unspecified.
pub fn sorted(reply: &[u8], resp3: bool) -> Vec<u8> {
    let Some((header, mut items)) = split_aggregate(reply, resp3) else {
        return reply.to_vec();
    };
    if header[0] == b'%' {
        let mut pairs: Vec<Vec<u8>> = items.chunks(2).map(|c| c.concat()).collect();
        pairs.sort();
        items = pairs;
    } else {
        items.sort();
    }
    let mut out = header;
    for i in items {
        out.extend_from_slice(&i);
    }
    out
}

/// Splits a command line into arguments: blanks separate, double quotes
/// group (with `\"`, `\\`, `\n`, `\r`, `\t` and `\xHH` escapes).
pub fn split_command(line: &str) -> Vec<Vec<u8>> {
    let mut args = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut chars = line.bytes().peekable();
    while let Some(c) = chars.next() {
        match c {
            b' ' | b'\t' => {
                if let Some(a) = cur.take() {
                    args.push(a);
                }
            }
            b'"' => {
                let a = cur.get_or_insert_with(Vec::new);
                while let Some(c) = chars.next() {
                    match c {
                        b'"' => break,
                        b'\\' => match chars.next() {
                            Some(b'n') => a.push(b'\n'),
                            Some(b'r') => a.push(b'\r'),
                            Some(b't') => a.push(b'\t'),
                            Some(b'x') => {
                                let h: String = [chars.next(), chars.next()]
                                    .iter()
                                    .flatten()
                                    .map(|&b| b as char)
                                    .collect();
                                a.push(u8::from_str_radix(&h, 16).expect("bad \\x escape"));
                            }
                            Some(o) => a.push(o),
                            None => {}
                        },
                        o => a.push(o),
                    }
                }
            }
            o => cur.get_or_insert_with(Vec::new).push(o),
        }
    }
    if let Some(a) = cur {
        args.push(a);
    }
    args
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).replace("\r\n", "\\r\\n")
}

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
        assert_eq!(
            show(&sim),
            show(&real),
            "\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
        sim
    }

    /// [`Pair::run`] with explicit (binary) arguments.
    #[track_caller]
    pub fn run_args(&mut self, args: &[&[u8]]) -> Vec<u8> {
        let (sim, real) = self.both_args(args);
        assert_eq!(
            show(&sim),
            show(&real),
            "\n  command: {:?}\n",
            args.iter().map(|a| show(a)).collect::<Vec<_>>()
        );
        sim
    }

    /// Like [`Pair::run`], comparing the replies with their top-level
    /// elements sorted (for SMEMBERS, KEYS, HGETALL…).
    #[track_caller]
    pub fn run_sorted(&mut self, line: &str) -> Vec<u8> {
        let (sim, real) = self.both(line);
        let resp3 = self.sim.resp3;
        assert_eq!(
            show(&sorted(&sim, resp3)),
            show(&sorted(&real, resp3)),
            "\n  command (sorted): {line}\n  redsim:  {}\n  redis:   {}\n",
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

/// Polls `PING` on `con` until it answers BUSY (a script or function has
/// run past `lua-time-limit`) and returns that error's text.
///
/// # Panics
/// When no BUSY comes within 20 seconds.
pub fn wait_busy(con: &mut redis::Connection) -> String {
    let started = Instant::now();
    loop {
        match redis::cmd("PING").query::<String>(con) {
            Err(e) if e.code() == Some("BUSY") => return e.to_string(),
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never BUSY");
        std::thread::yield_now();
    }
}

/// A server whose scripts and functions count as busy after 50 ms
/// (`lua-time-limit`, real time as in Redis).
pub fn quick_busy_server() -> redsim::Server {
    redsim::Server::builder()
        .config("lua-time-limit", "50")
        .start()
        .expect("start a server")
}

/// Sends `cmd` (a script or function that runs long) on a connection of
/// its own in a thread, and waits until another connection sees BUSY.
/// Returns that other connection, the BUSY text and the thread, whose
/// result is `cmd`'s reply.
pub fn run_until_busy(
    server: &redsim::Server,
    cmd: redis::Cmd,
) -> (
    redis::Connection,
    String,
    std::thread::JoinHandle<redis::RedisResult<redis::Value>>,
) {
    let client = server.client();
    let mut runner = client.get_connection().expect("connect");
    let running = std::thread::spawn(move || cmd.query::<redis::Value>(&mut runner));
    let mut other = client.get_connection().expect("connect");
    let busy = wait_busy(&mut other);
    (other, busy, running)
}

/// Waits for the thread of [`run_until_busy`] and checks that its command
/// was killed; returns the error text (which names the script or function
/// and line).
pub fn killed(running: std::thread::JoinHandle<redis::RedisResult<redis::Value>>) -> String {
    let err = running.join().expect("the thread").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Script killed by user with SCRIPT KILL..."),
        "{text}"
    );
    text
}

/// Checks that `kill` (`["SCRIPT", "KILL"]` or `["FUNCTION", "KILL"]`) now
/// answers NOTBUSY: nothing runs any more.
pub fn assert_nothing_runs(con: &mut redis::Connection, kill: [&str; 2]) {
    let err = redis::cmd(kill[0])
        .arg(kill[1])
        .query::<String>(con)
        .unwrap_err();
    assert_eq!(err.code(), Some("NOTBUSY"));
}

/// A server on a manual clock that starts on a whole second
/// (1 700 000 000 s after the epoch), and the clock.
pub fn manual_server() -> (redsim::ManualClock, redsim::Server) {
    let clock = redsim::ManualClock::starting_at(
        std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    let server = redsim::Server::builder()
        .clock(&clock)
        .start()
        .expect("start");
    (clock, server)
}

/// The message of the panic `f` raises (it must raise one).
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Runs a command given as words and returns the raw reply; panics with
/// the words if it fails.
pub fn run_words(con: &mut impl redis::ConnectionLike, words: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(words[0]);
    for w in &words[1..] {
        cmd.arg(*w);
    }
    cmd.query(con)
        .unwrap_or_else(|e| panic!("{words:?} failed: {e}"))
}

/// One field of an INFO section, asked of `con`.
pub fn info_of(con: &mut impl redis::ConnectionLike, section: &str, field: &str) -> Option<String> {
    let info: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
}

/// `n` seconds (tests of TTLs read better with it).
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
