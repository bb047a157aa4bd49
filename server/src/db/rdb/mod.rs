//! Values in Redis 7.0's RDB format, as DUMP writes them and RESTORE reads
//! them: a type byte, the value, the RDB version (10, two bytes
//! little-endian) and a CRC-64 (Jones, as Redis computes it) of everything
//! before it (eight bytes little-endian).
//!
//! [`dump`] writes what Redis 7.0 writes for the same value held the same
//! way: strings as integers, verbatim or LZF-compressed ([`lzf`] makes
//! Redis's exact bytes); lists as quicklists of listpacks
//! (`RDB_TYPE_LIST_QUICKLIST_2`); sets as intsets or plain members; hashes
//! and sorted sets as listpacks or plain pairs by their encoding; streams
//! with their nodes, groups, pending entries and consumers. Where redsim
//! keeps less than Redis, the bytes can differ while staying valid for
//! Redis: a list's split into nodes is the one an RPUSH of its elements
//! would make (Redis's depends on the pushes that built it), and the
//! members of a `hashtable` set or hash come in redsim's order rather than
//! Redis's hash order.
//!
//! [`restore`] reads every encoding Redis 7.0 reads, the older ones
//! included (zipmaps, ziplists, quicklists of ziplists, text-score sorted
//! sets, version-1 streams), checking each as Redis does with
//! `sanitize-dump-payload yes`: redsim turns every payload into its own
//! structures, so it cannot take a payload Redis would keep unchecked and
//! crash on later. The result takes the encoding Redis would give it under
//! the thresholds in force ([`Limits`]).
//!
//! This module owns the format; it replies to no one and knows no command.

mod decode;
mod encode;
pub mod intset;
pub mod io;
pub mod legacy;
pub mod listpack;
pub mod lzf;

use crc::{CRC_64_REDIS, Crc};

use super::Value;
use super::hash::HashLimits;
use super::zset;
use crate::config::Config;

/// The RDB version Redis 7.0 writes, and the newest it reads.
pub const RDB_VERSION: u16 = 10;

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);

/// Object types (`RDB_TYPE_*`).
pub(crate) mod types {
    pub const STRING: u8 = 0;
    pub const LIST: u8 = 1;
    pub const SET: u8 = 2;
    pub const ZSET: u8 = 3;
    pub const HASH: u8 = 4;
    pub const ZSET_2: u8 = 5;
    pub const HASH_ZIPMAP: u8 = 9;
    pub const LIST_ZIPLIST: u8 = 10;
    pub const SET_INTSET: u8 = 11;
    pub const ZSET_ZIPLIST: u8 = 12;
    pub const HASH_ZIPLIST: u8 = 13;
    pub const LIST_QUICKLIST: u8 = 14;
    pub const STREAM_LISTPACKS: u8 = 15;
    pub const HASH_LISTPACK: u8 = 16;
    pub const ZSET_LISTPACK: u8 = 17;
    pub const LIST_QUICKLIST_2: u8 = 18;
    pub const STREAM_LISTPACKS_2: u8 = 19;
}

/// How values are written: the configuration DUMP reads.
#[derive(Clone, Copy, Debug)]
pub struct DumpOptions {
    /// `rdbcompression`: LZF-compress strings (and listpacks) longer than
    /// 20 bytes when that saves at least 4.
    pub compress: bool,
    /// `list-max-listpack-size`: a list node's limit (negative: bytes,
    /// -1 to -5 for 4 to 64 KiB; positive: elements).
    pub list_fill: i64,
    /// `list-compress-depth`: list nodes kept uncompressed at each end
    /// (0: none compressed).
    pub list_compress_depth: i64,
}

impl Default for DumpOptions {
    /// Redis's defaults.
    fn default() -> Self {
        DumpOptions {
            compress: true,
            list_fill: -2,
            list_compress_depth: 0,
        }
    }
}

impl DumpOptions {
    /// The options the configuration in force sets (`rdbcompression`,
    /// `list-max-listpack-size`, `list-compress-depth`).
    pub fn of(config: &Config) -> DumpOptions {
        let defaults = DumpOptions::default();
        DumpOptions {
            compress: config.value("rdbcompression") != b"no",
            list_fill: config
                .int("list-max-listpack-size")
                .unwrap_or(defaults.list_fill),
            list_compress_depth: config
                .int("list-compress-depth")
                .unwrap_or(defaults.list_compress_depth),
        }
    }
}

