//! Reading one row's arguments and building one row's result.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float32Array, Float64Array, ListArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Float32Type, Float64Type};
use datafusion::common::ScalarValue;
use ndarray::Array2;

use crate::error::{Error, Result};

/// librosa's default rate (`librosa.load(sr=22050)`), used when a function
/// is given a path and no `sr`.
pub(crate) const DEFAULT_SR: u32 = 22_050;

/// `List<Float32>`: samples, onset times in single precision.
pub(crate) fn list_f32_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float32, true)))
}

/// `List<Float64>`: times in seconds.
pub(crate) fn list_f64_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

/// `List<List<Float32>>`: a matrix, row by row (librosa's `(n_features,
/// frames)` shape: one inner list per feature row).
pub(crate) fn matrix_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(list_f32_type(), true)))
}

pub(crate) fn invalid_argument(
    function: &'static str,
    argument: &'static str,
    reason: impl Into<String>,
) -> Error {
    Error::InvalidArgument {
        function,
        argument,
        reason: reason.into(),
    }
}

/// Wraps an `audio-dsp` error with the SQL function's name.
pub(crate) fn dsp_error(function: &'static str) -> impl Fn(audio_dsp::Error) -> Error {
    move |source| Error::Dsp { function, source }
}

/// Argument `index` as an integer, or `default` when it is absent or null.
pub(crate) fn opt_i64(
    args: &[ScalarValue],
    index: usize,
    default: i64,
    function: &'static str,
    argument: &'static str,
) -> Result<i64> {
    let Some(value) = args.get(index).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    match value.cast_to(&DataType::Int64) {
        Ok(ScalarValue::Int64(Some(v))) => Ok(v),
        _ => Err(invalid_argument(
            function,
            argument,
            format!("expected an integer, got {value}"),
        )),
    }
}

/// Argument `index` as a positive `usize`, or `default`.
pub(crate) fn opt_positive(
    args: &[ScalarValue],
    index: usize,
    default: usize,
    function: &'static str,
    argument: &'static str,
) -> Result<usize> {
    let v = opt_i64(args, index, default as i64, function, argument)?;
    usize::try_from(v)
        .ok()
        .filter(|&v| v > 0)
        .ok_or_else(|| invalid_argument(function, argument, format!("must be positive, got {v}")))
}

/// Argument `index` as a float, or `default`.
pub(crate) fn opt_f64(
    args: &[ScalarValue],
    index: usize,
    default: f64,
    function: &'static str,
    argument: &'static str,
) -> Result<f64> {
    let Some(value) = args.get(index).filter(|v| !v.is_null()) else {
        return Ok(default);
    };
    match value.cast_to(&DataType::Float64) {
        Ok(ScalarValue::Float64(Some(v))) if v.is_finite() => Ok(v),
        _ => Err(invalid_argument(
            function,
            argument,
            format!("expected a finite number, got {value}"),
        )),
    }
}

/// The `sr` argument at `index`: a positive rate, or [`DEFAULT_SR`].
pub(crate) fn sample_rate(
    args: &[ScalarValue],
    index: usize,
    function: &'static str,
) -> Result<u32> {
    let sr = opt_positive(args, index, DEFAULT_SR as usize, function, "sr")?;
    u32::try_from(sr)
        .map_err(|_| invalid_argument(function, "sr", format!("{sr} Hz is out of range")))
}

/// Argument `index` as a string (a path).
pub(crate) fn path(
    args: &[ScalarValue],
    index: usize,
    function: &'static str,
) -> Result<Option<String>> {
    match args.get(index) {
        Some(ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s)) => {
            Ok(s.clone())
        }
        Some(other) => Err(invalid_argument(
            function,
            "path",
            format!("expected a path string, got {other}"),
        )),
        None => Err(invalid_argument(function, "path", "missing")),
    }
}

/// An input signal: a file decoded to mono at the given rate, or samples
/// given as a list of numbers (the result of `load`).
pub(crate) enum Signal {
    /// A file to decode.
    Path(String),
    /// Samples, already at the rate the caller states.
    Samples(Vec<f32>),
}

/// Argument `index` as a [`Signal`].
pub(crate) fn signal(args: &[ScalarValue], index: usize, function: &'static str) -> Result<Signal> {
    match args.get(index) {
        Some(ScalarValue::Utf8(_) | ScalarValue::LargeUtf8(_) | ScalarValue::Utf8View(_)) => {
            path(args, index, function)?
                .map(Signal::Path)
                .ok_or_else(|| invalid_argument(function, "y", "null"))
        }
        Some(
            v @ (ScalarValue::List(_) | ScalarValue::LargeList(_) | ScalarValue::FixedSizeList(_)),
        ) => Ok(Signal::Samples(samples(v, function)?)),
        Some(other) => Err(invalid_argument(
            function,
            "y",
            format!(
                "expected a path or a list of samples, got type {}",
                other.data_type()
            ),
        )),
        None => Err(invalid_argument(function, "y", "missing")),
    }
}

