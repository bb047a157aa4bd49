//! The `CONFIG GET` / `CONFIG SET` parameter store of Redis 7.0.
//!
//! [`Config`] knows every parameter of Redis 7.0.15 (the table lives in
//! `table.rs`) with its default, validates `CONFIG SET` values with Redis's
//! rules and error texts, stores them, and answers `CONFIG GET` with the
//! values formatted as Redis formats them. Most parameters are only stored:
//! the server honours the few exposed through typed accessors.
//!
//! Behaviour reproduced from Redis 7.0.15:
//!
//! * names are case-insensitive; an alias (`slaveof`, `hash-max-ziplist-*`,
//!   `lua-time-limit`...) is a name of its own: `CONFIG GET *` lists it,
//!   setting both names in one call is not a duplicate, errors name it;
//! * `CONFIG GET` takes several patterns; a pattern without `*`, `?` or `[`
//!   is an exact lookup answered under the name as typed, and only exact
//!   lookups find hidden parameters (`key-load-delay`...);
//! * `CONFIG SET` is all-or-nothing and reports the first error;
//! * memory values take `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`, `gb`
//!   in any case and are printed back in bytes; `hz` is clamped to 1..=500
//!   and `repl-backlog-size` raised to 16384, as Redis's apply step does.
//!
//! Values are only stored: setting `port`, `bind`, `appendonly`, `tls-*`...
//! changes what `CONFIG GET` reports and nothing else (Redis would rebind,
//! start an AOF rewrite, and might then fail with a system error).
//! `dir` and `dbfilename` are protected and `replicaof` immutable in Redis
//! 7.0, so `CONFIG SET` refuses them here too.

mod table;

use crate::glob;
use std::collections::BTreeMap;
use table::{HIDDEN, IMMUTABLE, PROTECTED, TABLE};

/// Keyspace-notification classes, with Redis 7.0's bit values, and the
/// `notify-keyspace-events` string syntax.
pub mod notify {
    /// `K`: publish on `__keyspace@<db>__:<key>`.
    pub const KEYSPACE: u32 = 1 << 0;
    /// `E`: publish on `__keyevent@<db>__:<event>`.
    pub const KEYEVENT: u32 = 1 << 1;
    /// `g`: generic commands (`DEL`, `EXPIRE`, `RENAME`...).
    pub const GENERIC: u32 = 1 << 2;
    /// `$`: string commands.
    pub const STRING: u32 = 1 << 3;
    /// `l`: list commands.
    pub const LIST: u32 = 1 << 4;
    /// `s`: set commands.
    pub const SET: u32 = 1 << 5;
    /// `h`: hash commands.
    pub const HASH: u32 = 1 << 6;
    /// `z`: sorted-set commands.
    pub const ZSET: u32 = 1 << 7;
    /// `x`: expiry events.
    pub const EXPIRED: u32 = 1 << 8;
    /// `e`: eviction events.
    pub const EVICTED: u32 = 1 << 9;
    /// `t`: stream commands.
    pub const STREAM: u32 = 1 << 10;
    /// `m`: key misses (not part of `A`).
    pub const KEY_MISS: u32 = 1 << 11;
    /// `d`: module key types.
    pub const MODULE: u32 = 1 << 13;
    /// `n`: new keys (not part of `A`).
    pub const NEW: u32 = 1 << 14;
    /// `A`: alias for `g$lshzxetd` (neither `m` nor `n`).
    pub const ALL: u32 =
        GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;

    /// Class letters in the order Redis prints them (when not all of `A`).
    const CLASSES: [(u32, char); 11] = [
        (GENERIC, 'g'),
        (STRING, '$'),
        (LIST, 'l'),
        (SET, 's'),
        (HASH, 'h'),
        (ZSET, 'z'),
        (EXPIRED, 'x'),
        (EVICTED, 'e'),
        (STREAM, 't'),
        (MODULE, 'd'),
        (NEW, 'n'),
    ];

    /// Parses a `notify-keyspace-events` value (letters are case-sensitive,
    /// repeats allowed); `None` on any other character.
    pub fn parse_notify_flags(s: &[u8]) -> Option<u32> {
        s.iter().try_fold(0, |flags, &c| {
            let bit = match c {
                b'A' => ALL,
                b'K' => KEYSPACE,
                b'E' => KEYEVENT,
                b'm' => KEY_MISS,
                _ => CLASSES.iter().find(|(_, l)| *l == char::from(c))?.0,
            };
            Some(flags | bit)
        })
    }

    /// Formats flags as `CONFIG GET notify-keyspace-events` shows them:
    /// `A` (or the class letters in `g$lshzxetdn` order), then `K`, `E`, `m`.
    /// As in Redis, `n` is not shown when all of `A` is set.
    pub fn format_notify_flags(flags: u32) -> String {
        let mut out = String::new();
        if flags & ALL == ALL {
            out.push('A');
        } else {
            out.extend(
                CLASSES
                    .iter()
                    .filter(|(b, _)| flags & b != 0)
                    .map(|(_, c)| c),
            );
        }
        for (bit, c) in [(KEYSPACE, 'K'), (KEYEVENT, 'E'), (KEY_MISS, 'm')] {
            if flags & bit != 0 {
                out.push(c);
            }
        }
        out
    }
}

pub use notify::{format_notify_flags, parse_notify_flags};

/// How a numeric parameter is written.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Syntax {
    /// Redis's strict `string2ll`.
    Int,
    /// A byte count with an optional unit.
    Memory,
    /// A byte count, or `N%` (stored as `-N`).
    MemoryOrPercent,
    /// Octal, printed in octal.
    Octal,
}

/// Range and syntax of a numeric parameter.
#[derive(Clone, Copy, Debug)]
struct Num {
    lo: i128,
    hi: i128,
    /// Bounds apply to the value read as unsigned (C unsigned types).
    unsigned: bool,
    syntax: Syntax,
}

/// The value kind of a parameter, which decides parsing and formatting.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    Num(Num),
    Enum(&'static [(&'static str, u32)]),
    /// `shutdown-on-sigint` / `shutdown-on-sigterm`: several flag words.
    Shutdown,
    Str,
    /// `cluster-announce-hostname`.
    Hostname,
    /// `proc-title-template`.
    ProcTitle,
    Bind,
    Save,
    OutputBufferLimit,
    OomScoreAdjValues,
    Notify,
    Percentiles,
}

