//! Test-only helpers shared by the crates of the family.
//!
//! Golden fixtures are written by the scripts in `tools/reference/` into each
//! crate's `tests/fixtures/` folder as `.npy` arrays and `.json` documents.
//! Tests read them with these helpers (never over the network) and compare
//! with [`assert_close`], whose error measure is the one the issues state:
//! the largest absolute difference divided by the reference's largest
//! magnitude.

use std::path::{Path, PathBuf};

use ndarray::{ArrayD, IxDyn};
use num_complex::Complex;

mod cpu_time;

pub use cpu_time::{cpu_criterion, cpu_timed, process_cpu_time, CpuTime};
pub use ndarray_npy;
pub use serde_json;

/// The `tests/fixtures` folder of the crate whose manifest folder is `manifest_dir`
/// (pass `env!("CARGO_MANIFEST_DIR")`).
pub fn fixtures_dir(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir).join("tests").join("fixtures")
}

/// Reads a `.npy` array of any dimension and any element type ndarray-npy reads
/// (`f32`, `f64`, `i64`, `Complex<f32>`, `Complex<f64>`, ...).
///
/// # Panics
///
/// Panics with the path when the file is missing or not a matching array:
/// a missing fixture is a broken test set-up.
pub fn read_npy<T: ndarray_npy::ReadableElement>(path: impl AsRef<Path>) -> ArrayD<T> {
    let path = path.as_ref();
    ndarray_npy::read_npy::<_, ArrayD<T>>(path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// Reads a real `.npy` array of any dimension.
///
/// # Panics
///
/// Panics with the path when the file is missing or not a matching array:
/// a missing fixture is a broken test set-up.
pub fn read_npy_f64(path: impl AsRef<Path>) -> ArrayD<f64> {
    let path = path.as_ref();
    ndarray_npy::read_npy::<_, ArrayD<f64>>(path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// Reads a `float32` `.npy` array of any dimension.
///
/// # Panics
///
/// As [`read_npy_f64`].
pub fn read_npy_f32(path: impl AsRef<Path>) -> ArrayD<f32> {
    let path = path.as_ref();
    ndarray_npy::read_npy::<_, ArrayD<f32>>(path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// Reads a `complex128` `.npy` array of any dimension.
///
/// # Panics
///
/// As [`read_npy_f64`].
pub fn read_npy_c64(path: impl AsRef<Path>) -> ArrayD<Complex<f64>> {
    let path = path.as_ref();
    ndarray_npy::read_npy::<_, ArrayD<Complex<f64>>>(path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()))
}

/// Reads a `.json` document.
///
/// # Panics
///
/// As [`read_npy_f64`].
pub fn read_json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("parsing fixture {}: {e}", path.display()))
}

/// A value whose distance to another can be measured: reals and complex numbers.
pub trait Magnitude: Copy {
    /// `|self|` as `f64`.
    fn magnitude(self) -> f64;
    /// `|self - other|` as `f64`.
    fn distance(self, other: Self) -> f64;
}

impl Magnitude for f64 {
    fn magnitude(self) -> f64 {
        self.abs()
    }
    fn distance(self, other: Self) -> f64 {
        (self - other).abs()
    }
}

impl Magnitude for f32 {
    fn magnitude(self) -> f64 {
        f64::from(self).abs()
    }
    fn distance(self, other: Self) -> f64 {
        (f64::from(self) - f64::from(other)).abs()
    }
}

impl Magnitude for Complex<f64> {
    fn magnitude(self) -> f64 {
        self.norm()
    }
    fn distance(self, other: Self) -> f64 {
        (self - other).norm()
    }
}

impl Magnitude for Complex<f32> {
    fn magnitude(self) -> f64 {
        f64::from(self.norm())
    }
    fn distance(self, other: Self) -> f64 {
        f64::from((self - other).norm())
    }
}

/// `max |actual - expected| / max |expected|` (or the plain max difference when
/// the reference is all zeros).
///
/// # Panics
///
/// Panics when the shapes differ.
pub fn relative_error<T: Magnitude>(actual: &ArrayD<T>, expected: &ArrayD<T>) -> f64 {
    assert_eq!(
        actual.shape(),
        expected.shape(),
        "shape mismatch between result and fixture"
    );
    let scale = expected.iter().fold(0.0f64, |m, &v| m.max(v.magnitude()));
    let diff = actual
        .iter()
        .zip(expected.iter())
        .fold(0.0f64, |m, (&a, &e)| {
            let d = a.distance(e);
            if d.is_nan() {
                f64::INFINITY
            } else {
                m.max(d)
            }
        });
    if scale > 0.0 {
        diff / scale
    } else {
        diff
    }
}

/// Asserts `relative_error(actual, expected) <= tol`, naming the case on failure.
///
/// # Panics
///
/// Panics when the error exceeds `tol` or the shapes differ.
#[track_caller]
pub fn assert_close<T: Magnitude>(what: &str, actual: &ArrayD<T>, expected: &ArrayD<T>, tol: f64) {
    let err = relative_error(actual, expected);
    assert!(
        err <= tol,
        "{what}: relative error {err:e} exceeds tolerance {tol:e}"
    );
}

/// Converts any-dimensional array views into `ArrayD` for comparison.
pub fn to_dyn<T: Clone, D: ndarray::Dimension>(a: &ndarray::Array<T, D>) -> ArrayD<T> {
    a.clone()
        .into_dimensionality::<IxDyn>()
        .unwrap_or_else(|_| unreachable!("IxDyn accepts every dimension"))
}

/// A scratch folder `{temp}/{name}-{pid}` for this test process (created
/// empty). Folders of the same name left by test processes that no longer
/// run are removed first (on systems with `/proc`), so repeated test runs
/// do not pile up scratch files on a shared disk.
pub fn scratch_dir(name: &str) -> PathBuf {
    let temp = std::env::temp_dir();
    let prefix = format!("{name}-");
    if let Ok(entries) = std::fs::read_dir(&temp) {
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let Some(pid) = file_name
                .to_str()
                .and_then(|n| n.strip_prefix(&prefix))
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            let proc_root = Path::new("/proc");
            if pid != std::process::id()
                && proc_root.is_dir()
                && !proc_root.join(pid.to_string()).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = temp.join(format!("{prefix}{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// The longest one kept fuzz input may run when replayed before it counts
/// as a hang again (each ran in milliseconds once fixed; the fuzzer's own
/// limit is 10 s).
pub const FUZZ_REPLAY_LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Replays every input kept in `fuzz/regressions/<target>/` (each crash,
/// hang or out-of-memory input the fuzzer ever found for that target)
/// through the target's entry point, hound's pattern: a plain `cargo test`
/// re-runs them without nightly. `manifest_dir` is the calling crate's
/// `CARGO_MANIFEST_DIR`. Returns how many inputs were replayed.
///
/// # Panics
///
/// When a kept input cannot be read, or the entry point panics on one or
/// runs past [`FUZZ_REPLAY_LIMIT`]; the message names the file.
pub fn replay_fuzz_regressions(manifest_dir: &str, target: &str, entry: fn(&[u8])) -> usize {
    let dir = Path::new(manifest_dir)
        .join("..")
        .join("fuzz")
        .join("regressions")
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in &paths {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let (done, finished) = std::sync::mpsc::channel();
        // A thread per input, so that a hang fails the test instead of
        // stalling it (the thread is left behind; the test process ends).
        std::thread::spawn(move || {
            let replayed = std::panic::catch_unwind(|| entry(&bytes));
            done.send(replayed.is_ok()).ok();
        });
        match finished.recv_timeout(FUZZ_REPLAY_LIMIT) {
            Ok(true) => {}
            Ok(false) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                panic!("{target}: {} panics again", path.display())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
                "{target}: {} runs past {FUZZ_REPLAY_LIMIT:?} again",
                path.display()
            ),
        }
    }
    paths.len()
}
