//! Bitmap commands: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, and BITFIELD
//! and BITFIELD_RO (in [`bitfield`]).
//!
//! A bitmap is a string: any string key reads as its bytes (an integer
//! value as its decimal digits), bit 0 being the most significant bit of
//! the first byte. Writes grow the string with zero bytes and leave it
//! `raw`-encoded, as Redis's in-place string edits do. The bit arithmetic
//! itself lives in [`bits`], free of keyspace and replies.
//!
//! Argument checks follow Redis 7.0's order exactly, which is not always
//! "arguments before key": BITCOUNT and BITPOS look the key up before they
//! parse their range, so a missing key answers 0 (or BITPOS's default)
//! whatever the range says.

mod bitfield;
mod bits;

use std::borrow::Cow;

use super::error::{self, CmdError, CmdResult};
use super::flags::*;
use super::{CommandSpec, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::{Blob, Value};
use crate::num;

const BITMAP: &str = "bitmap";

/// The bitmap commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("setbit", 4, setbit)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write bitmap slow")
        .doc(
            BITMAP,
            "2.2.0",
            "Sets or clears one bit of a string, returning its previous value.",
        ),
    CommandSpec::new("getbit", 3, getbit)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read bitmap fast")
        .doc(BITMAP, "2.2.0", "Returns one bit of a string."),
    CommandSpec::new("bitcount", -2, bitcount)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read bitmap slow")
        .doc(
            BITMAP,
            "2.6.0",
            "Counts the bits set in a string, or in a byte or bit range of it.",
        ),
    CommandSpec::new("bitpos", -3, bitpos)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("read bitmap slow")
        .doc(
            BITMAP,
            "2.8.7",
            "Finds the first set or clear bit of a string, or of a range of it.",
        ),
    CommandSpec::new("bitop", -4, bitop)
        .flags(WRITE | DENYOOM)
        .keys(2, -1, 1)
        .acl("write bitmap slow")
        .doc(
            BITMAP,
            "2.6.0",
            "Stores the AND, OR, XOR or NOT of strings in a key.",
        ),
    CommandSpec::new("bitfield", -2, bitfield::bitfield)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("write bitmap slow")
        .doc(
            BITMAP,
            "3.2.0",
            "Reads, writes and increments integers of any width at any bit offset of a string.",
        ),
    CommandSpec::new("bitfield_ro", -2, bitfield::bitfield_ro)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("read bitmap fast")
        .doc(
            BITMAP,
            "6.0.0",
            "Reads integers of any width at any bit offset of a string (GET only).",
        ),
];

// The two helpers below read and prepare string values for this family
// only. The string family is adding shared accessors to `db/value.rs`;
// these should become calls to those once both are merged.

/// The bytes of a string value as the bit commands read them (an `int`
/// value as its decimal digits), or WRONGTYPE for any other type.
fn string_bytes(value: &Value) -> Result<Cow<'_, [u8]>, CmdError> {
    match value {
        Value::Str(b) | Value::RawStr(b) => Ok(Cow::Borrowed(b.as_slice())),
        Value::Int(n) => Ok(Cow::Owned(
            itoa::Buffer::new().format(*n).as_bytes().to_vec(),
        )),
        #[allow(unreachable_patterns)]
        _ => Err(error::WRONGTYPE),
    }
}

/// Turns a string value into a `raw` one that can be edited in place, as
/// Redis's `dbUnshareStringValue` does, and returns its buffer; WRONGTYPE
/// for any other type.
fn make_raw(value: &mut Value) -> Result<&mut Blob, CmdError> {
    if !matches!(value, Value::RawStr(_)) {
        let bytes = match value {
            Value::Str(b) => std::mem::take(b),
            Value::Int(n) => Blob::new(itoa::Buffer::new().format(*n).as_bytes()),
            _ => return Err(error::WRONGTYPE),
        };
        *value = Value::RawStr(bytes);
    }
    match value {
        Value::RawStr(b) => Ok(b),
        _ => Err(error::WRONGTYPE),
    }
}

