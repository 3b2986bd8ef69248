//! The per-epoch training log, written as CSV and JSON.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The name of the CSV log in a run directory.
pub const LOG_CSV: &str = "log.csv";
/// The name of the JSON log in a run directory.
pub const LOG_JSON: &str = "log.json";

/// What one epoch did, a row of the training log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// The epoch, counted from 1.
    pub epoch: usize,
    /// Mean training loss over the epoch's examples (each batch's loss
    /// weighted by its size).
    pub train_loss: f64,
    /// Mean validation loss, when there is a validation set.
    pub valid_loss: Option<f64>,
    /// The learning rate the epoch trained with.
    pub learning_rate: f64,
    /// Mean global gradient norm before clipping, when clipping is on.
    pub grad_norm: Option<f64>,
    /// Training examples seen.
    pub samples: usize,
    /// Wall-clock seconds of the epoch (training and validation).
    pub seconds: f64,
    /// Training throughput, examples per second.
    pub samples_per_second: f64,
    /// Whether the monitored metric improved (a best checkpoint was written).
    pub improved: bool,
    /// The process's resident memory at the end of the epoch, MiB (Linux).
    #[serde(default)]
    pub resident_mib: Option<f64>,
    /// The process's peak resident memory so far, MiB (Linux).
    #[serde(default)]
    pub peak_resident_mib: Option<f64>,
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The CSV text of a log: a header and one row per epoch.
pub fn log_csv(records: &[EpochRecord]) -> String {
    let mut out = String::from(
        "epoch,train_loss,valid_loss,learning_rate,grad_norm,samples,seconds,samples_per_second,improved,resident_mib,peak_resident_mib\n",
    );
    for r in records {
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},{},{},{},{}",
            r.epoch,
            r.train_loss,
            opt(r.valid_loss),
            r.learning_rate,
            opt(r.grad_norm),
            r.samples,
            r.seconds,
            r.samples_per_second,
            r.improved,
            opt(r.resident_mib),
            opt(r.peak_resident_mib)
        );
    }
    out
}

/// Writes `log.csv` and `log.json` (an array of [`EpochRecord`]s) into `dir`.
///
/// # Errors
///
/// [`Error::File`] when a file cannot be written; [`Error::StateJson`] if the
/// records cannot be serialised.
pub fn write_logs(dir: &Path, records: &[EpochRecord]) -> Result<()> {
    let json = serde_json::to_string_pretty(records).map_err(|source| Error::StateJson {
        what: "training log",
        source,
    })?;
    write_file(&dir.join(LOG_CSV), log_csv(records).as_bytes())?;
    write_file(&dir.join(LOG_JSON), json.as_bytes())
}

/// Writes `bytes` to `path` through a temporary file and a rename, so a
/// killed run never leaves a half-written file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|source| Error::File {
        path: tmp.clone(),
        source,
    })?;
    std::fs::rename(&tmp, path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })
}
