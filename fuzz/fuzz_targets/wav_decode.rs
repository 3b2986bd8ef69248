//! The WAV parser, then the decoder front end on the same bytes.
//! Entry point: `audio_io::fuzzing::wav_decode` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::wav_decode(data));