/// Looks `key` up for reading (stats, lazy expiry): its bytes, `None` when
/// it does not exist, WRONGTYPE when it is not a string.
fn read_bitmap<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Result<Option<Cow<'c, [u8]>>, CmdError> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(entry) => string_bytes(&entry.value).map(Some),
    }
}

/// The string at `key` ready for bit writes up to byte `len - 1`: created
/// as zero bytes if missing, made `raw`, grown with zero bytes if shorter.
/// Also returns whether it was created or grown, which counts as a change
/// even when no bit flips (Redis then still signals the key).
fn writable_bitmap<'c>(
    ctx: &'c mut Ctx<'_>,
    key: &[u8],
    len: usize,
) -> Result<(&'c mut Blob, bool), CmdError> {
    let lru = ctx.lru();
    let created = ctx.lookup_write(key).is_none();
    if created {
        let zeros = Blob::from(vec![0u8; len]);
        ctx.db().insert(key, Value::RawStr(zeros), None, lru);
        // Redis's dbAdd announces every new key, even one that BITFIELD's
        // OVERFLOW FAIL then leaves unsignalled. (Should move to a shared
        // key-creation helper once the keyspace has one.)
        ctx.notify(notify::NEW, "new", key);
    }
    // Found: either it existed or it has just been stored with no deadline.
    let Some(entry) = ctx.lookup_write(key) else {
        return Err(error::NO_SUCH_KEY);
    };
    let buf = make_raw(&mut entry.value)?;
    let grown = buf.len() < len;
    if grown {
        buf.resize(len);
    }
    Ok((buf, created || grown))
}

/// `arg` up to its first NUL byte: what C's `strcasecmp` and `strlen`
/// see of an argument, and so what Redis compares keywords against.
fn c_str(arg: &[u8]) -> &[u8] {
    arg.iter().position(|&b| b == 0).map_or(arg, |i| &arg[..i])
}

/// Parses a bit offset as Redis's `getBitOffsetFromArgument`: a
/// non-negative integer whose byte is below `proto-max-bulk-len`. With
/// `field_bits` (BITFIELD), `#n` means `n × field_bits`; the product wraps
/// as Redis's does, so a huge `#n` may land back in range.
fn bit_offset(arg: &[u8], field_bits: Option<u32>, max_bulk: i64) -> Result<u64, CmdError> {
    let (digits, scale) = match (arg.split_first(), field_bits) {
        (Some((b'#', rest)), Some(bits)) => (rest, i64::from(bits)),
        _ => (arg, 1),
    };
    let offset = num::parse_i64(digits)
        .ok_or(error::BIT_OFFSET)?
        .wrapping_mul(scale);
    if offset < 0 || (offset >> 3) >= max_bulk {
        return Err(error::BIT_OFFSET);
    }
    Ok(offset as u64)
}

/// The byte index of bit `offset` (in range once [`bit_offset`] accepted it).
fn byte_of(offset: u64) -> Result<usize, CmdError> {
    usize::try_from(offset / 8).map_err(|_| error::BIT_OFFSET)
}

/// The mask of bit `offset` within its byte.
fn bit_mask(offset: u64) -> u8 {
    0x80 >> (offset % 8)
}

/// BITCOUNT's and BITPOS's range unit: `BIT` (true) or `BYTE`.
fn unit_arg(arg: &[u8]) -> Result<bool, CmdError> {
    let arg = c_str(arg);
    if is(arg, "bit") {
        Ok(true)
    } else if is(arg, "byte") {
        Ok(false)
    } else {
        Err(error::SYNTAX)
    }
}

