//! The introspection commands: MONITOR, SLOWLOG and LATENCY, and what the
//! executor records for them after every command ([`observe`]): the
//! MONITOR line, the slow log entry, the latency sample and the
//! per-command latency histogram.
//!
//! Times are the server clock's: a MONITOR line's timestamp, a slow log
//! entry's time and the latency samples' seconds follow a manual clock as
//! everything else does. Durations are real (they measure redsim).

use std::fmt::Write as _;

use bytes::Bytes;

use super::error::{self, CmdResult};
use super::flags::*;
use super::{Caller, Client, CommandSpec, Ctx, int_arg};
use crate::state::State;
use crate::state::introspect::{HISTOGRAM_LEVELS, histogram_level, histogram_level_usec};

const SERVER: &str = "server";
const ADMIN_ACL: &str = "admin slow dangerous";

/// MONITOR, SLOWLOG, LATENCY.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("monitor", 1, monitor)
        .flags(ADMIN | NOSCRIPT | LOADING | STALE)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "1.0.0",
            "Listen for all requests received by the server in real time",
        ),
    CommandSpec::container("slowlog", SLOWLOG).acl("slow").doc(
        SERVER,
        "2.2.12",
        "A container for slow log commands",
    ),
    CommandSpec::container("latency", LATENCY).acl("slow").doc(
        SERVER,
        "2.8.13",
        "A container for latency diagnostics commands",
    ),
];

const SLOWLOG: &[CommandSpec] = &[
    CommandSpec::new("slowlog|get", -2, slowlog_get)
        .flags(ADMIN | LOADING | STALE)
        .acl(ADMIN_ACL)
        .doc(SERVER, "2.2.12", "Get the slow log's entries"),
    CommandSpec::new("slowlog|help", 2, slowlog_help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "6.2.0",
            "Show helpful text about the different subcommands",
        ),
    CommandSpec::new("slowlog|len", 2, slowlog_len)
        .flags(ADMIN | LOADING | STALE)
        .acl(ADMIN_ACL)
        .doc(SERVER, "2.2.12", "Get the slow log's length"),
    CommandSpec::new("slowlog|reset", 2, slowlog_reset)
        .flags(ADMIN | LOADING | STALE)
        .acl(ADMIN_ACL)
        .doc(SERVER, "2.2.12", "Clear all entries from the slow log"),
];

const LATENCY_FLAGS: u32 = ADMIN | NOSCRIPT | LOADING | STALE;

const LATENCY: &[CommandSpec] = &[
    CommandSpec::new("latency|doctor", 2, latency_doctor)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "2.8.13",
            "Return a human readable latency analysis report.",
        ),
    CommandSpec::new("latency|graph", 3, latency_graph)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(SERVER, "2.8.13", "Return a latency graph for the event."),
    CommandSpec::new("latency|help", 2, latency_help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "2.8.13",
            "Show helpful text about the different subcommands.",
        ),
    CommandSpec::new("latency|histogram", -2, latency_histogram)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "7.0.0",
            "Return the cumulative distribution of latencies of a subset of commands or all.",
        ),
    CommandSpec::new("latency|history", 3, latency_history)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "2.8.13",
            "Return timestamp-latency samples for the event.",
        ),
    CommandSpec::new("latency|latest", 2, latency_latest)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "2.8.13",
            "Return the latest latency samples for all events.",
        ),
    CommandSpec::new("latency|reset", -2, latency_reset)
        .flags(LATENCY_FLAGS)
        .acl(ADMIN_ACL)
        .doc(
            SERVER,
            "2.8.13",
            "Reset latency data for one or more events.",
        ),
];

/// The scripting commands that show themselves to MONITOR before they
/// run, so that their scripts' calls follow them (they are otherwise
/// `skip_monitor`).
pub fn feeds_monitor_first(spec: &CommandSpec) -> bool {
    matches!(
        spec.name,
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro"
    )
}

/// Whether a command that ran shows in MONITOR.
pub fn feeds_monitor_after(spec: &CommandSpec) -> bool {
    spec.flags & (SKIP_MONITOR | ADMIN) == 0
}

/// An argument as MONITOR quotes it (Redis's `sdscatrepr`).
fn repr(out: &mut String, arg: &[u8]) {
    out.push('"');
    for &c in arg {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'"' => out.push_str("\\\""),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x20..=0x7e => out.push(c as char),
            _ => {
                let _ = write!(out, "\\x{c:02x}");
            }
        }
    }
    out.push('"');
}

