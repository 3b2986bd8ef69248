//! `librosa.feature.zero_crossing_rate`.

use ndarray::Array2;

use crate::util::frame::check_positive;
use crate::{Error, Float, PadMode, Result};

/// Parameters of [`zero_crossing_rate`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ZeroCrossingRateConfig {
    /// Samples per frame (default 2048).
    pub frame_length: usize,
    /// Samples between frames (default 512).
    pub hop_length: usize,
    /// Pad `frame_length / 2` samples at both ends by repeating the edge
    /// samples first (librosa pads with `mode="edge"` here; default true).
    pub center: bool,
    /// Samples with `|y| <= threshold` count as zero (librosa's
    /// `threshold`, default 1e-10).
    pub threshold: f64,
    /// Zero counts as positive (`numpy.signbit`, librosa's default true);
    /// false: `numpy.sign`, so moving to or from zero is a crossing.
    pub zero_pos: bool,
}

impl Default for ZeroCrossingRateConfig {
    fn default() -> Self {
        Self {
            frame_length: 2048,
            hop_length: 512,
            center: true,
            threshold: 1e-10,
            zero_pos: true,
        }
    }
}

/// The fraction of sample pairs in each frame whose signs differ:
/// `(1 / frame_length) Σ_{n=1}^{frame_length-1} [sign y[n] ≠ sign y[n-1]]`
/// (the first sample of a frame has no predecessor, librosa's `pad=False`).
///
/// `librosa.feature.zero_crossing_rate(y, frame_length=..., hop_length=...,
/// center=..., threshold=..., zero_pos=...)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a zero length or a negative or NaN
/// threshold; [`Error::NonFinite`] for NaN or infinite samples;
/// [`Error::InputTooShort`] for a signal shorter than one frame.
///
/// # Shapes
///
/// `(n,)` → `(1, frames)`, framed as [`rms`](super::rms::rms).
///
/// # Example
/// ```
/// use audio_dsp::feature::zero_crossing_rate::{zero_crossing_rate, ZeroCrossingRateConfig};
///
/// // +1, -1, +1, ...: every pair crosses.
/// let y: Vec<f32> = (0..4096).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
/// let config = ZeroCrossingRateConfig { center: false, ..Default::default() };
/// let z = zero_crossing_rate(&y, &config)?;
/// assert!((z[[0, 0]] - 2047.0 / 2048.0).abs() < 1e-7);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn zero_crossing_rate<T: Float>(y: &[T], config: &ZeroCrossingRateConfig) -> Result<Array2<T>> {
    let ZeroCrossingRateConfig {
        frame_length,
        hop_length,
        center,
        threshold,
        zero_pos,
    } = *config;
    check_positive("frame_length", frame_length)?;
    check_positive("hop_length", hop_length)?;
    if threshold.is_nan() || threshold < 0.0 {
        return Err(Error::InvalidParameter {
            name: "threshold",
            value: threshold.to_string(),
            expected: "a threshold >= 0",
        });
    }
    crate::spectral::stft::check_finite("zero_crossing_rate input", y)?;
    if y.is_empty() {
        return Err(Error::InputTooShort {
            what: "zero_crossing_rate",
            expected: 1,
            got: 0,
        });
    }
    let padded = if center {
        crate::pad(y, frame_length / 2, frame_length / 2, PadMode::Edge)?
    } else {
        y.to_vec()
    };
    if padded.len() < frame_length {
        return Err(Error::InputTooShort {
            what: "zero_crossing_rate",
            expected: frame_length,
            got: y.len(),
        });
    }
    // The sign class of each sample after thresholding: numpy.signbit
    // (zero_pos) or numpy.sign.
    let limit = T::from(threshold).unwrap_or_else(T::zero);
    let class: Vec<i8> = padded
        .iter()
        .map(|&v| {
            let v = if v.abs() <= limit { T::zero() } else { v };
            if zero_pos {
                i8::from(v.is_sign_negative() && v != T::zero())
            } else if v > T::zero() {
                1
            } else if v < T::zero() {
                -1
            } else {
                0
            }
        })
        .collect();
    let frames = 1 + (padded.len() - frame_length) / hop_length;
    let values: Vec<f64> = (0..frames)
        .map(|t| {
            let frame = &class[t * hop_length..t * hop_length + frame_length];
            let crossings = frame.windows(2).filter(|w| w[0] != w[1]).count();
            crossings as f64 / frame_length as f64
        })
        .collect();
    Ok(super::spectral::row(values))
}
