//! Band-limited resampling between arbitrary sample rates, with the output
//! length convention of `librosa.resample(..., fix=True)`.
//!
//! Three families of methods sit behind [`ResampleMethod`]:
//!
//! - [`ResampleMethod::SoxrHq`] (the default, as librosa's), `SoxrVhq`,
//!   `SoxrMq` and `SoxrLq` are soxr's recipes (librosa's
//!   `res_type="soxr_hq"` etc.), implemented in pure Rust from libsoxr's
//!   algorithm: the same stages, filters, alignment and length, equal to
//!   python-soxr to soxr's float32 rounding (`VHQ`: float64, to ~1e-15).
//! - [`ResampleMethod::Fft`] is an exact port of `scipy.signal.resample`
//!   (librosa's `res_type="fft"` / `"scipy"`): the whole signal is transformed,
//!   its spectrum truncated or zero-padded, and transformed back.
//! - [`ResampleMethod::Fast`], [`ResampleMethod::Medium`] and
//!   [`ResampleMethod::High`] are this crate's own windowed-sinc presets:
//!   interpolators from the [`rubato`] crate (wrapped, not re-written), in
//!   rising order of filter length and stop-band rejection, except `High` at
//!   non-integer rate pairs (ratios 1/4 to 4), which runs a two-stage engine
//!   of this crate (×2 oversampling by an FFT-convolved 130 dB Kaiser sinc,
//!   then a 32-tap interpolator at the exact output times). Their measured
//!   pass-band error and alias rejection are in the user guide
//!   (`docs/src/audio-dsp.md`).
//!
//! Whatever the method, the output has `ceil(n * target_sr / orig_sr)`
//! samples (librosa's `fix=True`; soxr's own, one shorter at most, is padded
//! with zeros as librosa's `fix_length` does) and is not rescaled (librosa's
//! `scale=False`): multiply by `sqrt(orig_sr / target_sr)` for `scale=True`.

use std::sync::{Mutex, OnceLock};

use ndarray::{ArrayViewMut1, Ix1};
use num_complex::Complex;
use realfft::RealFftPlanner;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, Fft, FixedAsync, FixedSync, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use super::soxr::Recipe;
use super::two_stage::{self, TwoStage};
use crate::transform::check_shape;
use crate::{Error, Float, Result, Transform};

/// How to resample: soxr's recipes (the default is librosa's `soxr_hq`),
/// exact FFT resampling, or one of our windowed-sinc presets.
///
/// For the sinc presets, integer rate pairs (every real sample rate) go through rubato's
/// synchronous FFT resampler, exactly aligned; other pairs through its
/// asynchronous windowed-sinc resampler (aligned to within
/// `1 / 1024` input sample), but for `High` at ratios 1/4 to 4, which uses
/// the two-stage engine (exactly aligned; 140 dB rejection measured at
/// pitch-shift ratios). Filter lengths are in input samples.
///
/// | method   | reference                                  | integer rates            | other rates                    |
/// |----------|--------------------------------------------|--------------------------|--------------------------------|
/// | `Fft`    | `scipy.signal.resample` (`res_type="fft"`) | whole-signal spectrum truncation | same                   |
/// | `Fast`   | `soxr_lq`/`soxr_mq` class                  | ~256, Blackman²          | 64 taps, Blackman², linear     |
/// | `Medium` | `soxr_mq`/`soxr_hq` class                  | ~1024, Blackman-Harris   | 128 taps, Blackman-Harris², quadratic |
/// | `High`   | `soxr_hq` class (default)                  | ~2048, Blackman-Harris²  | ratios 1/4 to 4: ×2 Kaiser sinc (~700 taps at 2×, FFT) + 32-tap interpolator; beyond: 256 taps, Blackman-Harris², cubic |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResampleMethod {
    /// `scipy.signal.resample`: exact, `O(n log n)` over the whole signal.
    Fft,
    /// Short windowed-sinc filter: fastest, lowest rejection.
    Fast,
    /// Medium-length windowed-sinc filter.
    Medium,
    /// Long windowed-sinc filter (≥ 90 dB alias rejection, measured).
    High,
    /// librosa's `res_type="soxr_hq"` (its default): soxr's 20-bit recipe,
    /// equal to `soxr.resample(..., quality="HQ")` to soxr's float32 rounding.
    #[default]
    SoxrHq,
    /// librosa's `"soxr_vhq"`: soxr's 28-bit recipe, equal to soxr's float64
    /// engine to ~1e-15.
    SoxrVhq,
    /// librosa's `"soxr_mq"`: soxr's 16-bit recipe with medium roll-off.
    SoxrMq,
    /// librosa's `"soxr_lq"`: soxr's 16-bit recipe with the 0.676 pass band.
    SoxrLq,
}

