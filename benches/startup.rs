//! What a test pays for its own server: start and stop, in process only and
//! with a TCP listener.
//!
//! Run: `cargo bench --bench startup`.

use criterion::{Criterion, criterion_main};

fn startup(c: &mut Criterion) {
    let mut group = c.benchmark_group("server");
    group.bench_function("start+stop, in-process only", |b| {
        b.iter(|| {
            redsim::Server::builder()
                .listen(false)
                .start()
                .expect("start")
                .shutdown()
        })
    });
    group.bench_function("start+stop, with TCP listener", |b| {
        b.iter(|| redsim::Server::start().expect("start").shutdown())
    });
    group.bench_function("start, SET with EX, advance past it, stop", |b| {
        b.iter(|| {
            let clock = redsim::ManualClock::new();
            let server = redsim::Server::builder()
                .listen(false)
                .clock(&clock)
                .start()
                .expect("start");
            let mut con = server.connection();
            redis::cmd("SET")
                .arg("k")
                .arg("v")
                .arg("EX")
                .arg(10)
                .exec(&mut con)
                .expect("SET");
            clock.advance(std::time::Duration::from_secs(11));
            let v: Option<String> = redis::cmd("GET").arg("k").query(&mut con).expect("GET");
            assert!(v.is_none());
            server.shutdown();
        })
    });
    group.finish();
}

/// The group criterion runs (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::startup);
}
criterion_main!(group::benches);
