//! Listpacks, the flat encoding Redis 7.0 keeps small hashes, small sorted
//! sets, the nodes of lists and the nodes of streams in, and writes into
//! RDB payloads as they are.
//!
//! # Layout
//! A 6-byte header (total bytes, u32 little-endian; element count, u16,
//! 65535 when it does not fit), the elements, and an end byte `0xFF`.
//! Each element is an encoding byte (with its length or value), the data,
//! and a *back-length*: the size of encoding and data, 7 bits per byte,
//! written so that it reads backwards. Integers take 1 to 9 bytes by
//! range; strings a 1, 2 or 5 byte header by length. A string that is a
//! canonical 64-bit integer is always stored as the integer
//! (`lpStringToInt64`).
//!
//! [`Builder`] writes the bytes `listpack.c` writes for the same appends;
//! [`parse`] reads a listpack with the deep checks of
//! `lpValidateIntegrity` (every element in bounds, back-lengths matching,
//! the count right) and returns its elements.

use std::borrow::Cow;

use crate::num;

/// The header's count when the elements are too many to count in it.
const NUMELE_UNKNOWN: usize = u16::MAX as usize;
/// The end byte.
const EOF: u8 = 0xFF;

/// One element of a listpack.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem<'a> {
    /// A string element.
    Str(&'a [u8]),
    /// An integer element.
    Int(i64),
}

impl<'a> Elem<'a> {
    /// The element as bytes: a string as is, an integer as its digits.
    pub fn bytes(self) -> Cow<'a, [u8]> {
        match self {
            Elem::Str(s) => Cow::Borrowed(s),
            Elem::Int(v) => Cow::Owned(super::io::int_digits(v)),
        }
    }

    /// The element as an integer, if it is one or a string that reads as
    /// one (`lpGetIntegerIfValid`).
    pub fn int(self) -> Option<i64> {
        match self {
            Elem::Int(v) => Some(v),
            Elem::Str(s) => num::parse_i64(s),
        }
    }
}

/// Writes a listpack element by element.
#[derive(Debug)]
pub struct Builder {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// Bytes of the back-length of an element of `len` bytes.
fn backlen_size(len: u64) -> usize {
    match len {
        0..=127 => 1,
        128..16_383 => 2,
        16_383..2_097_151 => 3,
        2_097_151..268_435_455 => 4,
        _ => 5,
    }
}

fn int_len(v: i64) -> usize {
    match v {
        0..=127 => 1,
        -4096..=4095 => 2,
        -32_768..=32_767 => 3,
        -8_388_608..=8_388_607 => 4,
        _ if i32::try_from(v).is_ok() => 5,
        _ => 9,
    }
}

impl Builder {
    /// An empty listpack.
    pub fn new() -> Builder {
        Builder {
            buf: vec![0; 6],
            count: 0,
        }
    }

