//! Spectral-flux onset strength, as `librosa.onset.onset_strength`.

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::util::pairwise_sum::median;

use crate::{
    power_to_db, DbReference, Error, Float, MelConfig, MelSpectrogram, MelSpectrogramConfig,
    Result, StftConfig, Transform,
};

/// How the per-band flux is combined into one value per frame (librosa's `aggregate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnsetAggregate {
    /// `np.mean` over bands (librosa's default).
    #[default]
    Mean,
    /// `np.median` over bands.
    Median,
}

/// Parameters of [`OnsetStrength`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct OnsetStrengthConfig {
    /// The mel spectrogram the flux is taken on (librosa's default feature:
    /// `n_fft = 2048`, hop 512, 128 slaney mels up to `sr / 2`, power 2); it is
    /// converted with `power_to_db(S, ref = 1, amin = 1e-10, top_db = 80)`.
    pub mel: MelSpectrogramConfig,
    /// Time lag (frames) of the difference. Default 1.
    pub lag: usize,
    /// Size (bands) of the local maximum filter applied to the reference along
    /// frequency (SuperFlux's vibrato suppression); 1 disables it. Default 1.
    pub max_size: usize,
    /// Remove the DC component with the filter `(1 - z^-1) / (1 - 0.99 z^-1)`. Default false.
    pub detrend: bool,
    /// Shift the envelope by `n_fft / (2 hop)` frames to account for centred
    /// STFT frames and trim it to the spectrogram's length. Default true.
    pub center: bool,
    /// Band aggregation. Default mean.
    pub aggregate: OnsetAggregate,
}

impl Default for OnsetStrengthConfig {
    fn default() -> Self {
        Self {
            mel: MelSpectrogramConfig {
                stft: StftConfig {
                    hop_length: Some(512),
                    ..StftConfig::default()
                },
                power: 2.0,
                mel: MelConfig::default(),
            },
            lag: 1,
            max_size: 1,
            detrend: false,
            center: true,
            aggregate: OnsetAggregate::Mean,
        }
    }
}

/// A planned onset strength envelope (`librosa.onset.onset_strength`):
///
/// `o[t] = aggregate_f max(0, S[f, t] - ref[f, t - lag])`, with `S` the log-power
/// mel spectrogram and `ref` its local maximum over `max_size` bands (SuperFlux),
/// left-padded by `lag + n_fft / (2 hop)` zeros when centred (only `lag` otherwise)
/// and trimmed to the number of frames.
///
/// References: Böck & Widmer, "Maximum filter vibrato suppression for onset
/// detection", DAFx 2013; librosa's `onset_strength_multi`.
///
/// # Example
///
/// ```
/// use audio_dsp::{OnsetStrength, OnsetStrengthConfig};
/// let onset = OnsetStrength::<f32>::new(OnsetStrengthConfig::default())?;
/// // A click train: strong flux at each click.
/// let mut y = vec![0.0f32; 22050];
/// for k in 0..4 { y[2000 + 5000 * k] = 1.0; }
/// let env = onset.process(&y)?;
/// assert_eq!(env.len(), 1 + 22050 / 512);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct OnsetStrength<T: Float> {
    config: OnsetStrengthConfig,
    mel: MelSpectrogram<T>,
}

impl<T: Float> OnsetStrength<T> {
    /// Plans the mel spectrogram and validates the parameters.
    ///
    /// # Errors
    ///
    /// As [`MelSpectrogram::new`]; [`Error::InvalidParameter`] for `lag = 0` or
    /// `max_size = 0`.
    pub fn new(config: OnsetStrengthConfig) -> Result<Self> {
        if config.lag == 0 {
            return Err(Error::InvalidParameter {
                name: "lag",
                value: "0".into(),
                expected: "a positive lag",
            });
        }
        if config.max_size == 0 {
            return Err(Error::InvalidParameter {
                name: "max_size",
                value: "0".into(),
                expected: "a positive max filter size",
            });
        }
        let mel = MelSpectrogram::new(config.mel.clone())?;
        Ok(Self { config, mel })
    }

    /// The configuration.
    pub fn config(&self) -> &OnsetStrengthConfig {
        &self.config
    }

    /// The hop length in samples.
    pub fn hop_length(&self) -> usize {
        self.mel.stft().hop_length()
    }

