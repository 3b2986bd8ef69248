//! Constant-Q chroma, as `librosa.feature.chroma_cqt` and
//! `librosa.filters.cq_to_chroma`.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Ix2, ShapeBuilder};

use crate::cqt::cqt_filters::{cast, C1_HZ};
use crate::{
    estimate_tuning, spectrogram, Cqt, CqtConfig, Error, Float, HybridCqt, ResampleMethod, Result,
    Stft, StftConfig, Transform, TuningConfig,
};

/// Which constant-Q transform a chroma feature is computed from, as
/// librosa's `cqt_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CqtMode {
    /// The full recursive CQT ([`Cqt`], `"full"`). librosa's default.
    #[default]
    Full,
    /// The hybrid CQT ([`HybridCqt`], `"hybrid"`).
    Hybrid,
}

impl CqtMode {
    /// Parses `full` or `hybrid`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other name.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(audio_dsp::CqtMode::parse("hybrid")?, audio_dsp::CqtMode::Hybrid);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "full" => Ok(Self::Full),
            "hybrid" => Ok(Self::Hybrid),
            _ => Err(Error::InvalidParameter {
                name: "cqt_mode",
                value: name.to_string(),
                expected: "full or hybrid",
            }),
        }
    }
}

/// The matrix folding constant-Q bins onto chroma bins, as
/// `librosa.filters.cq_to_chroma(n_input, bins_per_octave=..., n_chroma=...,
/// fmin=..., base_c=...)`: `M[c, k] = 1` when CQT bin `k` (of the centred group of
/// `bins_per_octave / n_chroma` bins per chroma) belongs to chroma `c`, rows
/// rotated so that chroma 0 is C (`base_c`) or A.
///
/// # Errors
///
/// [`Error::InvalidParameter`] when `n_chroma` is 0 or does not divide
/// `bins_per_octave`, or for a non-positive `fmin`.
///
/// # Shapes
///
/// `(n_chroma, n_input)`.
///
/// # Example
///
/// ```
/// let m = audio_dsp::cq_to_chroma(24, 12, 12, None, true)?;
/// assert_eq!(m.dim(), (12, 24));
/// assert_eq!(m[[0, 0]], 1.0); // C1 is a C
/// assert_eq!(m[[0, 12]], 1.0); // and so is C2
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn cq_to_chroma(
    n_input: usize,
    bins_per_octave: usize,
    n_chroma: usize,
    fmin: Option<f64>,
    base_c: bool,
) -> Result<Array2<f64>> {
    if n_chroma == 0 || bins_per_octave == 0 || !bins_per_octave.is_multiple_of(n_chroma) {
        return Err(Error::InvalidParameter {
            name: "bins_per_octave",
            value: format!("{bins_per_octave} (n_chroma = {n_chroma})"),
            expected: "a positive integer multiple of a positive n_chroma",
        });
    }
    let fmin = fmin.unwrap_or(C1_HZ);
    crate::cqt::cqt_filters::check_fmin(fmin)?;
    let n_merge = bins_per_octave / n_chroma;
    let shift = n_merge / 2;
    // hz_to_midi(fmin) mod 12, rotated to C (or A), scaled to n_chroma.
    let midi = crate::hz_to_midi(fmin);
    let midi_0 = midi.rem_euclid(12.0);
    let roll = if base_c { midi_0 } else { midi_0 - 9.0 };
    let roll = (roll * (n_chroma as f64 / 12.0)).round_ties_even() as i64;
    let mut m = Array2::zeros((n_chroma, n_input));
    for r in 0..n_chroma {
        let c = (r as i64 - roll).rem_euclid(n_chroma as i64) as usize;
        for k in 0..n_input {
            let j = (k % bins_per_octave + shift) % bins_per_octave;
            if j / n_merge == c {
                m[[r, k]] = 1.0;
            }
        }
    }
    Ok(m)
}

