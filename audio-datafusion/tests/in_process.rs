//! The in-process engine against the single-file library calls, row by row,
//! on a folder of 21 files (one corrupt).

mod corpus;

use std::sync::Arc;

use audio_datafusion::{audio_session_context, AudioFilesTable};
use audio_dsp::beat::{beat_track_signal, BeatTrackConfig};
use audio_dsp::feature::rhythm::{tempo, TempoConfig};
use audio_dsp::{
    power_to_db, ChromaCqt, ChromaCqtConfig, DbReference, MelConfig, MelSpectrogram,
    MelSpectrogramConfig, Mfcc, MfccConfig, OnsetDetect, OnsetDetectConfig, OnsetStrength,
    OnsetStrengthConfig, StftConfig, Transform,
};
use datafusion::arrow::array::{Array, AsArray, ListArray, RecordBatch};
use datafusion::arrow::datatypes::{Float32Type, Float64Type, UInt32Type, UInt64Type};
use datafusion::prelude::SessionContext;
use ndarray::Array2;

/// The SQL `melspectrogram(path)` streams the file (decode, STFT, mel block
/// by block) where the reference call transforms the whole signal; the
/// frames are the same arithmetic, so the two agree to rounding. Relative to
/// the matrix's peak.
const STREAMED_MEL_TOLERANCE: f32 = 1e-6;

/// MFCCs of the streamed mel spectrogram: its rounding (above) becomes at
/// most 10/ln 10 · 1e-6 dB per band, and the orthonormal DCT sums 128 bands;
/// absolute, in the MFCCs' dB units.
const STREAMED_MFCC_TOLERANCE: f32 = 1e-3;

fn load(path: &str, sr: u32) -> Vec<f32> {
    let options = audio_io::LoadOptions {
        sr: Some(sr),
        ..audio_io::LoadOptions::default()
    };
    let audio = audio_io::load::<f32>(path, &options).expect("load");
    audio.samples.row(0).to_vec()
}

fn mel_config(sr: u32) -> MelSpectrogramConfig {
    MelSpectrogramConfig {
        stft: StftConfig {
            n_fft: 2048,
            hop_length: Some(512),
            ..StftConfig::default()
        },
        power: 2.0,
        mel: MelConfig {
            sr: f64::from(sr),
            ..MelConfig::default()
        },
    }
}

/// A `List<List<Float32>>` row as a matrix.
fn matrix(column: &ListArray, row: usize) -> Array2<f32> {
    let rows = column.value(row);
    let rows = rows.as_list::<i32>();
    let n = rows.len();
    let m = if n == 0 { 0 } else { rows.value(0).len() };
    let mut out = Array2::zeros((n, m));
    for r in 0..n {
        let v = rows.value(r);
        out.row_mut(r)
            .iter_mut()
            .zip(v.as_primitive::<Float32Type>().values().iter())
            .for_each(|(d, &s)| *d = s);
    }
    out
}

fn f64_list(column: &ListArray, row: usize) -> Vec<f64> {
    column
        .value(row)
        .as_primitive::<Float64Type>()
        .values()
        .to_vec()
}

fn assert_close(name: &str, path: &str, got: &Array2<f32>, want: &Array2<f32>, tolerance: f32) {
    assert_eq!(got.dim(), want.dim(), "{name} shape for {path}");
    let peak = want
        .iter()
        .fold(0.0f32, |m, v| m.max(v.abs()))
        .max(f32::MIN_POSITIVE);
    let worst = got
        .iter()
        .zip(want)
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        worst <= tolerance * peak,
        "{name} of {path}: max difference {worst} over peak {peak}"
    );
}

async fn collect(ctx: &SessionContext, sql: &str) -> Vec<RecordBatch> {
    ctx.sql(sql)
        .await
        .expect("plan")
        .collect()
        .await
        .expect("run")
}

fn context_on(dir: &std::path::Path) -> SessionContext {
    let ctx = audio_session_context();
    let table = AudioFilesTable::try_new(dir.to_str().expect("utf-8")).expect("table");
    ctx.register_table("files", Arc::new(table))
        .expect("register");
    ctx
}

