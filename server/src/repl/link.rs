//! The link task of a replica: connects to its primary, synchronises, and
//! applies the stream until the link breaks or the role changes; then
//! tries again, as Redis's `replicationCron` does (here every
//! [`RETRY`] of real time).

use std::io;
use std::sync::{Arc, Weak};
use std::time::Duration;

use bytes::{Bytes, BytesMut};

use super::wire::Wire;
use crate::cmd::repl::snapshot;
use crate::cmd::{Client, exec};
use crate::protocol::{Limits, RequestDecoder, Resp};
use crate::shared::Shared;
use crate::state::KillSwitch;
use crate::state::repl::{Backlog, LinkState, Upstream, encode_command};

/// How long a replica waits before connecting again after a failure.
pub const RETRY: Duration = Duration::from_millis(50);

/// How often an idle replica acknowledges its offset (Redis: every second).
const ACK_EVERY: Duration = Duration::from_secs(1);

/// Starts the link task of `shared` if it is a replica without one. Called
/// when the role changes (under the state lock: the task looks at the
/// state itself, once it runs).
pub fn start(shared: &Arc<Shared>) {
    shared.runtime.spawn(run(Arc::downgrade(shared)));
}

async fn run(weak: Weak<Shared>) {
    let Some((epoch, kill)) = claim(&weak) else {
        return;
    };
    loop {
        if kill.is_killed() {
            return;
        }
        let Some(sh) = weak.upgrade() else {
            return;
        };
        if sh.is_closed() {
            return;
        }
        let Some(up) = upstream(&sh, epoch) else {
            return;
        };
        let ended = if sh.faults.is_off() {
            Err(io::Error::other("this server is off"))
        } else {
            session(&sh, &up, epoch, &kill).await
        };
        if let Err(e) = &ended {
            tracing::debug!(target: "redsim", "replication link to {}:{}: {e}", up.host, up.port);
        }
        link_down(&sh, epoch);
        drop(sh);
        tokio::select! {
            () = tokio::time::sleep(RETRY) => {}
            () = kill.killed() => return,
        }
    }
}

/// Takes the link of the current epoch, unless another task has it.
fn claim(weak: &Weak<Shared>) -> Option<(u64, Arc<KillSwitch>)> {
    let sh = weak.upgrade()?;
    let mut state = sh.state.lock();
    let epoch = state.repl.upstream()?.epoch;
    if state
        .repl
        .link_kill
        .as_ref()
        .is_some_and(|k| !k.is_killed())
    {
        return None;
    }
    let kill = Arc::new(KillSwitch::default());
    state.repl.link_kill = Some(Arc::clone(&kill));
    Some((epoch, kill))
}

/// The upstream of epoch `epoch`, if this server still follows it.
fn upstream(sh: &Shared, epoch: u64) -> Option<Upstream> {
    let state = sh.state.lock();
    state.repl.upstream().filter(|u| u.epoch == epoch).cloned()
}

/// Changes the upstream of epoch `epoch`, if this server still follows it.
fn with_upstream<T>(
    sh: &Shared,
    epoch: u64,
    f: impl FnOnce(&mut crate::state::State, i64) -> T,
) -> Option<T> {
    let now = sh.clock.now_millis();
    let mut state = sh.state.lock();
    if state.repl.upstream().is_none_or(|u| u.epoch != epoch) {
        return None;
    }
    Some(f(&mut state, now))
}

fn link_down(sh: &Shared, epoch: u64) {
    with_upstream(sh, epoch, |state, now| {
        if let Some(u) = state.repl.upstream_mut() {
            if u.link == LinkState::Connected {
                u.down_since_ms = now;
            }
            u.link = LinkState::Connect;
        }
    });
}

/// Reads replies and stream from the primary.
struct Reader {
    wire: Wire,
    buf: BytesMut,
}

impl Reader {
    async fn fill(&mut self) -> io::Result<()> {
        if self.wire.recv(&mut self.buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the primary closed the link",
            ));
        }
        Ok(())
    }

    /// One line of a reply, without its CRLF (lone newlines, the
    /// keep-alives a primary sends while it prepares a snapshot, skipped).
    async fn line(&mut self) -> io::Result<String> {
        loop {
            while self.buf.first() == Some(&b'\n') {
                let _ = self.buf.split_to(1);
            }
            if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf.split_to(at + 2);
                return Ok(String::from_utf8_lossy(&line[..at]).into_owned());
            }
            self.fill().await?;
        }
    }

    /// Exactly `n` bytes.
    async fn exact(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Ok(self.buf.split_to(n).to_vec())
    }

    /// The bytes up to `mark` (a diskless transfer's end), without it.
    async fn until_mark(&mut self, mark: &[u8]) -> io::Result<Vec<u8>> {
        let mut from = 0;
        loop {
            if let Some(at) = self.buf[from..].windows(mark.len()).position(|w| w == mark) {
                let body = self.buf.split_to(from + at).to_vec();
                let _ = self.buf.split_to(mark.len());
                return Ok(body);
            }
            from = self.buf.len().saturating_sub(mark.len());
            self.fill().await?;
        }
    }

    async fn call(&mut self, args: &[&[u8]]) -> io::Result<String> {
        let args: Vec<Bytes> = args.iter().map(|a| Bytes::copy_from_slice(a)).collect();
        let mut bytes = Vec::new();
        encode_command(&mut bytes, &args);
        self.wire.send(&bytes).await?;
        self.line().await
    }
}

