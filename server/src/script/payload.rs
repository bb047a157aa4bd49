//! The payload of FUNCTION DUMP / RESTORE, in Redis 7.0's format so that
//! payloads move between redsim and Redis both ways: per library an RDB
//! function opcode and its code as an RDB string, then the RDB version
//! (2 bytes, little-endian) and a CRC-64 of everything before it
//! (8 bytes, little-endian).
//!
//! Redis compresses a library's code with LZF when that saves space; redsim
//! reads such strings but writes plain ones (valid for Redis as well), so
//! its DUMP differs from Redis's byte for byte only for code LZF shrinks.

use crc::{CRC_64_REDIS, Crc};

use crate::cmd::error;

/// `RDB_OPCODE_FUNCTION2`: a library's whole code.
const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: the format of Redis 7.0's release candidates.
const OPCODE_FUNCTION_PRE_GA: u8 = 246;
/// The RDB version Redis 7.0 writes (and the newest it reads).
const RDB_VERSION: u16 = 10;

const CRC64: Crc<u64> = Crc::<u64>::new(&CRC_64_REDIS);

/// A payload holding `codes`, one per library.
pub fn dump<'a>(codes: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        write_len(&mut out, code.len());
        out.extend_from_slice(code);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = CRC64.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The libraries' codes in `payload`, or Redis's error text.
pub fn restore(payload: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    const WRONG: &str = error::PAYLOAD_WRONG;
    let Some(body_len) = payload.len().checked_sub(10) else {
        return Err(WRONG);
    };
    let (body, footer) = payload.split_at(body_len);
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    let crc = u64::from_le_bytes(footer[2..10].try_into().map_err(|_| WRONG)?);
    if version > RDB_VERSION || CRC64.checksum(&payload[..body_len + 2]) != crc {
        return Err(WRONG);
    }
    let mut reader = Reader {
        bytes: body,
        pos: 0,
    };
    let mut codes = Vec::new();
    while reader.pos < body.len() {
        match reader.byte() {
            Some(OPCODE_FUNCTION2) => {
                codes.push(reader.string().ok_or(error::PAYLOAD_LIBRARY)?);
            }
            Some(OPCODE_FUNCTION_PRE_GA) => codes.push(reader.pre_ga()?),
            _ => return Err(error::PAYLOAD_NOT_FUNCTION),
        }
    }
    Ok(codes)
}

/// An RDB length: 6 bits, 14 bits, or 32/64 bits big-endian after a marker.
fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if let Ok(len) = u32::try_from(len) {
        out.push(0x80);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Reads RDB values from a payload's body.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

/// What an RDB length byte announces.
enum Len {
    Plain(usize),
    /// An integer stored in 1, 2 or 4 bytes, or an LZF string.
    Special(u8),
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    fn len(&mut self) -> Option<Len> {
        let first = self.byte()?;
        Some(match first >> 6 {
            0 => Len::Plain(usize::from(first & 0x3F)),
            1 => Len::Plain(usize::from(first & 0x3F) << 8 | usize::from(self.byte()?)),
            2 => match first {
                0x80 => {
                    let b = self.take(4)?;
                    Len::Plain(u32::from_be_bytes(b.try_into().ok()?) as usize)
                }
                0x81 => {
                    let b = self.take(8)?;
                    Len::Plain(usize::try_from(u64::from_be_bytes(b.try_into().ok()?)).ok()?)
                }
                _ => return None,
            },
            _ => Len::Special(first & 0x3F),
        })
    }

    fn plain_len(&mut self) -> Option<usize> {
        match self.len()? {
            Len::Plain(n) => Some(n),
            Len::Special(_) => None,
        }
    }

    /// An RDB string in any of its encodings.
    fn string(&mut self) -> Option<Vec<u8>> {
        match self.len()? {
            Len::Plain(n) => Some(self.take(n)?.to_vec()),
            Len::Special(0) => Some((self.byte()? as i8).to_string().into_bytes()),
            Len::Special(1) => {
                let b = self.take(2)?;
                Some(i16::from_le_bytes([b[0], b[1]]).to_string().into_bytes())
            }
            Len::Special(2) => {
                let b = self.take(4)?;
                Some(
                    i32::from_le_bytes(b.try_into().ok()?)
                        .to_string()
                        .into_bytes(),
                )
            }
            Len::Special(3) => {
                let compressed = self.plain_len()?;
                let expanded = self.plain_len()?;
                lzf_expand(self.take(compressed)?, expanded)
            }
            Len::Special(_) => None,
        }
    }

    /// A library in the release candidates' format (name, engine, optional
    /// description, code), turned into the header-and-code form.
    fn pre_ga(&mut self) -> Result<Vec<u8>, &'static str> {
        let name = self.string().ok_or(error::PAYLOAD_LIBRARY_NAME)?;
        let engine = self.string().ok_or(error::PAYLOAD_ENGINE_NAME)?;
        let has_description = self
            .plain_len()
            .ok_or(error::PAYLOAD_DESCRIPTION_INDICATOR)?;
        if has_description != 0 {
            self.string().ok_or(error::PAYLOAD_DESCRIPTION)?;
        }
        let code = self.string().ok_or(error::PAYLOAD_BLOB)?;
        let mut out = b"#!".to_vec();
        out.extend_from_slice(&engine);
        out.extend_from_slice(b" name=");
        out.extend_from_slice(&name);
        out.push(b'\n');
        out.extend_from_slice(&code);
        Ok(out)
    }
}

/// Expands LZF data that must come to exactly `expanded` bytes. A control
/// byte below 32 starts a run of that many plus one literal bytes; any
/// other is a back-reference: its top three bits give the length minus
/// two (7 meaning "add the next byte"), its low five bits and the byte
/// after give the distance back minus one.
fn lzf_expand(mut input: &[u8], expanded: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(expanded.min(1 << 20));
    while let Some((&ctrl, rest)) = input.split_first() {
        input = rest;
        if ctrl < 32 {
            let n = usize::from(ctrl) + 1;
            let literal = input.get(..n)?;
            out.extend_from_slice(literal);
            input = &input[n..];
        } else {
            let mut len = usize::from(ctrl >> 5);
            if len == 7 {
                let (&more, rest) = input.split_first()?;
                len += usize::from(more);
                input = rest;
            }
            let (&low, rest) = input.split_first()?;
            input = rest;
            let distance = (usize::from(ctrl & 0x1F) << 8 | usize::from(low)) + 1;
            let start = out.len().checked_sub(distance)?;
            // Copies may overlap what they produce (a repeated run).
            for i in 0..len + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
        if out.len() > expanded {
            return None;
        }
    }
    (out.len() == expanded).then_some(out)
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

    #[test]
    fn lzf_literals_and_overlapping_references() {
        // "abc" then a reference 3 back of length 6: "abcabcabc".
        let data = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(lzf_expand(&data, 9).unwrap(), b"abcabcabc");
        // A long reference (length byte follows).
        let data = [0, b'z', (7 << 5), 3, 0];
        assert_eq!(lzf_expand(&data, 13).unwrap(), vec![b'z'; 13]);
        // Wrong sizes and references before the start are refused.
        assert!(lzf_expand(&[2, b'a', b'b', b'c'], 4).is_none());
        assert!(lzf_expand(&[0, b'a', (1 << 5), 5], 4).is_none());
    }
}
