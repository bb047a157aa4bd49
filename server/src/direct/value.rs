//! The typed values the direct API hands out: [`Value`], [`Entry`] (a value
//! with its TTL), [`KeyType`], [`Ttl`] and [`Snapshot`].
//!
//! They are plain owned data, detached from the server: comparing them
//! (`==`) and printing them (`Display` for people, `Debug` for
//! `assert_eq!`) is what they are for. Byte strings print as quoted text
//! when they are UTF-8 and as escaped bytes otherwise (see `show`). This
//! module does not read the server; `read` builds these from its data.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use bytes::Bytes;

use super::show::{self, Quoted};
use super::stream_value::{StreamEntry, StreamId};
use crate::db;

/// The type of a key, as `TYPE` names it.
///
/// ```
/// use redsim::direct::KeyType;
///
/// let server = redsim::Server::start().unwrap();
/// let db = server.db(0);
/// db.sadd("tags", ["a"]).unwrap();
/// assert_eq!(db.key_type("tags"), Some(KeyType::Set));
/// assert_eq!(db.key_type("nothing"), None);
/// assert_eq!(KeyType::ZSet.to_string(), "zset");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyType {
    /// A string (including integers and bitmaps).
    String,
    /// A list.
    List,
    /// A hash.
    Hash,
    /// A set.
    Set,
    /// A sorted set.
    ZSet,
    /// A stream.
    Stream,
}

impl KeyType {
    /// The name `TYPE` replies with: `string`, `list`, `hash`, `set`, `zset`.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::String => "string",
            KeyType::List => "list",
            KeyType::Hash => "hash",
            KeyType::Set => "set",
            KeyType::ZSet => "zset",
            KeyType::Stream => "stream",
        }
    }

    /// The type of a stored value.
    pub(crate) fn of(value: &db::Value) -> KeyType {
        match value {
            db::Value::Str(_) | db::Value::RawStr(_) | db::Value::Int(_) => KeyType::String,
            db::Value::List(_) => KeyType::List,
            db::Value::Hash(_) => KeyType::Hash,
            db::Value::Set(_) => KeyType::Set,
            db::Value::ZSet(_) => KeyType::ZSet,
            db::Value::Stream(_) => KeyType::Stream,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A key's time to live on the server clock, as `PTTL` tells it, with its
/// three cases apart.
///
/// ```
/// use std::time::Duration;
/// use redsim::direct::Ttl;
///
/// let server = redsim::Server::start().unwrap();
/// let db = server.db(0);
/// db.set("forever", "1").unwrap();
/// assert_eq!(db.ttl("forever"), Ttl::Persistent);
/// assert_eq!(db.ttl("nothing"), Ttl::Missing);
/// db.expire("forever", Duration::from_secs(5)).unwrap();
/// assert!(db.ttl("forever").remaining().unwrap() <= Duration::from_secs(5));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ttl {
    /// There is no such key (`PTTL` says -2).
    Missing,
    /// The key exists and never expires (`PTTL` says -1).
    Persistent,
    /// The key expires after this much server-clock time, in whole
    /// milliseconds (zero during the millisecond of its deadline, as in
    /// Redis).
    Remaining(Duration),
}

impl Ttl {
    /// The time left, if the key expires.
    pub fn remaining(self) -> Option<Duration> {
        match self {
            Ttl::Remaining(d) => Some(d),
            Ttl::Missing | Ttl::Persistent => None,
        }
    }
}

impl fmt::Display for Ttl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ttl::Missing => f.write_str("no key"),
            Ttl::Persistent => f.write_str("no TTL"),
            Ttl::Remaining(d) => write!(f, "TTL {d:?}"),
        }
    }
}