/// Normalises each column of `x` (along axis 0) as
/// `librosa.util.normalize(x, norm=norm, axis=-2)`: divided by its `L_p` norm
/// (`max |x|` for `p = inf`), left unchanged when that norm is below the
/// smallest normal number of `T`.
pub(crate) fn normalize_columns<T: Float>(x: &mut ArrayViewMut2<T>, norm: Option<f64>) {
    let Some(p) = norm else { return };
    for mut column in x.columns_mut() {
        let length = if p.is_infinite() {
            column.iter().fold(T::zero(), |m, v| m.max(v.abs()))
        } else {
            let pt: T = cast(p);
            column
                .iter()
                .fold(T::zero(), |s, v| s + v.abs().powf(pt))
                .powf(T::one() / pt)
        };
        let length = if length < T::min_positive_value() {
            T::one()
        } else {
            length
        };
        column.iter_mut().for_each(|v| *v = *v / length);
    }
}

/// Parameters of [`ChromaCqt`], with `librosa.feature.chroma_cqt`'s names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromaCqtConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// Samples between frames. Default 512.
    pub hop_length: usize,
    /// Lowest CQT frequency in Hz; `None` means C1.
    pub fmin: Option<f64>,
    /// Per-frame normalisation `p` of the chroma vector (`Some(f64::INFINITY)`
    /// by default, `None` for none).
    pub norm: Option<f64>,
    /// Chroma energies below this are set to 0 before normalising. Default 0.
    pub threshold: f64,
    /// Tuning offset in fractions of a CQT bin; `None` (the default, as
    /// librosa) estimates it from each signal with [`estimate_tuning`] on its
    /// 2048-point magnitude STFT (`librosa.estimate_tuning(y=y, sr=sr,
    /// bins_per_octave=bins_per_octave)`), which re-plans the CQT per call;
    /// `Some(t)` plans it once.
    pub tuning: Option<f64>,
    /// Number of chroma bins. Default 12.
    pub n_chroma: usize,
    /// Number of CQT octaves. Default 7.
    pub n_octaves: usize,
    /// CQT bins per octave (a multiple of `n_chroma`). Default 36.
    pub bins_per_octave: usize,
    /// Full or hybrid CQT. Default full.
    pub cqt_mode: CqtMode,
    /// Resampler inside the CQT. Default [`ResampleMethod::SoxrHq`] (librosa's `soxr_hq`).
    pub res_type: ResampleMethod,
}

impl Default for ChromaCqtConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            fmin: None,
            norm: Some(f64::INFINITY),
            threshold: 0.0,
            tuning: None,
            n_chroma: 12,
            n_octaves: 7,
            bins_per_octave: 36,
            cqt_mode: CqtMode::Full,
            res_type: ResampleMethod::SoxrHq,
        }
    }
}

impl ChromaCqtConfig {
    /// The CQT this chroma is computed from, at `tuning` (for
    /// [`CqtMode::Full`]; the hybrid CQT takes the same configuration).
    pub fn cqt_config(&self, tuning: f64) -> CqtConfig {
        CqtConfig {
            sr: self.sr,
            hop_length: self.hop_length,
            fmin: self.fmin,
            n_bins: self.n_octaves * self.bins_per_octave,
            bins_per_octave: self.bins_per_octave,
            tuning,
            res_type: self.res_type,
            ..CqtConfig::default()
        }
    }
}

enum Engine<T: Float> {
    Full(Box<Cqt<T>>),
    Hybrid(Box<HybridCqt<T>>),
}

impl<T: Float> Engine<T> {
    fn new(config: &ChromaCqtConfig, tuning: f64) -> Result<Self> {
        let cqt_config = config.cqt_config(tuning);
        Ok(match config.cqt_mode {
            CqtMode::Full => Engine::Full(Box::new(Cqt::new(cqt_config)?)),
            CqtMode::Hybrid => Engine::Hybrid(Box::new(HybridCqt::new(cqt_config)?)),
        })
    }

    fn n_frames(&self, len: usize) -> Result<usize> {
        match self {
            Engine::Full(c) => c.n_frames(len),
            Engine::Hybrid(c) => c.n_frames(len),
        }
    }

