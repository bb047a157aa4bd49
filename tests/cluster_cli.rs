//! `redsim-server --cluster-enabled yes` processes as `redis-cli --cluster`
//! sees them: created into a cluster (`--cluster create`: ADDSLOTS,
//! SET-CONFIG-EPOCH, MEET, then waiting for every node to agree), checked
//! (`--cluster check`), and resharded with keys in the moving slots
//! (`--cluster reshard`: SETSLOT IMPORTING/MIGRATING, GETKEYSINSLOT,
//! MIGRATE … KEYS in batches, SETSLOT NODE), the keys then read through
//! the `redis` crate's cluster client.
//!
//! The root package cannot name another package's binary
//! (`CARGO_BIN_EXE_*` is per package), so the test builds it with cargo
//! first (nothing to do when it is fresh).

use std::io::Read;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use support::{RawClient, redis_tool};

/// `redsim-server`, built for the profile this test was built in.
fn redsim_server() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // target/<profile>/deps/cluster_cli-<hash>
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap().to_path_buf();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "-q", "-p", "redsim", "--features", "cli"])
        .args(["--bin", "redsim-server", "--target-dir"])
        .arg(&target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        build.arg("--release");
    }
    let status = build.status().expect("run cargo to build redsim-server");
    assert!(status.success(), "cargo could not build redsim-server");
    profile_dir.join("redsim-server")
}

/// A port free with its bus port (+10000) free too.
fn free_node_port() -> u16 {
    loop {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port <= 55535 && TcpListener::bind(("127.0.0.1", port + 10000)).is_ok() {
            return port;
        }
    }
}

/// A redsim-server process, killed on drop.
struct Node {
    child: Child,
    port: u16,
}