/// What a key holds, as owned Rust data.
///
/// Members of sets and fields of hashes are sorted (Redis's own order is
/// unspecified), lists keep their order, and a sorted set lists its members
/// from the lowest score up, ties by member — the order of `ZRANGE … 0 -1`.
/// The constructors build expected values for comparisons:
///
/// ```
/// use redsim::direct::Value;
///
/// let server = redsim::Server::start().unwrap();
/// let db = server.db(0);
/// db.zadd("board", [("bob", 20.0), ("ann", 10.0)]).unwrap();
/// assert_eq!(db.value("board"), Some(Value::zset([("ann", 10.0), ("bob", 20.0)])));
/// assert_eq!(Value::zset([("ann", 10.0)]).to_string(), r#"zset {"ann": 10}"#);
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A string's bytes (an integer string in its decimal form).
    String(Bytes),
    /// A list's elements, head first.
    List(Vec<Bytes>),
    /// A hash's fields and values.
    Hash(BTreeMap<Bytes, Bytes>),
    /// A set's members.
    Set(BTreeSet<Bytes>),
    /// A sorted set's members and scores, lowest score first.
    ZSet(Vec<(Bytes, f64)>),
    /// A stream's entries, oldest first: each ID with its field-value
    /// pairs in the order they were added.
    Stream(Vec<StreamEntry>),
}

/// Bytes from anything byte-like.
fn bytes(b: impl AsRef<[u8]>) -> Bytes {
    Bytes::copy_from_slice(b.as_ref())
}

impl Value {
    /// A string value.
    pub fn string(value: impl AsRef<[u8]>) -> Value {
        Value::String(bytes(value))
    }

    /// A list value, head first.
    pub fn list<I: IntoIterator<Item: AsRef<[u8]>>>(items: I) -> Value {
        Value::List(items.into_iter().map(bytes).collect())
    }

    /// A hash value; a field given twice keeps its last value, as HSET does.
    pub fn hash<F: AsRef<[u8]>, V: AsRef<[u8]>>(fields: impl IntoIterator<Item = (F, V)>) -> Value {
        Value::Hash(
            fields
                .into_iter()
                .map(|(f, v)| (bytes(f), bytes(v)))
                .collect(),
        )
    }

    /// A set value.
    pub fn set<I: IntoIterator<Item: AsRef<[u8]>>>(members: I) -> Value {
        Value::Set(members.into_iter().map(bytes).collect())
    }

    /// A sorted-set value from (member, score) pairs in any order; a member
    /// given twice keeps its last score, as ZADD does.
    pub fn zset<M: AsRef<[u8]>>(members: impl IntoIterator<Item = (M, f64)>) -> Value {
        let unique: BTreeMap<Bytes, f64> =
            members.into_iter().map(|(m, s)| (bytes(m), s)).collect();
        let mut sorted: Vec<(Bytes, f64)> = unique.into_iter().collect();
        // Stable on members already sorted, so ties stay by member; `-0`
        // ties with `0`, as the server compares scores.
        sorted.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
        Value::ZSet(sorted)
    }

    /// The type of this value.
    pub fn key_type(&self) -> KeyType {
        match self {
            Value::String(_) => KeyType::String,
            Value::List(_) => KeyType::List,
            Value::Hash(_) => KeyType::Hash,
            Value::Set(_) => KeyType::Set,
            Value::ZSet(_) => KeyType::ZSet,
            Value::Stream(_) => KeyType::Stream,
        }
    }

    /// This value with a TTL, as an [`Entry`] (for expected snapshots).
    pub fn with_ttl(self, ttl: Duration) -> Entry {
        Entry {
            value: self,
            ttl: Some(ttl),
        }
    }

    /// Copies a stored value out.
    pub(crate) fn of(value: &db::Value) -> Value {
        match value {
            db::Value::Str(_) | db::Value::RawStr(_) | db::Value::Int(_) => {
                Value::String(value.str_bytes().map(bytes).unwrap_or_default())
            }
            db::Value::List(l) => Value::List(l.items.iter().map(bytes).collect()),
            db::Value::Hash(h) => {
                Value::Hash(h.iter().map(|(f, v)| (bytes(f), bytes(v))).collect())
            }
            db::Value::Set(s) => Value::Set(s.iter().map(bytes).collect()),
            db::Value::ZSet(z) => Value::ZSet(z.iter().map(|(m, s)| (bytes(m), s)).collect()),
            db::Value::Stream(s) => Value::Stream(
                s.range(StreamId::MIN, StreamId::MAX)
                    .map(|(id, pairs)| StreamEntry::of(id, pairs))
                    .collect(),
            ),
        }
    }
}

