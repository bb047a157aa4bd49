//! The fault schedule: at random times, partitions, restarts, lost and
//! delayed replies, and clock steps, as the scenario's mix and breakage
//! allow — recording each.

use std::sync::Arc;
use std::time::Duration;

use fastrand::Rng;
use redsim::{FaultGuard, Rule, Server, SkewedClock};
use tokio::time::{Instant, sleep};

use super::Recorder;
use super::client::between;
use super::history::{EventKind, Fault};
use super::scenario::{Breakage, Scenario};

/// What the schedule needs.
pub(super) struct FaultCtx {
    pub(super) scenario: Scenario,
    pub(super) servers: Vec<Arc<Server>>,
    pub(super) clocks: Vec<SkewedClock>,
    pub(super) recorder: Recorder,
    pub(super) rng: Rng,
    pub(super) end: Instant,
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

/// Injects faults until the end of the run, then waits for the ones
/// still in progress to end (partitions healed, servers back on).
pub(super) async fn fault_schedule(mut cx: FaultCtx) {
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