    fn magnitude(&self, signal: &[T]) -> Result<Array2<T>> {
        match self {
            Engine::Full(c) => c.magnitude(signal),
            Engine::Hybrid(c) => c.process(signal),
        }
    }
}

/// `librosa.estimate_tuning(y=y, sr=sr, bins_per_octave=bins_per_octave)`:
/// the tuning of the 2048-point magnitude STFT (hop 512, centred), in
/// fractions of a bin at `bins_per_octave`.
pub(crate) fn estimate_signal_tuning<T: Float>(
    signal: &[T],
    sr: f64,
    bins_per_octave: usize,
) -> Result<f64> {
    let stft = Stft::<T>::new(StftConfig::default())?;
    let magnitude = spectrogram(&stft, signal, T::one())?;
    estimate_tuning(
        magnitude.view(),
        sr,
        stft.n_fft(),
        &TuningConfig {
            bins_per_octave,
            ..TuningConfig::default()
        },
    )
}

/// A planned constant-Q chroma:
/// `chroma[c, t] = normalize_p(max(sum_k M[c, k] |C[k, t]|, threshold))` with
/// `M` from [`cq_to_chroma`] and `C` the CQT of [`ChromaCqtConfig`], as
/// `librosa.feature.chroma_cqt` (values below `threshold` become 0).
///
/// # Example
///
/// ```
/// use audio_dsp::{ChromaCqt, ChromaCqtConfig, ResampleMethod, Transform};
/// let chroma = ChromaCqt::<f32>::new(ChromaCqtConfig { res_type: ResampleMethod::Fft, ..Default::default() })?;
/// // An A4 (440 Hz) tone: chroma 9 (A) is the loudest, at 1 (max norm).
/// let y: Vec<f32> = (0..22050)
///     .map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 22050.0).sin())
///     .collect();
/// let c = chroma.process(&y)?;
/// assert_eq!(c.dim(), (12, 1 + 22050 / 512));
/// assert_eq!(c[[9, 20]], 1.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct ChromaCqt<T: Float> {
    config: ChromaCqtConfig,
    filter: Array2<T>,
    /// The planned CQT (at tuning 0 when the tuning is estimated per
    /// signal: then it only answers `n_frames`).
    engine: Engine<T>,
}

