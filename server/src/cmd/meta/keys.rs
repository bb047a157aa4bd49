//! The keys and channels a request names, found as Redis 7.0 finds them
//! (`getKeysFromCommandWithSpecs`, `getChannelsFromCommand`): by the
//! command's key specifications, or — where they may miss keys or their
//! flags depend on the arguments (SORT, MIGRATE, SET, BITFIELD), or where
//! a spec does not fit the arguments — by the command's own rule.
//!
//! Never fails: a request whose keys cannot be found yields none, and the
//! command answers its own error when it runs.

use super::key_flags::*;
use super::{BeginSearch, CommandMeta, FindKeys};

/// One key (or channel) of a request: its position and its flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRef {
    /// Position in the request (the command name is 0).
    pub pos: usize,
    /// [`super::key_flags`] bits (for channels, [`channel_flags`] bits).
    pub flags: u32,
}

/// Channel flags of a pub/sub request's channel arguments.
pub mod channel_flags {
    /// A pattern (PSUBSCRIBE, PUNSUBSCRIBE): matched literally.
    pub const PATTERN: u32 = 1 << 0;
    /// Published to.
    pub const PUBLISH: u32 = 1 << 1;
    /// Subscribed to.
    pub const SUBSCRIBE: u32 = 1 << 2;
    /// Unsubscribed from (never checked by ACLs).
    pub const UNSUBSCRIBE: u32 = 1 << 3;
}

/// Whether the command may name keys at all (Redis's
/// `doesCommandHaveKeys`).
pub fn has_keys(cmd: &CommandMeta) -> bool {
    getkeys_rule::<&[u8]>(&cmd.name).is_some()
        || cmd.key_specs.iter().any(|s| s.flags & NOT_KEY == 0)
}

/// The keys of `args` (command name first) for `cmd`, with their flags.
pub fn keys(cmd: &CommandMeta, args: &[impl AsRef<[u8]>]) -> Vec<KeyRef> {
    let has_keyspec = cmd.key_specs.iter().any(|s| s.flags & NOT_KEY == 0);
    let variable = cmd.key_specs.iter().any(|s| s.flags & VARIABLE_FLAGS != 0);
    if has_keyspec
        && !variable
        && let Some(found) = by_specs(cmd, args)
    {
        return found;
    }
    match getkeys_rule(&cmd.name) {
        Some(rule) => rule(args),
        None => Vec::new(),
    }
}

/// Redis's `getKeysUsingKeySpecs`: `None` when a spec does not fit the
/// arguments or may miss keys.
fn by_specs(cmd: &CommandMeta, args: &[impl AsRef<[u8]>]) -> Option<Vec<KeyRef>> {
    let argc = args.len() as i64;
    let mut found = Vec::new();
    for spec in &cmd.key_specs {
        if spec.flags & NOT_KEY != 0 {
            continue;
        }
        let first = match &spec.begin {
            BeginSearch::Index(i) => *i,
            BeginSearch::Keyword { keyword, startfrom } => {
                let (start, end) = if *startfrom > 0 {
                    (*startfrom, argc - 1)
                } else {
                    (argc + startfrom, 1)
                };
                let mut i = start;
                let mut at = 0;
                while i != end {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if args[i as usize].as_ref().eq_ignore_ascii_case(keyword) {
                        at = i + 1;
                        break;
                    }
                    i += if start <= end { 1 } else { -1 };
                }
                if at == 0 {
                    continue;
                }
                at
            }
            BeginSearch::Unknown => return None,
        };
        let (first, last, step) = match &spec.find {
            FindKeys::Range {
                lastkey,
                keystep,
                limit,
            } => {
                let last = if *lastkey >= 0 {
                    first + lastkey
                } else if *limit == 0 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, *keystep)
            }
            FindKeys::Keynum {
                keynumidx,
                firstkey,
                keystep,
            } => {
                let at = first + keynumidx;
                if at < 0 || at >= argc {
                    return None;
                }
                let n = crate::num::parse_i64(args[at as usize].as_ref()).filter(|&n| n >= 0)?;
                let first = first + firstkey;
                (first, first.saturating_add(n) - 1, *keystep)
            }
            FindKeys::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc || first < 0 {
            return None;
        }
        let mut i = first;
        while i <= last {
            found.push(KeyRef {
                pos: i as usize,
                flags: spec.flags,
            });
            i += step.max(1);
        }
        if spec.flags & INCOMPLETE != 0 {
            return None;
        }
    }
    Some(found)
}

type Rule = fn(&[&[u8]]) -> Vec<KeyRef>;

/// A key rule over arguments of any byte-slice type.
type AnyRule<A> = fn(&[A]) -> Vec<KeyRef>;

