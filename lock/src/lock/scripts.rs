//! The Lua scripts the locks run, each one atomic on the server.
//!
//! They are sent with EVALSHA and loaded on NOSCRIPT (`redis::Script`
//! does both), so a server restarted with an empty script cache costs one
//! extra round trip, not an error.

use std::sync::LazyLock;

use redis::Script;

/// Acquire with a fencing token. KEYS: lock, fence counter. ARGV: token,
/// ttl ms. Returns `{1, fence}` when acquired (or already ours: a retry
/// after a lost reply, whose TTL it refreshes), `{0, pttl}` when held by
/// another owner.
pub static ACQUIRE_FENCED: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, tonumber(redis.call('GET', KEYS[2]) or '0')}
end
if current then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, redis.call('INCR', KEYS[2])}
",
    )
});

/// Compare-and-delete. KEYS: lock. ARGV: token, and optionally the
/// lock's release channel. 1 if deleted (and `1` published on the channel
/// when given: one waiter per process tries again), 0 if the key holds
/// another token or none.
pub static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[2] then
    redis.call('PUBLISH', ARGV[2], '1')
  end
  return 1
end
return 0
",
    )
});

/// Acquire, or say how long the holder has. KEYS: lock. ARGV: token, ttl
/// ms. Returns -3 when acquired (or found already ours: a retry after a
/// lost reply, whose TTL it refreshes), else the holder's PTTL — what a
/// waiter that sleeps until a release message needs as its fallback.
pub static ACQUIRE_OR_PTTL: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return -3
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return -3
end
return redis.call('PTTL', KEYS[1])
",
    )
});

/// Compare-and-pexpire. KEYS: lock. ARGV: token, ttl ms. 1 if extended,
/// 0 if the key holds another token or none.
pub static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Reentrant acquire (hold counts in a hash, as Redisson does). KEYS:
/// lock, the acquire's latch. ARGV: owner token, ttl ms, latch ttl ms.
/// Returns `{1, holds}` with the owner's hold count after acquiring, or
/// `{0, pttl}` when another owner holds it.
///
/// The latch remembers that this acquire request took a hold: an attempt
/// sent again after a lost reply finds it and takes no second hold (while
/// the owner still holds the lock; if that hold is gone, it acquires
/// afresh). An acquire given up (`REENTRANT_UNDO`) takes nothing if it
/// arrives afterwards.
pub static REENTRANT_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local done = redis.call('GET', KEYS[2])
if done == 'undone' then
  return {0, -1}
end
if done then
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {1, tonumber(done)}
  end
  redis.call('DEL', KEYS[2])
end
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  local count = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('SET', KEYS[2], count, 'PX', ARGV[3])
  return {1, count}
end
return {0, redis.call('PTTL', KEYS[1])}
",
    )
});

/// Reentrant release. KEYS: lock, the release's latch. ARGV: owner token,
/// ttl ms, latch ttl ms, and optionally the release channel. Returns the
/// holds left (the TTL refreshed while some are), or -1 if this owner
/// holds none. A release sent again after a lost reply finds its latch and
/// answers what the first did, without giving back a second hold. The
/// release that frees the lock publishes `1` on the channel (one waiter
/// may take it).
pub static REENTRANT_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local done = redis.call('GET', KEYS[2])
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
    if ARGV[4] then
      redis.call('PUBLISH', ARGV[4], '1')
    end
  end
end
redis.call('SET', KEYS[2], result, 'PX', ARGV[3])
return result
",
    )
});

/// Undoes a reentrant acquire that may have taken a hold unheard (it was
/// cancelled in flight, or gave up after a lost reply). KEYS: lock, the
/// acquire's latch. ARGV: owner token, ttl ms, latch ttl ms, and
/// optionally the release channel. Gives back the one hold that acquire
/// took, if it took one and it is still there; the owner's older holds
/// stay. Returns 1 if a hold was given back. Publishes `1` if that freed
/// the lock.
pub static REENTRANT_UNDO: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local done = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], 'undone', 'PX', ARGV[3])
if not done or done == 'undone' or redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  return 0
end
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
else
  redis.call('DEL', KEYS[1])
  if ARGV[4] then
    redis.call('PUBLISH', ARGV[4], '1')
  end
end
return 1
",
    )
});

/// Reentrant extend. KEYS: lock. ARGV: owner token, ttl ms. 1 if this
/// owner holds it (TTL refreshed), 0 otherwise.
pub static REENTRANT_EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// All-or-nothing acquire of several keys. KEYS: the locks. ARGV: token,
/// ttl ms. Returns 0 when all were taken (or already ours), else the
/// 1-based index of the first key another owner holds.
pub static MULTI_ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for i, key in ipairs(KEYS) do
  local current = redis.call('GET', key)
  if current and current ~= ARGV[1] then
    return i
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
end
return 0
",
    )
});

/// Compare-and-delete over several keys. KEYS: the locks. ARGV: token.
/// Returns how many were ours (and are now deleted).
pub static MULTI_RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local n = 0
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    n = n + redis.call('DEL', key)
  end
end
return n
",
    )
});

/// Compare-and-pexpire over several keys, all or nothing. KEYS: the locks.
/// ARGV: token, ttl ms. 1 if every key was ours (all extended), else 0
/// (none extended).
pub static MULTI_EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) ~= ARGV[1] then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('PEXPIRE', key, ARGV[2])
end
return 1
",
    )
});

/// Raises a fence counter to at least ARGV[1] (Redlock writes the token it
/// chose back to every node of its quorum). KEYS: counter. Returns the
/// counter after.
pub static FENCE_RAISE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then
  redis.call('SET', KEYS[1], ARGV[1])
  return wanted
end
return current
",
    )
});

/// The resource side of fencing: a write accepted only with a token at
/// least the highest seen. KEYS: the resource hash. ARGV: token, value.
/// Returns 1 if written, 0 if the token was stale (the highest stays).
pub static FENCED_WRITE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local highest = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
local token = tonumber(ARGV[1])
if token < highest then
  return 0
end
redis.call('HSET', KEYS[1], 'fence', ARGV[1], 'value', ARGV[2])
return 1
",
    )
});

// ---------------------------------------------------------------------
// The Redisson family: read-write lock, expirable-permit semaphore, fair
// lock. Their holders' deadlines are kept on the server clock (TIME, in
// milliseconds), so that one dead holder expires on its own while others
// renew; every script first purges what has expired.
// ---------------------------------------------------------------------

/// The server's clock in ms, as `now`.
const NOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";

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
