//! # redsim-lock
//!
//! Distributed locks and cache patterns on the `redis` crate, proven safe
//! on the embedded [redsim](https://docs.rs/redsim) server and working
//! unchanged against real Redis. The locks arrive with issue 6; this crate
//! is the place they will live.
