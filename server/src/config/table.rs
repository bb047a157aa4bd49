//! The parameter table: every parameter Redis 7.0.15 knows, with its
//! alias, value kind, default and mutability, and the types a row is made
//! of ([`Entry`], [`Kind`], [`Num`], [`Syntax`]).
//!
//! Names, aliases, defaults, ranges, enum choices and flags were read off a
//! real Redis 7.0.15 (`CONFIG GET *`, plus `CONFIG SET` probes for kinds,
//! ranges and immutability). The deliberate differences from a stock server
//! are in the defaults of machine-dependent parameters:
//!
//! * `dir` is filled in at creation with the process's current directory;
//! * `port` starts at 6379 and is overwritten by the server with
//!   [`Config::set_port`](super::Config::set_port);
//! * `daemonize` is `no` and `pidfile` empty, as for a foreground server;
//! * `enable-debug-command` is `yes`: redsim is a test server and always
//!   allows `DEBUG` (Redis 7.0 defaults to `no`).

/// How a numeric parameter is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Syntax {
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
pub(super) struct Num {
    pub(super) lo: i128,
    pub(super) hi: i128,
    /// Bounds apply to the value read as unsigned (C unsigned types).
    pub(super) unsigned: bool,
    pub(super) syntax: Syntax,
}

