//! PyTorch `.pth`: the zip container and the bounded unpickler.
//! Entry point: `audio_io::fuzzing::pth_load` (shared with the regression replay in `cargo test`).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| audio_io::fuzzing::pth_load(data));
