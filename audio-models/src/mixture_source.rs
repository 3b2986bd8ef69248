//! [`MixtureSource`]: a mixture a separator reads block by block, as often
//! as it needs, from memory or from a file (Open-Unmix's exact path and
//! Demucs read their input this way).

use std::path::{Path, PathBuf};

use ndarray::{s, Array2, ArrayView2, Axis};

use crate::traits::Separator;

use crate::Result;

/// A mixture read block by block, from the start again on each
/// [`MixtureSource::rewind`]: the exact Open-Unmix path reads it once per
/// model and once more for the Wiener filter
/// ([`crate::open_unmix::OpenUnmixSeparator::separate_source`]), Demucs
/// once for the mean, once for the deviation and once to separate
/// ([`crate::demucs::Demucs::separate_source`]), so a file never has to be
/// held in memory.
pub trait MixtureSource {
    /// Channels (1 or 2 for Open-Unmix).
    fn channels(&self) -> usize;

    /// Samples per channel.
    fn len(&self) -> usize;

    /// Whether there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts again from the first sample.
    ///
    /// # Errors
    ///
    /// The source's own (reopening a file).
    fn rewind(&mut self) -> Result<()>;

    /// The next samples, `(channels, n)` with `0 < n <= max`; `n = 0` at
    /// the end.
    ///
    /// # Errors
    ///
    /// The source's own (decoding).
    fn read(&mut self, max: usize) -> Result<Array2<f32>>;
}

/// The whole of `source`, from its first sample, as `(channels, len)`.
///
/// # Errors
///
/// The source's own; [`crate::Error::ShapeMismatch`] when it gives fewer
/// samples than its `len`.
pub fn read_whole(source: &mut dyn MixtureSource) -> Result<Array2<f32>> {
    source.rewind()?;
    let (channels, len) = (source.channels(), source.len());
    let mut whole = Array2::<f32>::zeros((channels, len));
    let mut at = 0;
    while at < len {
        let block = source.read(len - at)?;
        if block.ncols() == 0 {
            return Err(too_short(channels, len, at));
        }
        let n = block.ncols().min(len - at);
        whole
            .slice_mut(s![.., at..at + n])
            .assign(&block.slice(s![.., ..n]));
        at += n;
    }
    Ok(whole)
}

/// [`Separator::separate_source`] of `mixture` in memory, the stretches
/// joined: how a separator that streams implements
/// [`Separator::separate`], so both give the same estimates.
///
/// # Errors
///
/// As `sep`'s [`Separator::separate_source`].
pub(crate) fn separate_in_memory(
    sep: &dyn Separator,
    mixture: ArrayView2<'_, f32>,
) -> Result<Vec<Array2<f32>>> {
    let mut parts: Vec<Vec<Array2<f32>>> = Vec::new();
    sep.separate_source(&mut InMemoryMixture::new(mixture), &mut |stems| {
        parts.push(stems.to_vec());
        Ok(())
    })?;
    (0..sep.targets().len())
        .map(|j| {
            let views: Vec<_> = parts
                .iter()
                .filter_map(|p| p.get(j))
                .map(|a| a.view())
                .collect();
            ndarray::concatenate(Axis(1), &views).map_err(|_| crate::Error::ShapeMismatch {
                what: "separated stretches",
                expected: "at least one stretch, of one channel count".into(),
                got: views.iter().map(|v| v.nrows()).collect(),
            })
        })
        .collect()
}

/// [`crate::Error::NonFinite`] for the first NaN or infinite sample of
/// `block`, which starts at sample `at` of a mixture of `len` samples: its
/// index is the one in the whole `(channels, len)` mixture, in memory
/// order.
pub(crate) fn check_finite_block(block: ArrayView2<'_, f32>, at: usize, len: usize) -> Result<()> {
    match block.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(crate::Error::NonFinite {
            what: "mixture",
            index: (i / block.ncols()) * len + at + i % block.ncols(),
        }),
        None => Ok(()),
    }
}

/// The error of a source that ended after `got` of its `len` samples.
pub(crate) fn too_short(channels: usize, len: usize, got: usize) -> crate::Error {
    crate::Error::ShapeMismatch {
        what: "mixture source",
        expected: format!("{len} samples, as its length says"),
        got: vec![channels, got],
    }
}

