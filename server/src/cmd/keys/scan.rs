//! SCAN, and the cursor and option parsing the SCAN family shares.
//!
//! The cursor walks the database's storage positions downwards; why that
//! returns every key present for the whole scan at least once, whatever is
//! added or removed between calls, is explained on
//! [`Db::scan`](crate::db::Db::scan). Cursors are therefore small numbers
//! (at most the number of keys) rather than Redis's reversed-bit hash
//! cursors: clients treat them as opaque, and only 0 means anything.

use bytes::Bytes;

use super::super::error::{self, CmdError, CmdResult};
use super::super::{Ctx, int_arg, is};
use super::lookup::alive;
use crate::db::Blob;

/// Parses a cursor as Redis's `parseScanCursorOrReply` does with C's
/// `strtoul`: decimal digits with an optional sign (a negative number
/// wraps around, `-1` is 2⁶⁴−1), no leading blank, no overflow, and
/// nothing after — except that, the argument being read as a C string,
/// everything from a NUL byte on is ignored. The empty string is cursor 0.
pub(crate) fn parse_cursor(arg: &[u8]) -> Result<u64, CmdError> {
    let c_space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    if arg.first().is_some_and(|&b| c_space(b)) {
        return Err(error::INVALID_CURSOR);
    }
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    let text = &arg[..end];
    let (negative, digits) = match text.split_first() {
        None => return Ok(0),
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        Some(_) => (false, text),
    };
    if digits.is_empty() {
        return Err(error::INVALID_CURSOR);
    }
    let mut n: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return Err(error::INVALID_CURSOR);
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or(error::INVALID_CURSOR)?;
    }
    Ok(if negative { n.wrapping_neg() } else { n })
}

/// The options of SCAN, HSCAN, SSCAN and ZSCAN.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanOptions<'a> {
    /// COUNT: how much work one call does (10 by default).
    pub count: usize,
    /// MATCH: a glob pattern, `None` for every element (also for `*`).
    pub pattern: Option<&'a [u8]>,
    /// TYPE (SCAN only): the type name an element's value must have,
    /// compared case-insensitively.
    pub type_name: Option<&'a [u8]>,
}

impl ScanOptions<'_> {
    /// Whether `name` passes MATCH.
    pub fn matches(&self, name: &[u8]) -> bool {
        self.pattern
            .is_none_or(|p| crate::glob::matches(p, name, false))
    }
}

/// Parses `[MATCH pattern] [COUNT count] [TYPE type]` from `args[from..]`,
/// in any order, the last of a repeated option winning. TYPE is an option
/// only where `allow_type` (SCAN). COUNT below 1 is a syntax error, as in
/// Redis 7.0.
pub(crate) fn parse_options(
    args: &[Bytes],
    from: usize,
    allow_type: bool,
) -> Result<ScanOptions<'_>, CmdError> {
    let mut opts = ScanOptions {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = from;
    while i < args.len() {
        let has_value = i + 1 < args.len();
        let opt = &args[i];
        if is(opt, "count") && has_value {
            let n = int_arg(&args[i + 1])?;
            if n < 1 {
                return Err(error::SYNTAX);
            }
            opts.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(opt, "match") && has_value {
            let p = &args[i + 1][..];
            opts.pattern = (p != b"*").then_some(p);
        } else if is(opt, "type") && allow_type && has_value {
            opts.type_name = Some(&args[i + 1][..]);
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    Ok(opts)
}

/// # Format
/// `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]`
///
/// Each call visits COUNT keys and replies those that pass MATCH and TYPE,
/// so a call may reply fewer keys than COUNT, or none, before the scan
/// ends. A TYPE that names no type matches nothing (no error, as in Redis
/// 7.0). Keys found past their deadline are expired, not replied.
pub(super) fn scan(ctx: &mut Ctx<'_>) -> CmdResult {
    let cursor = parse_cursor(ctx.arg(1))?;
    let opts = parse_options(ctx.args, 2, true)?;
    let now = ctx.now;
    let db = &ctx.state.dbs[ctx.client.db];
    let mut found: Vec<&Blob> = Vec::new();
    let mut expired: Vec<Blob> = Vec::new();
    let next = db.scan(cursor, opts.count, |key, entry| {
        if !opts.matches(key) {
            return;
        }
        if !alive(entry, now) {
            expired.push(key.clone());
            return;
        }
        if opts
            .type_name
            .is_some_and(|t| !t.eq_ignore_ascii_case(entry.value.type_name().as_bytes()))
        {
            return;
        }
        found.push(key);
    });
    ctx.out.array(2);
    ctx.out.bulk(itoa::Buffer::new().format(next).as_bytes());
    ctx.out.array(found.len());
    for key in found {
        ctx.out.bulk(key);
    }
    // Removing visited keys never moves an unvisited one (see Db::scan).
    for key in expired {
        let _ = ctx.lookup_write(&key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {

    #[test]
    fn cursors_follow_strtoul() {
        assert_eq!(parse_cursor(b"0").unwrap(), 0);
        assert_eq!(parse_cursor(b"").unwrap(), 0);
        assert_eq!(parse_cursor(b"007").unwrap(), 7);
        assert_eq!(parse_cursor(b"+3").unwrap(), 3);
        assert_eq!(parse_cursor(b"-1").unwrap(), u64::MAX);
        assert_eq!(parse_cursor(b"12\0junk").unwrap(), 12);
        assert!(parse_cursor(b" 1").is_err());
        assert!(parse_cursor(b"1x").is_err());
        assert!(parse_cursor(b"+").is_err());
        assert!(parse_cursor(b"18446744073709551616").is_err());
    }
    use super::*;

    #[test]
    fn cursors_parse_as_strtoul_does() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"+7"), Ok(7));
        assert_eq!(parse_cursor(b"-0"), Ok(0));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b"18446744073709551616"[..],
            b" 1",
            b"1 ",
            b"+",
            b"-",
            b"0x1",
            b"abc",
        ] {
            assert_eq!(parse_cursor(bad), Err(error::INVALID_CURSOR), "{bad:?}");
        }
    }
}
