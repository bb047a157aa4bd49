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

mod parse;
mod table;
mod typed;

pub use typed::OutputLimits;

use crate::cmd::error::{self, CmdError, config_texts};
use crate::glob;
use parse::{
    SHUTDOWN_FLAGS, enum_error, parse_num, parse_oom_values, parse_output_buffer_limit,
    parse_percentiles, parse_save, parse_shutdown, split_args, valid_proc_title,
};
use std::collections::BTreeMap;
use table::{HIDDEN, IMMUTABLE, Kind, PROTECTED, Syntax, TABLE};
use typed::{DIR, HZ, OUTPUT_BUFFER_LIMIT, REPL_BACKLOG_SIZE};

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

    /// One parameter's value as `CONFIG GET` prints it, by its exact name
    /// or alias (any case); empty for an unknown name.
    pub fn value(&self, name: &str) -> Vec<u8> {
        lookup(name.as_bytes())
            .map(|(idx, _)| self.format(idx))
            .unwrap_or_default()
    }

    /// An integer parameter; `None` for an unknown name or a value that is
    /// not an integer.
    pub fn int(&self, name: &str) -> Option<i64> {
        std::str::from_utf8(&self.value(name)).ok()?.parse().ok()
    }

    /// Whether a yes/no parameter is `yes`.
    pub fn yes(&self, name: &str) -> bool {
        self.value(name) == b"yes"
    }

    /// `CONFIG SET` of one or more name/value pairs, all or nothing.
    ///
    /// The error is the whole reply line without its leading `-`, e.g.
    /// `ERR Unknown option or number of arguments for CONFIG SET - 'foo'`.
    /// As in Redis, names are checked first (unknown, immutable, protected,
    /// duplicate: the first problem wins), then values in order.
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), CmdError> {
        self.apply(pairs, false)
    }

    /// Sets parameters as a configuration file or the command line would
    /// at start: like [`set`](Self::set), with the same validation and
    /// error texts, except that immutable and protected parameters
    /// (`databases`, `dir`...) are accepted too.
    pub fn set_startup(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), CmdError> {
        self.apply(pairs, true)
    }

    fn apply(&mut self, pairs: &[(&[u8], &[u8])], startup: bool) -> Result<(), CmdError> {
        let failed = |name: &str, why: &str| error::config_set_failed(name, why);
        let mut targets = Vec::with_capacity(pairs.len());
        for &(name, _) in pairs {
            let Some(target) = lookup(name) else {
                return Err(error::config_unknown_option(name));
            };
            // A known name is ASCII.
            let typed = String::from_utf8_lossy(name);
            let flags = if startup { 0 } else { TABLE[target.0].flags };
            if flags & IMMUTABLE != 0 {
                return Err(failed(&typed, config_texts::IMMUTABLE));
            }
            if flags & PROTECTED != 0 {
                return Err(failed(&typed, config_texts::PROTECTED));
            }
            if targets.contains(&target) {
                return Err(failed(&typed, config_texts::DUPLICATE));
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
                _ => return Err(config_texts::NOT_BOOL.into()),
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
                    return Err(config_texts::HOSTNAME_TOO_LONG.into());
                }
                if !raw
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.'))
                {
                    return Err(config_texts::HOSTNAME_CHARS.into());
                }
                Value::Text(raw.to_vec())
            }
            Kind::ProcTitle => {
                if !valid_proc_title(raw) {
                    return Err(config_texts::PROC_TITLE.into());
                }
                Value::Text(raw.to_vec())
            }
            Kind::Bind => {
                if split_args(raw).len() > 16 {
                    return Err(config_texts::TOO_MANY_BINDS.into());
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
                None => return Err(config_texts::NOTIFY_CLASS.into()),
            },
            Kind::Percentiles => Value::Text(parse_percentiles(raw)?),
        };
        Ok(value)
    }
}

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

#[cfg(test)]
mod tests;
