//! The Redis version redsim imitates, as it reports it (INFO, HELLO,
//! LOLWUT, Lua's `redis.REDIS_VERSION`). Nothing else.

/// The version redsim reports to clients: the Redis it imitates.
pub const REDIS_VERSION: &str = "7.0.15";

/// [`REDIS_VERSION`] as Redis's number (`0x00MMmmpp`), for Lua's
/// `redis.REDIS_VERSION_NUM`.
pub const REDIS_VERSION_NUM: i64 = 0x07_00_0F;
