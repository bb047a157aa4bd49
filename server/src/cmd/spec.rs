//! [`CommandSpec`]: what the command table says of one command — name,
//! arity, [`flags`], key positions, ACL categories, docs — and its
//! handler.

use super::context::Ctx;
use super::error::CmdResult;

/// Command flags, as COMMAND INFO lists them.
pub mod flags {
    /// May modify the keyspace.
    pub const WRITE: u32 = 1 << 0;
    /// Only reads.
    pub const READONLY: u32 = 1 << 1;
    /// May grow memory use.
    pub const DENYOOM: u32 = 1 << 2;
    /// Administrative.
    pub const ADMIN: u32 = 1 << 3;
    /// Pub/sub related (allowed in RESP2 subscribed mode when also listed there).
    pub const PUBSUB: u32 = 1 << 4;
    /// Refused inside scripts.
    pub const NOSCRIPT: u32 = 1 << 5;
    /// May block the client.
    pub const BLOCKING: u32 = 1 << 6;
    /// Allowed while loading.
    pub const LOADING: u32 = 1 << 7;
    /// Allowed on a stale replica.
    pub const STALE: u32 = 1 << 8;
    /// Not shown by MONITOR.
    pub const SKIP_MONITOR: u32 = 1 << 9;
    /// Not logged by SLOWLOG.
    pub const SKIP_SLOWLOG: u32 = 1 << 10;
    /// O(1) or O(log n).
    pub const FAST: u32 = 1 << 11;
    /// Allowed before authentication.
    pub const NO_AUTH: u32 = 1 << 12;
    /// May replicate even if read-only.
    pub const MAY_REPLICATE: u32 = 1 << 13;
    /// Keys are optional.
    pub const NO_MANDATORY_KEYS: u32 = 1 << 14;
    /// Refused inside MULTI.
    pub const NO_MULTI: u32 = 1 << 15;
    /// Allowed while a script is busy.
    pub const ALLOW_BUSY: u32 = 1 << 16;
    /// Key positions depend on arguments.
    pub const MOVABLE_KEYS: u32 = 1 << 17;
    /// Not allowed during async loading.
    pub const NO_ASYNC_LOADING: u32 = 1 << 18;
    /// Available in sentinel mode.
    pub const SENTINEL: u32 = 1 << 19;
    /// Allowed on a cluster node that is importing the slot (RESTORE-ASKING).
    pub const ASKING: u32 = 1 << 20;

    /// The names COMMAND INFO prints, in its order (Redis does not print
    /// `sentinel` outside sentinel mode).
    pub const NAMES: &[(u32, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLE_KEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
    ];
}

/// A command handler.
pub type Handler = fn(&mut Ctx<'_>) -> CmdResult;

/// One command (or subcommand) of the table.
#[derive(Debug)]
pub struct CommandSpec {
    /// Full lowercase name: `get`, or `config|get` for a subcommand.
    pub name: &'static str,
    /// Redis arity: exact count if positive, minimum count if negative
    /// (the command name included).
    pub arity: i32,
    /// [`flags`] bits.
    pub flags: u32,
    /// First key position, last key position (negative: from the end),
    /// step — COMMAND INFO's legacy key specification.
    pub keys: (i32, i32, i32),
    /// ACL categories, space separated, without the `@`.
    pub acl: &'static str,
    /// COMMAND DOCS group (`string`, `generic`…).
    pub group: &'static str,
    /// The Redis version that introduced it.
    pub since: &'static str,
    /// A one-line summary for COMMAND DOCS.
    pub summary: &'static str,
    /// The handler; `None` for a container such as CONFIG.
    pub handler: Option<Handler>,
    /// Subcommands of a container.
    pub subcommands: &'static [CommandSpec],
    /// For commands whose keys follow a count (`ZUNIONSTORE dest numkeys
    /// key…`, `EVAL script numkeys key…`): where that count is, and
    /// whether a destination key comes first. Used by COMMAND GETKEYS.
    pub numkeys: Option<NumKeys>,
}

/// Where a command's keys are when a count argument gives their number.
#[derive(Debug, Clone, Copy)]
pub struct NumKeys {
    /// Position of the count (the command name is 0).
    pub at: usize,
    /// Whether argument 1 is a destination key.
    pub dest_first: bool,
}

impl CommandSpec {
    /// A command named `name` (lowercase) with `arity`, run by `handler`.
    pub const fn new(name: &'static str, arity: i32, handler: Handler) -> Self {
        CommandSpec {
            name,
            arity,
            flags: 0,
            keys: (0, 0, 0),
            acl: "",
            group: "generic",
            since: "1.0.0",
            summary: "",
            handler: Some(handler),
            subcommands: &[],
            numkeys: None,
        }
    }

    /// A container command (CONFIG, CLIENT…) dispatching to `subs`.
    pub const fn container(name: &'static str, subs: &'static [CommandSpec]) -> Self {
        CommandSpec {
            name,
            arity: -2,
            flags: 0,
            keys: (0, 0, 0),
            acl: "",
            group: "generic",
            since: "1.0.0",
            summary: "",
            handler: None,
            subcommands: subs,
            numkeys: None,
        }
    }

    /// Lets a container run alone too (plain `COMMAND`), with `handler`.
    pub const fn bare(mut self, handler: Handler) -> Self {
        self.handler = Some(handler);
        self.arity = -1;
        self
    }

    /// Says the keys follow a count at position `at` (and, with
    /// `dest_first`, a destination key at position 1).
    pub const fn numkeys(mut self, at: usize, dest_first: bool) -> Self {
        self.numkeys = Some(NumKeys { at, dest_first });
        self
    }

    /// Sets the flags.
    pub const fn flags(mut self, flags: u32) -> Self {
        self.flags = flags;
        self
    }

    /// Sets first key, last key and step.
    pub const fn keys(mut self, first: i32, last: i32, step: i32) -> Self {
        self.keys = (first, last, step);
        self
    }

    /// Sets the ACL categories (space separated, no `@`).
    pub const fn acl(mut self, acl: &'static str) -> Self {
        self.acl = acl;
        self
    }

    /// Sets the docs group, version and summary.
    pub const fn doc(
        mut self,
        group: &'static str,
        since: &'static str,
        summary: &'static str,
    ) -> Self {
        self.group = group;
        self.since = since;
        self.summary = summary;
        self
    }

    /// Whether the flag bits `f` are all set.
    pub fn has(&self, f: u32) -> bool {
        self.flags & f == f
    }
}
