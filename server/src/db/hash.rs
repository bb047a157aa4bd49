//! The hash type: a map of fields to values.
//!
//! Kept in an insertion-ordered map: O(1) access, O(1) random field by
//! position for HRANDFIELD, and positions that make HSCAN cursors stable.
//!
//! The encoding Redis would report is tracked as a flag, because clients
//! see it (`OBJECT ENCODING`) and because it decides behaviour they see
//! too: a `listpack` hash keeps its fields in insertion order (HGETALL,
//! HKEYS and HSCAN answer in that order, and HSCAN answers in one call),
//! a `hashtable` hash has no defined order. So while the hash is a
//! listpack, removal shifts the later fields down (as deleting from a
//! listpack does, at the same O(n) cost, n bounded by
//! `hash-max-listpack-entries`), and once it is a hashtable removal swaps
//! the last field into the hole in O(1), which is what [`Hash::scan`]
//! relies on. A hash turns into a hashtable when a field or value is
//! longer than `hash-max-listpack-value` bytes or the hash grows past
//! `hash-max-listpack-entries` fields, and never turns back.

use indexmap::IndexMap;

use super::Hasher;
use super::blob::Blob;

/// The limits under which a hash stays a listpack, read from the
/// configuration when a command changes a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HashLimits {
    /// `hash-max-listpack-entries`: most fields of a listpack.
    pub entries: usize,
    /// `hash-max-listpack-value`: longest field or value of a listpack, in bytes.
    pub value: usize,
}

impl HashLimits {
    /// Limits from the configured values (never negative; clamped to `usize`).
    pub fn new(entries: i64, value: i64) -> Self {
        HashLimits {
            entries: usize::try_from(entries.max(0)).unwrap_or(usize::MAX),
            value: usize::try_from(value.max(0)).unwrap_or(usize::MAX),
        }
    }
}

/// A hash value.
#[derive(Clone, Debug)]
pub struct Hash {
    /// Field → value, in listpack order while `!big`.
    fields: IndexMap<Blob, Blob, Hasher>,
    /// Whether Redis would have converted it to a `hashtable`.
    big: bool,
}

impl Hash {
    /// An empty hash whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        Hash {
            fields: IndexMap::with_hasher(Hasher::with_seed(seed)),
            big: false,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there is no field (a stored hash never is empty).
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<&Blob> {
        self.fields.get(field)
    }

    /// Whether `field` exists.
    pub fn contains(&self, field: &[u8]) -> bool {
        self.fields.contains_key(field)
    }

    /// The field and value at `index` (0 ≤ index < len), for random picks.
    pub fn get_index(&self, index: usize) -> Option<(&Blob, &Blob)> {
        self.fields.get_index(index)
    }

    /// Fields and values in the order Redis would iterate them: insertion
    /// order while a listpack, storage order once a hashtable.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Blob, &Blob)> {
        self.fields.iter()
    }

    /// Sets `field` to `value`; true if the field is new. Converts to a
    /// hashtable as Redis's `hashTypeSet` does: before storing, if either
    /// is longer than the value limit; after, if there are more fields
    /// than the entries limit.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: HashLimits) -> bool {
        if !self.big && (field.len() > limits.value || value.len() > limits.value) {
            self.big = true;
        }
        let new = match self.fields.get_mut(field) {
            // Replacing in place keeps the field's position, as a listpack does.
            Some(v) => {
                *v = Blob::new(value);
                false
            }
            None => {
                self.fields.insert(Blob::new(field), Blob::new(value));
                true
            }
        };
        if !self.big && self.fields.len() > limits.entries {
            self.big = true;
        }
        new
    }

    /// Removes `field`; true if it existed.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        if self.big {
            self.fields.swap_remove(field).is_some()
        } else {
            self.fields.shift_remove(field).is_some()
        }
    }

    /// Whether the hash is still a listpack (small: HSCAN answers in one call).
    pub fn is_listpack(&self) -> bool {
        !self.big
    }

    /// One step of HSCAN over a hashtable: visits up to `count` fields
    /// below position `cursor` (0 starts from the end) and returns the next
    /// cursor, 0 when done. See [`scan_positions`] for the guarantee.
    pub fn scan<'a>(
        &'a self,
        cursor: u64,
        count: usize,
        mut visit: impl FnMut(&'a Blob, &'a Blob),
    ) -> u64 {
        scan_positions(self.fields.len(), cursor, count, |i| {
            if let Some((k, v)) = self.fields.get_index(i) {
                visit(k, v);
            }
        })
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        if self.big { "hashtable" } else { "listpack" }
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.fields.capacity() * (std::mem::size_of::<(u64, Blob, Blob)>() + 16)
            + self
                .fields
                .iter()
                .map(|(k, v)| k.heap_size() + v.heap_size())
                .sum::<usize>()
    }
}

