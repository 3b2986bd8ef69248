//! The short-time Fourier transform, as `librosa.stft`.

use std::sync::Arc;

use ndarray::{ArrayViewMut2, Ix2};
use num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::transform::check_shape;
use crate::{get_window, pad_center, Error, Float, PadMode, Result, Transform, WindowKind};

/// Parameters of an STFT, with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct StftConfig {
    /// FFT size; the transform has `1 + n_fft / 2` bins. Default 2048.
    pub n_fft: usize,
    /// Samples between frames; `None` means `win_length / 4` (librosa's default).
    pub hop_length: Option<usize>,
    /// Window length, zero-padded (centred) to `n_fft`; `None` means `n_fft`.
    pub win_length: Option<usize>,
    /// Window shape (periodic, as `get_window(window, win_length, fftbins=True)`).
    pub window: WindowKind,
    /// Pad `n_fft / 2` on both sides so frame `t` is centred at `t * hop_length`.
    pub center: bool,
    /// How `center` pads: constant zeros by default, as librosa 0.10+.
    pub pad_mode: PadMode,
}

impl Default for StftConfig {
    fn default() -> Self {
        Self {
            n_fft: 2048,
            hop_length: None,
            win_length: None,
            window: WindowKind::Hann,
            center: true,
            pad_mode: PadMode::Constant,
        }
    }
}

/// The resolved frame geometry of a config: every field set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FrameGeometry {
    pub n_fft: usize,
    pub hop_length: usize,
    pub win_length: usize,
}

impl StftConfig {
    /// Resolves the defaults and validates, as librosa does.
    pub(crate) fn geometry(&self) -> Result<FrameGeometry> {
        resolve_geometry(self.n_fft, self.hop_length, self.win_length)
    }
}

pub(crate) fn resolve_geometry(
    n_fft: usize,
    hop_length: Option<usize>,
    win_length: Option<usize>,
) -> Result<FrameGeometry> {
    if n_fft == 0 {
        return Err(Error::InvalidParameter {
            name: "n_fft",
            value: "0".into(),
            expected: "a positive FFT size",
        });
    }
    let win_length = win_length.unwrap_or(n_fft);
    if win_length == 0 || win_length > n_fft {
        return Err(Error::InvalidParameter {
            name: "win_length",
            value: win_length.to_string(),
            expected: "0 < win_length <= n_fft",
        });
    }
    let hop_length = hop_length.unwrap_or(win_length / 4);
    if hop_length == 0 {
        return Err(Error::InvalidParameter {
            name: "hop_length",
            value: "0".into(),
            expected: "a positive hop length (win_length / 4 is 0 for win_length < 4: give one)",
        });
    }
    Ok(FrameGeometry {
        n_fft,
        hop_length,
        win_length,
    })
}

/// Checks that every sample is finite, as `librosa.util.valid_audio`.
pub(crate) fn check_finite<T: Float>(what: &'static str, x: &[T]) -> Result<()> {
    // Branch-free over blocks (it vectorises), the index looked for only
    // in a block that holds a bad value.
    for (b, block) in x.chunks(1024).enumerate() {
        if !block.iter().fold(true, |ok, v| ok & v.is_finite()) {
            let at = block.iter().position(|v| !v.is_finite()).unwrap_or(0);
            return Err(Error::NonFinite {
                what,
                index: b * 1024 + at,
            });
        }
    }
    Ok(())
}

/// A planned STFT: `X[k, t] = sum_n w[n] x[t * hop + n - pad] e^{-2 pi i k n / n_fft}`
/// (`pad = n_fft / 2` when centred, else 0), as `librosa.stft`.
///
/// Construction validates the config and caches the FFT plan and the window,
/// so one `Stft` serves any number of signals ("plan once, run many").
///
/// # Example
///
/// ```
/// use audio_dsp::{Stft, StftConfig, Transform};
/// let stft = Stft::<f32>::new(StftConfig { n_fft: 512, ..StftConfig::default() })?;
/// let signal: Vec<f32> = (0..4096).map(|n| (n as f32 * 0.05).sin()).collect();
/// let spec = stft.process(&signal)?;
/// assert_eq!(spec.dim(), (257, 1 + 4096 / 128));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Clone)]
pub struct Stft<T: Float> {
    config: StftConfig,
    geometry: FrameGeometry,
    window: Vec<T>,
    plan: Arc<dyn RealToComplex<T>>,
}

impl<T: Float> std::fmt::Debug for Stft<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> Stft<T> {
    /// Validates `config`, plans the FFT and builds the padded window.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `n_fft = 0`, `hop_length = 0` or
    /// `win_length` outside `1..=n_fft`.
    pub fn new(config: StftConfig) -> Result<Self> {
        let geometry = config.geometry()?;
        let window = pad_center(
            &get_window::<T>(config.window, geometry.win_length, true)?,
            geometry.n_fft,
        )?;
        let plan = RealFftPlanner::<T>::new().plan_fft_forward(geometry.n_fft);
        Ok(Self {
            config,
            geometry,
            window,
            plan,
        })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &StftConfig {
        &self.config
    }

    /// The FFT size.
    pub fn n_fft(&self) -> usize {
        self.geometry.n_fft
    }

    /// The hop length (resolved default).
    pub fn hop_length(&self) -> usize {
        self.geometry.hop_length
    }

    /// The number of frequency bins, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        self.geometry.n_fft / 2 + 1
    }

