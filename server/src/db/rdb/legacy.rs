//! The encodings older Redis versions wrote into RDB payloads, which Redis
//! 7.0 still reads (and converts on load): ziplists (lists, hashes and
//! sorted sets before 7.0, and the nodes of quicklists before 7.0) and
//! zipmaps (hashes before 2.6). Read only, with the deep checks Redis 7.0
//! always runs on them (`ziplistValidateIntegrity`,
//! `zipmapValidateIntegrity`).
//!
//! # Ziplist
//! A 10-byte header (total bytes and offset of the last entry, u32
//! little-endian each; entry count, u16, 65535 when unknown), the entries,
//! and an end byte `0xFF`. Each entry starts with the previous entry's
//! size (1 byte, or `0xFE` and 4 bytes), then an encoding: strings by
//! length (6-bit, 14-bit big-endian, 32-bit big-endian), integers as 8,
//! 16, 24, 32 or 64 bits little-endian, or a 4-bit immediate 0 to 12.
//!
//! # Zipmap
//! A count byte (254: unknown), then per pair a length (1 byte, or 254
//! and 4 bytes), the field, a length, a free-space byte, the value and
//! that many free bytes; an end byte `0xFF`.

use super::listpack::Elem;

const ZIP_END: u8 = 0xFF;
const ZIP_BIG_PREVLEN: u8 = 254;
const ZIPLIST_HEADER: usize = 10;

/// One decoded ziplist entry.
struct Entry {
    prevrawlen: u64,
    header: u64,
    len: u64,
    encoding: u8,
}

/// Decodes the entry at `p` as `zipEntrySafe` does (validating the
/// previous length's reach too); `None` when it leaves the ziplist.
fn entry_at(zl: &[u8], p: usize) -> Option<Entry> {
    let first = ZIPLIST_HEADER as u64;
    let last = (zl.len() - 1) as u64;
    let in_range = |x: u64| x >= first && x <= last;
    let at = |i: usize| zl.get(i).copied();
    let prevsize = if zl[p] < ZIP_BIG_PREVLEN { 1 } else { 5 };
    if !in_range((p + prevsize) as u64) {
        return None;
    }
    let prevrawlen = if prevsize == 1 {
        u64::from(zl[p])
    } else {
        u64::from(u32::from_le_bytes(zl.get(p + 1..p + 5)?.try_into().ok()?))
    };
    let e = p + prevsize;
    let raw = zl[e];
    let encoding = if raw < 0xC0 { raw & 0xC0 } else { raw };
    let (lensize, len): (u64, u64) = match encoding {
        0x00 => (1, u64::from(raw & 0x3F)),
        0x40 => (2, (u64::from(raw & 0x3F) << 8) | u64::from(at(e + 1)?)),
        0x80 => (
            5,
            u64::from(u32::from_be_bytes(zl.get(e + 1..e + 5)?.try_into().ok()?)),
        ),
        0xFE => (1, 1),
        0xC0 => (1, 2),
        0xF0 => (1, 3),
        0xD0 => (1, 4),
        0xE0 => (1, 8),
        0xF1..=0xFD => (1, 0),
        _ => return None,
    };
    if !in_range(e as u64 + lensize) {
        return None;
    }
    let header = prevsize as u64 + lensize;
    if !in_range(p as u64 + header + len) {
        return None;
    }
    let back = (p as u64).checked_sub(prevrawlen)?;
    if !in_range(back) {
        return None;
    }
    Some(Entry {
        prevrawlen,
        header,
        len,
        encoding,
    })
}

/// The value of a validated entry at `p`.
fn value<'a>(zl: &'a [u8], p: usize, e: &Entry) -> Elem<'a> {
    let data = p + e.header as usize;
    let le = |n: usize| {
        let mut v = 0i64;
        for i in 0..n {
            v |= i64::from(zl[data + i]) << (8 * i);
        }
        v
    };
    match e.encoding {
        0x00 | 0x40 | 0x80 => Elem::Str(&zl[data..data + e.len as usize]),
        0xFE => Elem::Int(i64::from(zl[data] as i8)),
        0xC0 => Elem::Int(i64::from(le(2) as i16)),
        // 24 bits, sign-extended.
        0xF0 => Elem::Int((le(3) << 40) >> 40),
        0xD0 => Elem::Int(i64::from(le(4) as i32)),
        0xE0 => Elem::Int(le(8)),
        imm => Elem::Int(i64::from(imm & 0x0F) - 1),
    }
}

/// The entries of the ziplist `zl`, checked as
/// `ziplistValidateIntegrity` checks with `deep` set.
pub fn ziplist(zl: &[u8]) -> Option<Vec<Elem<'_>>> {
    let size = zl.len();
    if size < ZIPLIST_HEADER + 1 {
        return None;
    }
    let bytes = u32::from_le_bytes(zl[..4].try_into().ok()?) as usize;
    let tail = u32::from_le_bytes(zl[4..8].try_into().ok()?) as usize;
    let count = usize::from(u16::from_le_bytes([zl[8], zl[9]]));
    if bytes != size || zl[size - 1] != ZIP_END || tail > size - 1 {
        return None;
    }
    let mut elems = Vec::new();
    let mut p = ZIPLIST_HEADER;
    let mut prev = None;
    let mut prev_raw = 0;
    while zl[p] != ZIP_END {
        let e = entry_at(zl, p)?;
        if e.prevrawlen != prev_raw {
            return None;
        }
        elems.push(value(zl, p, &e));
        prev_raw = e.header + e.len;
        prev = Some(p);
        p += prev_raw as usize;
    }
    if p != size - 1 || prev.is_some_and(|prev| prev != tail) {
        return None;
    }
    if count != usize::from(u16::MAX) && count != elems.len() {
        return None;
    }
    Some(elems)
}