/// The command's own key rule (Redis's `getkeys_proc`), if it has one.
fn getkeys_rule<A: AsRef<[u8]>>(name: &str) -> Option<AnyRule<A>> {
    let rule: AnyRule<A> = match name {
        "sintercard" | "zunion" | "zinter" | "zdiff" | "zintercard" | "lmpop" | "zmpop" => {
            |a| with(a, |a| counted(a, 0, 1, 2))
        }
        "zunionstore" | "zinterstore" | "zdiffstore" => |a| with(a, |a| counted(a, 1, 2, 3)),
        "eval" | "evalsha" | "eval_ro" | "evalsha_ro" | "fcall" | "fcall_ro" | "blmpop"
        | "bzmpop" => |a| with(a, |a| counted(a, 0, 2, 3)),
        "sort" => |a| with(a, sort),
        "sort_ro" => |a| with(a, |_| vec![key(1, RO | ACCESS)]),
        "migrate" => |a| with(a, migrate),
        "georadius" | "georadiusbymember" => |a| with(a, georadius),
        "xread" | "xreadgroup" => |a| with(a, xread),
        "set" => |a| with(a, set),
        "bitfield" => |a| with(a, bitfield),
        _ => return None,
    };
    Some(rule)
}

fn with<A: AsRef<[u8]>>(args: &[A], rule: Rule) -> Vec<KeyRef> {
    let args: Vec<&[u8]> = args.iter().map(AsRef::as_ref).collect();
    rule(&args)
}

fn key(pos: usize, flags: u32) -> KeyRef {
    KeyRef { pos, flags }
}

fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// C's `atoi`: leading blanks, a sign, digits; 0 when none.
fn atoi(s: &[u8]) -> i64 {
    let s = s.trim_ascii_start();
    let (neg, digits) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = digits
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0i64, |n, c| {
            n.wrapping_mul(10).wrapping_add(i64::from(c - b'0'))
        });
    if neg { -n } else { n }
}

/// `COMMAND [dest] numkeys key…`: Redis's `genericGetKeys` (flags not
/// given; the destination last).
fn counted(args: &[&[u8]], store: usize, count_at: usize, first: usize) -> Vec<KeyRef> {
    let Some(count) = args.get(count_at) else {
        return Vec::new();
    };
    let n = atoi(count);
    let room = args.len() as i64 - first as i64;
    if n < 1 || n > room {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..n as usize).map(|i| key(first + i, 0)).collect();
    if store > 0 {
        keys.push(key(store, 0));
    }
    keys
}

/// SORT: the sorted key, and the last STORE's destination.
fn sort(args: &[&[u8]]) -> Vec<KeyRef> {
    let mut keys = vec![key(1, RO | ACCESS)];
    let mut store = None;
    let mut i = 2;
    while i < args.len() {
        let a = args[i];
        if is(a, "limit") {
            i += 2;
        } else if is(a, "store") && i + 1 < args.len() {
            store = Some(i + 1);
        } else if is(a, "get") || is(a, "by") {
            i += 1;
        }
        i += 1;
    }
    keys.extend(store.map(|s| key(s, OW | UPDATE)));
    keys
}

/// MIGRATE: the one key, or those after KEYS.
fn migrate(args: &[&[u8]]) -> Vec<KeyRef> {
    let (mut first, mut num) = (3, 1);
    if args.len() > 6 {
        let mut i = 6;
        while i < args.len() {
            let a = args[i];
            if is(a, "keys") {
                if !args[3].is_empty() {
                    num = 0;
                } else {
                    first = i + 1;
                    num = args.len() - first;
                }
                break;
            }
            if is(a, "auth") {
                i += 1;
            } else if is(a, "auth2") {
                i += 2;
            }
            i += 1;
        }
    }
    (first..first + num)
        .filter(|&p| p < args.len())
        .map(|p| key(p, RW | ACCESS | DELETE))
        .collect()
}

