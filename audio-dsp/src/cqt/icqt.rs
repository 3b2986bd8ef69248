//! The inverse constant-Q transform, as `librosa.icqt`.

use ndarray::{s, Array2, ArrayView2};
use num_complex::Complex;

use crate::cqt::cqt_filters::{
    cast, cqt_frequencies, relative_bandwidth, vqt_filter_fft, wavelet_lengths, BasisSpec,
};
use crate::{CqtConfig, Error, Float, Istft, IstftConfig, Resampler, Result, WindowKind};

/// One octave of the inverse plan.
struct Octave<T: Float> {
    /// Rows of the CQT this octave inverts.
    rows: std::ops::Range<usize>,
    /// Dense inverse basis `(n_fft / 2 + 1, rows)`, each column weighted by
    /// its filter's inverse power (and `sqrt(l_k)` when `scale`).
    inverse: Array2<Complex<T>>,
    istft: Istft<T>,
    /// Upsampling back to `sr` (`None` at the full rate).
    upsampler: Option<Resampler>,
}

/// A planned inverse CQT:
/// `y = sum_octaves resample_up(istft_ones(B_o^H diag(w) C_o))` with `B_o` the
/// octave's sparse frequency-domain basis at its rate, `w_k = sqrt(l_k) N /
/// (l_k sum_f |B[k, f]|^2)` (`sqrt(l_k)` only with `scale`), as
/// `librosa.icqt`: octaves are taken from the bottom (a partial octave is the
/// top one), each inverted with a rectangular-window ISTFT at its rate and
/// upsampled to `sr` without scaling.
///
/// Takes the [`CqtConfig`] the forward transform used (`gamma` must be 0:
/// librosa's `icqt` is constant-Q only).
///
/// # Example
///
/// ```
/// use audio_dsp::{Cqt, CqtConfig, Icqt, ResampleMethod, Transform};
/// let config = CqtConfig { n_bins: 48, fmin: Some(110.0), res_type: ResampleMethod::Fft, ..CqtConfig::default() };
/// let y: Vec<f64> = (0..22050)
///     .map(|n| (2.0 * std::f64::consts::PI * 440.0 * n as f64 / 22050.0).sin())
///     .collect();
/// let c = Cqt::<f64>::new(config.clone())?.process(&y)?;
/// let y_hat = Icqt::<f64>::new(config)?.process(c.view(), Some(y.len()))?;
/// assert_eq!(y_hat.len(), y.len());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct Icqt<T: Float> {
    config: CqtConfig,
    max_length: f64,
    octaves: Vec<Octave<T>>,
}

