//! YIN fundamental frequency estimation, as `librosa.yin`.

use std::sync::Arc;

use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::error::invalid;
use crate::pitch::tuning::parabolic_shift;
use crate::{pad, Error, Float, PadMode, Result};

/// Parameters of [`Yin`], with librosa's names and defaults (`fmin` and `fmax`
/// have no default in librosa; these are `C2` and `C7`, the values its
/// documentation recommends).
#[derive(Debug, Clone, PartialEq)]
pub struct YinConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// Lowest frequency in Hz (> 0). Default 65.406 (C2).
    pub fmin: f64,
    /// Highest frequency in Hz (`fmin < fmax <= sr / 2`). Default 2093.005 (C7).
    pub fmax: f64,
    /// Frame length in samples; `sr / fmin < frame_length - 1`. Default 2048.
    pub frame_length: usize,
    /// Hop in samples; `None` means `frame_length / 4`.
    pub hop_length: Option<usize>,
    /// Absolute threshold on the normalised difference. Default 0.1.
    pub trough_threshold: f64,
    /// Pad `frame_length / 2` on both sides so frame `t` is centred on sample
    /// `t * hop`. Default true.
    pub center: bool,
    /// How `center` pads. Default constant zeros.
    pub pad_mode: PadMode,
}

/// `librosa.note_to_hz("C2")`.
pub(crate) const C2_HZ: f64 = 65.40639132514966;
/// `librosa.note_to_hz("C7")`.
pub(crate) const C7_HZ: f64 = 2093.004522404789;

impl Default for YinConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            fmin: C2_HZ,
            fmax: C7_HZ,
            frame_length: 2048,
            hop_length: None,
            trough_threshold: 0.1,
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

/// Smallest `2^a 3^b 5^c >= n` (`scipy.fft.next_fast_len(n, real=True)`).
fn next_fast_len(n: usize) -> usize {
    let mut m = n.max(1);
    loop {
        let mut r = m;
        for p in [2, 3, 5] {
            while r.is_multiple_of(p) {
                r /= p;
            }
        }
        if r == 1 {
            return m;
        }
        m += 1;
    }
}

/// The framing and cumulative mean normalised difference shared by YIN and pYIN.
#[derive(Clone)]
pub(crate) struct DifferenceFunction {
    pub sr: f64,
    pub frame_length: usize,
    pub hop_length: usize,
    pub center: bool,
    pub pad_mode: PadMode,
    pub min_period: usize,
    pub max_period: usize,
    n_pad: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for DifferenceFunction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DifferenceFunction")
            .field("frame_length", &self.frame_length)
            .field("hop_length", &self.hop_length)
            .field("min_period", &self.min_period)
            .field("max_period", &self.max_period)
            .finish()
    }
}

/// Scratch buffers for one pass over a signal (allocated once per call).
pub(crate) struct DifferenceScratch {
    time: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    fwd_scratch: Vec<Complex<f64>>,
    inv_scratch: Vec<Complex<f64>>,
    diff: Vec<f64>,
    pub cmnd: Vec<f64>,
}

impl DifferenceFunction {
    /// Validates as librosa's `__check_yin_params` and plans the FFTs.
    pub fn new(
        sr: f64,
        fmin: f64,
        fmax: f64,
        frame_length: usize,
        hop_length: Option<usize>,
        center: bool,
        pad_mode: PadMode,
    ) -> Result<Self> {
        if !(sr > 0.0 && sr.is_finite()) {
            return Err(invalid("sr", sr, "a positive sample rate"));
        }
        if !(fmin > 0.0 && fmin.is_finite()) {
            return Err(invalid("fmin", fmin, "a strictly positive fmin"));
        }
        if fmax.is_nan() || fmax > sr / 2.0 {
            return Err(invalid("fmax", fmax, "fmax <= sr / 2 (Nyquist)"));
        }
        if fmin >= fmax {
            return Err(invalid("fmin", fmin, "fmin < fmax"));
        }
        if frame_length < 3 || sr / fmin >= (frame_length - 1) as f64 {
            return Err(invalid(
                "frame_length",
                frame_length,
                "frame_length - 1 > sr / fmin (one period of fmin must fit in a frame)",
            ));
        }
        let hop_length = hop_length.unwrap_or(frame_length / 4);
        if hop_length == 0 {
            return Err(invalid("hop_length", 0, "a positive hop length"));
        }
        let min_period = (sr / fmax).floor() as usize;
        let max_period = ((sr / fmin).ceil() as usize).min(frame_length - 1);
        if min_period == 0 || min_period >= max_period {
            return Err(invalid("fmax", fmax, "a period range of at least two lags"));
        }
        let n_pad = next_fast_len(2 * frame_length - 1);
        let mut planner = RealFftPlanner::<f64>::new();
        Ok(Self {
            sr,
            frame_length,
            hop_length,
            center,
            pad_mode,
            min_period,
            max_period,
            n_pad,
            forward: planner.plan_fft_forward(n_pad),
            inverse: planner.plan_fft_inverse(n_pad),
        })
    }

