//! Basic Pitch's inference windowing (`basic_pitch.inference.run_inference`),
//! streamed: overlapping windows in, unwrapped posteriorgrams out.
//!
//! The audio is prefixed with `OVERLAP_LEN / 2 = 3840` zeros and cut into
//! windows of `AUDIO_N_SAMPLES = 43844` samples starting every
//! `WINDOW_HOP = 43844 - 7680 = 36164` samples (the last ones zero-padded),
//! for every start before the end of the padded audio. Of each window's 172
//! output frames the first and last 15 are dropped; the rest are
//! concatenated and cut to `floor(n_samples · 86 / 22050)` frames
//! (`unwrap_output`).
//!
//! [`PosteriorgramStream`] holds one window of audio (43844 samples) and the
//! unwrapped frames produced so far: `2 · 88` floats a frame (plus 264 with
//! the contour), 704 bytes a frame, about 109 MB for 30 minutes at 86 frames
//! a second — the note creation of `note_creation.py` is global (inferred
//! onsets are rescaled by file-wide maxima and the melodia trick picks the
//! file-wide maximum first), so the note and onset posteriorgrams of the
//! whole file are kept; nothing else grows with the length.

use ndarray::Array2;

use super::{
    BasicPitch, WindowScratch, AUDIO_N_SAMPLES, N_CONTOUR_BINS, N_NOTE_BINS, N_OVERLAPPING_FRAMES,
    N_WINDOW_FRAMES,
};
use crate::{Error, Result};

/// Samples of overlap between consecutive windows: `30 · 256`.
pub const OVERLAP_LEN: usize = N_OVERLAPPING_FRAMES * super::FFT_HOP;
/// Samples between window starts: `AUDIO_N_SAMPLES - OVERLAP_LEN`.
pub const WINDOW_HOP: usize = AUDIO_N_SAMPLES - OVERLAP_LEN;
/// Frames kept from each window: `172 - 30`.
pub const FRAMES_PER_WINDOW: usize = N_WINDOW_FRAMES - N_OVERLAPPING_FRAMES;

/// The unwrapped model outputs of a recording.
///
/// # Shapes
/// `note` and `onset`: `(frames, 88)` (MIDI pitches 21..=108); `contour`:
/// `(frames, 264)` (3 bins a semitone from 27.5 Hz), when kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Posteriorgrams {
    /// Note (frame) activations in `[0, 1]`.
    pub note: Array2<f32>,
    /// Onset activations in `[0, 1]`.
    pub onset: Array2<f32>,
    /// Pitch-contour activations, when requested (needed for pitch bends).
    pub contour: Option<Array2<f32>>,
}

impl Posteriorgrams {
    /// Number of frames.
    pub fn n_frames(&self) -> usize {
        self.note.nrows()
    }
}

/// The number of output frames for `n_samples` samples of audio:
/// `floor(n_samples · (86 / 22050))`, as `unwrap_output`.
pub fn n_output_frames(n_samples: u64) -> usize {
    let fps = (super::SAMPLE_RATE as usize / super::FFT_HOP) as f64;
    (n_samples as f64 * (fps / f64::from(super::SAMPLE_RATE))).floor() as usize
}

/// Streaming Basic Pitch inference: push mono 22.05 kHz samples in blocks of
/// any size, get the posteriorgrams of the whole recording at the end, the
/// same as one call of [`BasicPitch::posteriorgrams`] on the concatenation.
///
/// Holds one window of audio plus the kept frames (see the module docs).
///
/// # Example
/// ```
/// use audio_models::basic_pitch::BasicPitch;
/// let model = BasicPitch::new()?;
/// let mut stream = model.stream(false);
/// let tone: Vec<f32> = (0..22_050).map(|n| (n as f32 * 440.0 * std::f32::consts::TAU / 22_050.0).sin() * 0.5).collect();
/// for block in tone.chunks(4096) {
///     stream.push(block)?;
/// }
/// let post = stream.finish()?;
/// assert_eq!(post.note.dim(), (86, 88));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct PosteriorgramStream<'a> {
    model: &'a BasicPitch,
    keep_contour: bool,
    /// Padded audio from the current window start.
    buffer: Vec<f32>,
    n_samples: u64,
    note: Vec<f32>,
    onset: Vec<f32>,
    contour: Vec<f32>,
    scratch: WindowScratch,
}

