//! The command journal: what each client sent, when (on the server clock),
//! what it got back, and what the fault layer did to it.
//!
//! Off unless asked for ([`ServerBuilder::journal`](crate::ServerBuilder::journal),
//! [`Server::set_journal`](crate::Server::set_journal)); when off, a command
//! pays one atomic load for it. When on, entries go into a bounded ring
//! (the oldest are forgotten first) in the order the commands ran, recorded
//! under the state lock with the command. A command appears once: commands
//! a script runs are part of its EVAL, a transaction's commands appear as
//! they are queued (replied `QUEUED`) and EXEC with the results, a blocked
//! command appears when it is answered, and a delayed, held or paused one
//! when it finally runs.
//!
//! This module owns the ring and the text form of entries; the session
//! decides what to record.

use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use parking_lot::Mutex;

use crate::protocol::render;

/// What the fault layer did to a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Injected {
    /// Answered with an error instead of running ([`Verdict::Error`](crate::Verdict::Error)
    /// or [`Server::set_error`](crate::Server::set_error)).
    Error,
    /// Held until the server clock moved on by this much, then run.
    Delay(Duration),
    /// Held for this much real time, then run.
    DelayReal(Duration),
    /// Held until released, then run.
    Hang,
    /// The connection was closed instead of running it.
    DropBefore,
    /// Run, then the connection was closed instead of replying.
    DropAfter,
    /// Refused by closing the connection: the client's name is partitioned
    /// ([`Server::partition`](crate::Server::partition)).
    Partition,
}

impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Injected::Error => f.write_str("error"),
            Injected::Delay(d) => write!(f, "delay {d:?} (server clock)"),
            Injected::DelayReal(d) => write!(f, "delay {d:?} (real time)"),
            Injected::Hang => f.write_str("hang"),
            Injected::DropBefore => f.write_str("drop-before"),
            Injected::DropAfter => f.write_str("drop-after"),
            Injected::Partition => f.write_str("partition"),
        }
    }
}

/// One command as the journal saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalEntry {
    /// Position in the journal, from 1; never reused, also when old
    /// entries are forgotten.
    pub seq: u64,
    /// CLIENT ID of the sender.
    pub client: u64,
    /// Its name (CLIENT SETNAME) when it sent the command.
    pub client_name: Option<String>,
    /// The selected database when the command ran.
    pub db: usize,
    /// Server-clock time in microseconds since the Unix epoch.
    pub time_us: i64,
    /// The arguments, command name first.
    pub args: Vec<Vec<u8>>,
    /// The reply's RESP bytes; `None` when there was none (the connection
    /// was dropped before the command ran).
    pub reply: Option<Vec<u8>>,
    /// What the fault layer did, if anything.
    pub fault: Option<Injected>,
    /// Whether the reply was sent (false after a drop).
    pub delivered: bool,
}

impl JournalEntry {
    /// The command name in upper case, with the subcommand of a container
    /// (`"SET"`, `"CLIENT KILL"`).
    pub fn command(&self) -> String {
        let mut name = self
            .args
            .first()
            .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
            .unwrap_or_default();
        let container = crate::cmd::find(self.args.first().map_or(&[][..], |a| a))
            .is_some_and(|spec| !spec.subcommands.is_empty());
        if let (true, Some(sub)) = (container, self.args.get(1)) {
            name.push(' ');
            name.push_str(&String::from_utf8_lossy(sub).to_ascii_uppercase());
        }
        name
    }

    /// The reply as one line of text (`OK`, `(error) …`, `"value"`), if
    /// there was one.
    pub fn reply_text(&self) -> Option<String> {
        self.reply.as_deref().map(render::reply)
    }

    /// Whether the reply is an error.
    pub fn is_error(&self) -> bool {
        self.reply.as_deref().is_some_and(|r| r.starts_with(b"-"))
    }

    /// The server-clock time as a [`SystemTime`].
    pub fn time(&self) -> SystemTime {
        let us = self.time_us;
        if us >= 0 {
            UNIX_EPOCH + Duration::from_micros(us as u64)
        } else {
            UNIX_EPOCH - Duration::from_micros(us.unsigned_abs())
        }
    }
}

impl fmt::Display for JournalEntry {
    /// `#12 12:00:00.123456 client 3 (worker-1) db0 SET lock:a tok NX -> OK`,
    /// the time of day in UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.time_us.div_euclid(1_000_000);
        let micros = self.time_us.rem_euclid(1_000_000);
        let day = secs.rem_euclid(86_400);
        write!(
            f,
            "#{} {:02}:{:02}:{:02}.{micros:06} client {}",
            self.seq,
            day / 3600,
            day / 60 % 60,
            day % 60,
            self.client
        )?;
        if let Some(name) = &self.client_name {
            write!(f, " ({name})")?;
        }
        write!(f, " db{}", self.db)?;
        for a in &self.args {
            write!(f, " {}", render::arg(a))?;
        }
        match self.reply_text() {
            Some(r) => write!(f, " -> {r}")?,
            None => f.write_str(" -> (no reply)")?,
        }
        if self.reply.is_some() && !self.delivered {
            f.write_str(" (not delivered)")?;
        }
        if let Some(fault) = &self.fault {
            write!(f, " [fault: {fault}]")?;
        }
        Ok(())
    }
}

