//! [`Blob`]: the byte string stored for keys, string values and members.
//!
//! Most keys and values in real workloads are short, so a blob keeps up to
//! 23 bytes inline in its 24 bytes and only allocates beyond that. This is
//! what keeps a million small keys within Redis's own memory footprint.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;

use compact_bytes::CompactBytes;

/// A binary-safe byte string, inline up to 23 bytes.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Blob(CompactBytes);

impl Blob {
    /// An empty blob.
    pub fn empty() -> Self {
        Blob(CompactBytes::empty())
    }

    /// A copy of `bytes`.
    pub fn new(bytes: &[u8]) -> Self {
        Blob(CompactBytes::new(bytes))
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        self.0.as_slice()
    }

    /// The bytes, mutable in place (length unchanged).
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        self.0.as_mut_slice()
    }

    /// Appends bytes, growing as a vector grows.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Grows (with zero bytes) or shrinks to `len`.
    pub fn resize(&mut self, len: usize) {
        let cur = self.0.len();
        if len <= cur {
            self.0.truncate(len);
        } else {
            self.0.reserve(len - cur);
            // Zero-fill in chunks to avoid a temporary the size of the gap.
            const ZEROS: [u8; 256] = [0; 256];
            let mut missing = len - cur;
            while missing > 0 {
                let n = missing.min(ZEROS.len());
                self.0.extend_from_slice(&ZEROS[..n]);
                missing -= n;
            }
        }
    }

    /// Bytes of heap memory this blob owns beyond its own 24 bytes.
    pub fn heap_size(&self) -> usize {
        if self.0.spilled() {
            self.0.capacity()
        } else {
            0
        }
    }
}

impl Deref for Blob {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl Borrow<[u8]> for Blob {
    fn borrow(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl PartialOrd for Blob {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Blob {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_slice().cmp(other.as_slice())
    }
}

impl From<&[u8]> for Blob {
    fn from(b: &[u8]) -> Self {
        Blob::new(b)
    }
}

impl From<&str> for Blob {
    fn from(s: &str) -> Self {
        Blob::new(s.as_bytes())
    }
}

impl From<Vec<u8>> for Blob {
    fn from(v: Vec<u8>) -> Self {
        if v.len() <= CompactBytes::MAX_INLINE {
            Blob::new(&v)
        } else {
            Blob(CompactBytes::from(v))
        }
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_is_24_bytes_and_resizes() {
        assert_eq!(std::mem::size_of::<Blob>(), 24);
        let mut b = Blob::new(b"ab");
        b.resize(1000);
        assert_eq!(b.len(), 1000);
        assert!(b[2..].iter().all(|&x| x == 0));
        b.resize(1);
        assert_eq!(&*b, b"a");
    }
}
