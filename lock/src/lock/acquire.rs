//! The acquire loop every lock kind shares: attempts spaced by the retry
//! policy within the acquire deadline, each bounded by the operation
//! timeout, with what a lost reply needs — the next attempt recognises a
//! lock the lost one took, and a cancelled acquire releases what it may
//! hold. Kinds given [`Wakeups`] wait for a release message between
//! attempts instead, with the holder's PTTL as the fallback timer (see
//! `wait.rs`); kinds that queue their waiters clean up after a waiter that
//! gives up ([`OnGiveUp`]).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use super::guard::{BoxFut, Ops, abandon_detached};
use super::wait::{Listener, Wakeups};
use crate::LockError;
use crate::error::{is_transient, may_have_run};

/// The outcome of one attempt.
pub(crate) enum Attempt {
    /// Taken (or found already ours), with its fencing token if any.
    Acquired { fence: Option<u64> },
    /// Another owner holds it (definitively: nothing of ours is there).
    Held { retry_after: Option<Duration> },
}

/// What an acquisition produced: the fencing token and when the request
/// that took (or last confirmed) the lock was sent.
pub(crate) struct Taken {
    pub fence: Option<u64>,
    pub sent: Instant,
}

/// Gives back, when dropped armed, what an attempt may have taken without
/// our hearing of it: the acquire future was dropped mid-request, or gave
/// up after a lost reply. Every attempt of one acquire is one request, so
/// that a retry after a lost reply, and the giving back, concern exactly
/// what that acquire took (a reentrant owner's older holds stay).
pub(crate) struct Pending {
    ops: Arc<dyn Ops>,
    token: Arc<str>,
    request: Arc<str>,
    armed: bool,
}

impl Pending {
    pub(crate) fn new(ops: Arc<dyn Ops>, token: Arc<str>) -> Self {
        Pending {
            ops,
            token,
            request: crate::token::new().into(),
            armed: false,
        }
    }

    /// The name every attempt of this acquire is sent under.
    pub(crate) fn request(&self) -> Arc<str> {
        Arc::clone(&self.request)
    }

    /// Hands responsibility to a guard: nothing to clean up.
    pub(crate) fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if self.armed {
            abandon_detached(
                Arc::clone(&self.ops),
                Arc::clone(&self.token),
                Arc::clone(&self.request),
            );
        }
    }
}

/// Runs `attempt` (told whether an earlier attempt may have taken the
/// lock unheard) until it acquires, per the options: once if `once`, else
/// with the retry policy's delays until the acquire deadline.
pub(crate) async fn acquire_loop<F, Fut>(
    pending: &mut Pending,
    once: bool,
    attempt_timeout: Duration,
    attempt: F,
) -> Result<Taken, LockError>
where
    F: FnMut(bool) -> Fut,
    Fut: Future<Output = Result<Attempt, LockError>>,
{
    acquire_loop_waiting(pending, once, attempt_timeout, Waiting::default(), attempt).await
}

/// How an acquire waits between attempts, beyond the retry policy.
#[derive(Default)]
pub(crate) struct Waiting<'a> {
    /// Wait for a release message on this channel (as this id, for
    /// addressed wake-ups) rather than polling.
    pub wake: Option<(&'a Wakeups, String, Option<Arc<str>>)>,
    /// Never sleep longer than this between attempts (a fair lock's
    /// waiters prove they are alive by trying).
    pub max_wait: Option<Duration>,
    /// Instead of the options' acquire timeout.
    pub acquire_timeout: Option<Duration>,
}

