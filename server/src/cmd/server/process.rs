//! What the server reports of its own process and memory, shared by INFO
//! and MEMORY: the `used_memory` estimate and the figures read from
//! `/proc` (resident set size, CPU time).

use crate::state::State;

/// Memory a fresh server counts before any key: what Redis's
/// `startup.allocated` is for it.
pub(super) const STARTUP_BYTES: usize = 1_000_000;

/// The bytes INFO reports as `used_memory` and MEMORY STATS builds on: the
/// keyspace's estimate plus the startup allocation.
pub(super) fn used_memory(state: &State) -> usize {
    state.dbs.iter().map(|d| d.memory_estimate()).sum::<usize>() + STARTUP_BYTES
}

/// Resident set size of the process, from /proc on Linux (0 elsewhere).
pub(super) fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// User and system CPU seconds of the process, from /proc on Linux.
pub(super) fn cpu() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return (0.0, 0.0);
    };
    // Fields after the parenthesised command name; utime and stime are
    // the 14th and 15th fields, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    (tick(11), tick(12))
}
