//! Tuning estimation: `librosa.piptrack`, `librosa.pitch_tuning` and
//! `librosa.estimate_tuning`.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, Result};

/// Parameters of [`piptrack`] and [`estimate_tuning`], with librosa's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct TuningConfig {
    /// Lowest frequency (Hz) searched for peaks. Default 150.
    pub fmin: f64,
    /// Frequency (Hz) above which peaks are ignored (`f < fmax`; clipped to
    /// Nyquist). Default 4000.
    pub fmax: f64,
    /// Peaks must exceed `threshold * max(S[:, t])` of their frame. Default 0.1.
    pub threshold: f64,
    /// Histogram resolution in fractions of a bin. Default 0.01.
    pub resolution: f64,
    /// Bins per octave the tuning is expressed in. Default 12.
    pub bins_per_octave: usize,
}

impl Default for TuningConfig {
    fn default() -> Self {
        Self {
            fmin: 150.0,
            fmax: 4000.0,
            threshold: 0.1,
            resolution: 0.01,
            bins_per_octave: 12,
        }
    }
}

fn check_spec<T: Float>(spec: &ArrayView2<T>, sr: f64, n_fft: usize) -> Result<()> {
    if !(sr > 0.0 && sr.is_finite()) {
        return Err(Error::InvalidParameter {
            name: "sr",
            value: sr.to_string(),
            expected: "a positive sample rate",
        });
    }
    if spec.nrows() != 1 + n_fft / 2 || spec.nrows() < 2 {
        return Err(Error::ShapeMismatch {
            what: "piptrack spectrogram",
            expected: vec![1 + n_fft / 2, 0],
            got: vec![spec.nrows(), spec.ncols()],
        });
    }
    Ok(())
}

/// Parabolic vertex offset `-b / a` of three neighbours, `0` when it would move
/// by a bin or more (librosa's `_parabolic_interpolation` stencil).
#[inline]
pub(crate) fn parabolic_shift<T: Float>(left: T, centre: T, right: T) -> T {
    let two = T::one() + T::one();
    let a = right + left - two * centre;
    let b = (right - left) / two;
    if b.abs() >= a.abs() {
        T::zero()
    } else {
        -b / a
    }
}

/// Visits every peak `(bin, frame, frequency, magnitude)` that `piptrack` keeps.
fn for_each_peak<T: Float>(
    spec: ArrayView2<T>,
    sr: f64,
    n_fft: usize,
    config: &TuningConfig,
    mut visit: impl FnMut(usize, usize, T, T),
) {
    let bins = spec.nrows();
    let fmin = config.fmin.max(0.0);
    let fmax = config.fmax.min(sr / 2.0);
    let step = sr / n_fft as f64;
    let lo = (0..bins).find(|&k| fmin <= k as f64 * step).unwrap_or(bins);
    let hi = (0..bins).find(|&k| k as f64 * step >= fmax).unwrap_or(bins);
    let thr: T = T::from(config.threshold).unwrap_or_else(T::zero);
    let half = T::from(0.5).unwrap_or_else(T::zero);
    let sr_t: T = T::from(sr).unwrap_or_else(T::one);
    let n_fft_t: T = T::from(n_fft).unwrap_or_else(T::one);
    let masked = |col: &ndarray::ArrayView1<T>, k: usize, r: T| {
        let v = col[k].abs();
        if v > r {
            v
        } else {
            T::zero()
        }
    };
    for (t, col) in spec.columns().into_iter().enumerate() {
        let r = thr * col.iter().fold(T::neg_infinity(), |m, &v| m.max(v.abs()));
        for k in lo.max(1)..hi {
            let x = masked(&col, k, r);
            let is_max = if k == bins - 1 {
                x > masked(&col, k - 1, r)
            } else {
                x > masked(&col, k - 1, r) && x >= masked(&col, k + 1, r)
            };
            if !is_max {
                continue;
            }
            let (shift, avg) = if k == bins - 1 {
                (T::zero(), col[k].abs() - col[k - 1].abs())
            } else {
                let (l, c, rr) = (col[k - 1].abs(), col[k].abs(), col[k + 1].abs());
                (parabolic_shift(l, c, rr), (rr - l) / (T::one() + T::one()))
            };
            let pitch = (T::from(k).unwrap_or_else(T::zero) + shift) * sr_t / n_fft_t;
            let mag = col[k].abs() + half * avg * shift;
            visit(k, t, pitch, mag);
        }
    }
}