/// Walks storage positions `0..len` downwards, `count` at a time, for the
/// SCAN family over a collection whose removals swap the last element into
/// the hole (`swap_remove`) and whose insertions append.
///
/// A cursor `c` means "positions below `c` are still to visit"; 0 starts at
/// `len` and a returned 0 means done. Every element present from the first
/// call to the last is visited at least once, whatever is added or removed
/// in between:
///
/// * an insertion lands at the end, at or above the cursor — among the
///   visited positions, so it cannot push an unvisited element anywhere;
/// * a removal at position `i` moves the last element (position `len-1`)
///   into `i`. If `i` is below the cursor and the last element was above
///   it, an already visited element moves into the unvisited part (it may
///   be returned twice, which SCAN allows). If the last element was itself
///   below the cursor, it stays below it. If `i` is at or above the cursor,
///   the moved element was above it too. In no case does an unvisited
///   element move to a visited position.
///
/// Walking upwards would break this: a removal would move the last,
/// unvisited element into a visited hole and it would be skipped.
/// A cursor beyond the current length (elements were removed) is clamped,
/// since every unvisited element is below the length.
pub fn scan_positions(len: usize, cursor: u64, count: usize, mut visit: impl FnMut(usize)) -> u64 {
    let start = match usize::try_from(cursor) {
        Ok(c) if c != 0 && c <= len => c,
        _ => len,
    };
    let end = start.saturating_sub(count.max(1));
    for i in (end..start).rev() {
        visit(i);
    }
    end as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: HashLimits = HashLimits {
        entries: 3,
        value: 4,
    };

    #[test]
    fn stays_listpack_within_limits_and_converts_for_good() {
        let mut h = Hash::new(1);
        assert!(h.set(b"a", b"1", SMALL));
        assert!(!h.set(b"a", b"2", SMALL));
        assert!(h.set(b"b", b"1234", SMALL));
        assert!(h.set(b"c", b"", SMALL));
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"d", b"1", SMALL));
        assert_eq!(h.encoding(), "hashtable");
        h.remove(b"d");
        h.remove(b"c");
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn long_field_or_value_converts() {
        let mut h = Hash::new(1);
        h.set(b"a", b"12345", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new(1);
        h.set(b"abcde", b"1", SMALL);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new(1);
        h.set(b"a", b"1", HashLimits::new(0, 64));
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn listpack_removal_keeps_insertion_order() {
        let mut h = Hash::new(1);
        let limits = HashLimits::new(128, 64);
        for f in [b"a", b"b", b"c", b"d"] {
            h.set(f, b"v", limits);
        }
        h.remove(b"a");
        h.set(b"b", b"w", limits);
        let order: Vec<&[u8]> = h.iter().map(|(k, _)| k.as_slice()).collect();
        assert_eq!(order, [b"b", b"c", b"d"]);
    }

    /// Every field present from the first step to the last is seen,
    /// whatever is added and removed in between.
    #[test]
    fn scan_returns_every_field_present_for_the_whole_scan() {
        let mut rng = fastrand::Rng::with_seed(7);
        let big = HashLimits::new(0, 64);
        for round in 0..200 {
            let mut h = Hash::new(round);
            let initial = rng.usize(0..200);
            for i in 0..initial {
                h.set(format!("f{i}").as_bytes(), b"v", big);
            }
            let mut removed = std::collections::HashSet::new();
            let mut seen = std::collections::HashSet::new();
            let mut next = initial;
            let mut cursor = 0;
            loop {
                cursor = h.scan(cursor, rng.usize(1..20), |k, _| {
                    seen.insert(k.to_vec());
                });
                if cursor == 0 {
                    break;
                }
                for _ in 0..rng.usize(0..8) {
                    if rng.bool() && !h.is_empty() {
                        let i = rng.usize(..h.len());
                        let f = h.get_index(i).map(|(k, _)| k.to_vec()).unwrap_or_default();
                        h.remove(&f);
                        removed.insert(f);
                    } else {
                        h.set(format!("n{next}").as_bytes(), b"v", big);
                        next += 1;
                    }
                }
            }
            for i in 0..initial {
                let f = format!("f{i}").into_bytes();
                if !removed.contains(&f) {
                    assert!(seen.contains(&f), "round {round}: {f:?} missed");
                }
            }
        }
    }

    #[test]
    fn scan_clamps_cursors_and_ends_at_once_when_empty() {
        assert_eq!(scan_positions(0, 0, 10, |_| panic!("empty")), 0);
        let mut seen = Vec::new();
        assert_eq!(scan_positions(5, 99, 2, |i| seen.push(i)), 3);
        assert_eq!(seen, [4, 3]);
        assert_eq!(scan_positions(5, u64::MAX, 10, |_| {}), 0);
    }
}
