//! Parity with real Redis 7.0: MULTI, EXEC, DISCARD, WATCH, UNWATCH.

use support::parity;

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn exec_and_discard_outside_multi_are_errors() {
    let mut p = parity!();
    p.run_all(&[
        "EXEC", "DISCARD", "UNWATCH", "WATCH", "MULTI", "MULTI", "EXEC",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn queued_commands_run_in_order_and_runtime_errors_do_not_abort() {
    let mut p = parity!();
    p.run_all(&[
        "MULTI",
        "SET a x",
        "GET a",
        "SELECT 1",
        "SET a y",
        "SELECT 99",
        "GET a",
        "EXEC",
        "GET a",
        "SELECT 1",
        "GET a",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn queueing_errors_abort_with_execabort() {
    let mut p = parity!();
    p.run_all(&[
        "MULTI",
        "SET a 1",
        "NOSUCHCOMMAND x",
        "GET",
        "EXEC",
        "GET a",
        "MULTI",
        "CONFIG NOSUCHSUB",
        "EXEC",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn empty_transaction_and_discard() {
    let mut p = parity!();
    p.run_all(&[
        "MULTI", "EXEC", "MULTI", "SET a 1", "DISCARD", "GET a", "DISCARD",
    ]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn watch_inside_multi_is_refused_without_aborting() {
    let mut p = parity!();
    p.run_all(&["MULTI", "WATCH a", "SET a 1", "EXEC", "GET a"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn watched_key_changed_by_another_client_fails_exec() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["SET k 1", "WATCH k"]);
    other.run("SET k 2");
    p.run_all(&["MULTI", "SET k 3", "EXEC", "GET k"]);
    // After EXEC the watch is gone: the next transaction succeeds.
    p.run_all(&["MULTI", "SET k 4", "EXEC", "GET k"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn watched_key_unchanged_or_unwatched_succeeds() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["WATCH k", "UNWATCH"]);
    other.run("SET k 2");
    p.run_all(&["MULTI", "SET k 3", "EXEC"]);
    p.run_all(&["WATCH nosuch", "MULTI", "PING", "EXEC"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn flushall_touches_only_existing_watched_keys() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["SET k 1", "WATCH k"]);
    other.run("FLUSHALL");
    p.run_all(&["MULTI", "PING", "EXEC"]);
    p.run_all(&["WATCH missing"]);
    other.run("FLUSHALL");
    p.run_all(&["MULTI", "PING", "EXEC"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn watch_in_another_db_is_separate() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.run_all(&["SELECT 2", "WATCH k"]);
    other.run("SET k 1");
    p.run_all(&["MULTI", "PING", "EXEC"]);
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn transactions_in_resp3() {
    let mut p = parity!();
    let mut other = p.new_pair();
    p.pair.resp3();
    p.run_all(&["MULTI", "SET a 1", "GET a", "EXEC"]);
    p.run_all(&["WATCH a"]);
    other.run("SET a 2");
    p.run_all(&["MULTI", "GET a", "EXEC"]);
}
