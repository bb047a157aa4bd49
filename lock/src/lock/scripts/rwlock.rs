//! The read-write lock's scripts (Redisson's RReadWriteLock): readers
//! and a writer with their own deadlines on the server clock.

use std::sync::LazyLock;

use redis::Script;

use super::NOW;

/// The read-write lock's keys and helpers. KEYS: 1 the lock hash
/// (`writer`, `writes`, `wdl` the writer's deadline, `fence`, and
/// `r:<owner>` read holds), 2 the readers' deadlines (a sorted set), 3
/// the waiting writers' deadlines (a sorted set), 4 the fence counter, 5
/// the request's latch. `purge` forgets expired readers, writers and
/// waiting writers; `settle` sets the keys' TTLs to their last deadline
/// (housekeeping: correctness comes from the deadlines).
const RW_PRELUDE: &str = r"
local function purge()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, owner in ipairs(dead) do
    redis.call('HDEL', KEYS[1], 'r:' .. owner)
  end
  if #dead > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  end
  local wdl = tonumber(redis.call('HGET', KEYS[1], 'wdl'))
  if wdl and wdl <= now then
    redis.call('HDEL', KEYS[1], 'writer', 'writes', 'wdl', 'fence')
  end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
end
local function last_reader()
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if last[2] then
    return tonumber(last[2])
  end
  return nil
end
local function settle()
  local last = tonumber(redis.call('HGET', KEYS[1], 'wdl')) or 0
  last = math.max(last, last_reader() or 0)
  if last > now then
    redis.call('PEXPIRE', KEYS[1], last - now)
    redis.call('PEXPIRE', KEYS[2], last - now)
  else
    redis.call('DEL', KEYS[1], KEYS[2])
  end
  local waiting = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if waiting[2] then
    redis.call('PEXPIRE', KEYS[3], math.max(tonumber(waiting[2]) - now, 1))
  end
end
purge()
";

fn rw(body: &str) -> Script {
    Script::new(&format!("{NOW}{RW_PRELUDE}{body}"))
}

/// Read-lock acquire. KEYS: as [`RW_PRELUDE`]. ARGV: owner, ttl ms, latch
/// ttl ms. Returns `{1, read holds}`, or `{0, ms}` with how long until the
/// state may change without a release message: the writer's deadline, or
/// the last waiting writer's. A new reader (no read hold yet, not the
/// writer) waits behind waiting writers, so that readers cannot starve a
/// writer; an owner that already reads, or writes, is let in.
pub static RW_READ_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local field = 'r:' .. ARGV[1]
local done = redis.call('GET', KEYS[5])
if done == 'undone' then
  return {0, -1}
end
if done then
  if redis.call('HEXISTS', KEYS[1], field) == 1 then
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
    settle()
    return {1, tonumber(done)}
  end
  redis.call('DEL', KEYS[5])
end
local writer = redis.call('HGET', KEYS[1], 'writer')
if writer and writer ~= ARGV[1] then
  return {0, tonumber(redis.call('HGET', KEYS[1], 'wdl')) - now}
end
if not writer and redis.call('HEXISTS', KEYS[1], field) == 0 then
  local waiting = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
  if waiting[2] then
    return {0, tonumber(waiting[2]) - now}
  end
end
local count = redis.call('HINCRBY', KEYS[1], field, 1)
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
settle()
redis.call('SET', KEYS[5], count, 'PX', ARGV[3])
return {1, count}
")
});

/// Write-lock acquire. KEYS: as [`RW_PRELUDE`]. ARGV: owner, ttl ms, latch
/// ttl ms, how long a waiting writer's claim outlives the wait it was told
/// (ms), 1 to queue as a waiting writer if held (0 for a single try), 1
/// to issue a fencing token. Returns `{1, write holds, fence}`, or `{0,
/// ms, 0}`: until the writer's deadline or the last reader's. Taken when
/// nobody writes and nobody reads but this owner (a sole reader upgrades);
/// a writer that finds it held records a claim that holds new readers
/// back.
pub static RW_WRITE_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local done = redis.call('GET', KEYS[5])
if done == 'undone' then
  return {0, -1, 0}
end
local writer = redis.call('HGET', KEYS[1], 'writer')
if done then
  if writer == ARGV[1] then
    redis.call('HSET', KEYS[1], 'wdl', now + tonumber(ARGV[2]))
    settle()
    return {1, tonumber(done), tonumber(redis.call('HGET', KEYS[1], 'fence'))}
  end
  redis.call('DEL', KEYS[5])
end
if writer == ARGV[1] then
  local count = redis.call('HINCRBY', KEYS[1], 'writes', 1)
  redis.call('HSET', KEYS[1], 'wdl', now + tonumber(ARGV[2]))
  settle()
  redis.call('SET', KEYS[5], count, 'PX', ARGV[3])
  return {1, count, tonumber(redis.call('HGET', KEYS[1], 'fence'))}
end
local readers = redis.call('ZCARD', KEYS[2])
local sole = readers == 1 and redis.call('ZSCORE', KEYS[2], ARGV[1])
if not writer and (readers == 0 or sole) then
  local fence = 0
  if ARGV[6] == '1' then
    fence = redis.call('INCR', KEYS[4])
  end
  redis.call('HSET', KEYS[1], 'writer', ARGV[1], 'writes', 1,
    'wdl', now + tonumber(ARGV[2]), 'fence', fence)
  redis.call('ZREM', KEYS[3], ARGV[1])
  settle()
  redis.call('SET', KEYS[5], 1, 'PX', ARGV[3])
  return {1, 1, fence}
end
local wait
if writer then
  wait = tonumber(redis.call('HGET', KEYS[1], 'wdl')) - now