/// Pitch tracking by parabolically interpolated spectral peaks (`librosa.piptrack`
/// with a precomputed spectrogram `S`).
///
/// A bin `k` of frame `t` is a peak when `fmin <= f_k < fmax` and it is a local
/// maximum of `S[:, t] * (S[:, t] > threshold * max(S[:, t]))`; its pitch is
/// `(k + s) sr / n_fft` and its magnitude `S[k] + 0.5 s (S[k+1] - S[k-1]) / 2`,
/// with `s` the parabolic vertex offset.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when `spec` does not have `1 + n_fft / 2` rows;
/// [`Error::InvalidParameter`] for `sr <= 0`.
///
/// # Shapes
///
/// `(1 + n_fft / 2, frames)` → `(pitches, magnitudes)`, both `(1 + n_fft / 2, frames)`,
/// zero away from peaks.
///
/// # Example
///
/// ```
/// let s = ndarray::Array2::<f64>::from_shape_fn((513, 2), |(k, _)| if k == 20 { 1.0 } else { 0.0 });
/// let (pitch, _mag) = audio_dsp::piptrack(s.view(), 22050.0, 1024, &Default::default())?;
/// assert!((pitch[[20, 0]] - 20.0 * 22050.0 / 1024.0).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn piptrack<T: Float>(
    spec: ArrayView2<T>,
    sr: f64,
    n_fft: usize,
    config: &TuningConfig,
) -> Result<(Array2<T>, Array2<T>)> {
    check_spec(&spec, sr, n_fft)?;
    let mut pitches = Array2::zeros(spec.dim());
    let mut mags = Array2::zeros(spec.dim());
    for_each_peak(spec, sr, n_fft, config, |k, t, p, m| {
        pitches[[k, t]] = p;
        mags[[k, t]] = m;
    });
    Ok((pitches, mags))
}

/// The tuning offset of a set of frequencies (`librosa.pitch_tuning`): the
/// left edge of the most populated bin of a histogram (bin width `resolution`,
/// range `[-0.5, 0.5]`) of `residual = (bins_per_octave * log2(f / 27.5)) mod 1`,
/// wrapped to `[-0.5, 0.5)`. Non-positive frequencies are ignored; an empty
/// set gives `0`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `resolution` outside `(0, 1)` or
/// `bins_per_octave = 0`.
///
/// # Example
///
/// ```
/// // 10 cents sharp of A440.
/// let f = 440.0 * 2f64.powf(0.1 / 12.0);
/// let tuning = audio_dsp::pitch_tuning(&[f, f, 220.0], 0.01, 12)?;
/// assert!((tuning - 0.1).abs() < 0.011);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn pitch_tuning(frequencies: &[f64], resolution: f64, bins_per_octave: usize) -> Result<f64> {
    let mut histogram = PitchHistogram::new(resolution, bins_per_octave)?;
    frequencies.iter().for_each(|&f| histogram.add(f));
    Ok(histogram.tuning())
}

/// [`pitch_tuning`]'s histogram of deviations from the equal-tempered
/// grid, filled one frequency at a time (counting is order-free, so the
/// result is the same however the frequencies arrive).
#[derive(Debug, Clone)]
struct PitchHistogram {
    /// `np.linspace(-0.5, 0.5, n_bins + 1)`.
    edges: Vec<f64>,
    counts: Vec<usize>,
    bins_per_octave: f64,
    any: bool,
}

