//! `audio serve`'s upload path (`fuzz/fuzz_targets/serve_upload.rs`): every
//! input the fuzzer found to crash, hang or exhaust memory
//! (`fuzz/regressions/serve_upload/`), and the seed inputs
//! (`fuzz/seeds/serve_upload/`), through the same entry point. See
//! `fuzz/README.md`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_test_fixtures::replay_fuzz_regressions;

#[test]
fn serve_upload() {
    replay_fuzz_regressions(
        env!("CARGO_MANIFEST_DIR"),
        "serve_upload",
        audio_cli::fuzzing::serve_upload,
    );
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/serve_upload");
    let mut n = 0;
    for entry in std::fs::read_dir(seeds).unwrap() {
        audio_cli::fuzzing::serve_upload(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n >= 4);
}
