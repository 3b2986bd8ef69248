//! The decoded-audio type shared by every reader and writer.

use ndarray::Array2;

/// Decoded audio: samples as `(channels, samples)` floats in `[-1, 1)` and the sample rate.
///
/// The sample type is `f32` unless asked otherwise (`Audio<f64>`), like
/// `librosa.load(dtype=np.float32)`.
///
/// # Example
///
/// ```
/// use audio_io::Audio;
/// let audio = Audio { samples: ndarray::Array2::<f32>::zeros((2, 100)), sample_rate: 8000 };
/// assert_eq!(audio.channels(), 2);
/// assert_eq!(audio.frames(), 100);
/// assert!((audio.duration() - 0.0125).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Audio<T = f32> {
    /// Samples, `(channels, samples)`.
    pub samples: Array2<T>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

impl<T> Audio<T> {
    /// Number of channels (rows).
    pub fn channels(&self) -> usize {
        self.samples.nrows()
    }

    /// Number of frames (samples per channel).
    pub fn frames(&self) -> usize {
        self.samples.ncols()
    }

    /// Duration in seconds: `frames / sample_rate` (0 for a zero rate).
    pub fn duration(&self) -> f64 {
        if self.sample_rate == 0 {
            0.0
        } else {
            self.frames() as f64 / f64::from(self.sample_rate)
        }
    }
}

/// A sample type the readers can produce: `f32` or `f64`.
///
/// Decoders compute every sample exactly in `f64` (integer PCM of `b` bits
/// divided by `2^(b-1)`) and convert once with [`Sample::from_f64`], so `f32`
/// output is the correctly rounded value, as `soundfile` gives.
pub trait Sample: Copy + Default + Send + Sync + std::fmt::Debug + 'static {
    /// Converts from `f64` (rounding to nearest for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact).
    fn to_f64(self) -> f64;
    /// `self + other` in this type's precision.
    fn add(self, other: Self) -> Self;
    /// `self / n` in this type's precision.
    fn div_count(self, n: usize) -> Self;
}

impl Sample for f32 {
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn div_count(self, n: usize) -> Self {
        self / n as f32
    }
}

impl Sample for f64 {
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn add(self, other: Self) -> Self {
        self + other
    }
    fn div_count(self, n: usize) -> Self {
        self / n as f64
    }
}

/// Averages channels as `librosa.to_mono` (`np.mean(y, axis=-2)`) does: the
/// channels are summed in order in the sample type's precision, then divided
/// by the channel count.
///
/// # Shapes
///
/// `(channels, n)` in, `(1, n)` out.
///
/// # Example
///
/// ```
/// let y = ndarray::array![[1.0f32, 0.5], [0.0, -0.5]];
/// assert_eq!(audio_io::to_mono(&y), ndarray::array![[0.5f32, 0.0]]);
/// ```
pub fn to_mono<T: Sample>(samples: &Array2<T>) -> Array2<T> {
    let (channels, n) = samples.dim();
    let mut out = Array2::<T>::default((1, n));
    if channels == 0 {
        return out;
    }
    for t in 0..n {
        let mut acc = samples[(0, t)];
        for c in 1..channels {
            acc = acc.add(samples[(c, t)]);
        }
        out[(0, t)] = acc.div_count(channels);
    }
    out
}