/// Sets or clears one bit, growing the string as needed; replies with the
/// bit's previous value.
///
/// # Format
/// `SETBIT key offset value`
fn setbit(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let max_bulk = ctx.state.config.proto_max_bulk_len();
    let offset = bit_offset(&args[2], None, max_bulk)?;
    let on = match num::parse_i64(&args[3]) {
        Some(0) => false,
        Some(1) => true,
        _ => return Err(error::BIT_VALUE),
    };
    let key = &args[1];
    let byte = byte_of(offset)?;
    let mask = bit_mask(offset);
    let (buf, grown) = writable_bitmap(ctx, key, byte.saturating_add(1))?;
    let Some(slot) = buf.as_mut_slice().get_mut(byte) else {
        return Err(error::BIT_OFFSET);
    };
    let was_on = *slot & mask != 0;
    // Redis signals only a real change: a new or longer string, or a flip.
    let changed = grown || was_on != on;
    if changed {
        *slot = if on { *slot | mask } else { *slot & !mask };
        ctx.key_modified(key);
        ctx.notify(notify::STRING, "setbit", key);
    }
    ctx.out.int(i64::from(was_on));
    Ok(())
}

/// Replies with one bit of the string; bits past its end (and of a missing
/// key) are 0.
///
/// # Format
/// `GETBIT key offset`
fn getbit(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let max_bulk = ctx.state.config.proto_max_bulk_len();
    let offset = bit_offset(&args[2], None, max_bulk)?;
    let byte = byte_of(offset)?;
    let on = match read_bitmap(ctx, &args[1])? {
        None => false,
        Some(bytes) => bytes.get(byte).is_some_and(|b| b & bit_mask(offset) != 0),
    };
    ctx.out.int(i64::from(on));
    Ok(())
}

/// Counts the bits set in the string, or in an inclusive range of it in
/// bytes (default) or bits; negative indexes count from the end.
///
/// # Format
/// `BITCOUNT key [start end [BYTE | BIT]]`
fn bitcount(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    // Redis 7.0 looks the key up before it reads the range: a missing key
    // is 0 and a wrong type is WRONGTYPE, whatever the other arguments.
    let Some(bytes) = read_bitmap(ctx, &args[1])? else {
        ctx.out.int(0);
        return Ok(());
    };
    let count = match args.len() {
        2 => bits::popcount(&bytes),
        4 | 5 => {
            let start = int_arg(&args[2])?;
            let end = int_arg(&args[3])?;
            // Checked before the unit is even parsed, as Redis does.
            if start < 0 && end < 0 && start > end {
                0
            } else {
                let bit_unit = match args.get(4) {
                    Some(unit) => unit_arg(unit)?,
                    None => false,
                };
                bits::bit_range(start, end, bytes.len(), bit_unit)
                    .map_or(0, |(first, last)| bits::count_range(&bytes, first, last))
            }
        }
        _ => return Err(error::SYNTAX),
    };
    ctx.out.int(i64::try_from(count).unwrap_or(i64::MAX));
    Ok(())
}

/// Replies with the position of the first bit equal to `bit` in the
/// string or in a range of it, or -1.
///
/// Without an explicit end, a search for 0 through a string of ones
/// answers the first bit past the string (its right is taken as zero
/// padded); with an explicit end it answers -1. A missing key is an
/// endless run of zeros: 0 for a 0, -1 for a 1.
///
/// # Format
/// `BITPOS key bit [start [end [BYTE | BIT]]]`
fn bitpos(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let bit = match int_arg(&args[2])? {
        0 => false,
        1 => true,
        _ => return Err(error::BIT_ARG_NOT_BINARY),
    };
    let Some(bytes) = read_bitmap(ctx, &args[1])? else {
        ctx.out.int(if bit { -1 } else { 0 });
        return Ok(());
    };
    let (range, end_given) = match args.len() {
        3 => (bits::bit_range(0, -1, bytes.len(), false), false),
        4..=6 => {
            let start = int_arg(&args[3])?;
            // Redis reads the unit before the end.
            let bit_unit = match args.get(5) {
                Some(unit) => unit_arg(unit)?,
                None => false,
            };
            let end = args.get(4).map(|e| int_arg(e)).transpose()?;
            let range = bits::bit_range(start, end.unwrap_or(-1), bytes.len(), bit_unit);
            (range, end.is_some())
        }
        _ => return Err(error::SYNTAX),
    };
    let pos = match range {
        None => -1,
        Some((first, last)) => match bits::find_bit(&bytes, bit, first, last) {
            Some(p) => i64::try_from(p).unwrap_or(-1),
            None if !bit && !end_given => i64::try_from(last + 1).unwrap_or(-1),
            None => -1,
        },
    };
    ctx.out.int(pos);
    Ok(())
}

