//! Mel scales and the mel filterbank, as `librosa.filters.mel`.

use ndarray::{Array2, ArrayView2, ShapeBuilder};

use crate::{Error, Float, Result};

/// Converts Hz to mels: `2595 log10(1 + f / 700)` (HTK) or Slaney's scale,
/// linear `3 f / 200` below 1 kHz and logarithmic above (`librosa.hz_to_mel`).
///
/// # Example
///
/// ```
/// assert!((audio_dsp::hz_to_mel(1000.0, false) - 15.0).abs() < 1e-12);
/// ```
pub fn hz_to_mel(hz: f64, htk: bool) -> f64 {
    if htk {
        return 2595.0 * (1.0 + hz / 700.0).log10();
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if hz >= min_log_hz {
        min_log_mel + (hz / min_log_hz).ln() / logstep
    } else {
        hz / f_sp
    }
}

/// Converts mels to Hz, the inverse of [`hz_to_mel`] (`librosa.mel_to_hz`).
///
/// # Example
///
/// ```
/// assert!((audio_dsp::mel_to_hz(audio_dsp::hz_to_mel(440.0, true), true) - 440.0).abs() < 1e-9);
/// ```
pub fn mel_to_hz(mel: f64, htk: bool) -> f64 {
    if htk {
        return 700.0 * (10f64.powf(mel / 2595.0) - 1.0);
    }
    let f_sp = 200.0 / 3.0;
    let min_log_hz = 1000.0;
    let min_log_mel = min_log_hz / f_sp;
    let logstep = 6.4f64.ln() / 27.0;
    if mel >= min_log_mel {
        min_log_hz * (logstep * (mel - min_log_mel)).exp()
    } else {
        f_sp * mel
    }
}

/// `n` frequencies evenly spaced in mels from `fmin` to `fmax`
/// (`librosa.mel_frequencies`, with `numpy.linspace`'s arithmetic).
///
/// # Example
///
/// ```
/// let f = audio_dsp::mel_frequencies(5, 0.0, 8000.0, true);
/// assert_eq!(f.len(), 5);
/// assert!((f[4] - 8000.0).abs() < 1e-9);
/// ```
pub fn mel_frequencies(n: usize, fmin: f64, fmax: f64, htk: bool) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(fmin, htk), hz_to_mel(fmax, htk));
    linspace(lo, hi, n)
        .into_iter()
        .map(|m| mel_to_hz(m, htk))
        .collect()
}

/// The centre frequency of each of the `1 + n_fft / 2` FFT bins,
/// `k * sr / n_fft` (`librosa.fft_frequencies`, i.e. `numpy.fft.rfftfreq`).
///
/// # Example
///
/// ```
/// assert_eq!(audio_dsp::fft_frequencies(8000.0, 8), vec![0.0, 1000.0, 2000.0, 3000.0, 4000.0]);
/// ```
pub fn fft_frequencies(sr: f64, n_fft: usize) -> Vec<f64> {
    let val = 1.0 / (n_fft as f64 * (1.0 / sr));
    (0..=n_fft / 2).map(|k| k as f64 * val).collect()
}

/// `numpy.linspace(start, stop, n)` with its arithmetic: `start + i * step`,
/// the last point exactly `stop`.
pub(crate) fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    match n {
        0 => vec![],
        1 => vec![start],
        _ => {
            let step = (stop - start) / (n - 1) as f64;
            let mut v: Vec<f64> = (0..n).map(|i| i as f64 * step + start).collect();
            v[n - 1] = stop;
            v
        }
    }
}

/// How each mel filter is normalised (librosa's `norm`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum MelNorm {
    /// Slaney's area normalisation: each triangle scaled by `2 / (f_{m+2} - f_m)`
    /// (librosa's default, `norm="slaney"`).
    #[default]
    Slaney,
    /// No normalisation: triangles peak at 1 (`norm=None`).
    None,
    /// Each filter divided by its `p`-norm (`norm=p`; `f64::INFINITY` for the max norm).
    P(f64),
}

impl std::str::FromStr for MelNorm {
    type Err = Error;