impl<T: Float> std::fmt::Debug for ChromaCqt<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromaCqt")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> ChromaCqt<T> {
    /// Validates `config` and plans the CQT and the chroma folding.
    ///
    /// # Errors
    ///
    /// As [`Cqt::new`], and [`Error::InvalidParameter`] for `n_octaves = 0`,
    /// a `bins_per_octave` that is not a multiple of `n_chroma`, a non-finite
    /// `threshold` or a bad `norm`.
    pub fn new(config: ChromaCqtConfig) -> Result<Self> {
        if config.n_octaves == 0 {
            return Err(Error::InvalidParameter {
                name: "n_octaves",
                value: "0".into(),
                expected: "a positive number of octaves",
            });
        }
        if !config.threshold.is_finite() {
            return Err(Error::InvalidParameter {
                name: "threshold",
                value: config.threshold.to_string(),
                expected: "a finite threshold",
            });
        }
        crate::cqt::cqt_filters::check_norm(config.norm)?;
        let n_input = config.n_octaves * config.bins_per_octave;
        let filter = cq_to_chroma(
            n_input,
            config.bins_per_octave,
            config.n_chroma,
            config.fmin,
            true,
        )?
        .mapv(cast::<T>);
        let engine = Engine::new(&config, config.tuning.unwrap_or(0.0))?;
        Ok(Self {
            config,
            filter,
            engine,
        })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &ChromaCqtConfig {
        &self.config
    }

    /// The chroma folding matrix `(n_chroma, n_octaves * bins_per_octave)`.
    pub fn filter(&self) -> &Array2<T> {
        &self.filter
    }

    /// `|C|` of the configured CQT, estimating the tuning first when the
    /// config asks for it.
    fn cqt_magnitude(&self, signal: &[T]) -> Result<Array2<T>> {
        if self.config.tuning.is_some() {
            return self.engine.magnitude(signal);
        }
        crate::spectral::stft::check_finite("chroma_cqt input", signal)?;
        let tuning = estimate_signal_tuning(signal, self.config.sr, self.config.bins_per_octave)?;
        Engine::new(&self.config, tuning)?.magnitude(signal)
    }

    /// The chroma of a precomputed CQT magnitude `|C|` (librosa's `C=`
    /// argument).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `cqt` does not have
    /// `n_octaves * bins_per_octave` rows.
    ///
    /// # Shapes
    ///
    /// `(n_octaves * bins_per_octave, frames)` → `(n_chroma, frames)`.
    pub fn process_cqt(&self, cqt: ArrayView2<T>) -> Result<Array2<T>> {
        let mut out = Array2::zeros((self.config.n_chroma, cqt.ncols()).f());
        self.process_cqt_into(cqt, out.view_mut())?;
        Ok(out)
    }

    fn process_cqt_into(&self, cqt: ArrayView2<T>, mut out: ArrayViewMut2<T>) -> Result<()> {
        if cqt.nrows() != self.filter.ncols() {
            return Err(Error::ShapeMismatch {
                what: "chroma_cqt input cqt",
                expected: vec![self.filter.ncols(), 0],
                got: cqt.shape().to_vec(),
            });
        }
        if out.dim() != (self.config.n_chroma, cqt.ncols()) {
            return Err(Error::ShapeMismatch {
                what: "chroma_cqt output",
                expected: vec![self.config.n_chroma, cqt.ncols()],
                got: out.shape().to_vec(),
            });
        }
        let threshold: T = cast(self.config.threshold);
        for (t, column) in cqt.columns().into_iter().enumerate() {
            for (c, weights) in self.filter.rows().into_iter().enumerate() {
                let v = weights
                    .iter()
                    .zip(column.iter())
                    .fold(T::zero(), |s, (&w, &x)| s + w * x);
                out[[c, t]] = if v < threshold { T::zero() } else { v };
            }
        }
        normalize_columns(&mut out, self.config.norm);
        Ok(())
    }
}

/// `(samples,)` → `(n_chroma, frames)` chroma energies.
impl<T: Float> Transform<T> for ChromaCqt<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_chroma, frames)`, frames as the CQT's. With an estimated tuning
    /// this is the count at tuning 0; the estimate changes it only if it
    /// moves the highest filter across an early downsampling boundary (then
    /// [`Transform::process_into`] reports the shape it needs, and
    /// [`Transform::process`] returns the frames the tuned CQT gives).
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.config.n_chroma, self.engine.n_frames(len)?))
    }

    /// The chroma of a mono signal into a caller buffer `(n_chroma, frames)`.
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::process_into`], and [`Error::ShapeMismatch`]
    /// for a wrongly shaped `out`.
    fn process_into(&self, signal: &[T], out: ArrayViewMut2<T>) -> Result<()> {
        let magnitude = self.cqt_magnitude(signal)?;
        self.process_cqt_into(magnitude.view(), out)
    }

    /// The chroma of a mono signal (shaped by the CQT actually run).
    ///
    /// # Errors
    ///
    /// As [`Cqt`]'s [`Transform::process`].
    fn process(&self, signal: &[T]) -> Result<Array2<T>> {
        let magnitude = self.cqt_magnitude(signal)?;
        self.process_cqt(magnitude.view())
    }
}

/// The constant-Q chroma of a mono signal, as `librosa.feature.chroma_cqt`:
/// a one-shot [`ChromaCqt`].
///
/// # Errors
///
/// As [`ChromaCqt::new`] and [`ChromaCqt::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_chroma, frames)`.
///
/// # Example
///
/// ```
/// let y = vec![0.0f32; 4096];
/// let c = audio_dsp::chroma_cqt(&y, &audio_dsp::ChromaCqtConfig::default())?;
/// assert_eq!(c.dim(), (12, 9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn chroma_cqt<T: Float>(signal: &[T], config: &ChromaCqtConfig) -> Result<Array2<T>> {
    ChromaCqt::new(config.clone())?.process(signal)
}
