//! MEMORY: USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE and HELP.
//!
//! MEMORY USAGE answers what Redis 7.0 (built with jemalloc, as shipped)
//! would: `objectComputeSize` of the value plus the key's `sds` and its
//! `dictEntry`, every allocation counted at jemalloc's usable size. redsim
//! stores values its own way, so the figure is computed from a model of
//! Redis's layout, not measured. The model is exact for strings built
//! whole (`int`, `embstr`, `raw`), for keys, for `listpack` hashes and
//! sorted sets, for `intset` sets, and for lists filled from one end
//! (`quicklist` nodes packed as RPUSH packs them). It estimates where Redis
//! itself samples or is random: hashtable-encoded sets, hashes and sorted
//! sets (Redis averages the first elements in its hash order and counts the
//! table as rehashing left it; here the first elements in redsim's order,
//! and a table of the next power of two), skiplist nodes (of random height
//! in Redis; here their expected size), strings grown in place (APPEND
//! leaves spare room in Redis; here none), lists pushed at the head,
//! popped or edited in the middle (packed here as if pushed at the tail),
//! compressed list nodes (`list-compress-depth`, counted uncompressed),
//! and intsets that kept a wide encoding after their wide members left.
//!
//! STATS, DOCTOR and the rest report redsim's own figures: the memory INFO
//! reports as `used_memory`, and the shape (names, order, types) of Redis's
//! replies. redsim says `mem_allocator:libc`, so MALLOC-STATS answers as a
//! Redis built with libc does. This module reads the keyspace; it never
//! changes it.

use super::super::error::{self, CmdResult};
use super::super::flags::*;
use super::super::{CommandSpec, Ctx, int_arg, is};
use super::SERVER;
use super::process::STARTUP_BYTES;
use crate::db::Value;
use crate::db::hash::Hash;
use crate::db::list::List;
use crate::db::set::Set;
use crate::db::value::EMBSTR_MAX;
use crate::db::zset::{Packed, ZSet};
use crate::num;
use crate::state::State;

/// The MEMORY subcommands.
pub(super) const SUBCOMMANDS: &[CommandSpec] = &[
    CommandSpec::new("memory|doctor", 2, doctor)
        .acl("slow")
        .doc(SERVER, "4.0.0", "Outputs memory problems report"),
    CommandSpec::new("memory|help", 2, help)
        .flags(LOADING | STALE)
        .acl("slow")
        .doc(
            SERVER,
            "4.0.0",
            "Show helpful text about the different subcommands",
        ),
    CommandSpec::new("memory|malloc-stats", 2, malloc_stats)
        .acl("slow")
        .doc(SERVER, "4.0.0", "Show allocator internal stats"),
    CommandSpec::new("memory|purge", 2, purge).acl("slow").doc(
        SERVER,
        "4.0.0",
        "Ask the allocator to release memory",
    ),
    CommandSpec::new("memory|stats", 2, stats).acl("slow").doc(
        SERVER,
        "4.0.0",
        "Show memory usage details",
    ),
    CommandSpec::new("memory|usage", -3, usage)
        .flags(READONLY)
        .keys(2, 2, 1)
        .acl("read slow")
        .doc(SERVER, "4.0.0", "Estimate the memory usage of a key"),
];

/// Samples MEMORY USAGE takes of a collection by default
/// (`OBJ_COMPUTE_SIZE_DEF_SAMPLES`).
const DEFAULT_SAMPLES: usize = 5;

/// Below this many bytes in use, MEMORY DOCTOR declines to diagnose, as
/// Redis's does.
const DOCTOR_MIN_BYTES: usize = 5 * 1024 * 1024;

/// Cached scripts beyond which MEMORY DOCTOR reports "many scripts".
const DOCTOR_MANY_SCRIPTS: usize = 1000;

