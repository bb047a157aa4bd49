//! The fair lock's scripts (Redisson's RFairLock): a queue of waiters
//! with deadlines on the server clock, served first come, first served.

use std::sync::LazyLock;

use redis::Script;

use super::NOW;

/// The fair lock's keys and helpers. KEYS: 1 the lock hash (owner →
/// holds, and `fence`), 2 the queue of waiting owners (a list, first come
/// first), 3 the waiters' deadlines (a sorted set: a waiter that does not
/// try again before its deadline is taken for dead), 4 the fence counter,
/// 5 the request's latch. `purge` drops dead waiters wherever they stand
/// (returns how many); `wake_head` publishes `to:<owner>` to the first in
/// line when the lock is free; `settle` sets the queue keys' TTLs to the
/// last waiter's deadline.
const FAIR_PRELUDE: &str = r"
local function purge()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
  for _, owner in ipairs(dead) do
    redis.call('LREM', KEYS[2], 0, owner)
  end
  if #dead > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  end
  return #dead
end
local function wake_head(channel)
  if redis.call('EXISTS', KEYS[1]) == 0 then
    local head = redis.call('LINDEX', KEYS[2], 0)
    if head then
      redis.call('PUBLISH', channel, 'to:' .. head)
    end
  end
end
local function settle()
  local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if last[2] then
    local ttl = math.max(tonumber(last[2]) - now, 1)
    redis.call('PEXPIRE', KEYS[2], ttl)
    redis.call('PEXPIRE', KEYS[3], ttl)
  end
end
local purged = purge()
";

fn fair(body: &str) -> Script {
    Script::new(&format!("{NOW}{FAIR_PRELUDE}{body}"))
}

/// Fair acquire. KEYS: as [`FAIR_PRELUDE`]. ARGV: owner, ttl ms, latch ttl
/// ms, waiter timeout ms, 1 to queue if it must wait (0 for a single
/// try), 1 to issue a fencing token, release channel. Returns `{1, holds,
/// fence}` when taken (free and this owner first in line, or already this
/// owner's), else `{0, pttl, 0}` (-1 when the lock is free but another
/// waiter is first) with this owner queued and its deadline moved to now
/// + the waiter timeout. Skipping dead waiters wakes the new first.
pub static FAIR_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    fair(
        r"
local done = redis.call('GET', KEYS[5])
if done == 'undone' then
  return {0, -1, 0}
end
if done then
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tonumber(done), tonumber(redis.call('HGET', KEYS[1], 'fence'))}
  end
  redis.call('DEL', KEYS[5])
end
local taken = false
if redis.call('EXISTS', KEYS[1]) == 0 then
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head or head == ARGV[1] then
    if head then
      redis.call('LPOP', KEYS[2])
    end
    redis.call('ZREM', KEYS[3], ARGV[1])
    local fence = 0
    if ARGV[6] == '1' then
      fence = redis.call('INCR', KEYS[4])
    end
    redis.call('HSET', KEYS[1], 'fence', fence)
    taken = true
  end
elseif redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  taken = true
end
if taken then
  local count = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[5], count, 'PX', ARGV[3])
  settle()
  return {1, count, tonumber(redis.call('HGET', KEYS[1], 'fence'))}
end
if ARGV[5] == '1' then
  if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
    redis.call('RPUSH', KEYS[2], ARGV[1])
  end
  redis.call('ZADD', KEYS[3], now + tonumber(ARGV[4]), ARGV[1])
end
if purged > 0 then
  wake_head(ARGV[7])
end
settle()
local pttl = redis.call('PTTL', KEYS[1])
if pttl < 0 then
  pttl = -1
end
return {0, pttl, 0}
",
    )
});

/// Fair release. KEYS: as [`FAIR_PRELUDE`]. ARGV: owner, ttl ms, latch ttl
/// ms, release channel. Returns the holds left, or -1 if this owner holds
/// none; idempotent per request (the latch). The release that frees the
/// lock wakes the first in line.
pub static FAIR_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    fair(
        r"
local done = redis.call('GET', KEYS[5])
if done then
  return tonumber(done)
end
local result = -1
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  result = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
  if result > 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  else
    redis.call('DEL', KEYS[1])
    wake_head(ARGV[4])
  end
end
redis.call('SET', KEYS[5], result, 'PX', ARGV[3])
return result
",
    )
});

/// Undoes a fair acquire that may have taken a hold unheard, as
/// `REENTRANT_UNDO`, and takes the owner out of the queue. KEYS: as
/// [`FAIR_PRELUDE`]. ARGV: owner, ttl ms, latch ttl ms, release channel.
/// Returns 1 if a hold was given back.
pub static FAIR_UNDO: LazyLock<Script> = LazyLock::new(|| {
    fair(
        r"
local done = redis.call('GET', KEYS[5])
redis.call('SET', KEYS[5], 'undone', 'PX', ARGV[3])
redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local undone = 0
if done and done ~= 'undone' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  undone = 1
  if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) > 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  else
    redis.call('DEL', KEYS[1])
  end
end
wake_head(ARGV[4])
return undone
",
    )
});

/// Takes a waiter that gave up out of the queue. KEYS: as
/// [`FAIR_PRELUDE`] (no latch). ARGV: owner, release channel. Wakes the
/// new first in line if it was first. Returns 1 if it was queued.
pub static FAIR_WITHDRAW: LazyLock<Script> = LazyLock::new(|| {
    fair(
        r"
local first = redis.call('LINDEX', KEYS[2], 0) == ARGV[1]
local removed = redis.call('LREM', KEYS[2], 0, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if first or purged > 0 then
  wake_head(ARGV[2])
end
if removed > 0 then
  return 1
end
return 0
",
    )
});

/// The owners waiting in line, first first, dead ones dropped. KEYS: as
/// [`FAIR_PRELUDE`] (no latch).
pub static FAIR_QUEUE: LazyLock<Script> = LazyLock::new(|| {
    fair(
        r"
if purged > 0 then
  wake_head(ARGV[1])
end
return redis.call('LRANGE', KEYS[2], 0, -1)
",
    )
});
