//! Generic key commands: the ones that work on a key whatever it holds.
//!
//! * this file — the command table, and DEL, UNLINK, EXISTS, TYPE, TOUCH,
//!   KEYS and RANDOMKEY;
//! * [`expire`] — deadlines: EXPIRE and its variants, TTL and its
//!   variants, PERSIST;
//! * [`relocate`] — moving values between names and databases: RENAME,
//!   RENAMENX, COPY, MOVE, SWAPDB;
//! * [`scan`] — SCAN, and the cursor and option parsing that HSCAN, SSCAN
//!   and ZSCAN share;
//! * [`object`] — OBJECT and its subcommands;
//! * [`dump`] — DUMP and RESTORE, a value in Redis's payload format;
//! * [`lfu`] — the access-frequency counter kept in
//!   [`Entry::access`](crate::db::Entry::access) under an LFU
//!   `maxmemory-policy`;
//! * [`lookup`] — the lookups without an access-time update that EXISTS,
//!   TYPE, the TTL family and OBJECT share, and the liveness test of KEYS,
//!   RANDOMKEY and SCAN.
//!
//! DBSIZE, FLUSHDB and FLUSHALL are server commands (`cmd/server.rs`).
//! Every reply, error text, keyspace event and WATCH side effect follows
//! Redis 7.0's `db.c`, `expire.c` and `object.c`.

mod dump;
mod expire;
pub(crate) mod lfu;
mod lookup;
mod object;
mod relocate;
pub(crate) mod scan;

use super::error::CmdResult;
use super::flags::*;
use super::{CommandSpec, Ctx};
use crate::config::notify;
use crate::db::Blob;
use lookup::{alive, read_notouch};

const GENERIC: &str = "generic";

/// The generic key commands.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec::new("del", -2, del)
        .flags(WRITE)
        .keys(1, -1, 1)
        .acl("keyspace write slow")
        .doc(GENERIC, "1.0.0", "Deletes one or more keys."),
    CommandSpec::new("unlink", -2, del)
        .flags(WRITE | FAST)
        .keys(1, -1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "4.0.0", "Asynchronously deletes one or more keys."),
    CommandSpec::new("exists", -2, exists)
        .flags(READONLY | FAST)
        .keys(1, -1, 1)
        .acl("keyspace read fast")
        .doc(GENERIC, "1.0.0", "Determines whether one or more keys exist."),
    CommandSpec::new("type", 2, type_)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("keyspace read fast")
        .doc(GENERIC, "1.0.0", "Determines the type of value stored at a key."),
    CommandSpec::new("touch", -2, touch)
        .flags(READONLY | FAST)
        .keys(1, -1, 1)
        .acl("keyspace read fast")
        .doc(
            GENERIC,
            "3.2.1",
            "Returns the number of existing keys out of those specified after updating the time they were last accessed.",
        ),
    CommandSpec::new("keys", 2, keys)
        .flags(READONLY)
        .acl("keyspace read slow dangerous")
        .doc(GENERIC, "1.0.0", "Returns all key names that match a pattern."),
    CommandSpec::new("scan", -2, scan::scan)
        .flags(READONLY)
        .acl("keyspace read slow")
        .doc(GENERIC, "2.8.0", "Iterates over the key names in the database."),
    CommandSpec::new("randomkey", 1, randomkey)
        .flags(READONLY)
        .acl("keyspace read slow")
        .doc(GENERIC, "1.0.0", "Returns a random key name from the database."),
    CommandSpec::new("expire", -3, expire::expire)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "1.0.0", "Sets the expiration time of a key in seconds."),
    CommandSpec::new("pexpire", -3, expire::pexpire)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "2.6.0", "Sets the expiration time of a key in milliseconds."),
    CommandSpec::new("expireat", -3, expire::expireat)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "1.2.0", "Sets the expiration time of a key to a Unix timestamp."),
    CommandSpec::new("pexpireat", -3, expire::pexpireat)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(
            GENERIC,
            "2.6.0",
            "Sets the expiration time of a key to a Unix milliseconds timestamp.",
        ),
    CommandSpec::new("ttl", 2, expire::ttl)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("keyspace read fast")
        .doc(GENERIC, "1.0.0", "Returns the expiration time in seconds of a key."),
    CommandSpec::new("pttl", 2, expire::pttl)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("keyspace read fast")
        .doc(GENERIC, "2.6.0", "Returns the expiration time in milliseconds of a key."),
    CommandSpec::new("expiretime", 2, expire::expiretime)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("keyspace read fast")
        .doc(GENERIC, "7.0.0", "Returns the expiration time of a key as a Unix timestamp."),
    CommandSpec::new("pexpiretime", 2, expire::pexpiretime)
        .flags(READONLY | FAST)
        .keys(1, 1, 1)
        .acl("keyspace read fast")
        .doc(
            GENERIC,
            "7.0.0",
            "Returns the expiration time of a key as a Unix milliseconds timestamp.",
        ),
    CommandSpec::new("persist", 2, expire::persist)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "2.2.0", "Removes the expiration time of a key."),
    CommandSpec::new("rename", 3, relocate::rename)
        .flags(WRITE)
        .keys(1, 2, 1)
        .acl("keyspace write slow")
        .doc(GENERIC, "1.0.0", "Renames a key and overwrites the destination."),
    CommandSpec::new("renamenx", 3, relocate::renamenx)
        .flags(WRITE | FAST)
        .keys(1, 2, 1)
        .acl("keyspace write fast")
        .doc(
            GENERIC,
            "1.0.0",
            "Renames a key only when the target key name doesn't exist.",
        ),
    CommandSpec::new("copy", -3, relocate::copy)
        .flags(WRITE | DENYOOM)
        .keys(1, 2, 1)
        .acl("keyspace write slow")
        .doc(GENERIC, "6.2.0", "Copies the value of a key to a new key."),
    CommandSpec::new("move", 3, relocate::move_)
        .flags(WRITE | FAST)
        .keys(1, 1, 1)
        .acl("keyspace write fast")
        .doc(GENERIC, "1.0.0", "Moves a key to another database."),
    CommandSpec::new("swapdb", 3, relocate::swapdb)
        .flags(WRITE | FAST)
        .acl("keyspace write fast dangerous")
        .doc("server", "4.0.0", "Swaps two Redis databases."),
    CommandSpec::new("dump", 2, dump::dump)
        .flags(READONLY)
        .keys(1, 1, 1)
        .acl("keyspace read slow")
        .doc(
            GENERIC,
            "2.6.0",
            "Return a serialized version of the value stored at the specified key.",
        ),
    CommandSpec::new("restore", -4, dump::restore)
        .flags(WRITE | DENYOOM)
        .keys(1, 1, 1)
        .acl("keyspace write slow dangerous")
        .doc(
            GENERIC,
            "2.6.0",
            "Create a key using the provided serialized value, previously obtained using DUMP.",
        ),
    CommandSpec::new("restore-asking", -4, dump::restore)
        .flags(WRITE | DENYOOM | ASKING)
        .keys(1, 1, 1)
        .acl("keyspace write slow dangerous")
        .doc(
            "server",
            "3.0.0",
            "An internal command for migrating keys in a cluster",
        ),
    CommandSpec::container("object", object::SUBCOMMANDS)
        .acl("slow")
        .doc(GENERIC, "2.2.3", "A container for object introspection commands."),
];

