//! Phase reconstruction by the fast Griffin-Lim algorithm, as `librosa.griffinlim`.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use num_complex::Complex;

use crate::{Error, Float, Istft, IstftConfig, Result, Stft, StftConfig, Transform};

/// How Griffin-Lim initialises the phase.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum GriffinLimInit<T: Float> {
    /// Uniform random phases from a seeded generator (librosa's `init="random"`;
    /// our generator is [`crate::SeededRng`], so the phases differ from numpy's).
    Random {
        /// The seed.
        seed: u64,
    },
    /// All phases zero, i.e. every angle `1 + 0i` (librosa's `init=None`).
    #[default]
    Zero,
    /// Given unit phasors, `(bins, frames)`, e.g. to reproduce a run exactly.
    Phasors(Array2<Complex<T>>),
}

/// The precision Griffin-Lim iterates in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum GriffinLimPrecision {
    /// `f64` whatever the input, rounded once at the end (the default): with
    /// momentum near 1 the method amplifies rounding, so this is the accurate
    /// answer for `f32` and `f64` input alike.
    #[default]
    Double,
    /// The input's own precision, as librosa computes (`f32` input: f32
    /// FFTs, about twice as fast). For `f32` the result is as far from the
    /// `f64` answer as librosa's own float32 result is (~1e-3 of the peak
    /// after 32 iterations at momentum 0.99).
    Native,
}

/// Parameters of Griffin-Lim, with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct GriffinLimConfig<T: Float> {
    /// The STFT whose magnitude is inverted.
    pub stft: StftConfig,
    /// Iterations. Default 32.
    pub n_iter: usize,
    /// Momentum of the fast variant (Perraudin et al. 2013). Default 0.99; 0 gives classic GLA.
    pub momentum: f64,
    /// Phase initialisation. librosa defaults to random; ours to zero phase,
    /// which is deterministic.
    pub init: GriffinLimInit<T>,
    /// Output length (librosa's `length`).
    pub length: Option<usize>,
    /// The precision of the iterations. Default [`GriffinLimPrecision::Double`].
    pub precision: GriffinLimPrecision,
}

impl<T: Float> Default for GriffinLimConfig<T> {
    fn default() -> Self {
        Self {
            stft: StftConfig::default(),
            n_iter: 32,
            momentum: 0.99,
            init: GriffinLimInit::Zero,
            length: None,
            precision: GriffinLimPrecision::Double,
        }
    }
}

/// A signal whose STFT magnitude approximates `S`, by fast Griffin-Lim
/// (Perraudin, Balazs & Søndergaard 2013; `librosa.griffinlim`):
///
/// `c_n = stft(istft(S ⊙ a_{n-1}))`, `a_n = (c_n - m/(1+m) c_{n-1}) / (|…| + eps)`,
/// returning `istft(S ⊙ a_N)`.
///
/// By default the iterations run in `f64` whatever `T` is: with momentum
/// near 1 the method amplifies rounding, and librosa's own `float32` result
/// differs from its `float64` one by ~1e-3 of the peak after 32 iterations.
/// Computing in `f64` and rounding once at the end gives the accurate answer
/// for both. [`GriffinLimPrecision::Native`] iterates in `T` instead, as
/// librosa does, about twice as fast for `f32`.
///
/// # Errors
///
/// As [`Stft::new`]; [`Error::InvalidParameter`] for a negative momentum;
/// [`Error::ShapeMismatch`] when `S` does not have `1 + n_fft / 2` rows or the
/// given phasors differ in shape, or when `length` changes the frame count.
///
/// # Shapes
///
/// `(1 + n_fft / 2, frames)` → `(length,)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{griffin_lim, spectrogram, GriffinLimConfig, Stft, StftConfig};
/// let cfg = StftConfig { n_fft: 256, ..StftConfig::default() };
/// let y: Vec<f32> = (0..4096).map(|n| (n as f32 * 0.07).sin()).collect();
/// let mag = spectrogram(&Stft::new(cfg.clone())?, &y, 1.0)?;
/// let gl = GriffinLimConfig { stft: cfg, n_iter: 8, ..GriffinLimConfig::default() };
/// let z = griffin_lim(mag.view(), &gl)?;
/// assert_eq!(z.len(), 4096);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn griffin_lim<T: Float>(
    magnitude: ArrayView2<T>,
    config: &GriffinLimConfig<T>,
) -> Result<Vec<T>> {
    if config.precision == GriffinLimPrecision::Native {
        return griffin_lim_in(magnitude, config);
    }
    let to64 = |v: T| v.to_f64().unwrap_or(0.0);
    let init = match &config.init {
        GriffinLimInit::Zero => GriffinLimInit::Zero,
        GriffinLimInit::Random { seed } => GriffinLimInit::Random { seed: *seed },
        GriffinLimInit::Phasors(p) => {
            GriffinLimInit::Phasors(p.mapv(|z| Complex::new(to64(z.re), to64(z.im))))
        }
    };
    let config64 = GriffinLimConfig::<f64> {
        stft: config.stft.clone(),
        n_iter: config.n_iter,
        momentum: config.momentum,
        init,
        length: config.length,
        precision: GriffinLimPrecision::Double,
    };
    let y = griffin_lim_in(magnitude.mapv(to64).view(), &config64)?;
    Ok(y.into_iter()
        .map(|v| T::from(v).unwrap_or_else(T::zero))
        .collect())
}

