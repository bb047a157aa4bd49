//! HyperLogLog strings, byte for byte as Redis 7.0 lays them out.
//!
//! A HyperLogLog is an ordinary string value (GET, SET, APPEND and DUMP
//! see its bytes), so what matters is that the bytes are Redis's: a
//! client that GETs a key after PFADD, or SETs bytes a real Redis made,
//! must see the same thing here. The layout (Redis's `hyperloglog.c`):
//!
//! * a 16-byte header: the magic `HYLL`, an encoding byte (0 dense,
//!   1 sparse), three unused bytes, and the last cardinality computed as a
//!   little-endian `u64` whose top bit set means "stale";
//! * then 16384 registers of 6 bits, each the longest run of zeros (plus
//!   one) seen among the hashes (MurmurHash64A, seed `0xadc83b19`) whose
//!   low 14 bits chose that register. **Dense**: the registers packed
//!   least significant bit first, 12288 bytes. **Sparse**: a run-length
//!   code of three opcodes — `00xxxxxx` (1–64 zero registers),
//!   `01xxxxxx yyyyyyyy` (1–16384 zero registers), `1vvvvvxx` (1–4
//!   registers of value 1–32).
//!
//! A new HyperLogLog is sparse; it turns dense for good when a register
//! needs a value above 32 or the sparse code would grow past
//! `hll-sparse-max-bytes`. Updates to the sparse code split and merge
//! opcodes exactly as Redis does, because the resulting bytes are
//! observable. The cardinality is Otmar Ertl's estimator ("New
//! cardinality estimation algorithms for HyperLogLog sketches"), which
//! Redis uses since 5.0.
//!
//! This module knows bytes only; the commands, their errors and their
//! side effects are `cmd::hll`'s.

/// Bytes of the header.
pub const HEADER_LEN: usize = 16;
/// Number of registers (2^14).
pub const REGISTERS: usize = 1 << INDEX_BITS;
/// Length of a dense HyperLogLog, header included.
pub const DENSE_LEN: usize = HEADER_LEN + (REGISTERS * REGISTER_BITS).div_ceil(8);
/// Bits of the hash that choose the register.
const INDEX_BITS: u32 = 14;
/// Bits of the hash left for the run of zeros.
const RUN_BITS: u32 = 64 - INDEX_BITS;
/// Bits per dense register.
const REGISTER_BITS: usize = 6;
/// Largest value a register holds.
const REGISTER_MAX: u8 = 63;
/// Largest value a sparse VAL opcode holds.
const SPARSE_VAL_MAX: u8 = 32;
/// Longest run a sparse VAL opcode covers.
const SPARSE_VAL_MAX_LEN: usize = 4;
/// Longest run a sparse ZERO opcode covers.
const SPARSE_ZERO_MAX_LEN: usize = 64;
/// 0.5 / ln 2, the estimator's constant for an infinite number of registers.
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;
/// The seed Redis hashes elements with.
const SEED: u64 = 0xadc8_3b19;
/// Where the encoding byte is.
const ENCODING_AT: usize = 4;
/// Where the cached cardinality starts.
const CARD_AT: usize = 8;

/// How the registers are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// 16384 packed 6-bit registers.
    Dense,
    /// The run-length code.
    Sparse,
}

impl Encoding {
    /// The name PFDEBUG ENCODING answers.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Dense => "dense",
            Encoding::Sparse => "sparse",
        }
    }
}

/// A sparse code that does not describe exactly 16384 registers (a
/// payload written by hand, or damaged): Redis's `INVALIDOBJ`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Corrupt;

/// A new, empty HyperLogLog: sparse, one XZERO opcode covering every
/// register, cached cardinality 0 (valid).
pub fn empty() -> Vec<u8> {
    let mut hll = Vec::with_capacity(HEADER_LEN + 2);
    hll.extend_from_slice(b"HYLL");
    hll.push(1);
    hll.extend_from_slice(&[0; 11]);
    push_xzero(&mut hll, REGISTERS);
    hll
}

