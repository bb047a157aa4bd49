//! Cache patterns on redsim (paused Tokio time) and real Redis: jitter,
//! single-flight, negative caching, errors, the Bloom filter's measured
//! false-positive rate, and key slots against a real cluster node.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use redsim::{Server, TokioClock};
use redsim_lock::LockOptions;
use redsim_lock::cache::{BloomFilter, BloomParams, Cache, CacheError, CacheOptions};
use redsim_lock::cluster;
use support::RealRedis;

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
struct Product {
    id: u32,
    name: String,
    price_cents: u64,
}

fn product(id: u32) -> Product {
    Product {
        id,
        name: format!("product {id}"),
        price_cents: u64::from(id) * 100,
    }
}

fn server() -> Server {
    Server::builder()
        .clock(TokioClock::new())
        .listen(false)
        .start()
        .unwrap()
}

#[derive(Debug)]
struct Unavailable;

#[tokio::test(start_paused = true)]
async fn jittered_ttls_spread_over_the_configured_range() {
    let server = server();
    let cache = Cache::with_options(
        server.connection(),
        CacheOptions::new().jitter(0.2).seed(11),
    );
    let ttl = Duration::from_secs(100);
    for i in 0..1000 {
        cache
            .set(&format!("p:{i}"), &product(i), ttl)
            .await
            .unwrap();
    }
    let db = server.db(0);
    let mut buckets = [0usize; 4];
    for i in 0..1000 {
        let redsim::direct::Ttl::Remaining(left) = db.ttl(format!("p:{i}")) else {
            panic!("no TTL on p:{i}")
        };
        assert!(left >= ttl && left < ttl.mul_f64(1.2), "{left:?}");
        let bucket = ((left - ttl).as_secs_f64() / 5.0) as usize;
        buckets[bucket.min(3)] += 1;
    }
    // Uniform over [100 s, 120 s): each 5 s quarter holds about 250.
    assert!(
        buckets.iter().all(|&n| (200..300).contains(&n)),
        "{buckets:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_hundred_concurrent_misses_call_the_loader_once() {
    let server = server();
    let cache = Cache::new(server.connection());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (cache, calls) = (cache.clone(), Arc::clone(&calls));
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_set("hot", Duration::from_secs(60), || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    // A slow source: every other caller arrives meanwhile.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, Unavailable>(Some(product(1)))
                })
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), Some(product(1)));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn not_found_is_cached_for_the_negative_ttl_and_expires_on_time() {
    let server = server();
    let cache = Cache::with_options(
        server.connection(),
        CacheOptions::new().negative_ttl(Duration::from_secs(5)),
    );
    let calls = AtomicUsize::new(0);
    let lookup = || async {
        cache
            .get_or_set("user:404", Duration::from_secs(600), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok::<Option<Product>, Unavailable>(None)
            })
            .await
            .unwrap()
    };
    assert_eq!(lookup().await, None);
    assert_eq!(lookup().await, None);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "the second was a negative hit"
    );
    assert_eq!(
        cache.get::<Product>("user:404").await.unwrap(),
        Some(None),
        "cached as not found"
    );
    tokio::time::advance(Duration::from_millis(5_001)).await;
    assert_eq!(cache.get::<Product>("user:404").await.unwrap(), None);
    assert_eq!(lookup().await, None);
    assert_eq!(
        calls.load(Ordering::SeqCst),
        2,
        "expired: the source is asked again"
    );
}

#[tokio::test(start_paused = true)]
async fn loader_errors_reach_every_waiter_and_are_not_cached() {
    let server = server();
    let cache = Cache::new(server.connection());
    let calls = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (cache, calls) = (cache.clone(), Arc::clone(&calls));
        tasks.push(tokio::spawn(async move {
            cache
                .get_or_set("flaky", Duration::from_secs(60), || async {
                    calls.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err::<Option<Product>, _>(Unavailable)
                })
                .await
        }));
    }
    for t in tasks {
        assert!(matches!(t.await.unwrap(), Err(CacheError::Load(_))));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(cache.get::<Product>("flaky").await.unwrap(), None);
    let v = cache
        .get_or_set("flaky", Duration::from_secs(60), || async {
            Ok::<_, Unavailable>(Some(product(2)))
        })
        .await
        .unwrap();
    assert_eq!(v, Some(product(2)));
}

#[tokio::test(start_paused = true)]
async fn distributed_single_flight_shares_one_load_between_processes() {
    let server = server();
    // Two "processes": separate caches, separate in-process flight tables.
    let options = CacheOptions::new().distributed(
        LockOptions::new()
            .ttl(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(10)),
    );
    let a = Cache::with_options(server.connection(), options.clone());
    let b = Cache::with_options(server.connection(), options);
    let calls = Arc::new(AtomicUsize::new(0));
    let load = |cache: Cache<redsim::LocalConnection>, calls: Arc<AtomicUsize>| async move {
        cache
            .get_or_set("report:2026", Duration::from_secs(60), || async {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_secs(1)).await;
                Ok::<_, Unavailable>(Some(product(9)))
            })
            .await
            .unwrap()
    };
    let ta = tokio::spawn(load(a, Arc::clone(&calls)));
    let tb = tokio::spawn(load(b, Arc::clone(&calls)));
    assert_eq!(ta.await.unwrap(), Some(product(9)));
    assert_eq!(tb.await.unwrap(), Some(product(9)));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
