//! Redis 7.0.15's own description of its commands: every command and
//! subcommand it has (whether redsim implements it or not), with its
//! arity, flags, ACL categories and key specifications, and its COMMAND
//! DOCS entry (summary, history, argument tree).
//!
//! The data is Redis's answer to `COMMAND` and `COMMAND DOCS`, kept in
//! `commands.txt` and `docs.txt` (one top-level command per line) and
//! regenerated from a running redis-server by `generate.py` beside them;
//! `tests/parity_introspection.rs` checks it against one. It is parsed
//! once, on first use.
//!
//! Three things are built on it: the keys and channels a request names
//! with the flags Redis gives them ([`keys`]: COMMAND GETKEYS and
//! GETKEYSANDFLAGS, ACL key checks, client tracking), the universe of
//! commands ACL rules speak of (`+@read` means Redis's `@read`, whether
//! redsim has every command in it or not), and the replies of COMMAND
//! INFO and COMMAND DOCS. It does not know redsim's own table.

pub mod keys;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::protocol::Out;

/// A value of Redis's replies, as the data files keep them.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A bulk string.
    Bulk(Vec<u8>),
    /// A simple string (flags, categories).
    Simple(String),
    /// An integer.
    Int(i64),
    /// An array.
    Array(Vec<Value>),
    /// A set.
    Set(Vec<Value>),
    /// A map, in Redis's order.
    Map(Vec<(Value, Value)>),
}

impl Value {
    /// Writes the value in `out`'s protocol (maps and sets become arrays
    /// in RESP2, as Redis sends them).
    pub fn write(&self, out: &mut Out) {
        match self {
            Value::Bulk(b) => out.bulk(b),
            Value::Simple(s) => out.simple(s),
            Value::Int(n) => out.int(*n),
            Value::Array(items) => {
                out.array(items.len());
                items.iter().for_each(|v| v.write(out));
            }
            Value::Set(items) => {
                out.set(items.len());
                items.iter().for_each(|v| v.write(out));
            }
            Value::Map(pairs) => {
                out.map(pairs.len());
                for (k, v) in pairs {
                    k.write(out);
                    v.write(out);
                }
            }
        }
    }

    /// The string of a bulk or simple string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Bulk(b) => std::str::from_utf8(b).ok(),
            Value::Simple(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    /// The elements of an array or set (empty for anything else).
    pub fn items(&self) -> &[Value] {
        match self {
            Value::Array(v) | Value::Set(v) => v,
            _ => &[],
        }
    }

    /// The value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Parses one value of the data files' notation: `"bulk"` (with `\"`,
/// `\\` and `\xHH` escapes), `+simple`, `12`, `[a,b]`, `<set>`, `{k:v}`.
/// Returns the value and what follows it.
fn parse(s: &[u8]) -> (Value, &[u8]) {
    match s[0] {
        b'"' => {
            let mut out = Vec::new();
            let mut i = 1;
            while s[i] != b'"' {
                if s[i] == b'\\' {
                    if s[i + 1] == b'x' {
                        let hex = std::str::from_utf8(&s[i + 2..i + 4]).expect("hex escape");
                        out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
                        i += 4;
                    } else {
                        out.push(s[i + 1]);
                        i += 2;
                    }
                } else {
                    out.push(s[i]);
                    i += 1;
                }
            }
            (Value::Bulk(out), &s[i + 1..])
        }
        b'+' => {
            let end = s
                .iter()
                .position(|c| matches!(c, b',' | b']' | b'>' | b'}' | b':'))
                .unwrap_or(s.len());
            // `:` ends a token only where a map key ends (no simple string
            // of Redis's has one).
            let text = std::str::from_utf8(&s[1..end]).expect("utf-8 token");
            (Value::Simple(text.to_string()), &s[end..])
        }
        open @ (b'[' | b'<' | b'{') => {
            let close = match open {
                b'[' => b']',
                b'<' => b'>',
                _ => b'}',
            };
            let mut rest = &s[1..];
            let mut items = Vec::new();
            let mut pairs = Vec::new();
            while rest[0] != close {
                let (v, r) = parse(rest);
                rest = r;
                if open == b'{' {
                    debug_assert_eq!(rest[0], b':');
                    let (w, r) = parse(&rest[1..]);
                    rest = r;
                    pairs.push((v, w));
                } else {
                    items.push(v);
                }
                if rest[0] == b',' {
                    rest = &rest[1..];
                }
            }
            let value = match open {
                b'[' => Value::Array(items),
                b'<' => Value::Set(items),
                _ => Value::Map(pairs),
            };
            (value, &rest[1..])
        }
        _ => {
            let end = s
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b'-'))
                .unwrap_or(s.len());
            let n = std::str::from_utf8(&s[..end])
                .ok()
                .and_then(|t| t.parse().ok())
                .expect("integer");
            (Value::Int(n), &s[end..])
        }
    }
}

