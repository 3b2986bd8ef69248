//! Basic Pitch (Bittner, Bosch, Rubinstein, Meseguer-Brocal and Ewert,
//! "A Lightweight Instrument-Agnostic Model for Polyphonic Note
//! Transcription and Multipitch Estimation", ICASSP 2022; Spotify's
//! `basic-pitch` 0.4.0): polyphonic audio → notes, pretrained and embedded.
//!
//! The model is rebuilt natively, op for op from the wheel's `nmp.onnx`:
//! the nnAudio CQT front end with log normalisation and harmonic stacking
//! ([`front_end`]), the three convolutional heads (`network.rs`: contour
//! `(T, 264)`, note `(T, 88)`, onset `(T, 88)`), the overlapping-window
//! inference of `basic_pitch.inference` ([`windowing`], streamed with bounded
//! memory) and the note creation of `basic_pitch.note_creation`
//! ([`note_creation`]). Its weights, converted from the ONNX initializers by
//! `tools/convert_basic_pitch.py`, are embedded in the crate
//! (`weights/basic_pitch_icassp_2022.safetensors`, 144 KB; Copyright 2022
//! Spotify AB, Apache-2.0, see `weights/NOTICE-basic-pitch`), so
//! [`BasicPitch::new`] works offline.
//!
//! Posteriorgrams agree with onnxruntime running `nmp.onnx` within `1e-4`
//! and note events with the Python pipeline frame for frame (tests
//! `basic_pitch_*.rs` against fixtures of `tools/reference/basic_pitch_fixtures.py`).
//!
//! # Example
//! ```
//! use audio_models::basic_pitch::{BasicPitch, PredictConfig};
//! let model = BasicPitch::new()?;
//! // One second of A4 (MIDI 69).
//! let tone: Vec<f32> = (0..22_050)
//!     .map(|n| (n as f32 * 440.0 * std::f32::consts::TAU / 22_050.0).sin() * 0.5)
//!     .collect();
//! let notes = model.transcribe_mono(&tone, &PredictConfig::default())?;
//! assert!(notes.iter().any(|n| n.note.pitch == 69));
//! # Ok::<(), audio_models::Error>(())
//! ```

pub mod front_end;
pub(crate) mod network;
pub mod note_creation;
pub mod windowing;

use audio_io::weights::Weights;
use ndarray::{Array2, ArrayView2};

pub use note_creation::{Detection, PredictConfig};
pub use windowing::{PosteriorgramStream, Posteriorgrams};

use audio_dsp::Note;

use crate::traits::Transcriber;
use crate::{Error, Result};

/// The sample rate the model expects, in Hz (`AUDIO_SAMPLE_RATE`).
pub const SAMPLE_RATE: u32 = 22_050;
/// Samples between frames (`FFT_HOP`).
pub const FFT_HOP: usize = 256;
/// Samples of one model window: `22050 · 2 - 256` (`AUDIO_N_SAMPLES`).
pub const AUDIO_N_SAMPLES: usize = 43_844;
/// Frames the model outputs for one window (`ANNOT_N_FRAMES = 86 · 2`).
pub const N_WINDOW_FRAMES: usize = 172;
/// Frames of overlap between windows (`n_overlapping_frames` of `run_inference`).
pub const N_OVERLAPPING_FRAMES: usize = 30;
/// Note and onset bins: the 88 piano keys, MIDI 21..=108.
pub const N_NOTE_BINS: usize = 88;
/// Contour bins: 3 a semitone over the 88 keys.
pub const N_CONTOUR_BINS: usize = 264;
/// The MIDI pitch of note bin 0 (`MIDI_OFFSET`).
pub const MIDI_OFFSET: u8 = 21;

/// The embedded ICASSP 2022 weights (safetensors).
pub static ICASSP_2022_WEIGHTS: &[u8] =
    include_bytes!("../../weights/basic_pitch_icassp_2022.safetensors");

/// Scratch and outputs of one window, reused between windows.
#[derive(Debug, Default, Clone)]
pub(crate) struct WindowScratch {
    front: front_end::FrontEndScratch,
    net: network::NetworkScratch,
    stack: Vec<f32>,
    pub(crate) contour: Vec<f32>,
    pub(crate) note: Vec<f32>,
    pub(crate) onset: Vec<f32>,
}

/// The outputs of one window of [`AUDIO_N_SAMPLES`] samples.
///
/// # Shapes
/// `note`, `onset`: `(172, 88)`; `contour`: `(172, 264)`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowOutput {
    /// Note (frame) activations.
    pub note: Array2<f32>,
    /// Onset activations.
    pub onset: Array2<f32>,
    /// Pitch-contour activations.
    pub contour: Array2<f32>,
}

