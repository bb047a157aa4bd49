//! The ACL users and the ACL log, as data: who may run what, touch which
//! keys and which channels, and what was refused lately.
//!
//! A user is a name, flags (`on`/`off`, `nopass`…), SHA-256 password
//! hashes and selectors — the root one and those added with `(…)` — each a
//! bitmap of allowed commands (indexed by the command ids the command
//! layer gives them), first arguments allowed of otherwise refused
//! commands, key patterns and channel patterns. Parsing rules, describing
//! them and checking a request need the command table and live in the
//! command layer (`cmd::acl`); this module holds what they act on.
//!
//! The `default` user always exists: every connection starts as it, and
//! `requirepass` is its password.

use std::collections::{BTreeMap, VecDeque};

use sha2::{Digest, Sha256};

/// Bits in a selector's command bitmap: Redis's `USER_COMMAND_BITS_COUNT`.
pub const COMMAND_BITS: usize = 1024;

/// The bit no command has, set by `+@all`: the selector may run commands
/// added later (Redis's "future commands").
pub const FUTURE_COMMANDS: usize = COMMAND_BITS - 1;

/// User flags, in the order ACL LIST prints them.
pub mod user_flags {
    /// `on`: may authenticate.
    pub const ENABLED: u32 = 1 << 0;
    /// `off`: may not.
    pub const DISABLED: u32 = 1 << 1;
    /// `nopass`: any password works.
    pub const NOPASS: u32 = 1 << 2;
    /// `skip-sanitize-payload`.
    pub const SKIP_SANITIZE: u32 = 1 << 3;
    /// `sanitize-payload`.
    pub const SANITIZE: u32 = 1 << 4;

    /// The names, in Redis's order.
    pub const NAMES: [(u32, &str); 5] = [
        (ENABLED, "on"),
        (DISABLED, "off"),
        (NOPASS, "nopass"),
        (SKIP_SANITIZE, "skip-sanitize-payload"),
        (SANITIZE, "sanitize-payload"),
    ];
}

/// Selector flags.
pub mod selector_flags {
    /// The user's root selector (rules outside parentheses).
    pub const ROOT: u32 = 1 << 0;
    /// `allkeys` / `~*`.
    pub const ALLKEYS: u32 = 1 << 1;
    /// `allcommands` / `+@all`, until a command is taken away.
    pub const ALLCOMMANDS: u32 = 1 << 2;
    /// `allchannels` / `&*`.
    pub const ALLCHANNELS: u32 = 1 << 3;
}

/// A bitmap of command ids.
#[derive(Clone, PartialEq, Eq)]
pub struct CommandBits([u64; COMMAND_BITS / 64]);

impl Default for CommandBits {
    fn default() -> Self {
        CommandBits([0; COMMAND_BITS / 64])
    }
}

impl std::fmt::Debug for CommandBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ones = self.0.iter().map(|w| w.count_ones()).sum::<u32>();
        write!(f, "CommandBits({ones} set)")
    }
}

impl CommandBits {
    /// Whether command `id` is set.
    pub fn get(&self, id: usize) -> bool {
        id < COMMAND_BITS && self.0[id / 64] & (1 << (id % 64)) != 0
    }

    /// Sets or clears command `id`.
    pub fn set(&mut self, id: usize, on: bool) {
        if id >= COMMAND_BITS {
            return;
        }
        if on {
            self.0[id / 64] |= 1 << (id % 64);
        } else {
            self.0[id / 64] &= !(1 << (id % 64));
        }
    }

    /// Sets (or clears) every bit, the future-commands one included.
    pub fn fill(&mut self, on: bool) {
        self.0 = [if on { u64::MAX } else { 0 }; COMMAND_BITS / 64];
    }
}

/// Read permission of a key pattern (`%R~`).
pub const KEY_READ: u32 = 1;
/// Write permission of a key pattern (`%W~`).
pub const KEY_WRITE: u32 = 2;

/// A key pattern and the access it grants ([`KEY_READ`], [`KEY_WRITE`]
/// or both, `~`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPattern {
    /// [`KEY_READ`] | [`KEY_WRITE`] bits.
    pub access: u32,
    /// The glob pattern.
    pub pattern: Vec<u8>,
}

