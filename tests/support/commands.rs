//! Small helpers for tests that talk to a server: a manual-clock server,
//! a command from words, one INFO field, a panic's message.

use std::time::Duration;

/// A server on a manual clock that starts on a whole second
/// (1 700 000 000 s after the epoch), and the clock.
pub fn manual_server() -> (redsim::ManualClock, redsim::Server) {
    let clock = redsim::ManualClock::starting_at(
        std::time::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    let server = redsim::Server::builder()
        .clock(&clock)
        .start()
        .expect("start");
    (clock, server)
}

/// The message of the panic `f` raises (it must raise one).
pub fn panic_message(f: impl FnOnce()) -> String {
    let payload =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("expected a panic");
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default(),
    }
}

/// Runs a command given as words and returns the raw reply; panics with
/// the words if it fails.
pub fn run_words(con: &mut impl redis::ConnectionLike, words: &[&str]) -> redis::Value {
    let mut cmd = redis::cmd(words[0]);
    for w in &words[1..] {
        cmd.arg(*w);
    }
    cmd.query(con)
        .unwrap_or_else(|e| panic!("{words:?} failed: {e}"))
}

/// One field of an INFO section, asked of `con`.
pub fn info_of(con: &mut impl redis::ConnectionLike, section: &str, field: &str) -> Option<String> {
    let info: String = redis::cmd("INFO").arg(section).query(con).unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .map(|v| v.trim().to_string())
}

/// `n` seconds (tests of TTLs read better with it).
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
