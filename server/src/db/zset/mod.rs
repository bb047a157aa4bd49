//! The sorted-set type: unique members ordered by (score, member).
//!
//! Two views of the same elements, as in Redis: a map from member to score
//! answers ZSCORE and membership in O(1) and gives O(1) access by position
//! (ZRANDMEMBER, ZSCAN cursors); an order-statistic [`Tree`] of
//! (score, member) answers rank, select and range seeks in O(log n). Ties
//! on score order by member bytes (memcmp), and `-0` equals `0`, since
//! Redis compares scores with `<` and `==`.
//!
//! The encoding Redis would report is tracked as Redis changes it
//! ([`Encoding`]): a set starts as whichever encoding its creating command
//! picks, a `listpack` turns into a `skiplist` when an insert would break
//! `zset-max-listpack-entries` or `zset-max-listpack-value`, and only the
//! STORE commands turn a `skiplist` back (see [`ZSet::build`]). Storage is
//! the same either way; what the encoding changes is visible in two ways:
//! a few replies (ZSCAN, ZRANDMEMBER orders, lex ranges over mixed scores)
//! follow it, so the commands consult it, and a `listpack` holds a score
//! in its own form, which keeps every double but the sign of a zero (see
//! [`listpack_score`]). A `-0` therefore survives exactly where Redis
//! keeps it: in a `skiplist`, and in computed replies.
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

impl Limits {
    /// Whether `len` members, the longest `longest` bytes, fit a
    /// `listpack` (Redis's test before turning a `skiplist` back).
    pub fn fit(self, len: usize, longest: usize) -> bool {
        len <= self.entries && longest <= self.value
    }
}

/// How Redis holds a sorted set, as `OBJECT ENCODING` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// One flat array of member and score entries, scores in the
    /// listpack's own form ([`Packed`]).
    Listpack,
    /// A hash table beside a skiplist, scores as doubles.
    Skiplist,
}

impl Encoding {
    /// The name `OBJECT ENCODING` reports.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Listpack => "listpack",
            Encoding::Skiplist => "skiplist",
        }
    }
}

/// A score as a `listpack` entry holds it (Redis's `zzlInsertAt`): as an
/// integer when `double2ll` takes it (integral and within ±2^62),
/// otherwise as its `%.17g` text (`inf`, `-inf` for the infinities).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Packed {
    /// An integer entry.
    Int(i64),
    /// A text entry, which reads back as exactly this double.
    Text(f64),
}

impl Packed {
    /// How a listpack stores `score`.
    pub fn of(score: f64) -> Packed {
        // LLONG_MAX / 2 as a double, the bound of Redis's double2ll.
        const BOUND: f64 = (i64::MAX / 2) as f64;
        if (-BOUND..=BOUND).contains(&score) && score.fract() == 0.0 {
            // Integral and in range: the cast is exact.
            Packed::Int(score as i64)
        } else {
            Packed::Text(score)
        }
    }

    /// The score read back from the entry (Redis's `zzlGetScore`).
    pub fn score(self) -> f64 {
        match self {
            Packed::Int(i) => i as f64,
            Packed::Text(score) => score,
        }
    }
}

/// The score a `listpack` gives back after storing `score`: every double
/// but `-0`, which an integer entry holds as `0`.
pub fn listpack_score(score: f64) -> f64 {
    Packed::of(score).score()
}

/// Where a member sits in a [`ZSet`]'s map (see [`ZSet::find`]).
#[derive(Debug, Clone, Copy)]
pub struct Slot(usize);

/// A sorted-set value.
#[derive(Clone, Debug)]
pub struct ZSet {
    scores: IndexMap<Blob, f64, Hasher>,
    order: Tree<(Score, Blob)>,
    encoding: Encoding,
}

impl ZSet {
    /// An empty `listpack` sorted set whose map hashes with `seed` (Redis's
    /// `createZsetListpackObject`).
    pub fn new(seed: u64) -> Self {
        ZSet::with_encoding(seed, Encoding::Listpack)
    }

    /// An empty sorted set held as `encoding`, for the commands that pick
    /// the encoding of the set they create (ZADD from its first member,
    /// ZRANGESTORE from the length of its range).
    pub fn with_encoding(seed: u64, encoding: Encoding) -> Self {
        ZSet {
            scores: IndexMap::with_hasher(Hasher::with_seed(seed)),
            order: Tree::new(seed ^ 0x5A5E_7000_0000_0001),
            encoding,
        }
    }

    /// The result of a set operation (ZUNIONSTORE, ZINTERSTORE,
    /// ZDIFFSTORE) from `items` (members unique), as Redis makes it: a
    /// `skiplist` holding the computed scores, turned into a `listpack` if
    /// it fits ([`ZSet::convert_if_fits`]), which is where a computed
    /// `-0` becomes `0`.
    pub fn build(seed: u64, items: impl IntoIterator<Item = (Blob, f64)>, limits: Limits) -> Self {
        let mut z = ZSet::with_encoding(seed, Encoding::Skiplist);
        for (member, score) in items {
            if z.scores.insert(member.clone(), score).is_none() {
                z.order.insert_absent((Score(score), member));
            }
        }
        z.convert_if_fits(limits);
        z
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        self.encoding.name()
    }

    /// Whether Redis would hold this set as a listpack (a flat array).
    pub fn is_listpack(&self) -> bool {
        self.encoding == Encoding::Listpack
    }

