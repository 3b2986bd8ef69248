//! The transcriber's input: log-mel frames, standardised per band, and the
//! window of frames around each frame.

use audio_dsp::{
    MelConfig, MelSpectrogram, MelSpectrogramConfig, StftConfig, StreamingMelSpectrogram, Transform,
};
use ndarray::{Array2, ArrayView2};

use super::config::FrameMlpConfig;
use crate::{Error, Result};

/// Added to the mel power before the natural log, so silence is finite:
/// `ln(1e-6) ≈ -13.8`, about 60 dB below a full-scale sine's band power.
pub const LOG_EPS: f32 = 1e-6;

/// Standard deviations below this are raised to it (a band that never
/// varies in the training data, such as one above a soundfont's range).
pub const MIN_STD: f32 = 1e-3;

/// The log-mel front end: `ln(LOG_EPS + M)`, `M` the power mel spectrogram
/// (`librosa.feature.melspectrogram(y, sr, n_fft, hop_length, n_mels,
/// fmin, fmax)`, centred hann frames, Slaney mel).
#[derive(Debug, Clone)]
pub struct LogMel {
    mel: MelSpectrogram<f32>,
    /// The mel spectrogram's configuration (for [`LogMel::stream`]).
    mel_config: MelSpectrogramConfig,
    n_mels: usize,
}

impl LogMel {
    /// Plans the mel spectrogram of `config`.
    ///
    /// # Errors
    ///
    /// As [`FrameMlpConfig::validate`] and [`MelSpectrogram::new`].
    pub fn new(config: &FrameMlpConfig) -> Result<Self> {
        config.validate()?;
        let mel_config = MelSpectrogramConfig {
            stft: StftConfig {
                n_fft: config.n_fft,
                hop_length: Some(config.hop_length),
                ..StftConfig::default()
            },
            power: 2.0,
            mel: MelConfig {
                sr: f64::from(config.sample_rate),
                n_mels: config.n_mels,
                fmin: config.fmin,
                fmax: config.fmax,
                ..MelConfig::default()
            },
        };
        Ok(Self {
            mel: MelSpectrogram::new(mel_config.clone())?,
            mel_config,
            n_mels: config.n_mels,
        })
    }

