//! The error texts of cluster mode: redirections, CLUSTER subcommands,
//! SELECT, and scripts that reach past their node.

use super::{CmdError, c_prefix, joined};

fixed_errors! {
    /// CLUSTER, ASKING, READONLY or READWRITE on a server not in cluster mode.
    CLUSTER_DISABLED = "ERR This instance has cluster support disabled";
    /// SELECT of a database other than 0 in cluster mode.
    CLUSTER_SELECT = "ERR SELECT is not allowed in cluster mode";
    /// Keys of one request in different slots.
    CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot";
    /// A multi-key request while its slot moves, some keys here, some gone.
    TRYAGAIN = "TRYAGAIN Multiple keys request during rehashing of slot";
    /// The cluster is down.
    CLUSTERDOWN = "CLUSTERDOWN The cluster is down";
    /// The cluster is down, reads allowed (cluster-allow-reads-when-down).
    CLUSTERDOWN_RO = "CLUSTERDOWN The cluster is down and only accepts read commands";
    /// A key of a slot nobody serves.
    CLUSTERDOWN_UNBOUND = "CLUSTERDOWN Hash slot not served";
    /// A slot argument out of 0..16383.
    CLUSTER_BAD_SLOT = "ERR Invalid or out of range slot";
    /// COUNTKEYSINSLOT of a slot out of range.
    CLUSTER_INVALID_SLOT = "ERR Invalid slot";
    /// GETKEYSINSLOT with a bad slot or count.
    CLUSTER_INVALID_SLOT_OR_COUNT = "ERR Invalid slot or number of keys";
    /// SETSLOT with an unknown action or the wrong number of arguments.
    CLUSTER_SETSLOT_SYNTAX = "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP";
    /// SETSLOT sent to a replica.
    CLUSTER_SETSLOT_REPLICA = "ERR Please use SETSLOT only with masters.";
    /// SETSLOT … MIGRATING/IMPORTING/NODE naming a replica.
    CLUSTER_TARGET_NOT_PRIMARY = "ERR Target node is not a master";
    /// FORGET of the node itself.
    CLUSTER_FORGET_MYSELF = "ERR I tried hard but I can't forget myself...";
    /// FORGET of the node's own primary.
    CLUSTER_FORGET_PRIMARY = "ERR Can't forget my master!";
    /// REPLICATE of the node itself.
    CLUSTER_REPLICATE_MYSELF = "ERR Can't replicate myself";
    /// REPLICATE of a replica.
    CLUSTER_REPLICATE_REPLICA = "ERR I can only replicate a master, not a replica.";
    /// REPLICATE by a primary with slots or keys.
    CLUSTER_REPLICATE_NOT_EMPTY = "ERR To set a master the node must be empty and without assigned slots.";
    /// CLUSTER FAILOVER sent to a primary.
    CLUSTER_FAILOVER_PRIMARY = "ERR You should send CLUSTER FAILOVER to a replica";
    /// CLUSTER FAILOVER by a replica whose primary is unknown.
    CLUSTER_FAILOVER_NO_PRIMARY = "ERR I'm a replica but my master is unknown to me";
    /// CLUSTER FAILOVER (not FORCE) while the primary is down.
    CLUSTER_FAILOVER_PRIMARY_DOWN = "ERR Master is down or failed, please use CLUSTER FAILOVER FORCE";
    /// CLUSTER RESET of a primary with keys.
    CLUSTER_RESET_KEYS = "ERR CLUSTER RESET can't be called with master nodes containing keys";
    /// CLUSTER FLUSHSLOTS with keys.
    CLUSTER_FLUSHSLOTS_KEYS = "ERR DB must be empty to perform CLUSTER FLUSHSLOTS.";
    /// CLUSTER REPLICAS of a replica.
    CLUSTER_NOT_A_PRIMARY = "ERR The specified node is not a master";
    /// SET-CONFIG-EPOCH on a node that knows others.
    CLUSTER_EPOCH_NOT_ALONE = "ERR The user can assign a config epoch only when the node does not know any other node.";
    /// SET-CONFIG-EPOCH on a node that has one.
    CLUSTER_EPOCH_SET = "ERR Node config epoch is already non-zero";
    /// `redis.call` of a key another node serves.
    SCRIPT_NON_LOCAL_KEY = "ERR Script attempted to access a non local key in a cluster node";
    /// `redis.call` while the cluster is down.
    SCRIPT_CLUSTER_DOWN = "ERR Script attempted to execute a command while the cluster is down";
    /// A write `redis.call` while the cluster is down and read-only.
    SCRIPT_CLUSTER_DOWN_RO = "ERR Script attempted to execute a write command while the cluster is down and readonly";
}

/// `MOVED <slot> <ip>:<port>`.
pub fn moved(slot: u16, endpoint: &str) -> CmdError {
    CmdError::owned(format!("MOVED {slot} {endpoint}"))
}

