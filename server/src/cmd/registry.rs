//! The command table: every family's commands gathered once, looked up by
//! name, and a request resolved to its command or subcommand with Redis's
//! arity and unknown-command checks.

use std::collections::HashMap;
use std::sync::LazyLock;

use bytes::Bytes;

use super::*;

/// Every top-level command, family by family.
fn all_commands() -> impl Iterator<Item = &'static CommandSpec> {
    [
        string::COMMANDS,
        keys::COMMANDS,
        list::COMMANDS,
        bitmap::COMMANDS,
        connection::COMMANDS,
        server::COMMANDS,
        transaction::COMMANDS,
        pubsub::COMMANDS,
        scripting::COMMANDS,
        functions::COMMANDS,
        hash::COMMANDS,
        set::COMMANDS,
        zset::COMMANDS,
        stream::COMMANDS,
        acl::COMMANDS,
        introspect::COMMANDS,
        repl::COMMANDS,
        cluster::COMMANDS,
        sort::COMMANDS,
        hll::COMMANDS,
        geo::COMMANDS,
        migrate::COMMANDS,
    ]
    .into_iter()
    .flatten()
}

/// Top-level commands by lowercase name. Looked up once per command, so
/// hashed with foldhash rather than the standard library's SipHash (which
/// showed in profiles; the names are ours, not an attacker's).
type Registry = HashMap<&'static str, &'static CommandSpec, foldhash::fast::FixedState>;

static REGISTRY: LazyLock<Registry> =
    LazyLock::new(|| all_commands().map(|c| (c.name, c)).collect());

/// The table, for COMMAND and COMMAND COUNT: top-level commands by name.
pub fn registry() -> &'static Registry {
    &REGISTRY
}

/// Finds a top-level command by name, case-insensitively.
pub fn find(name: &[u8]) -> Option<&'static CommandSpec> {
    let mut buf = [0u8; 32];
    if name.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    let lower = std::str::from_utf8(lower).ok()?;
    REGISTRY.get(lower).copied()
}

/// Resolves a request to the command (or subcommand) that runs it and
/// checks its arity, as Redis does before anything else: unknown command,
/// unknown subcommand and wrong arity are all found here, without the lock.
pub fn resolve(args: &[Bytes]) -> Result<&'static CommandSpec, CmdError> {
    let Some(top) = find(&args[0]) else {
        return Err(error::unknown_command(args));
    };
    let spec = if top.subcommands.is_empty() || args.len() < 2 {
        top
    } else {
        let sub = &args[1];
        top.subcommands
            .iter()
            .find(|s| {
                s.name
                    .split('|')
                    .nth(1)
                    .is_some_and(|n| n.as_bytes().eq_ignore_ascii_case(sub))
            })
            .ok_or_else(|| error::unknown_subcommand(sub, top.name))?
    };
    let argc = args.len() as i32;
    if (spec.arity > 0 && argc != spec.arity) || argc < -spec.arity {
        return Err(error::wrong_arity(spec.name));
    }
    Ok(spec)
}