/// A copy of the journal, oldest entry first. It reads as a slice of
/// [`JournalEntry`] and prints one line per entry.
///
/// ```
/// let server = redsim::Server::builder().journal(100).start().unwrap();
/// let mut con = server.connection();
/// redis::cmd("SET").arg("k").arg("v").exec(&mut con).unwrap();
/// let journal = server.journal();
/// assert_eq!(journal.len(), 1);
/// assert_eq!(journal[0].command(), "SET");
/// assert!(journal.to_string().ends_with("db0 SET k v -> OK\n"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journal {
    entries: Vec<JournalEntry>,
    forgotten: u64,
}

impl Journal {
    /// How many older entries the ring had already forgotten.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// The entries, oldest first.
    pub fn into_entries(self) -> Vec<JournalEntry> {
        self.entries
    }
}

impl std::ops::Deref for Journal {
    type Target = [JournalEntry];

    fn deref(&self) -> &[JournalEntry] {
        &self.entries
    }
}

impl IntoIterator for Journal {
    type Item = JournalEntry;
    type IntoIter = std::vec::IntoIter<JournalEntry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Journal {
    type Item = &'a JournalEntry;
    type IntoIter = std::slice::Iter<'a, JournalEntry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl fmt::Display for Journal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.forgotten > 0 {
            writeln!(f, "({} older entries forgotten)", self.forgotten)?;
        }
        for e in &self.entries {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

/// What the session knows of a command when it starts, kept until the
/// command is answered.
#[derive(Debug)]
pub(crate) struct Draft {
    pub args: Vec<Bytes>,
    /// The client's name as the command arrived (filled in under the lock).
    pub client_name: Option<Vec<u8>>,
}

/// Everything recorded about a finished command, but its sequence number.
pub(crate) struct Record<'a> {
    pub draft: Draft,
    pub client: u64,
    pub db: usize,
    pub time_us: i64,
    pub reply: Option<&'a [u8]>,
    pub fault: Option<Injected>,
    pub delivered: bool,
}

/// The journal of one server.
#[derive(Debug, Default)]
pub(crate) struct JournalLog {
    on: AtomicBool,
    ring: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    capacity: usize,
    next_seq: u64,
    forgotten: u64,
    entries: VecDeque<JournalEntry>,
}

impl JournalLog {
    /// Whether commands are being recorded.
    pub fn is_on(&self) -> bool {
        self.on.load(Ordering::Relaxed)
    }

    /// Starts recording into a ring of `capacity` entries (keeping what is
    /// there, up to the new capacity), or stops and forgets everything.
    pub fn set(&self, capacity: Option<usize>) {
        let mut ring = self.ring.lock();
        match capacity.filter(|&c| c > 0) {
            Some(c) => {
                ring.capacity = c;
                while ring.entries.len() > c {
                    ring.entries.pop_front();
                    ring.forgotten += 1;
                }
                self.on.store(true, Ordering::Relaxed);
            }
            None => {
                self.on.store(false, Ordering::Relaxed);
                ring.entries.clear();
                ring.forgotten = 0;
            }
        }
    }

    /// A draft for a command about to run, if recording.
    pub fn draft(&self, args: &[Bytes]) -> Option<Draft> {
        self.is_on().then(|| Draft {
            args: args.to_vec(),
            client_name: None,
        })
    }

    /// Adds a finished command.
    pub fn record(&self, r: Record<'_>) {
        let mut ring = self.ring.lock();
        if ring.capacity == 0 {
            return;
        }
        ring.next_seq += 1;
        let entry = JournalEntry {
            seq: ring.next_seq,
            client: r.client,
            client_name: r
                .draft
                .client_name
                .as_deref()
                .map(|n| String::from_utf8_lossy(n).into_owned()),
            db: r.db,
            time_us: r.time_us,
            args: r.draft.args.iter().map(|a| a.to_vec()).collect(),
            reply: r.reply.map(<[u8]>::to_vec),
            fault: r.fault,
            delivered: r.delivered,
        };
        if ring.entries.len() == ring.capacity {
            ring.entries.pop_front();
            ring.forgotten += 1;
        }
        ring.entries.push_back(entry);
    }

    /// A copy of the entries.
    pub fn snapshot(&self) -> Journal {
        let ring = self.ring.lock();
        Journal {
            entries: ring.entries.iter().cloned().collect(),
            forgotten: ring.forgotten,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(log: &JournalLog, arg: &'static str) {
        log.record(Record {
            draft: Draft {
                args: vec![Bytes::from_static(arg.as_bytes())],
                client_name: Some(b"w".to_vec()),
            },
            client: 1,
            db: 0,
            time_us: 45_296_000_007,
            reply: Some(b"+PONG\r\n"),
            fault: None,
            delivered: true,
        });
    }

    #[test]
    fn the_ring_forgets_the_oldest_and_keeps_numbering() {
        let log = JournalLog::default();
        log.set(Some(2));
        for a in ["a", "b", "c"] {
            record(&log, a);
        }
        let j = log.snapshot();
        assert_eq!(j.forgotten(), 1);
        assert_eq!(j.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(
            j[1].to_string(),
            "#3 12:34:56.000007 client 1 (w) db0 c -> PONG"
        );
        log.set(None);
        assert!(log.snapshot().is_empty());
        assert!(log.draft(&[]).is_none());
    }
}
