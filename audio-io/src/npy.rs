//! NumPy `.npy` and `.npz` files: reading an array in whatever dtype it was
//! stored in, writing arrays, and the `.npz` archives of `numpy.savez` /
//! `numpy.savez_compressed`.
//!
//! The format is numpy's (`numpy.lib.format`, versions 1.0 to 3.0): a magic
//! string, a Python-literal header with `descr`, `fortran_order` and `shape`,
//! then the raw elements. Parsing and encoding are
//! [`ndarray-npy`](https://docs.rs/ndarray-npy)'s; this module adds dtype
//! dispatch ([`read_npy`] returns an [`NpyArray`] of the stored dtype), the
//! conversions a librosa user expects (any integer dtype to `i64`, `float32`
//! or `float64` kept in its own precision), `.npz` archives over the `zip`
//! crate, and audio-io's rule that no allocation is sized from a header field
//! without a bound: the data size a header declares is checked against the
//! bytes actually present before anything is allocated.
//!
//! Supported dtypes: `bool`, `int8` … `int64`, `uint8` … `uint64`, `float32`,
//! `float64`, `complex64`, `complex128`, little- or big-endian, C or Fortran
//! order. Other dtypes (`float16`, strings, records, objects) are
//! [`Error::Unsupported`].
//!
//! # Example
//!
//! ```
//! use audio_io::npy::{read_npy, write_npy, NpyArray};
//! let path = std::env::temp_dir().join(format!("audio-io-npy-doc-{}.npy", std::process::id()));
//! let info = write_npy(&path, &ndarray::array![[1i16, -2], [3, 4]])?;
//! assert_eq!(info.to_string(), "int16 [2, 2]");
//! let codes = read_npy(&path)?;
//! assert_eq!(codes.dtype(), "int16");
//! assert_eq!(codes.into_integers()?, ndarray::array![[1i64, -2], [3, 4]].into_dyn());
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), audio_io::Error>(())
//! ```

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use ndarray::{ArrayBase, ArrayD, Data, Dimension};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{ReadNpyExt, WriteNpyExt};
use num_complex::Complex;

use crate::{Error, Result};

pub use ndarray_npy::{ReadableElement, WritableElement};

pub use crate::npy_columns::NpyColumnWriter;

/// Data in the precision it was stored in: single (`float32`, `complex64`,
/// or audio decoded as `f32`) or double (`float64`, `complex128`).
#[derive(Debug, Clone, PartialEq)]
pub enum Precision<S, D> {
    /// Single precision.
    F32(S),
    /// Double precision.
    F64(D),
}

/// A real array in the precision it was stored in.
pub type FloatArray = Precision<ArrayD<f32>, ArrayD<f64>>;

/// A complex array in the precision it was stored in.
pub type ComplexArray = Precision<ArrayD<Complex<f32>>, ArrayD<Complex<f64>>>;

/// A 1-D signal in the precision it was stored in.
pub type Signal = Precision<Vec<f32>, Vec<f64>>;

/// Runs generic code on a [`Precision`] value: `$body` is instantiated once
/// with `$x` bound to the single-precision data and once with the double.
///
/// # Example
///
/// ```
/// use audio_io::npy::{Precision, Signal};
/// let s: Signal = Precision::F64(vec![1.0, 2.0]);
/// let n = audio_io::on_precision!(s, |x| x.len());
/// assert_eq!(n, 2);
/// ```
#[macro_export]
macro_rules! on_precision {
    ($value:expr, |$x:ident| $body:expr) => {
        match $value {
            $crate::npy::Precision::F32($x) => $body,
            $crate::npy::Precision::F64($x) => $body,
        }
    };
}

/// An array read from a `.npy` file, in the dtype it was stored in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum NpyArray {
    /// `bool`.
    Bool(ArrayD<bool>),
    /// `int8`.
    I8(ArrayD<i8>),
    /// `int16`.
    I16(ArrayD<i16>),
    /// `int32`.
    I32(ArrayD<i32>),
    /// `int64`.
    I64(ArrayD<i64>),
    /// `uint8`.
    U8(ArrayD<u8>),
    /// `uint16`.
    U16(ArrayD<u16>),
    /// `uint32`.
    U32(ArrayD<u32>),
    /// `uint64`.
    U64(ArrayD<u64>),
    /// `float32`.
    F32(ArrayD<f32>),
    /// `float64`.
    F64(ArrayD<f64>),
    /// `complex64`.
    C64(ArrayD<Complex<f32>>),
    /// `complex128`.
    C128(ArrayD<Complex<f64>>),
}

