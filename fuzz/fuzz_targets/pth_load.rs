//! Feeds arbitrary bytes to the PyTorch `.pth` reader (zip container and the
//! bounded unpickler): `Ok` or a typed `Err`, never a panic or unbounded
//! allocation.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = audio_io::weights::Weights::from_pth_bytes(data);
});
