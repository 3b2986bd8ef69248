//! Chroma: the chroma filterbank (`librosa.filters.chroma`) and the STFT
//! chromagram (`librosa.feature.chroma_stft`).

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Axis, Ix2};

use crate::error::invalid;
use crate::kernels::SpectrumKernel;
use crate::transform::check_shape;
use crate::{spectrogram, Error, Float, Result, Stft, StftConfig, Transform};

/// Parameters of a chroma filterbank, with the names and defaults of
/// `librosa.filters.chroma`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromaConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// FFT size the filterbank applies to. Default 2048.
    pub n_fft: usize,
    /// Number of chroma bins per octave. Default 12.
    pub n_chroma: usize,
    /// Tuning deviation from A440, in fractions of a chroma bin. Default 0.
    pub tuning: f64,
    /// Centre of the Gaussian octave weighting, in octaves above C0 (A0 = 27.5 Hz
    /// is `octs = 0` in librosa's convention). Default 5.0.
    pub ctroct: f64,
    /// Standard deviation of the octave weighting in octaves; `None` gives a flat
    /// weighting. Default `Some(2.0)`.
    pub octwidth: Option<f64>,
    /// Column normalisation of the filterbank (`p` of the `p`-norm,
    /// `f64::INFINITY` for the max norm, `None` for none). Default `Some(2.0)`.
    pub norm: Option<f64>,
    /// Start the filterbank at C (`true`, default) instead of A.
    pub base_c: bool,
}

impl Default for ChromaConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            n_fft: 2048,
            n_chroma: 12,
            tuning: 0.0,
            ctroct: 5.0,
            octwidth: Some(2.0),
            norm: Some(2.0),
            base_c: true,
        }
    }
}

/// A chroma filterbank: `n_chroma` Gaussian bumps over the `1 + n_fft / 2` FFT
/// bins, as `librosa.filters.chroma` (after Dan Ellis' `chromagram_E`).
///
/// With `b_k = n_chroma * log2(f_k / (440 * 2^(tuning / n_chroma) / 16))` the
/// bin's position in chroma bins (`b_0 = b_1 - 1.5 n_chroma`), `w_k =
/// max(b_{k+1} - b_k, 1)` its width and `D = ((b_k - c + n/2 + 10 n) mod n) - n/2`,
/// the weight is `W[c, k] = exp(-0.5 (2 D / w_k)^2)`, each column normalised
/// to unit `norm`, then scaled by `exp(-0.5 ((b_k / n - ctroct) / octwidth)^2)`
/// and rolled so that row 0 is C (`base_c`).
///
/// librosa stores the filterbank in `float32` by default:
/// `ChromaFilterbank<f32>` matches that, `ChromaFilterbank<f64>` matches
/// `librosa.filters.chroma(dtype=np.float64)`; both compute in `f64`.
///
/// # Example
///
/// ```
/// use audio_dsp::{ChromaConfig, ChromaFilterbank};
/// let fb = ChromaFilterbank::<f32>::new(&ChromaConfig::default())?;
/// assert_eq!(fb.weights().dim(), (12, 1025));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChromaFilterbank<T: Float> {
    weights: Array2<T>,
}

fn to_t<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::zero)
}

