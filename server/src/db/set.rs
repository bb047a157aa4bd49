//! The set type: unique byte strings.
//!
//! Kept in an insertion-ordered set: O(1) membership, O(1) random member
//! by position for SPOP/SRANDMEMBER, and positions that make SSCAN cursors
//! stable (removal always swaps the last member into the hole; see
//! [`scan_positions`]).
//!
//! The encoding Redis would report is tracked as a flag: `intset` while
//! every member is an integer in the form Redis's `string2ll` accepts and
//! there are at most `set-max-intset-entries` members, `hashtable`
//! otherwise (Redis 7.0 has no listpack sets). A set turns into a hashtable
//! for good, except where Redis builds a new set (SPOP's rebuild, the STORE
//! commands), which is why [`Set::reencode`] exists. Clients see the
//! encoding in `OBJECT ENCODING` and in order: an intset is sorted, so
//! SMEMBERS, SSCAN and friends answer in ascending numeric order, which
//! [`Set::ordered`] reproduces. An intset's width (2, 4 or 8 bytes per
//! member) grows with the widest member ever added and never shrinks, as
//! in Redis, and shows in DUMP payloads ([`Set::intset_width`]).

use indexmap::IndexSet;

use super::Hasher;
use super::blob::Blob;
use super::hash::scan_positions;
use super::rdb::intset::width_of;
use crate::num::parse_i64;

/// Redis caps `set-max-intset-entries` at 2³⁰ (intset internals).
const INTSET_HARD_LIMIT: usize = 1 << 30;

/// A set value.
#[derive(Clone, Debug)]
pub struct Set {
    /// The members, in storage order.
    members: IndexSet<Blob, Hasher>,
    /// Whether Redis would have converted it to a `hashtable`.
    big: bool,
    /// While an intset: the bytes per member Redis's intset has grown to.
    width: u8,
}

impl Set {
    /// An empty set whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        Set {
            members: IndexSet::with_hasher(Hasher::with_seed(seed)),
            big: false,
            width: 2,
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there is no member (a stored set never is empty).
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether `member` belongs to the set.
    pub fn contains(&self, member: &[u8]) -> bool {
        self.members.contains(member)
    }

    /// The member at storage position `index` (0 ≤ index < len).
    pub fn get_index(&self, index: usize) -> Option<&Blob> {
        self.members.get_index(index)
    }

    /// Adds `member`; true if it was not there. `max_intset` is
    /// `set-max-intset-entries`.
    pub fn add(&mut self, member: &[u8], max_intset: usize) -> bool {
        if self.members.contains(member) {
            return false;
        }
        if !self.big {
            match parse_i64(member) {
                Some(v) => self.width = self.width.max(width_of(v)),
                None => self.big = true,
            }
        }
        self.members.insert(Blob::new(member));
        if !self.big && self.members.len() > max_intset.min(INTSET_HARD_LIMIT) {
            self.big = true;
        }
        true
    }

