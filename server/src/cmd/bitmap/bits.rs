//! Bit arithmetic on byte strings, as Redis's bitmap commands see them.
//!
//! Bit 0 is the most significant bit of the first byte, as SETBIT,
//! BITPOS and BITFIELD number bits. Everything here is a pure function of
//! bytes and numbers: no keyspace, no replies, no argument parsing. Bits
//! past the end of a string read as zero, and nothing here panics on any
//! offset or range.

/// Resolves Redis's inclusive `start`/`end` (negative counts from the end)
/// against a string of `len` bytes, in bytes or (with `bit_unit`) in bits,
/// and returns the inclusive range of bit positions it covers, or `None`
/// when it is empty. This is BITCOUNT's and BITPOS's clamping: a start
/// before the beginning becomes 0, an end past the end becomes the last
/// position.
pub fn bit_range(start: i64, end: i64, len: usize, bit_unit: bool) -> Option<(u64, u64)> {
    let bytes = i64::try_from(len).ok()?;
    let total = if bit_unit {
        bytes.checked_mul(8)?
    } else {
        bytes
    };
    let resolve = |i: i64| if i < 0 { (total + i).max(0) } else { i };
    let start = resolve(start);
    let end = resolve(end).min(total - 1);
    if start > end {
        return None;
    }
    // Both are now within 0..total.
    let (start, end) = (start as u64, end as u64);
    if bit_unit {
        Some((start, end))
    } else {
        Some((start * 8, end * 8 + 7))
    }
}

/// The bits of a byte that come before bit position `i` (0..8) of it.
fn mask_before(i: u64) -> u8 {
    !(0xFFu8 >> (i & 7))
}

/// The bits of a byte that come after bit position `i` (0..8) of it.
fn mask_after(i: u64) -> u8 {
    0x7Fu8 >> (i & 7)
}

/// A native-endian word of eight bytes (`chunk` is always eight long).
fn word(chunk: &[u8]) -> u64 {
    u64::from_ne_bytes(chunk.try_into().unwrap_or_default())
}

/// Number of bits set in `bytes`, a word at a time.
pub fn popcount(bytes: &[u8]) -> u64 {
    let chunks = bytes.chunks_exact(32);
    let tail = chunks.remainder();
    // Four independent sums let the CPU overlap the counts.
    let mut sums = [0u64; 4];
    for chunk in chunks {
        for (sum, w) in sums.iter_mut().zip(chunk.chunks_exact(8)) {
            *sum += u64::from(word(w).count_ones());
        }
    }
    let words = tail.chunks_exact(8);
    let bytes_left = words.remainder();
    let mut total: u64 = sums.iter().sum();
    total += words.map(|w| u64::from(word(w).count_ones())).sum::<u64>();
    total += bytes_left
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>();
    total
}

/// Number of bits set between bit positions `first` and `last` inclusive
/// (both within `bytes`).
pub fn count_range(bytes: &[u8], first: u64, last: u64) -> u64 {
    if first > last {
        return 0;
    }
    let (Ok(fb), Ok(lb)) = (usize::try_from(first / 8), usize::try_from(last / 8)) else {
        return 0;
    };
    let Some(span) = bytes.get(fb..=lb) else {
        return 0;
    };
    let mut n = popcount(span);
    // The edge bytes were counted whole; take back the bits outside the range.
    if let (Some(&head), Some(&tail)) = (span.first(), span.last()) {
        n -= u64::from((head & mask_before(first)).count_ones());
        n -= u64::from((tail & mask_after(last)).count_ones());
    }
    n
}

/// Index of the first byte of `bytes` that is not `skip`, skipping whole
/// words of `skip` first.
fn first_byte_not(bytes: &[u8], skip: u8) -> Option<usize> {
    let skip_word = u64::from_ne_bytes([skip; 8]);
    let mut start = 0;
    for chunk in bytes.chunks_exact(8) {
        if word(chunk) != skip_word {
            break;
        }
        start += 8;
    }
    bytes
        .get(start..)?
        .iter()
        .position(|&b| b != skip)
        .map(|i| start + i)
}

/// Position of the first bit equal to `bit` between bit positions `first`
/// and `last` inclusive (both within `bytes`), if any.
pub fn find_bit(bytes: &[u8], bit: bool, first: u64, last: u64) -> Option<u64> {
    if first > last {
        return None;
    }
    let fb = usize::try_from(first / 8).ok()?;
    let lb = usize::try_from(last / 8).ok()?;
    let span = bytes.get(fb..=lb)?;
    // Bits outside the range are forced to the value we are not looking
    // for, so that a plain search over whole bytes finds the answer.
    let skip = if bit { 0x00u8 } else { 0xFF };
    let edge = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let head_mask = mask_before(first);
    let tail_mask = mask_after(last);
    let hit = |idx: usize, b: u8| -> u64 {
        let within = if bit {
            b.leading_zeros()
        } else {
            b.leading_ones()
        };
        (fb + idx) as u64 * 8 + u64::from(within)
    };
    if span.len() == 1 {
        let b = edge(edge(span[0], head_mask), tail_mask);
        return (b != skip).then(|| hit(0, b));
    }
    let head = edge(span[0], head_mask);
    if head != skip {
        return Some(hit(0, head));
    }
    let middle = &span[1..span.len() - 1];
    if let Some(i) = first_byte_not(middle, skip) {
        return Some(hit(i + 1, middle[i]));
    }
    let tail = edge(span[span.len() - 1], tail_mask);
    (tail != skip).then(|| hit(span.len() - 1, tail))
}