/// One parameter.
#[derive(Debug)]
struct Entry {
    name: &'static str,
    alias: Option<&'static str>,
    kind: Kind,
    /// The default, written as for `CONFIG SET`.
    default: &'static str,
    flags: u8,
}

/// A stored value; `CONFIG GET` formats it according to the entry's kind.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    Bool(bool),
    Num(i64),
    /// Enum code, shutdown flags or notification flags.
    Code(u32),
    /// Strings, and the special lists kept in their canonical text.
    Text(Vec<u8>),
}

const fn index_of(name: &str) -> usize {
    let mut i = 0;
    while i < TABLE.len() {
        let (a, b) = (TABLE[i].name.as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("parameter missing from the table");
}

const REQUIREPASS: usize = index_of("requirepass");
const PROTO_MAX_BULK_LEN: usize = index_of("proto-max-bulk-len");
const MAXCLIENTS: usize = index_of("maxclients");
const TCP_BACKLOG: usize = index_of("tcp-backlog");
const NOTIFY_KEYSPACE_EVENTS: usize = index_of("notify-keyspace-events");
const BUSY_REPLY_THRESHOLD: usize = index_of("busy-reply-threshold");
const HASH_MAX_LISTPACK_ENTRIES: usize = index_of("hash-max-listpack-entries");
const HASH_MAX_LISTPACK_VALUE: usize = index_of("hash-max-listpack-value");
const SET_MAX_INTSET_ENTRIES: usize = index_of("set-max-intset-entries");
const ZSET_MAX_LISTPACK_ENTRIES: usize = index_of("zset-max-listpack-entries");
const ZSET_MAX_LISTPACK_VALUE: usize = index_of("zset-max-listpack-value");
const MAXMEMORY_POLICY: usize = index_of("maxmemory-policy");
const LFU_LOG_FACTOR: usize = index_of("lfu-log-factor");
const LFU_DECAY_TIME: usize = index_of("lfu-decay-time");
const CLIENT_QUERY_BUFFER_LIMIT: usize = index_of("client-query-buffer-limit");
const TIMEOUT: usize = index_of("timeout");
const DATABASES: usize = index_of("databases");
const PORT: usize = index_of("port");
const DIR: usize = index_of("dir");
const HZ: usize = index_of("hz");
const REPL_BACKLOG_SIZE: usize = index_of("repl-backlog-size");

/// Words of the shutdown flags, in Redis's order.
const SHUTDOWN_FLAGS: [(&str, u32); 5] = [
    ("default", 0),
    ("save", 1),
    ("nosave", 2),
    ("now", 4),
    ("force", 8),
];

/// Client classes of `client-output-buffer-limit`, in output order.
const OBUF_CLASSES: [&str; 3] = ["normal", "slave", "pubsub"];

/// The parameter store behind `CONFIG GET` and `CONFIG SET`.
#[derive(Debug, Clone)]
pub struct Config {
    /// One value per entry of `TABLE`, same order.
    values: Vec<Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

impl Config {
    /// A store holding every parameter at its default; `dir` is the
    /// process's current directory.
    pub fn new() -> Self {
        let mut config = Config {
            values: Vec::with_capacity(TABLE.len()),
        };
        for entry in TABLE {
            let idx = config.values.len();
            let value = config
                .parse(idx, entry.default.as_bytes())
                .unwrap_or_else(|e| panic!("bad default for {}: {e}", entry.name));
            config.values.push(value);
        }
        if let Ok(dir) = std::env::current_dir() {
            config.values[DIR] = Value::Text(dir.to_string_lossy().into_owned().into_bytes());
        }
        config
    }

    /// `CONFIG GET` with one or more patterns: the matching `(name, value)`
    /// pairs, each name once (compared case-insensitively), sorted by name.
    ///
    /// A pattern without `*`, `?` or `[` is an exact, case-insensitive
    /// lookup answered under the name as typed (hidden parameters included);
    /// other patterns are globs matched case-insensitively against every
    /// visible name and alias, answered under the registered name.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
        let mut found: BTreeMap<String, (String, usize)> = BTreeMap::new();
        for &pattern in patterns {
            if !pattern.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                if let Some((idx, _)) = lookup(pattern) {
                    let typed = String::from_utf8_lossy(pattern).into_owned();
                    found
                        .entry(typed.to_ascii_lowercase())
                        .or_insert((typed, idx));
                }
                continue;
            }
            for (name, idx) in names() {
                if TABLE[idx].flags & HIDDEN == 0 && glob::matches(pattern, name.as_bytes(), true) {
                    found
                        .entry(name.to_owned())
                        .or_insert((name.to_owned(), idx));
                }
            }
        }
        found
            .into_values()
            .map(|(name, idx)| (name, self.format(idx)))
            .collect()
    }

    /// `CONFIG SET` of one or more name/value pairs, all or nothing.
    ///
    /// The error is the whole reply line without its leading `-`, e.g.
    /// `ERR Unknown option or number of arguments for CONFIG SET - 'foo'`.
    /// As in Redis, names are checked first (unknown, immutable, protected,
    /// duplicate: the first problem wins), then values in order.
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        self.apply(pairs, false)
    }

    /// Sets parameters as a configuration file or the command line would
    /// at start: like [`set`](Self::set), with the same validation and
    /// error texts, except that immutable and protected parameters
    /// (`databases`, `dir`...) are accepted too.
    pub fn set_startup(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        self.apply(pairs, true)
    }

    fn apply(&mut self, pairs: &[(&[u8], &[u8])], startup: bool) -> Result<(), String> {
        let failed = |name: &str, why: &str| {
            format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
        };
        let mut targets = Vec::with_capacity(pairs.len());
        for &(name, _) in pairs {
            let typed = String::from_utf8_lossy(name);
            let Some(target) = lookup(name) else {
                return Err(format!(
                    "ERR Unknown option or number of arguments for CONFIG SET - '{typed}'"
                ));
            };
            let flags = if startup { 0 } else { TABLE[target.0].flags };
            if flags & IMMUTABLE != 0 {
                return Err(failed(&typed, "can't set immutable config"));
            }
            if flags & PROTECTED != 0 {
                return Err(failed(&typed, "can't set protected config"));
            }
            if targets.contains(&target) {
                return Err(failed(&typed, "duplicate parameter"));
            }
            targets.push(target);
        }
        let mut updates = Vec::with_capacity(pairs.len());
        for (&(idx, alias), &(_, raw)) in targets.iter().zip(pairs) {
            match self.parse(idx, raw) {
                Ok(value) => updates.push((idx, value)),
                Err(why) => {
                    let entry = &TABLE[idx];
                    let name = if alias {
                        entry.alias.unwrap_or(entry.name)
                    } else {
                        entry.name
                    };
                    return Err(failed(name, &why));
                }
            }
        }
        for (idx, value) in updates {
            self.values[idx] = value;
        }
        Ok(())
    }

    /// Sets `port` to the port the server actually listens on.
    pub fn set_port(&mut self, port: u16) {
        self.values[PORT] = Value::Num(i64::from(port));
    }

    /// `requirepass`, or `None` when it is empty.
    pub fn requirepass(&self) -> Option<&[u8]> {
        match &self.values[REQUIREPASS] {
            Value::Text(pass) if !pass.is_empty() => Some(pass),
            _ => None,
        }
    }

    /// `proto-max-bulk-len`, in bytes.
    pub fn proto_max_bulk_len(&self) -> i64 {
        self.num(PROTO_MAX_BULK_LEN)
    }

    /// `client-output-buffer-limit pubsub`: hard limit and soft limit in
    /// bytes (0: none) and the soft limit's seconds.
    pub fn pubsub_output_limits(&self) -> OutputLimits {
        let Some(Value::Text(text)) = self.values.get(OUTPUT_BUFFER_LIMIT) else {
            return OutputLimits::default();
        };
        let words = split_args(text);
        let Some(group) = words
            .chunks(4)
            .find(|group| group.len() == 4 && group[0].eq_ignore_ascii_case(b"pubsub"))
        else {
            return OutputLimits::default();
        };
        let bytes = |w: &[u8]| memtoull(w).map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX));
        OutputLimits {
            hard: bytes(group[1]),
            soft: bytes(group[2]),
            soft_seconds: c_strtoll(group[3]).unwrap_or(0),
        }
    }

    /// `tcp-backlog`: the listen queue's length.
    pub fn tcp_backlog(&self) -> i32 {
        i32::try_from(self.num(TCP_BACKLOG)).unwrap_or(i32::MAX)
    }

    /// `maxclients`.
    pub fn maxclients(&self) -> u64 {
        self.num(MAXCLIENTS) as u64
    }

    /// `notify-keyspace-events` as [`notify`] bit flags.
    pub fn notify_keyspace_events(&self) -> u32 {
        self.code(NOTIFY_KEYSPACE_EVENTS)
    }

    /// `busy-reply-threshold` (alias `lua-time-limit`), in milliseconds.
    pub fn lua_time_limit_ms(&self) -> i64 {
        self.num(BUSY_REPLY_THRESHOLD)
    }

    /// `hash-max-listpack-entries` (alias `hash-max-ziplist-entries`).
    pub fn hash_max_listpack_entries(&self) -> i64 {
        self.num(HASH_MAX_LISTPACK_ENTRIES)
    }

    /// `hash-max-listpack-value` (alias `hash-max-ziplist-value`), in bytes.
    pub fn hash_max_listpack_value(&self) -> i64 {
        self.num(HASH_MAX_LISTPACK_VALUE)
    }

    /// `set-max-intset-entries`.
    pub fn set_max_intset_entries(&self) -> i64 {
        self.num(SET_MAX_INTSET_ENTRIES)
    }

    /// `zset-max-listpack-entries` (alias `zset-max-ziplist-entries`).
    pub fn zset_max_listpack_entries(&self) -> i64 {
        self.num(ZSET_MAX_LISTPACK_ENTRIES)
    }

    /// `zset-max-listpack-value` (alias `zset-max-ziplist-value`), in bytes.
    pub fn zset_max_listpack_value(&self) -> i64 {
        self.num(ZSET_MAX_LISTPACK_VALUE)
    }

    /// `maxmemory-policy`, e.g. `"noeviction"` or `"allkeys-lru"`.
    pub fn maxmemory_policy(&self) -> &str {
        self.choice(MAXMEMORY_POLICY)
    }

    /// `lfu-log-factor`.
    pub fn lfu_log_factor(&self) -> i64 {
        self.num(LFU_LOG_FACTOR)
    }

    /// `lfu-decay-time`, in minutes.
    pub fn lfu_decay_time(&self) -> i64 {
        self.num(LFU_DECAY_TIME)
    }

    /// `client-query-buffer-limit`, in bytes.
    pub fn client_query_buffer_limit(&self) -> i64 {
        self.num(CLIENT_QUERY_BUFFER_LIMIT)
    }

    /// `timeout`: idle seconds before a client is closed, 0 for never.
    pub fn timeout_secs(&self) -> i64 {
        self.num(TIMEOUT)
    }

    /// `databases` (immutable).
    pub fn databases(&self) -> usize {
        usize::try_from(self.num(DATABASES)).unwrap_or(16)
    }

    fn num(&self, idx: usize) -> i64 {
        match self.values[idx] {
            Value::Num(n) => n,
            _ => 0,
        }
    }

    fn code(&self, idx: usize) -> u32 {
        match self.values[idx] {
            Value::Code(c) => c,
            _ => 0,
        }
    }

    /// The name of an enum parameter's value (the first synonym).
    fn choice(&self, idx: usize) -> &'static str {
        let code = self.code(idx);
        match TABLE[idx].kind {
            Kind::Enum(choices) => choices.iter().find(|c| c.1 == code).map_or("", |c| c.0),
            _ => "",
        }
    }

    /// The `CONFIG GET` text of a parameter.
    fn format(&self, idx: usize) -> Vec<u8> {
        let text = match (&self.values[idx], TABLE[idx].kind) {
            (Value::Text(bytes), _) => return bytes.clone(),
            (Value::Bool(b), _) => (if *b { "yes" } else { "no" }).to_owned(),
            (Value::Num(n), Kind::Num(num)) => match num.syntax {
                Syntax::MemoryOrPercent if *n < 0 => format!("{}%", n.unsigned_abs()),
                Syntax::Memory | Syntax::MemoryOrPercent => (*n as u64).to_string(),
                Syntax::Octal => format!("{n:o}"),
                Syntax::Int => n.to_string(),
            },
            (Value::Num(n), _) => n.to_string(),
            (Value::Code(c), Kind::Notify) => format_notify_flags(*c),
            (Value::Code(c), Kind::Shutdown) => {
                let words: Vec<&str> = SHUTDOWN_FLAGS
                    .iter()
                    .filter(|f| f.1 & c != 0)
                    .map(|f| f.0)
                    .collect();
                if words.is_empty() {
                    "default".to_owned()
                } else {
                    words.join(" ")
                }
            }
            (Value::Code(_), _) => self.choice(idx).to_owned(),
        };
        text.into_bytes()
    }

    /// Validates `raw` for `entry` and returns the value to store, or the
    /// reason Redis gives (the part after `... argument 'x') - `).
    fn parse(&self, idx: usize, raw: &[u8]) -> Result<Value, String> {
        let value = match TABLE[idx].kind {
            Kind::Bool => match raw {
                r if r.eq_ignore_ascii_case(b"yes") => Value::Bool(true),
                r if r.eq_ignore_ascii_case(b"no") => Value::Bool(false),
                _ => return Err("argument must be 'yes' or 'no'".into()),
            },
            Kind::Num(num) => {
                let n = parse_num(&num, raw)?;
                // Redis's apply step clamps hz to 1..=500 and raises the
                // replication backlog to at least 16kb.
                Value::Num(match idx {
                    HZ => n.clamp(1, 500),
                    REPL_BACKLOG_SIZE => n.max(16 * 1024),
                    _ => n,
                })
            }
            Kind::Enum(choices) => {
                match choices
                    .iter()
                    .find(|c| raw.eq_ignore_ascii_case(c.0.as_bytes()))
                {
                    Some(c) => Value::Code(c.1),
                    None => return Err(enum_error(choices.iter().map(|c| c.0))),
                }
            }
            Kind::Shutdown => Value::Code(parse_shutdown(raw)?),
            Kind::Str => Value::Text(raw.to_vec()),
            Kind::Hostname => {
                if raw.len() >= 256 {
                    return Err("Hostnames must be less than 256 characters".into());
                }
                if !raw
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.'))
                {
                    return Err(
                        "Hostnames may only contain alphanumeric characters, hyphens or dots"
                            .into(),
                    );
                }
                Value::Text(raw.to_vec())
            }
            Kind::ProcTitle => {
                if !valid_proc_title(raw) {
                    return Err("template format is invalid or contains unknown variables".into());
                }
                Value::Text(raw.to_vec())
            }
            Kind::Bind => {
                if split_args(raw).len() > 16 {
                    return Err("Too many bind addresses specified.".into());
                }
                Value::Text(raw.to_vec())
            }
            Kind::Save => Value::Text(parse_save(raw)?),
            Kind::OutputBufferLimit => {
                let current = match self.values.get(OUTPUT_BUFFER_LIMIT) {
                    Some(Value::Text(t)) => t.clone(),
                    _ => Vec::new(),
                };
                Value::Text(parse_output_buffer_limit(raw, &current)?)
            }
            Kind::OomScoreAdjValues => Value::Text(parse_oom_values(raw)?),
            Kind::Notify => match parse_notify_flags(raw) {
                Some(flags) => Value::Code(flags),
                None => return Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
            },
            Kind::Percentiles => Value::Text(parse_percentiles(raw)?),
        };
        Ok(value)
    }
}

