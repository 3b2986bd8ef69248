//! [`NpyColumnWriter`]: a 2-D `.npy` array written frame by frame.

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use ndarray::ArrayView2;
use ndarray_npy::npy::header::{Header, Layout};
use ndarray_npy::WritableElement;

use crate::npy::NpyInfo;
use crate::{Error, OutputFile, Result};

/// Writes a `(rows, columns)` array to a `.npy` file one block of columns
/// (frames) at a time, so a feature of any length is written in memory of
/// one block: the data go out in Fortran (column-major) order, which numpy
/// reads as the same array (`np.load` gives the same shape and values, as
/// `np.asfortranarray` of the C-order array), and the header's column
/// count is filled in by [`NpyColumnWriter::finish`]. The file appears at
/// `path` only then (written under a temporary name and renamed), so an
/// interrupted run leaves no partial array.
///
/// # Example
///
/// ```
/// use audio_io::npy::{read_npy, NpyColumnWriter};
/// let path = std::env::temp_dir().join(format!("audio-io-columns-doc-{}.npy", std::process::id()));
/// let mut writer = NpyColumnWriter::<f32>::create(&path, 2)?;
/// writer.write_columns(ndarray::array![[1.0f32, 2.0], [3.0, 4.0]].view())?;
/// writer.write_columns(ndarray::array![[5.0f32], [6.0]].view())?;
/// assert_eq!(writer.finish()?.shape, vec![2, 3]);
/// let back = read_npy(&path)?.into_floats()?;
/// let want = ndarray::array![[1.0f32, 2.0, 5.0], [3.0, 4.0, 6.0]].into_dyn();
/// assert_eq!(back, audio_io::npy::Precision::F32(want));
/// # std::fs::remove_file(&path).ok();
/// # Ok::<(), audio_io::Error>(())
/// ```
#[derive(Debug)]
pub struct NpyColumnWriter<T: WritableElement> {
    file: OutputFile,
    path: PathBuf,
    rows: usize,
    columns: usize,
    /// The array's dimensions before the columns: `[rows]`, none for a 1-D
    /// array, several for [`NpyColumnWriter::create_nd`].
    leading: Vec<usize>,
    header_len: usize,
    scratch: Vec<T>,
}

/// A column count wider than any array written, for the header's room.
const PLACEHOLDER_COLUMNS: usize = 99_999_999_999_999;

impl<T: WritableElement + Clone> NpyColumnWriter<T> {
    /// Creates the file (under a temporary name) with room for the header.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be created or written.
    pub fn create(path: impl AsRef<Path>, rows: usize) -> Result<Self> {
        Self::create_shaped(path.as_ref(), vec![rows])
    }

    /// An array `(d_0, …, d_{n-1}, columns)` written a block of columns at
    /// a time: each column holds the `d_0 · … · d_{n-1}` values of one
    /// index along the last axis, in Fortran order (the first index
    /// fastest: row `r` of a block is the element whose leading indices
    /// `(i_0, …)` give `r = i_0 + d_0 (i_1 + d_1 (…))`). A harmonic CQT
    /// `(harmonics, bins, frames)` is written frame by frame this way.
    ///
    /// # Errors
    ///
    /// As [`NpyColumnWriter::create`].
    ///
    /// # Example
    ///
    /// ```
    /// use audio_io::npy::{read_npy, NpyColumnWriter};
    /// let path = std::env::temp_dir().join(format!("audio-io-nd-doc-{}.npy", std::process::id()));
    /// let mut writer = NpyColumnWriter::<f32>::create_nd(&path, &[2, 3])?;
    /// // Column t holds a[i, k, t] at row i + 2 k.
    /// let a = ndarray::Array3::from_shape_fn((2, 3, 4), |(i, k, t)| (100 * i + 10 * k + t) as f32);
    /// for t in 0..4 {
    ///     let column = ndarray::Array2::from_shape_fn((6, 1), |(r, _)| a[[r % 2, r / 2, t]]);
    ///     writer.write_columns(column.view())?;
    /// }
    /// assert_eq!(writer.finish()?.shape, vec![2, 3, 4]);
    /// let back = read_npy(&path)?.into_floats()?;
    /// assert_eq!(back, audio_io::npy::Precision::F32(a.into_dyn()));
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn create_nd(path: impl AsRef<Path>, leading: &[usize]) -> Result<Self> {
        Self::create_shaped(path.as_ref(), leading.to_vec())
    }

    /// A 1-D array `(n,)` written a block of samples at a time
    /// ([`NpyColumnWriter::write_columns`] with one row).
    ///
    /// # Errors
    ///
    /// As [`NpyColumnWriter::create`].
    pub fn create_vector(path: impl AsRef<Path>) -> Result<Self> {
        Self::create_shaped(path.as_ref(), Vec::new())
    }

    fn create_shaped(path: &Path, leading: Vec<usize>) -> Result<Self> {
        let path = path.to_path_buf();
        let mut file = OutputFile::create(&path)?;
        let header = header_bytes::<T>(&path, &shape(&leading, PLACEHOLDER_COLUMNS), None)?;
        file.write_all(&header).map_err(|e| Error::io(&path, e))?;
        Ok(Self {
            file,
            path,
            rows: leading.iter().product(),
            columns: 0,
            leading,
            header_len: header.len(),
            scratch: Vec::new(),
        })
    }

