//! How Redis lays a stream out in memory, modelled only as far as it is
//! visible: the radix tree of listpack nodes. Approximate trimming
//! (`MAXLEN ~`, `MINID ~`) removes whole nodes only, so which entries
//! share a node decides what `XTRIM ~` removes; and `XINFO STREAM` reports
//! the number of nodes (`radix-tree-keys`) and of radix-tree nodes.
//!
//! A node starts with a *master entry* (live count, deleted count, the
//! field names of its first entry) and holds its entries as listpack
//! elements: flags, the ID as deltas from the node's first ID, the field
//! names unless they equal the master's, the values, and a back count.
//! Redis opens a new node when the tail node's listpack bytes plus the new
//! entry's field and value bytes reach `stream-node-max-bytes`, or when it
//! holds `stream-node-max-entries` entries, deleted ones included; so the
//! byte size of every element is modelled as `listpack.c` encodes it
//! (integers in 1 to 9 bytes, strings with a 1, 2 or 5 byte header, and a
//! back-length of 1 to 5 bytes).
//!
//! This module keeps IDs and sizes, and the data of the entries marked
//! deleted (a DUMP payload carries them, as Redis's listpacks do); the
//! live entries' data live in the stream's ordered map beside it.

use std::collections::BTreeMap;

use super::StreamId;
use crate::db::Blob;

/// Largest listpack Redis builds for a stream node (`STREAM_LISTPACK_MAX_SIZE`).
pub const LISTPACK_MAX: usize = 1 << 30;

/// Bytes of a listpack element's encoding of the integer `v`.
fn int_encoding(v: i64) -> usize {
    match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32_768..=32_767 => 3,
        -8_388_608..=8_388_607 => 4,
        _ if i32::try_from(v).is_ok() => 5,
        _ => 9,
    }
}

/// Bytes of the back-length that follows an element of `len` bytes.
fn backlen(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..16_383 => 2,
        16_383..2_097_151 => 3,
        2_097_151..268_435_455 => 4,
        _ => 5,
    }
}

/// Bytes of the listpack element holding the integer `v`.
pub fn int_bytes(v: i64) -> usize {
    let len = int_encoding(v);
    len + backlen(len)
}

/// Bytes of the listpack element holding `bytes`: as an integer when they
/// are one in canonical form (`lpStringToInt64`), as a string otherwise.
pub fn elem_bytes(bytes: &[u8]) -> usize {
    let len = match crate::num::parse_i64(bytes) {
        Some(v) => int_encoding(v),
        None => {
            let n = bytes.len();
            n + match n {
                0..64 => 1,
                64..4096 => 2,
                _ => 5,
            }
        }
    };
    len + backlen(len)
}

/// One entry of a node, live or marked deleted.
#[derive(Clone, Debug)]
pub(super) struct Item {
    pub(super) id: StreamId,
    pub(super) deleted: bool,
    /// The fields and values of an entry marked deleted, once known.
    pub(super) data: Option<Box<[Blob]>>,
}

/// One listpack of the radix tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub(super) fields: Vec<Blob>,
    pub(super) items: Vec<Item>,
    pub(super) live: usize,
    pub(super) deleted: usize,
    /// Bytes of the master entry's field names.
    fields_bytes: usize,
    /// Bytes of the entries (their flags change on deletion, never their size).
    items_bytes: usize,
}

impl Node {
    /// The listpack's total bytes (`lpBytes`): header, master entry,
    /// entries and end byte.
    pub fn bytes(&self) -> usize {
        6 + int_bytes(self.live as i64)
            + int_bytes(self.deleted as i64)
            + int_bytes(self.fields.len() as i64)
            + self.fields_bytes
            + int_bytes(0)
            + self.items_bytes
            + 1
    }

    fn last_id(&self) -> StreamId {
        self.items.last().map_or(StreamId::MIN, |i| i.id)
    }
}

/// The node limits in force (`stream-node-max-bytes`, `stream-node-max-entries`).
#[derive(Clone, Copy, Debug)]
pub struct NodeLimits {
    /// `stream-node-max-bytes` (0: no limit but Redis's own).
    pub bytes: u64,
    /// `stream-node-max-entries` (0: no limit).
    pub entries: u64,
}

/// How a trim chooses what goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Keep at most this many entries.
    MaxLen(u64),
    /// Remove the entries below this ID.
    MinId(StreamId),
}

/// The radix tree of nodes, by the ID of each node's first entry.
#[derive(Clone, Debug, Default)]
pub struct Nodes {
    pub(super) tree: BTreeMap<StreamId, Node>,
}

impl Nodes {
    /// Number of nodes (`radix-tree-keys`).
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether there is no node.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Total listpack bytes of every node.
    pub fn bytes(&self) -> usize {
        self.tree.values().map(Node::bytes).sum()
    }