impl<T: Float> std::fmt::Debug for Icqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Icqt")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> Icqt<T> {
    /// Validates `config` and plans every octave's inverse basis, ISTFT and
    /// upsampler.
    ///
    /// # Errors
    ///
    /// As [`crate::Cqt::new`] for the shared parameters, and
    /// [`Error::InvalidParameter`] for a non-zero `gamma`.
    pub fn new(config: CqtConfig) -> Result<Self> {
        config.validate()?;
        if config.gamma != Some(0.0) {
            return Err(Error::InvalidParameter {
                name: "gamma",
                value: format!("{:?}", config.gamma),
                expected: "Some(0.0): the inverse is constant-Q only, as librosa.icqt",
            });
        }
        let (sr, n_bins, bpo) = (config.sr, config.n_bins, config.bins_per_octave);
        let n_octaves = n_bins.div_ceil(bpo);
        let freqs = cqt_frequencies(n_bins, config.tuned_fmin(), bpo, 0.0)?;
        let alpha = relative_bandwidth(&freqs, bpo);
        let (lengths, _) = wavelet_lengths(
            &freqs,
            &alpha,
            sr,
            config.window,
            config.filter_scale,
            Some(0.0),
        )?;
        let max_length = lengths.iter().fold(0.0f64, |m, &l| m.max(l));

        // Rates and hops from the top octave down, then listed bottom-up.
        let mut srs = vec![sr];
        let mut hops = vec![config.hop_length];
        for _ in 1..n_octaves {
            if hops[0] % 2 == 0 {
                srs.insert(0, srs[0] * 0.5);
                hops.insert(0, hops[0] / 2);
            } else {
                srs.insert(0, srs[0]);
                hops.insert(0, hops[0]);
            }
        }
        let mut octaves = Vec::with_capacity(n_octaves);
        for (i, (&my_sr, &my_hop)) in srs.iter().zip(&hops).enumerate() {
            let lo = bpo * i;
            let hi = n_bins.min(lo + bpo);
            let (basis, _) = vqt_filter_fft(BasisSpec {
                sr: my_sr,
                freqs: &freqs[lo..hi],
                alpha: &alpha[lo..hi],
                filter_scale: config.filter_scale,
                norm: config.norm,
                sparsity: config.sparsity,
                window: config.window,
                gamma: Some(0.0),
                hop_length: None,
            })?;
            let n_fft = basis.n_fft;
            let mut inverse = Array2::<Complex<T>>::zeros((n_fft / 2 + 1, hi - lo));
            for r in 0..hi - lo {
                let (a, b) = (basis.row_start[r], basis.row_start[r + 1]);
                let power: f64 = basis.values[a..b].iter().map(|v| v.norm_sqr()).sum();
                let mut weight = n_fft as f64 / (power * lengths[lo + r]);
                if config.scale {
                    weight *= lengths[lo + r].sqrt();
                }
                for (v, &c) in basis.values[a..b].iter().zip(&basis.columns[a..b]) {
                    let w = v.conj() * weight;
                    inverse[[c, r]] = Complex::new(cast(w.re), cast(w.im));
                }
            }
            let istft = Istft::new(IstftConfig {
                n_fft,
                hop_length: Some(my_hop),
                win_length: None,
                window: WindowKind::Rectangular,
                center: true,
            })?;
            let factor = (sr / my_sr).floor();
            let upsampler = if factor > 1.0 {
                Some(Resampler::new(1.0, factor, config.res_type)?)
            } else {
                None
            };
            octaves.push(Octave {
                rows: lo..hi,
                inverse,
                istft,
                upsampler,
            });
        }
        Ok(Self {
            config,
            max_length,
            octaves,
        })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &CqtConfig {
        &self.config
    }

    /// Reconstructs a signal from a complex CQT `(n_bins, frames)`; with
    /// `length`, only the first `ceil((length + max_k l_k) / hop)` frames are
    /// used and the output is cut or zero-padded to `length`, as librosa.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `cqt` does not have `n_bins` rows;
    /// [`Error::InputTooShort`] for no frames.
    ///
    /// # Shapes
    ///
    /// `(n_bins, frames)` → `(hop * (frames - 1),)` or `(length,)`.
    pub fn process(&self, cqt: ArrayView2<Complex<T>>, length: Option<usize>) -> Result<Vec<T>> {
        if cqt.nrows() != self.config.n_bins {
            return Err(Error::ShapeMismatch {
                what: "icqt input",
                expected: vec![self.config.n_bins, 0],
                got: cqt.shape().to_vec(),
            });
        }
        let mut frames = cqt.ncols();
        if let Some(len) = length {
            let needed = ((len as f64 + self.max_length) / self.config.hop_length as f64).ceil();
            frames = frames.min(needed as usize);
        }
        if frames == 0 {
            return Err(Error::InputTooShort {
                what: "icqt (frames)",
                expected: 1,
                got: 0,
            });
        }
        let cqt = cqt.slice(s![.., ..frames]);
        let mut y: Option<Vec<T>> = None;
        for octave in &self.octaves {
            let c = cqt.slice(s![octave.rows.clone(), ..]);
            let (bins, n) = (octave.inverse.nrows(), octave.rows.len());
            let mut d = Array2::<Complex<T>>::zeros((bins, frames));
            for t in 0..frames {
                for f in 0..bins {
                    let mut acc = Complex::new(T::zero(), T::zero());
                    for k in 0..n {
                        acc = acc + octave.inverse[[f, k]] * c[[k, t]];
                    }
                    d[[f, t]] = acc;
                }
            }
            let mut y_oct = octave.istft.process(d.view(), None)?;
            if let Some(up) = &octave.upsampler {
                y_oct = up.process(&y_oct)?;
            }
            match &mut y {
                None => y = Some(y_oct),
                Some(acc) => {
                    for (a, b) in acc.iter_mut().zip(&y_oct) {
                        *a = *a + *b;
                    }
                }
            }
        }
        let mut y = y.unwrap_or_default();
        if let Some(len) = length {
            y.resize(len, T::zero());
        }
        Ok(y)
    }
}
