//! A seeded, deterministic simulation of lock clients under faults, with a
//! history, a checker and a timeline picture.
//!
//! # The model
//!
//! A [`Scenario`] — drawn entirely from one `u64` seed — has K clients
//! (2–5) and N servers (1, 3 or 5). With one server the clients use a
//! [`Lock`]; with more, a [`Redlock`] over all of them. Every lock asks for
//! a fencing token, and the protected resource is a [`FenceGate`]: it
//! accepts a write only with a token at least the highest it has accepted.
//!
//! Each client loops: `acquire` → work for a random time → check
//! `is_valid()` (skip the write if not) → perhaps stop for a while (a GC
//! pause: the task just sleeps, holding the guard) → write to the resource
//! with its token → `release` → think. Beside the clients, a fault
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
//! One source of chance is left: `tokio::select!` polls its branches in
//! an order drawn from a per-runtime seed that stable Tokio does not let
//! us set. It can only matter when two branches become ready at the same
//! simulated instant — a lost signal and a renewal, a delayed reply and a
//! partition — and 240 double runs over three breakages all matched.)
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
//! See [`check`]: mutual exclusion over the validity the clients compute,
//! strictly increasing tokens at the resource across holders, and no
//! accepted stale or superseded write.

// The support crate allows undocumented items; this module does not.
#![warn(missing_docs)]

pub mod check;
pub mod conn;
pub mod history;
pub mod timeline;

use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use fastrand::Rng;
use redsim::{FaultGuard, Rule, Server, SkewedClock, TokioClock};
use redsim_lock::fencing::FenceGate;
use redsim_lock::{Guard, Lock, LockError, LockOptions, Redlock, RetryPolicy};
use tokio::time::{Instant, sleep};

pub use check::{Report, Violation, ViolationKind, check};
pub use conn::SimConn;
pub use history::{Event, EventKind, Fault, History, Hold};

/// Which documented assumption a scenario breaks on purpose, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breakage {
    /// None: every fault stays within the documented assumptions.
    None,
    /// Servers restart at once and lose their data (no delay, no
    /// persistence).
    RestartWithoutDelay,
    /// Some servers' clocks run faster than the drift factor allows
    /// (from 1.25× to 2×), a majority of them for Redlock.
    DriftBeyondFactor,
    /// Servers' clocks jump forward (by 30 % to 150 % of the TTL).
    ClockJumpForward,
    /// Restarts are delayed past the TTL (mutual exclusion is safe) but
    /// lose the data, the fencing counter with it.
    RestartWithoutPersistence,
}

impl Breakage {
    /// Every breakage but [`Breakage::None`].
    pub const BROKEN: [Breakage; 4] = [
        Breakage::RestartWithoutDelay,
        Breakage::DriftBeyondFactor,
        Breakage::ClockJumpForward,
        Breakage::RestartWithoutPersistence,
    ];

    /// How it reads in a report.
    pub fn describe(self) -> &'static str {
        match self {
            Breakage::None => "within the documented assumptions",
            Breakage::RestartWithoutDelay => "restart without delay (data lost)",
            Breakage::DriftBeyondFactor => "clock drift beyond the factor",
            Breakage::ClockJumpForward => "clock jump forward",
            Breakage::RestartWithoutPersistence => "delayed restart without persistence",
        }
    }

    /// The name the replay environment variable takes
    /// (`REDSIM_SIM_BREAK`).
    pub fn name(self) -> &'static str {
        match self {
            Breakage::None => "none",
            Breakage::RestartWithoutDelay => "restart",
            Breakage::DriftBeyondFactor => "drift",
            Breakage::ClockJumpForward => "jump",
            Breakage::RestartWithoutPersistence => "unpersisted",
        }
    }

    /// The breakage named `name` (see [`Breakage::name`]).
    pub fn from_name(name: &str) -> Option<Breakage> {
        [Breakage::None]
            .into_iter()
            .chain(Breakage::BROKEN)
            .find(|b| b.name() == name)
    }
}

/// Which faults the schedule injects (pauses are the clients' own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultMix {
    /// Clients stop while holding, past their validity or not.
    pub pauses: bool,
    /// A client is cut off from some servers for a while.
    pub partitions: bool,
    /// A server restarts (how: see [`Breakage`]).
    pub restarts: bool,
    /// A reply of EVALSHA (acquire, renew, release) is lost after it ran.
    pub lost_replies: bool,
    /// A reply of EVALSHA is delayed.
    pub delayed_replies: bool,
    /// A server's clock steps back.
    pub jumps_back: bool,
}