/// The encoding thresholds a restored value is judged by.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// `hash-max-listpack-entries` and `hash-max-listpack-value`.
    pub hash: HashLimits,
    /// `set-max-intset-entries`.
    pub set_intset: usize,
    /// `zset-max-listpack-entries` and `zset-max-listpack-value`.
    pub zset: zset::Limits,
}

impl Limits {
    /// The thresholds the configuration in force sets.
    pub fn of(config: &Config) -> Limits {
        let size = |v: i64| usize::try_from(v.max(0)).unwrap_or(usize::MAX);
        Limits {
            hash: HashLimits::new(
                config.hash_max_listpack_entries(),
                config.hash_max_listpack_value(),
            ),
            set_intset: size(config.set_max_intset_entries()),
            zset: zset::Limits {
                entries: size(config.zset_max_listpack_entries()),
                value: size(config.zset_max_listpack_value()),
            },
        }
    }
}

/// Why a payload was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// Shorter than its footer, from a newer RDB version, or its CRC-64
    /// does not match (`DUMP payload version or checksum are wrong`).
    Footer,
    /// The footer is right but the value cannot be read (`Bad data format`).
    Format,
}

/// Appends the footer to `body`: the RDB version and the CRC-64 of both.
pub fn seal(mut body: Vec<u8>) -> Vec<u8> {
    body.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = CRC64.checksum(&body);
    body.extend_from_slice(&crc.to_le_bytes());
    body
}

/// Checks a payload's footer as Redis's `verifyDumpPayload` does: at least
/// 10 bytes, a version no newer than [`RDB_VERSION`], a matching CRC-64.
pub fn verify(payload: &[u8]) -> Result<(), RestoreError> {
    let Some(body_len) = payload.len().checked_sub(10) else {
        return Err(RestoreError::Footer);
    };
    let footer = &payload[body_len..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let mut crc = [0u8; 8];
    crc.copy_from_slice(&footer[2..]);
    if version > RDB_VERSION || CRC64.checksum(&payload[..body_len + 2]) != u64::from_le_bytes(crc)
    {
        return Err(RestoreError::Footer);
    }
    Ok(())
}

/// The DUMP payload of `value`.
pub fn dump(value: &Value, options: &DumpOptions) -> Vec<u8> {
    seal(encode::value(value, options))
}

/// The value in `payload`, as RESTORE reads it: the footer checked first,
/// then the value read from the start. As in Redis, the reading runs over
/// the whole payload, footer included, and what is left after the value
/// is not looked at. `seed` seeds the new value's hash maps.
pub fn restore(payload: &[u8], limits: &Limits, seed: u64) -> Result<Value, RestoreError> {
    verify(payload)?;
    decode::value(payload, limits, seed).ok_or(RestoreError::Format)
}

/// A value of type `t` whose body starts `bytes`, and how many bytes the
/// body took: an RDB file's values, each after its type byte and key.
pub fn body_at(t: u8, bytes: &[u8], limits: &Limits, seed: u64) -> Option<(Value, usize)> {
    decode::body_at(t, bytes, limits, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_footer_is_checked() {
        let payload = dump(&Value::string(b"hello"), &DumpOptions::default());
        assert_eq!(verify(&payload), Ok(()));
        let mut bad = payload.clone();
        bad[1] ^= 1;
        assert_eq!(verify(&bad), Err(RestoreError::Footer));
        let mut newer = payload[..payload.len() - 10].to_vec();
        newer.extend_from_slice(&11u16.to_le_bytes());
        let crc = CRC64.checksum(&newer);
        newer.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(verify(&newer), Err(RestoreError::Footer));
        assert_eq!(verify(&payload[..9]), Err(RestoreError::Footer));
        // Redis's own bytes for SET k hello.
        assert_eq!(payload, b"\x00\x05hello\x0a\x00cr\xdfve4 \x0a");
    }
}
