//! Helpers shared by the hash and set families: SCAN cursors and options,
//! the counts of the random-pick commands, uniform sampling, and borrowing
//! a key's value alongside the reply buffer and the random generator.
//!
//! Cursor and option parsing are SCAN's own (`keys::scan`), shared.

use std::collections::HashSet;

use bytes::Bytes;

use super::error::{self, CmdError};
use super::{Ctx, int_arg};
use crate::db::{Lookup, Value};
use crate::protocol::Out;

pub(crate) use super::keys::scan::{ScanOptions, parse_cursor};

/// Parses HSCAN's and SSCAN's `[MATCH pattern] [COUNT count]` from
/// `args[from..]`: SCAN's option parsing without TYPE.
pub(crate) fn parse_scan_options(args: &[Bytes], from: usize) -> Result<ScanOptions<'_>, CmdError> {
    super::keys::scan::parse_options(args, from, false)
}

/// Writes a SCAN reply: the next cursor, then the elements.
pub(crate) fn reply_scan(out: &mut Out, cursor: u64, items: &[&[u8]]) {
    out.array(2);
    let mut buf = itoa::Buffer::new();
    out.bulk(buf.format(cursor).as_bytes());
    out.array(items.len());
    for item in items {
        out.bulk(item);
    }
}

/// The reply of HSCAN/SSCAN on a missing key: cursor 0, no element.
pub(crate) fn reply_empty_scan(out: &mut Out) {
    reply_scan(out, 0, &[]);
}

/// Parses the count of HRANDFIELD and SRANDMEMBER: an integer between
/// −(2⁶³−1) and 2⁶³−1, as Redis's `getRangeLongFromObjectOrReply` checks
/// it (negating −2⁶³ would overflow).
pub(crate) fn parse_random_count(arg: &[u8]) -> Result<i64, CmdError> {
    let n = int_arg(arg)?;
    if n == i64::MIN {
        return Err(error::value_between(-i64::MAX, i64::MAX));
    }
    Ok(n)
}

/// The most picks a negative-count HRANDFIELD or SRANDMEMBER may ask for.
///
/// Redis starts answering any count, however large, and for a count like
/// −2⁶³+1 grows its output buffer until the process runs out of memory.
/// redsim builds a reply whole, inside the test process, so it refuses
/// such counts with Redis's range error instead (`ERR value is out of
/// range`). 2²⁴ picks is far beyond what a test asks for.
pub(crate) const MAX_REPEATED_PICKS: u64 = 1 << 24;

/// `k` distinct positions out of `0..n` (k ≤ n), uniformly, in random
/// order, in O(k) (Floyd's sampling; the set is only probed, never
/// iterated, so the output depends on the seed alone).
pub(crate) fn sample_distinct(rng: &mut fastrand::Rng, n: usize, k: usize) -> Vec<usize> {
    let k = k.min(n);
    let mut chosen = HashSet::with_capacity(k);
    let mut order = Vec::with_capacity(k);
    for j in (n - k)..n {
        let t = rng.usize(..=j);
        let pick = if chosen.insert(t) {
            t
        } else {
            chosen.insert(j);
            j
        };
        order.push(pick);
    }
    rng.shuffle(&mut order);
    order
}

/// The value of a key (already looked up through a [`Ctx`] lookup, which
/// did the expiry and the statistics), borrowed together with the reply
/// buffer and the random generator.
pub(crate) struct Parts<'c> {
    /// The key's value, `None` if it does not exist.
    pub value: Option<&'c mut Value>,
    /// The reply buffer.
    pub out: &'c mut Out,
    /// The server's seeded random generator.
    pub rng: &'c mut fastrand::Rng,
}

/// Borrows `key`'s value, the reply buffer and the generator at once.
pub(crate) fn parts<'c>(ctx: &'c mut Ctx<'_>, key: &[u8]) -> Parts<'c> {
    let now = ctx.now;
    let db = ctx.client.db;
    let state = &mut *ctx.state;
    let dbs = &mut state.dbs;
    let value = match dbs[db].lookup(key, now) {
        Lookup::Found(i) => Some(&mut dbs[db].entry_at_mut(i).value),
        Lookup::Missing | Lookup::Expired(_) => None,
    };
    Parts {
        value,
        out: &mut *ctx.out,
        rng: &mut state.rng,
    }
}

/// Records a change to `key`: WATCH and the dirty counter. `changes` is
/// what Redis adds to its dirty counter for the command (at least one).
pub(crate) fn modified(ctx: &mut Ctx<'_>, key: &[u8], changes: u64) {
    ctx.key_modified(key);
    ctx.state.dirty += changes.saturating_sub(1);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_parse_as_strtoul_does() {
        assert_eq!(parse_cursor(b"0"), Ok(0));
        assert_eq!(parse_cursor(b""), Ok(0));
        assert_eq!(parse_cursor(b"007"), Ok(7));
        assert_eq!(parse_cursor(b"+7"), Ok(7));
        assert_eq!(parse_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_cursor(b"18446744073709551615"), Ok(u64::MAX));
        for bad in [
            &b" 1"[..],
            b"1 ",
            b"x",
            b"-",
            b"+",
            b"18446744073709551616",
            b"1x",
        ] {
            assert_eq!(parse_cursor(bad), Err(error::INVALID_CURSOR), "{bad:?}");
        }
    }

    #[test]
    fn random_count_refuses_only_i64_min() {
        assert_eq!(parse_random_count(b"-9223372036854775807"), Ok(-i64::MAX));
        assert!(parse_random_count(b"-9223372036854775808").is_err());
        assert_eq!(parse_random_count(b"x"), Err(error::NOT_INTEGER));
    }

    #[test]
    fn sampling_is_distinct_and_covers_everything_when_asked() {
        let mut rng = fastrand::Rng::with_seed(5);
        for n in 0..40 {
            for k in 0..=n {
                let s = sample_distinct(&mut rng, n, k);
                assert_eq!(s.len(), k);
                let distinct: HashSet<_> = s.iter().copied().collect();
                assert_eq!(distinct.len(), k);
                assert!(s.iter().all(|&i| i < n));
            }
        }
        // Each position is about equally likely.
        let mut hits = [0u32; 10];
        for _ in 0..20_000 {
            for i in sample_distinct(&mut rng, 10, 3) {
                hits[i] += 1;
            }
        }
        assert!(
            hits.iter().all(|&h| (5_000..7_000).contains(&h)),
            "{hits:?}"
        );
    }
}
