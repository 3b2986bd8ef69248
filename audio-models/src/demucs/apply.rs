//! `demucs.apply.apply_model`: a model over a whole track, in overlapping
//! segments with triangular transition weights, and with random time shifts.

pub(crate) use super::track::Track;
use candle_core::{Device, Tensor};
use ndarray::{s, Array1, Array3, ArrayView2};

use crate::error::{Error, Result};

/// What [`apply_model`] needs of a network: `demucs.demucs.Demucs`,
/// `HDemucs` and `HTDemucs` all provide it.
pub trait SegmentModel {
    /// The sample rate the model runs at.
    fn samplerate(&self) -> u32;
    /// Audio channels in and out.
    fn audio_channels(&self) -> usize;
    /// The number of sources it estimates.
    fn source_count(&self) -> usize;
    /// `int(samplerate · segment)`: the split length, for the model's own
    /// segment (`None`) or an override in seconds.
    fn segment_samples(&self, segment: Option<f64>) -> usize;
    /// The length a chunk of `length` samples is padded to (with the
    /// track's own neighbouring samples) before the model runs.
    ///
    /// # Errors
    ///
    /// When the model cannot take such a chunk (HTDemucs past its segment).
    fn valid_length(&self, length: usize, segment: Option<f64>) -> Result<usize>;
    /// The network on `(1, audio_channels, time)` → `(1, sources,
    /// audio_channels, time')`, `time' ≥ time` (centre-trimmed by the caller).
    ///
    /// # Errors
    ///
    /// Shape and backend errors.
    fn forward(&self, x: &Tensor) -> Result<Tensor>;
    /// The device of the weights.
    fn device(&self) -> &Device;
}

/// The options of `demucs.apply.apply_model`, with its defaults
/// (`shifts=1, split=True, overlap=0.25, transition_power=1`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyConfig {
    /// Random time shifts, each up to half a second; their estimates are
    /// averaged (`shifts`). 0 disables.
    pub shifts: usize,
    /// Cut the track into segments of [`ApplyConfig::segment`] seconds
    /// (`split`).
    pub split: bool,
    /// Fraction of a segment shared with the next (`overlap`, in `[0, 1)`).
    pub overlap: f64,
    /// Exponent of the triangular transition weights (`transition_power`, ≥ 1).
    pub transition_power: f64,
    /// Segment length in seconds; `None` takes the model's (`segment`).
    pub segment: Option<f64>,
    /// Seed of the shift offsets. The package draws them with Python's
    /// `random.randint`; here they come from a seeded generator, so runs
    /// are repeatable but differ from the package's draws.
    pub seed: u64,
}

impl Default for ApplyConfig {
    fn default() -> Self {
        Self {
            shifts: 1,
            split: true,
            overlap: 0.25,
            transition_power: 1.0,
            segment: None,
            seed: 0,
        }
    }
}

impl ApplyConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        let bad = |name, value: String, expected| Error::InvalidParameter {
            name,
            value,
            expected,
        };
        if !(0.0..1.0).contains(&self.overlap) {
            return Err(bad("overlap", self.overlap.to_string(), "in [0, 1)"));
        }
        if !(self.transition_power >= 1.0 && self.transition_power.is_finite()) {
            return Err(bad(
                "transition_power",
                self.transition_power.to_string(),
                ">= 1 (the package asserts it)",
            ));
        }
        if let Some(seg) = self.segment {
            if !(seg.is_finite() && seg > 0.0) {
                return Err(bad("segment", seg.to_string(), "> 0 seconds"));
            }
        }
        if self.shifts > 64 {
            return Err(bad("shifts", self.shifts.to_string(), "at most 64"));
        }
        Ok(())
    }
}

/// A window of `len` samples starting at `offset` of the base signal
/// (`demucs.apply.TensorChunk`); the offset may lie before the signal,
/// whose samples are zero outside it (the shift trick's padding, without
/// copying the track). Padding it to a longer length takes the base
/// signal's own samples around it where there are some, zeros beyond.
#[derive(Debug, Clone, Copy)]
struct Chunk {
    offset: isize,
    len: usize,
}

