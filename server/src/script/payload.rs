//! The payload of FUNCTION DUMP / RESTORE, in Redis 7.0's format so that
//! payloads move between redsim and Redis both ways: per library an RDB
//! function opcode and its code as an RDB string, then the RDB version
//! (2 bytes, little-endian) and a CRC-64 of everything before it
//! (8 bytes, little-endian). The RDB strings, the LZF compression Redis
//! applies to code it shrinks, and the footer are [`crate::db::rdb`]'s,
//! shared with DUMP and RESTORE of keys, so the bytes are Redis's.

use crate::cmd::error;
use crate::db::rdb::{self, io::Reader, io::Writer};

/// `RDB_OPCODE_FUNCTION2`: a library's whole code.
const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: the format of Redis 7.0's release candidates.
const OPCODE_FUNCTION_PRE_GA: u8 = 246;

/// A payload holding `codes`, one per library.
pub fn dump<'a>(codes: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    // rdbcompression's default: Redis compresses a library's code too.
    let mut w = Writer::new(true);
    for code in codes {
        w.byte(OPCODE_FUNCTION2);
        w.string(code);
    }
    rdb::seal(w.out)
}

/// The libraries' codes in `payload`, or Redis's error text.
pub fn restore(payload: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    rdb::verify(payload).map_err(|_| error::PAYLOAD_WRONG)?;
    // As in Redis, reading runs over the whole payload (a library cut
    // short may end in the footer's bytes); libraries start in the body.
    let body_len = payload.len() - 10;
    let mut reader = Reader::new(payload);
    let mut codes = Vec::new();
    while reader.pos() < body_len {
        match reader.byte() {
            Some(OPCODE_FUNCTION2) => {
                codes.push(reader.string().ok_or(error::PAYLOAD_LIBRARY)?);
            }
            Some(OPCODE_FUNCTION_PRE_GA) => codes.push(pre_ga(&mut reader)?),
            _ => return Err(error::PAYLOAD_NOT_FUNCTION),
        }
    }
    Ok(codes)
}

/// A library in the release candidates' format (name, engine, optional
/// description, code), turned into the header-and-code form.
fn pre_ga(reader: &mut Reader<'_>) -> Result<Vec<u8>, &'static str> {
    let name = reader.string().ok_or(error::PAYLOAD_LIBRARY_NAME)?;
    let engine = reader.string().ok_or(error::PAYLOAD_ENGINE_NAME)?;
    let has_description = reader.len().ok_or(error::PAYLOAD_DESCRIPTION_INDICATOR)?;
    if has_description != 0 {
        reader.string().ok_or(error::PAYLOAD_DESCRIPTION)?;
    }
    let code = reader.string().ok_or(error::PAYLOAD_BLOB)?;
    let mut out = b"#!".to_vec();
    out.extend_from_slice(&engine);
    out.extend_from_slice(b" name=");
    out.extend_from_slice(&name);
    out.push(b'\n');
    out.extend_from_slice(&code);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_footer() {
        let codes: [&[u8]; 2] = [b"#!lua name=a\nx", &[b'y'; 20_000]];
        let payload = dump(codes);
        assert_eq!(restore(&payload).unwrap(), codes.map(<[u8]>::to_vec));
        // An empty dump is the footer alone, as Redis writes it.
        assert_eq!(dump([]), b"\x0a\x00\x5d\x9b\x5c\x40\x0f\x7f\xa2\xda");
        let mut bad = payload.clone();
        bad[3] ^= 1;
        assert_eq!(
            restore(&bad),
            Err("ERR DUMP payload version or checksum are wrong")
        );
        assert!(restore(b"\x0a\x00").is_err());
    }
}
