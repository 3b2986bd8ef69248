//! `audio serve`'s upload path: a job's query string or form fields parsed
//! into a job request, or an uploaded file opened and probed for its
//! duration. Entry point: `audio_cli::fuzzing::serve_upload` (shared with
//! the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_cli::fuzzing::serve_upload(data));
