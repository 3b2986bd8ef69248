//! `librosa.decompose.hpss`: median-filtering harmonic-percussive separation.

use ndarray::{Array2, ArrayView2};

use super::softmask::softmask;
use crate::{Error, Float, Result};

/// Parameters of [`hpss`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct HpssConfig {
    /// Median filter lengths `(harmonic, percussive)`: across time for the
    /// harmonic part, across frequency for the percussive (librosa's
    /// `kernel_size`, default 31 for both).
    pub kernel_size: (usize, usize),
    /// Exponent of the soft masks (default 2; infinity: binary masks).
    pub power: f64,
    /// Return the masks instead of the masked spectrograms (default false).
    pub mask: bool,
    /// Separation margins `(harmonic, percussive)`, at least 1 (default 1;
    /// above 1 leaves a residual in neither part).
    pub margin: (f64, f64),
}

impl Default for HpssConfig {
    fn default() -> Self {
        Self {
            kernel_size: (31, 31),
            power: 2.0,
            mask: false,
            margin: (1.0, 1.0),
        }
    }
}

/// The harmonic and percussive parts (or masks) [`hpss`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct HpssOutput<T> {
    /// The harmonic part (`S · M_h`) or mask `M_h`.
    pub harmonic: Array2<T>,
    /// The percussive part (`S · M_p`) or mask `M_p`.
    pub percussive: Array2<T>,
}

/// Median filter of `s` along one axis with `scipy.ndimage.median_filter`'s
/// defaults: the window centred (`size // 2` before), the edges mirrored
/// with the edge sample repeated (`mode="reflect"`: `c b a | a b c | c b
/// a`), and the element of rank `size // 2` of the sorted window.
fn median_filter<T: Float>(s: ArrayView2<'_, T>, size: usize, along_time: bool) -> Array2<T> {
    let (rows, cols) = s.dim();
    let n = if along_time { cols } else { rows } as isize;
    let before = (size / 2) as isize;
    let index = |i: isize| -> usize {
        // Half-sample symmetric reflection, period 2n.
        let period = 2 * n;
        let r = i.rem_euclid(period);
        #[allow(clippy::cast_sign_loss, reason = "0 <= r < 2n")]
        let k = (if r < n { r } else { period - 1 - r }) as usize;
        k
    };
    let mut out = Array2::<T>::zeros((rows, cols));
    let mut window = Vec::with_capacity(size);
    for r in 0..rows {
        for c in 0..cols {
            window.clear();
            let centre = if along_time { c } else { r } as isize;
            for k in 0..size as isize {
                let j = index(centre - before + k);
                window.push(if along_time { s[[r, j]] } else { s[[j, c]] });
            }
            let rank = size / 2;
            let (_, median, _) = window.select_nth_unstable_by(rank, |a, b| {
                a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal)
            });
            out[[r, c]] = *median;
        }
    }
    out
}

/// Harmonic-percussive source separation of a magnitude spectrogram by
/// median filtering (Fitzgerald): the harmonic enhancement `H` is `S`
/// median-filtered across time (`kernel_size.0` frames), the percussive
/// `P` across frequency (`kernel_size.1` bins); the masks are
/// `M_h = softmask(H, margin_h · P, power)` and
/// `M_p = softmask(P, margin_p · H, power)` (with `split_zeros` when both
/// margins are 1), and the parts `S · M_h`, `S · M_p`.
///
/// `librosa.decompose.hpss(S, kernel_size=..., power=..., mask=...,
/// margin=...)` for a real (magnitude) `S`; for a complex STFT, run it on
/// the magnitudes and multiply the parts by the phase, as librosa does.
///
/// Reference: D. Fitzgerald, "Harmonic/percussive separation using median
/// filtering", DAFx 2010; Driedger, Müller and Disch, "Extending
/// harmonic-percussive separation of audio signals", ISMIR 2014 (margins).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a zero kernel size, a margin below 1, a
/// power that is not positive, or negative entries; [`Error::NonFinite`]
/// for NaN or infinite entries; [`Error::InputTooShort`] for an empty `S`.
///
/// # Shapes
///
/// `(bins, frames)` → two `(bins, frames)` arrays.
///
/// # Example
/// ```
/// use audio_dsp::decompose::{hpss, HpssConfig};
/// use ndarray::Array2;
///
/// // A steady tone (one bin, every frame) is harmonic.
/// let mut s = Array2::<f32>::zeros((64, 40));
/// s.row_mut(10).fill(1.0);
/// let parts = hpss(s.view(), &HpssConfig::default())?;
/// assert!(parts.harmonic[[10, 20]] > 0.99 && parts.percussive[[10, 20]] < 0.01);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn hpss<T: Float>(s: ArrayView2<'_, T>, config: &HpssConfig) -> Result<HpssOutput<T>> {
    let HpssConfig {
        kernel_size: (kh, kp),
        power,
        mask,
        margin: (mh, mp),
    } = *config;
    for (name, k) in [
        ("kernel_size (harmonic)", kh),
        ("kernel_size (percussive)", kp),
    ] {
        if k == 0 {
            return Err(Error::InvalidParameter {
                name,
                value: "0".into(),
                expected: "a positive filter length",
            });
        }
    }
    for (name, m) in [("margin (harmonic)", mh), ("margin (percussive)", mp)] {
        if !(m.is_finite() && m >= 1.0) {
            return Err(Error::InvalidParameter {
                name,
                value: m.to_string(),
                expected: "a finite margin >= 1",
            });
        }
    }
    if s.is_empty() {
        return Err(Error::InputTooShort {
            what: "hpss input",
            expected: 1,
            got: 0,
        });
    }
    if let Some(index) = s.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "hpss input",
            index,
        });
    }
    let harm = median_filter(s, kh, true);
    let perc = median_filter(s, kp, false);
    let split_zeros = mh == 1.0 && mp == 1.0;
    let cast = |v: f64| T::from(v).unwrap_or_else(T::one);
    let mask_harm = softmask(
        harm.view(),
        perc.mapv(|v| v * cast(mh)).view(),
        power,
        split_zeros,
    )?;
    let mask_perc = softmask(
        perc.view(),
        harm.mapv(|v| v * cast(mp)).view(),
        power,
        split_zeros,
    )?;
    Ok(if mask {
        HpssOutput {
            harmonic: mask_harm,
            percussive: mask_perc,
        }
    } else {
        HpssOutput {
            harmonic: &s * &mask_harm,
            percussive: &s * &mask_perc,
        }
    })
}
