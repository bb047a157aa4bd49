//! Redis Cluster key placement: hash tags and key slots.
//!
//! Keys that one script touches must live on one node: in a cluster, on
//! one slot. A hash tag — the part between the first `{` and the next `}`,
//! when not empty — is all that is hashed, so `{order:42}:lock` and
//! `{order:42}:fence` share a slot. The lock keeps its fencing counter
//! (and the cache its single-flight lock) beside the key it serves this way.

use crc::{CRC_16_XMODEM, Crc};

const CRC16: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);

/// The number of slots in a Redis Cluster.
pub const SLOTS: u16 = 16384;

/// The hash tag of `key`: the bytes between the first `{` and the first
/// `}` after it, if there are any.
///
/// ```
/// use redsim_lock::cluster::hash_tag;
/// assert_eq!(hash_tag(b"user:{1001}:profile"), Some(&b"1001"[..]));
/// assert_eq!(hash_tag(b"{}empty"), None);
/// assert_eq!(hash_tag(b"plain"), None);
/// ```
pub fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let open = key.iter().position(|&b| b == b'{')?;
    let rest = &key[open + 1..];
    let close = rest.iter().position(|&b| b == b'}')?;
    (close > 0).then(|| &rest[..close])
}

/// The cluster slot of `key`, as `CLUSTER KEYSLOT` computes it: CRC16
/// (XMODEM) of the hash tag if there is one, else of the whole key, modulo
/// 16384.
///
/// ```
/// use redsim_lock::cluster::key_slot;
/// assert_eq!(key_slot(b"foo"), 12182);
/// assert_eq!(key_slot(b"{user1000}.following"), key_slot(b"{user1000}.followers"));
/// ```
pub fn key_slot(key: &[u8]) -> u16 {
    let hashed = hash_tag(key).unwrap_or(key);
    CRC16.checksum(hashed) % SLOTS
}

/// A key derived from `key` that lands on the same slot: `key` keeps its
/// hash tag and gets `suffix` appended; a key without one is wrapped as
/// the tag (`{key}suffix`), which hashes exactly as the bare key does.
///
/// ```
/// use redsim_lock::cluster::{key_slot, sibling};
/// assert_eq!(sibling("order:42", ":fence"), "{order:42}:fence");
/// assert_eq!(sibling("{order}:42", ":fence"), "{order}:42:fence");
/// assert_eq!(key_slot(b"order:42"), key_slot(sibling("order:42", ":fence").as_bytes()));
/// ```
pub fn sibling(key: &str, suffix: &str) -> String {
    if hash_tag(key.as_bytes()).is_some() {
        format!("{key}{suffix}")
    } else if !key.contains(['{', '}']) {
        format!("{{{key}}}{suffix}")
    } else {
        // Braces without a usable tag ("a{}b", "x}y{"): wrapping would
        // change the hashed bytes; no derived key can share the slot
        // without one, so the caller's key must be given a tag.
        format!("{key}{suffix}")
    }
}

/// [`LockError::CrossSlot`](crate::LockError::CrossSlot) unless every
/// key of `keys` hashes to one slot: what every lock kind checks before
/// its first script, on any connection, so that a lock tested against one
/// server keeps working on a cluster.
///
/// ```
/// use redsim_lock::cluster::check_one_slot;
/// assert!(check_one_slot("m", &["{m}:a", "{m}:b"]).is_ok());
/// let err = check_one_slot("m", &["a", "b"]).unwrap_err();
/// assert!(err.to_string().contains("hash tag"));
/// ```
///
/// # Errors
/// [`LockError::CrossSlot`](crate::LockError::CrossSlot), naming the
/// keys and their slots.
pub fn check_one_slot<K: AsRef<str>>(name: &str, keys: &[K]) -> Result<(), crate::LockError> {
    let bytes: Vec<&[u8]> = keys.iter().map(|k| k.as_ref().as_bytes()).collect();
    if same_slot(&bytes) {
        return Ok(());
    }
    Err(crate::LockError::CrossSlot {
        name: name.to_string(),
        keys: keys.iter().map(|k| k.as_ref().to_string()).collect(),
        slots: bytes.iter().map(|k| key_slot(k)).collect(),
    })
}

/// Whether every key hashes to one slot (what a script over them needs in
/// a cluster).
pub fn same_slot<K: AsRef<[u8]>>(keys: &[K]) -> bool {
    let mut slots = keys.iter().map(|k| key_slot(k.as_ref()));
    match slots.next() {
        Some(first) => slots.all(|s| s == first),
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_match_known_values() {
        // Values from Redis's cluster specification and CLUSTER KEYSLOT.
        assert_eq!(key_slot(b"foo"), 12182);
        assert_eq!(key_slot(b"bar"), 5061);
        assert_eq!(key_slot(b""), 0);
        assert_eq!(key_slot(b"{foo}bar"), key_slot(b"foo"));
        assert_eq!(key_slot(b"{}foo"), key_slot(b"{}foo"));
        assert_ne!(key_slot(b"{}foo"), key_slot(b"foo"));
    }

    #[test]
    fn tags_are_the_first_brace_pair() {
        assert_eq!(hash_tag(b"a{b}{c}"), Some(&b"b"[..]));
        assert_eq!(hash_tag(b"a{{b}}"), Some(&b"{b"[..]));
        assert_eq!(hash_tag(b"a}b{c"), None);
    }

    #[test]
    fn siblings_share_the_slot_when_they_can() {
        for key in ["lock", "order:42", "{t}x", "a{b}c"] {
            assert_eq!(
                key_slot(key.as_bytes()),
                key_slot(sibling(key, ":fence").as_bytes()),
                "{key}"
            );
        }
        assert!(same_slot(&["{u}1", "{u}2", "u"]));
        assert!(!same_slot(&["a", "b"]));
    }
}