/// [`acquire_loop`], waiting per `waiting`: with a wake channel, after a
/// first attempt finds the lock held the acquire subscribes and tries
/// again at once (a release between the two is not missed), then sleeps
/// until a message wakes it or the holder's PTTL passes (a lost message,
/// or a holder that died and let its key expire, publishes nothing), or
/// the retry policy's delay when the attempt reported no PTTL. Each
/// attempt counts against the policy's attempt limit as when polling. If
/// subscribing fails, the acquire polls.
pub(crate) async fn acquire_loop_waiting<F, Fut>(
    pending: &mut Pending,
    once: bool,
    attempt_timeout: Duration,
    waiting: Waiting<'_>,
    mut attempt: F,
) -> Result<Taken, LockError>
where
    F: FnMut(bool) -> Fut,
    Fut: Future<Output = Result<Attempt, LockError>>,
{
    let ops = Arc::clone(&pending.ops);
    let options = ops.options();
    options.check()?;
    let name = ops.name().to_string();
    // Before anything is sent: keys a script could not take together on
    // a cluster are refused everywhere.
    crate::cluster::check_one_slot(&name, &ops.keys())?;
    let start = Instant::now();
    let deadline = start + waiting.acquire_timeout.unwrap_or(options.acquire_timeout);
    let mut delays = options.retry.delays();
    let mut attempts = 0u32;
    let mut wake = waiting.wake;
    let mut listener: Option<Listener> = None;
    loop {
        attempts += 1;
        // Armed before sending: if this future is dropped while the
        // request is in flight, the lock may be ours.
        let possibly_held = pending.armed;
        pending.armed = true;
        // One clock read per attempt serves the validity and the timeout.
        let sent = if attempts == 1 { start } else { Instant::now() };
        let outcome = timeout_at(sent + attempt_timeout, attempt(possibly_held)).await;
        if let Some(l) = &mut listener {
            l.attempted();
        }
        let mut held_for = None;
        let error = match outcome {
            Ok(Ok(Attempt::Acquired { fence })) => {
                pending.disarm();
                return Ok(Taken { fence, sent });
            }
            Ok(Ok(Attempt::Held { retry_after })) => {
                pending.armed = false;
                if once {
                    return Err(LockError::Contended { name, retry_after });
                }
                held_for = Some(retry_after);
                None
            }
            Ok(Err(LockError::Redis { source, .. })) => {
                // An error reply: Redis did not run it.
                pending.armed = possibly_held || may_have_run(&source);
                if !is_transient(&source) || once {
                    return Err(LockError::redis(&name, source));
                }
                Some(source)
            }
            Ok(Err(e)) => {
                pending.armed = possibly_held;
                return Err(e);
            }
            Err(_) => {
                let e = redis::RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no reply within {attempt_timeout:?}"),
                ));
                if once {
                    return Err(LockError::OpTimeout {
                        name,
                        after: attempt_timeout,
                    });
                }
                Some(e)
            }
        };
        let give_up = |last_error| LockError::Timeout {
            name: name.clone(),
            attempts,
            elapsed: start.elapsed(),
            last_error,
        };
        let Some(delay) = delays.next() else {
            return Err(give_up(error));
        };
        if let Some(retry_after) = held_for
            && wake.is_some()
        {
            let now = Instant::now();
            if now >= deadline {
                return Err(give_up(None));
            }
            if listener.is_none() {
                let (wakeups, channel, id) = wake.as_ref().expect("checked");
                // Subscribe, then try again at once.
                let budget = options.op_timeout.min(deadline - now);
                match tokio::time::timeout(budget, wakeups.listen(channel, id.clone())).await {
                    Ok(Some(l)) => {
                        listener = Some(l);
                        continue;
                    }
                    _ => {
                        tracing::debug!(lock = %name, "subscribing failed: polling instead");
                        wake = None;
                    }
                }
            }
            if let Some(l) = &mut listener {
                // Past the expiry on the server, so that the next attempt
                // finds the key gone.
                let fallback = retry_after.map_or(delay, |d| d + Duration::from_millis(1));
                let fallback = waiting.max_wait.map_or(fallback, |m| fallback.min(m));
                let until = (now + fallback).min(deadline);
                let woken = l.wait_until(until).await;
                if !woken && Instant::now() >= deadline {
                    return Err(give_up(None));
                }
                continue;
            }
        }
        let delay = waiting.max_wait.map_or(delay, |m| delay.min(m));
        if Instant::now() + delay >= deadline {
            return Err(give_up(error));
        }
        tokio::time::sleep(delay).await;
    }
}

/// Cleans up after an acquire that waited in line and gave up (timed out,
/// failed, or was dropped): the kinds that queue their waiters (a fair
/// lock's queue, a read-write lock's waiting writers) take it out of the
/// line, so that it blocks nobody until its entry expires. Inline when the
/// acquire returns an error; in the background when it is dropped.
pub(crate) struct OnGiveUp {
    ops: Arc<dyn Ops>,
    withdraw: Option<Withdraw>,
}

/// What [`OnGiveUp`] runs.
pub(crate) type Withdraw = Box<dyn FnOnce() -> BoxFut<'static, ()> + Send>;

impl OnGiveUp {
    pub(crate) fn new(ops: Arc<dyn Ops>, withdraw: Withdraw) -> Self {
        OnGiveUp {
            ops,
            withdraw: Some(withdraw),
        }
    }

    /// The acquire succeeded: nothing to withdraw.
    pub(crate) fn disarm(mut self) {
        self.withdraw = None;
    }

    /// The acquire failed: withdraw now, within the release timeout.
    pub(crate) async fn now(mut self) {
        if let Some(w) = self.withdraw.take() {
            let limit = self.ops.options().release_timeout;
            if tokio::time::timeout(limit, w()).await.is_err() {
                tracing::debug!(lock = self.ops.name(), "withdrawing a waiter timed out");
            }
        }
    }
}

impl Drop for OnGiveUp {
    fn drop(&mut self) {
        let Some(w) = self.withdraw.take() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let limit = self.ops.options().release_timeout;
        runtime.spawn(async move {
            let _ = tokio::time::timeout(limit, w()).await;
        });
    }
}
