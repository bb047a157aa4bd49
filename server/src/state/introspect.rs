//! What the server records about the commands it runs, for the
//! introspection commands: the MONITOR clients, the slow log (SLOWLOG),
//! the latency monitor's events (LATENCY LATEST/HISTORY/GRAPH/DOCTOR) and
//! the per-command latency histograms (LATENCY HISTOGRAM).
//!
//! Each is off or cheap until asked for: no monitor, a slow log that only
//! takes commands slower than `slowlog-log-slower-than`, a latency monitor
//! off while `latency-monitor-threshold` is 0. The thresholds are kept
//! here, refreshed when the configuration changes, so that a command pays
//! comparisons rather than lookups. Times are the server clock's.

use std::collections::{BTreeMap, VecDeque};

use super::clients::ClientId;
use crate::config::Config;

/// Arguments a slow log entry keeps at most (the last says how many more).
const SLOWLOG_MAX_ARGC: usize = 32;
/// Bytes an argument of a slow log entry keeps at most.
const SLOWLOG_MAX_STRING: usize = 128;
/// Samples a latency event keeps (Redis's `LATENCY_TS_LEN`).
const LATENCY_SAMPLES: usize = 160;

/// One SLOWLOG entry.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    /// Increasing id, never reused (not even after SLOWLOG RESET).
    pub id: u64,
    /// Server-clock Unix seconds when it was logged.
    pub time: i64,
    /// How long the command ran, in microseconds.
    pub duration: u64,
    /// The arguments, shortened as Redis shortens them.
    pub args: Vec<Vec<u8>>,
    /// The client's `ip:port` (`?:0` for a script's calls).
    pub peer: String,
    /// The client's name.
    pub name: Vec<u8>,
}

/// One latency sample: the worst latency of one second.
#[derive(Debug, Clone, Copy, Default)]
pub struct LatencySample {
    /// Server-clock Unix seconds.
    pub time: i64,
    /// Milliseconds.
    pub latency: u64,
}

/// A latency event's samples (oldest first) and its all-time worst.
#[derive(Debug, Clone, Default)]
pub struct LatencySeries {
    /// The last [`LATENCY_SAMPLES`] samples, oldest first.
    pub samples: VecDeque<LatencySample>,
    /// The worst latency since the event was last reset.
    pub max: u64,
}

/// The introspection records.
#[derive(Debug)]
pub struct Introspection {
    /// Clients in MONITOR mode, in the order they asked.
    pub monitors: Vec<ClientId>,
    /// SLOWLOG, newest first.
    pub slowlog: VecDeque<SlowEntry>,
    /// The id the next slow log entry takes.
    pub next_slow_id: u64,
    /// Latency events by name.
    pub latency: BTreeMap<String, LatencySeries>,
    /// `slowlog-log-slower-than` (µs; negative: off).
    pub slowlog_slower_than: i64,
    /// `slowlog-max-len`.
    pub slowlog_max_len: usize,
    /// `latency-monitor-threshold` (ms; 0: off).
    pub latency_threshold: i64,
    /// `latency-tracking`: per-command histograms kept.
    pub latency_tracking: bool,
    /// MONITOR lines for the client whose command is running (a monitor
    /// itself): they follow its reply.
    pub own_lines: Vec<u8>,
}

impl Introspection {
    /// Empty records, with `config`'s thresholds.
    pub fn new(config: &Config) -> Introspection {
        let mut i = Introspection {
            monitors: Vec::new(),
            slowlog: VecDeque::new(),
            next_slow_id: 0,
            latency: BTreeMap::new(),
            slowlog_slower_than: 0,
            slowlog_max_len: 0,
            latency_threshold: 0,
            latency_tracking: true,
            own_lines: Vec::new(),
        };
        i.refresh(config);
        i
    }

    /// Takes the thresholds again after CONFIG SET.
    pub fn refresh(&mut self, config: &Config) {
        self.slowlog_slower_than = config.slowlog_log_slower_than();
        self.slowlog_max_len = config.slowlog_max_len();
        self.latency_threshold = config.latency_monitor_threshold();
        self.latency_tracking = config.latency_tracking();
    }

    /// Whether a command of `usec` microseconds goes in the slow log.
    #[inline]
    pub fn is_slow(&self, usec: u64) -> bool {
        self.slowlog_slower_than >= 0 && usec >= self.slowlog_slower_than as u64
    }

