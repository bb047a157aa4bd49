//! Replication commands: REPLICAOF / SLAVEOF, ROLE, WAIT, FAILOVER, and
//! the primary's side of the protocol a replica speaks (REPLCONF, PSYNC,
//! SYNC); with what every command goes through when replication is on —
//! READONLY on a replica, NOREPLICAS under `min-replicas-to-write`
//! ([`admit`]), and propagation ([`propagate`]).
//!
//! The bookkeeping (role, ids, offsets, backlog, replicas) is the state's
//! (`state::repl`); the replica's link to its primary, which connects,
//! loads the snapshot and applies the stream, runs above the command layer
//! (`crate::repl`), started through [`Host::replication_changed`].

mod failover;
mod info;
pub mod propagate;
pub mod snapshot;

use bytes::Bytes;

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{Caller, CommandSpec, Ctx, Host, is};
use crate::state::State;
use crate::state::repl::{LinkState, Replica, ReplicaState, Role, Upstream, encode_command};

pub use failover::{completed as failover_completed, failed as failover_failed, tick};
pub(crate) use info::write_info;

const SERVER: &str = "server";

/// The key a WAIT blocks on: every acknowledgement signals it, and the
/// WAIT is tried again. Not a key anyone can name (it starts with a NUL).
pub const ACK_KEY: &[u8] = b"\0redsim:replication-ack";

/// The replication commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("replicaof", 3, replicaof)
        .flags(ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "5.0.0",
            "Configures a server as replica of another, or promotes it to a master.",
        ),
    CommandSpec::new("slaveof", 3, replicaof)
        .flags(ADMIN | NOSCRIPT | STALE | NO_ASYNC_LOADING)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "1.0.0",
            "Sets a Redis server as a replica of another, or promotes it to being a master.",
        ),
    CommandSpec::new("replconf", -1, replconf)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE | ALLOW_BUSY)
        .acl("admin slow dangerous")
        .doc(
            SERVER,
            "3.0.0",
            "An internal command for configuring the replication stream.",
        ),
    CommandSpec::new("psync", -3, psync)
        .flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI)
        .acl("admin slow dangerous")
        .doc(SERVER, "2.8.0", "An internal command used in replication."),
    CommandSpec::new("sync", 1, psync)
        .flags(ADMIN | NOSCRIPT | NO_ASYNC_LOADING | NO_MULTI)
        .acl("admin slow dangerous")
        .doc(SERVER, "1.0.0", "An internal command used in replication."),
    CommandSpec::new("failover", -1, failover::failover)
        .flags(ADMIN | NOSCRIPT | STALE)
        .acl("admin slow dangerous")
        .doc(SERVER, "6.2.0", "Starts a coordinated failover from a server to one of its replicas."),
    CommandSpec::new("role", 1, role)
        .flags(NOSCRIPT | LOADING | STALE | FAST | SENTINEL)
        .acl("admin fast dangerous")
        .doc(SERVER, "2.8.12", "Returns the replication role."),
    CommandSpec::new("wait", 3, wait)
        .flags(NOSCRIPT)
        .acl("slow connection")
        .doc(
            "generic",
            "3.0.0",
            "Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.",
        ),
];

impl Ctx<'_> {
    /// Whether what this command does is propagated (a replica or a
    /// backlog exists): commands that rewrite themselves for the stream
    /// build the rewrite only then.
    pub fn propagating(&self) -> bool {
        self.state.repl.on
    }

    /// Propagates `commands` instead of this command (none: nothing), if
    /// it changed anything: what Redis's `rewriteClientCommandVector` and
    /// `alsoPropagate` do for commands whose effect must not depend on the
    /// replica's clock or randomness (relative TTLs, SPOP, auto IDs…).
    pub fn propagate_as(&mut self, commands: Vec<Vec<Bytes>>) {
        if self.state.repl.on {
            self.state.repl.rewrite = Some(commands);
        }
    }
}

/// Builds a command's arguments from words and byte strings.
pub fn args_of(parts: &[&[u8]]) -> Vec<Bytes> {
    parts.iter().map(|p| Bytes::copy_from_slice(p)).collect()
}

