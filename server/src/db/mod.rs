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
pub mod list;
pub mod set;
pub mod value;
pub mod zset;

use std::collections::BTreeSet;

use indexmap::IndexMap;

pub use blob::Blob;
pub use value::{EMBSTR_MAX, Entry, NO_EXPIRY, Value};

/// The hasher of every keyspace map: fast, and seeded per server so that a
/// seed reproduces a run exactly.
pub type Hasher = foldhash::fast::FixedState;

/// Number of databases, as Redis's default `databases 16`.
pub const DATABASES: usize = 16;

/// One numbered database.
#[derive(Debug)]
pub struct Db {
    map: IndexMap<Blob, Entry, Hasher>,
    /// (deadline, key) for every key that has a deadline.
    expires: BTreeSet<(i64, Blob)>,
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
        }
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
        if entry.expire_at != NO_EXPIRY && entry.expire_at < now {
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
        if entry.expire_at != NO_EXPIRY && entry.expire_at < now {
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

    /// All keys with their entries, alive or not, in storage order.
    pub fn iter(&self) -> impl Iterator<Item = (&Blob, &Entry)> {
        self.map.iter()
    }

    /// Moves every key of `other` into `self` and vice versa (SWAPDB).
    pub fn swap(&mut self, other: &mut Db) {
        std::mem::swap(&mut self.map, &mut other.map);
        std::mem::swap(&mut self.expires, &mut other.expires);
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