impl ResampleMethod {
    /// The rubato sinc parameters of a preset (`None` for [`ResampleMethod::Fft`]).
    fn sinc_parameters(self) -> Option<SincInterpolationParameters> {
        let (len, window, interpolation, oversampling) = match self {
            ResampleMethod::Fft
            | ResampleMethod::SoxrHq
            | ResampleMethod::SoxrVhq
            | ResampleMethod::SoxrMq
            | ResampleMethod::SoxrLq => return None,
            ResampleMethod::Fast => (
                64,
                WindowFunction::Blackman2,
                SincInterpolationType::Linear,
                SINC_OVERSAMPLING,
            ),
            ResampleMethod::Medium => (
                128,
                WindowFunction::BlackmanHarris2,
                SincInterpolationType::Quadratic,
                SINC_OVERSAMPLING,
            ),
            ResampleMethod::High => (
                256,
                WindowFunction::BlackmanHarris2,
                SincInterpolationType::Cubic,
                SINC_OVERSAMPLING,
            ),
        };
        Some(
            SincInterpolationParameters::new(len, window)
                .oversampling_factor(oversampling)
                .interpolation(interpolation),
        )
    }
}

/// The input chunk rubato's sinc resampler works through at a time.
const SINC_CHUNK: usize = 1024;

/// Sub-sample steps of the sinc table for non-integer rates. rubato places its
/// output one step (`1 / SINC_OVERSAMPLING` input samples) late; at 1024 the
/// error this causes is below -60 dB up to a quarter of the sample rate.
const SINC_OVERSAMPLING: usize = 1024;

/// Whether a rate is a whole number that rubato's synchronous resampler takes.
fn integer_rate(rate: f64) -> bool {
    rate.fract() == 0.0 && rate <= 10_000_000.0
}

/// The largest reduced rate (`rate / gcd(orig, target)`) the synchronous
/// FFT resampler is used for: its FFT sizes are multiples of the reduced
/// rates, so two large coprime rates (199999 → 7 Hz, say) would plan FFTs of
/// millions of points and allocate gigabytes (found by the `dsp_configs`
/// fuzz target). Every common pair reduces far below this (48000 → 44100 is
/// 160 → 147); larger ones use the asynchronous sinc resampler, as
/// non-integer rates do.
const MAX_SYNC_REDUCED_RATE: usize = 1 << 16;

/// Whether both rates are whole numbers whose reduced ratio is small enough
/// for rubato's synchronous resampler ([`MAX_SYNC_REDUCED_RATE`]).
fn synchronous_fits(orig_sr: f64, target_sr: f64) -> bool {
    if !(integer_rate(orig_sr) && integer_rate(target_sr)) {
        return false;
    }
    let (orig, target) = (orig_sr as usize, target_sr as usize);
    let g = gcd(orig, target).max(1);
    orig / g <= MAX_SYNC_REDUCED_RATE && target / g <= MAX_SYNC_REDUCED_RATE
}

