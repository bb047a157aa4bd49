//! Third-party Redis clients in other languages against redsim over TCP:
//! redis-py runs `tests/clients/redis_py_check.py` and ioredis runs
//! `tests/clients/ioredis_check.js`, each exercising its client the way
//! applications do (expiry, hashes, lists, sets, pipelines, WATCH retry
//! loops, BLPOP woken by another client, pub/sub, keyspace notifications,
//! AUTH, error mapping…) and asserting the results.
//!
//! Each script runs against an in-process [`redsim::Server`], without and
//! with a password, and also against a real `redis-server` (when installed,
//! see [`RealRedis`]): a check that fails against real Redis is a bug in the
//! script, not in redsim.
//!
//! Where the interpreter or the client library is missing the tests skip
//! loudly with install instructions, or fail with them when
//! `REDSIM_REQUIRE_CLIENTS=1` (as CI sets it).

use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::{RawClient, RealRedis};

/// How long one script run may take. The scripts finish in about a second;
/// this only bounds a hang, so that it fails instead of stalling CI.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

const PASSWORD: &str = "client-check-pw";

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// Whether a missing client must fail rather than skip: `REDSIM_REQUIRE_CLIENTS=1`.
fn clients_required() -> bool {
    std::env::var("REDSIM_REQUIRE_CLIENTS").is_ok_and(|v| v == "1")
}

/// Says loudly that a client check cannot run, or panics when clients are
/// required.
fn unavailable(msg: &str) {
    if clients_required() {
        panic!("REDSIM_REQUIRE_CLIENTS=1 but {msg}");
    }
    eprintln!("SKIPPED: {msg}");
}

/// A client check: the interpreter and the script it runs.
#[derive(Clone, Copy)]
enum Client {
    RedisPy,
    Ioredis,
}

impl Client {
    fn interpreter(self) -> &'static str {
        match self {
            Client::RedisPy => "python3",
            Client::Ioredis => "node",
        }
    }

    fn script(self) -> PathBuf {
        clients_dir().join(match self {
            Client::RedisPy => "redis_py_check.py",
            Client::Ioredis => "ioredis_check.js",
        })
    }

    /// Whether the interpreter and the client library are installed; says
    /// so (or panics, when required) if not.
    fn available(self) -> bool {
        match self {
            Client::RedisPy => {
                let install = "install with: pip install -r tests/clients/requirements.txt";
                match Command::new("python3")
                    .args(["-c", "import redis"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                {
                    Ok(s) if s.success() => true,
                    Ok(_) => {
                        unavailable(&format!("redis-py is not installed for python3: {install}"));
                        false
                    }
                    Err(e) => {
                        unavailable(&format!(
                            "python3 not found ({e}): install Python 3, then {install}"
                        ));
                        false
                    }
                }
            }
            Client::Ioredis => {
                let install = "install with: npm ci --prefix tests/clients";
                if let Err(e) = Command::new("node")
                    .arg("--version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                {
                    unavailable(&format!(
                        "node not found ({e}): install Node.js, then {install}"
                    ));
                    return false;
                }
                if !clients_dir()
                    .join("node_modules/ioredis/package.json")
                    .is_file()
                {
                    unavailable(&format!(
                        "ioredis is not installed in tests/clients/node_modules: {install}"
                    ));
                    return false;
                }
                true
            }
        }
    }

    /// Runs the script against `addr` and panics with its output unless it
    /// exits 0.
    fn check(self, target: &str, addr: SocketAddr, password: Option<&str>) {
        let mut cmd = Command::new(self.interpreter());
        cmd.arg(self.script())
            .arg(addr.ip().to_string())
            .arg(addr.port().to_string())
            .args(password)
            .current_dir(clients_dir())
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null());
        let (status, stdout, stderr) = run_with_timeout(cmd, SCRIPT_TIMEOUT);
        let output = format!("--- stdout ---\n{stdout}--- stderr ---\n{stderr}");
        let what = format!(
            "{} {} against {target}{}",
            self.interpreter(),
            self.script().file_name().unwrap().to_string_lossy(),
            if password.is_some() {
                " (with a password)"
            } else {
                ""
            },
        );
        match status {
            Some(s) if s.success() => println!("{what}: passed\n{output}"),
            Some(s) => panic!("{what} failed ({s}):\n{output}"),
            None => panic!("{what} did not finish within {SCRIPT_TIMEOUT:?}, killed:\n{output}"),
        }
    }
}

/// Runs `cmd` to completion or until `timeout` (then kills it: status
/// `None`), returning its exit status and its output.
fn run_with_timeout(
    mut cmd: Command,
    timeout: Duration,
) -> (Option<std::process::ExitStatus>, String, String) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the client check");
    // Drained on their own threads so that a chatty script never blocks on
    // a full pipe while we wait for it.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = pipe.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for the client check") {
            break Some(s);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (status, out.join().unwrap(), err.join().unwrap())
}

fn against_redsim(client: Client, password: Option<&str>) {
    if !client.available() {
        return;
    }
    let mut builder = redsim::Server::builder();
    if let Some(pw) = password {
        builder = builder.password(pw);
    }
    let server = builder.start().expect("start redsim");
    client.check("redsim", server.addr(), password);
}

fn against_real_redis(client: Client, password: Option<&str>) {
    if !client.available() {
        return;
    }
    let Some(real) = RealRedis::start() else {
        return;
    };
    if let Some(pw) = password {
        // Set after start: `RealRedis::start_with(&["--requirepass", ..])`
        // never becomes ready, as its readiness probe (INFO) does not AUTH.
        let reply = RawClient::connect(real.addr())
            .expect("connect redis-server")
            .call(&[b"CONFIG", b"SET", b"requirepass", pw.as_bytes()]);
        assert_eq!(reply, b"+OK\r\n", "CONFIG SET requirepass");
    }
    client.check("real redis-server", real.addr(), password);
}

#[test]
#[cfg_attr(no_redis_py, ignore = "needs redis-py: pip install redis")]
fn redis_py_against_redsim() {
    against_redsim(Client::RedisPy, None);
}

#[test]
#[cfg_attr(no_redis_py, ignore = "needs redis-py: pip install redis")]
fn redis_py_against_redsim_with_password() {
    against_redsim(Client::RedisPy, Some(PASSWORD));
}

#[test]
#[cfg_attr(no_ioredis, ignore = "needs ioredis: npm ci --prefix tests/clients")]
fn ioredis_against_redsim() {
    against_redsim(Client::Ioredis, None);
}

#[test]
#[cfg_attr(no_ioredis, ignore = "needs ioredis: npm ci --prefix tests/clients")]
fn ioredis_against_redsim_with_password() {
    against_redsim(Client::Ioredis, Some(PASSWORD));
}

/// The script itself is right: it passes against real Redis.
#[test]
#[cfg_attr(any(no_redis, no_redis_py), ignore = "needs redis-server and redis-py")]
fn redis_py_check_passes_against_real_redis() {
    against_real_redis(Client::RedisPy, None);
    against_real_redis(Client::RedisPy, Some(PASSWORD));
}

/// The script itself is right: it passes against real Redis.
#[test]
#[cfg_attr(any(no_redis, no_ioredis), ignore = "needs redis-server and ioredis")]
fn ioredis_check_passes_against_real_redis() {
    against_real_redis(Client::Ioredis, None);
    against_real_redis(Client::Ioredis, Some(PASSWORD));
}
