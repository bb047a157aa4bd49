//! TEMPORARY shim, replaced by helper's config.rs.
use std::collections::BTreeMap;

/// Keyspace notification flags.
pub mod notify {
    /// K
    pub const KEYSPACE: u32 = 1 << 0;
    /// E
    pub const KEYEVENT: u32 = 1 << 1;
    /// g
    pub const GENERIC: u32 = 1 << 2;
    /// $
    pub const STRING: u32 = 1 << 3;
    /// l
    pub const LIST: u32 = 1 << 4;
    /// s
    pub const SET: u32 = 1 << 5;
    /// h
    pub const HASH: u32 = 1 << 6;
    /// z
    pub const ZSET: u32 = 1 << 7;
    /// x
    pub const EXPIRED: u32 = 1 << 8;
    /// e
    pub const EVICTED: u32 = 1 << 9;
    /// t
    pub const STREAM: u32 = 1 << 10;
    /// m
    pub const KEY_MISS: u32 = 1 << 11;
    /// d
    pub const MODULE: u32 = 1 << 12;
    /// n
    pub const NEW: u32 = 1 << 13;
    /// A
    pub const ALL: u32 = GENERIC | STRING | LIST | SET | HASH | ZSET | EXPIRED | EVICTED | STREAM | MODULE;
}

/// Config.
#[derive(Debug, Clone)]
pub struct Config { values: BTreeMap<String, Vec<u8>> }

impl Config {
    /// New.
    pub fn new() -> Self {
        let mut values = BTreeMap::new();
        for (k, v) in [("requirepass", ""), ("maxclients", "10000"), ("proto-max-bulk-len", "536870912"), ("save", "3600 1 300 100 60 10000"), ("appendonly", "no"), ("maxmemory", "0"), ("maxmemory-policy", "noeviction"), ("notify-keyspace-events", ""), ("client-query-buffer-limit", "1073741824"), ("databases", "16")] {
            values.insert(k.to_string(), v.as_bytes().to_vec());
        }
        Config { values }
    }
    /// Get.
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, Vec<u8>)> {
        self.values.iter().filter(|(k, _)| patterns.iter().any(|p| crate::glob::matches(p, k.as_bytes(), true))).map(|(k, v)| (k.clone(), v.clone())).collect()
    }
    /// Set.
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        for (k, v) in pairs {
            let k = String::from_utf8_lossy(k).to_ascii_lowercase();
            if !self.values.contains_key(&k) { return Err(format!("ERR Unknown option or number of arguments for CONFIG SET - '{k}'")); }
            self.values.insert(k, v.to_vec());
        }
        Ok(())
    }
    /// Port.
    pub fn set_port(&mut self, port: u16) { self.values.insert("port".into(), port.to_string().into_bytes()); }
    /// requirepass.
    pub fn requirepass(&self) -> Option<&[u8]> { self.values.get("requirepass").filter(|v| !v.is_empty()).map(|v| &v[..]) }
    fn int(&self, k: &str) -> i64 { self.values.get(k).and_then(|v| std::str::from_utf8(v).ok()?.parse().ok()).unwrap_or(0) }
    /// bulk len.
    pub fn proto_max_bulk_len(&self) -> i64 { self.int("proto-max-bulk-len") }
    /// maxclients.
    pub fn maxclients(&self) -> u64 { self.int("maxclients") as u64 }
    /// notify.
    pub fn notify_keyspace_events(&self) -> u32 { 0 }
    /// policy.
    pub fn maxmemory_policy(&self) -> &str { self.values.get("maxmemory-policy").and_then(|v| std::str::from_utf8(v).ok()).unwrap_or("noeviction") }
    /// qbuf.
    pub fn client_query_buffer_limit(&self) -> i64 { self.int("client-query-buffer-limit") }
}
