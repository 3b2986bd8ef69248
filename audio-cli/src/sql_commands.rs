//! `audio sql`: SQL over folders of audio files, in this process or on a
//! Ballista cluster (`audio-datafusion`).

use std::path::PathBuf;
use std::sync::Arc;

use audio_datafusion::{cluster, AudioFilesTable};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::SessionContext;
use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{Error, Result};

/// Runs a SQL query over audio files.
///
/// Tables: `--files GLOB_OR_DIR` registers `files`, and each `--table
/// NAME=GLOB_OR_DIR` one more; each has one row per file (`path`, `format`,
/// `sample_rate`, `channels`, `frames`, `duration_s`, `error`). The audio
/// functions (`load`, `melspectrogram`, `mfcc`, `chroma_cqt`, `onset_times`,
/// `tempo`, `beat_times`, `estimate_key`, `transcribe`,
/// `separation_scores`, `si_sdr`, `note_f_measure`) take librosa's
/// parameters as optional trailing arguments.
///
/// Example: `audio sql "SELECT path, tempo(path) FROM files" --files 'songs/*.wav'`
#[derive(Debug, clap::Args)]
pub struct SqlArgs {
    /// The query. Several statements may be given, separated by `;`
    /// (for example `SET audio.null_on_error = false; SELECT …`); the last
    /// one's rows are the result.
    query: String,
    /// A directory (walked for .wav/.flac/.mp3/.ogg) or glob registered as table `files`.
    #[arg(long)]
    files: Option<String>,
    /// More tables, as NAME=GLOB_OR_DIR (repeatable).
    #[arg(long = "table", value_name = "NAME=LOCATION")]
    tables: Vec<String>,
    /// Run on the Ballista scheduler at HOST:PORT (started with
    /// `audio-scheduler`, with `audio-executor`s), instead of in this process.
    #[arg(long, value_name = "HOST:PORT")]
    cluster: Option<String>,
    /// Write the rows to this Parquet file instead of printing them.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Parallel partitions in this process (default: the CPU count).
    #[arg(long)]
    threads: Option<usize>,
}

fn sql_error(source: datafusion::error::DataFusionError) -> Error {
    Error::Sql { source }
}

fn tables(a: &SqlArgs) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(files) = &a.files {
        out.push(("files".to_string(), files.clone()));
    }
    for t in &a.tables {
        let Some((name, location)) = t.split_once('=') else {
            return Err(Error::Usage {
                message:
                    "--table takes NAME=LOCATION, e.g. --table refs='testset/*/reference/*.wav'",
            });
        };
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Usage {
                message: "a --table name is letters, digits and underscores",
            });
        }
        out.push((name.to_string(), location.to_string()));
    }
    Ok(out)
}

async fn context(a: &SqlArgs) -> Result<SessionContext> {
    let ctx = match &a.cluster {
        Some(address) => cluster::connect(&format!("df://{address}"))
            .await
            .map_err(sql_error)?,
        None => {
            let mut config = datafusion::prelude::SessionConfig::new();
            if let Some(threads) = a.threads {
                if threads == 0 {
                    return Err(Error::Usage {
                        message: "--threads must be at least 1",
                    });
                }
                config = config.with_target_partitions(threads);
            }
            SessionContext::new_with_state(audio_datafusion::audio_session_state(config))
        }
    };
    for (name, location) in tables(a)? {
        let table = AudioFilesTable::try_new(location).map_err(|e| sql_error(e.into()))?;
        ctx.register_table(name.as_str(), Arc::new(table))
            .map_err(sql_error)?;
    }
    Ok(ctx)
}

/// The statements of `query`, split on `;` outside quotes.
fn statements(query: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in query.chars() {
        match (quote, c) {
            (None, ';') => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

async fn run_async(a: SqlArgs) -> Result<()> {
    let statements = statements(&a.query);
    let Some((last, setup)) = statements.split_last() else {
        return Err(Error::Usage {
            message: "the query is empty",
        });
    };
    let ctx = context(&a).await?;
    for s in setup {
        ctx.sql(s)
            .await
            .map_err(sql_error)?
            .collect()
            .await
            .map_err(sql_error)?;
    }
    let df = ctx.sql(last).await.map_err(sql_error)?;
    let mut stream = df.execute_stream().await.map_err(sql_error)?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut rows = 0usize;
    let mut printed = Vec::new();
    let mut writer = match &a.output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|source| Error::File {
                path: path.clone(),
                source,
            })?;
            Some(
                ArrowWriter::try_new(file, stream.schema(), None)
                    .map_err(|e| sql_error(e.into()))?,
            )
        }
        None => None,
    };
    while let Some(batch) = stream.next().await {
        let batch = batch.map_err(sql_error)?;
        rows += batch.num_rows();
        bar.set_message(format!("{rows} rows"));
        match writer.as_mut() {
            Some(w) => w.write(&batch).map_err(|e| sql_error(e.into()))?,
            None => printed.push(batch),
        }
    }
    bar.finish_and_clear();
    match (writer, &a.output) {
        (Some(w), Some(path)) => {
            w.close().map_err(|e| sql_error(e.into()))?;
            println!("wrote {} ({rows} rows)", path.display());
        }
        _ => {
            let table = pretty_format_batches(&printed).map_err(|e| sql_error(e.into()))?;
            println!("{table}");
        }
    }
    Ok(())
}

/// Runs `audio sql`.
pub fn run(a: SqlArgs) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::File {
            path: PathBuf::from("<tokio runtime>"),
            source,
        })?;
    runtime.block_on(run_async(a))
}

#[cfg(test)]
mod tests {
    use super::statements;

    #[test]
    fn statements_split_on_semicolons_outside_quotes() {
        assert_eq!(
            statements("SET a = 1; SELECT 'x;y' AS s ;"),
            ["SET a = 1", "SELECT 'x;y' AS s"]
        );
        assert!(statements(" ; ").is_empty());
    }
}
