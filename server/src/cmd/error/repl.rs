//! The error texts of replication and failover (REPLICAOF, REPLCONF,
//! PSYNC, WAIT, FAILOVER, READONLY, NOREPLICAS), byte for byte as Redis
//! 7.0 sends them.

use super::CmdError;

fixed_errors! {
    /// A write on a read-only replica.
    READONLY_REPLICA = "READONLY You can't write against a read only replica.";
    /// A write while `min-replicas-to-write` is not met.
    NOREPLICAS = "NOREPLICAS Not enough good replicas to write.";
    /// WAIT on a replica.
    WAIT_ON_REPLICA = "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.";
    /// PSYNC or SYNC to a replica whose own link is down.
    NOMASTERLINK = "NOMASTERLINK Can't SYNC while not connected with my master";
    /// PSYNC … FAILOVER with another replication id.
    PSYNC_FAILOVER_REPLID = "ERR PSYNC FAILOVER replid must match my replid.";
    /// REPLICAOF inside MULTI or with a bad port.
    REPLICAOF_INVALID_PORT = "ERR Invalid master port";
    /// REPLICAOF during a FAILOVER.
    REPLICAOF_DURING_FAILOVER = "ERR REPLICAOF not allowed while failing over.";
    /// FAILOVER on a replica.
    FAILOVER_ON_REPLICA = "ERR FAILOVER is not valid when server is a replica.";
    /// FAILOVER with no replica.
    FAILOVER_NO_REPLICAS = "ERR FAILOVER requires connected replicas.";
    /// FAILOVER while one is running.
    FAILOVER_IN_PROGRESS = "ERR FAILOVER already in progress.";
    /// FAILOVER ABORT with none running.
    FAILOVER_NONE = "ERR No failover in progress.";
    /// FAILOVER FORCE without both TIMEOUT and TO.
    FAILOVER_FORCE = "ERR FAILOVER with force option requires both a timeout and target HOST and IP.";
    /// FAILOVER TO an address that is not a replica.
    FAILOVER_NOT_A_REPLICA = "ERR FAILOVER target HOST and PORT is not a replica.";
    /// FAILOVER TO a replica that is not online.
    FAILOVER_NOT_ONLINE = "ERR FAILOVER target replica is not online.";
    /// FAILOVER TIMEOUT of zero or less.
    FAILOVER_TIMEOUT = "ERR FAILOVER timeout must be greater than 0";
}

/// REPLCONF with an option it does not know.
pub fn replconf_unknown(option: &[u8]) -> CmdError {
    CmdError::owned(format!(
        "ERR Unrecognized REPLCONF option: {}",
        String::from_utf8_lossy(option)
    ))
}
