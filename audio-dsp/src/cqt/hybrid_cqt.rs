//! The hybrid constant-Q transform, as `librosa.hybrid_cqt`: a pseudo-CQT
//! (`librosa.pseudo_cqt`) for the high bins whose filters are short, the
//! full recursive CQT ([`Cqt`]) for the rest.

use ndarray::{Array2, ArrayViewMut2, Ix2};
use num_complex::Complex;

use crate::cqt::cqt_filters::{
    cqt_frequencies, relative_bandwidth, vqt_filter_fft, wavelet_lengths, BasisSpec, SparseBasis,
};
use crate::spectral::stft::check_finite;
use crate::transform::check_shape;
use crate::{Cqt, CqtConfig, Error, Float, Result, Stft, StftConfig, Transform, WindowKind};

/// The pseudo-CQT half of the plan: one Hann-window STFT and `|basis|`.
pub(crate) struct Pseudo<T: Float> {
    pub(crate) stft: Stft<T>,
    pub(crate) basis: SparseBasis<T>,
}

/// A planned hybrid CQT magnitude:
/// `C[k, t] = |Cqt(x)[k, t]|` for the low bins, and for the high bins, whose
/// filters fit in two hops (`2^ceil(log2 l_k) < 2 hop`), the pseudo-CQT
/// `C[k, t] = sum_j |B[k, j]| |X[j, t]| / sqrt(n_fft)` with `X` the Hann STFT
/// of size `n_fft` (the basis size, at least `2^(1 + ceil(log2 hop))`), as
/// `librosa.hybrid_cqt`.
///
/// The config is a [`CqtConfig`]; its `gamma` is ignored (librosa's hybrid
/// transform is constant-Q).
///
/// # Example
///
/// ```
/// use audio_dsp::{CqtConfig, HybridCqt, ResampleMethod, Transform};
/// let hybrid = HybridCqt::<f32>::new(CqtConfig { res_type: ResampleMethod::Fft, ..CqtConfig::default() })?;
/// let y = vec![0.1f32; 8192];
/// let c = hybrid.process(&y)?;
/// assert_eq!(c.dim(), (84, 1 + 8192 / 512));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct HybridCqt<T: Float> {
    config: CqtConfig,
    pub(crate) n_pseudo: usize,
    pub(crate) pseudo: Option<Pseudo<T>>,
    pub(crate) full: Option<Cqt<T>>,
}

impl<T: Float> std::fmt::Debug for HybridCqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HybridCqt")
            .field("config", &self.config)
            .field("pseudo_bins", &self.n_pseudo)
            .finish()
    }
}

impl<T: Float> HybridCqt<T> {
    /// Validates `config`, splits the bins and plans both halves.
    ///
    /// # Errors
    ///
    /// As [`Cqt::new`].
    pub fn new(config: CqtConfig) -> Result<Self> {
        let config = CqtConfig {
            gamma: Some(0.0),
            ..config
        };
        config.validate()?;
        let (sr, hop, bpo) = (config.sr, config.hop_length, config.bins_per_octave);
        let fmin = config.tuned_fmin();
        let freqs = cqt_frequencies(config.n_bins, fmin, bpo, 0.0)?;
        let alpha = relative_bandwidth(&freqs, bpo);
        let (lengths, _) = wavelet_lengths(
            &freqs,
            &alpha,
            sr,
            config.window,
            config.filter_scale,
            Some(0.0),
        )?;
        let is_pseudo: Vec<bool> = lengths
            .iter()
            .map(|&l| 2f64.powf(l.log2().ceil()) < 2.0 * hop as f64)
            .collect();
        let n_pseudo = is_pseudo.iter().filter(|&&p| p).count();
        let n_full = config.n_bins - n_pseudo;

        let pseudo = if n_pseudo > 0 {
            let fmin_pseudo = freqs
                .iter()
                .zip(&is_pseudo)
                .filter(|(_, &p)| p)
                .map(|(&f, _)| f)
                .fold(f64::INFINITY, f64::min);
            let pfreqs = cqt_frequencies(n_pseudo, fmin_pseudo, bpo, 0.0)?;
            let palpha = relative_bandwidth(&pfreqs, bpo);
            let (plengths, pcutoff) = wavelet_lengths(
                &pfreqs,
                &palpha,
                sr,
                config.window,
                config.filter_scale,
                Some(0.0),
            )?;
            if pcutoff > sr / 2.0 {
                return Err(Error::InvalidParameter {
                    name: "n_bins",
                    value: format!(
                        "{} (the highest filter reaches {pcutoff:.1} Hz)",
                        config.n_bins
                    ),
                    expected: "filters that stay below the Nyquist frequency sr / 2 (fewer bins or a lower fmin)",
                });
            }
            let (basis, _) = vqt_filter_fft(BasisSpec {
                sr,
                freqs: &pfreqs,
                alpha: &palpha,
                filter_scale: config.filter_scale,
                norm: config.norm,
                sparsity: config.sparsity,
                window: config.window,
                gamma: Some(0.0),
                hop_length: Some(hop),
            })?;
            let n_fft = basis.n_fft as f64;
            let row_scale: Vec<f64> = plengths
                .iter()
                .map(|&l| {
                    if config.scale {
                        1.0 / n_fft.sqrt()
                    } else {
                        (l / n_fft).sqrt()
                    }
                })
                .collect();
            let stft = Stft::new(StftConfig {
                n_fft: basis.n_fft,
                hop_length: Some(hop),
                win_length: None,
                window: WindowKind::Hann,
                center: true,
                pad_mode: config.pad_mode,
            })?;
            Some(Pseudo {
                stft,
                basis: basis.magnitudes().scaled(&row_scale),
            })
        } else {
            None
        };
        let full = if n_full > 0 {
            Some(Cqt::new(CqtConfig {
                fmin: Some(fmin),
                tuning: 0.0,
                n_bins: n_full,
                ..config.clone()
            })?)
        } else {
            None
        };
        Ok(Self {
            config,
            n_pseudo,
            pseudo,
            full,
        })
    }

