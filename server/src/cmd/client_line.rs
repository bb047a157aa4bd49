//! A client's CLIENT LIST line: what CLIENT LIST and CLIENT INFO print and
//! ACL LOG keeps of the client a refusal happened to. Redis 7.0's fields
//! in its order; the buffer figures are those of an idle connection.

use crate::cmd::Client;
use crate::state::{ClientInfo, State};

/// One CLIENT LIST line, fields in Redis 7.0's order (buffer figures are
/// those of an idle connection). `current` is the database and queued
/// count of the client whose command is running, which its registry
/// entry learns only after the command.
pub fn client_line(
    c: &ClientInfo,
    now: i64,
    current: Option<(usize, i64)>,
    blocked: bool,
) -> String {
    let (db, multi) = current.unwrap_or((c.db, c.multi));
    let cmd = c.last_cmd;
    let text = |v: &Option<Vec<u8>>| {
        v.as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    // Redis's letters, in its order; N when none applies.
    let mut flags = String::new();
    if c.monitor {
        flags.push('O');
    }
    if !c.channels.is_empty() || !c.patterns.is_empty() || !c.shard_channels.is_empty() {
        flags.push('P');
    }
    if multi >= 0 {
        flags.push('x');
    }
    if blocked {
        flags.push('b');
    }
    if let Some(t) = &c.tracking {
        flags.push('t');
        if t.broken_redirect {
            flags.push('R');
        }
        if t.bcast {
            flags.push('B');
        }
    }
    if c.cas_dirty {
        flags.push('d');
    }
    if c.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    let redir = c.tracking.as_ref().map_or(-1, |t| t.redirect as i64);
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd={} user={} redir={} resp={}",
        c.id,
        c.addr,
        c.laddr,
        if c.local { -1 } else { 8 },
        text(&c.name),
        ((now - c.created_ms) / 1000).max(0),
        ((now - c.last_ms) / 1000).max(0),
        flags,
        db,
        c.channels.len(),
        c.patterns.len(),
        c.shard_channels.len(),
        multi,
        cmd,
        String::from_utf8_lossy(&c.user),
        redir,
        c.resp.number(),
    )
}

/// The CLIENT LIST line of `client` while its command runs (ACL LOG's
/// `client-info`); a script's client is described as the client that
/// called the script (whose id it shares).
pub fn client_info_line(state: &State, client: &Client, now: i64) -> String {
    state
        .clients
        .get(&client.id)
        .map(|c| client_line(c, now, None, false))
        .unwrap_or_default()
}