/// Runs `$body` on the array inside any [`NpyArray`] variant.
macro_rules! on_npy {
    ($value:expr, |$a:ident| $body:expr) => {
        match $value {
            NpyArray::Bool($a) => $body,
            NpyArray::I8($a) => $body,
            NpyArray::I16($a) => $body,
            NpyArray::I32($a) => $body,
            NpyArray::I64($a) => $body,
            NpyArray::U8($a) => $body,
            NpyArray::U16($a) => $body,
            NpyArray::U32($a) => $body,
            NpyArray::U64($a) => $body,
            NpyArray::F32($a) => $body,
            NpyArray::F64($a) => $body,
            NpyArray::C64($a) => $body,
            NpyArray::C128($a) => $body,
        }
    };
}

/// The dtypes this module reads: numpy name, `descr` without its byte-order
/// character, and item size in bytes.
const DTYPES: [(&str, &str, usize); 13] = [
    ("bool", "b1", 1),
    ("int8", "i1", 1),
    ("int16", "i2", 2),
    ("int32", "i4", 4),
    ("int64", "i8", 8),
    ("uint8", "u1", 1),
    ("uint16", "u2", 2),
    ("uint32", "u4", 4),
    ("uint64", "u8", 8),
    ("float32", "f4", 4),
    ("float64", "f8", 8),
    ("complex64", "c8", 8),
    ("complex128", "c16", 16),
];

/// Integral floats must lie in `[-2^63, 2^63)` to convert to `i64`.
const I64_BOUND: f64 = 9_223_372_036_854_775_808.0;