    /// Turns the set into `to`, as Redis's `zsetConvert`: into a
    /// `skiplist`, scores are taken as the listpack gives them back (so a
    /// `0` that was `-0` stays `0`); into a `listpack`, every score is
    /// stored in the listpack's form ([`listpack_score`]).
    pub fn convert(&mut self, to: Encoding) {
        if self.encoding == to {
            return;
        }
        self.encoding = to;
        if to == Encoding::Listpack {
            for i in 0..self.scores.len() {
                let Some((_, &score)) = self.scores.get_index(i) else {
                    continue;
                };
                let kept = listpack_score(score);
                // Bits, not `==`: `-0 == 0`, and the sign is what changes.
                if kept.to_bits() != score.to_bits() {
                    self.replace_score(Slot(i), kept);
                }
            }
        }
    }

    /// Turns a `skiplist` into a `listpack` if the set fits `limits`
    /// (Redis's `zsetConvertToListpackIfNeeded`, which only the STORE
    /// commands call); a `listpack` stays as it is.
    pub fn convert_if_fits(&mut self, limits: Limits) {
        if self.encoding == Encoding::Listpack {
            return;
        }
        let longest = self.scores.keys().map(|m| m.len()).max().unwrap_or(0);
        if limits.fit(self.len(), longest) {
            self.convert(Encoding::Listpack);
        }
    }

    /// `score` as this set's encoding stores it.
    fn stored(&self, score: f64) -> f64 {
        match self.encoding {
            Encoding::Listpack => listpack_score(score),
            Encoding::Skiplist => score,
        }
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

    /// Adds `member`, absent until now, with `score`, as Redis's `zsetAdd`
    /// does: a `listpack` the new member would not fit becomes a
    /// `skiplist` first, and the score is stored in the set's encoding.
    /// Returns false (and changes nothing) if `member` was present.
    pub fn insert(&mut self, member: &[u8], score: f64, limits: Limits) -> bool {
        if self.scores.contains_key(member) {
            return false;
        }
        if self.encoding == Encoding::Listpack
            && (self.len() + 1 > limits.entries || member.len() > limits.value)
        {
            self.convert(Encoding::Skiplist);
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
    /// no change to the set in between), stored in the set's encoding; the
    /// encoding stays (Redis converts only when a member is added).
    pub fn set_score(&mut self, slot: Slot, score: f64) {
        self.replace_score(slot, self.stored(score));
    }

    /// Puts `score`, as given, at `slot` in the map and in the order.
    fn replace_score(&mut self, slot: Slot, score: f64) {
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
    fn listpack_scores_lose_only_the_sign_of_zero() {
        let bits = |x: f64| listpack_score(x).to_bits();
        assert_eq!(bits(-0.0), 0.0f64.to_bits());
        for x in [
            0.0,
            1.0,
            -3.0,
            0.1,
            -2.5,
            1e308,
            -1e-300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4_611_686_018_427_387_904.0,
            9_223_372_036_854_775_807.0,
            -9_223_372_036_854_775_808.0,
        ] {
            assert_eq!(bits(x), x.to_bits(), "{x}");
        }
    }

    #[test]
    fn conversions_carry_scores_as_redis_does() {
        let one = Limits {
            entries: 1,
            value: 64,
        };
        // A listpack's -0 is already 0; turning it into a skiplist keeps 0.
        let mut z = ZSet::new(1);
        z.insert(b"a", -0.0, one);
        z.insert(b"b", -0.0, one);
        assert_eq!(z.encoding(), "skiplist");
        assert!(z.score(b"a").is_some_and(|s| s.is_sign_positive()));
        assert!(z.score(b"b").is_some_and(|s| s.is_sign_negative()));
        // A skiplist's -0 keeps its sign until the set becomes a listpack.
        let (slot, _) = z.find(b"a").unwrap();
        z.set_score(slot, -0.0);
        assert!(z.score(b"a").is_some_and(|s| s.is_sign_negative()));
        z.convert(Encoding::Listpack);
        assert_eq!(z.encoding(), "listpack");
        for (m, s) in z.iter() {
            assert!(s.is_sign_positive(), "{m:?}");
            assert!(z.score(m).is_some_and(|s| s.is_sign_positive()), "{m:?}");
        }
        // Updates in a listpack store the listpack's form too.
        let (slot, _) = z.find(b"a").unwrap();
        z.set_score(slot, 1.0);
        let (slot, _) = z.find(b"a").unwrap();
        z.set_score(slot, -0.0);
        assert!(z.score(b"a").is_some_and(|s| s.is_sign_positive()));
    }

    #[test]
    fn built_sets_become_listpacks_only_when_they_fit() {
        let small = Limits {
            entries: 2,
            value: 3,
        };
        let items = |names: &[&str]| -> Vec<(Blob, f64)> {
            names.iter().map(|n| (Blob::from(*n), -0.0)).collect()
        };
        let fits = ZSet::build(1, items(&["a", "bcd"]), small);
        assert_eq!(fits.encoding(), "listpack");
        assert!(fits.iter().all(|(_, s)| s.is_sign_positive()));
        for names in [&["a", "b", "c"][..], &["a", "long"][..]] {
            let big = ZSet::build(1, items(names), small);
            assert_eq!(big.encoding(), "skiplist", "{names:?}");
            assert!(big.iter().all(|(_, s)| s.is_sign_negative()));
        }
        let mut empty_skiplist = ZSet::with_encoding(1, Encoding::Skiplist);
        empty_skiplist.convert_if_fits(small);
        assert_eq!(empty_skiplist.encoding(), "listpack");
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
