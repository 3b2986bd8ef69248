//! Constant-Q and variable-Q filter bases, as `librosa.filters.wavelet`,
//! `librosa.filters.wavelet_lengths` and librosa's private
//! `constantq.__vqt_filter_fft` build them.
//!
//! The time-domain filter of bin `k` (centre frequency `f_k`, length `l_k`) is
//! `h_k[n] = w[n] exp(2 pi i f_k n / sr) / ||w exp(..)||_norm` for
//! `n = floor(-l_k / 2) .. floor(l_k / 2)`, centred in a power-of-two FFT
//! frame; the frequency-domain basis is its FFT scaled by `l_k / n_fft`,
//! keeping the non-negative frequencies and dropping the smallest
//! coefficients that together hold a `sparsity` fraction of each row's
//! magnitude (`librosa.util.sparsify_rows`).

use num_complex::Complex;
use rustfft::FftPlanner;

use crate::{get_window, Error, Float, Result, WindowKind};

/// The frequency of C1 in Hz (`librosa.note_to_hz("C1")` = `440 * 2^(-45/12)`),
/// the default lowest bin of the constant-Q transforms.
pub const C1_HZ: f64 = 32.703_195_662_574_83;

/// The centre frequencies of an equal-tempered constant-Q transform:
/// `f_k = fmin * 2^(tuning / bins_per_octave) * 2^(k / bins_per_octave)`, as
/// `librosa.cqt_frequencies`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `bins_per_octave = 0` or a non-positive or
/// non-finite `fmin`.
///
/// # Shapes
///
/// `n_bins` frequencies, ascending.
///
/// # Example
///
/// ```
/// let f = audio_dsp::cqt_frequencies(13, audio_dsp::C1_HZ, 12, 0.0)?;
/// assert!((f[12] - 2.0 * audio_dsp::C1_HZ).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn cqt_frequencies(
    n_bins: usize,
    fmin: f64,
    bins_per_octave: usize,
    tuning: f64,
) -> Result<Vec<f64>> {
    check_fmin(fmin)?;
    check_bins_per_octave(bins_per_octave)?;
    let bpo = bins_per_octave as f64;
    let correction = 2f64.powf(tuning / bpo);
    Ok((0..n_bins)
        .map(|k| correction * fmin * 2f64.powf(k as f64 / bpo))
        .collect())
}

/// The frequencies `librosa.interval_frequencies(intervals="equal")` gives
/// (the form `vqt` uses): `fmin * 2^o * 2^(j / bins_per_octave)` for bin
/// `k = o * bins_per_octave + j`.
pub(crate) fn equal_interval_frequencies(
    n_bins: usize,
    fmin: f64,
    bins_per_octave: usize,
) -> Vec<f64> {
    let bpo = bins_per_octave as f64;
    (0..n_bins)
        .map(|k| {
            let (octave, j) = (k / bins_per_octave, k % bins_per_octave);
            2f64.powi(octave as i32) * 2f64.powf(j as f64 / bpo) * fmin
        })
        .collect()
}

pub(crate) fn check_fmin(fmin: f64) -> Result<()> {
    if fmin.is_finite() && fmin > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "fmin",
            value: fmin.to_string(),
            expected: "a positive, finite frequency in Hz",
        })
    }
}

pub(crate) fn check_bins_per_octave(bins_per_octave: usize) -> Result<()> {
    if bins_per_octave == 0 {
        Err(Error::InvalidParameter {
            name: "bins_per_octave",
            value: "0".into(),
            expected: "a positive number of bins per octave",
        })
    } else {
        Ok(())
    }
}

/// The equivalent noise bandwidth of a window in bins,
/// `n sum(w^2) / (sum w)^2` with `n = 1000`, as `librosa.filters.window_bandwidth`
/// (librosa's tabulated values for the named windows).
pub(crate) fn window_bandwidth(window: WindowKind) -> Result<f64> {
    Ok(match window {
        WindowKind::Hann => 1.500_183_105_468_75,
        WindowKind::Hamming => 1.362_945_532_035_034_8,
        WindowKind::Blackman => 1.726_968_155_426_232_6,
        WindowKind::Bartlett => 1.333_496_133_491_280_5,
        WindowKind::Rectangular => 1.0,
        other => {
            let n = 1000;
            let w = get_window::<f64>(other, n, true)?;
            let sum: f64 = w.iter().sum();
            let sum_sq: f64 = w.iter().map(|v| v * v).sum();
            n as f64 * sum_sq / (sum * sum + f64::MIN_POSITIVE)
        }
    })
}

