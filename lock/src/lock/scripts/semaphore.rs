//! The expirable-permit semaphore's scripts (Redisson's
//! RPermitExpirableSemaphore): leases with deadlines on the server clock.

use std::sync::LazyLock;

use redis::Script;

use super::NOW;

/// The semaphore's keys and helpers. KEYS: 1 the semaphore hash
/// (`permits`: how many there are), 2 the leased permits (a sorted set of
/// permit id → deadline). Permits in use are the unexpired leases, so
/// what is available is `permits − leases`, never a counter that a
/// repeated release could raise twice. `purge` drops expired leases;
/// `settle` sets the leases' TTL to the last deadline.
const SEM_PRELUDE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local function total()
  return tonumber(redis.call('HGET', KEYS[1], 'permits')) or 0
end
local function settle()
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if last[2] then
    redis.call('PEXPIRE', KEYS[2], math.max(tonumber(last[2]) - now, 1))
  end
end
";

fn sem(body: &str) -> Script {
    Script::new(&format!("{NOW}{SEM_PRELUDE}{body}"))
}

/// Leases a permit. KEYS: as [`SEM_PRELUDE`]. ARGV: permit id, lease ms.
/// Returns `{1, permits left}`, or `{0, ms}` until the first lease
/// expires (-1 if none: no permits at all). A retry after a lost reply
/// finds its id leased and renews it rather than taking a second.
pub static SEM_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    sem(r"
local used = redis.call('ZCARD', KEYS[2])
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  settle()
  return {1, math.max(total() - used, 0)}
end
if used < total() then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  settle()
  return {1, total() - used - 1}
end
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if first[2] then
  return {0, tonumber(first[2]) - now}
end
return {0, -1}
")
});

/// Gives a permit back. KEYS: as [`SEM_PRELUDE`]. ARGV: permit id, release
/// channel. 1 if it was leased (publishes `1`), 0 if not: a second release
/// of one id frees nothing.
pub static SEM_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    sem(r"
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('PUBLISH', ARGV[2], '1')
  return 1
end
return 0
")
});

/// Renews a lease. KEYS: as [`SEM_PRELUDE`]. ARGV: permit id, lease ms. 1
/// if it was leased (and unexpired), else 0.
pub static SEM_EXTEND: LazyLock<Script> = LazyLock::new(|| {
    sem(r"
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  settle()
  return 1
end
return 0
")
});

/// The permits available now. KEYS: as [`SEM_PRELUDE`].
pub static SEM_AVAILABLE: LazyLock<Script> = LazyLock::new(|| {
    sem(r"
return math.max(total() - redis.call('ZCARD', KEYS[2]), 0)
")
});

/// Sets how many permits there are. KEYS: as [`SEM_PRELUDE`]. ARGV: the
/// number, 1 to set it only if never set, release channel. Returns 1 if
/// set. Publishes `all` when it set one (waiters look again).
pub static SEM_SET: LazyLock<Script> = LazyLock::new(|| {
    sem(r"
if ARGV[2] == '1' and redis.call('HEXISTS', KEYS[1], 'permits') == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'permits', ARGV[1])
redis.call('PUBLISH', ARGV[3], 'all')
return 1
")
});
