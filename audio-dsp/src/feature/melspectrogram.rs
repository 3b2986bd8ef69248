//! Mel spectrograms, as `librosa.feature.melspectrogram`.

use ndarray::{Array2, ArrayView2, ArrayViewMut2, Ix2};
use num_complex::Complex;

use crate::kernels::SpectrumKernels;
use crate::transform::check_shape;
use crate::{Float, MelConfig, MelFilterbank, Result, Stft, StftConfig, Transform};

/// Parameters of a mel spectrogram: the STFT, the exponent, and the
/// filterbank (whose `n_fft` is taken from the STFT).
#[derive(Debug, Clone, PartialEq)]
pub struct MelSpectrogramConfig {
    /// The STFT (librosa's defaults: `n_fft = 2048`, hop 512, hann, centred).
    pub stft: StftConfig,
    /// Exponent of the magnitude: 2 for power (default), 1 for energy.
    pub power: f64,
    /// The mel filterbank (`sr`, `n_mels`, `fmin`, `fmax`, `htk`, `norm`).
    pub mel: MelConfig,
}

impl Default for MelSpectrogramConfig {
    fn default() -> Self {
        Self {
            stft: StftConfig::default(),
            power: 2.0,
            mel: MelConfig::default(),
        }
    }
}

/// A planned mel spectrogram: `M = W |stft(y)|^power`, with `W` the
/// [`MelFilterbank`] (`librosa.feature.melspectrogram`).
///
/// # Example
///
/// ```
/// use audio_dsp::{MelSpectrogram, MelSpectrogramConfig, Transform};
/// let mel = MelSpectrogram::<f32>::new(MelSpectrogramConfig::default())?;
/// let y: Vec<f32> = (0..22050).map(|n| (n as f32 * 0.1).sin()).collect();
/// let m = mel.process(&y)?;
/// assert_eq!(m.dim(), (128, 44));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelSpectrogram<T: Float> {
    stft: Stft<T>,
    filterbank: MelFilterbank<T>,
    power: T,
    kernels: SpectrumKernels<T>,
}

impl<T: Float> MelSpectrogram<T> {
    /// Plans the STFT and builds the filterbank.
    ///
    /// # Errors
    ///
    /// As [`Stft::new`] and [`MelFilterbank::new`], and
    /// [`crate::Error::InvalidParameter`] for a non-positive `power`.
    pub fn new(config: MelSpectrogramConfig) -> Result<Self> {
        if !(config.power > 0.0 && config.power.is_finite()) {
            return Err(crate::Error::InvalidParameter {
                name: "power",
                value: config.power.to_string(),
                expected: "a positive exponent",
            });
        }
        let mel = MelConfig {
            n_fft: config.stft.n_fft,
            ..config.mel
        };
        Ok(Self {
            stft: Stft::new(config.stft)?,
            filterbank: MelFilterbank::new(&mel)?,
            power: T::from(config.power).unwrap_or_else(T::one),
            kernels: SpectrumKernels::detect(),
        })
    }

    /// The planned STFT.
    pub fn stft(&self) -> &Stft<T> {
        &self.stft
    }

    /// The filterbank.
    pub fn filterbank(&self) -> &MelFilterbank<T> {
        &self.filterbank
    }

    /// The mel projection of a precomputed `|S|^power` spectrogram.
    ///
    /// # Errors
    ///
    /// [`crate::Error::ShapeMismatch`] when `spec` does not have `1 + n_fft / 2` rows.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `(n_mels, frames)`.
    pub fn process_spectrogram(&self, spec: ArrayView2<T>) -> Result<Array2<T>> {
        self.filterbank.apply(spec)
    }

    /// One frame of the fused transform: `out = W |spectrum|^power`, with
    /// `power` as scratch (`1 + n_fft / 2` long, as `spectrum`; `out` is
    /// `n_mels` long). [`Transform::process_into`] runs exactly this on
    /// every frame, so frames from a [`crate::StreamingStft`] give the same
    /// mel frames to the bit.
    ///
    /// # Errors
    ///
    /// [`crate::Error::BufferLength`] for a wrong buffer length.
    pub fn project_spectrum(
        &self,
        spectrum: &[Complex<T>],
        power: &mut [T],
        out: &mut [T],
    ) -> Result<()> {
        for (what, expected, got) in [
            ("mel spectrum", self.stft.n_bins(), spectrum.len()),
            ("mel power scratch", self.stft.n_bins(), power.len()),
            ("mel frame", self.filterbank.n_mels(), out.len()),
        ] {
            if expected != got {
                return Err(crate::Error::BufferLength {
                    what,
                    expected,
                    got,
                });
            }
        }
        self.frame(spectrum, power, out);
        Ok(())
    }

    /// [`MelSpectrogram::project_spectrum`] without the length checks.
    fn frame(&self, spec: &[Complex<T>], power: &mut [T], out: &mut [T]) {
        let two = T::one() + T::one();
        if self.power == two {
            (self.kernels.power)(spec, power);
        } else if self.power == T::one() {
            (self.kernels.magnitude)(spec, power);
        } else {
            (self.kernels.magnitude)(spec, power);
            power.iter_mut().for_each(|v| *v = v.powf(self.power));
        }
        self.filterbank.project_frame(power, out);
    }
}

/// `(samples,)` → `(n_mels, frames)` mel energies, fused per frame
/// (FFT → `|X|^power` → mel projection) so the STFT is never stored.
impl<T: Float> Transform<T> for MelSpectrogram<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_mels, frames)`, frames as the [`Stft`]'s.
    ///
    /// # Errors
    ///
    /// As [`Stft`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        Ok(Ix2(self.filterbank.n_mels(), self.stft.n_frames(len)?))
    }

    /// The mel spectrogram of a signal into a caller buffer `(n_mels, frames)`.
    ///
    /// # Errors
    ///
    /// As [`Stft`]'s [`Transform::process_into`].
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<T>) -> Result<()> {
        let shape = self.output_shape(signal.len())?;
        check_shape("mel spectrogram output", &shape, &out)?;
        crate::spectral::stft::check_finite("stft input", signal)?;
        let mut spectrum = vec![Complex::new(T::zero(), T::zero()); self.stft.n_bins()];
        let mut power = vec![T::zero(); self.stft.n_bins()];
        let mut frame = vec![T::zero(); shape[0]];
        self.stft.for_each_frame(signal, &mut spectrum, |t, spec| {
            let mut column = out.column_mut(t);
            match column.as_slice_mut() {
                Some(dst) => self.frame(spec, &mut power, dst),
                None => {
                    self.frame(spec, &mut power, &mut frame);
                    column.iter_mut().zip(&frame).for_each(|(d, &v)| *d = v);
                }
            }
        })
    }
}