impl Chunk {
    /// `TensorChunk(self, offset, length)`: clipped to this chunk's end.
    fn sub(self, offset: usize, len: usize) -> Chunk {
        Chunk {
            offset: self.offset + offset as isize,
            len: len.min(self.len - offset),
        }
    }

    /// `TensorChunk.padded(target)` of `track` `(channels, samples)`.
    fn padded(self, track: Track<'_>, target: usize) -> Result<ndarray::Array2<f32>> {
        let total = track.ncols() as isize;
        let delta = (target - self.len) as isize;
        let start = self.offset - delta / 2;
        let end = start + target as isize;
        let (from, to) = (start.max(0), end.min(total));
        let mut out = ndarray::Array2::<f32>::zeros((track.nrows(), target));
        if to > from {
            let at = (from - start) as usize;
            let dst = out.slice_mut(s![.., at..at + (to - from) as usize]);
            track.copy_standardised(from as usize, to as usize, dst)?;
        }
        Ok(out)
    }
}

/// SplitMix64: the shift offsets' generator.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..=max`.
    fn up_to(&mut self, max: usize) -> usize {
        (self.next() % (max as u64 + 1)) as usize
    }
}

/// `demucs.apply.apply_model(model, mix, shifts, split, overlap,
/// transition_power, segment)` for one model and one track.
///
/// - `split`: segments of `segment_length = ⌊samplerate · segment⌋` start
///   every `⌊(1 − overlap) · segment_length⌋` samples; each is padded to
///   the model's valid length with the track's own neighbouring samples,
///   separated, centre-trimmed, weighted by the triangle
///   `w = ([1, 2, …, L/2, L − L/2, …, 1] / max)^transition_power`, and
///   the sum is divided by the summed weights.
/// - `shifts`: the track is zero-padded by half a second on each side, and
///   for each shift a random offset in `[0, samplerate / 2]` moves it; the
///   estimates, shifted back, are averaged.
///
/// Memory: one segment's activations at a time, plus the output; the
/// streaming form [`crate::demucs::Demucs::separate_streaming`] holds
/// about two segments of output instead.
///
/// # Shapes
///
/// `mix` `(audio_channels, samples)` → `(sources, audio_channels, samples)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for bad options; [`Error::ShapeMismatch`]
/// for a mixture with the wrong channel count or no samples;
/// [`Error::NonFinite`] for NaN or infinite samples; backend errors.
pub fn apply_model<M: SegmentModel + ?Sized>(
    model: &M,
    mix: ArrayView2<'_, f32>,
    config: &ApplyConfig,
) -> Result<Array3<f32>> {
    let shape = (model.source_count(), model.audio_channels(), mix.ncols());
    collect(
        shape,
        &mut ModelStream::seeded(model, Track::raw(mix), config)?,
    )
}

/// [`apply_model`] with the shift offsets given, one per shift, each in
/// `0..=samplerate / 2` (`config.shifts` and `config.seed` are ignored; no
/// offsets means no shifts). The package draws them with Python's
/// `random.randint(0, samplerate // 2)`, so its output for a given
/// `random.seed` is reproduced by passing the same draws.
///
/// # Errors
///
/// As [`apply_model`]; [`Error::InvalidParameter`] for an offset above
/// `samplerate / 2`.
pub fn apply_model_with_offsets<M: SegmentModel + ?Sized>(
    model: &M,
    mix: ArrayView2<'_, f32>,
    config: &ApplyConfig,
    offsets: &[usize],
) -> Result<Array3<f32>> {
    config.validate()?;
    check_mix(model, mix)?;
    let shape = (model.source_count(), model.audio_channels(), mix.ncols());
    collect(
        shape,
        &mut ModelStream::new(model, Track::raw(mix), config, offsets)?,
    )
}

fn check_mix<M: SegmentModel + ?Sized>(model: &M, mix: ArrayView2<'_, f32>) -> Result<()> {
    if mix.nrows() != model.audio_channels() || mix.ncols() == 0 {
        return Err(Error::ShapeMismatch {
            what: "Demucs mixture",
            expected: format!("({}, samples >= 1)", model.audio_channels()),
            got: mix.shape().to_vec(),
        });
    }
    if let Some(index) = mix.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "Demucs mixture",
            index,
        });
    }
    Ok(())
}

