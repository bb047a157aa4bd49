//! FUNCTION and FCALL beyond what parity_functions.rs compares with a real
//! Redis: a busy function and the two KILLs, the in-process transport,
//! what a restart does to libraries, and the load timeout.

use std::time::{Duration, Instant};

use redsim::Server;
use support::{assert_nothing_runs, killed, quick_busy_server, run_until_busy};

const SPIN: &str = "#!lua name=spin
redis.register_function('spin', function() while true do end end)
redis.register_function('write_then_spin', function(keys) redis.call('set', keys[1], 'x') while true do end end)
";

fn load(con: &mut impl redis::ConnectionLike, code: &str) -> String {
    redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg(code)
        .query(con)
        .unwrap()
}

#[test]
fn a_busy_function_is_stopped_by_function_kill_not_script_kill() {
    let server = quick_busy_server();
    load(&mut server.connection(), SPIN);
    let mut fcall = redis::cmd("FCALL");
    fcall.arg("spin").arg(0);
    let (mut other, busy, call) = run_until_busy(&server, fcall);
    assert!(busy.contains("You can only call FUNCTION KILL"), "{busy}");
    // FUNCTION STATS describes it without waiting for it.
    let stats: redis::Value = redis::cmd("FUNCTION")
        .arg("STATS")
        .query(&mut other)
        .unwrap();
    let text = format!("{stats:?}");
    for expected in [
        "running_script",
        "spin",
        "FCALL",
        "duration_ms",
        "libraries_count",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    // SCRIPT KILL does not stop a function: it answers the function's BUSY.
    let err = redis::cmd("SCRIPT")
        .arg("KILL")
        .query::<String>(&mut other)
        .unwrap_err();
    assert!(
        err.to_string().contains("You can only call FUNCTION KILL"),
        "{err}"
    );
    let ok: String = redis::cmd("FUNCTION")
        .arg("KILL")
        .query(&mut other)
        .unwrap();
    assert_eq!(ok, "OK");
    let text = killed(call);
    assert!(
        text.contains("script: spin, on @user_function:2."),
        "{text}"
    );
    assert_nothing_runs(&mut other, ["FUNCTION", "KILL"]);
}

/// FUNCTION KILL is as unstoppable as SCRIPT KILL: a function that
/// catches the kill error with `pcall` is killed on its next line.
#[test]
fn a_function_that_catches_the_kill_in_pcall_is_killed_anyway() {
    let server = quick_busy_server();
    load(
        &mut server.connection(),
        "#!lua name=stubborn\n\
         redis.register_function('stubborn', function(keys, args)\n\
           local f = function() while 1 do redis.call('ping') end end\n\
           while 1 do pcall(f) end\n\
         end)",
    );
    let mut fcall = redis::cmd("FCALL");
    fcall.arg("stubborn").arg(0);
    let (mut other, _, call) = run_until_busy(&server, fcall);
    let ok: String = redis::cmd("FUNCTION")
        .arg("KILL")
        .query(&mut other)
        .unwrap();
    assert_eq!(ok, "OK");
    killed(call);
    assert_nothing_runs(&mut other, ["FUNCTION", "KILL"]);
}

#[test]
fn function_kill_does_not_stop_a_script_nor_a_function_that_wrote() {
    let server = quick_busy_server();
    let mut eval = redis::cmd("EVAL");
    eval.arg("while true do end").arg(0);
    let (mut other, busy, script) = run_until_busy(&server, eval);
    assert!(busy.contains("You can only call SCRIPT KILL"), "{busy}");
    let err = redis::cmd("FUNCTION")
        .arg("KILL")
        .query::<String>(&mut other)
        .unwrap_err();
    assert!(
        err.to_string().contains("You can only call SCRIPT KILL"),
        "{err}"
    );
    let _: String = redis::cmd("SCRIPT").arg("KILL").query(&mut other).unwrap();
    assert!(script.join().unwrap().is_err());

    load(&mut other, SPIN);
    let mut fcall = redis::cmd("FCALL");
    fcall.arg("write_then_spin").arg(1).arg("k");
    let (mut other, _, _call) = run_until_busy(&server, fcall);
    let err = redis::cmd("FUNCTION")
        .arg("KILL")
        .query::<String>(&mut other)
        .unwrap_err();
    assert_eq!(err.code(), Some("UNKILLABLE"));
    // Only SHUTDOWN NOSAVE ends it; the server stops.
    let _ = redis::cmd("SHUTDOWN")
        .arg("NOSAVE")
        .query::<redis::Value>(&mut other);
}

#[test]
fn functions_over_the_in_process_connection_and_across_a_restart() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let name = load(
        &mut con,
        "#!lua name=counter\nredis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)",
    );
    assert_eq!(name, "counter");
    let info: String = redis::cmd("INFO").arg("memory").query(&mut con).unwrap();
    assert_eq!(support::info_field::<u64>(&info, "number_of_functions"), 1);
    assert_eq!(support::info_field::<u64>(&info, "number_of_libraries"), 1);
    assert!(support::info_field::<u64>(&info, "used_memory_vm_functions") > 0);
    let n: i64 = redis::cmd("FCALL")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(5)
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 5);
    // Inside MULTI, as any command.
    let (a, b): (i64, i64) = redis::pipe()
        .atomic()
        .cmd("FCALL")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(1)
        .cmd("FCALL")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(1)
        .query(&mut con)
        .unwrap();
    assert_eq!((a, b), (6, 7));
    // A restart without persistence loses libraries with the data.
    server.restart();
    let mut con = server.connection();
    let err = redis::cmd("FCALL")
        .arg("bump")
        .arg(1)
        .arg("c")
        .arg(1)
        .query::<i64>(&mut con)
        .unwrap_err();
    assert_eq!(err.detail(), Some("Function not found"));
}

#[test]
fn a_library_whose_code_never_ends_is_refused_after_half_a_second() {
    let server = Server::start().unwrap();
    let mut con = server.connection();
    let started = Instant::now();
    let err = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg("#!lua name=forever\nwhile true do end")
        .query::<String>(&mut con)
        .unwrap_err();
    assert_eq!(
        err.detail(),
        Some("Error registering functions: ERR FUNCTION LOAD timeout")
    );
    assert!(started.elapsed() >= Duration::from_millis(500));
    // The engine goes on.
    let name = load(
        &mut con,
        "#!lua name=fine\nredis.register_function('f', function() return 1 end)",
    );
    assert_eq!(name, "fine");
}

#[test]
fn a_library_that_fills_the_heap_at_load_fails_and_the_next_one_loads() {
    let server = Server::builder()
        .lua_memory_limit(16 << 20)
        .start()
        .unwrap();
    let mut con = server.connection();
    let err = redis::cmd("FUNCTION")
        .arg("LOAD")
        .arg("#!lua name=bomb\nlocal t = {} for i = 1, 1e9 do t[i] = i end")
        .query::<String>(&mut con)
        .unwrap_err();
    let text = err.detail().unwrap_or_default().to_string();
    assert!(
        text.starts_with("Error registering functions:") && text.contains("not enough memory"),
        "{text}"
    );
    let name = load(
        &mut con,
        "#!lua name=after\nredis.register_function('after', function() return 1 end)",
    );
    assert_eq!(name, "after");
    let n: i64 = redis::cmd("FCALL")
        .arg("after")
        .arg(0)
        .query(&mut con)
        .unwrap();
    assert_eq!(n, 1);
}
