//! Scripting behaviour only a black-box test can show: `redis::Script`
//! over both transports, BUSY and SCRIPT KILL, and time frozen during a
//! script.

use std::time::Duration;

use redis::{ErrorKind, ServerErrorKind};
use redsim::{ManualClock, Server};
use support::{assert_nothing_runs, killed, quick_busy_server, run_until_busy};

const RELEASE: &str = r"
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
else
    return 0
end";

async fn release_twice(mut con: impl redis::aio::ConnectionLike + Send, flush: impl Fn()) {
    let script = redis::Script::new(RELEASE);
    redis::cmd("SET")
        .arg("lock")
        .arg("me")
        .exec_async(&mut con)
        .await
        .unwrap();
    let n: i64 = script
        .key("lock")
        .arg("me")
        .invoke_async(&mut con)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // After SCRIPT FLUSH, EVALSHA gets NOSCRIPT and redis-rs loads the
    // script and retries: the call still succeeds.
    flush();
    redis::cmd("SET")
        .arg("lock")
        .arg("me")
        .exec_async(&mut con)
        .await
        .unwrap();
    let n: i64 = script
        .key("lock")
        .arg("me")
        .invoke_async(&mut con)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let n: i64 = script
        .key("lock")
        .arg("me")
        .invoke_async(&mut con)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn redis_script_survives_script_flush_over_both_transports() {
    let server = Server::start().unwrap();
    let flush = || {
        let mut admin = server.connection();
        redis::cmd("SCRIPT").arg("FLUSH").exec(&mut admin).unwrap();
    };
    release_twice(server.connection(), flush).await;
    let tcp = server
        .client()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    release_twice(tcp, flush).await;
}

#[test]
fn evalsha_after_flush_is_noscript_with_its_kind() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let sha: String = redis::cmd("SCRIPT")
        .arg("LOAD")
        .arg("return 1")
        .query(&mut con)
        .unwrap();
    redis::cmd("SCRIPT").arg("FLUSH").exec(&mut con).unwrap();
    let err = redis::cmd("EVALSHA")
        .arg(&sha)
        .arg(0)
        .query::<i64>(&mut con)
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server(ServerErrorKind::NoScript));
}

#[test]
fn a_long_script_makes_others_busy_and_script_kill_stops_it() {
    let server = quick_busy_server();
    let mut eval = redis::cmd("EVAL");
    eval.arg("while true do end").arg(0);
    let (mut other, _, script) = run_until_busy(&server, eval);
    let err = redis::cmd("GET")
        .arg("k")
        .query::<Option<String>>(&mut other)
        .unwrap_err();
    assert_eq!(err.code(), Some("BUSY"));
    let ok: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert_eq!(ok, "OK");
    killed(script);
    // The server goes on.
    let pong: String = redis::cmd("PING").query(&mut other).unwrap();
    assert_eq!(pong, "PONG");
    assert_nothing_runs(&mut other, ["SCRIPT", "KILL"]);
}

/// A kill is unstoppable: a script that catches the kill error with
/// `pcall` and goes on meets it again on its next line, as in Redis.
#[test]
fn a_script_that_catches_the_kill_in_pcall_is_killed_anyway() {
    let server = quick_busy_server();
    let mut eval = redis::cmd("EVAL");
    eval.arg(
        "local f = function() while 1 do redis.call('ping') end end \
         while 1 do pcall(f) end",
    )
    .arg(0);
    let (mut other, _, script) = run_until_busy(&server, eval);
    let ok: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert_eq!(ok, "OK");
    killed(script);
    let pong: String = redis::cmd("PING").query(&mut other).unwrap();
    assert_eq!(pong, "PONG");
    assert_nothing_runs(&mut other, ["SCRIPT", "KILL"]);
    // The next script runs whole: the kill does not outlive the one killed.
    let n: i64 = redis::cmd("EVAL")
        .arg("local n = 0 for i = 1, 300000 do n = n + 1 end return n")
        .arg(0)
        .query(&mut other)
        .unwrap();
    assert_eq!(n, 300_000);
}