/// rubato's synchronous FFT resampler for integer rates, its FFT (and so its
/// anti-aliasing filter) about `filter_len` input samples long. Both FFT
/// sizes are kept even, which keeps its delay a whole number of output
/// samples, so `process_all` trims it exactly.
fn sync_resampler(orig: usize, target: usize, method: ResampleMethod) -> Result<Fft<f64>> {
    let (filter_len, window): (usize, WindowFunction) = match method {
        ResampleMethod::Fast => (256, WindowFunction::Blackman2),
        ResampleMethod::Medium => (1024, WindowFunction::BlackmanHarris),
        _ => (2048, WindowFunction::BlackmanHarris2),
    };
    let g = gcd(orig, target);
    let min_in = orig / g;
    let mut chunks = filter_len.div_ceil(min_in).max(1);
    if !chunks.is_multiple_of(2) && (!min_in.is_multiple_of(2) || !(target / g).is_multiple_of(2)) {
        chunks += 1;
    }
    Fft::<f64>::new_custom(
        orig,
        target,
        chunks * min_in,
        1,
        1,
        window,
        FixedSync::Input,
    )
    .map_err(|_| Error::InvalidParameter {
        name: "target_sr / orig_sr",
        value: (target as f64 / orig as f64).to_string(),
        expected: "a rate pair the FFT resampler accepts",
    })
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

enum Engine {
    /// Equal rates: a copy.
    Identity,
    /// `scipy.signal.resample`, with cached FFT plans.
    Fft(Mutex<RealFftPlanner<f64>>),
    /// A rubato resampler (synchronous FFT for integer rates, exactly
    /// aligned; asynchronous windowed sinc otherwise, aligned to within
    /// `1 / SINC_OVERSAMPLING` input samples), with its reusable buffers.
    Rubato(Mutex<RubatoState>),
    /// soxr's resampler (`ResampleMethod::Soxr*`), planned once, run in
    /// soxr's precision for the recipe.
    Soxr(super::soxr::Soxr),
    /// `High` at a non-integer rate pair: the two-stage engine, planned on
    /// first use in the precision of the signal (`f32` signals in `f32`, as
    /// soxr runs float32 input at `soxr_hq`; `f64` in `f64`).
    TwoStage {
        ratio: f64,
        single: OnceLock<Box<Mutex<TwoStage<f32>>>>,
        double: OnceLock<Box<Mutex<TwoStage<f64>>>>,
    },
}

/// A rubato resampler, reset before each signal, and the buffers reused
/// from call to call (no page faults on the hot path after the first).
struct RubatoState {
    resampler: Box<dyn rubato::Resampler<f64>>,
    alignment: SincAlignment,
    padded: Vec<f64>,
    buffer: Vec<f64>,
}

/// A resampler from `orig_sr` to `target_sr`, planned once and reusable.
///
/// Computes `y_hat = resample(y)` band-limited to `min(orig_sr, target_sr) / 2`,
/// with `len(y_hat) = ceil(len(y) * target_sr / orig_sr)` as
/// `librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, fix=True, scale=False)`.
///
/// Signals are processed in `f64` internally whatever `T` is, but for
/// `High` at a non-integer rate pair, which computes in `T`.
///
/// # Example
/// ```
/// use audio_dsp::resample::{ResampleMethod, Resampler};
///
/// let resampler = Resampler::new(44_100.0, 22_050.0, ResampleMethod::High)?;
/// let tone: Vec<f32> = (0..44_100)
///     .map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 44_100.0).sin())
///     .collect();
/// let half = resampler.process(&tone)?;
/// assert_eq!(half.len(), 22_050);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct Resampler {
    orig_sr: f64,
    target_sr: f64,
    method: ResampleMethod,
    engine: Engine,
}

impl std::fmt::Debug for Resampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resampler")
            .field("orig_sr", &self.orig_sr)
            .field("target_sr", &self.target_sr)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

fn check_rate(name: &'static str, rate: f64) -> Result<()> {
    if rate.is_finite() && rate > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value: rate.to_string(),
            expected: "a finite sample rate > 0",
        })
    }
}

/// The largest rate ratio (either way) accepted. librosa's CQT can downsample
/// by `2^k` for large `k` before its first octave, so this is generous; it
/// only keeps the resampler's FFT sizes and buffers bounded.
pub const MAX_RATIO: f64 = 65_536.0;

