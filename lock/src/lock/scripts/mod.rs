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

// The Redisson family: read-write lock, expirable-permit semaphore, fair
// lock. Their holders' deadlines are kept on the server clock (TIME, in
// milliseconds), so that one dead holder expires on its own while others
// renew; every script first purges what has expired.
// Each kind has its own module.

mod fair;
mod rwlock;
mod semaphore;

pub use fair::*;
pub use rwlock::*;
pub use semaphore::*;

/// The server's clock in ms, as `now`.
const NOW: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
";
