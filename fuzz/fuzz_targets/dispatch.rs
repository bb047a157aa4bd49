//! Command dispatch on arbitrary requests: whatever the input, no panic
//! escapes, and the server still answers PING afterwards.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;

static SERVER: LazyLock<redsim::Server> = LazyLock::new(|| {
    redsim::Server::builder()
        .listen(false)
        .start()
        .expect("start a server")
});

fuzz_target!(|data: &[u8]| {
    redsim::internals::fuzz_dispatch(&SERVER, data);
});