impl Resampler {
    /// Plans a resampler from `orig_sr` to `target_sr` Hz.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] when a rate is not finite and positive, or
    /// when `target_sr / orig_sr` lies outside `[1 / MAX_RATIO, MAX_RATIO]`.
    pub fn new(orig_sr: f64, target_sr: f64, method: ResampleMethod) -> Result<Self> {
        check_rate("orig_sr", orig_sr)?;
        check_rate("target_sr", target_sr)?;
        let ratio = target_sr / orig_sr;
        if !(1.0 / MAX_RATIO..=MAX_RATIO).contains(&ratio) {
            return Err(Error::InvalidParameter {
                name: "target_sr / orig_sr",
                value: ratio.to_string(),
                expected: "a rate ratio within [1/65536, 65536]",
            });
        }
        let recipe = match method {
            ResampleMethod::SoxrHq => Some(Recipe::High),
            ResampleMethod::SoxrVhq => Some(Recipe::VeryHigh),
            ResampleMethod::SoxrMq => Some(Recipe::Medium),
            ResampleMethod::SoxrLq => Some(Recipe::Low),
            _ => None,
        };
        let engine = if orig_sr == target_sr {
            Engine::Identity
        } else if let Some(recipe) = recipe {
            Engine::Soxr(super::soxr::Soxr::new(orig_sr / target_sr, recipe))
        } else {
            match method.sinc_parameters() {
                None => Engine::Fft(Mutex::new(RealFftPlanner::new())),
                Some(_) if synchronous_fits(orig_sr, target_sr) => {
                    Engine::Rubato(Mutex::new(RubatoState {
                        resampler: Box::new(sync_resampler(
                            orig_sr as usize,
                            target_sr as usize,
                            method,
                        )?),
                        alignment: SincAlignment { pad: 0, skip: 0 },
                        padded: Vec::new(),
                        buffer: Vec::new(),
                    }))
                }
                Some(_)
                    if method == ResampleMethod::High
                        && two_stage::RATIO_RANGE.contains(&ratio) =>
                {
                    Engine::TwoStage {
                        ratio,
                        single: OnceLock::new(),
                        double: OnceLock::new(),
                    }
                }
                Some(params) => {
                    let sinc = Async::<f64>::new_sinc(
                        ratio,
                        1.0,
                        &params,
                        SINC_CHUNK,
                        1,
                        FixedAsync::Input,
                    )
                    .map_err(|_| Error::InvalidParameter {
                        name: "target_sr / orig_sr",
                        value: ratio.to_string(),
                        expected: "a rate ratio the sinc resampler accepts",
                    })?;
                    Engine::Rubato(Mutex::new(RubatoState {
                        resampler: Box::new(sinc),
                        alignment: SincAlignment::new(params.sinc_len, ratio),
                        padded: Vec::new(),
                        buffer: Vec::new(),
                    }))
                }
            }
        };
        Ok(Self {
            orig_sr,
            target_sr,
            method,
            engine,
        })
    }

    /// The input sample rate in Hz.
    pub fn orig_sr(&self) -> f64 {
        self.orig_sr
    }

    /// The output sample rate in Hz.
    pub fn target_sr(&self) -> f64 {
        self.target_sr
    }

    /// The method this resampler was planned with.
    pub fn method(&self) -> ResampleMethod {
        self.method
    }

    /// The output length for `n` input samples: `ceil(n * target_sr / orig_sr)`,
    /// computed as librosa does (`int(np.ceil(n * (target_sr / orig_sr)))`).
    pub fn output_len(&self, n: usize) -> usize {
        if self.orig_sr == self.target_sr {
            return n;
        }
        let ratio = self.target_sr / self.orig_sr;
        (n as f64 * ratio).ceil() as usize
    }

    /// Resamples `y` into a new vector of [`Resampler::output_len`] samples.
    ///
    /// # Errors
    /// [`Error::NonFinite`] when `y` holds NaN or infinity.
    ///
    /// # Shapes
    /// `y`: `(n,)` → `(ceil(n * target_sr / orig_sr),)`.
    pub fn process<T: Float>(&self, y: &[T]) -> Result<Vec<T>> {
        let mut out = vec![T::zero(); self.output_len(y.len())];
        self.process_into(y, &mut out)?;
        Ok(out)
    }

    /// Resamples `y` into the caller's buffer `out`, which must hold exactly
    /// [`Resampler::output_len`]`(y.len())` samples.
    ///
    /// # Errors
    /// [`Error::BufferLength`] for a wrong `out` length, [`Error::NonFinite`]
    /// when `y` holds NaN or infinity.
    ///
    /// # Panics
    /// Never by design; a poisoned internal lock (a panic in another thread
    /// while it resampled with this plan) is recovered from.
    pub fn process_into<T: Float>(&self, y: &[T], out: &mut [T]) -> Result<()> {
        let n_out = self.output_len(y.len());
        if out.len() != n_out {
            return Err(Error::BufferLength {
                what: "resample output",
                expected: n_out,
                got: out.len(),
            });
        }
        crate::spectral::stft::check_finite("resample input", y)?;
        if n_out == 0 || y.is_empty() {
            out.iter_mut().for_each(|v| *v = T::zero());
            return Ok(());
        }
        let to_f64 = |v: &T| v.to_f64().unwrap_or(0.0);
        match &self.engine {
            Engine::Identity => out.copy_from_slice(y),
            Engine::Fft(planner) => {
                let mut planner = planner.lock().unwrap_or_else(|e| e.into_inner());
                let x: Vec<f64> = y.iter().map(to_f64).collect();
                let result = scipy_resample(&mut planner, &x, n_out);
                for (o, v) in out.iter_mut().zip(result) {
                    *o = T::from(v).unwrap_or_else(T::zero);
                }
            }
            Engine::Rubato(state) => {
                let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
                run_rubato(&mut state, y, out)?;
            }
            Engine::Soxr(soxr) => soxr.process_into(y, out),
            Engine::TwoStage {
                ratio,
                single,
                double,
            } => {
                if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>() {
                    let engine = single.get_or_init(|| Box::new(Mutex::new(TwoStage::new(*ratio))));
                    let mut engine = engine.lock().unwrap_or_else(|e| e.into_inner());
                    engine.process(y, out)?;
                } else {
                    let engine = double.get_or_init(|| Box::new(Mutex::new(TwoStage::new(*ratio))));
                    let mut engine = engine.lock().unwrap_or_else(|e| e.into_inner());
                    engine.process(y, out)?;
                }
            }
        }
        Ok(())
    }
}

