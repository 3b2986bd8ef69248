//! Mel-frequency cepstral coefficients, as `librosa.feature.mfcc`.

use ndarray::linalg::general_mat_mul;
use ndarray::{Array2, ArrayView2, ArrayViewMut2, Ix2, ShapeBuilder};

use crate::transform::check_shape;
use crate::{
    dct_matrix, power_to_db, DbReference, DctNorm, DctType, Error, Float, MelSpectrogram,
    MelSpectrogramConfig, Result, Transform,
};

/// Parameters of MFCC extraction, with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MfccConfig {
    /// The mel spectrogram (power 2, 128 mels, slaney) that is log-scaled with
    /// `power_to_db(ref=1, amin=1e-10, top_db=80)`.
    pub mel: MelSpectrogramConfig,
    /// Number of coefficients. Default 20.
    pub n_mfcc: usize,
    /// DCT type. Default 2.
    pub dct_type: DctType,
    /// DCT normalisation. Default ortho.
    pub norm: DctNorm,
    /// Cepstral liftering `1 + (L / 2) sin(pi (k + 1) / L)`; 0 disables it.
    pub lifter: f64,
}

impl Default for MfccConfig {
    fn default() -> Self {
        Self {
            mel: MelSpectrogramConfig::default(),
            n_mfcc: 20,
            dct_type: DctType::Two,
            norm: DctNorm::Ortho,
            lifter: 0.0,
        }
    }
}

/// Planned MFCC extraction:
/// `C = lifter ⊙ DCT(power_to_db(mel_spectrogram(y)))[:n_mfcc]` along the mel axis.
///
/// # Example
///
/// ```
/// use audio_dsp::{Mfcc, MfccConfig, Transform};
/// let mfcc = Mfcc::<f32>::new(MfccConfig::default())?;
/// let y: Vec<f32> = (0..22050).map(|n| (n as f32 * 0.1).sin()).collect();
/// assert_eq!(mfcc.process(&y)?.dim(), (20, 44));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mfcc<T: Float> {
    mel: MelSpectrogram<T>,
    dct: Array2<T>,
    lifter: Vec<T>,
}

impl<T: Float> Mfcc<T> {
    /// Plans the mel spectrogram and builds the DCT matrix and lifter.
    ///
    /// # Errors
    ///
    /// As [`MelSpectrogram::new`]; [`Error::InvalidParameter`] for `lifter < 0`
    /// or `n_mfcc` outside `1..=n_mels`.
    pub fn new(config: MfccConfig) -> Result<Self> {
        if !(config.lifter >= 0.0 && config.lifter.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "lifter",
                value: config.lifter.to_string(),
                expected: "a non-negative lifter",
            });
        }
        if config.n_mfcc == 0 {
            return Err(Error::InvalidParameter {
                name: "n_mfcc",
                value: "0".into(),
                expected: "at least one coefficient",
            });
        }
        let n_mels = config.mel.mel.n_mels;
        let dct = dct_matrix(config.dct_type, config.norm, n_mels, config.n_mfcc)?;
        let l = config.lifter;
        let lifter = (0..config.n_mfcc)
            .map(|k| {
                let v = if l > 0.0 {
                    1.0 + (l / 2.0) * (std::f64::consts::PI * (k + 1) as f64 / l).sin()
                } else {
                    1.0
                };
                T::from(v).unwrap_or_else(T::one)
            })
            .collect();
        Ok(Self {
            mel: MelSpectrogram::new(config.mel)?,
            dct,
            lifter,
        })
    }

    /// The planned mel spectrogram.
    pub fn mel_spectrogram(&self) -> &MelSpectrogram<T> {
        &self.mel
    }

    /// MFCCs of a log-power mel spectrogram (librosa's `mfcc(S=...)`).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `log_mel` does not have `n_mels` rows.
    ///
    /// # Shapes
    ///
    /// `(n_mels, frames)` → `(n_mfcc, frames)`.
    pub fn process_log_mel(&self, log_mel: ArrayView2<T>) -> Result<Array2<T>> {
        let mut out = Array2::zeros((self.dct.nrows(), log_mel.ncols()).f());
        self.process_log_mel_into(log_mel, out.view_mut())?;
        Ok(out)
    }

    /// MFCCs of a log-power mel spectrogram into a caller buffer.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `log_mel` does not have `n_mels` rows or
    /// `out` is not `(n_mfcc, frames)`.
    ///
    /// # Shapes
    ///
    /// `(n_mels, frames)` → `out: (n_mfcc, frames)`.
    pub fn process_log_mel_into(
        &self,
        log_mel: ArrayView2<T>,
        mut out: ArrayViewMut2<T>,
    ) -> Result<()> {
        if log_mel.nrows() != self.dct.ncols() {
            return Err(Error::ShapeMismatch {
                what: "log-mel spectrogram",
                expected: vec![self.dct.ncols(), 0],
                got: log_mel.shape().to_vec(),
            });
        }
        check_shape("mfcc output", &Ix2(self.dct.nrows(), log_mel.ncols()), &out)?;
        general_mat_mul(T::one(), &self.dct, &log_mel, T::zero(), &mut out);
        for (mut row, &l) in out.outer_iter_mut().zip(&self.lifter) {
            if l != T::one() {
                row.mapv_inplace(|v| v * l);
            }
        }
        Ok(())
    }
}

/// `(samples,)` → `(n_mfcc, frames)` coefficients.
impl<T: Float> Transform<T> for Mfcc<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_mfcc, frames)`, frames as the [`crate::Stft`]'s.
    ///
    /// # Errors
    ///
    /// As [`crate::Stft`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.dct.nrows(), self.mel.n_frames(len)?))
    }

    /// MFCCs of a signal into a caller buffer `(n_mfcc, frames)`.
    ///
    /// # Errors
    ///
    /// As [`MelSpectrogram`]'s [`Transform::process_into`], and
    /// [`Error::ShapeMismatch`] for a wrongly shaped `out`.
    fn process_into(&self, signal: &[T], out: ArrayViewMut2<T>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("mfcc output", &shape, &out)?;
        let mel = self.mel.process(signal)?;
        let log_mel = power_to_db(mel.view(), DbReference::Value(1.0), 1e-10, Some(80.0))?;
        self.process_log_mel_into(log_mel.view(), out)
    }
}
