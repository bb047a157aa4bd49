//! Shared test harness for the workspace's cross-crate tests and benches.