/// The ACL categories, in Redis's order (ACL CAT's, and the order in
/// which rules are described).
pub const CATEGORIES: [&str; 21] = [
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// The bit of an ACL category (`read`, any case), if it is one.
pub fn category_bit(name: &[u8]) -> Option<u32> {
    CATEGORIES
        .iter()
        .position(|c| c.as_bytes().eq_ignore_ascii_case(name))
        .map(|i| 1 << i)
}

/// Key-specification flags, as COMMAND INFO and GETKEYSANDFLAGS name them.
pub mod key_flags {
    /// Read-only access.
    pub const RO: u32 = 1 << 0;
    /// Read-write access.
    pub const RW: u32 = 1 << 1;
    /// Overwrite.
    pub const OW: u32 = 1 << 2;
    /// Remove.
    pub const RM: u32 = 1 << 3;
    /// Returns, copies or uses the user data.
    pub const ACCESS: u32 = 1 << 4;
    /// Updates the data.
    pub const UPDATE: u32 = 1 << 5;
    /// Adds data.
    pub const INSERT: u32 = 1 << 6;
    /// Deletes data.
    pub const DELETE: u32 = 1 << 7;
    /// Not a key (a name in the key's position).
    pub const NOT_KEY: u32 = 1 << 8;
    /// The spec may miss keys.
    pub const INCOMPLETE: u32 = 1 << 9;
    /// The flags depend on the arguments.
    pub const VARIABLE_FLAGS: u32 = 1 << 10;

    /// The names, in Redis's order.
    pub const NAMES: [(u32, &str); 11] = [
        (RO, "RO"),
        (RW, "RW"),
        (OW, "OW"),
        (RM, "RM"),
        (ACCESS, "access"),
        (UPDATE, "update"),
        (INSERT, "insert"),
        (DELETE, "delete"),
        (NOT_KEY, "not_key"),
        (INCOMPLETE, "incomplete"),
        (VARIABLE_FLAGS, "variable_flags"),
    ];
}

/// Where a key specification starts looking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BeginSearch {
    /// At a fixed argument.
    Index(i64),
    /// After a keyword, searched from `startfrom` (from the end if
    /// negative).
    Keyword {
        /// The keyword, any case.
        keyword: Vec<u8>,
        /// Where to start searching.
        startfrom: i64,
    },
    /// A spec redsim cannot read (none of Redis 7.0's).
    Unknown,
}

/// How a key specification finds its keys from where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindKeys {
    /// A range: the last key (relative, or from the end if negative), the
    /// step, and the limit (a fraction of the remaining arguments).
    Range {
        /// Last key, relative to the first or (negative) from the end.
        lastkey: i64,
        /// Step between keys.
        keystep: i64,
        /// With `lastkey` -1: only 1/limit of the remaining arguments.
        limit: i64,
    },
    /// A count argument, then the keys.
    Keynum {
        /// Where the count is, relative to the start.
        keynumidx: i64,
        /// Where the first key is, relative to the start.
        firstkey: i64,
        /// Step between keys.
        keystep: i64,
    },
    /// A spec redsim cannot read (none of Redis 7.0's).
    Unknown,
}

/// One key specification of a command.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// [`key_flags`] bits.
    pub flags: u32,
    /// Where the search starts.
    pub begin: BeginSearch,
    /// How keys are found from there.
    pub find: FindKeys,
}

