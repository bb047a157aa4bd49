//! One simulated client: acquire, work, check, perhaps pause, write with
//! the fencing token (on the fenced path), release — recording each step.

use std::sync::Arc;
use std::time::Duration;

use fastrand::Rng;
use redsim_lock::fencing::FenceGate;
use redsim_lock::{Guard, Lock, LockError, Redlock};
use tokio::time::{Instant, sleep};

use super::Recorder;
use super::conn::SimConn;
use super::history::{EventKind, Fault, Hold};

/// The lock a client uses: one server or a Redlock.
#[derive(Clone)]
pub(super) enum SimLock {
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
pub(super) fn error_kind(e: &LockError) -> String {
    let text = format!("{e:?}");
    text.split([' ', '{', '('])
        .next()
        .unwrap_or_default()
        .to_string()
}

/// What a client task needs.
pub(super) struct ClientCtx {
    pub(super) client: usize,
    pub(super) lock: SimLock,
    pub(super) gate: Arc<FenceGate>,
    pub(super) recorder: Recorder,
    pub(super) rng: Rng,
    pub(super) ttl: Duration,
    pub(super) pauses: bool,
    pub(super) end: Instant,
}

/// A random duration between `lo` and `hi` times `unit`.
pub(super) fn between(rng: &mut Rng, unit: Duration, lo: f64, hi: f64) -> Duration {
    unit.mul_f64(lo + (hi - lo) * rng.f64())
}

/// The client's loop, until the end of the run.
pub(super) async fn client_loop(mut cx: ClientCtx) {
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
        let fence = guard.fencing_token();
        let mut seen_until = guard.valid_until();
        rec.now(EventKind::Acquired {
            hold,
            started: rec.since(started),
            fence,
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
            // Without a token (the plain path) there is nothing to fence
            // the resource with: no write, only the claim is checked.
            if let Some(fence) = fence {
                let valid = guard.is_valid();
                let accepted = cx.gate.admit(fence).is_ok();
                rec.now(EventKind::Write {
                    hold,
                    fence,
                    accepted,
                    valid,
                });
            }
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
