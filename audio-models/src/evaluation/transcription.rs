//! Note-level scores of a transcriber on a transcription dataset split.

use audio_eval::transcription::{evaluate_notes, NoteScores, TranscriptionConfig};
use audio_io::Note;
use ndarray::ArrayView2;
use serde::Serialize;

use crate::datasets::TranscriptionDataset;
use crate::training::Dataset;
use crate::Result;

/// One piece's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PieceScores {
    /// The piece (file stem).
    pub piece: String,
    /// mir_eval's note scores, onset only and with offsets.
    pub scores: NoteScores,
}

/// Mean precision, recall and F-measure over pieces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MeanScores {
    /// Mean precision.
    pub precision: f64,
    /// Mean recall.
    pub recall: f64,
    /// Mean F-measure.
    pub f_measure: f64,
}

/// The scores of a transcriber on a split: per piece, and their means (the
/// convention of the MAPS papers: mir_eval per piece, then the mean).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptionScores {
    /// Every piece's scores.
    pub pieces: Vec<PieceScores>,
    /// Mean note scores, onset within 50 ms and pitch within 50 cents.
    pub onset: MeanScores,
    /// Mean note scores, also offset within 20 % of the note or 50 ms.
    pub onset_offset: MeanScores,
}

/// Scores `transcribe` (audio `(channels, samples)` at the dataset's rate
/// → notes) on every piece of `data` against the piece's MIDI notes, with
/// mir_eval's defaults ([`TranscriptionConfig::default`]).
///
/// # Errors
///
/// Those of the dataset reader, of `transcribe` and of the metric (a note
/// whose offset is not after its onset).
pub fn evaluate_transcriber(
    data: &TranscriptionDataset,
    mut transcribe: impl FnMut(ArrayView2<'_, f32>) -> Result<Vec<Note>>,
) -> Result<TranscriptionScores> {
    let config = TranscriptionConfig::default();
    let mut pieces = Vec::with_capacity(data.len());
    let (mut onset, mut both) = (MeanScores::default(), MeanScores::default());
    for i in 0..data.len() {
        let (audio, reference) = data.get(i)?;
        let estimated = transcribe(audio.view())?;
        let scores = evaluate_notes(&reference, &estimated, &config)?;
        for (sum, s) in [
            (&mut onset, Some(scores.onset)),
            (&mut both, scores.onset_offset),
        ] {
            if let Some(s) = s {
                sum.precision += s.precision;
                sum.recall += s.recall;
                sum.f_measure += s.f_measure;
            }
        }
        pieces.push(PieceScores {
            piece: data.pieces()[i].clone(),
            scores,
        });
    }
    let n = pieces.len().max(1) as f64;
    let mean = |s: MeanScores| MeanScores {
        precision: s.precision / n,
        recall: s.recall / n,
        f_measure: s.f_measure / n,
    };
    Ok(TranscriptionScores {
        pieces,
        onset: mean(onset),
        onset_offset: mean(both),
    })
}