/// The numbers of a list scalar as `f32`.
fn samples(value: &ScalarValue, function: &'static str) -> Result<Vec<f32>> {
    let values: ArrayRef = match value {
        ScalarValue::List(a) => a.value(0),
        ScalarValue::LargeList(a) => a.value(0),
        ScalarValue::FixedSizeList(a) => a.value(0),
        _ => return Err(invalid_argument(function, "y", "expected a list")),
    };
    let cast = datafusion::arrow::compute::cast(&values, &DataType::Float32)
        .map_err(|e| invalid_argument(function, "y", e.to_string()))?;
    let floats = cast.as_primitive::<Float32Type>();
    if floats.null_count() > 0 {
        return Err(invalid_argument(function, "y", "the samples hold nulls"));
    }
    Ok(floats.values().to_vec())
}

/// Decodes `path` to mono `f32` at `sr` Hz (`None`: the file's own rate),
/// as `librosa.load(path, sr=sr, mono=True)`.
pub(crate) fn load_mono(
    function: &'static str,
    path: &str,
    sr: Option<u32>,
) -> Result<(Vec<f32>, u32)> {
    let options = audio_io::LoadOptions {
        sr,
        mono: true,
        ..audio_io::LoadOptions::default()
    };
    let audio = audio_io::load::<f32>(path, &options).map_err(|source| Error::Audio {
        function,
        path: path.to_string(),
        source,
    })?;
    let rate = audio.sample_rate;
    Ok((audio.samples.into_raw_vec_and_offset().0, rate))
}

/// The samples of `signal`: decoded at `sr` for a path, as given otherwise.
pub(crate) fn signal_samples(function: &'static str, signal: Signal, sr: u32) -> Result<Vec<f32>> {
    match signal {
        Signal::Path(p) => Ok(load_mono(function, &p, Some(sr))?.0),
        Signal::Samples(s) => Ok(s),
    }
}

/// One row of `List<Float32>`.
pub(crate) fn list_f32(values: Vec<f32>) -> ScalarValue {
    let field = Arc::new(Field::new_list_field(DataType::Float32, true));
    let offsets = OffsetBuffer::from_lengths([values.len()]);
    let values = Arc::new(Float32Array::from(values));
    ScalarValue::List(Arc::new(ListArray::new(field, offsets, values, None)))
}

/// One row of `List<Float64>`.
pub(crate) fn list_f64(values: Vec<f64>) -> ScalarValue {
    let field = Arc::new(Field::new_list_field(DataType::Float64, true));
    let offsets = OffsetBuffer::from_lengths([values.len()]);
    let values = Arc::new(Float64Array::from(values));
    ScalarValue::List(Arc::new(ListArray::new(field, offsets, values, None)))
}

/// One row of `List<List<Float32>>` from a `(rows, columns)` matrix.
pub(crate) fn matrix(m: &Array2<f32>) -> ScalarValue {
    let (rows, cols) = m.dim();
    let mut flat = Vec::with_capacity(rows * cols);
    for row in m.rows() {
        flat.extend(row.iter().copied());
    }
    let inner_field = Arc::new(Field::new_list_field(DataType::Float32, true));
    let inner = ListArray::new(
        inner_field,
        OffsetBuffer::from_lengths(std::iter::repeat_n(cols, rows)),
        Arc::new(Float32Array::from(flat)),
        None,
    );
    let outer_field = Arc::new(Field::new_list_field(list_f32_type(), true));
    let outer = ListArray::new(
        outer_field,
        OffsetBuffer::from_lengths([rows]),
        Arc::new(inner),
        None,
    );
    ScalarValue::List(Arc::new(outer))
}

/// A `List<Float64>` row's values (nulls are an error).
pub(crate) fn f64_values(
    array: &ArrayRef,
    function: &'static str,
    argument: &'static str,
) -> Result<Vec<f64>> {
    let cast = datafusion::arrow::compute::cast(array, &DataType::Float64)
        .map_err(|e| invalid_argument(function, argument, e.to_string()))?;
    let floats = cast.as_primitive::<Float64Type>();
    if floats.null_count() > 0 {
        return Err(invalid_argument(function, argument, "holds nulls"));
    }
    Ok(floats.values().to_vec())
}
