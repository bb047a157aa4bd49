//! Reading a value's type byte and body, as Redis 7.0's
//! `rdbLoadObjectType` and `rdbLoadObject` read them (with deep
//! sanitization), into redsim's values with the encodings Redis would give
//! them.

use std::collections::VecDeque;

use super::io::Reader;
use super::listpack::{self, Elem};
use super::{Limits, intset, legacy, types};
use crate::db::hash::{Hash, HashLimits};
use crate::db::list::List;
use crate::db::set::Set;
use crate::db::zset::{Encoding, ZSet};
use crate::db::{Blob, Value};
use crate::num;

/// Limits that never convert: a value is built in the encoding its
/// payload has, then converted as Redis converts it on load.
const NO_LIMIT: usize = usize::MAX;

/// Quicklist containers (`QUICKLIST_NODE_CONTAINER_*`).
const CONTAINER_PLAIN: u64 = 1;
const CONTAINER_PACKED: u64 = 2;

/// Listpacks and ziplists never grow past 1 GiB (`lpSafeToAdd`).
const LISTPACK_MAX_SAFETY_SIZE: usize = 1 << 30;

/// The value at the start of `payload`; `None` for a payload Redis
/// answers `Bad data format` (empty collections included).
pub(super) fn value(payload: &[u8], limits: &Limits, seed: u64) -> Option<Value> {
    value_at(payload, limits, seed).map(|(v, _)| v)
}

/// [`value`], and how many bytes it took (values follow one another in an
/// RDB file).
pub(super) fn value_at(payload: &[u8], limits: &Limits, seed: u64) -> Option<(Value, usize)> {
    let (&t, body) = payload.split_first()?;
    let (value, len) = body_at(t, body, limits, seed)?;
    Some((value, len + 1))
}

/// The body of a value of type `t` at the start of `body`, and how many
/// bytes it took (an RDB file puts the key between the type and the body).
pub(super) fn body_at(t: u8, body: &[u8], limits: &Limits, seed: u64) -> Option<(Value, usize)> {
    let mut r = Reader::new(body);
    let value = match t {
        types::STRING => Value::string(&r.string()?),
        types::LIST => {
            let n = r.len()?;
            let mut items = VecDeque::new();
            for _ in 0..n {
                items.push_back(Blob::from(r.string()?));
            }
            list(items)?
        }
        types::SET => plain_set(&mut r, limits, seed)?,
        t @ (types::ZSET | types::ZSET_2) => plain_zset(&mut r, t == types::ZSET_2, limits, seed)?,
        types::HASH => plain_hash(&mut r, limits, seed)?,
        t @ (types::LIST_QUICKLIST | types::LIST_QUICKLIST_2) => {
            quicklist(&mut r, t == types::LIST_QUICKLIST_2)?
        }
        types::HASH_ZIPMAP => {
            let blob = r.string()?;
            let pairs = legacy::zipmap(&blob)?;
            let total: usize = pairs.iter().map(|(f, v)| f.len() + v.len()).sum();
            if total > LISTPACK_MAX_SAFETY_SIZE {
                return None;
            }
            let mut h = Hash::new(seed);
            for (f, v) in pairs {
                if !h.set(f, v, limits.hash) {
                    return None;
                }
            }
            Value::Hash(Box::new(h))
        }
        types::LIST_ZIPLIST => {
            let blob = r.string()?;
            let items = legacy::ziplist(&blob)?
                .into_iter()
                .map(|e| Blob::new(&e.bytes()))
                .collect();
            list(items)?
        }
        types::SET_INTSET => {
            let blob = r.string()?;
            let (members, width) = intset::decode(&blob)?;
            let mut s = Set::new(seed);
            for m in &members {
                s.add(itoa::Buffer::new().format(*m).as_bytes(), NO_LIMIT);
            }
            s.widen(width);
            if s.len() > limits.set_intset {
                s.reencode(limits.set_intset);
            }
            Value::Set(Box::new(s))
        }
        types::ZSET_ZIPLIST => {
            let blob = r.string()?;
            packed_zset(&legacy::ziplist(&blob)?, limits, seed)?
        }
        types::ZSET_LISTPACK => {
            let blob = r.string()?;
            packed_zset(&listpack::parse(&blob)?, limits, seed)?
        }
        types::HASH_ZIPLIST => {
            let blob = r.string()?;
            packed_hash(&legacy::ziplist(&blob)?, limits, seed)?
        }
        types::HASH_LISTPACK => {
            let blob = r.string()?;
            packed_hash(&listpack::parse(&blob)?, limits, seed)?
        }
        t @ (types::STREAM_LISTPACKS | types::STREAM_LISTPACKS_2) => {
            let s = crate::db::stream::rdb::decode(&mut r, t == types::STREAM_LISTPACKS_2)?;
            Value::Stream(Box::new(s))
        }
        // Modules (6, 7) are not loaded; anything else is not a type.
        _ => return None,
    };
    Some((value, r.pos()))
}

/// A list of `items`; `None` when empty (Redis refuses empty keys).
fn list(items: VecDeque<Blob>) -> Option<Value> {
    (!items.is_empty()).then(|| Value::List(Box::new(List { items })))
}

