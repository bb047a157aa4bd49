//! What the stream commands share: looking up the stream at a key with
//! its type check ([`probe`]) and borrowing it afterwards ([`parts`],
//! [`stream_of`]), stream IDs as Redis parses them (C-string rules,
//! `strtoull`'s leniency, `-`/`+`, `ms-*`, exclusive `(` bounds), the node
//! limits from the configuration, and the entry replies.

use crate::cmd::error::{self, CmdError};
use crate::cmd::{Ctx, is};
use crate::db::stream::node::NodeLimits;
use crate::db::stream::{Stream, StreamId};
use crate::db::{Blob, Db, Lookup, Value};
use crate::protocol::Out;

/// How a command looks its key up (statistics, as Redis's `lookupKeyRead`
/// / `lookupKeyWrite`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// A read: counts a keyspace hit or miss.
    Read,
    /// A write.
    Write,
}

/// Looks `key` up (lazy expiry, access time, statistics): `Ok(true)` if it
/// holds a stream, `Ok(false)` if it does not exist, `WRONGTYPE` otherwise.
pub(crate) fn probe(ctx: &mut Ctx<'_>, key: &[u8], access: Access) -> Result<bool, CmdError> {
    let entry = match access {
        Access::Read => ctx.lookup_read(key),
        Access::Write => ctx.lookup_write(key),
    };
    match entry.map(|e| &e.value) {
        None => Ok(false),
        Some(Value::Stream(_)) => Ok(true),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The stream at `key` of one database, found without side effects.
pub(crate) fn stream_of<'s>(db: &'s mut Db, key: &[u8], now: i64) -> Option<&'s mut Stream> {
    match db.lookup(key, now) {
        Lookup::Found(i) => match &mut db.entry_at_mut(i).value {
            Value::Stream(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// The stream at `key` of the selected database together with the reply
/// buffer, borrowed at once (the caller has [`probe`]d the key).
pub(crate) fn parts<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> (Option<&'c mut Stream>, &'c mut Out) {
    let (db, now) = (ctx.client.db, ctx.now);
    (stream_of(&mut ctx.state.dbs[db], key, now), ctx.out)
}

/// The stream at `key` of the selected database (the caller has
/// [`probe`]d the key).
pub(crate) fn stream<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Option<&'c mut Stream> {
    parts(ctx, key).0
}

/// Creates an empty stream at `key` (XADD, XGROUP CREATE … MKSTREAM).
pub(crate) fn create(ctx: &mut Ctx<'_>, key: &[u8]) {
    let lru = ctx.lru();
    ctx.db()
        .insert(key, Value::Stream(Box::new(Stream::new())), None, lru);
}

/// The node limits from the configuration.
pub(crate) fn limits(ctx: &Ctx<'_>) -> NodeLimits {
    let c = &ctx.state.config;
    NodeLimits {
        bytes: u64::try_from(c.stream_node_max_bytes()).unwrap_or(0),
        entries: u64::try_from(c.stream_node_max_entries()).unwrap_or(0),
    }
}

/// The server-clock time as Redis's `mstime()` gives it to IDs.
pub(crate) fn clock_ms(ctx: &Ctx<'_>) -> u64 {
    u64::try_from(ctx.now).unwrap_or(0)
}

/// A parsed ID and whether its sequence was given (not `ms-*`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Parsed {
    pub id: StreamId,
    pub seq_given: bool,
}

/// C's `isspace` in the C locale.
fn c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Redis's `string2ull`: `string2ll` when it applies (negative values
/// refused), else `strtoull` (leading blanks, a sign, leading zeros; a
/// negative value wraps), which must consume every byte.
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::num::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = 0;
    while i < s.len() && c_space(s[i]) {
        i += 1;
    }
    let mut negative = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        negative = s[i] == b'-';
        i += 1;
    }
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// Parses a stream ID as Redis's `streamGenericParseIDOrReply`: `-` and
/// `+` (refused when `strict`), `ms` (sequence `missing_seq`), `ms-seq`,
/// and `ms-*` when `allow_auto_seq` (XADD). The argument is read as a C
/// string (up to a NUL) of at most 127 bytes.
pub(crate) fn parse_id(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    allow_auto_seq: bool,
) -> Result<Parsed, CmdError> {
    if arg.len() > 127 {
        return Err(error::INVALID_STREAM_ID);
    }
    let buf = error::c_str(arg);
    if strict && (buf == b"-" || buf == b"+") {
        return Err(error::INVALID_STREAM_ID);
    }
    let given = |id| Parsed {
        id,
        seq_given: true,
    };
    if buf == b"-" {
        return Ok(given(StreamId::MIN));
    }
    if buf == b"+" {
        return Ok(given(StreamId::MAX));
    }
    let (ms_part, seq_part) = match buf.iter().position(|&b| b == b'-') {
        Some(dash) => (&buf[..dash], Some(&buf[dash + 1..])),
        None => (buf, None),
    };
    let ms = string2ull(ms_part).ok_or(error::INVALID_STREAM_ID)?;
    match seq_part {
        Some(b"*") if allow_auto_seq => Ok(Parsed {
            id: StreamId::new(ms, 0),
            seq_given: false,
        }),
        Some(seq) => {
            let seq = string2ull(seq).ok_or(error::INVALID_STREAM_ID)?;
            Ok(given(StreamId::new(ms, seq)))
        }
        None => Ok(given(StreamId::new(ms, missing_seq))),
    }
}

/// A strict ID (no `-` or `+`), sequence 0 when missing.
pub(crate) fn strict_id(arg: &[u8]) -> Result<StreamId, CmdError> {
    parse_id(arg, 0, true, false).map(|p| p.id)
}

/// A range bound: `(id` for an exclusive one (strict), else any ID. The
/// ID and whether it is exclusive.
pub(crate) fn interval_id(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), CmdError> {
    if arg.len() > 1 && arg[0] == b'(' {
        return parse_id(&arg[1..], missing_seq, true, false).map(|p| (p.id, true));
    }
    parse_id(arg, missing_seq, false, false).map(|p| (p.id, false))
}

/// A range's start: exclusive bounds move to the next ID.
pub(crate) fn range_start(arg: &[u8]) -> Result<StreamId, CmdError> {
    match interval_id(arg, 0)? {
        (id, true) => id.next().ok_or(error::INVALID_START_ID),
        (id, false) => Ok(id),
    }
}

/// A range's end: exclusive bounds move to the previous ID.
pub(crate) fn range_end(arg: &[u8]) -> Result<StreamId, CmdError> {
    match interval_id(arg, u64::MAX)? {
        (id, true) => id.prev().ok_or(error::INVALID_END_ID),
        (id, false) => Ok(id),
    }
}

/// The ID Redis generates after `last` at `now` ms (`streamNextID`): the
/// time when it is later, else the next sequence, so that a clock that
/// goes back still yields increasing IDs.
pub(crate) fn next_auto_id(last: StreamId, now: u64) -> Option<StreamId> {
    if now > last.ms {
        Some(StreamId::new(now, 0))
    } else {
        last.next()
    }
}

/// An ID as a bulk string.
pub(crate) fn reply_id(out: &mut Out, id: StreamId) {
    let mut buf = itoa::Buffer::new();
    let mut text = Vec::with_capacity(41);
    text.extend_from_slice(buf.format(id.ms).as_bytes());
    text.push(b'-');
    text.extend_from_slice(buf.format(id.seq).as_bytes());
    out.bulk(&text);
}

/// One entry: `[id, [field, value, …]]`.
pub(crate) fn reply_entry(out: &mut Out, id: StreamId, pairs: &[Blob]) {
    out.array(2);
    reply_id(out, id);
    out.array(pairs.len());
    for p in pairs {
        out.bulk(p);
    }
}

/// Entries as an array of [`reply_entry`]s.
pub(crate) fn reply_entries<'a>(
    out: &mut Out,
    entries: impl ExactSizeIterator<Item = (StreamId, &'a [Blob])>,
) {
    out.array(entries.len());
    for (id, pairs) in entries {
        reply_entry(out, id, pairs);
    }
}

/// Whether argument `arg` is the keyword `word` and at least `more`
/// arguments follow it at position `i` of `args`.
pub(crate) fn option(args: &[bytes::Bytes], i: usize, word: &str, more: usize) -> bool {
    is(&args[i], word) && args.len() - 1 - i >= more
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(arg: &str) -> Option<StreamId> {
        parse_id(arg.as_bytes(), 0, true, false).ok().map(|p| p.id)
    }

    #[test]
    fn ids_parse_as_redis_reads_them() {
        assert_eq!(id("5"), Some(StreamId::new(5, 0)));
        assert_eq!(id("5-3"), Some(StreamId::new(5, 3)));
        assert_eq!(id(" 5-+3"), Some(StreamId::new(5, 3)));
        assert_eq!(id("05-003"), Some(StreamId::new(5, 3)));
        assert_eq!(id("5--1"), None);
        assert_eq!(id("5--01"), Some(StreamId::new(5, u64::MAX)));
        assert_eq!(id("-"), None);
        assert_eq!(id("-5"), None);
        assert_eq!(id("5-"), None);
        assert_eq!(id("18446744073709551616"), None);
        assert_eq!(id("1-2-3"), None);
        assert_eq!(id("5\0junk"), Some(StreamId::new(5, 0)));
        let auto = parse_id(b"5-*", 0, true, true).unwrap();
        assert!(!auto.seq_given);
        assert!(parse_id(b"5-*", 0, true, false).is_err());
    }

    #[test]
    fn auto_ids_never_go_back() {
        let last = StreamId::new(100, 4);
        assert_eq!(next_auto_id(last, 200), Some(StreamId::new(200, 0)));
        assert_eq!(next_auto_id(last, 50), Some(StreamId::new(100, 5)));
        assert_eq!(next_auto_id(StreamId::MAX, 5), None);
    }
}
