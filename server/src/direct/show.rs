//! How the direct API prints byte strings and values for people: in
//! `Display`/`Debug` of its types and in assertion messages.
//!
//! Byte strings that are UTF-8 print as quoted, escaped text (`"a\n"`), as
//! a Rust string literal would; others as escaped bytes (`b"\xff"`).
//! Assertion messages print with a limit, so that a key holding a million
//! elements makes a readable panic rather than a megabyte of one: the
//! first [`LIMIT`] elements, then how many more. The types' own `Display`
//! prints everything. This module formats only; it knows no server.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Display, Formatter};

use bytes::Bytes;

use super::value::{Entry, Ttl, Value};

/// Elements (and, times eight, string bytes) an assertion message shows.
pub const LIMIT: usize = 32;

/// A byte string, quoted and escaped.
pub struct Quoted<'a>(pub &'a [u8]);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match std::str::from_utf8(self.0) {
            Ok(text) => write!(f, "\"{}\"", text.escape_debug()),
            Err(_) => write!(f, "b\"{}\"", self.0.escape_ascii()),
        }
    }
}

impl fmt::Debug for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        Display::fmt(self, f)
    }
}

/// A byte string quoted, cut after `limit * 8` bytes (with its length
/// said) when `limit` is finite.
struct Text<'a>(&'a [u8], usize);

impl Display for Text<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let max = self.1.saturating_mul(8);
        if self.0.len() <= max {
            return Quoted(self.0).fmt(f);
        }
        // Cut on a character boundary, so that text stays text.
        let cut = match std::str::from_utf8(&self.0[..max]) {
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            _ => max,
        };
        write!(f, "{}… ({} bytes)", Quoted(&self.0[..cut]), self.0.len())
    }
}

/// A score as short as it reads back exactly: `10`, `2.5`, `1e300`
/// (plain digits where they stay short, an exponent where they would not).
struct Score(f64);

impl Display for Score {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let magnitude = self.0.abs();
        if magnitude != 0.0 && magnitude.is_finite() && !(1e-5..1e16).contains(&magnitude) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

/// Writes `items` between `open` and `close`, at most `limit` of them.
fn seq<T>(
    f: &mut Formatter<'_>,
    (open, close): (&str, &str),
    items: impl ExactSizeIterator<Item = T>,
    limit: usize,
    mut each: impl FnMut(&mut Formatter<'_>, T) -> fmt::Result,
) -> fmt::Result {
    let len = items.len();
    f.write_str(open)?;
    for (i, item) in items.take(limit).enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        each(f, item)?;
    }
    if len > limit {
        write!(f, ", … ({} more)", len - limit)?;
    }
    f.write_str(close)
}

/// `string "v"`, `list ["a", "b"]`, `hash {"f": "v"}`, `set {"a"}`,
/// `zset {"m": 1.5}`, with at most `limit` elements.
pub fn value(f: &mut Formatter<'_>, v: &Value, limit: usize) -> fmt::Result {
    write!(f, "{} ", v.key_type())?;
    match v {
        Value::String(b) => Text(b, limit).fmt(f),
        Value::List(items) => seq(f, ("[", "]"), items.iter(), limit, |f, i| {
            Text(i, limit).fmt(f)
        }),
        Value::Hash(map) => seq(f, ("{", "}"), map.iter(), limit, |f, (k, v)| {
            write!(f, "{}: {}", Text(k, limit), Text(v, limit))
        }),
        Value::Set(set) => seq(f, ("{", "}"), set.iter(), limit, |f, m| {
            Text(m, limit).fmt(f)
        }),
        Value::ZSet(items) => seq(f, ("{", "}"), items.iter(), limit, |f, (m, s)| {
            write!(f, "{}: {}", Text(m, limit), Score(*s))
        }),
        Value::Stream(entries) => seq(f, ("[", "]"), entries.iter(), limit, |f, e| {
            write!(f, "{}: ", e.id)?;
            seq(f, ("{", "}"), e.fields.iter(), limit, |f, (k, v)| {
                write!(f, "{}: {}", Text(k, limit), Text(v, limit))
            })
        }),
    }
}

/// The value, then `(TTL 1.5s)` or `(no TTL)`.
pub fn entry(f: &mut Formatter<'_>, e: &Entry, limit: usize) -> fmt::Result {
    value(f, &e.value, limit)?;
    let ttl = e.ttl.map_or(Ttl::Persistent, Ttl::Remaining);
    write!(f, " ({ttl})")
}

/// What an assertion found at a key: its entry, or `no key`.
pub struct Found<'a>(pub Option<&'a Entry>);

impl Display for Found<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(e) => entry(f, e, LIMIT),
            None => f.write_str("no key"),
        }
    }
}

/// What an assertion expected, when that is a value.
pub struct Expected<'a>(pub &'a Value);

impl Display for Expected<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        value(f, self.0, LIMIT)
    }
}

/// `Debug` of a list's elements as quoted text.
pub struct DebugList<'a>(pub &'a [Bytes]);

impl fmt::Debug for DebugList<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|b| Quoted(b)))
            .finish()
    }
}

/// `Debug` of a set's members as quoted text.
pub struct DebugSet<'a>(pub &'a BTreeSet<Bytes>);

impl fmt::Debug for DebugSet<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_set()
            .entries(self.0.iter().map(|b| Quoted(b)))
            .finish()
    }
}

/// `Debug` of a hash's fields and values as quoted text.
pub struct DebugHash<'a>(pub &'a BTreeMap<Bytes, Bytes>);

impl fmt::Debug for DebugHash<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| (Quoted(k), Quoted(v))))
            .finish()
    }
}

/// `Debug` of a sorted set's members (quoted) and scores, in order.
pub struct DebugZSet<'a>(pub &'a [(Bytes, f64)]);

impl fmt::Debug for DebugZSet<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(m, s)| (Quoted(m), s)))
            .finish()
    }
}
