//! Posteriorgrams → note events → MIDI, exactly as
//! `basic_pitch.note_creation` (0.4.0): `output_to_notes_polyphonic`
//! (onset peaks over a threshold, tracked forward while the note activation
//! stays above `frame_threshold` with `energy_tolerance` frames of grace,
//! inferred onsets, the melodia trick), `get_pitch_bends`,
//! `model_frames_to_time` and `note_events_to_midi`.
//!
//! Notes come out as [`Detection`]s: the family's [`Note`] (velocity
//! `round(127 · amplitude)`, program 4, the pitch bends when estimated) with
//! the frames and mean activation Basic Pitch read it from.
//!
//! Arithmetic follows numpy's dtypes: activations are `f32`; inferred onsets,
//! the remaining-energy comparisons and the pitch-bend weighting are `f64`
//! (numpy promotes through its `float64` zeros); the amplitude is numpy's
//! `float32` pairwise mean. Frequency limits are applied as numpy slices.
//! The melodia trick finds the file-wide maximum with a segment tree (same
//! first-in-row-major-order choice as `np.argmax`) instead of a full scan per
//! note.

use audio_dsp::{hz_to_midi, midi_to_hz, Note};
use audio_io::midi::{Instrument, MidiFile, PitchBend, TempoMap};
use ndarray::ArrayView2;

use super::windowing::Posteriorgrams;
use super::{
    AUDIO_N_SAMPLES, FFT_HOP, MIDI_OFFSET, N_CONTOUR_BINS, N_NOTE_BINS, N_WINDOW_FRAMES,
    SAMPLE_RATE,
};
use crate::{Error, Result};

/// The highest note bin (`MAX_FREQ_IDX`).
const MAX_FREQ_IDX: usize = N_NOTE_BINS - 1;
/// Pitch-bend ticks of a full bend (`N_PITCH_BEND_TICKS`).
const N_PITCH_BEND_TICKS: i64 = 8192;
/// Contour bins either side of a note searched for its bend (`n_bins_tolerance`).
const N_BINS_TOLERANCE: usize = 25;
/// The program basic-pitch writes: General MIDI "Electric Piano 1".
pub const PROGRAM: u8 = 4;
/// MIDI ticks per beat of the written file (`pretty_midi`'s default resolution).
pub const TICKS_PER_BEAT: u16 = 220;

/// The options of `basic_pitch.inference.predict` / `model_output_to_notes`,
/// with their defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictConfig {
    /// Smallest onset peak that starts a note (default `0.5`).
    pub onset_threshold: f64,
    /// Smallest note activation that keeps a note on (default `0.3`).
    pub frame_threshold: f64,
    /// Notes of this many frames or fewer are dropped (default `11`, the
    /// `round(127.70 ms · 22050 / 256 / 1000)` of `predict`; see
    /// [`PredictConfig::min_note_len_from_ms`]).
    pub min_note_len: usize,
    /// Add onsets where the note activation jumps (default `true`).
    pub infer_onsets: bool,
    /// Lowest frequency kept, in Hz (default `None`: all).
    pub min_freq: Option<f64>,
    /// Highest frequency kept, in Hz (default `None`: all).
    pub max_freq: Option<f64>,
    /// Track notes left without an onset from the strongest activation
    /// outward (default `true`).
    pub melodia_trick: bool,
    /// Frames below threshold tolerated inside a note (`energy_tol`, default `11`).
    pub energy_tolerance: usize,
    /// Estimate a pitch bend per frame from the contour (default `true`,
    /// as `predict`; needs the contour posteriorgram).
    pub include_pitch_bends: bool,
    /// Keep pitch bends of overlapping notes, one instrument a pitch in the
    /// MIDI file (default `false`).
    pub multiple_pitch_bends: bool,
    /// Tempo of the MIDI file, in bpm (default `120`).
    pub midi_tempo: f64,
}

impl Default for PredictConfig {
    fn default() -> Self {
        Self {
            onset_threshold: 0.5,
            frame_threshold: 0.3,
            min_note_len: 11,
            infer_onsets: true,
            min_freq: None,
            max_freq: None,
            melodia_trick: true,
            energy_tolerance: 11,
            include_pitch_bends: true,
            multiple_pitch_bends: false,
            midi_tempo: 120.0,
        }
    }
}