/// `ASK <slot> <ip>:<port>`.
pub fn ask(slot: u16, endpoint: &str) -> CmdError {
    CmdError::owned(format!("ASK {slot} {endpoint}"))
}

/// `ERR Slot <n> is already busy` (ADDSLOTS of an assigned slot).
pub fn slot_busy(slot: u16) -> CmdError {
    CmdError::owned(format!("ERR Slot {slot} is already busy"))
}

/// `ERR Slot <n> specified multiple times`.
pub fn slot_repeated(slot: u16) -> CmdError {
    CmdError::owned(format!("ERR Slot {slot} specified multiple times"))
}

/// `ERR Slot <n> is already unassigned` (DELSLOTS).
pub fn slot_unassigned(slot: u16) -> CmdError {
    CmdError::owned(format!("ERR Slot {slot} is already unassigned"))
}

/// `ERR start slot number <a> is greater than end slot number <b>`.
pub fn slot_range_reversed(start: u16, end: u16) -> CmdError {
    CmdError::owned(format!(
        "ERR start slot number {start} is greater than end slot number {end}"
    ))
}

/// `ERR Unknown node <id>`.
pub fn unknown_node(id: &[u8]) -> CmdError {
    joined(&[b"ERR Unknown node ", c_prefix(id, 1024)])
}

/// `ERR I don't know about node <id>` (SETSLOT MIGRATING/IMPORTING).
pub fn node_not_known(id: &[u8]) -> CmdError {
    joined(&[b"ERR I don't know about node ", c_prefix(id, 1024)])
}

/// `ERR I'm not the owner of hash slot <n>` (SETSLOT MIGRATING).
pub fn not_slot_owner(slot: u16) -> CmdError {
    CmdError::owned(format!("ERR I'm not the owner of hash slot {slot}"))
}

/// `ERR I'm already the owner of hash slot <n>` (SETSLOT IMPORTING).
pub fn already_slot_owner(slot: u16) -> CmdError {
    CmdError::owned(format!("ERR I'm already the owner of hash slot {slot}"))
}

/// SETSLOT NODE of a slot whose keys are still here.
pub fn slot_has_keys(slot: u16) -> CmdError {
    CmdError::owned(format!(
        "ERR Can't assign hashslot {slot} to a different node while I still hold keys for this hash slot."
    ))
}

/// `ERR Invalid TCP base port specified: <arg>` (MEET).
pub fn meet_bad_port(arg: &[u8]) -> CmdError {
    joined(&[
        b"ERR Invalid TCP base port specified: ",
        c_prefix(arg, 1024),
    ])
}

/// `ERR Invalid TCP bus port specified: <arg>` (MEET).
pub fn meet_bad_bus_port(arg: &[u8]) -> CmdError {
    joined(&[b"ERR Invalid TCP bus port specified: ", c_prefix(arg, 1024)])
}

/// `ERR Invalid node address specified: <ip>:<port>` (MEET).
pub fn meet_bad_address(ip: &[u8], port: &[u8]) -> CmdError {
    joined(&[
        b"ERR Invalid node address specified: ",
        c_prefix(ip, 1024),
        b":",
        c_prefix(port, 1024),
    ])
}

/// A CLUSTER subcommand with the wrong number of arguments that the
/// command table lets through (FAILOVER, RESET, MEET).
pub fn cluster_subcommand_syntax(sub: &[u8]) -> CmdError {
    joined(&[
        b"ERR unknown subcommand or wrong number of arguments for '",
        c_prefix(sub, 128),
        b"'. Try CLUSTER HELP.",
    ])
}

/// `ERR Invalid config epoch specified: <n>`.
pub fn bad_config_epoch(n: i64) -> CmdError {
    CmdError::owned(format!("ERR Invalid config epoch specified: {n}"))
}

// --- MIGRATE ---

fixed_errors! {
    /// MIGRATE … KEYS with a key argument that is not the empty string.
    MIGRATE_KEYS_NEED_EMPTY_KEY = "ERR When using MIGRATE KEYS option, the key argument must be set to the empty string";
    /// MIGRATE could not connect (the name did not resolve, the connect
    /// timed out).
    MIGRATE_CONNECT = "IOERR error or timeout connecting to the client";
}

/// MIGRATE's connection failed while writing or reading.
pub fn migrate_io(writing: bool) -> CmdError {
    CmdError::fixed(if writing {
        "IOERR error or timeout writing to target instance"
    } else {
        "IOERR error or timeout reading to target instance"
    })
}

/// MIGRATE's target answered an error (`text`, after its `-`).
pub fn migrate_target(text: &[u8]) -> CmdError {
    joined(&[b"ERR Target instance replied with error: ", text])
}
