//! Demucs release checkpoints (`.th`): the zip, the pickle, the class and
//! `kwargs`, the state; a model that loads separates a short tone.
//! Entry point: `audio_models::fuzzing::demucs_th` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_models::fuzzing::demucs_th(data));
