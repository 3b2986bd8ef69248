//! Every input the fuzzer ever found to crash, hang or exhaust memory in an
//! `audio-models` target (`fuzz/regressions/<target>/`), replayed through the
//! same entry point the fuzz target calls. See `fuzz/README.md`.

use audio_models::fuzzing;
use audio_test_fixtures::replay_fuzz_regressions;

macro_rules! replay {
    ($($target:ident),* $(,)?) => {$(
        #[test]
        fn $target() {
            replay_fuzz_regressions(env!("CARGO_MANIFEST_DIR"), stringify!($target), fuzzing::$target);
        }
    )*};
}

replay!(model_sidecars, dataset_folders, demucs_th);
