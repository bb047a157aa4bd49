//! Internals exposed for the benchmarks in `benches/` and the fuzz targets
//! in `fuzz/` (and their regression test): not a stable API.

use bytes::BytesMut;

pub use crate::protocol::{Limits, Out, RequestDecoder, Resp};

/// The request decoder on arbitrary bytes, as a connection would run it:
/// requests are decoded until the bytes run out or a protocol error (after
/// which a connection closes). Returns how many requests were decoded.
/// Must never panic, and never loop without consuming input.
pub fn fuzz_decode(data: &[u8]) -> usize {
    let limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        auth_required: data.first().is_some_and(|b| b & 1 == 1),
    };
    let mut decoder = RequestDecoder::new();
    let mut n = 0;
    // Fed in two parts, as bytes arrive in several reads.
    let split = data.len() / 2;
    let mut buf = BytesMut::from(&data[..split]);
    let mut fed_rest = false;
    loop {
        let before = buf.len();
        match decoder.decode(&mut buf, &limits) {
            Ok(Some(args)) => {
                assert!(!args.is_empty(), "empty requests are skipped");
                assert!(buf.len() < before, "a request consumed no input");
                n += 1;
            }
            Ok(None) if !fed_rest => {
                buf.extend_from_slice(&data[split..]);
                fed_rest = true;
            }
            Ok(None) | Err(_) => return n,
        }
    }
}

/// Commands a fuzzer must not send: they wait for something that never
/// comes (blocking pops without a timeout, WAIT, pauses, DEBUG SLEEP,
/// scripts that may loop), or end the server or the connection.
pub fn fuzz_skips(name: &[u8]) -> bool {
    const SKIP: &[&str] = &[
        "blpop",
        "brpop",
        "blmove",
        "brpoplpush",
        "blmpop",
        "bzpopmin",
        "bzpopmax",
        "bzmpop",
        "wait",
        "debug",
        "shutdown",
        "eval",
        "evalsha",
        "eval_ro",
        "evalsha_ro",
        "fcall",
        "fcall_ro",
        "client",
        "quit",
        "reset",
        "subscribe",
        "psubscribe",
        "ssubscribe",
        "hello",
        "auth",
        "config",
    ];
    SKIP.iter().any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
}

/// Runs the requests decoded from `data` against `server` through an
/// in-process connection (skipping [`fuzz_skips`]), then checks that the
/// server still answers. Must never panic (a panic in a command would be
/// caught by the server and answered as an error; this checks the rest).
pub fn fuzz_dispatch(server: &crate::Server, data: &[u8]) {
    use redis::ConnectionLike;
    let limits = Limits {
        max_bulk_len: 1024 * 1024,
        auth_required: false,
    };
    let mut buf = BytesMut::from(data);
    let mut decoder = RequestDecoder::new();
    let mut con = server.connection();
    let mut sent = 0;
    while let Ok(Some(args)) = decoder.decode(&mut buf, &limits) {
        if fuzz_skips(&args[0]) || sent >= 64 {
            continue;
        }
        sent += 1;
        let mut cmd = redis::Cmd::new();
        for a in &args {
            cmd.arg(&a[..]);
        }
        // Errors are fine; the connection may even be closed by the
        // command (it is then replaced).
        if con.req_command(&cmd).is_err() && !con.is_open() {
            con = server.connection();
        }
    }
    assert_eq!(
        crate::cmd::exec::PANICS_CAUGHT.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "a command panicked (caught by the server; see its message above)"
    );
    let mut check = server.connection();
    let pong: String = redis::cmd("PING")
        .query(&mut check)
        .expect("the server must still answer after any input");
    assert_eq!(pong, "PONG");
}

/// The Redis 7.0 commands redsim lacks, as `(full name, arity, noscript)`
/// (checked against a real redis-server by `tests/parity_server.rs`).
pub fn absent_commands() -> &'static [(&'static str, i32, bool)] {
    crate::cmd::absent::ABSENT
}