/// What a command must pass when replication constrains writes: on a
/// read-only replica, writes from clients are refused (READONLY); on a
/// primary with `min-replicas-to-write`, writes are refused while too few
/// replicas are good (NOREPLICAS). Costs one branch when neither applies.
#[inline]
pub fn admit(state: &State, spec: &CommandSpec, now: i64) -> Result<(), CmdError> {
    if state.repl.is_primary() && state.repl.min_replicas == 0 {
        return Ok(());
    }
    admit_slow(state, spec, now)
}

fn admit_slow(state: &State, spec: &CommandSpec, now: i64) -> Result<(), CmdError> {
    if !spec.has(WRITE) {
        return Ok(());
    }
    if state.repl.is_primary() {
        let max_lag = config_int(state, "min-replicas-max-lag");
        if (state.repl.good_replicas(now, max_lag) as i64) < state.repl.min_replicas {
            return Err(error::NOREPLICAS);
        }
        return Ok(());
    }
    if config_bool(state, "replica-read-only") {
        return Err(error::READONLY_REPLICA);
    }
    Ok(())
}

/// A script's `redis.call` of a write: the same checks as [`admit`].
pub fn admit_script_write(state: &State, now: i64) -> Result<(), CmdError> {
    static SET: CommandSpec = CommandSpec::new("set", -3, |_| Ok(())).flags(WRITE);
    admit(state, &SET, now)
}

/// CONFIG SET changed the configuration: the values replication reads on
/// every command are refreshed, and the backlog resized.
pub fn config_changed(state: &mut State) {
    state.repl.min_replicas = config_int(state, "min-replicas-to-write");
    let size = config_int(state, "repl-backlog-size").max(1) as usize;
    if let Some(b) = &mut state.repl.backlog {
        b.resize(size);
    }
}

/// An integer parameter of the configuration (0 if unreadable).
pub fn config_int(state: &State, name: &str) -> i64 {
    state.config.int(name).unwrap_or(0)
}

/// A yes/no parameter of the configuration.
pub fn config_bool(state: &State, name: &str) -> bool {
    state.config.yes(name)
}

/// # Format
/// `REPLICAOF host port | NO ONE` (also `SLAVEOF`)
fn replicaof(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.state.repl.failover.is_some() {
        return Err(error::REPLICAOF_DURING_FAILOVER);
    }
    if is(ctx.arg(1), "no") && is(ctx.arg(2), "one") {
        if !ctx.state.repl.is_primary() {
            promote(ctx.state, ctx.host, ctx.now);
        }
        ctx.out.ok();
        return Ok(());
    }
    if ctx.state.repl.replicas.contains_key(&ctx.client.id) {
        return Err(CmdError::fixed(
            "ERR Command is not valid when client is a replica.",
        ));
    }
    let port = std::str::from_utf8(ctx.arg(2))
        .ok()
        .and_then(|p| p.parse::<i64>().ok())
        .filter(|p| (0..=65535).contains(p))
        .ok_or(error::REPLICAOF_INVALID_PORT)? as u16;
    let host = String::from_utf8_lossy(ctx.arg(1)).into_owned();
    if let Some(u) = ctx.state.repl.upstream()
        && u.host.eq_ignore_ascii_case(&host)
        && u.port == port
    {
        ctx.out.simple("OK Already connected to specified master");
        return Ok(());
    }
    follow(ctx.state, ctx.host, host, port, false, ctx.now);
    ctx.out.ok();
    Ok(())
}

