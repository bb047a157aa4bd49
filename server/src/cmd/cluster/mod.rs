//! Cluster mode's commands: CLUSTER and its subcommands, ASKING, READONLY
//! and READWRITE; and the router ([`route`]) the executor consults before
//! a command runs on a node in cluster mode.
//!
//! Every command here answers `ERR This instance has cluster support
//! disabled` on a server not in cluster mode, as Redis does. What a
//! command changes in the node's view is announced on the bus (see
//! `conn::bus`); what it reads is this node's view, which may lag the
//! others'.

mod change;
pub mod route;
mod show;

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::cluster::{ClusterView, SLOTS, key_slot};

const CLUSTER: &str = "cluster";

/// The cluster commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::container("cluster", SUBCOMMANDS)
        .acl("slow")
        .doc(CLUSTER, "3.0.0", "A container for Redis Cluster commands."),
    CommandSpec::new("asking", 1, asking)
        .flags(FAST)
        .acl("fast connection")
        .doc(
            CLUSTER,
            "3.0.0",
            "Signals that a cluster client is following an -ASK redirect.",
        ),
    CommandSpec::new("readonly", 1, readonly)
        .flags(LOADING | STALE | FAST)
        .acl("fast connection")
        .doc(
            CLUSTER,
            "3.0.0",
            "Enables read-only queries for a connection to a Redis Cluster replica node.",
        ),
    CommandSpec::new("readwrite", 1, readwrite)
        .flags(LOADING | STALE | FAST)
        .acl("fast connection")
        .doc(
            CLUSTER,
            "3.0.0",
            "Enables read-write queries for a connection to a Reids Cluster replica node.",
        ),
];

const ADMIN_SUB: u32 = ADMIN | STALE | NO_ASYNC_LOADING;
const ADMIN_ACL: &str = "admin slow dangerous";

const SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("cluster|addslots", -3, change::addslots)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Assigns new hash slots to a node."),
    CommandSpec::new("cluster|addslotsrange", -4, change::addslotsrange)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "7.0.0", "Assigns new hash slot ranges to a node."),
    CommandSpec::new("cluster|bumpepoch", 2, change::bumpepoch)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Advances the cluster config epoch."),
    CommandSpec::new("cluster|count-failure-reports", 3, count_failure_reports)
        .flags(ADMIN | STALE)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Returns the number of active failure reports active for a node.",
        ),
    CommandSpec::new("cluster|countkeysinslot", 3, countkeysinslot)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "3.0.0",
            "Returns the number of keys in a hash slot.",
        ),
    CommandSpec::new("cluster|delslots", -3, change::delslots)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Sets hash slots as unbound for a node."),
    CommandSpec::new("cluster|delslotsrange", -4, change::delslotsrange)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "7.0.0",
            "Sets hash slot ranges as unbound for a node.",
        ),
    CommandSpec::new("cluster|failover", -2, change::failover)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Forces a replica to perform a manual failover of its master.",
        ),
    CommandSpec::new("cluster|flushslots", 2, change::flushslots)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Deletes all slots information from a node.",
        ),
    CommandSpec::new("cluster|forget", 3, change::forget)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Removes a node from the nodes table."),
    CommandSpec::new("cluster|getkeysinslot", 4, getkeysinslot)
        .flags(STALE)
        .acl("slow")
        .doc(CLUSTER, "3.0.0", "Returns the key names in a hash slot."),
    CommandSpec::new("cluster|help", 2, help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "5.0.0",
            "Returns helpful text about the different subcommands.",
        ),
    CommandSpec::new("cluster|info", 2, show::info)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "3.0.0",
            "Returns information about the state of a node.",
        ),
    CommandSpec::new("cluster|keyslot", 3, keyslot)
        .flags(STALE)
        .acl("slow")
        .doc(CLUSTER, "3.0.0", "Returns the hash slot for a key."),
    CommandSpec::new("cluster|links", 2, show::links)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "7.0.0",
            "Returns a list of all TCP links to and from peer nodes.",
        ),
    CommandSpec::new("cluster|meet", -4, change::meet)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Forces a node to handshake with another node.",
        ),
    CommandSpec::new("cluster|myid", 2, myid)
        .flags(STALE)
        .acl("slow")
        .doc(CLUSTER, "3.0.0", "Returns the ID of a node."),
    CommandSpec::new("cluster|nodes", 2, show::nodes)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "3.0.0",
            "Returns the cluster configuration for a node.",
        ),
    CommandSpec::new("cluster|replicas", 3, show::replicas)
        .flags(ADMIN | STALE)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "5.0.0",
            "Lists the replica nodes of a master node.",
        ),
    CommandSpec::new("cluster|replicate", 3, change::replicate)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Configure a node as replica of a master node.",
        ),
    CommandSpec::new("cluster|reset", -2, change::reset)
        .flags(ADMIN | NOSCRIPT | STALE)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Resets a node."),
    CommandSpec::new("cluster|saveconfig", 2, saveconfig)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Forces a node to save the cluster configuration to disk.",
        ),
    CommandSpec::new("cluster|set-config-epoch", 3, change::set_config_epoch)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Sets the configuration epoch for a new node.",
        ),
    CommandSpec::new("cluster|setslot", -4, change::setslot)
        .flags(ADMIN_SUB)
        .acl(ADMIN_ACL)
        .doc(CLUSTER, "3.0.0", "Binds a hash slot to a node."),
    CommandSpec::new("cluster|shards", 2, show::shards)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "7.0.0",
            "Returns the mapping of cluster slots to shards.",
        ),
    CommandSpec::new("cluster|slaves", 3, show::replicas)
        .flags(ADMIN | STALE)
        .acl(ADMIN_ACL)
        .doc(
            CLUSTER,
            "3.0.0",
            "Lists the replica nodes of a master node.",
        ),
    CommandSpec::new("cluster|slots", 2, show::slots)
        .flags(STALE)
        .acl("slow")
        .doc(
            CLUSTER,
            "3.0.0",
            "Returns the mapping of cluster slots to nodes.",
        ),
];

/// This node's view, or Redis's error on a server not in cluster mode.
fn view<'a>(ctx: &'a mut Ctx<'_>) -> Result<&'a mut ClusterView, CmdError> {
    ctx.state
        .cluster
        .as_deref_mut()
        .ok_or(error::CLUSTER_DISABLED)
}

/// A slot argument (Redis's `getSlotOrReply`).
fn slot_arg(arg: &[u8]) -> Result<u16, CmdError> {
    crate::num::parse_i64(arg)
        .filter(|&n| (0..SLOTS as i64).contains(&n))
        .map(|n| n as u16)
        .ok_or(error::CLUSTER_BAD_SLOT)
}

/// The keys of database 0 in `slot`.
fn keys_in_slot<'a>(ctx: &'a Ctx<'_>, slot: u16) -> impl Iterator<Item = &'a [u8]> {
    ctx.state.dbs[0]
        .iter()
        .map(|(k, _)| k.as_slice())
        .filter(move |k| key_slot(k) == slot)
}

