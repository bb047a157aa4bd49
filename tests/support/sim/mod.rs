//! A seeded, deterministic simulation of lock clients under faults, with a
//! history, a checker and a timeline picture.
//!
//! # The model
//!
//! A [`Scenario`] — drawn entirely from one `u64` seed — has K clients
//! (2–5) and N servers (1, 3 or 5). With one server the clients use a
//! [`Lock`]; with more, a [`Redlock`] over all of them. On the fenced path
//! ([`Scenario::new`]) every lock asks for a fencing token, and the
//! protected resource is a [`FenceGate`]: it accepts a write only with a
//! token at least the highest it has accepted. The plain path
//! ([`Scenario::plain`]: the same draws, no tokens — `SET NX PX`, and an
//! EXTEND after a lost reply) has nothing to fence with: its clients skip
//! the write and only mutual exclusion is checked.
//!
//! Each client loops: `acquire` → work for a random time → check
//! `is_valid()` (skip the write if not) → perhaps stop for a while (a GC
//! pause: the task just sleeps, holding the guard) → write to the resource
//! with its token (fenced path) → `release` → think. Beside the clients, a fault
//! schedule injects, at random times: partitions of one client from some
//! servers, server restarts, lost replies (the command runs, the reply is
//! dropped) and delayed replies to one client, and clock steps backwards.
//! Every server has its own clock — a [`SkewedClock`] over one
//! [`TokioClock`], with a random offset and a rate within the drift factor.
//!
//! Everything runs on one current-thread Tokio runtime with paused time,
//! the servers included (on `TokioClock`s, through in-process
//! connections): simulated time moves only when every task waits, and
//! every random choice comes from generators seeded from the scenario's
//! seed, so a seed replays exactly — the same [`History`], event for
//! event. (Lock tokens are random, but nothing recorded depends on them.
//! The `tokio::select!`s on the in-process path — the guard's lost
//! signal, the in-process connection's wait, the Tokio clock's watcher —
//! poll in a fixed order (`biased`), since stable Tokio does not let a
//! test seed the order it would otherwise draw; a `select!` elsewhere
//! could still bring chance in when two branches become ready at the same
//! simulated instant. 240 double runs over three breakages all matched.)
//!
//! # The documented assumptions, and breaking them
//!
//! `redsim-lock` promises mutual exclusion while a guard is valid only if
//! (1) every server's clock runs at real time within the drift factor,
//! (2) no clock jumps forward, and (3) a server that loses its keys stays
//! away for longer than the TTL before it rejoins. [`Breakage::None`]
//! keeps all three: drift rates lie in `[1 − f, 1 + f]` (a key then lives
//! at least `ttl / (1 + f) ≥ ttl × (1 − f)`, the validity the lock
//! computes; a quarter of the clocks run at `1 + f` exactly, on the
//! edge); clocks only step back; a restart is the "delayed restart"
//! remedy — `power_off`, wait longer than the TTL, `power_on` (data kept,
//! so the fencing counter survives). Pauses, partitions, lost and
//! delayed replies are all allowed: a pause past validity is the fencing
//! token's business.
//!
//! The other [`Breakage`]s break one assumption on purpose: restarts at
//! once with the data lost, clocks drifting beyond the factor, clocks
//! jumping forward, or delayed restarts that lose the data (the lock
//! keys, harmlessly, and the fencing counter, not so).
//!
//! # The checks
//!
//! See [`check`](mod@check): mutual exclusion over the validity the clients compute,
//! strictly increasing tokens at the resource across holders, and no
//! accepted stale or superseded write.
//!
//! # Layout
//!
//! `scenario.rs` (what a seed draws), `client.rs` (the client loop),
//! `schedule.rs` (the fault schedule), `conn.rs` (a reconnecting, named
//! in-process connection), `history.rs` (events), `check.rs` (the
//! checker), `timeline.rs` (the SVG); this file runs a scenario.

// The support crate allows undocumented items; this module does not.
#![warn(missing_docs)]

pub mod check;
mod client;
pub mod conn;
pub mod history;
mod scenario;
mod schedule;
pub mod timeline;

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use fastrand::Rng;
use redsim::{Server, SkewedClock, TokioClock};
use redsim_lock::fencing::FenceGate;
use redsim_lock::{Lock, Redlock};
use tokio::time::Instant;

