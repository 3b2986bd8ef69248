//! The constant-Q and variable-Q transforms, as `librosa.cqt` and `librosa.vqt`.
//!
//! The transform is computed octave by octave from the top, as librosa does
//! (Schörkhuber & Klapuri, "Constant-Q transform toolbox for music
//! processing", SMC 2010): each octave's bins are the sparse frequency-domain
//! basis ([`crate::cqt::cqt_filters`]) applied to an STFT (rectangular window, FFT
//! size the filters' power-of-two length) of the signal at that octave's
//! sample rate; after each octave, when the hop is even, the signal is
//! resampled to half the rate (`resample(y, 2, 1, scale=True)`) and the hop
//! halved. When the filters reach far below Nyquist the signal is first
//! downsampled "early" by a power of two (`__early_downsample`).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use ndarray::{Array2, ArrayViewMut2, Ix2};
use num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::cqt::cqt_filters::{
    cast, check_bins_per_octave, check_fmin, check_norm, check_sparsity,
    equal_interval_frequencies, relative_bandwidth, vqt_filter_fft, wavelet_lengths, BasisSpec,
    SparseBasis, C1_HZ,
};
use crate::spectral::stft::check_finite;
use crate::transform::check_shape;
use crate::{pad, Error, Float, PadMode, ResampleMethod, Resampler, Result, Transform, WindowKind};

/// Parameters of a constant-Q (or variable-Q) transform, with librosa's names
/// and `librosa.cqt` defaults.
///
/// `gamma = Some(0.0)` (the default) is the constant-Q transform; any other
/// `gamma` gives the variable-Q transform `librosa.vqt(gamma=...)`, and
/// `None` librosa's `vqt` default, `gamma_k = 24.7 alpha_k / 0.108` (see
/// [`CqtConfig::vqt`]). Only equal-tempered bins (`intervals="equal"`) are
/// supported.
#[derive(Debug, Clone, PartialEq)]
pub struct CqtConfig {
    /// Sample rate of the input in Hz. Default 22050.
    pub sr: f64,
    /// Samples between frames. Default 512.
    pub hop_length: usize,
    /// Frequency of the lowest bin in Hz; `None` means C1 ([`C1_HZ`], 32.70 Hz).
    pub fmin: Option<f64>,
    /// Number of bins. Default 84 (7 octaves).
    pub n_bins: usize,
    /// Bins per octave. Default 12.
    pub bins_per_octave: usize,
    /// Bandwidth offset `gamma` in Hz: `Some(0.0)` (default) for the CQT,
    /// `None` for librosa's ERB-derived VQT default.
    pub gamma: Option<f64>,
    /// Tuning offset in fractions of a bin: `fmin` becomes
    /// `fmin * 2^(tuning / bins_per_octave)`. Default 0.0 (librosa's `cqt`
    /// default; `tuning=None`, which estimates it, is not offered here: pass
    /// an estimate explicitly).
    pub tuning: f64,
    /// Filter length scale (`> 0`). Default 1.
    pub filter_scale: f64,
    /// Filter normalisation `p` (`Some(f64::INFINITY)` for the max norm, `None`
    /// for none). Default `Some(1.0)`.
    pub norm: Option<f64>,
    /// Fraction of each filter's magnitude mass dropped from its frequency
    /// response (`0 <= sparsity < 1`). Default 0.01.
    pub sparsity: f64,
    /// Window shaping the filters. Default Hann.
    pub window: WindowKind,
    /// Divide bin `k` by `sqrt(l_k)`, its filter length. Default true.
    pub scale: bool,
    /// Padding of the per-octave STFTs. Default constant (zeros).
    pub pad_mode: PadMode,
    /// Resampler for the octave decimation. Default
    /// [`ResampleMethod::SoxrHq`], librosa's default `soxr_hq`;
    /// [`ResampleMethod::Fft`] is `res_type="fft"`.
    pub res_type: ResampleMethod,
}

impl Default for CqtConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            fmin: None,
            n_bins: 84,
            bins_per_octave: 12,
            gamma: Some(0.0),
            tuning: 0.0,
            filter_scale: 1.0,
            norm: Some(1.0),
            sparsity: 0.01,
            window: WindowKind::Hann,
            scale: true,
            pad_mode: PadMode::Constant,
            res_type: ResampleMethod::SoxrHq,
        }
    }
}