/// # Format
/// `MEMORY USAGE key [SAMPLES count]`
///
/// The options are checked before the key is looked up; a `count` of 0
/// samples every element. The key is read as Redis's `dictFind` reads it:
/// no access time, no hit or miss counted. A key past its deadline is
/// missing (redsim expires exactly; Redis may still find one that its
/// active expiry has not reached).
fn usage(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut samples = DEFAULT_SAMPLES;
    let mut j = 3;
    while j < ctx.argc() {
        if is(ctx.arg(j), "samples") && j + 1 < ctx.argc() {
            let n = int_arg(ctx.arg(j + 1))?;
            if n < 0 {
                return Err(error::SYNTAX);
            }
            samples = if n == 0 {
                usize::MAX
            } else {
                usize::try_from(n).unwrap_or(usize::MAX)
            };
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let key = ctx.arg(2);
    let db = ctx.db_index();
    let list_fill = list_fill(ctx.state);
    let Some(entry) = ctx.state.dbs[db].get(key, ctx.now) else {
        ctx.out.null();
        return Ok(());
    };
    let size = value_size(&entry.value, samples, list_fill) + sds_size(key.len()) + DICT_ENTRY;
    ctx.out.int(i64::try_from(size).unwrap_or(i64::MAX));
    Ok(())
}

/// # Format
/// `MEMORY STATS`
///
/// Redis's fields in Redis's order, with redsim's figures: the total is
/// INFO's `used_memory`, the per-database overheads are what Redis's main
/// and expires tables would take for the same keys, and the allocator's
/// figures are faked from the process's RSS as a Redis built without
/// jemalloc fakes them.
fn stats(ctx: &mut Ctx<'_>) -> CmdResult {
    let state = &*ctx.state;
    let used = super::process::used_memory(state);
    let rss = super::process::rss();
    let lua = state.scripting.as_ref().map_or(0, |e| e.used_memory());
    let dbs: Vec<(usize, usize, usize)> = state
        .dbs
        .iter()
        .enumerate()
        .filter(|(_, db)| !db.is_empty())
        .map(|(i, db)| {
            let keys = db.len();
            let expires = db.expires_len();
            let main = keys * (DICT_ENTRY + ROBJ) + dict_slots(keys) * POINTER;
            let exp = expires * DICT_ENTRY + dict_slots(expires) * POINTER;
            (i, main, exp)
        })
        .collect();
    let keys: usize = state.dbs.iter().map(|db| db.len()).sum();
    let overhead = STARTUP_BYTES + dbs.iter().map(|(_, m, e)| m + e).sum::<usize>();
    let dataset = used.saturating_sub(overhead);
    let net = if used > STARTUP_BYTES {
        used - STARTUP_BYTES
    } else {
        1
    };
    // Redis computes its ratios in single precision and prints them as
    // doubles (99.892715454101562), so do the same.
    let ratio = |a: usize, b: usize| f64::from(a as f32 / b.max(1) as f32);
    let diff = |a: usize, b: usize| a as i64 - b as i64;
    let allocated = used;
    let resident = (rss as usize).saturating_sub(lua);
    let active = resident;
    let int = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);

    let out = &mut *ctx.out;
    out.map(27 + dbs.len());
    for (name, value) in [
        ("peak.allocated", used),
        ("total.allocated", used),
        ("startup.allocated", STARTUP_BYTES),
        ("replication.backlog", 0),
        ("clients.slaves", 0),
        ("clients.normal", 0),
        ("cluster.links", 0),
        ("aof.buffer", 0),
        ("lua.caches", 0),
        ("functions.caches", 0),
    ] {
        out.bulk(name.as_bytes());
        out.int(int(value));
    }
    for (i, main, exp) in &dbs {
        out.bulk(format!("db.{i}").as_bytes());
        out.map(3);
        out.bulk(b"overhead.hashtable.main");
        out.int(int(*main));
        out.bulk(b"overhead.hashtable.expires");
        out.int(int(*exp));
        out.bulk(b"overhead.hashtable.slot-to-keys");
        out.int(0);
    }
    out.bulk(b"overhead.total");
    out.int(int(overhead));
    out.bulk(b"keys.count");
    out.int(int(keys));
    out.bulk(b"keys.bytes-per-key");
    out.int(int(net.checked_div(keys).unwrap_or(0)));
    out.bulk(b"dataset.bytes");
    out.int(int(dataset));
    out.bulk(b"dataset.percentage");
    out.double(f64::from(dataset as f32 * 100.0 / net as f32));
    out.bulk(b"peak.percentage");
    out.double(f64::from(used as f32 * 100.0 / used.max(1) as f32));
    out.bulk(b"allocator.allocated");
    out.int(int(allocated));
    out.bulk(b"allocator.active");
    out.int(int(active));
    out.bulk(b"allocator.resident");
    out.int(int(resident));
    out.bulk(b"allocator-fragmentation.ratio");
    out.double(ratio(active, allocated));
    out.bulk(b"allocator-fragmentation.bytes");
    out.int(diff(active, allocated));
    out.bulk(b"allocator-rss.ratio");
    out.double(ratio(resident, active));
    out.bulk(b"allocator-rss.bytes");
    out.int(diff(resident, active));
    out.bulk(b"rss-overhead.ratio");
    out.double(ratio(rss as usize, resident));
    out.bulk(b"rss-overhead.bytes");
    out.int(diff(rss as usize, resident));
    out.bulk(b"fragmentation");
    out.double(ratio(rss as usize, used));
    out.bulk(b"fragmentation.bytes");
    out.int(diff(rss as usize, used));
    Ok(())
}

/// # Format
/// `MEMORY DOCTOR`
///
/// Redis's report, for the one issue redsim can have: too many cached
/// scripts. Under 5 MB in use it declines, as Redis does.
fn doctor(ctx: &mut Ctx<'_>) -> CmdResult {
    let state = &*ctx.state;
    let text = if super::process::used_memory(state) < DOCTOR_MIN_BYTES {
        concat!(
            "Hi Sam, this instance is empty or is using very little memory, ",
            "my issues detector can't be used in these conditions. ",
            "Please, leave for your mission on Earth and fill it with some data. ",
            "The new Sam and I will be back to our programming as soon as I ",
            "finished rebooting.\n"
        )
    } else if state
        .scripting
        .as_ref()
        .is_some_and(|e| e.script_count() > DOCTOR_MANY_SCRIPTS)
    {
        concat!(
            "Sam, I detected a few issues in this Redis instance memory implants:\n\n",
            " * Many scripts: There seem to be many cached scripts in this instance ",
            "(more than 1000). This may be because scripts are generated and `EVAL`ed, ",
            "instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and ",
            "`EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' ",
            "caches may end up consuming most of your memory.\n\n",
            "I'm here to keep you safe, Sam. I want to help you.\n"
        )
    } else {
        concat!(
            "Hi Sam, I can't find any memory issue in your instance. ",
            "I can only account for what occurs on this base.\n"
        )
    };
    ctx.out.verbatim("txt", text.as_bytes());
    Ok(())
}

/// # Format
/// `MEMORY MALLOC-STATS` — a plain bulk string, as from a Redis built
/// without jemalloc.
fn malloc_stats(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out
        .bulk(b"Stats not supported for the current allocator");
    Ok(())
}

/// # Format
/// `MEMORY PURGE` — nothing to purge.
fn purge(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.ok();
    Ok(())
}

/// # Format
/// `MEMORY HELP`
fn help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}