    /// The onset strength of a signal.
    ///
    /// # Errors
    ///
    /// As [`MelSpectrogram`]'s [`Transform::process`].
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(frames,)`, the STFT's frame count.
    pub fn process(&self, signal: &[T]) -> Result<Vec<T>> {
        let mel = self.mel.process(signal)?;
        let db = power_to_db(mel.view(), DbReference::Value(1.0), 1e-10, Some(80.0))?;
        let mut out = vec![T::zero(); db.ncols()];
        self.process_db_into(db.view(), &mut out)?;
        Ok(out)
    }

    /// The onset strength of a precomputed log-power spectrogram (librosa's `S=`).
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty spectrogram.
    ///
    /// # Shapes
    ///
    /// `(bands, frames)` → `(frames,)`.
    pub fn process_db(&self, db: ArrayView2<T>) -> Result<Vec<T>> {
        let mut out = vec![T::zero(); db.ncols()];
        self.process_db_into(db, &mut out)?;
        Ok(out)
    }

    /// [`OnsetStrength::process_db`] into a caller buffer of `frames` values.
    ///
    /// # Errors
    ///
    /// As [`OnsetStrength::process_db`]; [`Error::BufferLength`] when `out.len()`
    /// is not the number of frames.
    ///
    /// # Shapes
    ///
    /// `(bands, frames)` → `out: (frames,)`.
    pub fn process_db_into(&self, db: ArrayView2<T>, out: &mut [T]) -> Result<()> {
        let (bands, frames) = db.dim();
        if bands == 0 || frames == 0 {
            return Err(Error::InputTooShort {
                what: "onset_strength",
                expected: 1,
                got: 0,
            });
        }
        if out.len() != frames {
            return Err(Error::BufferLength {
                what: "onset strength output",
                expected: frames,
                got: out.len(),
            });
        }
        out.iter_mut().for_each(|v| *v = T::zero());
        self.flux(db, &[(0, bands)], |_, t, v| out[t] = v);
        if self.config.detrend {
            detrend(out);
        }
        Ok(())
    }

    /// Onset strength per channel of frequency bands
    /// (`librosa.onset.onset_strength_multi(S=db, channels=boundaries)`):
    /// channel `i` aggregates bands `boundaries[i] .. boundaries[i + 1]` (the
    /// boundaries are sorted, deduplicated and clipped to `0..=bands` first, as
    /// librosa's `fix_frames`, without adding 0 or `bands`).
    ///
    /// # Errors
    ///
    /// [`Error::InputTooShort`] for an empty spectrogram;
    /// [`Error::InvalidParameter`] when fewer than two distinct boundaries remain.
    ///
    /// # Shapes
    ///
    /// `(bands, frames)` → `(channels, frames)`.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::{OnsetStrength, OnsetStrengthConfig};
    /// let onset = OnsetStrength::<f64>::new(OnsetStrengthConfig::default())?;
    /// let db = ndarray::Array2::from_shape_fn((128, 50), |(f, t)| ((f * t) % 7) as f64);
    /// let multi = onset.process_db_multi(db.view(), &[0, 64, 128])?;
    /// assert_eq!(multi.dim(), (2, 50));
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn process_db_multi(&self, db: ArrayView2<T>, boundaries: &[usize]) -> Result<Array2<T>> {
        let (bands, frames) = db.dim();
        if bands == 0 || frames == 0 {
            return Err(Error::InputTooShort {
                what: "onset_strength_multi",
                expected: 1,
                got: 0,
            });
        }
        let mut b: Vec<usize> = boundaries.iter().copied().filter(|&x| x <= bands).collect();
        b.sort_unstable();
        b.dedup();
        if b.len() < 2 {
            return Err(Error::InvalidParameter {
                name: "channels",
                value: format!("{boundaries:?}"),
                expected: "at least two distinct band boundaries within 0..=bands",
            });
        }
        let ranges: Vec<(usize, usize)> = b.windows(2).map(|w| (w[0], w[1])).collect();
        let mut out = Array2::zeros((ranges.len(), frames));
        self.flux(db, &ranges, |c, t, v| out[[c, t]] = v);
        if self.config.detrend {
            for mut row in out.rows_mut() {
                let mut r = row.to_vec();
                detrend(&mut r);
                row.iter_mut().zip(r).for_each(|(o, v)| *o = v);
            }
        }
        Ok(out)
    }

    /// [`OnsetStrength::process_db_multi`] of a signal's log-power mel spectrogram.
    ///
    /// # Errors
    ///
    /// As [`OnsetStrength::process`] and [`OnsetStrength::process_db_multi`].
    ///
    /// # Shapes
    ///
    /// `(samples,)` → `(channels, frames)`.
    pub fn process_multi(&self, signal: &[T], boundaries: &[usize]) -> Result<Array2<T>> {
        let mel = self.mel.process(signal)?;
        let db = power_to_db(mel.view(), DbReference::Value(1.0), 1e-10, Some(80.0))?;
        self.process_db_multi(db.view(), boundaries)
    }

    /// The rectified, aggregated, shifted flux of each band range; `write(c, t, v)`
    /// receives every non-padding value (the padding frames stay zero).
    /// Frames the flux is shifted by: `lag`, plus `n_fft / (2 hop)` when
    /// centred.
    pub(crate) fn flux_offset(&self) -> usize {
        self.config.lag
            + if self.config.center {
                self.mel.stft().n_fft() / (2 * self.hop_length())
            } else {
                0
            }
    }

    fn flux(
        &self,
        db: ArrayView2<T>,
        ranges: &[(usize, usize)],
        mut write: impl FnMut(usize, usize, T),
    ) {
        let (bands, frames) = db.dim();
        let lag = self.config.lag;
        let pad = self.flux_offset();
        let n_flux = frames.saturating_sub(lag);
        let mut reference = vec![T::zero(); bands];
        let mut column = vec![T::zero(); bands];
        let mut scratch = vec![T::zero(); bands];
        for t in 0..n_flux {
            let dest = pad + t;
            if dest >= frames {
                break;
            }
            local_max_column(db.column(t), self.config.max_size, &mut reference);
            self.flux_values(
                db.column(t + lag),
                &reference,
                ranges,
                (&mut column, &mut scratch),
                |ch, v| write(ch, dest, v),
            );
        }
    }

    /// The flux of one frame per band range: `aggregate_f max(0, now[f] -
    /// reference[f])` over each `(lo, hi)` band range (NaN for an empty one).
    pub(crate) fn flux_values(
        &self,
        now: ArrayView1<T>,
        reference: &[T],
        ranges: &[(usize, usize)],
        (column, scratch): (&mut [T], &mut [T]),
        mut emit: impl FnMut(usize, T),
    ) {
        for ((c, &n), &r) in column.iter_mut().zip(now.iter()).zip(reference) {
            let d = n - r;
            *c = if d > T::zero() { d } else { T::zero() };
        }
        for (ch, &(lo, hi)) in ranges.iter().enumerate() {
            let band = &column[lo..hi];
            let v = if band.is_empty() {
                T::nan()
            } else {
                match self.config.aggregate {
                    OnsetAggregate::Mean => {
                        band.iter().fold(T::zero(), |s, &v| s + v)
                            / T::from(band.len()).unwrap_or_else(T::one)
                    }
                    OnsetAggregate::Median => {
                        let s = &mut scratch[..band.len()];
                        s.copy_from_slice(band);
                        median(s)
                    }
                }
            };
            emit(ch, v);
        }
    }
}

/// `scipy.signal.lfilter([1, -1], [1, -0.99], x)`: `y[n] = x[n] - x[n-1] + 0.99 y[n-1]`.
fn detrend<T: Float>(x: &mut [T]) {
    let mut state = Detrend::new();
    x.iter_mut().for_each(|v| *v = state.step(*v));
}

/// The DC-removal filter `(1 - z^-1) / (1 - 0.99 z^-1)`, one sample at a time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Detrend<T> {
    prev_x: T,
    prev_y: T,
}