    /// Removes `member`; true if it was there.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        self.members.swap_remove(member)
    }

    /// Removes and returns the member at storage position `index`.
    pub fn take_index(&mut self, index: usize) -> Option<Blob> {
        self.members.swap_remove_index(index)
    }

    /// Members in storage order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Blob> {
        self.members.iter()
    }

    /// Members in the order Redis would iterate them: ascending numbers
    /// while an intset, storage order once a hashtable.
    pub fn ordered(&self) -> Vec<&Blob> {
        if self.big {
            return self.members.iter().collect();
        }
        let mut numbered: Vec<(i64, &Blob)> = self
            .members
            .iter()
            .map(|m| (parse_i64(m).unwrap_or_default(), m))
            .collect();
        numbered.sort_unstable_by_key(|(n, _)| *n);
        numbered.into_iter().map(|(_, m)| m).collect()
    }

    /// Recomputes the encoding as if the set had just been built from its
    /// members (Redis builds a fresh set where SPOP keeps few members).
    pub fn reencode(&mut self, max_intset: usize) {
        self.big = self.members.len() > max_intset.min(INTSET_HARD_LIMIT)
            || self.members.iter().any(|m| parse_i64(m).is_none());
        self.width = self
            .members
            .iter()
            .filter_map(|m| parse_i64(m))
            .map(width_of)
            .max()
            .unwrap_or(2);
    }

    /// While an intset: the bytes per member (2, 4 or 8) of Redis's
    /// intset, which grows with the widest member ever added.
    pub fn intset_width(&self) -> u8 {
        self.width
    }

    /// Widens the intset to `width` bytes per member (a restored intset
    /// keeps the width its payload has).
    pub fn widen(&mut self, width: u8) {
        self.width = self.width.max(width);
    }

    /// Whether the set is still an intset (small: SSCAN answers in one call).
    pub fn is_intset(&self) -> bool {
        !self.big
    }

    /// One step of SSCAN over a hashtable: visits up to `count` members
    /// below position `cursor` (0 starts from the end) and returns the next
    /// cursor, 0 when done. See [`scan_positions`] for the guarantee.
    pub fn scan<'a>(&'a self, cursor: u64, count: usize, mut visit: impl FnMut(&'a Blob)) -> u64 {
        scan_positions(self.members.len(), cursor, count, |i| {
            if let Some(m) = self.members.get_index(i) {
                visit(m);
            }
        })
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        if self.big { "hashtable" } else { "intset" }
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.members.capacity() * (std::mem::size_of::<(u64, Blob)>() + 16)
            + self.members.iter().map(Blob::heap_size).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_of(members: &[&str], max: usize) -> Set {
        let mut s = Set::new(3);
        for m in members {
            s.add(m.as_bytes(), max);
        }
        s
    }

    #[test]
    fn intset_holds_only_canonical_integers() {
        assert_eq!(set_of(&["1", "-5", "0"], 512).encoding(), "intset");
        assert_eq!(
            set_of(&["-9223372036854775808", "9223372036854775807"], 512).encoding(),
            "intset"
        );
        for odd in [
            "01",
            "-0",
            "+1",
            " 1",
            "1.0",
            "9223372036854775808",
            "",
            "a",
        ] {
            assert_eq!(set_of(&[odd], 512).encoding(), "hashtable", "{odd:?}");
        }
    }

    #[test]
    fn intset_converts_past_the_limit_and_stays_converted() {
        let mut s = set_of(&["1", "2", "3"], 3);
        assert_eq!(s.encoding(), "intset");
        assert!(!s.add(b"3", 3));
        assert_eq!(s.encoding(), "intset");
        s.add(b"4", 3);
        assert_eq!(s.encoding(), "hashtable");
        s.remove(b"4");
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(set_of(&["1"], 0).encoding(), "hashtable");
        let mut s = set_of(&["1", "a"], 512);
        s.remove(b"a");
        assert_eq!(s.encoding(), "hashtable");
        s.reencode(512);
        assert_eq!(s.encoding(), "intset");
    }

    #[test]
    fn intset_iterates_in_numeric_order() {
        let s = set_of(&["10", "-3", "2", "-9223372036854775808"], 512);
        let order: Vec<&[u8]> = s.ordered().into_iter().map(|b| b.as_slice()).collect();
        assert_eq!(order, [&b"-9223372036854775808"[..], b"-3", b"2", b"10"]);
        let s = set_of(&["b", "a", "1"], 512);
        assert_eq!(s.ordered().len(), 3);
    }

    #[test]
    fn scan_returns_every_member_present_for_the_whole_scan() {
        let mut rng = fastrand::Rng::with_seed(11);
        for round in 0..200 {
            let mut s = Set::new(round);
            let initial = rng.usize(0..200);
            for i in 0..initial {
                s.add(format!("m{i}").as_bytes(), 0);
            }
            let mut removed = std::collections::HashSet::new();
            let mut seen = std::collections::HashSet::new();
            let mut next = initial;
            let mut cursor = 0;
            loop {
                cursor = s.scan(cursor, rng.usize(1..20), |m| {
                    seen.insert(m.to_vec());
                });
                if cursor == 0 {
                    break;
                }
                for _ in 0..rng.usize(0..8) {
                    if rng.bool() && !s.is_empty() {
                        let i = rng.usize(..s.len());
                        if let Some(m) = s.take_index(i) {
                            removed.insert(m.to_vec());
                        }
                    } else {
                        s.add(format!("n{next}").as_bytes(), 0);
                        next += 1;
                    }
                }
            }
            for i in 0..initial {
                let m = format!("m{i}").into_bytes();
                if !removed.contains(&m) {
                    assert!(seen.contains(&m), "round {round}: {m:?} missed");
                }
            }
        }
    }
}
