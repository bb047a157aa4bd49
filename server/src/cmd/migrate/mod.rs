//! MIGRATE: keys sent to another server as RESTORE (RESTORE-ASKING in
//! cluster mode) commands carrying their DUMP payloads, and deleted here
//! once the target took them, as Redis 7.0's `cluster.c` `migrateCommand`
//! does.
//!
//! This file owns the command: its arguments and errors in Redis's order,
//! what is sent ([`Transfer`], built under the lock from the keys' values
//! and TTLs), and what the target's replies mean ([`finish`]: which keys
//! go, what the client is told, the DEL that replicas see). It does not
//! touch a socket: the server core ([`Host::migrate`](super::Host::migrate) and
//! [`Host::migrate_detached`](super::Host::migrate_detached)) connects, keeps the connections per
//! `host:port` as Redis's `migrate_cached_sockets`, writes, reads the
//! reply lines and retries once as Redis does, into a [`Transferred`].
//!
//! Redis blocks its whole server while it waits on the target. redsim
//! does not: a client's MIGRATE hands the transfer to the core, which does
//! the network I/O off the state lock and finishes the command under it
//! again, the client waiting as a blocked client does. Inside EXEC or a
//! script, which hold the lock from start to end, the transfer is done
//! under the lock, as Redis does it. Since other clients run while the
//! target answers, a key written meanwhile is not deleted after the
//! transfer (the target holds the value it had when sent): the newer
//! write is kept rather than lost.

pub mod transfer;

use bytes::Bytes;

pub use transfer::{Migration, Resume, Transfer, Transferred};

use super::error::{self, CmdResult};
use super::flags::*;
use super::{Caller, CommandSpec, Ctx, int_arg, is};
use crate::config::notify;
use crate::db::rdb::{self, DumpOptions};
use crate::protocol::{Out, Resp};

/// MIGRATE.
pub const COMMANDS: &[CommandSpec] = &[CommandSpec::new("migrate", -6, migrate)
    .flags(WRITE | MOVABLE_KEYS)
    .keys(3, 3, 1)
    .acl("keyspace write slow dangerous")
    .doc(
        "generic",
        "2.6.0",
        "Atomically transfer a key from a Redis instance to another one.",
    )];

/// The options after the five fixed arguments.
struct Options {
    copy: bool,
    replace: bool,
    auth: Option<(Option<Bytes>, Bytes)>,
    /// Index of the first key, and how many.
    keys: (usize, usize),
}

