//! Every input the fuzzer ever found to crash or hang the `eval_annotations`
//! target (`fuzz/regressions/eval_annotations/`), replayed through the same
//! entry point. See `fuzz/README.md`.

#[test]
fn eval_annotations() {
    audio_test_fixtures::replay_fuzz_regressions(
        env!("CARGO_MANIFEST_DIR"),
        "eval_annotations",
        audio_eval::fuzzing::eval_annotations,
    );
}
