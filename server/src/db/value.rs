//! [`Value`]: what a key holds, and [`Entry`]: a value with its deadline.
//!
//! Strings remember how Redis would encode them (`int`, `embstr`, `raw`)
//! so that `OBJECT ENCODING` answers as Redis does; the encoding is a tag,
//! not a different storage, except for integers, which are kept as `i64`
//! so that INCR is arithmetic rather than parsing.

use super::blob::Blob;
use super::hash::Hash;
use super::list::List;
use super::set::Set;
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
}

impl Value {
    /// The value Redis would store for a `SET` of `bytes`: an integer when
    /// the bytes are one in canonical form, a string otherwise.
    pub fn string(bytes: &[u8]) -> Value {
        if bytes.len() <= 20 {
            if let Some(n) = crate::num::parse_i64(bytes) {
                return Value::Int(n);
            }
        }
        Value::Str(Blob::new(bytes))
    }

    /// The name `TYPE` reports.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) | Value::RawStr(_) | Value::Int(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
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