fn options(args: &[Bytes]) -> Result<Options, error::CmdError> {
    let mut o = Options {
        copy: false,
        replace: false,
        auth: None,
        keys: (3, 1),
    };
    let mut j = 6;
    while j < args.len() {
        let more = args.len() - 1 - j;
        let arg = &args[j][..];
        if is(arg, "copy") {
            o.copy = true;
        } else if is(arg, "replace") {
            o.replace = true;
        } else if is(arg, "auth") {
            if more == 0 {
                return Err(error::SYNTAX);
            }
            j += 1;
            // The user of an earlier AUTH2 stays, as in Redis.
            let user = o.auth.take().and_then(|(user, _)| user);
            o.auth = Some((user, args[j].clone()));
        } else if is(arg, "auth2") {
            if more < 2 {
                return Err(error::SYNTAX);
            }
            o.auth = Some((Some(args[j + 1].clone()), args[j + 2].clone()));
            j += 2;
        } else if is(arg, "keys") {
            if !args[3].is_empty() {
                return Err(error::MIGRATE_KEYS_NEED_EMPTY_KEY);
            }
            o.keys = (j + 1, args.len() - j - 1);
            break;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(o)
}

/// # Format
/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
/// [AUTH password | AUTH2 username password] [KEYS key [key ...]]`
///
/// Replies `+OK` once the target took every key, `+NOKEY` when none of
/// them is here, or the first error the target answered (`ERR Target
/// instance replied with error: …`), or `IOERR` when the connection
/// failed. A timeout of 0 or less means 1000 ms.
fn migrate(ctx: &mut Ctx<'_>) -> CmdResult {
    let o = options(ctx.args)?;
    let timeout = int_arg(ctx.arg(5))?;
    let db = int_arg(ctx.arg(4))?;
    let timeout_ms = if timeout <= 0 { 1000 } else { timeout as u64 };
    let dump = DumpOptions::of(&ctx.state.config);
    let (first, count) = o.keys;
    let mut keys = Vec::new();
    let mut payloads = Vec::new();
    let mut ttls = Vec::new();
    for i in first..first + count {
        let key = ctx.arg(i);
        let now = ctx.now;
        match ctx.lookup_read(key) {
            Some(entry) => {
                // Redis 7.0 reads the TTL against the time of the send.
                let ttl = entry.expire_at().map_or(0, |at| (at - now).max(1));
                payloads.push(rdb::dump(&entry.value, &dump));
                ttls.push(ttl);
                keys.push(ctx.args[i].clone());
            }
            None => ctx.notify(notify::KEY_MISS, "keymiss", key),
        }
    }
    if keys.is_empty() {
        ctx.out.simple("NOKEY");
        return Ok(());
    }
    let restore: &[u8] = if ctx.state.cluster.is_some() {
        b"RESTORE-ASKING"
    } else {
        b"RESTORE"
    };
    let mut request = Out::new(Resp::V2);
    for ((key, payload), ttl) in keys.iter().zip(&payloads).zip(&ttls) {
        request.array(if o.replace { 5 } else { 4 });
        request.bulk(restore);
        request.bulk(key);
        request.bulk(ttl.to_string().as_bytes());
        request.bulk(payload);
        if o.replace {
            request.bulk(b"REPLACE");
        }
    }
    let migration = Migration {
        transfer: Transfer {
            host: ctx.args[1].clone(),
            port: ctx.args[2].clone(),
            timeout_ms,
            db,
            auth: o.auth,
            restores: request.take(),
            count: keys.len(),
        },
        db: ctx.client.db,
        keys,
        payloads,
        copy: o.copy,
    };
    if ctx.caller == Caller::Client {
        // Off the lock: the client waits as a blocked client, and the
        // core finishes the command when the target has answered.
        let resume = Resume {
            id: ctx.client.id,
            resp: ctx.client.resp,
            user: ctx.client.user.clone(),
            args: ctx.args.to_vec(),
        };
        ctx.detached = Some(ctx.host.migrate_detached(migration, resume));
        return Ok(());
    }
    // EXEC and scripts hold the lock throughout: the transfer is made
    // under it, as Redis makes it.
    let transferred = ctx.host.migrate(&migration.transfer);
    finish(ctx, &migration, transferred)
}

/// The end of MIGRATE, under the lock, once the target has answered:
/// deletes each key the target took (unless COPY, and unless its value
/// changed meanwhile), propagates them as one DEL, and replies.
pub fn finish(ctx: &mut Ctx<'_>, migration: &Migration, transferred: Transferred) -> CmdResult {
    let (auth, select, restores) = match transferred {
        Transferred::NoConnection => return Err(error::MIGRATE_CONNECT),
        Transferred::Failed { writing } => return Err(error::migrate_io(writing)),
        Transferred::Replied {
            auth,
            select,
            restores,
        } => (auth, select, restores),
    };
    let is_error = |line: &Option<Vec<u8>>| line.as_ref().is_some_and(|l| l.first() == Some(&b'-'));
    let mut target_error: Option<Vec<u8>> = None;
    let mut deleted: Vec<Bytes> = Vec::new();
    let dump = DumpOptions::of(&ctx.state.config);
    for (i, line) in restores.iter().enumerate() {
        if is_error(&auth) || is_error(&select) || line.first() == Some(&b'-') {
            if target_error.is_none() {
                let first = [&auth, &select]
                    .into_iter()
                    .flatten()
                    .find(|l| l.first() == Some(&b'-'))
                    .unwrap_or(line);
                target_error = Some(first[1..].to_vec());
            }
        } else if !migration.copy {
            let key = &migration.keys[i];
            let db = migration.db;
            let unchanged = ctx
                .lookup_in(db, key)
                .is_some_and(|e| rdb::dump(&e.value, &dump) == migration.payloads[i]);
            if unchanged {
                ctx.state.dbs[db].remove(key);
                ctx.key_modified_in(db, key);
                ctx.notify_in(db, notify::GENERIC, "del", key);
                deleted.push(key.clone());
            }
        }
    }
    if !deleted.is_empty() {
        let mut del = vec![Bytes::from_static(b"DEL")];
        del.extend(deleted);
        ctx.propagate_as(vec![del]);
    }
    if let Some(text) = target_error {
        return Err(error::migrate_target(&text));
    }
    if restores.len() < migration.transfer.count {
        return Err(error::migrate_io(false));
    }
    ctx.out.ok();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(p: &str) -> u16 {
        Transfer {
            host: Bytes::new(),
            port: Bytes::copy_from_slice(p.as_bytes()),
            timeout_ms: 1,
            db: 0,
            auth: None,
            restores: Vec::new(),
            count: 0,
        }
        .port_number()
    }

    #[test]
    fn ports_read_as_atoi_reads_them() {
        assert_eq!(port("6379"), 6379);
        assert_eq!(port("  42abc"), 42);
        assert_eq!(port("abc"), 0);
        assert_eq!(port("+7"), 7);
        assert_eq!(port("65537"), 1);
    }
}