impl<T: Float> ChromaFilterbank<T> {
    /// Builds the filterbank.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr <= 0`, `n_fft < 2`, `n_chroma = 0`,
    /// a non-finite `tuning` or `ctroct`, `octwidth <= 0` or a non-positive norm.
    pub fn new(config: &ChromaConfig) -> Result<Self> {
        if !(config.sr > 0.0 && config.sr.is_finite()) {
            return Err(invalid("sr", config.sr, "a positive sample rate"));
        }
        if config.n_fft < 2 {
            return Err(invalid("n_fft", config.n_fft, "n_fft >= 2"));
        }
        if config.n_chroma == 0 {
            return Err(invalid("n_chroma", 0, "a positive number of chroma bins"));
        }
        if !config.tuning.is_finite() {
            return Err(invalid("tuning", config.tuning, "a finite tuning"));
        }
        if !config.ctroct.is_finite() {
            return Err(invalid("ctroct", config.ctroct, "a finite octave centre"));
        }
        if let Some(w) = config.octwidth {
            if !(w > 0.0 && w.is_finite()) {
                return Err(invalid("octwidth", w, "a positive octave width or None"));
            }
        }
        check_norm(config.norm)?;
        let n = config.n_chroma;
        let nf = n as f64;
        let n_fft = config.n_fft;
        let a440 = 440.0 * 2f64.powf(config.tuning / nf);
        let step = config.sr / n_fft as f64;
        let mut frqbins = Vec::with_capacity(n_fft);
        frqbins.push(0.0);
        for k in 1..n_fft {
            let f = k as f64 * step;
            frqbins.push(nf * (f / (a440 / 16.0)).log2());
        }
        frqbins[0] = frqbins[1] - 1.5 * nf;
        let mut widths: Vec<f64> = frqbins.windows(2).map(|w| (w[1] - w[0]).max(1.0)).collect();
        widths.push(1.0);
        let n_chroma2 = (nf / 2.0).round_ties_even();
        let mut wts = Array2::<f64>::zeros((n, n_fft));
        for (k, (&b, &w)) in frqbins.iter().zip(&widths).enumerate() {
            for c in 0..n {
                let d = (b - c as f64 + n_chroma2 + 10.0 * nf).rem_euclid(nf) - n_chroma2;
                let z = 2.0 * d / w;
                wts[[c, k]] = (-0.5 * z * z).exp();
            }
        }
        normalize_columns(wts.view_mut(), config.norm, f64::MIN_POSITIVE);
        if let Some(octwidth) = config.octwidth {
            for (k, &b) in frqbins.iter().enumerate() {
                let z = (b / nf - config.ctroct) / octwidth;
                let g = (-0.5 * z * z).exp();
                wts.column_mut(k).iter_mut().for_each(|v| *v *= g);
            }
        }
        let shift = if config.base_c { 3 * (n / 12) } else { 0 };
        let n_bins = 1 + n_fft / 2;
        let weights = Array2::from_shape_fn((n, n_bins), |(c, k)| to_t(wts[[(c + shift) % n, k]]));
        Ok(Self { weights })
    }

    /// The weights, shape `(n_chroma, 1 + n_fft / 2)`.
    pub fn weights(&self) -> &Array2<T> {
        &self.weights
    }

    /// Number of chroma bins.
    pub fn n_chroma(&self) -> usize {
        self.weights.nrows()
    }

    /// Projects a spectrogram onto the chroma bins: `C = W S` (no normalisation).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `spec` does not have `1 + n_fft / 2` rows.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `(n_chroma, frames)`.
    pub fn apply(&self, spec: ArrayView2<T>) -> Result<Array2<T>> {
        if spec.nrows() != self.weights.ncols() {
            return Err(Error::ShapeMismatch {
                what: "chroma filterbank input",
                expected: vec![self.weights.ncols(), 0],
                got: vec![spec.nrows(), spec.ncols()],
            });
        }
        Ok(self.weights.dot(&spec))
    }
}

pub(crate) fn check_norm(norm: Option<f64>) -> Result<()> {
    match norm {
        Some(p) if p.is_nan() || p == 0.0 || p == f64::NEG_INFINITY || p < 0.0 => {
            Err(invalid("norm", p, "a positive p, f64::INFINITY or None"))
        }
        _ => Ok(()),
    }
}

/// `sum_i a[i] b[i]` with eight independent accumulators (vectorisable).
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] = acc[i] + x[i] * y[i];
        }
    }
    let tail = ra.iter().zip(rb).fold(T::zero(), |s, (&x, &y)| s + x * y);
    acc.iter().fold(tail, |s, &v| s + v)
}

/// `librosa.util.normalize(S, norm, axis=0)` with `fill=None`: each column
/// divided by its norm, columns whose norm is below `threshold` left as they are.
pub(crate) fn normalize_columns<T: Float>(
    mut a: ArrayViewMut2<T>,
    norm: Option<f64>,
    threshold: T,
) {
    let Some(p) = norm else { return };
    for mut col in a.axis_iter_mut(Axis(1)) {
        let length = if p == f64::INFINITY {
            col.iter().fold(T::zero(), |m, &v| m.max(v.abs()))
        } else {
            let pt: T = to_t(p);
            let s = col.iter().fold(T::zero(), |s, &v| s + v.abs().powf(pt));
            s.powf(T::one() / pt)
        };
        let length = if length < threshold { T::one() } else { length };
        col.iter_mut().for_each(|v| *v = *v / length);
    }
}