impl Node {
    fn start(bin: &PathBuf) -> Node {
        for _ in 0..5 {
            let port = free_node_port();
            let mut child = Command::new(bin)
                .args(["--port", &port.to_string()])
                .args(["--cluster-enabled", "yes", "--save", ""])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start redsim-server");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken meanwhile: another one
                }
                if let Ok(mut c) = RawClient::connect(([127, 0, 0, 1], port).into())
                    && let Ok(reply) = c.try_call(&[b"CLUSTER", b"MYID"])
                {
                    assert!(reply.starts_with(b"$40\r\n"), "{reply:?}");
                    return Node { child, port };
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("redsim-server did not come up");
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn client(&self) -> RawClient {
        RawClient::connect(([127, 0, 0, 1], self.port).into()).unwrap()
    }

    fn call(&self, args: &[&[u8]]) -> String {
        String::from_utf8_lossy(&self.client().call(args)).into_owned()
    }

    fn id(&self) -> String {
        self.call(&[b"CLUSTER", b"MYID"])
            .lines()
            .nth(1)
            .unwrap()
            .to_string()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs redis-cli with `args`; its output, asserted successful within
/// two minutes (`--cluster create` waits forever for a join that never
/// comes: the test must fail, not hang).
#[track_caller]
fn cli(bin: &PathBuf, args: &[&str]) -> String {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run redis-cli");
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = format!("{}{}", out.join().unwrap(), err.join().unwrap());
    match status {
        Some(status) => assert!(status.success(), "redis-cli {args:?} failed:\n{out}"),
        None => panic!("redis-cli {args:?} did not finish in two minutes:\n{out}"),
    }
    out
}

/// Polls until every node says the cluster is up with `known` nodes.
fn until_ok(nodes: &[Node], known: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    for node in nodes {
        loop {
            let info = node.call(&[b"CLUSTER", b"INFO"]);
            if info.contains("cluster_state:ok")
                && info.contains(&format!("cluster_known_nodes:{known}\r"))
            {
                break;
            }
            assert!(Instant::now() < deadline, "never up: {info}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Keys whose slots are below `limit` (the first slots a reshard takes
/// from the first node), `per_tag` keys per hash tag.
fn keys_below(limit: u16, tags: usize, per_tag: usize) -> Vec<String> {
    let mut keys = Vec::new();
    let mut found = 0;
    for t in 0.. {
        let tag = format!("t{t}");
        if redsim::Cluster::slot_of(&tag) < limit {
            for k in 0..per_tag {
                keys.push(format!("{{{tag}}}:{k}"));
            }
            found += 1;
            if found == tags {
                break;
            }
        }
    }
    keys
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn redis_cli_creates_checks_and_reshards_a_redsim_cluster() {
    let Some(cli_bin) = redis_tool("redis-cli") else {
        return;
    };
    let bin = redsim_server();
    let nodes: Vec<Node> = (0..3).map(|_| Node::start(&bin)).collect();
    let addrs: Vec<String> = nodes.iter().map(Node::addr).collect();
    let mut create = vec!["--cluster", "create"];
    create.extend(addrs.iter().map(String::as_str));
    create.push("--cluster-yes");
    let out = cli(&cli_bin, &create);
    assert!(out.contains("[OK] All 16384 slots covered."), "{out}");
    until_ok(&nodes, 3);

    // Keys in the slots the reshard will move, and elsewhere.
    let moving = keys_below(300, 6, 25);
    let client = redis::cluster::ClusterClient::new(
        addrs
            .iter()
            .map(|a| format!("redis://{a}/"))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let mut con = client.get_connection().unwrap();
    for (i, key) in moving.iter().enumerate() {
        redis::cmd("SET")
            .arg(key)
            .arg(format!("v{i}"))
            .exec(&mut con)
            .unwrap();
    }
    redis::cmd("SET")
        .arg(&moving[0])
        .arg("with-ttl")
        .arg("EX")
        .arg(1000)
        .exec(&mut con)
        .unwrap();
    for i in 0..50 {
        redis::cmd("SET")
            .arg(format!("other:{i}"))
            .arg(i)
            .exec(&mut con)
            .unwrap();
    }
    let size = |n: &Node| -> i64 {
        n.call(&[b"DBSIZE"])
            .trim_start_matches(':')
            .trim()
            .parse()
            .unwrap()
    };
    let before: Vec<i64> = nodes.iter().map(size).collect();

    let (from, to) = (nodes[0].id(), nodes[1].id());
    let out = cli(
        &cli_bin,
        &[
            "--cluster",
            "reshard",
            &addrs[0],
            "--cluster-from",
            &from,
            "--cluster-to",
            &to,
            "--cluster-slots",
            "300",
            "--cluster-pipeline",
            "7",
            "--cluster-yes",
        ],
    );
    assert!(out.contains("Moving slot 299 from"), "{out}");

    let out = cli(&cli_bin, &["--cluster", "check", &addrs[2]]);
    assert!(
        out.contains("[OK] All nodes agree about slots configuration."),
        "{out}"
    );
    assert!(out.contains("[OK] All 16384 slots covered."), "{out}");
    assert!(!out.contains("[WARNING]"), "{out}");
    assert!(
        out.contains("slots:[0-299],[5461-10922] (5762 slots) master"),
        "{out}"
    );

    // The keys went with their slots.
    let after: Vec<i64> = nodes.iter().map(size).collect();
    let others_moved = (0..50)
        .filter(|i| redsim::Cluster::slot_of(format!("other:{i}")) < 300)
        .count();
    let n = (moving.len() + others_moved) as i64;
    assert_eq!(after, [before[0] - n, before[1] + n, before[2]]);
    let mut target = nodes[1].client();
    for (i, key) in moving.iter().enumerate().skip(1) {
        let reply = target.call(&[b"GET", key.as_bytes()]);
        let want = format!("v{i}");
        assert_eq!(reply, format!("${}\r\n{want}\r\n", want.len()).as_bytes());
    }
    let ttl = target.call(&[b"TTL", moving[0].as_bytes()]);
    let ttl: i64 = String::from_utf8_lossy(&ttl)
        .trim_start_matches(':')
        .trim()
        .parse()
        .unwrap();
    assert!((900..=1000).contains(&ttl), "{ttl}");
    // A fresh cluster client finds them where they are now.
    let mut con = client.get_connection().unwrap();
    for (i, key) in moving.iter().enumerate().skip(1) {
        let v: String = redis::cmd("GET").arg(key).query(&mut con).unwrap();
        assert_eq!(v, format!("v{i}"));
    }
    for i in 0..50 {
        let v: i64 = redis::cmd("GET")
            .arg(format!("other:{i}"))
            .query(&mut con)
            .unwrap();
        assert_eq!(v, i);
    }
}