/// Whether `bytes` pass Redis's check of a HyperLogLog string
/// (`isHLLObjectOrReply`): long enough for the header, the magic, a known
/// encoding, and a dense one of exactly the dense length. A sparse code
/// is only checked when it is read.
pub fn is_valid(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER_LEN
        && &bytes[..4] == b"HYLL"
        && bytes[ENCODING_AT] <= 1
        && (bytes[ENCODING_AT] == 1 || bytes.len() == DENSE_LEN)
}

/// The encoding of a valid HyperLogLog.
pub fn encoding(hll: &[u8]) -> Encoding {
    if hll[ENCODING_AT] == 0 {
        Encoding::Dense
    } else {
        Encoding::Sparse
    }
}

/// MurmurHash64A, the 64-bit MurmurHash2 Redis hashes elements with
/// (reading words little-endian on every platform).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    // C computes `len * m` in 64 bits from an `int` length.
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let mut k = u64::from_le_bytes(word).wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register `element` falls in and the length of its `0…01` pattern
/// (Redis's `hllPatLen`): 1 to 51.
pub fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, SEED);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    // A sentinel bit past the 50 bits used ends the run at 51.
    let rest = (hash >> INDEX_BITS) | (1 << RUN_BITS);
    (index, rest.trailing_zeros() as u8 + 1)
}

/// Adds `element`: true if a register grew (the estimate may change).
/// `sparse_max` is `hll-sparse-max-bytes`.
pub fn add(hll: &mut Vec<u8>, element: &[u8], sparse_max: u64) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    set_register(hll, index, count, sparse_max)
}

/// Raises register `index` to `count` if it is lower: true if it was.
/// A sparse HyperLogLog may turn dense on the way (a value above 32, or a
/// code growing past `sparse_max` bytes).
pub fn set_register(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max: u64,
) -> Result<bool, Corrupt> {
    match encoding(hll) {
        Encoding::Dense => Ok(dense_raise(&mut hll[HEADER_LEN..], index, count)),
        Encoding::Sparse => sparse_set(hll, index, count, sparse_max),
    }
}