/// The value kind of a parameter, which decides parsing and formatting.
#[derive(Clone, Copy, Debug)]
pub(super) enum Kind {
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
pub(super) struct Entry {
    pub(super) name: &'static str,
    pub(super) alias: Option<&'static str>,
    pub(super) kind: Kind,
    /// The default, written as for `CONFIG SET`.
    pub(super) default: &'static str,
    pub(super) flags: u8,
}

/// Flag: `CONFIG SET` answers "can't set immutable config".
pub(super) const IMMUTABLE: u8 = 1;
/// Flag: `CONFIG SET` answers "can't set protected config" (Redis 7.0's
/// `enable-protected-configs` is immutable and `no`, so always).
pub(super) const PROTECTED: u8 = 2;
/// Flag: left out of pattern matches; `CONFIG GET` needs the exact name.
pub(super) const HIDDEN: u8 = 4;
/// No flag: an ordinary settable parameter.
const MUTABLE: u8 = 0;

const I32_MIN: i128 = i32::MIN as i128;
const I32_MAX: i128 = i32::MAX as i128;
const U32_MAX: i128 = u32::MAX as i128;
const I64_MAX: i128 = i64::MAX as i128;
const U64_MAX: i128 = u64::MAX as i128;

const BOOL: Kind = Kind::Bool;
const STR: Kind = Kind::Str;

/// A signed integer (C `int`, `long`, `long long`, `time_t`...).
const fn int(lo: i128, hi: i128) -> Kind {
    Kind::Num(Num {
        lo,
        hi,
        unsigned: false,
        syntax: Syntax::Int,
    })
}

/// An unsigned integer (C `unsigned int`, `size_t`): bounds are checked on
/// the value reinterpreted as unsigned, as Redis does.
const fn uint(lo: i128, hi: i128) -> Kind {
    Kind::Num(Num {
        lo,
        hi,
        unsigned: true,
        syntax: Syntax::Int,
    })
}

/// A signed memory value (`1k`, `2mb`...).
const fn mem(lo: i128, hi: i128) -> Kind {
    Kind::Num(Num {
        lo,
        hi,
        unsigned: false,
        syntax: Syntax::Memory,
    })
}

/// An unsigned memory value.
const fn umem(lo: i128, hi: i128) -> Kind {
    Kind::Num(Num {
        lo,
        hi,
        unsigned: true,
        syntax: Syntax::Memory,
    })
}

/// `maxmemory-clients`: a memory value or a percentage, stored negated.
const MEM_OR_PERCENT: Kind = Kind::Num(Num {
    lo: -100,
    hi: I64_MAX,
    unsigned: false,
    syntax: Syntax::MemoryOrPercent,
});

/// `unixsocketperm`: octal.
const OCTAL_PERM: Kind = Kind::Num(Num {
    lo: 0,
    hi: 0o777,
    unsigned: true,
    syntax: Syntax::Octal,
});

/// An entry without alias.
const fn e(name: &'static str, kind: Kind, default: &'static str, flags: u8) -> Entry {
    Entry {
        name,
        alias: None,
        kind,
        default,
        flags,
    }
}

/// An entry with an alias (a second name with its own `CONFIG GET` line).
const fn ea(
    name: &'static str,
    alias: &'static str,
    kind: Kind,
    default: &'static str,
    flags: u8,
) -> Entry {
    Entry {
        name,
        alias: Some(alias),
        kind,
        default,
        flags,
    }
}

// Enum parameters: the choices in Redis's order (error texts list them in
// this order), each with its code. Names sharing a code are synonyms and
// `CONFIG GET` answers the first.

const ACL_PUBSUB_DEFAULT: Kind = Kind::Enum(&[("allchannels", 0), ("resetchannels", 1)]);
const APPENDFSYNC: Kind = Kind::Enum(&[("everysec", 0), ("always", 1), ("no", 2)]);
const CLUSTER_PREFERRED_ENDPOINT_TYPE: Kind =
    Kind::Enum(&[("ip", 0), ("hostname", 1), ("unknown-endpoint", 2)]);
const LOGLEVEL: Kind = Kind::Enum(&[("debug", 0), ("verbose", 1), ("notice", 2), ("warning", 3)]);
const MAXMEMORY_POLICY: Kind = Kind::Enum(&[
    ("volatile-lru", 0),
    ("volatile-lfu", 1),
    ("volatile-random", 2),
    ("volatile-ttl", 3),
    ("allkeys-lru", 4),
    ("allkeys-lfu", 5),
    ("allkeys-random", 6),
    ("noeviction", 7),
]);
const OOM_SCORE_ADJ: Kind = Kind::Enum(&[("no", 0), ("yes", 1), ("relative", 1), ("absolute", 2)]);
const PROPAGATION_ERROR_BEHAVIOR: Kind =
    Kind::Enum(&[("ignore", 0), ("panic", 1), ("panic-on-replicas", 2)]);
const PROTECTED_ACTION: Kind = Kind::Enum(&[("no", 0), ("yes", 1), ("local", 2)]);
const REPL_DISKLESS_LOAD: Kind = Kind::Enum(&[("disabled", 0), ("on-empty-db", 1), ("swapdb", 2)]);
const SANITIZE_DUMP_PAYLOAD: Kind = Kind::Enum(&[("no", 0), ("yes", 1), ("clients", 2)]);
const SUPERVISED: Kind = Kind::Enum(&[("upstart", 0), ("systemd", 1), ("auto", 2), ("no", 3)]);
const SYSLOG_FACILITY: Kind = Kind::Enum(&[
    ("user", 0),
    ("local0", 1),
    ("local1", 2),
    ("local2", 3),
    ("local3", 4),
    ("local4", 5),
    ("local5", 6),
    ("local6", 7),
    ("local7", 8),
]);
const TLS_AUTH_CLIENTS: Kind = Kind::Enum(&[("no", 0), ("yes", 1), ("optional", 2)]);

/// Every parameter, sorted by name.
#[rustfmt::skip]
pub(super) const TABLE: &[Entry] = &[
    e("acl-pubsub-default",                    ACL_PUBSUB_DEFAULT, "resetchannels", MUTABLE),
    e("aclfile",                               STR,               "",              IMMUTABLE),
    e("acllog-max-len",                        int(0, I64_MAX),   "128",           MUTABLE),
    e("active-defrag-cycle-max",               int(1, 99),        "25",            MUTABLE),
    e("active-defrag-cycle-min",               int(1, 99),        "1",             MUTABLE),
    e("active-defrag-ignore-bytes",            umem(1, I64_MAX),  "104857600",     MUTABLE),
    e("active-defrag-max-scan-fields",         int(1, I64_MAX),   "1000",          MUTABLE),
    e("active-defrag-threshold-lower",         int(0, 1000),      "10",            MUTABLE),
    e("active-defrag-threshold-upper",         int(0, 1000),      "100",           MUTABLE),
    e("active-expire-effort",                  int(1, 10),        "1",             MUTABLE),
    e("activedefrag",                          BOOL,              "no",            MUTABLE),
    e("activerehashing",                       BOOL,              "yes",           MUTABLE),
    e("always-show-logo",                      BOOL,              "no",            IMMUTABLE),
    e("aof-disable-auto-gc",                   BOOL,              "no",            MUTABLE),
    e("aof-load-truncated",                    BOOL,              "yes",           MUTABLE),
    e("aof-rewrite-incremental-fsync",         BOOL,              "yes",           MUTABLE),
    e("aof-timestamp-enabled",                 BOOL,              "no",            MUTABLE),
    e("aof-use-rdb-preamble",                  BOOL,              "yes",           MUTABLE),
    e("aof_rewrite_cpulist",                   STR,               "",              IMMUTABLE),
    e("appenddirname",                         STR,               "appendonlydir", IMMUTABLE),
    e("appendfilename",                        STR,               "appendonly.aof", IMMUTABLE),
    e("appendfsync",                           APPENDFSYNC,       "everysec",      MUTABLE),
    e("appendonly",                            BOOL,              "no",            MUTABLE),
    e("auto-aof-rewrite-min-size",             mem(0, I64_MAX),   "67108864",      MUTABLE),
    e("auto-aof-rewrite-percentage",           int(0, I32_MAX),   "100",           MUTABLE),
    e("bgsave_cpulist",                        STR,               "",              IMMUTABLE),
    e("bind",                                  Kind::Bind,        "* -::*",        MUTABLE),
    e("bind-source-addr",                      STR,               "",              MUTABLE),
    e("bio_cpulist",                           STR,               "",              IMMUTABLE),
    ea("busy-reply-threshold", "lua-time-limit", int(0, I64_MAX), "5000", MUTABLE),
    e("client-output-buffer-limit",            Kind::OutputBufferLimit, "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", MUTABLE),
    e("client-query-buffer-limit",             umem(1048576, I64_MAX), "1073741824",    MUTABLE),
    e("cluster-allow-pubsubshard-when-down",   BOOL,              "yes",           MUTABLE),
    e("cluster-allow-reads-when-down",         BOOL,              "no",            MUTABLE),
    e("cluster-allow-replica-migration",       BOOL,              "yes",           MUTABLE),
    e("cluster-announce-bus-port",             int(0, 65535),     "0",             MUTABLE),
    e("cluster-announce-hostname",             Kind::Hostname,    "",              MUTABLE),
    e("cluster-announce-ip",                   STR,               "",              MUTABLE),
    e("cluster-announce-port",                 int(0, 65535),     "0",             MUTABLE),
    e("cluster-announce-tls-port",             int(0, 65535),     "0",             MUTABLE),
    e("cluster-config-file",                   STR,               "nodes.conf",    IMMUTABLE),
    e("cluster-enabled",                       BOOL,              "no",            IMMUTABLE),
    e("cluster-link-sendbuf-limit",            umem(0, U64_MAX),  "0",             MUTABLE),
    e("cluster-migration-barrier",             int(0, I32_MAX),   "1",             MUTABLE),
    e("cluster-node-timeout",                  int(0, I64_MAX),   "15000",         MUTABLE),
    e("cluster-port",                          int(0, 65535),     "0",             IMMUTABLE),
    e("cluster-preferred-endpoint-type",       CLUSTER_PREFERRED_ENDPOINT_TYPE, "ip",            MUTABLE),
    ea("cluster-replica-no-failover", "cluster-slave-no-failover", BOOL, "no", MUTABLE),
    ea("cluster-replica-validity-factor", "cluster-slave-validity-factor", int(0, I32_MAX), "10", MUTABLE),
    e("cluster-require-full-coverage",         BOOL,              "yes",           MUTABLE),
    e("crash-log-enabled",                     BOOL,              "yes",           MUTABLE),
    e("crash-memcheck-enabled",                BOOL,              "yes",           MUTABLE),
    e("daemonize",                             BOOL,              "no",            IMMUTABLE),
    e("databases",                             int(1, I32_MAX),   "16",            IMMUTABLE),
    e("dbfilename",                            STR,               "dump.rdb",      PROTECTED),
    e("dir",                                   STR,               "",              PROTECTED),
    e("disable-thp",                           BOOL,              "yes",           IMMUTABLE),
    e("dynamic-hz",                            BOOL,              "yes",           MUTABLE),
    e("enable-debug-command",                  PROTECTED_ACTION,  "yes",           IMMUTABLE),
    e("enable-module-command",                 PROTECTED_ACTION,  "no",            IMMUTABLE),
    e("enable-protected-configs",              PROTECTED_ACTION,  "no",            IMMUTABLE),
    ea("hash-max-listpack-entries", "hash-max-ziplist-entries", uint(0, I64_MAX), "512", MUTABLE),
    ea("hash-max-listpack-value", "hash-max-ziplist-value", umem(0, I64_MAX), "64", MUTABLE),
    e("hll-sparse-max-bytes",                  umem(0, I64_MAX),  "3000",          MUTABLE),
    e("hz",                                    int(0, I32_MAX),   "10",            MUTABLE),
    e("ignore-warnings",                       STR,               "",              MUTABLE),
    e("io-threads",                            int(1, 128),       "1",             IMMUTABLE),
    e("io-threads-do-reads",                   BOOL,              "no",            IMMUTABLE),
    e("jemalloc-bg-thread",                    BOOL,              "yes",           MUTABLE),
    e("key-load-delay",                        int(I32_MIN, I32_MAX), "0",             HIDDEN),
    e("latency-monitor-threshold",             int(0, I64_MAX),   "0",             MUTABLE),
    e("latency-tracking",                      BOOL,              "yes",           MUTABLE),
    e("latency-tracking-info-percentiles",     Kind::Percentiles, "50 99 99.9",    MUTABLE),
    e("lazyfree-lazy-eviction",                BOOL,              "no",            MUTABLE),
    e("lazyfree-lazy-expire",                  BOOL,              "no",            MUTABLE),
    e("lazyfree-lazy-server-del",              BOOL,              "no",            MUTABLE),
    e("lazyfree-lazy-user-del",                BOOL,              "no",            MUTABLE),
    e("lazyfree-lazy-user-flush",              BOOL,              "no",            MUTABLE),
    e("lfu-decay-time",                        int(0, I32_MAX),   "1",             MUTABLE),
    e("lfu-log-factor",                        int(0, I32_MAX),   "10",            MUTABLE),
    e("list-compress-depth",                   int(0, I32_MAX),   "0",             MUTABLE),
    ea("list-max-listpack-size", "list-max-ziplist-size", int(I32_MIN, I32_MAX), "-2", MUTABLE),
    e("loading-process-events-interval-bytes", int(1024, I32_MAX), "2097152",       HIDDEN),
    e("logfile",                               STR,               "",              IMMUTABLE),
    e("loglevel",                              LOGLEVEL,          "notice",        MUTABLE),
    e("masterauth",                            STR,               "",              MUTABLE),
    e("masteruser",                            STR,               "",              MUTABLE),
    e("maxclients",                            uint(1, U32_MAX),  "10000",         MUTABLE),
    e("maxmemory",                             umem(0, U64_MAX),  "0",             MUTABLE),
    e("maxmemory-clients",                     MEM_OR_PERCENT,    "0",             MUTABLE),
    e("maxmemory-eviction-tenacity",           int(0, 100),       "10",            MUTABLE),
    e("maxmemory-policy",                      MAXMEMORY_POLICY,  "noeviction",    MUTABLE),
    e("maxmemory-samples",                     int(1, I32_MAX),   "5",             MUTABLE),
    ea("min-replicas-max-lag", "min-slaves-max-lag", int(0, I32_MAX), "10", MUTABLE),
    ea("min-replicas-to-write", "min-slaves-to-write", int(0, I32_MAX), "0", MUTABLE),
    e("no-appendfsync-on-rewrite",             BOOL,              "no",            MUTABLE),
    e("notify-keyspace-events",                Kind::Notify,      "",              MUTABLE),
    e("oom-score-adj",                         OOM_SCORE_ADJ,     "no",            MUTABLE),
    e("oom-score-adj-values",                  Kind::OomScoreAdjValues, "0 200 800",     MUTABLE),
    e("pidfile",                               STR,               "",              IMMUTABLE),
    e("port",                                  int(0, 65535),     "6379",          MUTABLE),
    e("proc-title-template",                   Kind::ProcTitle,   "{title} {listen-addr} {server-mode}", MUTABLE),
    e("propagation-error-behavior",            PROPAGATION_ERROR_BEHAVIOR, "ignore",        MUTABLE),
    e("protected-mode",                        BOOL,              "yes",           MUTABLE),
    e("proto-max-bulk-len",                    mem(1048576, I64_MAX), "536870912",     MUTABLE),
    e("rdb-del-sync-files",                    BOOL,              "no",            MUTABLE),
    e("rdb-key-save-delay",                    int(I32_MIN, I32_MAX), "0",             HIDDEN),
    e("rdb-save-incremental-fsync",            BOOL,              "yes",           MUTABLE),
    e("rdbchecksum",                           BOOL,              "yes",           IMMUTABLE),
    e("rdbcompression",                        BOOL,              "yes",           MUTABLE),
    e("repl-backlog-size",                     mem(1, I64_MAX),   "1048576",       MUTABLE),
    e("repl-backlog-ttl",                      int(0, I64_MAX),   "3600",          MUTABLE),
    e("repl-disable-tcp-nodelay",              BOOL,              "no",            MUTABLE),
    e("repl-diskless-load",                    REPL_DISKLESS_LOAD, "disabled",      MUTABLE),
    e("repl-diskless-sync",                    BOOL,              "yes",           MUTABLE),
    e("repl-diskless-sync-delay",              int(0, I32_MAX),   "5",             MUTABLE),
    e("repl-diskless-sync-max-replicas",       int(0, I32_MAX),   "0",             MUTABLE),
    ea("repl-ping-replica-period", "repl-ping-slave-period", int(1, I32_MAX), "10", MUTABLE),
    e("repl-timeout",                          int(1, I32_MAX),   "60",            MUTABLE),
    ea("replica-announce-ip", "slave-announce-ip", STR, "", MUTABLE),
    ea("replica-announce-port", "slave-announce-port", int(0, 65535), "0", MUTABLE),
    e("replica-announced",                     BOOL,              "yes",           MUTABLE),
    e("replica-ignore-disk-write-errors",      BOOL,              "no",            MUTABLE),
    ea("replica-ignore-maxmemory", "slave-ignore-maxmemory", BOOL, "yes", MUTABLE),
    ea("replica-lazy-flush", "slave-lazy-flush", BOOL, "no", MUTABLE),
    ea("replica-priority", "slave-priority", int(0, I32_MAX), "100", MUTABLE),
    ea("replica-read-only", "slave-read-only", BOOL, "yes", MUTABLE),
    ea("replica-serve-stale-data", "slave-serve-stale-data", BOOL, "yes", MUTABLE),
    ea("replicaof", "slaveof", STR, "", IMMUTABLE),
    e("requirepass",                           STR,               "",              MUTABLE),
    e("sanitize-dump-payload",                 SANITIZE_DUMP_PAYLOAD, "no",            MUTABLE),
    e("save",                                  Kind::Save,        "3600 1 300 100 60 10000", MUTABLE),
    e("server_cpulist",                        STR,               "",              IMMUTABLE),
    e("set-max-intset-entries",                uint(0, I64_MAX),  "512",           MUTABLE),
    e("set-proc-title",                        BOOL,              "yes",           IMMUTABLE),
    e("shutdown-on-sigint",                    Kind::Shutdown,    "default",       MUTABLE),
    e("shutdown-on-sigterm",                   Kind::Shutdown,    "default",       MUTABLE),
    e("shutdown-timeout",                      int(0, I32_MAX),   "10",            MUTABLE),
    e("slowlog-log-slower-than",               int(-1, I64_MAX),  "10000",         MUTABLE),
    e("slowlog-max-len",                       int(0, I64_MAX),   "128",           MUTABLE),
    e("socket-mark-id",                        uint(0, U32_MAX),  "0",             IMMUTABLE),
    e("stop-writes-on-bgsave-error",           BOOL,              "yes",           MUTABLE),
    e("stream-node-max-bytes",                 umem(0, I64_MAX),  "4096",          MUTABLE),
    e("stream-node-max-entries",               int(0, I64_MAX),   "100",           MUTABLE),
    e("supervised",                            SUPERVISED,        "no",            IMMUTABLE),
    e("syslog-enabled",                        BOOL,              "no",            IMMUTABLE),
    e("syslog-facility",                       SYSLOG_FACILITY,   "local0",        IMMUTABLE),
    e("syslog-ident",                          STR,               "redis",         IMMUTABLE),
    e("tcp-backlog",                           int(0, I32_MAX),   "511",           IMMUTABLE),
    e("tcp-keepalive",                         int(0, I32_MAX),   "300",           MUTABLE),
    e("timeout",                               int(0, I32_MAX),   "0",             MUTABLE),
    e("tls-auth-clients",                      TLS_AUTH_CLIENTS,  "yes",           MUTABLE),
    e("tls-ca-cert-dir",                       STR,               "",              MUTABLE),
    e("tls-ca-cert-file",                      STR,               "",              MUTABLE),
    e("tls-cert-file",                         STR,               "",              MUTABLE),
    e("tls-ciphers",                           STR,               "",              MUTABLE),
    e("tls-ciphersuites",                      STR,               "",              MUTABLE),
    e("tls-client-cert-file",                  STR,               "",              MUTABLE),
    e("tls-client-key-file",                   STR,               "",              MUTABLE),
    e("tls-client-key-file-pass",              STR,               "",              MUTABLE),
    e("tls-cluster",                           BOOL,              "no",            MUTABLE),
    e("tls-dh-params-file",                    STR,               "",              MUTABLE),
    e("tls-key-file",                          STR,               "",              MUTABLE),
    e("tls-key-file-pass",                     STR,               "",              MUTABLE),
    e("tls-port",                              int(0, 65535),     "0",             MUTABLE),
    e("tls-prefer-server-ciphers",             BOOL,              "no",            MUTABLE),
    e("tls-protocols",                         STR,               "",              MUTABLE),
    e("tls-replication",                       BOOL,              "no",            MUTABLE),
    e("tls-session-cache-size",                int(0, I32_MAX),   "20480",         MUTABLE),
    e("tls-session-cache-timeout",             int(0, I32_MAX),   "300",           MUTABLE),
    e("tls-session-caching",                   BOOL,              "yes",           MUTABLE),
    e("tracking-table-max-keys",               uint(0, I64_MAX),  "1000000",       MUTABLE),
    e("unixsocket",                            STR,               "",              IMMUTABLE),
    e("unixsocketperm",                        OCTAL_PERM,        "0",             IMMUTABLE),
    e("use-exit-on-panic",                     BOOL,              "no",            HIDDEN),
    e("watchdog-period",                       int(0, I32_MAX),   "0",             HIDDEN),
    ea("zset-max-listpack-entries", "zset-max-ziplist-entries", uint(0, I64_MAX), "128", MUTABLE),
    ea("zset-max-listpack-value", "zset-max-ziplist-value", umem(0, I64_MAX), "64", MUTABLE),
];
