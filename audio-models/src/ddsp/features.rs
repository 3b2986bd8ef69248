//! DDSP's control features: the fundamental by pYIN and the A-weighted
//! loudness, one value per frame.

use audio_dsp::{
    a_weighting, fft_frequencies, spectrogram_power_by_frame, Pyin, PyinConfig, PyinStream, Stft,
    StftConfig, StreamingStft,
};

use super::config::DdspConfig;
use crate::{Error, Result};

/// DDSP's loudness reference, dB (`compute_loudness`'s `ref_db`).
pub const LOUDNESS_REF_DB: f64 = 20.7;

/// DDSP's loudness floor, dB below the reference (`range_db`).
pub const LOUDNESS_RANGE_DB: f64 = 80.0;

/// The controls of a clip: `frames = samples / hop` values each.
#[derive(Debug, Clone, PartialEq)]
pub struct DdspFeatures {
    /// Fundamental per frame, Hz (pYIN's most likely pitch, also in
    /// unvoiced frames, as an always-on tracker such as CREPE gives).
    pub f0_hz: Vec<f32>,
    /// A-weighted loudness per frame, dB in `[−80, 0]`-ish.
    pub loudness_db: Vec<f32>,
    /// Whether pYIN decoded the frame as voiced.
    pub voiced: Vec<bool>,
}

impl DdspFeatures {
    /// Frames.
    pub fn len(&self) -> usize {
        self.f0_hz.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.f0_hz.is_empty()
    }

    /// Frames `start .. start + count`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the range passes the end.
    pub fn slice(&self, start: usize, count: usize) -> Result<Self> {
        if start + count > self.len() {
            return Err(Error::InvalidParameter {
                name: "frames",
                value: format!("{start}..{}", start + count),
                expected: "a range inside the clip's frames",
            });
        }
        Ok(Self {
            f0_hz: self.f0_hz[start..start + count].to_vec(),
            loudness_db: self.loudness_db[start..start + count].to_vec(),
            voiced: self.voiced[start..start + count].to_vec(),
        })
    }

    /// The controls shifted for timbre transfer: f0 by `semitones`, loudness
    /// by `db` (DDSP's timbre-transfer adjustments).
    pub fn shifted(&self, semitones: f64, db: f64) -> Self {
        let ratio = 2f64.powf(semitones / 12.0);
        #[allow(clippy::cast_possible_truncation, reason = "controls in f32")]
        Self {
            f0_hz: self
                .f0_hz
                .iter()
                .map(|&f| (f64::from(f) * ratio) as f32)
                .collect(),
            loudness_db: self
                .loudness_db
                .iter()
                .map(|&l| (f64::from(l) + db).max(-LOUDNESS_RANGE_DB) as f32)
                .collect(),
            voiced: self.voiced.clone(),
        }
    }
}

/// The planned feature extractor of a [`DdspConfig`].
///
/// - f0: `librosa.pyin(y, fmin, fmax, sr, frame_length, hop_length = hop,
///   fill_na = None)`, centred frames;
/// - loudness (DDSP's `compute_loudness`): per centred frame of
///   `frame_length` (hann), the mean over FFT bins of
///   `max(10·log10(max(|S|², 1e−20)) + A(f) − 20.7, −80)`, `A` the
///   A-weighting ([`audio_dsp::a_weighting`]).
///
/// Both have `1 + samples / hop` centred frames; the first `samples / hop`
/// are kept so that `frames · hop` samples are synthesised.
#[derive(Debug)]
pub struct FeatureExtractor {
    config: DdspConfig,
    pyin: Pyin,
    stft: Stft<f32>,
    weights: Vec<f64>,
}

impl FeatureExtractor {
    /// Plans pYIN and the loudness STFT.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; the planners'.
    pub fn new(config: &DdspConfig) -> Result<Self> {
        config.validate()?;
        let pyin = Pyin::new(PyinConfig {
            sr: f64::from(config.sample_rate),
            fmin: config.fmin,
            fmax: config.fmax,
            frame_length: config.frame_length,
            hop_length: Some(config.hop),
            fill_na: None,
            ..PyinConfig::default()
        })?;
        let stft = Stft::new(StftConfig {
            n_fft: config.frame_length,
            hop_length: Some(config.hop),
            ..StftConfig::default()
        })?;
        let weights = fft_frequencies(f64::from(config.sample_rate), config.frame_length)
            .into_iter()
            .map(|f| a_weighting(f, None))
            .collect();
        Ok(Self {
            config: config.clone(),
            pyin,
            stft,
            weights,
        })
    }