/// Parameters of [`ChromaStft`], with the names and defaults of
/// `librosa.feature.chroma_stft`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromaStftConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// The STFT (default `n_fft = 2048`, hop 512, hann, centred, zero padding).
    pub stft: StftConfig,
    /// Tuning in fractions of a chroma bin; `None` (librosa's default) estimates
    /// it per input with [`crate::estimate_tuning`].
    pub tuning: Option<f64>,
    /// Number of chroma bins. Default 12.
    pub n_chroma: usize,
    /// Octave weighting centre (see [`ChromaConfig::ctroct`]). Default 5.0.
    pub ctroct: f64,
    /// Octave weighting width (see [`ChromaConfig::octwidth`]). Default `Some(2.0)`.
    pub octwidth: Option<f64>,
    /// Start at C. Default `true`.
    pub base_c: bool,
    /// Per-frame normalisation of the output (`f64::INFINITY`, librosa's default,
    /// divides each frame by its maximum; `None` leaves it raw).
    pub norm: Option<f64>,
}

impl Default for ChromaStftConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            stft: StftConfig {
                hop_length: Some(512),
                ..StftConfig::default()
            },
            tuning: None,
            n_chroma: 12,
            ctroct: 5.0,
            octwidth: Some(2.0),
            base_c: true,
            norm: Some(f64::INFINITY),
        }
    }
}

impl ChromaStftConfig {
    fn filterbank_config(&self, tuning: f64) -> ChromaConfig {
        ChromaConfig {
            sr: self.sr,
            n_fft: self.stft.n_fft,
            n_chroma: self.n_chroma,
            tuning,
            ctroct: self.ctroct,
            octwidth: self.octwidth,
            norm: Some(2.0),
            base_c: self.base_c,
        }
    }
}

/// A planned STFT chromagram: `C = normalize(W |stft(y)|^2)`, with `W` the
/// [`ChromaFilterbank`] at the given or estimated tuning and `normalize` the
/// per-frame `norm` (`librosa.feature.chroma_stft`).
///
/// With a fixed `tuning` the filterbank is built once at construction; with
/// `tuning = None` it is rebuilt per input after [`crate::estimate_tuning`],
/// as librosa does.
///
/// # Example
///
/// ```
/// use audio_dsp::{ChromaStft, ChromaStftConfig, Transform};
/// let chroma = ChromaStft::<f32>::new(ChromaStftConfig { tuning: Some(0.0), ..Default::default() })?;
/// let y: Vec<f32> = (0..22050).map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 22050.0).sin()).collect();
/// let c = chroma.process(&y)?;
/// assert_eq!(c.dim(), (12, 44));
/// assert_eq!(c[[9, 20]], 1.0); // A is the loudest pitch class
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChromaStft<T: Float> {
    config: ChromaStftConfig,
    stft: Stft<T>,
    filterbank: Option<ChromaFilterbank<T>>,
    power_kernel: SpectrumKernel<T>,
}