impl PitchHistogram {
    fn new(resolution: f64, bins_per_octave: usize) -> Result<Self> {
        check_tuning_args(resolution, bins_per_octave)?;
        let n_bins = (1.0 / resolution).ceil() as usize;
        let step = 1.0 / n_bins as f64;
        let mut edges: Vec<f64> = (0..=n_bins).map(|i| i as f64 * step - 0.5).collect();
        edges[n_bins] = 0.5;
        Ok(Self {
            edges,
            counts: vec![0; n_bins],
            bins_per_octave: bins_per_octave as f64,
            any: false,
        })
    }

    fn add(&mut self, f: f64) {
        if f <= 0.0 || f.is_nan() {
            return;
        }
        self.any = true;
        let n_bins = self.counts.len();
        let mut r = (self.bins_per_octave * (f / 27.5).log2()).rem_euclid(1.0);
        if r >= 0.5 {
            r -= 1.0;
        }
        if !(self.edges[0]..=self.edges[n_bins]).contains(&r) {
            return;
        }
        // Bin i holds edges[i] <= r < edges[i + 1]; the last bin is closed.
        let i = self
            .edges
            .partition_point(|&e| e <= r)
            .saturating_sub(1)
            .min(n_bins - 1);
        self.counts[i] += 1;
    }

    /// The left edge of the fullest bin (the first of equals), or 0 when
    /// no positive frequency came.
    fn tuning(&self) -> f64 {
        if !self.any {
            return 0.0;
        }
        let best = self
            .counts
            .iter()
            .enumerate()
            .fold(
                (0, 0),
                |(bi, bc), (i, &c)| if c > bc { (i, c) } else { (bi, bc) },
            )
            .0;
        self.edges[best]
    }
}

fn check_tuning_args(resolution: f64, bins_per_octave: usize) -> Result<()> {
    if !(resolution > 0.0 && resolution < 1.0) {
        return Err(Error::InvalidParameter {
            name: "resolution",
            value: resolution.to_string(),
            expected: "0 < resolution < 1",
        });
    }
    if bins_per_octave == 0 {
        return Err(Error::InvalidParameter {
            name: "bins_per_octave",
            value: "0".into(),
            expected: "a positive number of bins per octave",
        });
    }
    Ok(())
}

/// Estimates the tuning deviation of a spectrogram in fractions of a bin
/// (`librosa.estimate_tuning(S=spec, sr=sr, n_fft=n_fft)`): the [`pitch_tuning`]
/// of the [`piptrack`] peaks whose magnitude is at least the median peak magnitude.
///
/// # Errors
///
/// As [`piptrack`] and [`pitch_tuning`].
///
/// # Shapes
///
/// `(1 + n_fft / 2, frames)` → a scalar in `[-0.5, 0.5)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_tuning, spectrogram, Stft, StftConfig};
/// let f = 440.0 * 2f64.powf(0.2 / 12.0); // 20 cents sharp
/// let y: Vec<f64> = (0..22050).map(|n| (2.0 * std::f64::consts::PI * f * n as f64 / 22050.0).sin()).collect();
/// let s = spectrogram(&Stft::new(StftConfig::default())?, &y, 2.0)?;
/// let tuning = estimate_tuning(s.view(), 22050.0, 2048, &Default::default())?;
/// // Parabolic interpolation of a power spectrum under-estimates the offset:
/// // librosa gives 0.15 here too.
/// assert!((tuning - 0.15).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn estimate_tuning<T: Float>(
    spec: ArrayView2<T>,
    sr: f64,
    n_fft: usize,
    config: &TuningConfig,
) -> Result<f64> {
    let mut estimator = TuningEstimator::new(sr, n_fft, config.clone())?;
    loop {
        estimator.push(spec)?;
        if let Some(tuning) = estimator.finish_pass()? {
            return Ok(tuning);
        }
    }
}

/// At most this many candidate magnitudes are collected to settle the
/// median exactly (512 KB); above it, the next 16 bits are counted first.
const MEDIAN_CANDIDATES: u64 = 1 << 16;