/// Makes this server a replica of `host:port` (in this process without a
/// socket when `local`), as Redis's `replicationSetMaster` does: its own
/// replicas are disconnected (they resync with it), clients blocked on
/// keys are told the state changed, expiry waits for the primary's DELs,
/// and the link starts at once. It will ask the primary to continue its
/// own history (a demoted primary resumes without a full copy).
pub fn follow(state: &mut State, host: &dyn Host, to: String, port: u16, local: bool, now: i64) {
    let epoch = state.repl.upstream().map_or(0, |u| u.epoch) + 1;
    disconnect_replicas(state);
    unblock_all(state);
    if let Some(k) = state.repl.link_kill.take() {
        k.kill();
    }
    state.repl.role = Role::Replica(Upstream {
        host: to,
        port,
        link: LinkState::Connect,
        epoch: epoch.max(state.repl.epoch_floor + 1),
        last_io_ms: now,
        down_since_ms: now,
        synced: false,
        failover: false,
        local,
    });
    state.repl.epoch_floor = epoch;
    state
        .repl
        .ensure_backlog(config_int(state, "repl-backlog-size").max(1) as usize);
    state.repl.min_replicas = config_int(state, "min-replicas-to-write");
    state.set_replica_expiry(true, now);
    host.replication_changed();
}

/// Makes a replica a primary (REPLICAOF NO ONE, a FAILOVER's target, the
/// test's promotion): a new history that continues the old one (its id
/// becomes `master_replid2`), replicas disconnected to resume under it,
/// the link to the old primary closed, and expiry back in its hands.
pub fn promote(state: &mut State, host: &dyn Host, now: i64) {
    if state.repl.is_primary() {
        return;
    }
    if let Some(k) = state.repl.link_kill.take() {
        k.kill();
    }
    let replid = crate::state::repl::fresh_replid(state.hash_seed);
    state.repl.shift_replid(replid);
    state.repl.role = Role::Primary;
    disconnect_replicas(state);
    // The next command propagated selects its database again.
    state.repl.seldb = None;
    state.set_replica_expiry(false, now);
    host.replication_changed();
}

/// Closes the connections of this server's replicas (they reconnect and
/// resume, or resync).
fn disconnect_replicas(state: &mut State) {
    for (_, r) in std::mem::take(&mut state.repl.replicas) {
        r.kill.kill();
    }
}

/// Redis's `disconnectAllBlockedClients` when the role changes: every
/// blocked client is answered UNBLOCKED.
fn unblock_all(state: &mut State) {
    let ids: Vec<_> = state.clients.keys().copied().collect();
    for id in ids {
        state.blocking.unblock(
            id,
            crate::state::waiters::Unblock::Error(
                "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
            ),
        );
    }
}

/// # Format
/// `REPLCONF option value [option value ...]`
fn replconf(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc().is_multiple_of(2) {
        return Err(error::SYNTAX);
    }
    let id = ctx.client.id;
    let mut i = 1;
    while i < ctx.argc() {
        let (opt, val) = (ctx.arg(i), ctx.arg(i + 1));
        if is(opt, "listening-port") {
            let port = std::str::from_utf8(val)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .ok_or(error::NOT_INTEGER)?;
            ctx.state.repl.announced.entry(id).or_insert((0, None)).0 = port;
        } else if is(opt, "ip-address") {
            let ip = String::from_utf8_lossy(val).into_owned();
            ctx.state.repl.announced.entry(id).or_insert((0, None)).1 = Some(ip);
        } else if is(opt, "ack") {
            // Acknowledgements are not answered.
            let offset = std::str::from_utf8(val)
                .ok()
                .and_then(|p| p.parse::<i64>().ok())
                .unwrap_or(0);
            acknowledged(ctx.state, ctx.host, id, offset, ctx.now);
            return Ok(());
        } else if is(opt, "getack") {
            // Answered by a replica's link to its primary, not here.
            return Ok(());
        } else if !(is(opt, "capa") || is(opt, "rdb-only") || is(opt, "rdb-filter-only")) {
            return Err(error::replconf_unknown(opt));
        }
        i += 2;
    }
    ctx.out.ok();
    Ok(())
}

/// A replica acknowledged `offset`: WAITs are tried again, a FAILOVER
/// waiting for it may go on.
pub fn acknowledged(state: &mut State, host: &dyn Host, id: u64, offset: i64, now: i64) {
    if state.repl.hold.held || state.repl.hold.cut {
        // The test holds the link: the acknowledgement is still on its way.
        return;
    }
    let Some(r) = state.repl.replicas.get_mut(&id) else {
        return;
    };
    r.ack_offset = r.ack_offset.max(offset);
    r.ack_ms = now;
    r.state = ReplicaState::Online;
    for db in 0..state.dbs.len() {
        state.blocking.signal(db, ACK_KEY);
    }
    failover::progress(state, host, now);
}

