//! The list type: a deque of byte strings.
//!
//! Redis 7.0 keeps every list as a `quicklist` (a linked list of listpacks);
//! redsim keeps a `VecDeque`, which gives O(1) pushes and pops at both ends
//! and O(1) indexing, and reports `quicklist` as its encoding.

use std::collections::VecDeque;

use super::blob::Blob;

/// A list value.
#[derive(Clone, Debug, Default)]
pub struct List {
    /// The elements, head first.
    pub items: VecDeque<Blob>,
}

impl List {
    /// The name `OBJECT ENCODING` reports.
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.items.capacity() * std::mem::size_of::<Blob>()
            + self.items.iter().map(Blob::heap_size).sum::<usize>()
    }
}
