//! The lock back ends beside Redis — etcd, ZooKeeper, MariaDB (for
//! MySQL) and PostgreSQL — each run through the shared lock contract
//! (`contract.rs`) against the real service, started by the test on a
//! free loopback port in a temporary directory and stopped afterwards
//! (`services.rs`), then through the faults that matter for that service.
//!
//! A missing service is skipped loudly, or fails with install
//! instructions when `REDSIM_REQUIRE_SERVICES=1` (as in CI).

mod bench;
mod contract;
mod etcd;
mod mysql;
mod postgres;
mod proxy;
mod services;
mod zookeeper;
