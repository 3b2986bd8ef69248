//! MFCC to mel power spectrogram, as `librosa.feature.inverse.mfcc_to_mel`.

use ndarray::{Array2, ArrayView2, Axis};

use crate::error::invalid;
use crate::util::nnls::check_finite;
use crate::{db_to_power, dct_matrix, DctNorm, DctType, Float, Result};

/// Parameters of [`mfcc_to_mel`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MfccToMelConfig {
    /// Mel bands of the output (the inverse DCT's length `n`). Default 128.
    pub n_mels: usize,
    /// DCT type the MFCCs were computed with. Default 2.
    pub dct_type: DctType,
    /// DCT normalisation the MFCCs were computed with. Default ortho.
    pub norm: DctNorm,
    /// Reference power of the decibels (librosa's `ref`). Default 1.
    pub reference: f64,
    /// Cepstral liftering to undo, `L`; 0 for none. Default 0.
    pub lifter: f64,
}

impl Default for MfccToMelConfig {
    fn default() -> Self {
        Self {
            n_mels: 128,
            dct_type: DctType::Two,
            norm: DctNorm::Ortho,
            reference: 1.0,
            lifter: 0.0,
        }
    }
}

/// A mel power spectrogram approximated from MFCCs, as
/// `librosa.feature.inverse.mfcc_to_mel`:
///
/// 1. with `lifter = L > 0`, undo the liftering,
///    `C[k, t] ← C[k, t] / (1 + (L / 2) sin(π (k + 1) / L) + tiny)`;
/// 2. the inverse DCT along the coefficients, zero-padded (or truncated) to
///    `n_mels` (`scipy.fft.idct(C, axis=-2, type=dct_type, norm=norm,
///    n=n_mels)`): the transpose of the orthonormal DCT for `ortho`, and
///    `DCT-III / 2N`, `DCT-II / 2N`, `DCT-I / 2(N - 1)` for types 2, 3, 1
///    unnormalised;
/// 3. `db_to_power`: `M = ref · 10^(S_dB / 10)`.
///
/// The lifter factors are computed in `T`, as librosa computes them in the
/// MFCC's dtype; the inverse DCT sums in `f64` and rounds to `T`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for a negative or non-finite `lifter`, a
/// lifter whose factor `1 + (L/2) sin(π k / L)` vanishes (to `T`'s
/// epsilon; librosa only warns and divides by `tiny`), `n_mels = 0` (or 1
/// with DCT-I) or a non-positive or non-finite `reference`;
/// [`crate::Error::ShapeMismatch`] for MFCCs without coefficients;
/// [`crate::Error::NonFinite`] for NaN or infinite coefficients.
///
/// # Shapes
///
/// `(n_mfcc, frames)` → `(n_mels, frames)`.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::inverse::{mfcc_to_mel, MfccToMelConfig};
/// use ndarray::Array2;
/// // A flat log-mel spectrogram at 10 dB has only a DC coefficient:
/// // 10 · sqrt(n_mels) with the orthonormal DCT-II.
/// let mut mfcc = Array2::<f64>::zeros((20, 3));
/// mfcc.row_mut(0).fill(10.0 * 128f64.sqrt());
/// let mel = mfcc_to_mel(mfcc.view(), &MfccToMelConfig::default())?;
/// assert_eq!(mel.dim(), (128, 3));
/// assert!(mel.iter().all(|&v| (v - 10.0).abs() < 1e-9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn mfcc_to_mel<T: Float>(mfcc: ArrayView2<T>, config: &MfccToMelConfig) -> Result<Array2<T>> {
    let lifter = config.lifter;
    if !(lifter.is_finite() && lifter >= 0.0) {
        return Err(invalid("lifter", lifter, "a non-negative, finite lifter"));
    }
    let n_mels = config.n_mels;
    if n_mels == 0 || (config.dct_type == DctType::One && n_mels < 2) {
        return Err(invalid(
            "n_mels",
            n_mels,
            "at least one mel band (two for DCT-I)",
        ));
    }
    if !(config.reference.is_finite() && config.reference > 0.0) {
        return Err(invalid(
            "ref",
            config.reference,
            "a positive, finite reference power",
        ));
    }
    let (n_mfcc, frames) = mfcc.dim();
    if n_mfcc == 0 {
        return Err(crate::Error::ShapeMismatch {
            what: "mfcc (coefficients, frames)",
            expected: vec![1, 0],
            got: vec![0, frames],
        });
    }
    check_finite("mfcc", mfcc.iter())?;
    let mut coefficients = mfcc.to_owned();
    if lifter > 0.0 {
        let to_t = |v: f64| T::from(v).unwrap_or_else(T::nan);
        let (pi, l, half) = (to_t(std::f64::consts::PI), to_t(lifter), to_t(lifter * 0.5));
        let tiny = T::min_positive_value();
        for (k, mut row) in coefficients.axis_iter_mut(Axis(0)).enumerate() {
            let idx = to_t((k + 1) as f64);
            let sine = T::one() + half * (pi * idx / l).sin();
            if sine.abs() < T::epsilon() {
                return Err(invalid(
                    "lifter",
                    lifter,
                    "a lifter whose factors 1 + (L/2) sin(pi k / L) do not vanish",
                ));
            }
            let factor = sine + tiny;
            row.mapv_inplace(|v| v / factor);
        }
    }
    let inverse = inverse_dct(config.dct_type, config.norm, n_mels)?;
    let used = n_mfcc.min(n_mels);
    let mut log_mel = Array2::<T>::zeros((n_mels, frames));
    for t in 0..frames {
        for j in 0..n_mels {
            let mut s = 0.0;
            for k in 0..used {
                s += inverse[[j, k]] * coefficients[[k, t]].to_f64().unwrap_or(f64::NAN);
            }
            log_mel[[j, t]] = T::from(s).unwrap_or_else(T::nan);
        }
    }
    Ok(db_to_power(log_mel.view(), config.reference))
}