impl NpyArray {
    /// numpy's name of the dtype (`"float32"`, `"int16"`, …).
    pub fn dtype(&self) -> &'static str {
        match self {
            Self::Bool(_) => "bool",
            Self::I8(_) => "int8",
            Self::I16(_) => "int16",
            Self::I32(_) => "int32",
            Self::I64(_) => "int64",
            Self::U8(_) => "uint8",
            Self::U16(_) => "uint16",
            Self::U32(_) => "uint32",
            Self::U64(_) => "uint64",
            Self::F32(_) => "float32",
            Self::F64(_) => "float64",
            Self::C64(_) => "complex64",
            Self::C128(_) => "complex128",
        }
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        on_npy!(self, |a| a.shape())
    }

    /// The array as `i64`: any integer dtype, widened exactly, or a float
    /// dtype whose values are all integers in `i64`'s range (as integer codes
    /// saved by a float pipeline are).
    ///
    /// # Errors
    ///
    /// [`Error::NpyDtype`] for `bool`, complex dtypes, a `uint64` value above
    /// `i64::MAX`, or a float value that is not an integer (or NaN, or out of
    /// range).
    ///
    /// # Example
    ///
    /// ```
    /// use audio_io::npy::NpyArray;
    /// let a = NpyArray::F32(ndarray::arr1(&[-3.0f32, 127.0]).into_dyn());
    /// assert_eq!(a.into_integers()?.into_raw_vec_and_offset().0, vec![-3, 127]);
    /// assert!(NpyArray::F64(ndarray::arr1(&[0.5]).into_dyn()).into_integers().is_err());
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn into_integers(self) -> Result<ArrayD<i64>> {
        self.integers_of(|| "npy array".to_owned())
    }

    /// The array as floats in its own precision (`float32` or `float64`).
    ///
    /// # Errors
    ///
    /// [`Error::NpyDtype`] for any other dtype.
    pub fn into_floats(self) -> Result<FloatArray> {
        self.floats_of(|| "npy array".to_owned())
    }

    /// The array as complex numbers in its own precision (`complex64` or
    /// `complex128`).
    ///
    /// # Errors
    ///
    /// [`Error::NpyDtype`] for any other dtype.
    pub fn into_complex(self) -> Result<ComplexArray> {
        self.complex_of(|| "npy array".to_owned())
    }

    fn dtype_error(&self, what: String, expected: &'static str) -> Error {
        Error::NpyDtype {
            what,
            expected,
            got: self.dtype(),
        }
    }

    fn integers_of(self, what: impl FnOnce() -> String) -> Result<ArrayD<i64>> {
        const EXPECTED: &str = "an integer dtype, or integer-valued floats";
        fn integral(v: f64) -> Option<i64> {
            (v.fract() == 0.0 && (-I64_BOUND..I64_BOUND).contains(&v)).then_some(v as i64)
        }
        let floats = |values: Vec<f64>, shape: &[usize]| -> Option<ArrayD<i64>> {
            let ints: Option<Vec<i64>> = values.into_iter().map(integral).collect();
            ArrayD::from_shape_vec(shape.to_vec(), ints?).ok()
        };
        Ok(match self {
            Self::I8(a) => a.mapv(i64::from),
            Self::I16(a) => a.mapv(i64::from),
            Self::I32(a) => a.mapv(i64::from),
            Self::I64(a) => a,
            Self::U8(a) => a.mapv(i64::from),
            Self::U16(a) => a.mapv(i64::from),
            Self::U32(a) => a.mapv(i64::from),
            Self::U64(ref a) => {
                let ints: Option<Vec<i64>> = a.iter().map(|&v| i64::try_from(v).ok()).collect();
                match ints.and_then(|v| ArrayD::from_shape_vec(a.shape().to_vec(), v).ok()) {
                    Some(ints) => ints,
                    None => return Err(self.dtype_error(what(), EXPECTED)),
                }
            }
            Self::F32(ref a) => {
                match floats(a.iter().map(|&v| f64::from(v)).collect(), a.shape()) {
                    Some(ints) => ints,
                    None => return Err(self.dtype_error(what(), EXPECTED)),
                }
            }
            Self::F64(ref a) => match floats(a.iter().copied().collect(), a.shape()) {
                Some(ints) => ints,
                None => return Err(self.dtype_error(what(), EXPECTED)),
            },
            other => return Err(other.dtype_error(what(), EXPECTED)),
        })
    }

    fn floats_of(self, what: impl FnOnce() -> String) -> Result<FloatArray> {
        match self {
            Self::F32(a) => Ok(Precision::F32(a)),
            Self::F64(a) => Ok(Precision::F64(a)),
            other => Err(other.dtype_error(what(), "float32 or float64")),
        }
    }

    fn complex_of(self, what: impl FnOnce() -> String) -> Result<ComplexArray> {
        match self {
            Self::C64(a) => Ok(Precision::F32(a)),
            Self::C128(a) => Ok(Precision::F64(a)),
            other => Err(other.dtype_error(what(), "complex64 or complex128")),
        }
    }
}

/// What [`write_npy`] wrote: numpy's dtype name and the shape. Displays as
/// `float32 [128, 937]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyInfo {
    /// numpy's name of the dtype.
    pub dtype: &'static str,
    /// The shape.
    pub shape: Vec<usize>,
}

impl fmt::Display for NpyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.dtype, self.shape)
    }
}

/// numpy's name of an element type's dtype, from its `.npy` descriptor.
pub(crate) fn dtype_name<T: WritableElement>() -> &'static str {
    let descr = T::type_descriptor().to_string();
    let code = descr
        .trim_matches(|c| c == '\'' || c == '"')
        .trim_start_matches(['<', '>', '|', '=']);
    DTYPES
        .iter()
        .find(|(_, c, _)| *c == code)
        .map_or("unknown", |(name, _, _)| name)
}

