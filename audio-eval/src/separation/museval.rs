//! BSS Eval v4 as museval 0.4.1 (`museval.evaluate`, i.e.
//! `museval.metrics.bss_eval(..., compute_permutation=False,
//! bsseval_sources_version=False)`), and its v3 mode.

use std::sync::Arc;

use ndarray::{Array2, ArrayView3};
use rayon::prelude::*;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::bss_eval::{check_window, v3_span};
use super::correlation::fast_fft_len;
use super::decomposition::{Criteria, Decomposition, PairMetrics, FILTER_LENGTH};
use super::kernels::{select_filter, FilterKernel};
use super::signals::{safe_db, Signals};
use super::stem_passes::{check_shapes, decompose, first_pass, window_pass};
use super::stems::{ArrayStems, StemBlocks};
use crate::{Error, Result};

/// Which BSS Eval version [`evaluate`] runs (museval's `mode`; serialised
/// as `"v4"` / `"v3"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BssEvalVersion {
    /// `mode="v4"`: distortion filters estimated once on the whole track,
    /// then applied to every window.
    #[default]
    V4,
    /// `mode="v3"`: distortion filters estimated anew in every window.
    V3,
}

/// Options of [`evaluate`] (museval's `evaluate(references, estimates, win,
/// hop, mode, padding)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MusevalConfig {
    /// Window length in samples (museval default `1 * 44100`).
    pub window: usize,
    /// Hop length in samples (museval default `1 * 44100`).
    pub hop: usize,
    /// `mode`: v4 (default) or v3.
    pub version: BssEvalVersion,
    /// `padding`: zero-pad or truncate the estimates to the length of the
    /// references (museval's `pad_or_truncate`; default `true`).
    pub padding: bool,
}

impl Default for MusevalConfig {
    fn default() -> Self {
        Self {
            window: 44_100,
            hop: 44_100,
            version: BssEvalVersion::V4,
            padding: true,
        }
    }
}

/// Per-window museval scores, each `(sources, windows)`; NaN in windows where
/// a reference or estimate is silent (as museval). Serialised with these
/// field names, arrays as lists of rows; [`super::MusevalReport`] is
/// museval's track JSON.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MusevalScores {
    /// Source to Distortion Ratio (dB).
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sdr: Array2<f64>,
    /// source Image to Spatial distortion Ratio (dB).
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub isr: Array2<f64>,
    /// Source to Interference Ratio (dB).
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sir: Array2<f64>,
    /// Source to Artifact Ratio (dB).
    #[serde(serialize_with = "crate::report::serialize_rows")]
    pub sar: Array2<f64>,
    /// Window length in samples.
    pub window: usize,
    /// Hop length in samples.
    pub hop: usize,
}

/// Per-source medians over windows, ignoring NaN (`numpy.nanmedian`, museval's
/// default `frames_agg="median"`). A source whose windows are all NaN gets NaN.
/// Serialised with these field names.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MusevalSummary {
    /// Median SDR per source (dB).
    pub sdr: Vec<f64>,
    /// Median ISR per source (dB).
    pub isr: Vec<f64>,
    /// Median SIR per source (dB).
    pub sir: Vec<f64>,
    /// Median SAR per source (dB).
    pub sar: Vec<f64>,
}

/// `numpy.nanmedian` of a slice.
pub fn nan_median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        let (a, b) = (v[n / 2 - 1], v[n / 2]);
        if a == b {
            a
        } else {
            (a + b) / 2.0
        }
    }
}

impl MusevalScores {
    /// Number of windows.
    pub fn windows(&self) -> usize {
        self.sdr.ncols()
    }

    /// Median over windows per source, ignoring NaN windows (museval's
    /// `TrackStore` aggregation with `np.nanmedian`).
    pub fn median(&self) -> MusevalSummary {
        let med = |a: &Array2<f64>| {
            a.outer_iter()
                .map(|row| nan_median(row.iter().copied()))
                .collect()
        };
        MusevalSummary {
            sdr: med(&self.sdr),
            isr: med(&self.isr),
            sir: med(&self.sir),
            sar: med(&self.sar),
        }
    }
}

