//! Lock tokens: 128 random bits from the operating system, as hex.
//!
//! The token is what tells owners apart in Redis; guessing or repeating
//! one would let an owner release another's lock, so it comes from the
//! OS generator rather than a seeded one.

/// A fresh 32-hex-digit token.
pub(crate) fn new() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness (very unusual): fall back to a generator seeded
        // by time and thread, still unique in practice.
        let mut rng = fastrand::Rng::new();
        rng.fill(&mut bytes);
    }
    let mut hex = String::with_capacity(32);
    for b in bytes {
        hex.push(char::from_digit(u32::from(b >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(b & 0xf), 16).unwrap_or('0'));
    }
    hex
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_32_hex_digits_and_differ() {
        let a = super::new();
        let b = super::new();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