/// One set of permissions: a command may run if one of a user's
/// selectors allows it and all its keys and channels.
#[derive(Clone, Debug, Default)]
pub struct Selector {
    /// [`selector_flags`] bits.
    pub flags: u32,
    /// Allowed commands by id.
    pub commands: CommandBits,
    /// First arguments allowed of commands otherwise refused
    /// (`+select|0`), by command id, in the order they were added.
    pub first_args: BTreeMap<usize, Vec<Vec<u8>>>,
    /// Key patterns, in the order they were added.
    pub keys: Vec<KeyPattern>,
    /// Channel patterns, in the order they were added.
    pub channels: Vec<Vec<u8>>,
}

impl Selector {
    /// An empty selector: no commands, no keys; channels as
    /// `acl-pubsub-default` says (`all_channels`).
    pub fn new(flags: u32, all_channels: bool) -> Selector {
        let mut s = Selector {
            flags,
            ..Selector::default()
        };
        if all_channels {
            s.flags |= selector_flags::ALLCHANNELS;
        }
        s
    }

    /// Whether it has every flag of `f`.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }

    /// Whether it may run anything on any key and channel: the check of
    /// every request of such a user costs nothing more.
    pub fn unrestricted(&self) -> bool {
        self.has(
            selector_flags::ALLKEYS | selector_flags::ALLCOMMANDS | selector_flags::ALLCHANNELS,
        )
    }
}

/// A user.
#[derive(Clone, Debug)]
pub struct User {
    /// The name.
    pub name: Vec<u8>,
    /// [`user_flags`] bits.
    pub flags: u32,
    /// SHA-256 hashes of the passwords, in lowercase hex, in the order
    /// they were added.
    pub passwords: Vec<String>,
    /// The root selector first, then the others in the order added.
    pub selectors: Vec<Selector>,
}

impl User {
    /// A new user as ACL SETUSER creates one: off, no password, no
    /// permissions (channels as `acl-pubsub-default` says).
    pub fn new(name: &[u8], all_channels: bool) -> User {
        User {
            name: name.to_vec(),
            flags: user_flags::DISABLED,
            passwords: Vec::new(),
            selectors: vec![Selector::new(selector_flags::ROOT, all_channels)],
        }
    }

    /// The `default` user of a fresh server: `on nopass ~* &* +@all`, or
    /// with `password` as its only password (`requirepass`).
    pub fn default_user(password: Option<&[u8]>) -> User {
        let mut root = Selector::new(
            selector_flags::ROOT
                | selector_flags::ALLKEYS
                | selector_flags::ALLCHANNELS
                | selector_flags::ALLCOMMANDS,
            false,
        );
        root.commands.fill(true);
        let mut user = User {
            name: b"default".to_vec(),
            flags: user_flags::ENABLED,
            passwords: Vec::new(),
            selectors: vec![root],
        };
        user.set_password(password);
        user
    }

    /// What `requirepass` does to the default user: its passwords are
    /// reset to `password`, or it becomes `nopass` when there is none.
    pub fn set_password(&mut self, password: Option<&[u8]>) {
        self.passwords.clear();
        match password {
            Some(p) => {
                self.flags &= !user_flags::NOPASS;
                self.passwords.push(hash_password(p));
            }
            None => self.flags |= user_flags::NOPASS,
        }
    }

    /// Whether it has every flag of `f`.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }

    /// Whether `password` logs in as this user (it is on, and `nopass`
    /// or the password's hash is one of its own).
    pub fn accepts(&self, password: &[u8]) -> bool {
        if self.has(user_flags::DISABLED) {
            return false;
        }
        if self.has(user_flags::NOPASS) {
            return true;
        }
        let hashed = hash_password(password);
        // Compared whole, whatever matches first.
        self.passwords.iter().fold(false, |ok, p| {
            ok | constant_time_eq(p.as_bytes(), hashed.as_bytes())
        })
    }

    /// Whether a connection of this user needs no AUTH: `nopass` and on
    /// (Redis's test for the default user).
    pub fn needs_no_auth(&self) -> bool {
        self.has(user_flags::NOPASS) && !self.has(user_flags::DISABLED)
    }