/// `alpha_k = (2^(2 / b_k) - 1) / (2^(2 / b_k) + 1)` with `b_k` the local bins
/// per octave (one-sided at the ends, centred inside), as
/// `librosa.filters._relative_bandwidth`; for a single frequency, the
/// equal-tempered value with `b = bins_per_octave` (`__et_relative_bw`).
pub(crate) fn relative_bandwidth(freqs: &[f64], bins_per_octave: usize) -> Vec<f64> {
    let alpha_of = |bpo: f64| {
        let r = 2f64.powf(2.0 / bpo);
        (r - 1.0) / (r + 1.0)
    };
    let n = freqs.len();
    if n <= 1 {
        let r = 2f64.powf(1.0 / bins_per_octave as f64);
        return vec![(r * r - 1.0) / (r * r + 1.0); n];
    }
    let logf: Vec<f64> = freqs.iter().map(|f| f.log2()).collect();
    (0..n)
        .map(|k| {
            let bpo = if k == 0 {
                1.0 / (logf[1] - logf[0])
            } else if k == n - 1 {
                1.0 / (logf[n - 1] - logf[n - 2])
            } else {
                2.0 / (logf[k + 1] - logf[k - 1])
            };
            alpha_of(bpo)
        })
        .collect()
}

/// Filter lengths `l_k = Q_k sr / (f_k + gamma_k / alpha_k)` with
/// `Q_k = filter_scale / alpha_k` and `gamma_k = gamma` (or
/// `24.7 alpha_k / 0.108` when `gamma` is `None`), and the highest frequency
/// the filters reach, `max_k f_k (1 + bw / (2 Q_k)) + gamma_k / 2`, as
/// `librosa.filters.wavelet_lengths`.
pub(crate) fn wavelet_lengths(
    freqs: &[f64],
    alpha: &[f64],
    sr: f64,
    window: WindowKind,
    filter_scale: f64,
    gamma: Option<f64>,
) -> Result<(Vec<f64>, f64)> {
    if !(filter_scale.is_finite() && filter_scale > 0.0) {
        return Err(Error::InvalidParameter {
            name: "filter_scale",
            value: filter_scale.to_string(),
            expected: "a positive, finite scale",
        });
    }
    if let Some(g) = gamma {
        if !(g.is_finite() && g >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "gamma",
                value: g.to_string(),
                expected: "a non-negative, finite bandwidth offset in Hz",
            });
        }
    }
    let bandwidth = window_bandwidth(window)?;
    let mut lengths = Vec::with_capacity(freqs.len());
    let mut cutoff = f64::NEG_INFINITY;
    for (&f, &a) in freqs.iter().zip(alpha) {
        let g = gamma.unwrap_or(a * 24.7 / 0.108);
        let q = filter_scale / a;
        cutoff = cutoff.max(f * (1.0 + 0.5 * bandwidth / q) + 0.5 * g);
        lengths.push(q * sr / (f + g / a));
    }
    Ok((lengths, cutoff))
}

/// A sparse frequency-domain filter basis in compressed-row form: row `r`
/// holds `values[row_start[r]..row_start[r + 1]]` at FFT bins
/// `columns[row_start[r]..row_start[r + 1]]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SparseBasis<T> {
    /// The FFT size the basis applies to (`n_fft / 2 + 1` columns).
    pub n_fft: usize,
    pub row_start: Vec<usize>,
    pub columns: Vec<usize>,
    pub values: Vec<Complex<T>>,
}

impl SparseBasis<f64> {
    /// Casts to `T`, multiplying row `r` by `row_scale[r]`.
    pub(crate) fn scaled<T: Float>(&self, row_scale: &[f64]) -> SparseBasis<T> {
        let mut values = Vec::with_capacity(self.values.len());
        for (r, &s) in row_scale.iter().enumerate() {
            for v in &self.values[self.row_start[r]..self.row_start[r + 1]] {
                values.push(Complex::new(cast::<T>(v.re * s), cast::<T>(v.im * s)));
            }
        }
        SparseBasis {
            n_fft: self.n_fft,
            row_start: self.row_start.clone(),
            columns: self.columns.clone(),
            values,
        }
    }