/// # Format
/// `ASKING` — the next command (or the transaction that follows) may run
/// on a slot this node is importing.
fn asking(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    view(ctx)?.asking.insert(id);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `READONLY` — reads of the primary's slots are served by this replica.
fn readonly(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    view(ctx)?.readonly.insert(id);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `READWRITE` — ends READONLY.
fn readwrite(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    view(ctx)?.readonly.remove(&id);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLUSTER KEYSLOT key`
fn keyslot(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    let slot = key_slot(ctx.arg(2));
    ctx.out.int(i64::from(slot));
    Ok(())
}

/// # Format
/// `CLUSTER COUNTKEYSINSLOT slot` — keys not yet purged after their
/// deadline count, as in Redis's slot index.
fn countkeysinslot(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    let n = super::int_arg(ctx.arg(2))?;
    if !(0..SLOTS as i64).contains(&n) {
        return Err(error::CLUSTER_INVALID_SLOT);
    }
    let count = keys_in_slot(ctx, n as u16).count();
    ctx.out.int(count as i64);
    Ok(())
}

/// # Format
/// `CLUSTER GETKEYSINSLOT slot count`
fn getkeysinslot(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    let slot = super::int_arg(ctx.arg(2))?;
    let max = super::int_arg(ctx.arg(3))?;
    if !(0..SLOTS as i64).contains(&slot) || max < 0 {
        return Err(error::CLUSTER_INVALID_SLOT_OR_COUNT);
    }
    let keys: Vec<Vec<u8>> = keys_in_slot(ctx, slot as u16)
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .map(<[u8]>::to_vec)
        .collect();
    ctx.out.array(keys.len());
    for k in &keys {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// # Format
/// `CLUSTER MYID`
fn myid(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = view(ctx)?.me().id.clone();
    ctx.out.bulk(id.as_bytes());
    Ok(())
}

/// # Format
/// `CLUSTER COUNT-FAILURE-REPORTS node-id` — redsim keeps no failure
/// reports (failures are declared by the test), so 0 for a known node.
fn count_failure_reports(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.arg(2);
    let view = view(ctx)?;
    if view.find(id).is_none() {
        return Err(error::unknown_node(id));
    }
    ctx.out.int(0);
    Ok(())
}

/// # Format
/// `CLUSTER SAVECONFIG` — nothing to save: redsim keeps no nodes.conf.
fn saveconfig(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `CLUSTER HELP`
fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    view(ctx)?;
    ctx.out.help("CLUSTER", HELP);
    Ok(())
}

const HELP: &[&str] = &[
    "ADDSLOTS <slot> [<slot> ...]",
    "    Assign slots to current node.",
    "ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Assign slots which are between <start-slot> and <end-slot> to current node.",
    "BUMPEPOCH",
    "    Advance the cluster config epoch.",
    "COUNT-FAILURE-REPORTS <node-id>",
    "    Return number of failure reports for <node-id>.",
    "COUNTKEYSINSLOT <slot>",
    "    Return the number of keys in <slot>.",
    "DELSLOTS <slot> [<slot> ...]",
    "    Delete slots information from current node.",
    "DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]",
    "    Delete slots information which are between <start-slot> and <end-slot> from current node.",
    "FAILOVER [FORCE|TAKEOVER]",
    "    Promote current replica node to being a master.",
    "FORGET <node-id>",
    "    Remove a node from the cluster.",
    "GETKEYSINSLOT <slot> <count>",
    "    Return key names stored by current node in a slot.",
    "FLUSHSLOTS",
    "    Delete current node own slots information.",
    "INFO",
    "    Return information about the cluster.",
    "KEYSLOT <key>",
    "    Return the hash slot for <key>.",
    "MEET <ip> <port> [<bus-port>]",
    "    Connect nodes into a working cluster.",
    "MYID",
    "    Return the node id.",
    "NODES",
    "    Return cluster configuration seen by node. Output format:",
    "    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
    "REPLICATE <node-id>",
    "    Configure current node as replica to <node-id>.",
    "RESET [HARD|SOFT]",
    "    Reset current node (default: soft).",
    "SET-CONFIG-EPOCH <epoch>",
    "    Set config epoch of current node.",
    "SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)",
    "    Set slot state.",
    "REPLICAS <node-id>",
    "    Return <node-id> replicas.",
    "SAVECONFIG",
    "    Force saving cluster configuration on disk.",
    "SLOTS",
    "    Return information about slots range mappings. Each range is made of:",
    "    start, end, master and replicas IP addresses, ports and ids",
    "SHARDS",
    "    Return information about slot range mappings and the nodes associated with them.",
    "LINKS",
    "    Return information about all network links between this node and its peers.",
    "    Output format is an array where each array element is a map containing attributes of a link",
];