impl PredictConfig {
    /// Frames of a minimum note length in milliseconds, as `predict`:
    /// `round(ms / 1000 · 22050 / 256)` (half to even).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a negative or non-finite length.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::PredictConfig;
    /// assert_eq!(PredictConfig::min_note_len_from_ms(127.70)?, 11);
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn min_note_len_from_ms(ms: f64) -> Result<usize> {
        if !ms.is_finite() || ms < 0.0 {
            return Err(Error::InvalidParameter {
                name: "minimum note length",
                expected: "a finite number of milliseconds >= 0",
                value: ms.to_string(),
            });
        }
        Ok((ms / 1000.0 * (f64::from(SAMPLE_RATE) / FFT_HOP as f64)).round_ties_even() as usize)
    }

    /// Checks the thresholds, frequencies and tempo.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-finite threshold, a frequency that
    /// is not finite and positive, or a tempo that is not finite and positive.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("onset threshold", self.onset_threshold),
            ("frame threshold", self.frame_threshold),
        ] {
            if !v.is_finite() {
                return Err(Error::InvalidParameter {
                    name,
                    expected: "a finite threshold",
                    value: v.to_string(),
                });
            }
        }
        for (name, v) in [
            ("minimum frequency", self.min_freq),
            ("maximum frequency", self.max_freq),
        ] {
            if let Some(f) = v {
                if !f.is_finite() || f <= 0.0 {
                    return Err(Error::InvalidParameter {
                        name,
                        expected: "a finite frequency > 0 Hz",
                        value: f.to_string(),
                    });
                }
            }
        }
        if !self.midi_tempo.is_finite() || self.midi_tempo <= 0.0 {
            return Err(Error::InvalidParameter {
                name: "MIDI tempo",
                expected: "a finite tempo > 0 bpm",
                value: self.midi_tempo.to_string(),
            });
        }
        Ok(())
    }
}

/// A note as Basic Pitch detects it (a note event of
/// `model_output_to_notes`): the [`Note`] plus the frames and the mean
/// activation it was read from.
///
/// Serialises (serde) as basic-pitch's note-event JSON object:
/// `start_time_s`, `end_time_s`, `start_frame`, `end_frame`, `pitch_midi`,
/// `velocity`, `amplitude`, `pitch_bends` (`null` or a list); see
/// [`detections_to_json`].
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The note: onset `model_frames_to_time(start_frame)`, offset
    /// `model_frames_to_time(end_frame)`, velocity
    /// [`Detection::velocity_of`]`(amplitude)`, program [`PROGRAM`], pitch
    /// bends a frame (thirds of a semitone) when estimated.
    pub note: Note,
    /// First frame.
    pub start_frame: usize,
    /// End frame (exclusive for the amplitude; the offset time's frame).
    pub end_frame: usize,
    /// Mean note activation over `start_frame..end_frame`, in `[0, 1]`.
    pub amplitude: f32,
}

impl Detection {
    /// MIDI velocity of an amplitude: `round(127 · amplitude)` (half to
    /// even), clamped to `1..=127` (a velocity 0 note-on would be a note-off).
    pub fn velocity_of(amplitude: f32) -> u8 {
        let v = (127.0f32 * amplitude).round_ties_even();
        v.clamp(1.0, 127.0) as u8
    }
}

impl AsRef<Note> for Detection {
    fn as_ref(&self) -> &Note {
        &self.note
    }
}

impl AsMut<Note> for Detection {
    fn as_mut(&mut self) -> &mut Note {
        &mut self.note
    }
}

impl serde::Serialize for Detection {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        /// basic-pitch's field names and order.
        #[derive(serde::Serialize)]
        struct Row<'a> {
            start_time_s: f64,
            end_time_s: f64,
            start_frame: usize,
            end_frame: usize,
            pitch_midi: u8,
            velocity: u8,
            amplitude: f32,
            pitch_bends: Option<&'a [i32]>,
        }
        Row {
            start_time_s: self.note.onset,
            end_time_s: self.note.offset,
            start_frame: self.start_frame,
            end_frame: self.end_frame,
            pitch_midi: self.note.pitch,
            velocity: self.note.velocity,
            amplitude: self.amplitude,
            pitch_bends: self.note.pitch_bends.as_deref(),
        }
        .serialize(serializer)
    }
}