/// # Format
/// `PSYNC replicationid offset` (and `SYNC`)
///
/// Serves a replica: continues from the backlog when it can (`+CONTINUE`),
/// else sends `+FULLRESYNC replid offset` and the snapshot. Either way the
/// connection becomes a replica: the stream goes to its outbox.
fn psync(ctx: &mut Ctx<'_>) -> CmdResult {
    let id = ctx.client.id;
    if ctx.state.repl.replicas.contains_key(&id) {
        return Ok(());
    }
    let is_psync = is(ctx.arg(0), "psync");
    if is_psync && ctx.argc() > 3 && is(ctx.arg(3), "failover") {
        if ctx.arg(1) != ctx.state.repl.replid.as_bytes() {
            return Err(error::PSYNC_FAILOVER_REPLID);
        }
        promote(ctx.state, ctx.host, ctx.now);
    }
    if let Some(u) = ctx.state.repl.upstream()
        && u.link != LinkState::Connected
    {
        return Err(error::NOMASTERLINK);
    }
    if ctx.state.repl.hold.cut {
        // The test cut replication: the replica cannot get through.
        ctx.after = super::After::Close;
        return Ok(());
    }
    let Some(info) = ctx.state.clients.get(&id) else {
        return Ok(());
    };
    let (feed, kill, local) = (info.outbox.clone(), info.kill.clone(), info.local);
    let seen_ip = info.addr.rsplit_once(':').map_or("127.0.0.1", |(ip, _)| ip);
    let seen_ip = if info.local { "127.0.0.1" } else { seen_ip }.to_string();
    let (port, announced_ip) = ctx.state.repl.announced.remove(&id).unwrap_or((0, None));
    let size = config_int(ctx.state, "repl-backlog-size").max(1) as usize;
    if ctx.state.repl.backlog.is_none()
        && ctx.state.repl.replicas.is_empty()
        && ctx.state.repl.is_primary()
    {
        // A backlog created from scratch starts a new history, as Redis's
        // `createReplicationBacklog` in `syncCommand` does.
        ctx.state.repl.replid = crate::state::repl::fresh_replid(ctx.state.hash_seed);
        ctx.state.repl.replid2 = crate::state::repl::NO_REPLID.to_string();
        ctx.state.repl.second_offset = -1;
    }
    ctx.state.repl.ensure_backlog(size);
    let replica = Replica {
        ip: announced_ip.unwrap_or(seen_ip),
        port,
        state: ReplicaState::Online,
        ack_offset: 0,
        ack_ms: ctx.now,
        feed,
        kill,
        held: Vec::new(),
        local,
    };
    let (asked_id, asked_offset) = if is_psync {
        let off = std::str::from_utf8(ctx.arg(2))
            .ok()
            .and_then(|o| o.parse::<i64>().ok())
            .unwrap_or(-1);
        (String::from_utf8_lossy(ctx.arg(1)).into_owned(), off)
    } else {
        (String::new(), -1)
    };
    if is_psync && ctx.state.repl.can_continue(&asked_id, asked_offset) {
        let rest = ctx
            .state
            .repl
            .backlog
            .as_ref()
            .and_then(|b| b.since(asked_offset))
            .unwrap_or_default();
        let line = format!("CONTINUE {}", ctx.state.repl.replid);
        ctx.out.simple(&line);
        ctx.out.raw(&rest);
        ctx.state.repl.sync_partial_ok += 1;
        ctx.state.repl.replicas.insert(id, replica);
        return Ok(());
    }
    if is_psync && asked_id != "?" {
        ctx.state.repl.sync_partial_err += 1;
    }
    let offset = ctx.state.repl.offset;
    let rdb = snapshot::save(ctx.state, ctx.now);
    if is_psync {
        let line = format!("FULLRESYNC {} {offset}", ctx.state.repl.replid);
        ctx.out.simple(&line);
    }
    // The payload is a bulk without its final CRLF, as Redis sends it.
    let mut payload = format!("${}\r\n", rdb.len()).into_bytes();
    payload.extend_from_slice(&rdb);
    ctx.out.raw(&payload);
    ctx.state.repl.sync_full += 1;
    // The replica loads a snapshot with no database selected.
    ctx.state.repl.seldb = None;
    ctx.state.repl.replicas.insert(id, replica);
    Ok(())
}