/// The `bits`-wide (1..=64) unsigned integer at bit `offset`, big-endian
/// as BITFIELD reads it; bits past the end of `bytes` read as zero.
pub fn get_unsigned(bytes: &[u8], offset: u64, bits: u32) -> u64 {
    let window = u128::from_be_bytes(read_window(bytes, offset));
    // Nine bytes hold any 64-bit field at any of the eight bit phases.
    ((window << (offset & 7)) >> (128 - bits)) as u64
}

/// [`get_unsigned`] read as a two's complement signed integer.
pub fn get_signed(bytes: &[u8], offset: u64, bits: u32) -> i64 {
    let v = get_unsigned(bytes, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        (v | (u64::MAX << bits)) as i64
    } else {
        v as i64
    }
}

/// Stores the low `bits` (1..=64) bits of `value` at bit `offset`; bytes
/// of the field past the end of `bytes` are not written (callers grow the
/// string first).
pub fn set_unsigned(bytes: &mut [u8], offset: u64, bits: u32, value: u64) {
    let window = u128::from_be_bytes(read_window(bytes, offset));
    let shift = 128 - bits;
    let field_mask = (u128::MAX >> shift << shift) >> (offset & 7);
    let field = (u128::from(value) << shift) >> (offset & 7);
    let updated = ((window & !field_mask) | (field & field_mask)).to_be_bytes();
    let Ok(first) = usize::try_from(offset / 8) else {
        return;
    };
    for (i, b) in updated.iter().take(9).enumerate() {
        match first.checked_add(i).and_then(|at| bytes.get_mut(at)) {
            Some(slot) => *slot = *b,
            None => break,
        }
    }
}

/// The nine bytes starting at the byte of bit `offset`, zero-padded past
/// the end, at the top of a 16-byte big-endian window.
fn read_window(bytes: &[u8], offset: u64) -> [u8; 16] {
    let mut window = [0u8; 16];
    if let Ok(first) = usize::try_from(offset / 8)
        && let Some(src) = bytes.get(first..)
    {
        let n = src.len().min(9);
        window[..n].copy_from_slice(&src[..n]);
    }
    window
}

/// What BITFIELD does when SET or INCRBY leaves a field's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Wrap around (modular arithmetic, two's complement for signed).
    Wrap,
    /// Saturate at the type's minimum or maximum.
    Sat,
    /// Refuse: nothing is written and the reply is nil.
    Fail,
}

/// Checks `value + incr` against an unsigned field of `bits` (1..=63).
/// `None` when it fits; otherwise the value to store instead under `mode`
/// (meaningless for [`Overflow::Fail`]).
///
/// The comparisons reproduce Redis's `checkUnsignedBitfieldOverflow`
/// to the bit, including how it reads a negative SET value as a huge
/// unsigned one (so `SET u8 … -1` saturates at 255).
pub fn unsigned_overflow(value: u64, incr: i64, bits: u32, mode: Overflow) -> Option<u64> {
    let max = if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = value.wrapping_neg() as i64;
    let wrapped = || {
        let keep = if bits >= 64 {
            u64::MAX
        } else {
            !(u64::MAX << bits)
        };
        value.wrapping_add(incr as u64) & keep
    };
    if value > max || (incr > 0 && incr > max_incr) {
        Some(match mode {
            Overflow::Wrap => wrapped(),
            Overflow::Sat => max,
            Overflow::Fail => 0,
        })
    } else if incr < 0 && incr < min_incr {
        Some(match mode {
            Overflow::Wrap => wrapped(),
            Overflow::Sat | Overflow::Fail => 0,
        })
    } else {
        None
    }
}