impl<T: Float> Detrend<T> {
    pub(crate) fn new() -> Self {
        Self {
            prev_x: T::zero(),
            prev_y: T::zero(),
        }
    }

    pub(crate) fn step(&mut self, x: T) -> T {
        let a: T = T::from(0.99).unwrap_or_else(T::one);
        let y = x - self.prev_x + a * self.prev_y;
        self.prev_x = x;
        self.prev_y = y;
        y
    }
}

/// `scipy.ndimage` `reflect` boundary index (`d c b a | a b c d | d c b a`).
fn reflect_index(i: isize, n: usize) -> usize {
    let n = n as isize;
    let period = 2 * n;
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - 1 - m }) as usize
}

/// `scipy.ndimage.maximum_filter1d(S, size, axis=0)` (mode `reflect`, origin 0)
/// of one frame: each band replaced by the maximum of
/// `column[f - size/2 ..= f - size/2 + size - 1]`, into `out`; a copy for
/// `size == 1`.
pub(crate) fn local_max_column<T: Float>(column: ArrayView1<T>, size: usize, out: &mut [T]) {
    if size == 1 {
        out.iter_mut().zip(column.iter()).for_each(|(o, &v)| *o = v);
        return;
    }
    let bands = column.len();
    let half = (size / 2) as isize;
    for (f, o) in out.iter_mut().enumerate() {
        let start = f as isize - half;
        *o = (start..start + size as isize)
            .map(|i| column[reflect_index(i, bands)])
            .fold(T::neg_infinity(), |m, v| m.max(v));
    }
}

/// One-shot [`OnsetStrength`]: `librosa.onset.onset_strength(y=signal, **config)`.
///
/// # Errors
///
/// As [`OnsetStrength::new`] and [`OnsetStrength::process`].
///
/// # Shapes
///
/// `(samples,)` → `(frames,)`.
///
/// # Example
///
/// ```
/// let y: Vec<f64> = (0..11025).map(|n| if n % 2205 == 0 { 1.0 } else { 0.0 }).collect();
/// let env = audio_dsp::onset_strength(&y, audio_dsp::OnsetStrengthConfig::default())?;
/// assert!(env.iter().all(|&v| v >= 0.0));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn onset_strength<T: Float>(signal: &[T], config: OnsetStrengthConfig) -> Result<Vec<T>> {
    OnsetStrength::new(config)?.process(signal)
}
