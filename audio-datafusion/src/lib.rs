//! Corpus-scale audio work as SQL: feature extraction, transcription and
//! evaluation on [Apache DataFusion](https://datafusion.apache.org) in one
//! process, and distributed on [Ballista](https://datafusion.apache.org/ballista/).
//!
//! - [`AudioFilesTable`]: a table over a folder or glob of audio files, one
//!   row per file with its header (`path`, `format`, `sample_rate`,
//!   `channels`, `frames`, `duration_s`, `error`).
//! - Scalar functions, registered by [`audio_session_context`] (in process)
//!   or [`cluster::connect`] (on a cluster), each with librosa's, museval's
//!   or mir_eval's parameters as optional trailing arguments:
//!
//! | function | result | as |
//! |---|---|---|
//! | `load(path [, sr])` | `List<Float32>` | `librosa.load` (mono; `sr = 0` keeps the file's rate) |
//! | `melspectrogram(y [, sr, n_fft, hop_length, n_mels])` | `List<List<Float32>>` `(n_mels, frames)` | `librosa.feature.melspectrogram` |
//! | `mfcc(y [, sr, n_mfcc, n_fft, hop_length, n_mels])` | `List<List<Float32>>` | `librosa.feature.mfcc` |
//! | `chroma_cqt(y [, sr, hop_length, n_chroma])` | `List<List<Float32>>` | `librosa.feature.chroma_cqt` |
//! | `onset_times(y [, sr, hop_length])` | `List<Float64>` | `librosa.onset.onset_detect(units='time')` |
//! | `tempo(y [, sr, hop_length, start_bpm])` | `Float64` | `librosa.feature.tempo` |
//! | `beat_times(y [, sr, hop_length, start_bpm, tightness])` | `List<Float64>` | `librosa.beat.beat_track(units='time')` |
//! | `estimate_key(y [, sr])` | `Utf8` | Krumhansl–Kessler key |
//! | `transcribe(path)` | `List<Struct{onset, offset, pitch, velocity}>` | `basic_pitch.inference.predict` |
//! | `separation_scores(reference_paths, estimate_paths [, window, hop])` | `List<Struct{source, sdr, isr, sir, sar}>` | `museval.evaluate`, medians per source |
//! | `si_sdr(reference, estimate)` | `Float64` | scale-invariant SDR |
//! | `note_f_measure(reference_notes, estimated_notes [, onset_tolerance, offset_ratio])` | `Float64` | `mir_eval.transcription.precision_recall_f1_overlap` |
//!
//!   `y` is a path (decoded to mono at `sr`, default 22050, as
//!   `librosa.load`) or the samples from `load`.
//! - Errors: by default a file that cannot be read gives a null for that
//!   row and the query goes on (the table's `error` column says why a
//!   header is bad); `SET audio.null_on_error = false` makes it fail the
//!   query instead, naming the function and the file ([`AudioOptions`]).
//! - Results write to Parquet with DataFusion's writers; matrices are nested
//!   lists, which pandas, Polars, DuckDB and Spark read as arrays of arrays.
//!
//! # Example
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> datafusion::error::Result<()> {
//! use std::sync::Arc;
//! use audio_datafusion::{audio_session_context, AudioFilesTable};
//! use datafusion::dataframe::DataFrameWriteOptions;
//!
//! let ctx = audio_session_context();
//! ctx.register_table("files", Arc::new(AudioFilesTable::try_new("corpus/")?))?;
//! ctx.sql("SELECT path, melspectrogram(path, 22050) AS mel FROM files")
//!     .await?
//!     .write_parquet("mel.parquet", DataFrameWriteOptions::new(), None)
//!     .await?;
//! # Ok(())
//! # }
//! ```

pub mod cluster;
pub mod codec;
pub mod error;
pub mod listing;
pub mod options;
pub mod session;
pub mod table;
mod udf;

pub use codec::AudioLogicalCodec;
pub use error::{Error, Result};
pub use listing::{list_audio_files, AUDIO_EXTENSIONS};
pub use options::AudioOptions;
pub use session::{
    audio_functions, audio_session_context, audio_session_state, register_audio_functions,
    with_audio_options,
};
pub use table::{audio_files_schema, AudioFilesTable, ROWS_PER_BATCH};
pub use udf::transcribe::{note_fields, notes_type};
