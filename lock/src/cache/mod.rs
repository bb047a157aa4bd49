//! Cache patterns from the design notes, done so that they hold under
//! load and can be tested on redsim's clock:
//!
//! * [`Cache`] — cache-aside [`Cache::get_or_set`]: TTL jitter against
//!   avalanches (many keys expiring at once), single-flight per key so a
//!   burst of misses calls the loader once (breakdown / stampede), an
//!   optional distributed single-flight through a [`Lock`](crate::Lock)
//!   for several processes, negative caching of "not found" with its own
//!   shorter TTL (penetration), values typed through serde and stored as
//!   MessagePack; loader errors are never cached.
//! * [`BloomFilter`] — a real Bloom filter on SETBIT/GETBIT: sized from
//!   the expected items and the false-positive rate, positions by double
//!   hashing of XXH3, one round trip per add or check, its parameters
//!   stored beside the bits.
//!
//! Keys that must live together (a value and its load lock, a filter and
//! its parameters) share a hash tag: see [`cluster`](crate::cluster).

mod aside;
mod bloom;
mod flight;

pub use aside::{Cache, CacheError, CacheOptions};
pub use bloom::{BloomError, BloomFilter, BloomParams};