impl Resampler {
    /// A stream over this plan: the signal fed block by block, any sizes,
    /// with exactly the samples of [`Resampler::process`] on the whole
    /// signal (to the bit), in memory that does not grow with its length.
    /// Supported for soxr's recipes (`ResampleMethod::Soxr*`, librosa's
    /// default among them) and equal rates.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (`method`) for the other methods: the
    /// FFT method is defined on the whole signal, and the sinc presets
    /// have no streaming form here.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::resample::{ResampleMethod, Resampler};
    ///
    /// let resampler = Resampler::new(44_100.0, 22_050.0, ResampleMethod::SoxrHq)?;
    /// let tone: Vec<f32> = (0..44_100).map(|n| (n as f32 * 0.05).sin()).collect();
    /// let mut stream = resampler.stream()?;
    /// let mut streamed = Vec::new();
    /// for block in tone.chunks(1000) {
    ///     stream.process(block, &mut streamed)?;
    /// }
    /// stream.finish(&mut streamed)?;
    /// assert_eq!(streamed, resampler.process(&tone)?);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn stream(&self) -> Result<ResampleStream> {
        let engine = match &self.engine {
            Engine::Identity => None,
            Engine::Soxr(soxr) => Some(soxr.stream()),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "method",
                    value: format!("{:?}", self.method),
                    expected:
                        "a streaming method: SoxrHq, SoxrVhq, SoxrMq or SoxrLq (or equal rates)",
                })
            }
        };
        Ok(ResampleStream {
            orig_sr: self.orig_sr,
            target_sr: self.target_sr,
            engine,
            received: 0,
            emitted: 0,
        })
    }
}

/// A [`Resampler`] fed block by block (from [`Resampler::stream`]), as
/// rubato's `process_into_buffer`: each call appends the output samples
/// the input so far completes, and [`ResampleStream::finish`] the rest.
/// The outputs are those of [`Resampler::process`] on the whole signal,
/// bit for bit, for any block sizes (`ceil(n * target_sr / orig_sr)`
/// samples in all); the stream holds only the filters' reach of input, so
/// memory does not grow with the signal.
pub struct ResampleStream {
    orig_sr: f64,
    target_sr: f64,
    /// `None` for equal rates (a copy).
    engine: Option<super::soxr::SoxrStream>,
    received: usize,
    emitted: usize,
}

impl std::fmt::Debug for ResampleStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResampleStream")
            .field("orig_sr", &self.orig_sr)
            .field("target_sr", &self.target_sr)
            .field("received", &self.received)
            .field("emitted", &self.emitted)
            .finish_non_exhaustive()
    }
}

impl ResampleStream {
    /// Input samples taken since the start of the signal.
    pub fn received(&self) -> usize {
        self.received
    }

    /// Takes the next `input` samples and appends to `out` the outputs
    /// they complete (a filter's reach behind the input: none at first).
    ///
    /// # Errors
    ///
    /// [`Error::NonFinite`] when `input` holds NaN or infinity (its index
    /// counted from the start of the signal); the stream is unchanged.
    pub fn process<T: Float>(&mut self, input: &[T], out: &mut Vec<T>) -> Result<()> {
        if let Err(Error::NonFinite { what, index }) =
            crate::spectral::stft::check_finite("resample input", input)
        {
            return Err(Error::NonFinite {
                what,
                index: index + self.received,
            });
        }
        let before = out.len();
        match &mut self.engine {
            None => out.extend_from_slice(input),
            Some(soxr) => soxr.push(input, out),
        }
        self.received += input.len();
        self.emitted += out.len() - before;
        Ok(())
    }