    /// Number of lags of the normalised difference: `max_period - min_period + 1`.
    pub fn n_lags(&self) -> usize {
        self.max_period - self.min_period + 1
    }

    pub fn scratch(&self) -> DifferenceScratch {
        DifferenceScratch {
            time: self.forward.make_input_vec(),
            spectrum: self.forward.make_output_vec(),
            fwd_scratch: self.forward.make_scratch_vec(),
            inv_scratch: self.inverse.make_scratch_vec(),
            diff: vec![0.0; self.max_period + 1],
            cmnd: vec![0.0; self.n_lags()],
        }
    }

    /// The signal as `f64`, padded when centred, after librosa's checks.
    pub fn prepare<T: Float>(&self, signal: &[T]) -> Result<(Vec<f64>, usize)> {
        if let Some(index) = signal.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: "pitch input",
                index,
            });
        }
        let y: Vec<f64> = signal.iter().map(|v| v.to_f64().unwrap_or(0.0)).collect();
        let y = if self.center {
            let h = self.frame_length / 2;
            pad(&y, h, h, self.pad_mode)?
        } else {
            y
        };
        if y.len() < self.frame_length {
            return Err(Error::InputTooShort {
                what: "yin/pyin framing",
                expected: self.frame_length,
                got: signal.len(),
            });
        }
        let frames = 1 + (y.len() - self.frame_length) / self.hop_length;
        Ok((y, frames))
    }

    /// `cmnd[k - min_period] = d(k) / (sum_{m=1}^{k} d(m) / k + tiny)` for
    /// `k = min_period..=max_period`, with librosa's difference
    /// `d(k) = 2 (r(0) - r(k)) - sum_{m<k} x[m]^2` and `r` the autocorrelation by FFT.
    pub fn frame(&self, frame: &[f64], s: &mut DifferenceScratch) -> Result<()> {
        let n = self.frame_length;
        s.time[..n].copy_from_slice(frame);
        s.time[n..].iter_mut().for_each(|v| *v = 0.0);
        self.forward
            .process_with_scratch(&mut s.time, &mut s.spectrum, &mut s.fwd_scratch)
            .map_err(|_| Error::BufferLength {
                what: "yin fft buffers",
                expected: self.n_pad,
                got: self.n_pad,
            })?;
        for z in s.spectrum.iter_mut() {
            *z = Complex::new(z.re * z.re + z.im * z.im, 0.0);
        }
        self.inverse
            .process_with_scratch(&mut s.spectrum, &mut s.time, &mut s.inv_scratch)
            .map_err(|_| Error::BufferLength {
                what: "yin inverse fft buffers",
                expected: self.n_pad,
                got: self.n_pad,
            })?;
        let scale = 1.0 / self.n_pad as f64;
        let r0 = s.time[0] * scale;
        let mut energy = 0.0;
        s.diff[0] = 0.0;
        for k in 1..=self.max_period {
            energy += frame[k - 1] * frame[k - 1];
            s.diff[k] = 2.0 * (r0 - s.time[k] * scale) - energy;
        }
        let mut cumsum = 0.0;
        for k in 1..=self.max_period {
            cumsum += s.diff[k];
            if k >= self.min_period {
                let denom = cumsum / k as f64;
                s.cmnd[k - self.min_period] = s.diff[k] / (denom + f64::MIN_POSITIVE);
            }
        }
        Ok(())
    }
}

/// Parabolic vertex offsets of the normalised difference (0 at both ends).
pub(crate) fn parabolic_shifts(x: &[f64], out: &mut [f64]) {
    let n = x.len();
    out[0] = 0.0;
    out[n - 1] = 0.0;
    for i in 1..n - 1 {
        out[i] = parabolic_shift(x[i - 1], x[i], x[i + 1]);
    }
}

/// Local minima as librosa's yin/pyin take them: `x[i] < x[i-1] && x[i] <= x[i+1]`
/// inside, `x[0] < x[1]` at the start, `x[n-1] < x[n-2]` at the end.
#[inline]
pub(crate) fn is_trough(x: &[f64], i: usize) -> bool {
    let n = x.len();
    if i == 0 {
        x[0] < x[1]
    } else if i == n - 1 {
        x[i] < x[i - 1]
    } else {
        x[i] < x[i - 1] && x[i] <= x[i + 1]
    }
}

