//! APPEND, STRLEN, GETRANGE (and SUBSTR) and SETRANGE: the commands that
//! read a part of a string or change it in place.
//!
//! In-place changes go through [`Value::str_bytes_mut`], which makes the
//! value `raw` as Redis's `dbUnshareStringValue` does.

use super::steps::{check_string_length, stored};
use crate::cmd::error::{self, CmdResult};
use crate::cmd::{Ctx, int_arg};
use crate::config::notify;
use crate::db::{Blob, Value};

/// # Format
/// `APPEND key value`
pub(super) fn append(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, tail) = (ctx.arg(1), ctx.arg(2));
    let max = ctx.state.config.proto_max_bulk_len();
    let len = match ctx.lookup_write(key) {
        None => {
            // A new key gets the argument as SET would store it: `int`
            // or `embstr` included.
            let lru = ctx.lru();
            ctx.db().insert(key, Value::string(tail), None, lru);
            tail.len()
        }
        Some(entry) => {
            let len = entry.value.str_len().ok_or(error::WRONGTYPE)?;
            check_string_length(max, len, tail.len())?;
            let bytes = entry.value.str_bytes_mut().ok_or(error::WRONGTYPE)?;
            bytes.extend_from_slice(tail);
            bytes.len()
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "append", key);
    ctx.out.int(len as i64);
    Ok(())
}

/// # Format
/// `STRLEN key`
pub(super) fn strlen(ctx: &mut Ctx<'_>) -> CmdResult {
    let len = match ctx.lookup_read(ctx.arg(1)) {
        None => 0,
        Some(entry) => entry.value.str_len().ok_or(error::WRONGTYPE)?,
    };
    ctx.out.int(len as i64);
    Ok(())
}

/// The byte range GETRANGE returns from a string of `len` bytes for the
/// inclusive indexes `start` and `end` (negative from the end), or `None`
/// for an empty reply.
///
/// Redis 7.0 answers empty when both indexes are negative and reversed,
/// but clamps two negative indexes that both fall before the start to the
/// first byte: `GETRANGE` of `"abc"` from -100 to -50 is `"a"`.
fn getrange_span(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    let mut start = if start < 0 {
        len.saturating_add(start)
    } else {
        start
    };
    let mut end = if end < 0 {
        len.saturating_add(end)
    } else {
        end
    };
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize))
}

/// # Format
/// `GETRANGE key start end` (and the older `SUBSTR key start end`)
pub(super) fn getrange(ctx: &mut Ctx<'_>) -> CmdResult {
    let key = ctx.arg(1);
    let start = int_arg(ctx.arg(2))?;
    let end = int_arg(ctx.arg(3))?;
    match ctx.lookup_read(key) {
        None => {
            ctx.out.bulk(b"");
            return Ok(());
        }
        Some(entry) if !entry.value.is_string() => return Err(error::WRONGTYPE),
        Some(_) => {}
    }
    let bytes = stored(ctx.state, ctx.client.db, key, ctx.now).and_then(Value::str_bytes);
    let bytes = bytes.as_deref().unwrap_or_default();
    match getrange_span(start, end, bytes.len()) {
        Some((from, to)) => ctx.out.bulk(&bytes[from..=to]),
        None => ctx.out.bulk(b""),
    }
    Ok(())
}

/// # Format
/// `SETRANGE key offset value`
pub(super) fn setrange(ctx: &mut Ctx<'_>) -> CmdResult {
    let (key, value) = (ctx.arg(1), ctx.arg(3));
    let offset = int_arg(ctx.arg(2))?;
    if offset < 0 {
        return Err(error::OFFSET_OUT_OF_RANGE);
    }
    let offset = usize::try_from(offset).map_err(|_| error::STRING_TOO_LONG)?;
    let max = ctx.state.config.proto_max_bulk_len();
    let len = match ctx.lookup_write(key) {
        None => {
            // Setting nothing on a missing key creates nothing, whatever
            // the offset.
            if value.is_empty() {
                ctx.out.int(0);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let mut bytes = Blob::empty();
            bytes.resize(offset + value.len());
            bytes.as_mut_slice()[offset..].copy_from_slice(value);
            let len = bytes.len();
            let lru = ctx.lru();
            ctx.db().insert(key, Value::raw_string(bytes), None, lru);
            len
        }
        Some(entry) => {
            let len = entry.value.str_len().ok_or(error::WRONGTYPE)?;
            // Setting nothing answers the length and leaves the value
            // (and its encoding) alone.
            if value.is_empty() {
                ctx.out.int(len as i64);
                return Ok(());
            }
            check_string_length(max, offset, value.len())?;
            let bytes = entry.value.str_bytes_mut().ok_or(error::WRONGTYPE)?;
            let end = offset + value.len();
            if bytes.len() < end {
                bytes.resize(end);
            }
            bytes.as_mut_slice()[offset..end].copy_from_slice(value);
            bytes.len()
        }
    };
    ctx.key_modified(key);
    ctx.notify(notify::STRING, "setrange", key);
    ctx.out.int(len as i64);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getrange_spans_follow_redis_7_0() {
        assert_eq!(getrange_span(0, -1, 3), Some((0, 2)));
        assert_eq!(getrange_span(-100, -50, 3), Some((0, 0)));
        assert_eq!(getrange_span(-1, -5, 3), None);
        assert_eq!(getrange_span(5, 10, 3), None);
        assert_eq!(getrange_span(1, 100, 3), Some((1, 2)));
        assert_eq!(getrange_span(0, -1, 0), None);
        assert_eq!(getrange_span(i64::MIN, i64::MAX, 3), Some((0, 2)));
    }
}
