//! Seeding: the write side of [`Database`], each method one real command.
//!
//! Every method here runs the command its name says through
//! `Database::run`, so its effects (encodings, WATCH, keyspace events,
//! blocked clients) are the command's. This module only turns Rust
//! arguments into the command's arguments and its reply into a Rust value.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Database, DirectError, KeyType};

/// Whole milliseconds of `d`, saturated to what a command argument holds
/// (a TTL that large is then refused as Redis refuses it).
fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Unix milliseconds of `t` (negative before 1970), saturated.
fn unix_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => millis(after),
        Err(before) => millis(before.duration()).saturating_neg(),
    }
}

/// A count the server answered, as the usize it always is.
fn count(n: i64) -> usize {
    usize::try_from(n).unwrap_or(0)
}

/// `key`, then every item, as command arguments after `name`.
fn with_items<'a>(name: &'a [u8], key: &'a [u8], items: &'a [Vec<u8>]) -> Vec<&'a [u8]> {
    let mut args = Vec::with_capacity(items.len() + 2);
    args.push(name);
    args.push(key);
    args.extend(items.iter().map(Vec::as_slice));
    args
}

impl Database {
    /// Sets `key` to the string `value`, replacing whatever it held and
    /// clearing its TTL (`SET key value`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("n", "42").unwrap();
    /// db.set(b"raw", [0xffu8, 0x00]).unwrap();
    /// db.assert_string("n", "42");
    /// ```
    ///
    /// # Errors
    /// None that Redis gives for a plain SET while redsim does not
    /// enforce `maxmemory`; a `Result` like every direct write (see
    /// [the module](crate::direct)).
    pub fn set(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<(), DirectError> {
        self.run(None, &[b"SET", key.as_ref(), value.as_ref()])?;
        Ok(())
    }

    /// Sets `key` to the string `value` expiring after `ttl` on the server
    /// clock, in whole milliseconds (`SET key value PX ms`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::direct::Ttl;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("token", "t1", Duration::from_secs(10)).unwrap();
    /// assert_eq!(db.ttl("token"), Ttl::Remaining(Duration::from_secs(10)));
    /// ```
    ///
    /// # Errors
    /// [`DirectError::Refused`] when `ttl` is under a millisecond or too
    /// large, as SET refuses it (`ERR invalid expire time in 'set' command`).
    pub fn set_ex(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        ttl: Duration,
    ) -> Result<(), DirectError> {
        let ms = millis(ttl).to_string();
        self.run(
            None,
            &[b"SET", key.as_ref(), value.as_ref(), b"PX", ms.as_bytes()],
        )
        .map(drop)
    }

    /// Sets fields of the hash at `key`, creating it if needed (`HSET`).
    /// Returns how many fields are new.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// assert_eq!(db.hset("user:1", [("name", "ann"), ("age", "40")]).unwrap(), 2);
    /// db.assert_hash("user:1", [("age", "40"), ("name", "ann")]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when `fields` is empty (HSET's arity error).
    pub fn hset<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        fields: impl IntoIterator<Item = (F, V)>,
    ) -> Result<usize, DirectError> {
        let items: Vec<Vec<u8>> = fields
            .into_iter()
            .flat_map(|(f, v)| [f.as_ref().to_vec(), v.as_ref().to_vec()])
            .collect();
        let args = with_items(b"HSET", key.as_ref(), &items);
        self.run_count(Some(KeyType::Hash), &args).map(count)
    }

