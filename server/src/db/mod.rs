//! The keyspace: sixteen databases of keys, each with a deadline index.
//!
//! A [`Db`] maps keys to [`Entry`]s in an `IndexMap`, which gives O(1)
//! lookup, O(1) uniform random access (RANDOMKEY, sampling) and a dense
//! layout that keeps a million small keys within Redis's memory. Deadlines
//! are absolute Unix milliseconds, kept both in the entry (for the lazy
//! check on access) and in an ordered index (for the active purge, which
//! therefore costs what expires, not what exists).
//!
//! This module stores and finds; it never replies and never notifies.
//! Side effects of a change (WATCH, keyspace events, blocked clients) are
//! the caller's, in `cmd`.

pub mod blob;
pub mod hash;
pub mod hll;
pub mod list;
pub mod rdb;
pub mod set;
pub mod stream;
pub mod value;
pub mod zset;

use std::collections::BTreeSet;

use indexmap::IndexMap;

pub use blob::Blob;
pub use value::{Entry, NO_EXPIRY, Value};

/// The hasher of every keyspace map: fast, and seeded per server so that a
/// seed reproduces a run exactly.
pub type Hasher = foldhash::fast::FixedState;

/// One numbered database.
#[derive(Debug)]
pub struct Db {
    map: IndexMap<Blob, Entry, Hasher>,
    /// (deadline, key) for every key that has a deadline.
    expires: BTreeSet<(i64, Blob)>,
    /// Expiry is held (a CLIENT PAUSE is in force): a key past its
    /// deadline reads as missing but stays, as in Redis 7.0.
    hold_expired: bool,
    /// Keys past their deadline are found as if alive: a replica applying
    /// its primary's stream, which deletes them itself (by DEL) when it
    /// decides they expired.
    primary_view: bool,
}

/// Outcome of looking a key up at a given time.
pub enum Lookup {
    /// The key exists and has not expired; its position for [`Db::entry_at_mut`].
    Found(usize),
    /// The key does not exist.
    Missing,
    /// The key existed but its deadline had passed: it has just been
    /// removed, and the caller owes an `expired` event for it.
    Expired(Blob),
}

