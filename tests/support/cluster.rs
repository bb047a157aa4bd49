//! A real Redis Cluster of three `redis-server --cluster-enabled yes`
//! processes: slots assigned with CLUSTER ADDSLOTSRANGE as `redis-cli
//! --cluster create` splits them, joined with CLUSTER MEET, waited on until
//! every node says `cluster_state:ok`.

use std::time::{Duration, Instant};

use crate::{RawClient, RealRedis, show};

/// The slots of each primary, as `redis-cli --cluster create` splits them.
pub const SPLIT: [(u16, u16); 3] = [(0, 5460), (5461, 10922), (10923, 16383)];

/// A real Redis Cluster: three nodes joined and up.
pub struct RealCluster {
    /// The nodes, primaries of the slots in [`SPLIT`] order.
    pub nodes: Vec<RealRedis>,
}

impl RealCluster {
    /// Starts, joins and waits for the cluster, or `None` when
    /// redis-server is missing (see [`RealRedis::start`]).
    pub fn start() -> Option<RealCluster> {
        let mut nodes = Vec::new();
        for _ in 0..3 {
            nodes.push(RealRedis::start_with(&[
                "--cluster-enabled",
                "yes",
                "--cluster-node-timeout",
                "5000",
            ])?);
        }
        for (node, (start, end)) in nodes.iter().zip(SPLIT) {
            let mut c = RawClient::connect(node.addr()).unwrap();
            let reply = c.call(&[
                b"CLUSTER",
                b"ADDSLOTSRANGE",
                start.to_string().as_bytes(),
                end.to_string().as_bytes(),
            ]);
            assert_eq!(reply, b"+OK\r\n", "{}", show(&reply));
        }
        let mut first = RawClient::connect(nodes[0].addr()).unwrap();
        for node in &nodes[1..] {
            let port = node.port().to_string();
            let reply = first.call(&[b"CLUSTER", b"MEET", b"127.0.0.1", port.as_bytes()]);
            assert_eq!(reply, b"+OK\r\n");
        }
        let cluster = RealCluster { nodes };
        let deadline = Instant::now() + Duration::from_secs(20);
        for node in &cluster.nodes {
            let mut c = RawClient::connect(node.addr()).unwrap();
            loop {
                let info = String::from_utf8_lossy(&c.call(&[b"CLUSTER", b"INFO"])).into_owned();
                if info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3") {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "the real cluster never came up: {info}"
                );
                std::thread::yield_now();
            }
        }
        Some(cluster)
    }
}

impl RealCluster {
    /// `redis://` URLs of the nodes.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RealRedis::url).collect()
    }
}
