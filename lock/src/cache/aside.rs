//! [`Cache`]: cache-aside with TTL jitter, single-flight (in process and,
//! optionally, across processes), negative caching and serde values.
//!
//! Stored format (one Redis string per key): a marker byte, `v` followed
//! by the MessagePack encoding of the value, or `n` alone for a cached
//! "not found". Anything else under the key is treated as a miss and
//! overwritten by the next load.

use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use redis::aio::ConnectionLike;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::flight::{Flights, Outcome, Role, follow};
use crate::{Lock, LockOptions, cluster};

const VALUE: u8 = b'v';
const NOT_FOUND: u8 = b'n';

/// An error of a cache operation. `E` is the loader's error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError<E = std::convert::Infallible> {
    /// Redis failed.
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
    /// A value could not be encoded or decoded.
    #[error("cannot encode or decode the cached value: {0}")]
    Codec(String),
    /// The loader failed (shared with every caller that waited on it; it
    /// is not cached).
    #[error("loader failed: {0}")]
    Load(Arc<E>),
}

/// How a [`Cache`] stores and loads.
#[derive(Debug, Clone)]
pub struct CacheOptions {
    jitter: f64,
    negative_ttl: Option<Duration>,
    single_flight: bool,
    distributed: Option<LockOptions>,
    seed: Option<u64>,
}

impl Default for CacheOptions {
    /// Jitter 10 %, no negative caching, in-process single-flight on, no
    /// distributed single-flight.
    fn default() -> Self {
        CacheOptions {
            jitter: 0.1,
            negative_ttl: None,
            single_flight: true,
            distributed: None,
            seed: None,
        }
    }
}

impl CacheOptions {
    /// The defaults (see [`Default`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Each TTL is the requested one stretched by a random fraction in
    /// `[0, spread)`: keys written together expire spread over that range
    /// instead of all at once (an avalanche). 0 turns jitter off.
    #[must_use]
    pub fn jitter(mut self, spread: f64) -> Self {
        self.jitter = spread.max(0.0);
        self
    }

    /// Caches "not found" for `ttl` (usually much shorter than values'),
    /// so that lookups of keys that do not exist stop reaching the loader
    /// (penetration).
    #[must_use]
    pub fn negative_ttl(mut self, ttl: Duration) -> Self {
        self.negative_ttl = Some(ttl);
        self
    }

    /// Whether concurrent misses of one key in this process share one load
    /// (on by default).
    #[must_use]
    pub fn single_flight(mut self, on: bool) -> Self {
        self.single_flight = on;
        self
    }

    /// Also shares loads across processes: a miss takes a lock beside the
    /// key (`{key}:load`) before loading, and a process that had to wait
    /// for it finds the value the winner stored. If the lock cannot be had
    /// within its acquire timeout, the process loads anyway.
    #[must_use]
    pub fn distributed(mut self, lock: LockOptions) -> Self {
        self.distributed = Some(lock);
        self
    }

    /// Seeds the jitter, so that a test sees the same TTLs every run.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// Cache-aside over Redis. Clones share the single-flight table.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), redsim_lock::cache::CacheError<std::io::Error>> {
/// use std::time::Duration;
/// use redsim_lock::cache::{Cache, CacheOptions};
///
/// #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
/// struct User { id: u32, name: String }
///
/// let server = redsim::Server::start().unwrap();
/// let cache = Cache::with_options(
///     server.connection(),
///     CacheOptions::new().negative_ttl(Duration::from_secs(30)),
/// );
/// let hour = Duration::from_secs(3600);
/// let user = cache
///     .get_or_set("user:7", hour, || async {
///         Ok::<_, std::io::Error>(Some(User { id: 7, name: "Ada".into() }))
///     })
///     .await?;
/// assert_eq!(user.unwrap().name, "Ada");
/// // Served from Redis now: the loader is not called again.
/// let again: Option<User> = cache
///     .get_or_set("user:7", hour, || async { unreachable!() })
///     .await?;
/// assert_eq!(again.unwrap().id, 7);
/// # Ok(()) }
/// ```
pub struct Cache<C> {
    inner: Arc<Inner<C>>,
}

impl<C> Clone for Cache<C> {
    fn clone(&self) -> Self {
        Cache {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<C> std::fmt::Debug for Cache<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("options", &self.inner.options)
            .finish()
    }
}

struct Inner<C> {
    conn: C,
    options: CacheOptions,
    flights: Flights,
    rng: Mutex<fastrand::Rng>,
}

/// What a lookup found.
enum Lookup<T> {
    Value(T),
    NotFound,
    Miss,
}

impl<C> Cache<C>
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    /// A cache with default options.
    pub fn new(conn: C) -> Self {
        Self::with_options(conn, CacheOptions::default())
    }