    /// The basis with every value replaced by its magnitude (the pseudo-CQT's `|fft_basis|`).
    pub(crate) fn magnitudes(&self) -> Self {
        Self {
            values: self
                .values
                .iter()
                .map(|v| Complex::new(v.norm(), 0.0))
                .collect(),
            ..self.clone()
        }
    }
}

impl<T: Float> SparseBasis<T> {
    /// `out[r] = sum_j values[j] spectrum[columns[j]]` over row `r`'s entries.
    #[inline]
    pub(crate) fn apply_row(&self, r: usize, spectrum: &[Complex<T>]) -> Complex<T> {
        let (lo, hi) = (self.row_start[r], self.row_start[r + 1]);
        let mut acc = Complex::new(T::zero(), T::zero());
        for (v, &c) in self.values[lo..hi].iter().zip(&self.columns[lo..hi]) {
            acc = acc + *v * spectrum[c];
        }
        acc
    }
}

pub(crate) fn cast<T: Float>(x: f64) -> T {
    T::from(x).unwrap_or_else(T::zero)
}

/// Rounds to single precision and back, as librosa stores its time-domain
/// wavelets (`complex64`) whatever the input precision.
fn round32(x: Complex<f64>) -> Complex<f64> {
    Complex::new(f64::from(x.re as f32), f64::from(x.im as f32))
}

/// Normalises a filter as `librosa.util.normalize(sig, norm)`: divides by
/// `(sum |x|^p)^(1/p)` (`max |x|` for `p = inf`), leaving it unchanged when that
/// length is below the smallest normal `f64`.
fn normalize(sig: &mut [Complex<f64>], norm: Option<f64>) {
    let Some(p) = norm else { return };
    let length = if p.is_infinite() {
        sig.iter().fold(0.0f64, |m, v| m.max(v.norm()))
    } else {
        sig.iter()
            .map(|v| v.norm().powf(p))
            .sum::<f64>()
            .powf(1.0 / p)
    };
    let length = if length < f64::MIN_POSITIVE {
        1.0
    } else {
        length
    };
    sig.iter_mut().for_each(|v| *v /= length);
}

/// Validates a filter normalisation: `None`, a positive finite `p` or `+inf`.
pub(crate) fn check_norm(norm: Option<f64>) -> Result<()> {
    match norm {
        Some(p) if p.is_nan() || p <= 0.0 => Err(Error::InvalidParameter {
            name: "norm",
            value: p.to_string(),
            expected: "None, a positive p, or inf",
        }),
        _ => Ok(()),
    }
}

/// Validates the sparsity quantile: `0 <= sparsity < 1`.
pub(crate) fn check_sparsity(sparsity: f64) -> Result<()> {
    if (0.0..1.0).contains(&sparsity) {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "sparsity",
            value: sparsity.to_string(),
            expected: "0 <= sparsity < 1",
        })
    }
}

/// The longest filter accepted (2^24 samples, 12.7 min at 22.05 kHz): beyond
/// it the basis would not fit in memory; librosa would try and fail.
pub(crate) const MAX_FILTER_LENGTH: usize = 1 << 24;

/// The parameters of one frequency-domain basis.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BasisSpec<'a> {
    pub sr: f64,
    pub freqs: &'a [f64],
    pub alpha: &'a [f64],
    pub filter_scale: f64,
    pub norm: Option<f64>,
    pub sparsity: f64,
    pub window: WindowKind,
    pub gamma: Option<f64>,
    /// The pseudo-CQT's hop: the FFT is at least `2^(1 + ceil(log2 hop))` long.
    pub hop_length: Option<usize>,
}

