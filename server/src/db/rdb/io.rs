//! The RDB primitives both ways: lengths, strings (plain, integer-encoded
//! or LZF-compressed), millisecond times and doubles, written as
//! `rdb.c`'s `rdbSave*` functions write them and read as its `rdbLoad*`
//! functions read them, quirks included (a length read where an encoded
//! string marker stands is taken as its low six bits, as `rdbLoadLen`
//! with no `isencoded` pointer takes it).

use super::lzf;
use crate::num;

/// `RDB_ENC_INT8`, `RDB_ENC_INT16`, `RDB_ENC_INT32`, `RDB_ENC_LZF`: the
/// special string encodings, after the `11` marker bits.
const ENC_INT8: u8 = 0;
const ENC_INT16: u8 = 1;
const ENC_INT32: u8 = 2;
const ENC_LZF: u8 = 3;

/// Builds an RDB byte string.
#[derive(Debug, Default)]
pub struct Writer {
    /// The bytes written so far.
    pub out: Vec<u8>,
    /// Whether strings longer than 20 bytes are LZF-compressed when that
    /// fits (`rdbcompression`).
    pub compress: bool,
}

impl Writer {
    /// An empty writer; `compress` is `rdbcompression`.
    pub fn new(compress: bool) -> Writer {
        Writer {
            out: Vec::new(),
            compress,
        }
    }

    /// One byte (an object type).
    pub fn byte(&mut self, b: u8) {
        self.out.push(b);
    }

    /// Raw bytes.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// A length (`rdbSaveLen`): 6 bits, 14 bits, or 32/64 bits big-endian
    /// after a marker byte.
    pub fn len(&mut self, len: u64) {
        if len < 1 << 6 {
            self.out.push(len as u8);
        } else if len < 1 << 14 {
            self.out.push(0x40 | (len >> 8) as u8);
            self.out.push(len as u8);
        } else if let Ok(len) = u32::try_from(len) {
            self.out.push(0x80);
            self.out.extend_from_slice(&len.to_be_bytes());
        } else {
            self.out.push(0x81);
            self.out.extend_from_slice(&len.to_be_bytes());
        }
    }

    /// An integer in 1, 2 or 4 bytes if it fits 32 bits (`rdbEncodeInteger`).
    fn encoded_int(&mut self, v: i64) -> bool {
        if let Ok(v) = i8::try_from(v) {
            self.out.extend_from_slice(&[0xC0 | ENC_INT8, v as u8]);
        } else if let Ok(v) = i16::try_from(v) {
            self.out.push(0xC0 | ENC_INT16);
            self.out.extend_from_slice(&v.to_le_bytes());
        } else if let Ok(v) = i32::try_from(v) {
            self.out.push(0xC0 | ENC_INT32);
            self.out.extend_from_slice(&v.to_le_bytes());
        } else {
            return false;
        }
        true
    }

    /// A string as `rdbSaveRawString` writes it: as an integer if it is a
    /// short canonical one that fits 32 bits, LZF-compressed if it is
    /// longer than 20 bytes and compresses by at least 4, verbatim
    /// otherwise.
    pub fn string(&mut self, s: &[u8]) {
        if s.len() <= 11
            && let Some(v) = num::parse_i64(s)
            && self.encoded_int(v)
        {
            return;
        }
        if self.compress
            && s.len() > 20
            && let Some(compressed) = lzf::compress(s, s.len() - 4)
        {
            self.lzf_blob(&compressed, s.len());
            return;
        }
        self.len(s.len() as u64);
        self.out.extend_from_slice(s);
    }

    /// An integer string value (`rdbSaveLongLongAsStringObject`): encoded
    /// if it fits 32 bits, else its decimal digits, never compressed.
    pub fn int_string(&mut self, v: i64) {
        if !self.encoded_int(v) {
            let mut buf = itoa::Buffer::new();
            let digits = buf.format(v).as_bytes();
            self.len(digits.len() as u64);
            self.out.extend_from_slice(digits);
        }
    }

    /// LZF data that expands to `expanded` bytes (`rdbSaveLzfBlob`).
    pub fn lzf_blob(&mut self, compressed: &[u8], expanded: usize) {
        self.out.push(0xC0 | ENC_LZF);
        self.len(compressed.len() as u64);
        self.len(expanded as u64);
        self.out.extend_from_slice(compressed);
    }

    /// Unix milliseconds, 8 bytes little-endian.
    pub fn millis(&mut self, t: i64) {
        self.out.extend_from_slice(&t.to_le_bytes());
    }

    /// A double in binary, 8 bytes little-endian (`RDB_TYPE_ZSET_2`).
    pub fn binary_double(&mut self, d: f64) {
        self.out.extend_from_slice(&d.to_le_bytes());
    }
}

