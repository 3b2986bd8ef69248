//! Every input the fuzzer ever found to crash, hang or exhaust memory in an
//! `audio-io` target (`fuzz/regressions/<target>/`), replayed through the
//! same entry point the fuzz target calls. See `fuzz/README.md`.

use audio_io::fuzzing;
use audio_test_fixtures::replay_fuzz_regressions;

macro_rules! replay {
    ($($target:ident),* $(,)?) => {$(
        #[test]
        fn $target() {
            replay_fuzz_regressions(env!("CARGO_MANIFEST_DIR"), stringify!($target), fuzzing::$target);
        }
    )*};
}

replay!(
    wav_decode,
    flac_decode,
    mp3_decode,
    load_resample,
    midi_parse,
    kern_parse,
    notes_parse,
    safetensors_load,
    pth_load,
    npy_read,
);
