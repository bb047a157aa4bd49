//! A stream in an RDB payload (`RDB_TYPE_STREAM_LISTPACKS_2`, and the
//! older `RDB_TYPE_STREAM_LISTPACKS` when reading), as Redis 7.0's
//! `rdbSaveObject` writes it and `rdbLoadObject` reads it.
//!
//! # Layout
//! The number of nodes, then per node its key (the master ID, 16 bytes
//! big-endian) and its listpack: the master entry (live count, deleted
//! count, field count, the field names, a 0), then per entry its flags
//! (1 deleted, 2 same fields as the master), its ID as differences from
//! the master ID, its field count and names unless the flags say they are
//! the master's, its values, and the number of elements it took. Then the
//! stream's length, last ID, first ID, largest deleted ID and entries ever
//! added; then the groups in name order, each with its last ID, read
//! counter (-1 when unknown), pending entries (ID, delivery time, delivery
//! count) and consumers (name, seen time, own pending IDs).
//!
//! Reading applies the checks of `streamValidateListpackIntegrity` with
//! deep sanitization, plus what redsim's model needs to stay consistent
//! (IDs ascending through the nodes, every pending entry owned by exactly
//! one consumer, the last ID not below an entry); a payload failing them
//! is refused.

use std::collections::{BTreeMap, BTreeSet};

use super::group::{Consumer, Group, Nack};
use super::{Stream, StreamId};
use crate::db::Blob;
use crate::db::rdb::io::{Reader, Writer};
use crate::db::rdb::listpack::{self, Builder, Elem};

/// Entry flag: marked deleted.
const FLAG_DELETED: i64 = 1;
/// Entry flag: same field names as the master entry.
const FLAG_SAMEFIELDS: i64 = 2;

/// The ID a radix-tree key holds.
fn id_of(key: &[u8; 16]) -> StreamId {
    let (ms, seq) = key.split_at(8);
    let word = |b: &[u8]| u64::from_be_bytes(b.try_into().unwrap_or_default());
    StreamId::new(word(ms), word(seq))
}

/// Writes the stream `s` after its type byte.
pub(crate) fn encode(s: &Stream, w: &mut Writer) {
    w.len(s.nodes.tree.len() as u64);
    for (master, node) in &s.nodes.tree {
        w.string(&master.key());
        let mut lp = Builder::new();
        lp.push_int(node.live as i64);
        lp.push_int(node.deleted as i64);
        lp.push_int(node.fields.len() as i64);
        for f in &node.fields {
            lp.push(f);
        }
        lp.push_int(0);
        for item in &node.items {
            let data: &[Blob] = if item.deleted {
                item.data.as_deref().unwrap_or_default()
            } else {
                s.entries.get(&item.id).map(|d| &d[..]).unwrap_or_default()
            };
            let names = data.iter().step_by(2);
            let same = data.len() == node.fields.len() * 2
                && node.fields.iter().zip(names.clone()).all(|(a, b)| a == b);
            let mut flags = if same { FLAG_SAMEFIELDS } else { 0 };
            if item.deleted {
                flags |= FLAG_DELETED;
            }
            lp.push_int(flags);
            lp.push_int(item.id.ms.wrapping_sub(master.ms) as i64);
            lp.push_int(item.id.seq.wrapping_sub(master.seq) as i64);
            let numfields = data.len() / 2;
            if same {
                for v in data.iter().skip(1).step_by(2) {
                    lp.push(v);
                }
                lp.push_int(numfields as i64 + 3);
            } else {
                lp.push_int(numfields as i64);
                for p in data {
                    lp.push(p);
                }
                lp.push_int(numfields as i64 * 2 + 4);
            }
        }
        w.string(&lp.finish());
    }
    w.len(s.entries.len() as u64);
    w.len(s.last_id.ms);
    w.len(s.last_id.seq);
    let first = s.first_id();
    w.len(first.ms);
    w.len(first.seq);
    w.len(s.max_deleted.ms);
    w.len(s.max_deleted.seq);
    w.len(s.entries_added);
    w.len(s.groups.len() as u64);
    for (name, group) in &s.groups {
        w.string(name);
        w.len(group.last_id.ms);
        w.len(group.last_id.seq);
        // The unknown counter is -1, written as the unsigned length it is.
        w.len(group.entries_read.map_or(u64::MAX, |n| n as u64));
        w.len(group.pel.len() as u64);
        for (id, nack) in &group.pel {
            w.raw(&id.key());
            w.millis(nack.delivery_time);
            w.len(nack.delivery_count);
        }
        w.len(group.consumers.len() as u64);
        for (name, consumer) in &group.consumers {
            w.string(name);
            w.millis(consumer.seen_time);
            w.len(consumer.pel.len() as u64);
            for id in &consumer.pel {
                w.raw(&id.key());
            }
        }
    }
}

/// One entry of a node as the payload holds it.
struct Item {
    id: StreamId,
    deleted: bool,
    pairs: Box<[Blob]>,
}

