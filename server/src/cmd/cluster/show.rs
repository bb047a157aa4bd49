//! The CLUSTER subcommands that show this node's view: INFO, NODES,
//! SLOTS, SHARDS, LINKS and REPLICAS, in Redis 7.0's shapes.

use super::{CmdResult, Ctx, error, view};
use crate::cluster::text;
use crate::cluster::view::{ClusterView, Node, NodeNum};
use crate::protocol::Out;

/// # Format
/// `CLUSTER INFO`
pub(super) fn info(ctx: &mut Ctx<'_>) -> CmdResult {
    let text = text::info(view(ctx)?);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// # Format
/// `CLUSTER NODES`
pub(super) fn nodes(ctx: &mut Ctx<'_>) -> CmdResult {
    let now = ctx.now;
    let text = text::nodes(view(ctx)?, now);
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// # Format
/// `CLUSTER REPLICAS node-id` (and `CLUSTER SLAVES`)
pub(super) fn replicas(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.arg(2);
    let now = ctx.now;
    let view = ctx
        .state
        .cluster
        .as_deref()
        .ok_or(error::CLUSTER_DISABLED)?;
    let n = view.find(id).ok_or_else(|| error::unknown_node(id))?;
    let node = view.node(n).expect("found");
    if node.is_replica() {
        return Err(error::CLUSTER_NOT_A_PRIMARY);
    }
    let lines: Vec<String> = view
        .replicas_of(&node.id)
        .into_iter()
        .filter_map(|r| view.node(r).map(|rn| text::node_line(view, r, rn, now)))
        .collect();
    ctx.out.array(lines.len());
    for l in &lines {
        ctx.out.bulk(l.as_bytes());
    }
    Ok(())
}

/// One node of a CLUSTER SLOTS range: endpoint, port, id, metadata.
fn slot_node(out: &mut Out, node: &Node) {
    out.array(4);
    out.bulk(node.ip.as_bytes());
    out.int(i64::from(node.port));
    out.bulk(node.id.as_bytes());
    if node.hostname.is_empty() {
        out.map(0);
    } else {
        out.map(1);
        out.bulk(b"hostname");
        out.bulk(node.hostname.as_bytes());
    }
}

/// The replicas listed beside a primary: those not failed.
fn live_replicas<'v>(view: &'v ClusterView, primary: &Node) -> Vec<&'v Node> {
    view.replicas_of(&primary.id)
        .into_iter()
        .filter_map(|r| view.node(r))
        .filter(|r| !r.fail)
        .collect()
}

/// # Format
/// `CLUSTER SLOTS`
pub(super) fn slots(ctx: &mut Ctx<'_>) -> CmdResult {
    let view = ctx
        .state
        .cluster
        .as_deref()
        .ok_or(error::CLUSTER_DISABLED)?;
    let runs = view.runs();
    let out = &mut *ctx.out;
    out.array(runs.len());
    for (start, end, owner) in runs {
        let node = view.node(owner).expect("an owner is known");
        let replicas = live_replicas(view, node);
        out.array(3 + replicas.len());
        out.int(i64::from(start));
        out.int(i64::from(end));
        slot_node(out, node);
        for r in replicas {
            slot_node(out, r);
        }
    }
    Ok(())
}

/// The health CLUSTER SHARDS reports of a node.
fn health(node: &Node, offset: i64) -> &'static str {
    if node.fail {
        "fail"
    } else if node.is_replica() && offset == 0 {
        "loading"
    } else {
        "online"
    }
}

fn shard_node(out: &mut Out, view: &ClusterView, n: NodeNum, node: &Node) {
    let offset = node.repl_offset;
    let fields = if node.hostname.is_empty() { 7 } else { 8 };
    out.map(fields);
    out.bulk(b"id");
    out.bulk(node.id.as_bytes());
    out.bulk(b"port");
    out.int(i64::from(node.port));
    out.bulk(b"ip");
    out.bulk(node.ip.as_bytes());
    out.bulk(b"endpoint");
    out.bulk(node.ip.as_bytes());
    if !node.hostname.is_empty() {
        out.bulk(b"hostname");
        out.bulk(node.hostname.as_bytes());
    }
    out.bulk(b"role");
    out.bulk(if node.is_replica() {
        b"replica".as_slice()
    } else {
        b"master"
    });
    out.bulk(b"replication-offset");
    out.int(offset);
    out.bulk(b"health");
    out.bulk(health(node, offset).as_bytes());
    let _ = (view, n);
}

/// # Format
/// `CLUSTER SHARDS` — one entry per primary: its slot ranges, then the
/// primary and its replicas.
pub(super) fn shards(ctx: &mut Ctx<'_>) -> CmdResult {
    let view = ctx
        .state
        .cluster
        .as_deref()
        .ok_or(error::CLUSTER_DISABLED)?;
    let primaries: Vec<(NodeNum, &Node)> = view.nodes().filter(|(_, n)| !n.is_replica()).collect();
    let out = &mut *ctx.out;
    out.array(primaries.len());
    for (n, node) in primaries {
        out.map(2);
        out.bulk(b"slots");
        let ranges = view.ranges_of(n);
        out.array(ranges.len() * 2);
        for (s, e) in ranges {
            out.int(i64::from(s));
            out.int(i64::from(e));
        }
        out.bulk(b"nodes");
        let replicas = view.replicas_of(&node.id);
        out.array(1 + replicas.len());
        shard_node(out, view, n, node);
        for r in replicas {
            if let Some(rn) = view.node(r) {
                shard_node(out, view, r, rn);
            }
        }
    }
    Ok(())
}

/// # Format
/// `CLUSTER LINKS` — a link each way with every other node that is not
/// cut off.
pub(super) fn links(ctx: &mut Ctx<'_>) -> CmdResult {
    let view = ctx
        .state
        .cluster
        .as_deref()
        .ok_or(error::CLUSTER_DISABLED)?;
    let peers: Vec<&Node> = if view.isolated {
        Vec::new()
    } else {
        view.nodes()
            .filter(|(n, node)| *n != view.myself && !node.fail)
            .map(|(_, node)| node)
            .collect()
    };
    let out = &mut *ctx.out;
    out.array(peers.len() * 2);
    for node in peers {
        for direction in [b"to".as_slice(), b"from"] {
            out.map(6);
            out.bulk(b"direction");
            out.bulk(direction);
            out.bulk(b"node");
            out.bulk(node.id.as_bytes());
            out.bulk(b"create-time");
            out.int(node.linked_at);
            out.bulk(b"events");
            out.bulk(b"r");
            out.bulk(b"send-buffer-allocated");
            out.int(0);
            out.bulk(b"send-buffer-used");
            out.int(0);
        }
    }
    Ok(())
}
