//! The table provider over a folder of audio files.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{
    ArrayRef, Float64Builder, RecordBatch, StringBuilder, UInt32Builder, UInt64Builder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::datasource::TableType;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use datafusion::physical_plan::ExecutionPlan;

use crate::error::Result;
use crate::listing::list_audio_files;

/// Rows per record batch of the scan. One file per batch keeps what a
/// function holds at once to one file's samples and results, whatever the
/// folder's size or its files' lengths (a batch of long files would hold all
/// of them); the per-batch overhead is nothing beside decoding a file.
pub const ROWS_PER_BATCH: usize = 1;

/// A table with one row per audio file of a directory or glob.
///
/// Columns: `path` (UTF-8), `format` (container: `wav`, `flac`, `mp3`,
/// `ogg`), `sample_rate` (u32, Hz), `channels` (u32), `frames` (u64, as the
/// header declares; null for an MP3 without a frame count), `duration_s`
/// (f64) and `error` (null, or why the header could not be read). Only
/// headers are read, when the table is scanned; the samples are decoded by
/// the functions that ask for them (`load(path, sr)`, `melspectrogram(path)`).
///
/// A file whose header cannot be read keeps its row: its `error` says why
/// and its other columns except `path` are null, so a corrupt file in a
/// corpus is visible and loses nothing.
///
/// The listing and the probe run when the query is planned (in a cluster, on
/// the scheduler), so every machine must see the files at the same path.
///
/// # Example
///
/// ```no_run
/// # async fn run() -> datafusion::error::Result<()> {
/// use std::sync::Arc;
/// use audio_datafusion::{audio_session_context, AudioFilesTable};
///
/// let ctx = audio_session_context();
/// ctx.register_table("files", Arc::new(AudioFilesTable::try_new("corpus/")?))?;
/// let df = ctx.sql("SELECT path, duration_s FROM files WHERE error IS NULL").await?;
/// df.show().await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct AudioFilesTable {
    location: String,
    schema: SchemaRef,
}

impl AudioFilesTable {
    /// A table over `location`: a directory (walked recursively for
    /// `.wav`, `.flac`, `.mp3`, `.ogg`, `.oga`) or a glob such as
    /// `corpus/**/*.wav`.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidLocation`] when the location is neither an
    /// existing directory nor a glob that parses.
    pub fn try_new(location: impl Into<String>) -> Result<Self> {
        let location = location.into();
        // Validate now, so a typo fails at registration, not at the query.
        list_audio_files(&location)?;
        Ok(Self {
            location,
            schema: audio_files_schema(),
        })
    }

    /// The directory or glob this table lists.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Lists the files and reads their headers, in rows of
    /// [`ROWS_PER_BATCH`] files, dealt round-robin into `partitions`
    /// partitions so that files of similar position (and often similar
    /// length) spread over the workers.
    ///
    /// # Errors
    ///
    /// As [`list_audio_files`]; a file whose
    /// header is bad is a row, not an error.
    pub fn probe(&self, partitions: usize) -> Result<Vec<Vec<RecordBatch>>> {
        let files = list_audio_files(&self.location)?;
        let partitions = partitions.clamp(1, files.len().max(1));
        let mut out: Vec<Vec<RecordBatch>> = vec![Vec::new(); partitions];
        for (i, chunk) in files.chunks(ROWS_PER_BATCH).enumerate() {
            out[i % partitions].push(header_batch(&self.schema, chunk)?);
        }
        Ok(out)
    }
}

/// The schema of [`AudioFilesTable`].
pub fn audio_files_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("format", DataType::Utf8, true),
        Field::new("sample_rate", DataType::UInt32, true),
        Field::new("channels", DataType::UInt32, true),
        Field::new("frames", DataType::UInt64, true),
        Field::new("duration_s", DataType::Float64, true),
        Field::new("error", DataType::Utf8, true),
    ]))
}

fn header_batch(schema: &SchemaRef, files: &[std::path::PathBuf]) -> Result<RecordBatch> {
    let mut path = StringBuilder::new();
    let mut format = StringBuilder::new();
    let mut sample_rate = UInt32Builder::new();
    let mut channels = UInt32Builder::new();
    let mut frames = UInt64Builder::new();
    let mut duration = Float64Builder::new();
    let mut error = StringBuilder::new();
    for file in files {
        path.append_value(file.to_string_lossy());
        match probe_header(file) {
            Ok(info) => {
                format.append_value(&info.container);
                sample_rate.append_value(info.sample_rate);
                channels.append_value(u32::try_from(info.channels).unwrap_or(u32::MAX));
                frames.append_option(info.frames);
                duration.append_option(info.duration());
                error.append_null();
            }
            Err(e) => {
                format.append_null();
                sample_rate.append_null();
                channels.append_null();
                frames.append_null();
                duration.append_null();
                error.append_value(e.to_string());
            }
        }
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(path.finish()),
        Arc::new(format.finish()),
        Arc::new(sample_rate.finish()),
        Arc::new(channels.finish()),
        Arc::new(frames.finish()),
        Arc::new(duration.finish()),
        Arc::new(error.finish()),
    ];
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| crate::Error::InvalidArgument {
        function: "audio_files",
        argument: "columns",
        reason: e.to_string(),
    })
}

fn probe_header(path: &Path) -> std::result::Result<audio_io::AudioInfo, audio_io::Error> {
    audio_io::AudioReader::open(path).map(|reader| reader.info().clone())
}

#[async_trait]
impl TableProvider for AudioFilesTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        _filters: &[Expr],
        _limit: Option<usize>,
    ) -> DfResult<Arc<dyn ExecutionPlan>> {
        let partitions = self.probe(state.config().target_partitions())?;
        let exec = MemorySourceConfig::try_new_exec(
            &partitions,
            self.schema.clone(),
            projection.cloned(),
        )?;
        Ok(exec)
    }
}