/// Whether `path` ends in `.npy` (any case).
pub fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// Checks the header length field (2 bytes in version 1, 4 in versions 2
/// and 3) against the `available` bytes before `ndarray-npy` allocates a
/// buffer of that length: a 4 GB claim in a 20-byte file is an error, not
/// a 4 GB allocation (found by the `npy_read` fuzz target).
fn check_header_length<R: Read>(
    reader: &mut R,
    available: u64,
    what: &dyn Fn() -> String,
) -> Result<()> {
    let mut prefix = Vec::with_capacity(12);
    reader
        .take(12)
        .read_to_end(&mut prefix)
        .map_err(|source| Error::Stream { source })?;
    let n = prefix.len();
    if !prefix.starts_with(b"\x93NUMPY") {
        // For, say, a WAV given where an array is expected, name what was
        // expected rather than ndarray-npy's "start does not match magic
        // string".
        return Err(Error::malformed(
            "npy",
            format!(
                "{}: not a `.npy` file (it does not start with \"\\x93NUMPY\")",
                what()
            ),
        ));
    }
    let length = match (n, prefix.get(6).copied().unwrap_or(0)) {
        (10.., 1) => u64::from(u16::from_le_bytes([prefix[8], prefix[9]])) + 10,
        (12.., 2 | 3) => {
            u64::from(u32::from_le_bytes([
                prefix[8], prefix[9], prefix[10], prefix[11],
            ])) + 12
        }
        // Too short or an unknown version: ndarray-npy reports it.
        _ => return Ok(()),
    };
    if length > available {
        return Err(Error::malformed(
            "npy",
            format!(
                "{}: the header claims {length} bytes but the file holds {available}",
                what()
            ),
        ));
    }
    Ok(())
}

/// Reads one `.npy` array from `reader`, whose bytes from the current
/// position to the end are the array (the header's declared data size is
/// checked against them before anything is allocated).
fn read_from<R: Read + Seek>(mut reader: R, what: &dyn Fn() -> String) -> Result<NpyArray> {
    let read_err = |source| Error::ReadNpy {
        what: what(),
        source,
    };
    let stream = |source| Error::Stream { source };
    let start = reader.stream_position().map_err(stream)?;
    let end = reader.seek(SeekFrom::End(0)).map_err(stream)?;
    reader.seek(SeekFrom::Start(start)).map_err(stream)?;
    check_header_length(&mut reader, end - start, what)?;
    reader.seek(SeekFrom::Start(start)).map_err(stream)?;
    let header = Header::from_reader(&mut reader).map_err(|e| read_err(e.into()))?;
    let data_start = reader.stream_position().map_err(stream)?;
    let descr = header.type_descriptor.to_string();
    let code = descr
        .trim_matches(|c| c == '\'' || c == '"')
        .trim_start_matches(['<', '>', '|', '=']);
    let Some(&(_, _, item_size)) = DTYPES.iter().find(|(_, c, _)| *c == code) else {
        return Err(Error::Unsupported {
            what: "npy dtype",
            got: descr,
        });
    };
    let declared = header
        .shape
        .iter()
        .try_fold(item_size as u64, |n, &d| n.checked_mul(d as u64));
    let available = end.saturating_sub(data_start);
    match declared {
        Some(n) if n <= available => {}
        _ => {
            return Err(Error::malformed(
                "npy",
                format!(
                    "{}: the header declares shape {:?} of {descr} but only {available} data bytes follow",
                    what(),
                    header.shape
                ),
            ))
        }
    }
    reader.seek(SeekFrom::Start(start)).map_err(stream)?;
    let r = &mut reader;
    let array = match code {
        "b1" => NpyArray::Bool(ArrayD::read_npy(r).map_err(read_err)?),
        "i1" => NpyArray::I8(ArrayD::read_npy(r).map_err(read_err)?),
        "i2" => NpyArray::I16(ArrayD::read_npy(r).map_err(read_err)?),
        "i4" => NpyArray::I32(ArrayD::read_npy(r).map_err(read_err)?),
        "i8" => NpyArray::I64(ArrayD::read_npy(r).map_err(read_err)?),
        "u1" => NpyArray::U8(ArrayD::read_npy(r).map_err(read_err)?),
        "u2" => NpyArray::U16(ArrayD::read_npy(r).map_err(read_err)?),
        "u4" => NpyArray::U32(ArrayD::read_npy(r).map_err(read_err)?),
        "u8" => NpyArray::U64(ArrayD::read_npy(r).map_err(read_err)?),
        "f4" => NpyArray::F32(ArrayD::read_npy(r).map_err(read_err)?),
        "f8" => NpyArray::F64(ArrayD::read_npy(r).map_err(read_err)?),
        "c8" => NpyArray::C64(ArrayD::read_npy(r).map_err(read_err)?),
        _ => NpyArray::C128(ArrayD::read_npy(r).map_err(read_err)?),
    };
    Ok(array)
}

