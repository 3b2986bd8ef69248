//! Separation metrics: `separation_scores` (museval v4) and `si_sdr`.

use std::path::Path;
use std::sync::Arc;

use audio_eval::separation::{
    evaluate_blocks, si_sdr, BssEvalVersion, MusevalConfig, SiSdrConfig, StemBlocks,
};
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, ListArray, StringArray, StructArray,
};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::ScalarValue;
use ndarray::{Array1, Axis};

use super::args::{invalid_argument, load_mono, opt_positive, signal, Signal};
use super::RowKernel;
use crate::error::{Error, Result};

/// The fields of one source's museval scores.
fn score_fields() -> Fields {
    Fields::from(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("sdr", DataType::Float64, true),
        Field::new("isr", DataType::Float64, true),
        Field::new("sir", DataType::Float64, true),
        Field::new("sar", DataType::Float64, true),
    ])
}

fn scores_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        DataType::Struct(score_fields()),
        true,
    )))
}

/// Stems read from audio files block by block, as museval's passes ask.
struct FileStems {
    references: Vec<(String, audio_io::AudioReader)>,
    estimates: Vec<(String, audio_io::AudioReader)>,
    channels: usize,
}

fn open(path: &str) -> Result<audio_io::AudioReader> {
    audio_io::AudioReader::open(path).map_err(|source| Error::Audio {
        function: FUNCTION,
        path: path.to_string(),
        source,
    })
}

impl FileStems {
    fn open(references: &[String], estimates: &[String]) -> Result<Self> {
        let group = |paths: &[String]| -> Result<Vec<(String, audio_io::AudioReader)>> {
            paths.iter().map(|p| Ok((p.clone(), open(p)?))).collect()
        };
        let references = group(references)?;
        let estimates = group(estimates)?;
        let first = references
            .first()
            .ok_or_else(|| invalid_argument(FUNCTION, "references", "empty"))?
            .1
            .info()
            .clone();
        for (path, reader) in references.iter().chain(&estimates) {
            let info = reader.info();
            if info.sample_rate != first.sample_rate || info.channels != first.channels {
                return Err(invalid_argument(
                    FUNCTION,
                    "estimates",
                    format!(
                        "{path} is {} Hz × {} channels; the first reference is {} Hz × {}",
                        info.sample_rate, info.channels, first.sample_rate, first.channels
                    ),
                ));
            }
        }
        Ok(Self {
            references,
            estimates,
            channels: first.channels,
        })
    }

    fn read(
        group: &mut [(String, audio_io::AudioReader)],
        channels: usize,
        out: &mut [Vec<f64>],
        max: usize,
    ) -> Result<usize> {
        let mut count = None;
        for (s, (path, reader)) in group.iter_mut().enumerate() {
            let block = reader
                .read_frames::<f64>(max)
                .map_err(|source| Error::Audio {
                    function: FUNCTION,
                    path: path.clone(),
                    source,
                })?;
            let n = block.ncols();
            if *count.get_or_insert(n) != n {
                return Err(invalid_argument(
                    FUNCTION,
                    "estimates",
                    format!("{path} is not as long as the first stem"),
                ));
            }
            for (c, row) in block.outer_iter().enumerate() {
                let dst = &mut out[s * channels + c];
                dst.clear();
                dst.extend(row.iter().copied());
            }
        }
        Ok(count.unwrap_or(0))
    }
}

const FUNCTION: &str = "separation_scores";

/// The stems' error: ours, and museval's errors attributed to
/// `separation_scores` (a local type, so that no crate-wide conversion from
/// `audio_eval::Error` names this one function).
#[derive(Debug)]
struct StemsError(Error);

impl From<Error> for StemsError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl From<audio_eval::Error> for StemsError {
    fn from(source: audio_eval::Error) -> Self {
        Self(Error::Eval {
            function: FUNCTION,
            source,
        })
    }
}

impl StemBlocks for FileStems {
    type Error = StemsError;

    fn reference_shape(&self) -> (usize, usize) {
        (self.references.len(), self.channels)
    }
    fn estimate_shape(&self) -> (usize, usize) {
        (self.estimates.len(), self.channels)
    }
    fn rewind(&mut self) -> Result<(), StemsError> {
        for (path, reader) in self.references.iter_mut().chain(self.estimates.iter_mut()) {
            *reader = open(path)?;
        }
        Ok(())
    }
    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, StemsError> {
        Ok(Self::read(&mut self.references, self.channels, out, max)?)
    }
    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, StemsError> {
        Ok(Self::read(&mut self.estimates, self.channels, out, max)?)
    }
}

