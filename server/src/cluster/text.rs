//! The texts a view renders as Redis 7.0 does: CLUSTER NODES lines (also
//! the bus's wire format, see [`super::gossip`]) and CLUSTER INFO.

use std::fmt::Write;

use super::view::{ClusterView, Node, NodeNum};

/// A node's flags as CLUSTER NODES prints them (`myself,master`, `slave`,
/// `master,fail?`…).
pub fn flags(view: &ClusterView, n: NodeNum, node: &Node) -> String {
    let mut f: Vec<&str> = Vec::new();
    if n == view.myself {
        f.push("myself");
    }
    f.push(if node.is_replica() { "slave" } else { "master" });
    if node.pfail {
        f.push("fail?");
    }
    if node.fail {
        f.push("fail");
    }
    f.join(",")
}

/// One CLUSTER NODES line of node `n`, newline included (Redis's
/// `clusterGenNodeDescription`). `now` is the server clock in ms.
pub fn node_line(view: &ClusterView, n: NodeNum, node: &Node, now: i64) -> String {
    let mut line = format!("{} {}:{}@{}", node.id, node.ip, node.port, node.bus_port);
    if !node.hostname.is_empty() {
        let _ = write!(line, ",{}", node.hostname);
    }
    let primary = node.primary.as_deref().unwrap_or("-");
    let myself = n == view.myself;
    let (ping, pong) = if myself {
        (0, now - now.rem_euclid(1000))
    } else {
        (node.ping_sent, node.pong_received)
    };
    let _ = write!(
        line,
        " {} {primary} {ping} {pong} {} connected",
        flags(view, n, node),
        node.config_epoch
    );
    for (start, end) in view.ranges_of(n) {
        if start == end {
            let _ = write!(line, " {start}");
        } else {
            let _ = write!(line, " {start}-{end}");
        }
    }
    if myself {
        for (slot, to) in &view.migrating {
            if let Some(to) = view.node(*to) {
                let _ = write!(line, " [{slot}->-{}]", to.id);
            }
        }
        for (slot, from) in &view.importing {
            if let Some(from) = view.node(*from) {
                let _ = write!(line, " [{slot}-<-{}]", from.id);
            }
        }
    }
    line.push('\n');
    line
}

/// CLUSTER NODES: every known node, one line each.
pub fn nodes(view: &ClusterView, now: i64) -> String {
    view.nodes()
        .map(|(n, node)| node_line(view, n, node, now))
        .collect()
}

/// CLUSTER INFO's text.
pub fn info(view: &ClusterView) -> String {
    let (assigned, ok, pfail, fail) = view.slot_counts();
    let mut t = String::new();
    let state = if view.is_ok() { "ok" } else { "fail" };
    let _ = write!(
        t,
        "cluster_state:{state}\r\ncluster_slots_assigned:{assigned}\r\n\
         cluster_slots_ok:{ok}\r\ncluster_slots_pfail:{pfail}\r\n\
         cluster_slots_fail:{fail}\r\ncluster_known_nodes:{}\r\n\
         cluster_size:{}\r\ncluster_current_epoch:{}\r\ncluster_my_epoch:{}\r\n",
        view.nodes().count(),
        view.size(),
        view.current_epoch,
        my_epoch(view),
    );
    let mut total = 0;
    for kind in KINDS {
        if let Some(&n) = view.sent.get(kind).filter(|&&n| n > 0) {
            let _ = write!(t, "cluster_stats_messages_{kind}_sent:{n}\r\n");
            total += n;
        }
    }
    let _ = write!(t, "cluster_stats_messages_sent:{total}\r\n");
    let mut total = 0;
    for kind in KINDS {
        if let Some(&n) = view.received.get(kind).filter(|&&n| n > 0) {
            let _ = write!(t, "cluster_stats_messages_{kind}_received:{n}\r\n");
            total += n;
        }
    }
    let _ = write!(t, "cluster_stats_messages_received:{total}\r\n");
    t.push_str("total_cluster_links_buffer_limit_exceeded:0\r\n");
    t
}

/// cluster_my_epoch: a replica reports its primary's config epoch.
fn my_epoch(view: &ClusterView) -> u64 {
    view.primary_of(view.myself)
        .and_then(|p| view.node(p))
        .map_or(view.me().config_epoch, |p| p.config_epoch)
}

/// The bus message types, in Redis's order.
const KINDS: [&str; 11] = [
    "ping",
    "pong",
    "meet",
    "fail",
    "publish",
    "auth-req",
    "auth-ack",
    "update",
    "mfstart",
    "module",
    "publishshard",
];
