//! The access-frequency counter Redis keeps under an LFU `maxmemory-policy`
//! (`allkeys-lfu`, `volatile-lfu`), which OBJECT FREQ reports.
//!
//! # Layout of [`Entry::access`](crate::db::Entry::access)
//!
//! Redis keeps one 24-bit field per object, `lru`, and gives it two
//! meanings; so does `Entry::access`:
//!
//! * under any other policy: the LRU clock of the last access, server-clock
//!   seconds modulo 2²⁴ ([`State::lru_clock`](crate::state::State::lru_clock));
//! * under an LFU policy:
//!
//!   ```text
//!   bits 23..8  last decrement time: server-clock minutes modulo 2¹⁶
//!   bits  7..0  logarithmic access counter, 0..=255, new values start at 5
//!   ```
//!
//! On each access the counter first decays by one per `lfu-decay-time`
//! minutes elapsed since the stored time, then grows by one with
//! probability `1 / ((counter − 5) × lfu-log-factor + 1)` (always below 5),
//! and the time is restamped: Redis's `updateLFU`. The coin is the server's
//! seeded generator, so a seed reproduces the counts.
//!
//! Switching policy at run time leaves the other meaning in place, and the
//! numbers read oddly for a while, exactly as Redis warns in its errors.

use crate::config::Config;

/// The counter of a value that was just created (`LFU_INIT_VAL`).
pub(crate) const INIT: u32 = 5;

/// The tuning of the counter: `lfu-log-factor` and `lfu-decay-time`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Params {
    log_factor: u32,
    decay_time: u32,
}

/// Whether the `maxmemory-policy` is an LFU one.
pub(crate) fn is_lfu(config: &Config) -> bool {
    config.maxmemory_policy().ends_with("-lfu")
}

/// Reads `lfu-log-factor` and `lfu-decay-time`.
pub(crate) fn params(config: &Config) -> Params {
    let clamp = |v: i64| u32::try_from(v.max(0)).unwrap_or(u32::MAX);
    Params {
        log_factor: clamp(config.lfu_log_factor()),
        decay_time: clamp(config.lfu_decay_time()),
    }
}

/// Server-clock minutes modulo 2¹⁶ (`LFUGetTimeInMinutes`).
fn minutes(now_ms: i64) -> u32 {
    (now_ms.div_euclid(60_000) & 0xFFFF) as u32
}

/// The access field of a new value at `now_ms`.
pub(crate) fn fresh(now_ms: i64) -> u32 {
    (minutes(now_ms) << 8) | INIT
}

/// The counter of `access` after decay to `now_ms` (`LFUDecrAndReturn`),
/// without storing anything: what OBJECT FREQ replies.
pub(crate) fn decayed(access: u32, now_ms: i64, params: Params) -> u32 {
    let stamp = (access >> 8) & 0xFFFF;
    let counter = access & 0xFF;
    let now = minutes(now_ms);
    // LFUTimeElapsed, wrap-around included as Redis computes it.
    let elapsed = if now >= stamp {
        now - stamp
    } else {
        65535 - stamp + now
    };
    let periods = elapsed.checked_div(params.decay_time).unwrap_or(0);
    counter.saturating_sub(periods)
}

/// The access field of a value read or written at `now_ms` (`updateLFU`).
pub(crate) fn touched(access: u32, now_ms: i64, rng: &mut fastrand::Rng, params: Params) -> u32 {
    let mut counter = decayed(access, now_ms, params);
    if counter < 255 {
        let base = f64::from(counter.saturating_sub(INIT));
        let p = 1.0 / (base * f64::from(params.log_factor) + 1.0);
        if rng.f64() < p {
            counter += 1;
        }
    }
    (minutes(now_ms) << 8) | counter
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Params = Params {
        log_factor: 10,
        decay_time: 1,
    };

    #[test]
    fn counter_grows_logarithmically_and_saturates() {
        let mut rng = fastrand::Rng::with_seed(1);
        let now = 1_700_000_000_000;
        let mut access = fresh(now);
        assert_eq!(decayed(access, now, P), INIT);
        for _ in 0..100 {
            access = touched(access, now, &mut rng, P);
        }
        let after_100 = decayed(access, now, P);
        assert!((7..=12).contains(&after_100), "{after_100}");
        for _ in 0..1_000_000 {
            access = touched(access, now, &mut rng, P);
        }
        let after_million = decayed(access, now, P);
        assert!(
            after_million > after_100 && after_million <= 255,
            "{after_million}"
        );
    }

    #[test]
    fn counter_decays_one_per_period() {
        // On a minute boundary, so that 59.999 s later is the same minute.
        let now = 1_699_999_980_000;
        let access = fresh(now);
        assert_eq!(decayed(access, now + 59_999, P), 5);
        assert_eq!(decayed(access, now + 3 * 60_000, P), 2);
        assert_eq!(decayed(access, now + 60 * 60_000, P), 0);
        let slow = Params {
            log_factor: 10,
            decay_time: 0,
        };
        assert_eq!(decayed(access, now + 60 * 60_000, slow), 5);
    }
}