/// Turns a sparse HyperLogLog dense (header, cached cardinality
/// included, kept). True if it was sparse.
pub fn to_dense(hll: &mut Vec<u8>) -> Result<bool, Corrupt> {
    if encoding(hll) == Encoding::Dense {
        return Ok(false);
    }
    let mut dense = vec![0u8; DENSE_LEN];
    dense[..HEADER_LEN].copy_from_slice(&hll[..HEADER_LEN]);
    dense[ENCODING_AT] = 0;
    let mut idx = 0;
    let mut p = HEADER_LEN;
    while p < hll.len() {
        match Op::at(hll, p) {
            Op::Zero(n) | Op::XZero(n) => idx += n,
            Op::Val(value, n) => {
                if idx + n > REGISTERS {
                    break;
                }
                for r in idx..idx + n {
                    dense_write(&mut dense[HEADER_LEN..], r, value);
                }
                idx += n;
            }
        }
        p += Op::at(hll, p).len();
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *hll = dense;
    Ok(true)
}

/// The cached cardinality, if it is still valid.
pub fn cached(hll: &[u8]) -> Option<u64> {
    let card = card_bytes(hll);
    (card[7] & 0x80 == 0).then(|| u64::from_le_bytes(card))
}

/// Stores `card` as the cached (valid) cardinality.
pub fn store_cache(hll: &mut [u8], card: u64) {
    hll[CARD_AT..CARD_AT + 8].copy_from_slice(&card.to_le_bytes());
}

/// Marks the cached cardinality stale.
pub fn invalidate_cache(hll: &mut [u8]) {
    hll[CARD_AT + 7] |= 0x80;
}

fn card_bytes(hll: &[u8]) -> [u8; 8] {
    let mut card = [0u8; 8];
    card.copy_from_slice(&hll[CARD_AT..CARD_AT + 8]);
    card
}

/// The estimated cardinality of one HyperLogLog, computed from its
/// registers (the cache is the caller's business).
pub fn count(hll: &[u8]) -> Result<u64, Corrupt> {
    let mut histogram = [0u32; 64];
    let regs = &hll[HEADER_LEN..];
    match encoding(hll) {
        Encoding::Dense => {
            for r in 0..REGISTERS {
                histogram[usize::from(dense_read(regs, r))] += 1;
            }
        }
        Encoding::Sparse => {
            let mut idx = 0;
            let mut p = HEADER_LEN;
            while p < hll.len() {
                let op = Op::at(hll, p);
                match op {
                    Op::Zero(n) | Op::XZero(n) => histogram[0] += n as u32,
                    Op::Val(value, n) => histogram[usize::from(value)] += n as u32,
                }
                idx += op.runs();
                p += op.len();
            }
            if idx != REGISTERS {
                return Err(Corrupt);
            }
        }
    }
    Ok(estimate(&histogram))
}

/// Ertl's improved raw estimator over a histogram of register values
/// (Redis's `hllCount` after the histogram).
fn estimate(histogram: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let q = RUN_BITS as usize;
    let mut z = m * tau((m - f64::from(histogram[q + 1])) / m);
    for j in (1..=q).rev() {
        z += f64::from(histogram[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histogram[0]) / m);
    let e = llround(ALPHA_INF * m * m / z);
    // Redis keeps the rounded value in a double, then converts it.
    crate::num::c_double_to_u64(e as f64)
}

/// C's `llroundl` on x86-64: halves away from zero (as `f64::round`), and
/// `LLONG_MIN` for what does not fit (every register at 63 makes the
/// estimate infinite).
fn llround(x: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let r = x.round();
    if r.is_finite() && (-LIMIT..LIMIT).contains(&r) {
        r as i64
    } else {
        i64::MIN
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if before == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        let d = 1.0 - x;
        z -= d * d * y;
        if before == z {
            return z / 3.0;
        }
    }
}

/// The registers of several HyperLogLogs merged (each the largest of
/// theirs): what PFCOUNT of several keys and PFMERGE compute.
pub struct Merged {
    regs: Box<[u8; REGISTERS]>,
}

impl Default for Merged {
    fn default() -> Self {
        Merged {
            regs: Box::new([0; REGISTERS]),
        }
    }
}

impl Merged {
    /// Merges a valid HyperLogLog in. A sparse code describing other than
    /// 16384 registers is [`Corrupt`] (registers before the fault may
    /// have been merged, as in Redis).
    pub fn merge(&mut self, hll: &[u8]) -> Result<(), Corrupt> {
        match encoding(hll) {
            Encoding::Dense => {
                let regs = &hll[HEADER_LEN..];
                for (r, max) in self.regs.iter_mut().enumerate() {
                    *max = (*max).max(dense_read(regs, r));
                }
            }
            Encoding::Sparse => {
                let mut idx = 0;
                let mut p = HEADER_LEN;
                while p < hll.len() {
                    let op = Op::at(hll, p);
                    if let Op::Val(value, n) = op {
                        if idx + n > REGISTERS {
                            break;
                        }
                        for max in &mut self.regs[idx..idx + n] {
                            *max = (*max).max(value);
                        }
                    }
                    idx += op.runs();
                    p += op.len();
                }
                if idx != REGISTERS {
                    return Err(Corrupt);
                }
            }
        }
        Ok(())
    }

    /// The estimated cardinality of the union.
    pub fn count(&self) -> u64 {
        let mut histogram = [0u32; 64];
        for &r in self.regs.iter() {
            histogram[usize::from(r & REGISTER_MAX)] += 1;
        }
        estimate(&histogram)
    }

    /// Writes the merged registers into `hll` (raising each non-zero one,
    /// in register order, as PFMERGE does, so a sparse target grows and
    /// may turn dense exactly as in Redis). Errors of a damaged sparse
    /// target are ignored, as Redis ignores them here.
    pub fn write_into(&self, hll: &mut Vec<u8>, sparse_max: u64) {
        for (r, &value) in self.regs.iter().enumerate() {
            if value != 0 {
                let _ = set_register(hll, r, value, sparse_max);
            }
        }
    }
}

/// The 16384 registers of a dense HyperLogLog (PFDEBUG GETREG).
pub fn dense_registers(hll: &[u8]) -> Vec<u8> {
    let regs = &hll[HEADER_LEN..];
    (0..REGISTERS).map(|r| dense_read(regs, r)).collect()
}

/// The sparse code in words (PFDEBUG DECODE): `z:<n>` for ZERO, `Z:<n>`
/// for XZERO, `v:<value>,<n>` for VAL, space separated.
pub fn decode(hll: &[u8]) -> String {
    let mut words = Vec::new();
    let mut p = HEADER_LEN;
    while p < hll.len() {
        let op = Op::at(hll, p);
        words.push(match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val(value, n) => format!("v:{value},{n}"),
        });
        p += op.len();
    }
    words.join(" ")
}

// --- self tests (PFSELFTEST) ---

/// Fills dense registers with values drawn from `seed` and reads them
/// back. On a mismatch: (register, value written, value read).
pub fn self_test_registers(seed: u64) -> Result<(), (usize, u8, u8)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut regs = vec![0u8; DENSE_LEN - HEADER_LEN];
    let values: Vec<u8> = (0..REGISTERS).map(|_| rng.u8(..) & REGISTER_MAX).collect();
    for (r, &v) in values.iter().enumerate() {
        dense_write(&mut regs, r, v);
    }
    for (r, &v) in values.iter().enumerate() {
        let got = dense_read(&regs, r);
        if got != v {
            return Err((r, v, got));
        }
    }
    Ok(())
}