/// The commands Redis runs during a busy script are answered at once over
/// the in-process connection too, and change the client as they would:
/// MULTI opens a transaction, HELLO names the client; what a BUSY refused
/// dooms the transaction.
#[test]
fn allow_busy_commands_run_during_a_busy_script_in_process() {
    let server = quick_busy_server();
    let mut eval = redis::cmd("EVAL");
    eval.arg("while true do end").arg(0);
    let (mut other, _, script) = run_until_busy(&server, eval);
    let mut con = server.connection();
    let hello: redis::Value = redis::cmd("HELLO")
        .arg(2)
        .arg("SETNAME")
        .arg("during-busy")
        .query(&mut con)
        .unwrap();
    assert!(format!("{hello:?}").contains("7.0.15"), "{hello:?}");
    let ok: String = redis::cmd("MULTI").query(&mut con).unwrap();
    assert_eq!(ok, "OK");
    let err = redis::cmd("SET")
        .arg("k")
        .arg("v")
        .query::<String>(&mut con)
        .unwrap_err();
    assert_eq!(err.code(), Some("BUSY"));
    let ok: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert_eq!(ok, "OK");
    killed(script);
    let err = redis::cmd("EXEC")
        .query::<redis::Value>(&mut con)
        .unwrap_err();
    assert_eq!(err.code(), Some("EXECABORT"));
    let name: String = redis::cmd("CLIENT").arg("GETNAME").query(&mut con).unwrap();
    assert_eq!(name, "during-busy");
    let missing: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(missing, None);
}

/// A command Redis would run from a script but redsim lacks says so,
/// rather than passing for a command Redis does not know.
#[test]
fn a_script_calling_a_missing_command_is_told_it_is_missing() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let err: String = redis::cmd("EVAL")
        .arg("return redis.pcall('module', 'help')['err']")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(err, "ERR redsim does not implement 'module' yet");
    let err: String = redis::cmd("EVAL")
        .arg("return redis.pcall('nosuchcommand')['err']")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(err, "ERR Unknown Redis command called from script");
}

#[test]
fn a_script_that_wrote_is_unkillable_and_shutdown_nosave_stops_the_server() {
    let server = quick_busy_server();
    let mut eval = redis::cmd("EVAL");
    eval.arg("redis.call('SET', 'w', 1) while true do end")
        .arg(0);
    let (mut other, _, script) = run_until_busy(&server, eval);
    let err = redis::cmd("SCRIPT")
        .arg("KILL")
        .query::<String>(&mut other)
        .unwrap_err();
    assert_eq!(err.code(), Some("UNKILLABLE"));
    let _ = redis::cmd("SHUTDOWN")
        .arg("NOSAVE")
        .query::<redis::Value>(&mut other);
    assert!(script.join().unwrap().is_err());
    assert!(
        server.client().get_connection().is_err(),
        "the server is down"
    );
}

#[test]
fn time_is_frozen_while_a_script_runs() {
    // Under a manual clock nothing moves mid-script; under the system
    // clock a key whose deadline passes during the script is still seen
    // by it, as in Redis (one time per script).
    let server = Server::start().unwrap();
    let mut con = server.connection();
    redis::cmd("SET")
        .arg("k")
        .arg("v")
        .arg("PX")
        .arg(30)
        .exec(&mut con)
        .unwrap();
    let body =
        "local t = os.clock() while os.clock() - t < 0.1 do end return redis.call('GET', 'k')";
    let seen: Option<String> = redis::cmd("EVAL").arg(body).arg(0).query(&mut con).unwrap();
    assert_eq!(seen.as_deref(), Some("v"));
    let after: Option<String> = redis::cmd("GET").arg("k").query(&mut con).unwrap();
    assert_eq!(after, None);
}

#[test]
fn scripts_read_the_server_clock() {
    let clock = ManualClock::starting_at(std::time::UNIX_EPOCH + Duration::from_secs(1_000_000));
    let server = Server::builder().clock(&clock).start().unwrap();
    let mut con = server.connection();
    let t: Vec<String> = redis::cmd("EVAL")
        .arg("return redis.call('TIME')")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(t, vec!["1000000".to_string(), "0".to_string()]);
}

/// Lowercase hex SHA-1, as SCRIPT LOAD returns it.
fn redsim_sha1(body: &str) -> String {
    redis::Script::new(body).get_hash().to_owned()
}

/// Runs `script` with no keys and returns its error text.
fn script_error(con: &mut redis::Connection, script: &str) -> String {
    let err = redis::cmd("EVAL")
        .arg(script)
        .arg(0)
        .query::<redis::Value>(con)
        .unwrap_err();
    assert_eq!(err.code(), Some("ERR"), "{err}");
    err.detail().unwrap_or_default().to_owned()
}