/// museval's `Framing`: `(start, length)` of each window.
fn framing(len: usize, window: usize, hop: usize) -> Vec<(usize, usize)> {
    if window < len {
        let nwin = (len - window + hop) / hop;
        (0..nwin)
            .map(|k| (k * hop, window.min(len - k * hop)))
            .collect()
    } else {
        vec![(0, len)]
    }
}

/// museval 0.4.1 `evaluate`: BSS Eval images metrics (SDR, ISR, SIR, SAR as in
/// [`bss_eval_images`](super::bss_eval_images)) per window of `window`
/// samples every `hop` samples, without permutation.
///
/// - v4 (`config.version = V4`, the default): the 512-tap distortion filters
///   are estimated once on the whole track, `C = (G + eps·I)⁻¹ D` with
///   `eps = f64::EPSILON` as museval, then each window's decomposition
///   filters the window's references with them (Liutkus et al. 2018).
/// - v3: the filters are estimated in each window (BSS Eval v3).
///
/// Windows follow museval's `Framing`: `floor((samples − window + hop) / hop)`
/// windows `[k·hop, k·hop + window)` when `window < samples`, otherwise one
/// window over the whole track. With `padding`, estimates are zero-padded or
/// truncated to the references' length first.
///
/// # Shapes
///
/// `references` and `estimates` are `(sources, samples, channels)`; results
/// are `(sources, windows)`.
///
/// # Errors
///
/// As museval's `validate` (whole track): [`Error::ShapeMismatch`] (sources or
/// channels differ, or lengths differ without `padding`),
/// [`Error::SilentSource`], [`Error::TooManySources`]; also [`Error::Empty`],
/// [`Error::NonFinite`], and [`Error::InvalidParameter`] for a zero window or
/// hop. A silent window is not an error: its metrics are NaN.
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::{evaluate, MusevalConfig};
///
/// let n = 8000;
/// let references = Array3::from_shape_fn((2, n, 2), |(s, t, c)| {
///     ((0.01 + 0.02 * s as f64) * t as f64 + c as f64).sin()
/// });
/// let estimates = references.mapv(|v| 0.9 * v + 0.001);
/// let config = MusevalConfig { window: 4000, hop: 4000, ..MusevalConfig::default() };
/// let scores = evaluate(references.view(), estimates.view(), &config)?;
/// assert_eq!(scores.sdr.dim(), (2, 2));
/// let median = scores.median();
/// assert!(median.sdr[0] > 10.0);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate(
    references: ArrayView3<'_, f64>,
    estimates: ArrayView3<'_, f64>,
    config: &MusevalConfig,
) -> Result<MusevalScores> {
    check_window(config.window, config.hop)?;
    let (rs, rl, rc) = references.dim();
    let (es, el, ec) = estimates.dim();
    if (rs, rc) != (es, ec) || (!config.padding && rl != el) {
        return Err(Error::ShapeMismatch {
            what: "estimated_sources",
            expected: vec![rs, rl, rc],
            got: vec![es, el, ec],
        });
    }
    evaluate_blocks(&mut ArrayStems::new(references, estimates), config)
}

