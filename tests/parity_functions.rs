//! Parity with real Redis 7.0: FUNCTION LOAD / LIST / DELETE / FLUSH /
//! STATS / KILL and FCALL / FCALL_RO — the library header, the load-time
//! environment, registration errors, calls, flags and replies.

use support::parity;

/// `FUNCTION LOAD [REPLACE] <code>` on both servers, compared.
#[track_caller]
fn load(p: &mut support::Parity, replace: bool, code: &str) -> Vec<u8> {
    let mut args: Vec<&[u8]> = vec![b"FUNCTION", b"LOAD"];
    if replace {
        args.push(b"REPLACE");
    }
    args.push(code.as_bytes());
    p.run_args(&args)
}

const LIB: &str = "#!lua name=mylib
local function helper(x) return x end
redis.register_function('echo', function(keys, args) return helper(args[1]) end)
redis.register_function{function_name='getter', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function('setter', function(keys, args) return redis.call('set', keys[1], args[1]) end)
redis.register_function('boom', function(keys, args) return error('boom') end)
redis.register_function('unknown', function(keys, args) return redis.call('nosuch') end)
redis.register_function('errreply', function(keys, args) return redis.error_reply('MY err') end)
redis.register_function('globals', function(keys, args) return KEYS end)
redis.register_function('shape', function(keys, args) return {keys[1], args[1], #keys, #args, 2.5, false, {ok='fine'}} end)
redis.register_function{function_name='rw', callback=function(keys, args) return redis.call('set', keys[1], 'v') end, flags={'allow-stale', 'no-writes'}}
";

const LISTED: &str = "#!lua name=listed
redis.register_function{function_name='described', callback=function() return 1 end, flags={'allow-stale', 'no-writes'}, description='reads a key'}
";

#[test]
fn load_call_and_list_a_library() {
    let mut p = parity!();
    load(&mut p, false, LIB);
    load(&mut p, false, LIB);
    p.run_all(&[
        "FCALL echo 0 hello",
        "FCALL ECHO 0 case-insensitive",
        "FCALL_RO echo 0 hello",
        "SET k v",
        "FCALL getter 1 k",
        "FCALL_RO getter 1 k",
        "FCALL setter 1 k2 value",
        "GET k2",
        "FCALL boom 0",
        "FCALL unknown 0",
        "FCALL errreply 0",
        "FCALL globals 0",
        "FCALL shape 2 a b c d",
        "FCALL rw 1 k",
        "FCALL nosuch 0",
        "FCALL echo -1",
        "FCALL echo 2 a",
        "FCALL echo abc",
        "FCALL nosuch abc",
        "FCALL",
        "FCALL echo",
        "EVAL \"return redis.call('fcall', 'echo', 0)\" 0",
        "FUNCTION LIST LIBRARYNAME other",
        "FUNCTION LIST LIBRARYNAME",
        "FUNCTION LIST WITHCODE WITHCODE",
        "FUNCTION LIST LIBRARYNAME a LIBRARYNAME b",
        "FUNCTION LIST foo",
        "FUNCTION STATS",
        "FUNCTION STATS extra",
        "FUNCTION KILL",
    ]);
    // Redis lists libraries, and a library's functions, in hash order: the
    // listings compared here have one function per library, and several
    // libraries are compared sorted.
    load(&mut p, false, LISTED);
    p.run_all(&[
        "FUNCTION LIST LIBRARYNAME listed",
        "FUNCTION LIST LIBRARYNAME LIST* WITHCODE",
        "FUNCTION LIST WITHCODE LIBRARYNAME l?sted",
    ]);
    load(
        &mut p,
        false,
        "#!lua name=second\nredis.register_function('second_fn', function() return 2 end)",
    );
    p.run_sorted("FUNCTION LIST LIBRARYNAME *e*");
    p.pair.resp3();
    p.run_all(&[
        "FUNCTION LIST LIBRARYNAME listed",
        "FUNCTION STATS",
        "FCALL shape 1 a b",
        "FCALL getter 1 missing",
    ]);
}

#[test]
fn replace_delete_and_flush() {
    let mut p = parity!();
    load(&mut p, false, LIB);
    load(
        &mut p,
        true,
        "#!lua name=mylib\nredis.register_function('echo', function() return 'replaced' end)",
    );
    p.run_all(&[
        "FCALL echo 0",
        "FCALL getter 1 k",
        "FUNCTION LIST",
        "FUNCTION DELETE nolib",
        "FUNCTION DELETE mylib",
        "FUNCTION DELETE mylib",
        "FCALL echo 0",
        "FUNCTION STATS",
    ]);
    load(&mut p, false, LIB);
    p.run_all(&[
        "FUNCTION FLUSH bad",
        "FUNCTION FLUSH a b",
        "FUNCTION FLUSH ASYNC",
        "FUNCTION LIST",
        "FCALL echo 0 x",
    ]);
    load(&mut p, false, LIB);
    p.run_all(&["FUNCTION FLUSH SYNC", "FUNCTION FLUSH", "FUNCTION STATS"]);
    // Functions survive SCRIPT FLUSH and FLUSHALL, as in Redis.
    load(&mut p, false, LIB);
    p.run_all(&["SCRIPT FLUSH", "FLUSHALL", "FCALL echo 0 still"]);
    // A function defined by another library.
    load(
        &mut p,
        false,
        "#!lua name=other\nredis.register_function('echo', function() return 1 end)",
    );
    load(
        &mut p,
        false,
        "#!lua name=other\nredis.register_function('ECHO', function() return 1 end)",
    );
    // REPLACE that fails keeps the old library.
    load(
        &mut p,
        true,
        "#!lua name=mylib\nredis.register_function('x', function() return 1 end)\nerror('no')",
    );
    p.run_all(&[
        "FCALL echo 0 kept",
        "FUNCTION LOAD foo bar",
        "FUNCTION LOAD",
    ]);
    p.run_args(&[b"FUNCTION", b"LOAD", b"REPLACE", b"a", b"b"]);
}

#[test]
fn library_header_errors() {
    let mut p = parity!();
    for code in [
        "return 1",
        "",
        "#!lua",
        "#!lua name=x foo=bar",
        "#!lu name=x\nredis.register_function('zz', function() end)",
        "#!lua foo=bar\nredis.register_function('zz', function() end)",
        "#!lua\nredis.register_function('zz', function() end)",
        "#!\nx",
        "#!lua name=a name=b\nredis.register_function('zz', function() end)",
        "#!lua name=bad-name\nredis.register_function('zz', function() end)",
        "#!lu name=bad-name\nx",
        "#!lua name=\nredis.register_function('zz', function() end)",
        "#!lua name=nm2 foo\nx",
        "#!lua name=syntax\nx x",
        "#!LUA  name=upper\nredis.register_function('up', function() return 1 end)",
    ] {
        load(&mut p, false, code);
    }
    p.run("FCALL up 0");
}

#[test]
fn load_time_environment_and_registration_errors() {
    let mut p = parity!();
    let body = |n: usize, code: &str| format!("#!lua name=t{n}\n{code}");
    let cases = [
        "local x = 1",
        "redis.call('set','x','y')",
        "error('boom')",
        "local s = string.format('%d', 1)",
        "local x = redis.setresp",
        "local x = redis.sha1hex",
        "redis.register_function()",
        "redis.register_function('a')",
        "redis.register_function({}, function() end)",
        "redis.register_function('a', 1)",
        "redis.register_function('a', function() end, 3)",
        "redis.register_function{function_name='a'}",
        "redis.register_function{callback=function() end}",
        "redis.register_function{function_name='a', callback=1}",
        "redis.register_function{function_name='a', callback=function() end, foo=1}",
        "redis.register_function{function_name='a', callback=function() end, [1]=2}",
        "redis.register_function{function_name='a', callback=function() end, flags='x'}",
        "redis.register_function{function_name='a', callback=function() end, flags={'bad'}}",
        "redis.register_function{function_name='a', callback=function() end, flags={1}}",
        "redis.register_function('a', function() end) redis.register_function('a', function() end)",
        "redis.register_function('', function() end)",
        "redis.register_function('bad name', function() end)",
        "redis.register_function(7, function() return 'numbered' end)",
        "redis.log(redis.LOG_NOTICE, 'loading') redis.register_function('logged', function() return redis.REDIS_VERSION end)",
        "redis.register_function{function_name='described', callback=function() end, description=5}",
        "redis.register_function('late', function() return redis.register_function('z', function() end) end)",
        "redis.register_function('f1', function() end)\nlocal t = {} t.x = 1",
        "redis.register_function{function_name='allflags', callback=function() return 1 end, flags={'allow-cross-slot-keys','no-cluster','allow-stale','allow-oom','no-writes'}}",
        "while true do end",
    ];
    for (n, code) in cases.iter().enumerate() {
        load(&mut p, false, &body(n, code));
    }
    p.run_all(&["FCALL 7 0", "FCALL late 0", "FUNCTION LIST LIBRARYNAME t27"]);
    p.run_sorted("FUNCTION LIST LIBRARYNAME t2*");
}
