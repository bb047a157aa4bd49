//! The history a simulation records: what each client did with the lock
//! and the resource, and what the fault schedule did to the servers, each
//! stamped with simulated time (Tokio's paused clock, from the start of
//! the run).
//!
//! It owns the event types and their text form; it does not judge them
//! (that is [`check`](mod@super::check)) nor draw them (that is
//! [`timeline`](super::timeline)). Histories compare with `==`: a seed run
//! twice must give equal ones.

use std::fmt;
use std::time::Duration;

/// One event, at a simulated time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Simulated time since the start of the run.
    pub at: Duration,
    /// What happened.
    pub kind: EventKind,
}

/// Identifies one acquisition: the client and its n-th successful acquire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hold {
    /// The client (0-based).
    pub client: usize,
    /// Its acquisitions, counted from 0.
    pub nth: usize,
}

impl fmt::Display for Hold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}#{}", self.client, self.nth)
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `acquire` returned a guard; `at` is when it returned.
    Acquired {
        /// Which acquisition.
        hold: Hold,
        /// When the acquire call started (before any retries).
        started: Duration,
        /// The fencing token.
        fence: Option<u64>,
        /// The guard's validity deadline.
        valid_until: Duration,
    },
    /// `acquire` gave up (timeout, no validity left, a Redis error).
    AcquireFailed {
        /// The client.
        client: usize,
        /// The error, shortened to its kind.
        error: String,
    },
    /// The client saw its guard's deadline moved by the renewal watchdog.
    Renewed {
        /// Which acquisition.
        hold: Hold,
        /// The new deadline.
        valid_until: Duration,
    },
    /// The guard's lost signal fired.
    Lost {
        /// Which acquisition.
        hold: Hold,
        /// The lost reason, as `Debug` prints it.
        reason: String,
    },
    /// The client checked its guard before writing and found it invalid:
    /// it skips the write.
    NoticedInvalid {
        /// Which acquisition.
        hold: Hold,
    },
    /// A write to the fenced resource; `at` is when the resource ruled.
    Write {
        /// Which acquisition.
        hold: Hold,
        /// The token presented.
        fence: u64,
        /// Whether the resource accepted it.
        accepted: bool,
        /// Whether the guard was valid when the write reached the resource
        /// (false: the holder was paused past its validity).
        valid: bool,
    },
    /// `release` was called at `at` (the outcome came later).
    Released {
        /// Which acquisition.
        hold: Hold,
        /// `Ok` or the error's kind.
        outcome: String,
    },
    /// A fault was injected.
    Fault(Fault),
}

/// A fault, as the schedule injected it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// A client stops (a GC pause, a swapped-out VM) for `length`, at a
    /// point where it holds the lock and has just checked its validity.
    Pause {
        /// The client.
        client: usize,
        /// How long.
        length: Duration,
    },
    /// A client cut off from some servers for `length`.
    Partition {
        /// The client.
        client: usize,
        /// The servers it cannot reach.
        servers: Vec<usize>,
        /// How long.
        length: Duration,
    },
    /// A server restarts. `down` zero: at once, with its data lost (the
    /// broken assumption); otherwise it stays off for `down` (longer than
    /// the TTL) and comes back with its data, or without it when
    /// `persistent` is false.
    Restart {
        /// The server.
        server: usize,
        /// How long it stays off.
        down: Duration,
        /// Whether it keeps its data (the fencing counter) across.
        persistent: bool,
    },
    /// A server's clock steps, forward (`forward`) or back, by `by`.
    ClockJump {
        /// The server.
        server: usize,
        /// Which way.
        forward: bool,
        /// How far.
        by: Duration,
    },
    /// A server's clock starts running at `rate_ppm` parts per million of
    /// real time (1 000 000: on time).
    Drift {
        /// The server.
        server: usize,
        /// The new rate, in parts per million.
        rate_ppm: u64,
    },
    /// The next reply of `command` to a client from a server is lost
    /// after the command ran.
    LostReply {
        /// The client.
        client: usize,
        /// The server.
        server: usize,
        /// The command whose reply is lost.
        command: String,
    },
    /// The next reply of `command` to a client from a server comes late.
    DelayedReply {
        /// The client.
        client: usize,
        /// The server.
        server: usize,
        /// The command.
        command: String,
        /// By how much (server clock).
        by: Duration,
    },
}