async fn cache_aside_works_against_real_redis() {
    let Some(real) = RealRedis::start() else {
        return;
    };
    let conn = redis::Client::open(real.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let cache = Cache::with_options(
        conn,
        CacheOptions::new().negative_ttl(Duration::from_secs(5)),
    );
    let v = cache
        .get_or_set("p:1", Duration::from_secs(60), || async {
            Ok::<_, Unavailable>(Some(product(1)))
        })
        .await
        .unwrap();
    assert_eq!(v, Some(product(1)));
    assert_eq!(
        cache.get::<Product>("p:1").await.unwrap(),
        Some(Some(product(1)))
    );
    cache.invalidate("p:1").await.unwrap();
    assert_eq!(cache.get::<Product>("p:1").await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bloom_filter_measures_close_to_its_target_false_positive_rate() {
    let server = Server::builder().listen(false).start().unwrap();
    let target = 0.01;
    // 100 000 members and 200 000 probes at full scale (as CI runs it), a
    // fifth of each by default.
    let n = support::scaled(20_000u64, 100_000);
    let filter = BloomFilter::create(server.connection(), "bloom", n, target)
        .await
        .unwrap();
    let members: Vec<String> = (0..n).map(|i| format!("member-{i}")).collect();
    for chunk in members.chunks(2_000) {
        filter
            .add_all(chunk.iter().map(|s| s.as_bytes()))
            .await
            .unwrap();
    }
    // No false negatives.
    for chunk in members.chunks(5_000) {
        let found = filter
            .contains_all(chunk.iter().map(|s| s.as_bytes()))
            .await
            .unwrap();
        assert!(found.iter().all(|&f| f));
    }
    let probes = 2 * n;
    let mut false_positives = 0u64;
    let others: Vec<String> = (0..probes).map(|i| format!("other-{i}")).collect();
    for chunk in others.chunks(5_000) {
        let found = filter
            .contains_all(chunk.iter().map(|s| s.as_bytes()))
            .await
            .unwrap();
        false_positives += found.iter().filter(|&&f| f).count() as u64;
    }
    let rate = false_positives as f64 / probes as f64;
    let params = filter.params();
    eprintln!(
        "bloom: n={n} target={target} m={} k={} expected={:.5} measured={rate:.5} ({false_positives}/{probes})",
        params.bits,
        params.hashes,
        params.expected_fp_rate(n)
    );
    assert!(
        (rate - target).abs() <= target * 0.10,
        "measured {rate}, target {target}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_opens_the_same_filter_and_sizes_must_agree() {
    let server = Server::builder().listen(false).start().unwrap();
    let a = BloomFilter::create(server.connection(), "{emails}:seen", 1000, 0.01)
        .await
        .unwrap();
    assert!(a.add(b"x").await.unwrap());
    assert!(!a.add(b"x").await.unwrap(), "already there");
    let b = BloomFilter::open(server.connection(), "{emails}:seen")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(b.params(), a.params());
    assert!(b.contains(b"x").await.unwrap());
    // Creating it again with the same size opens it; another size is refused.
    let again = BloomFilter::create(server.connection(), "{emails}:seen", 1000, 0.01).await;
    assert!(again.is_ok());
    let other = BloomFilter::create(server.connection(), "{emails}:seen", 5000, 0.01).await;
    assert!(other.is_err());
    assert_eq!(
        BloomFilter::open(server.connection(), "missing")
            .await
            .unwrap()
            .map(|f| f.params()),
        None
    );
    let huge = BloomFilter::create_with(
        server.connection(),
        "huge",
        BloomParams {
            bits: (1 << 32) + 1,
            hashes: 3,
        },
    )
    .await;
    assert!(huge.is_err());
}

#[test]
#[cfg_attr(no_redis, ignore = "needs redis-server: apt install redis-server")]
fn key_slots_match_cluster_keyslot_of_a_real_cluster_node() {
    let Some(real) = RealRedis::start_with(&["--cluster-enabled", "yes"]) else {
        return;
    };
    let mut con = redis::Client::open(real.url())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut rng = fastrand::Rng::with_seed(5);
    let mut keys: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"foo".to_vec(),
        b"{user1000}.following".to_vec(),
        b"{}".to_vec(),
        b"{}foo".to_vec(),
        b"foo{}{bar}".to_vec(),
        b"foo{{bar}}zap".to_vec(),
        b"foo{bar}{zap}".to_vec(),
        b"{order:42}:lock".to_vec(),
        cluster::sibling("order:42", ":fence").into_bytes(),
        vec![0xff, b'{', 0x00, b'}', 0x80],
    ];
    for _ in 0..500 {
        let len = rng.usize(0..24);
        keys.push((0..len).map(|_| rng.u8(..)).collect());
    }
    for key in &keys {
        let slot: u16 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut con)
            .unwrap();
        assert_eq!(cluster::key_slot(key), slot, "{key:?}");
    }
    // A lock key and its fencing counter share a slot, as do a cached
    // value and its load lock.
    assert_eq!(
        cluster::key_slot(b"order:42"),
        cluster::key_slot(cluster::sibling("order:42", ":fence").as_bytes())
    );
}