impl<T: Float> ChromaStft<T> {
    /// Plans the STFT and, for a fixed tuning, builds the filterbank.
    ///
    /// # Errors
    ///
    /// As [`Stft::new`] and [`ChromaFilterbank::new`];
    /// [`Error::InvalidParameter`] for a bad output `norm`.
    pub fn new(config: ChromaStftConfig) -> Result<Self> {
        check_norm(config.norm)?;
        let stft = Stft::new(config.stft.clone())?;
        // Validate the filterbank parameters even when the tuning is estimated later.
        let probe =
            ChromaFilterbank::<T>::new(&config.filterbank_config(config.tuning.unwrap_or(0.0)))?;
        let filterbank = config.tuning.map(|_| probe);
        Ok(Self {
            config,
            stft,
            filterbank,
            power_kernel: crate::kernels::SpectrumKernels::detect().power,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ChromaStftConfig {
        &self.config
    }

    /// The chromagram of a power spectrogram `|X|^2` (librosa's `S=` argument;
    /// `n_fft` is the configured one).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `power` does not have `1 + n_fft / 2` rows;
    /// [`Error::NonFinite`] for NaN or infinite entries.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `(n_chroma, frames)`.
    pub fn process_power(&self, power: ArrayView2<T>) -> Result<Array2<T>> {
        if let Some(index) = power.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "chroma_stft spectrogram",
                index,
            });
        }
        let estimated;
        let fb = match &self.filterbank {
            Some(fb) => fb,
            None => {
                let tuning = crate::estimate_tuning(
                    power,
                    self.config.sr,
                    self.config.stft.n_fft,
                    &crate::TuningConfig {
                        bins_per_octave: self.config.n_chroma,
                        ..Default::default()
                    },
                )?;
                estimated = ChromaFilterbank::new(&self.config.filterbank_config(tuning))?;
                &estimated
            }
        };
        if power.nrows() != fb.weights().ncols() {
            return Err(Error::ShapeMismatch {
                what: "chroma_stft spectrogram",
                expected: vec![fb.weights().ncols(), power.ncols()],
                got: power.shape().to_vec(),
            });
        }
        // Frame by frame, as the fused path of `process`, so that a
        // spectrogram projected whole or in blocks of frames gives the
        // same chroma to the bit.
        let mut out = Array2::zeros((self.config.n_chroma, power.ncols()));
        let mut column = vec![T::zero(); power.nrows()];
        for (t, frame) in power.columns().into_iter().enumerate() {
            column.iter_mut().zip(frame).for_each(|(c, &v)| *c = v);
            project_frame(fb.weights(), &column, out.column_mut(t));
        }
        normalize_columns(out.view_mut(), self.config.norm, T::min_positive_value());
        Ok(out)
    }
}

/// `(samples,)` → `(n_chroma, frames)` chroma energies.
impl<T: Float> Transform<T> for ChromaStft<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_chroma, frames)`, frames as the [`Stft`]'s.
    ///
    /// # Errors
    ///
    /// As [`Stft`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.config.n_chroma, self.stft.n_frames(len)?))
    }

    /// The chromagram of a signal into a caller buffer `(n_chroma, frames)`.
    /// With a fixed tuning it is fused per frame (FFT → `|X|^2` →
    /// projection), so the power spectrogram is never stored.
    ///
    /// # Errors
    ///
    /// As [`Stft`]'s [`Transform::process_into`], and as
    /// [`ChromaStft::process_power`] when the tuning is estimated.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<T>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("chroma_stft output", &shape, &out)?;
        let Some(fb) = &self.filterbank else {
            let power = spectrogram(&self.stft, signal, to_t(2.0))?;
            out.assign(&self.process_power(power.view())?);
            return Ok(());
        };
        crate::spectral::stft::check_finite("stft input", signal)?;
        let mut spectrum =
            vec![num_complex::Complex::new(T::zero(), T::zero()); self.stft.n_bins()];
        let mut power = vec![T::zero(); self.stft.n_bins()];
        let weights = fb.weights();
        let power_kernel = self.power_kernel;
        self.stft.for_each_frame(signal, &mut spectrum, |t, spec| {
            power_kernel(spec, &mut power);
            project_frame(weights, &power, out.column_mut(t));
        })?;
        normalize_columns(out, self.config.norm, T::min_positive_value());
        Ok(())
    }
}

/// `out[c] = Σ_k weights[c, k] power[k]`: one frame's chroma energies.
fn project_frame<T: Float>(weights: &Array2<T>, power: &[T], out: ndarray::ArrayViewMut1<T>) {
    for (c, o) in out.into_iter().enumerate() {
        let row = weights.row(c);
        *o = match row.as_slice() {
            Some(w) => dot(w, power),
            None => row
                .iter()
                .zip(power)
                .fold(T::zero(), |s, (&a, &b)| s + a * b),
        };
    }
}

/// One-shot [`ChromaStft`]: `librosa.feature.chroma_stft(y=signal, **config)`.
///
/// # Errors
///
/// As [`ChromaStft::new`] and [`ChromaStft::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_chroma, frames)`.
///
/// # Example
///
/// ```
/// let y: Vec<f64> = (0..8192).map(|n| (n as f64 * 0.07).sin()).collect();
/// let c = audio_dsp::chroma_stft(&y, audio_dsp::ChromaStftConfig::default())?;
/// assert_eq!(c.nrows(), 12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn chroma_stft<T: Float>(signal: &[T], config: ChromaStftConfig) -> Result<Array2<T>> {
    ChromaStft::new(config)?.process(signal)
}