    /// The config this plan was built from (`gamma` set to 0).
    pub fn config(&self) -> &CqtConfig {
        &self.config
    }

    /// The number of high bins computed by the pseudo-CQT.
    pub fn pseudo_bins(&self) -> usize {
        self.n_pseudo
    }

    /// The number of frames for a signal of `len` samples (see
    /// [`Transform::output_shape`]).
    fn frames(&self, len: usize) -> Result<usize> {
        let mut frames = usize::MAX;
        if let Some(p) = &self.pseudo {
            frames = frames.min(p.stft.n_frames(len)?);
        }
        if let Some(full) = &self.full {
            frames = frames.min(full.n_frames(len)?);
        }
        Ok(frames)
    }
}

/// `(samples,)` → `(n_bins, frames)` magnitudes.
impl<T: Float> Transform<T> for HybridCqt<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_bins, frames)`, frames the fewer of the two halves' frame counts
    /// (as the [`Cqt`]'s and [`Stft`]'s [`Transform::n_frames`]).
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.config.n_bins, self.frames(len)?))
    }

    /// The hybrid CQT magnitude into a caller buffer of shape `(n_bins, frames)`.
    ///
    /// # Errors
    ///
    /// As [`Transform::output_shape`]; [`Error::ShapeMismatch`] for a wrongly
    /// shaped `out`; [`Error::NonFinite`] when the signal holds NaN or
    /// infinities.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<T>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("hybrid cqt output", &shape, &out)?;
        let (n_bins, frames) = (shape[0], shape[1]);
        check_finite("hybrid cqt input", signal)?;
        let n_full = n_bins - self.n_pseudo;
        if let Some(full) = &self.full {
            let c = full.process(signal)?;
            for ((k, t), v) in c.indexed_iter() {
                if t < frames {
                    out[[k, t]] = v.norm();
                }
            }
        }
        if let Some(p) = &self.pseudo {
            let mut spectrum = vec![Complex::new(T::zero(), T::zero()); p.stft.n_bins()];
            let mut magnitude = vec![Complex::new(T::zero(), T::zero()); p.stft.n_bins()];
            p.stft.for_each_frame(signal, &mut spectrum, |t, spec| {
                if t >= frames {
                    return;
                }
                for (m, s) in magnitude.iter_mut().zip(spec) {
                    *m = Complex::new(s.norm(), T::zero());
                }
                for r in 0..self.n_pseudo {
                    out[[n_full + r, t]] = p.basis.apply_row(r, &magnitude).re;
                }
            })?;
        }
        Ok(())
    }
}

/// The hybrid CQT magnitude of a mono signal, as `librosa.hybrid_cqt`: a
/// one-shot [`HybridCqt`].
///
/// # Errors
///
/// As [`HybridCqt::new`] and [`HybridCqt::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_bins, frames)`.
///
/// # Example
///
/// ```
/// let y = vec![0.0f64; 4096];
/// let c = audio_dsp::hybrid_cqt(&y, &audio_dsp::CqtConfig::default())?;
/// assert_eq!(c.dim(), (84, 9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn hybrid_cqt<T: Float>(signal: &[T], config: &CqtConfig) -> Result<Array2<T>> {
    HybridCqt::new(config.clone())?.process(signal)
}
