//! How the generic key commands look a key up when they must not touch
//! its access time: Redis's `lookupKeyReadWithFlags` with `LOOKUP_NOTOUCH`
//! (and OBJECT's `LOOKUP_NONOTIFY`), with its statistics and `keymiss`
//! event, and whether an entry is alive at a given instant. Lookups that do
//! touch are [`Ctx`]'s own.

use super::super::Ctx;
use crate::config::notify;
use crate::db::Entry;

/// Whether `entry` is alive at `now` (its deadline, if any, is later).
pub(super) fn alive(entry: &Entry, now: i64) -> bool {
    !entry.is_expired(now)
}

/// Redis's `lookupKeyReadWithFlags(…, LOOKUP_NOTOUCH)`, used by EXISTS,
/// TYPE and the TTL family: lazy expiry, hit/miss statistics and the
/// `keymiss` event, but the access time (LRU clock or LFU counter) is left
/// alone. `read` takes what the command needs from the entry.
pub(super) fn read_notouch<T>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    read: impl FnOnce(&Entry) -> T,
) -> Option<T> {
    read_counted(ctx, key, true, read)
}

/// [`read_notouch`], with the `keymiss` event only if `keymiss` (OBJECT
/// looks up with `LOOKUP_NONOTIFY`).
pub(super) fn read_counted<T>(
    ctx: &mut Ctx<'_>,
    key: &[u8],
    keymiss: bool,
    read: impl FnOnce(&Entry) -> T,
) -> Option<T> {
    let found = ctx.lookup_notouch(key).map(|e| read(e));
    if found.is_some() {
        ctx.state.stats.keyspace_hits += 1;
    } else {
        ctx.state.stats.keyspace_misses += 1;
        if keymiss {
            ctx.notify(notify::KEY_MISS, "keymiss", key);
        }
    }
    found
}
