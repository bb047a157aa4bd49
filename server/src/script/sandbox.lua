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
  -- As Redis's luaPushErrorBuff: "-CODE msg" keeps its code, anything
  -- else gets ERR (a message without a leading '-' gets one first, so its
  -- first word becomes the code); newlines at either end go.
  if msg:sub(1, 1) ~= "-" then
    msg = "-" .. msg
  end
  local space = msg:find(" ", 1, true)
  local code, text
  if space then
    code, text = msg:sub(2, space - 1), msg:sub(space + 1)
  else
    code, text = "ERR", msg:sub(2)
  end
  text = text:gsub("^[\r\n]+", ""):gsub("[\r\n]+$", "")
  return { err = code .. " " .. text }
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
local G_mt = { __index = hidden, __newindex = refuse, __metatable = false }
setmetatable_orig(G, G_mt)
readonly[G] = true

-- Metatables, as Redis's VM shows them: a read-only table has none it
-- could change (setmetatable refuses, with no position, as Redis's C
-- check does); the library tables have none at all; the global table's is
-- read-only and holds only what a script may see of it (the function
-- that refuses unknown globals); the strings' is read-only too, and reads
-- through to the protected string library.
local getmetatable_orig = getmetatable
local G_mt_view = protect({
  __index = function(_, name)
    error_orig("Script attempted to access nonexistent global variable '"
      .. tostring_orig(name) .. "'", 2)
  end,
})
local string_mt = getmetatable_orig("")
string_mt.__index = hidden.string
local string_mt_view = protect(string_mt)
hidden.setmetatable = function(t, mt)
  if t == G or readonly[t] then
    error_orig("Attempt to modify a readonly table", 0)
  end
  return setmetatable_orig(t, mt)
end
hidden.getmetatable = function(v)
  if v == G then
    return G_mt_view
  end
  if type_orig(v) == "string" then
    return string_mt_view
  end
  if readonly[v] then
    return nil
  end
  return getmetatable_orig(v)
end

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

-- FCALL: a registered function gets its keys and arguments as its two
-- parameters (no KEYS or ARGV globals).
local function run_function(f, keys, argv)
  return xpcall_orig(function()
    return f(keys, argv)
  end, handler)
end

-- FUNCTION LOAD. While a library's code runs, the only global is a `redis`
-- table with register_function, log and the constants, as in Redis 7.0;
-- reading anything else raises the nonexistent-global error. The functions
-- it registers run later with the full globals.
local function nonexistent(_, name)
  error_orig("Script attempted to access nonexistent global variable '"
    .. tostring_orig(name) .. "'", 2)
end
local registering = nil
local function register_error(msg)
  error_orig({ err = "ERR " .. msg })
end
local known_flags = {
  ["no-writes"] = true, ["allow-oom"] = true, ["allow-stale"] = true,
  ["no-cluster"] = true, ["allow-cross-slot-keys"] = true,
}
local function valid_name(name)
  return #name > 0 and not name:find("[^%w_]")
end
local function register_function(...)
  if registering == nil then
    register_error("redis.register_function can only be called on FUNCTION LOAD command")
  end
  local n = select_orig("#", ...)
  if n < 1 or n > 2 then
    register_error("wrong number of arguments to redis.register_function")
  end
  local name, callback, description, flags
  if n == 1 then
    local t = ...
    if type_orig(t) ~= "table" then
      register_error("calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).")
    end
    for k, v in next_orig, t do
      if k == "function_name" then
        if type_orig(v) ~= "string" and type_orig(v) ~= "number" then
          register_error("function_name argument given to redis.register_function must be a string")
        end
        name = tostring_orig(v)
      elseif k == "description" then
        if type_orig(v) ~= "string" and type_orig(v) ~= "number" then
          register_error("description argument given to redis.register_function must be a string")
        end
        description = tostring_orig(v)
      elseif k == "callback" then
        if type_orig(v) ~= "function" then
          register_error("callback argument given to redis.register_function must be a function")
        end
        callback = v
      elseif k == "flags" then
        if type_orig(v) ~= "table" then
          register_error("flags argument to redis.register_function must be a table representing function flags")
        end
        flags = {}
        for _, flag in next_orig, v do
          if type_orig(flag) ~= "string" or not known_flags[flag] then
            register_error("unknown flag given")
          end
          flags[flag] = true
        end
      else
        register_error("unknown argument given to redis.register_function")
      end
    end
    if name == nil then
      register_error("redis.register_function must get a function name argument")
    end
    if callback == nil then
      register_error("redis.register_function must get a callback argument")
    end
  else
    local first, second = ...
    if type_orig(first) ~= "string" and type_orig(first) ~= "number" then
      register_error("first argument to redis.register_function must be a string")
    end
    if type_orig(second) ~= "function" then
      register_error("second argument to redis.register_function must be a function")
    end
    name, callback = tostring_orig(first), second
  end
  if not valid_name(name) then
    -- (Redis 7.0 words a bad function name as a library name.)
    register_error("Library names can only contain letters, numbers, or underscores(_) and must be at least one character long")
  end
  -- (No global may be read here: while loading, the globals are the
  -- library's.)
  for i = 1, #registering do
    if registering[i].name == name then
      register_error("Function already exists in the library")
    end
  end
  registering[#registering + 1] = {
    name = name, callback = callback, description = description, flags = flags or {},
  }
end

local load_redis = {
  register_function = register_function,
  log = redis_lib.log,
  LOG_DEBUG = redis_lib.LOG_DEBUG,
  LOG_VERBOSE = redis_lib.LOG_VERBOSE,
  LOG_NOTICE = redis_lib.LOG_NOTICE,
  LOG_WARNING = redis_lib.LOG_WARNING,
  REDIS_VERSION = redis_lib.REDIS_VERSION,
  REDIS_VERSION_NUM = redis_lib.REDIS_VERSION_NUM,
}
setmetatable_orig(load_redis, { __index = nonexistent, __newindex = refuse, __metatable = false })
readonly[load_redis] = true
local load_globals = setmetatable_orig({ redis = load_redis }, { __index = nonexistent })

-- Runs a compiled library chunk in the load environment: true and the
-- registrations ({name, callback, description, flags}…), or false and
-- the error ({err=…}).
local function load_library(chunk)
  registering = {}
  G_mt.__index = load_globals
  local ok, err = xpcall_orig(chunk, handler)
  G_mt.__index = hidden
  local registered = registering
  registering = nil
  if not ok then
    return false, err
  end
  return true, registered
end

return run, run_function, load_library
