//! The stream type: entries with unique, increasing IDs, each a list of
//! field-value pairs, and the consumer groups that read them.
//!
//! Entries are kept in an ordered map by ID. Beside it, [`node::Nodes`]
//! models the radix tree of listpacks Redis stores them in, which decides
//! what approximate trimming removes and what `XINFO STREAM` reports. The
//! stream also keeps the counters Redis 7.0 keeps: the last ID ever
//! generated, the largest ID ever deleted (`max-deleted-entry-id`) and the
//! number of entries ever added, from which a group's lag is estimated
//! ([`Stream::lag`]).
//!
//! This module stores and orders; parsing, replies, IDs from the clock and
//! keyspace side effects belong to `cmd::stream`.

pub mod group;
pub mod node;
pub(crate) mod rdb;

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use group::Group;
use node::{NodeLimits, Nodes, Strategy};

use super::blob::Blob;

/// A stream entry ID: milliseconds and a sequence number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamId {
    /// The milliseconds part.
    pub ms: u64,
    /// The sequence part.
    pub seq: u64,
}

impl StreamId {
    /// `0-0`.
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    /// The largest ID.
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    /// An ID from its parts.
    pub const fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// Whether this is `0-0`.
    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// The next ID, `None` past the largest.
    pub fn next(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (u64::MAX, u64::MAX) => None,
            (ms, u64::MAX) => Some(StreamId::new(ms + 1, 0)),
            (ms, seq) => Some(StreamId::new(ms, seq + 1)),
        }
    }

    /// The previous ID, `None` before `0-0`.
    pub fn prev(self) -> Option<StreamId> {
        match (self.ms, self.seq) {
            (0, 0) => None,
            (ms, 0) => Some(StreamId::new(ms - 1, u64::MAX)),
            (ms, seq) => Some(StreamId::new(ms, seq - 1)),
        }
    }

    /// The 128-bit big-endian key Redis files the ID under.
    pub fn key(self) -> [u8; 16] {
        let mut k = [0; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }
}

/// A text that is not `<ms>-<seq>` (or `<ms>`) in decimal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseStreamIdError;

impl fmt::Display for ParseStreamIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a stream ID: expected <ms>-<seq>")
    }
}

impl std::error::Error for ParseStreamIdError {}

impl std::str::FromStr for StreamId {
    type Err = ParseStreamIdError;

    /// `<ms>-<seq>`, or `<ms>` (sequence 0), in plain decimal.
    fn from_str(s: &str) -> Result<StreamId, ParseStreamIdError> {
        let (ms, seq) = s.split_once('-').unwrap_or((s, "0"));
        let part = |p: &str| {
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ParseStreamIdError);
            }
            p.parse::<u64>().map_err(|_| ParseStreamIdError)
        };
        Ok(StreamId::new(part(ms)?, part(seq)?))
    }
}

impl fmt::Display for StreamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A stream.
#[derive(Clone, Debug, Default)]
pub struct Stream {
    /// Live entries: fields and values alternating.
    entries: BTreeMap<StreamId, Box<[Blob]>>,
    nodes: Nodes,
    /// The last ID generated or set (`last-generated-id`).
    pub last_id: StreamId,
    /// The largest ID ever deleted (`max-deleted-entry-id`).
    pub max_deleted: StreamId,
    /// Entries ever added (`entries-added`).
    pub entries_added: u64,
    /// Consumer groups by name.
    pub groups: BTreeMap<Blob, Group>,
}

impl Stream {
    /// An empty stream.
    pub fn new() -> Stream {
        Stream::default()
    }

    /// Number of live entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is no live entry.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The radix tree of nodes.
    pub fn nodes(&self) -> &Nodes {
        &self.nodes
    }

    /// The first live entry's ID, `0-0` when empty.
    pub fn first_id(&self) -> StreamId {
        self.entries.keys().next().copied().unwrap_or_default()
    }

    /// The first live entry.
    pub fn first(&self) -> Option<(StreamId, &[Blob])> {
        self.entries.iter().next().map(|(k, v)| (*k, &v[..]))
    }

    /// The last live entry.
    pub fn last(&self) -> Option<(StreamId, &[Blob])> {
        self.entries.iter().next_back().map(|(k, v)| (*k, &v[..]))
    }

