//! The safetensors reader, then re-encoding.
//! Entry point: `audio_io::fuzzing::safetensors_load` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::safetensors_load(data));
