//! `audio_io::load_bytes` at 22050 Hz mono: decode, downmix and soxr resampling.
//! Entry point: `audio_io::fuzzing::load_resample` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::load_resample(data));