impl Db {
    /// An empty database whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        Db {
            map: IndexMap::with_hasher(Hasher::with_seed(seed)),
            expires: BTreeSet::new(),
            hold_expired: false,
            primary_view: false,
        }
    }

    /// Holds expiry (keys past their deadline read as missing and stay)
    /// or lets it go on.
    pub fn hold_expiry(&mut self, held: bool) {
        self.hold_expired = held;
    }

    /// Makes keys past their deadline read as alive (or not again), for a
    /// replica's primary: see [`Db::lookup`].
    pub fn set_primary_view(&mut self, on: bool) {
        self.primary_view = on;
    }

    /// Number of keys (expired keys not yet purged included).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the database has no keys.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of keys with a deadline.
    pub fn expires_len(&self) -> usize {
        self.expires.len()
    }

    /// Looks `key` up at `now`: the lazy half of expiry. An entry whose
    /// deadline has passed is removed on the spot and reported as
    /// [`Lookup::Expired`]. As in Redis (`now > when`), a key is still alive
    /// during the millisecond of its deadline, with a PTTL of 0.
    pub fn lookup(&mut self, key: &[u8], now: i64) -> Lookup {
        let Some((idx, _, entry)) = self.map.get_full(key) else {
            return Lookup::Missing;
        };
        if entry.is_expired(now) && !self.primary_view {
            if self.hold_expired {
                return Lookup::Missing;
            }
            let deadline = entry.expire_at;
            let Some((k, _)) = self.map.swap_remove_index(idx) else {
                return Lookup::Missing;
            };
            self.expires.remove(&(deadline, k.clone()));
            return Lookup::Expired(k);
        }
        Lookup::Found(idx)
    }

    /// The entry at a position returned by [`Db::lookup`].
    ///
    /// # Panics
    /// If `idx` is out of bounds: positions are only valid until the next
    /// change to the database.
    pub fn entry_at_mut(&mut self, idx: usize) -> &mut Entry {
        &mut self.map[idx]
    }

    /// The entry of `key` if it exists and is alive at `now`, without
    /// removing an expired one (for read paths that hold `&self`).
    pub fn get(&self, key: &[u8], now: i64) -> Option<&Entry> {
        let entry = self.map.get(key)?;
        if entry.is_expired(now) && !self.primary_view {
            return None;
        }
        Some(entry)
    }

    /// Whether `key` exists and is alive at `now`.
    pub fn contains(&self, key: &[u8], now: i64) -> bool {
        self.get(key, now).is_some()
    }

    /// Stores `value` under `key` with `expire_at` (or none), replacing any
    /// previous value and deadline.
    pub fn insert(&mut self, key: &[u8], value: Value, expire_at: Option<i64>, access: u32) {
        let deadline = expire_at.unwrap_or(NO_EXPIRY);
        match self.map.get_full_mut(key) {
            Some((_, k, entry)) => {
                if entry.expire_at != NO_EXPIRY {
                    self.expires.remove(&(entry.expire_at, k.clone()));
                }
                entry.value = value;
                entry.expire_at = deadline;
                entry.access = access;
                if deadline != NO_EXPIRY {
                    self.expires.insert((deadline, k.clone()));
                }
            }
            None => {
                let k = Blob::new(key);
                if deadline != NO_EXPIRY {
                    self.expires.insert((deadline, k.clone()));
                }
                self.map.insert(
                    k,
                    Entry {
                        value,
                        expire_at: deadline,
                        access,
                    },
                );
            }
        }
    }

    /// Stores `value` under `key`, keeping the deadline of an existing key
    /// (`SET … KEEPTTL`, and every in-place update).
    pub fn insert_keep_ttl(&mut self, key: &[u8], value: Value, access: u32) {
        match self.map.get_mut(key) {
            Some(entry) => {
                entry.value = value;
                entry.access = access;
            }
            None => self.insert(key, value, None, access),
        }
    }

    /// Removes `key`, returning its entry (alive or not).
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let (k, entry) = self.map.swap_remove_entry(key)?;
        if entry.expire_at != NO_EXPIRY {
            self.expires.remove(&(entry.expire_at, k));
        }
        Some(entry)
    }

    /// Sets or clears the deadline of an existing key. Returns false if the
    /// key does not exist.
    pub fn set_expire(&mut self, key: &[u8], expire_at: Option<i64>) -> bool {
        let Some((_, k, entry)) = self.map.get_full_mut(key) else {
            return false;
        };
        if entry.expire_at != NO_EXPIRY {
            self.expires.remove(&(entry.expire_at, k.clone()));
        }
        entry.expire_at = expire_at.unwrap_or(NO_EXPIRY);
        if let Some(d) = expire_at {
            self.expires.insert((d, k.clone()));
        }
        true
    }

    /// The earliest deadline in this database.
    pub fn next_deadline(&self) -> Option<i64> {
        self.expires.first().map(|(d, _)| *d)
    }

    /// Removes every key whose deadline is before `now`, calling
    /// `on_expired` for each, in deadline order. Costs what expires.
    pub fn purge_expired(&mut self, now: i64, mut on_expired: impl FnMut(Blob)) {
        if self.hold_expired {
            return;
        }
        while let Some((deadline, _)) = self.expires.first() {
            if *deadline >= now {
                break;
            }
            let Some((_, key)) = self.expires.pop_first() else {
                break;
            };
            self.map.swap_remove(key.as_slice());
            on_expired(key);
        }
    }

    /// Removes every key.
    pub fn clear(&mut self) {
        self.map.clear();
        self.map.shrink_to_fit();
        self.expires.clear();
    }

    /// The key at position `index` (0 ≤ index < len), for random sampling
    /// and cursors.
    pub fn key_at(&self, index: usize) -> Option<(&Blob, &Entry)> {
        self.map.get_index(index)
    }

    /// One step of a SCAN over this database: visits up to `count` keys
    /// (alive or not) and returns the cursor of the next step, 0 when the
    /// scan is complete. A scan starts with cursor 0.
    ///
    /// # Why the cursor is a count of positions, walked downwards
    ///
    /// A cursor `c` ≠ 0 means "positions `0..c` of the map have not been
    /// visited yet"; each step visits `c-1, c-2, …` and returns what is
    /// left. The map only ever changes in two ways: a new key is pushed at
    /// the end, and a removal (`swap_remove`) moves the *last* key into the
    /// hole. Neither can carry a key that was never visited into the
    /// visited range:
    ///
    /// * a push lands at `len ≥ c`, among the visited positions (a key
    ///   added during a scan may be missed, as Redis allows);
    /// * a removal at `i ≥ c` moves the last key, itself at a position
    ///   `≥ i ≥ c`, so visited only moves within visited; a removal at
    ///   `i < c` moves the last key to `i`, inside the unvisited range,
    ///   where it is visited (again, or for the first time).
    ///
    /// So every key present for the whole scan is returned at least once,
    /// some possibly twice, which is SCAN's contract. Growth and rehashing
    /// of the map never reorder it. A cursor beyond the current length
    /// (keys were removed) is clamped: every unvisited key is below `len`.
    /// This holds only as long as no method of `Db` reorders the map
    /// (`shift_remove`, sorting): keep it that way.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a Blob, &'a Entry),
    ) -> u64 {
        let len = self.map.len();
        let start = match usize::try_from(cursor) {
            Ok(c) if c != 0 && c <= len => c,
            _ => len,
        };
        let end = start.saturating_sub(count.max(1));
        for idx in (end..start).rev() {
            if let Some((k, e)) = self.map.get_index(idx) {
                visit(k, e);
            }
        }
        end as u64
    }

    /// All keys with their entries, alive or not, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&Blob, &Entry)> {
        self.map.iter()
    }

    /// Rough bytes used by this database's keys and values.
    pub fn memory_estimate(&self) -> usize {
        let slot = std::mem::size_of::<(u64, Blob, Entry)>();
        let per_index = std::mem::size_of::<usize>() + 1;
        let mut total = self.map.capacity() * (slot + per_index * 2);
        total += self.expires.len() * (std::mem::size_of::<(i64, Blob)>() + 16);
        for (k, e) in self.map.iter() {
            total += k.heap_size() + e.value.heap_size();
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_expiry_removes_on_access() {
        let mut db = Db::new(1);
        db.insert(b"k", Value::string(b"v"), Some(100), 0);
        assert!(matches!(db.lookup(b"k", 100), Lookup::Found(_)));
        assert!(matches!(db.lookup(b"k", 101), Lookup::Expired(k) if &*k == b"k"));
        assert!(matches!(db.lookup(b"k", 101), Lookup::Missing));
        assert_eq!(db.len(), 0);
        assert_eq!(db.expires_len(), 0);
    }

    #[test]
    fn purge_costs_what_expires_and_keeps_the_rest() {
        let mut db = Db::new(1);
        for i in 0..100u32 {
            let key = format!("k{i}");
            let deadline = if i % 10 == 0 {
                Some(i64::from(i))
            } else {
                None
            };
            db.insert(key.as_bytes(), Value::Int(i64::from(i)), deadline, 0);
        }
        let mut gone = Vec::new();
        db.purge_expired(51, |k| gone.push(k));
        assert_eq!(gone.len(), 6);
        assert_eq!(db.len(), 94);
        assert_eq!(db.next_deadline(), Some(60));
    }

    /// Every key present from the first step to the last is seen, whatever
    /// is added and removed in between.
    #[test]
    fn scan_returns_every_key_present_for_the_whole_scan() {
        let mut rng = fastrand::Rng::with_seed(42);
        for round in 0..200 {
            let mut db = Db::new(round);
            let initial = rng.usize(0..300);
            for i in 0..initial {
                db.insert(format!("k{i}").as_bytes(), Value::Int(0), None, 0);
            }
            let mut removed = std::collections::HashSet::new();
            let mut seen = std::collections::HashSet::new();
            let mut next_new = initial;
            let mut cursor = 0;
            loop {
                cursor = db.scan(cursor, rng.usize(1..20), |k, _| {
                    seen.insert(k.to_vec());
                });
                if cursor == 0 {
                    break;
                }
                for _ in 0..rng.usize(0..8) {
                    if rng.bool() && !db.is_empty() {
                        let idx = rng.usize(..db.len());
                        let key = db.key_at(idx).map(|(k, _)| k.to_vec()).unwrap_or_default();
                        db.remove(&key);
                        removed.insert(key);
                    } else {
                        db.insert(format!("n{next_new}").as_bytes(), Value::Int(0), None, 0);
                        next_new += 1;
                    }
                }
            }
            for i in 0..initial {
                let key = format!("k{i}").into_bytes();
                if !removed.contains(&key) {
                    assert!(seen.contains(&key), "round {round}: {key:?} missed");
                }
            }
        }
    }

    #[test]
    fn scan_cursor_beyond_len_is_clamped_and_empty_db_ends_at_once() {
        let mut db = Db::new(1);
        assert_eq!(db.scan(0, 10, |_, _| panic!("empty")), 0);
        for i in 0..5 {
            db.insert(format!("k{i}").as_bytes(), Value::Int(i), None, 0);
        }
        let mut n = 0;
        assert_eq!(db.scan(1_000, 2, |_, _| n += 1), 3);
        assert_eq!(n, 2);
        assert_eq!(db.scan(u64::MAX, 100, |_, _| n += 1), 0);
        assert_eq!(n, 7);
    }

    #[test]
    fn overwrite_replaces_deadline_unless_kept() {
        let mut db = Db::new(1);
        db.insert(b"k", Value::Int(1), Some(100), 0);
        db.insert_keep_ttl(b"k", Value::Int(2), 0);
        assert_eq!(db.get(b"k", 0).and_then(Entry::expire_at), Some(100));
        db.insert(b"k", Value::Int(3), None, 0);
        assert_eq!(db.get(b"k", 0).and_then(Entry::expire_at), None);
        assert_eq!(db.expires_len(), 0);
    }
}