    /// Parses librosa's `norm` values: `slaney`, `none` (any case), `inf` /
    /// `np.inf`, or a p-norm order `p > 0`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other text.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::MelNorm;
    /// assert_eq!("slaney".parse::<MelNorm>()?, MelNorm::Slaney);
    /// assert_eq!("None".parse::<MelNorm>()?, MelNorm::None);
    /// assert_eq!("inf".parse::<MelNorm>()?, MelNorm::P(f64::INFINITY));
    /// assert!("ortho".parse::<MelNorm>().is_err());
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        const EXPECTED: &str = "slaney, none, inf or a positive number";
        let t = s.trim();
        if t.eq_ignore_ascii_case("slaney") {
            Ok(Self::Slaney)
        } else if t.eq_ignore_ascii_case("none") {
            Ok(Self::None)
        } else {
            crate::util::norm::parse_order(s, "norm", EXPECTED).map(Self::P)
        }
    }
}

/// Parameters of a mel filterbank, with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct MelConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// FFT size the filterbank applies to. Default 2048.
    pub n_fft: usize,
    /// Number of mel bands. Default 128.
    pub n_mels: usize,
    /// Lowest edge in Hz. Default 0.
    pub fmin: f64,
    /// Highest edge in Hz; `None` means `sr / 2`.
    pub fmax: Option<f64>,
    /// HTK's mel formula instead of Slaney's.
    pub htk: bool,
    /// Filter normalisation.
    pub norm: MelNorm,
}

impl Default for MelConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            n_fft: 2048,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            htk: false,
            norm: MelNorm::Slaney,
        }
    }
}

/// A mel filterbank: `n_mels` triangular filters over the `1 + n_fft / 2` FFT
/// bins, as `librosa.filters.mel`, stored dense and as per-filter non-zero
/// bands so that applying it costs `O(bins)` per frame instead of
/// `O(n_mels * bins)`.
///
/// `W[m, k] = max(0, min((f_k - f_m) / (f_{m+1} - f_m), (f_{m+2} - f_k) / (f_{m+2} - f_{m+1})))`
/// on the `n_mels + 2` mel-spaced edges `f`, then normalised.
///
/// librosa builds the filterbank in `float32` by default; `MelFilterbank<f32>`
/// matches that, `MelFilterbank<f64>` matches `librosa.filters.mel(dtype=np.float64)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{MelConfig, MelFilterbank};
/// let mel = MelFilterbank::<f32>::new(&MelConfig::default())?;
/// assert_eq!(mel.weights().dim(), (128, 1025));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelFilterbank<T: Float> {
    weights: Array2<T>,
    bands: Vec<(usize, Vec<T>)>,
}

