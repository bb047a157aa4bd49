//! The steps the string commands share: reading a stored value without a
//! second lookup, replying with a string value, Redis's
//! `getGenericCommand` and `checkStringLength`, and reading an option
//! keyword as C string functions do. The commands are in the sibling
//! modules.

use crate::cmd::Ctx;
use crate::cmd::error::{self, CmdError, CmdResult};
use crate::db::Value;
use crate::protocol::Out;
use crate::state::State;

/// The value of `key`, alive at `now`, read straight from the state.
///
/// Commands look a key up through [`Ctx`] first (lazy expiry, access time,
/// hit and miss counts); this second, plain read borrows only the state,
/// so the value can be written into the reply buffer without a copy.
pub(super) fn stored<'s>(state: &'s State, db: usize, key: &[u8], now: i64) -> Option<&'s Value> {
    state.dbs[db].get(key, now).map(|e| &e.value)
}

/// Writes a string value as a bulk reply (nil for a value of another type).
pub(super) fn reply_string(out: &mut Out, value: Option<&Value>) {
    match value {
        Some(Value::Int(n)) => out.bulk_int(*n),
        Some(v) => match v.str_bytes() {
            Some(bytes) => out.bulk(&bytes),
            None => out.null(),
        },
        None => out.null(),
    }
}

/// Redis's `getGenericCommand`: replies with the string at `key` or nil,
/// and says whether the key existed. A key of another type is `WRONGTYPE`,
/// with nothing written.
#[inline]
pub(super) fn get_generic(ctx: &mut Ctx<'_>, key: &[u8]) -> Result<bool, CmdError> {
    match ctx.lookup_read(key) {
        None => {
            ctx.out.null();
            Ok(false)
        }
        Some(entry) if !entry.value.is_string() => Err(error::WRONGTYPE),
        Some(_) => {
            reply_string(ctx.out, stored(ctx.state, ctx.client.db, key, ctx.now));
            Ok(true)
        }
    }
}

/// Redis's `checkStringLength`: a string of `size + append` bytes must fit
/// in `max` (proto-max-bulk-len).
pub(super) fn check_string_length(max: i64, size: usize, append: usize) -> CmdResult {
    let total = size as i128 + append as i128;
    if total > i128::from(max) {
        return Err(error::STRING_TOO_LONG);
    }
    Ok(())
}

/// An option keyword as Redis compares it: C string functions stop at the
/// first NUL byte, so `"NX\0junk"` reads as `NX`.
pub(super) fn keyword(arg: &[u8]) -> &[u8] {
    match arg.iter().position(|&b| b == 0) {
        Some(nul) => &arg[..nul],
        None => arg,
    }
}
