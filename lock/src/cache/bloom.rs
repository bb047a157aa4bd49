//! [`BloomFilter`]: a Bloom filter kept in a Redis bitmap.
//!
//! Sized from the expected number of items `n` and the target
//! false-positive rate `p`: `m = ⌈−n·ln p / (ln 2)²⌉` bits and
//! `k = round(m/n · ln 2)` hashes. The `k` positions of an item come from
//! one XXH3-128 hash split into two 64-bit halves `h1`, `h2`, combined by
//! enhanced double hashing (`h1 + i·h2 + (i³ − i)/6 mod m`), which behaves
//! like `k` independent hashes for a filter's purposes. Each add is one
//! pipeline of `k` SETBITs, each check one pipeline of `k` GETBITs. The
//! parameters live in a hash beside the bits (same hash tag), so a second
//! process opens the same filter with [`BloomFilter::open`].

use redis::aio::ConnectionLike;

use crate::cluster;

/// The most bits a Redis string holds (512 MB).
const MAX_BITS: u64 = 1 << 32;

/// A filter's size: bits and hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BloomParams {
    /// `m`, the number of bits.
    pub bits: u64,
    /// `k`, the number of hash positions per item.
    pub hashes: u32,
}

impl BloomParams {
    /// The optimal size for `expected_items` at `fp_rate`.
    ///
    /// ```
    /// use redsim_lock::cache::BloomParams;
    /// let p = BloomParams::optimal(100_000, 0.01);
    /// assert_eq!((p.bits, p.hashes), (958_506, 7));
    /// ```
    pub fn optimal(expected_items: u64, fp_rate: f64) -> Self {
        let n = expected_items.max(1) as f64;
        let p = fp_rate.clamp(1e-12, 0.5);
        let ln2 = std::f64::consts::LN_2;
        let bits = (-n * p.ln() / (ln2 * ln2)).ceil().max(8.0) as u64;
        let hashes = ((bits as f64 / n) * ln2).round().max(1.0) as u32;
        BloomParams { bits, hashes }
    }

    /// The false-positive rate expected after `items` insertions:
    /// `(1 − e^(−k·n/m))^k`.
    pub fn expected_fp_rate(&self, items: u64) -> f64 {
        let k = f64::from(self.hashes);
        (1.0 - (-k * items as f64 / self.bits as f64).exp()).powf(k)
    }

    /// The bit positions of `item`.
    pub fn positions(&self, item: &[u8]) -> impl Iterator<Item = u64> + use<> {
        let h = xxhash_rust::xxh3::xxh3_128(item);
        let (h1, h2) = (h as u64, (h >> 64) as u64);
        let m = self.bits;
        (0..u64::from(self.hashes)).map(move |i| {
            let cube = i.wrapping_mul(i).wrapping_mul(i).wrapping_sub(i) / 6;
            h1.wrapping_add(i.wrapping_mul(h2)).wrapping_add(cube) % m
        })
    }
}

/// An error of a Bloom filter operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BloomError {
    /// Redis failed.
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
    /// The filter would need more bits than a Redis string holds.
    #[error("a filter of {0} bits does not fit in a Redis string (at most 2^32)")]
    TooLarge(u64),
    /// The key already holds a filter of another size.
    #[error("{key:?} already holds a filter of {existing:?}, not {wanted:?}")]
    Mismatch {
        /// The filter's key.
        key: String,
        /// Its stored parameters.
        existing: BloomParams,
        /// The ones asked for.
        wanted: BloomParams,
    },
}

/// A Bloom filter in the bitmap `key`, its parameters in `{key}:params`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::cache::BloomError> {
/// use redsim_lock::cache::BloomFilter;
///
/// let server = redsim::Server::start().unwrap();
/// let seen = BloomFilter::create(server.connection(), "seen:emails", 10_000, 0.01).await?;
/// assert!(seen.add(b"ada@example.com").await?); // new
/// assert!(seen.contains(b"ada@example.com").await?);
/// assert!(!seen.contains(b"bob@example.com").await?); // (almost surely)
///
/// // Another process opens the same filter by its key.
/// let same = BloomFilter::open(server.connection(), "seen:emails").await?.unwrap();
/// assert_eq!(same.params(), seen.params());
/// assert!(same.contains(b"ada@example.com").await?);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct BloomFilter<C> {
    conn: C,
    key: String,
    params_key: String,
    params: BloomParams,
}

