//! `librosa.feature.spectral_flatness`.

use ndarray::{Array2, ArrayView2};

use super::{check_spectrogram, frame_major, row, wide};
use crate::{Error, Float, Result};

/// Parameters of [`spectral_flatness`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct SpectralFlatnessConfig {
    /// The floor applied to `S^power` before the logarithm (librosa's
    /// `amin`, default 1e-10).
    pub amin: f64,
    /// The exponent applied to the magnitudes (librosa's `power`, default 2:
    /// flatness of the power spectrum).
    pub power: f64,
}

impl Default for SpectralFlatnessConfig {
    fn default() -> Self {
        Self {
            amin: 1e-10,
            power: 2.0,
        }
    }
}

/// The spectral flatness (Wiener entropy) of each frame: the geometric over
/// the arithmetic mean of `P = max(amin, S^power)`,
/// `exp(mean_k ln P[k, t]) / mean_k P[k, t]`, in (0, 1]: 1 for white noise,
/// near 0 for a pure tone.
///
/// `librosa.feature.spectral_flatness(S=S, amin=amin, power=power)`.
///
/// Reference: Dubnov, "Generalization of spectral flatness measure for
/// non-Gaussian linear processes", IEEE Signal Processing Letters, 2004.
///
/// # Errors
///
/// As [`spectral_centroid`](super::spectral_centroid) (its `sr` is not
/// needed here); [`Error::InvalidParameter`] unless `amin > 0` and `power`
/// is finite and positive.
///
/// # Shapes
///
/// `S: (bins, frames)` → `(1, frames)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::spectral::{spectral_flatness, SpectralFlatnessConfig};
/// use ndarray::Array2;
///
/// let flat = Array2::<f32>::ones((1025, 2));
/// let f = spectral_flatness(flat.view(), &SpectralFlatnessConfig::default())?;
/// assert!((f[[0, 0]] - 1.0).abs() < 1e-6);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectral_flatness<T: Float>(
    s: ArrayView2<'_, T>,
    config: &SpectralFlatnessConfig,
) -> Result<Array2<T>> {
    check_spectrogram("spectral_flatness input", s, 1.0)?;
    let SpectralFlatnessConfig { amin, power } = *config;
    if !(amin.is_finite() && amin > 0.0) {
        return Err(Error::InvalidParameter {
            name: "amin",
            value: amin.to_string(),
            expected: "a finite floor > 0",
        });
    }
    if !(power.is_finite() && power > 0.0) {
        return Err(Error::InvalidParameter {
            name: "power",
            value: power.to_string(),
            expected: "a finite exponent > 0",
        });
    }
    Ok(row(flatness(s, amin, power)))
}

/// The flatness of every frame, in f64. `mean_k ln P[k, t]` is read off
/// the product of the frame's `P`, accumulated over eight interleaved
/// partial products whose binary exponents are moved out into an integer
/// every few bins (so that they never leave f64's normal range): a
/// multiply per entry instead of a logarithm, and nine logarithms per frame.
fn flatness<T: Float>(s: ArrayView2<'_, T>, amin: f64, power: f64) -> Vec<f64> {
    let bins = s.nrows();
    let n = bins as f64;
    let value = |v: T| -> f64 {
        let x = wide(v);
        let p = if power == 2.0 {
            x * x
        } else if power == 1.0 {
            x
        } else {
            x.powf(power)
        };
        p.max(amin)
    };
    let data = frame_major(s);
    let largest = data
        .iter()
        .fold(T::zero(), |m, &v| if v > m { v } else { m });
    let top = value(largest);
    // Runs of factors between renormalisations: a lane's product stays
    // within 2^±900.
    let span = amin.log2().abs().max(top.log2().abs()).max(1.0);
    if !(top.is_normal() && amin.is_normal()) || span > 900.0 {
        // Extreme floors or overflowing powers: a logarithm per entry.
        return data
            .chunks_exact(bins)
            .map(|frame| {
                let (logs, sum) = frame.iter().fold((0.0, 0.0), |(l, a), &v| {
                    let p = value(v);
                    (l + p.ln(), a + p)
                });
                (logs / n).exp() / (sum / n)
            })
            .collect();
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "900 / span is in [1, 900]"
    )]
    let run = ((900.0 / span) as usize).clamp(1, 64);
    data.chunks_exact(bins)
        .map(|frame| {
            let mut product = [1.0f64; 8];
            let mut sum = [0.0f64; 8];
            let mut exponent = 0i64;
            let chunks = frame.chunks_exact(8);
            let rest = chunks.remainder();
            for (i, chunk) in chunks.enumerate() {
                for ((m, a), &v) in product.iter_mut().zip(sum.iter_mut()).zip(chunk) {
                    let p = value(v);
                    *m *= p;
                    *a += p;
                }
                if (i + 1) % run == 0 {
                    exponent += product.iter_mut().map(take_exponent).sum::<i64>();
                }
            }
            for &v in rest {
                let p = value(v);
                product[0] *= p;
                sum[0] += p;
                exponent += take_exponent(&mut product[0]);
            }
            exponent += product.iter_mut().map(take_exponent).sum::<i64>();
            // Eight mantissas in [1, 2): their product is below 2^8.
            let mantissas: f64 = product.iter().product();
            let log = mantissas.ln() + exponent as f64 * std::f64::consts::LN_2;
            let total = super::fold_lanes(&sum);
            (log / n).exp() / (total / n)
        })
        .collect()
}

/// Moves the binary exponent of a positive normal `m` out: leaves its
/// mantissa in `[1, 2)` and returns the unbiased exponent.
#[inline(always)]
fn take_exponent(m: &mut f64) -> i64 {
    const EXPONENT: u64 = 0x7ff << 52;
    let bits = m.to_bits();
    #[allow(clippy::cast_possible_wrap, reason = "an 11-bit field")]
    let biased = ((bits & EXPONENT) >> 52) as i64;
    *m = f64::from_bits((bits & !EXPONENT) | (1023 << 52));
    biased - 1023
}

#[cfg(test)]
mod tests {
    use super::flatness;
    use ndarray::Array2;
    use proptest::prelude::*;

    /// Product form against a logarithm per entry, relative: both are f64
    /// sums of a few hundred terms.
    const PRODUCT_FORM_TOL: f64 = 1e-12;

    proptest! {
        /// The product form equals a logarithm per entry, for magnitudes
        /// spanning many octaves and floors from tiny to large.
        #[test]
        fn product_form_equals_sum_of_logs(
            values in prop::collection::vec(0.0f64..1.0, 40..400),
            scale in -30i32..30,
            amin_exp in -300i32..0,
            power in prop::sample::select(vec![1.0, 2.0, 0.5, 3.0]),
        ) {
            let bins = 37;
            let frames = values.len() / bins;
            let s = Array2::from_shape_fn((bins, frames), |(k, t)| {
                values[t * bins + k].powi(3) * 2f64.powi(scale)
            });
            let amin = 10f64.powi(amin_exp / 10);
            let fast = flatness(s.view(), amin, power);
            for (t, &f) in fast.iter().enumerate() {
                let p: Vec<f64> = s.column(t).iter().map(|&v| v.powf(power).max(amin)).collect();
                let logs: f64 = p.iter().map(|v| v.ln()).sum::<f64>() / bins as f64;
                let mean = p.iter().sum::<f64>() / bins as f64;
                let want = logs.exp() / mean;
                prop_assert!((f - want).abs() <= PRODUCT_FORM_TOL * want.max(1e-300), "{f} vs {want}");
            }
        }
    }
}