impl CqtConfig {
    /// librosa's `vqt` defaults: as [`CqtConfig::default`] with `gamma = None`
    /// (`gamma_k = 24.7 alpha_k / 0.108`, the ERB-derived offset).
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(audio_dsp::CqtConfig::vqt().gamma, None);
    /// ```
    pub fn vqt() -> Self {
        Self {
            gamma: None,
            ..Self::default()
        }
    }

    /// `fmin` with the default resolved and the tuning applied:
    /// `fmin * 2^(tuning / bins_per_octave)`.
    pub(crate) fn tuned_fmin(&self) -> f64 {
        self.fmin.unwrap_or(C1_HZ) * 2f64.powf(self.tuning / self.bins_per_octave as f64)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        if !(self.sr.is_finite() && self.sr > 0.0) {
            return Err(Error::InvalidParameter {
                name: "sr",
                value: self.sr.to_string(),
                expected: "a positive, finite sample rate",
            });
        }
        if self.hop_length == 0 {
            return Err(Error::InvalidParameter {
                name: "hop_length",
                value: "0".into(),
                expected: "a positive hop length",
            });
        }
        if self.n_bins == 0 {
            return Err(Error::InvalidParameter {
                name: "n_bins",
                value: "0".into(),
                expected: "a positive number of bins",
            });
        }
        check_bins_per_octave(self.bins_per_octave)?;
        check_fmin(self.fmin.unwrap_or(C1_HZ))?;
        if !self.tuning.is_finite() {
            return Err(Error::InvalidParameter {
                name: "tuning",
                value: self.tuning.to_string(),
                expected: "a finite tuning offset in bins",
            });
        }
        check_fmin(self.tuned_fmin())?;
        check_norm(self.norm)?;
        check_sparsity(self.sparsity)
    }
}

/// One octave of the plan.
pub(crate) struct Octave<T: Float> {
    /// Output rows (bins) this octave fills.
    rows: Range<usize>,
    hop: usize,
    basis: SparseBasis<T>,
    fft: Arc<dyn RealToComplex<T>>,
    /// Whether the signal is halved in rate after this octave.
    halve_after: bool,
}

/// A planned constant-Q / variable-Q transform:
/// `C[k, t] = sum_n x_k[n] conj(h_k[n - t hop_k]) / sqrt(l_k)` computed in the
/// frequency domain octave by octave, as `librosa.vqt` (and `librosa.cqt`,
/// `gamma = 0`), with `h_k` the normalised windowed complex exponential of
/// centre `f_k = fmin 2^(k / bins_per_octave)` and length
/// `l_k = Q sr / (f_k + gamma / alpha)`, `Q = filter_scale / alpha`.
///
/// Construction validates the config and builds and caches every octave's
/// sparse frequency-domain basis, FFT plan and the resamplers, so one `Cqt`
/// serves any number of signals.
///
/// The octave decimation follows librosa exactly: an early downsampling by
/// `2^d` when the filters allow it, then a halving after every octave while
/// the (current) hop is even. A hop with fewer factors of two than octaves is
/// not an error (librosa does not raise either): the remaining octaves stay
/// at the last reached rate, with longer filters.
///
/// # Example
///
/// ```
/// use audio_dsp::{Cqt, CqtConfig, ResampleMethod, Transform};
/// let cqt = Cqt::<f32>::new(CqtConfig {
///     n_bins: 48,
///     fmin: Some(110.0),
///     res_type: ResampleMethod::Fft,
///     ..CqtConfig::default()
/// })?;
/// // A 440 Hz tone peaks at bin 24 (A4 is two octaves above A2 = 110 Hz).
/// let y: Vec<f32> = (0..22050)
///     .map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 22050.0).sin())
///     .collect();
/// let c = cqt.magnitude(&y)?;
/// assert_eq!(c.dim(), (48, 1 + 22050 / 512));
/// let column = c.column(20);
/// let peak = (0..48).max_by(|&a, &b| column[a].total_cmp(&column[b])).unwrap();
/// assert_eq!(peak, 24);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct Cqt<T: Float> {
    config: CqtConfig,
    freqs: Vec<f64>,
    /// `(factor, resampler)` of the early downsampling, if any.
    early: Option<(usize, Resampler)>,
    halver: Option<Resampler>,
    octaves: Vec<Octave<T>>,
}

impl<T: Float> std::fmt::Debug for Cqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cqt")
            .field("config", &self.config)
            .field("early_downsample", &self.early.as_ref().map(|e| e.0))
            .field("octaves", &self.octaves.len())
            .finish()
    }
}