/// [`evaluate`] over stems read block by block: the same scores (to the
/// bit) in memory bounded by a few windows, whatever the stems' length.
///
/// v4 reads the stems three times: the Gram statistics of the whole track,
/// the redundancy check of the reference channels (stopped as soon as no two
/// channels can be proportional, usually at once), and the windows. v3
/// reads them twice (validation, then the windows).
///
/// # Shapes
///
/// `stems` gives `(sources, channels)` references and estimates; results are
/// `(sources, windows)`.
///
/// # Errors
///
/// As [`evaluate`] (a different number of sources or channels is a
/// [`Error::ShapeMismatch`] of `[sources, channels]`), and the reader's own.
///
/// # Example
///
/// ```
/// use ndarray::Array3;
/// use audio_eval::separation::{evaluate, evaluate_blocks, ArrayStems, MusevalConfig};
///
/// let references = Array3::from_shape_fn((2, 9000, 2), |(s, t, c)| {
///     ((0.01 + 0.02 * s as f64) * t as f64 + c as f64).sin()
/// });
/// let estimates = references.mapv(|v| 0.9 * v + 0.001);
/// let config = MusevalConfig { window: 4000, hop: 2000, ..MusevalConfig::default() };
/// let mut stems = ArrayStems::new(references.view(), estimates.view());
/// let streamed = evaluate_blocks(&mut stems, &config)?;
/// assert_eq!(streamed, evaluate(references.view(), estimates.view(), &config)?);
/// # Ok::<(), audio_eval::Error>(())
/// ```
pub fn evaluate_blocks<S: StemBlocks>(
    stems: &mut S,
    config: &MusevalConfig,
) -> std::result::Result<MusevalScores, S::Error> {
    check_window(config.window, config.hop)?;
    let (nsrc, _) = check_shapes(stems)?;
    let (frames, per_window) = match config.version {
        BssEvalVersion::V4 => {
            let (len, dec) = decompose(stems, config.padding, FILTER_LENGTH, f64::EPSILON)?;
            let frames = framing(len, config.window, config.hop);
            let filters = V4Filters::new(&dec);
            drop(dec);
            let per = window_pass(stems, config.padding, &frames, |r, e| {
                Ok(filters.window(r, e))
            })?;
            (frames, per)
        }
        BssEvalVersion::V3 => {
            let len = first_pass(stems, config.padding, None)?;
            let frames = framing(len, config.window, config.hop);
            let per = window_pass(stems, config.padding, &frames, |r, e| {
                if r.any_silent() || e.any_silent() {
                    return Ok(vec![PairMetrics::NAN; nsrc]);
                }
                v3_span(r, e, Criteria::Images, false, f64::EPSILON).map(|(m, _)| m)
            })?;
            (frames, per)
        }
    };
    let nwin = frames.len();
    let mut out = MusevalScores {
        sdr: Array2::from_elem((nsrc, nwin), f64::NAN),
        isr: Array2::from_elem((nsrc, nwin), f64::NAN),
        sir: Array2::from_elem((nsrc, nwin), f64::NAN),
        sar: Array2::from_elem((nsrc, nwin), f64::NAN),
        window: config.window,
        hop: config.hop,
    };
    for (k, w) in per_window.iter().enumerate() {
        for (j, m) in w.iter().enumerate() {
            out.sdr[[j, k]] = m.sdr;
            out.isr[[j, k]] = m.isr;
            out.sir[[j, k]] = m.sir;
            out.sar[[j, k]] = m.sar;
        }
    }
    Ok(out)
}

/// Spectra of one estimate's filters: on all references (`p · channels + c`)
/// and on its own source (`cj · channels + c`).
type FilterSpectra = (Vec<Vec<Complex<f64>>>, Vec<Vec<Complex<f64>>>);

/// The FFT length of the overlap-save blocks that apply filters of `flen`
/// taps: eight times the filter, so that seven eighths of each block are
/// output (4096 for museval's 512 taps; the filters' spectra, 80 of them for
/// 4 stereo sources, then take 2.6 MB and stay in cache).
fn block_fft_len(flen: usize) -> usize {
    fast_fft_len((8 * flen).max(64))
}

/// v4: the whole-track filters' spectra, applied to each window by FFT
/// convolution in overlap-save blocks.
struct V4Filters {
    spectra: Vec<FilterSpectra>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    fft_len: usize,
    flen: usize,
    sources: usize,
    channels: usize,
    /// `acc += h · x`, the copy chosen for this CPU.
    filter: FilterKernel,
}

/// One worker's buffers for [`V4Filters::window`].
struct BlockScratch {
    /// Spectra of the block of every reference signal.
    refs: Vec<Vec<Complex<f64>>>,
    /// The projections' spectra: on all references, on the own source.
    all: Vec<Complex<f64>>,
    own: Vec<Complex<f64>>,
    /// The projections in time.
    all_time: Vec<f64>,
    own_time: Vec<f64>,
    input: Vec<f64>,
    scratch: Vec<Complex<f64>>,
}

