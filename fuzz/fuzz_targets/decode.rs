//! The RESP request decoder on arbitrary bytes: no panic, no request
//! without input consumed, no endless loop.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    redsim::internals::fuzz_decode(data);
});