const OUTPUT_BUFFER_LIMIT: usize = index_of("client-output-buffer-limit");

/// Every name and alias with its entry index.
fn names() -> impl Iterator<Item = (&'static str, usize)> {
    TABLE
        .iter()
        .enumerate()
        .flat_map(|(i, e)| std::iter::once((e.name, i)).chain(e.alias.map(|a| (a, i))))
}

/// Finds a name or alias, case-insensitively: `(entry index, is alias)`.
fn lookup(name: &[u8]) -> Option<(usize, bool)> {
    TABLE.iter().enumerate().find_map(|(i, e)| {
        if name.eq_ignore_ascii_case(e.name.as_bytes()) {
            Some((i, false))
        } else if e
            .alias
            .is_some_and(|a| name.eq_ignore_ascii_case(a.as_bytes()))
        {
            Some((i, true))
        } else {
            None
        }
    })
}

fn enum_error<'a>(names: impl Iterator<Item = &'a str>) -> String {
    let list: Vec<&str> = names.collect();
    format!(
        "argument(s) must be one of the following: {}",
        list.join(", ")
    )
}

/// Splits a multi-word value on single spaces like Redis's `sdssplitlen`:
/// the empty string has no words, and doubled spaces yield empty words.
fn split_args(raw: &[u8]) -> Vec<&[u8]> {
    if raw.is_empty() {
        Vec::new()
    } else {
        raw.split(|&c| c == b' ').collect()
    }
}

