//! What advancing the clock costs: it must be proportional to what expires,
//! not to what exists. A server holds 1 M keys without TTL (or 10 k, to
//! compare) and, before each measured advance, 1 k keys due to expire (or
//! none); only the `advance` call is timed.
//!
//! Run: `cargo bench --bench clock`.

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, criterion_main};
use redsim::{ManualClock, Server};

fn loaded(keys: usize) -> (Server, ManualClock, redsim::LocalConnection) {
    let clock = ManualClock::new();
    let server = Server::builder()
        .clock(&clock)
        .listen(false)
        .start()
        .expect("start");
    let mut con = server.connection();
    for chunk in 0..keys.div_ceil(1000) {
        let mut mset = redis::cmd("MSET");
        for i in chunk * 1000..((chunk + 1) * 1000).min(keys) {
            mset.arg(format!("key:{i}")).arg("v");
        }
        mset.exec(&mut con).expect("MSET");
    }
    (server, clock, con)
}

fn add_expiring(con: &mut redsim::LocalConnection, n: usize, round: u64) {
    let mut pipe = redis::pipe();
    for i in 0..n {
        pipe.cmd("SET")
            .arg(format!("exp:{round}:{i}"))
            .arg("v")
            .arg("PX")
            .arg(1000)
            .ignore();
    }
    pipe.exec(con).expect("SET PX");
}

fn advance(c: &mut Criterion) {
    let mut group = c.benchmark_group("clock advance");
    group.sample_size(30);
    for keys in [10_000usize, 1_000_000] {
        let (server, clock, mut con) = loaded(keys);
        for expiring in [0usize, 1_000] {
            let id = BenchmarkId::new(format!("{expiring} expiring"), format!("{keys} keys"));
            let mut round = 0u64;
            group.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        round += 1;
                        add_expiring(&mut con, expiring, round);
                        let t = Instant::now();
                        clock.advance(Duration::from_millis(1001));
                        total += t.elapsed();
                    }
                    total
                })
            });
        }
        let dbsize: usize = redis::cmd("DBSIZE").query(&mut con).expect("DBSIZE");
        assert_eq!(dbsize, keys, "everything due expired, nothing else");
        drop(server);
    }
    group.finish();
}

/// The group criterion runs (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::advance);
}
criterion_main!(group::benches);