fn griffin_lim_in<T: Float>(
    magnitude: ArrayView2<T>,
    config: &GriffinLimConfig<T>,
) -> Result<Vec<T>> {
    if !(config.momentum >= 0.0 && config.momentum.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "momentum",
            value: config.momentum.to_string(),
            expected: "a non-negative momentum",
        });
    }
    let stft = Stft::<T>::new(config.stft.clone())?;
    let istft = Istft::<T>::new(IstftConfig::from(&config.stft))?;
    let (bins, frames) = magnitude.dim();
    if bins != stft.n_bins() {
        return Err(Error::ShapeMismatch {
            what: "griffin-lim magnitude",
            expected: vec![stft.n_bins(), 0],
            got: vec![bins, frames],
        });
    }
    let mut angles: Array2<Complex<T>> = match &config.init {
        GriffinLimInit::Zero => {
            Array2::from_elem((bins, frames).f(), Complex::new(T::one(), T::zero()))
        }
        GriffinLimInit::Random { seed } => {
            let mut rng = crate::SeededRng::new(*seed);
            let mut a = Array2::zeros((bins, frames).f());
            for v in a.iter_mut() {
                let phase =
                    T::from(2.0 * std::f64::consts::PI * rng.uniform()).unwrap_or_else(T::zero);
                *v = Complex::new(phase.cos(), phase.sin());
            }
            a
        }
        GriffinLimInit::Phasors(p) => {
            if p.dim() != (bins, frames) {
                return Err(Error::ShapeMismatch {
                    what: "griffin-lim initial phasors",
                    expected: vec![bins, frames],
                    got: p.shape().to_vec(),
                });
            }
            let mut a = Array2::zeros((bins, frames).f());
            a.assign(p);
            a
        }
    };
    let length = config.length.unwrap_or_else(|| istft.output_len(frames));
    if stft.n_frames(length)? != frames {
        return Err(Error::ShapeMismatch {
            what: "griffin-lim length (frames of stft(istft(S)))",
            expected: vec![frames],
            got: vec![stft.n_frames(length)?],
        });
    }
    let eps = T::min_positive_value();
    let beta = T::from(config.momentum / (1.0 + config.momentum)).unwrap_or_else(T::zero);
    let envelope = istft.window_sumsquare(frames, length);
    let mut signal = vec![T::zero(); length];
    let mut product = Array2::zeros((bins, frames).f());
    let mut rebuilt = Array2::<Complex<T>>::zeros((bins, frames).f());
    let mut previous = Array2::<Complex<T>>::zeros((bins, frames).f());
    for _ in 0..config.n_iter {
        std::mem::swap(&mut previous, &mut rebuilt);
        ndarray::Zip::from(&mut product)
            .and(&magnitude)
            .and(&angles)
            .for_each(|p, &m, &a| *p = a * m);
        istft.overlap_add_into(product.view(), &mut signal)?;
        crate::spectral::istft::normalise(&mut signal, &envelope);
        stft.process_into(&signal, rebuilt.view_mut())?;
        ndarray::Zip::from(&mut angles)
            .and(&rebuilt)
            .and(&previous)
            .for_each(|a, &r, &p| {
                let v = r - p * beta;
                // |v| as sqrt(re^2 + im^2): hypot's overflow care is not needed
                // for spectra, and it costs several times more.
                let inv = T::one() / ((v.re * v.re + v.im * v.im).sqrt() + eps);
                *a = Complex::new(v.re * inv, v.im * inv);
            });
    }
    ndarray::Zip::from(&mut product)
        .and(&magnitude)
        .and(&angles)
        .for_each(|p, &m, &a| *p = a * m);
    istft.overlap_add_into(product.view(), &mut signal)?;
    crate::spectral::istft::normalise(&mut signal, &envelope);
    Ok(signal)
}
