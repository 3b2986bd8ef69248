//! Structure-aware: folder trees of the dataset layouts, read by every
//! dataset reader.
//! Entry point: `audio_models::fuzzing::dataset_folders` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_models::fuzzing::dataset_folders(data));