/// # Format
/// `DEL key [key ...]` and `UNLINK key [key ...]`
///
/// UNLINK frees memory in the background in Redis; here freeing is cheap
/// either way, so both are the same command with the same `del` event.
fn del(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut n = 0;
    for i in 1..ctx.argc() {
        let key = ctx.arg(i);
        if ctx.delete(key) {
            ctx.key_modified(key);
            ctx.notify(notify::GENERIC, "del", key);
            n += 1;
        }
    }
    ctx.out.int(n);
    Ok(())
}

/// # Format
/// `EXISTS key [key ...]` — a key named twice counts twice.
fn exists(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut n = 0;
    for i in 1..ctx.argc() {
        if read_notouch(ctx, ctx.arg(i), |_| ()).is_some() {
            n += 1;
        }
    }
    ctx.out.int(n);
    Ok(())
}

/// # Format
/// `TYPE key`
fn type_(ctx: &mut Ctx<'_>) -> CmdResult {
    let name = read_notouch(ctx, ctx.arg(1), |e| e.value.type_name()).unwrap_or("none");
    ctx.out.simple(name);
    Ok(())
}

/// # Format
/// `TOUCH key [key ...]`
fn touch(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut n = 0;
    for i in 1..ctx.argc() {
        if ctx.lookup_read(ctx.arg(i)).is_some() {
            n += 1;
        }
    }
    ctx.out.int(n);
    Ok(())
}

/// # Format
/// `KEYS pattern`
///
/// Expired keys that are still stored are skipped, not deleted, as Redis's
/// `keysCommand` does.
fn keys(ctx: &mut Ctx<'_>) -> CmdResult {
    let pattern = ctx.arg(1);
    let every = pattern == b"*";
    let now = ctx.now;
    let db = &ctx.state.dbs[ctx.client.db];
    let found: Vec<&Blob> = db
        .iter()
        .filter(|(k, e)| alive(e, now) && (every || crate::glob::matches(pattern, k, false)))
        .map(|(k, _)| k)
        .collect();
    ctx.out.array(found.len());
    for k in found {
        ctx.out.bulk(k);
    }
    Ok(())
}

/// # Format
/// `RANDOMKEY`
///
/// Uniform over the stored keys, drawn from the server's seeded generator
/// (a seed reproduces the sequence). A key drawn after its deadline is
/// expired on the spot (with its `expired` event) and another is drawn, as
/// Redis's `dbRandomKey` does.
fn randomkey(ctx: &mut Ctx<'_>) -> CmdResult {
    let now = ctx.now;
    loop {
        let len = ctx.db().len();
        if len == 0 {
            ctx.out.null();
            return Ok(());
        }
        let idx = ctx.state.rng.usize(..len);
        let Some((key, live)) = ctx
            .db()
            .key_at(idx)
            .map(|(k, e)| (k.clone(), alive(e, now)))
        else {
            continue;
        };
        if live {
            ctx.out.bulk(&key);
            return Ok(());
        }
        // The lookup finds it past its deadline and removes it.
        let _ = ctx.lookup_write(&key);
    }
}
