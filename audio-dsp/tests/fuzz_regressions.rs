//! Every input the fuzzer ever found to crash, hang or exhaust memory in the
//! `dsp_configs` target (`fuzz/regressions/dsp_configs/`), replayed through
//! the same entry point. See `fuzz/README.md`.

#[test]
fn dsp_configs() {
    audio_test_fixtures::replay_fuzz_regressions(
        env!("CARGO_MANIFEST_DIR"),
        "dsp_configs",
        audio_dsp::fuzzing::dsp_configs,
    );
}
