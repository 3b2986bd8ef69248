//! The bytes as MP3, and `OggS` + the bytes as OGG/Vorbis, decoded to the end.
//! Entry point: `audio_io::fuzzing::mp3_decode` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::mp3_decode(data));
