//! # redsim-lock
//!
//! Distributed locks and cache patterns on the `redis` crate, generic over
//! any `redis::aio::ConnectionLike + Clone + Send + Sync` connection: they
//! run unchanged against real Redis and against the embedded
//! [redsim](https://docs.rs/redsim) server, where tests control the clock
//! and inject faults to show what each lock survives.
//!
//! * [`Lock`] — one server: `SET NX PX` with a random 128-bit token,
//!   owner-checked release and extend in Lua, retries with jittered
//!   backoff, optional fencing tokens and a clock-skew guard.
//! * [`Guard`] — a held lock: validity on the monotonic clock, optional
//!   auto-renew watchdog, a [`Guard::lost`] signal and [`Guard::run`] to
//!   cancel a critical section when the lock is lost.
//! * [`ReentrantLock`] — the same owner handle may lock again (hold counts
//!   in a hash).
//! * [`MultiLock`] — several keys, all or nothing.
//! * [`Redlock`] — a majority of independent servers, with fencing across
//!   the quorum.
//! * [`ReadWriteLock`] — many readers or one writer, reentrant per owner,
//!   downgrade, per-holder deadlines on the server clock, a waiting writer
//!   holding new readers back.
//! * [`ExpirableSemaphore`] — permits that are leases: an id with a
//!   deadline, expiring if their holder dies.
//! * [`FairLock`] — first come, first served, dead waiters skipped after
//!   their timeout.
//! * [`Wakeups`] — waiting by pub/sub instead of polling, for the kinds
//!   above and [`ReentrantLock`].
//! * [`fencing`] — the resource side: accept a write only with a token at
//!   least the highest seen.
//! * [`DistributedLock`] — the interface all kinds share.
//! * `cache` (feature `cache`, off by default) — cache-aside with jitter,
//!   single-flight and negative caching; a Bloom filter on SETBIT/GETBIT.
//!
//! # Other lock services
//!
//! The same [`DistributedLock`] interface, [`Guard`], [`LockOptions`],
//! [`LockError`] and [`LostReason`] over four other services, each behind
//! its own cargo feature (none is on by default):
//!
//! * `etcd` — [`etcd::EtcdLock`]: a lease kept alive by the watchdog, the
//!   lowest create revision owns, waiting on the predecessor's deletion,
//!   the create revision as fencing token.
//! * `zookeeper` — [`zookeeper::ZkLock`]: ephemeral sequential nodes, a
//!   watch on the predecessor only, session expiry as the lost signal.
//! * `mysql` — [`mysql::MysqlLock`]: `GET_LOCK` on a dedicated connection
//!   (MySQL or MariaDB), fencing from a counter table on request.
//! * `postgres` — [`postgres::PgLock`]: session advisory locks on a
//!   dedicated connection, fencing from a sequence on request.
//!
//! Every lock measures validity on Tokio's clock, so a test under
//! `tokio::time::pause()` with a redsim `TokioClock` server moves the
//! lock's deadlines and the server's TTLs together.
//!
//! # Layout
//!
//! * `lock/` — the lock kinds, their guard and watchdog, scripts, options.
//! * `cache/` — cache-aside, single-flight, Bloom filter.
//! * [`retry`] — backoff with full jitter (pure, unit-tested).
//! * [`cluster`] — hash tags and key slots.
//! * `error` — [`LockError`] and [`LostReason`].
//! * `backend/` — the other services, one module per feature.

// docs.rs (nightly, `--cfg docsrs`) marks items that need a feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(
    feature = "etcd",
    feature = "zookeeper",
    feature = "mysql",
    feature = "postgres"
))]
mod backend;
mod error;
mod lock;
mod token;

#[cfg(feature = "etcd")]
pub use backend::etcd;
#[cfg(feature = "mysql")]
pub use backend::mysql;
#[cfg(feature = "postgres")]
pub use backend::postgres;
#[cfg(feature = "zookeeper")]
pub use backend::zookeeper;

#[cfg(feature = "cache")]
pub mod cache;
pub mod cluster;
pub mod retry;

pub use error::{LockError, LostReason};
pub use lock::{
    DistributedLock, ExpirableSemaphore, FairLock, FairLockOwner, Guard, Lock, LockOptions,
    MultiLock, ReadLock, ReadWriteLock, ReadWriteOwner, Redlock, ReentrantLock, ReentrantOwner,
    SkewAction, SkewGuard, Wakeups, WriteLock, fencing,
};
pub use retry::RetryPolicy;

/// The README's Rust examples (both crates'), compiled and run as doc
/// tests so that the first page a newcomer reads stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeExamples;

/// The guides in `docs/`, whose examples are compiled and run as doc tests
/// like the README's.
#[cfg(doctest)]
pub mod guides {
    /// docs/time-and-faults.md
    #[doc = include_str!("../../docs/time-and-faults.md")]
    pub struct TimeAndFaults;
    /// docs/direct.md
    #[doc = include_str!("../../docs/direct.md")]
    pub struct Direct;
    /// docs/locks.md
    #[doc = include_str!("../../docs/locks.md")]
    pub struct Locks;
    /// docs/lock-simulation.md
    #[doc = include_str!("../../docs/lock-simulation.md")]
    pub struct LockSimulation;
    /// docs/lock-backends.md
    #[doc = include_str!("../../docs/lock-backends.md")]
    pub struct LockBackends;
    /// docs/cache.md
    #[cfg(feature = "cache")]
    #[doc = include_str!("../../docs/cache.md")]
    pub struct Cache;
    /// docs/cluster.md
    #[doc = include_str!("../../docs/cluster.md")]
    pub struct Cluster;
    /// docs/replication.md
    #[doc = include_str!("../../docs/replication.md")]
    pub struct Replication;
    /// docs/commands.md
    #[doc = include_str!("../../docs/commands.md")]
    pub struct Commands;
    /// docs/testing.md
    #[doc = include_str!("../../docs/testing.md")]
    pub struct Testing;
    /// docs/differences.md
    #[doc = include_str!("../../docs/differences.md")]
    pub struct Differences;
}

/// This crate's own README, compiled and run as doc tests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct LockReadmeExamples;
