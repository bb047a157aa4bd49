//! The lock contract every back end must keep, written once against
//! [`DistributedLock`] and [`Guard`]: acquire, contend, release, extend
//! and renew, fencing order, the lost signal under the service's own
//! fault, and cancellation. Each case uses its own lock name.
//!
//! Nothing here waits a fixed time for something to happen: events are
//! awaited with generous timeouts. The few sleeps either let time pass
//! that the case is about (a TTL running out, renewals keeping a lock past
//! it) or give a task a chance to do something it must not do.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use redsim_lock::fencing::FenceGate;
use redsim_lock::{DistributedLock, Guard, LockError, LockOptions, LostReason};
use tokio::time::{Instant, timeout};

/// Long enough for anything that should happen at once, on a loaded CI
/// machine.
pub const EVENTUALLY: Duration = Duration::from_secs(20);

/// A back end under test: how to make its locks, and its fault.
pub trait Backend: Sync {
    type Lock: DistributedLock + Clone + Send + Sync + 'static;

    /// For messages.
    const NAME: &'static str;

    /// The shortest TTL the service honours (etcd's lease unit is the
    /// second).
    const SHORT_TTL: Duration;

    /// A lock named `name`.
    fn lock(&self, name: &str, options: LockOptions) -> Self::Lock;

    /// Whether fencing tokens come without [`LockOptions::fencing`].
    const ALWAYS_FENCED: bool;

    /// A lock for the fault case (on a connection or session of its own
    /// when the fault breaks more than one lock).
    async fn fault_lock(&self, name: &str, options: LockOptions) -> Self::Lock {
        self.lock(name, options)
    }

    /// Breaks the held `guard` from outside, as the service's operators or
    /// failures would: revoke its lease, expire its session, kill its
    /// connection.
    async fn break_lock(&self, guard: &Guard);

    /// What the guard reports after [`Backend::break_lock`].
    const BROKEN: LostReason;
}

fn step(b: &str, case: &str) {
    eprintln!("[{b}] {case}");
}

/// Every case, in order.
pub async fn run<B: Backend>(b: &B) {
    exclusive_until_released(b).await;
    waiter_gets_it_on_release(b).await;
    mutual_exclusion_under_contention(b).await;
    acquire_times_out_while_held(b).await;
    dropped_guard_releases(b).await;
    extend_moves_validity_forward(b).await;
    auto_renew_keeps_it_past_its_ttl(b).await;
    without_renewal_it_expires_locally(b).await;
    fencing_tokens_increase_and_fence_off_the_stale(b).await;
    lost_signal_on_the_service_fault(b).await;
    cancelled_waiter_leaves_nothing_held(b).await;
    cancelled_acquire_at_any_point_leaves_nothing_held(b).await;
}

fn quick() -> LockOptions {
    LockOptions::new()
        .ttl(Duration::from_secs(30))
        .acquire_timeout(EVENTUALLY)
}

async fn exclusive_until_released<B: Backend>(b: &B) {
    step(B::NAME, "exclusive until released");
    let lock = b.lock("contract:exclusive", quick());
    let a = lock.lock().await.expect("first acquire");
    assert!(a.is_valid());
    let err = lock.try_lock().await.expect_err("held: try_lock must fail");
    assert!(
        matches!(err, LockError::Contended { .. }) && err.is_contention(),
        "{}: {err}",
        B::NAME
    );
    // Another handle on the same name contends too.
    let other = b.lock("contract:exclusive", quick());
    assert!(other.try_lock().await.unwrap_err().is_contention());
    // A different name is independent.
    let unrelated = b.lock("contract:exclusive:other", quick());
    unrelated
        .try_lock()
        .await
        .expect("another name")
        .release()
        .await
        .unwrap();
    lock.unlock(a).await.expect("release");
    let again = other.try_lock().await.expect("free after release");
    again.release().await.unwrap();
}

async fn waiter_gets_it_on_release<B: Backend>(b: &B) {
    step(B::NAME, "a waiter gets it when the holder releases");
    let lock = b.lock("contract:handover", quick());
    let holder = lock.lock().await.unwrap();
    let waiting = lock.clone();
    let waiter = tokio::spawn(async move { waiting.lock().await });
    // Give the waiter every chance to (wrongly) get it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiter.is_finished(),
        "{}: the waiter got a held lock",
        B::NAME
    );
    let released = Instant::now();
    holder.release().await.unwrap();
    let guard = timeout(EVENTUALLY, waiter)
        .await
        .expect("the waiter was not woken")
        .unwrap()
        .expect("the waiter's acquire failed");
    eprintln!(
        "[{}]   handed over {:?} after the release",
        B::NAME,
        released.elapsed()
    );
    guard.release().await.unwrap();
}

