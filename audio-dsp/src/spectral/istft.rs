//! The inverse STFT by weighted overlap-add, as `librosa.istft`.

use std::sync::Arc;

use ndarray::{Array2, ArrayView2, ArrayView3};
use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner};

use crate::spectral::stft::{resolve_geometry, FrameGeometry};
use crate::{get_window, pad_center, Error, Float, Result, WindowKind};

/// Parameters of an inverse STFT, with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct IstftConfig {
    /// FFT size; must match the spectrogram's `1 + n_fft / 2` bins. Default 2048.
    pub n_fft: usize,
    /// Samples between frames; `None` means `win_length / 4`.
    pub hop_length: Option<usize>,
    /// Window length; `None` means `n_fft`.
    pub win_length: Option<usize>,
    /// Window shape (the analysis window of the forward STFT).
    pub window: WindowKind,
    /// Whether the forward STFT was centred (trims `n_fft / 2` from both ends).
    pub center: bool,
}

impl Default for IstftConfig {
    fn default() -> Self {
        Self {
            n_fft: 2048,
            hop_length: None,
            win_length: None,
            window: WindowKind::Hann,
            center: true,
        }
    }
}

impl From<&crate::StftConfig> for IstftConfig {
    fn from(c: &crate::StftConfig) -> Self {
        Self {
            n_fft: c.n_fft,
            hop_length: c.hop_length,
            win_length: c.win_length,
            window: c.window,
            center: c.center,
        }
    }
}

/// A planned inverse STFT:
/// `y[n] = sum_t w[n - t hop] x_t[n - t hop] / sum_t w^2[n - t hop]`, where
/// `x_t = irfft(X[:, t])`, dividing only where the window sum-square exceeds
/// the smallest normal float, as `librosa.istft`.
///
/// # Example
///
/// ```
/// use audio_dsp::{Istft, IstftConfig, Stft, StftConfig, Transform};
/// let cfg = StftConfig { n_fft: 256, ..StftConfig::default() };
/// let x: Vec<f64> = (0..2000).map(|n| (n as f64 * 0.01).sin()).collect();
/// let spec = Stft::new(cfg.clone())?.process(&x)?;
/// let y = Istft::new(IstftConfig::from(&cfg))?.process(spec.view(), Some(x.len()))?;
/// assert!(x.iter().zip(&y).all(|(a, b)| (a - b).abs() < 1e-12));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Clone)]
pub struct Istft<T: Float> {
    config: IstftConfig,
    geometry: FrameGeometry,
    window: Vec<T>,
    window_sq: Vec<T>,
    plan: Arc<dyn ComplexToReal<T>>,
}

impl<T: Float> std::fmt::Debug for Istft<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Istft")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> Istft<T> {
    /// Validates `config`, plans the inverse FFT and builds the window.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `n_fft = 0`, `hop_length = 0` or
    /// `win_length` outside `1..=n_fft`.
    pub fn new(config: IstftConfig) -> Result<Self> {
        let geometry = resolve_geometry(config.n_fft, config.hop_length, config.win_length)?;
        let window = pad_center(
            &get_window::<T>(config.window, geometry.win_length, true)?,
            geometry.n_fft,
        )?;
        let window_sq = window.iter().map(|&w| w * w).collect();
        let plan = RealFftPlanner::<T>::new().plan_fft_inverse(geometry.n_fft);
        Ok(Self {
            config,
            geometry,
            window,
            window_sq,
            plan,
        })
    }

    /// The number of frequency bins the input must have, `1 + n_fft / 2`.
    pub fn n_bins(&self) -> usize {
        self.geometry.n_fft / 2 + 1
    }

    /// The output length for `frames` frames without an explicit `length`:
    /// `n_fft + hop (frames - 1)`, less `2 (n_fft / 2)` when centred.
    pub fn output_len(&self, frames: usize) -> usize {
        let full = self.geometry.n_fft + self.geometry.hop_length * frames.saturating_sub(1);
        if self.config.center {
            full.saturating_sub(2 * (self.geometry.n_fft / 2))
        } else {
            full
        }
    }

    /// Inverts a spectrogram; `length` pads or trims the output to exactly that
    /// many samples (librosa's `length`).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the spectrogram does not have `1 + n_fft / 2` rows.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `(length,)` or `(output_len(frames),)`.
    pub fn process(&self, spec: ArrayView2<Complex<T>>, length: Option<usize>) -> Result<Vec<T>> {
        let out_len = length.unwrap_or_else(|| self.output_len(spec.ncols()));
        let mut out = vec![T::zero(); out_len];
        self.process_into(spec, &mut out)?;
        Ok(out)
    }

    /// Inverts a spectrogram into `out`, whose length plays the role of librosa's `length`.
    ///
    /// # Errors
    ///
    /// As [`Istft::process`].
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `out: (length,)`.
    pub fn process_into(&self, spec: ArrayView2<Complex<T>>, out: &mut [T]) -> Result<()> {
        self.overlap_add_into(spec, out)?;
        let envelope = self.window_sumsquare(spec.ncols(), out.len());
        normalise(out, &envelope);
        Ok(())
    }

    /// The number of frames librosa inverts for an output of `len` samples:
    /// only those that can reach it.
    fn frames_used(&self, frames: usize, len: usize) -> usize {
        let start = if self.config.center {
            self.geometry.n_fft / 2
        } else {
            0
        };
        frames.min((2 * start + len).div_ceil(self.geometry.hop_length))
    }

    /// The window sum-square envelope `sum_t w^2[n - t hop]` over the output's
    /// `len` samples (librosa's `window_sumsquare`, trimmed as `istft` trims it).
    pub(crate) fn window_sumsquare(&self, frames: usize, len: usize) -> Vec<T> {
        let mut envelope = vec![T::zero(); len];
        for t in 0..self.frames_used(frames, len) {
            if let Some((lo, hi, dst)) = self.frame_span(t, len) {
                envelope[dst]
                    .iter_mut()
                    .zip(&self.window_sq[lo..hi])
                    .for_each(|(e, &w)| *e = *e + w);
            }
        }
        envelope
    }

    /// Where frame `t` lands in an output of `len` samples: the frame's
    /// `lo..hi` samples go to the returned output range (`None` if nowhere).
    fn frame_span(&self, t: usize, len: usize) -> Option<(usize, usize, std::ops::Range<usize>)> {
        let n_fft = self.geometry.n_fft;
        let start = if self.config.center { n_fft / 2 } else { 0 };
        let offset = (t * self.geometry.hop_length) as isize - start as isize;
        let lo = (-offset).max(0) as usize;
        let hi = ((len as isize - offset).max(0) as usize).min(n_fft);
        (lo < hi).then(|| {
            (
                lo,
                hi,
                (offset + lo as isize) as usize..(offset + hi as isize) as usize,
            )
        })
    }

    /// Windowed overlap-add of the inverse FFTs of the frames into `out`,
    /// without the sum-square normalisation.
    pub(crate) fn overlap_add_into(
        &self,
        spec: ArrayView2<Complex<T>>,
        out: &mut [T],
    ) -> Result<()> {
        let (bins, frames) = spec.dim();
        if bins != self.n_bins() {
            return Err(Error::ShapeMismatch {
                what: "istft input",
                expected: vec![self.n_bins(), 0],
                got: vec![bins, frames],
            });
        }
        out.fill(T::zero());
        let mut adder = OverlapAdd::new(self);
        for t in 0..self.frames_used(frames, out.len()) {
            adder.add(t, spec.column(t).iter().copied(), out)?;
        }
        Ok(())
    }

    /// Inverts each channel of a multichannel spectrogram.
    ///
    /// # Errors
    ///
    /// As [`Istft::process`].
    ///
    /// # Shapes
    ///
    /// `(channels, 1 + n_fft / 2, frames)` → `(channels, length)`.
    pub fn process_multichannel(
        &self,
        spec: ArrayView3<Complex<T>>,
        length: Option<usize>,
    ) -> Result<Array2<T>> {
        let (channels, _, frames) = spec.dim();
        let len = length.unwrap_or_else(|| self.output_len(frames));
        let views: Vec<_> = spec.outer_iter().collect();
        let rows = crate::util::parallel::map(&views, |v| self.process(v.view(), Some(len)))?;
        let mut out = Array2::zeros((channels, len));
        for (mut dst, src) in out.outer_iter_mut().zip(rows) {
            dst.assign(&ndarray::ArrayView1::from(&src));
        }
        Ok(out)
    }
}

