//! The trained transcriber: front end, network and standardisation, with
//! note decoding and MIDI output.

use std::collections::HashMap;
use std::path::Path;

use audio_io::midi::{MidiFile, TempoMap};
use audio_io::Note;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::config::{FrameMlpConfig, NoteDecoding};
use super::features::{window_into, LogMel, Scaler};
use super::network::FrameMlpNet;
use crate::training::read_trained;
use crate::{Error, Result, Transcriber};

/// The name of the per-band means in a checkpoint.
pub const SCALER_MEAN: &str = "scaler.mean";
/// The name of the per-band standard deviations in a checkpoint.
pub const SCALER_STD: &str = "scaler.std";

/// Frames run through the network at once: bounds the memory of a long
/// input (2048 × 7 × 229 inputs = 13 MB).
pub(crate) const CHUNK_FRAMES: usize = 2048;

/// The General MIDI program of the output notes (Acoustic Grand Piano).
pub const PIANO_PROGRAM: u8 = 0;

/// The embedded model's weights: the layers in float16, the
/// standardisation in float32 (3.2 MB). Trained by this project on its
/// rendered piano dataset; model card in the guide
/// (`docs/src/audio-models.md`, "The frame-window piano transcriber").
static EMBEDDED_WEIGHTS: &[u8] = include_bytes!("../../weights/frame_mlp_piano.safetensors");

/// The embedded model's [`StoredArchitecture`] as JSON.
static EMBEDDED_ARCHITECTURE: &str = include_str!("../../weights/frame_mlp_piano.json");

/// What a checkpoint's `architecture` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredArchitecture {
    /// The network and front end.
    pub model: FrameMlpConfig,
    /// The note decoding chosen in training.
    #[serde(default)]
    pub decoding: NoteDecoding,
}

/// The frame-window piano transcriber of seed 004: log-mel frames at
/// 22.05 kHz, hop 512; a window of 7 frames around each frame through a
/// 4 × 500 MLP to 88 sigmoids; notes from the thresholded probabilities.
///
/// # Example
///
/// ```no_run
/// use audio_models::frame_mlp::FrameMlp;
/// use audio_models::Transcriber;
/// let model = FrameMlp::load("runs/frame-mlp")?; // the run's best/ checkpoint
/// let audio = audio_io::load::<f32>("piano.wav", &audio_io::LoadOptions::default())?;
/// let notes = model.transcribe(audio.samples.view())?;
/// model.notes_to_midi(&notes).write("piano.mid", audio_io::midi::MidiType::Type1)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct FrameMlp {
    config: FrameMlpConfig,
    decoding: NoteDecoding,
    net: FrameMlpNet,
    scaler: Scaler,
    log_mel: LogMel,
}

fn vector(tensors: &HashMap<String, Tensor>, key: &str, n: usize) -> Result<Vec<f32>> {
    let t = tensors.get(key).ok_or_else(|| Error::MissingKey {
        key: key.to_string(),
        expected: vec![n],
    })?;
    if t.dims() != [n] {
        return Err(Error::WeightShape {
            key: key.to_string(),
            expected: vec![n],
            got: t.dims().to_vec(),
        });
    }
    Ok(t.to_dtype(DType::F32)?.to_vec1::<f32>()?)
}