/// Redis's `string2ll`: optional `-`, no `+`, no leading zeros or spaces.
fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let magnitude = digits.iter().try_fold(0u64, |acc, &d| {
        acc.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
    } else {
        i64::try_from(magnitude).ok()
    }
}

/// C's `strtoll(s, &end, 10)` followed by a check that `end` is the end of
/// `s`: leading white space and a sign are accepted, overflow saturates,
/// and the empty string is 0.
fn c_strtoll(s: &[u8]) -> Option<i64> {
    let mut i = s
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t'..=b'\r'))
        .count();
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        // No conversion: `end` is the start of the string.
        return s.is_empty().then_some(0);
    }
    if i + digits != s.len() {
        return None;
    }
    let value = s[i..].iter().try_fold(0i64, |acc, &d| {
        let d = i64::from(d - b'0');
        let next = acc.checked_mul(10)?;
        if negative {
            next.checked_sub(d)
        } else {
            next.checked_add(d)
        }
    });
    Some(value.unwrap_or(if negative { i64::MIN } else { i64::MAX }))
}

/// Redis's `memtoull`: digits then an optional unit; no sign. Overflowing
/// digits saturate and the unit multiplication wraps, as in C.
fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = s[digits..].to_ascii_lowercase();
    let multiplier: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if digits >= 128 {
        return None;
    }
    let value = s[..digits].iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10).saturating_add(u64::from(d - b'0'))
    });
    Some(value.wrapping_mul(multiplier))
}

