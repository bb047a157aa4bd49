//! What the HyperLogLog commands share: the check that a key holds a
//! HyperLogLog, reading its bytes, writing them back in place, creating
//! one, and `hll-sparse-max-bytes`.

use crate::cmd::Ctx;
use crate::cmd::error::{self, CmdError};
use crate::config::notify;
use crate::db::{Blob, Lookup, Value, hll};

/// Redis's `isHLLObjectOrReply`: `WRONGTYPE` for a value that is not a
/// string, its HyperLogLog-specific `WRONGTYPE` for a string that is not
/// a HyperLogLog (an integer-encoded one included).
pub(super) fn check(value: &Value) -> Result<(), CmdError> {
    if !value.is_string() {
        return Err(error::WRONGTYPE);
    }
    if value.encoding() == "int" {
        return Err(error::NOT_HLL);
    }
    match value.str_bytes() {
        Some(bytes) if hll::is_valid(&bytes) => Ok(()),
        _ => Err(error::NOT_HLL),
    }
}

/// How a command looks its key up (statistics, as Redis's
/// `lookupKeyRead` / `lookupKeyWrite`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Access {
    Read,
    Write,
}

/// The bytes of the HyperLogLog at `key`, `None` if there is no key.
/// Like Redis's `dbUnshareStringValue`, `unshare` makes the value a `raw`
/// string (what OBJECT ENCODING then reports) before it is read.
pub(super) fn load(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    access: Access,
    unshare: bool,
) -> Result<Option<Vec<u8>>, CmdError> {
    let entry = match access {
        Access::Read => ctx.lookup_read(key),
        Access::Write => ctx.lookup_write(key),
    };
    let Some(entry) = entry else {
        return Ok(None);
    };
    check(&entry.value)?;
    if unshare {
        return Ok(entry.value.str_bytes_mut().map(|b| b.to_vec()));
    }
    Ok(entry.value.str_bytes().map(|b| b.into_owned()))
}

/// Replaces the bytes of the (existing, string) value at `key`, keeping
/// its deadline: the in-place change Redis makes.
pub(super) fn save(ctx: &mut Ctx<'_>, key: &[u8], bytes: Vec<u8>) {
    let now = ctx.now;
    let db = ctx.db();
    if let Lookup::Found(i) = db.lookup(key, now)
        && let Some(blob) = db.entry_at_mut(i).value.str_bytes_mut()
    {
        *blob = Blob::from(bytes);
    }
}

/// Stores a new, empty HyperLogLog at the missing `key` (Redis's
/// `createHLLObject` and `dbAdd`, with its `new` event) and returns its
/// bytes.
pub(super) fn create(ctx: &mut Ctx<'_>, key: &[u8]) -> Vec<u8> {
    let bytes = hll::empty();
    let lru = ctx.lru();
    ctx.db()
        .insert(key, Value::raw_string(Blob::from(bytes.clone())), None, lru);
    ctx.notify(notify::NEW, "new", key);
    bytes
}

/// `hll-sparse-max-bytes`: the longest sparse HyperLogLog, header
/// included, before it turns dense.
pub(super) fn sparse_max(ctx: &Ctx<'_>) -> u64 {
    ctx.state
        .config
        .get(&[b"hll-sparse-max-bytes"])
        .first()
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.parse().ok())
        .unwrap_or(3000)
}
