//! The bytes as `.npy` and as `.npz`, then every conversion of what was read.
//! Entry point: `audio_io::fuzzing::npy_read` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::npy_read(data));
