//! COMMAND and its subcommands: what the server says about its commands.

use super::*;
use crate::cmd::meta::{Value, key_flags, keys, meta};

/// # Format
/// `COMMAND [COUNT | INFO … | DOCS … | LIST … | GETKEYS …]` — plain
/// COMMAND lists every command's info.
pub(crate) fn command_all(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut specs: Vec<_> = registry().values().copied().collect();
    specs.sort_by_key(|s| s.name);
    ctx.out.array(specs.len());
    for s in specs {
        write_command_info(ctx, s);
    }
    Ok(())
}

/// # Format
/// `COMMAND COUNT`
pub(super) fn command_count(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.int(registry().len() as i64);
    Ok(())
}

/// # Format
/// `COMMAND INFO [command-name ...]`
pub(super) fn command_info(ctx: &mut Ctx<'_>) -> CmdResult {
    if ctx.argc() == 2 {
        return command_all(ctx);
    }
    ctx.out.array(ctx.argc() - 2);
    for i in 2..ctx.argc() {
        match lookup_full_name(ctx.arg(i)) {
            Some(spec) => write_command_info(ctx, spec),
            None => ctx.out.null(),
        }
    }
    Ok(())
}

/// Finds `get` or `config|get` by full name.
fn lookup_full_name(name: &[u8]) -> Option<&'static CommandSpec> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    let (top, sub) = match lower.split_once('|') {
        Some((t, s)) => (t.to_string(), Some(s.to_string())),
        None => (lower, None),
    };
    let spec = crate::cmd::find(top.as_bytes())?;
    match sub {
        None => Some(spec),
        Some(s) => spec
            .subcommands
            .iter()
            .find(|c| c.name.split('|').nth(1) == Some(s.as_str())),
    }
}

fn write_command_info(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    let out = &mut *ctx.out;
    out.array(10);
    out.bulk(spec.name.as_bytes());
    out.int(i64::from(spec.arity));
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| spec.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set(names.len());
    for n in names {
        out.simple(n);
    }
    out.int(i64::from(spec.keys.0));
    out.int(i64::from(spec.keys.1));
    out.int(i64::from(spec.keys.2));
    let cats: Vec<&str> = spec.acl.split_whitespace().collect();
    out.set(cats.len());
    for c in cats {
        out.simple(&format!("@{c}"));
    }
    if let Some(m) = crate::cmd::meta::meta().get(spec.name) {
        // Redis's own tips and key specifications.
        m.tips.write(out);
        m.key_specs_reply.write(out);
    } else {
        out.set(0);
        write_legacy_key_specs(out, spec);
    }
    let subs = spec.subcommands;
    out.array(subs.len());
    for s in subs {
        write_command_info(ctx, s);
    }
}

/// Key specifications derived from the legacy first/last/step triple, for
/// a command Redis 7.0 does not have (CLIENT SETINFO).
fn write_legacy_key_specs(out: &mut crate::protocol::Out, spec: &CommandSpec) {
    if spec.keys.0 > 0 {
        out.array(1);
        out.map(3);
        out.bulk(b"flags");
        let kflags: &[&str] = if spec.has(WRITE) {
            &["RW", "update"]
        } else {
            &["RO", "access"]
        };
        out.set(kflags.len());
        for f in kflags {
            out.simple(f);
        }
        out.bulk(b"begin_search");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"index");
        out.bulk(b"spec");
        out.map(1);
        out.bulk(b"index");
        out.int(i64::from(spec.keys.0));
        out.bulk(b"find_keys");
        out.map(2);
        out.bulk(b"type");
        out.bulk(b"range");
        out.bulk(b"spec");
        out.map(3);
        out.bulk(b"lastkey");
        let last = if spec.keys.1 < 0 {
            i64::from(spec.keys.1)
        } else {
            i64::from(spec.keys.1 - spec.keys.0)
        };
        out.int(last);
        out.bulk(b"keystep");
        out.int(i64::from(spec.keys.2));
        out.bulk(b"limit");
        out.int(0);
    } else {
        out.array(0);
    }
}

/// # Format
/// `COMMAND DOCS [command-name ...]`
pub(super) fn command_docs(ctx: &mut Ctx<'_>) -> CmdResult {
    let specs: Vec<&'static CommandSpec> = if ctx.argc() == 2 {
        let mut all: Vec<_> = registry().values().copied().collect();
        all.sort_by_key(|s| s.name);
        all
    } else {
        ctx.args[2..]
            .iter()
            .filter_map(|a| lookup_full_name(a))
            .collect()
    };
    ctx.out.map(specs.len());
    for s in specs {
        ctx.out.bulk(s.name.as_bytes());
        write_docs(ctx, s);
    }
    Ok(())
}