/// [`check_mix`] of a track: the channel count and length (a track read
/// from a [`crate::mixture_source::MixtureSource`] was checked for
/// non-finite samples when its mean was taken).
fn check_track<M: SegmentModel + ?Sized>(model: &M, mix: Track<'_>) -> Result<()> {
    match mix.in_memory() {
        Some(samples) => check_mix(model, samples),
        None if mix.nrows() != model.audio_channels() || mix.ncols() == 0 => {
            Err(Error::ShapeMismatch {
                what: "Demucs mixture",
                expected: format!("({}, samples >= 1)", model.audio_channels()),
                got: vec![mix.nrows(), mix.ncols()],
            })
        }
        None => Ok(()),
    }
}

/// A stream's blocks gathered into the whole track's estimates.
/// `(sources, channels, samples)`.
pub(crate) fn collect(
    shape: (usize, usize, usize),
    stream: &mut dyn BlockStream,
) -> Result<Array3<f32>> {
    let mut out = Array3::<f32>::zeros(shape);
    let mut at = 0;
    while let Some(block) = stream.next_block()? {
        let n = block.shape()[2];
        out.slice_mut(s![.., .., at..at + n]).assign(&block);
        at += n;
    }
    Ok(out)
}

/// Something that yields a track's estimates `(sources, channels, n)` in
/// order, a block at a time, until it returns `None`.
pub(crate) trait BlockStream {
    /// The next finished block.
    ///
    /// # Errors
    ///
    /// The model's errors.
    fn next_block(&mut self) -> Result<Option<Array3<f32>>>;
}

/// `apply_model` without shifts on `chunk` of `base`, as a stream: each
/// segment's weighted output is added to a window that starts at the first
/// unfinished sample; once a segment is in, every sample before the next
/// segment's start is final and leaves the window. Memory: one segment's
/// activations and about two segments of output.
struct SplitStream<'a, M: SegmentModel + ?Sized> {
    model: &'a M,
    base: Track<'a>,
    chunk: Chunk,
    config: &'a ApplyConfig,
    /// Leading output samples to drop (the shift trick's padding).
    skip: usize,
    segment_length: usize,
    stride: usize,
    weight: Array1<f32>,
    /// Next segment start, relative to `chunk`.
    next: usize,
    /// The window's first sample, relative to `chunk`.
    done: usize,
    acc: Array3<f32>,
    sum_weight: Array1<f32>,
    finished: bool,
}

impl<'a, M: SegmentModel + ?Sized> SplitStream<'a, M> {
    fn new(
        model: &'a M,
        base: Track<'a>,
        chunk: Chunk,
        config: &'a ApplyConfig,
        skip: usize,
    ) -> Result<Self> {
        let segment_length = model.segment_samples(config.segment);
        let stride = ((1.0 - config.overlap) * segment_length as f64) as usize;
        if config.split && (segment_length == 0 || stride == 0) {
            return Err(Error::InvalidParameter {
                name: "segment",
                value: format!("{:?} s at {} Hz", config.segment, model.samplerate()),
                expected: "a segment (and its stride) of at least one sample",
            });
        }
        let half = segment_length / 2;
        let weight: Array1<f32> = (1..=half)
            .chain((1..=segment_length - half).rev())
            .map(|v| v as f32)
            .collect();
        let max = weight.iter().copied().fold(0.0f32, f32::max);
        let weight = weight.mapv(|w| (w / max).powf(config.transition_power as f32));
        let shape = (model.source_count(), model.audio_channels(), 0);
        Ok(Self {
            model,
            base,
            chunk,
            config,
            skip,
            segment_length,
            stride,
            weight,
            next: 0,
            done: 0,
            acc: Array3::zeros(shape),
            sum_weight: Array1::zeros(0),
            finished: false,
        })
    }