impl<'a> PosteriorgramStream<'a> {
    pub(crate) fn new(model: &'a BasicPitch, keep_contour: bool) -> Self {
        let mut buffer = Vec::with_capacity(AUDIO_N_SAMPLES);
        buffer.resize(OVERLAP_LEN / 2, 0.0);
        Self {
            model,
            keep_contour,
            buffer,
            n_samples: 0,
            note: Vec::new(),
            onset: Vec::new(),
            contour: Vec::new(),
            scratch: WindowScratch::default(),
        }
    }

    /// Samples pushed so far.
    pub fn n_samples(&self) -> u64 {
        self.n_samples
    }

    /// Appends samples, running the network on every window completed.
    ///
    /// # Errors
    /// [`Error::NonFinite`] for a NaN or infinite sample (nothing of
    /// the block is used then).
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "audio",
                index: usize::try_from(self.n_samples + i as u64).unwrap_or(usize::MAX),
            });
        }
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (AUDIO_N_SAMPLES - self.buffer.len()).min(rest.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            self.n_samples += take as u64;
            if self.buffer.len() == AUDIO_N_SAMPLES {
                self.run_window();
                self.buffer.drain(..WINDOW_HOP);
            }
        }
        Ok(())
    }

    fn run_window(&mut self) {
        let mut window = std::mem::take(&mut self.buffer);
        window.resize(AUDIO_N_SAMPLES, 0.0);
        self.model.run_window(&window, &mut self.scratch);
        let lo = N_OVERLAPPING_FRAMES / 2;
        let hi = N_WINDOW_FRAMES - lo;
        let s = &self.scratch;
        self.note
            .extend_from_slice(&s.note[lo * N_NOTE_BINS..hi * N_NOTE_BINS]);
        self.onset
            .extend_from_slice(&s.onset[lo * N_NOTE_BINS..hi * N_NOTE_BINS]);
        if self.keep_contour {
            self.contour
                .extend_from_slice(&s.contour[lo * N_CONTOUR_BINS..hi * N_CONTOUR_BINS]);
        }
        self.buffer = window;
    }

    /// Runs the last windows and returns the unwrapped posteriorgrams.
    ///
    /// # Errors
    /// [`Error::Empty`] when no sample was pushed.
    pub fn finish(mut self) -> Result<Posteriorgrams> {
        if self.n_samples == 0 {
            return Err(Error::Empty { what: "audio" });
        }
        // Windows start at every multiple of WINDOW_HOP before the end of
        // the padded audio; the buffer starts at the next such start.
        let padded_len = self.n_samples + (OVERLAP_LEN / 2) as u64;
        let mut start = padded_len - self.buffer.len() as u64;
        while start < padded_len {
            let keep = self.buffer.len();
            self.run_window();
            self.buffer.truncate(keep);
            let drop = WINDOW_HOP.min(self.buffer.len());
            self.buffer.drain(..drop);
            start += WINDOW_HOP as u64;
        }
        let n = n_output_frames(self.n_samples);
        self.note.truncate(n * N_NOTE_BINS);
        self.onset.truncate(n * N_NOTE_BINS);
        let shape_err = |source: ndarray::ShapeError| Error::ArrayShape {
            what: "posteriorgram",
            source,
        };
        let contour = if self.keep_contour {
            self.contour.truncate(n * N_CONTOUR_BINS);
            Some(Array2::from_shape_vec((n, N_CONTOUR_BINS), self.contour).map_err(shape_err)?)
        } else {
            None
        };
        Ok(Posteriorgrams {
            note: Array2::from_shape_vec((n, N_NOTE_BINS), self.note).map_err(shape_err)?,
            onset: Array2::from_shape_vec((n, N_NOTE_BINS), self.onset).map_err(shape_err)?,
            contour,
        })
    }
}
