//! The hash type: a map of fields to values.
//!
//! Kept in an insertion-ordered map (O(1) access, O(1) random field for
//! HRANDFIELD, stable cursors for HSCAN). The encoding Redis would report
//! (`listpack` while small, `hashtable` once past the configured limits,
//! never back) is tracked as a flag.

use indexmap::IndexMap;

use super::Hasher;
use super::blob::Blob;

/// A hash value.
#[derive(Clone, Debug)]
pub struct Hash {
    /// Field → value.
    pub fields: IndexMap<Blob, Blob, Hasher>,
    /// Whether Redis would have converted it to a `hashtable`.
    pub big: bool,
}

impl Hash {
    /// An empty hash whose map hashes with `seed`.
    pub fn new(seed: u64) -> Self {
        Hash {
            fields: IndexMap::with_hasher(Hasher::with_seed(seed)),
            big: false,
        }
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