#[test]
fn memory_bombs_fail_the_script_not_the_server() {
    let server = Server::builder()
        .lua_memory_limit(16 << 20)
        .start()
        .unwrap();
    let mut con = server.client().get_connection().unwrap();
    redis::cmd("SET")
        .arg("kept")
        .arg("v")
        .exec(&mut con)
        .unwrap();
    let items: Vec<String> = (0..200).map(|i| format!("item-{i}")).collect();
    redis::cmd("RPUSH")
        .arg("list")
        .arg(&items)
        .exec(&mut con)
        .unwrap();
    // A reply too big for the heap on its own.
    let big: Vec<String> = (0..200_000).map(|i| format!("{i:0>100}")).collect();
    redis::cmd("RPUSH")
        .arg("big")
        .arg(&big)
        .exec(&mut con)
        .unwrap();
    let script = "return #redis.call('lrange', 'big', 0, -1)";
    assert_eq!(
        script_error(&mut con, script),
        format!(
            "Error running script f_{}, not enough memory",
            redsim_sha1(script)
        )
    );
    let bombs = [
        // Replies kept by the script: each is made outside the limit, and
        // the heap is checked after it.
        "local t = {} for i = 1, 1e9 do t[i] = redis.call('lrange', 'list', 0, -1) end",
        // One huge string.
        "return #string.rep('x', 1024 * 1024 * 1024)",
        // Doubling until it no longer fits.
        "local s = 'x' while true do s = s .. s end",
        // A table that never stops growing.
        "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('y', 100) .. i end",
        // Many strings held from a coroutine's stack.
        "local t = {} for i = 1, 1e9 do t[#t + 1] = tostring(i) .. string.rep('z', 64) end",
    ];
    for bomb in bombs {
        let err = script_error(&mut con, bomb);
        let sha = redsim_sha1(bomb);
        assert_eq!(
            err,
            format!("Error running script f_{sha}, not enough memory"),
            "{bomb}"
        );
        // The connection, the data and the scripting engine still work, and
        // the heap is back near where it started.
        let n: i64 = redis::cmd("EVAL")
            .arg("return #redis.call('get', KEYS[1])")
            .arg(1)
            .arg("kept")
            .query(&mut con)
            .unwrap();
        assert_eq!(n, 1);
        let info: String = redis::cmd("INFO").arg("memory").query(&mut con).unwrap();
        let lua: usize = support::info_field(&info, "used_memory_lua");
        assert!(lua < 4 << 20, "{bomb}: Lua still holds {lua} bytes");
    }
}

#[test]
fn sandbox_escapes_are_refused() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    for (script, expected) in [
        (
            "return os.execute('true')",
            "attempt to call field 'execute'",
        ),
        (
            "return io.open('/etc/passwd')",
            "nonexistent global variable 'io'",
        ),
        (
            "return require('os')",
            "nonexistent global variable 'require'",
        ),
        (
            "return dofile('/etc/passwd')",
            "nonexistent global variable 'dofile'",
        ),
        (
            "return loadfile('/etc/passwd')",
            "nonexistent global variable 'loadfile'",
        ),
        (
            "return package.loadlib('libc.so.6', 'system')",
            "nonexistent global variable 'package'",
        ),
        (
            "return debug.getinfo(1)",
            "nonexistent global variable 'debug'",
        ),
        ("x = 1", "Attempt to modify a readonly table"),
        ("redis.call = nil", "Attempt to modify a readonly table"),
        ("string.rep = nil", "Attempt to modify a readonly table"),
    ] {
        let err = redis::cmd("EVAL")
            .arg(script)
            .arg(0)
            .query::<redis::Value>(&mut con)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{script}: {err}");
    }
    // Bytecode never loads: loadstring returns nil and a message.
    let dumped: Vec<redis::Value> = redis::cmd("EVAL")
        .arg("return {loadstring(string.dump(function() return 1 end))}")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert!(
        matches!(dumped.first(), None | Some(redis::Value::Nil)),
        "{dumped:?}"
    );
    // Unbounded recursion is a script error, not a crash.
    let err = redis::cmd("EVAL")
        .arg("local function f(n) return f(n + 1) + 1 end return f(1)")
        .arg(0)
        .query::<redis::Value>(&mut con)
        .unwrap_err()
        .to_string();
    assert!(err.contains("stack overflow"), "{err}");
    assert_eq!(
        redis::cmd("PING").query::<String>(&mut con).unwrap(),
        "PONG"
    );
}