fn write_docs(ctx: &mut Ctx<'_>, spec: &'static CommandSpec) {
    if let Some(doc) = crate::cmd::meta::meta().docs(spec.name) {
        write_redis_docs(ctx, spec, doc);
        return;
    }
    let has_subs = !spec.subcommands.is_empty();
    ctx.out.map(3 + usize::from(has_subs));
    ctx.out.bulk(b"summary");
    ctx.out.bulk(spec.summary.as_bytes());
    ctx.out.bulk(b"since");
    ctx.out.bulk(spec.since.as_bytes());
    ctx.out.bulk(b"group");
    ctx.out.bulk(spec.group.as_bytes());
    if has_subs {
        ctx.out.bulk(b"subcommands");
        ctx.out.map(spec.subcommands.len());
        for s in spec.subcommands {
            ctx.out.bulk(s.name.as_bytes());
            write_docs(ctx, s);
        }
    }
}

/// Redis's docs of a command, its subcommands limited to those redsim has.
fn write_redis_docs(ctx: &mut Ctx<'_>, spec: &'static CommandSpec, doc: &Value) {
    let Value::Map(fields) = doc else {
        doc.write(ctx.out);
        return;
    };
    ctx.out.map(fields.len());
    for (k, v) in fields {
        k.write(ctx.out);
        if k.as_str() == Some("subcommands") {
            ctx.out.map(spec.subcommands.len());
            for s in spec.subcommands {
                ctx.out.bulk(s.name.as_bytes());
                write_docs(ctx, s);
            }
        } else {
            v.write(ctx.out);
        }
    }
}

/// # Format
/// `COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]`
pub(super) fn command_list(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut names: Vec<&'static str> = Vec::new();
    for spec in registry().values() {
        names.push(spec.name);
        names.extend(spec.subcommands.iter().map(|s| s.name));
    }
    names.sort_unstable();
    let filtered: Vec<&str> = match ctx.argc() {
        2 => names,
        5 if is(ctx.arg(2), "filterby") => {
            let (kind, value) = (ctx.arg(3), ctx.arg(4));
            if is(kind, "module") {
                Vec::new()
            } else if is(kind, "aclcat") {
                let cat = String::from_utf8_lossy(value).to_ascii_lowercase();
                names
                    .into_iter()
                    .filter(|n| {
                        lookup_full_name(n.as_bytes())
                            .is_some_and(|s| s.acl.split_whitespace().any(|c| c == cat))
                    })
                    .collect()
            } else if is(kind, "pattern") {
                names
                    .into_iter()
                    .filter(|n| crate::glob::matches(value, n.as_bytes(), true))
                    .collect()
            } else {
                return Err(error::SYNTAX);
            }
        }
        _ => return Err(error::SYNTAX),
    };
    ctx.out.array(filtered.len());
    for n in filtered {
        ctx.out.bulk(n.as_bytes());
    }
    Ok(())
}

/// # Format
/// `COMMAND GETKEYS command [arg ...]`
pub(super) fn command_getkeys(ctx: &mut Ctx<'_>) -> CmdResult {
    getkeys(ctx, false)
}

/// # Format
/// `COMMAND GETKEYSANDFLAGS command [arg ...]`
pub(super) fn command_getkeysandflags(ctx: &mut Ctx<'_>) -> CmdResult {
    getkeys(ctx, true)
}

/// The keys of a full command, found as Redis finds them (its key
/// specifications), with their flags if asked.
fn getkeys(ctx: &mut Ctx<'_>, with_flags: bool) -> CmdResult {
    let args = &ctx.args[2..];
    let cmd = meta().lookup(args).ok_or(error::GETKEYS_INVALID_COMMAND)?;
    if !keys::has_keys(cmd) {
        return Err(error::GETKEYS_NO_KEYS);
    }
    let argc = args.len() as i32;
    if (cmd.arity > 0 && cmd.arity != argc) || argc < -cmd.arity {
        return Err(error::GETKEYS_INVALID_ARITY);
    }
    let found = keys::keys(cmd, args);
    if found.is_empty() {
        if cmd.has(NO_MANDATORY_KEYS) {
            ctx.out.array(0);
            return Ok(());
        }
        return Err(error::GETKEYS_INVALID_ARGUMENTS);
    }
    ctx.out.array(found.len());
    for k in found {
        if with_flags {
            ctx.out.array(2);
            ctx.out.bulk(&args[k.pos]);
            let names: Vec<&str> = key_flags::NAMES
                .iter()
                .filter(|(bit, _)| k.flags & bit != 0)
                .map(|(_, n)| *n)
                .collect();
            ctx.out.set(names.len());
            for n in names {
                ctx.out.simple(n);
            }
        } else {
            ctx.out.bulk(&args[k.pos]);
        }
    }
    Ok(())
}

/// # Format
/// `COMMAND HELP`
pub(super) fn command_help(ctx: &mut Ctx<'_>) -> CmdResult {
    ctx.out.help(
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all commands.",
            "COUNT",
            "    Return the total number of commands.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about commands.",
            "GETKEYS <full-command>",
            "    Return the keys from a full command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full command.",
            "INFO [<command-name> ...]",
            "    Return details about commands.",
            "LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]",
            "    Return a list of all commands.",
        ],
    );
    Ok(())
}