/// Parses and range-checks a numeric value with Redis's error texts.
fn parse_num(num: &Num, raw: &[u8]) -> Result<i64, String> {
    let parsed = match num.syntax {
        Syntax::Int => string2ll(raw).ok_or("argument couldn't be parsed into an integer"),
        Syntax::Memory => memtoull(raw)
            .map(|v| v as i64)
            .ok_or("argument must be a memory value"),
        Syntax::MemoryOrPercent => memtoull(raw)
            .map(|v| v as i64)
            .or_else(|| {
                let digits = raw.strip_suffix(b"%").filter(|d| !d.is_empty())?;
                string2ll(digits).filter(|v| *v >= 0).map(|v| -v)
            })
            .ok_or("argument must be a memory or percent value"),
        Syntax::Octal => std::str::from_utf8(raw)
            .ok()
            .and_then(|s| i64::from_str_radix(s, 8).ok())
            .ok_or("argument couldn't be parsed as an octal number"),
    };
    let n = parsed.map_err(str::to_owned)?;
    if num.syntax == Syntax::MemoryOrPercent && n < 0 {
        if i128::from(n) < num.lo {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                -num.lo
            ));
        }
        return Ok(n);
    }
    let checked = if num.unsigned {
        i128::from(n as u64)
    } else {
        i128::from(n)
    };
    if checked < num.lo || checked > num.hi {
        return Err(if num.syntax == Syntax::Octal {
            format!(
                "argument must be between {:o} and {:o} inclusive",
                num.lo, num.hi
            )
        } else {
            format!(
                "argument must be between {} and {} inclusive",
                num.lo, num.hi
            )
        });
    }
    Ok(n)
}

fn parse_shutdown(raw: &[u8]) -> Result<u32, String> {
    let words = split_args(raw);
    let mut flags = 0;
    for word in &words {
        match SHUTDOWN_FLAGS
            .iter()
            .find(|f| word.eq_ignore_ascii_case(f.0.as_bytes()))
        {
            Some(f) => flags |= f.1,
            None => return Err(enum_error(SHUTDOWN_FLAGS.iter().map(|f| f.0))),
        }
    }
    if words.is_empty() {
        return Err(enum_error(SHUTDOWN_FLAGS.iter().map(|f| f.0)));
    }
    if flags & 3 == 3 {
        return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
    }
    Ok(flags)
}

/// `save`: pairs of seconds (>= 1) and changes (>= 0), printed back as
/// `"<seconds> <changes> ..."`; changes are a C `int` in Redis.
fn parse_save(raw: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    let invalid = || "Invalid save parameters".to_owned();
    if words.len() % 2 == 1 {
        return Err(invalid());
    }
    let mut parts = Vec::with_capacity(words.len());
    for pair in words.chunks(2) {
        let seconds = c_strtoll(pair[0]).filter(|&s| s >= 1).ok_or_else(invalid)?;
        let changes = c_strtoll(pair[1]).filter(|&c| c >= 0).ok_or_else(invalid)?;
        parts.push(format!("{seconds} {}", changes as i32));
    }
    Ok(parts.join(" ").into_bytes())
}

/// One class of `client-output-buffer-limit`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutputLimits {
    /// Bytes past which the client is closed at once (0: none).
    pub hard: usize,
    /// Bytes past which the client is closed if it stays past them for
    /// more than `soft_seconds` (0: none).
    pub soft: usize,
    /// How long the soft limit may be exceeded, in seconds.
    pub soft_seconds: i64,
}

/// `client-output-buffer-limit`: groups of `<class> <hard> <soft> <secs>`
/// merged into `current` (the canonical text of all three classes).
fn parse_output_buffer_limit(raw: &[u8], current: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    if !words.chunks_exact(4).remainder().is_empty() {
        return Err("Wrong number of arguments in buffer limit configuration.".into());
    }
    let mut limits = [(0u64, 0u64, 0i32); 3];
    for (slot, chunk) in limits.iter_mut().zip(split_args(current).chunks(4)) {
        if let [_, hard, soft, secs] = chunk {
            *slot = (memtoull(hard).unwrap_or(0), memtoull(soft).unwrap_or(0), {
                c_strtoll(secs).unwrap_or(0) as i32
            });
        }
    }
    for group in words.chunks(4) {
        let class = match group[0].to_ascii_lowercase().as_slice() {
            b"normal" => 0,
            b"slave" | b"replica" => 1,
            b"pubsub" => 2,
            _ => {
                return Err("Invalid client class specified in buffer limit configuration.".into());
            }
        };
        let secs = c_strtoll(group[3]).map(|s| s as i32);
        match (memtoull(group[1]), memtoull(group[2]), secs) {
            (Some(hard), Some(soft), Some(secs)) if secs >= 0 => limits[class] = (hard, soft, secs),
            _ => {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit \
                            configuration."
                        .into(),
                );
            }
        }
    }
    let text: Vec<String> = OBUF_CLASSES
        .iter()
        .zip(limits)
        .map(|(class, (hard, soft, secs))| format!("{class} {hard} {soft} {secs}"))
        .collect();
    Ok(text.join(" ").into_bytes())
}

fn parse_oom_values(raw: &[u8]) -> Result<Vec<u8>, String> {
    let words = split_args(raw);
    if words.len() != 3 {
        return Err("wrong number of arguments".into());
    }
    let mut values = Vec::with_capacity(3);
    for word in words {
        match c_strtoll(word) {
            Some(v) if (-2000..=2000).contains(&v) => values.push(v.to_string()),
            _ => {
                return Err(
                    "Invalid oom-score-adj-values, elements must be between -2000 and \
                            2000."
                        .into(),
                );
            }
        }
    }
    Ok(values.join(" ").into_bytes())
}

/// `latency-tracking-info-percentiles`: numbers in 0..=100, printed with
/// C's `%f` and trailing zeros trimmed.
fn parse_percentiles(raw: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for word in split_args(raw) {
        let p = string2d(word).ok_or("Invalid latency-tracking-info-percentiles parameters")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(
                "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
                    .into(),
            );
        }
        let fixed = format!("{p:.6}");
        let trimmed = fixed.trim_end_matches('0').trim_end_matches('.');
        out.push(trimmed.to_owned());
    }
    Ok(out.join(" ").into_bytes())
}

/// Redis's `string2d`: the whole input must be a `strtod` number, with no
/// leading space, no NaN and no overflow (a literal `inf` is accepted).
fn string2d(word: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(word).ok()?;
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    let body = text.trim_start_matches(['+', '-']);
    let negative = text.starts_with('-');
    let value = if text.len() - body.len() > 1 {
        return None;
    } else if let Some(hex) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        let v = parse_hex_float(hex)?;
        if negative { -v } else { v }
    } else {
        text.parse::<f64>().ok()?
    };
    let literal_inf = body
        .bytes()
        .next()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'i'));
    let overflow = value.is_infinite() && !literal_inf;
    let mantissa = body.split(['e', 'E']).next().unwrap_or("");
    let underflow = value == 0.0 && mantissa.bytes().any(|c| (b'1'..=b'9').contains(&c));
    (!value.is_nan() && !overflow && !underflow).then_some(value)
}