#[tokio::test]
async fn every_row_equals_the_single_file_library_calls() {
    let dir = corpus::temp_dir("rows");
    corpus::write_corpus(&dir);
    let ctx = context_on(&dir);
    let batches = collect(
        &ctx,
        "SELECT path, format, sample_rate, channels, frames, duration_s, error, \
                melspectrogram(path) AS mel, \
                mfcc(path, 16000, 13) AS mfcc, \
                chroma_cqt(path) AS chroma, \
                onset_times(path) AS onsets, \
                tempo(path) AS bpm, \
                beat_times(path) AS beats, \
                estimate_key(path) AS key, \
                melspectrogram(load(path, 8000), 8000, 512, 128, 40) AS mel_of_load \
         FROM files ORDER BY path",
    )
    .await;
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(
        rows,
        corpus::GOOD_FILES + 1,
        "one row per file, the corrupt one included"
    );
    let mut checked = 0;
    for batch in &batches {
        let col = |name: &str| batch.column_by_name(name).expect(name).clone();
        let paths = col("path");
        let paths = paths.as_string::<i32>();
        let errors = col("error");
        let errors = errors.as_string::<i32>();
        let rates = col("sample_rate");
        let rates = rates.as_primitive::<UInt32Type>();
        let channels = col("channels");
        let channels = channels.as_primitive::<UInt32Type>();
        let frames = col("frames");
        let frames = frames.as_primitive::<UInt64Type>();
        let durations = col("duration_s");
        let durations = durations.as_primitive::<Float64Type>();
        let mels = col("mel");
        let mels = mels.as_list::<i32>();
        let mfccs = col("mfcc");
        let mfccs = mfccs.as_list::<i32>();
        let chromas = col("chroma");
        let chromas = chromas.as_list::<i32>();
        let onsets = col("onsets");
        let onsets = onsets.as_list::<i32>();
        let bpms = col("bpm");
        let bpms = bpms.as_primitive::<Float64Type>();
        let beats = col("beats");
        let beats = beats.as_list::<i32>();
        let keys = col("key");
        let keys = keys.as_string::<i32>();
        let mel_of_load = col("mel_of_load");
        let mel_of_load = mel_of_load.as_list::<i32>();
        for row in 0..batch.num_rows() {
            let path = paths.value(row);
            if path.ends_with("corrupt.wav") {
                assert!(errors.is_valid(row), "the corrupt file's error is given");
                assert!(!errors.value(row).is_empty());
                for (name, nulls) in [
                    ("sample_rate", rates.is_null(row)),
                    ("mel", mels.is_null(row)),
                    ("mfcc", mfccs.is_null(row)),
                    ("chroma", chromas.is_null(row)),
                    ("onsets", onsets.is_null(row)),
                    ("bpm", bpms.is_null(row)),
                    ("beats", beats.is_null(row)),
                    ("key", keys.is_null(row)),
                    ("mel_of_load", mel_of_load.is_null(row)),
                ] {
                    assert!(nulls, "{name} of the corrupt file is null");
                }
                continue;
            }
            assert!(errors.is_null(row), "{path}: {}", errors.value(row));

            // Header columns against the decoder's header.
            let info = audio_io::AudioReader::open(path)
                .expect("open")
                .info()
                .clone();
            assert_eq!(rates.value(row), info.sample_rate);
            assert_eq!(channels.value(row) as usize, info.channels);
            assert_eq!(Some(frames.value(row)), info.frames);
            assert_eq!(Some(durations.value(row)), info.duration());

            // Features against the library on librosa.load's signal.
            let x = load(path, 22_050);
            let mel = MelSpectrogram::<f32>::new(mel_config(22_050))
                .and_then(|m| m.process(&x))
                .expect("mel");
            assert_close(
                "melspectrogram",
                path,
                &matrix(mels, row),
                &mel,
                STREAMED_MEL_TOLERANCE,
            );

            let x16 = load(path, 16_000);
            let mfcc_config = MfccConfig {
                mel: mel_config(16_000),
                n_mfcc: 13,
                ..MfccConfig::default()
            };
            let mfcc = Mfcc::<f32>::new(mfcc_config).expect("mfcc");
            // The SQL function streams the mel spectrogram, then takes the
            // log and the DCT as `Mfcc::process` does.
            let log_mel = power_to_db(
                MelSpectrogram::<f32>::new(mel_config(16_000))
                    .and_then(|m| m.process(&x16))
                    .expect("mel")
                    .view(),
                DbReference::Value(1.0),
                1e-10,
                Some(80.0),
            )
            .expect("db");
            let want = mfcc.process_log_mel(log_mel.view()).expect("mfcc");
            assert_eq!(
                want,
                mfcc.process(&x16).expect("mfcc"),
                "Mfcc::process is mel → dB → DCT"
            );
            let got = matrix(mfccs, row);
            assert_eq!(got.dim(), want.dim());
            let worst = got
                .iter()
                .zip(&want)
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(
                worst < STREAMED_MFCC_TOLERANCE,
                "mfcc of {path} differs by {worst}"
            );

            let chroma = ChromaCqt::<f32>::new(ChromaCqtConfig::default())
                .and_then(|c| c.process(&x))
                .expect("chroma");
            assert_eq!(matrix(chromas, row), chroma, "chroma_cqt of {path}");

            let mut onset_cfg = OnsetStrengthConfig::default();
            onset_cfg.mel.stft.hop_length = Some(512);
            let envelope = OnsetStrength::<f32>::new(onset_cfg)
                .and_then(|o| o.process(&x))
                .expect("onset strength")
                .to_vec();
            let detect = OnsetDetect::new(OnsetDetectConfig::default()).expect("detect");
            let frames = detect.process_envelope(&envelope, None).expect("onsets");
            assert_eq!(
                f64_list(onsets, row),
                detect.to_seconds(&frames),
                "onsets of {path}"
            );

            let bpm = tempo(&envelope, &TempoConfig::default()).expect("tempo");
            assert_eq!(
                Some(bpms.value(row)),
                bpm.first().copied(),
                "tempo of {path}"
            );

            let found = beat_track_signal(&x, &BeatTrackConfig::default()).expect("beats");
            let times: Vec<f64> = found
                .beats
                .iter()
                .map(|&b| audio_dsp::frames_to_time(b as i64, 22_050.0, 512, None).expect("time"))
                .collect();
            assert_eq!(f64_list(beats, row), times, "beats of {path}");

            let key = audio_dsp::estimate_key_from_signal(&x, 22_050.0).expect("key");
            assert_eq!(keys.value(row), key.key.to_string(), "key of {path}");

            // A function over `load`'s samples equals the offline transform.
            let x8 = load(path, 8_000);
            let mut cfg = mel_config(8_000);
            cfg.stft.n_fft = 512;
            cfg.stft.hop_length = Some(128);
            cfg.mel.n_fft = 512;
            cfg.mel.n_mels = 40;
            let want = MelSpectrogram::<f32>::new(cfg)
                .and_then(|m| m.process(&x8))
                .expect("mel");
            assert_eq!(
                matrix(mel_of_load, row),
                want,
                "mel of load(path, 8000) for {path}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, corpus::GOOD_FILES);
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn null_on_error_false_fails_the_query_naming_the_file() {
    let dir = corpus::temp_dir("policy");
    corpus::write_corpus(&dir);
    let ctx = context_on(&dir);
    // The default: a null for the bad row, and the query goes on.
    let batches = collect(
        &ctx,
        "SELECT count(*) AS n, count(mel) AS ok FROM \
         (SELECT melspectrogram(path) AS mel FROM files)",
    )
    .await;
    let n = batches[0]
        .column(0)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .value(0);
    let ok = batches[0]
        .column(1)
        .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
        .value(0);
    assert_eq!(
        (n, ok),
        (corpus::GOOD_FILES as i64 + 1, corpus::GOOD_FILES as i64)
    );

    ctx.sql("SET audio.null_on_error = false")
        .await
        .expect("set")
        .collect()
        .await
        .expect("set");
    let err = ctx
        .sql("SELECT melspectrogram(path) FROM files")
        .await
        .expect("plan")
        .collect()
        .await
        .expect_err("the corrupt file fails the query");
    let message = err.to_string();
    assert!(
        message.contains("melspectrogram") && message.contains("corrupt.wav"),
        "{message}"
    );
    let bad_option = ctx.sql("SET audio.null_on_error = maybe").await;
    assert!(bad_option.is_err(), "a bad option value is refused");
    std::fs::remove_dir_all(&dir).expect("cleanup");
}

#[tokio::test]
async fn wrong_arguments_are_plan_errors() {
    let ctx = audio_session_context();
    for sql in [
        "SELECT melspectrogram()",
        "SELECT melspectrogram('a.wav', 22050, 2048, 512, 128, 7)",
    ] {
        let err = ctx.sql(sql).await.expect_err(sql);
        assert!(err.to_string().contains("melspectrogram"), "{err}");
    }
    ctx.sql("SET audio.null_on_error = false")
        .await
        .expect("set");
    let err = ctx
        .sql("SELECT melspectrogram('missing.wav', -5)")
        .await
        .expect("plan")
        .collect()
        .await
        .expect_err("a negative rate");
    assert!(err.to_string().contains("sr"), "{err}");
}

#[tokio::test]
async fn mel_features_round_trip_through_parquet() {
    let dir = corpus::temp_dir("parquet");
    corpus::write_corpus(&dir);
    let ctx = context_on(&dir);
    let out = dir.join("mel.parquet");
    let sql = "SELECT path, melspectrogram(path, 22050, 1024, 256, 64) AS mel FROM files \
               WHERE error IS NULL ORDER BY path";
    ctx.sql(sql)
        .await
        .expect("plan")
        .write_parquet(
            out.to_str().expect("utf-8"),
            datafusion::dataframe::DataFrameWriteOptions::new().with_single_file_output(true),
            None,
        )
        .await
        .expect("write");
    let direct = collect(&ctx, sql).await;
    let read = ctx
        .read_parquet(out.to_str().expect("utf-8"), Default::default())
        .await
        .expect("read")
        .sort(vec![datafusion::prelude::col("path").sort(true, true)])
        .expect("sort")
        .collect()
        .await
        .expect("collect");
    let direct =
        datafusion::arrow::compute::concat_batches(&direct[0].schema(), &direct).expect("concat");
    let read =
        datafusion::arrow::compute::concat_batches(&read[0].schema(), &read).expect("concat");
    assert_eq!(read.num_rows(), corpus::GOOD_FILES);
    // Parquet gives strings back as DataFusion's Utf8View; the values and
    // the nested lists are what was written.
    for c in 0..2 {
        let back = datafusion::arrow::compute::cast(read.column(c), direct.column(c).data_type())
            .expect("cast");
        assert_eq!(back.as_ref(), direct.column(c).as_ref(), "column {c}");
    }
    std::fs::remove_dir_all(&dir).expect("cleanup");
}
