//! The snapshot of a full synchronisation: an RDB file as Redis 7.0 writes
//! one (`REDIS0010`, AUX fields, the functions, per database SELECTDB and
//! RESIZEDB, each key with its EXPIRETIME_MS, EOF and a CRC-64), and the
//! reading of one, whoever wrote it.
//!
//! The file framing is this module's; each value's bytes are
//! [`crate::db::rdb`]'s, the encoder and decoder DUMP and RESTORE use.
//! Scripts are not in it: Redis 7.0 neither saves nor replicates its script
//! cache (a promoted replica answers EVALSHA with NOSCRIPT until EVAL runs
//! the script again); functions are.

use bytes::Bytes;
use crc::{CRC_64_REDIS, Crc};

use crate::db::Value;
use crate::db::rdb::io::{Reader, Writer};
use crate::db::rdb::{self, DumpOptions, Limits};
use crate::state::State;

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);

/// RDB opcodes (`RDB_OPCODE_*`).
mod op {
    pub const FUNCTION2: u8 = 245;
    pub const FUNCTION_PRE_GA: u8 = 246;
    pub const MODULE_AUX: u8 = 247;
    pub const IDLE: u8 = 248;
    pub const FREQ: u8 = 249;
    pub const AUX: u8 = 250;
    pub const RESIZEDB: u8 = 251;
    pub const EXPIRETIME_MS: u8 = 252;
    pub const EXPIRETIME: u8 = 253;
    pub const SELECTDB: u8 = 254;
    pub const EOF: u8 = 255;
}

/// One key of a loaded snapshot.
pub struct Key {
    /// Its name.
    pub key: Vec<u8>,
    /// Its value.
    pub value: Value,
    /// Its deadline in Unix ms, if any.
    pub expire_at: Option<i64>,
}

/// What a snapshot holds.
#[derive(Default)]
pub struct Loaded {
    /// Keys by database index.
    pub dbs: Vec<(usize, Vec<Key>)>,
    /// Each FUNCTION library's code.
    pub functions: Vec<Bytes>,
}

/// The RDB file of `state` at server-clock `now` (keys already past their
/// deadline are left out, as Redis's `rdbSaveKeyValuePair` leaves them).
pub fn save(state: &State, now: i64) -> Vec<u8> {
    let options = DumpOptions::of(&state.config);
    let mut w = Writer::new(options.compress);
    w.raw(b"REDIS0010");
    let aux = |w: &mut Writer, k: &str, v: &[u8]| {
        w.byte(op::AUX);
        w.string(k.as_bytes());
        w.string(v);
    };
    aux(
        &mut w,
        "redis-ver",
        crate::version::REDIS_VERSION.as_bytes(),
    );
    aux(&mut w, "redis-bits", b"64");
    aux(&mut w, "ctime", (now / 1000).to_string().as_bytes());
    aux(&mut w, "used-mem", b"0");
    let db = state.repl.seldb.unwrap_or(0);
    aux(&mut w, "repl-stream-db", db.to_string().as_bytes());
    aux(&mut w, "repl-id", state.repl.replid.as_bytes());
    aux(
        &mut w,
        "repl-offset",
        state.repl.offset.to_string().as_bytes(),
    );
    aux(&mut w, "aof-base", b"0");
    if let Some(engine) = state.functions.as_deref() {
        for (_, lib) in engine.libraries().iter() {
            w.byte(op::FUNCTION2);
            w.string(&lib.code);
        }
    }
    for (i, db) in state.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        w.byte(op::SELECTDB);
        w.len(i as u64);
        w.byte(op::RESIZEDB);
        w.len(db.len() as u64);
        w.len(db.expires_len() as u64);
        for (key, entry) in db.iter() {
            if entry.is_expired(now) {
                continue;
            }
            if let Some(at) = entry.expire_at() {
                w.byte(op::EXPIRETIME_MS);
                w.raw(&at.to_le_bytes());
            }
            let payload = rdb::dump(&entry.value, &options);
            // The payload is the type byte and the value, then a footer of
            // 10 bytes (version and checksum) that the file does not carry;
            // the key goes between the type byte and the value.
            let body = &payload[..payload.len() - 10];
            w.byte(body[0]);
            w.string(key.as_slice());
            w.raw(&body[1..]);
        }
    }
    w.byte(op::EOF);
    let crc = CRC64.checksum(&w.out);
    w.raw(&crc.to_le_bytes());
    w.out
}

/// Reads an RDB file (version 10 or older) as a replica loads its
/// primary's snapshot. `seed` seeds the values' hash maps. Errors say what
/// could not be read.
pub fn load(bytes: &[u8], limits: &Limits, seed: u64) -> Result<Loaded, String> {
    if bytes.len() < 9 || &bytes[..5] != b"REDIS" {
        return Err("not an RDB file".into());
    }
    let version: u32 = std::str::from_utf8(&bytes[5..9])
        .ok()
        .and_then(|v| v.parse().ok())
        .ok_or("bad RDB version")?;
    if version > u32::from(rdb::RDB_VERSION) {
        return Err(format!("RDB version {version} is newer than 10"));
    }
    let mut pos = 9;
    let mut loaded = Loaded::default();
    let mut db: Option<usize> = None;
    let mut expire_at: Option<i64> = None;
    let bad = || "truncated or damaged RDB file".to_string();
    loop {
        let mut r = Reader::new(&bytes[pos..]);
        let kind = r.byte().ok_or_else(bad)?;
        match kind {
            op::EOF => break,
            op::AUX => {
                r.string().ok_or_else(bad)?;
                r.string().ok_or_else(bad)?;
            }
            op::SELECTDB => {
                let i = r.len().ok_or_else(bad)? as usize;
                db = Some(i);
                if !loaded.dbs.iter().any(|(d, _)| *d == i) {
                    loaded.dbs.push((i, Vec::new()));
                }
            }
            op::RESIZEDB => {
                r.len().ok_or_else(bad)?;
                r.len().ok_or_else(bad)?;
            }
            op::EXPIRETIME_MS => {
                let b = r.take(8).ok_or_else(bad)?;
                expire_at = Some(i64::from_le_bytes(b.try_into().map_err(|_| bad())?));
            }
            op::EXPIRETIME => {
                let b = r.take(4).ok_or_else(bad)?;
                let secs = i32::from_le_bytes(b.try_into().map_err(|_| bad())?);
                expire_at = Some(i64::from(secs) * 1000);
            }
            op::IDLE => {
                r.len().ok_or_else(bad)?;
            }
            op::FREQ => {
                r.byte().ok_or_else(bad)?;
            }
            op::FUNCTION2 => {
                loaded
                    .functions
                    .push(Bytes::from(r.string().ok_or_else(bad)?));
            }
            op::FUNCTION_PRE_GA | op::MODULE_AUX => {
                return Err("RDB opcode of modules or pre-release functions".into());
            }
            t => {
                let key = r.string().ok_or_else(bad)?;
                let start = pos + r.pos();
                let (value, len) =
                    rdb::body_at(t, &bytes[start..], limits, seed).ok_or_else(bad)?;
                let i = db.unwrap_or(0);
                if db.is_none() {
                    db = Some(0);
                    loaded.dbs.push((0, Vec::new()));
                }
                if let Some((_, keys)) = loaded.dbs.iter_mut().find(|(d, _)| *d == i) {
                    keys.push(Key {
                        key,
                        value,
                        expire_at: expire_at.take(),
                    });
                }
                pos = start + len;
                continue;
            }
        }
        pos += r.pos();
    }
    Ok(loaded)
}
