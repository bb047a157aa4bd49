//! The typed view of the configuration the rest of the server reads
//! (`requirepass`, limits, encodings' thresholds, output-buffer classes…):
//! the positions of those parameters in the table, and one accessor per
//! parameter over the stored values.

use super::parse::{c_strtoll, memtoull, split_args};
use super::table::TABLE;
use super::{Config, Value};

pub(super) const fn index_of(name: &str) -> usize {
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

pub(super) const REQUIREPASS: usize = index_of("requirepass");
pub(super) const PROTO_MAX_BULK_LEN: usize = index_of("proto-max-bulk-len");
pub(super) const MAXCLIENTS: usize = index_of("maxclients");
pub(super) const TCP_BACKLOG: usize = index_of("tcp-backlog");
pub(super) const NOTIFY_KEYSPACE_EVENTS: usize = index_of("notify-keyspace-events");
pub(super) const BUSY_REPLY_THRESHOLD: usize = index_of("busy-reply-threshold");
pub(super) const HASH_MAX_LISTPACK_ENTRIES: usize = index_of("hash-max-listpack-entries");
pub(super) const HASH_MAX_LISTPACK_VALUE: usize = index_of("hash-max-listpack-value");
pub(super) const SET_MAX_INTSET_ENTRIES: usize = index_of("set-max-intset-entries");
pub(super) const ZSET_MAX_LISTPACK_ENTRIES: usize = index_of("zset-max-listpack-entries");
pub(super) const ZSET_MAX_LISTPACK_VALUE: usize = index_of("zset-max-listpack-value");
pub(super) const STREAM_NODE_MAX_BYTES: usize = index_of("stream-node-max-bytes");
pub(super) const STREAM_NODE_MAX_ENTRIES: usize = index_of("stream-node-max-entries");
pub(super) const MAXMEMORY_POLICY: usize = index_of("maxmemory-policy");
pub(super) const LFU_LOG_FACTOR: usize = index_of("lfu-log-factor");
pub(super) const LFU_DECAY_TIME: usize = index_of("lfu-decay-time");
pub(super) const CLIENT_QUERY_BUFFER_LIMIT: usize = index_of("client-query-buffer-limit");
pub(super) const TIMEOUT: usize = index_of("timeout");
pub(super) const DATABASES: usize = index_of("databases");
pub(super) const PORT: usize = index_of("port");
pub(super) const DIR: usize = index_of("dir");
pub(super) const HZ: usize = index_of("hz");
pub(super) const REPL_BACKLOG_SIZE: usize = index_of("repl-backlog-size");
pub(super) const OUTPUT_BUFFER_LIMIT: usize = index_of("client-output-buffer-limit");
pub(super) const ACLLOG_MAX_LEN: usize = index_of("acllog-max-len");
pub(super) const ACL_PUBSUB_DEFAULT: usize = index_of("acl-pubsub-default");
pub(super) const ACLFILE: usize = index_of("aclfile");
pub(super) const SLOWLOG_LOG_SLOWER_THAN: usize = index_of("slowlog-log-slower-than");
pub(super) const SLOWLOG_MAX_LEN: usize = index_of("slowlog-max-len");
pub(super) const LATENCY_MONITOR_THRESHOLD: usize = index_of("latency-monitor-threshold");
pub(super) const TRACKING_TABLE_MAX_KEYS: usize = index_of("tracking-table-max-keys");
pub(super) const LATENCY_TRACKING: usize = index_of("latency-tracking");

impl Config {
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

    /// `notify-keyspace-events` as [`notify`](super::notify) bit flags.
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

    /// `stream-node-max-bytes`: the listpack size at which a stream opens a
    /// new node.
    pub fn stream_node_max_bytes(&self) -> i64 {
        self.num(STREAM_NODE_MAX_BYTES)
    }

    /// `stream-node-max-entries`: the entries at which a stream opens a new
    /// node.
    pub fn stream_node_max_entries(&self) -> i64 {
        self.num(STREAM_NODE_MAX_ENTRIES)
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

    /// `acllog-max-len`: ACL LOG entries kept.
    pub fn acllog_max_len(&self) -> usize {
        usize::try_from(self.num(ACLLOG_MAX_LEN)).unwrap_or(0)
    }

    /// Whether `acl-pubsub-default` is `allchannels` (new users may use
    /// every channel).
    pub fn acl_all_channels_by_default(&self) -> bool {
        self.choice(ACL_PUBSUB_DEFAULT) == "allchannels"
    }

    /// `aclfile`, or `None` when no ACL file is configured.
    pub fn aclfile(&self) -> Option<&[u8]> {
        match &self.values[ACLFILE] {
            Value::Text(path) if !path.is_empty() => Some(path),
            _ => None,
        }
    }

    /// `slowlog-log-slower-than`, in microseconds (negative: log nothing).
    pub fn slowlog_log_slower_than(&self) -> i64 {
        self.num(SLOWLOG_LOG_SLOWER_THAN)
    }

    /// `slowlog-max-len`: SLOWLOG entries kept.
    pub fn slowlog_max_len(&self) -> usize {
        usize::try_from(self.num(SLOWLOG_MAX_LEN)).unwrap_or(0)
    }

    /// `latency-monitor-threshold`, in milliseconds (0: monitor nothing).
    pub fn latency_monitor_threshold(&self) -> i64 {
        self.num(LATENCY_MONITOR_THRESHOLD)
    }

    /// `hz`.
    pub fn hz(&self) -> i64 {
        self.num(HZ)
    }

    /// `latency-tracking`: whether per-command latency histograms are kept.
    pub fn latency_tracking(&self) -> bool {
        matches!(self.values[LATENCY_TRACKING], Value::Bool(true))
    }

    /// `tracking-table-max-keys` (0: no limit).
    pub fn tracking_table_max_keys(&self) -> usize {
        usize::try_from(self.num(TRACKING_TABLE_MAX_KEYS)).unwrap_or(0)
    }
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
