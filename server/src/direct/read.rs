//! Inspecting: the read side of [`Database`].
//!
//! Every method looks at the stored data at the server clock's current
//! time through `Database::peek` and copies out what it needs; none runs a
//! command or changes anything (no access-time update, no hit/miss count,
//! no lazy expiry — see the module documentation of `direct`). A key past
//! its deadline is treated as missing, as a command would see it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use super::{Database, DirectError, Entry, KeyType, Snapshot, Ttl, Value};
use crate::db;

/// The time left until `deadline` at `now`, both Unix ms (never negative:
/// a live key is at most at its deadline).
fn remaining(deadline: i64, now: i64) -> Duration {
    Duration::from_millis(u64::try_from(deadline.saturating_sub(now)).unwrap_or(0))
}

/// The instant of Unix millisecond `ms`.
fn instant(ms: i64) -> SystemTime {
    let offset = Duration::from_millis(ms.unsigned_abs());
    if ms >= 0 {
        UNIX_EPOCH + offset
    } else {
        UNIX_EPOCH - offset
    }
}

fn entry_of(stored: &db::Entry, now: i64) -> Entry {
    Entry {
        value: Value::of(&stored.value),
        ttl: stored.expire_at().map(|d| remaining(d, now)),
    }
}

impl Database {
    /// Reads the stored value of `key` as type `kind` with `read`: `None`
    /// for a missing key, WRONGTYPE for one of another type.
    fn read_as<T>(
        &self,
        key: &[u8],
        kind: KeyType,
        read: impl FnOnce(&db::Value) -> T,
    ) -> Result<Option<T>, DirectError> {
        self.peek(|db, now| match db.get(key, now) {
            None => Ok(None),
            Some(e) if KeyType::of(&e.value) == kind => Ok(Some(read(&e.value))),
            Some(e) => Err(DirectError::WrongType {
                key: Bytes::copy_from_slice(key),
                expected: kind,
                actual: KeyType::of(&e.value),
            }),
        })
    }

