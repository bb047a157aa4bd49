//! RESP decoding and encoding, the server's per-byte work: a pipeline of
//! 100 SETs (multibulk) and of 100 inline GETs decoded; replies encoded
//! (status, integer, bulk, an array of 100 bulks in RESP2 and RESP3).
//!
//! Run: `cargo bench --bench protocol`.

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_main};
use redsim::internals::{Limits, Out, RequestDecoder, Resp};

fn multibulk_pipeline(n: usize) -> Vec<u8> {
    let mut v = Vec::new();
    for i in 0..n {
        let key = format!("key:{i:06}");
        v.extend_from_slice(
            format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$10\r\nvalue-{i:04}\r\n",
                key.len()
            )
            .as_bytes(),
        );
    }
    v
}

fn inline_pipeline(n: usize) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("GET key:{i:06}\r\n").into_bytes())
        .collect()
}

fn decode_all(input: &[u8]) -> usize {
    let limits = Limits {
        max_bulk_len: 512 * 1024 * 1024,
        auth_required: false,
    };
    let mut buf = BytesMut::from(input);
    let mut decoder = RequestDecoder::new();
    let mut n = 0;
    while let Ok(Some(args)) = decoder.decode(&mut buf, &limits) {
        n += args.len();
    }
    n
}

fn protocol(c: &mut Criterion) {
    let mut group = c.benchmark_group("resp");
    for (name, input) in [
        ("decode 100 multibulk SETs", multibulk_pipeline(100)),
        ("decode 100 inline GETs", inline_pipeline(100)),
    ] {
        group.throughput(Throughput::Elements(100));
        group.bench_function(name, |b| {
            b.iter(|| decode_all(std::hint::black_box(&input)))
        });
    }
    let items: Vec<Vec<u8>> = (0..100)
        .map(|i| format!("member-{i}").into_bytes())
        .collect();
    group.throughput(Throughput::Elements(1));
    for resp in [Resp::V2, Resp::V3] {
        group.bench_function(
            format!("encode +OK, :42, $bulk (RESP{})", resp.number()),
            |b| {
                let mut out = Out::new(resp);
                b.iter(|| {
                    out.clear();
                    out.ok();
                    out.int(42);
                    out.bulk(b"some value of moderate size");
                    std::hint::black_box(out.len())
                })
            },
        );
        group.bench_function(
            format!("encode array of 100 bulks (RESP{})", resp.number()),
            |b| {
                let mut out = Out::new(resp);
                b.iter(|| {
                    out.clear();
                    out.array(items.len());
                    for item in &items {
                        out.bulk(item);
                    }
                    std::hint::black_box(out.len())
                })
            },
        );
    }
    group.finish();
}

/// The group criterion runs (its macro makes an undocumented `pub fn`).
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::protocol);
}
criterion_main!(group::benches);