/// A planned YIN pitch tracker (`librosa.yin`).
///
/// Per frame, the cumulative mean normalised difference
/// `d'(k) = d(k) / ((1/k) sum_{m=1}^{k} d(m))` is computed for periods
/// `k = floor(sr / fmax) ..= min(ceil(sr / fmin), frame_length - 1)` from an
/// FFT autocorrelation; the period is the first local minimum below
/// `trough_threshold` (the global minimum if there is none), refined by
/// parabolic interpolation, and `f0 = sr / period`.
///
/// Reference: de Cheveigné & Kawahara, "YIN, a fundamental frequency estimator
/// for speech and music", JASA 111(4), 2002.
///
/// All arithmetic is in `f64` whatever the input type.
///
/// # Example
///
/// ```
/// use audio_dsp::{Yin, YinConfig};
/// let yin = Yin::new(YinConfig::default())?;
/// let y: Vec<f32> = (0..22050).map(|n| (2.0 * std::f32::consts::PI * 220.0 * n as f32 / 22050.0).sin()).collect();
/// let f0 = yin.process(&y)?;
/// assert!((f0[20] - 220.0).abs() < 0.5);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Yin {
    config: YinConfig,
    diff: DifferenceFunction,
}

impl Yin {
    /// Validates the parameters and plans the FFTs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr <= 0`, `fmin <= 0`, `fmax > sr / 2`,
    /// `fmin >= fmax`, `sr / fmin >= frame_length - 1` (librosa's checks) or
    /// `hop_length = 0`.
    pub fn new(config: YinConfig) -> Result<Self> {
        let diff = DifferenceFunction::new(
            config.sr,
            config.fmin,
            config.fmax,
            config.frame_length,
            config.hop_length,
            config.center,
            config.pad_mode,
        )?;
        if !config.trough_threshold.is_finite() {
            return Err(invalid(
                "trough_threshold",
                config.trough_threshold,
                "a finite threshold",
            ));
        }
        Ok(Self { config, diff })
    }

    /// The configuration.
    pub fn config(&self) -> &YinConfig {
        &self.config
    }

    /// The hop length in samples.
    pub fn hop_length(&self) -> usize {
        self.diff.hop_length
    }

    /// Number of frames for a signal of `len` samples.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when no frame fits.
    pub fn n_frames(&self, len: usize) -> Result<usize> {
        let padded = if self.diff.center {
            len + 2 * (self.diff.frame_length / 2)
        } else {
            len
        };
        if padded < self.diff.frame_length {
            return Err(Error::InputTooShort {
                what: "yin/pyin framing",
                expected: self.diff.frame_length,
                got: len,
            });
        }
        Ok(1 + (padded - self.diff.frame_length) / self.diff.hop_length)
    }

    /// The f0 track of a signal in Hz.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when no frame fits; [`Error::NonFinite`] for
    /// NaN or infinite samples.
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(frames,)`.
    pub fn process<T: Float>(&self, signal: &[T]) -> Result<Vec<f64>> {
        let mut out = vec![0.0; self.n_frames(signal.len())?];
        self.process_into(signal, &mut out)?;
        Ok(out)
    }

    /// [`Yin::process`] into a caller buffer of [`Yin::n_frames`] values.
    ///
    /// # Errors
    ///
    /// As [`Yin::process`]; [`Error::BufferLength`] for a wrong `out` length.
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `out: (frames,)`.
    pub fn process_into<T: Float>(&self, signal: &[T], out: &mut [f64]) -> Result<()> {
        let (y, frames) = self.diff.prepare(signal)?;
        if out.len() != frames {
            return Err(Error::BufferLength {
                what: "yin output",
                expected: frames,
                got: out.len(),
            });
        }
        let mut s = self.diff.scratch();
        let mut shifts = vec![0.0; self.diff.n_lags()];
        let (fl, hop) = (self.diff.frame_length, self.diff.hop_length);
        for (t, f0) in out.iter_mut().enumerate() {
            self.diff.frame(&y[t * hop..t * hop + fl], &mut s)?;
            let x = &s.cmnd;
            parabolic_shifts(x, &mut shifts);
            let below =
                (0..x.len()).find(|&i| is_trough(x, i) && x[i] < self.config.trough_threshold);
            let idx = below.unwrap_or_else(|| {
                x.iter()
                    .enumerate()
                    .fold(
                        (0, f64::INFINITY),
                        |(bi, bv), (i, &v)| if v < bv { (i, v) } else { (bi, bv) },
                    )
                    .0
            });
            let period = self.diff.min_period as f64 + idx as f64 + shifts[idx];
            *f0 = self.diff.sr / period;
        }
        Ok(())
    }
}

/// One-shot [`Yin`]: `librosa.yin(signal, **config)`.
///
/// # Errors
///
/// As [`Yin::new`] and [`Yin::process`].
///
/// # Shapes
///
/// `(samples,)` → `(frames,)`.
///
/// # Example
///
/// ```
/// let y: Vec<f64> = (0..8192).map(|n| (2.0 * std::f64::consts::PI * 330.0 * n as f64 / 22050.0).sin()).collect();
/// let f0 = audio_dsp::yin(&y, audio_dsp::YinConfig::default())?;
/// assert!((f0[8] - 330.0).abs() < 1.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn yin<T: Float>(signal: &[T], config: YinConfig) -> Result<Vec<f64>> {
    Yin::new(config)?.process(signal)
}