    /// The string at `key`, `None` if there is none (`GET`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "v").unwrap();
    /// assert_eq!(db.get("k").unwrap().unwrap(), "v");
    /// assert_eq!(db.get("nothing").unwrap(), None);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Bytes>, DirectError> {
        self.read_as(key.as_ref(), KeyType::String, |v| {
            v.str_bytes()
                .map(|b| Bytes::copy_from_slice(&b))
                .unwrap_or_default()
        })
    }

    /// The value of `field` in the hash at `key`, `None` if either is
    /// missing (`HGET`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.hset("h", [("f", "v")]).unwrap();
    /// assert_eq!(db.hget("h", "f").unwrap().unwrap(), "v");
    /// assert_eq!(db.hget("h", "g").unwrap(), None);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn hget(
        &self,
        key: impl AsRef<[u8]>,
        field: impl AsRef<[u8]>,
    ) -> Result<Option<Bytes>, DirectError> {
        let field = field.as_ref();
        let found = self.read_as(key.as_ref(), KeyType::Hash, |v| match v {
            db::Value::Hash(h) => h.get(field).map(|b| Bytes::copy_from_slice(b)),
            _ => None,
        })?;
        Ok(found.flatten())
    }

    /// Every field and value of the hash at `key`, sorted by field; empty
    /// if there is none (`HGETALL`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.hset("h", [("b", "2"), ("a", "1")]).unwrap();
    /// let fields: Vec<_> = db.hgetall("h").unwrap().into_keys().collect();
    /// assert_eq!(fields, ["a", "b"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn hgetall(&self, key: impl AsRef<[u8]>) -> Result<BTreeMap<Bytes, Bytes>, DirectError> {
        self.collection(key.as_ref(), KeyType::Hash, |v| match v {
            Value::Hash(h) => Some(h),
            _ => None,
        })
    }

    /// The elements of the list at `key`, head first; empty if there is
    /// none (`LRANGE key 0 -1`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.rpush("l", ["a", "b"]).unwrap();
    /// assert_eq!(db.list("l").unwrap(), ["a", "b"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn list(&self, key: impl AsRef<[u8]>) -> Result<Vec<Bytes>, DirectError> {
        self.collection(key.as_ref(), KeyType::List, |v| match v {
            Value::List(l) => Some(l),
            _ => None,
        })
    }

    /// The members of the set at `key`, sorted; empty if there is none
    /// (`SMEMBERS`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.sadd("s", ["b", "a"]).unwrap();
    /// assert!(db.members("s").unwrap().iter().eq(["a", "b"]));
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn members(&self, key: impl AsRef<[u8]>) -> Result<BTreeSet<Bytes>, DirectError> {
        self.collection(key.as_ref(), KeyType::Set, |v| match v {
            Value::Set(s) => Some(s),
            _ => None,
        })
    }

    /// The members of the sorted set at `key` with their scores, lowest
    /// score first (ties by member); empty if there is none (`ZRANGE key 0
    /// -1 WITHSCORES`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.zadd("z", [("a", 2.0), ("b", 1.0)]).unwrap();
    /// let z = db.zrange("z").unwrap();
    /// assert_eq!(z, [("b".into(), 1.0), ("a".into(), 2.0)]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn zrange(&self, key: impl AsRef<[u8]>) -> Result<Vec<(Bytes, f64)>, DirectError> {
        self.collection(key.as_ref(), KeyType::ZSet, |v| match v {
            Value::ZSet(z) => Some(z),
            _ => None,
        })
    }

    /// The score of `member` in the sorted set at `key`, `None` if either
    /// is missing (`ZSCORE`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.zadd("z", [("a", 2.5)]).unwrap();
    /// assert_eq!(db.zscore("z", "a").unwrap(), Some(2.5));
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn zscore(
        &self,
        key: impl AsRef<[u8]>,
        member: impl AsRef<[u8]>,
    ) -> Result<Option<f64>, DirectError> {
        let member = member.as_ref();
        let found = self.read_as(key.as_ref(), KeyType::ZSet, |v| match v {
            db::Value::ZSet(z) => z.score(member),
            _ => None,
        })?;
        Ok(found.flatten())
    }

    /// A whole collection of type `kind`, or its empty default.
    fn collection<T: Default>(
        &self,
        key: &[u8],
        kind: KeyType,
        pick: impl FnOnce(Value) -> Option<T>,
    ) -> Result<T, DirectError> {
        let value = self.read_as(key, kind, Value::of)?;
        Ok(value.and_then(pick).unwrap_or_default())
    }

    /// What `key` holds, `None` if there is no such key.
    ///
    /// ```
    /// use redsim::direct::Value;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.sadd("s", ["x"]).unwrap();
    /// assert_eq!(db.value("s"), Some(Value::set(["x"])));
    /// ```
    pub fn value(&self, key: impl AsRef<[u8]>) -> Option<Value> {
        self.peek(|db, now| db.get(key.as_ref(), now).map(|e| Value::of(&e.value)))
    }

    /// What `key` holds and its TTL, `None` if there is no such key.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(9)).unwrap();
    /// let entry = db.entry("k").unwrap();
    /// assert_eq!(entry.ttl, Some(Duration::from_secs(9)));
    /// assert_eq!(entry.to_string(), r#"string "v" (TTL 9s)"#);
    /// ```
    pub fn entry(&self, key: impl AsRef<[u8]>) -> Option<Entry> {
        self.peek(|db, now| db.get(key.as_ref(), now).map(|e| entry_of(e, now)))
    }

    /// The TTL of `key` on the server clock, with missing keys and keys
    /// without a TTL told apart (`PTTL`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::direct::Ttl;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(10)).unwrap();
    /// clock.advance(Duration::from_millis(2500));
    /// assert_eq!(db.ttl("k"), Ttl::Remaining(Duration::from_millis(7500)));
    /// ```
    pub fn ttl(&self, key: impl AsRef<[u8]>) -> Ttl {
        self.peek(|db, now| match db.get(key.as_ref(), now) {
            None => Ttl::Missing,
            Some(e) => e
                .expire_at()
                .map_or(Ttl::Persistent, |d| Ttl::Remaining(remaining(d, now))),
        })
    }

    /// The server-clock instant at which `key` expires, `None` if there is
    /// no such key or it never expires (`PEXPIRETIME`).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let clock = redsim::ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1000));
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(5)).unwrap();
    /// assert_eq!(db.expire_at("k"), Some(UNIX_EPOCH + Duration::from_secs(1005)));
    /// ```
    pub fn expire_at(&self, key: impl AsRef<[u8]>) -> Option<SystemTime> {
        self.peek(|db, now| db.get(key.as_ref(), now)?.expire_at().map(instant))
    }

    /// The type of `key`, `None` if there is no such key (`TYPE`).
    ///
    /// ```
    /// use redsim::direct::KeyType;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.rpush("l", ["a"]).unwrap();
    /// assert_eq!(db.key_type("l"), Some(KeyType::List));
    /// ```
    pub fn key_type(&self, key: impl AsRef<[u8]>) -> Option<KeyType> {
        self.peek(|db, now| db.get(key.as_ref(), now).map(|e| KeyType::of(&e.value)))
    }

    /// Whether `key` exists (`EXISTS`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "v").unwrap();
    /// assert!(db.exists("k"));
    /// assert!(!db.exists("j"));
    /// ```
    pub fn exists(&self, key: impl AsRef<[u8]>) -> bool {
        self.peek(|db, now| db.contains(key.as_ref(), now))
    }

    /// Every key, sorted (`KEYS *`, in a stable order).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("b", "1").unwrap();
    /// db.set("a", "2").unwrap();
    /// assert_eq!(db.keys(), ["a", "b"]);
    /// ```
    pub fn keys(&self) -> Vec<Bytes> {
        let mut keys: Vec<Bytes> = self.peek(|db, now| {
            db.iter()
                .filter(|(_, e)| !e.is_expired(now))
                .map(|(k, _)| Bytes::copy_from_slice(k))
                .collect()
        });
        keys.sort_unstable();
        keys
    }

    /// The number of live keys (`DBSIZE`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("a", "1").unwrap();
    /// db.sadd("s", ["x"]).unwrap();
    /// assert_eq!(db.dbsize(), 2);
    /// ```
    pub fn dbsize(&self) -> usize {
        self.peek(|db, now| db.iter().filter(|(_, e)| !e.is_expired(now)).count())
    }

    /// The whole database: every live key, sorted, with its value and TTL.
    /// See [`Snapshot`] for comparing and printing.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("a", "1").unwrap();
    /// db.rpush("q", ["x"]).unwrap();
    /// let snap = db.snapshot();
    /// assert_eq!(snap.len(), 2);
    /// println!("{snap}");
    /// ```
    pub fn snapshot(&self) -> Snapshot {
        self.peek(|db, now| {
            db.iter()
                .filter(|(_, e)| !e.is_expired(now))
                .map(|(k, e)| (k.as_slice(), entry_of(e, now)))
                .collect()
        })
    }
}