    /// The analysis window, zero-padded to `n_fft`.
    pub fn window(&self) -> &[T] {
        &self.window
    }

    /// The number of frames for a signal of `len` samples (see
    /// [`Transform::output_shape`]).
    fn frames(&self, len: usize) -> Result<usize> {
        let FrameGeometry {
            n_fft, hop_length, ..
        } = self.geometry;
        let padded = if self.config.center {
            len + 2 * (n_fft / 2)
        } else {
            len
        };
        if len == 0 || padded < n_fft {
            return Err(Error::InputTooShort {
                what: "stft",
                expected: if self.config.center { 1 } else { n_fft },
                got: len,
            });
        }
        Ok(1 + (padded - n_fft) / hop_length)
    }

    /// Runs the transform frame by frame, handing each frame's spectrum
    /// (`1 + n_fft / 2` bins, in `spectrum`) to `visit(t, spectrum)`; the
    /// fused feature extractors use it to avoid storing the whole STFT.
    /// The signal must already be validated (length and finiteness).
    pub(crate) fn for_each_frame(
        &self,
        signal: &[T],
        spectrum: &mut [Complex<T>],
        mut visit: impl FnMut(usize, &[Complex<T>]),
    ) -> Result<()> {
        let frames = self.frames(signal.len())?;
        let source = self.padded(signal)?;
        let mut frame = self.plan.make_input_vec();
        let mut scratch = self.plan.make_scratch_vec();
        for t in 0..frames {
            self.fft_frame(&source, t, &mut frame, spectrum, &mut scratch)?;
            visit(t, spectrum);
        }
        Ok(())
    }

    /// The signal with the centring padding applied (borrowed when not centred).
    fn padded<'a>(&self, signal: &'a [T]) -> Result<std::borrow::Cow<'a, [T]>> {
        let n_fft = self.geometry.n_fft;
        Ok(if self.config.center {
            std::borrow::Cow::Owned(crate::pad(
                signal,
                n_fft / 2,
                n_fft / 2,
                self.config.pad_mode,
            )?)
        } else {
            std::borrow::Cow::Borrowed(signal)
        })
    }

    /// Windows frame `t` of the padded signal and transforms it into `spectrum`.
    fn fft_frame(
        &self,
        source: &[T],
        t: usize,
        frame: &mut [T],
        spectrum: &mut [Complex<T>],
        scratch: &mut [Complex<T>],
    ) -> Result<()> {
        let (n_fft, hop) = (self.geometry.n_fft, self.geometry.hop_length);
        crate::kernels::simd::multiply(&source[t * hop..t * hop + n_fft], &self.window, frame);
        self.plan
            .process_with_scratch(frame, spectrum, scratch)
            .map_err(|_| Error::BufferLength {
                what: "fft buffers",
                expected: n_fft / 2 + 1,
                got: spectrum.len(),
            })
    }
}

/// `(samples,)` → `(1 + n_fft / 2, frames)` complex spectra, stored
/// frame-major (Fortran order) by [`Transform::process`], like the array
/// librosa returns.
impl<T: Float> Transform<T> for Stft<T> {
    type Elem = Complex<T>;
    type Dim = Ix2;

    /// `(1 + n_fft / 2, frames)`, with `frames =
    /// 1 + (len + 2 (n_fft / 2) - n_fft) / hop` when centred, else
    /// `1 + (len - n_fft) / hop`.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty signal, or, with `center = false`,
    /// one shorter than `n_fft` (librosa raises there too).
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.n_bins(), self.frames(len)?))
    }

    /// The STFT of a mono signal into a caller buffer of shape `(bins, frames)`;
    /// fastest when `out` is in Fortran order (each frame contiguous).
    ///
    /// # Errors
    ///
    /// As [`Transform::output_shape`]; [`Error::ShapeMismatch`] for a wrongly
    /// shaped `out`; [`Error::NonFinite`] when the signal holds NaN or
    /// infinities (librosa's `valid_audio` check).
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<Complex<T>>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("stft output", &shape, &out)?;
        check_finite("stft input", signal)?;
        let fortran = out.t().is_standard_layout();
        if fortran {
            if let Some(data) = out.as_slice_memory_order_mut() {
                let bins = self.n_bins();
                let source = self.padded(signal)?;
                let mut frame = self.plan.make_input_vec();
                let mut scratch = self.plan.make_scratch_vec();
                for (t, column) in data.chunks_exact_mut(bins).enumerate() {
                    self.fft_frame(&source, t, &mut frame, column, &mut scratch)?;
                }
                return Ok(());
            }
        }
        let mut spectrum = self.plan.make_output_vec();
        self.for_each_frame(signal, &mut spectrum, |t, spec| {
            let mut column = out.column_mut(t);
            match column.as_slice_mut() {
                Some(dst) => dst.copy_from_slice(spec),
                None => column
                    .iter_mut()
                    .zip(spec.iter())
                    .for_each(|(d, s)| *d = *s),
            }
        })
    }
}