/// A run's events in time order (stable: events at the same instant keep
/// the order in which they were recorded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The events.
    pub events: Vec<Event>,
    /// How many clients took part.
    pub clients: usize,
    /// How many servers.
    pub servers: usize,
    /// The simulated length of the run.
    pub length: Duration,
}

impl History {
    /// The acquisitions, in the order they were acquired.
    pub fn holds(&self) -> impl Iterator<Item = (&Event, Hold)> {
        self.events.iter().filter_map(|e| match e.kind {
            EventKind::Acquired { hold, .. } => Some((e, hold)),
            _ => None,
        })
    }

    /// The faults.
    pub fn faults(&self) -> impl Iterator<Item = (Duration, &Fault)> {
        self.events.iter().filter_map(|e| match &e.kind {
            EventKind::Fault(f) => Some((e.at, f)),
            _ => None,
        })
    }
}

/// Milliseconds with three decimals: simulated times read best that way.
pub(crate) struct Ms(pub Duration);

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0.as_micros();
        write!(f, "{}.{:03}ms", us / 1000, us % 1000)
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Pause { client, length } => write!(f, "pause c{client} for {}", Ms(*length)),
            Fault::Partition {
                client,
                servers,
                length,
            } => write!(
                f,
                "partition c{client} from servers {servers:?} for {}",
                Ms(*length)
            ),
            Fault::Restart {
                server,
                down,
                persistent,
            } => {
                if down.is_zero() {
                    write!(f, "restart s{server} at once, data lost")
                } else {
                    let data = if *persistent { "kept" } else { "lost" };
                    write!(f, "restart s{server}: off for {}, data {data}", Ms(*down))
                }
            }
            Fault::ClockJump {
                server,
                forward,
                by,
            } => {
                let way = if *forward { "forward" } else { "back" };
                write!(f, "clock of s{server} jumps {way} by {}", Ms(*by))
            }
            Fault::Drift { server, rate_ppm } => {
                write!(
                    f,
                    "clock of s{server} runs at {:.4}x",
                    *rate_ppm as f64 / 1e6
                )
            }
            Fault::LostReply {
                client,
                server,
                command,
            } => write!(f, "next {command} reply s{server}->c{client} lost"),
            Fault::DelayedReply {
                client,
                server,
                command,
                by,
            } => write!(
                f,
                "next {command} reply s{server}->c{client} delayed {}",
                Ms(*by)
            ),
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventKind::Acquired {
                hold,
                started,
                fence,
                valid_until,
            } => {
                write!(f, "{hold} acquired (asked at {})", Ms(*started))?;
                if let Some(t) = fence {
                    write!(f, " fence {t}")?;
                }
                write!(f, ", valid until {}", Ms(*valid_until))
            }
            EventKind::AcquireFailed { client, error } => {
                write!(f, "c{client} acquire failed: {error}")
            }
            EventKind::Renewed { hold, valid_until } => {
                write!(f, "{hold} renewed, valid until {}", Ms(*valid_until))
            }
            EventKind::Lost { hold, reason } => write!(f, "{hold} lost: {reason}"),
            EventKind::NoticedInvalid { hold } => {
                write!(f, "{hold} found its lock invalid, skips the write")
            }
            EventKind::Write {
                hold,
                fence,
                accepted,
                valid,
            } => {
                let verdict = if *accepted { "accepted" } else { "REJECTED" };
                let late = if *valid { "" } else { " (past its validity)" };
                write!(f, "{hold} writes with fence {fence}: {verdict}{late}")
            }
            EventKind::Released { hold, outcome } => write!(f, "{hold} releases: {outcome}"),
            EventKind::Fault(fault) => write!(f, "FAULT {fault}"),
        }
    }
}

impl fmt::Display for History {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "clients: {}, servers: {}, simulated: {}",
            self.clients,
            self.servers,
            Ms(self.length)
        )?;
        for e in &self.events {
            writeln!(f, "{:>12} {}", Ms(e.at).to_string(), e.kind)?;
        }
        Ok(())
    }
}