/// Reads RDB values from a payload. Every method returns `None` where
/// Redis's loader fails: a read past the end, an unknown encoding, LZF
/// data that does not expand to its announced length.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `bytes`.
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    /// How many bytes have been read.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// One byte.
    pub fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let slice = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(slice)
    }

    /// A length byte and what follows it: `Ok(len)` for a length,
    /// `Err(encoding)` for an encoded-string marker (`rdbLoadLenByRef`).
    fn len_or_encoding(&mut self) -> Option<Result<u64, u8>> {
        let first = self.byte()?;
        Some(match first >> 6 {
            0 => Ok(u64::from(first & 0x3F)),
            1 => Ok((u64::from(first & 0x3F) << 8) | u64::from(self.byte()?)),
            3 => Err(first & 0x3F),
            _ => match first {
                0x80 => Ok(u64::from(u32::from_be_bytes(
                    self.take(4)?.try_into().ok()?,
                ))),
                0x81 => Ok(u64::from_be_bytes(self.take(8)?.try_into().ok()?)),
                _ => return None,
            },
        })
    }

    /// A length (`rdbLoadLen(rdb, NULL)`): an encoded-string marker reads
    /// as its low six bits, as Redis reads it when it does not ask.
    pub fn len(&mut self) -> Option<u64> {
        Some(self.len_or_encoding()?.unwrap_or_else(u64::from))
    }

    /// A length where Redis checks only for running out of bytes (stream
    /// metadata): an unknown length marker reads as `RDB_LENERR`,
    /// `u64::MAX`, and loading goes on.
    pub fn len_unchecked(&mut self) -> Option<u64> {
        match self.bytes.get(self.pos) {
            Some(0x82..=0xBF) => {
                self.pos += 1;
                Some(u64::MAX)
            }
            _ => self.len(),
        }
    }

    /// A string in any of its encodings (`rdbGenericLoadStringObject`):
    /// integers come back as their decimal digits.
    pub fn string(&mut self) -> Option<Vec<u8>> {
        match self.len_or_encoding()? {
            Ok(n) => Some(self.take(n)?.to_vec()),
            Err(ENC_INT8) => Some(int_digits(i64::from(self.byte()? as i8))),
            Err(ENC_INT16) => {
                let b = self.take(2)?;
                Some(int_digits(i64::from(i16::from_le_bytes([b[0], b[1]]))))
            }
            Err(ENC_INT32) => {
                let b = self.take(4)?.try_into().ok()?;
                Some(int_digits(i64::from(i32::from_le_bytes(b))))
            }
            Err(ENC_LZF) => {
                let compressed = self.len()?;
                let expanded = usize::try_from(self.len()?).ok()?;
                let data = self.take(compressed)?;
                // lzf_decompress answers 0 when it fails, which Redis
                // takes for success when 0 bytes were announced.
                if expanded == 0 {
                    return Some(Vec::new());
                }
                lzf::expand(data, expanded)
            }
            Err(_) => None,
        }
    }

    /// Unix milliseconds, 8 bytes little-endian (`rdbLoadMillisecondTime`
    /// for RDB 9 and later).
    pub fn millis(&mut self) -> Option<i64> {
        Some(i64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// The 16 bytes of a stream ID as radix-tree keys hold it.
    pub fn raw_id(&mut self) -> Option<[u8; 16]> {
        self.take(16)?.try_into().ok()
    }

    /// A binary double (`rdbLoadBinaryDoubleValue`).
    pub fn binary_double(&mut self) -> Option<f64> {
        Some(f64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }

    /// A double as text after a length byte, 253 to 255 meaning NaN, +inf
    /// and -inf (`rdbLoadDoubleValue`, which reads it with `%lg`).
    pub fn text_double(&mut self) -> Option<f64> {
        match self.byte()? {
            255 => Some(f64::NEG_INFINITY),
            254 => Some(f64::INFINITY),
            253 => Some(f64::NAN),
            n => {
                let text = self.take(u64::from(n))?;
                // sscanf reads the C string: up to the first NUL.
                let text = text.split(|&b| b == 0).next().unwrap_or_default();
                let parsed = num::strtod::strtod(text);
                (parsed.used > 0).then_some(parsed.value)
            }
        }
    }
}

/// The decimal digits of `v`.
pub fn int_digits(v: i64) -> Vec<u8> {
    itoa::Buffer::new().format(v).as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_at_every_width() {
        for len in [0, 63, 64, 16383, 16384, u64::from(u32::MAX), 1 << 40] {
            let mut w = Writer::new(false);
            w.len(len);
            let mut r = Reader::new(&w.out);
            assert_eq!(r.len(), Some(len));
            assert!(r.byte().is_none());
        }
        // An encoded-string marker where a length is read: its low bits.
        assert_eq!(Reader::new(&[0xC5]).len(), Some(5));
        assert_eq!(Reader::new(&[0x82]).len(), None);
    }

    #[test]
    fn strings_take_integer_and_lzf_forms() {
        let cases: [&[u8]; 6] = [
            b"0",
            b"-128",
            b"32767",
            b"-2147483648",
            b"2147483648",
            b"012",
        ];
        for s in cases {
            let mut w = Writer::new(true);
            w.string(s);
            assert_eq!(Reader::new(&w.out).string().as_deref(), Some(s));
        }
        let mut w = Writer::new(true);
        w.string(b"12");
        assert_eq!(w.out, [0xC0, 12]);
        let mut w = Writer::new(true);
        w.string(&[b'x'; 100]);
        assert_eq!(w.out[0], 0xC3);
        assert_eq!(Reader::new(&w.out).string(), Some(vec![b'x'; 100]));
        let mut w = Writer::new(false);
        w.string(&[b'x'; 100]);
        assert_eq!(w.out[0], 0x40);
        let mut w = Writer::new(true);
        w.int_string(i64::MIN);
        assert_eq!(w.out[0], 20);
    }

    #[test]
    fn text_doubles_read_as_sscanf_does() {
        let read = |b: &[u8]| Reader::new(b).text_double();
        assert_eq!(read(b"\x031.5"), Some(1.5));
        assert_eq!(read(b"\x04 2xy"), Some(2.0));
        assert_eq!(read(b"\xfe"), Some(f64::INFINITY));
        assert!(read(b"\xfd").is_some_and(f64::is_nan));
        assert_eq!(read(b"\x02ab"), None);
        assert_eq!(read(b"\x05"), None);
    }
}