/// How many times `x` divides by two (0 for 0), as librosa's `__num_two_factors`.
fn num_two_factors(x: usize) -> u32 {
    if x == 0 {
        0
    } else {
        x.trailing_zeros()
    }
}

impl<T: Float> Cqt<T> {
    /// Validates `config` and plans every octave.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr`, `hop_length`, `n_bins` or
    /// `bins_per_octave` not positive, `fmin <= 0`, a bad `filter_scale`,
    /// `gamma`, `norm` or `sparsity`, and (`n_bins`) when the highest filter
    /// reaches above the Nyquist frequency `sr / 2` (librosa raises there too).
    pub fn new(config: CqtConfig) -> Result<Self> {
        config.validate()?;
        let CqtConfig {
            sr,
            n_bins,
            bins_per_octave: bpo,
            ..
        } = config;
        let n_octaves = n_bins.div_ceil(bpo);
        let n_filters = bpo.min(n_bins);
        let freqs = equal_interval_frequencies(n_bins, config.tuned_fmin(), bpo);
        let alpha = relative_bandwidth(&freqs, bpo);
        let (_, cutoff) = wavelet_lengths(
            &freqs,
            &alpha,
            sr,
            config.window,
            config.filter_scale,
            config.gamma,
        )?;
        let nyquist = sr / 2.0;
        if cutoff > nyquist {
            return Err(Error::InvalidParameter {
                name: "n_bins",
                value: format!("{n_bins} (the highest filter reaches {cutoff:.1} Hz)"),
                expected: "filters that stay below the Nyquist frequency sr / 2 (fewer bins or a lower fmin)",
            });
        }

        // librosa's __early_downsample_count.
        let count1 = ((nyquist / cutoff).log2().ceil() as i64 - 1 - 1).max(0);
        let count2 = (i64::from(num_two_factors(config.hop_length)) - n_octaves as i64 + 1).max(0);
        let early_count = count1.min(count2) as u32;
        let (early, sr_base, hop_base) = if early_count > 0 {
            let factor = 1usize << early_count;
            let resampler = Resampler::new(factor as f64, 1.0, config.res_type)?;
            (
                Some((factor, resampler)),
                sr / factor as f64,
                config.hop_length / factor,
            )
        } else {
            (None, sr, config.hop_length)
        };

        // The lengths the final `scale` divides by, at the post-early rate.
        let (scale_lengths, _) = wavelet_lengths(
            &freqs,
            &alpha,
            sr_base,
            config.window,
            config.filter_scale,
            config.gamma,
        )?;

        let mut planner = RealFftPlanner::<T>::new();
        let mut octaves = Vec::with_capacity(n_octaves);
        let (mut my_sr, mut my_hop) = (sr_base, hop_base);
        let mut any_halving = false;
        for i in 0..n_octaves {
            let hi = n_bins - n_filters * i;
            let lo = n_bins.saturating_sub(n_filters * (i + 1));
            let (basis, _) = vqt_filter_fft(BasisSpec {
                sr: my_sr,
                freqs: &freqs[lo..hi],
                alpha: &alpha[lo..hi],
                filter_scale: config.filter_scale,
                norm: config.norm,
                sparsity: config.sparsity,
                window: config.window,
                gamma: config.gamma,
                hop_length: None,
            })?;
            let rate_comp = (sr_base / my_sr).sqrt();
            let row_scale: Vec<f64> = (lo..hi)
                .map(|k| {
                    if config.scale {
                        rate_comp / scale_lengths[k].sqrt()
                    } else {
                        rate_comp
                    }
                })
                .collect();
            let fft = planner.plan_fft_forward(basis.n_fft);
            let halve_after = my_hop.is_multiple_of(2);
            octaves.push(Octave {
                rows: lo..hi,
                hop: my_hop,
                basis: basis.scaled(&row_scale),
                fft,
                halve_after,
            });
            if halve_after {
                my_hop /= 2;
                my_sr /= 2.0;
                any_halving |= i + 1 < n_octaves;
            }
        }
        let halver = if any_halving {
            Some(Resampler::new(2.0, 1.0, config.res_type)?)
        } else {
            None
        };
        Ok(Self {
            config,
            freqs,
            early,
            halver,
            octaves,
        })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &CqtConfig {
        &self.config
    }

    /// The number of bins (rows of the output).
    pub fn n_bins(&self) -> usize {
        self.config.n_bins
    }

    /// The centre frequencies of the bins in Hz (tuning applied), ascending.
    pub fn frequencies(&self) -> &[f64] {
        &self.freqs
    }

    /// The early downsampling factor (`1` when librosa would not downsample early).
    pub fn early_downsample_factor(&self) -> usize {
        self.early.as_ref().map_or(1, |e| e.0)
    }

    /// The number of frames for a signal of `len` samples (see
    /// [`Transform::output_shape`]).
    fn frames(&self, len: usize) -> Result<usize> {
        if len == 0 {
            return Err(Error::InputTooShort {
                what: "cqt",
                expected: 1,
                got: 0,
            });
        }
        let mut n = len;
        if let Some((factor, _)) = &self.early {
            if len < *factor {
                return Err(Error::InputTooShort {
                    what: "cqt early downsampling",
                    expected: *factor,
                    got: len,
                });
            }
            n = len.div_ceil(*factor);
        }
        let mut frames = usize::MAX;
        for octave in &self.octaves {
            let n_fft = octave.basis.n_fft;
            let padded = n + 2 * (n_fft / 2);
            frames = frames.min(1 + padded.saturating_sub(n_fft) / octave.hop);
            if octave.halve_after {
                n = n.div_ceil(2);
            }
        }
        Ok(frames)
    }

    /// The magnitude `|C|` of the transform of a mono signal.
    ///
    /// # Errors
    ///
    /// As [`Cqt::process`].
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(n_bins, frames)`.
    pub fn magnitude(&self, signal: &[T]) -> Result<Array2<T>> {
        Ok(self.process(signal)?.mapv(|c| c.norm()))
    }

    /// Fills `out[octave.rows, ..frames]` with the octave's filter responses.
    fn octave_response(
        &self,
        octave: &Octave<T>,
        y: &[T],
        frames: usize,
        out: &mut ArrayViewMut2<Complex<T>>,
    ) -> Result<()> {
        let n_fft = octave.basis.n_fft;
        let padded = pad(y, n_fft / 2, n_fft / 2, self.config.pad_mode)?;
        let mut buffers = OctaveBuffers::new(octave);
        for t in 0..frames {
            let start = t * octave.hop;
            octave.respond(&padded[start..start + n_fft], &mut buffers, |row, v| {
                out[[row, t]] = v;
            })?;
        }
        Ok(())
    }

    /// The octave plans, lowest rows last (the order they are computed in).
    pub(crate) fn octaves(&self) -> &[Octave<T>] {
        &self.octaves
    }

    /// The early downsampling's factor and gain (`sqrt(factor)`, twice
    /// without `scale`) and resampler, if any.
    pub(crate) fn early(&self) -> Option<(usize, T, &Resampler)> {
        self.early.as_ref().map(|(factor, resampler)| {
            let mut gain = (*factor as f64).sqrt();
            if !self.config.scale {
                gain *= (*factor as f64).sqrt();
            }
            (*factor, cast(gain), resampler)
        })
    }

    /// The resampler halving the rate between octaves, if any.
    pub(crate) fn halver(&self) -> Option<&Resampler> {
        self.halver.as_ref()
    }

    /// [`Transform::output_shape`]'s frame count (and its errors).
    pub(crate) fn n_frames(&self, len: usize) -> Result<usize> {
        self.frames(len)
    }
}

/// One octave's FFT buffers.
pub(crate) struct OctaveBuffers<T: Float> {
    input: Vec<T>,
    spectrum: Vec<Complex<T>>,
    scratch: Vec<Complex<T>>,
}

impl<T: Float> OctaveBuffers<T> {
    pub(crate) fn new(octave: &Octave<T>) -> Self {
        Self {
            input: octave.fft.make_input_vec(),
            spectrum: octave.fft.make_output_vec(),
            scratch: octave.fft.make_scratch_vec(),
        }
    }
}

impl<T: Float> Octave<T> {
    /// The FFT size of the octave's frames.
    pub(crate) fn n_fft(&self) -> usize {
        self.basis.n_fft
    }

    /// Samples between the octave's frames.
    pub(crate) fn hop(&self) -> usize {
        self.hop
    }

    /// Output rows the octave fills.
    pub(crate) fn rows(&self) -> Range<usize> {
        self.rows.clone()
    }

    /// Whether the signal is halved in rate after this octave.
    pub(crate) fn halve_after(&self) -> bool {
        self.halve_after
    }

    /// The responses of the octave's filters to one frame (`n_fft`
    /// samples of the padded signal): `put(row, value)` for each row.
    pub(crate) fn respond(
        &self,
        frame: &[T],
        buffers: &mut OctaveBuffers<T>,
        mut put: impl FnMut(usize, Complex<T>),
    ) -> Result<()> {
        buffers.input.copy_from_slice(frame);
        self.fft
            .process_with_scratch(
                &mut buffers.input,
                &mut buffers.spectrum,
                &mut buffers.scratch,
            )
            .map_err(|_| Error::BufferLength {
                what: "cqt fft buffers",
                expected: self.basis.n_fft / 2 + 1,
                got: buffers.spectrum.len(),
            })?;
        for (r, row) in self.rows.clone().enumerate() {
            put(row, self.basis.apply_row(r, &buffers.spectrum));
        }
        Ok(())
    }
}

/// `(samples,)` → `(n_bins, frames)` complex coefficients (Fortran order
/// from [`Transform::process`], as librosa returns them).
impl<T: Float> Transform<T> for Cqt<T> {
    type Elem = Complex<T>;
    type Dim = Ix2;

    /// `(n_bins, frames)`: the fewest frames of any octave,
    /// `min_i 1 + len_i / hop_i` (for the power-of-two FFT sizes), with
    /// `len_i` the signal length at octave `i`'s rate (`ceil(len / 2)` per
    /// halving, as librosa's `fix=True`).
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty signal or one shorter than the
    /// early downsampling factor (librosa raises there too).
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.n_bins(), self.frames(len)?))
    }

    /// The complex transform into a caller buffer of shape `(n_bins, frames)`.
    ///
    /// # Errors
    ///
    /// As [`Transform::output_shape`]; [`Error::ShapeMismatch`] for a wrongly
    /// shaped `out`; [`Error::NonFinite`] when the signal holds NaN or
    /// infinities.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<Complex<T>>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("cqt output", &shape, &out)?;
        let frames = shape[1];
        check_finite("cqt input", signal)?;
        let mut y: Cow<'_, [T]> = Cow::Borrowed(signal);
        if let Some((_, gain, resampler)) = self.early() {
            // resample(y, factor, 1, scale=True) multiplies by sqrt(factor);
            // without `scale`, librosa multiplies by sqrt(factor) once more.
            y = Cow::Owned(scaled(resampler.process(&y)?, gain));
        }
        let last = self.octaves.len() - 1;
        for (i, octave) in self.octaves.iter().enumerate() {
            self.octave_response(octave, &y, frames, &mut out)?;
            if octave.halve_after && i < last {
                if let Some(halver) = &self.halver {
                    y = Cow::Owned(scaled(halver.process(&y)?, cast(2f64.sqrt())));
                }
            }
        }
        Ok(())
    }
}

/// `y * gain`, in place.
pub(crate) fn scaled<T: Float>(mut y: Vec<T>, gain: T) -> Vec<T> {
    y.iter_mut().for_each(|v| *v = *v * gain);
    y
}

/// The complex constant-Q transform of a mono signal, as
/// `librosa.cqt(y, sr=..., ...)`: a one-shot [`Cqt`] (`gamma` forced to 0).
///
/// # Errors
///
/// As [`Cqt::new`] and [`Cqt::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_bins, frames)`.
///
/// # Example
///
/// ```
/// let y = vec![0.0f64; 4096];
/// let c = audio_dsp::cqt(&y, &audio_dsp::CqtConfig { res_type: audio_dsp::ResampleMethod::Fft, ..Default::default() })?;
/// assert_eq!(c.dim(), (84, 9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn cqt<T: Float>(signal: &[T], config: &CqtConfig) -> Result<Array2<Complex<T>>> {
    Cqt::new(CqtConfig {
        gamma: Some(0.0),
        ..config.clone()
    })?
    .process(signal)
}

/// The complex variable-Q transform of a mono signal, as
/// `librosa.vqt(y, sr=..., gamma=config.gamma, ...)`: a one-shot [`Cqt`]
/// with the config as given (start from [`CqtConfig::vqt`] for librosa's
/// `vqt` defaults).
///
/// # Errors
///
/// As [`Cqt::new`] and [`Cqt::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_bins, frames)`.
///
/// # Example
///
/// ```
/// let y = vec![0.0f32; 4096];
/// let v = audio_dsp::vqt(&y, &audio_dsp::CqtConfig { res_type: audio_dsp::ResampleMethod::Fft, ..audio_dsp::CqtConfig::vqt() })?;
/// assert_eq!(v.dim(), (84, 9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn vqt<T: Float>(signal: &[T], config: &CqtConfig) -> Result<Array2<Complex<T>>> {
    Cqt::new(config.clone())?.process(signal)
}