/// # Format
/// `ROLE`
fn role(ctx: &mut Ctx<'_>) -> CmdResult {
    let repl = &ctx.state.repl;
    match &repl.role {
        Role::Primary => {
            ctx.out.array(3);
            ctx.out.bulk(b"master");
            ctx.out.int(repl.offset);
            let replicas: Vec<(String, u16, i64)> = repl
                .replicas
                .values()
                .map(|r| (r.ip.clone(), r.port, r.ack_offset))
                .collect();
            ctx.out.array(replicas.len());
            for (ip, port, off) in replicas {
                ctx.out.array(3);
                ctx.out.bulk(ip.as_bytes());
                ctx.out.bulk(port.to_string().as_bytes());
                ctx.out.bulk(off.to_string().as_bytes());
            }
        }
        Role::Replica(u) => {
            let offset = if u.link == LinkState::Connected || u.synced {
                repl.offset
            } else {
                -1
            };
            let (host, port, word) = (u.host.clone(), u.port, u.link.role_word());
            ctx.out.array(5);
            ctx.out.bulk(b"slave");
            ctx.out.bulk(host.as_bytes());
            ctx.out.int(i64::from(port));
            ctx.out.bulk(word.as_bytes());
            ctx.out.int(offset);
        }
    }
    Ok(())
}

/// # Format
/// `WAIT numreplicas timeout`
///
/// Blocks until `numreplicas` replicas have acknowledged every write this
/// client propagated, or `timeout` ms of server clock pass (0: forever);
/// answers how many did. Blocking asks the replicas to acknowledge
/// (`REPLCONF GETACK *` in the stream, as Redis sends it).
fn wait(ctx: &mut Ctx<'_>) -> CmdResult {
    if !ctx.state.repl.is_primary() {
        return Err(error::WAIT_ON_REPLICA);
    }
    let needed = super::int_arg(ctx.arg(1))?;
    let timeout = super::int_arg(ctx.arg(2))?;
    if timeout < 0 {
        return Err(error::TIMEOUT_NEGATIVE);
    }
    let offset = ctx
        .state
        .repl
        .woff
        .get(&ctx.client.id)
        .copied()
        .unwrap_or(0);
    let acked = ctx.state.repl.acked(offset);
    let count = acked as i64;
    if count >= needed || !ctx.can_block() {
        ctx.out.int(count);
        return Ok(());
    }
    if ctx.caller == Caller::Client {
        // Asked once when the WAIT starts; acknowledgements come back on
        // their own after that.
        request_acks(ctx.state, ctx.now);
    }
    let deadline = (timeout > 0).then(|| ctx.now.saturating_add(timeout));
    ctx.block(&[ACK_KEY], deadline);
    if let Some(request) = &mut ctx.block {
        let mut reply = crate::protocol::Out::new(ctx.client.resp);
        reply.int(count);
        request.timeout_reply = Some(reply.take());
    }
    Ok(())
}

/// Puts `REPLCONF GETACK *` in the stream (no database selected), which
/// replicas answer with their offset.
pub fn request_acks(state: &mut State, now: i64) {
    if state.repl.replicas.is_empty() {
        return;
    }
    let mut bytes = Vec::new();
    encode_command(
        &mut bytes,
        &[
            Bytes::from_static(b"REPLCONF"),
            Bytes::from_static(b"GETACK"),
            Bytes::from_static(b"*"),
        ],
    );
    state.repl.feed(&bytes, now);
}
