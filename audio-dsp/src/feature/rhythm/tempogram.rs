//! The local autocorrelation tempogram, as `librosa.feature.tempogram`.

use std::sync::Arc;

use ndarray::{Array2, ShapeBuilder};
use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::feature::chroma::normalize_columns;
use crate::util::frame::check_positive;
use crate::{get_window, Error, Float, Result, WindowKind};

/// Parameters of [`Tempogram`], with `librosa.feature.tempogram`'s names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TempogramConfig {
    /// Length of the onset autocorrelation window, in onset frames. Default 384
    /// (about 8.9 s at 22050 Hz and hop 512).
    pub win_length: usize,
    /// Centre each window on its frame: the envelope is padded by
    /// `win_length / 2` on both sides with a linear ramp to zero, and the
    /// tempogram has one column per envelope frame. Default `true`.
    pub center: bool,
    /// The window applied before the autocorrelation (periodic). Default Hann.
    pub window: WindowKind,
    /// Normalisation of each column: `Some(p)` divides by its `L_p` norm
    /// (`f64::INFINITY`: by its maximum), `None` leaves it. Default `Some(inf)`.
    pub norm: Option<f64>,
}

impl Default for TempogramConfig {
    fn default() -> Self {
        Self {
            win_length: 384,
            center: true,
            window: WindowKind::Hann,
            norm: Some(f64::INFINITY),
        }
    }
}

