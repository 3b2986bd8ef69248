//! Reading inputs (`.npy` arrays or audio files) and writing `.npy` outputs.

use std::path::Path;

use ndarray::{ArrayBase, ArrayD, Data, Dimension};
use ndarray_npy::{ReadableElement, WritableElement};
use num_complex::Complex;

use crate::{Error, Result};

/// Data in the precision it was stored in: `float32` (audio files, `float32`
/// / `complex64` `.npy`) or `float64` (`float64` / `complex128` `.npy`).
pub enum Precision<A, B> {
    /// Single precision.
    F32(A),
    /// Double precision.
    F64(B),
}

/// A 1-D signal in the precision it was stored in.
pub type Signal = Precision<Vec<f32>, Vec<f64>>;

/// A real array in the precision it was stored in.
pub type RealArray = Precision<ArrayD<f32>, ArrayD<f64>>;

/// A complex array in the precision it was stored in.
pub type ComplexArray = Precision<ArrayD<Complex<f32>>, ArrayD<Complex<f64>>>;

/// Reads a `.npy` as `A` or, when its dtype is not `A`'s, as `B`: one full
/// read either way (a dtype mismatch is found in the header).
fn read_either<A: ReadableElement, B: ReadableElement>(
    path: &Path,
) -> Result<Precision<ArrayD<A>, ArrayD<B>>> {
    match ndarray_npy::read_npy::<_, ArrayD<A>>(path) {
        Ok(a) => Ok(Precision::F32(a)),
        Err(ndarray_npy::ReadNpyError::WrongDescriptor(_)) => {
            read_array::<B>(path).map(Precision::F64)
        }
        Err(source) => Err(Error::ReadNpy {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reads a real `.npy` (`float32` or `float64`) in its own precision.
pub fn read_real(path: &Path) -> Result<RealArray> {
    read_either(path)
}

/// Reads a complex `.npy` (`complex64` or `complex128`) in its own precision.
pub fn read_complex(path: &Path) -> Result<ComplexArray> {
    read_either(path)
}

/// Reads any `.npy` array of element type `T`.
pub fn read_array<T: ReadableElement>(path: &Path) -> Result<ArrayD<T>> {
    ndarray_npy::read_npy(path).map_err(|source| Error::ReadNpy {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes an array as `.npy` and prints what was written.
pub fn write_array<T: WritableElement, S: Data<Elem = T>, D: Dimension>(
    path: &Path,
    array: &ArrayBase<S, D>,
) -> Result<()> {
    ndarray_npy::write_npy(path, array).map_err(|source| Error::WriteNpy {
        path: path.to_path_buf(),
        source,
    })?;
    println!(
        "wrote {} ({} {:?})",
        path.display(),
        numpy_dtype::<T>(),
        array.shape()
    );
    Ok(())
}

/// numpy's name for an element type, for messages.
fn numpy_dtype<T>() -> &'static str {
    match std::any::type_name::<T>() {
        "f32" => "float32",
        "f64" => "float64",
        "i64" => "int64",
        "num_complex::Complex<f32>" => "complex64",
        "num_complex::Complex<f64>" => "complex128",
        other => other,
    }
}

/// Whether `path` ends in `.npy` (any case).
pub fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Reads a mono signal: a 1-D `.npy` (`float32` or `float64`), or an audio
/// file (WAV, FLAC, MP3, OGG) loaded with `audio_io::load` as
/// `librosa.load(path, sr=sr, mono=True)` (channels averaged).
pub fn read_signal(path: &Path, sr: u32) -> Result<Signal> {
    if is_npy(path) {
        let shape_error = |got: &[usize]| Error::InputShape {
            path: path.to_path_buf(),
            expected: "a 1-D float32 or float64 array",
            got: got.to_vec(),
        };
        return match read_real(path)? {
            Precision::F32(a) if a.ndim() == 1 => Ok(Signal::F32(a.into_iter().collect())),
            Precision::F64(a) if a.ndim() == 1 => Ok(Signal::F64(a.into_iter().collect())),
            Precision::F32(a) => Err(shape_error(a.shape())),
            Precision::F64(a) => Err(shape_error(a.shape())),
        };
    }
    let options = audio_io::LoadOptions {
        sr: Some(sr),
        mono: true,
        ..audio_io::LoadOptions::default()
    };
    let audio = audio_io::load::<f32>(path, &options)?;
    Ok(Signal::F32(audio.samples.iter().copied().collect()))
}

/// Runs generic code on data read in its own precision: `$body` is
/// instantiated once for `f32` and once for `f64`.
macro_rules! on_signal {
    ($signal:expr, |$x:ident| $body:expr) => {
        match $signal {
            $crate::npy::Precision::F32($x) => $body,
            $crate::npy::Precision::F64($x) => $body,
        }
    };
}
pub(crate) use on_signal;