    /// Drops the first `skip` samples of a block (and counts them off).
    fn trimmed(&mut self, block: Array3<f32>) -> Array3<f32> {
        let n = block.shape()[2];
        let drop = self.skip.min(n);
        self.skip -= drop;
        if drop == 0 {
            block
        } else {
            block.slice(s![.., .., drop..]).to_owned()
        }
    }
}

impl<M: SegmentModel + ?Sized> BlockStream for SplitStream<'_, M> {
    fn next_block(&mut self) -> Result<Option<Array3<f32>>> {
        if self.finished {
            return Ok(None);
        }
        if !self.config.split {
            self.finished = true;
            let y = forward(self.model, self.base, self.chunk, self.config)?;
            return Ok(Some(self.trimmed(y)));
        }
        let offset = self.next;
        let part = self.chunk.sub(offset, self.segment_length);
        let y = forward(self.model, self.base, part, self.config)?;
        let n = y.shape()[2];
        let end = offset + n - self.done;
        let have = self.acc.shape()[2];
        if end > have {
            let (sources, channels, _) = self.acc.dim();
            let grown = Array3::zeros((sources, channels, end - have));
            self.acc = ndarray::concatenate(ndarray::Axis(2), &[self.acc.view(), grown.view()])
                .map_err(|_| Error::ShapeMismatch {
                    what: "Demucs output window",
                    expected: format!("{sources} sources, {channels} channels"),
                    got: y.shape().to_vec(),
                })?;
            let mut sw = Array1::zeros(end);
            sw.slice_mut(s![..have]).assign(&self.sum_weight);
            self.sum_weight = sw;
        }
        let w = self.weight.slice(s![..n]);
        let at = offset - self.done;
        let mut dst = self.acc.slice_mut(s![.., .., at..at + n]);
        dst += &(&y * &w);
        let mut sw = self.sum_weight.slice_mut(s![at..at + n]);
        sw += &w;
        self.next += self.stride;
        let final_end = if self.next < self.chunk.len {
            self.next
        } else {
            self.finished = true;
            self.chunk.len
        };
        let ready = final_end - self.done;
        let mut block = self.acc.slice(s![.., .., ..ready]).to_owned();
        block /= &self.sum_weight.slice(s![..ready]);
        self.acc = self.acc.slice(s![.., .., ready..]).to_owned();
        self.sum_weight = self.sum_weight.slice(s![ready..]).to_owned();
        self.done = final_end;
        Ok(Some(self.trimmed(block)))
    }
}

/// Several streams of the same track read in step: each call gives every
/// stream's next `n` samples, `n` the most all of them have ready.
pub(crate) struct Aligned<'a> {
    streams: Vec<Box<dyn BlockStream + 'a>>,
    pending: Vec<Option<Array3<f32>>>,
}

impl<'a> Aligned<'a> {
    pub(crate) fn new(streams: Vec<Box<dyn BlockStream + 'a>>) -> Self {
        let pending = streams.iter().map(|_| None).collect();
        Self { streams, pending }
    }

    pub(crate) fn next_aligned(&mut self) -> Result<Option<Vec<Array3<f32>>>> {
        for (stream, pending) in self.streams.iter_mut().zip(&mut self.pending) {
            while pending.as_ref().is_none_or(|p| p.shape()[2] == 0) {
                match stream.next_block()? {
                    Some(b) => *pending = Some(b),
                    None => break,
                }
            }
        }
        let n = self
            .pending
            .iter()
            .map(|p| p.as_ref().map_or(0, |b| b.shape()[2]))
            .min()
            .unwrap_or(0);
        if n == 0 {
            return Ok(None);
        }
        let mut out = Vec::with_capacity(self.pending.len());
        for pending in &mut self.pending {
            match pending.take() {
                // Usually the streams are in step: the whole block goes.
                Some(b) if b.shape()[2] == n => out.push(b),
                Some(b) => {
                    out.push(b.slice(s![.., .., ..n]).to_owned());
                    *pending = Some(b.slice(s![.., .., n..]).to_owned());
                }
                None => {}
            }
        }
        Ok(Some(out))
    }
}