// --- Redis's layout (64-bit, jemalloc) -------------------------------------

/// `sizeof(robj)`.
const ROBJ: usize = 16;
/// `sizeof(dictEntry)`.
const DICT_ENTRY: usize = 24;
/// `sizeof(dict)`.
const DICT: usize = 56;
/// A pointer: one bucket of a dict's table.
const POINTER: usize = 8;
/// `sizeof(quicklist)`.
const QUICKLIST: usize = 40;
/// `sizeof(quicklistNode)`.
const QUICKLIST_NODE: usize = 40;
/// `sizeof(zset)`: the dict and skiplist pointers.
const ZSET: usize = 16;
/// `sizeof(zskiplist)`.
const ZSKIPLIST: usize = 32;
/// `sizeof(zskiplistNode)` without its levels.
const ZSKIPLIST_NODE: usize = 24;
/// `sizeof(struct zskiplistLevel)`.
const ZSKIPLIST_LEVEL: usize = 16;
/// `ZSKIPLIST_MAXLEVEL`: the header node has every level.
const ZSKIPLIST_MAXLEVEL: usize = 32;
/// `sizeof(intset)` without its contents.
const INTSET_HEADER: usize = 8;
/// A listpack's header (total bytes, element count) and end byte.
const LISTPACK_EMPTY: usize = 7;
/// `SIZE_ESTIMATE_OVERHEAD`: what a quicklist node adds to an element's
/// length when deciding whether it still fits.
const QUICKLIST_ENTRY_OVERHEAD: usize = 8;
/// `SIZE_SAFETY_LIMIT`: the most a count-limited quicklist node holds.
const QUICKLIST_SAFETY_LIMIT: usize = 8192;
/// Bytes per node for `list-max-listpack-size` -1 to -5.
const QUICKLIST_SIZE_LEVELS: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// `packed_threshold`: elements this long get a node of their own.
const QUICKLIST_PLAIN_THRESHOLD: usize = 1 << 30;

