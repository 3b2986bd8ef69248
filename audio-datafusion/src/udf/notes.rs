//! `note_f_measure(reference_notes, estimated_notes)`: mir_eval's note F1.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;

use audio_eval::transcription::{precision_recall_f1_overlap, TranscriptionConfig};

use super::args::{f64_values, invalid_argument, opt_f64};
use super::RowKernel;
use crate::error::{Error, Result};

const FUNCTION: &str = "note_f_measure";

/// Intervals and pitches (Hz) of a `List<Struct{onset, offset, pitch, …}>`
/// argument; `pitch` is a MIDI number.
fn notes(
    args: &[ScalarValue],
    index: usize,
    argument: &'static str,
) -> Result<(Vec<[f64; 2]>, Vec<f64>)> {
    let values: ArrayRef = match args.get(index) {
        Some(ScalarValue::List(a)) => a.value(0),
        Some(ScalarValue::LargeList(a)) => a.value(0),
        _ => {
            return Err(invalid_argument(
                FUNCTION,
                argument,
                "expected a list of note structs",
            ))
        }
    };
    let Some(structs) = values.as_struct_opt() else {
        return Err(invalid_argument(
            FUNCTION,
            argument,
            format!(
                "expected structs with onset, offset, pitch; got {}",
                values.data_type()
            ),
        ));
    };
    let column = |name: &'static str| -> Result<Vec<f64>> {
        let c = structs
            .column_by_name(name)
            .ok_or_else(|| invalid_argument(FUNCTION, argument, format!("no field {name}")))?;
        f64_values(c, FUNCTION, argument)
    };
    let onsets = column("onset")?;
    let offsets = column("offset")?;
    let pitches = column("pitch")?;
    let intervals = onsets.iter().zip(&offsets).map(|(&a, &b)| [a, b]).collect();
    let hz = pitches
        .iter()
        .map(|&p| 440.0 * ((p - 69.0) / 12.0).exp2())
        .collect();
    Ok((intervals, hz))
}

/// `note_f_measure(reference_notes, estimated_notes [, onset_tolerance,
/// offset_ratio])` → `Float64`: the F-measure of
/// `mir_eval.transcription.precision_recall_f1_overlap` (50-cent pitch
/// tolerance, onset tolerance 0.05 s, offset ratio 0.2 with a 0.05 s floor;
/// `offset_ratio = 0` scores onsets only, as `offset_ratio=None`). Notes are
/// lists of structs with `onset` and `offset` in seconds and `pitch` as a
/// MIDI number, such as `transcribe` returns.
#[derive(Debug)]
pub(crate) struct NoteFMeasure;

impl RowKernel for NoteFMeasure {
    fn name(&self) -> &'static str {
        FUNCTION
    }
    fn arguments(&self) -> &'static [&'static str] {
        &[
            "reference_notes",
            "estimated_notes",
            "onset_tolerance",
            "offset_ratio",
        ]
    }
    fn required(&self) -> usize {
        2
    }
    fn return_type(&self) -> DataType {
        DataType::Float64
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        if args.get(1).is_some_and(ScalarValue::is_null) {
            return Ok(ScalarValue::Float64(None));
        }
        let (ref_intervals, ref_pitches) = notes(args, 0, "reference_notes")?;
        let (est_intervals, est_pitches) = notes(args, 1, "estimated_notes")?;
        let defaults = TranscriptionConfig::default();
        let offset_ratio = opt_f64(
            args,
            3,
            defaults.offset_ratio.unwrap_or(0.2),
            FUNCTION,
            "offset_ratio",
        )?;
        let config = TranscriptionConfig {
            onset_tolerance: opt_f64(
                args,
                2,
                defaults.onset_tolerance,
                FUNCTION,
                "onset_tolerance",
            )?,
            offset_ratio: (offset_ratio > 0.0).then_some(offset_ratio),
            ..defaults
        };
        let scores = precision_recall_f1_overlap(
            &ref_intervals,
            &ref_pitches,
            &est_intervals,
            &est_pitches,
            &config,
        )
        .map_err(|source| Error::Eval {
            function: FUNCTION,
            source,
        })?;
        Ok(ScalarValue::Float64(Some(scores.f_measure)))
    }
}
