//! Separation of long tracks in overlapping chunks with a linear cross-fade:
//! memory bounded by the chunk length, not the track length.

use ndarray::{s, Array2, ArrayView2, Axis};

use super::separator::OpenUnmixSeparator;
use crate::mixture_source::{InMemoryMixture, MixtureSource};
use crate::{Error, Result, Separator};

/// Open-Unmix on overlapping chunks of a long track.
///
/// The track is cut into chunks of `chunk` samples that overlap by `overlap`
/// samples (a final remainder shorter than half a chunk joins the last
/// chunk); each chunk is separated by the exact path of
/// [`OpenUnmixSeparator`] (its own STFT, models and Wiener filter, so the
/// Wiener statistics are per chunk too), and consecutive chunks are
/// cross-faded over the overlap with the linear ramp
/// `y[n] = (1 - r_n)·a[n] + r_n·b[n]`, `r_n = (n + 1/2) / overlap`.
/// Peak memory is that of one chunk (plus the caller's buffers), whatever the
/// track length; estimates are handed to a sink in order as they are final.
///
/// The result differs from the whole-track path because the bidirectional
/// LSTM sees only the chunk; the SDR difference on real music is measured in
/// the guide (`docs/src/audio-models.md`).
///
/// # Shapes
///
/// As [`OpenUnmixSeparator`]: `(channels, samples)` → per target `(channels', samples)`.
///
/// # Example
///
/// ```
/// use audio_models::open_unmix::{ChunkedSeparator, OpenUnmix, OpenUnmixConfig, OpenUnmixSeparator, SeparatorConfig};
/// use audio_models::Separator;
/// use candle_core::{DType, Device};
/// let config = OpenUnmixConfig { nb_bins: 257, nb_channels: 2, hidden_size: 8, nb_layers: 1,
///     unidirectional: false, max_bin: None };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let sep = OpenUnmixSeparator::new(vec![("drums".into(), OpenUnmix::new(config, vb)?)],
///     SeparatorConfig { n_fft: 512, n_hop: 128, niter: 0, ..SeparatorConfig::default() })?;
/// let chunked = ChunkedSeparator::new(sep, 4096, 1024)?;
/// let mix = ndarray::Array2::from_shape_fn((2, 20000), |(c, n)| ((n * (c + 1)) as f32 * 0.01).sin());
/// let est = chunked.separate(mix.view())?;
/// assert_eq!(est[0].dim(), (2, 20000));
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ChunkedSeparator {
    inner: OpenUnmixSeparator,
    chunk: usize,
    overlap: usize,
}

impl ChunkedSeparator {
    /// Chunks of `chunk` samples overlapping by `overlap` samples.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `chunk >= 2·n_fft` and `0 < overlap <= chunk / 2`.
    pub fn new(inner: OpenUnmixSeparator, chunk: usize, overlap: usize) -> Result<Self> {
        let n_fft = inner.config().n_fft;
        if chunk < 2 * n_fft {
            return Err(Error::InvalidParameter {
                name: "chunk",
                value: chunk.to_string(),
                expected: ">= 2 * n_fft samples",
            });
        }
        if overlap == 0 || 2 * overlap > chunk {
            return Err(Error::InvalidParameter {
                name: "overlap",
                value: overlap.to_string(),
                expected: "0 < overlap <= chunk / 2",
            });
        }
        Ok(Self {
            inner,
            chunk,
            overlap,
        })
    }