    /// Ends the signal: appends the remaining outputs, so that
    /// `ceil(n * target_sr / orig_sr)` samples have come out for `n` in,
    /// then resets the stream for a new signal (the plan is kept).
    ///
    /// # Errors
    ///
    /// None at present; the `Result` leaves room for checks.
    pub fn finish<T: Float>(&mut self, out: &mut Vec<T>) -> Result<()> {
        let total = if self.orig_sr == self.target_sr {
            self.received
        } else {
            (self.received as f64 * (self.target_sr / self.orig_sr)).ceil() as usize
        };
        if let Some(soxr) = &mut self.engine {
            let before = out.len();
            soxr.finish(out);
            self.emitted += out.len() - before;
        }
        // librosa's `fix_length`: zeros after soxr's own length, never
        // more than `total`.
        let extra = self.emitted.saturating_sub(total);
        out.truncate(out.len() - extra.min(out.len()));
        out.resize(out.len() + total.saturating_sub(self.emitted), T::zero());
        self.received = 0;
        self.emitted = 0;
        Ok(())
    }
}

/// `(n,)` → `(ceil(n * target_sr / orig_sr),)`: the resampled signal as an
/// [`ndarray::Array1`], for code generic over [`Transform`]s, and
/// [`Transform::process_multichannel`] for `(channels, n)` arrays. Method
/// calls `resampler.process(..)` and `resampler.process_into(..)` resolve to
/// the inherent, `Vec`- and slice-based [`Resampler::process`] and
/// [`Resampler::process_into`], which give the same samples.
///
/// # Example
///
/// ```
/// use audio_dsp::{ResampleMethod, Resampler, Transform};
/// use ndarray::Array2;
/// let resampler = Resampler::new(44_100.0, 22_050.0, ResampleMethod::Fft)?;
/// let stereo = Array2::<f32>::zeros((2, 44_100));
/// assert_eq!(resampler.process_multichannel(stereo.view())?.dim(), (2, 22_050));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
impl<T: Float> Transform<T> for Resampler {
    type Elem = T;
    type Dim = Ix1;

    /// `(output_len(len),)`, see [`Resampler::output_len`].
    ///
    /// # Errors
    ///
    /// None: every length has an output (empty for an empty signal).
    fn output_shape(&self, len: usize) -> Result<Ix1> {
        Ok(Ix1(self.output_len(len)))
    }

    /// Resamples `signal` into `out`, of shape `(output_len(signal.len()),)`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a wrongly shaped `out`,
    /// [`Error::NonFinite`] when the signal holds NaN or infinity.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut1<T>) -> Result<()> {
        let shape: Ix1 = Transform::<T>::output_shape(self, signal.len())?;
        check_shape("resample output", &shape, &out)?;
        match out.as_slice_mut() {
            Some(dst) => Resampler::process_into(self, signal, dst),
            None => {
                let y = Resampler::process(self, signal)?;
                out.iter_mut().zip(y).for_each(|(o, v)| *o = v);
                Ok(())
            }
        }
    }
}

/// Port of `scipy.signal.resample(x, num)` for real `x` (scipy 1.16):
/// `irfft(rfft(x)[:m//2+1] / (n/num), num)` with the unpaired bin at `m/2`
/// doubled when downsampling and halved when upsampling (`m = min(n, num)`).
fn scipy_resample(planner: &mut RealFftPlanner<f64>, x: &[f64], num: usize) -> Vec<f64> {
    let n = x.len();
    let forward = planner.plan_fft_forward(n);
    let inverse = planner.plan_fft_inverse(num);
    let mut input = x.to_vec();
    let mut spectrum = forward.make_output_vec();
    // Lengths match the plan, so the transform cannot fail.
    let _ = forward.process(&mut input, &mut spectrum);
    let m = n.min(num);
    let m2 = m / 2 + 1;
    let mut y = inverse.make_input_vec();
    let scale = 1.0 / n as f64; // 1 / s_fac, then irfft's 1 / num
    for (dst, src) in y.iter_mut().zip(spectrum.iter().take(m2)) {
        *dst = src * scale;
    }
    if m.is_multiple_of(2) && num != n {
        y[m / 2] *= if num < n { 2.0 } else { 0.5 };
    }
    // irfft ignores the imaginary parts of the DC and (even-length) Nyquist bins.
    y[0].im = 0.0;
    if num.is_multiple_of(2) {
        let last = y.len() - 1;
        y[last] = Complex::new(y[last].re, 0.0);
    }
    let mut out = inverse.make_output_vec();
    let _ = inverse.process(&mut y, &mut out);
    out
}

