//! `transcribe(path)`: notes with the embedded Basic Pitch model.

use std::sync::{Arc, OnceLock};

use audio_models::basic_pitch::{BasicPitch, PredictConfig};
use datafusion::arrow::array::{ArrayRef, Float64Array, Int32Array, ListArray, StructArray};
use datafusion::arrow::buffer::OffsetBuffer;
use datafusion::arrow::datatypes::{DataType, Field, Fields};
use datafusion::common::ScalarValue;

use super::args::{invalid_argument, path};
use super::RowKernel;
use crate::error::{Error, Result};

/// The fields of one note: `onset` and `offset` in seconds, `pitch` as a
/// MIDI number, `velocity` 1–127. `note_f_measure` reads the same fields.
pub fn note_fields() -> Fields {
    Fields::from(vec![
        Field::new("onset", DataType::Float64, false),
        Field::new("offset", DataType::Float64, false),
        Field::new("pitch", DataType::Int32, false),
        Field::new("velocity", DataType::Int32, false),
    ])
}

/// `List<Struct{onset, offset, pitch, velocity}>`.
pub fn notes_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        DataType::Struct(note_fields()),
        true,
    )))
}

/// One row of notes.
pub(crate) fn notes_value(
    notes: &[audio_dsp::Note],
    function: &'static str,
) -> Result<ScalarValue> {
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from_iter_values(
            notes.iter().map(|n| n.onset),
        )),
        Arc::new(Float64Array::from_iter_values(
            notes.iter().map(|n| n.offset),
        )),
        Arc::new(Int32Array::from_iter_values(
            notes.iter().map(|n| i32::from(n.pitch)),
        )),
        Arc::new(Int32Array::from_iter_values(
            notes.iter().map(|n| i32::from(n.velocity)),
        )),
    ];
    let structs = StructArray::try_new(note_fields(), columns, None)
        .map_err(|e| invalid_argument(function, "notes", e.to_string()))?;
    let list = ListArray::new(
        Arc::new(Field::new_list_field(DataType::Struct(note_fields()), true)),
        OffsetBuffer::from_lengths([notes.len()]),
        Arc::new(structs),
        None,
    );
    Ok(ScalarValue::List(Arc::new(list)))
}

/// The model, loaded once per process (per executor in a cluster) on first
/// use and shared by every row, partition and query after it.
static BASIC_PITCH: OnceLock<BasicPitch> = OnceLock::new();

fn model() -> Result<&'static BasicPitch> {
    if let Some(model) = BASIC_PITCH.get() {
        return Ok(model);
    }
    let loaded = BasicPitch::new().map_err(|source| Error::Model {
        function: "transcribe",
        source,
    })?;
    // Two threads may race to load; the loser's copy is dropped.
    Ok(BASIC_PITCH.get_or_init(|| loaded))
}

/// `transcribe(path)` → `List<Struct{onset, offset, pitch, velocity}>`:
/// the notes Basic Pitch (Bittner et al. 2022, the ICASSP 2022 weights
/// embedded in `audio-models`) finds in the file, as
/// `basic_pitch.inference.predict(path)` with its defaults (onset threshold
/// 0.5, frame threshold 0.3, minimum note 127.7 ms, melodia trick), without
/// pitch bends. The file streams through the model in windows, so memory
/// does not grow with its length.
#[derive(Debug)]
pub(crate) struct Transcribe;

impl RowKernel for Transcribe {
    fn name(&self) -> &'static str {
        "transcribe"
    }
    fn arguments(&self) -> &'static [&'static str] {
        &["path"]
    }
    fn required(&self) -> usize {
        1
    }
    fn return_type(&self) -> DataType {
        notes_type()
    }
    fn eval(&self, args: &[ScalarValue]) -> Result<ScalarValue> {
        let f = self.name();
        let Some(path) = path(args, 0, f)? else {
            return Ok(ScalarValue::try_from(&self.return_type()).unwrap_or(ScalarValue::Null));
        };
        let config = PredictConfig {
            include_pitch_bends: false,
            ..PredictConfig::default()
        };
        let detections =
            model()?
                .transcribe_file(&path, &config)
                .map_err(|source| Error::Model {
                    function: f,
                    source,
                })?;
        let mut notes: Vec<audio_dsp::Note> = detections.into_iter().map(|d| d.note).collect();
        audio_dsp::Note::sort(&mut notes);
        notes_value(&notes, f)
    }
}