    /// Appends the columns of `block` (`(rows, k)`).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `block` has another number of rows;
    /// [`Error::WriteNpy`] when writing fails.
    pub fn write_columns(&mut self, block: ArrayView2<'_, T>) -> Result<()> {
        if block.nrows() != self.rows {
            return Err(Error::ShapeMismatch {
                what: format!("columns written to {}", self.path.display()),
                expected: vec![self.rows],
                got: vec![block.nrows()],
            });
        }
        self.scratch.clear();
        // Column-major: columns one after another.
        self.scratch.extend(block.t().iter().cloned());
        T::write_slice(&self.scratch, &mut self.file).map_err(|e| Error::WriteNpy {
            what: self.path.display().to_string(),
            source: e.into(),
        })?;
        self.columns += block.ncols();
        Ok(())
    }

    /// Writes the columns of `block` (`(rows, k)`) at columns `at..at + k`,
    /// before or after what is already written, for an array assembled
    /// out of order (`audio remix` copies each interval to its place in
    /// one pass over the input). The array ends at the furthest column
    /// written; a column never written reads as zeros. Later
    /// [`NpyColumnWriter::write_columns`] append after that end.
    ///
    /// # Errors
    ///
    /// As [`NpyColumnWriter::write_columns`]; [`Error::Io`] when seeking
    /// fails.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_io::npy::{read_npy, NpyColumnWriter};
    /// let path = std::env::temp_dir().join(format!("audio-io-at-doc-{}.npy", std::process::id()));
    /// let mut writer = NpyColumnWriter::<f32>::create_vector(&path)?;
    /// writer.write_columns_at(3, ndarray::array![[4.0f32, 5.0]].view())?;
    /// writer.write_columns_at(0, ndarray::array![[1.0f32, 2.0, 3.0]].view())?;
    /// assert_eq!(writer.finish()?.shape, vec![5]);
    /// let back = read_npy(&path)?.into_floats()?;
    /// let want = ndarray::array![1.0f32, 2.0, 3.0, 4.0, 5.0].into_dyn();
    /// assert_eq!(back, audio_io::npy::Precision::F32(want));
    /// # std::fs::remove_file(&path).ok();
    /// # Ok::<(), audio_io::Error>(())
    /// ```
    pub fn write_columns_at(&mut self, at: usize, block: ArrayView2<'_, T>) -> Result<()> {
        let Some(first) = block.iter().next() else {
            return self.write_columns(block);
        };
        let mut one = Vec::new();
        T::write_slice(std::slice::from_ref(first), &mut one).map_err(|e| Error::WriteNpy {
            what: self.path.display().to_string(),
            source: e.into(),
        })?;
        let column_bytes = (self.rows * one.len()) as u64;
        let header_len = self.header_len as u64;
        let offset = move |column: usize| header_len + column as u64 * column_bytes;
        let (start, end) = (offset(at), offset(self.columns));
        let io = |e| Error::io(&self.path, e);
        self.file.seek(SeekFrom::Start(start)).map_err(io)?;
        let written = self.columns;
        self.write_columns(block)?;
        self.columns = written.max(at + block.ncols());
        let end = end.max(offset(self.columns));
        self.file
            .seek(SeekFrom::Start(end))
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(())
    }

    /// Columns written so far.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// Writes the final header and moves the file into place.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when seeking, writing or renaming fails.
    pub fn finish(mut self) -> Result<NpyInfo> {
        let shape = shape(&self.leading, self.columns);
        let header = header_bytes::<T>(&self.path, &shape, Some(self.header_len))?;
        let io = |e| Error::io(&self.path, e);
        self.file.seek(SeekFrom::Start(0)).map_err(io)?;
        self.file.write_all(&header).map_err(io)?;
        self.file.commit()?;
        Ok(NpyInfo {
            dtype: crate::npy::dtype_name::<T>(),
            shape,
        })
    }
}

/// The leading dimensions, then the columns.
fn shape(leading: &[usize], columns: usize) -> Vec<usize> {
    let mut shape = leading.to_vec();
    shape.push(columns);
    shape
}

/// numpy's header for a Fortran-order array of `shape`, padded with spaces
/// to `len` bytes when given (version 1.0 or 2.0 as its length needs).
fn header_bytes<T: WritableElement>(
    path: &Path,
    shape: &[usize],
    len: Option<usize>,
) -> Result<Vec<u8>> {
    let header = Header {
        type_descriptor: T::type_descriptor(),
        layout: Layout::Fortran,
        shape: shape.to_vec(),
    };
    let format_error = |e: ndarray_npy::npy::header::FormatHeaderError| Error::WriteNpy {
        what: path.display().to_string(),
        source: e.into(),
    };
    let bytes = header.to_bytes().map_err(format_error)?;
    let Some(len) = len else {
        return Ok(bytes);
    };
    // The same version and total length as the placeholder; the dict, then
    // spaces, then the newline.
    let dict = header.to_string();
    let prefix = if bytes[6] == 1 { 10 } else { 12 };
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(b"\x93NUMPY");
    let length = len - prefix;
    if prefix == 10 {
        out.extend_from_slice(&[1, 0]);
        out.extend_from_slice(&u16::try_from(length).unwrap_or(u16::MAX).to_le_bytes());
    } else {
        out.extend_from_slice(&[2, 0]);
        out.extend_from_slice(&u32::try_from(length).unwrap_or(u32::MAX).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(len - 1, b' ');
    out.push(b'\n');
    Ok(out)
}
