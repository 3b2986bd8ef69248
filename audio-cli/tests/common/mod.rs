//! Helpers shared by the `audio` CLI's integration tests: run the binary,
//! a per-test-binary temporary folder, paths in the repository.

#![allow(dead_code, reason = "each test binary uses a subset of the helpers")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `audio` binary built for these tests.
pub fn audio_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_audio"))
}

/// Runs `audio args…` and returns what it did (exit status, stdout, stderr).
pub fn run(args: &[&str]) -> Output {
    audio_command().args(args).output().expect("run audio")
}

/// Panics with the command's stderr unless it succeeded.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "audio failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `audio args…`, requires success and returns its stdout.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "audio {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `name` in a temporary folder of this test binary and process.
pub fn tmp(name: &str) -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        audio_test_fixtures::scratch_dir(&format!("audio-cli-{}", env!("CARGO_CRATE_NAME")))
    });
    std::fs::create_dir_all(dir).expect("temp dir");
    dir.join(name)
}

/// A path relative to the repository root.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
}
