//! A lock's cost: acquire + release (`SET NX PX`, then the compare-and-
//! delete script by EVALSHA) and the compare-and-delete EVALSHA alone, by
//! the same client against redsim in process, redsim over TCP and a real
//! redis-server over TCP (skipped, with a note, when it is not installed).
//!
//! Run: `cargo bench --bench lock`.

use std::time::Duration;

use criterion::{Criterion, criterion_main};
use redis::aio::ConnectionLike;
use redsim_lock::{Lock, LockOptions};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn tcp(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("connect")
}

fn bench_backend<C>(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, conn: C)
where
    C: ConnectionLike + Clone + Send + Sync + 'static,
{
    let mut group = c.benchmark_group("lock");
    let options = LockOptions::new().ttl(Duration::from_secs(30));
    let lock = Lock::with_options(conn.clone(), "bench:lock", options);
    group.bench_function(format!("acquire+release, {name}"), |b| {
        b.to_async(rt).iter(|| async {
            let guard = lock.try_acquire().await.expect("acquire");
            guard.release().await.expect("release");
        })
    });
    let script = redis::Script::new(
        "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end",
    );
    group.bench_function(format!("EVALSHA compare-and-delete, {name}"), |b| {
        b.to_async(rt).iter(|| {
            let mut conn = conn.clone();
            let script = &script;
            async move {
                let n: i64 = script
                    .key("bench:cad")
                    .arg("token")
                    .invoke_async(&mut conn)
                    .await
                    .expect("evalsha");
                std::hint::black_box(n)
            }
        })
    });
    group.finish();
}

fn locks(c: &mut Criterion) {
    let rt = runtime();
    let sim = redsim::Server::start().expect("redsim");
    bench_backend(c, &rt, "redsim in process", sim.connection());
    let sim_tcp = rt.block_on(tcp(&sim.url()));
    bench_backend(c, &rt, "redsim over TCP", sim_tcp);
    match support::RealRedis::start() {
        Some(real) => {
            let real_tcp = rt.block_on(tcp(&real.url()));
            bench_backend(c, &rt, "redis-server over TCP", real_tcp);
        }
        None => eprintln!("redis-server not installed: its side of the comparison is skipped"),
    }
}

/// The group criterion runs (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::locks);
}
criterion_main!(group::benches);