    /// Adds a slow log entry (arguments shortened: at most 32, each at
    /// most 128 bytes, saying how much was left out), trimming the log to
    /// `slowlog-max-len`.
    pub fn log_slow(
        &mut self,
        args: &[impl AsRef<[u8]>],
        duration: u64,
        time: i64,
        peer: String,
        name: Vec<u8>,
    ) {
        let argc = args.len();
        let kept = argc.min(SLOWLOG_MAX_ARGC);
        let mut short = Vec::with_capacity(kept);
        for (j, a) in args.iter().take(kept).enumerate() {
            let a = a.as_ref();
            if kept != argc && j == kept - 1 {
                short.push(format!("... ({} more arguments)", argc - kept + 1).into_bytes());
            } else if a.len() > SLOWLOG_MAX_STRING {
                let mut s = a[..SLOWLOG_MAX_STRING].to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - SLOWLOG_MAX_STRING).as_bytes(),
                );
                short.push(s);
            } else {
                short.push(a.to_vec());
            }
        }
        self.slowlog.push_front(SlowEntry {
            id: self.next_slow_id,
            time,
            duration,
            args: short,
            peer,
            name,
        });
        self.next_slow_id += 1;
        self.slowlog.truncate(self.slowlog_max_len);
    }

    /// Records `latency` ms for `event` if the latency monitor is on and
    /// it reaches the threshold (Redis's `latencyAddSampleIfNeeded`).
    #[inline]
    pub fn latency_if_needed(&mut self, event: &str, latency: u64, now_secs: i64) {
        if self.latency_threshold > 0 && latency >= self.latency_threshold as u64 {
            self.add_latency(event, latency, now_secs);
        }
    }

    /// Records a latency sample: one per second (the worst of it).
    pub fn add_latency(&mut self, event: &str, latency: u64, now_secs: i64) {
        let series = self.latency.entry(event.to_string()).or_default();
        if let Some(last) = series.samples.back_mut()
            && last.time == now_secs
        {
            last.latency = last.latency.max(latency);
            return;
        }
        series.samples.push_back(LatencySample {
            time: now_secs,
            latency,
        });
        if series.samples.len() > LATENCY_SAMPLES {
            series.samples.pop_front();
        }
        series.max = series.max.max(latency);
    }
}

/// Levels of the latency histograms: level `k` holds what Redis's HDR
/// histogram (2 significant digits, reported by powers of two from
/// 1024 ns) counts up to its `k`-th reporting level.
pub const HISTOGRAM_LEVELS: usize = 21;

/// The highest value HDR histograms with 2 significant digits take as
/// equivalent to `v` (the top of its bucket).
fn hdr_highest_equivalent(v: u64) -> u64 {
    // Buckets of 2^n..2^(n+1) are split in 128 (256 below 256).
    let n = 63 - (v | 255).leading_zeros() as u64;
    let unit = 1u64 << (n - 7);
    (v / unit) * unit + unit - 1
}

/// The reporting level of a latency `ns` nanoseconds long.
pub fn histogram_level(ns: u64) -> usize {
    let mut level = 0;
    while level + 1 < HISTOGRAM_LEVELS && ns > hdr_highest_equivalent(1024 << level) {
        level += 1;
    }
    level
}

/// The microseconds LATENCY HISTOGRAM shows for reporting level `k`.
pub fn histogram_level_usec(k: usize) -> u64 {
    hdr_highest_equivalent(1024 << k) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_levels_are_redis_s() {
        let shown: Vec<u64> = (0..10).map(histogram_level_usec).collect();
        assert_eq!(shown, [1, 2, 4, 8, 16, 33, 66, 132, 264, 528]);
        assert_eq!(histogram_level(1), 0);
        assert_eq!(histogram_level(1031), 0);
        assert_eq!(histogram_level(1032), 1);
        assert_eq!(histogram_level(5_000), 3);
    }

    #[test]
    fn slow_log_entries_are_shortened_as_in_redis() {
        let mut i = Introspection::new(&Config::new());
        let args: Vec<Vec<u8>> = (0..40).map(|n| vec![b'a'; 120 + n]).collect();
        i.log_slow(&args, 5, 0, "?:0".into(), Vec::new());
        let e = &i.slowlog[0];
        assert_eq!(e.args.len(), 32);
        assert_eq!(e.args[31], b"... (9 more arguments)");
        assert_eq!(e.args[0].len(), 120);
        assert!(e.args[10].ends_with(b"... (2 more bytes)"));
    }
}
