//! The real services the lock back ends are tested against — etcd,
//! ZooKeeper, MariaDB and PostgreSQL — each started by the test on a free
//! loopback port in its own temporary directory, and stopped (and its
//! directory removed) when dropped.
//!
//! A service whose binaries are missing is skipped loudly, or fails the
//! test with install instructions when `REDSIM_REQUIRE_SERVICES=1` (CI).
//! Started as root, PostgreSQL (which refuses root) runs as the
//! `postgres` user (or `nobody`) through `setpriv`, and MariaDB is told
//! `--user=root`.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether a missing service fails the test: `REDSIM_REQUIRE_SERVICES=1`.
pub fn required() -> bool {
    std::env::var("REDSIM_REQUIRE_SERVICES").is_ok_and(|v| v == "1")
}

/// Says that `what` is missing: a panic with `install` when
/// [`required`], else a loud skip.
fn missing<T>(service: &str, what: &str, install: &str) -> Option<T> {
    let msg = format!("{what} not found: install it (Debian/Ubuntu: `{install}`)");
    if required() {
        panic!("REDSIM_REQUIRE_SERVICES=1 but {msg}");
    }
    eprintln!("SKIPPED ({service} lock back end): {msg}");
    None
}

/// How long a service may take to start: generous, for a loaded machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// The first of `names` found on PATH or in `extra` directories.
fn find(names: &[&str], extra: &[&str]) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(extra.iter().map(PathBuf::from));
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Whether this process runs as root (effective uid 0).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// The uid and gid of a local user, from /etc/passwd.
fn user_ids(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 3 && f[0] == user).then(|| Some((f[2].parse().ok()?, f[3].parse().ok()?)))?
    })
}

/// A started service: its process and its directory.
pub struct Process {
    child: Child,
    dir: PathBuf,
    /// The signal that stops it cleanly (`TERM`, or `INT` for PostgreSQL's
    /// fast shutdown).
    stop_signal: &'static str,
    name: &'static str,
}

impl Process {
    fn new_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "redsim-{name}-{}-{}",
            std::process::id(),
            free_port()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Sends a signal (`STOP`, `CONT`, …) to the service's main process.
    pub fn signal(&self, signal: &str) {
        let ok = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill -{signal} {} failed", self.child.id());
    }

    /// What the service has logged so far.
    pub fn log(&self) -> String {
        process_log(&self.dir)
    }