else
  wait = last_reader() - now
end
if ARGV[5] == '1' then
  redis.call('ZADD', KEYS[3], now + math.max(wait, 0) + tonumber(ARGV[4]), ARGV[1])
  settle()
end
return {0, wait, 0}
")
});

/// Read-lock release. KEYS: as [`RW_PRELUDE`]. ARGV: owner, latch ttl ms,
/// release channel. Returns the owner's read holds left, or -1 if it held
/// none; a retry after a lost reply answers what the first did. The last
/// reader out publishes `all`.
pub static RW_READ_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local done = redis.call('GET', KEYS[5])
if done then
  return tonumber(done)
end
local field = 'r:' .. ARGV[1]
local result = -1
if redis.call('HEXISTS', KEYS[1], field) == 1 then
  result = redis.call('HINCRBY', KEYS[1], field, -1)
  if result <= 0 then
    result = 0
    redis.call('HDEL', KEYS[1], field)
    redis.call('ZREM', KEYS[2], ARGV[1])
    if redis.call('ZCARD', KEYS[2]) == 0 then
      redis.call('PUBLISH', ARGV[3], 'all')
    end
  end
  settle()
end
redis.call('SET', KEYS[5], result, 'PX', ARGV[2])
return result
")
});

/// Write-lock release. KEYS: as [`RW_PRELUDE`]. ARGV: owner, latch ttl
/// ms, release channel. Returns the write holds left, or -1 if this owner
/// does not write; idempotent per request as [`RW_READ_RELEASE`]. The
/// last write hold out publishes `all` (the owner's read holds, if it
/// took any, stay: a downgrade).
pub static RW_WRITE_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local done = redis.call('GET', KEYS[5])
if done then
  return tonumber(done)
end
local result = -1
if redis.call('HGET', KEYS[1], 'writer') == ARGV[1] then
  result = redis.call('HINCRBY', KEYS[1], 'writes', -1)
  if result <= 0 then
    result = 0
    redis.call('HDEL', KEYS[1], 'writer', 'writes', 'wdl', 'fence')
    redis.call('PUBLISH', ARGV[3], 'all')
  end
  settle()
end
redis.call('SET', KEYS[5], result, 'PX', ARGV[2])
return result
")
});

/// Read-lock extend. KEYS: as [`RW_PRELUDE`] (no latch). ARGV: owner, ttl
/// ms. 1 if the owner reads (its deadline moved), else 0.
pub static RW_READ_EXTEND: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
if redis.call('HEXISTS', KEYS[1], 'r:' .. ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
  settle()
  return 1
end
return 0
")
});

/// Write-lock extend. KEYS: as [`RW_PRELUDE`] (no latch). ARGV: owner, ttl
/// ms. 1 if the owner writes (its deadline moved), else 0.
pub static RW_WRITE_EXTEND: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
if redis.call('HGET', KEYS[1], 'writer') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'wdl', now + tonumber(ARGV[2]))
  settle()
  return 1
end
return 0
")
});

/// Undoes a read or write acquire that may have taken a hold unheard, as
/// `REENTRANT_UNDO`. KEYS: as [`RW_PRELUDE`]. ARGV: owner, latch ttl ms,
/// release channel, `r` or `w`. A writer's claim is withdrawn too.
/// Returns 1 if a hold was given back.
pub static RW_UNDO: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local done = redis.call('GET', KEYS[5])
redis.call('SET', KEYS[5], 'undone', 'PX', ARGV[2])
local wake = false
if ARGV[4] == 'w' and redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then
  wake = true
end
local undone = 0
if done and done ~= 'undone' then
  if ARGV[4] == 'r' and redis.call('HEXISTS', KEYS[1], 'r:' .. ARGV[1]) == 1 then
    undone = 1
    if redis.call('HINCRBY', KEYS[1], 'r:' .. ARGV[1], -1) <= 0 then
      redis.call('HDEL', KEYS[1], 'r:' .. ARGV[1])
      redis.call('ZREM', KEYS[2], ARGV[1])
      wake = wake or redis.call('ZCARD', KEYS[2]) == 0
    end
  elseif ARGV[4] == 'w' and redis.call('HGET', KEYS[1], 'writer') == ARGV[1] then
    undone = 1
    if redis.call('HINCRBY', KEYS[1], 'writes', -1) <= 0 then
      redis.call('HDEL', KEYS[1], 'writer', 'writes', 'wdl', 'fence')
      wake = true
    end
  end
end
settle()
if wake then
  redis.call('PUBLISH', ARGV[3], 'all')
end
return undone
")
});

/// Withdraws a waiting writer's claim (it gave up). KEYS: as
/// [`RW_PRELUDE`] (no latch). ARGV: owner, release channel. Publishes
/// `all` if there was one, for the readers it held back. Returns 1 if so.
pub static RW_WITHDRAW: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
if redis.call('ZREM', KEYS[3], ARGV[1]) == 1 then
  settle()
  redis.call('PUBLISH', ARGV[2], 'all')
  return 1
end
return 0
")
});

/// Reads a read-write lock's state. KEYS: as [`RW_PRELUDE`] (no latch).
/// ARGV: owner. Returns `{read holds, write holds}` of the owner.
pub static RW_HOLDS: LazyLock<Script> = LazyLock::new(|| {
    rw(r"
local reads = tonumber(redis.call('HGET', KEYS[1], 'r:' .. ARGV[1])) or 0
local writes = 0
if redis.call('HGET', KEYS[1], 'writer') == ARGV[1] then
  writes = tonumber(redis.call('HGET', KEYS[1], 'writes'))
end
return {reads, writes}
")
});