/// The sparse frequency-domain basis and the filter lengths, as librosa's
/// `__vqt_filter_fft`: wavelets (rounded to `complex64` as librosa builds
/// them), scaled by `l_k / n_fft`, FFT'd, the non-negative half kept and
/// sparsified.
pub(crate) fn vqt_filter_fft(spec: BasisSpec<'_>) -> Result<(SparseBasis<f64>, Vec<f64>)> {
    let (lengths, _) = wavelet_lengths(
        spec.freqs,
        spec.alpha,
        spec.sr,
        spec.window,
        spec.filter_scale,
        spec.gamma,
    )?;
    let max_len = lengths.iter().fold(0.0f64, |m, &l| m.max(l));
    if !(max_len.is_finite() && max_len <= MAX_FILTER_LENGTH as f64) {
        return Err(Error::InvalidParameter {
            name: "fmin",
            value: format!("{} Hz (filter of {max_len:.0} samples)", spec.freqs[0]),
            expected: "filters of at most 2^24 samples (a higher fmin, or a lower filter_scale)",
        });
    }
    let frame = 2f64.powf(max_len.log2().ceil()) as usize;
    let mut n_fft = frame.max(1);
    if let Some(hop) = spec.hop_length {
        let min_fft = 2f64.powf(1.0 + (hop as f64).log2().ceil());
        if (n_fft as f64) < min_fft {
            n_fft = min_fft as usize;
        }
    }
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n_fft);
    let half = n_fft / 2 + 1;
    let mut basis = SparseBasis {
        n_fft,
        row_start: vec![0],
        columns: Vec::new(),
        values: Vec::new(),
    };
    let mut buf = vec![Complex::new(0.0, 0.0); n_fft];
    let mut row = vec![Complex::new(0.0, 0.0); half];
    for (&ilen, &freq) in lengths.iter().zip(spec.freqs) {
        let lo = (-ilen / 2.0).floor();
        let hi = (ilen / 2.0).floor();
        let n = (hi - lo).max(0.0) as usize;
        let window = get_window::<f64>(spec.window, n.max(1), true)?;
        let mut sig: Vec<Complex<f64>> = (0..n)
            .map(|k| {
                let angle = (lo + k as f64) * 2.0 * std::f64::consts::PI * freq / spec.sr;
                Complex::new(angle.cos(), angle.sin()) * window[k]
            })
            .collect();
        normalize(&mut sig, spec.norm);
        // librosa pads to the power-of-two frame (centred), stores complex64,
        // scales by l_k / n_fft, and lets the FFT zero-extend to n_fft.
        let lpad = (frame.saturating_sub(n)) / 2;
        buf.iter_mut().for_each(|v| *v = Complex::new(0.0, 0.0));
        let scale = ilen / n_fft as f64;
        for (k, v) in sig.iter().enumerate() {
            buf[lpad + k] = round32(round32(*v) * scale);
        }
        fft.process(&mut buf);
        for (dst, src) in row.iter_mut().zip(&buf[..half]) {
            *dst = round32(*src);
        }
        sparsify_row(&row, spec.sparsity, &mut basis);
    }
    Ok((basis, lengths))
}

/// Appends `row` to `basis` keeping the coefficients whose magnitude is at
/// least that of the smallest coefficient at which the ascending cumulative
/// magnitude share reaches `quantile`, as `librosa.util.sparsify_rows`.
fn sparsify_row(row: &[Complex<f64>], quantile: f64, basis: &mut SparseBasis<f64>) {
    // librosa's basis is complex64 whatever the input precision, so the
    // magnitudes, their sum and the cumulative shares are single precision.
    let mags: Vec<f32> = row
        .iter()
        .map(|v| (v.re as f32).hypot(v.im as f32))
        .collect();
    let norm = mags.iter().map(|&m| f64::from(m)).sum::<f64>() as f32;
    let mut sorted = mags.clone();
    sorted.sort_by(f32::total_cmp);
    let quantile = quantile as f32;
    let mut cumulative = 0.0f32;
    let mut threshold_idx = 0;
    for (j, &m) in sorted.iter().enumerate() {
        cumulative += m / norm;
        // np.argmin(cumulative < quantile): the first index where it is not below.
        if cumulative.partial_cmp(&quantile) != Some(std::cmp::Ordering::Less) {
            threshold_idx = j;
            break;
        }
    }
    let threshold = sorted[threshold_idx];
    for (c, (v, &m)) in row.iter().zip(&mags).enumerate() {
        if m >= threshold {
            basis.columns.push(c);
            basis.values.push(*v);
        }
    }
    basis.row_start.push(basis.columns.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_is_librosa_note_to_hz() {
        assert!((C1_HZ - 440.0 * 2f64.powf(-45.0 / 12.0)).abs() < 1e-12);
    }

    #[test]
    fn equal_temperament_bandwidth() {
        let f = cqt_frequencies(24, C1_HZ, 12, 0.0).unwrap();
        let a = relative_bandwidth(&f, 12);
        let r = 2f64.powf(1.0 / 12.0);
        let expected = (r * r - 1.0) / (r * r + 1.0);
        assert!(a.iter().all(|&x| (x - expected).abs() < 1e-12));
    }
}