    /// The end of the service's log, for failure messages.
    fn log_tail(&self) -> String {
        let text = process_log(&self.dir);
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Waits until `ready` says yes, or panics with the log if the process
    /// exits or the start timeout passes. `Ok(false)` from `ready` means the
    /// port answers but is not ours (taken by another process meanwhile).
    fn wait_ready(&mut self, mut ready: impl FnMut() -> Result<bool, String>) -> bool {
        let deadline = Instant::now() + START_TIMEOUT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if self.exited() {
                eprintln!(
                    "{} exited while starting; its log:\n{}",
                    self.name,
                    self.log_tail()
                );
                return false;
            }
            match ready() {
                Ok(true) => return true,
                Ok(false) => return false,
                Err(e) => last = e,
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "{} did not start within {START_TIMEOUT:?} ({last}); its log:\n{}",
            self.name,
            self.log_tail()
        );
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Resume it first, in case a test left it stopped.
        let _ = Command::new("kill")
            .args(["-CONT", &self.child.id().to_string()])
            .status();
        let _ = Command::new("kill")
            .args([
                &format!("-{}", self.stop_signal),
                &self.child.id().to_string(),
            ])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && !self.exited() {
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the service logged: `log` in its directory (its standard error),
/// or `log.err` (MariaDB's error log).
fn process_log(dir: &Path) -> String {
    let mut text = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
    text.push_str(&std::fs::read_to_string(dir.join("log.err")).unwrap_or_default());
    text
}

fn log_file(dir: &Path) -> Stdio {
    std::fs::File::create(dir.join("log"))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// Sends one line to a plain-text TCP service and reads the whole answer
/// (ZooKeeper's four-letter words).
pub fn four_letter_word(port: u16, word: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(word.as_bytes()).map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A plain HTTP GET on loopback (etcd's /health and /metrics).
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    use std::io::{Read, Write};
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    write!(
        s,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut out = String::new();
    s.read_to_string(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

// ---------------------------------------------------------------- etcd

/// A single-member etcd (Debian's `etcd-server`).
pub struct Etcd {
    pub process: Process,
    pub port: u16,
}

impl Etcd {
    pub fn start() -> Option<Etcd> {
        let bin = match std::env::var_os("ETCD") {
            Some(p) => PathBuf::from(p),
            None => find(&["etcd"], &["/usr/bin"])
                .or_else(|| missing("etcd", "etcd", "apt-get install -y etcd-server"))?,
        };
        for _ in 0..5 {
            let (port, peer) = (free_port(), free_port());
            let dir = Process::new_dir("etcd");
            let name = format!("redsim-{}-{port}", std::process::id());
            let client_url = format!("http://127.0.0.1:{port}");
            let peer_url = format!("http://127.0.0.1:{peer}");
            let child = Command::new(&bin)
                .args(["--name", &name])
                .arg("--data-dir")
                .arg(dir.join("data"))
                .args(["--listen-client-urls", &client_url])
                .args(["--advertise-client-urls", &client_url])
                .args(["--listen-peer-urls", &peer_url])
                .args(["--initial-advertise-peer-urls", &peer_url])
                .args(["--initial-cluster", &format!("{name}={peer_url}")])
                // A short election timeout lowers etcd's minimum lease TTL
                // (1.5 election timeouts, rounded up to whole seconds) to
                // 1 s, so that expiry tests stay short.
                .args(["--heartbeat-interval", "50", "--election-timeout", "500"])
                .args(["--logger", "zap", "--log-level", "warn"])
                .stdout(Stdio::null())
                .stderr(log_file(&dir))
                .spawn()
                .expect("spawn etcd");
            let mut process = Process {
                child,
                dir,
                stop_signal: "TERM",
                name: "etcd",
            };
            // /health answers only once the member has a leader; the
            // member's name in /metrics' labels is not there, so identity
            // is checked by the log of our own child instead: another
            // process on our port would make ours exit (address in use).
            let ok = process.wait_ready(|| match http_get(port, "/health") {
                Ok(r) if r.contains("\"health\":\"true\"") => Ok(true),
                Ok(r) => Err(r),
                Err(e) => Err(e),
            });
            if ok {
                std::thread::sleep(Duration::from_millis(50));
                if !process.exited() {
                    return Some(Etcd { process, port });
                }
            }
        }
        panic!("could not start etcd from {}", bin.display());
    }

    /// Its client URL.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

// ----------------------------------------------------------- ZooKeeper

/// A standalone ZooKeeper (Debian's `zookeeper`), with a short tick so
/// that sessions can be short.
pub struct ZooKeeper {
    /// Held for its `Drop`, which stops the server.
    _process: Process,
    pub port: u16,
}

impl ZooKeeper {
    pub fn start() -> Option<ZooKeeper> {
        let install = "apt-get install -y zookeeper";
        let java = find(&["java"], &["/usr/bin"])
            .or_else(|| missing("zookeeper", "java (for ZooKeeper)", install))?;
        let classpath = if let Some(home) = std::env::var_os("ZOOKEEPER_HOME") {
            format!("{}/lib/*", PathBuf::from(home).display())
        } else {
            let jar = std::env::var_os("ZOOKEEPER_JAR")
                .map(PathBuf::from)
                .or_else(|| find(&["zookeeper.jar"], &["/usr/share/java"]))
                .or_else(|| missing("zookeeper", "zookeeper.jar", install))?;
            // Debian's jar names its dependencies in its manifest.
            jar.display().to_string()
        };
        for _ in 0..5 {
            let port = free_port();
            let dir = Process::new_dir("zookeeper");
            let config = dir.join("zoo.cfg");
            std::fs::write(
                &config,
                format!(
                    "tickTime=100\n\
                     dataDir={}\n\
                     clientPort={port}\n\
                     clientPortAddress=127.0.0.1\n\
                     minSessionTimeout=200\n\
                     maxSessionTimeout=60000\n\
                     admin.enableServer=false\n\
                     4lw.commands.whitelist=*\n\
                     forceSync=no\n",
                    dir.join("data").display()
                ),
            )
            .expect("zoo.cfg");
            let child = Command::new(&java)
                .args(["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"])
                .args(["-Dzookeeper.admin.enableServer=false"])
                .args(["-cp", &classpath])
                .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
                .arg(&config)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(log_file(&dir))
                .spawn()
                .expect("spawn java");
            let mut process = Process {
                child,
                dir: dir.clone(),
                stop_signal: "TERM",
                name: "zookeeper",
            };
            let data_dir = dir.join("data").display().to_string();
            let ok = process.wait_ready(|| {
                // Until it serves, it answers that it does not; then `conf`
                // names its data directory: ours, or another server's.
                let conf = four_letter_word(port, "conf")?;
                if !conf.contains("dataDir=") {
                    return Err(format!("not serving yet: {conf:?}"));
                }
                Ok(conf.contains(&data_dir))
            });
            if ok {
                return Some(ZooKeeper {
                    _process: process,
                    port,
                });
            }
        }
        panic!("could not start ZooKeeper");
    }

    /// Its address, as the client crate takes it.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

// -------------------------------------------------------------- MariaDB

/// A MariaDB server (Debian's `mariadb-server`) with an empty data
/// directory of its own, root without a password on loopback, and a
/// database `redsim`.
pub struct MariaDb {
    /// Held for its `Drop`, which stops the server.
    _process: Process,
    pub port: u16,
}

impl MariaDb {
    pub fn start() -> Option<MariaDb> {
        let install = "apt-get install -y mariadb-server";
        let sbin = ["/usr/sbin", "/usr/local/sbin", "/usr/bin"];
        let server = find(&["mariadbd", "mysqld"], &sbin)
            .or_else(|| missing("mysql", "mariadbd", install))?;
        let install_db = find(&["mariadb-install-db", "mysql_install_db"], &sbin)
            .or_else(|| missing("mysql", "mariadb-install-db", install))?;
        let root = is_root();
        for _ in 0..5 {
            let port = free_port();
            let dir = Process::new_dir("mariadb");
            let data = dir.join("data");
            let mut init = Command::new(&install_db);
            init.arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
                // Also creates root@127.0.0.1, which TCP clients match.
                .arg("--skip-name-resolve");
            if root {
                init.arg("--user=root");
            }
            let out = init.output().expect("run mariadb-install-db");
            assert!(
                out.status.success(),
                "mariadb-install-db failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let mut cmd = Command::new(&server);
            cmd.arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .arg(format!("--socket={}", dir.join("sock").display()))
                .arg(format!("--pid-file={}", dir.join("pid").display()))
                .arg(format!("--port={port}"))
                .args(["--bind-address=127.0.0.1", "--skip-name-resolve"])
                .args(["--skip-log-bin", "--innodb-buffer-pool-size=32M"])
                .args([
                    "--innodb-flush-log-at-trx-commit=0",
                    "--skip-innodb-doublewrite",
                ])
                // (MariaDB adds `.err` to a log name without an extension.)
                .arg(format!("--log-error={}", dir.join("log.err").display()));
            if root {
                // mariadbd refuses root unless told so explicitly.
                cmd.arg("--user=root");
            }
            let child = cmd
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn mariadbd");
            let mut process = Process {
                child,
                dir: dir.clone(),
                stop_signal: "TERM",
                name: "mariadbd",
            };
            // Ready when our child's log says so (then the port is ours:
            // had another process held it, ours would have failed to bind).
            let ok = process.wait_ready(|| {
                if !process_log(&dir).contains("ready for connections") {
                    return Err("not ready yet".into());
                }
                TcpStream::connect(("127.0.0.1", port))
                    .map(|_| true)
                    .map_err(|e| e.to_string())
            });
            if ok {
                return Some(MariaDb {
                    _process: process,
                    port,
                });
            }
        }
        panic!("could not start MariaDB");
    }

    /// A URL for `mysql_async`, as root, to database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{db}", self.port)
    }
}

// ----------------------------------------------------------- PostgreSQL

/// A PostgreSQL cluster (Debian's `postgresql`) made by `initdb` in a
/// temporary directory, trusting local connections, without fsync.
pub struct Postgres {
    /// Held for its `Drop`, which stops the server.
    _process: Process,
    pub port: u16,
}

impl Postgres {
    fn binaries() -> Option<(PathBuf, PathBuf)> {
        // Debian keeps them off PATH, under /usr/lib/postgresql/<major>/bin.
        let mut extra: Vec<String> = std::fs::read_dir("/usr/lib/postgresql")
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path().join("bin").display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        extra.sort_by_key(|p| {
            std::cmp::Reverse(
                p.split('/')
                    .nth(4)
                    .and_then(|v| v.parse::<u32>().ok())
                    .unwrap_or(0),
            )
        });
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let initdb = find(&["initdb"], &extra)?;
        let postgres = initdb.with_file_name("postgres");
        postgres.is_file().then_some((initdb, postgres))
    }

    pub fn start() -> Option<Postgres> {
        let Some((initdb, postgres)) = Self::binaries() else {
            return missing(
                "postgres",
                "initdb/postgres",
                "apt-get install -y postgresql",
            );
        };
        // PostgreSQL refuses to run as root: run it as `postgres` (or
        // `nobody`), in a directory that user owns.
        let run_as = if is_root() {
            let ids = user_ids("postgres").or_else(|| user_ids("nobody"));
            let ids = ids.expect("running as root, with no postgres or nobody user");
            let setpriv = find(&["setpriv"], &["/usr/bin", "/bin"])
                .expect("running as root: setpriv (util-linux) is needed to start PostgreSQL");
            Some((setpriv, ids))
        } else {
            None
        };
        let command = |program: &Path| {
            let mut c;
            if let Some((setpriv, (uid, gid))) = &run_as {
                c = Command::new(setpriv);
                c.arg(format!("--reuid={uid}"))
                    .arg(format!("--regid={gid}"))
                    .arg("--clear-groups")
                    .arg("--")
                    .arg(program);
            } else {
                c = Command::new(program);
            }
            c
        };
        for _ in 0..5 {
            let port = free_port();
            let dir = Process::new_dir("postgres");
            if let Some((_, (uid, gid))) = &run_as {
                std::os::unix::fs::chown(&dir, Some(*uid), Some(*gid)).expect("chown");
            }
            let data = dir.join("data");
            let out = command(&initdb)
                .arg("-D")
                .arg(&data)
                .args(["-U", "postgres", "-A", "trust", "--no-sync", "--no-locale"])
                .args(["-E", "UTF8"])
                .output()
                .expect("run initdb");
            assert!(
                out.status.success(),
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            let child = command(&postgres)
                .arg("-D")
                .arg(&data)
                .args(["-p", &port.to_string()])
                .arg("-k")
                .arg(&dir)
                .args(["-c", "listen_addresses=127.0.0.1"])
                .args(["-c", "fsync=off", "-c", "synchronous_commit=off"])
                .args(["-c", "full_page_writes=off", "-c", "max_connections=50"])
                .stdout(Stdio::null())
                .stderr(log_file(&dir))
                .spawn()
                .expect("spawn postgres");
            let mut process = Process {
                child,
                dir: dir.clone(),
                // SIGINT: fast shutdown (disconnects clients, then exits).
                stop_signal: "INT",
                name: "postgres",
            };
            // Ready when our child's log says so (then the port is ours:
            // had another process held it, ours would have failed to bind).
            let ok = process.wait_ready(|| {
                if !process_log(&dir).contains("ready to accept connections") {
                    return Err("not ready yet".into());
                }
                TcpStream::connect(("127.0.0.1", port))
                    .map(|_| true)
                    .map_err(|e| e.to_string())
            });
            if ok {
                return Some(Postgres {
                    _process: process,
                    port,
                });
            }
        }
        panic!("could not start PostgreSQL");
    }

    /// What the server has logged so far.
    pub fn log(&self) -> String {
        self._process.log()
    }

    /// A `tokio-postgres` configuration string, as user `postgres`.
    pub fn config(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres dbname=postgres",
            self.port
        )
    }
}