/// numpy's `pairwise_sum` for `float32` (the reduction of `np.mean`).
fn pairwise_sum(x: &[f32]) -> f32 {
    let n = x.len();
    if n < 8 {
        let mut res = 0.0f32;
        for &v in x {
            res += v;
        }
        res
    } else if n <= 128 {
        let mut r = [0.0f32; 8];
        r.copy_from_slice(&x[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for j in 0..8 {
                r[j] += x[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += x[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&x[..n2]) + pairwise_sum(&x[n2..])
    }
}

/// `np.mean(frames[start:end, f])` in `float32`.
fn column_mean(
    frames: &ArrayView2<'_, f32>,
    start: usize,
    end: usize,
    f: usize,
    buf: &mut Vec<f32>,
) -> f32 {
    buf.clear();
    buf.extend((start..end).map(|t| frames[[t, f]]));
    if buf.is_empty() {
        return f32::NAN;
    }
    pairwise_sum(buf) / buf.len() as f32
}

/// A Python slice bound on an axis of length `n` (negative counts from the end).
fn py_bound(i: i64, n: usize) -> usize {
    let n = n as i64;
    let j = if i < 0 { i + n } else { i };
    j.clamp(0, n) as usize
}

/// The note bins kept by `constrain_frequency`: `[lo, hi)`.
fn kept_bins(config: &PredictConfig) -> (usize, usize) {
    let mut lo = 0;
    let mut hi = N_NOTE_BINS;
    if let Some(f) = config.max_freq {
        let idx = (hz_to_midi(f) - f64::from(MIDI_OFFSET)).round_ties_even() as i64;
        hi = py_bound(idx, N_NOTE_BINS);
    }
    if let Some(f) = config.min_freq {
        let idx = (hz_to_midi(f) - f64::from(MIDI_OFFSET)).round_ties_even() as i64;
        lo = py_bound(idx, N_NOTE_BINS);
    }
    (lo, hi)
}

/// Max-segment tree over rows of the remaining energy: the first row (lowest
/// index) holding the largest row maximum.
struct MaxTree {
    size: usize,
    /// (value, row) per node; leaves at `size..2·size`.
    nodes: Vec<(f64, usize)>,
}

impl MaxTree {
    fn new(row_max: &[f64]) -> Self {
        let size = row_max.len().next_power_of_two().max(1);
        let mut nodes = vec![(f64::NEG_INFINITY, usize::MAX); 2 * size];
        for (i, &v) in row_max.iter().enumerate() {
            nodes[size + i] = (v, i);
        }
        for i in (1..size).rev() {
            nodes[i] = Self::pick(nodes[2 * i], nodes[2 * i + 1]);
        }
        Self { size, nodes }
    }

    fn pick(a: (f64, usize), b: (f64, usize)) -> (f64, usize) {
        if b.0 > a.0 || (b.0 == a.0 && b.1 < a.1) {
            b
        } else {
            a
        }
    }

    fn update(&mut self, row: usize, v: f64) {
        let mut i = self.size + row;
        self.nodes[i] = (v, row);
        while i > 1 {
            i /= 2;
            self.nodes[i] = Self::pick(self.nodes[2 * i], self.nodes[2 * i + 1]);
        }
    }

    fn top(&self) -> (f64, usize) {
        self.nodes[1]
    }
}

/// The remaining energy of `output_to_notes_polyphonic` (`float64` values
/// that are the `float32` activations or 0, stored as `f32`), with the row
/// maxima for the melodia trick.
struct Energy {
    data: Vec<f32>,
    tree: Option<MaxTree>,
}

impl Energy {
    fn get(&self, t: usize, f: usize) -> f64 {
        f64::from(self.data[t * N_NOTE_BINS + f])
    }

    fn zero(&mut self, t: usize, f: usize) {
        let i = t * N_NOTE_BINS + f;
        if self.data[i] != 0.0 {
            self.data[i] = 0.0;
            if let Some(tree) = self.tree.as_mut() {
                let row = &self.data[t * N_NOTE_BINS..(t + 1) * N_NOTE_BINS];
                let m = row.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                tree.update(t, f64::from(m));
            }
        }
    }

    /// The first `(t, f)` in row-major order holding the maximum, and it.
    fn argmax(&self) -> (f64, usize, usize) {
        let tree = self.tree.as_ref().map(MaxTree::top);
        let (v, t) = tree.unwrap_or((f64::NEG_INFINITY, 0));
        if t == usize::MAX || !v.is_finite() {
            return (v, 0, 0);
        }
        let row = &self.data[t * N_NOTE_BINS..(t + 1) * N_NOTE_BINS];
        let f = row
            .iter()
            .position(|&x| f64::from(x) == v)
            .unwrap_or_default();
        (v, t, f)
    }
}

/// `output_to_notes_polyphonic`: note events from the note (`frames`) and
/// onset posteriorgrams, in the order Python creates them (onset-tracked
/// notes from the last onset backwards, then melodia notes), with their
/// times (`model_frames_to_time`) and no pitch bends.
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad configuration; [`Error::ShapeMismatch`] unless
/// both inputs are `(n, 88)`.
///
/// # Shapes
/// `frames`, `onsets`: `(n_frames, 88)`.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::note_creation::output_to_notes_polyphonic;
/// use audio_models::basic_pitch::PredictConfig;
/// let mut frames = ndarray::Array2::<f32>::zeros((100, 88));
/// let mut onsets = ndarray::Array2::<f32>::zeros((100, 88));
/// frames.slice_mut(ndarray::s![10..60, 39]).fill(0.9);
/// onsets[[10, 39]] = 0.8;
/// let notes = output_to_notes_polyphonic(frames.view(), onsets.view(), &PredictConfig::default())?;
/// assert_eq!((notes[0].start_frame, notes[0].end_frame, notes[0].note.pitch), (10, 60, 60));
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn output_to_notes_polyphonic(
    frames: ArrayView2<'_, f32>,
    onsets: ArrayView2<'_, f32>,
    config: &PredictConfig,
) -> Result<Vec<Detection>> {
    config.validate()?;
    if frames.ncols() != N_NOTE_BINS {
        return Err(Error::ShapeMismatch {
            what: "note posteriorgram",
            expected: "(n, 88)".into(),
            got: frames.shape().to_vec(),
        });
    }
    if onsets.dim() != frames.dim() {
        return Err(Error::ShapeMismatch {
            what: "onset posteriorgram",
            expected: format!("{:?}, the note posteriorgram's shape", frames.dim()),
            got: onsets.shape().to_vec(),
        });
    }
    let n = frames.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
    let times = model_frames_to_time(n);
    let detection = |start: usize, end: usize, f: usize, amplitude: f32| Detection {
        note: Note {
            program: PROGRAM,
            ..Note::new(
                times[start],
                times[end],
                f as u8 + MIDI_OFFSET,
                Detection::velocity_of(amplitude),
            )
        },
        start_frame: start,
        end_frame: end,
        amplitude,
    };
    let (lo, hi) = kept_bins(config);
    let kept = |f: usize| f >= lo && f < hi;
    let frame = |t: usize, f: usize| if kept(f) { frames[[t, f]] } else { 0.0 };
    let onset_raw = |t: usize, f: usize| if kept(f) { onsets[[t, f]] } else { 0.0 };

    // get_infered_onsets: max(onsets, max(onsets) · frame_diff / max(frame_diff)).
    let frame_diff = |t: usize, f: usize| -> f64 {
        if t < 2 {
            return 0.0;
        }
        let x = f64::from(frame(t, f));
        let d1 = x - f64::from(frame(t - 1, f));
        let d2 = x - f64::from(frame(t - 2, f));
        d1.min(d2).max(0.0)
    };
    let (max_onset, max_diff) = if config.infer_onsets {
        let mut mo = f32::NEG_INFINITY;
        let mut md = f64::NEG_INFINITY;
        for t in 0..n {
            for f in 0..N_NOTE_BINS {
                mo = mo.max(onset_raw(t, f));
                md = md.max(frame_diff(t, f));
            }
        }
        (f64::from(mo), md)
    } else {
        (0.0, 0.0)
    };
    let onset = |t: usize, f: usize| -> f64 {
        let o = f64::from(onset_raw(t, f));
        if !config.infer_onsets {
            return o;
        }
        let scaled = max_onset * frame_diff(t, f) / max_diff;
        // np.max propagates NaN (0/0 when no frame ever rises).
        if scaled.is_nan() {
            f64::NAN
        } else {
            o.max(scaled)
        }
    };

    // Onset peaks over threshold, in reverse row-major order.
    let mut peaks = Vec::new();
    for t in (1..n.saturating_sub(1)).rev() {
        for f in (0..N_NOTE_BINS).rev() {
            let v = onset(t, f);
            if v > onset(t - 1, f) && v > onset(t + 1, f) && v >= config.onset_threshold {
                peaks.push((t, f));
            }
        }
    }

    let mut energy = Energy {
        data: (0..n)
            .flat_map(|t| (0..N_NOTE_BINS).map(move |f| (t, f)))
            .map(|(t, f)| frame(t, f))
            .collect(),
        tree: None,
    };
    let thresh = config.frame_threshold;
    let tol = config.energy_tolerance;
    let min_len = config.min_note_len as isize;
    let mut buf = Vec::new();
    let mut notes = Vec::new();
    for (start, f) in peaks {
        if start >= n - 1 {
            continue;
        }
        let mut i = start + 1;
        let mut k = 0;
        while i < n - 1 && k < tol {
            if energy.get(i, f) < thresh {
                k += 1;
            } else {
                k = 0;
            }
            i += 1;
        }
        i -= k;
        if i as isize - start as isize <= min_len {
            continue;
        }
        for t in start..i {
            energy.zero(t, f);
            if f < MAX_FREQ_IDX {
                energy.zero(t, f + 1);
            }
            if f > 0 {
                energy.zero(t, f - 1);
            }
        }
        notes.push(detection(
            start,
            i,
            f,
            column_mean(&frames, start, i, f, &mut buf),
        ));
    }

    if config.melodia_trick {
        let row_max: Vec<f64> = energy
            .data
            .chunks(N_NOTE_BINS)
            .map(|r| f64::from(r.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b))))
            .collect();
        energy.tree = Some(MaxTree::new(&row_max));
        loop {
            let (v, i_mid, f) = energy.argmax();
            if v.is_nan() || v <= thresh {
                break;
            }
            energy.zero(i_mid, f);
            let clear = |energy: &mut Energy, i: usize| {
                energy.zero(i, f);
                if f < MAX_FREQ_IDX {
                    energy.zero(i, f + 1);
                }
                if f > 0 {
                    energy.zero(i, f - 1);
                }
            };
            // Forward pass.
            let mut i = i_mid + 1;
            let mut k = 0usize;
            while i < n - 1 && k < tol {
                if energy.get(i, f) < thresh {
                    k += 1;
                } else {
                    k = 0;
                }
                clear(&mut energy, i);
                i += 1;
            }
            let i_end = i as isize - 1 - k as isize;
            // Backward pass.
            let mut i = i_mid as isize - 1;
            let mut k = 0usize;
            while i > 0 && k < tol {
                let iu = i as usize;
                if energy.get(iu, f) < thresh {
                    k += 1;
                } else {
                    k = 0;
                }
                clear(&mut energy, iu);
                i -= 1;
            }
            let i_start = i + 1 + k as isize;
            if i_end - i_start <= min_len {
                continue;
            }
            let (s, e) = (i_start as usize, i_end as usize);
            notes.push(detection(s, e, f, column_mean(&frames, s, e, f, &mut buf)));
        }
    }
    Ok(notes)
}

/// `model_frames_to_time`: the time of each output frame, corrected for the
/// windowing (`t·256/22050 - floor(t/172) · ((256/22050)·(172 - 43844/256) + 0.0018)`).
///
/// # Example
/// ```
/// use audio_models::basic_pitch::note_creation::model_frames_to_time;
/// let t = model_frames_to_time(200);
/// assert_eq!(t[86], 86.0 * 256.0 / 22050.0);
/// ```
pub fn model_frames_to_time(n_frames: usize) -> Vec<f64> {
    let hop_s = FFT_HOP as f64 / f64::from(SAMPLE_RATE);
    let window_offset =
        hop_s * (N_WINDOW_FRAMES as f64 - AUDIO_N_SAMPLES as f64 / FFT_HOP as f64) + 0.0018;
    (0..n_frames)
        .map(|t| {
            let original = (t * FFT_HOP) as f64 / f64::from(SAMPLE_RATE);
            let window_number = (t as f64 / N_WINDOW_FRAMES as f64).floor();
            original - window_offset * window_number
        })
        .collect()
}

/// `get_pitch_bends`: per frame of each note, the contour bin within ±25 of
/// the note's centre bin with the largest Gaussian-weighted (σ = 5 bins)
/// activation, as an offset from the centre in thirds of a semitone.
///
/// # Errors
/// [`Error::ShapeMismatch`] unless `contour` is `(n, 264)` and covers every note.
///
/// # Shapes
/// `contour`: `(n_frames, 264)`.
pub fn get_pitch_bends(contour: ArrayView2<'_, f32>, notes: &[Detection]) -> Result<Vec<Vec<i32>>> {
    if contour.ncols() != N_CONTOUR_BINS {
        return Err(Error::ShapeMismatch {
            what: "contour posteriorgram",
            expected: "(n, 264)".into(),
            got: contour.shape().to_vec(),
        });
    }
    let window_length = 2 * N_BINS_TOLERANCE + 1;
    let gaussian: Vec<f64> = (0..window_length)
        .map(|i| {
            let x = i as f64 - (window_length as f64 - 1.0) / 2.0;
            (-0.5 * (x / 5.0) * (x / 5.0)).exp()
        })
        .collect();
    let tol = N_BINS_TOLERANCE as i64;
    let nc = N_CONTOUR_BINS as i64;
    let mut out = Vec::with_capacity(notes.len());
    for note in notes {
        let (start, end) = (note.start_frame, note.end_frame);
        if end > contour.nrows() {
            return Err(Error::ShapeMismatch {
                what: "contour posteriorgram",
                expected: format!("at least {end} frames (a note ends there)"),
                got: contour.shape().to_vec(),
            });
        }
        // midi_pitch_to_contour_bin: 36 · log2(midi_to_hz(p) / 27.5).
        let hz = midi_to_hz(f64::from(note.note.pitch));
        let freq_idx = (36.0 * (hz / 27.5).log2()).round_ties_even() as i64;
        let fs = (freq_idx - tol).max(0);
        let fe = nc.min(freq_idx + tol + 1);
        let gs = (tol - freq_idx).max(0);
        let ge = window_length as i64 - (freq_idx - (nc - tol - 1)).max(0);
        let shift = tol - (tol - freq_idx).max(0);
        let width = (fe - fs).min(ge - gs).max(0) as usize;
        let mut bends = Vec::with_capacity(end.saturating_sub(start));
        for t in start..end {
            let mut best = f64::NEG_INFINITY;
            let mut arg = 0usize;
            for j in 0..width {
                let v = f64::from(contour[[t, fs as usize + j]]) * gaussian[gs as usize + j];
                if v > best {
                    best = v;
                    arg = j;
                }
            }
            bends.push(arg as i32 - shift as i32);
        }
        out.push(bends);
    }
    Ok(out)
}

/// `model_output_to_notes`: note events with times (and pitch bends when
/// `config.include_pitch_bends`), in the order Python returns them.
///
/// # Errors
/// As [`output_to_notes_polyphonic`]; [`Error::MissingContour`] when pitch
/// bends are asked for and `output.contour` is `None`.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::{BasicPitch, PredictConfig};
/// use audio_models::basic_pitch::note_creation::model_output_to_notes;
/// let post = BasicPitch::new()?.posteriorgrams(&vec![0.0; 22_050], true)?;
/// let notes = model_output_to_notes(&post, &PredictConfig::default())?;
/// assert!(notes.is_empty()); // silence
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn model_output_to_notes(
    output: &Posteriorgrams,
    config: &PredictConfig,
) -> Result<Vec<Detection>> {
    let mut notes = output_to_notes_polyphonic(output.note.view(), output.onset.view(), config)?;
    let bends = if config.include_pitch_bends {
        let contour = output.contour.as_ref().ok_or(Error::MissingContour)?;
        Some(get_pitch_bends(contour.view(), &notes)?)
    } else {
        None
    };
    if let Some(bends) = bends {
        for (n, b) in notes.iter_mut().zip(bends) {
            n.note.pitch_bends = Some(b);
        }
    }
    Ok(notes)
}

/// Python's tuple order of note events (start, end, pitch, amplitude).
fn tuple_order(a: &Detection, b: &Detection) -> std::cmp::Ordering {
    let (x, y) = (&a.note, &b.note);
    x.onset
        .total_cmp(&y.onset)
        .then(x.offset.total_cmp(&y.offset))
        .then(x.pitch.cmp(&y.pitch))
        .then(a.amplitude.total_cmp(&b.amplitude))
}

/// `note_events_to_midi`: one Electric Piano instrument (or one a pitch with
/// `multiple_pitch_bends`), velocity `round(127 · amplitude)`, pitch bends
/// at `linspace(onset, offset, len)` with `round(bend · 4096 / 3)` ticks
/// clipped to `[-8192, 8191]`; without `multiple_pitch_bends` the bends of
/// notes that overlap another note are dropped (`drop_overlapping_pitch_bends`).
/// 120 bpm unless `config.midi_tempo`, 220 ticks a beat.
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad tempo.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::{Detection, PredictConfig};
/// use audio_models::basic_pitch::note_creation::note_events_to_midi;
/// let note = Detection { note: audio_dsp::Note::new(0.0, 1.0, 60, 64), start_frame: 0, end_frame: 86,
///     amplitude: 0.5 };
/// let midi = note_events_to_midi(&[note], &PredictConfig::default())?;
/// assert_eq!(midi.notes()[0].velocity, 64);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn note_events_to_midi(notes: &[Detection], config: &PredictConfig) -> Result<MidiFile> {
    config.validate()?;
    let mut sorted: Vec<Detection> = notes.to_vec();
    sorted.sort_by(tuple_order);
    if !config.multiple_pitch_bends {
        // drop_overlapping_pitch_bends
        for i in 0..sorted.len().saturating_sub(1) {
            for j in i + 1..sorted.len() {
                if sorted[j].note.onset >= sorted[i].note.offset {
                    break;
                }
                sorted[i].note.pitch_bends = None;
                sorted[j].note.pitch_bends = None;
            }
        }
    }
    let mut instruments: Vec<(u8, Instrument)> = Vec::new();
    for Detection { note, .. } in &sorted {
        let key = if config.multiple_pitch_bends {
            note.pitch
        } else {
            0
        };
        let idx = match instruments.iter().position(|(k, _)| *k == key) {
            Some(i) => i,
            None => {
                instruments.push((
                    key,
                    Instrument {
                        program: PROGRAM,
                        ..Instrument::default()
                    },
                ));
                instruments.len() - 1
            }
        };
        let inst = &mut instruments[idx].1;
        // MIDI keeps bends per instrument (below), not per note.
        inst.notes.push(Note {
            pitch_bends: None,
            ..note.clone()
        });
        if let Some(bends) = note.pitch_bends.as_ref().filter(|b| !b.is_empty()) {
            let m = bends.len();
            for (j, &b) in bends.iter().enumerate() {
                let time = if m == 1 {
                    note.onset
                } else {
                    note.onset + (note.offset - note.onset) * j as f64 / (m - 1) as f64
                };
                let ticks = (f64::from(b) * 4096.0 / 3.0).round_ties_even() as i64;
                let ticks = ticks.clamp(-N_PITCH_BEND_TICKS, N_PITCH_BEND_TICKS - 1);
                inst.pitch_bends.push(PitchBend {
                    time,
                    value: ticks as i16,
                });
            }
        }
    }
    Ok(MidiFile {
        tempo: TempoMap::constant(TICKS_PER_BEAT, config.midi_tempo),
        instruments: instruments.into_iter().map(|(_, i)| i).collect(),
    })
}

/// Detections as basic-pitch's note-event JSON: an array of objects with
/// `start_time_s`, `end_time_s`, `start_frame`, `end_frame`, `pitch_midi`,
/// `velocity`, `amplitude` and `pitch_bends` (`null` or a list), one a line.
/// `audio_io::notes::from_json_str` reads it back as notes. (The CSV of
/// `save_note_events` is `audio_io::notes::to_csv_string` with
/// `CsvLayout::BasicPitch`.)
///
/// Serialising a detection cannot fail (serde_json writes non-finite times
/// as `null`); were it to, the entry would be `null`.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::Detection;
/// use audio_models::basic_pitch::note_creation::detections_to_json;
/// let note = Detection { note: audio_dsp::Note::new(0.0, 1.0, 60, 64), start_frame: 0,
///     end_frame: 86, amplitude: 0.5 };
/// assert!(detections_to_json(&[note]).contains("\"pitch_midi\":60"));
/// ```
pub fn detections_to_json(notes: &[Detection]) -> String {
    let mut s = String::from("[");
    for (i, n) in notes.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("\n  ");
        s.push_str(&serde_json::to_string(n).unwrap_or_else(|_| "null".to_string()));
    }
    s.push_str("\n]\n");
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    fn detection(onset: f64, offset: f64, bends: Option<Vec<i32>>) -> Detection {
        Detection {
            note: Note {
                program: PROGRAM,
                pitch_bends: bends,
                ..Note::new(onset, offset, 60, Detection::velocity_of(0.5))
            },
            start_frame: 3,
            end_frame: 90,
            amplitude: 0.5,
        }
    }

    #[test]
    fn velocity_is_rounded_half_to_even_and_clamped() {
        assert_eq!(Detection::velocity_of(0.5), 64); // 63.5 -> 64
        assert_eq!(Detection::velocity_of(0.0), 1);
        assert_eq!(Detection::velocity_of(2.0), 127);
    }

    #[test]
    fn json_has_basic_pitch_fields_and_reads_back_as_notes() {
        let d = [
            detection(0.0, 1.0, Some(vec![0, -1, 2])),
            detection(0.5, 0.75, None),
        ];
        let text = detections_to_json(&d);
        assert!(text.starts_with("[\n  {\"start_time_s\":0.0,\"end_time_s\":1.0,\"start_frame\":3,\"end_frame\":90,\"pitch_midi\":60,\"velocity\":64,\"amplitude\":0.5,\"pitch_bends\":[0,-1,2]},\n"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(v[1]["pitch_bends"].is_null());
        let back = audio_io::notes::from_json_str(&text).unwrap();
        assert_eq!(back[0].pitch_bends, Some(vec![0, -1, 2]));
        assert_eq!(
            (
                back[1].onset,
                back[1].offset,
                back[1].pitch,
                back[1].velocity
            ),
            (0.5, 0.75, 60, 64)
        );
        assert_eq!(detections_to_json(&[]), "[\n]\n");
    }

    #[test]
    fn midi_notes_carry_no_bends_and_overlapping_bends_are_dropped() {
        let d = [
            detection(0.0, 1.0, Some(vec![0, 3])),
            detection(0.5, 1.5, Some(vec![1])),
            detection(2.0, 3.0, Some(vec![3, 0])),
        ];
        let midi = note_events_to_midi(&d, &PredictConfig::default()).unwrap();
        let inst = &midi.instruments[0];
        assert!(inst.notes.iter().all(|n| n.pitch_bends.is_none()));
        // Only the third note's bends survive: 3 thirds = 4096 ticks, then 0.
        assert_eq!(
            inst.pitch_bends
                .iter()
                .map(|b| (b.time, b.value))
                .collect::<Vec<_>>(),
            vec![(2.0, 4096), (3.0, 0)]
        );
    }
}
