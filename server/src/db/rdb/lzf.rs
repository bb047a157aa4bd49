//! LZF, the compression of RDB strings: [`compress`] makes the same bytes
//! as the `lzf_compress` Redis 7.0 is built with (`HLOG` 16, `VERY_FAST`,
//! no `ULTRA_FAST`, a 3-byte hash that carries one byte of the previous
//! position), so a compressed DUMP payload equals Redis's byte for byte;
//! [`expand`] reads any valid LZF data, as `lzf_decompress` does with its
//! input checks on.
//!
//! # Format
//! A control byte below 32 starts a run of that many plus one literal
//! bytes. Any other control byte is a back-reference: its top three bits
//! give the length minus two (7 meaning "add the next byte"), its low five
//! bits and the byte after the length give the distance back minus one.
//!
//! One difference from the C code is on purpose: Redis leaves its hash
//! table uninitialised (`INIT_HTAB` 0), so a slot may hold a stale pointer
//! from an earlier call. Such a pointer only matters when it points into
//! the current input within 8 KiB before the current position at three
//! equal bytes, which the same data at the same address never produces;
//! here the table always starts empty.

use std::cell::RefCell;

/// log2 of the hash table's size (`HLOG`).
const HLOG: u32 = 16;
/// Slots in the hash table.
const HSIZE: usize = 1 << HLOG;
/// Longest literal run.
const MAX_LIT: usize = 1 << 5;
/// Farthest back-reference.
const MAX_OFF: usize = 1 << 13;
/// Longest back-reference.
const MAX_REF: usize = (1 << 8) + (1 << 3);

/// The hash table, kept per thread and stamped with a generation so that
/// a call need not clear 64 Ki slots: a slot is empty unless its stamp is
/// the current call's.
struct Table {
    slots: Vec<(u32, u32)>,
    generation: u32,
}

thread_local! {
    static TABLE: RefCell<Table> = const {
        RefCell::new(Table {
            slots: Vec::new(),
            generation: 0,
        })
    };
}

impl Table {
    /// Starts a call: every slot reads as empty.
    fn reset(&mut self) {
        if self.slots.is_empty() {
            self.slots = vec![(0, 0); HSIZE];
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|s| *s = (0, 0));
            self.generation = 1;
        }
    }

    /// Stores `pos` in `slot`, returning what the slot held.
    fn swap(&mut self, slot: usize, pos: usize) -> Option<usize> {
        let old = self.get(slot);
        self.set(slot, pos);
        old
    }

    fn get(&self, slot: usize) -> Option<usize> {
        let (generation, pos) = self.slots[slot];
        (generation == self.generation).then_some(pos as usize)
    }

    fn set(&mut self, slot: usize, pos: usize) {
        // Positions fit: RDB strings are limited to 4 GiB by their length
        // prefix long before, and proto-max-bulk-len caps them at 512 MiB.
        self.slots[slot] = (self.generation, pos as u32);
    }
}

/// The hash of the three bytes at `p` (`FRST`, then `NEXT` per position).
fn first(data: &[u8], p: usize) -> u32 {
    let at = |i: usize| u32::from(data.get(i).copied().unwrap_or(0));
    (at(p) << 8) | at(p + 1)
}

fn next(v: u32, data: &[u8], p: usize) -> u32 {
    (v << 8) | u32::from(data[p + 2])
}

/// `IDX` with `VERY_FAST`: the hash's slot.
fn slot(h: u32) -> usize {
    ((h >> (3 * 8 - HLOG)).wrapping_sub(h.wrapping_mul(5)) & (HSIZE as u32 - 1)) as usize
}

/// Compresses `input` into at most `out_len` bytes, as `lzf_compress`
/// does; `None` when it does not fit (or either length is 0).
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    TABLE.with(|table| compress_with(&mut table.borrow_mut(), input, out_len))
}

