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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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
    // Case-insensitive lookup is ASCII only: the Kelvin sign is not a 'k'.
    load(
        &mut p,
        false,
        "#!lua name=kl\nredis.register_function('kelvin', function() return 1 end)",
    );
    p.run_args(&[b"FCALL", "\u{212A}ELVIN".as_bytes(), b"0"]);
    p.run("FCALL KELVIN 0");
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
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

/// A FUNCTION RESTORE payload: `body`, then the RDB version and the CRC-64
/// of both, as Redis 7.0 writes them.
fn payload(body: &[u8], version: u16) -> Vec<u8> {
    let mut p = body.to_vec();
    p.extend_from_slice(&version.to_le_bytes());
    let crc = crc::Crc::<u64>::new(&crc::CRC_64_REDIS).checksum(&p);
    p.extend_from_slice(&crc.to_le_bytes());
    p
}

/// One library's entry: the function opcode and the code as an RDB string.
fn entry(code: &str) -> Vec<u8> {
    let mut e = vec![245u8];
    let n = code.len();
    assert!(n < 1 << 14);
    if n < 64 {
        e.push(n as u8);
    } else {
        e.push(0x40 | (n >> 8) as u8);
        e.push(n as u8);
    }
    e.extend_from_slice(code.as_bytes());
    e
}

fn lib(name: &str, function: &str) -> String {
    format!(
        "#!lua name={name}\nredis.register_function('{function}', function() return '{name}' end)"
    )
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn dump_and_restore() {
    let mut p = parity!();
    // Nothing loaded: the footer alone.
    p.run("FUNCTION DUMP");
    load(&mut p, false, &lib("a", "f"));
    // Code LZF cannot shrink is dumped byte for byte as Redis dumps it.
    let dumped = p.run("FUNCTION DUMP");
    let restore = |p: &mut support::Parity, payload: &[u8], policy: Option<&str>| {
        let mut args: Vec<&[u8]> = vec![b"FUNCTION", b"RESTORE", payload];
        if let Some(policy) = policy {
            args.push(policy.as_bytes());
        }
        p.run_args(&args)
    };
    let with = |codes: &[String]| -> Vec<u8> {
        let body: Vec<u8> = codes.iter().flat_map(|c| entry(c)).collect();
        payload(&body, 10)
    };
    restore(&mut p, &with(&[lib("a", "g")]), None);
    restore(&mut p, &with(&[lib("a", "g")]), Some("APPEND"));
    restore(&mut p, &with(&[lib("z", "f")]), None);
    restore(&mut p, &with(&[lib("z", "f")]), Some("REPLACE"));
    restore(&mut p, &with(&[lib("a", "g")]), Some("replace"));
    p.run_all(&["FCALL g 0", "FCALL f 0"]);
    restore(&mut p, &with(&[lib("b", "h"), lib("c", "i")]), None);
    p.run_sorted("FUNCTION LIST");
    restore(&mut p, &with(&[lib("q", "q1"), lib("q", "q2")]), None);
    restore(&mut p, &with(&[lib("q", "qq"), lib("r", "qq")]), None);
    restore(&mut p, &with(&[lib("d", "h")]), None);
    restore(&mut p, &with(&["return 1".into()]), None);
    restore(&mut p, &with(&[lib("e", "j")]), Some("BAD"));
    p.run_args(&[b"FUNCTION", b"RESTORE", &with(&[]), b"APPEND", b"x"]);
    restore(&mut p, &with(&[]), None);
    restore(&mut p, &payload(&entry(&lib("v", "v9")), 9), None);
    restore(&mut p, &payload(&entry(&lib("v", "v11")), 11), None);
    let mut corrupt = with(&[lib("w", "w1")]);
    corrupt[5] ^= 1;
    restore(&mut p, &corrupt, None);
    restore(&mut p, b"\x0a\x00", None);
    restore(&mut p, &payload(b"\x00\x01x", 10), None);
    restore(&mut p, &payload(b"\xf6\x01x", 10), None);
    restore(&mut p, &payload(b"\xf5\x40", 10), None);
    restore(&mut p, &payload(b"\xf5\xc0\x05", 10), None);
    // The release candidates' format: name, engine, no description, code.
    let mut pre_ga = vec![246u8, 3];
    pre_ga.extend_from_slice(b"old\x03LUA\x00");
    let code = "redis.register_function('old_fn', function() return 'rc' end)";
    pre_ga.push(code.len() as u8);
    pre_ga.extend_from_slice(code.as_bytes());
    restore(&mut p, &payload(&pre_ga, 10), None);
    p.run_all(&["FCALL old_fn 0", "FUNCTION LIST LIBRARYNAME old WITHCODE"]);
    // FLUSH replaces everything, here with the first dump.
    let first = dumped
        .split(|&b| b == b'\n')
        .skip(1)
        .collect::<Vec<_>>()
        .join(&b'\n');
    restore(&mut p, &first[..first.len() - 2], Some("FLUSH"));
    p.run_sorted("FUNCTION LIST");
}

/// Payloads cross over: Redis restores redsim's dump, and redsim restores
/// Redis's; both compress long code with LZF, to the same bytes.
#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn payloads_move_between_redsim_and_redis() {
    let mut p = parity!();
    let long = format!(
        "#!lua name=long\n{}redis.register_function('long_fn', function() return 'long' end)",
        "-- a comment that repeats, so that LZF has something to shrink\n".repeat(40)
    );
    let short = lib("short", "short_fn");
    let (sim, real) = p.pair.both_args(&[b"FUNCTION", b"LOAD", long.as_bytes()]);
    assert_eq!(sim, real);
    // One library: the same bytes, LZF-compressed as Redis compresses.
    p.run_args(&[b"FUNCTION", b"DUMP"]);
    p.run_args(&[b"FUNCTION", b"LOAD", short.as_bytes()]);
    let body = |reply: Vec<u8>| -> Vec<u8> {
        let start = reply.iter().position(|&b| b == b'\n').unwrap() + 1;
        reply[start..reply.len() - 2].to_vec()
    };
    let (sim_dump, real_dump) = p.pair.both_args(&[b"FUNCTION", b"DUMP"]);
    let (sim_dump, real_dump) = (body(sim_dump), body(real_dump));
    // Two libraries come in each server's own order.
    assert_eq!(real_dump.len(), sim_dump.len());
    // Each restores the other's dump after a flush.
    p.run_all(&["FUNCTION FLUSH"]);
    let sim_reply = p.pair.sim.call(&[b"FUNCTION", b"RESTORE", &real_dump]);
    let real_reply = p.pair.real.call(&[b"FUNCTION", b"RESTORE", &sim_dump]);
    assert_eq!(sim_reply, b"+OK\r\n");
    assert_eq!(real_reply, b"+OK\r\n");
    p.run_all(&[
        "FCALL long_fn 0",
        "FCALL short_fn 0",
        "FUNCTION LIST LIBRARYNAME long WITHCODE",
        "FUNCTION LIST LIBRARYNAME short WITHCODE",
    ]);
}
