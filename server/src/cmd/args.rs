//! Argument parsing shared by every command family.

use super::error::{self, CmdError};
use crate::num;

/// Case-insensitive comparison of an argument with an ASCII keyword.
pub fn is(arg: &[u8], keyword: &str) -> bool {
    arg.eq_ignore_ascii_case(keyword.as_bytes())
}

/// Parses a 64-bit integer argument (`ERR value is not an integer or out of range`).
pub fn int_arg(arg: &[u8]) -> Result<i64, CmdError> {
    num::parse_i64(arg).ok_or(error::NOT_INTEGER)
}

/// Parses a double argument (`ERR value is not a valid float`).
pub fn float_arg(arg: &[u8]) -> Result<f64, CmdError> {
    num::parse_f64(arg).ok_or(error::NOT_FLOAT)
}

/// Parses a database index argument.
pub fn db_arg(arg: &[u8], databases: usize) -> Result<usize, CmdError> {
    let n = num::parse_i64(arg).ok_or(error::NOT_INTEGER)?;
    if n < 0 || n >= databases as i64 {
        return Err(error::DB_INDEX_OUT_OF_RANGE);
    }
    Ok(n as usize)
}

/// Parses a blocking command's timeout in seconds (BLPOP … timeout) into an
/// absolute server-clock deadline in ms, `None` for 0 (forever), exactly as
/// Redis 7.0 does: long-double parsing, milliseconds rounded up (so
/// `0.0001` waits 1 ms and `-0.0001` forever), values too large for a
/// 64-bit millisecond count reported as negative.
pub fn timeout_arg(arg: &[u8], now: i64) -> Result<Option<i64>, CmdError> {
    let secs = num::LongDouble::parse(arg)
        .ok_or(error::TIMEOUT_NOT_FLOAT)?
        .to_f64();
    let ms = (secs * 1000.0).ceil();
    // C's conversion of an out-of-range double to long long yields
    // LLONG_MIN on x86-64, which Redis then reports as negative.
    let ms =
        if ms.is_finite() && (-9.223_372_036_854_775e18..9.223_372_036_854_775e18).contains(&ms) {
            ms as i64
        } else {
            i64::MIN
        };
    if ms < 0 {
        return Err(error::TIMEOUT_NEGATIVE);
    }
    if ms == 0 {
        return Ok(None);
    }
    Ok(Some(now.saturating_add(ms)))
}