impl fmt::Display for Value {
    /// `string "v"`, `list ["a", "b"]`, `hash {"f": "v"}`, `set {"a"}`,
    /// `zset {"m": 1.5}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show::value(f, self, usize::MAX)
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(b) => f.debug_tuple("String").field(&Quoted(b)).finish(),
            Value::List(items) => f
                .debug_tuple("List")
                .field(&show::DebugList(items))
                .finish(),
            Value::Hash(map) => f.debug_tuple("Hash").field(&show::DebugHash(map)).finish(),
            Value::Set(set) => f.debug_tuple("Set").field(&show::DebugSet(set)).finish(),
            Value::ZSet(items) => f
                .debug_tuple("ZSet")
                .field(&show::DebugZSet(items))
                .finish(),
            Value::Stream(entries) => f.debug_tuple("Stream").field(entries).finish(),
        }
    }
}

/// A key's value and TTL: one row of a [`Snapshot`], or what
/// [`Database::entry`](super::Database::entry) reads.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Entry {
    /// What the key holds.
    pub value: Value,
    /// The time left on the server clock when it was read, in whole
    /// milliseconds; `None` if the key never expires.
    pub ttl: Option<Duration>,
}

impl From<Value> for Entry {
    /// An entry that never expires.
    fn from(value: Value) -> Entry {
        Entry { value, ttl: None }
    }
}

impl fmt::Display for Entry {
    /// The value, then `(TTL 1.5s)` or `(no TTL)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        show::entry(f, self, usize::MAX)
    }
}

/// A whole database at one instant: every live key, sorted, with its
/// value and TTL.
///
/// Two snapshots are equal when they hold the same keys with equal values
/// and equal TTLs (TTLs are the time left when each was taken: on a
/// [`ManualClock`](crate::ManualClock) that does not move, they compare
/// exactly). `Display` prints one key per line for failure messages;
/// `Debug` (used by `assert_eq!`) prints a map, and `{:#?}` one key per line.
///
/// ```
/// use std::time::Duration;
/// use redsim::direct::{Snapshot, Value};
///
/// let clock = redsim::ManualClock::new();
/// let server = redsim::Server::builder().clock(&clock).start().unwrap();
/// let db = server.db(0);
/// db.set("count", "3").unwrap();
/// db.rpush("jobs", ["a", "b"]).unwrap();
/// db.expire("jobs", Duration::from_secs(30)).unwrap();
///
/// let expected = Snapshot::from([
///     ("count", Value::string("3").into()),
///     ("jobs", Value::list(["a", "b"]).with_ttl(Duration::from_secs(30))),
/// ]);
/// assert_eq!(db.snapshot(), expected);
/// assert_eq!(
///     db.snapshot().to_string(),
///     "\"count\" => string \"3\" (no TTL)\n\"jobs\" => list [\"a\", \"b\"] (TTL 30s)\n",
/// );
/// ```
#[derive(Clone, Default, PartialEq)]
pub struct Snapshot {
    entries: BTreeMap<Bytes, Entry>,
}

impl Snapshot {
    /// The entry of `key`, if it was there.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Option<&Entry> {
        self.entries.get(key.as_ref())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the database was empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &Bytes> {
        self.entries.keys()
    }

    /// Keys and entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&Bytes, &Entry)> {
        self.entries.iter()
    }
}

impl<K: AsRef<[u8]>, E: Into<Entry>> FromIterator<(K, E)> for Snapshot {
    fn from_iter<I: IntoIterator<Item = (K, E)>>(iter: I) -> Snapshot {
        Snapshot {
            entries: iter
                .into_iter()
                .map(|(k, e)| (bytes(k), e.into()))
                .collect(),
        }
    }
}

impl<K: AsRef<[u8]>, E: Into<Entry>, const N: usize> From<[(K, E); N]> for Snapshot {
    fn from(items: [(K, E); N]) -> Snapshot {
        items.into_iter().collect()
    }
}

impl IntoIterator for Snapshot {
    type Item = (Bytes, Entry);
    type IntoIter = std::collections::btree_map::IntoIter<Bytes, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Snapshot {
    type Item = (&'a Bytes, &'a Entry);
    type IntoIter = std::collections::btree_map::Iter<'a, Bytes, Entry>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl fmt::Display for Snapshot {
    /// One line per key: `"key" => list ["a"] (TTL 5s)`; `(empty)` when
    /// there is none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("(empty)\n");
        }
        for (key, entry) in &self.entries {
            writeln!(f, "{} => {entry}", Quoted(key))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, e)| (Quoted(k), e)))
            .finish()
    }
}