/// How the estimate test of PFSELFTEST failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EstimateFailure {
    /// A small HyperLogLog was not sparse.
    NotSparse,
    /// The sparse and the dense HyperLogLog estimated differently.
    Disagree,
    /// The estimate of `card` elements was off by `error`.
    TooFar {
        /// Elements added.
        card: u64,
        /// How far off the estimate was.
        error: u64,
    },
}

/// Adds `elements` unique 8-byte elements (each `j ^ seed`) to a sparse
/// and a dense HyperLogLog and checks them at every power of ten, as
/// Redis's PFSELFTEST does: the sparse one is still sparse while small,
/// both estimate the same, within six standard errors (1 at 10).
pub fn self_test_estimates(
    seed: u64,
    elements: u64,
    sparse_max: u64,
) -> Result<(), EstimateFailure> {
    let mut dense = empty();
    to_dense(&mut dense).map_err(|_| EstimateFailure::Disagree)?;
    let mut sparse = empty();
    let relerr = 1.04 / (REGISTERS as f64).sqrt();
    let mut checkpoint = 1;
    for j in 1..=elements {
        let element = (j ^ seed).to_le_bytes();
        let (index, run) = pattern(&element);
        dense_raise(&mut dense[HEADER_LEN..], index, run);
        let _ = set_register(&mut sparse, index, run, sparse_max);
        if j != checkpoint {
            continue;
        }
        if j < sparse_max / 2 && encoding(&sparse) != Encoding::Sparse {
            return Err(EstimateFailure::NotSparse);
        }
        let estimate = count(&dense).map_err(|_| EstimateFailure::Disagree)?;
        if count(&sparse) != Ok(estimate) {
            return Err(EstimateFailure::Disagree);
        }
        let error = checkpoint.abs_diff(estimate);
        let max = if j == 10 {
            1
        } else {
            (relerr * 6.0 * checkpoint as f64).ceil() as u64
        };
        if error > max {
            return Err(EstimateFailure::TooFar {
                card: checkpoint,
                error,
            });
        }
        checkpoint *= 10;
    }
    Ok(())
}

// --- dense registers ---

/// Register `r` of packed registers. The register straddling the end
/// reads a zero byte past it (Redis reads the string's terminator).
fn dense_read(regs: &[u8], r: usize) -> u8 {
    let bit = r * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let lo = u16::from(regs[byte]) >> shift;
    let hi = u16::from(regs.get(byte + 1).copied().unwrap_or(0)) << (8 - shift);
    ((lo | hi) & u16::from(REGISTER_MAX)) as u8
}