fn refused(what: &str, reply: &str) -> io::Error {
    io::Error::other(format!("{what}: {reply}"))
}

/// One connection to the primary, from the handshake to its end.
async fn session(
    sh: &Arc<Shared>,
    up: &Upstream,
    epoch: u64,
    kill: &Arc<KillSwitch>,
) -> io::Result<()> {
    let wire = if up.local {
        let primary = super::find(&up.host, up.port).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::ConnectionRefused,
                "no such server in this process",
            )
        })?;
        Wire::local(&primary)?
    } else {
        tokio::select! {
            w = Wire::tcp(&up.host, up.port) => w?,
            () = kill.killed() => return Ok(()),
        }
    };
    let mut r = Reader {
        wire,
        buf: BytesMut::with_capacity(16 * 1024),
    };
    set_link(sh, epoch, LinkState::Connecting);
    let (auth, user, port, announce, replid, offset) = {
        let state = sh.state.lock();
        let text = |name: &str| String::from_utf8_lossy(&state.config.value(name)).into_owned();
        (
            text("masterauth"),
            text("masteruser"),
            state.port,
            text("replica-announce-ip"),
            state.repl.replid.clone(),
            state.repl.offset,
        )
    };
    let me = super::address_of(sh);
    let pong = r.call(&[b"PING"]).await?;
    if pong.starts_with('-') && !pong.starts_with("-NOAUTH") && !pong.starts_with("-NOPERM") {
        return Err(refused("PING", &pong));
    }
    if !auth.is_empty() {
        let reply = if user.is_empty() {
            r.call(&[b"AUTH", auth.as_bytes()]).await?
        } else {
            r.call(&[b"AUTH", user.as_bytes(), auth.as_bytes()]).await?
        };
        if reply.starts_with('-') {
            return Err(refused("AUTH", &reply));
        }
    }
    let listening = match (&me, port) {
        (Some((_, p)), _) => *p,
        (None, p) => p,
    };
    r.call(&[
        b"REPLCONF",
        b"listening-port",
        listening.to_string().as_bytes(),
    ])
    .await?;
    let ip = if !announce.is_empty() {
        Some(announce)
    } else {
        me.as_ref()
            .filter(|(h, _)| h == super::IN_PROCESS_HOST)
            .map(|(h, _)| h.clone())
    };
    if let Some(ip) = ip {
        r.call(&[b"REPLCONF", b"ip-address", ip.as_bytes()]).await?;
    }
    r.call(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"])
        .await?;
    let next = (offset + 1).to_string();
    let reply = if up.failover {
        r.call(&[b"PSYNC", replid.as_bytes(), next.as_bytes(), b"FAILOVER"])
            .await?
    } else {
        r.call(&[b"PSYNC", replid.as_bytes(), next.as_bytes()])
            .await?
    };
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC ") {
        let mut words = rest.split(' ');
        let id = words.next().unwrap_or_default().to_string();
        let at: i64 = words.next().and_then(|o| o.parse().ok()).unwrap_or(0);
        set_link(sh, epoch, LinkState::Sync);
        let header = r.line().await?;
        let rdb = match header.strip_prefix("$EOF:") {
            Some(mark) => r.until_mark(mark.as_bytes()).await?,
            None => {
                let n: usize = header
                    .strip_prefix('$')
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| refused("snapshot", &header))?;
                r.exact(n).await?
            }
        };
        load(sh, epoch, &rdb, id, at)?;
    } else if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        let id = rest.trim().to_string();
        with_upstream(sh, epoch, |state, _| {
            if !id.is_empty() && id != state.repl.replid {
                state.repl.shift_replid(id);
                // Its own replicas learn the new history by resuming.
                for (_, rep) in std::mem::take(&mut state.repl.replicas) {
                    rep.kill.kill();
                }
            }
        });
    } else {
        if up.failover {
            with_upstream(sh, epoch, |state, now| {
                crate::cmd::repl::failover_failed(state, &**sh, now);
            });
        }
        return Err(refused("PSYNC", &reply));
    }
    let connected = with_upstream(sh, epoch, |state, now| {
        if let Some(u) = state.repl.upstream_mut() {
            u.link = LinkState::Connected;
            u.last_io_ms = now;
            u.synced = true;
            u.failover = false;
        }
        crate::cmd::repl::failover_completed(state, &**sh);
        state.repl.offset
    });
    let Some(offset) = connected else {
        return Ok(());
    };
    ack(&mut r, offset).await?;
    stream(sh, &mut r, epoch, kill).await
}

fn set_link(sh: &Shared, epoch: u64, link: LinkState) {
    with_upstream(sh, epoch, |state, now| {
        if let Some(u) = state.repl.upstream_mut() {
            u.link = link;
            u.last_io_ms = now;
        }
    });
}