use client::{ClientCtx, SimLock, client_loop};
use schedule::{FaultCtx, fault_schedule};

pub use check::{Report, Violation, ViolationKind, check};
pub use conn::SimConn;
pub use history::{Event, EventKind, Fault, History, Hold};
pub use scenario::{Breakage, FaultMix, Scenario, label};

/// Runs `scenario` on its own paused current-thread runtime and returns
/// its history.
pub fn run(scenario: &Scenario) -> History {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(simulate(scenario.clone()))
}

/// Runs `scenario` and checks its history.
pub fn run_and_check(scenario: &Scenario) -> (History, Report) {
    let history = run(scenario);
    let report = check(&history);
    (history, report)
}

/// Where events are recorded, stamped with time since the start.
#[derive(Clone)]
pub(crate) struct Recorder {
    start: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    pub(crate) fn since(&self, t: Instant) -> Duration {
        t.saturating_duration_since(self.start)
    }

    pub(crate) fn at(&self, at: Instant, kind: EventKind) {
        let at = self.since(at);
        self.events.lock().unwrap().push(Event { at, kind });
    }

    pub(crate) fn now(&self, kind: EventKind) {
        self.at(Instant::now(), kind);
    }
}

async fn simulate(scenario: Scenario) -> History {
    let start = Instant::now();
    let recorder = Recorder {
        start,
        events: Arc::new(Mutex::new(Vec::new())),
    };
    // A fixed wall-clock origin: nothing depends on when the test runs.
    let base = TokioClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let mut clocks = Vec::new();
    let mut servers = Vec::new();
    for (i, &(offset, rate)) in scenario.clocks.iter().enumerate() {
        let by = Duration::from_millis(offset.unsigned_abs());
        let clock = SkewedClock::new(&base);
        let clock = if offset >= 0 {
            clock.ahead(by)
        } else {
            clock.behind(by)
        };
        let clock = clock.drifting(rate);
        recorder.now(EventKind::Fault(Fault::Drift {
            server: i,
            rate_ppm: (rate * 1e6).round() as u64,
        }));
        let server = Server::builder()
            .clock(&clock)
            .seed(scenario.seed ^ (i as u64 + 1))
            .listen(false)
            .start()
            .expect("a redsim server");
        clocks.push(clock);
        servers.push(Arc::new(server));
    }
    let end = start + scenario.length;
    let gate = Arc::new(FenceGate::new());
    let mut tasks = Vec::new();
    for client in 0..scenario.clients {
        let name = format!("c{client}");
        let nodes: Vec<SimConn> = servers
            .iter()
            .map(|s| SimConn::new(Arc::clone(s), &name))
            .collect();
        let seed = scenario.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (client as u64 + 1);
        let options = scenario.options(seed);
        let lock = if nodes.len() == 1 {
            SimLock::Single(Lock::with_options(nodes[0].clone(), "resource", options))
        } else {
            SimLock::Red(Redlock::with_options(nodes, "resource", options))
        };
        tasks.push(tokio::spawn(client_loop(ClientCtx {
            client,
            lock,
            gate: Arc::clone(&gate),
            recorder: recorder.clone(),
            rng: Rng::with_seed(seed),
            ttl: scenario.ttl,
            pauses: scenario.faults.pauses,
            end,
        })));
    }
    let schedule = tokio::spawn(fault_schedule(FaultCtx {
        scenario: scenario.clone(),
        servers: servers.clone(),
        clocks,
        recorder: recorder.clone(),
        rng: Rng::with_seed(scenario.seed.rotate_left(17) ^ 0xFA17),
        end,
    }));
    for t in tasks {
        t.await.expect("a client task panicked");
    }
    schedule.await.expect("the fault schedule panicked");
    let mut events = std::mem::take(&mut *recorder.events.lock().unwrap());
    events.sort_by_key(|e| e.at);
    History {
        events,
        clients: scenario.clients,
        servers: scenario.servers,
        length: recorder.since(Instant::now()),
    }
}

/// The seed to replay, from `REDSIM_SIM_SEED`.
pub fn seed_from_env() -> Option<u64> {
    std::env::var("REDSIM_SIM_SEED").ok()?.trim().parse().ok()
}