/// A quicklist: nodes of listpacks (version 2, which may also hold plain
/// elements) or of ziplists (version 1). Empty nodes are skipped.
fn quicklist(r: &mut Reader<'_>, v2: bool) -> Option<Value> {
    let n = r.len()?;
    let mut items = VecDeque::new();
    for _ in 0..n {
        let container = if v2 { r.len()? } else { CONTAINER_PACKED };
        if container != CONTAINER_PACKED && container != CONTAINER_PLAIN {
            return None;
        }
        let data = r.string()?;
        if data.is_empty() {
            return None;
        }
        if container == CONTAINER_PLAIN {
            items.push_back(Blob::from(data));
            continue;
        }
        let elems = if v2 {
            listpack::parse(&data)?
        } else {
            legacy::ziplist(&data)?
        };
        items.extend(elems.into_iter().map(|e| Blob::new(&e.bytes())));
    }
    list(items)
}

/// A set stored member by member (`RDB_TYPE_SET`): an intset while every
/// member is an integer and there are few enough, a hashtable otherwise.
fn plain_set(r: &mut Reader<'_>, limits: &Limits, seed: u64) -> Option<Value> {
    let n = r.len()?;
    if n == 0 {
        return None;
    }
    let max = limits.set_intset.min(1 << 30);
    let mut s = Set::new(seed);
    // More members than an intset takes: a hashtable from the start.
    let max = if n > max as u64 { 0 } else { NO_LIMIT };
    for _ in 0..n {
        if !s.add(&r.string()?, max) {
            return None;
        }
    }
    Some(Value::Set(Box::new(s)))
}

/// A sorted set stored member by member with text (`RDB_TYPE_ZSET`) or
/// binary (`RDB_TYPE_ZSET_2`) scores: a skiplist, turned into a listpack
/// if it fits.
fn plain_zset(r: &mut Reader<'_>, binary: bool, limits: &Limits, seed: u64) -> Option<Value> {
    let n = r.len()?;
    if n == 0 {
        return None;
    }
    let mut z = ZSet::with_encoding(seed, Encoding::Skiplist);
    let (mut longest, mut total) = (0, 0usize);
    let keep = crate::db::zset::Limits {
        entries: NO_LIMIT,
        value: NO_LIMIT,
    };
    for _ in 0..n {
        let member = r.string()?;
        let score = if binary {
            r.binary_double()?
        } else {
            r.text_double()?
        };
        if score.is_nan() || !z.insert(&member, score, keep) {
            return None;
        }
        longest = longest.max(member.len());
        total = total.saturating_add(member.len());
    }
    if limits.zset.fit(z.len(), longest) && total <= LISTPACK_MAX_SAFETY_SIZE {
        z.convert(Encoding::Listpack);
    }
    Some(Value::ZSet(Box::new(z)))
}

/// A hash stored field by field (`RDB_TYPE_HASH`): a listpack unless it
/// has too many fields or a field or value too long.
fn plain_hash(r: &mut Reader<'_>, limits: &Limits, seed: u64) -> Option<Value> {
    let n = r.len()?;
    if n == 0 {
        return None;
    }
    let mut h = Hash::new(seed);
    // Too many fields: a hashtable from the start.
    let limits = if n > limits.hash.entries as u64 {
        HashLimits {
            entries: 0,
            value: 0,
        }
    } else {
        limits.hash
    };
    for _ in 0..n {
        let field = r.string()?;
        let value = r.string()?;
        if !h.set(&field, &value, limits) {
            return None;
        }
    }
    Some(Value::Hash(Box::new(h)))
}

/// A hash from a listpack or ziplist of fields and values (no field
/// twice); a hashtable if it has more fields than a listpack takes.
fn packed_hash(elems: &[Elem<'_>], limits: &Limits, seed: u64) -> Option<Value> {
    if !elems.len().is_multiple_of(2) || elems.is_empty() {
        return None;
    }
    let entries = if elems.len() / 2 > limits.hash.entries {
        limits.hash.entries
    } else {
        NO_LIMIT
    };
    let keep = HashLimits {
        entries,
        value: NO_LIMIT,
    };
    let mut h = Hash::new(seed);
    for pair in elems.chunks_exact(2) {
        if !h.set(&pair[0].bytes(), &pair[1].bytes(), keep) {
            return None;
        }
    }
    Some(Value::Hash(Box::new(h)))
}

/// The score of a listpack or ziplist entry, as `zzlGetScore` reads it: an
/// integer, or the double `strtod` finds at the start of the text (at most
/// 127 bytes of it).
fn packed_score(e: Elem<'_>) -> f64 {
    match e {
        Elem::Int(v) => v as f64,
        Elem::Str(s) => num::strtod::strtod(&s[..s.len().min(127)]).value,
    }
}

/// A sorted set from a listpack or ziplist of members and scores (no
/// member twice); a skiplist if it has more members than a listpack takes.
fn packed_zset(elems: &[Elem<'_>], limits: &Limits, seed: u64) -> Option<Value> {
    if !elems.len().is_multiple_of(2) || elems.is_empty() {
        return None;
    }
    let keep = crate::db::zset::Limits {
        entries: NO_LIMIT,
        value: NO_LIMIT,
    };
    let mut z = ZSet::with_encoding(seed, Encoding::Listpack);
    for pair in elems.chunks_exact(2) {
        let score = packed_score(pair[1]);
        // Redis would keep a NaN here and misbehave on it later; redsim's
        // sorted sets cannot hold one.
        if score.is_nan() || !z.insert(&pair[0].bytes(), score, keep) {
            return None;
        }
    }
    if z.len() > limits.zset.entries {
        z.convert(Encoding::Skiplist);
    }
    Some(Value::ZSet(Box::new(z)))
}