async fn ack(r: &mut Reader, offset: i64) -> io::Result<()> {
    let mut bytes = Vec::new();
    encode_command(
        &mut bytes,
        &[
            Bytes::from_static(b"REPLCONF"),
            Bytes::from_static(b"ACK"),
            Bytes::from(offset.to_string()),
        ],
    );
    r.wire.send(&bytes).await
}

/// Loads the snapshot of a full synchronisation in place of everything
/// this replica held: the databases, the functions, the history (its id
/// and offset are the primary's).
fn load(sh: &Arc<Shared>, epoch: u64, rdb: &[u8], id: String, at: i64) -> io::Result<()> {
    let (limits, seed) = {
        let state = sh.state.lock();
        (crate::db::rdb::Limits::of(&state.config), state.hash_seed)
    };
    let loaded = snapshot::load(rdb, &limits, seed)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let now_us = sh.clock.now_micros();
    with_upstream(sh, epoch, |state, now| {
        let n = state.dbs.len();
        for i in 0..n {
            state.touch_watched_db(i, None, now);
            state.dbs[i].clear();
        }
        for (i, keys) in loaded.dbs {
            let Some(db) = state.dbs.get_mut(i) else {
                continue;
            };
            for k in keys {
                db.insert(
                    &k.key,
                    k.value,
                    k.expire_at,
                    crate::state::State::lru_clock(now),
                );
            }
        }
        let mut client = Client::new(0, 0, Resp::V2, true);
        let flush = vec![
            Bytes::from_static(b"FUNCTION"),
            Bytes::from_static(b"FLUSH"),
        ];
        exec::replicated(state, &**sh, &mut client, &flush, now_us);
        for code in loaded.functions {
            let load = vec![
                Bytes::from_static(b"FUNCTION"),
                Bytes::from_static(b"LOAD"),
                code,
            ];
            exec::replicated(state, &**sh, &mut client, &load, now_us);
        }
        state.repl.replid = id;
        state.repl.replid2 = crate::state::repl::NO_REPLID.to_string();
        state.repl.second_offset = -1;
        state.repl.offset = at;
        let size = state.repl.backlog.as_ref().map_or(1 << 20, Backlog::size);
        state.repl.backlog = Some(Backlog::new(size, at + 1));
        state.repl.on = true;
        for (_, rep) in std::mem::take(&mut state.repl.replicas) {
            rep.kill.kill();
        }
        state.dirty += 1;
        sh.refresh_wake(state);
    })
    .ok_or_else(|| io::Error::other("the role changed during the synchronisation"))
}

/// Applies the stream until the link ends.
async fn stream(
    sh: &Arc<Shared>,
    r: &mut Reader,
    epoch: u64,
    kill: &Arc<KillSwitch>,
) -> io::Result<()> {
    let mut client = Client::new(sh.next_client_id(), 0, Resp::V2, true);
    let mut ticker = tokio::time::interval(ACK_EVERY);
    ticker.tick().await;
    loop {
        if !r.buf.is_empty() {
            let applied = apply(sh, &mut r.buf, &mut client, epoch)?;
            if let Some(offset) = applied {
                ack(r, offset).await?;
            }
        }
        tokio::select! {
            got = r.wire.recv(&mut r.buf) => {
                if got? == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the primary closed the link"));
                }
            }
            _ = ticker.tick() => {
                let offset = sh.state.lock().repl.offset;
                ack(r, offset).await?;
            }
            () = kill.killed() => return Ok(()),
        }
    }
}

/// Applies every complete command in `buf`, under one lock: each runs as
/// the primary's client, then passes on to this server's own replicas and
/// counts in its offset. Returns the offset to acknowledge, if any
/// command was applied.
fn apply(
    sh: &Arc<Shared>,
    buf: &mut BytesMut,
    client: &mut Client,
    epoch: u64,
) -> io::Result<Option<i64>> {
    let now_us = sh.clock.now_micros();
    let mut state = sh.state.lock();
    sh.sync_arrivals(&mut state);
    if state.repl.upstream().is_none_or(|u| u.epoch != epoch) {
        return Err(io::Error::other("the role changed"));
    }
    let mut applied = false;
    let limits = Limits::default();
    while let Some(n) = crate::protocol::reply::frame_len(buf) {
        let raw = buf.split_to(n);
        let mut input = BytesMut::from(&raw[..]);
        let args = RequestDecoder::new()
            .decode(&mut input, &limits)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.0))?;
        if let Some(args) = args {
            exec::replicated(&mut state, &**sh, client, &args, now_us);
        }
        state.repl.feed(&raw, now_us.div_euclid(1000));
        applied = true;
    }
    if !applied {
        return Ok(None);
    }
    let now = now_us.div_euclid(1000);
    if let Some(u) = state.repl.upstream_mut() {
        u.last_io_ms = now;
    }
    let offset = state.repl.offset;
    sh.refresh_wake(&state);
    Ok(Some(offset))
}