/// One median rank being selected: the magnitudes whose bit patterns
/// (non-negative floats order as their bits) start with `prefix` (`depth`
/// bits) hold it, `below` magnitudes are smaller.
#[derive(Debug, Clone)]
struct RankSelector {
    rank: u64,
    prefix: u64,
    depth: u32,
    below: u64,
    /// Counts of the next 16 bits, or (`collect`) the candidates' values.
    counts: Vec<u64>,
    collect: bool,
    values: Vec<f64>,
    found: Option<f64>,
}

impl RankSelector {
    /// Takes one magnitude (during a selection pass).
    fn take(&mut self, bits: u64, value: f64) {
        if self.found.is_some() || (self.depth > 0 && bits >> (64 - self.depth) != self.prefix) {
            return;
        }
        if self.collect {
            self.values.push(value);
        } else {
            self.counts[((bits >> (48 - self.depth)) & 0xFFFF) as usize] += 1;
        }
    }

    /// Ends a pass: narrows the prefix by the counts, or settles the rank
    /// among the collected values.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when the pass did not see the peaks the
    /// earlier passes counted (other frames were pushed).
    fn settle(&mut self) -> Result<()> {
        let changed = || Error::InvalidParameter {
            name: "spec",
            value: "other frames than in the first pass".into(),
            expected: "the same frames pushed in every pass",
        };
        if self.found.is_some() {
            return Ok(());
        }
        if self.collect {
            self.values.sort_by(f64::total_cmp);
            let index = (self.rank - self.below) as usize;
            self.found = Some(*self.values.get(index).ok_or_else(changed)?);
            self.values = Vec::new();
            return Ok(());
        }
        let mut below = self.below;
        let mut bucket = None;
        for (j, &c) in self.counts.iter().enumerate() {
            if below + c > self.rank {
                bucket = Some(j);
                break;
            }
            below += c;
        }
        let bucket = bucket.ok_or_else(changed)?;
        let count = self.counts[bucket];
        self.below = below;
        self.prefix = (self.prefix << 16) | bucket as u64;
        self.depth += 16;
        self.counts.iter_mut().for_each(|c| *c = 0);
        if self.depth == 64 {
            self.found = Some(f64::from_bits(self.prefix));
        } else if count <= MEDIAN_CANDIDATES {
            self.collect = true;
            self.counts = Vec::new();
        }
        Ok(())
    }
}

/// Where a [`TuningEstimator`] is.
#[derive(Debug, Clone)]
enum Stage {
    /// The first pass: counting the peaks and their magnitudes' top 16 bits.
    Count { n: u64, top: Vec<u64> },
    /// Narrowing to the median rank(s).
    Select(Vec<RankSelector>),
    /// The median known: the histogram of the peaks at or above it.
    Histogram {
        threshold: f64,
        histogram: PitchHistogram,
    },
}

/// [`estimate_tuning`] of a spectrogram fed in blocks of frames, in
/// bounded memory: the same estimate to the bit, whatever the split.
///
/// `piptrack`'s peaks are found frame by frame; the estimate needs the
/// median magnitude of all of them, then the histogram of the peaks at or
/// above it. So the frames are pushed in several passes
/// ([`TuningEstimator::finish_pass`] says when another is needed): the
/// first counts the peaks and their magnitudes' leading bits, the next
/// narrow to the median (a radix selection: 16 bits a pass, or the few
/// candidates collected and sorted), and the last builds the histogram.
/// Three passes as a rule; the estimator holds a few hundred kilobytes
/// whatever the length.
///
/// # Example
///
/// ```
/// use audio_dsp::{estimate_tuning, spectrogram, Stft, StftConfig, TuningConfig, TuningEstimator};
/// let f = 440.0 * 2f64.powf(0.2 / 12.0);
/// let y: Vec<f64> = (0..22050).map(|n| (2.0 * std::f64::consts::PI * f * n as f64 / 22050.0).sin()).collect();
/// let s = spectrogram(&Stft::new(StftConfig::default())?, &y, 2.0)?;
/// let mut estimator = TuningEstimator::new(22050.0, 2048, TuningConfig::default())?;
/// let tuning = loop {
///     estimator.push(s.slice(ndarray::s![.., ..20]))?;
///     estimator.push(s.slice(ndarray::s![.., 20..]))?;
///     if let Some(tuning) = estimator.finish_pass()? {
///         break tuning;
///     }
/// };
/// assert_eq!(tuning, estimate_tuning(s.view(), 22050.0, 2048, &TuningConfig::default())?);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TuningEstimator {
    sr: f64,
    n_fft: usize,
    config: TuningConfig,
    stage: Stage,
}