impl V4Filters {
    /// The filters of `dec`.
    fn new(dec: &Decomposition) -> Self {
        let flen = FILTER_LENGTH;
        let nch = dec.channels;
        let m = dec.m;
        let nsrc = m / nch.max(1);
        let n = m * flen;
        let bs = nch * flen;
        // Filters per estimate: projection on all references and on its own.
        let all: Vec<usize> = (0..nsrc).collect();
        let c_all = dec.filters_all(&all);
        let c_own: Vec<Vec<f64>> = (0..nsrc)
            .into_par_iter()
            .map(|j| dec.filters_source(&[j], j).swap_remove(0).0)
            .collect();
        let filters: Vec<(Vec<f64>, Vec<f64>)> =
            c_all.into_iter().map(|x| x.0).zip(c_own).collect();
        let fft_len = block_fft_len(flen);
        let bins = fft_len / 2 + 1;
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        let spectrum = |taps: &[f64], time: &mut Vec<f64>, scratch: &mut Vec<Complex<f64>>| {
            time.fill(0.0);
            time[..taps.len()].copy_from_slice(taps);
            let mut out = vec![Complex::new(0.0, 0.0); bins];
            let _ = forward.process_with_scratch(time, &mut out, scratch);
            out
        };
        // hall[j][(p * nch + c)]: filter from reference signal p to output c.
        let spectra: Vec<FilterSpectra> = filters
            .par_iter()
            .map(|(c_all, c_j)| {
                let mut time = vec![0.0; fft_len];
                let mut scratch = forward.make_scratch_vec();
                let mut hall = Vec::with_capacity(m * nch);
                for p in 0..m {
                    for c in 0..nch {
                        let off = c * n + p * flen;
                        hall.push(spectrum(&c_all[off..off + flen], &mut time, &mut scratch));
                    }
                }
                let mut hj = Vec::with_capacity(nch * nch);
                for cj in 0..nch {
                    for c in 0..nch {
                        let off = c * bs + cj * flen;
                        hj.push(spectrum(&c_j[off..off + flen], &mut time, &mut scratch));
                    }
                }
                (hall, hj)
            })
            .collect();
        Self {
            spectra,
            forward,
            inverse,
            fft_len,
            flen,
            sources: nsrc,
            channels: nch,
            filter: select_filter(),
        }
    }

    fn scratch(&self) -> BlockScratch {
        let bins = self.fft_len / 2 + 1;
        let zero = Complex::new(0.0, 0.0);
        let scratch_len = self
            .forward
            .get_scratch_len()
            .max(self.inverse.get_scratch_len());
        BlockScratch {
            refs: vec![vec![zero; bins]; self.sources * self.channels],
            all: vec![zero; bins],
            own: vec![zero; bins],
            all_time: vec![0.0; self.fft_len],
            own_time: vec![0.0; self.fft_len],
            input: vec![0.0; self.fft_len],
            scratch: vec![zero; scratch_len],
        }
    }