fn compress_with(htab: &mut Table, input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return None;
    }
    htab.reset();
    // The C code writes at most a few bytes past what it keeps.
    let mut out = vec![0u8; out_len + 4];
    let mut ip = 0;
    let mut op = 1; // a literal run starts: its control byte comes later
    let mut lit = 0;
    let mut hval = first(input, 0);
    while ip + 2 < in_len {
        hval = next(hval, input, ip);
        let found = htab.swap(slot(hval), ip);
        let reference = found.filter(|&r| {
            ip - r - 1 < MAX_OFF
                && r > 0
                && input[r + 2] == input[ip + 2]
                && input[r] == input[ip]
                && input[r + 1] == input[ip + 1]
        });
        let Some(r) = reference else {
            // One more literal byte.
            if op >= out_len {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
            continue;
        };
        let off = ip - r - 1;
        let mut len = 2;
        let maxlen = (in_len - ip - len).min(MAX_REF);
        if op + 3 + 1 >= out_len && op - usize::from(lit == 0) + 3 + 1 >= out_len {
            return None;
        }
        // Close the literal run (or take back its empty start).
        out[op - lit - 1] = (lit as u8).wrapping_sub(1);
        op -= usize::from(lit == 0);
        // Sixteen unchecked steps when there is room, then checked ones:
        // the C code's unrolled loop, which can run past `maxlen` by two.
        let mut unrolled_broke = false;
        if maxlen > 16 {
            for _ in 0..16 {
                len += 1;
                if input[r + len] != input[ip + len] {
                    unrolled_broke = true;
                    break;
                }
            }
        }
        if !unrolled_broke {
            loop {
                len += 1;
                if !(len < maxlen && input[r + len] == input[ip + len]) {
                    break;
                }
            }
        }
        len -= 2; // the copy's length minus two, as encoded
        ip += 1;
        if len < 7 {
            out[op] = ((off >> 8) + (len << 5)) as u8;
            op += 1;
        } else {
            out[op] = ((off >> 8) + (7 << 5)) as u8;
            out[op + 1] = (len - 7) as u8;
            op += 2;
        }
        out[op] = off as u8;
        op += 1;
        lit = 0;
        op += 1; // a new literal run starts
        ip += len + 1;
        if ip + 2 >= in_len {
            break;
        }
        // VERY_FAST: hash the last two positions of the match.
        ip -= 2;
        hval = first(input, ip);
        hval = next(hval, input, ip);
        htab.set(slot(hval), ip);
        ip += 1;
        hval = next(hval, input, ip);
        htab.set(slot(hval), ip);
        ip += 1;
    }
    if op + 3 > out_len {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// Expands LZF data that must come to exactly `expanded` bytes; `None`
/// for data `lzf_decompress` refuses (a run or reference past either end)
/// or that expands to another length.
pub fn expand(mut input: &[u8], expanded: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(expanded.min(1 << 20));
    while let Some((&ctrl, rest)) = input.split_first() {
        input = rest;
        if ctrl < 32 {
            let n = usize::from(ctrl) + 1;
            if out.len() + n > expanded {
                return None;
            }
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
            let distance = ((usize::from(ctrl & 0x1F) << 8) | usize::from(low)) + 1;
            if out.len() + len + 2 > expanded {
                return None;
            }
            let start = out.len().checked_sub(distance)?;
            // Copies may overlap what they produce (a repeated run).
            for i in 0..len + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    (out.len() == expanded).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_overlapping_references_expand() {
        // "abc" then a reference 3 back of length 6: "abcabcabc".
        let data = [2, b'a', b'b', b'c', (4 << 5), 2];
        assert_eq!(expand(&data, 9).unwrap(), b"abcabcabc");
        // A long reference (length byte follows).
        let data = [0, b'z', (7 << 5), 3, 0];
        assert_eq!(expand(&data, 13).unwrap(), vec![b'z'; 13]);
        // Wrong sizes and references before the start are refused.
        assert!(expand(&[2, b'a', b'b', b'c'], 4).is_none());
        assert!(expand(&[0, b'a', (1 << 5), 5], 4).is_none());
        assert_eq!(expand(&[], 0).unwrap(), b"");
    }

    #[test]
    fn compression_round_trips_and_respects_the_bound() {
        let mut rng = fastrand::Rng::with_seed(5);
        for _ in 0..2000 {
            let len = rng.usize(0..3000);
            let alphabet = rng.u8(1..=255);
            let data: Vec<u8> = (0..len).map(|_| rng.u8(..alphabet)).collect();
            let bound = len.saturating_sub(4);
            if let Some(c) = compress(&data, bound) {
                assert!(c.len() <= bound, "{} > {bound}", c.len());
                assert_eq!(expand(&c, len).as_deref(), Some(&data[..]));
            }
            // Runs of one byte always compress.
            if len > 40 && alphabet == 1 {
                assert!(compress(&data, bound).is_some());
            }
        }
    }

    #[test]
    fn known_output_of_a_run() {
        // 'a' x 30 as Redis's DUMP writes it: two literals (the first
        // position is never referenced), 26 bytes back by one, and the
        // last two bytes, which a reference never covers.
        let data = [b'a'; 30];
        let c = compress(&data, 26).unwrap();
        assert_eq!(c, [1, b'a', b'a', 0xE0, 0x11, 0, 1, b'a', b'a']);
    }
}