    /// A cache.
    pub fn with_options(conn: C, options: CacheOptions) -> Self {
        let rng = match options.seed {
            Some(s) => fastrand::Rng::with_seed(s),
            None => fastrand::Rng::new(),
        };
        Cache {
            inner: Arc::new(Inner {
                conn,
                options,
                flights: Flights::default(),
                rng: Mutex::new(rng),
            }),
        }
    }

    /// The TTL a value written now with `ttl` gets: `ttl` stretched by the
    /// jitter (whole milliseconds, at least 1).
    pub fn jittered(&self, ttl: Duration) -> Duration {
        let spread = self.inner.options.jitter;
        let stretch = if spread > 0.0 {
            1.0 + spread * self.inner.rng.lock().f64()
        } else {
            1.0
        };
        let ms = (ttl.as_secs_f64() * 1000.0 * stretch).floor().max(1.0);
        Duration::from_millis(ms as u64)
    }

    /// The value under `key`: `Ok(Some(Some(v)))` cached, `Ok(Some(None))`
    /// cached as not found, `Ok(None)` a miss.
    ///
    /// # Errors
    /// Redis or decoding failed.
    pub async fn get<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Option<T>>, CacheError> {
        Ok(match self.lookup(key).await? {
            Lookup::Value(v) => Some(Some(v)),
            Lookup::NotFound => Some(None),
            Lookup::Miss => None,
        })
    }

    /// Stores `value` under `key` for `ttl` (jittered).
    ///
    /// # Errors
    /// Redis or encoding failed.
    pub async fn set<T: Serialize>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), CacheError> {
        let bytes = encode(value)?;
        self.store(key, &bytes, self.jittered(ttl)).await?;
        Ok(())
    }

    /// Forgets `key` (after the source changed).
    ///
    /// # Errors
    /// Redis failed.
    pub async fn invalidate(&self, key: &str) -> Result<(), CacheError> {
        let mut conn = self.inner.conn.clone();
        let _: i64 = redis::cmd("DEL").arg(key).query_async(&mut conn).await?;
        Ok(())
    }