/// The Basic Pitch model: front end and network with their weights.
#[derive(Debug, Clone)]
pub struct BasicPitch {
    front_end: front_end::FrontEnd,
    network: network::Network,
}

impl BasicPitch {
    /// The pretrained ICASSP 2022 model from the embedded weights.
    ///
    /// # Errors
    /// Only if the embedded file were damaged (as [`BasicPitch::from_weights`]).
    ///
    /// # Example
    /// ```
    /// let model = audio_models::basic_pitch::BasicPitch::new()?;
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn new() -> Result<Self> {
        Self::from_safetensors_bytes(ICASSP_2022_WEIGHTS)
    }

    /// A model from safetensors bytes with the names written by
    /// `tools/convert_basic_pitch.py`.
    ///
    /// # Errors
    /// As [`BasicPitch::from_weights`]; a malformed file gives the
    /// [`Error::Io`] of `audio_io::weights`.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::{BasicPitch, ICASSP_2022_WEIGHTS};
    /// let model = BasicPitch::from_safetensors_bytes(ICASSP_2022_WEIGHTS)?;
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self> {
        Self::from_weights(&Weights::from_safetensors_bytes(bytes)?)
    }

    /// A model from a weight map (`cqt.*`, `log_norm.*`, `contour.*`,
    /// `note.*`, `onset.*`).
    ///
    /// # Errors
    /// [`Error::Io`] for a missing tensor, [`Error::WeightShape`] or
    /// [`Error::WeightDtype`] for one of the wrong shape or type.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::{BasicPitch, ICASSP_2022_WEIGHTS};
    /// let w = audio_io::weights::Weights::from_safetensors_bytes(ICASSP_2022_WEIGHTS)?;
    /// let model = BasicPitch::from_weights(&w)?;
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn from_weights(weights: &Weights) -> Result<Self> {
        Ok(Self {
            front_end: front_end::FrontEnd::from_weights(weights)?,
            network: network::Network::from_weights(weights)?,
        })
    }

    pub(crate) fn run_window(&self, window: &[f32], s: &mut WindowScratch) {
        let t = N_WINDOW_FRAMES;
        s.stack.resize(8 * t * N_CONTOUR_BINS, 0.0);
        s.contour.resize(t * N_CONTOUR_BINS, 0.0);
        s.note.resize(t * N_NOTE_BINS, 0.0);
        s.onset.resize(t * N_NOTE_BINS, 0.0);
        self.front_end.forward(window, &mut s.stack, &mut s.front);
        self.network.forward(
            &s.stack,
            t,
            &mut s.contour,
            &mut s.note,
            &mut s.onset,
            &mut s.net,
        );
    }

