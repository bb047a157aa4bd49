//! Streams through the direct API: the [`Database`] methods that seed a
//! stream and its groups, read them back (as the values of
//! `stream_value`) and assert on what is pending.

use bytes::Bytes;

use super::show::{Expected, Found, Quoted};
use super::stream_value::{PendingEntry, StreamEntry, StreamGroup, StreamId};
use super::{Database, DirectError, KeyType, Value};
use crate::db;
use crate::db::stream::Stream;

/// The stream at `key` of `db` at `now`, or what to answer instead.
fn stream_in<'d>(db: &'d db::Db, key: &[u8], now: i64) -> Result<Option<&'d Stream>, DirectError> {
    match db.get(key, now).map(|e| &e.value) {
        None => Ok(None),
        Some(db::Value::Stream(s)) => Ok(Some(s)),
        Some(other) => Err(DirectError::WrongType {
            key: Bytes::copy_from_slice(key),
            expected: KeyType::Stream,
            actual: KeyType::of(other),
        }),
    }
}

impl Database {
    /// Appends an entry to the stream at `key` (created if missing) with
    /// ID `id` — `"*"` for one from the server clock, `"<ms>-*"`, or an
    /// explicit `"<ms>-<seq>"` — and returns its ID (`XADD key id field
    /// value …`).
    ///
    /// ```
    /// use redsim::direct::StreamId;
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// let id = db.xadd("events", "5-1", [("kind", "login")]).unwrap();
    /// assert_eq!(id, StreamId::new(5, 1));
    /// // IDs only go up, as in Redis.
    /// assert!(db.xadd("events", "5-0", [("kind", "late")]).is_err());
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when the ID is not above the stream's last
    /// one, malformed, or `fields` is empty.
    pub fn xadd<F: AsRef<[u8]>, V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        id: &str,
        fields: impl IntoIterator<Item = (F, V)>,
    ) -> Result<StreamId, DirectError> {
        let pairs: Vec<Vec<u8>> = fields
            .into_iter()
            .flat_map(|(f, v)| [f.as_ref().to_vec(), v.as_ref().to_vec()])
            .collect();
        let mut args: Vec<&[u8]> = vec![b"XADD", key.as_ref(), id.as_bytes()];
        args.extend(pairs.iter().map(Vec::as_slice));
        let reply = self.run(Some(KeyType::Stream), &args)?;
        // `$<len>\r\n<ms>-<seq>\r\n`
        let text = String::from_utf8_lossy(&reply);
        let body = text.lines().nth(1).unwrap_or_default();
        Ok(body.parse().unwrap_or_default())
    }

    /// Creates consumer group `group` of the stream at `key` (creating an
    /// empty stream if there is none), starting after `start`: `"$"` for
    /// the stream's last ID, `"0"` for its beginning, or an ID (`XGROUP
    /// CREATE key group start MKSTREAM`).
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xgroup_create("jobs", "workers", "0").unwrap();
    /// assert_eq!(db.stream_groups("jobs").unwrap()[0].name, "workers");
    /// assert!(db.xgroup_create("jobs", "workers", "0").is_err()); // BUSYGROUP
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when the group exists or `start` is not an
    /// ID.
    pub fn xgroup_create(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        start: &str,
    ) -> Result<(), DirectError> {
        let args: [&[u8]; 6] = [
            b"XGROUP",
            b"CREATE",
            key.as_ref(),
            group.as_ref(),
            start.as_bytes(),
            b"MKSTREAM",
        ];
        // XGROUP's key is its third argument: name the type here.
        match self.run(None, &args) {
            Err(DirectError::Refused(text)) if text.starts_with("WRONGTYPE") => {
                let actual = self.key_type(key.as_ref());
                Err(match actual {
                    Some(actual) => DirectError::WrongType {
                        key: Bytes::copy_from_slice(key.as_ref()),
                        expected: KeyType::Stream,
                        actual,
                    },
                    None => DirectError::Refused(text),
                })
            }
            other => other.map(|_| ()),
        }
    }

    /// Delivers up to `count` new entries (all of them with `None`) of the
    /// stream at `key` to `consumer` of `group`, as `XREADGROUP GROUP group
    /// consumer [COUNT count] STREAMS key >` does: they become pending for
    /// that consumer. Returns them.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xgroup_create("jobs", "workers", "$").unwrap();
    /// db.xadd("jobs", "1-0", [("n", "1")]).unwrap();
    /// db.xadd("jobs", "2-0", [("n", "2")]).unwrap();
    /// let got = db.xreadgroup("jobs", "workers", "alice", Some(1)).unwrap();
    /// assert_eq!(got[0].id.to_string(), "1-0");
    /// db.assert_pending("jobs", "workers", [("1-0", "alice")]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type;
    /// [`DirectError::Refused`] when there is no such key or group
    /// (`NOGROUP …`).
    pub fn xreadgroup(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        consumer: impl AsRef<[u8]>,
        count: Option<usize>,
    ) -> Result<Vec<StreamEntry>, DirectError> {
        let key = key.as_ref();
        let group = group.as_ref();
        let before = self.group_last(key, group)?;
        let count = count.map(|c| c.to_string());
        let mut args: Vec<&[u8]> = vec![b"XREADGROUP", b"GROUP", group, consumer.as_ref()];
        if let Some(c) = &count {
            args.extend([&b"COUNT"[..], c.as_bytes()]);
        }
        args.extend([&b"STREAMS"[..], key, b">"]);
        // XREADGROUP's key is not its first argument: check the type first.
        self.stream(key)?;
        self.run(None, &args)?;
        let after = self.group_last(key, group)?;
        let entries = self.stream(key)?;
        Ok(entries
            .into_iter()
            .filter(|e| e.id > before && e.id <= after)
            .collect())
    }

    /// The last delivered ID of `group` (`0-0` if there is none).
    fn group_last(&self, key: &[u8], group: &[u8]) -> Result<StreamId, DirectError> {
        self.peek(|db, now| {
            Ok(stream_in(db, key, now)?
                .and_then(|s| s.groups.get(group))
                .map_or(StreamId::MIN, |g| g.last_id))
        })
    }

    /// The entries of the stream at `key`, oldest first; empty if there is
    /// none (`XRANGE key - +`).
    ///
    /// ```
    /// use redsim::direct::{StreamEntry, StreamId};
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xadd("s", "1-0", [("a", "1")]).unwrap();
    /// assert_eq!(db.stream("s").unwrap(), [StreamEntry::new(StreamId::new(1, 0), [("a", "1")])]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn stream(&self, key: impl AsRef<[u8]>) -> Result<Vec<StreamEntry>, DirectError> {
        let key = key.as_ref();
        self.peek(|db, now| {
            Ok(stream_in(db, key, now)?
                .map(|s| {
                    s.range(StreamId::MIN, StreamId::MAX)
                        .map(|(id, pairs)| StreamEntry::of(id, pairs))
                        .collect()
                })
                .unwrap_or_default())
        })
    }

    /// The consumer groups of the stream at `key` in name order, with their
    /// consumers and pending entries; empty if there is no stream.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xadd("s", "1-0", [("a", "1")]).unwrap();
    /// db.xgroup_create("s", "g", "0").unwrap();
    /// db.xreadgroup("s", "g", "c", None).unwrap();
    /// let groups = db.stream_groups("s").unwrap();
    /// assert_eq!(groups[0].last_delivered.to_string(), "1-0");
    /// assert_eq!((groups[0].entries_read, groups[0].lag), (Some(1), Some(0)));
    /// assert_eq!(groups[0].consumers, ["c"]);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn stream_groups(&self, key: impl AsRef<[u8]>) -> Result<Vec<StreamGroup>, DirectError> {
        let key = key.as_ref();
        self.peek(|db, now| {
            Ok(stream_in(db, key, now)?
                .map(|s| {
                    s.groups
                        .iter()
                        .map(|(name, g)| StreamGroup::of(s, name, g))
                        .collect()
                })
                .unwrap_or_default())
        })
    }

    /// The pending entries of `group` of the stream at `key`, by ID; empty
    /// if there is no such stream or group (`XPENDING key group - + …`).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use redsim::ManualClock;
    ///
    /// let clock = ManualClock::starting_at(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    /// let server = redsim::Server::builder().clock(&clock).start().unwrap();
    /// let db = server.db(0);
    /// db.xgroup_create("s", "g", "$").unwrap();
    /// db.xadd("s", "1-0", [("a", "1")]).unwrap();
    /// db.xreadgroup("s", "g", "c", None).unwrap();
    /// let delivered = clock.now();
    /// clock.advance(Duration::from_secs(5));
    /// let pending = db.pending("s", "g").unwrap();
    /// assert_eq!((pending[0].consumer.as_ref(), pending[0].deliveries), (&b"c"[..], 1));
    /// assert_eq!(pending[0].delivered_at, delivered);
    /// ```
    ///
    /// # Errors
    /// [`DirectError::WrongType`] when `key` holds another type.
    pub fn pending(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
    ) -> Result<Vec<PendingEntry>, DirectError> {
        let group = group.as_ref();
        Ok(self
            .stream_groups(key)?
            .into_iter()
            .find(|g| g.name.as_ref() == group)
            .map(|g| g.pending)
            .unwrap_or_default())
    }

    /// Asserts that the stream at `key` holds exactly these entries, in
    /// this order.
    ///
    /// ```
    /// use redsim::direct::{StreamEntry, StreamId};
    ///
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xadd("s", "1-0", [("a", "1")]).unwrap();
    /// db.assert_stream("s", [StreamEntry::new(StreamId::new(1, 0), [("a", "1")])]);
    /// ```
    #[track_caller]
    pub fn assert_stream(
        &self,
        key: impl AsRef<[u8]>,
        expected: impl IntoIterator<Item = StreamEntry>,
    ) {
        let key = key.as_ref();
        let expected = Value::Stream(expected.into_iter().collect());
        let found = self.entry(key);
        if found.as_ref().map(|e| &e.value) != Some(&expected) {
            panic!(
                "redsim: db {}, key {}: expected {}, found {}",
                self.index(),
                Quoted(key),
                Expected(&expected),
                Found(found.as_ref())
            );
        }
    }

    /// Asserts that exactly these entries are pending in `group` of the
    /// stream at `key`, each `(id, consumer)`, in ID order.
    ///
    /// ```
    /// let server = redsim::Server::start().unwrap();
    /// let db = server.db(0);
    /// db.xgroup_create("s", "g", "$").unwrap();
    /// db.xadd("s", "1-0", [("a", "1")]).unwrap();
    /// db.assert_pending("s", "g", [] as [(&str, &str); 0]);
    /// db.xreadgroup("s", "g", "c", None).unwrap();
    /// db.assert_pending("s", "g", [("1-0", "c")]);
    /// ```
    ///
    /// # Panics
    /// When the pending entries differ (the message lists both), or an
    /// expected ID does not parse.
    #[track_caller]
    pub fn assert_pending<C: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        group: impl AsRef<[u8]>,
        expected: impl IntoIterator<Item = (&'static str, C)>,
    ) {
        let key = key.as_ref();
        let expected: Vec<(StreamId, Vec<u8>)> = expected
            .into_iter()
            .map(|(id, c)| {
                let id = id
                    .parse()
                    .unwrap_or_else(|_| panic!("redsim: {id:?} is not a stream ID"));
                (id, c.as_ref().to_vec())
            })
            .collect();
        let found: Vec<(StreamId, Vec<u8>)> = match self.pending(key, group.as_ref()) {
            Ok(p) => p.into_iter().map(|e| (e.id, e.consumer.to_vec())).collect(),
            Err(e) => panic!("redsim: db {}, key {}: {e}", self.index(), Quoted(key)),
        };
        if found != expected {
            let list = |items: &[(StreamId, Vec<u8>)]| {
                items
                    .iter()
                    .map(|(id, c)| format!("{id} {}", Quoted(c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            panic!(
                "redsim: db {}, key {}, group {}: expected pending [{}], found [{}]",
                self.index(),
                Quoted(key),
                Quoted(group.as_ref()),
                list(&expected),
                list(&found)
            );
        }
    }
}
