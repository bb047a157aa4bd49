//! Cluster mode compared with a real Redis Cluster: three `redis-server
//! --cluster-enabled yes` started by the test, slots assigned with CLUSTER
//! ADDSLOTSRANGE as `redis-cli --cluster create` splits them, joined with
//! CLUSTER MEET, waited on until `cluster_state:ok`; and a three-primary
//! `redsim::Cluster` with the same slots. Replies are compared byte for
//! byte after masking what differs by nature, explicitly: node ids and
//! ports (each replaced by its node's index, same length), epochs and
//! message counters in CLUSTER INFO.

use support::cluster::RealCluster;
use support::{RawClient, show, sorted, split_command};

/// One client per node on each side, with what masks their differences.
struct Pairs {
    sim: Vec<RawClient>,
    real: Vec<RawClient>,
    /// (sim bytes, real bytes, mask) per id and port.
    masks: Vec<(String, String, String)>,
}

fn node_id(c: &mut RawClient) -> String {
    let reply = c.call(&[b"CLUSTER", b"MYID"]);
    let text = String::from_utf8_lossy(&reply).into_owned();
    text.lines().nth(1).unwrap().to_string()
}

impl Pairs {
    fn new(sim: &redsim::Cluster, real: &RealCluster) -> Pairs {
        let mut pairs = Pairs {
            sim: sim
                .nodes()
                .iter()
                .map(|n| RawClient::connect(n.addr()).unwrap())
                .collect(),
            real: real
                .nodes
                .iter()
                .map(|n| RawClient::connect(n.addr()).unwrap())
                .collect(),
            masks: Vec::new(),
        };
        for i in 0..3 {
            let sid = node_id(&mut pairs.sim[i]);
            let rid = node_id(&mut pairs.real[i]);
            pairs
                .masks
                .push((sid, rid, format!("{:x<40}", format!("node{i}"))));
            let sport = sim.node(i).addr().port().to_string();
            let rport = real.nodes[i].port().to_string();
            assert_eq!((sport.len(), rport.len()), (5, 5), "ephemeral ports");
            pairs.masks.push((sport, rport, format!("port{i}")));
        }
        pairs
    }

    fn mask(&self, reply: &[u8], real: bool) -> Vec<u8> {
        let mut text = reply.to_vec();
        for (s, r, m) in &self.masks {
            let from = if real { r } else { s };
            text = replace(&text, from.as_bytes(), m.as_bytes());
        }
        text
    }

    /// Sends `line` to node `i` of both clusters; the masked replies.
    fn both(&mut self, i: usize, line: &str) -> (Vec<u8>, Vec<u8>) {
        let args = split_command(line);
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        let sim = self.sim[i].call(&args);
        let real = self.real[i].call(&args);
        (self.mask(&sim, false), self.mask(&real, true))
    }

