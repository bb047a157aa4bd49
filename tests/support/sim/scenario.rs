//! [`Scenario`]: what one seed draws — clients, servers, lock options,
//! server clocks and the fault mix — and [`Breakage`], the assumption a
//! scenario breaks on purpose.

use std::time::Duration;

use fastrand::Rng;
use redsim_lock::{LockOptions, RetryPolicy};

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
    /// Whether the locks issue fencing tokens (the fenced path: a script
    /// acquires and counts) or not (the plain path: `SET NX PX`, and an
    /// EXTEND after a lost reply). Without tokens there is nothing to
    /// fence the resource with: the clients skip the write, and only
    /// mutual exclusion is checked.
    pub fencing: bool,
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
    /// The scenario of `seed` with `breakage`, on the fenced path.
    pub fn new(seed: u64, breakage: Breakage) -> Scenario {
        Scenario::drawn(seed, breakage, true)
    }

    /// The same scenario on the plain (unfenced) path: the same draws,
    /// locks without fencing tokens.
    pub fn plain(seed: u64, breakage: Breakage) -> Scenario {
        Scenario::drawn(seed, breakage, false)
    }

    fn drawn(seed: u64, breakage: Breakage, fencing: bool) -> Scenario {
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
            fencing,
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
            .fencing(self.fencing)
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

/// A one-line description of a scenario for messages and pictures:
/// `seed 42 (restart without delay (data lost); 3 clients, Redlock on 5
/// servers, …)`.
pub fn label(scenario: &Scenario) -> String {
    let lock = if scenario.servers == 1 {
        "Lock on 1 server".to_string()
    } else {
        format!("Redlock on {} servers", scenario.servers)
    };
    let path = if scenario.fencing { "fenced" } else { "plain" };
    format!(
        "seed {} ({}; {} clients, {lock} ({path}), ttl {:?}, drift factor {}, auto-renew {})",
        scenario.seed,
        scenario.breakage.describe(),
        scenario.clients,
        scenario.ttl,
        scenario.drift_factor,
        scenario.auto_renew
    )
}
