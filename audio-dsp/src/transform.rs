//! The trait every planned signal transform implements: [`Transform`].

use ndarray::{Array, ArrayBase, ArrayView2, ArrayViewMut, Dimension, RawData, RemoveAxis};

use crate::{Error, Float, Result};

/// A planned transform of a mono signal of `T` samples into an array of
/// [`Transform::Elem`]s: [`Stft`](crate::Stft), [`Cqt`](crate::Cqt),
/// [`HybridCqt`](crate::HybridCqt), [`Hcqt`](crate::Hcqt),
/// [`MelSpectrogram`](crate::MelSpectrogram), [`Mfcc`](crate::Mfcc),
/// [`ChromaStft`](crate::ChromaStft), [`ChromaCqt`](crate::ChromaCqt),
/// [`ChromaCens`](crate::ChromaCens) and [`Resampler`](crate::Resampler).
///
/// An implementor says how large its output is for a signal of a given
/// length ([`Transform::output_shape`]) and how to fill a caller's buffer of
/// that shape ([`Transform::process_into`]: no allocation of the output on
/// the hot path, like rubato's `process_into_buffer`). The trait then provides
/// the allocating [`Transform::process`] and [`Transform::process_multichannel`],
/// which runs the transform on every channel of a `(channels, samples)`
/// array, in parallel over channels with the `rayon` feature.
///
/// The output of one channel is an array of dimension [`Transform::Dim`]:
/// `(rows, frames)` ([`Ix2`](type@ndarray::Ix2)) for the spectral transforms and
/// features, `(harmonics, bins, frames)` ([`Ix3`](type@ndarray::Ix3)) for the HCQT,
/// and `(samples,)` ([`Ix1`](type@ndarray::Ix1)) for the resampler. Frames (or output
/// samples) are always on the last axis; [`Transform::n_frames`] is its length.
///
/// Bring the trait into scope (`use audio_dsp::Transform;`) to call its
/// methods. [`Resampler`](crate::Resampler) keeps its `Vec`-based inherent
/// `process` and `process_into`, which method calls resolve to; its
/// `Transform` implementation gives the same samples as an
/// [`ndarray::Array1`] for generic code.
///
/// # Shapes
///
/// `(samples,)` → `output_shape(samples)`; multichannel
/// `(channels, samples)` → `(channels, ..output_shape(samples))`.
///
/// # Example
///
/// ```
/// use audio_dsp::{MelSpectrogram, MelSpectrogramConfig, Stft, StftConfig, Transform};
/// use ndarray::{Array2, Array3};
///
/// /// Frame counts agree across transforms that share a hop.
/// fn frames<T: Transform<f32>>(t: &T, len: usize) -> usize {
///     t.n_frames(len).unwrap_or(0)
/// }
///
/// let stft = Stft::<f32>::new(StftConfig { n_fft: 512, hop_length: Some(128), ..Default::default() })?;
/// let mel = MelSpectrogram::<f32>::new(MelSpectrogramConfig {
///     stft: stft.config().clone(),
///     ..Default::default()
/// })?;
/// assert_eq!(frames(&stft, 4096), frames(&mel, 4096));
///
/// let signal: Vec<f32> = (0..4096).map(|n| (n as f32 * 0.05).sin()).collect();
/// // Into a caller buffer, reused across calls.
/// let mut spec = Array2::zeros(stft.output_shape(signal.len())?);
/// stft.process_into(&signal, spec.view_mut())?;
/// assert_eq!(spec, stft.process(&signal)?);
///
/// // Every channel of a (channels, samples) array.
/// let stereo = Array2::from_shape_fn((2, 4096), |(c, n)| signal[n] * (c + 1) as f32);
/// let m: Array3<f32> = mel.process_multichannel(stereo.view())?;
/// assert_eq!(m.dim(), (2, 128, 1 + 4096 / 128));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub trait Transform<T: Float> {
    /// The element type of the output (`Complex<T>` for the complex
    /// transforms, `T` for magnitudes, features and resampled signals).
    type Elem: Clone + num_traits::Zero + Send + Sync;

    /// The dimension of the output of one channel (frames on the last axis).
    type Dim: Dimension;

    /// The shape of the output for a signal of `len` samples.
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] when no frame fits in `len` samples (per
    /// implementor; see its [`Transform::process_into`]).
    fn output_shape(&self, len: usize) -> Result<Self::Dim>;

    /// The transform of a mono signal into `out`, which must have the shape
    /// [`Transform::output_shape`]`(signal.len())`. Any memory layout is
    /// accepted; Fortran order (each frame contiguous), as
    /// [`Transform::process`] allocates, is the fastest for most implementors.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a wrongly shaped `out`, as
    /// [`Transform::output_shape`] for a too short signal, and
    /// [`Error::NonFinite`] when the signal holds NaN or infinities.
    fn process_into(
        &self,
        signal: &[T],
        out: ArrayViewMut<'_, Self::Elem, Self::Dim>,
    ) -> Result<()>;

    /// The number of frames (the length of the last output axis) for a
    /// signal of `len` samples.
    ///
    /// # Errors
    ///
    /// As [`Transform::output_shape`].
    fn n_frames(&self, len: usize) -> Result<usize> {
        let shape = self.output_shape(len)?;
        Ok(shape.slice().last().copied().unwrap_or(0))
    }

    /// The transform of a mono signal into a new array (Fortran order: each
    /// frame contiguous, like the arrays librosa returns).
    ///
    /// # Errors
    ///
    /// As [`Transform::process_into`].
    fn process(&self, signal: &[T]) -> Result<Array<Self::Elem, Self::Dim>> {
        use ndarray::ShapeBuilder;
        let shape = self.output_shape(signal.len())?;
        let mut out = Array::zeros(shape.f());
        self.process_into(signal, out.view_mut())?;
        Ok(out)
    }

    /// The transform of every channel of a `(channels, samples)` array, in
    /// parallel over channels with the `rayon` feature (results are the same
    /// either way): `out[c] = process(signal[c])`.
    ///
    /// # Errors
    ///
    /// As [`Transform::process`] (the first channel's error).
    ///
    /// # Shapes
    ///
    /// `(channels, samples)` → `(channels, ..output_shape(samples))`.
    #[allow(clippy::type_complexity)]
    fn process_multichannel(
        &self,
        signal: ArrayView2<'_, T>,
    ) -> Result<Array<Self::Elem, <Self::Dim as Dimension>::Larger>>
    where
        Self: Sync,
        <Self::Dim as Dimension>::Larger: RemoveAxis,
    {
        let (channels, len) = signal.dim();
        let mut shape = self.output_shape(len)?.insert_axis(ndarray::Axis(0));
        shape[0] = channels;
        let rows: Vec<Vec<T>> = signal.outer_iter().map(|r| r.to_vec()).collect();
        let per_channel = crate::util::parallel::map(&rows, |row| self.process(row))?;
        let mut out = Array::zeros(shape);
        for (mut dst, src) in out.outer_iter_mut().zip(&per_channel) {
            dst.assign(src);
        }
        Ok(out)
    }
}

/// [`Error::ShapeMismatch`] unless `out` has the shape `expected`.
pub(crate) fn check_shape<S: RawData, D: Dimension>(
    what: &'static str,
    expected: &D,
    out: &ArrayBase<S, D>,
) -> Result<()> {
    if out.raw_dim() == *expected {
        Ok(())
    } else {
        Err(Error::ShapeMismatch {
            what,
            expected: expected.slice().to_vec(),
            got: out.shape().to_vec(),
        })
    }
}