impl FrameMlp {
    /// The model from its configuration and tensors by name: the layers
    /// (`fc.{i}.weight`, `fc.{i}.bias`, `out.weight`, `out.bias`) and the
    /// standardisation ([`SCALER_MEAN`], [`SCALER_STD`], `(n_mels,)`).
    ///
    /// # Errors
    ///
    /// As [`FrameMlpConfig::validate`] and [`NoteDecoding::validate`];
    /// [`Error::MissingKey`] / [`Error::WeightShape`] naming a missing or
    /// misshapen tensor; [`Error::InvalidParameter`] for a standard
    /// deviation that is not finite and positive.
    pub fn from_tensors(
        config: FrameMlpConfig,
        decoding: NoteDecoding,
        tensors: &HashMap<String, Tensor>,
    ) -> Result<Self> {
        config.validate()?;
        decoding.validate()?;
        let expected = crate::checked_weights::probe_shapes(|vb| {
            FrameMlpNet::new(config.clone(), vb).map(|_| ())
        })?;
        let mut map = HashMap::with_capacity(expected.len());
        for (key, shape) in expected {
            let t = tensors.get(&key).ok_or_else(|| Error::MissingKey {
                key: key.clone(),
                expected: shape.clone(),
            })?;
            if t.dims() != shape.as_slice() {
                return Err(Error::WeightShape {
                    key,
                    expected: shape,
                    got: t.dims().to_vec(),
                });
            }
            map.insert(key, t.to_dtype(DType::F32)?);
        }
        let net = FrameMlpNet::new(
            config.clone(),
            VarBuilder::from_tensors(map, DType::F32, &Device::Cpu),
        )?;
        let mean = vector(tensors, SCALER_MEAN, config.n_mels)?;
        let std = vector(tensors, SCALER_STD, config.n_mels)?;
        if let Some(bad) = std.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
            return Err(Error::InvalidParameter {
                name: SCALER_STD,
                value: bad.to_string(),
                expected: "finite standard deviations > 0",
            });
        }
        Ok(Self {
            log_mel: LogMel::new(&config)?,
            config,
            decoding,
            net,
            scaler: Scaler { mean, std },
        })
    }

    /// The embedded piano transcriber: the seed's size (7-frame window,
    /// 4 × 500), trained by this project on piano renders of music21's
    /// corpus (see the model card in the guide). Nothing is downloaded.
    ///
    /// # Errors
    ///
    /// Only if the embedded files were corrupted at build time.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_models::frame_mlp::FrameMlp;
    /// let model = FrameMlp::embedded()?;
    /// assert_eq!(model.config().context, 7);
    /// let silence = vec![0.0f32; 22_050];
    /// assert!(model.transcribe_mono(&silence)?.is_empty());
    /// # Ok::<(), audio_models::Error>(())
    /// ```
    pub fn embedded() -> Result<Self> {
        let stored: StoredArchitecture =
            serde_json::from_str(EMBEDDED_ARCHITECTURE).map_err(|source| Error::ModelJson {
                path: "frame_mlp_piano.json".into(),
                source,
            })?;
        let tensors = candle_core::safetensors::load_buffer(EMBEDDED_WEIGHTS, &Device::Cpu)?;
        Self::from_tensors(stored.model, stored.decoding, &tensors)
    }

    /// Loads a checkpoint directory that `audio train frame-mlp` wrote
    /// (`weights.safetensors`, `checkpoint.json`), or a run directory, whose
    /// `best/` checkpoint is taken.
    ///
    /// # Errors
    ///
    /// [`Error::File`] / [`Error::ModelJson`] for missing or unreadable
    /// files; as [`FrameMlp::from_tensors`].
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let (architecture, tensors, sidecar) = read_trained(dir.as_ref())?;
        let stored: StoredArchitecture =
            serde_json::from_value(architecture).map_err(|source| Error::ModelJson {
                path: sidecar,
                source,
            })?;
        Self::from_tensors(stored.model, stored.decoding, &tensors)
    }

    /// The same model decoding notes with `decoding`.
    ///
    /// # Errors
    ///
    /// As [`NoteDecoding::validate`].
    pub fn with_decoding(mut self, decoding: NoteDecoding) -> Result<Self> {
        decoding.validate()?;
        self.decoding = decoding;
        Ok(self)
    }

    /// The configuration.
    pub fn config(&self) -> &FrameMlpConfig {
        &self.config
    }

    /// The note decoding.
    pub fn decoding(&self) -> NoteDecoding {
        self.decoding
    }

    /// The network.
    pub fn net(&self) -> &FrameMlpNet {
        &self.net
    }

    /// The standardisation.
    pub fn scaler(&self) -> &Scaler {
        &self.scaler
    }

    /// The standardised log-mel frames of a mono signal at the model's rate.
    ///
    /// # Errors
    ///
    /// As [`LogMel::frames`].
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(frames, n_mels)`.
    pub fn features(&self, audio: &[f32]) -> Result<Array2<f32>> {
        let mut f = self.log_mel.frames(audio)?;
        self.scaler.apply(&mut f);
        Ok(f)
    }

    /// The network's input for frames `range` of standardised features
    /// `(frames, n_mels)`: one window per row.
    pub(crate) fn windows(
        config: &FrameMlpConfig,
        features: ArrayView2<'_, f32>,
        frames: impl ExactSizeIterator<Item = usize>,
        pad: &[f32],
    ) -> Result<Tensor> {
        let n = frames.len();
        let width = config.input_size();
        let mut x = vec![0.0f32; n * width];
        for (row, t) in x.chunks_exact_mut(width).zip(frames) {
            window_into(features, t, config.context, pad, row);
        }
        Ok(Tensor::from_vec(x, (n, width), &Device::Cpu)?)
    }

    /// The sigmoid of the network's output for windows `x` `(n,
    /// input_size)`, row-major `(n, pitches)`.
    pub(crate) fn probabilities(&self, x: &Tensor) -> Result<Vec<f32>> {
        let p = candle_nn::ops::sigmoid(&self.net.forward(x)?)?;
        Ok(p.flatten_all()?.to_vec1::<f32>()?)
    }

    /// The log-mel front end.
    pub(crate) fn log_mel(&self) -> &LogMel {
        &self.log_mel
    }

    /// The probability of each pitch at each frame, from standardised
    /// features, 2048 frames at a time (bounded memory).
    ///
    /// # Errors
    ///
    /// Candle errors.
    ///
    /// # Shapes
    ///
    /// `(frames, n_mels)` → `(frames, pitches)`.
    pub fn posteriorgram_of_features(&self, features: &Array2<f32>) -> Result<Array2<f32>> {
        let frames = features.nrows();
        let pad = self.scaler.silence();
        let mut out = Array2::<f32>::zeros((frames, self.config.pitches));
        let mut start = 0;
        while start < frames {
            let end = (start + CHUNK_FRAMES).min(frames);
            let x = Self::windows(&self.config, features.view(), start..end, &pad)?;
            let p = self.probabilities(&x)?;
            for (t, row) in (start..end).zip(p.chunks_exact(self.config.pitches)) {
                for (k, &v) in row.iter().enumerate() {
                    out[(t, k)] = v;
                }
            }
            start = end;
        }
        Ok(out)
    }

    /// The probability of each pitch at each frame of a mono signal at the
    /// model's rate.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no samples; a non-finite sample.
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(1 + samples / hop, pitches)`.
    pub fn posteriorgram(&self, audio: &[f32]) -> Result<Array2<f32>> {
        self.posteriorgram_of_features(&self.features(audio)?)
    }

    /// The notes of a posteriorgram `(frames, pitches)` under this model's
    /// [`NoteDecoding`] (see there), sorted by onset then pitch.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the width is not `pitches`.
    pub fn decode(&self, posteriorgram: ArrayView2<'_, f32>) -> Result<Vec<Note>> {
        decode_notes(posteriorgram, &self.config, &self.decoding)
    }

    /// Transcribes a mono signal at the model's rate.
    ///
    /// # Errors
    ///
    /// As [`FrameMlp::posteriorgram`].
    pub fn transcribe_mono(&self, audio: &[f32]) -> Result<Vec<Note>> {
        self.decode(self.posteriorgram(audio)?.view())
    }

    /// The notes as a one-track MIDI file at 120 bpm, 480 ticks a beat
    /// (program [`PIANO_PROGRAM`]).
    pub fn notes_to_midi(&self, notes: &[Note]) -> MidiFile {
        MidiFile::from_notes(notes.iter().cloned(), TempoMap::constant(480, 120.0))
    }
}

/// Notes from a posteriorgram `(frames, pitches)`: see [`NoteDecoding`].
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the width is not `config.pitches`; as
/// [`NoteDecoding::validate`].
///
/// # Example
///
/// ```
/// use audio_models::frame_mlp::{decode_notes, FrameMlpConfig, NoteDecoding};
/// let config = FrameMlpConfig::default();
/// let mut p = ndarray::Array2::<f32>::zeros((10, 88));
/// for t in 2..6 {
///     p[(t, 39)] = 0.9; // MIDI 60
/// }
/// let notes = decode_notes(p.view(), &config, &NoteDecoding::default())?;
/// assert_eq!(notes.len(), 1);
/// assert_eq!((notes[0].pitch, notes[0].velocity), (60, 114));
/// assert!((notes[0].onset - 2.0 * 512.0 / 22_050.0).abs() < 1e-12);
/// assert!((notes[0].offset - 6.0 * 512.0 / 22_050.0).abs() < 1e-12);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn decode_notes(
    posteriorgram: ArrayView2<'_, f32>,
    config: &FrameMlpConfig,
    decoding: &NoteDecoding,
) -> Result<Vec<Note>> {
    let mut decoder = NoteDecoder::new(config, decoding)?;
    decoder.push(posteriorgram)?;
    Ok(decoder.finish())
}

