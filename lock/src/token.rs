//! Lock tokens: 128 random bits, as hex.
//!
//! A token only has to be unique among the owners of one lock: anyone who
//! can read the key can read it, so it is no secret. Each thread draws
//! from its own generator, seeded once from the operating system (so that
//! two processes, or two threads, never share a sequence), rather than
//! paying for a system call per acquisition.

use std::cell::RefCell;

thread_local! {
    static RNG: RefCell<fastrand::Rng> = RefCell::new(seeded());
}

fn seeded() -> fastrand::Rng {
    let mut seed = [0u8; 8];
    if getrandom::fill(&mut seed).is_err() {
        // No OS randomness (very unusual): fastrand's own seed mixes time
        // and thread identity.
        return fastrand::Rng::new();
    }
    fastrand::Rng::with_seed(u64::from_le_bytes(seed))
}

/// A fresh 32-hex-digit token.
pub(crate) fn new() -> String {
    let (hi, lo) = RNG.with(|rng| {
        let mut rng = rng.borrow_mut();
        (rng.u64(..), rng.u64(..))
    });
    format!("{hi:016x}{lo:016x}")
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
        let other_thread = std::thread::spawn(super::new).join().unwrap();
        assert_ne!(a, other_thread);
    }
}
