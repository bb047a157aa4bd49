//! The sorted-set type: unique members ordered by (score, member).
//!
//! Two views of the same elements, as in Redis: a map from member to score
//! answers ZSCORE and membership in O(1) and gives O(1) access by position
//! (ZRANDMEMBER, ZSCAN cursors); an order-statistic [`Tree`] of
//! (score, member) answers rank, select and range seeks in O(log n). Ties
//! on score order by member bytes (memcmp), and `-0` equals `0`, since
//! Redis compares scores with `<` and `==`.
//!
//! The encoding Redis would report (`listpack` while small, `skiplist`
//! past `zset-max-listpack-entries` or `zset-max-listpack-value`, never
//! back) is a flag: storage is the same either way, but a few replies
//! (ZSCAN, ZRANDMEMBER orders, lex ranges over mixed scores) follow the
//! encoding, so the commands consult it.
//!
//! This module stores and orders; parsing, replies and keyspace side
//! effects belong to `cmd::zset`.

pub mod tree;

use std::cmp::Ordering;

use indexmap::IndexMap;

use tree::Tree;

use super::Hasher;
use super::blob::Blob;

/// A score with a total order: scores are never NaN, and `-0 == 0`.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

/// The encoding thresholds in force (`zset-max-listpack-entries`,
/// `zset-max-listpack-value`).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Most members a `listpack` sorted set holds.
    pub entries: usize,
    /// Longest member, in bytes, a `listpack` sorted set holds.
    pub value: usize,
}

/// Where a member sits in a [`ZSet`]'s map (see [`ZSet::find`]).
#[derive(Debug, Clone, Copy)]
pub struct Slot(usize);

/// A sorted-set value.
#[derive(Clone, Debug)]
pub struct ZSet {
    scores: IndexMap<Blob, f64, Hasher>,
    order: Tree<(Score, Blob)>,
    big: bool,
}