/// The `n × n` matrix of `scipy.fft.idct(x, type, norm, n=n)` (backward
/// normalisation for `norm=None`), in `f64`.
fn inverse_dct(kind: DctType, norm: DctNorm, n: usize) -> Result<Array2<f64>> {
    Ok(match norm {
        DctNorm::Ortho => dct_matrix::<f64>(kind, DctNorm::Ortho, n, n)?.reversed_axes(),
        DctNorm::None => {
            let nf = n as f64;
            let (forward, scale) = match kind {
                DctType::One => (DctType::One, 2.0 * (nf - 1.0)),
                DctType::Two => (DctType::Three, 2.0 * nf),
                DctType::Three => (DctType::Two, 2.0 * nf),
            };
            dct_matrix::<f64>(forward, DctNorm::None, n, n)?.mapv(|v| v / scale)
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    /// Each inverse undoes its forward transform (`dct_matrix`) to rounding.
    #[test]
    fn inverse_dct_inverts_every_type_and_norm() {
        for kind in [DctType::One, DctType::Two, DctType::Three] {
            for norm in [DctNorm::None, DctNorm::Ortho] {
                let n = 9;
                let forward = dct_matrix::<f64>(kind, norm, n, n).unwrap();
                let product = inverse_dct(kind, norm, n).unwrap().dot(&forward);
                for ((i, j), &v) in product.indexed_iter() {
                    let want = if i == j { 1.0 } else { 0.0 };
                    assert!((v - want).abs() < 1e-13, "{kind:?} {norm:?} [{i},{j}] {v}");
                }
            }
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        let mfcc = Array2::<f32>::ones((13, 4));
        for cfg in [
            MfccToMelConfig {
                lifter: -1.0,
                ..MfccToMelConfig::default()
            },
            MfccToMelConfig {
                lifter: f64::NAN,
                ..MfccToMelConfig::default()
            },
            // 1 + sin(3 pi / 2) = 0: the third coefficient's factor vanishes.
            MfccToMelConfig {
                lifter: 2.0,
                ..MfccToMelConfig::default()
            },
            MfccToMelConfig {
                n_mels: 0,
                ..MfccToMelConfig::default()
            },
            MfccToMelConfig {
                n_mels: 1,
                dct_type: DctType::One,
                ..MfccToMelConfig::default()
            },
            MfccToMelConfig {
                reference: 0.0,
                ..MfccToMelConfig::default()
            },
        ] {
            assert!(mfcc_to_mel(mfcc.view(), &cfg).is_err(), "{cfg:?}");
        }
        let empty = Array2::<f32>::zeros((0, 4));
        assert!(mfcc_to_mel(empty.view(), &MfccToMelConfig::default()).is_err());
        let mut nan = mfcc.clone();
        nan[[2, 1]] = f32::NAN;
        assert!(mfcc_to_mel(nan.view(), &MfccToMelConfig::default()).is_err());
    }
}
