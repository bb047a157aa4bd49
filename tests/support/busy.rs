//! Helpers for tests of long scripts and functions: a server that calls
//! them busy after 50 ms, running one until other clients see BUSY, and
//! checking how it ended.

use std::time::{Duration, Instant};

/// Polls `PING` on `con` until it answers BUSY (a script or function has
/// run past `lua-time-limit`) and returns that error's text.
///
/// # Panics
/// When no BUSY comes within 20 seconds.
pub fn wait_busy(con: &mut redis::Connection) -> String {
    let started = Instant::now();
    loop {
        match redis::cmd("PING").query::<String>(con) {
            Err(e) if e.code() == Some("BUSY") => return e.to_string(),
            _ => {}
        }
        assert!(started.elapsed() < Duration::from_secs(20), "never BUSY");
        std::thread::yield_now();
    }
}

/// A server whose scripts and functions count as busy after 50 ms
/// (`lua-time-limit`, real time as in Redis).
pub fn quick_busy_server() -> redsim::Server {
    redsim::Server::builder()
        .config("lua-time-limit", "50")
        .start()
        .expect("start a server")
}

/// Sends `cmd` (a script or function that runs long) on a connection of
/// its own in a thread, and waits until another connection sees BUSY.
/// Returns that other connection, the BUSY text and the thread, whose
/// result is `cmd`'s reply.
pub fn run_until_busy(
    server: &redsim::Server,
    cmd: redis::Cmd,
) -> (
    redis::Connection,
    String,
    std::thread::JoinHandle<redis::RedisResult<redis::Value>>,
) {
    let client = server.client();
    let mut runner = client.get_connection().expect("connect");
    let running = std::thread::spawn(move || cmd.query::<redis::Value>(&mut runner));
    let mut other = client.get_connection().expect("connect");
    let busy = wait_busy(&mut other);
    (other, busy, running)
}

/// Waits for the thread of [`run_until_busy`] and checks that its command
/// was killed; returns the error text (which names the script or function
/// and line).
///
/// # Panics
/// When the command is still running 20 seconds on: the kill did not
/// stop it.
pub fn killed(running: std::thread::JoinHandle<redis::RedisResult<redis::Value>>) -> String {
    let started = Instant::now();
    while !running.is_finished() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the killed script or function is still running"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let err = running.join().expect("the thread").unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("Script killed by user with SCRIPT KILL..."),
        "{text}"
    );
    text
}

/// Checks that `kill` (`["SCRIPT", "KILL"]` or `["FUNCTION", "KILL"]`) now
/// answers NOTBUSY: nothing runs any more.
pub fn assert_nothing_runs(con: &mut redis::Connection, kill: [&str; 2]) {
    let err = redis::cmd(kill[0])
        .arg(kill[1])
        .query::<String>(con)
        .unwrap_err();
    assert_eq!(err.code(), Some("NOTBUSY"));
}
