//! The Redis 7.0 commands redsim does not implement yet, with what a
//! script's `redis.call` needs to refuse one as Redis would: its arity and
//! whether Redis refuses it in scripts (`noscript`). Redis checks the arity
//! before the flag, so `redis.call('cluster')` and `redis.call('cluster',
//! 'info')` get different errors there too.
//!
//! Taken from a real redis-server 7.0's `COMMAND` reply;
//! `tests/parity_server.rs` checks the list against one: every command
//! Redis has is either in redsim's table or here, with Redis's arity and
//! flag, and nothing is in both. An entry leaves when its command lands.

/// `(full name, arity, noscript)` of each command Redis 7.0 has and redsim
/// lacks; subcommands as `container|sub`, sorted by name.
pub const ABSENT: &[(&str, i32, bool)] = &[
    ("bgrewriteaof", 1, true),
    ("module", -2, false),
    ("module|help", 2, false),
    ("module|list", 2, true),
    ("module|load", -3, true),
    ("module|loadex", -3, true),
    ("module|unload", 3, true),
];

/// What Redis's `lookupCommand` finds for `args` among the absent commands:
/// `(arity, noscript)` of the command or subcommand, or `None` when Redis
/// has no such command either.
pub fn lookup(args: &[bytes::Bytes]) -> Option<(i32, bool)> {
    let name = std::str::from_utf8(args.first()?)
        .ok()?
        .to_ascii_lowercase();
    let find = |full: &str| {
        ABSENT
            .binary_search_by(|(n, _, _)| (*n).cmp(full))
            .ok()
            .map(|i| (ABSENT[i].1, ABSENT[i].2))
    };
    // A subcommand redsim lacks, of a container it may have (CLIENT REPLY).
    if let Some(sub) = args.get(1).and_then(|s| std::str::from_utf8(s).ok())
        && let Some(found) = find(&format!("{name}|{}", sub.to_ascii_lowercase()))
    {
        return Some(found);
    }
    let found = find(&name)?;
    let container = ABSENT.iter().any(|(n, _, _)| {
        n.strip_prefix(name.as_str())
            .is_some_and(|r| r.starts_with('|'))
    });
    // A container with a subcommand it does not have: Redis has none.
    if container && args.len() > 1 {
        return None;
    }
    Some(found)
}
