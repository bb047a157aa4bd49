//! [`Value`]: what a key holds, and [`Entry`]: a value with its deadline.
//!
//! Strings remember how Redis would encode them (`int`, `embstr`, `raw`)
//! so that `OBJECT ENCODING` answers as Redis does; the encoding is a tag,
//! not a different storage, except for integers, which are kept as `i64`
//! so that INCR is arithmetic rather than parsing.
//!
//! # Reading and writing string values
//!
//! Every family that treats a value as a string (strings, bitmaps, keys'
//! DUMP/COPY, scripting…) goes through one small API, so that none of them
//! matches on the three string variants itself:
//!
//! * [`Value::string`] (a whole value from a client: `int`, `embstr` or
//!   `raw` as Redis's `tryObjectEncoding` picks), [`Value::plain_string`]
//!   (`createStringObject`, never `int`: INCRBYFLOAT results) and
//!   [`Value::raw_string`] (built in place: SETRANGE or SETBIT on a missing
//!   key) create values.
//! * [`Value::str_bytes`] reads the bytes (borrowed, or formatted for an
//!   `int`), [`Value::str_len`] their length without formatting, and
//!   [`Value::str_to_i64`] the integer they hold (`getLongLongFromObject`).
//! * [`Value::str_bytes_mut`] gives the bytes for an in-place change,
//!   turning an `int` or `embstr` value into `raw` first, as Redis's
//!   `dbUnshareStringValue` does; the [`Blob`] it returns can be written,
//!   extended ([`Blob::extend_from_slice`]) or zero-padded ([`Blob::resize`]).
//!
//! Each returns `None` for a value that is not a string: the caller turns
//! that into `WRONGTYPE` (or, like MGET, into a nil).

use std::borrow::Cow;

use super::blob::Blob;
use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::stream::Stream;
use super::zset::ZSet;

/// Longest string Redis stores with the `embstr` encoding.
pub const EMBSTR_MAX: usize = 44;

/// The value held by a key.
#[derive(Clone, Debug)]
pub enum Value {
    /// A string created whole (`SET`, `GETSET`…): `embstr` or `raw` by length.
    Str(Blob),
    /// A string changed in place (`APPEND`, `SETRANGE`, `SETBIT`…): `raw`.
    RawStr(Blob),
    /// A string that is the canonical decimal form of an integer: `int`.
    Int(i64),
    /// A list.
    List(Box<List>),
    /// A hash.
    Hash(Box<Hash>),
    /// A set.
    Set(Box<Set>),
    /// A sorted set.
    ZSet(Box<ZSet>),
    /// A stream.
    Stream(Box<Stream>),
}

impl Value {
    /// The value Redis would store for a `SET` of `bytes`: an integer when
    /// the bytes are one in canonical form, a string otherwise.
    pub fn string(bytes: &[u8]) -> Value {
        if bytes.len() <= 20
            && let Some(n) = crate::num::parse_i64(bytes)
        {
            return Value::Int(n);
        }
        Value::Str(Blob::new(bytes))
    }

    /// A string created whole that is never given the `int` encoding, as
    /// Redis's `createStringObject` makes it (INCRBYFLOAT's result):
    /// `embstr` or `raw` by length.
    pub fn plain_string(bytes: &[u8]) -> Value {
        Value::Str(Blob::new(bytes))
    }

    /// A string built or changed in place (SETRANGE or SETBIT on a missing
    /// key): always `raw`, whatever its length.
    pub fn raw_string(bytes: Blob) -> Value {
        Value::RawStr(bytes)
    }