/// The field-value pairs of the zipmap `zm`, checked as
/// `zipmapValidateIntegrity` checks with `deep` set.
pub fn zipmap(zm: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let size = zm.len();
    if size < 2 || zm[size - 1] != ZIP_END {
        return None;
    }
    let last = (size - 1) as u64;
    let in_range = |x: u64| (2..=last).contains(&x);
    // A length and its size: one byte below 254, else 254 and 4 bytes.
    let len_at = |p: usize| -> Option<(u64, u64)> {
        if zm[p] < 254 {
            Some((1, u64::from(zm[p])))
        } else {
            let b = zm.get(p + 1..p + 5)?;
            Some((5, u64::from(u32::from_le_bytes(b.try_into().ok()?))))
        }
    };
    let mut pairs = Vec::new();
    let mut p = 1;
    while zm[p] != ZIP_END {
        let s = if zm[p] < 254 { 1 } else { 5 };
        if !in_range((p + s) as u64) {
            return None;
        }
        let (s, l) = len_at(p)?;
        let field_start = p as u64 + s;
        let field_end = field_start.checked_add(l)?;
        if !in_range(field_end) {
            return None;
        }
        p = field_end as usize;
        let s = if zm[p] < 254 { 1 } else { 5 };
        if !in_range((p + s) as u64) {
            return None;
        }
        let (s, l) = len_at(p)?;
        let free_at = p as u64 + s;
        let free = u64::from(zm[free_at as usize]);
        let value_start = free_at + 1;
        let end = value_start.checked_add(l)?.checked_add(free)?;
        if !in_range(end) {
            return None;
        }
        pairs.push((
            &zm[field_start as usize..field_end as usize],
            &zm[value_start as usize..(value_start + l) as usize],
        ));
        p = end as usize;
    }
    if pairs.is_empty() || (zm[0] != 254 && usize::from(zm[0]) != pairs.len()) {
        return None;
    }
    Some(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ziplist of `entries`, each `(encoding bytes, data)`, as Redis
    /// lays it out.
    fn build(entries: &[(&[u8], &[u8])]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prev = 0usize;
        let mut tail = ZIPLIST_HEADER;
        for (enc, data) in entries {
            tail = ZIPLIST_HEADER + body.len();
            let start = body.len();
            if prev < 254 {
                body.push(prev as u8);
            } else {
                body.push(254);
                body.extend_from_slice(&(prev as u32).to_le_bytes());
            }
            body.extend_from_slice(enc);
            body.extend_from_slice(data);
            prev = body.len() - start;
        }
        let mut zl = Vec::new();
        zl.extend_from_slice(&((ZIPLIST_HEADER + body.len() + 1) as u32).to_le_bytes());
        zl.extend_from_slice(&(tail as u32).to_le_bytes());
        zl.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(ZIP_END);
        zl
    }

    #[test]
    fn ziplist_entries_decode() {
        let long = vec![b'q'; 300];
        let zl = build(&[
            (&[0x03], b"abc"),
            (&[0xF4], b""),
            (&[0xFE], &[0x80]),
            (&[0xC0], &(-2i16).to_le_bytes()),
            (&[0xF0], &[0xFF, 0xFF, 0x7F]),
            (&[0xD0], &(-70000i32).to_le_bytes()),
            (&[0xE0], &i64::MIN.to_le_bytes()),
            (&[0x41, 0x2C], &long),
            (&[0x01], b"z"),
        ]);
        let elems = ziplist(&zl).unwrap();
        assert_eq!(
            elems,
            [
                Elem::Str(b"abc"),
                Elem::Int(3),
                Elem::Int(-128),
                Elem::Int(-2),
                Elem::Int(8_388_607),
                Elem::Int(-70000),
                Elem::Int(i64::MIN),
                Elem::Str(&long),
                Elem::Str(b"z"),
            ]
        );
        for i in 0..zl.len() {
            let mut bad = zl.clone();
            bad[i] ^= 0x40;
            let _ = ziplist(&bad);
        }
        assert!(ziplist(&zl[..zl.len() - 1]).is_none());
    }

    #[test]
    fn zipmap_pairs_decode() {
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x02worldxx\xff";
        assert_eq!(
            zipmap(zm).unwrap(),
            [(&b"foo"[..], &b"bar"[..]), (b"hello", b"world")]
        );
        assert!(zipmap(b"\x00\xff").is_none());
        assert!(zipmap(b"\x03\x03foo\x03\x00bar\xff").is_none());
        assert!(zipmap(b"\x01\x03foo\x09\x00bar\xff").is_none());
    }
}
