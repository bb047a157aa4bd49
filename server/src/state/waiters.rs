//! Blocked clients: BLPOP, BLMOVE, BZPOPMIN and friends waiting for data.
//!
//! A blocking command that finds nothing asks to block (`Ctx::block`); the
//! executor then registers a [`Waiter`] here, holding the command and a
//! channel for its eventual reply, and the connection waits on that channel
//! *without* holding the state lock. Redis's rules are kept:
//!
//! * Waiters on a key are served first blocked, first served.
//! * A write to a key someone waits on makes it *ready*; ready keys are
//!   served at the end of the command that wrote them (after a whole EXEC),
//!   before any other client runs a command — so an LPUSH's reply counts the
//!   element and the waiter then pops it, atomically.
//! * A waiter is served by running its command again against the ready key;
//!   if that finds nothing (another waiter took it, or the key changed type)
//!   it stays blocked, in its place in line.
//! * Timeouts are absolute server-clock milliseconds and strict (a waiter
//!   times out once the clock is past its deadline); they fire when a
//!   manual clock moves, from a timer for clocks that move by themselves,
//!   and before every command.
//!
//! This module owns the registry; the executor runs the serving loop (it
//! runs commands), the commands decide what "data" means and the
//! transports do the waiting.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::clients::ClientId;
use crate::db::Blob;
use crate::protocol::{Out, Resp};

/// What a blocking command asks for when it finds nothing.
#[derive(Debug, Clone)]
pub struct BlockRequest {
    /// The keys whose change may let it proceed.
    pub keys: Vec<Blob>,
    /// Absolute server-clock deadline in ms, `None` to wait forever.
    pub deadline: Option<i64>,
    /// The command to run again when a key is ready, if not the one sent
    /// (XREAD's `$` stands for the stream's last ID when it blocked).
    pub args: Option<Vec<Bytes>>,
    /// The reply when the deadline passes, if not the null reply (WAIT
    /// answers how many replicas acknowledged).
    pub timeout_reply: Option<Vec<u8>>,
}

/// A client waiting in a blocking command.
pub struct Waiter {
    client: ClientId,
    db: usize,
    resp: Resp,
    /// The command, its name first: run again when a key it waits on
    /// changes.
    args: Vec<Bytes>,
    keys: Vec<Blob>,
    deadline: Option<i64>,
    timeout_reply: Option<Vec<u8>>,
    tx: oneshot::Sender<Vec<u8>>,
}

/// How a waiter ends other than by being served.
pub enum Unblock {
    /// As if its timeout passed: the null reply.
    Timeout,
    /// With an error reply (CLIENT UNBLOCK … ERROR).
    Error(&'static str),
}

/// The registry of blocked clients of one server.
#[derive(Default)]
pub struct Blocking {
    next_seq: u64,
    /// Waiters by sequence number: the order in which they blocked.
    waiters: BTreeMap<u64, Waiter>,
    /// Waiters on each (database, key), first blocked first.
    by_key: HashMap<(usize, Blob), VecDeque<u64>>,
    /// (deadline, sequence) of waiters that have a deadline.
    timeouts: BTreeSet<(i64, u64)>,
    /// Keys written since the last serving pass, in the order written.
    ready: VecDeque<(usize, Blob)>,
    ready_set: HashSet<(usize, Blob)>,
}

impl Blocking {
    /// Number of blocked clients (INFO blocked_clients).
    pub fn len(&self) -> usize {
        self.waiters.len()
    }

    /// Whether `client` is blocked (CLIENT LIST flag `b`).
    pub fn is_blocked(&self, client: ClientId) -> bool {
        self.waiters.values().any(|w| w.client == client)
    }

    /// The earliest deadline of any waiter.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timeouts.first().map(|(d, _)| *d)
    }

    /// Registers a waiter and returns the channel its reply will arrive on.
    pub fn add(
        &mut self,
        client: ClientId,
        db: usize,
        resp: Resp,
        args: Vec<Bytes>,
        mut request: BlockRequest,
    ) -> oneshot::Receiver<Vec<u8>> {
        let args = request.args.take().unwrap_or(args);
        let (tx, rx) = oneshot::channel();
        let seq = self.next_seq;
        self.next_seq += 1;
        for key in &request.keys {
            let line = self.by_key.entry((db, key.clone())).or_default();
            if !line.contains(&seq) {
                line.push_back(seq);
            }
        }
        if let Some(d) = request.deadline {
            self.timeouts.insert((d, seq));
        }
        self.waiters.insert(
            seq,
            Waiter {
                client,
                db,
                resp,
                args,
                keys: request.keys,
                deadline: request.deadline,
                timeout_reply: request.timeout_reply,
                tx,
            },
        );
        rx
    }