impl<C> BloomFilter<C>
where
    C: ConnectionLike + Clone + Send + Sync,
{
    /// Creates the filter sized for `expected_items` at `fp_rate`, or opens
    /// it if `key` already holds one of that size.
    ///
    /// # Errors
    /// [`BloomError::Mismatch`] if it holds one of another size;
    /// [`BloomError::TooLarge`]; a Redis error.
    pub async fn create(
        conn: C,
        key: impl Into<String>,
        expected_items: u64,
        fp_rate: f64,
    ) -> Result<Self, BloomError> {
        Self::create_with(conn, key, BloomParams::optimal(expected_items, fp_rate)).await
    }

    /// Creates (or opens) the filter with explicit parameters.
    ///
    /// # Errors
    /// As [`BloomFilter::create`].
    pub async fn create_with(
        mut conn: C,
        key: impl Into<String>,
        params: BloomParams,
    ) -> Result<Self, BloomError> {
        if params.bits == 0 || params.bits > MAX_BITS {
            return Err(BloomError::TooLarge(params.bits));
        }
        let key = key.into();
        let params_key = cluster::sibling(&key, ":params");
        // First writer wins; everyone then reads what is stored.
        let (_, _, stored): ((), (), (Option<u64>, Option<u32>)) = redis::pipe()
            .cmd("HSETNX")
            .arg(&params_key)
            .arg("bits")
            .arg(params.bits)
            .cmd("HSETNX")
            .arg(&params_key)
            .arg("hashes")
            .arg(params.hashes)
            .cmd("HMGET")
            .arg(&params_key)
            .arg("bits")
            .arg("hashes")
            .query_async(&mut conn)
            .await?;
        let existing = match stored {
            (Some(bits), Some(hashes)) => BloomParams { bits, hashes },
            _ => params,
        };
        if existing != params {
            return Err(BloomError::Mismatch {
                key,
                existing,
                wanted: params,
            });
        }
        Ok(BloomFilter {
            conn,
            key,
            params_key,
            params,
        })
    }

    /// Opens the filter stored under `key`, if there is one.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn open(mut conn: C, key: impl Into<String>) -> Result<Option<Self>, BloomError> {
        let key = key.into();
        let params_key = cluster::sibling(&key, ":params");
        let (bits, hashes): (Option<u64>, Option<u32>) = redis::cmd("HMGET")
            .arg(&params_key)
            .arg("bits")
            .arg("hashes")
            .query_async(&mut conn)
            .await?;
        Ok(bits.zip(hashes).map(|(bits, hashes)| BloomFilter {
            conn,
            key,
            params_key,
            params: BloomParams { bits, hashes },
        }))
    }

    /// Its size.
    pub fn params(&self) -> BloomParams {
        self.params
    }

    /// The bitmap's key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Adds `item` (one round trip): `true` if it was not in the filter
    /// before (some bit was still clear), `false` if it probably was.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn add(&self, item: &[u8]) -> Result<bool, BloomError> {
        Ok(self.add_all([item]).await?[0])
    }

    /// Whether `item` is probably in the filter (one round trip): `false`
    /// is certain, `true` is wrong at the false-positive rate.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn contains(&self, item: &[u8]) -> Result<bool, BloomError> {
        Ok(self.contains_all([item]).await?[0])
    }

    /// Adds every item in one round trip; for each, whether it was new.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn add_all<'a>(
        &self,
        items: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<bool>, BloomError> {
        self.bits(items, true).await
    }

    /// Checks every item in one round trip.
    ///
    /// # Errors
    /// A Redis error.
    pub async fn contains_all<'a>(
        &self,
        items: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<Vec<bool>, BloomError> {
        Ok(self
            .bits(items, false)
            .await?
            .into_iter()
            .map(|missing| !missing)
            .collect())
    }

    /// Empties the filter (bits and parameters).
    ///
    /// # Errors
    /// A Redis error.
    pub async fn clear(&self) -> Result<(), BloomError> {
        let mut conn = self.conn.clone();
        let _: i64 = redis::cmd("DEL")
            .arg(&self.key)
            .arg(&self.params_key)
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    /// SETBIT (`set`) or GETBIT every position of every item in one
    /// pipeline; per item, whether any of its bits was clear.
    async fn bits<'a>(
        &self,
        items: impl IntoIterator<Item = &'a [u8]>,
        set: bool,
    ) -> Result<Vec<bool>, BloomError> {
        let mut pipe = redis::pipe();
        let mut count = 0usize;
        for item in items {
            count += 1;
            for pos in self.params.positions(item) {
                if set {
                    pipe.cmd("SETBIT").arg(&self.key).arg(pos).arg(1);
                } else {
                    pipe.cmd("GETBIT").arg(&self.key).arg(pos);
                }
            }
        }
        if count == 0 {
            return Ok(Vec::new());
        }
        let mut conn = self.conn.clone();
        let bits: Vec<u8> = pipe.query_async(&mut conn).await?;
        let k = self.params.hashes as usize;
        Ok(bits.chunks(k).map(|c| c.contains(&0)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimal_sizes_follow_the_formulas() {
        let p = BloomParams::optimal(1_000_000, 0.001);
        assert_eq!(p.hashes, 10);
        assert!((14_377_000..14_378_000).contains(&p.bits), "{}", p.bits);
        let fp = BloomParams::optimal(100_000, 0.01).expected_fp_rate(100_000);
        assert!((0.0095..0.0105).contains(&fp), "{fp}");
    }

    #[test]
    fn positions_are_in_range_distinct_enough_and_stable() {
        let p = BloomParams {
            bits: 1000,
            hashes: 7,
        };
        let a: Vec<u64> = p.positions(b"item").collect();
        assert_eq!(a.len(), 7);
        assert!(a.iter().all(|&x| x < 1000));
        assert_eq!(a, p.positions(b"item").collect::<Vec<_>>());
        assert_ne!(a, p.positions(b"other").collect::<Vec<_>>());
    }
}
