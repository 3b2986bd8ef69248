//! Posteriorgrams → note events → MIDI, exactly as
//! `basic_pitch.note_creation` (0.4.0): `output_to_notes_polyphonic`
//! (onset peaks over a threshold, tracked forward while the note activation
//! stays above `frame_threshold` with `energy_tolerance` frames of grace,
//! inferred onsets, the melodia trick), `get_pitch_bends`,
//! `model_frames_to_time` and `note_events_to_midi`.
//!
//! Arithmetic follows numpy's dtypes: activations are `f32`; inferred onsets,
//! the remaining-energy comparisons and the pitch-bend weighting are `f64`
//! (numpy promotes through its `float64` zeros); the amplitude is numpy's
//! `float32` pairwise mean. Frequency limits are applied as numpy slices.
//! The melodia trick finds the file-wide maximum with a segment tree (same
//! first-in-row-major-order choice as `np.argmax`) instead of a full scan per
//! note.

use audio_io::midi::{Instrument, MidiFile, Note, PitchBend, TempoMap};
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
pub struct NoteCreationConfig {
    /// Smallest onset peak that starts a note (default `0.5`).
    pub onset_threshold: f64,
    /// Smallest note activation that keeps a note on (default `0.3`).
    pub frame_threshold: f64,
    /// Notes of this many frames or fewer are dropped (default `11`, the
    /// `round(127.70 ms · 22050 / 256 / 1000)` of `predict`; see
    /// [`NoteCreationConfig::min_note_len_from_ms`]).
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

impl Default for NoteCreationConfig {
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

impl NoteCreationConfig {
    /// Frames of a minimum note length in milliseconds, as `predict`:
    /// `round(ms / 1000 · 22050 / 256)` (half to even).
    ///
    /// # Errors
    /// [`Error::InvalidNoteConfig`] for a negative or non-finite length.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::NoteCreationConfig;
    /// assert_eq!(NoteCreationConfig::min_note_len_from_ms(127.70)?, 11);
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn min_note_len_from_ms(ms: f64) -> Result<usize> {
        if !ms.is_finite() || ms < 0.0 {
            return Err(Error::InvalidNoteConfig {
                name: "minimum note length",
                expected: "a finite number of milliseconds >= 0",
                got: ms.to_string(),
            });
        }
        Ok((ms / 1000.0 * (f64::from(SAMPLE_RATE) / FFT_HOP as f64)).round_ties_even() as usize)
    }

    /// Checks the thresholds, frequencies and tempo.
    ///
    /// # Errors
    /// [`Error::InvalidNoteConfig`] for a non-finite threshold, a frequency that
    /// is not finite and positive, or a tempo that is not finite and positive.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("onset threshold", self.onset_threshold),
            ("frame threshold", self.frame_threshold),
        ] {
            if !v.is_finite() {
                return Err(Error::InvalidNoteConfig {
                    name,
                    expected: "a finite threshold",
                    got: v.to_string(),
                });
            }
        }
        for (name, v) in [
            ("minimum frequency", self.min_freq),
            ("maximum frequency", self.max_freq),
        ] {
            if let Some(f) = v {
                if !f.is_finite() || f <= 0.0 {
                    return Err(Error::InvalidNoteConfig {
                        name,
                        expected: "a finite frequency > 0 Hz",
                        got: f.to_string(),
                    });
                }
            }
        }
        if !self.midi_tempo.is_finite() || self.midi_tempo <= 0.0 {
            return Err(Error::InvalidNoteConfig {
                name: "MIDI tempo",
                expected: "a finite tempo > 0 bpm",
                got: self.midi_tempo.to_string(),
            });
        }
        Ok(())
    }
}

/// A note event in frames, as `output_to_notes_polyphonic` returns it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameNote {
    /// First frame.
    pub start: usize,
    /// End frame (exclusive for the amplitude, the offset time's frame).
    pub end: usize,
    /// MIDI pitch.
    pub pitch: u8,
    /// Mean note activation over `start..end`.
    pub amplitude: f32,
}

