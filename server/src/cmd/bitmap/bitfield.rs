//! BITFIELD and BITFIELD_RO: integers of 1 to 64 bits at any bit offset of
//! a string.
//!
//! As in Redis, every operation is parsed (and every argument error found)
//! before the key is looked up, then the operations run in order, each
//! under the OVERFLOW mode in force where it appeared. Only GETs read the
//! key as it is; a SET or INCRBY first grows the string to the farthest
//! bit any of them writes.

use bytes::Bytes;

use super::bits::{self, Overflow};
use super::{bit_offset, c_str, read_bitmap, writable_bitmap};
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::cmd::{Ctx, int_arg, is};
use crate::config::notify;
use crate::num;

/// What one operation does.
#[derive(Clone, Copy)]
enum Action {
    Get,
    Set(i64),
    IncrBy(i64),
}

/// One parsed operation.
#[derive(Clone, Copy)]
struct FieldOp {
    action: Action,
    signed: bool,
    bits: u32,
    offset: u64,
    overflow: Overflow,
}

/// Runs SETs, INCRBYs and GETs on a string, creating or growing it.
///
/// # Format
/// `BITFIELD key [GET encoding offset | [OVERFLOW WRAP | SAT | FAIL]
/// SET encoding offset value | INCRBY encoding offset increment ...]`
///
/// `encoding` is `i1`…`i64` or `u1`…`u63`; `offset` is a bit offset, or
/// `#n` for the n-th field of that width.
pub(super) fn bitfield(ctx: &mut Ctx<'_>) -> CmdResult {
    run(ctx, false)
}

/// The read-only BITFIELD: GET operations only.
///
/// # Format
/// `BITFIELD_RO key [GET encoding offset ...]`
pub(super) fn bitfield_ro(ctx: &mut Ctx<'_>) -> CmdResult {
    run(ctx, true)
}

fn run(ctx: &mut Ctx<'_>, read_only: bool) -> CmdResult {
    let args = ctx.args;
    let max_bulk = ctx.state.config.proto_max_bulk_len();
    let ops = parse(&args[2..], max_bulk)?;
    let key = &args[1];
    // The farthest bit a SET or INCRBY touches; none when all are GETs.
    let highest = ops
        .iter()
        .filter(|op| !matches!(op.action, Action::Get))
        .map(|op| op.offset.saturating_add(u64::from(op.bits) - 1))
        .max();
    let replies: Vec<Option<i64>> = match highest {
        None => {
            let bytes = read_bitmap(ctx, key)?;
            let bytes = bytes.as_deref().unwrap_or(&[]);
            ops.iter().map(|op| Some(get(bytes, op))).collect()
        }
        Some(_) if read_only => return Err(error::BITFIELD_RO_GET_ONLY),
        Some(highest) => {
            let len = usize::try_from(highest / 8 + 1).map_err(|_| error::BIT_OFFSET)?;
            let (buf, grown) = writable_bitmap(ctx, key, len)?;
            let buf = buf.as_mut_slice();
            let mut changed = false;
            let replies = ops
                .iter()
                .map(|op| match op.action {
                    Action::Get => Some(get(buf, op)),
                    Action::Set(_) | Action::IncrBy(_) => {
                        let (reply, flipped) = write(buf, op)?;
                        // A new or longer string counts as a change even
                        // when the field keeps its value.
                        changed |= grown || flipped;
                        Some(reply)
                    }
                })
                .collect();
            if changed {
                ctx.key_modified(key);
                ctx.notify(notify::STRING, "setbit", key);
            }
            replies
        }
    };
    ctx.out.array(replies.len());
    for reply in replies {
        match reply {
            Some(n) => ctx.out.int(n),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// Parses the operations, in order, with Redis's errors: an unknown word
/// or one lacking its arguments is a syntax error; type, offset and value
/// are checked in that order.
fn parse(args: &[Bytes], max_bulk: i64) -> Result<Vec<FieldOp>, CmdError> {
    let mut ops = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let word = c_str(word);
        let remaining = args.len() - i - 1;
        let (action_of, width): (fn(i64) -> Action, usize) = if is(word, "get") && remaining >= 2 {
            (|_| Action::Get, 3)
        } else if is(word, "set") && remaining >= 3 {
            (Action::Set, 4)
        } else if is(word, "incrby") && remaining >= 3 {
            (Action::IncrBy, 4)
        } else if is(word, "overflow") && remaining >= 1 {
            let mode = c_str(&args[i + 1]);
            overflow = if is(mode, "wrap") {
                Overflow::Wrap
            } else if is(mode, "sat") {
                Overflow::Sat
            } else if is(mode, "fail") {
                Overflow::Fail
            } else {
                return Err(error::BITFIELD_OVERFLOW_TYPE);
            };
            i += 2;
            continue;
        } else {
            return Err(error::SYNTAX);
        };
        let (signed, bits) = field_type(&args[i + 1])?;
        let offset = bit_offset(&args[i + 2], Some(bits), max_bulk)?;
        let value = if width == 4 {
            int_arg(&args[i + 3])?
        } else {
            0
        };
        ops.push(FieldOp {
            action: action_of(value),
            signed,
            bits,
            offset,
            overflow,
        });
        i += width;
    }
    Ok(ops)
}

/// Parses a field type: `i` or `u` and a width, 1..=64 signed or 1..=63
/// unsigned (a u64 could not be replied as a RESP integer). Redis reads
/// the width with `strlen`, so it ends at a NUL byte.
fn field_type(arg: &[u8]) -> Result<(bool, u32), CmdError> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(error::BITFIELD_TYPE),
    };
    let width = num::parse_i64(c_str(&arg[1..])).ok_or(error::BITFIELD_TYPE)?;
    let max = if signed { 64 } else { 63 };
    if !(1..=max).contains(&width) {
        return Err(error::BITFIELD_TYPE);
    }
    Ok((signed, width as u32))
}