/// The part of a C hexadecimal float after `0x`: hex digits with an
/// optional point, then an optional binary exponent `p[+-]digits`.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mantissa, exponent) = match s.find(['p', 'P']) {
        Some(at) => (&s[..at], s[at + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for c in int_part.chars().chain(frac_part.chars()) {
        value = value * 16.0 + f64::from(c.to_digit(16)?);
    }
    let scale = exponent - 4 * i32::try_from(frac_part.len()).ok()?;
    Some(value * 2f64.powi(scale))
}

/// `proc-title-template`: `{var}` placeholders must be known and the
/// expansion (with an empty title, as Redis validates) must not be blank.
fn valid_proc_title(raw: &[u8]) -> bool {
    let mut expanded = Vec::new();
    let mut rest = raw;
    while let Some(open) = rest.iter().position(|&c| c == b'{') {
        expanded.extend_from_slice(&rest[..open]);
        rest = &rest[open + 1..];
        match rest.first() {
            None => return false,
            Some(b'{') => {
                expanded.push(b'{');
                rest = &rest[1..];
                continue;
            }
            Some(_) => {}
        }
        let Some(close) = rest.iter().position(|&c| c == b'}') else {
            return false;
        };
        let value: &[u8] = match &rest[..close] {
            b"title" | b"server-mode" | b"unixsocket" => b"",
            b"listen-addr" | b"port" | b"tls-port" | b"config-file" => b"x",
            _ => return false,
        };
        expanded.extend_from_slice(value);
        rest = &rest[close + 1..];
    }
    expanded.extend_from_slice(rest);
    expanded.iter().any(|&c| c != b' ')
}

#[cfg(test)]
mod tests {
    //! Every expectation below was observed on a real Redis 7.0.15.
    use super::*;

    fn get1(config: &Config, name: &str) -> String {
        let found = config.get(&[name.as_bytes()]);
        assert_eq!(found.len(), 1, "{name}");
        String::from_utf8(found[0].1.clone()).unwrap()
    }

    fn set1(config: &mut Config, name: &str, value: &str) -> Result<(), String> {
        config.set(&[(name.as_bytes(), value.as_bytes())])
    }

    fn failed(name: &str, why: &str) -> String {
        format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {why}")
    }

    #[test]
    fn defaults_match_redis() {
        let config = Config::new();
        for (name, value) in [
            ("maxmemory", "0"),
            ("maxmemory-policy", "noeviction"),
            ("hash-max-listpack-entries", "512"),
            ("hash-max-ziplist-value", "64"),
            ("list-max-listpack-size", "-2"),
            ("zset-max-listpack-entries", "128"),
            ("proto-max-bulk-len", "536870912"),
            ("client-query-buffer-limit", "1073741824"),
            ("busy-reply-threshold", "5000"),
            ("lua-time-limit", "5000"),
            ("save", "3600 1 300 100 60 10000"),
            ("appendonly", "no"),
            ("databases", "16"),
            ("maxclients", "10000"),
            ("bind", "* -::*"),
            ("notify-keyspace-events", ""),
            ("unixsocketperm", "0"),
            ("latency-tracking-info-percentiles", "50 99 99.9"),
            ("oom-score-adj-values", "0 200 800"),
            (
                "client-output-buffer-limit",
                "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
            ),
            ("proc-title-template", "{title} {listen-addr} {server-mode}"),
            ("shutdown-on-sigterm", "default"),
            ("loading-process-events-interval-bytes", "2097152"),
            ("enable-debug-command", "yes"), // redsim deviation: Redis says "no"
        ] {
            assert_eq!(get1(&config, name), value, "{name}");
        }
        // `CONFIG GET *` lists 192 names (aliases included, hidden excluded).
        assert_eq!(config.get(&[b"*"]).len(), 192);
        let dir = std::env::current_dir().unwrap();
        assert_eq!(get1(&config, "dir"), dir.to_string_lossy());
    }

    #[test]
    fn typed_accessors() {
        let mut config = Config::new();
        assert_eq!(config.requirepass(), None);
        assert_eq!(config.proto_max_bulk_len(), 512 << 20);
        assert_eq!(config.maxclients(), 10000);
        assert_eq!(config.notify_keyspace_events(), 0);
        assert_eq!(config.lua_time_limit_ms(), 5000);
        assert_eq!(config.hash_max_listpack_entries(), 512);
        assert_eq!(config.hash_max_listpack_value(), 64);
        assert_eq!(config.set_max_intset_entries(), 512);
        assert_eq!(config.zset_max_listpack_entries(), 128);
        assert_eq!(config.zset_max_listpack_value(), 64);
        assert_eq!(config.maxmemory_policy(), "noeviction");
        assert_eq!(config.lfu_log_factor(), 10);
        assert_eq!(config.lfu_decay_time(), 1);
        assert_eq!(config.client_query_buffer_limit(), 1 << 30);
        assert_eq!(config.timeout_secs(), 0);
        assert_eq!(config.databases(), 16);
        config.set_port(7801);
        assert_eq!(get1(&config, "port"), "7801");
        config
            .set(&[
                (b"requirepass", b"s3cret"),
                (b"lua-time-limit", b"250"),
                (b"maxmemory-policy", b"ALLKEYS-LFU"),
                (b"notify-keyspace-events", b"Kx"),
                (b"hash-max-ziplist-entries", b"7"),
                (b"proto-max-bulk-len", b"2mb"),
            ])
            .unwrap();
        assert_eq!(config.requirepass(), Some(&b"s3cret"[..]));
        assert_eq!(get1(&config, "requirepass"), "s3cret");
        assert_eq!(config.lua_time_limit_ms(), 250);
        assert_eq!(get1(&config, "busy-reply-threshold"), "250");
        assert_eq!(config.maxmemory_policy(), "allkeys-lfu");
        assert_eq!(
            config.notify_keyspace_events(),
            notify::KEYSPACE | notify::EXPIRED
        );
        assert_eq!(config.hash_max_listpack_entries(), 7);
        assert_eq!(config.proto_max_bulk_len(), 2 << 20);
    }

    #[test]
    fn get_patterns_and_aliases() {
        let config = Config::new();
        let names = |patterns: &[&[u8]]| -> Vec<String> {
            config.get(patterns).into_iter().map(|(n, _)| n).collect()
        };
        assert_eq!(
            names(&[b"MAXMEM*", b"maxmemory"]),
            [
                "maxmemory",
                "maxmemory-clients",
                "maxmemory-eviction-tenacity",
                "maxmemory-policy",
                "maxmemory-samples"
            ]
        );
        // Exact names answer under the spelling used, once.
        assert_eq!(
            names(&[b"HASH-MAX-ZIPLIST-entries"]),
            ["HASH-MAX-ZIPLIST-entries"]
        );
        assert_eq!(names(&[b"maxmemory", b"MAXMEMORY"]), ["maxmemory"]);
        assert_eq!(
            names(&[b"hash-max-listpack-entries", b"hash-max-ziplist-entries"]),
            ["hash-max-listpack-entries", "hash-max-ziplist-entries"]
        );
        assert_eq!(
            names(&[b"hash-max-zip*"]),
            ["hash-max-ziplist-entries", "hash-max-ziplist-value"]
        );
        assert_eq!(names(&[b"slaveof", b"replicaof"]), ["replicaof", "slaveof"]);
        assert_eq!(names(&[b"nosuch"]), Vec::<String>::new());
        assert_eq!(names(&[b""]), Vec::<String>::new());
        // Hidden parameters need their exact name.
        assert_eq!(names(&[b"key-load-delay"]), ["key-load-delay"]);
        assert_eq!(
            names(&[b"*delay*"]),
            ["repl-disable-tcp-nodelay", "repl-diskless-sync-delay"]
        );
        assert_eq!(
            names(&[b"*cpulist*"]),
            [
                "aof_rewrite_cpulist",
                "bgsave_cpulist",
                "bio_cpulist",
                "server_cpulist"
            ]
        );
    }

    #[test]
    fn error_texts() {
        let mut config = Config::new();
        let cases: &[(&str, &str, String)] = &[
            (
                "foo",
                "1",
                "ERR Unknown option or number of arguments for CONFIG SET - 'foo'".into(),
            ),
            (
                "daemonize",
                "yes",
                failed("daemonize", "can't set immutable config"),
            ),
            (
                "DATABASES",
                "1",
                failed("DATABASES", "can't set immutable config"),
            ),
            (
                "slaveof",
                "no one",
                failed("slaveof", "can't set immutable config"),
            ),
            ("dir", "/tmp", failed("dir", "can't set protected config")),
            (
                "dbfilename",
                "x.rdb",
                failed("dbfilename", "can't set protected config"),
            ),
            (
                "maxclients",
                "1k",
                failed("maxclients", "argument couldn't be parsed into an integer"),
            ),
            (
                "MAXCLIENTS",
                "0",
                failed(
                    "maxclients",
                    "argument must be between 1 and 4294967295 inclusive",
                ),
            ),
            (
                "Slave-Priority",
                "x",
                failed(
                    "slave-priority",
                    "argument couldn't be parsed into an integer",
                ),
            ),
            (
                "timeout",
                "-1",
                failed(
                    "timeout",
                    "argument must be between 0 and 2147483647 inclusive",
                ),
            ),
            (
                "proto-max-bulk-len",
                "1k",
                failed(
                    "proto-max-bulk-len",
                    "argument must be between 1048576 and 9223372036854775807 inclusive",
                ),
            ),
            (
                "maxmemory",
                "1t",
                failed("maxmemory", "argument must be a memory value"),
            ),
            (
                "maxmemory",
                "-1",
                failed("maxmemory", "argument must be a memory value"),
            ),
            (
                "maxmemory-clients",
                "101%",
                failed(
                    "maxmemory-clients",
                    "percentage argument must be less or equal to 100",
                ),
            ),
            (
                "maxmemory-clients",
                "x",
                failed(
                    "maxmemory-clients",
                    "argument must be a memory or percent value",
                ),
            ),
            (
                "activerehashing",
                "1",
                failed("activerehashing", "argument must be 'yes' or 'no'"),
            ),
            (
                "appendfsync",
                "sometimes",
                failed(
                    "appendfsync",
                    "argument(s) must be one of the following: everysec, always, no",
                ),
            ),
            (
                "shutdown-on-sigint",
                "save nosave",
                failed(
                    "shutdown-on-sigint",
                    "shutdown options SAVE and NOSAVE can't be used simultaneously",
                ),
            ),
            (
                "notify-keyspace-events",
                "KEAq",
                failed(
                    "notify-keyspace-events",
                    "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.",
                ),
            ),
            ("save", "3600", failed("save", "Invalid save parameters")),
            ("save", "0 1", failed("save", "Invalid save parameters")),
            (
                "client-output-buffer-limit",
                "normal 1 2",
                failed(
                    "client-output-buffer-limit",
                    "Wrong number of arguments in buffer limit configuration.",
                ),
            ),
            (
                "client-output-buffer-limit",
                "master 1 2 3",
                failed(
                    "client-output-buffer-limit",
                    "Invalid client class specified in buffer limit configuration.",
                ),
            ),
            (
                "client-output-buffer-limit",
                "normal 1 2 -1",
                failed(
                    "client-output-buffer-limit",
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
                ),
            ),
            (
                "oom-score-adj-values",
                "1 2",
                failed("oom-score-adj-values", "wrong number of arguments"),
            ),
            (
                "oom-score-adj-values",
                "0 200 3000",
                failed(
                    "oom-score-adj-values",
                    "Invalid oom-score-adj-values, elements must be between -2000 and 2000.",
                ),
            ),
            (
                "latency-tracking-info-percentiles",
                "abc",
                failed(
                    "latency-tracking-info-percentiles",
                    "Invalid latency-tracking-info-percentiles parameters",
                ),
            ),
            (
                "latency-tracking-info-percentiles",
                "101",
                failed(
                    "latency-tracking-info-percentiles",
                    "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
                ),
            ),
            (
                "cluster-announce-hostname",
                "a_b",
                failed(
                    "cluster-announce-hostname",
                    "Hostnames may only contain alphanumeric characters, hyphens or dots",
                ),
            ),
            (
                "proc-title-template",
                "{title}",
                failed(
                    "proc-title-template",
                    "template format is invalid or contains unknown variables",
                ),
            ),
            (
                "bind",
                "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17",
                failed("bind", "Too many bind addresses specified."),
            ),
        ];
        for (name, value, expected) in cases {
            assert_eq!(
                set1(&mut config, name, value).unwrap_err(),
                *expected,
                "{name} {value}"
            );
        }
        let dup = config.set(&[(b"maxmemory", b"1"), (b"MAXMEMORY", b"2")]);
        assert_eq!(dup.unwrap_err(), failed("MAXMEMORY", "duplicate parameter"));
    }

    #[test]
    fn set_is_atomic_and_ordered() {
        let mut config = Config::new();
        let err = config
            .set(&[(b"maxmemory", b"5"), (b"maxclients", b"abc")])
            .unwrap_err();
        assert_eq!(
            err,
            failed("maxclients", "argument couldn't be parsed into an integer")
        );
        assert_eq!(get1(&config, "maxmemory"), "0");
        // The first problem wins: names are checked before values.
        let err = config
            .set(&[(b"maxclients", b"abc"), (b"daemonize", b"yes")])
            .unwrap_err();
        assert_eq!(err, failed("daemonize", "can't set immutable config"));
        let err = config
            .set(&[(b"daemonize", b"yes"), (b"foo", b"bar")])
            .unwrap_err();
        assert_eq!(err, failed("daemonize", "can't set immutable config"));
        let err = config
            .set(&[(b"foo", b"bar"), (b"daemonize", b"yes")])
            .unwrap_err();
        assert_eq!(
            err,
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        // An alias and its parameter are distinct names: the last one wins.
        config
            .set(&[
                (b"hash-max-ziplist-entries", b"1"),
                (b"hash-max-listpack-entries", b"2"),
            ])
            .unwrap();
        assert_eq!(get1(&config, "hash-max-ziplist-entries"), "2");
        config
            .set(&[
                (b"maxmemory", b"1mb"),
                (b"maxmemory-policy", b"allkeys-lru"),
            ])
            .unwrap();
        assert_eq!(get1(&config, "maxmemory"), "1048576");
        assert_eq!(get1(&config, "maxmemory-policy"), "allkeys-lru");
    }

    #[test]
    fn values_are_normalised_like_redis() {
        let mut config = Config::new();
        for (name, value, shown) in [
            ("maxmemory", "1k", "1000"),
            ("maxmemory", "1Kb", "1024"),
            ("maxmemory", "1gb", "1073741824"),
            ("maxmemory", "1G", "1000000000"),
            ("maxmemory", "007", "7"),
            ("maxmemory", "", "0"),
            (
                "maxmemory",
                "99999999999999999999kb",
                "18446744073709550592",
            ),
            ("maxmemory-clients", "10%", "10%"),
            ("maxmemory-clients", "0%", "0"),
            ("hz", "0", "1"),
            ("hz", "1000", "500"),
            ("repl-backlog-size", "1k", "16384"),
            ("activerehashing", "YES", "yes"),
            ("oom-score-adj", "relative", "yes"),
            ("shutdown-on-sigint", "now nosave", "nosave now"),
            ("shutdown-on-sigint", "default save", "save"),
            ("save", "", ""),
            ("save", "3600 ", "3600 0"),
            ("save", "+5 +6", "5 6"),
            ("oom-score-adj-values", "+1 2 3", "1 2 3"),
            ("notify-keyspace-events", "KEA", "AKE"),
            ("notify-keyspace-events", "KEAmn", "AKEm"),
            ("notify-keyspace-events", "Kdt", "tdK"),
            (
                "latency-tracking-info-percentiles",
                "1e1 0.1234567 99.99999999",
                "10 0.123457 100",
            ),
            ("latency-tracking-info-percentiles", "0x10", "16"),
            ("latency-tracking-info-percentiles", "", ""),
            ("proc-title-template", "x{port}y", "x{port}y"),
        ] {
            set1(&mut config, name, value).unwrap();
            assert_eq!(get1(&config, name), shown, "{name} {value}");
        }
        set1(
            &mut config,
            "client-output-buffer-limit",
            "replica 1mb 2k 10",
        )
        .unwrap();
        set1(
            &mut config,
            "client-output-buffer-limit",
            "NORMAL 1 2 3 pubsub 4 5 6",
        )
        .unwrap();
        assert_eq!(
            get1(&config, "client-output-buffer-limit"),
            "normal 1 2 3 slave 1048576 2000 10 pubsub 4 5 6"
        );
    }

    #[test]
    fn startup_settings_reach_immutable_parameters() {
        let mut config = Config::new();
        let pairs: &[(&[u8], &[u8])] = &[(b"databases", b"32"), (b"dir", b"/tmp")];
        config.set_startup(pairs).unwrap();
        assert_eq!(config.databases(), 32);
        assert_eq!(get1(&config, "dir"), "/tmp");
        let err = config.set_startup(&[(b"databases", b"0")]).unwrap_err();
        assert_eq!(
            err,
            failed(
                "databases",
                "argument must be between 1 and 2147483647 inclusive"
            )
        );
        assert!(config.set(&[(b"databases", b"8")]).is_err());
    }

    #[test]
    fn notify_flags() {
        assert_eq!(parse_notify_flags(b"A"), Some(notify::ALL));
        assert_eq!(notify::ALL & (notify::KEY_MISS | notify::NEW), 0);
        assert_eq!(parse_notify_flags(b"kea"), None);
        assert_eq!(parse_notify_flags(b""), Some(0));
        for (input, shown) in [
            ("Ex", "xE"),
            ("g$lshzxetd", "A"),
            ("Kn", "nK"),
            ("$gl", "g$l"),
        ] {
            let flags = parse_notify_flags(input.as_bytes()).unwrap();
            assert_eq!(format_notify_flags(flags), shown);
        }
    }

    #[test]
    fn parsers() {
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        for bad in ["", "-0", "+1", "01", " 1", "1 ", "9223372036854775808"] {
            assert_eq!(string2ll(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(memtoull(b"kb"), Some(0));
        assert_eq!(memtoull(b"1MB"), Some(1 << 20));
        assert_eq!(memtoull(b"0x10"), None);
        assert_eq!(c_strtoll(b""), Some(0));
        assert_eq!(c_strtoll(b"\t+7"), Some(7));
        assert_eq!(c_strtoll(b" "), None);
        assert_eq!(string2d(b"1e400"), None);
        assert_eq!(string2d(b"inf"), Some(f64::INFINITY));
    }
}