/// What jemalloc hands out for a request of `n` bytes (its usable size,
/// which Redis counts): 8, then multiples of 16 up to 128, then four size
/// classes per power of two.
fn alloc_size(n: usize) -> usize {
    if n <= 8 {
        return 8;
    }
    if n <= 128 {
        return n.next_multiple_of(16);
    }
    let Some(pow) = n.checked_next_power_of_two() else {
        return n;
    };
    let base = pow / 2;
    let step = base / 4;
    base + (n - base).div_ceil(step) * step
}

/// Bytes of an `sds` string of `len` bytes made by `sdsnewlen` (a key, a
/// member, a field): its header, which grows with the length, the bytes
/// and a NUL.
fn sds_size(len: usize) -> usize {
    let header = match len {
        0..32 => 1,
        32..256 => 3,
        256..65_536 => 5,
        _ if (len as u64) < 1 << 32 => 9,
        _ => 17,
    };
    alloc_size(header + len + 1)
}

/// Buckets of a dict holding `n` entries: Redis's tables double when
/// full, starting at 4 (rehashing, which briefly keeps both tables, is
/// not modelled).
fn dict_slots(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        n.next_power_of_two().max(4)
    }
}

/// `objectComputeSize`: the bytes of a value (its `robj` included).
fn value_size(value: &Value, samples: usize, list_fill: i64) -> usize {
    match value {
        Value::Int(_) => ROBJ,
        // An embstr: the object, an sdshdr8 and the bytes in one block.
        Value::Str(b) if b.len() <= EMBSTR_MAX => alloc_size(ROBJ + 3 + b.len() + 1),
        Value::Str(b) | Value::RawStr(b) => ROBJ + sds_size(b.len()),
        Value::List(l) => ROBJ + list_size(l, samples, list_fill),
        Value::Hash(h) => ROBJ + hash_size(h, samples),
        Value::Set(s) => ROBJ + set_size(s, samples),
        Value::ZSet(z) => ROBJ + zset_size(z, samples),
        Value::Stream(s) => ROBJ + s.memory_usage(samples, 4096),
    }
}

/// Adds the estimate Redis adds for a sampled collection:
/// `(double)elesize/samples*count`, truncated.
fn add_sampled(fixed: usize, sampled: f64, taken: usize, count: usize) -> usize {
    if taken == 0 {
        return fixed;
    }
    (fixed as f64 + sampled / taken as f64 * count as f64) as usize
}