    /// Records an entry appended at the end, opening a new node as
    /// Redis's `streamAppendItem` does. `pairs` alternates fields and values.
    pub fn append(&mut self, id: StreamId, pairs: &[Blob], limits: NodeLimits) {
        let payload: usize = pairs.iter().map(|p| p.len()).sum();
        let max_bytes = match limits.bytes {
            0 => LISTPACK_MAX,
            b => usize::try_from(b).unwrap_or(LISTPACK_MAX).min(LISTPACK_MAX),
        };
        let full = self.tree.last_key_value().is_none_or(|(_, n)| {
            n.bytes() + payload >= max_bytes
                || (limits.entries > 0 && (n.live + n.deleted) as u64 >= limits.entries)
        });
        if full {
            self.open(id, pairs.iter().step_by(2).cloned().collect());
        }
        self.push(id, pairs);
    }

    /// Opens a node keyed `master` whose master entry holds `fields`.
    pub(super) fn open(&mut self, master: StreamId, fields: Vec<Blob>) {
        let fields_bytes = fields.iter().map(|f| elem_bytes(f)).sum();
        self.tree.insert(
            master,
            Node {
                fields,
                items: Vec::new(),
                live: 0,
                deleted: 0,
                fields_bytes,
                items_bytes: 0,
            },
        );
    }

    /// Records a live entry appended to the last node.
    pub(super) fn push(&mut self, id: StreamId, pairs: &[Blob]) {
        let names = || pairs.iter().step_by(2);
        let Some((master, node)) = self.tree.iter_mut().next_back() else {
            return;
        };
        let same = node.fields.len() * 2 == pairs.len()
            && node.fields.iter().zip(names()).all(|(a, b)| a == b);
        let numfields = pairs.len() / 2;
        let mut bytes = int_bytes(if same { 2 } else { 0 })
            + int_bytes(id.ms.wrapping_sub(master.ms) as i64)
            + int_bytes(id.seq.wrapping_sub(master.seq) as i64);
        let mut count = numfields + 3;
        if same {
            bytes += pairs
                .iter()
                .skip(1)
                .step_by(2)
                .map(|v| elem_bytes(v))
                .sum::<usize>();
        } else {
            bytes += int_bytes(numfields as i64);
            bytes += pairs.iter().map(|p| elem_bytes(p)).sum::<usize>();
            count += numfields + 1;
        }
        bytes += int_bytes(count as i64);
        node.items.push(Item {
            id,
            deleted: false,
            data: None,
        });
        node.live += 1;
        node.items_bytes += bytes;
    }

    /// Marks the entry `id` deleted (it must be live), keeping its
    /// `data`; a node left with no live entry goes, as Redis's
    /// `streamIteratorRemoveEntry` removes it.
    pub fn delete(&mut self, id: StreamId, data: Box<[Blob]>) {
        let Some((&master, node)) = self.tree.range_mut(..=id).next_back() else {
            return;
        };
        if let Ok(i) = node.items.binary_search_by(|it| it.id.cmp(&id))
            && !node.items[i].deleted
        {
            node.items[i].deleted = true;
            node.items[i].data = Some(data);
            node.live -= 1;
            node.deleted += 1;
        }
        if node.live == 0 {
            self.tree.remove(&master);
        }
    }

    /// Trims as Redis's `streamTrim`: whole nodes from the head while the
    /// strategy allows, then (unless `approx`) entries inside the next
    /// node; `limit` (0: none) caps the entries removed, counted in whole
    /// nodes. `length` is the stream's live length. Returns the IDs of the
    /// live entries removed, in order.
    pub fn trim(
        &mut self,
        length: u64,
        strategy: Strategy,
        approx: bool,
        limit: u64,
    ) -> Vec<StreamId> {
        let mut length = length;
        let mut removed = Vec::new();
        while let Some(mut entry) = self.tree.first_entry() {
            if let Strategy::MaxLen(max) = strategy
                && length <= max
            {
                break;
            }
            let node = entry.get_mut();
            let entries = node.live as u64;
            if limit > 0 && removed.len() as u64 + entries > limit {
                break;
            }
            let whole = match strategy {
                Strategy::MaxLen(max) => length - entries >= max,
                Strategy::MinId(min) => node.last_id() < min,
            };
            if whole {
                let node = entry.remove();
                removed.extend(node.items.iter().filter(|i| !i.deleted).map(|i| i.id));
                length -= entries;
                continue;
            }
            if approx {
                break;
            }
            for item in &mut node.items {
                let stop = match strategy {
                    Strategy::MaxLen(max) => length <= max,
                    Strategy::MinId(min) => item.id >= min,
                };
                if stop {
                    break;
                }
                if !item.deleted {
                    item.deleted = true;
                    node.live -= 1;
                    node.deleted += 1;
                    length -= 1;
                    removed.push(item.id);
                }
            }
            break;
        }
        removed
    }

