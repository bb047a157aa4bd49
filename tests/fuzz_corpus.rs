//! Replays the fuzz corpora in `fuzz/corpus/` (found by `cargo fuzz`,
//! minimized, committed) through the same harnesses as the fuzz targets,
//! so that every input that ever found a bug stays fixed.

use std::path::Path;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn the_decode_corpus_replays_without_a_panic() {
    let corpus = inputs("decode");
    assert!(!corpus.is_empty());
    for (name, data) in corpus {
        let result = std::panic::catch_unwind(|| redsim::internals::fuzz_decode(&data));
        assert!(result.is_ok(), "{name}");
    }
}

#[test]
fn the_dispatch_corpus_replays_and_the_server_still_answers() {
    let corpus = inputs("dispatch");
    assert!(!corpus.is_empty());
    let server = redsim::Server::builder().listen(false).start().unwrap();
    for (name, data) in corpus {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            redsim::internals::fuzz_dispatch(&server, &data)
        }));
        assert!(result.is_ok(), "{name}");
    }
}