/// A planned autocorrelation tempogram (`librosa.feature.tempogram`):
///
/// `T[k, t] = Σ_m x_t[m] x_t[m + k]`, `x_t[m] = w[m] o[t + m - W/2]`,
///
/// the autocorrelation at lag `k` (in onset frames) of the windowed onset
/// envelope `o` around frame `t`, each column then normalised. The envelope
/// is padded (when centred) with a linear ramp from zero to its first and last
/// values. The autocorrelations are computed by FFT (`|FFT(x)|²`, zero-padded
/// to the next 5-smooth length ≥ `2W - 1`, as librosa), planned once.
///
/// Reference: Grosche, Müller & Kurth, "Cyclic tempogram — a mid-level tempo
/// representation for music signals", ICASSP 2010; librosa 0.11.
///
/// # Shapes
///
/// An envelope of `n` frames gives `(win_length, n)` centred, or
/// `(win_length, n - win_length + 1)` otherwise. Row `k` is lag `k`; its
/// tempo is [`super::tempo_frequencies`]`[k]`.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::rhythm::{Tempogram, TempogramConfig};
/// // A pulse every 20 frames: the autocorrelation peaks at lag 20.
/// let env: Vec<f32> = (0..1000).map(|t| if t % 20 == 0 { 1.0 } else { 0.0 }).collect();
/// let tg = Tempogram::new(TempogramConfig::default())?.process(&env)?;
/// assert_eq!(tg.dim(), (384, 1000));
/// let col = tg.column(500);
/// assert!((col[20] - 1.0).abs() < 0.1 && col[10] < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Clone)]
pub struct Tempogram {
    config: TempogramConfig,
    window: Vec<f64>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl std::fmt::Debug for Tempogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tempogram")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Tempogram {
    /// Validates the configuration and plans the window and the FFTs.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `win_length = 0` or a norm order that is
    /// not positive.
    pub fn new(config: TempogramConfig) -> Result<Self> {
        check_positive("win_length", config.win_length)?;
        if let Some(p) = config.norm {
            if p.is_nan() || p <= 0.0 {
                return Err(crate::error::invalid(
                    "norm",
                    p,
                    "a positive order, inf or none",
                ));
            }
        }
        let window = get_window::<f64>(config.window, config.win_length, true)?;
        let mut planner = RealFftPlanner::<f64>::new();
        let n_pad = next_fast_len(2 * config.win_length - 1);
        Ok(Self {
            forward: planner.plan_fft_forward(n_pad),
            inverse: planner.plan_fft_inverse(n_pad),
            config,
            window,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TempogramConfig {
        &self.config
    }

    /// The tempogram of an onset envelope, as float64 (librosa's dtype).
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty envelope, or one shorter than
    /// `win_length` when not centred; [`Error::NonFinite`] for NaN or infinite values.
    pub fn process<T: Float>(&self, onset_envelope: &[T]) -> Result<Array2<f64>> {
        let (padded, frames) = self.prepare(onset_envelope)?;
        self.frames_of(&padded, 0..frames)
    }

    /// [`Tempogram::process`] in blocks of at most `block_frames` frames,
    /// each handed to `sink` in order, so that the tempogram (`win_length`
    /// float64 a frame) is never held whole. The blocks joined are
    /// `process`'s result to the bit.
    ///
    /// # Errors
    ///
    /// As [`Tempogram::process`]; [`Error::InvalidParameter`] for
    /// `block_frames = 0`; and `sink`'s errors (of any type an [`Error`]
    /// converts into, so that a caller's writer can fail with its own).
    ///
    /// # Shapes
    ///
    /// Each block is `(win_length, frames_in_block)`.
    pub fn process_blocks<T: Float, E: From<Error>>(
        &self,
        onset_envelope: &[T],
        block_frames: usize,
        mut sink: impl FnMut(Array2<f64>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        check_positive("block_frames", block_frames)?;
        let (padded, frames) = self.prepare(onset_envelope)?;
        for start in (0..frames).step_by(block_frames) {
            sink(self.frames_of(&padded, start..(start + block_frames).min(frames))?)?;
        }
        Ok(())
    }

    /// The envelope as float64, padded when centred, and the number of
    /// tempogram frames, after the checks of [`Tempogram::process`].
    fn prepare<T: Float>(&self, onset_envelope: &[T]) -> Result<(Vec<f64>, usize)> {
        let win = self.config.win_length;
        let env = super::envelope_f64("tempogram onset envelope", onset_envelope)?;
        let n = env.len();
        let padded = if self.config.center {
            linear_ramp_pad(&env, win / 2)
        } else {
            env
        };
        if padded.len() < win {
            return Err(Error::InputTooShort {
                what: "tempogram (win_length without center)",
                expected: win,
                got: n,
            });
        }
        let frames = padded.len() - win + 1;
        let frames = if self.config.center {
            frames.min(n)
        } else {
            frames
        };
        Ok((padded, frames))
    }

    /// Frames `range` of the tempogram of a [`Tempogram::prepare`]d
    /// envelope (each frame is computed and normalised on its own, so any
    /// split of the frames gives the same columns).
    fn frames_of(&self, padded: &[f64], range: std::ops::Range<usize>) -> Result<Array2<f64>> {
        let win = self.config.win_length;
        let n_pad = self.forward.len();
        // Column-major, so that each frame's lags are written contiguously.
        let mut out = Array2::<f64>::zeros((win, range.len()).f());
        let mut time = vec![0.0f64; n_pad];
        let mut spec = self.forward.make_output_vec();
        let mut scratch_f = self.forward.make_scratch_vec();
        let mut scratch_i = self.inverse.make_scratch_vec();
        let scale = 1.0 / n_pad as f64;
        for (column, t) in range.enumerate() {
            let frame = padded.get(t..t + win).ok_or(Error::InputTooShort {
                what: "tempogram frame",
                expected: t + win,
                got: padded.len(),
            })?;
            for ((dst, &o), &w) in time.iter_mut().zip(frame).zip(&self.window) {
                *dst = o * w;
            }
            time[win..].fill(0.0);
            self.forward
                .process_with_scratch(&mut time, &mut spec, &mut scratch_f)
                .map_err(|_| fft_length_error(n_pad))?;
            for c in spec.iter_mut() {
                *c = Complex::new(c.norm_sqr(), 0.0);
            }
            self.inverse
                .process_with_scratch(&mut spec, &mut time, &mut scratch_i)
                .map_err(|_| fft_length_error(n_pad))?;
            for (o, &v) in out.column_mut(column).iter_mut().zip(&time[..win]) {
                *o = v * scale;
            }
        }
        normalize_columns(out.view_mut(), self.config.norm, f64::MIN_POSITIVE);
        Ok(out)
    }
}

/// The smallest `2^a 3^b 5^c >= n` (`scipy.fft.next_fast_len`, as librosa's
/// autocorrelation pads): a length whose FFT has only small factors.
fn next_fast_len(n: usize) -> usize {
    let mut best = n.next_power_of_two();
    let mut p5 = 1;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            let mut p = p35;
            while p < n {
                p *= 2;
            }
            best = best.min(p);
            p35 *= 3;
        }
        p5 *= 5;
    }
    best
}

/// The FFT buffers are sized by the plan; a length error is a bug, reported
/// rather than panicking.
fn fft_length_error(n: usize) -> Error {
    Error::BufferLength {
        what: "tempogram FFT buffer",
        expected: n,
        got: 0,
    }
}

/// `np.pad(x, p, mode="linear_ramp", end_values=0)`: `p` values rising
/// linearly from zero to (excluding) `x[0]` before, and falling from
/// (excluding) `x[-1]` to zero after.
pub(crate) fn linear_ramp_pad(x: &[f64], p: usize) -> Vec<f64> {
    let first = x.first().copied().unwrap_or(0.0);
    let last = x.last().copied().unwrap_or(0.0);
    let pf = p as f64;
    let mut out = Vec::with_capacity(x.len() + 2 * p);
    out.extend((0..p).map(|j| first * (j as f64 / pf)));
    out.extend_from_slice(x);
    out.extend((0..p).map(|j| last * ((p - 1 - j) as f64 / pf)));
    out
}

/// `librosa.feature.tempogram(onset_envelope=..., win_length=..., center=...,
/// window=..., norm=...)`: plans a [`Tempogram`] and runs it once.
///
/// # Errors
///
/// As [`Tempogram::new`] and [`Tempogram::process`].
pub fn tempogram<T: Float>(onset_envelope: &[T], config: &TempogramConfig) -> Result<Array2<f64>> {
    Tempogram::new(config.clone())?.process(onset_envelope)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn matches_direct_autocorrelation() {
        let env: Vec<f64> = (0..50).map(|t| ((t * 7 % 11) as f64).sin().abs()).collect();
        let config = TempogramConfig {
            win_length: 16,
            norm: None,
            ..TempogramConfig::default()
        };
        let tg = tempogram(&env, &config).unwrap();
        let w = get_window::<f64>(WindowKind::Hann, 16, true).unwrap();
        let padded = linear_ramp_pad(&env, 8);
        for t in [0usize, 7, 30, 49] {
            let x: Vec<f64> = (0..16).map(|m| padded[t + m] * w[m]).collect();
            for k in 0..16 {
                let direct: f64 = (0..16 - k).map(|m| x[m] * x[m + k]).sum();
                assert!((tg[[k, t]] - direct).abs() < 1e-12, "{t} {k}");
            }
        }
    }

    #[test]
    fn fast_lengths_are_five_smooth() {
        assert_eq!(next_fast_len(687), 720);
        assert_eq!(next_fast_len(767), 768);
        assert_eq!(next_fast_len(1), 1);
        assert_eq!(next_fast_len(7), 8);
        assert_eq!(next_fast_len(121), 125);
    }

    #[test]
    fn ramp_pads_like_numpy() {
        assert_eq!(
            linear_ramp_pad(&[4.0, 1.0, 2.0], 2),
            vec![0.0, 2.0, 4.0, 1.0, 2.0, 1.0, 0.0]
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let bad = TempogramConfig {
            win_length: 0,
            ..TempogramConfig::default()
        };
        assert!(matches!(
            Tempogram::new(bad),
            Err(Error::InvalidParameter { .. })
        ));
        let short = TempogramConfig {
            center: false,
            ..TempogramConfig::default()
        };
        assert!(matches!(
            tempogram(&[0.0f32; 100], &short),
            Err(Error::InputTooShort { .. })
        ));
        assert!(matches!(
            tempogram(&[f32::NAN], &TempogramConfig::default()),
            Err(Error::NonFinite { .. })
        ));
    }
}