/// One simulation, drawn from its seed by [`Scenario::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The seed everything comes from.
    pub seed: u64,
    /// Which assumption is broken on purpose.
    pub breakage: Breakage,
    /// How many clients (2–5).
    pub clients: usize,
    /// How many servers (1, 3 or 5).
    pub servers: usize,
    /// The lock's TTL.
    pub ttl: Duration,
    /// The lock's drift factor.
    pub drift_factor: f64,
    /// Whether guards renew themselves.
    pub auto_renew: bool,
    /// Each server's clock: offset from the base in ms (positive: ahead)
    /// and rate.
    pub clocks: Vec<(i64, f64)>,
    /// The faults injected.
    pub faults: FaultMix,
    /// The mean time between injected faults.
    pub fault_gap: Duration,
    /// How long the clients run (simulated).
    pub length: Duration,
}

impl Scenario {
    /// The scenario of `seed` with `breakage`.
    pub fn new(seed: u64, breakage: Breakage) -> Scenario {
        let mut rng = Rng::with_seed(seed);
        let clients = rng.usize(2..=5);
        let servers = [1, 3, 5][rng.usize(0..3)];
        let ttl = Duration::from_millis(100 * rng.u64(5..=40));
        let drift_factor = [0.01, 0.02, 0.05][rng.usize(0..3)];
        let auto_renew = rng.bool();
        let mut clocks: Vec<(i64, f64)> = (0..servers)
            .map(|_| {
                let offset = rng.i64(-5_000..=5_000);
                // Within the factor: a key lives at least ttl / (1 + f).
                // A quarter of the clocks sit on the edge, 1 + f exactly.
                let rate = if rng.f64() < 0.25 {
                    1.0 + drift_factor
                } else {
                    1.0 + drift_factor * (2.0 * rng.f64() - 1.0)
                };
                (offset, rate)
            })
            .collect();
        if breakage == Breakage::DriftBeyondFactor {
            // A majority runs fast: enough for a second Redlock quorum.
            let mut order: Vec<usize> = (0..servers).collect();
            rng.shuffle(&mut order);
            for &s in &order[..servers / 2 + 1] {
                clocks[s].1 = 1.25 + 0.75 * rng.f64();
            }
        }
        let mut faults = FaultMix {
            pauses: rng.f64() < 0.6,
            partitions: rng.f64() < 0.5,
            restarts: rng.f64() < 0.5,
            lost_replies: rng.f64() < 0.5,
            delayed_replies: rng.f64() < 0.5,
            jumps_back: rng.f64() < 0.4,
        };
        if matches!(
            breakage,
            Breakage::RestartWithoutDelay | Breakage::RestartWithoutPersistence
        ) {
            faults.restarts = true;
        }
        let fault_gap = ttl * rng.u32(1..=3);
        Scenario {
            seed,
            breakage,
            clients,
            servers,
            ttl,
            drift_factor,
            auto_renew,
            clocks,
            faults,
            fault_gap,
            length: ttl * 12,
        }
    }

    /// The lock options every client uses.
    pub fn options(&self, retry_seed: u64) -> LockOptions {
        let options = LockOptions::new()
            .ttl(self.ttl)
            .drift_factor(self.drift_factor)
            .fencing(true)
            .op_timeout(self.ttl / 20)
            .release_timeout(self.ttl / 10)
            .acquire_timeout(self.ttl * 2)
            .retry(RetryPolicy::backoff(self.ttl / 100, self.ttl / 4).seed(retry_seed));
        if self.auto_renew {
            options.auto_renew()
        } else {
            options
        }
    }
}

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
struct Recorder {
    start: Instant,
    events: Arc<Mutex<Vec<Event>>>,
}

impl Recorder {
    fn since(&self, t: Instant) -> Duration {
        t.saturating_duration_since(self.start)
    }

    fn at(&self, at: Instant, kind: EventKind) {
        let at = self.since(at);
        self.events.lock().unwrap().push(Event { at, kind });
    }

    fn now(&self, kind: EventKind) {
        self.at(Instant::now(), kind);
    }
}

/// The lock a client uses: one server or a Redlock.
#[derive(Clone)]
enum SimLock {
    Single(Lock<SimConn>),
    Red(Redlock<SimConn>),
}

impl SimLock {
    async fn acquire(&self) -> Result<Guard, LockError> {
        match self {
            SimLock::Single(l) => l.acquire().await,
            SimLock::Red(l) => l.acquire().await,
        }
    }
}