    /// The bytes of a string value: borrowed, or the decimal form of an
    /// `int`. `None` when the value is not a string.
    pub fn str_bytes(&self) -> Option<Cow<'_, [u8]>> {
        match self {
            Value::Str(b) | Value::RawStr(b) => Some(Cow::Borrowed(b.as_slice())),
            Value::Int(n) => Some(Cow::Owned(
                itoa::Buffer::new().format(*n).as_bytes().to_vec(),
            )),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The length in bytes of a string value (STRLEN), without formatting
    /// an `int`. `None` when the value is not a string.
    pub fn str_len(&self) -> Option<usize> {
        match self {
            Value::Str(b) | Value::RawStr(b) => Some(b.len()),
            Value::Int(n) => Some(itoa::Buffer::new().format(*n).len()),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The integer a string value holds, read as Redis's
    /// `getLongLongFromObject` reads it: an `int` as is, other strings by
    /// `string2ll` (no blanks, no `+`, no leading zeros). `None` when the
    /// value is not a string or not such an integer.
    pub fn str_to_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            Value::Str(b) | Value::RawStr(b) => crate::num::parse_i64(b),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The bytes of a string value for an in-place change (APPEND,
    /// SETRANGE, SETBIT, BITFIELD…). An `int` or `embstr` value becomes
    /// `raw` first, as Redis's `dbUnshareStringValue` makes it, even when
    /// the caller ends up changing nothing. `None` (and no conversion) when
    /// the value is not a string.
    pub fn str_bytes_mut(&mut self) -> Option<&mut Blob> {
        match self {
            Value::RawStr(_) => {}
            Value::Str(b) => *self = Value::RawStr(std::mem::take(b)),
            Value::Int(n) => {
                *self = Value::RawStr(Blob::new(itoa::Buffer::new().format(*n).as_bytes()));
            }
            #[allow(unreachable_patterns)]
            _ => return None,
        }
        match self {
            Value::RawStr(b) => Some(b),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::RawStr(_) | Value::Int(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Int(_) => "int",
            Value::Str(b) if b.len() <= EMBSTR_MAX => "embstr",
            Value::Str(_) | Value::RawStr(_) => "raw",
            Value::List(l) => l.encoding(),
            Value::Hash(h) => h.encoding(),
            Value::Set(s) => s.encoding(),
            Value::ZSet(z) => z.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Whether this is a string value.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str(_) | Value::RawStr(_) | Value::Int(_))
    }

    /// Rough bytes of memory held, for INFO and MEMORY USAGE.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(b) | Value::RawStr(b) => b.heap_size(),
            Value::Int(_) => 0,
            Value::List(l) => l.heap_size(),
            Value::Hash(h) => h.heap_size(),
            Value::Set(s) => s.heap_size(),
            Value::ZSet(z) => z.heap_size(),
            Value::Stream(s) => s.heap_size(),
        }
    }
}

/// Sentinel for "no deadline" in [`Entry::expire_at`].
pub const NO_EXPIRY: i64 = i64::MIN;

/// A value, its deadline and its access time.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Absolute deadline in Unix milliseconds, or [`NO_EXPIRY`].
    pub(super) expire_at: i64,
    /// Last access (or LFU counter), as Redis keeps in its 24-bit `lru`
    /// field: server-clock seconds for LRU.
    pub access: u32,
}

impl Entry {
    /// The deadline in Unix milliseconds, if the key has one.
    pub fn expire_at(&self) -> Option<i64> {
        (self.expire_at != NO_EXPIRY).then_some(self.expire_at)
    }

    /// Whether the entry is expired at `now`. The one statement of the
    /// rule: as Redis's `now > when`, a key lives through the millisecond
    /// of its deadline (with a PTTL of 0) and is gone the next.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expire_at != NO_EXPIRY && self.expire_at < now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_values_take_redis_encodings() {
        assert_eq!(Value::string(b"123").encoding(), "int");
        assert_eq!(Value::string(b"0123").encoding(), "embstr");
        assert_eq!(Value::string(b"12345678901234567890").encoding(), "embstr");
        assert_eq!(Value::string(&[b'x'; 44]).encoding(), "embstr");
        assert_eq!(Value::string(&[b'x'; 45]).encoding(), "raw");
        assert_eq!(Value::plain_string(b"3").encoding(), "embstr");
        assert_eq!(Value::raw_string(Blob::new(b"3")).encoding(), "raw");
    }

    #[test]
    fn string_bytes_read_every_variant() {
        let int = Value::string(b"-42");
        assert_eq!(int.str_bytes().as_deref(), Some(&b"-42"[..]));
        assert_eq!(int.str_len(), Some(3));
        assert_eq!(int.str_to_i64(), Some(-42));
        let text = Value::string(b" 1");
        assert_eq!(text.str_len(), Some(2));
        assert_eq!(text.str_to_i64(), None);
        assert_eq!(Value::raw_string(Blob::new(b"7")).str_to_i64(), Some(7));
    }

    #[test]
    fn mutable_bytes_make_the_value_raw() {
        let mut v = Value::string(b"12");
        let bytes = v.str_bytes_mut().unwrap();
        bytes.extend_from_slice(b"3");
        assert_eq!(v.encoding(), "raw");
        assert_eq!(v.str_bytes().as_deref(), Some(&b"123"[..]));
        let mut v = Value::string(b"ab");
        v.str_bytes_mut().unwrap().resize(4);
        assert_eq!(v.str_bytes().as_deref(), Some(&b"ab\0\0"[..]));
        assert_eq!(v.encoding(), "raw");
    }
}
