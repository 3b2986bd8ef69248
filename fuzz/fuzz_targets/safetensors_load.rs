//! Feeds arbitrary bytes to the safetensors reader: `Ok` or a typed `Err`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(w) = audio_io::weights::Weights::from_safetensors_bytes(data) {
        let _ = w.to_safetensors_bytes();
    }
});