/// Where rubato's output sits in time, and how to line it up with librosa's
/// convention (output sample `j` at input time `j / ratio`).
///
/// rubato's sinc resampler puts its `k`-th output sample (before it trims its
/// delay) at input time `(k + 1) / ratio - L / 2` for a filter of `L` taps.
/// Prepending `pad` zeros makes that `(k + 1 - (L / 2 + pad) ratio) / ratio`
/// in the original signal's time; `pad` is chosen so that `(L / 2 + pad) ratio`
/// is a whole number of output samples (exact for rates whose ratio reduces
/// to a denominator up to [`MAX_ALIGNMENT_PAD`]), and the output is then read
/// from `skip` on in what `process_all` returns.
#[derive(Debug, Clone, Copy)]
struct SincAlignment {
    /// Zeros prepended to the input.
    pad: usize,
    /// Samples of `process_all`'s output to skip.
    skip: usize,
}

/// The most zeros prepended to align the sinc filter's delay exactly.
const MAX_ALIGNMENT_PAD: usize = 4096;

impl SincAlignment {
    fn new(sinc_len: usize, ratio: f64) -> Self {
        // rubato rounds the filter length up to a multiple of 8.
        let taps = sinc_len.div_ceil(8) * 8;
        let half = (taps / 2) as f64;
        // The delay rubato's process_all trims itself (its output_delay()).
        let trimmed = (taps as f64 * ratio / 2.0) as usize as f64;
        let mut best = (f64::INFINITY, 0usize, 0usize);
        for pad in 0..=MAX_ALIGNMENT_PAD {
            let shift = (half + pad as f64) * ratio;
            let whole = shift.round();
            let skip = whole - 1.0 - trimmed;
            if skip < 0.0 {
                continue;
            }
            let miss = (shift - whole).abs();
            if miss < best.0 {
                best = (miss, pad, skip as usize);
                if miss < 1e-9 {
                    break;
                }
            }
        }
        Self {
            pad: best.1,
            skip: best.2,
        }
    }
}

/// Runs a whole signal through a rubato resampler, aligned as librosa's
/// resamplers are, and fixes the length to `out.len()` (zero-padding or
/// trimming, as librosa's `fix`).
fn run_rubato<T: Float>(state: &mut RubatoState, y: &[T], out: &mut [T]) -> Result<()> {
    let n_out = out.len();
    let len_error = |got: usize| Error::BufferLength {
        what: "resampler buffer",
        expected: n_out,
        got,
    };
    let RubatoState {
        resampler,
        alignment,
        padded,
        buffer,
    } = state;
    // Zeros before (alignment) and after (so the tail is flushed past n_out).
    let tail = (2.0 / resampler.resample_ratio()).ceil() as usize + 8;
    let total = alignment.pad + y.len() + tail;
    padded.clear();
    padded.resize(alignment.pad, 0.0);
    padded.extend(y.iter().map(|v| v.to_f64().unwrap_or(0.0)));
    padded.resize(total, 0.0);
    let input = InterleavedSlice::new(&padded[..], 1, total).map_err(|_| len_error(total))?;
    let needed = resampler.process_all_needed_output_len(total);
    if buffer.len() < needed {
        buffer.resize(needed, 0.0);
    }
    let produced = {
        let mut output = InterleavedSlice::new_mut(&mut buffer[..needed], 1, needed)
            .map_err(|_| len_error(needed))?;
        resampler.reset();
        let (_, produced) = resampler
            .process_all_into_buffer(&input, &mut output, total, None)
            .map_err(|_| len_error(needed))?;
        produced
    };
    let available = produced.saturating_sub(alignment.skip).min(n_out);
    for (o, &v) in out
        .iter_mut()
        .zip(&buffer[alignment.skip..alignment.skip + available])
    {
        *o = T::from(v).unwrap_or_else(T::zero);
    }
    out[available..].iter_mut().for_each(|v| *v = T::zero());
    Ok(())
}