/// BITOP's operations.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BitOp {
    And,
    Or,
    Xor,
    Not,
}

/// Stores the bitwise combination of the source strings in `destkey` and
/// replies with its length (the longest source's). Missing sources are
/// empty strings; shorter ones are zero padded. An empty result deletes
/// `destkey`.
///
/// # Format
/// `BITOP AND | OR | XOR | NOT destkey key [key ...]`
fn bitop(ctx: &mut Ctx<'_>) -> CmdResult {
    let args = ctx.args;
    let name = c_str(&args[1]);
    let op = if is(name, "and") {
        BitOp::And
    } else if is(name, "or") {
        BitOp::Or
    } else if is(name, "xor") {
        BitOp::Xor
    } else if is(name, "not") {
        BitOp::Not
    } else {
        return Err(error::SYNTAX);
    };
    if op == BitOp::Not && args.len() != 4 {
        return Err(error::BITOP_NOT_ONE_SOURCE);
    }
    let (dest, sources) = (&args[2], &args[3..]);
    // Read lookups in argument order: lazy expiry, hit and miss counts, and
    // WRONGTYPE for the first source that is not a string.
    for key in sources {
        if let Some(entry) = ctx.lookup_read(key) {
            string_bytes(&entry.value)?;
        }
    }
    let result = {
        let db = &ctx.state.dbs[ctx.client.db];
        let now = ctx.now;
        let inputs = sources
            .iter()
            .map(|key| match db.get(key, now) {
                Some(entry) => string_bytes(&entry.value),
                None => Ok(Cow::Borrowed(&[][..])),
            })
            .collect::<Result<Vec<_>, _>>()?;
        combine(op, &inputs)
    };
    let len = result.len();
    if len > 0 {
        // As Redis's setKey: the old value (any type) and its TTL go.
        let existed = ctx.lookup_write(dest).is_some();
        let lru = ctx.lru();
        ctx.db()
            .insert(dest, Value::RawStr(Blob::from(result)), None, lru);
        if !existed {
            ctx.notify(notify::NEW, "new", dest);
        }
        ctx.key_modified(dest);
        ctx.notify(notify::STRING, "set", dest);
    } else if ctx.delete(dest) {
        ctx.key_modified(dest);
        ctx.notify(notify::GENERIC, "del", dest);
    }
    ctx.out.int(i64::try_from(len).unwrap_or(i64::MAX));
    Ok(())
}

/// The result of `op` over `inputs` (at least one), as long as the longest.
fn combine(op: BitOp, inputs: &[Cow<'_, [u8]>]) -> Vec<u8> {
    let len = inputs.iter().map(|s| s.len()).max().unwrap_or(0);
    let Some((first, rest)) = inputs.split_first() else {
        return Vec::new();
    };
    let mut out = vec![0u8; len];
    out[..first.len()].copy_from_slice(first);
    match op {
        BitOp::Not => out.iter_mut().for_each(|b| *b = !*b),
        BitOp::And => {
            for src in rest {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o &= s);
                // Past a shorter source its zero padding clears everything.
                out[src.len()..].fill(0);
            }
        }
        BitOp::Or => {
            for src in rest {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o |= s);
            }
        }
        BitOp::Xor => {
            for src in rest {
                out.iter_mut().zip(src.iter()).for_each(|(o, s)| *o ^= s);
            }
        }
    }
    out
}
