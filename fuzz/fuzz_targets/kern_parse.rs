//! The Humdrum `**kern` reader, then MIDI and the melody encoding of what parsed.
//! Entry point: `audio_io::fuzzing::kern_parse` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::kern_parse(data));