/// Reads one node's listpack: its master field names and its entries.
fn node(master: StreamId, lp: &[u8]) -> Option<(Vec<Blob>, Vec<Item>)> {
    let elems = listpack::parse(lp)?;
    let mut it = elems.into_iter();
    let int = |it: &mut std::vec::IntoIter<Elem<'_>>| it.next()?.int();
    let count = |n: i64| usize::try_from(n).ok();
    let live = int(&mut it)?;
    let deleted = int(&mut it)?;
    let nfields = count(int(&mut it)?)?;
    let mut fields = Vec::with_capacity(nfields.min(1024));
    for _ in 0..nfields {
        fields.push(Blob::new(&it.next()?.bytes()));
    }
    if int(&mut it)? != 0 {
        return None;
    }
    let total = count(live.checked_add(deleted)?)?;
    let mut items = Vec::with_capacity(total.min(1024));
    for _ in 0..total {
        let flags = int(&mut it)?;
        let ms = master.ms.wrapping_add(int(&mut it)? as u64);
        let seq = master.seq.wrapping_add(int(&mut it)? as u64);
        let mut pairs = Vec::new();
        let expected = if flags & FLAG_SAMEFIELDS != 0 {
            for f in &fields {
                pairs.push(f.clone());
                pairs.push(Blob::new(&it.next()?.bytes()));
            }
            fields.len() + 3
        } else {
            // Field and value alternate.
            let n = count(int(&mut it)?)?;
            for _ in 0..n * 2 {
                pairs.push(Blob::new(&it.next()?.bytes()));
            }
            n * 2 + 4
        };
        if count(int(&mut it)?)? != expected {
            return None;
        }
        items.push(Item {
            id: StreamId::new(ms, seq),
            deleted: flags & FLAG_DELETED != 0,
            pairs: pairs.into_boxed_slice(),
        });
    }
    if it.next().is_some() {
        return None;
    }
    Some((fields, items))
}

/// Reads a stream after its type byte; `v2` for `RDB_TYPE_STREAM_LISTPACKS_2`.
pub(crate) fn decode(r: &mut Reader<'_>, v2: bool) -> Option<Stream> {
    let mut s = Stream::new();
    let mut nodes: BTreeMap<StreamId, (Vec<Blob>, Vec<Item>)> = BTreeMap::new();
    for _ in 0..r.len()? {
        let key: [u8; 16] = r.string()?.try_into().ok()?;
        let master = id_of(&key);
        let lp = r.string()?;
        let parsed = node(master, &lp)?;
        if nodes.insert(master, parsed).is_some() {
            return None;
        }
    }
    // Rebuild the model node by node, entries ascending throughout.
    let mut last: Option<StreamId> = None;
    let masters: Vec<StreamId> = nodes.keys().copied().collect();
    for (i, (master, (fields, items))) in nodes.into_iter().enumerate() {
        let next_master = masters.get(i + 1).copied();
        s.nodes.open(master, fields);
        for item in &items {
            let ordered = last.is_none_or(|l| item.id > l)
                && item.id >= master
                && next_master.is_none_or(|n| item.id < n);
            if !ordered {
                return None;
            }
            last = Some(item.id);
            s.nodes.push(item.id, &item.pairs);
        }
        let node = s.nodes.tree.get_mut(&master)?;
        for (slot, item) in node.items.iter_mut().zip(items) {
            if item.deleted {
                slot.deleted = true;
                slot.data = Some(item.pairs);
                node.live -= 1;
                node.deleted += 1;
            } else {
                s.entries.insert(item.id, item.pairs);
            }
        }
    }
    let length = r.len_unchecked()?;
    s.last_id = StreamId::new(r.len_unchecked()?, r.len_unchecked()?);
    if v2 {
        // The first ID is the first live entry's, which the model knows.
        r.len_unchecked()?;
        r.len_unchecked()?;
        s.max_deleted = StreamId::new(r.len_unchecked()?, r.len_unchecked()?);
        s.entries_added = r.len_unchecked()?;
    } else {
        s.entries_added = length;
    }
    if (length != 0 && s.nodes.tree.is_empty()) || last.is_some_and(|l| l > s.last_id) {
        return None;
    }
    for _ in 0..r.len()? {
        let name = Blob::from(r.string()?);
        let last_id = StreamId::new(r.len_unchecked()?, r.len_unchecked()?);
        let entries_read = if v2 {
            Some(r.len_unchecked()? as i64).filter(|&n| n != -1)
        } else {
            s.entries_read_at(last_id)
        };
        if s.groups.contains_key(&name) {
            return None;
        }
        let mut group = Group::new(last_id, entries_read);
        let mut pel: BTreeMap<StreamId, (i64, u64)> = BTreeMap::new();
        for _ in 0..r.len()? {
            let id = id_of(&r.raw_id()?);
            let time = r.millis()?;
            let count = r.len_unchecked()?;
            if pel.insert(id, (time, count)).is_some() {
                return None;
            }
        }
        for _ in 0..r.len()? {
            let cname = Blob::from(r.string()?);
            if group.consumers.contains_key(&cname) {
                return None;
            }
            let seen_time = r.millis()?;
            let mut own = BTreeSet::new();
            for _ in 0..r.len()? {
                let id = id_of(&r.raw_id()?);
                let (time, count) = pel.remove(&id)?;
                own.insert(id);
                group.pel.insert(
                    id,
                    Nack {
                        consumer: cname.clone(),
                        delivery_time: time,
                        delivery_count: count,
                    },
                );
            }
            group.consumers.insert(
                cname,
                Consumer {
                    seen_time,
                    pel: own,
                },
            );
        }
        // Every pending entry belongs to a consumer.
        if !pel.is_empty() {
            return None;
        }
        s.groups.insert(name, group);
    }
    Some(s)
}
