//! The set type: unique byte strings.
//!
//! Kept in an insertion-ordered set (O(1) membership, O(1) random member
//! for SPOP/SRANDMEMBER, stable cursors for SSCAN). The encoding Redis would
//! report (`intset` while every member is an integer and the set is small,
//! `hashtable` otherwise, never back) is tracked as a flag.

use indexmap::IndexSet;

use super::Hasher;
use super::blob::Blob;

/// A set value.
#[derive(Clone, Debug)]
pub struct Set {
    /// The members.
    pub members: IndexSet<Blob, Hasher>,
    /// Whether Redis would have converted it to a `hashtable`.
    pub big: bool,
}

impl Set {
    /// An empty set whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        Set {
            members: IndexSet::with_hasher(Hasher::with_seed(seed)),
            big: false,
        }
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
