//! Finds the programs the cross-crate tests need, so that a test that
//! cannot run here shows as *ignored* in the test summary, with the line
//! that says how to install what is missing, instead of passing without
//! having compared anything.
//!
//! Each thing missing sets a `cfg` the tests put in an `ignore` attribute:
//!
//! | cfg | missing | tests |
//! |---|---|---|
//! | `no_redis` | `redis-server` | the parity tests |
//! | `no_etcd`, `no_zookeeper`, `no_mariadb`, `no_postgres` | the service | `tests/lock_backends` |
//! | `no_redis_py`, `no_ioredis` | the client library | `tests/clients.rs` |
//!
//! When the matching requirement is set (`REDSIM_REQUIRE_REDIS=1`,
//! `REDSIM_REQUIRE_SERVICES=1`, `REDSIM_REQUIRE_CLIENTS=1`, as CI sets
//! them) nothing is ignored: the tests run and fail with install
//! instructions instead.
//!
//! The script runs again when PATH, the variables or the requirements
//! change, when a program found goes away, and, while one is missing, when
//! a directory it could appear in changes (something was installed there).
//! Nothing it watches changes while everything stays installed, so it
//! causes no rebuilds.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Finds the first of some program names on PATH or in extra directories.
type Finder<'a> = dyn Fn(&[&str], &[&str]) -> Option<PathBuf> + 'a;