    /// Total bytes the listpack has now (`lpBytes`).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    /// Number of elements.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Appends `s` (`lpAppend`): as an integer if it is a canonical one.
    pub fn push(&mut self, s: &[u8]) {
        match num::parse_i64(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    /// Appends `s` as a string element, whatever it holds.
    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let len = s.len();
        if len < 64 {
            self.buf.push(0x80 | len as u8);
        } else if len < 4096 {
            self.buf.push(0xE0 | (len >> 8) as u8);
            self.buf.push(len as u8);
        } else {
            self.buf.push(0xF0);
            self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.finish_elem(start);
    }

    /// Appends an integer element (`lpAppendInteger`).
    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        match int_len(v) {
            1 => self.buf.push(v as u8),
            2 => {
                let u = if v < 0 { (1 << 13) + v } else { v };
                self.buf.push(0xC0 | (u >> 8) as u8);
                self.buf.push(u as u8);
            }
            3 => {
                self.buf.push(0xF1);
                self.buf.extend_from_slice(&(v as i16).to_le_bytes());
            }
            4 => {
                self.buf.push(0xF2);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
            }
            5 => {
                self.buf.push(0xF3);
                self.buf.extend_from_slice(&(v as i32).to_le_bytes());
            }
            _ => {
                self.buf.push(0xF4);
                self.buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        self.finish_elem(start);
    }

    /// Writes the back-length of the element that starts at `start`.
    fn finish_elem(&mut self, start: usize) {
        let l = (self.buf.len() - start) as u64;
        let mut b = [0u8; 5];
        let n = backlen_size(l);
        match n {
            1 => b[0] = l as u8,
            2 => {
                b[0] = (l >> 7) as u8;
                b[1] = (l & 127) as u8 | 128;
            }
            3 => {
                b[0] = (l >> 14) as u8;
                b[1] = ((l >> 7) & 127) as u8 | 128;
                b[2] = (l & 127) as u8 | 128;
            }
            4 => {
                b[0] = (l >> 21) as u8;
                b[1] = ((l >> 14) & 127) as u8 | 128;
                b[2] = ((l >> 7) & 127) as u8 | 128;
                b[3] = (l & 127) as u8 | 128;
            }
            _ => {
                b[0] = (l >> 28) as u8;
                b[1] = ((l >> 21) & 127) as u8 | 128;
                b[2] = ((l >> 14) & 127) as u8 | 128;
                b[3] = ((l >> 7) & 127) as u8 | 128;
                b[4] = (l & 127) as u8 | 128;
            }
        }
        self.buf.extend_from_slice(&b[..n]);
        self.count += 1;
    }

    /// The finished listpack: header filled in, end byte appended.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let numele = self.count.min(NUMELE_UNKNOWN) as u16;
        self.buf[4..6].copy_from_slice(&numele.to_le_bytes());
        self.buf
    }
}

/// Size of the encoding bytes (`lpCurrentEncodedSizeBytes`) and of
/// encoding plus data (`lpCurrentEncodedSizeUnsafe`) of the element at
/// `p`; `None` for an invalid encoding byte. The data size of a string
/// reads bytes after `p`, which the caller has checked are there.
fn encoded_sizes(lp: &[u8], p: usize) -> Option<(usize, Option<u64>)> {
    let b = lp[p];
    let at = |i: usize| lp.get(p + i).copied().map(u64::from);
    Some(match b {
        _ if b & 0x80 == 0 => (1, Some(1)),
        _ if b & 0xC0 == 0x80 => (1, Some(1 + u64::from(b & 0x3F))),
        _ if b & 0xE0 == 0xC0 => (1, Some(2)),
        0xF1 => (1, Some(3)),
        0xF2 => (1, Some(4)),
        0xF3 => (1, Some(5)),
        0xF4 => (1, Some(9)),
        _ if b & 0xF0 == 0xE0 => (2, at(1).map(|lo| 2 + ((u64::from(b & 0x0F) << 8) | lo))),
        0xF0 => (5, {
            let len = (|| Some(at(1)? | at(2)? << 8 | at(3)? << 16 | at(4)? << 24))();
            len.map(|l| 5 + l)
        }),
        EOF => (1, Some(1)),
        _ => return None,
    })
}

/// The back-length that ends at `end` (inclusive), read backwards
/// (`lpDecodeBacklen`); `None` past five bytes.
fn decode_backlen(lp: &[u8], end: usize) -> Option<u64> {
    let mut val = 0u64;
    let mut shift = 0;
    let mut p = end;
    loop {
        let b = lp[p];
        val |= u64::from(b & 127) << shift;
        if b & 128 == 0 {
            return Some(val);
        }
        shift += 7;
        p = p.checked_sub(1)?;
        if shift > 28 {
            return None;
        }
    }
}

/// The value of the element at `p`, already validated to lie in `lp`.
fn element(lp: &[u8], p: usize) -> Elem<'_> {
    let b = lp[p];
    let le = |n: usize| {
        let mut v = 0u64;
        for i in 0..n {
            v |= u64::from(lp[p + 1 + i]) << (8 * i);
        }
        v
    };
    // Two's complement over `bits` bits.
    let signed = |u: u64, bits: u32| {
        if u >= 1 << (bits - 1) {
            (u as i64) - (1i64 << bits)
        } else {
            u as i64
        }
    };
    match b {
        _ if b & 0x80 == 0 => Elem::Int(i64::from(b & 0x7F)),
        _ if b & 0xC0 == 0x80 => {
            let len = usize::from(b & 0x3F);
            Elem::Str(&lp[p + 1..p + 1 + len])
        }
        _ if b & 0xE0 == 0xC0 => {
            let u = (u64::from(b & 0x1F) << 8) | u64::from(lp[p + 1]);
            Elem::Int(signed(u, 13))
        }
        0xF1 => Elem::Int(signed(le(2), 16)),
        0xF2 => Elem::Int(signed(le(3), 24)),
        0xF3 => Elem::Int(signed(le(4), 32)),
        0xF4 => Elem::Int(le(8) as i64),
        0xF0 => {
            let len = le(4) as usize;
            Elem::Str(&lp[p + 5..p + 5 + len])
        }
        _ => {
            let len = (usize::from(b & 0x0F) << 8) | usize::from(lp[p + 1]);
            Elem::Str(&lp[p + 2..p + 2 + len])
        }
    }
}

/// The elements of the listpack `lp`, checked as `lpValidateIntegrity`
/// checks with `deep` set; `None` when a check fails.
pub fn parse(lp: &[u8]) -> Option<Vec<Elem<'_>>> {
    let size = lp.len();
    if size < 7 {
        return None;
    }
    let total = u32::from_le_bytes(lp[..4].try_into().ok()?) as usize;
    if total != size || lp[size - 1] != EOF {
        return None;
    }
    let numele = usize::from(u16::from_le_bytes([lp[4], lp[5]]));
    let last = size - 1;
    let mut elems = Vec::new();
    let mut p = 6;
    while lp[p] != EOF {
        // lpValidateNext: every position read stays within 6..=last.
        let (lenbytes, entry) = encoded_sizes(lp, p)?;
        if p + lenbytes > last {
            return None;
        }
        let entry = entry?;
        let backlen = backlen_size(entry) as u64;
        let whole = entry + backlen;
        if (p as u64).checked_add(whole)? > last as u64 {
            return None;
        }
        let next = p + whole as usize;
        if decode_backlen(lp, next - 1)? + backlen != whole {
            return None;
        }
        elems.push(element(lp, p));
        p = next;
    }
    if p != last || (numele != NUMELE_UNKNOWN && numele != elems.len()) {
        return None;
    }
    Some(elems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_encoding_round_trips() {
        let ints = [
            0,
            127,
            128,
            -1,
            -4096,
            4095,
            -4097,
            32767,
            -32768,
            8_388_607,
            -8_388_608,
            8_388_608,
            i64::from(i32::MAX),
            i64::from(i32::MIN),
            i64::MAX,
            i64::MIN,
        ];
        let strings: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a".to_vec(),
            vec![b'x'; 63],
            vec![b'x'; 64],
            vec![b'y'; 4095],
            vec![b'z'; 4096],
            vec![b'w'; 70_000],
            b"-0".to_vec(),
            b"01".to_vec(),
        ];
        let mut b = Builder::new();
        for v in ints {
            b.push_int(v);
        }
        for s in &strings {
            b.push(s);
        }
        let before = b.bytes();
        let lp = b.finish();
        assert_eq!(lp.len(), before);
        let elems = parse(&lp).unwrap();
        assert_eq!(elems.len(), ints.len() + strings.len());
        for (e, v) in elems.iter().zip(ints) {
            assert_eq!(*e, Elem::Int(v));
        }
        for (e, s) in elems[ints.len()..].iter().zip(&strings) {
            assert_eq!(*e, Elem::Str(s));
        }
        // Sizes agree with the stream model's, which counts them apart.
        let sizes: usize = strings
            .iter()
            .map(|s| crate::db::stream::node::elem_bytes(s))
            .sum::<usize>()
            + ints
                .iter()
                .map(|&v| crate::db::stream::node::int_bytes(v))
                .sum::<usize>();
        assert_eq!(lp.len(), 7 + sizes);
    }

    #[test]
    fn strings_that_are_integers_become_integers() {
        let mut b = Builder::new();
        b.push(b"12");
        b.push(b"-7");
        assert_eq!(b.finish(), [12, 0, 0, 0, 2, 0, 12, 1, 0xDF, 0xF9, 2, 0xFF]);
    }

    #[test]
    fn corrupt_listpacks_are_refused() {
        let mut b = Builder::new();
        b.push(b"hello");
        b.push_int(1000);
        let lp = b.finish();
        assert!(parse(&lp).is_some());
        for i in 0..lp.len() {
            for bit in 0..8 {
                let mut bad = lp.clone();
                bad[i] ^= 1 << bit;
                // Flips inside the string's data or the integer keep it valid.
                if parse(&bad).is_some() {
                    assert!((7..15).contains(&i), "byte {i} bit {bit}");
                }
            }
        }
        assert!(parse(&lp[..lp.len() - 1]).is_none());
        assert!(parse(&[7, 0, 0, 0, 0, 0, 0xFF]).unwrap().is_empty());
    }
}