    /// Keeps the data of the entry `id`, marked deleted by a trim, if its
    /// node is still there.
    pub fn bury(&mut self, id: StreamId, data: Box<[Blob]>) {
        if let Some((_, node)) = self.tree.range_mut(..=id).next_back()
            && let Ok(i) = node.items.binary_search_by(|it| it.id.cmp(&id))
            && node.items[i].deleted
        {
            node.items[i].data = Some(data);
        }
    }

    /// Number of radix-tree nodes (`radix-tree-nodes`) holding the nodes'
    /// keys (each a 16-byte big-endian ID), as Redis's compressed radix
    /// tree holds them: the head, one node per branching point, per
    /// child of one, per compressed run and per key.
    pub fn rax_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.tree.keys().map(|id| id.key()).collect();
        rax_nodes_of(&keys)
    }

    /// The listpack bytes of each node, first to last.
    pub fn node_bytes(&self) -> Vec<usize> {
        self.tree.values().map(Node::bytes).collect()
    }
}

/// Radix-tree nodes of a tree holding `keys` (sorted): 1 for an empty tree.
pub fn rax_nodes_of(keys: &[[u8; 16]]) -> usize {
    if keys.is_empty() {
        return 1;
    }
    rax_count(keys, 0)
}

/// The size jemalloc allocates for a request of `n` bytes: 8, multiples of
/// 16 up to 128, then four classes per doubling.
pub fn alloc_class(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.div_ceil(16) * 16;
    }
    let group = (usize::BITS - 1 - (n - 1).leading_zeros()) as usize;
    let step = 1usize << (group - 2);
    n.div_ceil(step) * step
}

/// Radix-tree nodes below (and including) the node at `depth` whose
/// subtree holds `keys` (sorted, sharing their first `depth` bytes).
fn rax_count(keys: &[[u8; 16]], depth: usize) -> usize {
    if depth == 16 {
        return 1;
    }
    let first = &keys[0];
    let last = &keys[keys.len() - 1];
    let common = (depth..16).take_while(|&i| first[i] == last[i]).count();
    if common > 0 {
        // A compressed run down to the next branching point or key.
        return 1 + rax_count(keys, depth + common);
    }
    let mut total = 1;
    let mut start = 0;
    while start < keys.len() {
        let byte = keys[start][depth];
        let end = start
            + keys[start..]
                .iter()
                .take_while(|k| k[depth] == byte)
                .count();
        total += rax_count(&keys[start..end], depth + 1);
        start = end;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64) -> StreamId {
        StreamId { ms, seq: 0 }
    }

    #[test]
    fn elements_take_listpack_sizes() {
        assert_eq!(int_bytes(0), 2);
        assert_eq!(int_bytes(127), 2);
        assert_eq!(int_bytes(128), 3);
        assert_eq!(int_bytes(-1), 3);
        assert_eq!(int_bytes(40_000), 5);
        assert_eq!(elem_bytes(b"abc"), 5);
        assert_eq!(elem_bytes(b"12"), 2);
        assert_eq!(elem_bytes(&[b'x'; 64]), 67);
        assert_eq!(elem_bytes(&[b'x'; 200]), 204);
    }

    #[test]
    fn nodes_split_by_entries_and_trim_whole_nodes_when_approximate() {
        let mut nodes = Nodes::default();
        let limits = NodeLimits {
            bytes: 4096,
            entries: 10,
        };
        let pairs = [Blob::new(b"f"), Blob::new(b"v")];
        for ms in 1..=25 {
            nodes.append(id(ms), &pairs, limits);
        }
        assert_eq!(nodes.len(), 3);
        let removed = nodes.trim(25, Strategy::MaxLen(12), true, 0);
        assert_eq!(removed.len(), 10);
        let removed = nodes.trim(15, Strategy::MaxLen(12), false, 0);
        assert_eq!(removed, vec![id(11), id(12), id(13)]);
    }

    #[test]
    fn rax_counts_compressed_runs_and_branches() {
        let mut nodes = Nodes::default();
        assert_eq!(nodes.rax_nodes(), 1);
        let limits = NodeLimits {
            bytes: 4096,
            entries: 1,
        };
        let pairs = [Blob::new(b"f"), Blob::new(b"v")];
        nodes.append(id(1), &pairs, limits);
        assert_eq!(nodes.rax_nodes(), 2);
        // The keys differ at byte 7: a run to the branch, the branch, and
        // under it a run and a leaf for each key.
        nodes.append(id(2), &pairs, limits);
        assert_eq!(nodes.rax_nodes(), 6);
    }
}