    /// The metrics of every source in one window (NaN when a reference or
    /// estimate source is silent in it).
    ///
    /// museval filters the window's references with each estimate's
    /// filters (full convolution, `window + flen − 1` samples) and compares
    /// the projections with the references and the estimate, both
    /// zero-extended to that length. Here the convolution runs in
    /// overlap-save blocks of `fft_len` samples, each giving
    /// `fft_len − flen + 1` output samples, and the energies are summed
    /// over the outputs in time.
    fn window(&self, refs: &Signals<'_>, ests: &Signals<'_>) -> Vec<PairMetrics> {
        let (nsrc, nch) = (self.sources, self.channels);
        if refs.any_silent() || ests.any_silent() {
            return vec![PairMetrics::NAN; nsrc];
        }
        let m = nsrc * nch;
        let wl = refs.len();
        let (fft_len, history) = (self.fft_len, self.flen - 1);
        let valid = fft_len - history;
        let out_len = wl + history;
        let scale = 1.0 / fft_len as f64;
        let mut b = self.scratch();
        // Per (j, c): Σs², Σ(e−s)², then the five projection energies.
        let mut energies = vec![[0.0f64; 7]; m];
        for (k, e) in energies.iter_mut().enumerate() {
            let (s, est) = (refs.data[k], ests.data[k]);
            for (sv, ev) in s.iter().zip(est) {
                e[0] += sv * sv;
                e[1] += (ev - sv) * (ev - sv);
            }
        }
        let mut start = 0;
        while start < out_len {
            // Input samples [start − history, start + valid), zero outside
            // the window.
            let lo = start.saturating_sub(history);
            let hi = (start + valid).min(wl);
            // Where the window's samples go in the block, and how many.
            let (at, len) = if lo < hi {
                (lo + history - start, hi - lo)
            } else {
                (0, 0)
            };
            for (sig, spec) in refs.data.iter().zip(b.refs.iter_mut()) {
                // The FFT overwrites its input: the zeros are written anew.
                b.input[..at].fill(0.0);
                b.input[at..at + len].copy_from_slice(&sig[lo..lo + len]);
                b.input[at + len..].fill(0.0);
                let _ = self
                    .forward
                    .process_with_scratch(&mut b.input, spec, &mut b.scratch);
            }
            let count = valid.min(out_len - start);
            for j in 0..nsrc {
                let (hall, hj) = &self.spectra[j];
                for c in 0..nch {
                    b.all.fill(Complex::new(0.0, 0.0));
                    for p in 0..m {
                        (self.filter)(&mut b.all, &hall[p * nch + c], &b.refs[p]);
                    }
                    b.own.fill(Complex::new(0.0, 0.0));
                    for cj in 0..nch {
                        (self.filter)(&mut b.own, &hj[cj * nch + c], &b.refs[j * nch + cj]);
                    }
                    for spec in [&mut b.all, &mut b.own] {
                        spec[0].im = 0.0;
                        if let Some(last) = spec.last_mut() {
                            last.im = 0.0;
                        }
                    }
                    let _ = self.inverse.process_with_scratch(
                        &mut b.all,
                        &mut b.all_time,
                        &mut b.scratch,
                    );
                    let _ = self.inverse.process_with_scratch(
                        &mut b.own,
                        &mut b.own_time,
                        &mut b.scratch,
                    );
                    let k = j * nch + c;
                    let (s, est) = (refs.data[k], ests.data[k]);
                    let mut f = [0.0f64; 5];
                    for i in 0..count {
                        let t = start + i;
                        let (sv, ev) = if t < wl { (s[t], est[t]) } else { (0.0, 0.0) };
                        let a = b.all_time[history + i] * scale;
                        let o = b.own_time[history + i] * scale;
                        f[0] += (o - sv) * (o - sv);
                        f[1] += o * o;
                        f[2] += (a - o) * (a - o);
                        f[3] += a * a;
                        f[4] += (ev - a) * (ev - a);
                    }
                    for (acc, v) in energies[k][2..].iter_mut().zip(f) {
                        *acc += v;
                    }
                }
            }
            start += valid;
        }
        (0..nsrc)
            .map(|j| {
                let mut e = [0.0f64; 7];
                for c in 0..nch {
                    for (acc, v) in e.iter_mut().zip(energies[j * nch + c]) {
                        *acc += v;
                    }
                }
                PairMetrics {
                    sdr: safe_db(e[0], e[1]),
                    isr: safe_db(e[0], e[2]),
                    sir: safe_db(e[3], e[4]),
                    sar: safe_db(e[5], e[6]),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn museval_framing() {
        assert_eq!(framing(10, 20, 5), vec![(0, 10)]);
        assert_eq!(framing(100, 40, 30), vec![(0, 40), (30, 40), (60, 40)]);
        assert_eq!(framing(100, 50, 50), vec![(0, 50), (50, 50)]);
    }

    #[test]
    fn nanmedian_like_numpy() {
        assert_eq!(nan_median([3.0, f64::NAN, 1.0, 2.0]), 2.0);
        assert_eq!(nan_median([4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(nan_median([f64::NAN]).is_nan());
        assert_eq!(
            nan_median([1.0, f64::INFINITY, f64::INFINITY]),
            f64::INFINITY
        );
    }
}
