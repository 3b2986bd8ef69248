//! The model and trainer JSON sidecars: Open-Unmix's `separator.json` and
//! `<target>.json` (then the model loads and runs), `checkpoint.json`, and an
//! effects pair's parameters.
//! Entry point: `audio_models::fuzzing::model_sidecars` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_models::fuzzing::model_sidecars(data));