/// Reads a `.npy` file in the dtype it was stored in
/// (`numpy.load(path)`).
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened; [`Error::ReadNpy`] for a
/// malformed header or data; [`Error::Malformed`] when the header declares
/// more data than the file holds; [`Error::Unsupported`] for a dtype outside
/// the list in the [module documentation](self).
pub fn read_npy(path: &Path) -> Result<NpyArray> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read_from(BufReader::new(file), &|| path.display().to_string()).map_err(|e| e.in_file(path))
}

/// Reads a `.npy` array from a reader positioned at its start; the array
/// must extend to the end of the stream.
///
/// # Errors
///
/// As [`read_npy`]; [`Error::Stream`] when seeking fails.
///
/// # Example
///
/// ```
/// use ndarray_npy::WriteNpyExt;
/// let mut bytes = Vec::new();
/// ndarray::arr1(&[1.5f64, 2.5]).write_npy(&mut bytes).expect("in memory");
/// let a = audio_io::npy::read_npy_from(std::io::Cursor::new(bytes))?;
/// assert_eq!(a.dtype(), "float64");
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn read_npy_from<R: Read + Seek>(reader: R) -> Result<NpyArray> {
    read_from(reader, &|| "stream".to_owned())
}

/// Reads a `float32` or `float64` `.npy` in its own precision.
///
/// # Errors
///
/// As [`read_npy`]; [`Error::NpyDtype`] for another dtype.
pub fn read_floats(path: &Path) -> Result<FloatArray> {
    read_npy(path)?.floats_of(|| path.display().to_string())
}

/// Reads a `complex64` or `complex128` `.npy` in its own precision.
///
/// # Errors
///
/// As [`read_npy`]; [`Error::NpyDtype`] for another dtype.
pub fn read_complex(path: &Path) -> Result<ComplexArray> {
    read_npy(path)?.complex_of(|| path.display().to_string())
}

/// Reads a `.npy` of any integer dtype (or integer-valued floats) as `i64`;
/// see [`NpyArray::into_integers`].
///
/// # Errors
///
/// As [`read_npy`] and [`NpyArray::into_integers`].
pub fn read_integers(path: &Path) -> Result<ArrayD<i64>> {
    read_npy(path)?.integers_of(|| path.display().to_string())
}

/// Reads a mono signal: a 1-D `float32` or `float64` `.npy` in its own
/// precision, or an audio file (WAV, FLAC, MP3, OGG) loaded as
/// `librosa.load(path, sr=sr, mono=True)` (channels averaged, `float32`).
///
/// # Errors
///
/// As [`read_floats`] and [`crate::load()`]; [`Error::ShapeMismatch`] for a `.npy`
/// that is not 1-D.
#[cfg(feature = "decode")]
pub fn read_signal(path: &Path, sr: u32) -> Result<Signal> {
    if is_npy(path) {
        let shape_error = |got: &[usize]| Error::ShapeMismatch {
            what: format!("{} (a 1-D signal)", path.display()),
            expected: vec![got.iter().product()],
            got: got.to_vec(),
        };
        return match read_floats(path)? {
            Precision::F32(a) if a.ndim() == 1 => Ok(Precision::F32(a.into_iter().collect())),
            Precision::F64(a) if a.ndim() == 1 => Ok(Precision::F64(a.into_iter().collect())),
            Precision::F32(a) => Err(shape_error(a.shape())),
            Precision::F64(a) => Err(shape_error(a.shape())),
        };
    }
    let options = crate::LoadOptions {
        sr: Some(sr),
        mono: true,
        ..crate::LoadOptions::default()
    };
    let audio = crate::load::<f32>(path, &options)?;
    Ok(Precision::F32(audio.samples.iter().copied().collect()))
}

/// Writes an array as a `.npy` file (`numpy.save(path, array)`), C order
/// (Fortran order for a transposed array), and says what was written.
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be created; [`Error::WriteNpy`] when
/// writing fails.
pub fn write_npy<T, S, D>(path: &Path, array: &ArrayBase<S, D>) -> Result<NpyInfo>
where
    T: WritableElement,
    S: Data<Elem = T>,
    D: Dimension,
{
    let mut out = crate::OutputFile::create(path)?;
    array
        .write_npy(&mut out)
        .map_err(|source| Error::WriteNpy {
            what: path.display().to_string(),
            source,
        })?;
    out.commit()?;
    Ok(NpyInfo {
        dtype: dtype_name::<T>(),
        shape: array.shape().to_vec(),
    })
}