    /// Runs the model on one window, as `Model.predict` on a batch of one
    /// (`nmp.onnx`'s outputs `note`, `onset`, `contour`).
    ///
    /// # Errors
    /// [`Error::WindowLength`] unless `window.len() == AUDIO_N_SAMPLES`,
    /// [`Error::NonFinite`] for a NaN or infinite sample.
    ///
    /// # Shapes
    /// `window`: `(43844,)` → `(172, 88)`, `(172, 88)`, `(172, 264)`.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::{BasicPitch, AUDIO_N_SAMPLES};
    /// let out = BasicPitch::new()?.predict_window(&vec![0.0; AUDIO_N_SAMPLES])?;
    /// assert_eq!(out.contour.dim(), (172, 264));
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn predict_window(&self, window: &[f32]) -> Result<WindowOutput> {
        if window.len() != AUDIO_N_SAMPLES {
            return Err(Error::WindowLength {
                expected: AUDIO_N_SAMPLES,
                got: window.len(),
            });
        }
        if let Some(i) = window.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "audio",
                index: i,
            });
        }
        let mut s = WindowScratch::default();
        self.run_window(window, &mut s);
        let t = N_WINDOW_FRAMES;
        let shape_err = |source: ndarray::ShapeError| Error::ArrayShape {
            what: "window output",
            source,
        };
        Ok(WindowOutput {
            note: Array2::from_shape_vec((t, N_NOTE_BINS), s.note).map_err(shape_err)?,
            onset: Array2::from_shape_vec((t, N_NOTE_BINS), s.onset).map_err(shape_err)?,
            contour: Array2::from_shape_vec((t, N_CONTOUR_BINS), s.contour).map_err(shape_err)?,
        })
    }

    /// A stream that takes audio in blocks (bounded memory; see
    /// [`windowing`]). `keep_contour` keeps the contour posteriorgram too
    /// (needed for pitch bends; 3× the memory of note + onset).
    ///
    /// # Example
    /// See [`PosteriorgramStream`].
    pub fn stream(&self, keep_contour: bool) -> PosteriorgramStream<'_> {
        PosteriorgramStream::new(self, keep_contour)
    }

    /// The unwrapped posteriorgrams of mono 22.05 kHz audio, as
    /// `basic_pitch.inference.run_inference`.
    ///
    /// # Errors
    /// [`Error::Empty`] for no samples, [`Error::NonFinite`] for a
    /// NaN or infinite sample.
    ///
    /// # Shapes
    /// `audio`: `(n,)` → `(floor(n · 86 / 22050), 88)` note and onset,
    /// `(…, 264)` contour.
    ///
    /// # Example
    /// ```
    /// use audio_models::basic_pitch::BasicPitch;
    /// let post = BasicPitch::new()?.posteriorgrams(&vec![0.0; 44_100], true)?;
    /// assert_eq!(post.n_frames(), 172);
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn posteriorgrams(&self, audio: &[f32], keep_contour: bool) -> Result<Posteriorgrams> {
        let mut stream = self.stream(keep_contour);
        stream.push(audio)?;
        stream.finish()
    }

    /// Transcribes mono 22.05 kHz audio: [`BasicPitch::posteriorgrams`]
    /// then [`note_creation::model_output_to_notes`], as
    /// `basic_pitch.inference.predict`.
    ///
    /// # Errors
    /// As [`BasicPitch::posteriorgrams`]; [`Error::InvalidParameter`] for a bad
    /// configuration. Silence gives `Ok` with no notes.
    ///
    /// # Example
    /// See the [module docs](self).
    pub fn transcribe_mono(&self, audio: &[f32], config: &PredictConfig) -> Result<Vec<Detection>> {
        config.validate()?;
        let post = self.posteriorgrams(audio, config.include_pitch_bends)?;
        note_creation::model_output_to_notes(&post, config)
    }

    /// The posteriorgrams of an audio file, as `librosa.load(path,
    /// sr=22050, mono=True)` gives it to basic-pitch: decoded, mixed to mono
    /// and resampled (soxr_hq) block by block by [`audio_io::LoadStream`],
    /// the same samples as loading it whole, so memory is bounded by the
    /// posteriorgrams whatever the file's rate.
    ///
    /// # Errors
    /// [`Error::Io`] for a file that cannot be opened or decoded; as
    /// [`BasicPitch::posteriorgrams`].
    pub fn posteriorgrams_from_file(
        &self,
        path: impl AsRef<std::path::Path>,
        keep_contour: bool,
    ) -> Result<Posteriorgrams> {
        let mut blocks = audio_io::LoadStream::<f32>::open(
            path,
            &audio_io::LoadOptions {
                sr: Some(SAMPLE_RATE),
                mono: true,
                ..audio_io::LoadOptions::default()
            },
        )?;
        let mut stream = self.stream(keep_contour);
        while let Some(block) = blocks.next_block()? {
            stream.push(&block.row(0).to_vec())?;
        }
        stream.finish()
    }

    /// Transcribes an audio file: [`BasicPitch::posteriorgrams_from_file`]
    /// then [`note_creation::model_output_to_notes`], as
    /// `basic_pitch.inference.predict` on a path.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a bad configuration; as
    /// [`BasicPitch::posteriorgrams_from_file`].
    pub fn transcribe_file(
        &self,
        path: impl AsRef<std::path::Path>,
        config: &PredictConfig,
    ) -> Result<Vec<Detection>> {
        config.validate()?;
        let post = self.posteriorgrams_from_file(path, config.include_pitch_bends)?;
        note_creation::model_output_to_notes(&post, config)
    }
}

impl Transcriber for BasicPitch {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    /// Averages the channels, transcribes with the default
    /// [`PredictConfig`] (no pitch bends) and returns the notes sorted
    /// by onset then pitch, with velocity `round(127 · amplitude)` and
    /// program 4 (Electric Piano 1, as basic-pitch writes).
    fn transcribe(&self, audio: ArrayView2<'_, f32>) -> Result<Vec<Note>> {
        if audio.nrows() == 0 || audio.ncols() == 0 {
            return Err(Error::Empty { what: "audio" });
        }
        let mono: Vec<f32> = if audio.nrows() == 1 {
            audio.row(0).to_vec()
        } else {
            let c = audio.nrows() as f32;
            audio
                .columns()
                .into_iter()
                .map(|col| col.sum() / c)
                .collect()
        };
        let config = PredictConfig {
            include_pitch_bends: false,
            ..PredictConfig::default()
        };
        let events = self.transcribe_mono(&mono, &config)?;
        let mut notes: Vec<Note> = events.into_iter().map(|d| d.note).collect();
        Note::sort(&mut notes);
        Ok(notes)
    }
}