    fn remove(&mut self, seq: u64) -> Option<Waiter> {
        let w = self.waiters.remove(&seq)?;
        for key in &w.keys {
            let slot = (w.db, key.clone());
            if let Some(line) = self.by_key.get_mut(&slot) {
                line.retain(|&s| s != seq);
                if line.is_empty() {
                    self.by_key.remove(&slot);
                }
            }
        }
        if let Some(d) = w.deadline {
            self.timeouts.remove(&(d, seq));
        }
        Some(w)
    }

    /// Notes that `key` of `db` changed: if anyone waits on it, it will be
    /// tried at the end of the current command.
    pub fn signal(&mut self, db: usize, key: &[u8]) {
        if self.by_key.is_empty() {
            return;
        }
        let slot = (db, Blob::new(key));
        if self.by_key.contains_key(&slot) && self.ready_set.insert(slot.clone()) {
            self.ready.push_back(slot);
        }
    }

    /// Every waiter whose database is `db` or `other` is worth retrying
    /// (SWAPDB, FLUSHDB: the keys they wait on may have changed wholesale).
    pub fn signal_db(&mut self, db: usize) {
        let slots: Vec<(usize, Blob)> = self
            .by_key
            .keys()
            .filter(|(d, _)| *d == db)
            .cloned()
            .collect();
        for (d, k) in slots {
            self.signal(d, &k);
        }
    }

    /// Ends the wait of `client`, if blocked, as `how` says. Returns
    /// whether it was blocked.
    pub fn unblock(&mut self, client: ClientId, how: Unblock) -> bool {
        let seqs: Vec<u64> = self
            .waiters
            .iter()
            .filter(|(_, w)| w.client == client)
            .map(|(s, _)| *s)
            .collect();
        let found = !seqs.is_empty();
        for seq in seqs {
            if let Some(w) = self.remove(seq) {
                let mut out = Out::new(w.resp);
                match how {
                    Unblock::Timeout => match w.timeout_reply {
                        Some(reply) => out.raw(&reply),
                        None => out.null_array(),
                    },
                    Unblock::Error(text) => out.error(text),
                }
                let _ = w.tx.send(out.take());
            }
        }
        found
    }

    /// Forgets the waiters of a client that is gone, without replying.
    pub fn forget(&mut self, client: ClientId) {
        let seqs: Vec<u64> = self
            .waiters
            .iter()
            .filter(|(_, w)| w.client == client)
            .map(|(s, _)| *s)
            .collect();
        for seq in seqs {
            self.remove(seq);
        }
    }

    /// Times out every waiter whose deadline is before `now` (strictly, as
    /// Redis's `timeout < now`): each gets the null reply.
    pub fn expire(&mut self, now: i64) {
        while let Some(&(deadline, seq)) = self.timeouts.first() {
            if deadline >= now {
                break;
            }
            if let Some(w) = self.remove(seq) {
                let reply = w.timeout_reply.unwrap_or_else(|| {
                    let mut out = Out::new(w.resp);
                    out.null_array();
                    out.take()
                });
                let _ = w.tx.send(reply);
            } else {
                self.timeouts.pop_first();
            }
        }
    }

    /// Whether a key was made ready since the last serving pass.
    #[inline]
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The next key made ready since the last serving pass, if any.
    pub fn next_ready(&mut self) -> Option<(usize, Blob)> {
        let slot = self.ready.pop_front()?;
        self.ready_set.remove(&slot);
        Some(slot)
    }

    /// The waiters in line on `slot`, first blocked first.
    pub fn line(&self, slot: &(usize, Blob)) -> Vec<u64> {
        self.by_key
            .get(slot)
            .map(|l| l.iter().copied().collect())
            .unwrap_or_default()
    }

    /// What serving waiter `seq` next needs: its client, database, protocol and
    /// command. `None` if it is gone, or if its client left (it is then
    /// forgotten: it must not consume anything meanwhile).
    pub fn serve_next(&mut self, seq: u64) -> Option<(ClientId, usize, Resp, Vec<Bytes>)> {
        let w = self.waiters.get(&seq)?;
        if w.tx.is_closed() {
            self.remove(seq);
            return None;
        }
        Some((w.client, w.db, w.resp, w.args.clone()))
    }

    /// Changes what waiter `seq` answers when its deadline passes.
    pub fn set_timeout_reply(&mut self, seq: u64, reply: Option<Vec<u8>>) {
        if let Some(w) = self.waiters.get_mut(&seq)
            && reply.is_some()
        {
            w.timeout_reply = reply;
        }
    }

    /// Ends the wait of `seq` with `reply`.
    pub fn answer(&mut self, seq: u64, reply: Vec<u8>) {
        if let Some(w) = self.remove(seq) {
            let _ = w.tx.send(reply);
        }
    }
}
