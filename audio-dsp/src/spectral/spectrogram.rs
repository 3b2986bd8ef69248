//! Magnitude and power spectrograms, as librosa's `_spectrogram` helper.

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use num_complex::Complex;

use crate::{Float, Result, Stft, Transform};

/// `|X|^power` element-wise, for `power` 1 (magnitude), 2 (power) or any other
/// positive exponent, keeping the input's memory order.
///
/// Powers 1 and 2 use the element-wise kernels (`kernels::simd`), picked for
/// this CPU once per call.
///
/// # Shapes
///
/// `(bins, frames)` → `(bins, frames)`.
///
/// # Example
///
/// ```
/// use ndarray::array;
/// use num_complex::Complex;
/// let s = audio_dsp::spectrogram_power(array![[Complex::new(3.0f64, 4.0)]].view(), 2.0);
/// assert_eq!(s[[0, 0]], 25.0);
/// ```
pub fn spectrogram_power<T: Float>(spec: ArrayView2<Complex<T>>, power: T) -> Array2<T> {
    let (bins, frames) = spec.dim();
    let fortran = spec.t().is_standard_layout();
    let mut out = if fortran {
        Array2::zeros((bins, frames).f())
    } else {
        Array2::zeros((bins, frames))
    };
    match (
        spec.as_slice_memory_order(),
        out.as_slice_memory_order_mut(),
    ) {
        (Some(src), Some(dst)) => power_kernel(power)(src, dst),
        _ => out.zip_mut_with(&spec, |o, z| *o = z.norm().powf(power)),
    }
    out
}

/// [`spectrogram_power`] of STFT frames (a [`crate::StreamingStft`]'s),
/// frame by frame, as [`spectrogram`] computes each frame of a whole
/// signal: a streamed spectrogram equals the whole one to the bit (the
/// element-wise kernels would otherwise split the frames at other
/// places).
///
/// # Shapes
///
/// `(bins, frames)` → `(bins, frames)`, Fortran order.
///
/// # Example
///
/// ```
/// use audio_dsp::{spectrogram, spectrogram_power_by_frame, Stft, StftConfig, StreamingStft};
/// let config = StftConfig { n_fft: 64, ..StftConfig::default() };
/// let y: Vec<f32> = (0..640).map(|n| (n as f32 * 0.3).sin()).collect();
/// let mut stream = StreamingStft::<f32>::new(config.clone())?;
/// let mut frames = stream.push(&y)?;
/// frames.append(ndarray::Axis(1), stream.finish()?.view()).map_err(|_| audio_dsp::Error::NonFinite { what: "example", index: 0 })?;
/// let whole = spectrogram(&Stft::<f32>::new(config)?, &y, 1.0)?;
/// assert_eq!(spectrogram_power_by_frame(frames.view(), 1.0), whole);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectrogram_power_by_frame<T: Float>(spec: ArrayView2<Complex<T>>, power: T) -> Array2<T> {
    let (bins, frames) = spec.dim();
    let kernel = power_kernel(power);
    let mut out = Array2::zeros((bins, frames).f());
    let mut column = Vec::with_capacity(bins);
    for (t, frame) in spec.columns().into_iter().enumerate() {
        column.clear();
        column.extend(frame.iter().copied());
        let mut dst = out.column_mut(t);
        if let Some(dst) = dst.as_slice_mut() {
            kernel(&column, dst);
        }
    }
    out
}

/// `|z|^power` over a slice, for a power fixed once: the element-wise
/// magnitude (picked for this CPU) and power kernels for 1 and 2, `powf`
/// otherwise.
fn power_kernel<T: Float>(power: T) -> impl Fn(&[Complex<T>], &mut [T]) {
    let two = T::one() + T::one();
    let magnitude = crate::kernels::simd::select_magnitude::<T>();
    move |src, dst| {
        if power == T::one() {
            magnitude(src, dst);
        } else if power == two {
            crate::kernels::simd::power(src, dst);
        } else {
            for (o, z) in dst.iter_mut().zip(src) {
                *o = z.norm().powf(power);
            }
        }
    }
}

/// `|stft(y)|^power`: the magnitude (`power = 1`) or power (`power = 2`)
/// spectrogram of a signal with a planned [`Stft`].
///
/// # Errors
///
/// As [`Stft`]'s [`Transform::process`].
///
/// # Shapes
///
/// `(samples,)` → `(1 + n_fft / 2, frames)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{spectrogram, Stft, StftConfig};
/// let stft = Stft::<f32>::new(StftConfig { n_fft: 64, ..StftConfig::default() })?;
/// let s = spectrogram(&stft, &vec![0.5f32; 640], 2.0)?;
/// assert_eq!(s.nrows(), 33);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn spectrogram<T: Float>(stft: &Stft<T>, signal: &[T], power: T) -> Result<Array2<T>> {
    // Frame by frame: each spectrum goes straight from the FFT's output
    // buffer into its column (Fortran order, as `Stft::process`), so the
    // complex STFT is never held whole.
    let (bins, frames) = (stft.n_bins(), stft.n_frames(signal.len())?);
    crate::spectral::stft::check_finite("stft input", signal)?;
    let kernel = power_kernel(power);
    let mut data: Vec<T> = Vec::with_capacity(bins * frames);
    let mut spectrum = vec![Complex::new(T::zero(), T::zero()); bins];
    stft.for_each_frame(signal, &mut spectrum, |_, spec| {
        let start = data.len();
        data.resize(start + bins, T::zero());
        kernel(spec, &mut data[start..]);
    })?;
    let got = data.len();
    Array2::from_shape_vec((bins, frames).f(), data).map_err(|_| crate::Error::BufferLength {
        what: "spectrogram",
        expected: bins * frames,
        got,
    })
}