/// A dict-encoded collection: the dict, its table, and the sampled
/// average of `element` times the element count.
fn dict_size<I: Iterator>(
    count: usize,
    items: I,
    samples: usize,
    element: impl Fn(I::Item) -> f64,
) -> usize {
    let fixed = DICT + POINTER * dict_slots(count);
    let mut taken = 0;
    let mut sampled = 0.0;
    for item in items.take(samples) {
        sampled += element(item);
        taken += 1;
    }
    add_sampled(fixed, sampled, taken, count)
}

fn hash_size(h: &Hash, samples: usize) -> usize {
    if h.is_listpack() {
        let bytes = LISTPACK_EMPTY
            + h.iter()
                .map(|(f, v)| listpack_entry(f) + listpack_entry(v))
                .sum::<usize>();
        return alloc_size(bytes);
    }
    dict_size(h.len(), h.iter(), samples, |(f, v)| {
        (sds_size(f.len()) + sds_size(v.len()) + DICT_ENTRY) as f64
    })
}

fn set_size(s: &Set, samples: usize) -> usize {
    if s.is_intset() {
        // The narrowest encoding that holds every member: Redis upgrades
        // an intset's encoding and never narrows it again.
        let width = s
            .iter()
            .map(|m| match num::parse_i64(m).unwrap_or(i64::MAX) {
                v if i16::try_from(v).is_ok() => 2,
                v if i32::try_from(v).is_ok() => 4,
                _ => 8,
            })
            .max()
            .unwrap_or(2);
        return alloc_size(INTSET_HEADER + width * s.len());
    }
    dict_size(s.len(), s.iter(), samples, |m| {
        (DICT_ENTRY + sds_size(m.len())) as f64
    })
}

fn zset_size(z: &ZSet, samples: usize) -> usize {
    if z.is_listpack() {
        let bytes = LISTPACK_EMPTY
            + z.iter()
                .map(|(m, score)| listpack_entry(m) + listpack_score(score))
                .sum::<usize>();
        return alloc_size(bytes);
    }
    let header = alloc_size(ZSKIPLIST_NODE + ZSKIPLIST_MAXLEVEL * ZSKIPLIST_LEVEL);
    let fixed = ZSET + ZSKIPLIST + header;
    let node = skiplist_node_size();
    fixed
        + dict_size(z.len(), z.iter(), samples, |(m, _)| {
            (sds_size(m.len()) + DICT_ENTRY) as f64 + node
        })
}

/// Bytes of a score's listpack entry: an integer entry where Redis stores
/// one (`zzlInsertAt`), else its `%.17g` text.
fn listpack_score(score: f64) -> usize {
    match Packed::of(score) {
        Packed::Int(n) => listpack_entry(itoa::Buffer::new().format(n).as_bytes()),
        Packed::Text(d) => listpack_entry(num::format_double(d).as_bytes()),
    }
}

/// The expected bytes of a skiplist node: its height is random (each level
/// with probability 1/4 of the one below, as `zslRandomLevel` draws it).
fn skiplist_node_size() -> f64 {
    let mut expected = 0.0;
    let mut p_level = 0.75;
    for level in 1..=ZSKIPLIST_MAXLEVEL {
        let p = if level == ZSKIPLIST_MAXLEVEL {
            p_level / 0.75
        } else {
            p_level
        };
        expected += p * alloc_size(ZSKIPLIST_NODE + level * ZSKIPLIST_LEVEL) as f64;
        p_level *= 0.25;
    }
    expected
}

/// `list-max-listpack-size`, as the quicklist clamps it.
fn list_fill(state: &State) -> i64 {
    state
        .config
        .get(&[b"list-max-listpack-size".as_slice()])
        .first()
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse::<i64>().ok())
        .unwrap_or(-2)
        .clamp(-5, i64::from(i16::MAX))
}