/// Sets register `r` to `value`.
fn dense_write(regs: &mut [u8], r: usize, value: u8) {
    let bit = r * REGISTER_BITS;
    let (byte, shift) = (bit / 8, bit % 8);
    let value = u16::from(value);
    let mask = u16::from(REGISTER_MAX);
    regs[byte] = ((u16::from(regs[byte]) & !(mask << shift)) | (value << shift)) as u8;
    if let Some(next) = regs.get_mut(byte + 1) {
        let s = 8 - shift;
        *next = ((u16::from(*next) & !(mask >> s)) | (value >> s)) as u8;
    }
}

/// Raises register `r` to `count`: true if it was lower.
fn dense_raise(regs: &mut [u8], r: usize, count: u8) -> bool {
    if count > dense_read(regs, r) {
        dense_write(regs, r, count);
        true
    } else {
        false
    }
}

// --- the sparse code ---

/// One sparse opcode as read at a position.
#[derive(Clone, Copy, Debug)]
enum Op {
    /// `00xxxxxx`: 1–64 zero registers.
    Zero(usize),
    /// `01xxxxxx yyyyyyyy`: 1–16384 zero registers.
    XZero(usize),
    /// `1vvvvvxx`: 1–4 registers of value 1–32.
    Val(u8, usize),
}

impl Op {
    /// The opcode at `p` (< len). An XZERO cut short by the end reads a
    /// zero second byte, as Redis reads the string's terminator.
    fn at(code: &[u8], p: usize) -> Op {
        let b = code[p];
        if b & 0xc0 == 0 {
            Op::Zero(usize::from(b & 0x3f) + 1)
        } else if b & 0x80 != 0 {
            Op::Val(((b >> 2) & 0x1f) + 1, usize::from(b & 0x3) + 1)
        } else {
            let low = code.get(p + 1).copied().unwrap_or(0);
            Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(low)) + 1)
        }
    }

    /// Bytes it takes.
    fn len(self) -> usize {
        match self {
            Op::XZero(_) => 2,
            _ => 1,
        }
    }

    /// Registers it covers.
    fn runs(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) | Op::Val(_, n) => n,
        }
    }
}

fn val_byte(value: u8, len: usize) -> u8 {
    0x80 | ((value - 1) << 2) | (len as u8 - 1)
}

fn push_zero(seq: &mut Vec<u8>, len: usize) {
    seq.push(len as u8 - 1);
}

fn push_xzero(seq: &mut Vec<u8>, len: usize) {
    let l = len - 1;
    seq.push(0x40 | (l >> 8) as u8);
    seq.push((l & 0xff) as u8);
}

/// A run of `len` zero registers as the shortest opcode.
fn push_zeros(seq: &mut Vec<u8>, len: usize) {
    if len > SPARSE_ZERO_MAX_LEN {
        push_xzero(seq, len);
    } else {
        push_zero(seq, len);
    }
}

/// Redis's `hllSparseSet`: raise register `index` to `count` in the
/// sparse code, splitting the opcode that covers it and merging equal
/// neighbours afterwards, or turn the HyperLogLog dense when the code
/// cannot hold the value or would grow too long.
fn sparse_set(
    hll: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max: u64,
) -> Result<bool, Corrupt> {
    if count > SPARSE_VAL_MAX {
        return promote(hll, index, count);
    }
    // Step 1: the opcode covering `index`, and the one before it.
    let end = hll.len();
    let mut p = HEADER_LEN;
    let mut first = 0;
    let mut prev = None;
    let mut span = 0;
    while p < end {
        let op = Op::at(hll, p);
        span = op.runs();
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += op.len();
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Corrupt);
    }
    let op = Op::at(hll, p);
    let old_len = op.len();
    let has_next = p + old_len < end;
    let last = first + span - 1;

    // Step 2: the trivial updates in place, or the replacement sequence.
    let mut seq = Vec::with_capacity(5);
    match op {
        Op::Val(value, _) if value >= count => return Ok(false),
        Op::Val(_, 1) | Op::Zero(1) => {
            hll[p] = val_byte(count, 1);
            return Ok(merge_after(hll, prev));
        }
        Op::Zero(_) | Op::XZero(_) => {
            if index != first {
                push_zeros(&mut seq, index - first);
            }
            seq.push(val_byte(count, 1));
            if index != last {
                push_zeros(&mut seq, last - index);
            }
        }
        Op::Val(value, _) => {
            if index != first {
                seq.push(val_byte(value, index - first));
            }
            seq.push(val_byte(count, 1));
            if index != last {
                seq.push(val_byte(value, last - index));
            }
        }
    }

    // Step 3: put the sequence in place of the opcode, unless the code
    // would outgrow its limit.
    let grow = seq.len() as i64 - old_len as i64;
    if grow > 0 && (end as u64).saturating_add(grow as u64) > sparse_max {
        return promote(hll, index, count);
    }
    let new_len = (end as i64 + grow) as usize;
    let tail = if has_next {
        hll[p + old_len..].to_vec()
    } else {
        Vec::new()
    };
    hll.truncate(p);
    hll.extend_from_slice(&seq);
    hll.extend_from_slice(&tail);
    // An XZERO cut short by the end loses the byte it never had.
    hll.truncate(new_len);
    Ok(merge_after(hll, prev))
}