/// One thing a group of tests needs.
struct Need {
    cfg: &'static str,
    /// Where it is, if anywhere.
    found: Option<PathBuf>,
    /// Directories to watch while it is missing.
    watch: Vec<PathBuf>,
    /// The requirement variable that turns "ignored" into "failed".
    require: &'static str,
    what: &'static str,
    install: &'static str,
}

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    for var in [
        "PATH",
        "REDIS_SERVER",
        "ETCD",
        "ZOOKEEPER_HOME",
        "ZOOKEEPER_JAR",
        "REDSIM_REQUIRE_REDIS",
        "REDSIM_REQUIRE_SERVICES",
        "REDSIM_REQUIRE_CLIENTS",
    ] {
        println!("cargo::rerun-if-env-changed={var}");
    }
    let path_dirs: Vec<PathBuf> = env::var_os("PATH")
        .map(|p| env::split_paths(&p).filter(|d| d.is_dir()).collect())
        .unwrap_or_default();
    let on_path = |names: &[&str], extra: &[&str]| -> Option<PathBuf> {
        let dirs = path_dirs
            .iter()
            .cloned()
            .chain(extra.iter().map(PathBuf::from));
        let dirs: Vec<PathBuf> = dirs.collect();
        names
            .iter()
            .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
            .find(|p| p.is_file())
    };
    let with_extra = |extra: &[&str]| -> Vec<PathBuf> {
        let mut dirs = path_dirs.clone();
        dirs.extend(extra.iter().map(PathBuf::from).filter(|d| d.is_dir()));
        dirs
    };

    let sbin = ["/usr/sbin", "/usr/local/sbin", "/usr/bin"];
    let clients = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients");
    let needs = [
        Need {
            cfg: "no_redis",
            found: env::var_os("REDIS_SERVER")
                .map(PathBuf::from)
                .or_else(|| on_path(&["redis-server"], &[])),
            watch: path_dirs.clone(),
            require: "REDSIM_REQUIRE_REDIS",
            what: "redis-server not found: the parity tests",
            install: "apt-get install -y redis-server",
        },
        Need {
            cfg: "no_etcd",
            found: env::var_os("ETCD")
                .map(PathBuf::from)
                .or_else(|| on_path(&["etcd"], &["/usr/bin"])),
            watch: path_dirs.clone(),
            require: "REDSIM_REQUIRE_SERVICES",
            what: "etcd not found: the etcd lock back end's tests",
            install: "apt-get install -y etcd-server",
        },
        Need {
            cfg: "no_zookeeper",
            found: zookeeper(&on_path),
            watch: with_extra(&["/usr/share/java"]),
            require: "REDSIM_REQUIRE_SERVICES",
            what: "ZooKeeper (java and zookeeper.jar) not found: the ZooKeeper lock back end's tests",
            install: "apt-get install -y zookeeper",
        },
        Need {
            cfg: "no_mariadb",
            found: on_path(&["mariadbd", "mysqld"], &sbin)
                .and_then(|_| on_path(&["mariadb-install-db", "mysql_install_db"], &sbin)),
            watch: with_extra(&sbin),
            require: "REDSIM_REQUIRE_SERVICES",
            what: "mariadbd not found: the MySQL lock back end's tests",
            install: "apt-get install -y mariadb-server",
        },
        Need {
            cfg: "no_postgres",
            found: postgres(),
            // Installing it also links its programs into /usr/bin.
            watch: with_extra(&["/usr/lib/postgresql"]),
            require: "REDSIM_REQUIRE_SERVICES",
            what: "PostgreSQL's initdb not found: the PostgreSQL lock back end's tests",
            install: "apt-get install -y postgresql",
        },
        Need {
            cfg: "no_redis_py",
            found: redis_py(),
            watch: python_site_dirs()
                .into_iter()
                .chain(path_dirs.clone())
                .collect(),
            require: "REDSIM_REQUIRE_CLIENTS",
            what: "redis-py not importable by python3: the redis-py client tests",
            install: "pip install -r tests/clients/requirements.txt",
        },
        Need {
            cfg: "no_ioredis",
            found: Some(clients.join("node_modules/ioredis/package.json"))
                .filter(|p| p.is_file())
                .filter(|_| on_path(&["node"], &[]).is_some()),
            watch: std::iter::once(clients.clone())
                .chain(path_dirs.clone())
                .collect(),
            require: "REDSIM_REQUIRE_CLIENTS",
            what: "node or ioredis not found: the ioredis client tests",
            install: "npm ci --prefix tests/clients",
        },
    ];

    for need in needs {
        println!("cargo::rustc-check-cfg=cfg({})", need.cfg);
        let required = env::var(need.require).is_ok_and(|v| v == "1");
        match need.found {
            // Run again if it goes away.
            Some(path) => println!("cargo::rerun-if-changed={}", path.display()),
            None if required => {}
            None => {
                println!("cargo::rustc-cfg={}", need.cfg);
                println!(
                    "cargo::warning={} will show as ignored (Debian/Ubuntu: {})",
                    need.what, need.install
                );
                // Run again once something is installed there. A directory
                // watched is scanned by cargo, so only small ones or
                // existing ones are named.
                for dir in need.watch.iter().filter(|d| d.is_dir()) {
                    println!("cargo::rerun-if-changed={}", dir.display());
                }
            }
        }
    }
}

/// ZooKeeper's jar, where `java` can run it (as tests/lock_backends does).
fn zookeeper(on_path: &Finder) -> Option<PathBuf> {
    on_path(&["java"], &["/usr/bin"])?;
    if let Some(home) = env::var_os("ZOOKEEPER_HOME") {
        return Some(PathBuf::from(home)).filter(|p| p.is_dir());
    }
    env::var_os("ZOOKEEPER_JAR")
        .map(PathBuf::from)
        .or_else(|| on_path(&["zookeeper.jar"], &["/usr/share/java"]))
}

/// PostgreSQL's initdb, under /usr/lib/postgresql/<version>/bin.
fn postgres() -> Option<PathBuf> {
    std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path().join("bin/initdb"))
        .find(|p| p.is_file())
}

/// The file python3 imports redis-py from.
fn redis_py() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import redis; print(redis.__file__)"])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let path = String::from_utf8(out.stdout).ok()?;
    Some(PathBuf::from(path.trim())).filter(|p| out.status.success() && p.is_file())
}

/// Where python3 installs packages: watched while redis-py is missing.
fn python_site_dirs() -> Vec<PathBuf> {
    let Ok(out) = Command::new("python3")
        .args([
            "-c",
            "import site; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))",
        ])
        .stderr(Stdio::null())
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(PathBuf::from)
        .collect()
}
