-- redsim's scripting sandbox, run once when a Lua state is created.
--
-- Redis 7.0 runs scripts in a Lua 5.1 whose global table and library tables
-- are read-only (its own patched VM does that). Stock Lua 5.1 cannot mark a
-- table read-only, so the same effect is built from metatables:
--
-- * every global moves into a hidden table; the real global table is left
--   empty, reads fall through to the hidden table, writes raise "Attempt to
--   modify a readonly table", and reading a global that does not exist
--   raises "Script attempted to access nonexistent global variable '…'";
-- * every library table is replaced by an empty proxy that reads through
--   to it and refuses writes the same way;
-- * rawset refuses protected tables; loadstring/load chunks see the same
--   protected globals because the global table itself is protected.
--
-- The chunk receives the Rust-side pieces (the `redis` library table, with
-- the engine's `call` and `pcall`, which work only while a script runs;
-- `where_fn`, which finds the innermost frame of the user's script; and
-- `normalize`, which turns an error raised from Rust back into the
-- `{err=…}` table Redis would have raised) and returns the runner, which
-- sets KEYS and ARGV and calls a script under the error handler.
--
-- `redis.call` is a native function, as in Redis: Lua never tail-calls a
-- native function, so `return redis.call(…)` keeps the script's frame and
-- an error still names its line. Native functions can only raise wrapped
-- errors; every place a script can see an error value (pcall, xpcall,
-- coroutine.resume, the final handler) unwraps it with `normalize`.

local redis_lib, where_fn, normalize, text_loadstring, text_load = ...

local G = _G
local hidden = {}
local readonly = setmetatable({}, { __mode = "k" })

local rawset_orig = rawset
local setmetatable_orig = setmetatable
local error_orig = error
local type_orig = type
local tostring_orig = tostring
local next_orig = next

local function refuse()
  error_orig("Attempt to modify a readonly table", 2)
end

local function protect(t)
  local proxy = {}
  readonly[proxy] = true
  setmetatable_orig(proxy, { __index = t, __newindex = refuse, __metatable = false })
  return proxy
end

-- The libraries Redis exposes, and nothing else.
local keep = {
  "assert", "collectgarbage", "coroutine", "error", "gcinfo", "getmetatable",
  "ipairs", "load", "loadstring", "math", "next", "pairs", "pcall", "rawequal",
  "rawget", "rawset", "select", "setmetatable", "string", "table", "tonumber",
  "tostring", "type", "unpack", "xpcall", "_VERSION",
  "bit", "cjson", "struct", "cmsgpack",
}
local libraries = {
  coroutine = true, math = true, string = true, table = true,
  bit = true, cjson = true, struct = true, cmsgpack = true,
}

for _, name in ipairs(keep) do
  local v = G[name]
  if v ~= nil then
    if libraries[name] then
      v = protect(v)
    end
    hidden[name] = v
  end
end
-- Of os, only the CPU clock (as Redis 7.2+; 7.0 has no os at all).
hidden.os = protect({ clock = G.os.clock })

-- Errors a script catches are what Redis would give it: xpcall handlers
-- and coroutine.resume see the {err=…} table; Redis's own pcall goes one
-- step further and hands back the table's `err` string.
local pcall_orig = G.pcall
local xpcall_orig = G.xpcall
local select_orig = G.select
local unpack_orig = G.unpack
local function fix(ok, ...)
  if ok then
    return ok, ...
  end
  return ok, normalize((...))
end
local function fix_pcall(ok, ...)
  if ok then
    return ok, ...
  end
  local e = normalize((...))
  if type_orig(e) == "table" and type_orig(rawget(e, "err")) == "string" then
    e = rawget(e, "err")
  end
  return ok, e
end
hidden.pcall = function(f, ...)
  return fix_pcall(pcall_orig(f, ...))
end
hidden.xpcall = function(f, h)
  return xpcall_orig(f, function(e)
    return h(normalize(e))
  end)
end
local coroutine_lib = G.coroutine
local resume_orig = coroutine_lib.resume
local wrap_orig = coroutine_lib.wrap
local coroutine_fixed = {}
for k, v in pairs(coroutine_lib) do
  coroutine_fixed[k] = v
end
coroutine_fixed.resume = function(co, ...)
  return fix(resume_orig(co, ...))
end
coroutine_fixed.wrap = function(f)
  local co = coroutine_lib.create(f)
  return function(...)
    local r = { resume_orig(co, ...) }
    if not r[1] then
      error_orig(normalize(r[2]), 0)
    end
    return unpack_orig(r, 2, select_orig("#", unpack_orig(r)))
  end
end
hidden.coroutine = protect(coroutine_fixed)

-- No precompiled chunks: loadstring and load are Rust replacements that
-- compile source text only (see loading.rs).
hidden.loadstring = text_loadstring
hidden.load = text_load

-- rawset must not open a door around the protection.
hidden.rawset = function(t, k, v)
  if t == G or readonly[t] then
    error_orig("Attempt to modify a readonly table", 0)
  end
  return rawset_orig(t, k, v)
end

-- The redis table: Redis's helpers (call and pcall come from the engine),
-- read-only.
redis_lib.error_reply = function(msg)
  if type_orig(msg) ~= "string" then
    error_orig("wrong number or type of arguments", 2)
  end
  -- One leading '-' is the protocol's, not part of the message.
  if msg:sub(1, 1) == "-" then
    msg = msg:sub(2)
  end
  return { err = msg }
end
redis_lib.status_reply = function(msg)
  if type_orig(msg) ~= "string" then
    error_orig("wrong number or type of arguments", 2)
  end
  return { ok = msg }
end
hidden.redis = protect(redis_lib)
hidden._G = G

-- Empty the real global table, then guard it.
local names = {}
for k in next_orig, G do
  names[#names + 1] = k
end
for _, k in ipairs(names) do
  rawset_orig(G, k, nil)
end
setmetatable_orig(hidden, {
  __index = function(_, name)
    error_orig("Script attempted to access nonexistent global variable '"
      .. tostring_orig(name) .. "'", 2)
  end,
})
setmetatable_orig(G, { __index = hidden, __newindex = refuse, __metatable = false })
readonly[G] = true

-- Errors leave a script as a table {err=…, source=…, line=…}: a string
-- error becomes "ERR <message>", and the place is the innermost frame of
-- the user's script (not of this file, nor of a C function).
local function handler(err)
  local source, line = where_fn()
  err = normalize(err)
  if type_orig(err) ~= "table" then
    err = { err = "ERR " .. tostring_orig(err) }
  end
  if source then
    err.source = source
    err.line = line
  end
  return err
end

local function run(f, keys, argv)
  rawset_orig(hidden, "KEYS", keys)
  rawset_orig(hidden, "ARGV", argv)
  return xpcall_orig(f, handler)
end

return run