/// Checks `value + incr` against a signed field of `bits` (1..=64).
/// `None` when it fits; otherwise the value to store instead under `mode`.
///
/// Reproduces Redis's `checkSignedBitfieldOverflow`, whose intermediate
/// differences wrap: a SET far below the minimum can register as an
/// overflow upward, and then saturates at the maximum, as on Redis.
pub fn signed_overflow(value: i64, incr: i64, bits: u32, mode: Overflow) -> Option<i64> {
    let max = if bits >= 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let high = u64::MAX << bits;
            if c & (1u64 << (bits - 1)) != 0 {
                c |= high;
            } else {
                c &= !high;
            }
        }
        c as i64
    };
    let limited = |limit: i64| match mode {
        Overflow::Wrap => wrapped(),
        Overflow::Sat => limit,
        Overflow::Fail => 0,
    };
    let narrow = bits != 64;
    if value > max || (narrow && incr > max_incr) || (value >= 0 && incr > 0 && incr > max_incr) {
        Some(limited(max))
    } else if value < min
        || (narrow && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr)
    {
        Some(limited(min))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_bit(bytes: &[u8], pos: u64) -> bool {
        let byte = bytes.get((pos / 8) as usize).copied().unwrap_or(0);
        byte & (0x80 >> (pos % 8)) != 0
    }

    fn sample() -> Vec<u8> {
        (0..77u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect()
    }

    #[test]
    fn masks_cover_the_edges() {
        assert_eq!(mask_before(0), 0x00);
        assert_eq!(mask_before(3), 0xE0);
        assert_eq!(mask_before(7), 0xFE);
        assert_eq!(mask_after(0), 0x7F);
        assert_eq!(mask_after(4), 0x07);
        assert_eq!(mask_after(7), 0x00);
    }

    #[test]
    fn count_range_matches_a_bit_by_bit_count() {
        let bytes = sample();
        let total = bytes.len() as u64 * 8;
        assert_eq!(
            popcount(&bytes),
            (0..total).filter(|&p| naive_bit(&bytes, p)).count() as u64
        );
        for first in (0..total).step_by(7) {
            for last in (first..total).step_by(5) {
                let want = (first..=last).filter(|&p| naive_bit(&bytes, p)).count() as u64;
                assert_eq!(count_range(&bytes, first, last), want, "{first}..={last}");
            }
        }
    }

    #[test]
    fn find_bit_matches_a_bit_by_bit_search() {
        let mut bytes = sample();
        bytes.extend([0xFF; 20]);
        bytes.extend([0x00; 20]);
        bytes.push(0x10);
        let total = bytes.len() as u64 * 8;
        for bit in [false, true] {
            for first in (0..total).step_by(11) {
                for last in (first..total).step_by(13) {
                    let want = (first..=last).find(|&p| naive_bit(&bytes, p) == bit);
                    assert_eq!(
                        find_bit(&bytes, bit, first, last),
                        want,
                        "{bit} {first}..={last}"
                    );
                }
            }
        }
    }

    #[test]
    fn ranges_clamp_like_redis() {
        assert_eq!(bit_range(0, -1, 3, false), Some((0, 23)));
        assert_eq!(bit_range(-100, 100, 3, false), Some((0, 23)));
        assert_eq!(bit_range(2, 1, 3, false), None);
        assert_eq!(bit_range(0, -1, 0, false), None);
        assert_eq!(bit_range(5, -3, 3, true), Some((5, 21)));
        assert_eq!(bit_range(i64::MIN, i64::MAX, 3, true), Some((0, 23)));
    }

    #[test]
    fn fields_round_trip_at_every_phase() {
        for bits in [1u32, 5, 8, 13, 32, 63, 64] {
            for offset in 0..20u64 {
                let mut buf = vec![0xA5u8; 12];
                let value = 0x0123_4567_89AB_CDEFu64
                    & if bits == 64 {
                        u64::MAX
                    } else {
                        (1 << bits) - 1
                    };
                set_unsigned(&mut buf, offset, bits, value);
                assert_eq!(get_unsigned(&buf, offset, bits), value);
                for p in (0..96).filter(|p| *p < offset || *p >= offset + u64::from(bits)) {
                    assert_eq!(
                        naive_bit(&buf, p),
                        naive_bit(&[0xA5; 12], p),
                        "bit {p} clobbered"
                    );
                }
            }
        }
        assert_eq!(get_signed(&[0xF0], 0, 4), -1);
        assert_eq!(get_signed(&[0x80], 0, 8), -128);
        assert_eq!(get_unsigned(&[0xFF], 4, 8), 0xF0);
        assert_eq!(get_unsigned(&[], 1 << 40, 64), 0);
    }

    #[test]
    fn overflow_rules_follow_redis() {
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Wrap), Some(4));
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Sat), Some(255));
        assert_eq!(unsigned_overflow(5, -10, 8, Overflow::Sat), Some(0));
        assert_eq!(unsigned_overflow(5, -10, 8, Overflow::Wrap), Some(251));
        assert_eq!(unsigned_overflow(u64::MAX, 0, 8, Overflow::Sat), Some(255));
        assert_eq!(unsigned_overflow(5, 250, 8, Overflow::Sat), None);
        assert_eq!(signed_overflow(120, 10, 8, Overflow::Wrap), Some(-126));
        assert_eq!(signed_overflow(120, 10, 8, Overflow::Sat), Some(127));
        assert_eq!(signed_overflow(-120, -10, 8, Overflow::Sat), Some(-128));
        assert_eq!(
            signed_overflow(i64::MAX, 1, 64, Overflow::Wrap),
            Some(i64::MIN)
        );
        assert_eq!(
            signed_overflow(i64::MIN, -1, 64, Overflow::Sat),
            Some(i64::MIN)
        );
        assert_eq!(signed_overflow(-5, 3, 64, Overflow::Sat), None);
        assert_eq!(signed_overflow(i64::MIN, 0, 8, Overflow::Sat), Some(127));
    }
}