/// A quicklist: its header and the sampled average node (the node struct
/// and its listpack) times the node count. Nodes are packed as pushes at
/// the tail pack them (`_quicklistNodeAllowInsert`).
fn list_size(l: &List, samples: usize, fill: i64) -> usize {
    // (listpack bytes or a plain node's length, elements, plain)
    let mut nodes: Vec<(usize, usize, bool)> = Vec::new();
    for item in &l.items {
        let len = item.len();
        if len >= QUICKLIST_PLAIN_THRESHOLD {
            nodes.push((len, 1, true));
            continue;
        }
        let fits = nodes
            .last()
            .is_some_and(|&(bytes, count, plain)| !plain && node_allows(bytes, count, len, fill));
        if !fits {
            nodes.push((LISTPACK_EMPTY, 0, false));
        }
        if let Some(node) = nodes.last_mut() {
            node.0 += listpack_entry(item);
            node.1 += 1;
        }
    }
    let fixed = QUICKLIST;
    let mut taken = 0;
    let mut sampled = 0.0;
    for &(bytes, _, _) in nodes.iter().take(samples.max(1)) {
        sampled += (QUICKLIST_NODE + alloc_size(bytes)) as f64;
        taken += 1;
    }
    add_sampled(fixed, sampled, taken, nodes.len())
}

/// Whether a quicklist node of `bytes` and `count` elements takes one more
/// element of `len` bytes under `fill`.
fn node_allows(bytes: usize, count: usize, len: usize, fill: i64) -> bool {
    let new_size = bytes + len + QUICKLIST_ENTRY_OVERHEAD;
    if fill < 0 {
        let level = usize::try_from(-fill - 1).unwrap_or(0);
        return QUICKLIST_SIZE_LEVELS
            .get(level)
            .is_some_and(|&limit| new_size <= limit);
    }
    new_size <= QUICKLIST_SAFETY_LIMIT && (count as i64) < fill
}

/// Bytes of one listpack entry holding `bytes`: its encoding (an integer
/// in 1 to 9 bytes when the bytes are one in canonical form, else a
/// length prefix and the bytes) and the back-length that follows it.
fn listpack_entry(bytes: &[u8]) -> usize {
    let encoded = match num::parse_i64(bytes) {
        Some(v) => match v {
            0..=127 => 1,
            -4096..=4095 => 2,
            -32_768..=32_767 => 3,
            -8_388_608..=8_388_607 => 4,
            _ if i32::try_from(v).is_ok() => 5,
            _ => 9,
        },
        None => match bytes.len() {
            len @ 0..64 => 1 + len,
            len @ 64..4096 => 2 + len,
            len => 5 + len,
        },
    };
    let back = match encoded {
        0..=127 => 1,
        128..16_383 => 2,
        16_383..2_097_151 => 3,
        2_097_151..268_435_455 => 4,
        _ => 5,
    };
    encoded + back
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jemalloc_size_classes() {
        let classes: Vec<usize> = [
            1, 8, 9, 17, 21, 33, 49, 128, 129, 161, 259, 1006, 14_006, 32_773,
        ]
        .iter()
        .map(|&n| alloc_size(n))
        .collect();
        assert_eq!(
            classes,
            [
                8, 8, 16, 32, 32, 48, 64, 128, 160, 192, 320, 1024, 14_336, 40_960
            ]
        );
    }

    #[test]
    fn strings_as_redis_counts_them() {
        // SET k v → 64, SET n 12345 → 48, SET big <100 x> → 160 on Redis.
        let entry = |key: &str, v: Value| value_size(&v, 5, -2) + sds_size(key.len()) + DICT_ENTRY;
        assert_eq!(entry("k", Value::string(b"v")), 64);
        assert_eq!(entry("n", Value::string(b"12345")), 48);
        assert_eq!(entry("big", Value::string(&[b'x'; 100])), 160);
    }

    #[test]
    fn listpack_entries() {
        assert_eq!(listpack_entry(b"a"), 3);
        assert_eq!(listpack_entry(b"1"), 2);
        assert_eq!(listpack_entry(b"-1"), 3);
        assert_eq!(listpack_entry(b"01"), 4);
        assert_eq!(listpack_entry(&[b'x'; 64]), 67);
        assert_eq!(listpack_entry(&[b'x'; 200]), 204);
    }
}
