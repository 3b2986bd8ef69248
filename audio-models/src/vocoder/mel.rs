//! MelGAN's front end (`mel2wav.modules.Audio2Mel`): reflect padding of
//! `(n_fft − hop) / 2` samples on each side, an uncentred hann STFT, the
//! magnitude, Slaney mel filters and `log10(max(·, 1e−5))`.

use audio_dsp::{
    spectrogram, spectrogram_power_by_frame, MelConfig, MelFilterbank, Stft, StftConfig,
    StreamingStft,
};
use ndarray::Array2;
use num_complex::Complex;
use serde::{Deserialize, Serialize};

use super::config::MelGanConfig;
use crate::{Error, Result};

/// The floor of the mel magnitudes before the logarithm (−100 dB).
pub const MEL_FLOOR: f32 = 1e-5;

/// The sizes of the log-mel front end alone (MelGAN's are
/// [`MelGanConfig::log_mel`]; a WaveNet vocoder stores its own).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogMelConfig {
    /// Sample rate, in Hz.
    pub sample_rate: u32,
    /// FFT size (hann window of the same length).
    pub n_fft: usize,
    /// Samples per frame.
    pub hop: usize,
    /// Mel bands (Slaney).
    pub n_mels: usize,
    /// Lowest band edge, in Hz.
    pub fmin: f64,
    /// Highest band edge, in Hz (`None`: Nyquist).
    pub fmax: Option<f64>,
}

impl LogMelConfig {
    /// MelGAN's proportions for `hop` and `n_mels`: `n_fft = 4·hop`, the
    /// full band.
    pub fn for_hop(sample_rate: u32, hop: usize, n_mels: usize) -> Self {
        Self {
            sample_rate,
            n_fft: 4 * hop,
            hop,
            n_mels,
            fmin: 0.0,
            fmax: None,
        }
    }

    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the first bad field: a zero
    /// size, a hop not below the FFT size or differing from it by an odd
    /// number, a band edge outside `[0, Nyquist]`.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("sample_rate", self.sample_rate as usize),
            ("hop", self.hop),
            ("n_mels", self.n_mels),
        ] {
            if v == 0 {
                return Err(Error::InvalidParameter {
                    name,
                    value: "0".into(),
                    expected: "> 0",
                });
            }
        }
        if self.hop >= self.n_fft
            || !(self.n_fft - self.hop).is_multiple_of(2)
            || self.n_fft > 65_536
        {
            return Err(Error::InvalidParameter {
                name: "n_fft",
                value: self.n_fft.to_string(),
                expected: "above the hop, at most 65536, and differing from it by an even number",
            });
        }
        let nyquist = f64::from(self.sample_rate) / 2.0;
        let fmax = self.fmax.unwrap_or(nyquist);
        if !(self.fmin >= 0.0 && self.fmin < fmax && fmax <= nyquist) {
            return Err(Error::InvalidParameter {
                name: "fmin",
                value: format!("{} .. {fmax}", self.fmin),
                expected: "0 <= fmin < fmax <= Nyquist",
            });
        }
        Ok(())
    }
}

/// The planned log-mel front end of a [`MelGanConfig`] (or of a
/// [`LogMelConfig`]). A signal of `n`
/// samples gives `⌊n / hop⌋` frames (for `n ≥ hop`),
/// frame `t` covering samples `t·hop − (n_fft − hop)/2 …`, so the
/// generator's `frames · hop` samples line up with the input.
///
/// # Example
///
/// ```
/// use audio_models::vocoder::{LogMel, MelGanConfig};
/// let front = LogMel::new(&MelGanConfig::default())?;
/// let tone: Vec<f32> = (0..22_050).map(|n| (n as f32 * 0.1).sin()).collect();
/// let mel = front.compute(&tone)?;
/// assert_eq!(mel.dim(), (80, 22_050 / 256));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug)]
pub struct LogMel {
    stft: Stft<f32>,
    filters: MelFilterbank<f32>,
    pad: usize,
    hop: usize,
    n_mels: usize,
}

impl LogMel {
    /// Plans the STFT and the filters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration.
    pub fn new(config: &MelGanConfig) -> Result<Self> {
        config.validate()?;
        Self::from_config(&config.log_mel())
    }

    /// Plans the STFT and the filters of `config`.
    ///
    /// # Errors
    ///
    /// As [`LogMelConfig::validate`].
    pub fn from_config(config: &LogMelConfig) -> Result<Self> {
        config.validate()?;
        let hop = config.hop;
        Ok(Self {
            stft: Stft::new(StftConfig {
                n_fft: config.n_fft,
                hop_length: Some(hop),
                center: false,
                ..StftConfig::default()
            })?,
            filters: MelFilterbank::new(&MelConfig {
                sr: f64::from(config.sample_rate),
                n_fft: config.n_fft,
                n_mels: config.n_mels,
                fmin: config.fmin,
                fmax: config.fmax,
                ..MelConfig::default()
            })?,
            pad: (config.n_fft - hop) / 2,
            hop,
            n_mels: config.n_mels,
        })
    }

    /// Mel bands.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }

    /// Samples per frame.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// The log-mel spectrogram `(n_mels, frames)` of `samples`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the signal is not longer than the
    /// reflect padding (`(n_fft − hop) / 2` samples) or gives no frame;
    /// the STFT's (non-finite samples).
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>> {
        let n = samples.len();
        if n <= self.pad || n < self.hop {
            return Err(Error::InvalidParameter {
                name: "samples",
                value: n.to_string(),
                expected: "more samples than the reflect padding and at least one hop",
            });
        }
        let mut padded = Vec::with_capacity(n + 2 * self.pad);
        padded.extend(samples[1..=self.pad].iter().rev());
        padded.extend_from_slice(samples);
        padded.extend(samples[n - 1 - self.pad..n - 1].iter().rev());
        let magnitude = spectrogram(&self.stft, &padded, 1.0)?;
        let mut mel = self.filters.apply(magnitude.view())?;
        mel.mapv_inplace(|v| v.max(MEL_FLOOR).log10());
        Ok(mel)
    }
}

impl LogMel {
    /// Frames of the log-mel spectrogram of `n` samples (the padded signal
    /// framed without centring).
    pub fn frames(&self, n: usize) -> usize {
        let n_fft = self.hop + 2 * self.pad;
        (n + 2 * self.pad).saturating_sub(n_fft) / self.hop + 1
    }

    /// [`LogMel::compute`] of a signal fed in blocks of any size: the
    /// reflected head is fed once `pad + 1` samples are in, the reflected
    /// tail at [`LogMelStream::finish`], and each frame goes through the
    /// filters as it completes. The frames joined equal `compute`'s within
    /// float rounding (the filters' matrix product runs on fewer columns
    /// at a time).
    pub fn stream(&self) -> Result<LogMelStream<'_>> {
        Ok(LogMelStream {
            mel: self,
            stft: StreamingStft::new(self.stft.config().clone())?,
            head: Vec::new(),
            started: false,
            tail: Vec::new(),
            seen: 0,
        })
    }

    /// The log-mel frames of STFT frames (their magnitudes as
    /// [`spectrogram`] takes them, frame by frame).
    fn log_mel(&self, frames: &Array2<Complex<f32>>) -> Result<Array2<f32>> {
        let magnitude = spectrogram_power_by_frame(frames.view(), 1.0);
        let mut mel = self.filters.apply(magnitude.view())?;
        mel.mapv_inplace(|v| v.max(MEL_FLOOR).log10());
        Ok(mel)
    }
}

/// [`LogMel::stream`]: MelGAN's log-mel front end over a signal fed in
/// blocks; memory of one FFT frame and the reflected tail.
#[derive(Debug)]
pub struct LogMelStream<'a> {
    mel: &'a LogMel,
    stft: StreamingStft<f32>,
    /// The first samples, until the reflected head can be fed.
    head: Vec<f32>,
    started: bool,
    /// The last `pad + 1` samples, for the reflected tail.
    tail: Vec<f32>,
    seen: usize,
}

impl LogMelStream<'_> {
    /// Feeds a block and returns the log-mel frames it completes, `(n_mels,
    /// new_frames)`.
    ///
    /// # Errors
    ///
    /// Non-finite samples (the STFT's error).
    pub fn push(&mut self, block: &[f32]) -> Result<Array2<f32>> {
        let pad = self.mel.pad;
        self.seen += block.len();
        self.tail.extend_from_slice(block);
        let keep = self.tail.len().saturating_sub(pad + 1);
        self.tail.drain(..keep);
        let frames = if self.started {
            self.stft.push(block)?
        } else {
            self.head.extend_from_slice(block);
            if self.head.len() <= pad {
                return Ok(Array2::zeros((self.mel.n_mels, 0)));
            }
            self.started = true;
            let head = std::mem::take(&mut self.head);
            let reflected: Vec<f32> = head[1..=pad].iter().rev().copied().collect();
            let mut frames = vec![self.stft.push(&reflected)?, self.stft.push(&head)?];
            join_frames(&mut frames)?
        };
        self.mel.log_mel(&frames)
    }

    /// Feeds the reflected tail and returns the last frames.
    ///
    /// # Errors
    ///
    /// As [`LogMel::compute`] for a signal too short.
    pub fn finish(&mut self) -> Result<Array2<f32>> {
        let pad = self.mel.pad;
        if !self.started || self.seen < self.mel.hop {
            return Err(Error::InvalidParameter {
                name: "samples",
                value: self.seen.to_string(),
                expected: "more samples than the reflect padding and at least one hop",
            });
        }
        let reflected: Vec<f32> = self.tail[..pad].iter().rev().copied().collect();
        let mut frames = vec![self.stft.push(&reflected)?, self.stft.finish()?];
        self.mel.log_mel(&join_frames(&mut frames)?)
    }
}

/// STFT frame blocks joined along time.
fn join_frames(parts: &mut [Array2<Complex<f32>>]) -> Result<Array2<Complex<f32>>> {
    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
    ndarray::concatenate(ndarray::Axis(1), &views).map_err(|_| Error::ShapeMismatch {
        what: "STFT frames",
        expected: "one bin count".into(),
        got: parts.iter().map(|p| p.nrows()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_short_a_signal_is_an_error() -> Result<()> {
        let front = LogMel::new(&MelGanConfig::default())?;
        assert!(matches!(
            front.compute(&[0.0; 300]),
            Err(Error::InvalidParameter {
                name: "samples",
                ..
            })
        ));
        Ok(())
    }

    #[test]
    fn frames_are_the_hops_of_the_signal() -> Result<()> {
        let front = LogMel::new(&MelGanConfig::default())?;
        for n in [1024usize, 8192, 8200] {
            let x: Vec<f32> = (0..n).map(|i| (i as f32 * 0.01).sin()).collect();
            assert_eq!(front.compute(&x)?.dim(), (80, n / 256));
        }
        Ok(())
    }
}
