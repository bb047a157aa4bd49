//! INFO's `# Replication` section, field by field as Redis 7.0 writes it
//! for a primary and for a replica.

use std::fmt::Write as _;

use super::{config_bool, config_int};
use crate::state::State;
use crate::state::repl::{LinkState, Role};

/// Writes the replication section of INFO at server-clock `now` (ms).
pub(crate) fn write_info(state: &State, now: i64, t: &mut String) {
    let repl = &state.repl;
    t.push_str("# Replication\r\n");
    match &repl.role {
        Role::Primary => t.push_str("role:master\r\n"),
        Role::Replica(u) => {
            let up = u.link == LinkState::Connected;
            let last_io = if up {
                (now - u.last_io_ms).max(0) / 1000
            } else {
                -1
            };
            let _ = write!(
                t,
                "role:slave\r\nmaster_host:{}\r\nmaster_port:{}\r\nmaster_link_status:{}\r\nmaster_last_io_seconds_ago:{last_io}\r\nmaster_sync_in_progress:{}\r\nslave_read_repl_offset:{}\r\nslave_repl_offset:{}\r\n",
                u.host,
                u.port,
                if up { "up" } else { "down" },
                u8::from(u.link == LinkState::Sync),
                repl.offset,
                repl.offset,
            );
            if !up {
                let down = if u.synced {
                    (now - u.down_since_ms).max(0) / 1000
                } else {
                    -1
                };
                let _ = write!(t, "master_link_down_since_seconds:{down}\r\n");
            }
            let _ = write!(
                t,
                "slave_priority:{}\r\nslave_read_only:{}\r\nreplica_announced:{}\r\n",
                config_int(state, "replica-priority"),
                u8::from(config_bool(state, "replica-read-only")),
                u8::from(config_bool(state, "replica-announced")),
            );
        }
    }
    let _ = write!(t, "connected_slaves:{}\r\n", repl.replicas.len());
    for (i, r) in repl.replicas.values().enumerate() {
        let _ = write!(
            t,
            "slave{i}:ip={},port={},state={},offset={},lag={}\r\n",
            r.ip,
            r.port,
            r.state.word(),
            r.ack_offset,
            repl.lag_secs(r, now),
        );
    }
    let failover = repl.failover.as_ref().map_or("no-failover", |f| f.state);
    let (active, size, first, histlen) = match &repl.backlog {
        Some(b) => (1, b.size(), b.first_offset, b.histlen()),
        None => (0, config_int(state, "repl-backlog-size") as usize, 0, 0),
    };
    let _ = write!(
        t,
        "master_failover_state:{failover}\r\nmaster_replid:{}\r\nmaster_replid2:{}\r\nmaster_repl_offset:{}\r\nsecond_repl_offset:{}\r\nrepl_backlog_active:{active}\r\nrepl_backlog_size:{size}\r\nrepl_backlog_first_byte_offset:{first}\r\nrepl_backlog_histlen:{histlen}\r\n",
        repl.replid, repl.replid2, repl.offset, repl.second_offset,
    );
}