impl<T: Float> MelFilterbank<T> {
    /// Builds the filterbank.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `sr <= 0`, `n_fft = 0`, `n_mels = 0`,
    /// `fmin < 0`, `fmin >= fmax` or a non-positive `p` norm.
    pub fn new(config: &MelConfig) -> Result<Self> {
        let fmax = config.fmax.unwrap_or(config.sr / 2.0);
        let invalid = |name: &'static str, value: f64, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value: value.to_string(),
                expected,
            })
        };
        if !(config.sr > 0.0 && config.sr.is_finite()) {
            return invalid("sr", config.sr, "a positive sample rate");
        }
        if config.n_fft == 0 {
            return invalid("n_fft", 0.0, "a positive FFT size");
        }
        if config.n_mels == 0 {
            return invalid("n_mels", 0.0, "at least one mel band");
        }
        if !(config.fmin >= 0.0 && config.fmin.is_finite()) {
            return invalid("fmin", config.fmin, "a non-negative frequency");
        }
        if !(fmax > config.fmin && fmax.is_finite()) {
            return invalid("fmax", fmax, "a finite frequency above fmin");
        }
        if let MelNorm::P(p) = config.norm {
            if p.is_nan() || p <= 0.0 {
                return invalid("norm", p, "slaney, none or a positive p-norm");
            }
        }
        let bins = config.n_fft / 2 + 1;
        let fft_f = fft_frequencies(config.sr, config.n_fft);
        let mel_f = mel_frequencies(config.n_mels + 2, config.fmin, fmax, config.htk);
        let mut w = Array2::<f64>::zeros((config.n_mels, bins));
        for m in 0..config.n_mels {
            let (d0, d1) = (mel_f[m + 1] - mel_f[m], mel_f[m + 2] - mel_f[m + 1]);
            for (k, &f) in fft_f.iter().enumerate() {
                let lower = -(mel_f[m] - f) / d0;
                let upper = (mel_f[m + 2] - f) / d1;
                w[[m, k]] = 0f64.max(lower.min(upper));
            }
            let mut row = w.row_mut(m);
            match config.norm {
                MelNorm::Slaney => {
                    let enorm = 2.0 / (mel_f[m + 2] - mel_f[m]);
                    row.mapv_inplace(|v| v * enorm);
                }
                MelNorm::None => {}
                MelNorm::P(p) => {
                    let length = if p.is_infinite() {
                        row.iter().fold(0f64, |a, &v| a.max(v.abs()))
                    } else {
                        row.iter()
                            .map(|v| v.abs().powf(p))
                            .sum::<f64>()
                            .powf(1.0 / p)
                    };
                    if length >= f64::MIN_POSITIVE {
                        row.mapv_inplace(|v| v / length);
                    }
                }
            }
        }
        let weights = w.mapv(|v| T::from(v).unwrap_or_else(T::zero));
        let bands = weights
            .outer_iter()
            .map(|row| {
                let first = row.iter().position(|&v| v != T::zero());
                let last = row.iter().rposition(|&v| v != T::zero());
                match (first, last) {
                    (Some(a), Some(b)) => (a, row.slice(ndarray::s![a..=b]).to_vec()),
                    _ => (0, Vec::new()),
                }
            })
            .collect();
        Ok(Self { weights, bands })
    }

    /// The dense filterbank, `(n_mels, 1 + n_fft / 2)`.
    pub fn weights(&self) -> &Array2<T> {
        &self.weights
    }

    /// The number of mel bands.
    pub fn n_mels(&self) -> usize {
        self.weights.nrows()
    }

    /// Projects a (power or magnitude) spectrogram onto the mel bands:
    /// `M[m, t] = sum_k W[m, k] S[k, t]`.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when `spec` does not have `1 + n_fft / 2` rows.
    ///
    /// # Shapes
    ///
    /// `(1 + n_fft / 2, frames)` → `(n_mels, frames)`.
    pub fn apply(&self, spec: ArrayView2<T>) -> Result<Array2<T>> {
        let (bins, frames) = spec.dim();
        if bins != self.weights.ncols() {
            return Err(Error::ShapeMismatch {
                what: "mel filterbank input",
                expected: vec![self.weights.ncols(), 0],
                got: vec![bins, frames],
            });
        }
        let n_mels = self.n_mels();
        let mut out = vec![T::zero(); n_mels * frames];
        let mut column = vec![T::zero(); bins];
        // Frame-major output (Fortran order): frame t is out[t * n_mels..].
        for (t, dst) in out.chunks_exact_mut(n_mels).enumerate() {
            let src = spec.column(t);
            let col: &[T] = match src.as_slice() {
                Some(s) => s,
                None => {
                    column.iter_mut().zip(src.iter()).for_each(|(d, &s)| *d = s);
                    &column
                }
            };
            self.project_frame(col, dst);
        }
        let out =
            Array2::from_shape_vec((n_mels, frames).f(), out).map_err(|_| Error::BufferLength {
                what: "mel spectrogram",
                expected: n_mels * frames,
                got: 0,
            })?;
        Ok(out)
    }

    /// Projects one spectrum frame (`1 + n_fft / 2` values) onto the bands,
    /// `out[m] = sum_k W[m, k] s[k]`, visiting only each filter's non-zero band.
    pub(crate) fn project_frame(&self, spectrum: &[T], out: &mut [T]) {
        for (d, (start, band)) in out.iter_mut().zip(&self.bands) {
            *d = dot(band, &spectrum[*start..*start + band.len()]);
        }
    }
}

/// `sum_i a[i] b[i]` with eight independent accumulators, so the compiler can
/// keep them in one vector register instead of one serial dependency chain.
fn dot<T: Float>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] = acc[i] + x[i] * y[i];
        }
    }
    let mut tail = T::zero();
    for (&x, &y) in ra.iter().zip(rb) {
        tail = tail + x * y;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

#[cfg(test)]
mod parse_tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn mel_norm_parses_librosa_values() {
        for (s, want) in [
            ("slaney", MelNorm::Slaney),
            ("none", MelNorm::None),
            ("None", MelNorm::None),
            ("inf", MelNorm::P(f64::INFINITY)),
            ("1", MelNorm::P(1.0)),
        ] {
            assert_eq!(s.parse::<MelNorm>().unwrap(), want, "{s}");
        }
        for s in ["", "ortho", "0", "-2", "nan"] {
            assert!(
                matches!(
                    s.parse::<MelNorm>(),
                    Err(Error::InvalidParameter { name: "norm", .. })
                ),
                "{s}"
            );
        }
    }
}