    /// Cache-aside: the cached value, or the loader's, stored for `ttl`
    /// (jittered). The loader answers `Ok(None)` for "not found", which is
    /// cached for the negative TTL if one is set. Concurrent misses of a
    /// key share one loader call (in this process; across processes with
    /// [`CacheOptions::distributed`]). A loader error reaches every caller
    /// that waited on it and is not cached. A failure to store the loaded
    /// value is logged, not returned: the caller still gets the value.
    ///
    /// # Errors
    /// Redis failed on the lookup, decoding failed, or the loader failed.
    pub async fn get_or_set<T, E, F, Fut>(
        &self,
        key: &str,
        ttl: Duration,
        loader: F,
    ) -> Result<Option<T>, CacheError<E>>
    where
        T: Serialize + DeserializeOwned,
        E: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        match self.lookup(key).await.map_err(widen)? {
            Lookup::Value(v) => return Ok(Some(v)),
            Lookup::NotFound => return Ok(None),
            Lookup::Miss => {}
        }
        if !self.inner.options.single_flight {
            return self.load(key, ttl, loader).await.map(|(v, _)| v);
        }
        let mut loader = Some(loader);
        loop {
            match self.inner.flights.join(key) {
                Role::Leader(leader) => {
                    let Some(loader) = loader.take() else {
                        // Unreachable: a caller leads at most once.
                        return Err(CacheError::Codec("loader already used".into()));
                    };
                    let result = self.load(key, ttl, loader).await;
                    let outcome = match &result {
                        Ok((_, outcome)) => outcome.clone(),
                        Err(CacheError::Load(e)) => {
                            Outcome::Failed(Arc::clone(e) as Arc<dyn std::any::Any + Send + Sync>)
                        }
                        // Redis or codec trouble: let waiters try themselves.
                        Err(_) => {
                            drop(leader);
                            return result.map(|(v, _)| v);
                        }
                    };
                    leader.finish(outcome);
                    return result.map(|(v, _)| v);
                }
                Role::Follower(slot) => match follow(slot).await {
                    Some(Outcome::Found(bytes)) => return decode(&bytes).map(Some).map_err(widen),
                    Some(Outcome::NotFound) => return Ok(None),
                    Some(Outcome::Failed(e)) => match e.downcast::<E>() {
                        Ok(e) => return Err(CacheError::Load(e)),
                        // A loader of another error type: load ourselves.
                        Err(_) => continue,
                    },
                    // The leader was cancelled or met Redis trouble: lead.
                    None => continue,
                },
            }
        }
    }

    /// Runs the loader (under the distributed lock if configured) and
    /// stores its answer.
    async fn load<T, E, F, Fut>(
        &self,
        key: &str,
        ttl: Duration,
        loader: F,
    ) -> Result<(Option<T>, Outcome), CacheError<E>>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<T>, E>>,
    {
        let _guard = match &self.inner.options.distributed {
            Some(options) => {
                let lock = Lock::with_options(
                    self.inner.conn.clone(),
                    cluster::sibling(key, ":load"),
                    options.clone(),
                );
                let guard = lock.acquire().await.ok();
                if guard.is_some() {
                    // Another process may have loaded it while we waited.
                    match self.lookup_raw(key).await.map_err(widen)? {
                        Some(bytes) if bytes.first() == Some(&VALUE) => {
                            let value = decode(&bytes[1..]).map_err(widen)?;
                            return Ok((Some(value), Outcome::Found(Arc::from(&bytes[1..]))));
                        }
                        Some(bytes) if bytes.as_slice() == [NOT_FOUND] => {
                            return Ok((None, Outcome::NotFound));
                        }
                        _ => {}
                    }
                }
                guard
            }
            None => None,
        };
        let loaded = loader().await.map_err(|e| CacheError::Load(Arc::new(e)))?;
        let outcome = match &loaded {
            Some(value) => {
                let bytes = encode(value).map_err(widen)?;
                let mut stored = Vec::with_capacity(bytes.len() + 1);
                stored.push(VALUE);
                stored.extend_from_slice(&bytes);
                if let Err(e) = self.store(key, &stored, self.jittered(ttl)).await {
                    tracing::warn!(key, "could not cache the loaded value: {e}");
                }
                Outcome::Found(Arc::from(bytes))
            }
            None => {
                if let Some(negative) = self.inner.options.negative_ttl
                    && let Err(e) = self.store(key, &[NOT_FOUND], negative).await
                {
                    tracing::warn!(key, "could not cache not-found: {e}");
                }
                Outcome::NotFound
            }
        };
        Ok((loaded, outcome))
    }

    async fn lookup<T: DeserializeOwned>(&self, key: &str) -> Result<Lookup<T>, CacheError> {
        Ok(match self.lookup_raw(key).await? {
            Some(bytes) if bytes.first() == Some(&VALUE) => Lookup::Value(decode(&bytes[1..])?),
            Some(bytes) if bytes.as_slice() == [NOT_FOUND] => Lookup::NotFound,
            _ => Lookup::Miss,
        })
    }

    async fn lookup_raw(&self, key: &str) -> Result<Option<Vec<u8>>, CacheError> {
        let mut conn = self.inner.conn.clone();
        Ok(redis::cmd("GET").arg(key).query_async(&mut conn).await?)
    }

    async fn store(&self, key: &str, bytes: &[u8], ttl: Duration) -> Result<(), redis::RedisError> {
        let mut conn = self.inner.conn.clone();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(key)
            .arg(bytes)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut conn)
            .await
    }
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, CacheError> {
    rmp_serde::to_vec(value).map_err(|e| CacheError::Codec(e.to_string()))
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CacheError> {
    rmp_serde::from_slice(bytes).map_err(|e| CacheError::Codec(e.to_string()))
}

/// A loader-free error as one of any loader's.
fn widen<E>(e: CacheError) -> CacheError<E> {
    match e {
        CacheError::Redis(r) => CacheError::Redis(r),
        CacheError::Codec(c) => CacheError::Codec(c),
        CacheError::Load(never) => match *never {},
    }
}