impl TuningEstimator {
    /// An estimator for spectrograms of `n_fft`-point frames at `sr`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a non-positive `sr`, `resolution`
    /// or `bins_per_octave`.
    pub fn new(sr: f64, n_fft: usize, config: TuningConfig) -> Result<Self> {
        if !(sr > 0.0 && sr.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "sr",
                value: sr.to_string(),
                expected: "a positive sample rate",
            });
        }
        check_tuning_args(config.resolution, config.bins_per_octave)?;
        Ok(Self {
            sr,
            n_fft,
            config,
            stage: Self::first_stage(),
        })
    }

    fn first_stage() -> Stage {
        Stage::Count {
            n: 0,
            top: vec![0; 1 << 16],
        }
    }

    /// Takes the peaks of a block of frames, in the current pass.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless the block has `1 + n_fft / 2` rows
    /// (at least 2).
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)`.
    pub fn push<T: Float>(&mut self, spec: ArrayView2<T>) -> Result<()> {
        check_spec(&spec, self.sr, self.n_fft)?;
        let stage = &mut self.stage;
        for_each_peak(spec, self.sr, self.n_fft, &self.config, |_, _, p, m| {
            let p = p.to_f64().unwrap_or(0.0);
            if p <= 0.0 {
                return;
            }
            let m = m.to_f64().unwrap_or(0.0);
            match stage {
                Stage::Count { n, top } => {
                    *n += 1;
                    top[(m.to_bits() >> 48) as usize] += 1;
                }
                Stage::Select(selectors) => {
                    let bits = m.to_bits();
                    selectors.iter_mut().for_each(|s| s.take(bits, m));
                }
                Stage::Histogram {
                    threshold,
                    histogram,
                } => {
                    if m >= *threshold {
                        histogram.add(p);
                    }
                }
            }
        });
        Ok(())
    }

    /// Ends a pass over the frames: the tuning in fractions of a bin once
    /// known (the estimator is then ready for a new signal), or `None`
    /// when the same frames must be pushed again from the first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a pass saw other peaks than the
    /// first (other frames were pushed); the estimator then starts over.
    pub fn finish_pass(&mut self) -> Result<Option<f64>> {
        let histogram = || PitchHistogram::new(self.config.resolution, self.config.bins_per_octave);
        let next = match &mut self.stage {
            Stage::Count { n, top } => {
                let n = *n;
                if n == 0 {
                    self.stage = Self::first_stage();
                    return Ok(Some(0.0));
                }
                // The median's rank(s): n / 2, and n / 2 - 1 for an even count.
                let ranks = if n % 2 == 1 {
                    vec![n / 2]
                } else {
                    vec![n / 2 - 1, n / 2]
                };
                let mut selectors: Vec<RankSelector> = ranks
                    .into_iter()
                    .map(|rank| RankSelector {
                        rank,
                        prefix: 0,
                        depth: 0,
                        below: 0,
                        counts: top.clone(),
                        collect: false,
                        values: Vec::new(),
                        found: None,
                    })
                    .collect();
                for selector in &mut selectors {
                    selector.settle()?;
                }
                Stage::Select(selectors)
            }
            Stage::Select(selectors) => {
                for selector in selectors.iter_mut() {
                    if let Err(e) = selector.settle() {
                        self.stage = Self::first_stage();
                        return Err(e);
                    }
                }
                Stage::Select(std::mem::take(selectors))
            }
            Stage::Histogram { histogram, .. } => {
                let tuning = histogram.tuning();
                self.stage = Self::first_stage();
                return Ok(Some(tuning));
            }
        };
        self.stage = match next {
            Stage::Select(selectors) if selectors.iter().all(|s| s.found.is_some()) => {
                let values: Vec<f64> = selectors.iter().filter_map(|s| s.found).collect();
                let threshold = match values.as_slice() {
                    [one] => *one,
                    [a, b] => (a + b) / 2.0,
                    _ => 0.0,
                };
                Stage::Histogram {
                    threshold,
                    histogram: histogram()?,
                }
            }
            other => other,
        };
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    /// The estimate as librosa computes it: every peak kept, the magnitudes
    /// sorted for the median (the oracle of the multi-pass selection).
    fn sorted_estimate(spec: ArrayView2<f64>, sr: f64, n_fft: usize, config: &TuningConfig) -> f64 {
        let mut peaks: Vec<(f64, f64)> = Vec::new();
        for_each_peak(spec, sr, n_fft, config, |_, _, p, m| {
            if p > 0.0 {
                peaks.push((p, m));
            }
        });
        let mut mags: Vec<f64> = peaks.iter().map(|p| p.1).collect();
        mags.sort_by(f64::total_cmp);
        let n = mags.len();
        let threshold = match n {
            0 => 0.0,
            _ if n % 2 == 1 => mags[n / 2],
            _ => (mags[n / 2 - 1] + mags[n / 2]) / 2.0,
        };
        let freqs: Vec<f64> = peaks
            .iter()
            .filter(|p| p.1 >= threshold)
            .map(|p| p.0)
            .collect();
        pitch_tuning(&freqs, config.resolution, config.bins_per_octave).unwrap()
    }

    fn spectrum(frames: usize, levels: Option<u32>, seed: u64) -> ndarray::Array2<f64> {
        let mut rng = crate::SeededRng::new(seed);
        ndarray::Array2::from_shape_fn((1025, frames), |_| {
            let v: f64 = rng.uniform();
            match levels {
                Some(l) => (v * f64::from(l)).floor() / f64::from(l),
                None => v,
            }
        })
    }

    #[test]
    fn the_multi_pass_median_equals_sorting_every_peak() {
        let config = TuningConfig::default();
        // Many peaks (the radix passes narrow past the candidate cap), few
        // distinct levels (ties across the median), and odd/even counts.
        for (frames, levels, seed) in [
            (1500, None, 1),
            (1500, Some(7), 2),
            (3, None, 3),
            (4, Some(3), 4),
        ] {
            let s = spectrum(frames, levels, seed);
            let want = sorted_estimate(s.view(), 22050.0, 2048, &config);
            let got = estimate_tuning(s.view(), 22050.0, 2048, &config).unwrap();
            assert_eq!(
                got.to_bits(),
                want.to_bits(),
                "{frames} frames, levels {levels:?}"
            );
        }
        // A later pass over other frames is an error, not a wrong estimate
        // (nor a loop that never settles).
        let (a, b) = (spectrum(40, None, 6), spectrum(40, None, 7));
        let mut estimator = TuningEstimator::new(22050.0, 2048, config.clone()).unwrap();
        estimator.push(a.view()).unwrap();
        assert_eq!(estimator.finish_pass().unwrap(), None);
        estimator.push(b.slice(ndarray::s![.., ..1])).unwrap();
        assert!(matches!(
            estimator.finish_pass(),
            Err(Error::InvalidParameter { name: "spec", .. })
        ));
        // No peak at all: 0, as librosa.
        let flat = ndarray::Array2::<f64>::zeros((1025, 5));
        assert_eq!(
            estimate_tuning(flat.view(), 22050.0, 2048, &config).unwrap(),
            0.0
        );
    }
}
