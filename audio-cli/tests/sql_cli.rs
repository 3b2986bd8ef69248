//! `audio sql` end to end: a folder of files (one corrupt) queried in
//! process, rows written to Parquet equal to the library calls, the error
//! policy, and usage errors.

#![cfg(feature = "sql")]
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

mod common;

use std::path::PathBuf;

use common::{run, run_ok, tmp};
use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::UInt32Type;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

fn folder() -> PathBuf {
    let dir = tmp("sql_folder");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["piano_short.wav", "violin_melody.wav"] {
        std::fs::copy(common::repo("assets/audio").join(name), dir.join(name)).unwrap();
    }
    std::fs::write(dir.join("corrupt.wav"), b"RIFF\x24\x00\x00\x00WAVEfmt ").unwrap();
    dir
}

#[test]
fn query_to_parquet_gives_the_library_values_and_a_row_per_file() {
    let dir = folder();
    let out = tmp("sql_keys.parquet");
    let stdout = run_ok(&[
        "sql",
        "SELECT path, sample_rate, error, estimate_key(path) AS key FROM files ORDER BY path",
        "--files",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(stdout.contains("3 rows"), "{stdout}");
    let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&out).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(Result::unwrap).collect();
    let batch = datafusion::arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap();
    assert_eq!(batch.num_rows(), 3);
    let paths = batch.column(0).as_string::<i32>();
    let rates = batch.column(1).as_primitive::<UInt32Type>();
    let errors = batch.column(2).as_string::<i32>();
    let keys = batch.column(3).as_string::<i32>();
    assert!(paths.value(0).ends_with("corrupt.wav"));
    assert!(errors.is_valid(0) && rates.is_null(0) && keys.is_null(0));
    for row in 1..3 {
        let path = paths.value(row);
        let audio = audio_io::load::<f32>(path, &audio_io::LoadOptions::default()).unwrap();
        let want =
            audio_dsp::estimate_key_from_signal(&audio.samples.row(0).to_vec(), 22_050.0).unwrap();
        assert_eq!(keys.value(row), want.key.to_string(), "{path}");
        let info = audio_io::AudioReader::open(path).unwrap().info().clone();
        assert_eq!(rates.value(row), info.sample_rate);
        assert!(errors.is_null(row));
    }

    // Printed as a table when there is no -o.
    let printed = run_ok(&[
        "sql",
        "SELECT count(*) AS n, count(sample_rate) AS readable FROM files",
        "--files",
        dir.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert!(printed.contains("| 3 "), "{printed}");
    assert!(printed.contains("| 2 "), "{printed}");
}

#[test]
fn null_on_error_false_fails_with_the_file_named() {
    let dir = folder();
    let out = run(&[
        "sql",
        "SET audio.null_on_error = false; SELECT melspectrogram(path) FROM files",
        "--files",
        dir.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("corrupt.wav") && stderr.contains("melspectrogram"),
        "{stderr}"
    );
}

#[test]
fn usage_errors_are_clear() {
    for (args, expected) in [
        (
            vec!["sql", "SELECT 1", "--table", "noequals"],
            "NAME=LOCATION",
        ),
        (
            vec!["sql", "SELECT 1", "--table", "bad name=x"],
            "letters, digits",
        ),
        (vec!["sql", " ; "], "empty"),
        (
            vec!["sql", "SELECT 1", "--files", "/no/such/folder"],
            "not a directory",
        ),
        (vec!["sql", "SELEC 1"], "query failed"),
        (vec!["sql", "SELECT 1", "--threads", "0"], "at least 1"),
    ] {
        let out = run(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
