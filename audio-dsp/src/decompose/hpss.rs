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
///
/// Each line (a row for `along_time`, a column otherwise) is filtered with
/// a sorted sliding window: one binary search and shift to drop the sample
/// that leaves, one to place the sample that enters, so each output costs
/// `O(size)` moves instead of a selection over a fresh window.
fn median_filter<T: Float>(s: ArrayView2<'_, T>, size: usize, along_time: bool) -> Array2<T> {
    let (rows, cols) = s.dim();
    let (lines, n) = if along_time {
        (rows, cols)
    } else {
        (cols, rows)
    };
    let mut out = Array2::<T>::zeros((rows, cols));
    let mut line = Vec::with_capacity(n);
    let mut filtered = vec![T::zero(); n];
    let mut padded = Vec::with_capacity(n + size);
    let mut window = Vec::with_capacity(size);
    for l in 0..lines {
        line.clear();
        if along_time {
            line.extend(s.row(l).iter().copied());
        } else {
            line.extend(s.column(l).iter().copied());
        }
        median_line(&line, size, &mut padded, &mut window, &mut filtered);
        if along_time {
            out.row_mut(l)
                .assign(&ndarray::ArrayView1::from(&filtered[..]));
        } else {
            out.column_mut(l)
                .assign(&ndarray::ArrayView1::from(&filtered[..]));
        }
    }
    out
}

/// The running median of one line (see [`median_filter`]) into `out`
/// (`line.len()` long); `padded` and `window` are scratch.
/// Moves a sorted sliding window one step: `leaving` out, `entering` in,
/// sorted still.
pub(crate) fn slide<T: Float>(window: &mut [T], leaving: T, entering: T) {
    // Equal values are interchangeable: drop the first equal one.
    let gone = window.partition_point(|&x| x < leaving);
    let to = window.partition_point(|&x| x < entering);
    if to <= gone {
        // Shift (to..gone) right by one and put `entering` at `to`.
        window.copy_within(to..gone, to + 1);
        window[to] = entering;
    } else {
        // Shift (gone + 1..to) left by one; `entering` goes before
        // the first element not below it, one place down.
        window.copy_within(gone + 1..to, gone);
        window[to - 1] = entering;
    }
}

pub(crate) fn median_line<T: Float>(
    line: &[T],
    size: usize,
    padded: &mut Vec<T>,
    window: &mut Vec<T>,
    out: &mut [T],
) {
    let n = line.len() as isize;
    let before = (size / 2) as isize;
    let reflect = |i: isize| -> usize {
        // Half-sample symmetric reflection, period 2n.
        let period = 2 * n;
        let r = i.rem_euclid(period);
        #[allow(clippy::cast_sign_loss, reason = "0 <= r < 2n")]
        let k = (if r < n { r } else { period - 1 - r }) as usize;
        k
    };
    padded.clear();
    padded.extend((-before..n - before + size as isize - 1).map(|i| line[reflect(i)]));
    window.clear();
    window.extend_from_slice(&padded[..size]);
    window.sort_unstable_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = size / 2;
    for (i, o) in out.iter_mut().enumerate() {
        if i > 0 {
            slide(window, padded[i - 1], padded[i - 1 + size]);
        }
        *o = window[rank];
    }
}

/// The soft masks of the median-filtered harmonic and percussive
/// spectrograms: `softmask(H, P · margin_h)` and `softmask(P, H · margin_p)`
/// (zeros split evenly when both margins are 1, as librosa).
pub(crate) fn masks<T: Float>(
    harm: &Array2<T>,
    perc: &Array2<T>,
    config: &HpssConfig,
) -> Result<(Array2<T>, Array2<T>)> {
    let (mh, mp) = config.margin;
    let split_zeros = mh == 1.0 && mp == 1.0;
    let cast = |v: f64| T::from(v).unwrap_or_else(T::one);
    let mask_harm = softmask(
        harm.view(),
        perc.mapv(|v| v * cast(mh)).view(),
        config.power,
        split_zeros,
    )?;
    let mask_perc = softmask(
        perc.view(),
        harm.mapv(|v| v * cast(mp)).view(),
        config.power,
        split_zeros,
    )?;
    Ok((mask_harm, mask_perc))
}

/// The checks of [`hpss`] on its configuration: positive kernel sizes and
/// finite margins of at least 1.
pub(crate) fn check_config(config: &HpssConfig) -> Result<()> {
    let (kh, kp) = config.kernel_size;
    let (mh, mp) = config.margin;
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
    Ok(())
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
    check_config(config)?;
    let (kh, kp) = config.kernel_size;
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
    let (mask_harm, mask_perc) = masks(&harm, &perc, config)?;
    Ok(if config.mask {
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

#[cfg(test)]
mod tests {
    use super::median_line;
    use proptest::prelude::*;

    /// The median of every reflected window by a fresh selection: the
    /// definition the sliding window must reproduce.
    fn by_selection(line: &[f32], size: usize) -> Vec<f32> {
        let n = line.len() as isize;
        let reflect = |i: isize| {
            let r = i.rem_euclid(2 * n);
            (if r < n { r } else { 2 * n - 1 - r }) as usize
        };
        (0..n)
            .map(|c| {
                let mut window: Vec<f32> = (0..size as isize)
                    .map(|k| line[reflect(c - (size / 2) as isize + k)])
                    .collect();
                window.sort_by(f32::total_cmp);
                window[size / 2]
            })
            .collect()
    }

    proptest! {
        /// Ties included (values drawn from a few levels), windows longer
        /// than the line included.
        #[test]
        fn sliding_median_equals_selection(
            line in prop::collection::vec((0u8..6).prop_map(f32::from), 1..80),
            size in 1usize..40,
        ) {
            let mut out = vec![0.0; line.len()];
            median_line(&line, size, &mut Vec::new(), &mut Vec::new(), &mut out);
            prop_assert_eq!(out, by_selection(&line, size));
        }
    }
}