/// A note event with times, as `model_output_to_notes` returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoteEvent {
    /// First frame.
    pub start_frame: usize,
    /// End frame.
    pub end_frame: usize,
    /// Onset in seconds (`model_frames_to_time(start_frame)`).
    pub onset: f64,
    /// Offset in seconds (`model_frames_to_time(end_frame)`).
    pub offset: f64,
    /// MIDI pitch.
    pub pitch: u8,
    /// Mean note activation, in `[0, 1]`.
    pub amplitude: f32,
    /// Pitch bend per frame in thirds of a semitone, when estimated.
    pub pitch_bends: Option<Vec<i32>>,
}

impl NoteEvent {
    /// MIDI velocity: `round(127 · amplitude)` (half to even), clamped to
    /// `1..=127` (a velocity 0 note-on would be a note-off).
    pub fn velocity(&self) -> u8 {
        let v = (127.0f32 * self.amplitude).round_ties_even();
        v.clamp(1.0, 127.0) as u8
    }

    /// The note as an `audio_io::midi::Note` (program [`PROGRAM`]).
    pub fn to_midi_note(&self) -> Note {
        Note {
            onset: self.onset,
            offset: self.offset,
            pitch: self.pitch,
            velocity: self.velocity(),
            program: PROGRAM,
        }
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

/// `librosa.hz_to_midi`: `12 · (log2(f) - log2(440)) + 69`.
fn hz_to_midi(f: f64) -> f64 {
    12.0 * (f.log2() - 440f64.log2()) + 69.0
}

/// A Python slice bound on an axis of length `n` (negative counts from the end).
fn py_bound(i: i64, n: usize) -> usize {
    let n = n as i64;
    let j = if i < 0 { i + n } else { i };
    j.clamp(0, n) as usize
}

/// The note bins kept by `constrain_frequency`: `[lo, hi)`.
fn kept_bins(config: &NoteCreationConfig) -> (usize, usize) {
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

/// `output_to_notes_polyphonic`: note events in frames from the note
/// (`frames`) and onset posteriorgrams, in the order Python creates them
/// (onset-tracked notes from the last onset backwards, then melodia notes).
///
/// # Errors
/// [`Error::InvalidNoteConfig`] for a bad configuration; [`Error::Posteriorgram`] unless
/// both inputs are `(n, 88)`.
///
/// # Shapes
/// `frames`, `onsets`: `(n_frames, 88)`.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::note_creation::output_to_notes_polyphonic;
/// use audio_models::basic_pitch::NoteCreationConfig;
/// let mut frames = ndarray::Array2::<f32>::zeros((100, 88));
/// let mut onsets = ndarray::Array2::<f32>::zeros((100, 88));
/// frames.slice_mut(ndarray::s![10..60, 39]).fill(0.9);
/// onsets[[10, 39]] = 0.8;
/// let notes = output_to_notes_polyphonic(frames.view(), onsets.view(), &NoteCreationConfig::default())?;
/// assert_eq!((notes[0].start, notes[0].end, notes[0].pitch), (10, 60, 60));
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn output_to_notes_polyphonic(
    frames: ArrayView2<'_, f32>,
    onsets: ArrayView2<'_, f32>,
    config: &NoteCreationConfig,
) -> Result<Vec<FrameNote>> {
    config.validate()?;
    if frames.ncols() != N_NOTE_BINS || onsets.dim() != frames.dim() {
        return Err(Error::Posteriorgram {
            what: "note/onset posteriorgrams",
            reason: format!(
                "expected two (n, 88) arrays, got {:?} and {:?}",
                frames.dim(),
                onsets.dim()
            ),
        });
    }
    let n = frames.nrows();
    if n == 0 {
        return Ok(Vec::new());
    }
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
        notes.push(FrameNote {
            start,
            end: i,
            pitch: f as u8 + MIDI_OFFSET,
            amplitude: column_mean(&frames, start, i, f, &mut buf),
        });
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
            notes.push(FrameNote {
                start: s,
                end: e,
                pitch: f as u8 + MIDI_OFFSET,
                amplitude: column_mean(&frames, s, e, f, &mut buf),
            });
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
/// [`Error::Posteriorgram`] unless `contour` is `(n, 264)` and covers every note.
///
/// # Shapes
/// `contour`: `(n_frames, 264)`.
pub fn get_pitch_bends(contour: ArrayView2<'_, f32>, notes: &[FrameNote]) -> Result<Vec<Vec<i32>>> {
    if contour.ncols() != N_CONTOUR_BINS {
        return Err(Error::Posteriorgram {
            what: "contour posteriorgram",
            reason: format!("expected (n, 264), got {:?}", contour.dim()),
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
        if note.end > contour.nrows() {
            return Err(Error::Posteriorgram {
                what: "contour posteriorgram",
                reason: format!("{} frames, a note ends at {}", contour.nrows(), note.end),
            });
        }
        // midi_pitch_to_contour_bin: 36 · log2(midi_to_hz(p) / 27.5).
        let hz = 440.0 * 2f64.powf((f64::from(note.pitch) - 69.0) / 12.0);
        let freq_idx = (36.0 * (hz / 27.5).log2()).round_ties_even() as i64;
        let fs = (freq_idx - tol).max(0);
        let fe = nc.min(freq_idx + tol + 1);
        let gs = (tol - freq_idx).max(0);
        let ge = window_length as i64 - (freq_idx - (nc - tol - 1)).max(0);
        let shift = tol - (tol - freq_idx).max(0);
        let width = (fe - fs).min(ge - gs).max(0) as usize;
        let mut bends = Vec::with_capacity(note.end.saturating_sub(note.start));
        for t in note.start..note.end {
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
/// As [`output_to_notes_polyphonic`]; [`Error::Posteriorgram`] when pitch
/// bends are asked for and `output.contour` is `None`.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::{BasicPitch, NoteCreationConfig};
/// use audio_models::basic_pitch::note_creation::model_output_to_notes;
/// let post = BasicPitch::new()?.posteriorgrams(&vec![0.0; 22_050], true)?;
/// let notes = model_output_to_notes(&post, &NoteCreationConfig::default())?;
/// assert!(notes.is_empty()); // silence
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn model_output_to_notes(
    output: &Posteriorgrams,
    config: &NoteCreationConfig,
) -> Result<Vec<NoteEvent>> {
    let notes = output_to_notes_polyphonic(output.note.view(), output.onset.view(), config)?;
    let bends = if config.include_pitch_bends {
        let contour = output.contour.as_ref().ok_or(Error::Posteriorgram {
            what: "contour",
            reason: "pitch bends need the contour posteriorgram (keep_contour)".to_string(),
        })?;
        Some(get_pitch_bends(contour.view(), &notes)?)
    } else {
        None
    };
    let times = model_frames_to_time(output.n_frames());
    Ok(notes
        .iter()
        .enumerate()
        .map(|(i, n)| NoteEvent {
            start_frame: n.start,
            end_frame: n.end,
            onset: times[n.start],
            offset: times[n.end],
            pitch: n.pitch,
            amplitude: n.amplitude,
            pitch_bends: bends.as_ref().map(|b| b[i].clone()),
        })
        .collect())
}

/// Python's tuple order of note events (start, end, pitch, amplitude).
fn tuple_order(a: &NoteEvent, b: &NoteEvent) -> std::cmp::Ordering {
    a.onset
        .total_cmp(&b.onset)
        .then(a.offset.total_cmp(&b.offset))
        .then(a.pitch.cmp(&b.pitch))
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
/// [`Error::InvalidNoteConfig`] for a bad tempo.
///
/// # Example
/// ```
/// use audio_models::basic_pitch::{NoteEvent, NoteCreationConfig};
/// use audio_models::basic_pitch::note_creation::note_events_to_midi;
/// let note = NoteEvent { start_frame: 0, end_frame: 86, onset: 0.0, offset: 1.0, pitch: 60,
///     amplitude: 0.5, pitch_bends: None };
/// let midi = note_events_to_midi(&[note], &NoteCreationConfig::default())?;
/// assert_eq!(midi.notes()[0].velocity, 64);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn note_events_to_midi(notes: &[NoteEvent], config: &NoteCreationConfig) -> Result<MidiFile> {
    config.validate()?;
    let mut sorted: Vec<NoteEvent> = notes.to_vec();
    sorted.sort_by(tuple_order);
    if !config.multiple_pitch_bends {
        // drop_overlapping_pitch_bends
        for i in 0..sorted.len().saturating_sub(1) {
            for j in i + 1..sorted.len() {
                if sorted[j].onset >= sorted[i].offset {
                    break;
                }
                sorted[i].pitch_bends = None;
                sorted[j].pitch_bends = None;
            }
        }
    }
    let mut instruments: Vec<(u8, Instrument)> = Vec::new();
    for note in &sorted {
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
        inst.notes.push(note.to_midi_note());
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

/// Note events as `basic_pitch.inference.save_note_events` writes them:
/// `start_time_s,end_time_s,pitch_midi,velocity,pitch_bend` then one row a
/// note (the bends, when present, as extra columns).
///
/// # Example
/// ```
/// use audio_models::basic_pitch::NoteEvent;
/// use audio_models::basic_pitch::note_creation::notes_to_csv;
/// let note = NoteEvent { start_frame: 0, end_frame: 86, onset: 0.0, offset: 1.0, pitch: 60,
///     amplitude: 0.5, pitch_bends: Some(vec![0, 1]) };
/// assert_eq!(notes_to_csv(&[note]).lines().nth(1), Some("0,1,60,64,0,1"));
/// ```
pub fn notes_to_csv(notes: &[NoteEvent]) -> String {
    let mut s = String::from("start_time_s,end_time_s,pitch_midi,velocity,pitch_bend\n");
    for n in notes {
        s.push_str(&format!(
            "{},{},{},{}",
            n.onset,
            n.offset,
            n.pitch,
            n.velocity()
        ));
        if let Some(b) = n.pitch_bends.as_ref().filter(|b| !b.is_empty()) {
            for v in b {
                s.push_str(&format!(",{v}"));
            }
        }
        s.push('\n');
    }
    s
}

/// Note events as a JSON array of objects with `start_time_s`,
/// `end_time_s`, `start_frame`, `end_frame`, `pitch_midi`, `velocity`,
/// `amplitude` and `pitch_bends` (`null` or a list).
///
/// # Example
/// ```
/// use audio_models::basic_pitch::NoteEvent;
/// use audio_models::basic_pitch::note_creation::notes_to_json;
/// let note = NoteEvent { start_frame: 0, end_frame: 86, onset: 0.0, offset: 1.0, pitch: 60,
///     amplitude: 0.5, pitch_bends: None };
/// assert!(notes_to_json(&[note]).contains("\"pitch_midi\": 60"));
/// ```
pub fn notes_to_json(notes: &[NoteEvent]) -> String {
    let mut s = String::from("[");
    for (i, n) in notes.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let bends = match &n.pitch_bends {
            Some(b) => format!(
                "[{}]",
                b.iter().map(i32::to_string).collect::<Vec<_>>().join(", ")
            ),
            None => "null".to_string(),
        };
        s.push_str(&format!(
            "\n  {{\"start_time_s\": {:?}, \"end_time_s\": {:?}, \"start_frame\": {}, \"end_frame\": {}, \"pitch_midi\": {}, \"velocity\": {}, \"amplitude\": {:?}, \"pitch_bends\": {}}}",
            n.onset, n.offset, n.start_frame, n.end_frame, n.pitch, n.velocity(), n.amplitude, bends
        ));
    }
    s.push_str("\n]\n");
    s
}