    /// Chunks of `chunk_seconds` overlapping by `overlap_seconds`, at the
    /// models' sample rate.
    ///
    /// # Errors
    ///
    /// As [`ChunkedSeparator::new`]; [`Error::InvalidParameter`] for non-finite or negative durations.
    pub fn with_seconds(
        inner: OpenUnmixSeparator,
        chunk_seconds: f64,
        overlap_seconds: f64,
    ) -> Result<Self> {
        let sr = f64::from(inner.sample_rate());
        let to_samples = |name: &'static str, s: f64| {
            if s.is_finite() && s > 0.0 {
                Ok((s * sr).round() as usize)
            } else {
                Err(Error::InvalidParameter {
                    name,
                    value: s.to_string(),
                    expected: "a positive duration in seconds",
                })
            }
        };
        let chunk = to_samples("chunk_seconds", chunk_seconds)?;
        let overlap = to_samples("overlap_seconds", overlap_seconds)?;
        Self::new(inner, chunk, overlap)
    }

    /// The exact separator run on each chunk.
    pub fn inner(&self) -> &OpenUnmixSeparator {
        &self.inner
    }

    /// Chunk length in samples.
    pub fn chunk(&self) -> usize {
        self.chunk
    }

    /// Overlap in samples.
    pub fn overlap(&self) -> usize {
        self.overlap
    }

    /// Separates `mixture` chunk by chunk, calling `sink(start, estimates)`
    /// with consecutive final segments (`start` the segment's first sample,
    /// `estimates` one `(channels', len)` array per target) that tile
    /// `0..samples` in order.
    ///
    /// # Errors
    ///
    /// As [`Separator::separate`]; any error `sink` returns stops the run.
    ///
    /// # Shapes
    ///
    /// `(channels, samples)` → segments `(channels', len)` per target.
    pub fn process(
        &self,
        mixture: ArrayView2<'_, f32>,
        sink: impl FnMut(usize, Vec<Array2<f32>>) -> Result<()>,
    ) -> Result<()> {
        self.process_source(&mut InMemoryMixture::new(mixture), sink)
    }

    /// [`ChunkedSeparator::process`] on a [`MixtureSource`] read once, in
    /// order: only the current chunk (at most 1.5 chunks) of the mixture is
    /// held, so with a file ([`super::FileMixture`]) memory does not depend
    /// on the track's length at all.
    ///
    /// # Errors
    ///
    /// As [`ChunkedSeparator::process`]; the source's errors.
    pub fn process_source(
        &self,
        mixture: &mut dyn MixtureSource,
        mut sink: impl FnMut(usize, Vec<Array2<f32>>) -> Result<()>,
    ) -> Result<()> {
        mixture.rewind()?;
        let mut n = mixture.len();
        let (chunk, ov) = (self.chunk, self.overlap);
        // The mixture from sample `held_from` on, as far as read.
        let mut held = Array2::<f32>::zeros((mixture.channels(), 0));
        let mut held_from = 0usize;
        let mut start = 0usize;
        let mut tail: Option<Vec<Array2<f32>>> = None;
        loop {
            let mut end = (start + chunk).min(n);
            if n - end < chunk / 2 {
                end = n;
            }
            while held_from + held.ncols() < end {
                let block = mixture.read(end - held_from - held.ncols())?;
                if block.ncols() == 0 {
                    // The source ended before its declared length.
                    n = held_from + held.ncols();
                    end = n;
                    break;
                }
                held =
                    ndarray::concatenate(Axis(1), &[held.view(), block.view()]).map_err(|_| {
                        Error::ShapeMismatch {
                            what: "mixture block",
                            expected: format!("{} channels", held.nrows()),
                            got: block.shape().to_vec(),
                        }
                    })?;
            }
            let est = self
                .inner
                .separate(held.slice(s![.., start - held_from..end - held_from]))?;
            let len = end - start;
            let mut from = 0;
            if let Some(prev) = tail.take() {
                let m = ov.min(len);
                let blended = prev
                    .iter()
                    .zip(&est)
                    .map(|(a, b)| {
                        let mut out = Array2::zeros((a.nrows(), m));
                        for i in 0..m {
                            let r = (i as f32 + 0.5) / ov as f32;
                            for c in 0..a.nrows() {
                                out[[c, i]] = (1.0 - r) * a[[c, i]] + r * b[[c, i]];
                            }
                        }
                        out
                    })
                    .collect();
                sink(start, blended)?;
                from = m;
            }
            if end == n {
                if from < len {
                    sink(
                        start + from,
                        est.iter()
                            .map(|e| e.slice(s![.., from..]).to_owned())
                            .collect(),
                    )?;
                }
                return Ok(());
            }
            sink(
                start + from,
                est.iter()
                    .map(|e| e.slice(s![.., from..len - ov]).to_owned())
                    .collect(),
            )?;
            tail = Some(
                est.iter()
                    .map(|e| e.slice(s![.., len - ov..]).to_owned())
                    .collect(),
            );
            start = end - ov;
            held = held.slice(s![.., start - held_from..]).to_owned();
            held_from = start;
        }
    }
}

impl Separator for ChunkedSeparator {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    fn targets(&self) -> Vec<String> {
        self.inner.targets()
    }

    fn separate(&self, mixture: ArrayView2<'_, f32>) -> Result<Vec<Array2<f32>>> {
        let (channels, n) = mixture.dim();
        let oc = self.inner.output_channels(channels);
        let mut out: Vec<Array2<f32>> = self
            .targets()
            .iter()
            .map(|_| Array2::zeros((oc, n)))
            .collect();
        self.process(mixture, |start, seg| {
            for (o, s) in out.iter_mut().zip(&seg) {
                let len = s.ncols();
                o.slice_mut(s![.., start..start + len]).assign(s);
            }
            Ok(())
        })?;
        Ok(out)
    }

    /// [`ChunkedSeparator::process_source`]: one chunk at a time.
    fn separate_source(
        &self,
        mixture: &mut dyn MixtureSource,
        sink: &mut dyn FnMut(&[Array2<f32>]) -> Result<()>,
    ) -> Result<()> {
        self.process_source(mixture, |_, segment| sink(&segment))
    }
}
