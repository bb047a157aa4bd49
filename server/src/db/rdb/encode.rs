//! Writing a value's type byte and body, as Redis 7.0's
//! `rdbSaveObjectType` and `rdbSaveObject` write them.

use super::io::Writer;
use super::listpack::Builder;
use super::{DumpOptions, intset, lzf, types};
use crate::db::Value;
use crate::db::list::List;
use crate::db::set::Set;
use crate::db::zset::{Packed, ZSet};
use crate::num;

/// List node limits in bytes for `list-max-listpack-size` -1 to -5
/// (`optimization_level`).
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A node never grows past this under a count limit (`SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;
/// What a quicklist adds to an element's size to guess its cost
/// (`SIZE_ESTIMATE_OVERHEAD`).
const SIZE_ESTIMATE_OVERHEAD: usize = 8;
/// Elements this large get a node of their own (`packed_threshold`).
const PACKED_THRESHOLD: usize = 1 << 30;
/// The most elements a count limit allows (`FILL_MAX`).
const FILL_MAX: i64 = (1 << 15) - 1;
/// Nodes smaller than this are never compressed (`MIN_COMPRESS_BYTES`).
const MIN_COMPRESS_BYTES: usize = 48;
/// A compressed node must be this much smaller (`MIN_COMPRESS_IMPROVE`).
const MIN_COMPRESS_IMPROVE: usize = 8;

/// Quicklist containers (`QUICKLIST_NODE_CONTAINER_*`).
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// The type byte and body of `value`.
pub(super) fn value(value: &Value, options: &DumpOptions) -> Vec<u8> {
    let mut w = Writer::new(options.compress);
    match value {
        Value::Str(b) | Value::RawStr(b) => {
            w.byte(types::STRING);
            w.string(b);
        }
        Value::Int(n) => {
            w.byte(types::STRING);
            w.int_string(*n);
        }
        Value::List(l) => {
            w.byte(types::LIST_QUICKLIST_2);
            list(&mut w, l, options);
        }
        Value::Set(s) => set(&mut w, s),
        Value::Hash(h) if h.is_listpack() => {
            w.byte(types::HASH_LISTPACK);
            let mut lp = Builder::new();
            for (f, v) in h.iter() {
                lp.push(f);
                lp.push(v);
            }
            w.string(&lp.finish());
        }
        Value::Hash(h) => {
            w.byte(types::HASH);
            w.len(h.len() as u64);
            for (f, v) in h.iter() {
                w.string(f);
                w.string(v);
            }
        }
        Value::ZSet(z) => zset(&mut w, z),
        Value::Stream(s) => {
            w.byte(types::STREAM_LISTPACKS_2);
            crate::db::stream::rdb::encode(s, &mut w);
        }
    }
    w.out
}

/// One node of a quicklist.
enum Node<'a> {
    /// A listpack of elements.
    Packed(Vec<u8>),
    /// One element too large for a listpack.
    Plain(&'a [u8]),
}

/// Whether a quicklist node of `bytes` bytes and `count` elements takes
/// another element of `size` bytes (`_quicklistNodeAllowInsert`).
fn allows_insert(bytes: usize, count: usize, fill: i64, size: usize) -> bool {
    let new_size = bytes + size + SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        let level = usize::try_from(-fill - 1).unwrap_or(usize::MAX);
        if OPTIMIZATION_LEVEL
            .get(level)
            .is_some_and(|&limit| new_size <= limit)
        {
            return true;
        }
    }
    new_size <= SIZE_SAFETY_LIMIT && (count as i64) < fill
}

/// A list as Redis writes a quicklist: its nodes as an RPUSH of every
/// element would split them, each a listpack (or a plain element), the
/// inner ones LZF-compressed under `list-compress-depth` as the quicklist
/// keeps them.
fn list(w: &mut Writer, l: &List, options: &DumpOptions) {
    let fill = options.list_fill.clamp(-5, FILL_MAX);
    let mut nodes: Vec<Node<'_>> = Vec::new();
    let mut current: Option<Builder> = None;
    for item in &l.items {
        if item.len() >= PACKED_THRESHOLD {
            if let Some(b) = current.take() {
                nodes.push(Node::Packed(b.finish()));
            }
            nodes.push(Node::Plain(item));
            continue;
        }
        let fits = current
            .as_ref()
            .is_some_and(|b| allows_insert(b.bytes(), b.count(), fill, item.len()));
        if !fits && let Some(b) = current.replace(Builder::new()) {
            nodes.push(Node::Packed(b.finish()));
        }
        if let Some(b) = current.as_mut() {
            b.push(item);
        }
    }
    if let Some(b) = current {
        nodes.push(Node::Packed(b.finish()));
    }
    let depth = usize::try_from(options.list_compress_depth).unwrap_or(0);
    let n = nodes.len();
    w.len(n as u64);
    for (i, node) in nodes.iter().enumerate() {
        let (container, bytes) = match node {
            Node::Packed(lp) => (CONTAINER_PACKED, &lp[..]),
            Node::Plain(item) => (CONTAINER_PLAIN, *item),
        };
        w.len(container);
        let inner = depth > 0 && i >= depth && i + depth < n;
        if inner
            && bytes.len() >= MIN_COMPRESS_BYTES
            && let Some(c) = lzf::compress(bytes, bytes.len())
            && c.len() + MIN_COMPRESS_IMPROVE < bytes.len()
        {
            w.lzf_blob(&c, bytes.len());
        } else {
            w.string(bytes);
        }
    }
}

/// A set: an intset blob, or its members one by one.
fn set(w: &mut Writer, s: &Set) {
    if s.is_intset() {
        w.byte(types::SET_INTSET);
        let members: Vec<i64> = s
            .ordered()
            .into_iter()
            .filter_map(|m| num::parse_i64(m))
            .collect();
        w.string(&intset::encode(&members, s.intset_width()));
    } else {
        w.byte(types::SET);
        w.len(s.len() as u64);
        for m in s.iter() {
            w.string(m);
        }
    }
}

/// A sorted set: a listpack of member and score in order, or members with
/// binary scores from the highest to the lowest (`RDB_TYPE_ZSET_2`).
fn zset(w: &mut Writer, z: &ZSet) {
    if z.is_listpack() {
        w.byte(types::ZSET_LISTPACK);
        let mut lp = Builder::new();
        for (m, score) in z.iter() {
            lp.push(m);
            match Packed::of(score) {
                Packed::Int(v) => lp.push_int(v),
                Packed::Text(d) => lp.push(num::format_double(d).as_bytes()),
            }
        }
        w.string(&lp.finish());
    } else {
        w.byte(types::ZSET_2);
        w.len(z.len() as u64);
        if !z.is_empty() {
            for (m, score) in z.iter_rev_from(z.len() - 1) {
                w.string(m);
                w.binary_double(score);
            }
        }
    }
}