impl ZSet {
    /// An empty sorted set whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        ZSet {
            scores: IndexMap::with_hasher(Hasher::with_seed(seed)),
            order: Tree::new(seed ^ 0x5A5E_7000_0000_0001),
            big: false,
        }
    }

    /// An empty sorted set that starts with the `skiplist` encoding, as
    /// ZRANGESTORE creates one it knows will be large.
    pub fn new_skiplist(seed: u64) -> Self {
        let mut z = ZSet::new(seed);
        z.big = true;
        z
    }

    /// A sorted set of `items` (members unique), encoded as Redis encodes a
    /// set built whole (ZUNIONSTORE, ZRANGESTORE…): `listpack` if it is
    /// small enough.
    pub fn build(seed: u64, items: impl IntoIterator<Item = (Blob, f64)>, limits: Limits) -> Self {
        let mut z = ZSet::new(seed);
        let mut longest = 0;
        for (member, score) in items {
            longest = longest.max(member.len());
            if z.scores.insert(member.clone(), score).is_none() {
                z.order.insert_absent((Score(score), member));
            }
        }
        z.big = z.len() > limits.entries || longest > limits.value;
        if !z.big {
            // Built as a skiplist and converted, as Redis does: scores
            // pass through the listpack's text form.
            let negative_zeros: Vec<Blob> = z
                .iter()
                .filter(|(_, s)| *s == 0.0 && s.is_sign_negative())
                .map(|(m, _)| m.clone())
                .collect();
            for m in negative_zeros {
                if let Some((slot, _)) = z.find(&m) {
                    z.set_score(slot, 0.0);
                }
            }
        }
        z
    }

    /// The score as this encoding stores it: a listpack keeps integral
    /// scores as integers, which turns `-0` into `0`; a skiplist keeps
    /// the double as given.
    fn stored(&self, score: f64) -> f64 {
        if !self.big && score == 0.0 {
            0.0
        } else {
            score
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        if self.big { "skiplist" } else { "listpack" }
    }

    /// Whether Redis would hold this set as a listpack (a flat array).
    pub fn is_listpack(&self) -> bool {
        !self.big
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The score of `member`.
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    /// Adds `member`, absent until now, with `score`, switching to the
    /// `skiplist` encoding as Redis does when the new member would not fit.
    /// Returns false (and changes nothing) if `member` was present.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: Limits) -> bool {
        if self.scores.contains_key(member) {
            return false;
        }
        if self.len() + 1 > limits.entries || member.len() > limits.value {
            self.big = true;
        }
        let score = self.stored(score);
        let blob = Blob::new(member);
        self.scores.insert(blob.clone(), score);
        // Members are unique, and this one was not in the map.
        self.order.insert_absent((Score(score), blob));
        true
    }

    /// Where `member` is and its score: a handle for [`ZSet::set_score`]
    /// that saves hashing the member again.
    pub fn find(&self, member: &[u8]) -> Option<(Slot, f64)> {
        self.scores
            .get_full(member)
            .map(|(i, _, score)| (Slot(i), *score))
    }

    /// Changes the score of the member at `slot` (from [`ZSet::find`], with
    /// no change to the set in between).
    pub fn set_score(&mut self, slot: Slot, score: f64) {
        let score = self.stored(score);
        let Some((blob, old)) = self.scores.get_index_mut(slot.0) else {
            return;
        };
        let old_key = (Score(*old), blob.clone());
        *old = score;
        if let Some((_, blob)) = self.order.remove(&old_key) {
            // Its only entry was just removed.
            self.order.insert_absent((Score(score), blob));
        }
    }

    /// Removes `member`, returning its score.
    pub fn remove(&mut self, member: &[u8]) -> Option<f64> {
        let (blob, score) = self.scores.swap_remove_entry(member)?;
        self.order.remove(&(Score(score), blob));
        Some(score)
    }

    /// The 0-based rank of `member` in ascending order.
    pub fn rank(&self, member: &[u8]) -> Option<usize> {
        let score = self.score(member)?;
        self.order.rank(&(Score(score), Blob::new(member)))
    }

    /// The member of rank `rank` (ascending) with its score.
    pub fn get(&self, rank: usize) -> Option<(&Blob, f64)> {
        self.order.get(rank).map(|(s, m)| (m, s.0))
    }

    /// The number of leading members (in order) for which `pred(score,
    /// member)` holds; `pred` must hold for a prefix and fail after it.
    pub fn partition_point(&self, mut pred: impl FnMut(f64, &[u8]) -> bool) -> usize {
        self.order.partition_point(|(s, m)| pred(s.0, m))
    }

    /// Members with scores in ascending order from rank `rank`.
    pub fn iter_from(&self, rank: usize) -> impl Iterator<Item = (&Blob, f64)> {
        self.order.iter_from(rank).map(|(s, m)| (m, s.0))
    }

    /// Members with scores in descending order from rank `rank` (counted
    /// from the lowest) down.
    pub fn iter_rev_from(&self, rank: usize) -> impl Iterator<Item = (&Blob, f64)> {
        self.order.iter_rev_from(rank).map(|(s, m)| (m, s.0))
    }

    /// Every member with its score, in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (&Blob, f64)> {
        self.order.iter().map(|(s, m)| (m, s.0))
    }

    /// Removes the members of ranks `start..start + count`, returning them
    /// in ascending order.
    pub fn remove_range(&mut self, start: usize, count: usize) -> Vec<(Blob, f64)> {
        let gone = self.order.remove_range(start, count);
        gone.into_iter()
            .map(|(s, m)| {
                self.scores.swap_remove(m.as_slice());
                (m, s.0)
            })
            .collect()
    }

    /// The member at storage position `index` (0 ≤ index < len), for
    /// uniform random picks and scan cursors. Positions change when
    /// members are removed: the last member moves into the hole.
    pub fn at(&self, index: usize) -> Option<(&Blob, f64)> {
        self.scores.get_index(index).map(|(m, s)| (m, *s))
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        let member_bytes: usize = self.scores.keys().map(Blob::heap_size).sum();
        self.scores.capacity() * (std::mem::size_of::<(u64, Blob, f64)>() + 16)
            + self.order.capacity() * (std::mem::size_of::<(Score, Blob)>() + 16)
            + 2 * member_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        entries: 128,
        value: 64,
    };

    #[test]
    fn ties_order_by_member_and_negative_zero_equals_zero() {
        let mut z = ZSet::new(1);
        z.insert(b"b", 0.0, LIMITS);
        z.insert(b"a", -0.0, LIMITS);
        z.insert(b"c", -1.0, LIMITS);
        let order: Vec<&[u8]> = z.iter().map(|(m, _)| m.as_slice()).collect();
        assert_eq!(order, [&b"c"[..], b"a", b"b"]);
        assert_eq!(z.rank(b"b"), Some(2));
    }

    #[test]
    fn listpack_stores_negative_zero_as_zero_and_skiplist_keeps_it() {
        let mut small = ZSet::new(1);
        small.insert(b"a", -0.0, LIMITS);
        assert!(small.score(b"a").is_some_and(|s| s.is_sign_positive()));
        let none = Limits {
            entries: 0,
            value: 64,
        };
        let mut big = ZSet::new(1);
        big.insert(b"a", -0.0, none);
        assert!(big.score(b"a").is_some_and(|s| s.is_sign_negative()));
        let built = ZSet::build(1, [(Blob::new(b"x"), -0.0)], LIMITS);
        assert!(built.score(b"x").is_some_and(|s| s.is_sign_positive()));
        assert_eq!(
            built.iter().next().map(|(_, s)| s.is_sign_positive()),
            Some(true)
        );
    }

    #[test]
    fn encoding_turns_to_skiplist_and_stays() {
        let small = Limits {
            entries: 2,
            value: 4,
        };
        let mut z = ZSet::new(1);
        z.insert(b"a", 1.0, small);
        z.insert(b"b", 2.0, small);
        assert_eq!(z.encoding(), "listpack");
        z.insert(b"c", 3.0, small);
        assert_eq!(z.encoding(), "skiplist");
        z.remove(b"c");
        z.remove(b"b");
        assert_eq!(z.encoding(), "skiplist");
        let mut z = ZSet::new(1);
        z.insert(b"long!", 1.0, small);
        assert_eq!(z.encoding(), "skiplist");
        let built = ZSet::build(1, [(Blob::new(b"x"), 1.0)], small);
        assert_eq!(built.encoding(), "listpack");
    }

    #[test]
    fn map_and_order_agree_after_mixed_changes() {
        let mut z = ZSet::new(9);
        for i in 0..500u32 {
            z.insert(format!("m{i}").as_bytes(), f64::from(i % 37), LIMITS);
        }
        for i in (0..500u32).step_by(3) {
            let (slot, _) = z.find(format!("m{i}").as_bytes()).unwrap();
            z.set_score(slot, -f64::from(i));
        }
        for i in (0..500u32).step_by(7) {
            z.remove(format!("m{i}").as_bytes());
        }
        let gone = z.remove_range(10, 50);
        assert_eq!(gone.len(), 50);
        let mut naive: Vec<(f64, Vec<u8>)> = (0..z.len())
            .filter_map(|i| z.at(i).map(|(m, s)| (s, m.to_vec())))
            .collect();
        naive.sort_by(|a, b| Score(a.0).cmp(&Score(b.0)).then_with(|| a.1.cmp(&b.1)));
        let ordered: Vec<(f64, Vec<u8>)> = z.iter().map(|(m, s)| (s, m.to_vec())).collect();
        assert_eq!(ordered, naive);
        for (rank, (_, m)) in naive.iter().enumerate() {
            assert_eq!(z.rank(m), Some(rank));
        }
    }
}