/// Resamples `y` from `orig_sr` to `target_sr` Hz in one call.
///
/// `librosa.resample(y, orig_sr=orig_sr, target_sr=target_sr, res_type=..., fix=True, scale=False)`;
/// plans a [`Resampler`] and runs it once. Plan a [`Resampler`] yourself to
/// resample many signals.
///
/// # Errors
/// As [`Resampler::new`] and [`Resampler::process`].
///
/// # Shapes
/// `(n,)` → `(ceil(n * target_sr / orig_sr),)`.
///
/// # Example
/// ```
/// use audio_dsp::resample::{resample, ResampleMethod};
///
/// let y = vec![0.0_f64; 16_000];
/// let z = resample(&y, 16_000.0, 44_100.0, ResampleMethod::Fft)?;
/// assert_eq!(z.len(), 44_100);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn resample<T: Float>(
    y: &[T],
    orig_sr: f64,
    target_sr: f64,
    method: ResampleMethod,
) -> Result<Vec<T>> {
    Resampler::new(orig_sr, target_sr, method)?.process(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(freq: f64, sr: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / sr).sin())
            .collect()
    }

    #[test]
    fn lengths_follow_librosa_fix() {
        let r = Resampler::new(22_050.0, 16_000.0, ResampleMethod::High).unwrap();
        assert_eq!(r.output_len(22_050), 16_000);
        assert_eq!(
            r.output_len(1001),
            (1001.0_f64 * (16_000.0 / 22_050.0)).ceil() as usize
        );
        let y = tone(440.0, 22_050.0, 1001);
        assert_eq!(r.process(&y).unwrap().len(), r.output_len(1001));
    }

    #[test]
    fn every_method_keeps_a_passband_tone() {
        for method in [
            ResampleMethod::Fft,
            ResampleMethod::Fast,
            ResampleMethod::Medium,
            ResampleMethod::High,
        ] {
            let y = tone(1000.0, 44_100.0, 44_100);
            let z = resample(&y, 44_100.0, 22_050.0, method).unwrap();
            let want = tone(1000.0, 22_050.0, 22_050);
            // Skip the edges, where the sinc filters see zero padding.
            let err = z[2000..20_000]
                .iter()
                .zip(&want[2000..20_000])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 1e-3, "{method:?}: max error {err}");
        }
    }

    #[test]
    fn non_integer_rates_are_aligned() {
        // The asynchronous sinc path: a tone lands where it should, to within
        // rubato's 1/1024-sample table offset.
        for method in [ResampleMethod::Fast, ResampleMethod::High] {
            let (a, b) = (44_100.0, 22_050.5);
            let y = tone(440.0, a, 44_100);
            let z = resample(&y, a, b, method).unwrap();
            let want = tone(440.0, b, z.len());
            let err = z[2000..20_000]
                .iter()
                .zip(&want[2000..20_000])
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(err < 2e-4, "{method:?}: max error {err}");
        }
    }

    #[test]
    fn f32_and_f64_agree() {
        let y = tone(1234.5, 22_050.0, 5000);
        let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        let r = Resampler::new(22_050.0, 16_000.0, ResampleMethod::High).unwrap();
        let z = r.process(&y).unwrap();
        let z32 = r.process(&y32).unwrap();
        let err = z
            .iter()
            .zip(&z32)
            .map(|(a, &b)| (a - f64::from(b)).abs())
            .fold(0.0, f64::max);
        assert!(err < 1e-6, "max error {err}");
        let mut wrong = vec![0.0_f64; 3];
        assert!(matches!(
            r.process_into(&y, &mut wrong),
            Err(Error::BufferLength { .. })
        ));
    }

    #[test]
    fn bad_rates_are_typed_errors() {
        for (a, b) in [
            (0.0, 1.0),
            (-1.0, 1.0),
            (f64::NAN, 1.0),
            (1.0, f64::INFINITY),
        ] {
            assert!(matches!(
                Resampler::new(a, b, ResampleMethod::High),
                Err(Error::InvalidParameter { .. })
            ));
        }
        assert!(Resampler::new(1.0, 100_000.0, ResampleMethod::High).is_err());
        // Large integer ratios (librosa's early CQT downsampling) are fine.
        let y = tone(10.0, 1024.0, 4096);
        let z = resample(&y, 1024.0, 1.0, ResampleMethod::High).unwrap();
        assert_eq!(z.len(), 4);
    }
}