/// The strings of a `List<Utf8>` argument.
fn path_list(args: &[ScalarValue], index: usize, argument: &'static str) -> Result<Vec<String>> {
    let values: ArrayRef = match args.get(index) {
        Some(ScalarValue::List(a)) => a.value(0),
        Some(ScalarValue::LargeList(a)) => a.value(0),
        Some(ScalarValue::FixedSizeList(a)) => a.value(0),
        _ => {
            return Err(invalid_argument(
                FUNCTION,
                argument,
                "expected a list of paths",
            ))
        }
    };
    let strings = datafusion::arrow::compute::cast(&values, &DataType::Utf8)
        .map_err(|e| invalid_argument(FUNCTION, argument, e.to_string()))?;
    let strings = strings.as_string::<i32>();
    (0..strings.len())
        .map(|i| {
            if strings.is_null(i) {
                Err(invalid_argument(FUNCTION, argument, "holds a null path"))
            } else {
                Ok(strings.value(i).to_string())
            }
        })
        .collect()
}

/// `separation_scores(reference_paths, estimate_paths [, window, hop])` →
/// `List<Struct{source, sdr, isr, sir, sar}>`: museval v4 (BSS Eval v4,
/// as `museval.evaluate`) over the stems, one struct per estimate in order,
/// `source` being the estimate file's stem (`vocals` for `vocals.wav`) and
/// each metric the median over windows with silent windows left out (the
/// SiSEC summary, `numpy.nanmedian`). Window and hop default to 44100
/// samples. The stems are read block by block, so memory does not grow with
/// their length.
#[derive(Debug)]
pub(crate) struct SeparationScores;

impl RowKernel for SeparationScores {
    fn name(&self) -> &'static str {
        FUNCTION
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["reference_paths", "estimate_paths", "window", "hop"]
    }
    fn required(&self) -> usize {
        2
    }
    fn return_type(&self) -> DataType {
        scores_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let references = path_list(args, 0, "reference_paths")?;
        let estimates = path_list(args, 1, "estimate_paths")?;
        let config = MusevalConfig {
            window: opt_positive(args, 2, 44_100, FUNCTION, "window")?,
            hop: opt_positive(args, 3, 44_100, FUNCTION, "hop")?,
            version: BssEvalVersion::V4,
            padding: true,
        };
        let mut stems = FileStems::open(&references, &estimates)?;
        let summary = evaluate_blocks(&mut stems, &config)
            .map_err(|StemsError(e)| e)?
            .median();
        let names: Vec<String> = estimates
            .iter()
            .map(|p| {
                Path::new(p)
                    .file_stem()
                    .map_or_else(|| p.clone(), |s| s.to_string_lossy().into_owned())
            })
            .collect();
        let n = names.len();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(names)),
            Arc::new(Float64Array::from(summary.sdr)),
            Arc::new(Float64Array::from(summary.isr)),
            Arc::new(Float64Array::from(summary.sir)),
            Arc::new(Float64Array::from(summary.sar)),
        ];
        let structs = StructArray::try_new(score_fields(), columns, None)
            .map_err(|e| invalid_argument(FUNCTION, "estimate_paths", e.to_string()))?;
        let list = ListArray::new(
            Arc::new(Field::new_list_field(
                DataType::Struct(score_fields()),
                true,
            )),
            OffsetBuffer::from_lengths([n]),
            Arc::new(structs),
            None,
        );
        Ok(ScalarValue::List(Arc::new(list)))
    }
}

/// `si_sdr(reference, estimate)` → `Float64` dB: scale-invariant SDR (Le
/// Roux et al. 2019) without zero-meaning, as `audio_eval::separation::si_sdr`
/// and the usual PyTorch definition. Each argument is a path (decoded to
/// mono at the file's own rate) or a list of samples; both must have the
/// same length.
#[derive(Debug)]
pub(crate) struct SiSdr;

fn mono(input: Signal) -> Result<Vec<f32>> {
    match input {
        Signal::Path(p) => Ok(load_mono("si_sdr", &p, None)?.0),
        Signal::Samples(s) => Ok(s),
    }
}

impl RowKernel for SiSdr {
    fn name(&self) -> &'static str {
        "si_sdr"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["reference", "estimate"]
    }
    fn required(&self) -> usize {
        2
    }
    fn return_type(&self) -> DataType {
        DataType::Float64
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        if args.get(1).is_some_and(ScalarValue::is_null) {
            return Ok(ScalarValue::Float64(None));
        }
        let reference = mono(signal(args, 0, f)?)?;
        let estimate = mono(signal(args, 1, f)?)?;
        let as_row =
            |x: &[f32]| Array1::from_iter(x.iter().map(|&v| f64::from(v))).insert_axis(Axis(0));
        let scores = si_sdr(
            as_row(&reference).view(),
            as_row(&estimate).view(),
            SiSdrConfig::default(),
        )
        .map_err(|source| Error::Eval {
            function: f,
            source,
        })?;
        Ok(ScalarValue::Float64(scores.si_sdr.first().copied()))
    }
}
