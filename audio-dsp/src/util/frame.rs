//! Framing and overlap-add, as `librosa.util.frame` and its inverse.

use ndarray::{Array2, ArrayView2, ShapeBuilder};

use crate::{Error, Float, Result};

/// Slices a signal into overlapping frames: `F[n, t] = x[t * hop + n]`
/// (`librosa.util.frame(x, frame_length, hop_length)`, frames on the last axis).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for a zero `frame_length` or `hop_length`;
/// [`Error::InputTooShort`] when `x` is shorter than one frame.
///
/// # Shapes
///
/// `(samples,)` → `(frame_length, 1 + (samples - frame_length) / hop_length)`.
///
/// # Example
///
/// ```
/// let f = audio_dsp::frame(&[0.0f32, 1.0, 2.0, 3.0, 4.0], 3, 1)?;
/// assert_eq!(f.dim(), (3, 3));
/// assert_eq!(f[[2, 1]], 3.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn frame<T: Float>(x: &[T], frame_length: usize, hop_length: usize) -> Result<Array2<T>> {
    check_positive("frame_length", frame_length)?;
    check_positive("hop_length", hop_length)?;
    if x.len() < frame_length {
        return Err(Error::InputTooShort {
            what: "frame",
            expected: frame_length,
            got: x.len(),
        });
    }
    let n_frames = 1 + (x.len() - frame_length) / hop_length;
    let mut data = Vec::with_capacity(frame_length * n_frames);
    for t in 0..n_frames {
        data.extend_from_slice(&x[t * hop_length..t * hop_length + frame_length]);
    }
    Array2::from_shape_vec((frame_length, n_frames).f(), data).map_err(|_| Error::BufferLength {
        what: "frame buffer",
        expected: frame_length * n_frames,
        got: 0,
    })
}

/// [`Error::InvalidParameter`] naming `name` unless the length is positive:
/// the check of every frame or hop length.
pub(crate) fn check_positive(name: &'static str, length: usize) -> Result<()> {
    if length == 0 {
        return Err(Error::InvalidParameter {
            name,
            value: "0".into(),
            expected: "a positive length",
        });
    }
    Ok(())
}

/// Overlap-adds frames: `y[t * hop + n] += F[n, t]`, the adjoint of [`frame`]
/// (librosa's internal `__overlap_add`, without window normalisation).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `hop_length = 0`.
///
/// # Shapes
///
/// `(frame_length, frames)` → `(frame_length + hop_length * (frames - 1),)`.
///
/// # Example
///
/// ```
/// let f = audio_dsp::frame(&[1.0f64; 6], 4, 2)?;
/// assert_eq!(audio_dsp::overlap_add(f.view(), 2)?, vec![1.0, 1.0, 2.0, 2.0, 1.0, 1.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn overlap_add<T: Float>(frames: ArrayView2<T>, hop_length: usize) -> Result<Vec<T>> {
    check_positive("hop_length", hop_length)?;
    let (frame_length, n) = frames.dim();
    let len = if n == 0 {
        0
    } else {
        frame_length + hop_length * (n - 1)
    };
    let mut y = vec![T::zero(); len];
    for (t, column) in frames.columns().into_iter().enumerate() {
        for (d, &v) in y[t * hop_length..].iter_mut().zip(column.iter()) {
            *d = *d + v;
        }
    }
    Ok(y)
}
