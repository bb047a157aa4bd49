//! A real `redis-server` for parity tests: found (or required, with install
//! instructions), started on a free loopback port, stopped on drop.

use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::RawClient;

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
