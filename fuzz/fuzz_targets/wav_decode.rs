//! Feeds arbitrary bytes to the WAV decoder: it must return `Ok` or a typed
//! `Err`, never panic, and never allocate without bound on a lying header.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = audio_io::wav::read_wav_from(std::io::Cursor::new(data));
});