    /// The log-mel frames of a mono signal.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] for no samples; as the STFT (a non-finite sample).
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(frames, n_mels)`, `frames = 1 + samples / hop`.
    pub fn frames(&self, audio: &[f32]) -> Result<Array2<f32>> {
        if audio.is_empty() {
            return Err(Error::Empty { what: "audio" });
        }
        Ok(Self::log_frames(&self.mel.process(audio)?))
    }

    /// `ln(LOG_EPS + M)` of mel frames `(n_mels, frames)`, as `(frames, n_mels)`.
    pub(crate) fn log_frames(mel: &Array2<f32>) -> Array2<f32> {
        let mut out = mel.t().as_standard_layout().into_owned();
        out.mapv_inplace(|v| (v + LOG_EPS).ln());
        out
    }

    /// The mel spectrogram as a stream (the same frames, block by block).
    ///
    /// # Errors
    ///
    /// As [`StreamingMelSpectrogram::new`].
    pub fn stream(&self) -> Result<StreamingMelSpectrogram<f32>> {
        Ok(StreamingMelSpectrogram::new(self.mel_config.clone())?)
    }

    /// Mel bands.
    pub fn n_mels(&self) -> usize {
        self.n_mels
    }
}

/// Per-band standardisation `(x - mean) / std`, fitted on training frames.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    /// Mean of each band.
    pub mean: Vec<f32>,
    /// Standard deviation of each band (at least [`MIN_STD`]).
    pub std: Vec<f32>,
}

impl Scaler {
    /// The mean and standard deviation of each band over every frame of
    /// `pieces` (each `(frames, n_mels)`), accumulated in `f64`.
    ///
    /// # Errors
    ///
    /// [`Error::Empty`] without frames; [`Error::InvalidParameter`] for
    /// pieces of different widths.
    pub fn fit<'a>(pieces: impl IntoIterator<Item = &'a Array2<f32>>) -> Result<Self> {
        let (mut sum, mut sq, mut n) = (Vec::<f64>::new(), Vec::<f64>::new(), 0usize);
        for p in pieces {
            if sum.is_empty() {
                sum = vec![0.0; p.ncols()];
                sq = vec![0.0; p.ncols()];
            }
            if p.ncols() != sum.len() {
                return Err(Error::InvalidParameter {
                    name: "n_mels",
                    value: p.ncols().to_string(),
                    expected: "the same number of bands in every piece",
                });
            }
            for row in p.rows() {
                for ((s, q), &v) in sum.iter_mut().zip(sq.iter_mut()).zip(row) {
                    *s += f64::from(v);
                    *q += f64::from(v) * f64::from(v);
                }
            }
            n += p.nrows();
        }
        if n == 0 {
            return Err(Error::Empty {
                what: "training frames",
            });
        }
        let nf = n as f64;
        let mean: Vec<f32> = sum.iter().map(|s| (s / nf) as f32).collect();
        let std = sum
            .iter()
            .zip(&sq)
            .map(|(s, q)| {
                let m = s / nf;
                ((q / nf - m * m).max(0.0).sqrt() as f32).max(MIN_STD)
            })
            .collect();
        Ok(Self { mean, std })
    }

    /// Standardises `frames` `(frames, n_mels)` in place.
    pub fn apply(&self, frames: &mut Array2<f32>) {
        for mut row in frames.rows_mut() {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// The standardised value of silence in each band (`ln(LOG_EPS)`), the
    /// padding beyond either end of a signal.
    pub fn silence(&self) -> Vec<f32> {
        let s = LOG_EPS.ln();
        self.mean
            .iter()
            .zip(&self.std)
            .map(|(m, d)| (s - m) / d)
            .collect()
    }
}

/// Writes the window of `context` frames centred on frame `t` of
/// `frames` `(frames, n_mels)` into `out` (`context × n_mels`, frame-major),
/// frames beyond either end replaced by `pad`.
pub(crate) fn window_into(
    frames: ArrayView2<'_, f32>,
    t: usize,
    context: usize,
    pad: &[f32],
    out: &mut [f32],
) {
    let n_mels = frames.ncols();
    let half = context / 2;
    for (k, chunk) in out.chunks_exact_mut(n_mels).enumerate().take(context) {
        let src = (t + k).checked_sub(half).filter(|&i| i < frames.nrows());
        match src {
            Some(i) => chunk
                .iter_mut()
                .zip(frames.row(i))
                .for_each(|(o, v)| *o = *v),
            None => chunk.copy_from_slice(pad),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use ndarray::array;

    #[test]
    fn the_scaler_standardises_each_band() {
        let a = array![[1.0f32, 10.0], [3.0, 10.0]];
        let s = Scaler::fit([&a]).unwrap();
        assert_eq!(s.mean, vec![2.0, 10.0]);
        assert_eq!(s.std, vec![1.0, MIN_STD]);
        let mut b = a.clone();
        s.apply(&mut b);
        assert_eq!(b, array![[-1.0f32, 0.0], [1.0, 0.0]]);
    }

    #[test]
    fn windows_are_padded_at_the_ends() {
        let f = array![[1.0f32, 2.0], [3.0, 4.0], [5.0, 6.0]];
        let mut out = vec![0.0; 6];
        window_into(f.view(), 0, 3, &[-9.0, -9.0], &mut out);
        assert_eq!(out, vec![-9.0, -9.0, 1.0, 2.0, 3.0, 4.0]);
        window_into(f.view(), 2, 3, &[-9.0, -9.0], &mut out);
        assert_eq!(out, vec![3.0, 4.0, 5.0, 6.0, -9.0, -9.0]);
    }

    #[test]
    fn log_mel_has_one_frame_per_hop() {
        let lm = LogMel::new(&FrameMlpConfig::default()).unwrap();
        let y: Vec<f32> = (0..22_050).map(|n| (n as f32 * 0.05).sin()).collect();
        let f = lm.frames(&y).unwrap();
        assert_eq!(f.dim(), (1 + 22_050 / 512, 229));
        assert!(f.iter().all(|v| v.is_finite() && *v >= LOG_EPS.ln() - 1e-3));
        assert!(matches!(lm.frames(&[]), Err(Error::Empty { .. })));
    }
}