/// A GET: the field's value, zeros past the end of `bytes`.
fn get(bytes: &[u8], op: &FieldOp) -> i64 {
    if op.signed {
        bits::get_signed(bytes, op.offset, op.bits)
    } else {
        // At most 63 bits: always a non-negative i64.
        bits::get_unsigned(bytes, op.offset, op.bits) as i64
    }
}

/// A SET or INCRBY on `buf` (already long enough): the reply (the old
/// value for SET, the new one for INCRBY) and whether the stored field
/// changed, or `None` when OVERFLOW FAIL refused it (nothing written).
fn write(buf: &mut [u8], op: &FieldOp) -> Option<(i64, bool)> {
    let (stored, reply, old) = if op.signed {
        let old = bits::get_signed(buf, op.offset, op.bits);
        let (new, reply, overflowed) = match op.action {
            Action::IncrBy(by) => match bits::signed_overflow(old, by, op.bits, op.overflow) {
                Some(limit) => (limit, limit, true),
                None => (old.wrapping_add(by), old.wrapping_add(by), false),
            },
            Action::Set(v) => match bits::signed_overflow(v, 0, op.bits, op.overflow) {
                Some(limit) => (limit, old, true),
                None => (v, old, false),
            },
            Action::Get => (old, old, false),
        };
        if overflowed && op.overflow == Overflow::Fail {
            return None;
        }
        (new as u64, reply, old as u64)
    } else {
        let old = bits::get_unsigned(buf, op.offset, op.bits);
        let (new, reply, overflowed) = match op.action {
            Action::IncrBy(by) => match bits::unsigned_overflow(old, by, op.bits, op.overflow) {
                Some(limit) => (limit, limit, true),
                None => (
                    old.wrapping_add(by as u64),
                    old.wrapping_add(by as u64),
                    false,
                ),
            },
            Action::Set(v) => match bits::unsigned_overflow(v as u64, 0, op.bits, op.overflow) {
                Some(limit) => (limit, old, true),
                None => (v as u64, old, false),
            },
            Action::Get => (old, old, false),
        };
        if overflowed && op.overflow == Overflow::Fail {
            return None;
        }
        // Fields are at most 63 bits wide here: the reply fits an i64.
        (new, reply as i64, old)
    };
    bits::set_unsigned(buf, op.offset, op.bits, stored);
    let changed = if op.bits >= 64 {
        stored != old
    } else {
        let keep = !(u64::MAX << op.bits);
        stored & keep != old & keep
    };
    Some((reply, changed))
}
