//! `librosa.feature.rms`.

use ndarray::{Array2, ArrayView2};

use crate::util::frame::check_positive;
use crate::{Error, Float, PadMode, Result};

/// Parameters of [`rms`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct RmsConfig {
    /// Samples per frame (librosa's `frame_length`, default 2048).
    pub frame_length: usize,
    /// Samples between frames (default 512).
    pub hop_length: usize,
    /// Pad `frame_length / 2` samples at both ends first (default true).
    pub center: bool,
    /// How `center` pads (librosa's `pad_mode`, default zeros).
    pub pad_mode: PadMode,
}

impl Default for RmsConfig {
    fn default() -> Self {
        Self {
            frame_length: 2048,
            hop_length: 512,
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

/// The root-mean-square of each frame of a signal:
/// `sqrt(mean_n y[t·hop + n]²)` over `frame_length` samples (after centring).
///
/// `librosa.feature.rms(y=y, frame_length=..., hop_length=..., center=...,
/// pad_mode=...)`, the sum in f64.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a zero length; [`Error::NonFinite`] for
/// NaN or infinite samples; [`Error::InputTooShort`] for a signal shorter
/// than one frame (after padding).
///
/// # Shapes
///
/// `(n,)` → `(1, 1 + (n' - frame_length) / hop)`, `n' = n + 2 (frame_length / 2)`
/// when centred, else `n`.
///
/// # Example
/// ```
/// use audio_dsp::feature::rms::{rms, RmsConfig};
///
/// let y = vec![0.5_f32; 4096];
/// let r = rms(&y, &RmsConfig { center: false, ..RmsConfig::default() })?;
/// assert_eq!(r.dim(), (1, 5));
/// assert!((r[[0, 0]] - 0.5).abs() < 1e-7);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn rms<T: Float>(y: &[T], config: &RmsConfig) -> Result<Array2<T>> {
    let RmsConfig {
        frame_length,
        hop_length,
        center,
        pad_mode,
    } = *config;
    check_positive("frame_length", frame_length)?;
    check_positive("hop_length", hop_length)?;
    crate::spectral::stft::check_finite("rms input", y)?;
    if y.is_empty() {
        return Err(Error::InputTooShort {
            what: "rms",
            expected: frame_length,
            got: 0,
        });
    }
    // The padded signal is read in place: index `j` of it is
    // `pad_mode.sample(y, j - pad)`, so only edge samples are synthesised.
    let pad = if center { frame_length / 2 } else { 0 };
    let padded_len = y.len() + 2 * pad;
    if padded_len < frame_length {
        return Err(Error::InputTooShort {
            what: "rms",
            expected: frame_length,
            got: y.len(),
        });
    }
    let frames = 1 + (padded_len - frame_length) / hop_length;
    // Σ x² over `start..end` of the padded signal.
    let squares = |start: usize, end: usize| -> f64 {
        #[allow(clippy::cast_possible_wrap, reason = "slice indices fit in isize")]
        let edge = |j: usize| {
            let x = super::spectral::wide(pad_mode.sample(y, j as isize - pad as isize));
            x * x
        };
        let inside_start = start.clamp(pad, pad + y.len());
        let inside_end = end.clamp(pad, pad + y.len()).max(inside_start);
        let mut sum: f64 = (start..inside_start.min(end)).map(edge).sum();
        sum += super::spectral::lane_sum(&y[inside_start - pad..inside_end - pad], |v| v * v);
        sum + (inside_end.max(start)..end).map(edge).sum::<f64>()
    };
    let values: Vec<f64> = if frame_length.is_multiple_of(hop_length) {
        // Frames are whole runs of hops: sum each hop's squares once and
        // each frame's hops (librosa's defaults, 2048 / 512, read every
        // sample once instead of four times).
        let per_frame = frame_length / hop_length;
        let blocks: Vec<f64> = (0..frames + per_frame - 1)
            .map(|b| squares(b * hop_length, (b + 1) * hop_length))
            .collect();
        blocks
            .windows(per_frame)
            .map(|w| (w.iter().sum::<f64>() / frame_length as f64).sqrt())
            .collect()
    } else {
        (0..frames)
            .map(|t| {
                let start = t * hop_length;
                (squares(start, start + frame_length) / frame_length as f64).sqrt()
            })
            .collect()
    };
    Ok(super::spectral::row(values))
}

/// The root-mean-square of each frame from its magnitude spectrogram, by
/// Parseval: `sqrt((2 Σ_k |S[k]|² - |S[0]|² - |S[N/2]|²) / frame_length²)`
/// (the Nyquist term only for even `frame_length`). Exact for a
/// rectangular-window STFT; librosa applies it to any `S` it is given.
///
/// `librosa.feature.rms(S=S, frame_length=frame_length)`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] unless `S` has `frame_length / 2 + 1` bins and
/// at least one frame; [`Error::InvalidParameter`] for a zero
/// `frame_length`; [`Error::NonFinite`] for NaN or infinite entries.
///
/// # Shapes
///
/// `S: (frame_length / 2 + 1, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::rms::rms_from_spectrogram;
/// use ndarray::Array2;
///
/// // A DC frame of ones: |S[0]| = frame_length, everything else 0.
/// let mut s = Array2::<f64>::zeros((5, 1));
/// s[[0, 0]] = 8.0;
/// let r = rms_from_spectrogram(s.view(), 8)?;
/// assert!((r[[0, 0]] - 1.0).abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn rms_from_spectrogram<T: Float>(
    s: ArrayView2<'_, T>,
    frame_length: usize,
) -> Result<Array2<T>> {
    check_positive("frame_length", frame_length)?;
    let (bins, frames) = s.dim();
    if bins != frame_length / 2 + 1 || frames == 0 {
        return Err(Error::ShapeMismatch {
            what: "rms spectrogram",
            expected: vec![frame_length / 2 + 1, 1],
            got: vec![bins, frames],
        });
    }
    if let Some(index) = s.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "rms spectrogram",
            index,
        });
    }
    let even = frame_length.is_multiple_of(2);
    let values: Vec<f64> = s
        .columns()
        .into_iter()
        .map(|column| {
            let mut sum = 0.0;
            for (k, v) in column.iter().enumerate() {
                let x = v.to_f64().unwrap_or(0.0);
                let mut p = x * x;
                if k == 0 || (even && k == bins - 1) {
                    p *= 0.5;
                }
                sum += p;
            }
            (2.0 * sum / (frame_length as f64 * frame_length as f64)).sqrt()
        })
        .collect();
    Ok(super::spectral::row(values))
}