/// AUTH's, HELLO … AUTH's and MIGRATE … AUTH/AUTH2's credentials, as
/// MONITOR shows them.
fn redacted(args: &[Bytes]) -> Vec<&[u8]> {
    let mut shown: Vec<&[u8]> = args.iter().map(|a| &a[..]).collect();
    if super::is(&args[0], "auth") {
        for a in shown.iter_mut().skip(1) {
            *a = b"(redacted)";
        }
    } else if super::is(&args[0], "migrate") {
        // As MIGRATE parses its options: up to KEYS, or to a syntax error.
        let mut j = 6;
        while j < shown.len() {
            let more = shown.len() - 1 - j;
            if super::is(shown[j], "auth") && more >= 1 {
                shown[j + 1] = b"(redacted)";
                j += 2;
            } else if super::is(shown[j], "auth2") && more >= 2 {
                shown[j + 1] = b"(redacted)";
                shown[j + 2] = b"(redacted)";
                j += 3;
            } else if super::is(shown[j], "copy") || super::is(shown[j], "replace") {
                j += 1;
            } else {
                break;
            }
        }
    } else if super::is(&args[0], "hello") {
        let mut j = 2;
        while j < shown.len() {
            if super::is(shown[j], "auth") && j + 2 < shown.len() {
                shown[j + 1] = b"(redacted)";
                shown[j + 2] = b"(redacted)";
                j += 3;
            } else {
                j += 1;
            }
        }
    }
    shown
}

/// Sends the MONITOR line of a command to every monitor: `+<secs>.<usecs>
/// [<db> <peer>] "arg" …` (`lua` as the peer of a script's calls).
pub fn feed_monitors(
    state: &mut State,
    client: &Client,
    caller: Caller,
    args: &[Bytes],
    now_us: i64,
) {
    let mut line = String::with_capacity(64);
    let secs = now_us.div_euclid(1_000_000);
    let micros = now_us.rem_euclid(1_000_000);
    let _ = write!(line, "+{secs}.{micros:06} [{} ", client.db);
    if caller == Caller::Script {
        line.push_str("lua");
    } else if let Some(c) = state.clients.get(&client.id) {
        line.push_str(&c.addr);
    }
    line.push_str("] ");
    for (j, a) in redacted(args).iter().enumerate() {
        if j > 0 {
            line.push(' ');
        }
        repr(&mut line, a);
    }
    line.push_str("\r\n");
    let monitors = state.introspect.monitors.clone();
    for m in monitors {
        state.deliver_monitor(m, line.as_bytes());
    }
}

/// What the executor records after a client's command (not the test's
/// direct writes, not a blocked command run again): the slow log entry,
/// the latency sample, the histogram count.
#[allow(clippy::too_many_arguments)]
pub fn record(
    state: &mut State,
    client: &Client,
    caller: Caller,
    spec: &'static CommandSpec,
    args: &[Bytes],
    usec: u64,
    now_us: i64,
) {
    let now_secs = now_us.div_euclid(1_000_000);
    if state.introspect.is_slow(usec) && !spec.has(SKIP_SLOWLOG) {
        let (peer, name) = if caller == Caller::Script {
            ("?:0".to_string(), Vec::new())
        } else {
            state.clients.get(&client.id).map_or_else(
                || (String::new(), Vec::new()),
                |c| (c.addr.clone(), c.name.clone().unwrap_or_default()),
            )
        };
        state.introspect.log_slow(args, usec, now_secs, peer, name);
    }
    let event = if spec.has(FAST) {
        "fast-command"
    } else {
        "command"
    };
    state
        .introspect
        .latency_if_needed(event, usec / 1000, now_secs);
}

/// Adds a command's duration to its latency histogram.
#[inline]
pub fn count_latency(histogram: &mut [u64; HISTOGRAM_LEVELS], usec: u64) {
    let ns = usec.saturating_mul(1000).clamp(1, 1_000_000_000);
    histogram[histogram_level(ns)] += 1;
}

