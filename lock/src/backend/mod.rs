//! The lock back ends beside Redis — etcd, ZooKeeper, MySQL/MariaDB and
//! PostgreSQL — each behind its own cargo feature, each implementing
//! [`DistributedLock`](crate::DistributedLock) with the same
//! [`LockOptions`], [`Guard`](crate::Guard), [`LockError`] and
//! [`LostReason`](crate::LostReason) as the Redis locks.
//!
//! What they share lives here: the checks of the options, the encoding of
//! lock names into path segments, the clean-up that runs when an acquire is
//! dropped half-way, and the retry loop over transient failures. What each
//! service does differently (leases, sessions, connections) lives in its
//! own module.
//!
//! One model of validity covers all of them, so that one contract suite
//! tests them all: a guard is valid for `ttl − drift` after the last
//! request that confirmed the lock (the acquisition, an `extend`, a
//! renewal by the watchdog), whatever the service's own notion of time.
//! For etcd the TTL is also the lease's; for ZooKeeper it is capped at the
//! session timeout; for MySQL and PostgreSQL, whose locks live as long as
//! their connection, it is the window in which the holder trusts a
//! confirmation (the server keeps the lock past it until the guard is
//! released or dropped).

// Each back end uses its own subset of the helpers below: with only some
// features on, the others are unused.
#![cfg_attr(
    not(all(
        feature = "etcd",
        feature = "zookeeper",
        feature = "mysql",
        feature = "postgres"
    )),
    allow(dead_code, unused_imports)
)]

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::lock::guard::BoxFut;
use crate::{Guard, LockError, LockOptions};

#[cfg(feature = "etcd")]
pub mod etcd;
#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "zookeeper")]
pub mod zookeeper;

/// Checks the options as every lock kind does, and refuses what these back
/// ends cannot honour: the clock-skew guard compares Redis's `TIME` with
/// the local clock, and these services offer no such reading.
pub(crate) fn check(options: &LockOptions) -> Result<(), LockError> {
    options.check()?;
    if options.skew_guard.is_some() {
        return Err(LockError::InvalidOptions(
            "the clock-skew guard needs Redis's TIME: only the Redis locks offer it".into(),
        ));
    }
    Ok(())
}

/// A lock name as one segment of a path (an etcd key prefix, a ZooKeeper
/// node): bytes other than ASCII letters, digits, `-`, `_` and `:` become
/// `%XX`. Injective, so two names never share a segment; and a `/` in a
/// name never makes one lock's prefix a prefix of another's.
pub(crate) fn path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out.is_empty() {
        // ZooKeeper refuses an empty segment; `%` alone is never produced
        // by a non-empty name.
        out.push('%');
    }
    out
}

/// A failed attempt: the error, and whether trying again may help (the
/// connection failed or timed out, the service was momentarily unable).
pub(crate) struct Failure {
    pub error: LockError,
    pub transient: bool,
}

impl Failure {
    pub(crate) fn transient(error: LockError) -> Failure {
        Failure {
            error,
            transient: true,
        }
    }

    pub(crate) fn fatal(error: LockError) -> Failure {
        Failure {
            error,
            transient: false,
        }
    }
}

/// The error of a back end's client, as a [`LockError::Service`].
pub(crate) fn service_error(
    name: &str,
    service: &'static str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> LockError {
    LockError::Service {
        name: name.to_string(),
        service,
        source: Box::new(source),
    }
}

/// A request that did not answer within `after`.
pub(crate) fn op_timeout(name: &str, after: Duration) -> LockError {
    LockError::OpTimeout {
        name: name.to_string(),
        after,
    }
}

/// The acquire every back end shares: [`check`] the options, then
/// `attempt` (given the deadline) through [`retrying`] until it takes the
/// lock (`Some`), finds it held (`None`: [`LockError::Contended`] for a
/// single try, [`LockError::Timeout`] once the deadline passed), or fails.
pub(crate) async fn acquire<F, Fut>(
    options: &LockOptions,
    name: &str,
    once: bool,
    mut attempt: F,
) -> Result<Guard, LockError>
where
    F: FnMut(Instant) -> Fut,
    Fut: Future<Output = Result<Option<Guard>, Failure>>,
{
    check(options)?;
    let start = Instant::now();
    let deadline = deadline(options, start);
    let mut attempts = 0u32;
    let got = retrying(options, name, once, deadline, || {
        attempts += 1;
        attempt(deadline)
    })
    .await?;
    match got {
        Some(guard) => Ok(guard),
        None if once => Err(LockError::Contended {
            name: name.to_owned(),
            retry_after: None,
        }),
        None => Err(LockError::Timeout {
            name: name.to_owned(),
            attempts,
            elapsed: start.elapsed(),
            last_error: None,
        }),
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the retry policy or
/// the deadline says stop; a transient failure is retried after the
/// policy's next delay (unless `once`). Waiting for a holder is not a
/// failure: each back end waits inside its attempt, on the service.
pub(crate) async fn retrying<T, F, Fut>(
    options: &LockOptions,
    name: &str,
    once: bool,
    deadline: Instant,
    mut attempt: F,
) -> Result<T, LockError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut delays = options.retry.delays();
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Failure { error, transient }) => {
                if once || !transient {
                    return Err(error);
                }
                let Some(delay) = delays.next() else {
                    return Err(error);
                };
                if Instant::now() + delay >= deadline {
                    return Err(error);
                }
                tracing::debug!(lock = name, %error, ?delay, "acquire attempt failed: retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Clean-up for an acquire in flight: if dropped while armed (the acquire
/// future was cancelled, or gave up on an error after taking something),
/// runs its future in a background task — revoke the lease, delete the
/// node, close the connection — so that nothing the acquire took stays
/// held. Outside a Tokio runtime it does nothing: the service's own
/// timeout (lease, session, closed socket) cleans up then.
pub(crate) struct OnDrop {
    task: Option<BoxFut<'static, ()>>,
}

impl OnDrop {
    pub(crate) fn new(task: impl Future<Output = ()> + Send + 'static) -> OnDrop {
        OnDrop {
            task: Some(Box::pin(task)),
        }
    }

    /// The acquire succeeded: its guard owns what it took.
    pub(crate) fn disarm(&mut self) {
        self.task = None;
    }

    /// Runs the clean-up now, bounded by `limit`.
    pub(crate) async fn now(&mut self, limit: Duration) {
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(limit, task).await;
        }
    }
}

impl Drop for OnDrop {
    fn drop(&mut self) {
        let Some(task) = self.task.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(task);
        }
    }
}

/// The lock's deadline for `acquire` (or none for `try_acquire`).
pub(crate) fn deadline(options: &LockOptions, start: Instant) -> Instant {
    start + options.acquire_timeout
}

#[cfg(test)]
mod tests {
    use super::path_segment;

    #[test]
    fn path_segments_are_injective_and_slash_free() {
        assert_eq!(path_segment("order:42"), "order:42");
        assert_eq!(path_segment("a/b"), "a%2Fb");
        assert_eq!(path_segment("a%2Fb"), "a%252Fb");
        assert_eq!(path_segment("."), "%2E");
        assert_eq!(path_segment("é"), "%C3%A9");
        assert_eq!(path_segment(""), "%");
        assert!(!path_segment("x/y/z").contains('/'));
    }
}
