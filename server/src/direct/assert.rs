//! Assertions: one line to check a key, with a failure message that shows
//! what the key actually holds.
//!
//! Every method reads the key's [`Entry`] once (changing nothing, like any
//! direct read) and, if it is not what the test expects, panics at the
//! test's line (`#[track_caller]`) with one message shape:
//!
//! ```text
//! redsim: db 0, key "k": expected <what was expected>, found <what is there>
//! ```
//!
//! where what is there is the key's value and TTL (`list ["a", "b"] (TTL
//! 5s)`, `string "v" (no TTL)`) or `no key`. Collections are compared as
//! their type orders them: lists in order, sets and hashes as sets, sorted
//! sets by score. Long values are cut after 32 elements in the message.

use std::fmt::Display;
use std::time::Duration;

use super::show::{Expected, Found, Quoted};
use super::{Database, Entry, KeyType, Ttl, Value};

impl Database {
    /// Panics with the message shape above unless `holds(entry)`.
    #[track_caller]
    fn check(
        &self,
        key: &[u8],
        expected: impl Display,
        holds: impl FnOnce(Option<&Entry>) -> bool,
    ) {
        let entry = self.entry(key);
        if !holds(entry.as_ref()) {
            panic!(
                "redsim: db {}, key {}: expected {expected}, found {}",
                self.index,
                Quoted(key),
                Found(entry.as_ref())
            );
        }
    }

    /// Checks that `key` holds `expected` (the whole value, of its type).
    #[track_caller]
    fn check_value(&self, key: &[u8], expected: &Value) {
        self.check(key, Expected(expected), |e| {
            e.is_some_and(|e| &e.value == expected)
        });
    }

    /// Asserts that `key` holds the string `expected`.
    ///
    /// ```should_panic
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.rpush("k", ["a"]).unwrap();
    /// // panics: redsim: db 0, key "k": expected string "v", found list ["a"] (no TTL)
    /// db.assert_string("k", "v");
    /// ```
    #[track_caller]
    pub fn assert_string(&self, key: impl AsRef<[u8]>, expected: impl AsRef<[u8]>) {
        self.check_value(key.as_ref(), &Value::string(expected));
    }

    /// Asserts that `key` holds a list with exactly these elements, in
    /// this order.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.rpush("q", ["a", "b"]).unwrap();
    /// db.assert_list("q", ["a", "b"]);
    /// ```
    #[track_caller]
    pub fn assert_list<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        key: impl AsRef<[u8]>,
        expected: I,
    ) {
        self.check_value(key.as_ref(), &Value::list(expected));
    }

    /// Asserts that `key` holds a set with exactly these members, in any
    /// order.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.sadd("s", ["a", "b"]).unwrap();
    /// db.assert_members("s", ["b", "a"]);
    /// ```
    #[track_caller]
    pub fn assert_members<I: IntoIterator<Item: AsRef<[u8]>>>(
        &self,
        key: impl AsRef<[u8]>,
        expected: I,
    ) {
        self.check_value(key.as_ref(), &Value::set(expected));
    }

    /// Asserts that `key` holds a hash with exactly these fields and
    /// values, in any order.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.hset("h", [("a", "1"), ("b", "2")]).unwrap();
    /// db.assert_hash("h", [("b", "2"), ("a", "1")]);
    /// ```
    #[track_caller]
    pub fn assert_hash<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        expected: impl IntoIterator<Item = (F, V)>,
    ) {
        self.check_value(key.as_ref(), &Value::hash(expected));
    }

    /// Asserts that `key` holds a sorted set with exactly these (member,
    /// score) pairs, given in any order.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.zadd("z", [("a", 1.0), ("b", 2.0)]).unwrap();
    /// db.assert_zset("z", [("b", 2.0), ("a", 1.0)]);
    /// ```
    #[track_caller]
    pub fn assert_zset<M: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        expected: impl IntoIterator<Item = (M, f64)>,
    ) {
        self.check_value(key.as_ref(), &Value::zset(expected));
    }

    /// Asserts that `key` exists and is of type `expected`, whatever it
    /// holds.
    ///
    /// ```
    /// use redsim::direct::KeyType;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.zadd("z", [("a", 1.0)]).unwrap();
    /// db.assert_type("z", KeyType::ZSet);
    /// ```
    #[track_caller]
    pub fn assert_type(&self, key: impl AsRef<[u8]>, expected: KeyType) {
        self.check(key.as_ref(), format_args!("a {expected}"), |e| {
            e.is_some_and(|e| e.value.key_type() == expected)
        });
    }

    /// Asserts that there is no key `key` (never set, deleted, or expired
    /// on the server clock).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(1)).unwrap();
    /// clock.advance(Duration::from_secs(2));
    /// db.assert_missing("k");
    /// ```
    #[track_caller]
    pub fn assert_missing(&self, key: impl AsRef<[u8]>) {
        self.check(key.as_ref(), "no key", |e| e.is_none());
    }

    /// Asserts the TTL of `key` exactly: [`Ttl::Missing`],
    /// [`Ttl::Persistent`], or a remaining time to the millisecond (exact
    /// on a [`ManualClock`](crate::ManualClock); with a clock that moves by
    /// itself, use [`Database::assert_ttl_between`]).
    ///
    /// ```
    /// use std::time::Duration;
    /// use redsim::direct::Ttl;
    ///
    /// let clock = redsim::ManualClock::new();
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(10)).unwrap();
    /// clock.advance(Duration::from_secs(4));
    /// db.assert_ttl("k", Ttl::Remaining(Duration::from_secs(6)));
    /// db.assert_ttl("other", Ttl::Missing);
    /// ```
    #[track_caller]
    pub fn assert_ttl(&self, key: impl AsRef<[u8]>, expected: Ttl) {
        self.check(key.as_ref(), expected, |e| {
            let actual = match e {
                None => Ttl::Missing,
                Some(e) => e.ttl.map_or(Ttl::Persistent, Ttl::Remaining),
            };
            actual == expected
        });
    }

    /// Asserts that `key` exists and expires in `low..=high` of server-clock
    /// time.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.set_ex("k", "v", Duration::from_secs(60)).unwrap();
    /// db.assert_ttl_between("k", Duration::from_secs(50), Duration::from_secs(60));
    /// ```
    #[track_caller]
    pub fn assert_ttl_between(&self, key: impl AsRef<[u8]>, low: Duration, high: Duration) {
        self.check(
            key.as_ref(),
            format_args!("a TTL between {low:?} and {high:?}"),
            |e| e.and_then(|e| e.ttl).is_some_and(|t| low <= t && t <= high),
        );
    }
}