    /// The entry `id`, if live.
    pub fn get(&self, id: StreamId) -> Option<&[Blob]> {
        self.entries.get(&id).map(|v| &v[..])
    }

    /// Live entries with IDs from `start` to `end`, inclusive.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl DoubleEndedIterator<Item = (StreamId, &[Blob])> {
        let range = if start <= end {
            (Bound::Included(start), Bound::Included(end))
        } else {
            // An empty range (BTreeMap panics on reversed bounds).
            (Bound::Included(start), Bound::Excluded(start))
        };
        self.entries.range(range).map(|(k, v)| (*k, &v[..]))
    }

    /// Appends an entry with ID `id` (greater than [`Stream::last_id`]);
    /// `pairs` alternates fields and values.
    pub fn append(&mut self, id: StreamId, pairs: Vec<Blob>, limits: NodeLimits) {
        self.nodes.append(id, &pairs, limits);
        self.entries.insert(id, pairs.into_boxed_slice());
        self.last_id = id;
        self.entries_added += 1;
    }

    /// Deletes the entry `id`; true if it was live. Updates
    /// `max-deleted-entry-id`.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some(data) = self.entries.remove(&id) else {
            return false;
        };
        self.nodes.delete(id, data);
        if id > self.max_deleted {
            self.max_deleted = id;
        }
        true
    }

    /// Trims as Redis's `streamTrim` does (see [`Nodes::trim`]); returns
    /// how many entries went. Trimming does not move
    /// `max-deleted-entry-id`.
    pub fn trim(&mut self, strategy: Strategy, approx: bool, limit: u64) -> usize {
        let removed = self
            .nodes
            .trim(self.entries.len() as u64, strategy, approx, limit);
        for id in &removed {
            // Entries marked deleted inside a node that stays keep their
            // data there, for DUMP.
            if let Some(data) = self.entries.remove(id) {
                self.nodes.bury(*id, data);
            }
        }
        removed.len()
    }

    /// Whether a deleted entry may lie between `start` and `end` (whole
    /// stream ends when `None`), as Redis's `streamRangeHasTombstones`
    /// judges from `max-deleted-entry-id`.
    pub fn range_has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.entries.is_empty() || self.max_deleted.is_zero() {
            return false;
        }
        if self.first_id() > self.max_deleted {
            return false;
        }
        let start = start.unwrap_or(StreamId::MIN);
        let end = end.unwrap_or(StreamId::MAX);
        start <= self.max_deleted && self.max_deleted <= end
    }

    /// The logical read counter of `id` (how many entries were added up
    /// to it), where it can be known: Redis's
    /// `streamEstimateDistanceFromFirstEverEntry`.
    pub fn entries_read_at(&self, id: StreamId) -> Option<i64> {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.is_empty() && id <= self.last_id {
            return Some(added);
        }
        match id.cmp(&self.last_id) {
            std::cmp::Ordering::Equal => return Some(added),
            std::cmp::Ordering::Greater => return None,
            std::cmp::Ordering::Less => {}
        }
        let first = self.first_id();
        if self.max_deleted.is_zero() || self.max_deleted < first {
            let len = self.entries.len() as i64;
            match id.cmp(&first) {
                std::cmp::Ordering::Less => return Some(added - len),
                std::cmp::Ordering::Equal => return Some(added - len + 1),
                std::cmp::Ordering::Greater => {}
            }
        }
        None
    }

    /// The lag of `group` (entries not yet delivered to it), where it can
    /// be known.
    pub fn lag(&self, group: &Group) -> Option<i64> {
        let added = self.entries_added as i64;
        if self.entries_added == 0 {
            return Some(0);
        }
        if let Some(read) = group.entries_read
            && !self.range_has_tombstones(Some(group.last_id), None)
        {
            return Some(added - read);
        }
        self.entries_read_at(group.last_id).map(|read| added - read)
    }

    /// After delivering entry `id` to `group`: moves its last ID and read
    /// counter forward as Redis's `streamReplyWithRange` does.
    pub fn advance_group(&mut self, group: &[u8], id: StreamId) {
        let tombstones = self.range_has_tombstones(Some(id), None);
        let estimate = self.entries_read_at(id);
        let added = self.entries_added;
        let Some(g) = self.groups.get_mut(group) else {
            return;
        };
        if id <= g.last_id {
            return;
        }
        match g.entries_read {
            Some(n) if !tombstones => g.entries_read = Some(n + 1),
            _ if added > 0 => g.entries_read = estimate,
            _ => {}
        }
        g.last_id = id;
    }

    /// Rough bytes of memory held.
    pub fn heap_size(&self) -> usize {
        self.nodes.bytes() + self.groups.len() * 64
    }

    /// What Redis's `objectComputeSize` counts for a stream, less the
    /// object header: the stream struct, its radix tree as Redis estimates
    /// one, the listpacks (the first `samples` measured, the rest taken at
    /// their average, the tail node as it is) and the groups' PELs and
    /// consumers. Listpack allocations are rounded to jemalloc's size
    /// classes; the tail node is counted at least at the 4 KiB (or
    /// `stream-node-max-bytes`) Redis preallocates for it.
    pub fn memory_usage(&self, samples: usize, prealloc: usize) -> usize {
        let rax = |keys: usize, nodes: usize| keys * 16 + nodes * (4 + 8 * 30);
        let mut size = 80 + rax(self.nodes.len(), self.nodes.rax_nodes());
        let sizes = self.nodes.node_bytes();
        let count = sizes.len();
        let alloc = |i: usize, b: usize| {
            if i + 1 == count {
                node::alloc_class(b.max(prealloc))
            } else {
                node::alloc_class(b)
            }
        };
        let samples = samples.max(1);
        if count <= samples {
            size += sizes
                .iter()
                .enumerate()
                .map(|(i, &b)| alloc(i, b))
                .sum::<usize>();
        } else if !self.nodes.is_empty() {
            let sampled: usize = sizes[..samples]
                .iter()
                .enumerate()
                .map(|(i, &b)| alloc(i, b))
                .sum();
            size += sampled / samples * (count - 1) + alloc(count - 1, sizes[count - 1]);
        }
        for group in self.groups.values() {
            let pel: Vec<[u8; 16]> = group.pel.keys().map(|id| id.key()).collect();
            size += 40 + rax(pel.len(), node::rax_nodes_of(&pel)) + 24 * pel.len();
            for (name, consumer) in &group.consumers {
                let own: Vec<[u8; 16]> = consumer.pel.iter().map(|id| id.key()).collect();
                size += 24 + name.len() + rax(own.len(), node::rax_nodes_of(&own));
            }
        }
        size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> NodeLimits {
        NodeLimits {
            bytes: 4096,
            entries: 100,
        }
    }

    fn pairs() -> Vec<Blob> {
        vec![Blob::new(b"f"), Blob::new(b"v")]
    }

    #[test]
    fn ids_step_across_the_sequence_limit() {
        assert_eq!(StreamId::new(1, u64::MAX).next(), Some(StreamId::new(2, 0)));
        assert_eq!(StreamId::MAX.next(), None);
        assert_eq!(StreamId::new(2, 0).prev(), Some(StreamId::new(1, u64::MAX)));
        assert_eq!(StreamId::MIN.prev(), None);
        assert_eq!(StreamId::new(5, 3).to_string(), "5-3");
    }

    #[test]
    fn deletes_leave_tombstones_that_hide_the_read_counter() {
        let mut s = Stream::new();
        for ms in 1..=5 {
            s.append(StreamId::new(ms, 0), pairs(), limits());
        }
        assert_eq!(s.entries_read_at(StreamId::new(1, 0)), Some(1));
        assert_eq!(s.entries_read_at(StreamId::new(5, 0)), Some(5));
        assert_eq!(s.entries_read_at(StreamId::new(3, 0)), None);
        assert!(s.delete(StreamId::new(3, 0)));
        assert!(!s.delete(StreamId::new(3, 0)));
        assert_eq!(s.max_deleted, StreamId::new(3, 0));
        assert!(s.range_has_tombstones(None, None));
        assert!(!s.range_has_tombstones(Some(StreamId::new(4, 0)), None));
        assert_eq!(s.entries_read_at(StreamId::new(1, 0)), None);
        assert_eq!(s.range(StreamId::new(2, 0), StreamId::new(4, 0)).count(), 2);
        assert_eq!(s.range(StreamId::new(4, 0), StreamId::new(2, 0)).count(), 0);
    }
}
