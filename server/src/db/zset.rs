//! The sorted-set type: members ordered by (score, member).
//!
//! A map from member to score answers ZSCORE in O(1); an ordered index by
//! (score, member) answers range and rank queries. The encoding Redis would
//! report (`listpack` while small, `skiplist` past the limits, never back)
//! is tracked as a flag.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use super::Hasher;
use super::blob::Blob;

/// A score with a total order (scores are never NaN).
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Score(pub f64);

impl Eq for Score {}

impl Ord for Score {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// A sorted-set value.
#[derive(Clone, Debug)]
pub struct ZSet {
    /// Member → score.
    pub scores: IndexMap<Blob, f64, Hasher>,
    /// (score, member) in order.
    pub order: BTreeSet<(Score, Blob)>,
    /// Whether Redis would have converted it to a `skiplist`.
    pub big: bool,
}

impl ZSet {
    /// An empty sorted set whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        ZSet {
            scores: IndexMap::with_hasher(Hasher::with_seed(seed)),
            order: BTreeSet::new(),
            big: false,
        }
    }

    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        if self.big { "skiplist" } else { "listpack" }
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.scores.capacity() * (std::mem::size_of::<(u64, Blob, f64)>() + 16)
            + self.order.len() * (std::mem::size_of::<(Score, Blob)>() + 8)
            + self.scores.keys().map(|k| 2 * k.heap_size()).sum::<usize>()
    }
}
