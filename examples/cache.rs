//! Cache-aside with single-flight, jittered TTLs and negative caching, and
//! a Bloom filter in front of it, on an in-process server.
//!
//! ```sh
//! cargo run --example cache
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redsim_lock::cache::{BloomFilter, Cache, CacheOptions};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = redsim::Server::start()?;
    let cache = Cache::with_options(
        server.connection(),
        CacheOptions::new()
            .jitter(0.1) // TTL × [1, 1.1): keys loaded together expire apart
            .negative_ttl(Duration::from_secs(30)), // "not found" is cached too
    );

    // Ten concurrent misses of one key: the loader runs once.
    let loads = Arc::new(AtomicUsize::new(0));
    let readers = (0..10).map(|_| {
        let cache = cache.clone();
        let loads = Arc::clone(&loads);
        async move {
            cache
                .get_or_set(
                    "user:7:name",
                    Duration::from_secs(3600),
                    move || async move {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await; // a slow database
                        Ok::<_, std::io::Error>(Some("Ada".to_string()))
                    },
                )
                .await
        }
    });
    let names: Vec<Option<String>> = futures_util::future::try_join_all(readers).await?;
    println!(
        "{} readers got {:?}; the loader ran {} time(s)",
        names.len(),
        names[0],
        loads.load(Ordering::SeqCst)
    );
    assert_eq!(loads.load(Ordering::SeqCst), 1);

    // A Bloom filter answers "certainly not" without touching the cache.
    let seen = BloomFilter::create(server.connection(), "seen", 100_000, 0.01).await?;
    seen.add(b"ada@example.com").await?;
    println!(
        "bloom: ada {} / bob {}",
        seen.contains(b"ada@example.com").await?,
        seen.contains(b"bob@example.com").await?
    );
    assert!(seen.contains(b"ada@example.com").await?);
    Ok(())
}