async fn mutual_exclusion_under_contention<B: Backend>(b: &B) {
    step(B::NAME, "mutual exclusion under contention");
    let lock = b.lock("contract:mutex", quick());
    let inside = Arc::new(AtomicBool::new(false));
    let entered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (lock, inside, entered) = (lock.clone(), inside.clone(), entered.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..5 {
                let guard = lock.lock().await.expect("acquire under contention");
                assert!(!inside.swap(true, Ordering::SeqCst), "two holders at once");
                entered.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                inside.store(false, Ordering::SeqCst);
                lock.unlock(guard).await.expect("release under contention");
            }
        }));
    }
    for t in tasks {
        timeout(EVENTUALLY * 3, t)
            .await
            .expect("contention did not finish")
            .unwrap();
    }
    assert_eq!(entered.load(Ordering::SeqCst), 20);
}

async fn acquire_times_out_while_held<B: Backend>(b: &B) {
    step(B::NAME, "acquire times out while held");
    let lock = b.lock("contract:timeout", quick());
    let holder = lock.lock().await.unwrap();
    let impatient = b.lock(
        "contract:timeout",
        quick().acquire_timeout(Duration::from_millis(300)),
    );
    let start = Instant::now();
    let err = impatient.lock().await.expect_err("held: must time out");
    assert!(
        matches!(err, LockError::Timeout { .. }) && err.is_contention(),
        "{}: {err}",
        B::NAME
    );
    assert!(
        start.elapsed() >= Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
    // Giving up left nothing behind: the holder hands over at once.
    holder.release().await.unwrap();
    lock.try_lock()
        .await
        .expect("free after the timeout")
        .release()
        .await
        .unwrap();
}

async fn dropped_guard_releases<B: Backend>(b: &B) {
    step(B::NAME, "a dropped guard releases in the background");
    let lock = b.lock("contract:drop", quick());
    let guard = lock.lock().await.unwrap();
    drop(guard);
    let again = timeout(EVENTUALLY, lock.lock())
        .await
        .expect("not released after drop")
        .unwrap();
    again.release().await.unwrap();
}

async fn extend_moves_validity_forward<B: Backend>(b: &B) {
    step(B::NAME, "extend moves validity forward");
    let ttl = B::SHORT_TTL * 3;
    let lock = b.lock("contract:extend", quick().ttl(ttl));
    let guard = lock.lock().await.unwrap();
    let before = guard.valid_until();
    assert!(guard.remaining() <= ttl);
    tokio::time::sleep(Duration::from_millis(50)).await;
    guard.extend().await.expect("extend");
    assert!(
        guard.valid_until() > before,
        "{}: validity did not move",
        B::NAME
    );
    assert!(guard.is_valid());
    guard.release().await.unwrap();
}

async fn auto_renew_keeps_it_past_its_ttl<B: Backend>(b: &B) {
    step(B::NAME, "auto-renew keeps it past its TTL");
    let ttl = B::SHORT_TTL;
    let lock = b.lock("contract:renew", quick().ttl(ttl).auto_renew());
    let guard = lock.lock().await.unwrap();
    let first_deadline = guard.valid_until();
    let lost = guard.lost();
    // Past the first deadline, twice over: only renewals keep it.
    let past = first_deadline + ttl;
    tokio::select! {
        reason = lost => panic!("{}: lost while renewing: {reason}", B::NAME),
        () = tokio::time::sleep_until(past) => {}
    }
    assert!(guard.is_valid(), "{}: not valid past its TTL", B::NAME);
    assert!(guard.valid_until() > first_deadline);
    // Still exclusive.
    assert!(lock.try_lock().await.unwrap_err().is_contention());
    guard.release().await.expect("release after renewals");
}

async fn without_renewal_it_expires_locally<B: Backend>(b: &B) {
    step(
        B::NAME,
        "without renewal it is lost at its validity deadline",
    );
    let ttl = B::SHORT_TTL;
    let lock = b.lock("contract:expire", quick().ttl(ttl));
    let guard = lock.lock().await.unwrap();
    let work = guard.run(std::future::pending::<()>());
    let out = timeout(ttl + EVENTUALLY, work).await.expect("never lost");
    match out {
        Err(LockError::Lost {
            reason: LostReason::Expired,
            ..
        }) => {}
        other => panic!("{}: {other:?}", B::NAME),
    }
    assert!(!guard.is_valid());
    // The server may still hold it (MySQL, PostgreSQL: until released) or
    // not (etcd: its lease may have run out): either way the release
    // leaves it free.
    let _ = guard.release().await;
    lock.lock()
        .await
        .expect("free after release")
        .release()
        .await
        .unwrap();
}

async fn fencing_tokens_increase_and_fence_off_the_stale<B: Backend>(b: &B) {
    step(
        B::NAME,
        "fencing tokens increase; the stale holder is fenced off",
    );
    let options = quick().fencing(true);
    let lock = b.lock("contract:fence", options.clone());
    let mut last = 0;
    for _ in 0..3 {
        let guard = lock.lock().await.unwrap();
        let token = guard.fencing_token().expect("a fencing token");
        assert!(token > last, "{}: {token} after {last}", B::NAME);
        last = token;
        guard.release().await.unwrap();
    }
    if B::ALWAYS_FENCED {
        let unasked = b.lock("contract:fence", quick());
        let guard = unasked.lock().await.unwrap();
        assert!(guard.fencing_token().unwrap() > last);
        guard.release().await.unwrap();
    }
    // A holder that lost its lock (its TTL ran out without renewal) is
    // refused by the resource once the next holder has written.
    let gate = FenceGate::new();
    let short = b.lock("contract:fence", options.clone().ttl(B::SHORT_TTL));
    let stale = short.lock().await.unwrap();
    let stale_token = stale.fencing_token().unwrap();
    assert_eq!(stale.lost().await, LostReason::Expired);
    let _ = stale.release().await;
    let next = lock.lock().await.unwrap();
    let token = next.fencing_token().unwrap();
    assert!(token > stale_token);
    gate.admit(token).expect("the new holder is admitted");
    assert!(
        gate.admit(stale_token).is_err(),
        "the stale holder is fenced off"
    );
    next.release().await.unwrap();
}

async fn lost_signal_on_the_service_fault<B: Backend>(b: &B) {
    step(B::NAME, "the service's fault is observed as a lost lock");
    let options = quick()
        .ttl(Duration::from_secs(10))
        .renew_every(Duration::from_millis(100));
    let lock = b.fault_lock("contract:fault", options).await;
    let guard = lock.lock().await.unwrap();
    let lost = guard.lost();
    let work = guard.run(std::future::pending::<()>());
    b.break_lock(&guard).await;
    let reason = timeout(EVENTUALLY, lost)
        .await
        .unwrap_or_else(|_| panic!("{}: the loss was not signalled", B::NAME));
    assert_eq!(reason, B::BROKEN, "{}", B::NAME);
    match work.await {
        Err(LockError::Lost { reason, .. }) => assert_eq!(reason, B::BROKEN),
        other => panic!("{}: the critical section went on: {other:?}", B::NAME),
    }
    assert!(!guard.is_valid());
    match guard.release().await {
        Err(LockError::Lost { reason, .. }) => assert_eq!(reason, B::BROKEN),
        other => panic!("{}: release of a lost lock: {other:?}", B::NAME),
    }
    // The service freed it: another owner gets it.
    let other = b.lock("contract:fault", quick());
    let again = timeout(EVENTUALLY, other.lock())
        .await
        .expect("not freed by the fault")
        .unwrap();
    again.release().await.unwrap();
}

async fn cancelled_waiter_leaves_nothing_held<B: Backend>(b: &B) {
    step(B::NAME, "a cancelled waiter leaves nothing held");
    let lock = b.lock("contract:cancel-wait", quick());
    let holder = lock.lock().await.unwrap();
    for _ in 0..3 {
        let gave_up = timeout(Duration::from_millis(200), lock.lock()).await;
        assert!(gave_up.is_err(), "{}: acquired a held lock", B::NAME);
    }
    holder.release().await.unwrap();
    // The cancelled waiters neither hold it nor stand in line for it.
    let patient = b.lock(
        "contract:cancel-wait",
        quick().acquire_timeout(Duration::from_secs(10)),
    );
    let guard = patient.lock().await.expect("a cancelled waiter kept it");
    guard.release().await.unwrap();
}

async fn cancelled_acquire_at_any_point_leaves_nothing_held<B: Backend>(b: &B) {
    step(
        B::NAME,
        "an acquire cancelled at any point leaves nothing held",
    );
    let lock = b.lock("contract:cancel", quick());
    let patient = b.lock(
        "contract:cancel",
        quick().acquire_timeout(Duration::from_secs(10)),
    );
    for micros in [0, 50, 100, 200, 400, 700, 1000, 1500, 2500, 4000, 8000] {
        if let Ok(got) = timeout(Duration::from_micros(micros), lock.lock()).await {
            // Finished in time: the guard, dropped, releases.
            drop(got);
        }
        let guard = patient
            .lock()
            .await
            .unwrap_or_else(|e| panic!("{}: cancelled after {micros} µs: {e}", B::NAME));
        guard.release().await.unwrap();
    }
}