    /// Whether its root selector allows everything and it has no other
    /// selectors that could matter.
    pub fn unrestricted(&self) -> bool {
        self.selectors.iter().any(Selector::unrestricted)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// The SHA-256 of `password` in lowercase hex, as ACL stores passwords.
pub fn hash_password(password: &[u8]) -> String {
    let digest = Sha256::digest(password);
    let mut hex = String::with_capacity(64);
    for b in digest.iter() {
        hex.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        hex.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    hex
}

/// Why an ACL check refused something (Redis's `ACL_DENIED_*`, in its
/// order: a later reason is the more specific).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Denied {
    /// The command or subcommand.
    Command,
    /// A key.
    Key,
    /// AUTH with a wrong password (ACL LOG only).
    Auth,
    /// A channel.
    Channel,
}

/// Where a refused command was running, for ACL LOG.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogContext {
    /// Sent by a client.
    Toplevel,
    /// Queued in, or run by, a transaction.
    Multi,
    /// Called by a script.
    Lua,
}

/// One ACL LOG entry.
#[derive(Clone, Debug)]
pub struct LogEntry {
    /// Times it happened (similar refusals within a minute are one entry).
    pub count: u64,
    /// Why.
    pub reason: Denied,
    /// Where.
    pub context: LogContext,
    /// The command's name, the key or channel, or `AUTH`.
    pub object: Vec<u8>,
    /// The user it happened to.
    pub username: Vec<u8>,
    /// Server-clock ms of the latest time.
    pub ctime: i64,
    /// The client's CLIENT LIST line at the latest time.
    pub client_info: String,
}

/// Refusals of the same kind within this many ms are counted in one entry.
const LOG_GROUPING_MS: i64 = 60_000;

/// The users and the log.
#[derive(Debug)]
pub struct Acl {
    /// Users by name, in byte order (ACL LIST's order).
    pub users: BTreeMap<Vec<u8>, User>,
    /// ACL LOG, newest first.
    pub log: VecDeque<LogEntry>,
    /// Bumped by every change of users: a client that found its user
    /// unrestricted remembers the generation and skips the checks until
    /// it changes.
    pub generation: u64,
}

impl Acl {
    /// The users of a fresh server: the default one, with `password` if
    /// `requirepass` is set.
    pub fn new(password: Option<&[u8]>) -> Acl {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::default_user(password));
        Acl {
            users,
            log: VecDeque::new(),
            generation: 1,
        }
    }

    /// The default user.
    pub fn default_user(&self) -> &User {
        &self.users[&b"default"[..]]
    }

    /// The default user, to change it.
    pub fn default_user_mut(&mut self) -> &mut User {
        self.generation += 1;
        self.users
            .get_mut(&b"default"[..])
            .expect("the default user always exists")
    }

    /// Whether new connections must authenticate: the default user has a
    /// password, or is off.
    pub fn auth_required(&self) -> bool {
        !self.default_user().needs_no_auth()
    }

    /// Adds a refusal to the log (merged with a similar recent entry
    /// among the last ten), keeping at most `max_len` entries.
    pub fn log(&mut self, entry: LogEntry, max_len: usize) {
        let similar = self.log.iter().take(10).position(|e| {
            e.reason == entry.reason
                && e.context == entry.context
                && (e.ctime - entry.ctime).abs() <= LOG_GROUPING_MS
                && e.object == entry.object
                && e.username == entry.username
        });
        match similar {
            Some(i) => {
                let mut e = self.log.remove(i).expect("found above");
                e.client_info = entry.client_info;
                e.ctime = entry.ctime;
                e.count += 1;
                self.log.push_front(e);
            }
            None => {
                self.log.push_front(entry);
                self.log.truncate(max_len);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_stored_as_sha256_hex() {
        assert_eq!(
            hash_password(b"foobar"),
            "c3ab8ff13720e8ad9047dd39466b3c8974e592c2fa383d4a3960714caef0c4f2"
        );
        let mut u = User::default_user(Some(b"pw"));
        assert!(u.accepts(b"pw"));
        assert!(!u.accepts(b"px"));
        u.set_password(None);
        assert!(u.accepts(b"anything"));
        u.flags = user_flags::DISABLED | user_flags::NOPASS;
        assert!(!u.accepts(b"anything"));
    }
}