/// `apply_model` for one model, with shifts, as a stream: one
/// [`SplitStream`] per shift, run in step and averaged.
pub(crate) struct ModelStream<'a> {
    shifts: Aligned<'a>,
}

impl<'a> ModelStream<'a> {
    /// The streams for `offsets` (none: no shifts).
    pub(crate) fn new<M: SegmentModel + ?Sized>(
        model: &'a M,
        mix: Track<'a>,
        config: &'a ApplyConfig,
        offsets: &[usize],
    ) -> Result<Self> {
        let length = mix.ncols();
        let streams: Vec<Box<dyn BlockStream + 'a>> = if offsets.is_empty() {
            let whole = Chunk {
                offset: 0,
                len: length,
            };
            vec![Box::new(SplitStream::new(model, mix, whole, config, 0)?)]
        } else {
            let max_shift = (0.5 * f64::from(model.samplerate())) as usize;
            if let Some(&bad) = offsets.iter().find(|&&o| o > max_shift) {
                return Err(Error::InvalidParameter {
                    name: "offsets",
                    value: bad.to_string(),
                    expected: "shift offsets of at most half a second (samplerate / 2)",
                });
            }
            // `TensorChunk(mix.padded(length + 2·max_shift), offset,
            // length + max_shift − offset)`, its first `max_shift − offset`
            // outputs dropped.
            offsets
                .iter()
                .map(|&offset| -> Result<Box<dyn BlockStream + 'a>> {
                    let chunk = Chunk {
                        offset: offset as isize - max_shift as isize,
                        len: length + max_shift - offset,
                    };
                    Ok(Box::new(SplitStream::new(
                        model,
                        mix,
                        chunk,
                        config,
                        max_shift - offset,
                    )?))
                })
                .collect::<Result<_>>()?
        };
        Ok(Self {
            shifts: Aligned::new(streams),
        })
    }

    /// The model's streams for `config`'s seeded shifts.
    pub(crate) fn seeded<M: SegmentModel + ?Sized>(
        model: &'a M,
        mix: Track<'a>,
        config: &'a ApplyConfig,
    ) -> Result<Self> {
        config.validate()?;
        check_track(model, mix)?;
        let max_shift = (0.5 * f64::from(model.samplerate())) as usize;
        let mut rng = SplitMix(config.seed);
        let offsets: Vec<usize> = (0..config.shifts).map(|_| rng.up_to(max_shift)).collect();
        Self::new(model, mix, config, &offsets)
    }
}

impl BlockStream for ModelStream<'_> {
    fn next_block(&mut self) -> Result<Option<Array3<f32>>> {
        let Some(blocks) = self.shifts.next_aligned()? else {
            return Ok(None);
        };
        let count = blocks.len() as f32;
        let mut it = blocks.into_iter();
        let Some(mut sum) = it.next() else {
            return Ok(None);
        };
        for b in it {
            sum += &b;
        }
        if count > 1.0 {
            sum /= count;
        }
        Ok(Some(sum))
    }
}

/// The model on `chunk` padded to its valid length, centre-trimmed back.
fn forward<M: SegmentModel + ?Sized>(
    model: &M,
    base: Track<'_>,
    chunk: Chunk,
    config: &ApplyConfig,
) -> Result<Array3<f32>> {
    let valid = model.valid_length(chunk.len, config.segment)?;
    let padded = chunk.padded(base, valid)?;
    let (channels, samples) = padded.dim();
    let data: Vec<f32> = padded.into_iter().collect();
    let x = Tensor::from_vec(data, (1, channels, samples), model.device())?;
    let y = model.forward(&x)?;
    let y = super::dconv::center_trim(&y, chunk.len)?
        .squeeze(0)?
        .contiguous()?;
    let shape = (model.source_count(), channels, chunk.len);
    let flat: Vec<f32> = y.flatten_all()?.to_vec1()?;
    Array3::from_shape_vec(shape, flat).map_err(|_| Error::ShapeMismatch {
        what: "Demucs output",
        expected: format!("{shape:?}"),
        got: y.dims().to_vec(),
    })
}