/// One command or subcommand of Redis 7.0.
#[derive(Debug)]
pub struct CommandMeta {
    /// Full lowercase name (`get`, `config|get`).
    pub name: String,
    /// Index in [`Meta::commands`] (the ACL command id).
    pub id: usize,
    /// Redis arity.
    pub arity: i32,
    /// Command flags, as [`crate::cmd::flags`] bits.
    pub flags: u32,
    /// ACL category bits (see [`CATEGORIES`]).
    pub categories: u32,
    /// Key specifications.
    pub key_specs: Vec<KeySpec>,
    /// The container, for a subcommand.
    pub parent: Option<usize>,
    /// The subcommands, for a container, in name order.
    pub subcommands: Vec<usize>,
    /// COMMAND INFO's tips field, as Redis sends it.
    pub tips: Value,
    /// COMMAND INFO's key specifications field, as Redis sends it.
    pub key_specs_reply: Value,
}

impl CommandMeta {
    /// Whether all of the [`crate::cmd::flags`] bits `f` are set.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }
}

/// Every command of Redis 7.0 and its docs.
#[derive(Debug)]
pub struct Meta {
    /// Commands and subcommands; a container's subcommands follow it.
    pub commands: Vec<CommandMeta>,
    /// The top-level commands' ids, in name order.
    pub top: Vec<usize>,
    by_name: HashMap<String, usize>,
    docs: HashMap<String, Value>,
}

impl Meta {
    /// The command or subcommand of this full lowercase name.
    pub fn get(&self, full_name: &str) -> Option<&CommandMeta> {
        self.by_name.get(full_name).map(|&i| &self.commands[i])
    }

    /// The command a request runs, as Redis's `lookupCommand` finds it
    /// (a container's subcommand by the second argument); `None` for an
    /// unknown command or subcommand.
    pub fn lookup(&self, args: &[impl AsRef<[u8]>]) -> Option<&CommandMeta> {
        let name = String::from_utf8_lossy(args.first()?.as_ref()).to_ascii_lowercase();
        let top = self.get(&name)?;
        if top.subcommands.is_empty() || args.len() < 2 {
            return Some(top);
        }
        let sub = String::from_utf8_lossy(args[1].as_ref()).to_ascii_lowercase();
        self.get(&format!("{name}|{sub}"))
    }

    /// The command of a full name as ACL rules and COMMAND INFO take it
    /// (`get`, `config|get`, any case).
    pub fn lookup_name(&self, name: &[u8]) -> Option<&CommandMeta> {
        self.get(&String::from_utf8_lossy(name).to_ascii_lowercase())
    }

    /// COMMAND DOCS's entry of a command or subcommand (a container's
    /// lists all of Redis's subcommands).
    pub fn docs(&self, full_name: &str) -> Option<&Value> {
        self.docs.get(full_name)
    }
}

fn flag_bits(v: &Value) -> u32 {
    v.items()
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|name| {
            crate::cmd::flags::NAMES
                .iter()
                .find(|(_, n)| *n == name)
                .map(|(bit, _)| *bit)
        })
        .fold(0, |acc, b| acc | b)
}