/// Frame-by-frame windowed overlap-add of inverse FFTs (no normalisation),
/// with its FFT buffers: what [`Istft::overlap_add_into`] runs on a whole
/// spectrogram, and the fused effects run one frame at a time without
/// storing the spectrogram.
pub(crate) struct OverlapAdd<'a, T: Float> {
    istft: &'a Istft<T>,
    spectrum: Vec<Complex<T>>,
    frame: Vec<T>,
    scratch: Vec<Complex<T>>,
    scale: T,
}

impl<'a, T: Float> OverlapAdd<'a, T> {
    pub(crate) fn new(istft: &'a Istft<T>) -> Self {
        let n_fft = istft.geometry.n_fft;
        Self {
            istft,
            spectrum: istft.plan.make_input_vec(),
            frame: istft.plan.make_output_vec(),
            scratch: istft.plan.make_scratch_vec(),
            scale: T::one() / T::from(n_fft).unwrap_or_else(T::one),
        }
    }

    /// Adds frame `t` (its `1 + n_fft / 2` bins, in order) to `out`, an
    /// output of `out.len()` samples; frames that land outside it are skipped
    /// untransformed.
    ///
    /// # Errors
    ///
    /// [`Error::BufferLength`] if the FFT refuses its buffers (it cannot:
    /// they come from the plan).
    pub(crate) fn add(
        &mut self,
        t: usize,
        column: impl IntoIterator<Item = Complex<T>>,
        out: &mut [T],
    ) -> Result<()> {
        let Some((lo, hi, dst)) = self.istft.frame_span(t, out.len()) else {
            return Ok(());
        };
        let n_fft = self.istft.geometry.n_fft;
        let bins = self.spectrum.len();
        for (d, s) in self.spectrum.iter_mut().zip(column) {
            *d = s;
        }
        // irfft ignores the imaginary parts of the DC and Nyquist bins.
        self.spectrum[0].im = T::zero();
        if n_fft.is_multiple_of(2) {
            self.spectrum[bins - 1].im = T::zero();
        }
        self.istft
            .plan
            .process_with_scratch(&mut self.spectrum, &mut self.frame, &mut self.scratch)
            .map_err(|_| Error::BufferLength {
                what: "inverse fft buffers",
                expected: n_fft,
                got: self.frame.len(),
            })?;
        let scale = self.scale;
        self.frame[lo..hi].iter_mut().for_each(|v| *v = *v * scale);
        crate::kernels::simd::multiply_add(
            &self.frame[lo..hi],
            &self.istft.window[lo..hi],
            &mut out[dst],
        );
        Ok(())
    }
}

/// Divides by the envelope wherever it exceeds the smallest normal float.
pub(crate) fn normalise<T: Float>(out: &mut [T], envelope: &[T]) {
    let tiny = T::min_positive_value();
    for (y, &e) in out.iter_mut().zip(envelope) {
        if e > tiny {
            *y = *y / e;
        }
    }
}