    /// Pushes `items` at the head of the list at `key`, one after the
    /// other (so the last ends up first), creating it if needed (`LPUSH`).
    /// Returns the list's new length. A client blocked on the key is
    /// served before this returns.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// assert_eq!(db.lpush("l", ["a", "b"]).unwrap(), 2);
    /// db.assert_list("l", ["b", "a"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when `items` is empty.
    pub fn lpush<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        key: impl AsRef<[u8]>,
        items: I,
    ) -> Result<usize, DirectError> {
        self.push(b"LPUSH", key.as_ref(), items)
    }

    /// Pushes `items` at the tail of the list at `key`, in order, creating
    /// it if needed (`RPUSH`). Returns the list's new length. A client
    /// blocked on the key is served before this returns.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// assert_eq!(db.rpush("l", ["a", "b"]).unwrap(), 2);
    /// db.assert_list("l", ["a", "b"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when `items` is empty.
    pub fn rpush<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        key: impl AsRef<[u8]>,
        items: I,
    ) -> Result<usize, DirectError> {
        self.push(b"RPUSH", key.as_ref(), items)
    }

    fn push<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        name: &[u8],
        key: &[u8],
        items: I,
    ) -> Result<usize, DirectError> {
        let items: Vec<Vec<u8>> = items.into_iter().map(|i| i.as_ref().to_vec()).collect();
        let args = with_items(name, key, &items);
        self.run_count(Some(KeyType::List), &args).map(count)
    }

    /// Adds `members` to the set at `key`, creating it if needed (`SADD`).
    /// Returns how many were not already members.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// assert_eq!(db.sadd("s", ["a", "b", "a"]).unwrap(), 2);
    /// db.assert_members("s", ["b", "a"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when `members` is empty.
    pub fn sadd<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        key: impl AsRef<[u8]>,
        members: I,
    ) -> Result<usize, DirectError> {
        let items: Vec<Vec<u8>> = members.into_iter().map(|m| m.as_ref().to_vec()).collect();
        let args = with_items(b"SADD", key.as_ref(), &items);
        self.run_count(Some(KeyType::Set), &args).map(count)
    }

    /// Adds (member, score) pairs to the sorted set at `key`, or updates
    /// the scores of existing members, creating it if needed (`ZADD`).
    /// Returns how many members are new. A client blocked on the key
    /// (BZPOPMIN…) is served before this returns.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// assert_eq!(db.zadd("z", [("a", 2.0), ("b", 1.0)]).unwrap(), 2);
    /// db.assert_zset("z", [("b", 1.0), ("a", 2.0)]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when a score is NaN (`ERR value is not a
    /// valid float`) or `members` is empty.
    pub fn zadd<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        members: impl IntoIterator<Item = (M, f64)>,
    ) -> Result<usize, DirectError> {
        // `{:e}` is the shortest text that reads back as the same double
        // (and `inf`/`-inf`, which ZADD takes).
        let items: Vec<Vec<u8>> = members
            .into_iter()
            .flat_map(|(m, s)| [format!("{s:e}").into_bytes(), m.as_ref().to_vec()])
            .collect();
        let args = with_items(b"ZADD", key.as_ref(), &items);
        self.run_count(Some(KeyType::ZSet), &args).map(count)
    }

    /// Makes `key` expire after `ttl` on the server clock, in whole
    /// milliseconds (`PEXPIRE`). Returns false if there is no such key. As
    /// in Redis, a zero `ttl` deletes the key at once (and returns true).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "v").unwrap();
    /// assert!(db.expire("k", Duration::from_secs(60)).unwrap());
    /// assert!(!db.expire("nothing", Duration::from_secs(60)).unwrap());
    /// ```
    ///
    /// # Errors
    /// [`DirectError::Refused`] when `ttl` is too large for the server
    /// clock (`ERR invalid expire time in 'pexpire' command`).
    pub fn expire(&self, key: impl AsRef<[u8]>, ttl: Duration) -> Result<bool, DirectError> {
        let ms = millis(ttl).to_string();
        self.run_count(None, &[b"PEXPIRE", key.as_ref(), ms.as_bytes()])
            .map(|n| n == 1)
    }

    /// Makes `key` expire at the server-clock instant `at`, in whole
    /// milliseconds (`PEXPIREAT`): an instant already past deletes it.
    /// Returns false if there is no such key.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "v").unwrap();
    /// let at = clock.now() + Duration::from_secs(30);
    /// assert!(db.set_expire_at("k", at).unwrap());
    /// db.assert_ttl("k", redsim::direct::Ttl::Remaining(Duration::from_secs(30)));
    /// ```
    ///
    /// # Errors
    /// [`DirectError::Refused`] when `at` is too far from the epoch for
    /// Redis (`ERR invalid expire time in 'pexpireat' command`).
    pub fn set_expire_at(
        &self,
        key: impl AsRef<[u8]>,
        at: SystemTime,
    ) -> Result<bool, DirectError> {
        let ms = unix_millis(at).to_string();
        self.run_count(None, &[b"PEXPIREAT", key.as_ref(), ms.as_bytes()])
            .map(|n| n == 1)
    }

    /// Removes the TTL of `key` (`PERSIST`). Returns false if there is no
    /// such key or it had no TTL.
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::direct::Ttl;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(5)).unwrap();
    /// assert!(db.persist("k").unwrap());
    /// assert_eq!(db.ttl("k"), Ttl::Persistent);
    /// ```
    ///
    /// # Errors
    /// None that Redis gives for PERSIST today; a `Result` like every
    /// direct write (see [the module](crate::direct)).
    pub fn persist(&self, key: impl AsRef<[u8]>) -> Result<bool, DirectError> {
        Ok(self.run_count(None, &[b"PERSIST", key.as_ref()])? == 1)
    }

    /// Deletes `key`, whatever it holds (`DEL`). Returns whether it
    /// existed.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set("k", "v").unwrap();
    /// assert!(db.del("k").unwrap());
    /// assert!(!db.del("k").unwrap());
    /// ```
    ///
    /// # Errors
    /// None that Redis gives for DEL today; a `Result` like every direct
    /// write (see [the module](crate::direct)).
    pub fn del(&self, key: impl AsRef<[u8]>) -> Result<bool, DirectError> {
        Ok(self.run_count(None, &[b"DEL", key.as_ref()])? == 1)
    }

    /// Empties this database (`FLUSHDB`); the others keep their keys. See
    /// [`Server::flush_all`](crate::Server::flush_all) for all of them.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// server.db(0).set("a", "1").unwrap();
    /// server.db(1).set("b", "2").unwrap();
    /// server.db(0).flush().unwrap();
    /// assert_eq!(server.db(0).dbsize(), 0);
    /// assert_eq!(server.db(1).dbsize(), 1);
    /// ```
    ///
    /// # Errors
    /// None that Redis gives for FLUSHDB today; a `Result` like every
    /// direct write (see [the module](crate::direct)).
    pub fn flush(&self) -> Result<(), DirectError> {
        self.run(None, &[b"FLUSHDB"])?;
        Ok(())
    }
}