fn key_spec(v: &Value) -> KeySpec {
    let flags = v
        .get("flags")
        .map(|f| {
            f.items()
                .iter()
                .filter_map(Value::as_str)
                .filter_map(|n| key_flags::NAMES.iter().find(|(_, m)| *m == n))
                .fold(0, |acc, (bit, _)| acc | bit)
        })
        .unwrap_or(0);
    let int = |v: Option<&Value>, k: &str| v.and_then(|s| s.get(k)).and_then(Value::as_int);
    let bs = v.get("begin_search");
    let bs_spec = bs.and_then(|b| b.get("spec"));
    let begin = match bs.and_then(|b| b.get("type")).and_then(Value::as_str) {
        Some("index") => BeginSearch::Index(int(bs_spec, "index").unwrap_or(0)),
        Some("keyword") => BeginSearch::Keyword {
            keyword: bs_spec
                .and_then(|s| s.get("keyword"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .as_bytes()
                .to_vec(),
            startfrom: int(bs_spec, "startfrom").unwrap_or(0),
        },
        _ => BeginSearch::Unknown,
    };
    let fk = v.get("find_keys");
    let fk_spec = fk.and_then(|b| b.get("spec"));
    let find = match fk.and_then(|b| b.get("type")).and_then(Value::as_str) {
        Some("range") => FindKeys::Range {
            lastkey: int(fk_spec, "lastkey").unwrap_or(0),
            keystep: int(fk_spec, "keystep").unwrap_or(1),
            limit: int(fk_spec, "limit").unwrap_or(0),
        },
        Some("keynum") => FindKeys::Keynum {
            keynumidx: int(fk_spec, "keynumidx").unwrap_or(0),
            firstkey: int(fk_spec, "firstkey").unwrap_or(1),
            keystep: int(fk_spec, "keystep").unwrap_or(1),
        },
        _ => FindKeys::Unknown,
    };
    KeySpec { flags, begin, find }
}

/// Adds the command of a COMMAND entry (and its subcommands after it).
fn add_command(meta: &mut Meta, entry: &Value, parent: Option<usize>) -> usize {
    let f = entry.items();
    let id = meta.commands.len();
    let name = f[0].as_str().expect("command name").to_string();
    let categories = f[6]
        .items()
        .iter()
        .filter_map(Value::as_str)
        .filter_map(|c| category_bit(c.trim_start_matches('@').as_bytes()))
        .fold(0, |acc, b| acc | b);
    meta.commands.push(CommandMeta {
        name: name.clone(),
        id,
        arity: f[1].as_int().expect("arity") as i32,
        flags: flag_bits(&f[2]),
        categories,
        key_specs: f[8].items().iter().map(key_spec).collect(),
        parent,
        subcommands: Vec::new(),
        tips: f[7].clone(),
        key_specs_reply: f[8].clone(),
    });
    meta.by_name.insert(name, id);
    let subs: Vec<usize> = f
        .get(9)
        .map(|s| {
            s.items()
                .iter()
                .map(|e| add_command(meta, e, Some(id)))
                .collect()
        })
        .unwrap_or_default();
    meta.commands[id].subcommands = subs;
    id
}

fn load() -> Meta {
    let mut meta = Meta {
        commands: Vec::new(),
        top: Vec::new(),
        by_name: HashMap::new(),
        docs: HashMap::new(),
    };
    for line in include_str!("commands.txt").lines() {
        let (entry, _) = parse(line.as_bytes());
        let id = add_command(&mut meta, &entry, None);
        meta.top.push(id);
    }
    for line in include_str!("docs.txt").lines() {
        let (name, rest) = parse(line.as_bytes());
        let (doc, _) = parse(&rest[1..]);
        if let Some(Value::Map(subs)) = doc.get("subcommands") {
            for (sub, sub_doc) in subs {
                let sub = sub.as_str().expect("subcommand name").to_string();
                meta.docs.insert(sub, sub_doc.clone());
            }
        }
        meta.docs
            .insert(name.as_str().expect("name").to_string(), doc);
    }
    meta
}

static META: LazyLock<Meta> = LazyLock::new(load);

/// Redis 7.0's commands, parsed on first use.
pub fn meta() -> &'static Meta {
    &META
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_and_subcommand_of_redis_7_0_is_described() {
        let m = meta();
        assert_eq!(m.top.len(), 240);
        assert!(m.commands.len() > 350, "{}", m.commands.len());
        let get = m.get("get").unwrap();
        assert_eq!(get.arity, 2);
        assert_eq!(
            get.categories,
            category_bit(b"read").unwrap()
                | category_bit(b"string").unwrap()
                | category_bit(b"fast").unwrap()
        );
        assert_eq!(get.key_specs[0].flags, key_flags::RO | key_flags::ACCESS);
        let cfg_get = m.lookup(&["CONFIG", "get", "x"]).unwrap();
        assert_eq!(cfg_get.name, "config|get");
        assert_eq!(m.commands[cfg_get.parent.unwrap()].name, "config");
        assert!(m.lookup(&["config", "nosuch"]).is_none());
        assert!(m.docs("config|get").is_some());
        assert!(m.docs("set").unwrap().get("arguments").is_some());
        // Every command has docs, every subcommand too.
        for c in &m.commands {
            assert!(m.docs(&c.name).is_some(), "{}", c.name);
        }
    }

    #[test]
    fn the_notation_round_trips_escapes_and_nesting() {
        let (v, rest) = parse(br#"{"a\"b\x01":[1,-2,<+x,+@y>],"m":{}}tail"#);
        assert_eq!(rest, b"tail");
        assert_eq!(
            v,
            Value::Map(vec![
                (
                    Value::Bulk(b"a\"b\x01".to_vec()),
                    Value::Array(vec![
                        Value::Int(1),
                        Value::Int(-2),
                        Value::Set(vec![Value::Simple("x".into()), Value::Simple("@y".into())])
                    ])
                ),
                (Value::Bulk(b"m".to_vec()), Value::Map(vec![])),
            ])
        );
    }
}
