//! The harmonic constant-Q transform (HCQT): CQTs whose lowest bins sit at
//! harmonics of `fmin`, stacked (Bittner et al., "Deep salience
//! representations for F0 estimation in polyphonic music", ISMIR 2017; the
//! input of Basic Pitch and other pitch models).

use ndarray::{s, Array3, ArrayViewMut3, Ix3};
use num_complex::Complex;

use crate::transform::check_shape;
use crate::{Cqt, CqtConfig, Error, Float, Result, Transform};

/// Parameters of an [`Hcqt`]: one [`CqtConfig`] (its `fmin` is the fundamental
/// of harmonic 1) and the harmonics.
#[derive(Debug, Clone, PartialEq)]
pub struct HcqtConfig {
    /// The CQT at harmonic 1. Default: [`CqtConfig::default`] with 72 bins (6
    /// octaves from C1), so that harmonic 5 stays below Nyquist at 22.05 kHz.
    pub cqt: CqtConfig,
    /// The harmonics `h`; CQT `i` starts at `h_i fmin`. Default
    /// `[0.5, 1, 2, 3, 4, 5]` (Bittner et al.).
    pub harmonics: Vec<f64>,
}

impl Default for HcqtConfig {
    fn default() -> Self {
        Self {
            cqt: CqtConfig {
                n_bins: 72,
                ..CqtConfig::default()
            },
            harmonics: vec![0.5, 1.0, 2.0, 3.0, 4.0, 5.0],
        }
    }
}

/// A planned harmonic CQT:
/// `H[i, k, t] = Cqt(x; fmin = h_i fmin)[k, t]`, each CQT as `librosa.cqt`,
/// trimmed to the fewest frames of any harmonic (early downsampling can
/// leave one harmonic a frame shorter) and stacked.
///
/// # Example
///
/// ```
/// use audio_dsp::{Hcqt, HcqtConfig, CqtConfig, ResampleMethod, Transform};
/// let hcqt = Hcqt::<f32>::new(HcqtConfig {
///     cqt: CqtConfig { n_bins: 36, fmin: Some(55.0), res_type: ResampleMethod::Fft, ..CqtConfig::default() },
///     harmonics: vec![0.5, 1.0, 2.0, 3.0],
/// })?;
/// let y = vec![0.0f32; 8192];
/// assert_eq!(hcqt.magnitude(&y)?.dim(), (4, 36, 17));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct Hcqt<T: Float> {
    config: HcqtConfig,
    pub(crate) cqts: Vec<Cqt<T>>,
}

impl<T: Float> std::fmt::Debug for Hcqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hcqt")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> Hcqt<T> {
    /// Plans one CQT per harmonic.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an empty harmonic list or a
    /// non-positive harmonic, and as [`Cqt::new`] for each harmonic's CQT
    /// (in particular when `h fmin 2^(n_bins / bins_per_octave)` reaches
    /// above Nyquist).
    pub fn new(config: HcqtConfig) -> Result<Self> {
        if config.harmonics.is_empty() {
            return Err(Error::InvalidParameter {
                name: "harmonics",
                value: "[]".into(),
                expected: "at least one harmonic",
            });
        }
        let fmin = config.cqt.fmin.unwrap_or(crate::C1_HZ);
        let cqts = config
            .harmonics
            .iter()
            .map(|&h| {
                if !(h.is_finite() && h > 0.0) {
                    return Err(Error::InvalidParameter {
                        name: "harmonics",
                        value: h.to_string(),
                        expected: "positive, finite harmonics",
                    });
                }
                Cqt::new(CqtConfig {
                    fmin: Some(fmin * h),
                    ..config.cqt.clone()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { config, cqts })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &HcqtConfig {
        &self.config
    }

    /// The number of frames for a signal of `len` samples: the fewest of
    /// any harmonic's CQT.
    fn frames(&self, len: usize) -> Result<usize> {
        self.cqts
            .iter()
            .try_fold(usize::MAX, |m, c| Ok(m.min(c.n_frames(len)?)))
    }

    /// The HCQT magnitude `|H|` of a mono signal.
    ///
    /// # Errors
    ///
    /// As [`Hcqt::process`].
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(harmonics, n_bins, frames)`.
    pub fn magnitude(&self, signal: &[T]) -> Result<Array3<T>> {
        Ok(self.process(signal)?.mapv(|c| c.norm()))
    }
}

/// `(samples,)` → `(harmonics, n_bins, frames)` complex coefficients.
impl<T: Float> Transform<T> for Hcqt<T> {
    type Elem = Complex<T>;
    type Dim = Ix3;

    /// `(harmonics, n_bins, frames)`, frames the fewest of any harmonic's CQT.
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix3> {
        Ok(Ix3(
            self.cqts.len(),
            self.config.cqt.n_bins,
            self.frames(len)?,
        ))
    }

    /// The complex HCQT into a caller buffer `(harmonics, n_bins, frames)`.
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::process_into`], and [`Error::ShapeMismatch`]
    /// for a wrongly shaped `out`.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut3<Complex<T>>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("hcqt output", &shape, &out)?;
        let frames = shape[2];
        for (i, cqt) in self.cqts.iter().enumerate() {
            let c = cqt.process(signal)?;
            out.slice_mut(s![i, .., ..])
                .assign(&c.slice(s![.., ..frames]));
        }
        Ok(())
    }
}