    /// The controls of `samples` (at the configuration's rate).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for a clip shorter than one frame; pYIN's and the
    /// STFT's errors (non-finite samples).
    pub fn extract(&self, samples: &[f32]) -> Result<DdspFeatures> {
        let mut stream = self.stream()?;
        stream.push(samples)?;
        stream.finish()
    }

    /// [`FeatureExtractor::extract`] of a signal fed in blocks of any size
    /// (`audio resynth` reads a long file this way): pYIN's stream (its
    /// Viterbi decoding is global, so it keeps each frame's back-pointers
    /// until the end) and the loudness frame by frame from a streaming
    /// STFT. The controls equal `extract`'s to the bit (`extract` is this
    /// stream fed everything at once).
    ///
    /// # Errors
    ///
    /// The planners' errors.
    pub fn stream(&self) -> Result<FeatureStream<'_>> {
        Ok(FeatureStream {
            extractor: self,
            pyin: self.pyin.stream()?,
            stft: StreamingStft::new(self.stft.config().clone())?,
            loudness: Vec::new(),
            seen: 0,
        })
    }

    /// The A-weighted loudness of power frames (columns), appended.
    fn loudness_of(&self, power: ndarray::ArrayView2<'_, f32>, loudness: &mut Vec<f32>) {
        for column in power.columns() {
            #[allow(clippy::cast_precision_loss, reason = "bin counts are small")]
            let mean = column
                .iter()
                .zip(&self.weights)
                .map(|(&p, &w)| {
                    (10.0 * f64::from(p).max(1e-20).log10() + w - LOUDNESS_REF_DB)
                        .max(-LOUDNESS_RANGE_DB)
                })
                .sum::<f64>()
                / column.len() as f64;
            #[allow(clippy::cast_possible_truncation, reason = "controls in f32")]
            loudness.push(mean as f32);
        }
    }
}

/// [`FeatureExtractor::stream`]: DDSP's controls of a signal fed in
/// blocks.
#[derive(Debug)]
pub struct FeatureStream<'a> {
    extractor: &'a FeatureExtractor,
    pyin: PyinStream<'a>,
    stft: StreamingStft<f32>,
    loudness: Vec<f32>,
    seen: usize,
}

impl FeatureStream<'_> {
    /// Feeds a block of samples.
    ///
    /// # Errors
    ///
    /// pYIN's and the STFT's errors (non-finite samples).
    pub fn push(&mut self, block: &[f32]) -> Result<()> {
        self.seen += block.len();
        self.pyin.push(block)?;
        let frames = self.stft.push(block)?;
        self.add_frames(&frames);
        Ok(())
    }

    /// The controls of every frame (`samples / hop` of them).
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for a signal shorter than one frame; pYIN's and the
    /// STFT's errors.
    pub fn finish(mut self) -> Result<DdspFeatures> {
        let frames = self.seen / self.extractor.config.hop;
        if frames == 0 {
            return Err(Error::Empty {
                what: "audio shorter than one DDSP frame",
            });
        }
        let last = self.stft.finish()?;
        self.add_frames(&last);
        let pitch = self.pyin.finish()?;
        #[allow(clippy::cast_possible_truncation, reason = "controls in f32")]
        let f0_hz = pitch.f0[..frames].iter().map(|&f| f as f32).collect();
        self.loudness.truncate(frames);
        Ok(DdspFeatures {
            f0_hz,
            loudness_db: self.loudness,
            voiced: pitch.voiced_flag[..frames].to_vec(),
        })
    }

    /// The loudness of STFT frames, each frame's power as
    /// `audio_dsp::spectrogram` computes it (frame by frame).
    fn add_frames(&mut self, frames: &ndarray::Array2<num_complex::Complex<f32>>) {
        let power = spectrogram_power_by_frame(frames.view(), 2.0);
        self.extractor.loudness_of(power.view(), &mut self.loudness);
    }
}