/// [`decode_notes`] over posteriorgram rows fed in blocks: the same notes,
/// with one open run and one finished run (waiting for a gap to bridge)
/// kept per pitch instead of the posteriorgram.
///
/// # Example
///
/// ```
/// use audio_models::frame_mlp::{decode_notes, FrameMlpConfig, NoteDecoder, NoteDecoding};
/// use ndarray::Array2;
/// let config = FrameMlpConfig::default();
/// let roll = Array2::from_shape_fn((50, config.pitches), |(t, k)| {
///     if k == 40 && (10..30).contains(&t) { 0.9 } else { 0.0 }
/// });
/// let mut decoder = NoteDecoder::new(&config, &NoteDecoding::default())?;
/// decoder.push(roll.slice(ndarray::s![..20, ..]))?;
/// decoder.push(roll.slice(ndarray::s![20.., ..]))?;
/// let notes = decoder.finish();
/// assert_eq!(notes, decode_notes(roll.view(), &config, &NoteDecoding::default())?);
/// assert_eq!(notes.len(), 1);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct NoteDecoder {
    pitches: usize,
    lowest_pitch: u8,
    frame_rate: f64,
    decoding: NoteDecoding,
    /// Frames taken so far.
    frame: usize,
    /// Per pitch: the run being read, `(start, peak)`.
    open: Vec<Option<(usize, f32)>>,
    /// Per pitch: the last finished run `(start, end, peak)`, which the
    /// next run joins when the gap between them is short.
    pending: Vec<Option<(usize, usize, f32)>>,
    notes: Vec<Note>,
}