/// # Format
/// `MONITOR`
fn monitor(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.caller == Caller::Exec {
        return Err(error::MONITOR_DENY_BLOCKING);
    }
    let id = ctx.client.id;
    let Some(c) = ctx.state.clients.get_mut(&id) else {
        return Ok(());
    };
    if c.monitor {
        // Already monitoring: no reply at all, as in Redis.
        return Ok(());
    }
    c.monitor = true;
    ctx.state.introspect.monitors.push(id);
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `SLOWLOG GET [count]`
fn slowlog_get(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut count = 10usize;
    match ctx.argc() {
        2 => {}
        3 => {
            let n = int_arg(ctx.arg(2)).map_err(|_| error::SLOWLOG_COUNT)?;
            if n < -1 {
                return Err(error::SLOWLOG_COUNT);
            }
            count = if n == -1 {
                ctx.state.introspect.slowlog.len()
            } else {
                n as usize
            };
        }
        _ => return Err(error::subcommand_syntax(ctx.arg(1), "slowlog")),
    }
    let entries: Vec<_> = ctx
        .state
        .introspect
        .slowlog
        .iter()
        .take(count)
        .cloned()
        .collect();
    ctx.out.array(entries.len());
    for e in entries {
        ctx.out.array(6);
        ctx.out.int(e.id as i64);
        ctx.out.int(e.time);
        ctx.out.int(e.duration as i64);
        ctx.out.array(e.args.len());
        for a in &e.args {
            ctx.out.bulk(a);
        }
        ctx.out.bulk(e.peer.as_bytes());
        ctx.out.bulk(&e.name);
    }
    Ok(())
}

/// # Format
/// `SLOWLOG LEN`
fn slowlog_len(ctx: &mut Ctx<'_>) -> CmdResult {
    let n = ctx.state.introspect.slowlog.len();
    ctx.out.int(n as i64);
    Ok(())
}

/// # Format
/// `SLOWLOG RESET`
fn slowlog_reset(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.state.introspect.slowlog.clear();
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `SLOWLOG HELP`
fn slowlog_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

/// # Format
/// `LATENCY LATEST`
fn latency_latest(ctx: &mut Ctx<'_>) -> CmdResult {
    let events: Vec<_> = ctx
        .state
        .introspect
        .latency
        .iter()
        .map(|(name, s)| {
            (
                name.clone(),
                s.samples.back().copied().unwrap_or_default(),
                s.max,
            )
        })
        .collect();
    ctx.out.array(events.len());
    for (name, last, max) in events {
        ctx.out.array(4);
        ctx.out.bulk(name.as_bytes());
        ctx.out.int(last.time);
        ctx.out.int(last.latency as i64);
        ctx.out.int(max as i64);
    }
    Ok(())
}

/// The latency event named by argument 2 (as sent; names are exact).
fn event_named<'a>(ctx: &'a Ctx<'_>) -> Option<&'a crate::state::introspect::LatencySeries> {
    let name = std::str::from_utf8(ctx.arg(2)).ok()?;
    ctx.state.introspect.latency.get(name)
}

/// # Format
/// `LATENCY HISTORY event`
fn latency_history(ctx: &mut Ctx<'_>) -> CmdResult {
    let samples: Vec<_> = event_named(ctx)
        .map(|s| s.samples.iter().copied().collect())
        .unwrap_or_default();
    ctx.out.array(samples.len());
    for s in samples {
        ctx.out.array(2);
        ctx.out.int(s.time);
        ctx.out.int(s.latency as i64);
    }
    Ok(())
}

/// # Format
/// `LATENCY RESET [event [event ...]]`
fn latency_reset(ctx: &mut Ctx<'_>) -> CmdResult {
    let events = &mut ctx.state.introspect.latency;
    let resets = if ctx.args.len() == 2 {
        let n = events.len();
        events.clear();
        n
    } else {
        let mut n = 0;
        for a in &ctx.args[2..] {
            let before = events.len();
            events.retain(|name, _| !name.as_bytes().eq_ignore_ascii_case(a));
            n += before - events.len();
        }
        n
    };
    ctx.out.int(resets as i64);
    Ok(())
}

/// The age of a sample as LATENCY GRAPH labels it: `12s`, `3m`, `2h`,
/// `1d`.
fn age_label(elapsed: i64) -> String {
    if elapsed < 60 {
        format!("{elapsed}s")
    } else if elapsed < 3600 {
        format!("{}m", elapsed / 60)
    } else if elapsed < 86_400 {
        format!("{}h", elapsed / 3600)
    } else {
        format!("{}d", elapsed / 86_400)
    }
}

/// Redis's ASCII sparkline (sparkline.c): `rows` rows of `_o#` and `|`
/// scaled between the lowest and highest value, then each sample's label
/// written downwards, a blank line above them.
fn sparkline(out: &mut String, values: &[(f64, String)], rows: usize) {
    const FILL: [char; 3] = ['_', 'o', '#'];
    let (min, max) = values
        .iter()
        .fold((values[0].0, values[0].0), |(lo, hi), (v, _)| {
            (lo.min(*v), hi.max(*v))
        });
    let mut relmax = max - min;
    if relmax == 0.0 {
        relmax = 1.0;
    }
    let steps = (FILL.len() * rows) as i64;
    let labels = values.iter().any(|(_, l)| !l.is_empty());
    let mut row = 0;
    loop {
        let mut again = false;
        let mut chars = vec![' '; values.len()];
        for (j, (v, label)) in values.iter().enumerate() {
            let relval = v - min;
            let step = (((relval * steps as f64) as i64) as f64 / relmax) as i64;
            let step = step.clamp(0, steps - 1);
            if row < rows {
                let at = step - ((rows - row - 1) * FILL.len()) as i64;
                again = true;
                if (0..FILL.len() as i64).contains(&at) {
                    chars[j] = FILL[at as usize];
                } else if at >= FILL.len() as i64 {
                    chars[j] = '|';
                }
            } else {
                if labels && row - rows < 1 {
                    again = true;
                    break;
                }
                let at = row - rows - 1;
                if let Some(c) = label.chars().nth(at) {
                    again = true;
                    chars[j] = c;
                }
            }
        }
        if !again {
            break;
        }
        row += 1;
        out.extend(chars);
        out.push('\n');
    }
}

/// # Format
/// `LATENCY GRAPH event`
fn latency_graph(ctx: &mut Ctx<'_>) -> CmdResult {
    let Some(series) = event_named(ctx).cloned() else {
        return Err(error::latency_no_samples(ctx.arg(2)));
    };
    let now = ctx.now.div_euclid(1000);
    let lows = series.samples.iter().map(|s| s.latency);
    let (low, high) = (lows.clone().min().unwrap_or(0), lows.max().unwrap_or(0));
    let name = String::from_utf8_lossy(ctx.arg(2)).into_owned();
    let mut graph = format!(
        "{name} - high {high} ms, low {low} ms (all time high {} ms)\n",
        series.max
    );
    graph.push_str(&"-".repeat(80));
    graph.push('\n');
    let values: Vec<(f64, String)> = series
        .samples
        .iter()
        .map(|s| (s.latency as f64, age_label(now - s.time)))
        .collect();
    for (i, chunk) in values.chunks(80).enumerate() {
        if i > 0 {
            graph.push('\n');
        }
        sparkline(&mut graph, chunk, 4);
    }
    ctx.out.verbatim("txt", graph.as_bytes());
    Ok(())
}

/// # Format
/// `LATENCY DOCTOR`
fn latency_doctor(ctx: &mut Ctx<'_>) -> CmdResult {
    let report = latency_report(ctx.state, ctx.now.div_euclid(1000));
    ctx.out.verbatim("txt", report.as_bytes());
    Ok(())
}

/// Redis's `createLatencyReport`, for the events redsim records.
fn latency_report(state: &State, now: i64) -> String {
    let intro = &state.introspect;
    if intro.latency.is_empty() && intro.latency_threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".into();
    }
    let mut report = String::new();
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut hz, mut large_objects) = (false, false, false);
    let mut advices = 0;
    for (n, (event, series)) in intro.latency.iter().enumerate() {
        if n == 0 {
            report.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let samples = series.samples.len() as u64;
        let sum: u64 = series.samples.iter().map(|s| s.latency).sum();
        let avg = sum.checked_div(samples).unwrap_or(0);
        let mad = series
            .samples
            .iter()
            .map(|s| (avg as i64 - s.latency as i64).unsigned_abs())
            .sum::<u64>()
            .checked_div(samples)
            .unwrap_or(0);
        let oldest = series.samples.iter().map(|s| s.time).min().unwrap_or(now);
        let period = if samples > 0 {
            (now - oldest).max(1)
        } else {
            0
        };
        let per = if samples > 0 {
            period as f64 / samples as f64
        } else {
            0.0
        };
        let _ = write!(
            report,
            "{}. {event}: {samples} latency spikes (average {avg}ms, mean deviation {mad}ms, period {per:.2} sec). Worst all time event {}ms.",
            n + 1,
            series.max
        );
        match event.as_str() {
            "command" => {
                if intro.slowlog_slower_than < 0 || intro.slowlog_max_len == 0 {
                    slowlog_enabled = true;
                    advices += 1;
                } else if intro.slowlog_slower_than / 1000 > intro.latency_threshold {
                    slowlog_tuning = true;
                    advices += 1;
                }
                slowlog_inspect = true;
                large_objects = true;
                advices += 2;
            }
            "fast-command" => {
                scheduler = true;
                advices += 1;
            }
            "expire-cycle" => {
                hz = true;
                large_objects = true;
                advices += 2;
            }
            _ => {}
        }
        report.push('\n');
    }
    if intro.latency.is_empty() {
        report.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        return report;
    }
    if advices == 0 {
        report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        return report;
    }
    report.push_str("\nI have a few advices for you:\n\n");
    let threshold_us = intro.latency_threshold as u64 * 1000;
    if slowlog_enabled {
        let _ = writeln!(
            report,
            "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {threshold_us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you."
        );
    }
    if slowlog_tuning {
        let _ = writeln!(
            report,
            "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {threshold_us}'."
        );
    }
    if slowlog_inspect {
        report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
    }
    if scheduler {
        report.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
    }
    if hz && state.config.hz() < 100 {
        report.push_str("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
    }
    if large_objects {
        report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
    }
    report
}

/// One command's LATENCY HISTOGRAM entry: its calls and the cumulative
/// counts by power-of-two microseconds.
fn write_histogram(ctx: &mut Ctx<'_>, name: &str, histogram: &[u64; HISTOGRAM_LEVELS]) {
    ctx.out.bulk(name.as_bytes());
    let total: u64 = histogram.iter().sum();
    ctx.out.map(2);
    ctx.out.bulk(b"calls");
    ctx.out.int(total as i64);
    ctx.out.bulk(b"histogram_usec");
    let mut points = Vec::new();
    let mut cumulative = 0;
    for (k, n) in histogram.iter().enumerate() {
        if *n > 0 {
            cumulative += n;
            points.push((histogram_level_usec(k), cumulative));
        }
    }
    ctx.out.map(points.len());
    for (usec, count) in points {
        ctx.out.int(usec as i64);
        ctx.out.int(count as i64);
    }
}

/// # Format
/// `LATENCY HISTOGRAM [command [command ...]]`
fn latency_histogram(ctx: &mut Ctx<'_>) -> CmdResult {
    let stats = &ctx.state.stats.commands;
    let called = |name: &str| {
        stats
            .get(name)
            .map(|s| s.histogram)
            .filter(|h| h.iter().any(|&n| n > 0))
    };
    let mut wanted: Vec<(&'static str, [u64; HISTOGRAM_LEVELS])> = Vec::new();
    if ctx.argc() == 2 {
        let mut names: Vec<&'static str> = Vec::new();
        for spec in super::registry().values() {
            names.push(spec.name);
            names.extend(spec.subcommands.iter().map(|s| s.name));
        }
        names.sort_unstable();
        wanted.extend(names.into_iter().filter_map(|n| called(n).map(|h| (n, h))));
    } else {
        for a in &ctx.args[2..] {
            let Some(spec) = full_name(a) else { continue };
            if let Some(h) = called(spec.name) {
                wanted.push((spec.name, h));
            }
            for sub in spec.subcommands {
                if let Some(h) = called(sub.name) {
                    wanted.push((sub.name, h));
                }
            }
        }
    }
    ctx.out.map(wanted.len());
    for (name, h) in wanted {
        write_histogram(ctx, name, &h);
    }
    Ok(())
}

/// A command of the table by full name (`get`, `config|get`).
fn full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let (top, sub) = match lower.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (lower, None),
    };
    let spec = super::find(top.as_bytes())?;
    match sub {
        None => Some(spec),
        Some(s) => spec
            .subcommands
            .iter()
            .find(|c| c.name.split('|').nth(1) == Some(s.as_str())),
    }
}

/// # Format
/// `LATENCY HELP`
fn latency_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_sample_graph_is_drawn_as_redis_draws_it() {
        let mut out = String::new();
        sparkline(&mut out, &[(30.0, "1s".into())], 4);
        assert_eq!(out, " \n \n \n_\n \n1\ns\n");
    }

    #[test]
    fn monitor_quotes_arguments_as_sdscatrepr() {
        let mut s = String::new();
        repr(&mut s, b"a\"b\\c\n\x01");
        assert_eq!(s, r#""a\"b\\c\n\x01""#);
    }

    #[test]
    fn credentials_are_redacted() {
        let args: Vec<Bytes> = ["HELLO", "3", "AUTH", "u", "p", "SETNAME", "x"]
            .iter()
            .map(|a| Bytes::from_static(a.as_bytes()))
            .collect();
        let shown = redacted(&args);
        assert_eq!(shown[3], b"(redacted)");
        assert_eq!(shown[6], b"x");
    }
}