/// Reads every array of an `.npz` archive (`numpy.load(path)` of a
/// `numpy.savez` / `savez_compressed` file), in archive order, named without
/// the `.npy` suffix (`arr_0`, or the keyword given to `savez`).
///
/// # Errors
///
/// [`Error::Io`] when the file cannot be opened; [`Error::Zip`] for a
/// malformed archive; [`Error::Malformed`] for a member that is not a `.npy`;
/// as [`read_npy`] for each array.
///
/// # Example
///
/// ```
/// use audio_io::npy::{read_npz, NpzWriter};
/// let path = std::env::temp_dir().join(format!("audio-io-npz-doc-{}.npz", std::process::id()));
/// let mut npz = NpzWriter::create(&path, true)?;
/// npz.add_array("f0", &ndarray::arr1(&[220.0f32, 0.0]))?;
/// npz.add_array("voiced", &ndarray::arr1(&[true, false]))?;
/// npz.finish()?;
/// let arrays = read_npz(&path)?;
/// assert_eq!(arrays[0].0, "f0");
/// assert_eq!(arrays[1].1.dtype(), "bool");
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), audio_io::Error>(())
/// ```
pub fn read_npz(path: &Path) -> Result<Vec<(String, NpyArray)>> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    read_npz_members(BufReader::new(file), &path.display().to_string()).map_err(|e| e.in_file(path))
}

/// [`read_npz`] from a reader (an archive in memory, say).
///
/// # Errors
///
/// As [`read_npz`]; [`Error::Stream`] when reading fails.
///
/// # Example
///
/// ```
/// assert!(audio_io::npy::read_npz_from(std::io::Cursor::new(b"not a zip".to_vec())).is_err());
/// ```
pub fn read_npz_from<R: Read + Seek>(reader: R) -> Result<Vec<(String, NpyArray)>> {
    read_npz_members(reader, "stream")
}

fn read_npz_members<R: Read + Seek>(reader: R, what: &str) -> Result<Vec<(String, NpyArray)>> {
    let zip_err = |source| Error::Zip { source };
    let mut zip = crate::zip_archive::open_zip(reader)?;
    let mut out = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let mut member = zip.by_index(i).map_err(zip_err)?;
        let name = member.name().map_err(zip_err)?.into_owned();
        let Some(stem) = name.strip_suffix(".npy") else {
            return Err(Error::malformed(
                "npz",
                format!("{what}: member {name} is not a .npy file"),
            ));
        };
        let stem = stem.to_owned();
        // Read what is there (a lying size field cannot inflate this).
        let mut bytes = Vec::new();
        member
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Stream { source })?;
        let what = || format!("{what}[{stem}]");
        out.push((stem.clone(), read_from(std::io::Cursor::new(bytes), &what)?));
    }
    Ok(out)
}

/// Writes an `.npz` archive array by array, as `numpy.savez` (stored) or
/// `numpy.savez_compressed` (deflated) do; [`NpzWriter::finish`] completes
/// it. See [`read_npz`] for an example.
pub struct NpzWriter {
    zip: zip::ZipWriter<crate::OutputFile>,
    options: zip::write::SimpleFileOptions,
    path: PathBuf,
}

