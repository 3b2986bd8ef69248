//! Every mir_eval annotation parser, then the metric that consumes what parsed.
//! Entry point: `audio_eval::fuzzing::eval_annotations` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_eval::fuzzing::eval_annotations(data));