impl NoteDecoder {
    /// A decoder for posteriorgrams of `config`'s pitches.
    ///
    /// # Errors
    ///
    /// As [`NoteDecoding::validate`].
    pub fn new(config: &FrameMlpConfig, decoding: &NoteDecoding) -> Result<Self> {
        decoding.validate()?;
        Ok(Self {
            pitches: config.pitches,
            lowest_pitch: config.lowest_pitch,
            frame_rate: config.frame_rate(),
            decoding: *decoding,
            frame: 0,
            open: vec![None; config.pitches],
            pending: vec![None; config.pitches],
            notes: Vec::new(),
        })
    }

    /// Takes posteriorgram rows `(frames, pitches)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the width is not `pitches`.
    pub fn push(&mut self, rows: ArrayView2<'_, f32>) -> Result<()> {
        if rows.ncols() != self.pitches {
            return Err(Error::ShapeMismatch {
                what: "posteriorgram",
                expected: format!("(frames, {})", self.pitches),
                got: rows.shape().to_vec(),
            });
        }
        for row in rows.rows() {
            let t = self.frame;
            for (k, &v) in row.iter().enumerate() {
                let on = v >= self.decoding.threshold;
                match (on, self.open[k]) {
                    (true, None) => self.open[k] = Some((t, v)),
                    (true, Some((s, p))) => self.open[k] = Some((s, p.max(v))),
                    (false, Some((s, p))) => {
                        self.close(k, s, t, p);
                        self.open[k] = None;
                    }
                    (false, None) => {}
                }
            }
            self.frame += 1;
        }
        Ok(())
    }

    /// The notes of every row taken, sorted by onset then pitch; the
    /// decoder is then empty for a new signal.
    pub fn finish(&mut self) -> Vec<Note> {
        let end = self.frame;
        for k in 0..self.pitches {
            if let Some((s, p)) = self.open[k].take() {
                self.close(k, s, end, p);
            }
            if let Some(run) = self.pending[k].take() {
                self.emit(k, run);
            }
        }
        self.frame = 0;
        let mut notes = std::mem::take(&mut self.notes);
        Note::sort(&mut notes);
        notes
    }

    /// A run of on-frames `start..end` of pitch `k` ended: it joins the
    /// pending run across a short gap, or the pending run becomes a note.
    fn close(&mut self, k: usize, start: usize, end: usize, peak: f32) {
        match self.pending[k] {
            Some((s, e, p)) if start - e < self.decoding.merge_gap_frames => {
                // The gap's frames are below the threshold, so the peak of
                // the joined run is the larger of the two runs' peaks.
                self.pending[k] = Some((s, end, p.max(peak)));
            }
            Some(previous) => {
                self.emit(k, previous);
                self.pending[k] = Some((start, end, peak));
            }
            None => self.pending[k] = Some((start, end, peak)),
        }
    }

    /// The note of a finished run, if long enough.
    fn emit(&mut self, k: usize, (s, e, peak): (usize, usize, f32)) {
        if e - s < self.decoding.min_note_frames.max(1) {
            return;
        }
        let peak = peak.max(0.0);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "clamped to 1..=127 first"
        )]
        let velocity = (127.0 * peak).round().clamp(1.0, 127.0) as u8;
        #[allow(
            clippy::cast_possible_truncation,
            reason = "validated: lowest_pitch + pitches <= 128"
        )]
        let pitch = self.lowest_pitch + k as u8;
        let fs = self.frame_rate;
        self.notes.push(Note {
            program: PIANO_PROGRAM,
            ..Note::new(s as f64 / fs, e as f64 / fs, pitch, velocity)
        });
    }
}

impl Transcriber for FrameMlp {
    fn sample_rate(&self) -> u32 {
        self.config.sample_rate
    }

    /// Averages the channels and transcribes (see [`FrameMlp::transcribe_mono`]).
    fn transcribe(&self, audio: ArrayView2<'_, f32>) -> Result<Vec<Note>> {
        if audio.nrows() == 0 || audio.ncols() == 0 {
            return Err(Error::Empty { what: "audio" });
        }
        let mono = audio_io::to_mono(&audio.to_owned());
        self.transcribe_mono(mono.row(0).as_slice().unwrap_or(&mono.row(0).to_vec()))
    }
}