impl fmt::Debug for NpzWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NpzWriter")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl NpzWriter {
    /// Creates the archive at `path`, deflate-compressed when `compressed`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be created.
    pub fn create(path: &Path, compressed: bool) -> Result<Self> {
        let file = crate::OutputFile::create(path)?;
        let method = if compressed {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        Ok(Self {
            zip: zip::ZipWriter::new(file),
            options: zip::write::SimpleFileOptions::default()
                .compression_method(method)
                .large_file(true),
            path: path.to_path_buf(),
        })
    }

    /// Adds `array` as `<name>.npy`.
    ///
    /// # Errors
    ///
    /// [`Error::Zip`] when the archive cannot be extended;
    /// [`Error::WriteNpy`] when writing the array fails.
    pub fn add_array<T, S, D>(&mut self, name: &str, array: &ArrayBase<S, D>) -> Result<NpyInfo>
    where
        T: WritableElement,
        S: Data<Elem = T>,
        D: Dimension,
    {
        self.zip
            .start_file(format!("{name}.npy"), self.options)
            .map_err(|source| Error::Zip { source })?;
        array
            .write_npy(BufWriter::new(&mut self.zip))
            .map_err(|source| Error::WriteNpy {
                what: format!("{}[{name}]", self.path.display()),
                source,
            })?;
        Ok(NpyInfo {
            dtype: dtype_name::<T>(),
            shape: array.shape().to_vec(),
        })
    }

    /// Adds the `.npy` file at `npy` as `<name>.npy`, copied in pieces: an
    /// array written block by block (by [`crate::npy::NpyColumnWriter`])
    /// goes into the archive without being held whole.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `npy` cannot be opened; [`Error::Zip`] when the
    /// archive cannot be extended; [`Error::Stream`] when copying fails.
    pub fn add_npy_file(&mut self, name: &str, npy: &Path) -> Result<()> {
        let mut file = std::fs::File::open(npy).map_err(|source| Error::Io {
            path: npy.to_path_buf(),
            source,
        })?;
        self.zip
            .start_file(format!("{name}.npy"), self.options)
            .map_err(|source| Error::Zip { source })?;
        std::io::copy(&mut file, &mut self.zip).map_err(|source| Error::Stream { source })?;
        Ok(())
    }

    /// Writes the archive's central directory and moves the finished file to
    /// its path. An archive dropped before `finish` leaves no file behind
    /// (see [`crate::OutputFile`]).
    ///
    /// # Errors
    ///
    /// [`Error::Zip`] when finishing the archive fails; [`Error::Io`] when
    /// flushing or renaming fails.
    pub fn finish(self) -> Result<()> {
        let file = self.zip.finish().map_err(|source| Error::Zip { source })?;
        file.commit()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use ndarray::{arr1, arr2, Array2};

    fn tmp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("audio-io-npy-{}-{name}", std::process::id()))
    }

    #[test]
    fn every_integer_dtype_reads_as_i64() {
        let p = tmp("ints.npy");
        let want = arr1(&[-3i64, 0, 127]).into_dyn();
        let unsigned = arr1(&[0i64, 3, 127]).into_dyn();
        macro_rules! check {
            ($t:ty, $name:expr, $values:expr, $want:expr) => {{
                let a = arr1(&$values.map(|v: i64| v as $t));
                write_npy(&p, &a).unwrap();
                let read = read_npy(&p).unwrap();
                assert_eq!(read.dtype(), $name);
                assert_eq!(read_integers(&p).unwrap(), $want);
            }};
        }
        check!(i8, "int8", [-3, 0, 127], want);
        check!(i16, "int16", [-3, 0, 127], want);
        check!(i32, "int32", [-3, 0, 127], want);
        check!(i64, "int64", [-3, 0, 127], want);
        check!(u8, "uint8", [0, 3, 127], unsigned);
        check!(u16, "uint16", [0, 3, 127], unsigned);
        check!(u32, "uint32", [0, 3, 127], unsigned);
        check!(u64, "uint64", [0, 3, 127], unsigned);
        check!(f32, "float32", [-3, 0, 127], want);
        check!(f64, "float64", [-3, 0, 127], want);
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn non_integers_are_refused_as_codes() {
        let p = tmp("nonint.npy");
        write_npy(&p, &arr1(&[0.5f64])).unwrap();
        assert!(matches!(
            read_integers(&p),
            Err(Error::NpyDtype { got: "float64", .. })
        ));
        write_npy(&p, &arr1(&[f32::NAN])).unwrap();
        assert!(read_integers(&p).is_err());
        write_npy(&p, &arr1(&[u64::MAX])).unwrap();
        assert!(read_integers(&p).is_err());
        write_npy(&p, &arr1(&[true])).unwrap();
        assert!(read_integers(&p).is_err());
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn floats_and_complex_keep_their_precision() {
        let p = tmp("floats.npy");
        let a: Array2<f32> = arr2(&[[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(write_npy(&p, &a).unwrap().to_string(), "float32 [2, 2]");
        assert_eq!(read_floats(&p).unwrap(), Precision::F32(a.into_dyn()));
        assert!(read_complex(&p).is_err());
        let c = arr1(&[Complex::new(1.0f64, -1.0)]);
        assert_eq!(write_npy(&p, &c).unwrap().dtype, "complex128");
        assert_eq!(read_complex(&p).unwrap(), Precision::F64(c.into_dyn()));
        assert!(matches!(
            read_floats(&p),
            Err(Error::NpyDtype {
                got: "complex128",
                ..
            })
        ));
        // A transposed (Fortran-order) array round-trips.
        let t = arr2(&[[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        write_npy(&p, &t.t()).unwrap();
        assert_eq!(
            read_floats(&p).unwrap(),
            Precision::F64(t.t().to_owned().into_dyn())
        );
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn signals_are_one_dimensional() {
        let p = tmp("signal.npy");
        write_npy(&p, &arr1(&[0.5f64, -0.5])).unwrap();
        assert_eq!(
            read_signal(&p, 22050).unwrap(),
            Precision::F64(vec![0.5, -0.5])
        );
        write_npy(&p, &arr2(&[[0.5f32]])).unwrap();
        assert!(matches!(
            read_signal(&p, 22050),
            Err(Error::ShapeMismatch { .. })
        ));
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn a_header_that_overstates_its_data_is_refused_before_allocating() {
        let mut bytes = Vec::new();
        arr1(&[1.0f64, 2.0]).write_npy(&mut bytes).unwrap();
        let find = |needle: &[u8]| {
            bytes
                .windows(needle.len())
                .position(|w| w == needle)
                .unwrap()
        };
        let pos = find(b"(2,)");
        // Patch the shape in place (same header length): 9 elements, 2 present.
        let mut hostile = bytes.clone();
        hostile[pos..pos + 4].copy_from_slice(b"(9,)");
        assert!(matches!(
            read_npy_from(std::io::Cursor::new(hostile)),
            Err(Error::Malformed { .. })
        ));
        // Truncated data is refused too.
        let mut truncated = bytes.clone();
        truncated.truncate(bytes.len() - 4);
        assert!(read_npy_from(std::io::Cursor::new(truncated)).is_err());
        // A dtype this module does not read.
        let mut odd = bytes.clone();
        let d = find(b"<f8");
        odd[d..d + 3].copy_from_slice(b"<f2");
        assert!(matches!(
            read_npy_from(std::io::Cursor::new(odd)),
            Err(Error::Unsupported { .. })
        ));
    }

    #[test]
    fn npz_round_trips_stored_and_compressed() {
        for compressed in [false, true] {
            let p = tmp(&format!("arrays-{compressed}.npz"));
            let mut npz = NpzWriter::create(&p, compressed).unwrap();
            npz.add_array("codes", &arr1(&[1i16, -2])).unwrap();
            npz.add_array("mel", &arr2(&[[0.25f64, 0.5]])).unwrap();
            npz.finish().unwrap();
            let arrays = read_npz(&p).unwrap();
            assert_eq!(arrays.len(), 2);
            assert_eq!(arrays[0].0, "codes");
            assert_eq!(arrays[0].1, NpyArray::I16(arr1(&[1i16, -2]).into_dyn()));
            assert_eq!(arrays[1].0, "mel");
            assert_eq!(
                arrays[1].1,
                NpyArray::F64(arr2(&[[0.25f64, 0.5]]).into_dyn())
            );
            std::fs::remove_file(&p).ok();
        }
        // Not a zip.
        let p = tmp("notzip.npz");
        std::fs::write(&p, b"not a zip").unwrap();
        let err = read_npz(&p).unwrap_err();
        assert!(err.to_string().contains("notzip.npz"), "{err}");
        assert!(
            matches!(&err, Error::InFile { source, .. } if matches!(**source, Error::Zip { .. })),
            "{err:?}"
        );
        std::fs::remove_file(&p).ok();
    }

    #[test]
    fn missing_files_name_the_path() {
        let p = tmp("missing.npy");
        let err = read_npy(&p).unwrap_err();
        assert!(err.to_string().contains("missing.npy"), "{err}");
    }
}
