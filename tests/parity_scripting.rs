//! Parity with real Redis 7.0: EVAL and friends — conversions, errors,
//! the sandbox and the `redis.*` library.

use support::parity;

/// Runs `EVAL <body> <numkeys> <args…>` on both servers and compares.
#[track_caller]
fn eval(p: &mut support::Parity, body: &str, rest: &[&str]) {
    let mut args: Vec<&[u8]> = vec![b"EVAL", body.as_bytes()];
    let n = if rest.is_empty() { "0" } else { rest[0] };
    args.push(n.as_bytes());
    for r in rest.iter().skip(1) {
        args.push(r.as_bytes());
    }
    p.run_args(&args);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lua_to_redis_conversions() {
    let mut p = parity!();
    for body in [
        "return 1",
        "return 3.9",
        "return -3.9",
        "return 'x'",
        "return true",
        "return false",
        "return nil",
        "return {}",
        "return {1,2,3.9,'a',nil,4}",
        "return {1,2,{3,{4}},true,false}",
        "return {err='plain'}",
        "return {err='-ERR dashed'}",
        "return {ok='fine'}",
        "return {ok='a\\nb'}",
        "return redis.error_reply('My Error')",
        "return redis.status_reply('FINE')",
        "return {1, {err='nested error'}, 3}",
        "return {double=1.5}",
        "return cjson.null",
        "return 1e300",
        "return 0/0",
        "return -1/0",
        "return 1, 2",
    ] {
        eval(&mut p, body, &[]);
    }
    p.pair.resp3();
    for body in [
        "return true",
        "return false",
        "return nil",
        "return {double=1.5}",
    ] {
        eval(&mut p, body, &[]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn redis_to_lua_conversions() {
    let mut p = parity!();
    p.run_all(&["SET s v", "RPUSH l a b", "HSET h f v", "SET n 10"]);
    for body in [
        "return redis.call('GET', 's')",
        "return redis.call('GET', 'nosuch')",
        "return type(redis.call('GET', 'nosuch'))",
        "return redis.call('LRANGE', 'l', 0, -1)",
        "return redis.call('INCR', 'n')",
        "return type(redis.call('INCR', 'n'))",
        "return redis.call('SET', 'x', 'y')",
        "return redis.call('SET', 'x', 'y').ok",
        "return redis.pcall('INCR', 's')",
        "return redis.pcall('INCR', 's').err",
        "return type(redis.call('LPOP', 'nolist', 1))",
        "redis.call('SET', 'f', 0.1) return redis.call('GET', 'f')",
        "redis.call('SET', 'f', 1e20) return redis.call('GET', 'f')",
        "redis.call('SET', 'f', 42) return redis.call('GET', 'f')",
    ] {
        eval(&mut p, body, &[]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn resp3_replies_inside_scripts() {
    let mut p = parity!();
    p.run_all(&["HSET h f v", "SADD s a", "ZADD z 1.5 m"]);
    for body in [
        "redis.setresp(3) local r = redis.call('HGETALL', 'h') return r.map.f",
        "redis.setresp(3) local r = redis.call('SMEMBERS', 's') return tostring(r.set.a)",
        "redis.setresp(3) local r = redis.call('ZSCORE', 'z', 'm') return tostring(r.double)",
        "redis.setresp(3) return type(redis.call('GET', 'nosuch'))",
        "redis.setresp(3) return redis.call('HGETALL', 'h')",
        "return redis.setresp(4)",
        "return redis.setresp()",
    ] {
        eval(&mut p, body, &[]);
    }
    p.pair.resp3();
    eval(
        &mut p,
        "redis.setresp(3) return redis.call('HGETALL', 'h')",
        &[],
    );
    eval(
        &mut p,
        "redis.setresp(3) return redis.call('SMEMBERS', 's')",
        &[],
    );
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn keys_and_argv() {
    let mut p = parity!();
    eval(
        &mut p,
        "return {KEYS[1], ARGV[1], #KEYS, #ARGV}",
        &["1", "k", "a", "b"],
    );
    eval(&mut p, "return {#KEYS, #ARGV}", &["0", "a"]);
    eval(&mut p, "return 1", &["-1"]);
    eval(&mut p, "return 1", &["3", "a"]);
    eval(&mut p, "return 1", &["x"]);
    p.run_all(&["EVAL", "EVAL x", "EVALSHA", "EVALSHA x"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn script_errors_name_the_script_and_line() {
    let mut p = parity!();
    p.run("SET s v");
    for body in [
        "error('boom')",
        "error('x', 0)",
        "error(123)",
        "error()",
        "error({err='MYERR custom'})",
        "local a = 1\nerror('on line two')",
        "return redis.call('nosuch')",
        "redis.call('nosuch') return 1",
        "return redis.call('INCR', 's')",
        "return redis.call('GET')",
        "return redis.call()",
        "return redis.call('GET', {})",
        "return redis.call('SUBSCRIBE', 'x')",
        "return redis.call('MULTI')",
        "return redis.call('EVAL', 'return 1', '0')",
        "syntax error here",
        "return 1 +",
        "local function f() return redis.call('nosuch') end return f()",
        "local ok, e = pcall(redis.call, 'nosuch') return {tostring(ok), e.err}",
        "local ok, e = pcall(error, {err='X y'}) return e.err",
        "return xpcall(function() redis.call('nosuch') end, function(e) return e.err end)",
        "redis.log(9, 'x')",
        "redis.log(redis.LOG_WARNING, 'logged') return 1",
        "return redis.set_repl(99)",
        "return redis.set_repl(redis.REPL_ALL)",
        "return redis.replicate_commands()",
    ] {
        eval(&mut p, body, &[]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn the_sandbox_matches_redis() {
    let mut p = parity!();
    for body in [
        "x = 1",
        "return x",
        "_G.x = 1",
        "rawset(_G, 'x', 1)",
        "string.foo = 1",
        "redis.foo = 1",
        "cjson.foo = 1",
        "math.floor = nil",
        "local t = {} t.x = 1 return t.x",
        "return type(io)",
        "return type(loadfile)",
        "return type(dofile)",
        "return type(require)",
        "return type(print)",
        "return type(debug)",
        "return type(setfenv)",
        "return type(getfenv)",
        "return type(newproxy)",
        "return type(module)",
        "return {type(loadstring), type(load), type(unpack), type(select), type(gcinfo)}",
        "return {type(coroutine), type(rawset), type(rawget), type(rawequal), type(xpcall)}",
        "return {type(cjson), type(bit), type(struct), type(cmsgpack), type(redis)}",
        "local f = loadstring('return 7') return f()",
        "return {loadstring(string.dump(function() return 1 end))}",
        "return {load(string.dump(function() return 1 end))}",
        "local done = false return load(function() if done then return nil end done = true return 'return 9' end)()",
        "loadstring('y = 2')()",
        "return _VERSION",
        "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
        "return redis.sha1hex('')",
        "return redis.sha1hex('abc')",
        "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
        "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_ALL}",
        "return type(redis.breakpoint)",
        "return tostring(math.random())",
        "return {math.random(10), math.random(5, 8)}",
        "math.randomseed(42) return tostring(math.random())",
    ] {
        eval(&mut p, body, &[]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn shebangs_and_read_only_scripts() {
    let mut p = parity!();
    for body in [
        "#!lua flags=no-writes\nreturn redis.call('set','a','b')",
        "#!lua flags=no-writes\nreturn redis.call('get','a')",
        "#!lua flags=bogus\nreturn 1",
        "#!python\nreturn 1",
        "#!lua\nreturn 1",
        "#!lua\nerror('line two')",
    ] {
        eval(&mut p, body, &[]);
    }
    p.run_args(&[b"EVAL_RO", b"return redis.call('set','a','b')", b"0"]);
    p.run_args(&[b"EVAL_RO", b"return redis.call('get','a')", b"0"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn script_cache_evalsha_and_script_commands() {
    let mut p = parity!();
    p.run_all(&[
        "EVALSHA 0123456789012345678901234567890123456789 0",
        "EVALSHA short 0",
        "SCRIPT LOAD \"return 'loaded'\"",
        "EVALSHA 90a1a0e0e25b9c2e73eb48b3ac3d06cbbd00f02d 0",
        "SCRIPT EXISTS 90a1a0e0e25b9c2e73eb48b3ac3d06cbbd00f02d nosuch",
        "EVAL \"return 'via eval'\" 0",
        "SCRIPT EXISTS 3d19ec6e0b9bc6bb1c9aaeb8b5e9a0a3dc4ac7b4",
        "SCRIPT LOAD \"syntax error here\"",
        "SCRIPT FLUSH",
        "SCRIPT EXISTS 90a1a0e0e25b9c2e73eb48b3ac3d06cbbd00f02d",
        "EVALSHA 90a1a0e0e25b9c2e73eb48b3ac3d06cbbd00f02d 0",
        "SCRIPT FLUSH ASYNC",
        "SCRIPT FLUSH SYNC",
        "SCRIPT FLUSH BOGUS",
        "SCRIPT KILL",
        "SCRIPT DEBUG NO",
        "SCRIPT NOSUCH",
        "SCRIPT",
    ]);
    // EVALSHA of an uppercase SHA-1 finds the script.
    p.run_all(&[
        "SCRIPT LOAD \"return 'loaded'\"",
        "EVALSHA 90A1A0E0E25B9C2E73EB48B3AC3D06CBBD00F02D 0",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn scripts_are_atomic_and_see_their_own_database() {
    let mut p = parity!();
    p.run_all(&["SELECT 1", "SET k one"]);
    eval(
        &mut p,
        "redis.call('SELECT', 0) redis.call('SET', 'k', 'zero') return redis.call('GET', 'k')",
        &[],
    );
    // SELECT inside a script does not change the caller's database.
    p.run_all(&["GET k", "SELECT 0", "GET k"]);
    // Blocking commands inside a script do not block.
    eval(&mut p, "return redis.call('BLPOP', 'nolist', 0)", &[]);
    eval(
        &mut p,
        "return redis.call('BRPOPLPUSH', 'nolist', 'x', 0)",
        &[],
    );
    // Inside MULTI, EVAL runs at EXEC.
    p.run_all(&[
        "MULTI",
        "EVAL \"return redis.call('INCR', 'c')\" 0",
        "INCR c",
        "EXEC",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn lock_scripts_of_widely_used_libraries_run_unchanged() {
    let mut p = parity!();
    // Compare-and-delete (redis-py Lock, redsync, redislock release).
    let release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    // Compare-and-pexpire (extend).
    let extend = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    p.run_all(&["SET lock token-a PX 10000"]);
    eval(&mut p, extend, &["1", "lock", "token-a", "20000"]);
    eval(&mut p, extend, &["1", "lock", "token-b", "20000"]);
    eval(&mut p, release, &["1", "lock", "token-b"]);
    eval(&mut p, release, &["1", "lock", "token-a"]);
    eval(&mut p, release, &["1", "lock", "token-a"]);
    // Redisson-style reentrant lock on a hash of owner → count.
    let acquire = "if (redis.call('exists', KEYS[1]) == 0) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; if (redis.call('hexists', KEYS[1], ARGV[2]) == 1) then redis.call('hincrby', KEYS[1], ARGV[2], 1); redis.call('pexpire', KEYS[1], ARGV[1]); return nil; end; return redis.call('pttl', KEYS[1]);";
    let unlock = "if (redis.call('hexists', KEYS[1], ARGV[3]) == 0) then return nil; end; local counter = redis.call('hincrby', KEYS[1], ARGV[3], -1); if (counter > 0) then redis.call('pexpire', KEYS[1], ARGV[2]); return 0; else redis.call('del', KEYS[1]); redis.call('publish', KEYS[2], ARGV[1]); return 1; end; return nil;";
    eval(&mut p, acquire, &["1", "rlock", "30000", "owner:1"]);
    eval(&mut p, acquire, &["1", "rlock", "30000", "owner:1"]);
    p.run("HGET rlock owner:1");
    let (sim, real) = p.both(&format!("EVAL \"{acquire}\" 1 rlock 30000 owner:2"));
    // A rival gets the PTTL, which each server's own clock has moved by a
    // few milliseconds since: an integer just under 30000 from both.
    for reply in [&sim, &real] {
        let text = String::from_utf8_lossy(reply);
        let ms: i64 = text
            .strip_prefix(':')
            .and_then(|t| t.trim_end().parse().ok())
            .unwrap_or_else(|| panic!("not an integer: {text:?}"));
        assert!((29_000..=30_000).contains(&ms), "{text:?}");
    }
    eval(
        &mut p,
        unlock,
        &["2", "rlock", "chan", "0", "30000", "owner:1"],
    );
    eval(
        &mut p,
        unlock,
        &["2", "rlock", "chan", "0", "30000", "owner:1"],
    );
    p.run("EXISTS rlock");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn bundled_libraries_and_their_errors_through_eval() {
    let mut p = parity!();
    for body in [
        "return cjson.encode({1,2,3,{a=1}})",
        "return cjson.encode({a='x\"y', b=1.5, c=true, d=cjson.null})",
        "return cjson.decode('[1,2')",
        "local ok, e = pcall(cjson.decode, '[1,2') return {tostring(ok), e}",
        "return cjson.encode({[1]=1,[3]=3})",
        "return cjson.encode({[1]=1,[30]=3})",
        "return bit.tohex(bit.bxor(0xff, 0x0f))",
        "return struct.pack('>I2', 258)",
        "return {struct.unpack('<i4', '\\1\\0\\0\\0')}",
        "return cmsgpack.pack({1, 'a', {b=2}})",
        "return cmsgpack.unpack(cmsgpack.pack({1, 2, 3}))",
        "return struct.pack('q')",
    ] {
        eval(&mut p, body, &[]);
    }
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn a_table_that_contains_itself_hits_the_stack_limit_as_in_redis() {
    // The replies nest ~8000 arrays deep: the harness's (recursive) frame
    // decoder needs a bigger stack than a test thread has; redsim does not.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(|| {
            let mut p = parity!();
            eval(&mut p, "local t = {} t[1] = t return t", &[]);
            eval(&mut p, "local t = {} t[1] = {1,2} t[2] = t return t", &[]);
        })
        .unwrap()
        .join()
        .unwrap();
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn math_random_continues_across_script_flush() {
    let mut p = parity!();
    eval(&mut p, "return tostring(math.random())", &[]);
    p.run("SCRIPT FLUSH");
    eval(&mut p, "return tostring(math.random())", &[]);
}

/// Sends `PING` on `con` until it answers BUSY; returns how many BUSY
/// replies that took (one).
fn until_busy(con: &mut support::RawClient) -> u64 {
    let started = std::time::Instant::now();
    while !con.call(&[b"PING"]).starts_with(b"-BUSY") {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "never BUSY"
        );
    }
    1
}

/// INFO errorstats and commandstats as lines to compare: the PINGs that
/// waited for the script (`pings` of them got BUSY) taken out, and the
/// times, which differ.
fn stats_lines(con: &mut support::RawClient, pings: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for section in ["errorstats", "commandstats"] {
        let reply = con.call(&[b"INFO", section.as_bytes()]);
        let text = String::from_utf8_lossy(&reply).into_owned();
        for line in text.split("\r\n").filter(|l| l.contains(':')) {
            if line.starts_with("cmdstat_ping:") || line.starts_with("cmdstat_info:") {
                continue;
            }
            let line = match line.strip_prefix("errorstat_BUSY:count=") {
                Some(n) => format!("errorstat_BUSY:count={}", n.parse::<u64>().unwrap() - pings),
                None => line
                    .split(',')
                    .filter(|f| !f.contains("usec"))
                    .collect::<Vec<_>>()
                    .join(","),
            };
            lines.push(line);
        }
    }
    // Redis lists commands in its table's hash order.
    lines.sort();
    lines
}

/// While a script is busy, Redis runs the commands flagged `allow_busy`
/// (MULTI, DISCARD, WATCH, UNWATCH, AUTH, RESET…) at once and refuses the
/// rest with BUSY; a transaction that met a BUSY ends in EXECABORT.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn a_busy_script_leaves_allow_busy_commands_answered_and_refuses_the_rest() {
    let mut p = parity!();
    p.run("CONFIG SET lua-time-limit 50");
    p.run("CONFIG RESETSTAT");
    let mut runner = p.new_pair();
    let script = RawClientExt::eval_spin();
    runner.sim.send_raw(&script);
    runner.real.send_raw(&script);
    let sim_pings = until_busy(&mut p.pair.sim);
    let real_pings = until_busy(&mut p.pair.real);
    p.run_all(&[
        "PING",
        "INFO",
        "FUNCTION STATS",
        "SHUTDOWN",
        "WATCH w",
        "UNWATCH",
        "AUTH nobody-has-this-password",
        "MULTI",
        "SET k v",
        "GET k",
        "NOSUCHCOMMAND x",
        "DISCARD",
        "MULTI",
        "INCR n",
        "RESET",
        "MULTI",
        "INCR n",
        "SHUTDOWN",
        // Allowed while busy, but inside MULTI it is queued like any other.
        "SCRIPT KILL",
    ]);
    p.new_pair().run("SCRIPT KILL");
    let (sim, real) = (runner.sim.read_reply(), runner.real.read_reply());
    assert_eq!(sim, real, "the killed script's reply");
    p.run_all(&["EXEC", "GET n", "PING"]);
    // Refusals and answers given during the busy script are counted as
    // Redis counts them.
    assert_eq!(
        stats_lines(&mut p.pair.sim, sim_pings),
        stats_lines(&mut p.pair.real, real_pings)
    );
}

struct RawClientExt;

impl RawClientExt {
    /// `EVAL "while true do end" 0`, encoded.
    fn eval_spin() -> Vec<u8> {
        support::RawClient::encode(&[b"EVAL", b"while true do end", b"0"])
    }
}

/// A script that catches the kill with `pcall` is killed anyway, with the
/// reply Redis gives (the kill raises again on the next line).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn a_script_that_catches_the_kill_in_pcall_gets_redis_s_reply() {
    let mut p = parity!();
    p.run("CONFIG SET lua-time-limit 50");
    let mut runner = p.new_pair();
    let script = support::RawClient::encode(&[
        b"EVAL",
        b"local f = function() while 1 do redis.call('ping') end end\nwhile 1 do pcall(f) end",
        b"0",
    ]);
    runner.sim.send_raw(&script);
    runner.real.send_raw(&script);
    until_busy(&mut p.pair.sim);
    until_busy(&mut p.pair.real);
    p.run("SCRIPT KILL");
    let (sim, real) = (runner.sim.read_reply(), runner.real.read_reply());
    assert_eq!(sim, real, "the killed script's reply");
    p.run_all(&["PING", "SCRIPT KILL"]);
}

/// Replies and errors that carry bytes a script made, or a client sent,
/// carry them as they are (Lua's `\128` is the byte 0x80).
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn script_replies_and_errors_keep_their_bytes() {
    let mut p = parity!();
    for body in [
        "return redis.error_reply('\\128bad')",
        "return redis.error_reply('ERR \\255\\254')",
        "return {err='-X \\128'}",
        "return {err='\\0hidden'}",
        "return redis.status_reply('\\255ok')",
        "return {ok='a\\128b'}",
        "return redis.pcall('object', '\\128')",
        "return redis.call('object', '\\128')",
        "return redis.pcall('config', 'get')",
        "redis.call('set', 'k', 'v') return redis.pcall('expire', 'k', '10', '\\128')",
        "return redis.call('expire', 'k', '10', '\\128')",
        "local ok, e = pcall(redis.call, 'expire', 'k', '10', '\\200') return e",
        "error('\\128boom')",
        "error({err='\\128table'})",
        "return {1, {err='\\200'}, 'x\\200'}",
    ] {
        eval(&mut p, body, &[]);
    }
    p.pair.resp3();
    for body in [
        "redis.setresp(3) return redis.call('object', '\\128')",
        "return redis.status_reply('\\255ok')",
    ] {
        eval(&mut p, body, &[]);
    }
}

/// The sandbox's read-only tables refuse changes with Redis's text, by
/// any way in: assignment, `rawset`, `setmetatable`, the metatable itself.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn readonly_tables_refuse_every_change_with_redis_s_text() {
    let mut p = parity!();
    for body in [
        "setmetatable(_G, {})",
        "local mt = getmetatable(_G) mt.x = 1",
        "local mt = getmetatable(_G) mt.__index = nil",
        "return getmetatable(_G) == nil",
        "return type(getmetatable(_G))",
        "return type(getmetatable(redis))",
        "return type(getmetatable(string))",
        "local mt = getmetatable('') return type(mt.__index)",
        "local mt = getmetatable('') mt.__index.x = 1",
        "return ('abc'):upper()",
        "rawset(_G, 'x', 1)",
        "_G.x = 1",
        "x = 1",
        "redis.call = nil",
        "setmetatable(redis, {})",
        "local mt = getmetatable(redis) mt.x = 1",
        "string.x = 1",
        "setmetatable(string, {})",
        "table.insert = nil",
        "local t = {} setmetatable(t, {}) return 1",
        "return getmetatable('') ~= nil",
        "local mt = getmetatable('') mt.x = 1",
        "cjson.x = 1",
        "bit.x = 1",
        "math.x = 1",
    ] {
        eval(&mut p, body, &[]);
    }
}

/// A script that declares flags in a shebang but not `no-writes` may
/// write, so the read-only EVALs refuse it, as FCALL_RO refuses such a
/// function; without a shebang, only its writes are refused.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn read_only_evals_refuse_shebang_scripts_that_may_write() {
    let mut p = parity!();
    for cmd in ["EVAL_RO", "EVAL"] {
        for body in [
            "#!lua\nreturn 1",
            "#!lua flags=allow-oom\nreturn 1",
            "#!lua flags=no-writes\nreturn 1",
            "#!lua flags=no-writes\nreturn redis.call('set', 'k', 'v')",
            "return 1",
            "return redis.call('set', 'k', 'v')",
        ] {
            p.run_args(&[cmd.as_bytes(), body.as_bytes(), b"0"]);
        }
    }
    let sha = "SCRIPT LOAD \"#!lua\nreturn 1\"";
    let (sim, real) = p.both(sha);
    assert_eq!(sim, real);
    let sha = String::from_utf8_lossy(&sim[5..45]).into_owned();
    p.run(&format!("EVALSHA_RO {sha} 0"));
    p.run(&format!("EVALSHA {sha} 0"));
}