    #[track_caller]
    fn run(&mut self, i: usize, line: &str) -> Vec<u8> {
        let (sim, real) = self.both(i, line);
        assert!(
            sim == real,
            "replies differ on node {i}\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
        sim
    }

    #[track_caller]
    fn run_sorted(&mut self, i: usize, line: &str) {
        let (sim, real) = self.both(i, line);
        assert!(
            sorted(&sim, false) == sorted(&real, false),
            "replies differ (sorted) on node {i}\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&sim),
            show(&real)
        );
    }
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

macro_rules! clusters {
    () => {{
        let Some(real) = RealCluster::start() else {
            return;
        };
        let sim = redsim::Cluster::start().expect("start redsim cluster");
        let pairs = Pairs::new(&sim, &real);
        (sim, real, pairs)
    }};
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn redirections_and_refusals_match_redis_cluster() {
    let (_sim, _real, mut p) = clusters!();
    p.run(0, "GET foo");
    p.run(2, "SET foo bar");
    p.run(2, "GET foo");
    p.run(1, "SET foo x");
    p.run(0, "MGET a b");
    p.run(0, "MSET {a}1 1 {a}2 2");
    p.run(2, "MSET {a}1 1 {a}2 2");
    p.run(2, "MGET {a}1 {a}2 {a}3");
    p.run(0, "SELECT 1");
    p.run(0, "SELECT 0");
    p.run(0, "SELECT x");
    p.run(0, "READONLY");
    p.run(0, "READWRITE");
    p.run(0, "ASKING");
    p.run(0, "PING");
    p.run(0, "DBSIZE");
    p.run(0, "SPUBLISH foo msg");
    p.run(2, "SPUBLISH foo msg");
    // A transaction with a command of another node's slot: refused in
    // MULTI, the EXEC aborted.
    p.run(0, "MULTI");
    p.run(0, "GET foo");
    p.run(0, "EXEC");
    // A script's keys: declared elsewhere, reached elsewhere, across slots.
    p.run(0, "EVAL \"return 1\" 1 foo");
    p.run(0, "EVAL \"return redis.call('get','foo')\" 0");
    p.run(2, "EVAL \"return redis.call('get','foo')\" 0");
    p.run(2, "EVAL \"return redis.call('get',KEYS[1])\" 1 foo");
    p.run(2, "EVAL \"return 1\" 2 foo bar");
    p.run(
        2,
        "EVAL \"redis.call('get',KEYS[1]); return redis.call('get','{foo}x')\" 1 foo",
    );
    p.run(
        2,
        "EVAL \"redis.call('get','foo'); return redis.call('get','{a}x')\" 0",
    );
    p.run(0, "INFO cluster");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn sort_key_patterns_are_refused_as_redis_cluster_refuses_them() {
    let (_sim, _real, mut p) = clusters!();
    // {a} hashes to node 2's slots.
    p.run(2, "RPUSH {a}l 3 1 2");
    p.run(2, "SET {a}w_1 9");
    p.run(2, "SORT {a}l");
    p.run(2, "SORT {a}l BY nosort");
    p.run(2, "SORT {a}l BY w_*");
    p.run(2, "SORT {a}l BY {a}w_*");
    p.run(2, "SORT {a}l BY w_* BADOPTION");
    p.run(2, "SORT {a}l BADOPTION BY w_*");
    p.run(2, "SORT {a}l GET #");
    p.run(2, "SORT {a}l GET {a}x_*");
    p.run(2, "SORT {a}l LIMIT 0 1 GET x");
    p.run(2, "SORT {a}l BY nosort GET # STORE {a}dst");
    p.run(2, "SORT {a}l BY");
    p.run(2, "SORT_RO {a}l BY w_*");
    p.run(2, "SORT_RO {a}l GET #");
    p.run(2, "SORT_RO {a}l ALPHA DESC");
    p.run(2, "EXISTS {a}dst");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn the_ask_window_matches_redis_cluster() {
    let (_sim, _real, mut p) = clusters!();
    // Slot 15495 ('a'): node 2's; moving to node 1, one key gone.
    p.run(2, "SET {a}kept 1");
    p.run(2, "SET {a}gone 2");
    let ids: Vec<(String, String)> = p
        .masks
        .iter()
        .filter(|(_, _, m)| m.starts_with("node"))
        .map(|(s, r, _)| (s.clone(), r.clone()))
        .collect();
    let setslot = |p: &mut Pairs, i: usize, action: &str, to: usize| {
        let line = |id: &str| format!("CLUSTER SETSLOT 15495 {action} {id}");
        let args_s = split_command(&line(&ids[to].0));
        let args_r = split_command(&line(&ids[to].1));
        let s = p.sim[i].call(&args_s.iter().map(|a| a.as_slice()).collect::<Vec<_>>());
        let r = p.real[i].call(&args_r.iter().map(|a| a.as_slice()).collect::<Vec<_>>());
        assert_eq!(show(&s), show(&r), "{action} on node {i}");
    };
    setslot(&mut p, 1, "IMPORTING", 2);
    setslot(&mut p, 2, "MIGRATING", 1);
    // What MIGRATE would do for one key, by hand on both sides.
    p.run(2, "DEL {a}gone");
    p.run(1, "ASKING");
    p.run(1, "SET {a}gone 2");
    p.run(2, "GET {a}kept");
    p.run(2, "GET {a}gone");
    p.run(2, "MGET {a}kept {a}gone");
    p.run(2, "GET {a}never");
    p.run(2, "SET {a}new 1");
    p.run(1, "GET {a}gone");
    p.run(1, "ASKING");
    p.run(1, "GET {a}gone");
    p.run(1, "GET {a}gone");
    p.run(1, "ASKING");
    p.run(1, "MGET {a}gone {a}kept");
    p.run(1, "ASKING");
    p.run(1, "MULTI");
    p.run(1, "GET {a}gone");
    p.run(1, "EXEC");
    p.run(2, "CLUSTER COUNTKEYSINSLOT 15495");
    p.run(1, "CLUSTER COUNTKEYSINSLOT 15495");
    p.run(2, "CLUSTER SETSLOT 15495 NODE nosuchnode");
    setslot(&mut p, 2, "NODE", 1);
    p.run(2, "CLUSTER SETSLOT 15495 STABLE");
    p.run(1, "CLUSTER SETSLOT 15495 STABLE");
    p.run(2, "GET {a}kept");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn migrate_in_the_ask_window_matches_redis_cluster() {
    let (sim, real, mut p) = clusters!();
    // Slot 15495 ('a'): node 2's, moving to node 1 by MIGRATE.
    for line in ["SET {a}k1 1", "SET {a}k2 2", "SET {a}k3 3", "SET {a}k4 4"] {
        p.run(2, line);
    }
    let ids: Vec<(String, String)> = p
        .masks
        .iter()
        .filter(|(_, _, m)| m.starts_with("node"))
        .map(|(s, r, _)| (s.clone(), r.clone()))
        .collect();
    // `line` with {id} and {port} standing for node `to`'s, per side.
    let both = |p: &mut Pairs, i: usize, line: &str, to: usize| {
        let side = |id: &str, port: u16| {
            split_command(
                &line
                    .replace("{id}", id)
                    .replace("{port}", &port.to_string()),
            )
        };
        let args_s = side(&ids[to].0, sim.node(to).addr().port());
        let args_r = side(&ids[to].1, real.nodes[to].port());
        let s = p.sim[i].call(&args_s.iter().map(|a| a.as_slice()).collect::<Vec<_>>());
        let r = p.real[i].call(&args_r.iter().map(|a| a.as_slice()).collect::<Vec<_>>());
        let (s, r) = (p.mask(&s, false), p.mask(&r, true));
        assert!(
            s == r,
            "replies differ on node {i}\n  command: {line}\n  redsim:  {}\n  redis:   {}\n",
            show(&s),
            show(&r)
        );
    };
    // Not importing yet: the target refuses RESTORE-ASKING with MOVED.
    both(&mut p, 2, "MIGRATE 127.0.0.1 {port} {a}k1 0 5000", 1);
    both(&mut p, 1, "CLUSTER SETSLOT 15495 IMPORTING {id}", 2);
    both(&mut p, 2, "CLUSTER SETSLOT 15495 MIGRATING {id}", 1);
    both(&mut p, 2, "MIGRATE 127.0.0.1 {port} {a}k1 0 5000", 1);
    both(
        &mut p,
        2,
        "MIGRATE 127.0.0.1 {port} \"\" 0 5000 KEYS {a}k2 {a}none {a}k3",
        1,
    );
    // A key already gone: NOKEY, served although the slot is open.
    both(&mut p, 2, "MIGRATE 127.0.0.1 {port} {a}k1 0 5000", 1);
    // To a node that is not importing: its MOVED passed through.
    both(&mut p, 2, "MIGRATE 127.0.0.1 {port} {a}k4 0 5000", 0);
    // MIGRATE's key routed like any other.
    p.run(0, "MIGRATE 127.0.0.1 1 {a}k4 0 5000");
    p.run(2, "GET {a}k1");
    p.run(2, "GET {a}k4");
    p.run(2, "CLUSTER COUNTKEYSINSLOT 15495");
    p.run(1, "CLUSTER COUNTKEYSINSLOT 15495");
    p.run(1, "ASKING");
    p.run(1, "GET {a}k2");
    both(&mut p, 2, "MIGRATE 127.0.0.1 {port} {a}k4 0 5000 COPY", 1);
    p.run(2, "CLUSTER GETKEYSINSLOT 15495 10");
    both(
        &mut p,
        2,
        "MIGRATE 127.0.0.1 {port} {a}k4 0 5000 REPLACE",
        1,
    );
    p.run(2, "CLUSTER COUNTKEYSINSLOT 15495");
    both(&mut p, 2, "CLUSTER SETSLOT 15495 NODE {id}", 1);
    both(&mut p, 1, "CLUSTER SETSLOT 15495 NODE {id}", 1);
    p.run(1, "MGET {a}k1 {a}k2 {a}k3 {a}k4");
    p.run(1, "CLUSTER COUNTKEYSINSLOT 15495");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn cluster_subcommand_errors_match_redis_cluster() {
    let (_sim, _real, mut p) = clusters!();
    for line in [
        "CLUSTER KEYSLOT foo",
        "CLUSTER KEYSLOT {user1000}.following",
        "CLUSTER KEYSLOT {}x",
        "CLUSTER COUNTKEYSINSLOT 20000",
        "CLUSTER COUNTKEYSINSLOT -1",
        "CLUSTER COUNTKEYSINSLOT x",
        "CLUSTER COUNTKEYSINSLOT 1 2",
        "CLUSTER GETKEYSINSLOT 0 x",
        "CLUSTER GETKEYSINSLOT 0 -1",
        "CLUSTER GETKEYSINSLOT 20000 1",
        "CLUSTER GETKEYSINSLOT 0 10",
        "CLUSTER ADDSLOTS 1",
        "CLUSTER ADDSLOTS 99999",
        "CLUSTER ADDSLOTS x",
        "CLUSTER ADDSLOTSRANGE 5 1",
        "CLUSTER ADDSLOTSRANGE 1 2 3",
        "CLUSTER ADDSLOTSRANGE 0 10",
        "CLUSTER DELSLOTSRANGE 9 1",
        "CLUSTER SETSLOT 1 foo",
        "CLUSTER SETSLOT x importing a",
        "CLUSTER SETSLOT 1 importing nosuch",
        "CLUSTER SETSLOT 1 migrating nosuch",
        "CLUSTER SETSLOT 6000 migrating nosuch",
        "CLUSTER SETSLOT 6000 importing nosuch",
        "CLUSTER SETSLOT 1 stable extra",
        "CLUSTER FORGET nosuch",
        "CLUSTER REPLICATE nosuch",
        "CLUSTER FAILOVER",
        "CLUSTER FAILOVER force",
        "CLUSTER FAILOVER bad",
        "CLUSTER FAILOVER force extra",
        "CLUSTER MEET 1.2.3.4 x",
        "CLUSTER MEET 1.2.3.4 1 x",
        "CLUSTER MEET nohost 7000",
        "CLUSTER MEET 127.0.0.1 70000",
        "CLUSTER COUNT-FAILURE-REPORTS nosuch",
        "CLUSTER REPLICAS nosuch",
        "CLUSTER SLAVES nosuch",
        "CLUSTER SET-CONFIG-EPOCH 5",
        "CLUSTER SET-CONFIG-EPOCH -1",
        "CLUSTER SET-CONFIG-EPOCH x",
        "CLUSTER RESET bad",
        "CLUSTER FLUSHSLOTS",
        "CLUSTER SAVECONFIG",
        "CLUSTER NOSUCH",
        "CLUSTER",
        "CLUSTER INFO extra",
        "CLUSTER HELP",
        "CLUSTER MYID extra",
    ] {
        p.run(0, line);
    }
    // Node ids are masked: these name real nodes.
    p.run(0, "CLUSTER FORGET node0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    p.run(
        0,
        "CLUSTER REPLICATE node0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    );
    p.run(0, "SET {x}k v");
    p.run(0, "CLUSTER RESET");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn cluster_slots_shards_nodes_and_info_have_redis_shapes() {
    let (_sim, _real, mut p) = clusters!();
    for i in 0..3 {
        p.run(i, "CLUSTER SLOTS");
        p.run_sorted(i, "CLUSTER SHARDS");
        p.run(i, "CLUSTER MYID");
        p.run(
            i,
            "CLUSTER REPLICAS node0xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        );
    }
    // CLUSTER INFO: the state and slot counts are compared; the epochs and
    // the bus's message counts differ by nature.
    let (sim, real) = p.both(0, "CLUSTER INFO");
    let head = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .lines()
            .filter(|l| !l.contains("epoch") && !l.contains("messages"))
            .map(|l| {
                l.split(':').next().unwrap_or("").to_string()
                    + ":"
                    + l.split(':').nth(1).unwrap_or("")
            })
            .collect::<Vec<_>>()
    };
    let (hs, hr) = (head(&sim), head(&real));
    assert_eq!(hs[1..], hr[1..], "CLUSTER INFO");
    // CLUSTER NODES: one line per node, fields as Redis prints them; the
    // ping/pong times and epochs differ by nature.
    let (sim, real) = p.both(1, "CLUSTER NODES");
    let fields = |b: &[u8]| {
        let mut lines: Vec<String> = String::from_utf8_lossy(b)
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let f: Vec<&str> = l.split(' ').collect();
                let addr = f[1].split('@').next().unwrap_or("");
                format!(
                    "{} {} {} {} {} {}",
                    f[0],
                    addr,
                    f[2],
                    f[3],
                    f[7],
                    f[8..].join(" ")
                )
            })
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(fields(&sim), fields(&real), "CLUSTER NODES");
    let (sim, real) = p.both(1, "CLUSTER LINKS");
    // How many links a real node has open at a given instant varies (each
    // direction comes up on its own), and so do a link's events and
    // buffers: one link's fields are compared.
    let first = |b: &[u8]| {
        let one = support::split_aggregate(b, false).unwrap().1[0].clone();
        support::mask::mask_values_after(
            &one,
            &[
                "direction",
                "node",
                "create-time",
                // "r" or "rw", buffers empty or not: the instant's.
                "events",
                "send-buffer-allocated",
                "send-buffer-used",
            ],
        )
    };
    assert_eq!(show(&first(&sim)), show(&first(&real)), "CLUSTER LINKS");
}
