//! symphonia's FLAC reader on `fLaC` + the bytes, decoded to the end.
//! Entry point: `audio_io::fuzzing::flac_decode` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::flac_decode(data));