/// A mixture in memory as a [`MixtureSource`].
#[derive(Debug, Clone)]
pub struct InMemoryMixture<'a> {
    samples: ArrayView2<'a, f32>,
    position: usize,
}

impl<'a> InMemoryMixture<'a> {
    /// Reads `samples` (`(channels, n)`).
    pub fn new(samples: ArrayView2<'a, f32>) -> Self {
        Self {
            samples,
            position: 0,
        }
    }
}

impl MixtureSource for InMemoryMixture<'_> {
    fn channels(&self) -> usize {
        self.samples.nrows()
    }

    fn len(&self) -> usize {
        self.samples.ncols()
    }

    fn rewind(&mut self) -> Result<()> {
        self.position = 0;
        Ok(())
    }

    fn read(&mut self, max: usize) -> Result<Array2<f32>> {
        let end = (self.position + max).min(self.samples.ncols());
        let block = self.samples.slice(s![.., self.position..end]).to_owned();
        self.position = end;
        Ok(block)
    }
}

/// An audio file as a [`MixtureSource`] at a separator's sample rate:
/// decoded and resampled block by block ([`audio_io::LoadStream`], soxr_hq
/// as `librosa.load`), reopened on each rewind, so memory holds one block
/// whatever the file's length. The samples equal `audio_io::load(path,
/// sr, mono=False)`'s.
#[derive(Debug)]
pub struct FileMixture {
    path: PathBuf,
    options: audio_io::LoadOptions,
    stream: audio_io::LoadStream<f32>,
    channels: usize,
    len: usize,
    /// Decoded samples not yet read.
    pending: Array2<f32>,
}

impl FileMixture {
    /// Opens `path` for reading at `sample_rate`. One decoding pass counts
    /// the frames really present (a header's count may be wrong, an MP3 may
    /// give none) and finds an undecodable file before any separating.
    ///
    /// # Errors
    ///
    /// The decoder's errors ([`crate::Error::Io`]).
    pub fn open(path: impl AsRef<Path>, sample_rate: u32) -> Result<Self> {
        Self::open_with(path, sample_rate, false)
    }

    /// [`FileMixture::open`] mixed down to one channel, as `audio_io::load`
    /// (`librosa.load`) with `mono=True` gives it (a tagger's input).
    ///
    /// # Errors
    ///
    /// The decoder's errors ([`crate::Error::Io`]).
    pub fn open_mono(path: impl AsRef<Path>, sample_rate: u32) -> Result<Self> {
        Self::open_with(path, sample_rate, true)
    }

    fn open_with(path: impl AsRef<Path>, sample_rate: u32, mono: bool) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let options = audio_io::LoadOptions {
            sr: Some(sample_rate),
            mono,
            ..audio_io::LoadOptions::default()
        };
        let stream = audio_io::LoadStream::<f32>::open(&path, &options)?;
        let native = stream.info().sample_rate;
        let frames = audio_io::AudioReader::open(&path)?.count_remaining_frames()?;
        let frames = usize::try_from(frames).unwrap_or(usize::MAX);
        let len = if native == sample_rate {
            frames
        } else {
            audio_dsp::Resampler::new(f64::from(native), f64::from(sample_rate), options.res_type)?
                .output_len(frames)
        };
        let channels = stream.channels();
        Ok(Self {
            path,
            options,
            stream,
            channels,
            len,
            pending: Array2::zeros((channels, 0)),
        })
    }
}

impl MixtureSource for FileMixture {
    fn channels(&self) -> usize {
        self.channels
    }

    fn len(&self) -> usize {
        self.len
    }

    fn rewind(&mut self) -> Result<()> {
        self.stream = audio_io::LoadStream::open(&self.path, &self.options)?;
        self.pending = Array2::zeros((self.channels, 0));
        Ok(())
    }

    fn read(&mut self, max: usize) -> Result<Array2<f32>> {
        if self.pending.ncols() == 0 {
            match self.stream.next_block()? {
                Some(block) => self.pending = block,
                None => return Ok(Array2::zeros((self.channels, 0))),
            }
        }
        let n = max.min(self.pending.ncols());
        let block = self.pending.slice(s![.., ..n]).to_owned();
        self.pending = self.pending.slice(s![.., n..]).to_owned();
        Ok(block)
    }
}