/// GEORADIUS(BYMEMBER): the key, and the last STORE/STOREDIST key.
fn georadius(args: &[&[u8]]) -> Vec<KeyRef> {
    let mut stored = None;
    let mut i = 5;
    while i < args.len() {
        if (is(args[i], "store") || is(args[i], "storedist")) && i + 1 < args.len() {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    let mut keys = vec![key(1, 0)];
    keys.extend(stored.map(|s| key(s, 0)));
    keys
}

/// XREAD(GROUP): the first half of what follows STREAMS.
fn xread(args: &[&[u8]]) -> Vec<KeyRef> {
    let mut streams = None;
    let mut i = 1;
    while i < args.len() {
        let a = args[i];
        if is(a, "block") || is(a, "count") {
            i += 1;
        } else if is(a, "group") {
            i += 2;
        } else if is(a, "noack") {
        } else if is(a, "streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(at) = streams else {
        return Vec::new();
    };
    let num = args.len() - at - 1;
    if num == 0 || !num.is_multiple_of(2) {
        return Vec::new();
    }
    (at + 1..at + 1 + num / 2).map(|p| key(p, 0)).collect()
}

/// SET: read as well as written with GET.
fn set(args: &[&[u8]]) -> Vec<KeyRef> {
    if args.iter().skip(3).any(|a| is(a, "get")) {
        vec![key(1, RW | ACCESS | UPDATE)]
    } else {
        vec![key(1, OW | UPDATE)]
    }
}

/// BITFIELD: read-only when it only GETs.
fn bitfield(args: &[&[u8]]) -> Vec<KeyRef> {
    let mut readonly = true;
    let mut i = 2;
    while i < args.len() {
        let rest = args.len() - i - 1;
        let a = args[i];
        if is(a, "get") && rest >= 2 {
            i += 2;
        } else if (is(a, "set") || is(a, "incrby")) && rest >= 3 {
            readonly = false;
            break;
        } else if is(a, "overflow") && rest >= 1 {
            i += 1;
        } else {
            readonly = false;
            break;
        }
        i += 1;
    }
    let flags = if readonly {
        RO | ACCESS
    } else {
        RW | ACCESS | UPDATE
    };
    vec![key(1, flags)]
}

/// The channel arguments of a pub/sub request, with [`channel_flags`].
pub fn channels(cmd: &CommandMeta, args: &[impl AsRef<[u8]>]) -> Vec<KeyRef> {
    use channel_flags::*;
    let (flags, count) = match cmd.name.as_str() {
        "subscribe" | "ssubscribe" => (SUBSCRIBE, None),
        "unsubscribe" | "sunsubscribe" => (UNSUBSCRIBE, None),
        "psubscribe" => (PATTERN | SUBSCRIBE, None),
        "punsubscribe" => (PATTERN | UNSUBSCRIBE, None),
        "publish" | "spublish" => (PUBLISH, Some(1)),
        _ => return Vec::new(),
    };
    let stop = count.map_or(args.len(), |n: usize| (1 + n).min(args.len()));
    (1..stop).map(|pos| KeyRef { pos, flags }).collect()
}

/// Whether the command names channels with any of `flags` (Redis's
/// `doesCommandHaveChannelsWithFlags`).
pub fn has_channels(cmd: &CommandMeta, flags: u32) -> bool {
    use channel_flags::*;
    let of = match cmd.name.as_str() {
        "subscribe" | "ssubscribe" => SUBSCRIBE,
        "unsubscribe" | "sunsubscribe" => UNSUBSCRIBE,
        "psubscribe" => PATTERN | SUBSCRIBE,
        "punsubscribe" => PATTERN | UNSUBSCRIBE,
        "publish" | "spublish" => PUBLISH,
        _ => 0,
    };
    of & flags != 0
}

#[cfg(test)]
mod tests {
    use super::super::meta;
    use super::*;

    fn found(line: &str) -> Vec<(usize, u32)> {
        let args: Vec<&str> = line
            .split(' ')
            .map(|a| if a == "\"\"" { "" } else { a })
            .collect();
        let cmd = meta().lookup(&args).unwrap();
        keys(cmd, &args).iter().map(|k| (k.pos, k.flags)).collect()
    }

    #[test]
    fn keys_come_from_specs_with_their_flags() {
        assert_eq!(found("GET k"), [(1, RO | ACCESS)]);
        assert_eq!(found("MSET a 1 b 2"), [(1, OW | UPDATE), (3, OW | UPDATE)]);
        assert_eq!(
            found("ZUNIONSTORE d 2 a b"),
            [(1, OW | UPDATE), (3, RO | ACCESS), (4, RO | ACCESS)]
        );
        // A count past the arguments: the spec does not fit, the rule
        // finds nothing either.
        assert_eq!(found("ZUNIONSTORE d 5 a b"), []);
        assert_eq!(found("EVAL s 0"), []);
        assert_eq!(found("XREAD COUNT 2 STREAMS a b 0 0").len(), 2);
        assert_eq!(found("SET k v"), [(1, OW | UPDATE)]);
        assert_eq!(found("SET k v GET"), [(1, RW | ACCESS | UPDATE)]);
        assert_eq!(found("BITFIELD k GET u8 0"), [(1, RO | ACCESS)]);
        assert_eq!(
            found("SORT k BY x STORE d"),
            [(1, RO | ACCESS), (5, OW | UPDATE)]
        );
        assert_eq!(found("MIGRATE h p \"\" 0 5 KEYS a b").len(), 2);
        assert_eq!(found("OBJECT ENCODING k"), [(2, RO)]);
        assert_eq!(found("PING"), []);
    }
}
