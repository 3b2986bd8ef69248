//! Structure-aware: the bytes fill a DSP function's `XxxConfig` and a short signal.
//! Entry point: `audio_dsp::fuzzing::dsp_configs` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_dsp::fuzzing::dsp_configs(data));
