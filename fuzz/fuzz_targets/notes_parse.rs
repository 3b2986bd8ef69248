//! Notes CSV and JSON and the melody text encoding, then MIDI of what parsed.
//! Entry point: `audio_io::fuzzing::notes_parse` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::notes_parse(data));