/// A short, stable name for an error (no addresses or random tokens).
fn error_kind(e: &LockError) -> String {
    let text = format!("{e:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
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

struct ClientCtx {
    client: usize,
    lock: SimLock,
    gate: Arc<FenceGate>,
    recorder: Recorder,
    rng: Rng,
    ttl: Duration,
    pauses: bool,
    end: Instant,
}

/// A random duration between `lo` and `hi` times `unit`.
fn between(rng: &mut Rng, unit: Duration, lo: f64, hi: f64) -> Duration {
    unit.mul_f64(lo + (hi - lo) * rng.f64())
}

async fn client_loop(mut cx: ClientCtx) {
    let rec = cx.recorder.clone();
    let mut nth = 0;
    // Start at different moments.
    sleep(between(&mut cx.rng, cx.ttl, 0.0, 0.2)).await;
    while Instant::now() < cx.end {
        let started = Instant::now();
        let guard = match cx.lock.acquire().await {
            Ok(g) => g,
            Err(e) => {
                rec.now(EventKind::AcquireFailed {
                    client: cx.client,
                    error: error_kind(&e),
                });
                sleep(between(&mut cx.rng, cx.ttl, 0.05, 0.5)).await;
                continue;
            }
        };
        let hold = Hold {
            client: cx.client,
            nth,
        };
        nth += 1;
        let fence = guard.fencing_token().expect("fencing is on");
        let mut seen_until = guard.valid_until();
        rec.now(EventKind::Acquired {
            hold,
            started: rec.since(started),
            fence: Some(fence),
            valid_until: rec.since(seen_until),
        });
        let lost = guard.lost();
        let watcher_rec = rec.clone();
        let watcher = tokio::spawn(async move {
            let reason = lost.await;
            watcher_rec.now(EventKind::Lost {
                hold,
                reason: format!("{reason:?}"),
            });
        });
        let observe = |guard: &Guard, seen_until: &mut Instant| {
            let v = guard.valid_until();
            if v > *seen_until {
                *seen_until = v;
                rec.now(EventKind::Renewed {
                    hold,
                    valid_until: rec.since(v),
                });
            }
        };

        // Work; long work outlives the validity without renewal.
        let work_max = if cx.rng.f64() < 0.2 { 1.5 } else { 0.6 };
        sleep(between(&mut cx.rng, cx.ttl, 0.0, work_max)).await;
        observe(&guard, &mut seen_until);
        if guard.is_valid() {
            if cx.pauses && cx.rng.f64() < 0.3 {
                let length = between(&mut cx.rng, cx.ttl, 0.2, 2.0);
                rec.now(EventKind::Fault(Fault::Pause {
                    client: cx.client,
                    length,
                }));
                sleep(length).await;
                observe(&guard, &mut seen_until);
            }
            let valid = guard.is_valid();
            let accepted = cx.gate.admit(fence).is_ok();
            rec.now(EventKind::Write {
                hold,
                fence,
                accepted,
                valid,
            });
        } else {
            rec.now(EventKind::NoticedInvalid { hold });
        }
        observe(&guard, &mut seen_until);
        let released_at = Instant::now();
        let outcome = match guard.release().await {
            Ok(()) => "Ok".to_string(),
            Err(e) => error_kind(&e),
        };
        watcher.abort();
        rec.at(released_at, EventKind::Released { hold, outcome });
        sleep(between(&mut cx.rng, cx.ttl, 0.0, 0.5)).await;
    }
}

struct FaultCtx {
    scenario: Scenario,
    servers: Vec<Arc<Server>>,
    clocks: Vec<SkewedClock>,
    recorder: Recorder,
    rng: Rng,
    end: Instant,
}

#[derive(Debug, Clone, Copy)]
enum Injection {
    Partition,
    Restart,
    LostReply,
    DelayedReply,
    JumpBack,
    JumpForward,
}

async fn fault_schedule(mut cx: FaultCtx) {
    let sc = cx.scenario.clone();
    let ttl = sc.ttl;
    let mut kinds = Vec::new();
    let mix = sc.faults;
    for (on, kind) in [
        (mix.partitions, Injection::Partition),
        (mix.restarts, Injection::Restart),
        (mix.lost_replies, Injection::LostReply),
        (mix.delayed_replies, Injection::DelayedReply),
        (mix.jumps_back, Injection::JumpBack),
    ] {
        if on {
            kinds.push(kind);
        }
    }
    if sc.breakage == Breakage::ClockJumpForward {
        // As often as all the others together.
        kinds.extend(std::iter::repeat_n(
            Injection::JumpForward,
            kinds.len().max(1),
        ));
    }
    if kinds.is_empty() {
        return;
    }
    // Per (client, server): partitioned until; per server: off until.
    let mut cut = vec![vec![Instant::now(); sc.servers]; sc.clients];
    let mut off = vec![Instant::now(); sc.servers];
    let mut helpers = Vec::new();
    loop {
        sleep(between(&mut cx.rng, sc.fault_gap, 0.2, 1.8)).await;
        let now = Instant::now();
        if now + ttl >= cx.end {
            break;
        }
        let kind = kinds[cx.rng.usize(0..kinds.len())];
        let client = cx.rng.usize(0..sc.clients);
        let server = cx.rng.usize(0..sc.servers);
        let rec = cx.recorder.clone();
        match kind {
            Injection::Partition => {
                let mut from: Vec<usize> = (0..sc.servers).filter(|_| cx.rng.bool()).collect();
                if from.is_empty() {
                    from.push(server);
                }
                from.retain(|&s| cut[client][s] <= now);
                if from.is_empty() {
                    continue;
                }
                let length = between(&mut cx.rng, ttl, 0.2, 3.0);
                let name = format!("c{client}");
                for &s in &from {
                    cut[client][s] = now + length;
                    cx.servers[s].partition(&name);
                }
                rec.now(EventKind::Fault(Fault::Partition {
                    client,
                    servers: from.clone(),
                    length,
                }));
                let servers: Vec<Arc<Server>> =
                    from.iter().map(|&s| Arc::clone(&cx.servers[s])).collect();
                helpers.push(tokio::spawn(async move {
                    sleep(length).await;
                    for s in servers {
                        s.heal(&name);
                    }
                }));
            }
            Injection::Restart => {
                if off[server] > now {
                    continue;
                }
                let target = Arc::clone(&cx.servers[server]);
                match sc.breakage {
                    Breakage::RestartWithoutDelay => {
                        target.restart();
                        rec.now(EventKind::Fault(Fault::Restart {
                            server,
                            down: Duration::ZERO,
                            persistent: false,
                        }));
                    }
                    breakage => {
                        let persistent = breakage != Breakage::RestartWithoutPersistence;
                        // Longer than the TTL: every key it held is gone
                        // from everyone's point of view when it returns.
                        let down = between(&mut cx.rng, ttl, 1.1, 2.0);
                        off[server] = now + down;
                        target.power_off();
                        rec.now(EventKind::Fault(Fault::Restart {
                            server,
                            down,
                            persistent,
                        }));
                        helpers.push(tokio::spawn(async move {
                            sleep(down).await;
                            if !persistent {
                                target.restart();
                            }
                            target.power_on().expect("power on");
                        }));
                    }
                }
            }
            Injection::LostReply | Injection::DelayedReply => {
                let rule = Rule::command("EVALSHA")
                    .client(&format!("c{client}"))
                    .times(1);
                let command = "EVALSHA".to_string();
                let guard: FaultGuard = if let Injection::LostReply = kind {
                    rec.now(EventKind::Fault(Fault::LostReply {
                        client,
                        server,
                        command,
                    }));
                    cx.servers[server].fault(rule.drop_after())
                } else {
                    let by = between(&mut cx.rng, ttl / 20, 0.2, 1.5);
                    rec.now(EventKind::Fault(Fault::DelayedReply {
                        client,
                        server,
                        command,
                        by,
                    }));
                    cx.servers[server].fault(rule.delay(by))
                };
                // Armed for a while; it fires on the client's next call.
                helpers.push(tokio::spawn(async move {
                    sleep(ttl * 2).await;
                    drop(guard);
                }));
            }
            Injection::JumpBack | Injection::JumpForward => {
                let forward = matches!(kind, Injection::JumpForward);
                let by = if forward {
                    between(&mut cx.rng, ttl, 0.3, 1.5)
                } else {
                    between(&mut cx.rng, ttl, 0.1, 2.0)
                };
                // Whole milliseconds: the history prints them exactly.
                let by = Duration::from_millis(by.as_millis() as u64);
                if forward {
                    cx.clocks[server].jump_forward(by);
                } else {
                    cx.clocks[server].jump_back(by);
                }
                rec.now(EventKind::Fault(Fault::ClockJump {
                    server,
                    forward,
                    by,
                }));
            }
        }
    }
    for h in helpers {
        h.await.expect("a fault helper panicked");
    }
}

/// The seed to replay, from `REDSIM_SIM_SEED`.
pub fn seed_from_env() -> Option<u64> {
    std::env::var("REDSIM_SIM_SEED").ok()?.trim().parse().ok()
}

/// A one-line description of a scenario for messages and pictures:
/// `seed 42 (restart without delay (data lost); 3 clients, Redlock on 5
/// servers, …)`.
pub fn label(scenario: &Scenario) -> String {
    let lock = if scenario.servers == 1 {
        "Lock on 1 server".to_string()
    } else {
        format!("Redlock on {} servers", scenario.servers)
    };
    format!(
        "seed {} ({}; {} clients, {lock}, ttl {:?}, drift factor {}, auto-renew {})",
        scenario.seed,
        scenario.breakage.describe(),
        scenario.clients,
        scenario.ttl,
        scenario.drift_factor,
        scenario.auto_renew
    )
}