/// Step 4 of `hllSparseSet`: merges adjacent VAL opcodes of equal value
/// among the five opcodes from the one before the change, then marks the
/// cached cardinality stale. Always true (a register changed).
fn merge_after(hll: &mut Vec<u8>, prev: Option<usize>) -> bool {
    let mut p = prev.unwrap_or(HEADER_LEN);
    let mut scan = 5;
    while p < hll.len() && scan > 0 {
        scan -= 1;
        let b = hll[p];
        if b & 0x80 == 0 {
            // ZERO or XZERO.
            p += if b & 0xc0 == 0 { 1 } else { 2 };
            continue;
        }
        if let (Op::Val(v1, n1), Some(&next)) = (Op::at(hll, p), hll.get(p + 1))
            && next & 0x80 != 0
            && let Op::Val(v2, n2) = Op::at(hll, p + 1)
            && v1 == v2
            && n1 + n2 <= SPARSE_VAL_MAX_LEN
        {
            hll[p + 1] = val_byte(v1, n1 + n2);
            hll.remove(p);
            continue;
        }
        p += 1;
    }
    invalidate_cache(hll);
    true
}

/// Turns the HyperLogLog dense and sets the register there.
fn promote(hll: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(hll)?;
    Ok(dense_raise(&mut hll[HEADER_LEN..], index, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_one_xzero_of_every_register() {
        let hll = empty();
        assert_eq!(hll.len(), 18);
        assert!(is_valid(&hll));
        assert_eq!(decode(&hll), "Z:16384");
        assert_eq!(count(&hll), Ok(0));
        assert_eq!(cached(&hll), Some(0));
    }

    #[test]
    fn dense_registers_round_trip_without_touching_neighbours() {
        let mut regs = vec![0u8; DENSE_LEN - HEADER_LEN];
        let mut rng = fastrand::Rng::with_seed(3);
        let values: Vec<u8> = (0..REGISTERS).map(|_| rng.u8(0..64)).collect();
        for (r, &v) in values.iter().enumerate() {
            dense_write(&mut regs, r, v);
        }
        for (r, &v) in values.iter().enumerate() {
            assert_eq!(dense_read(&regs, r), v, "register {r}");
        }
    }

    #[test]
    fn sparse_and_dense_agree_on_the_estimate() {
        let mut sparse = empty();
        let mut dense = empty();
        to_dense(&mut dense).unwrap();
        for i in 0..2000u32 {
            let e = i.to_le_bytes();
            add(&mut sparse, &e, 1 << 20).unwrap();
            add(&mut dense, &e, 1 << 20).unwrap();
        }
        assert_eq!(encoding(&sparse), Encoding::Sparse);
        let n = count(&sparse).unwrap();
        assert_eq!(n, count(&dense).unwrap());
        assert!((1900..2100).contains(&n), "{n}");
        let mut d = sparse.clone();
        to_dense(&mut d).unwrap();
        assert_eq!(d[HEADER_LEN..], dense[HEADER_LEN..]);
    }

    #[test]
    fn murmur_matches_known_values() {
        // Reference values of MurmurHash64A (seed 0) from its C original.
        assert_eq!(murmur64a(b"", 0), 0);
        assert_ne!(murmur64a(b"a", SEED), murmur64a(b"b", SEED));
    }
}
