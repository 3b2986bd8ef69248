//! Chroma energy normalised statistics (CENS), as `librosa.feature.chroma_cens`
//! (Müller & Ewert, "Chroma Toolbox", ISMIR 2011).

use ndarray::{Array2, ArrayViewMut2, Ix2};

use crate::cqt::cqt_filters::cast;
use crate::feature::chroma_cqt::normalize_columns;
use crate::transform::check_shape;
use crate::{
    get_window, ChromaCqt, ChromaCqtConfig, CqtMode, Error, Float, ResampleMethod, Result,
    Transform, WindowKind,
};

/// The quantisation steps of CENS and their weights (librosa's
/// `QUANT_STEPS` / `QUANT_WEIGHTS`).
const QUANT_STEPS: [f64; 4] = [0.4, 0.2, 0.1, 0.05];
const QUANT_WEIGHT: f64 = 0.25;

/// Parameters of [`ChromaCens`], with `librosa.feature.chroma_cens`'s names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromaCensConfig {
    /// Sample rate in Hz. Default 22050.
    pub sr: f64,
    /// Samples between frames. Default 512.
    pub hop_length: usize,
    /// Lowest CQT frequency in Hz; `None` means C1.
    pub fmin: Option<f64>,
    /// Tuning offset in fractions of a CQT bin; `None` (the default, as
    /// librosa) estimates it from each signal (see [`ChromaCqtConfig::tuning`]).
    pub tuning: Option<f64>,
    /// Number of chroma bins. Default 12.
    pub n_chroma: usize,
    /// Number of CQT octaves. Default 7.
    pub n_octaves: usize,
    /// CQT bins per octave. Default 36.
    pub bins_per_octave: usize,
    /// Full or hybrid CQT. Default full.
    pub cqt_mode: CqtMode,
    /// Final per-frame normalisation `p`. Default `Some(2.0)`.
    pub norm: Option<f64>,
    /// Length of the temporal smoothing window in frames (the window has
    /// `win_len_smooth + 2` points with zero ends); `None` for no smoothing.
    /// Default `Some(41)`.
    pub win_len_smooth: Option<usize>,
    /// Shape of the smoothing window (symmetric). Default Hann.
    pub smoothing_window: WindowKind,
    /// Resampler inside the CQT. Default [`ResampleMethod::SoxrHq`] (librosa's `soxr_hq`).
    pub res_type: ResampleMethod,
}

impl ChromaCensConfig {
    /// The chromagram CENS starts from: `chroma_cqt` with these parameters,
    /// no normalisation and no threshold (librosa's `chroma_cens` calls it
    /// with `norm=None, threshold=0`).
    pub fn chroma_cqt_config(&self) -> ChromaCqtConfig {
        ChromaCqtConfig {
            sr: self.sr,
            hop_length: self.hop_length,
            fmin: self.fmin,
            norm: None,
            threshold: 0.0,
            tuning: self.tuning,
            n_chroma: self.n_chroma,
            n_octaves: self.n_octaves,
            bins_per_octave: self.bins_per_octave,
            cqt_mode: self.cqt_mode,
            res_type: self.res_type,
        }
    }
}

impl Default for ChromaCensConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            fmin: None,
            tuning: None,
            n_chroma: 12,
            n_octaves: 7,
            bins_per_octave: 36,
            cqt_mode: CqtMode::Full,
            norm: Some(2.0),
            win_len_smooth: Some(41),
            smoothing_window: WindowKind::Hann,
            res_type: ResampleMethod::SoxrHq,
        }
    }
}

/// A planned CENS feature: the unnormalised CQT chroma ([`ChromaCqt`] with
/// `norm = None`), L1-normalised per frame, quantised to
/// `q = 0.25 (1[x > 0.4] + 1[x > 0.2] + 1[x > 0.1] + 1[x > 0.05])`, smoothed
/// in time with a normalised symmetric window (`win_len_smooth + 2` points,
/// zero-padded at the ends as `scipy.ndimage.convolve(mode="constant")`),
/// and normalised per frame with `norm` (L2), as `librosa.feature.chroma_cens`.
///
/// # Example
///
/// ```
/// use audio_dsp::{ChromaCens, ChromaCensConfig, ResampleMethod, Transform};
/// let cens = ChromaCens::<f32>::new(ChromaCensConfig { res_type: ResampleMethod::Fft, ..Default::default() })?;
/// let y: Vec<f32> = (0..22050)
///     .map(|n| (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 22050.0).sin())
///     .collect();
/// let c = cens.process(&y)?;
/// assert_eq!(c.dim(), (12, 44));
/// let norm: f32 = c.column(20).iter().map(|v| v * v).sum::<f32>().sqrt();
/// assert!((norm - 1.0).abs() < 1e-5);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub struct ChromaCens<T: Float> {
    config: ChromaCensConfig,
    chroma: ChromaCqt<T>,
    /// The normalised smoothing window (empty: no smoothing).
    window: Vec<T>,
}

impl<T: Float> std::fmt::Debug for ChromaCens<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChromaCens")
            .field("config", &self.config)
            .finish()
    }
}

impl<T: Float> ChromaCens<T> {
    /// Validates `config` and plans the chroma and the smoothing window.
    ///
    /// # Errors
    ///
    /// As [`ChromaCqt::new`], and [`Error::InvalidParameter`] for
    /// `win_len_smooth = Some(0)` (librosa raises there too).
    pub fn new(config: ChromaCensConfig) -> Result<Self> {
        crate::cqt::cqt_filters::check_norm(config.norm)?;
        let window = match config.win_len_smooth {
            Some(0) => {
                return Err(Error::InvalidParameter {
                    name: "win_len_smooth",
                    value: "0".into(),
                    expected: "a positive window length or None",
                })
            }
            Some(n) => {
                let w = get_window::<f64>(config.smoothing_window, n + 2, false)?;
                let sum: f64 = w.iter().sum();
                w.iter().map(|v| cast::<T>(v / sum)).collect()
            }
            None => Vec::new(),
        };
        let chroma = ChromaCqt::new(config.chroma_cqt_config())?;
        Ok(Self {
            config,
            chroma,
            window,
        })
    }

    /// The config this plan was built from.
    pub fn config(&self) -> &ChromaCensConfig {
        &self.config
    }
}

/// `(samples,)` → `(n_chroma, frames)` CENS features.
impl<T: Float> Transform<T> for ChromaCens<T> {
    type Elem = T;
    type Dim = Ix2;

    /// `(n_chroma, frames)`, as the [`ChromaCqt`]'s.
    ///
    /// # Errors
    ///
    /// As [`ChromaCqt`]'s [`Transform::output_shape`].
    fn output_shape(&self, len: usize) -> Result<Ix2> {
        self.chroma.output_shape(len)
    }

    /// The CENS feature of a mono signal into a caller buffer `(n_chroma, frames)`.
    ///
    /// # Errors
    ///
    /// As [`ChromaCqt`]'s [`Transform::process_into`], and
    /// [`Error::ShapeMismatch`] for a wrongly shaped `out`.
    fn process_into(&self, signal: &[T], mut out: ArrayViewMut2<T>) -> Result<()> {
        let cens = self.process(signal)?;
        check_shape("chroma_cens output", &cens.raw_dim(), &out)?;
        out.assign(&cens);
        Ok(())
    }

    /// The CENS feature of a mono signal.
    ///
    /// # Errors
    ///
    /// As [`ChromaCqt`]'s [`Transform::process`].
    fn process(&self, signal: &[T]) -> Result<Array2<T>> {
        let chroma = self.chroma.process(signal)?;
        let mut stream = self.stream();
        let head = stream.push(chroma.view())?;
        let tail = stream.finish();
        ndarray::concatenate(ndarray::Axis(1), &[head.view(), tail.view()]).map_err(|_| {
            Error::ShapeMismatch {
                what: "chroma_cens frames",
                expected: vec![self.config.n_chroma, 0],
                got: vec![tail.nrows(), tail.ncols()],
            }
        })
    }
}

impl<T: Float> ChromaCens<T> {
    /// The CENS steps after the chromagram, for frames that come in blocks:
    /// feed [`CensStream::push`] the un-normalised `chroma_cqt` frames
    /// (`norm=None`, `threshold=0`, as [`ChromaCens`] computes them) and
    /// get the CENS frames that are final, the smoothing window's half
    /// length behind; [`CensStream::finish`] gives the rest. The frames
    /// joined equal [`Transform::process`]'s to the bit (the same sums in
    /// the same order).
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::{ChromaCens, ChromaCensConfig, Transform};
    /// let cens = ChromaCens::<f32>::new(ChromaCensConfig::default())?;
    /// let chroma = ndarray::Array2::<f32>::from_shape_fn((12, 100), |(c, t)| ((c * 7 + t) % 12) as f32);
    /// let mut stream = cens.stream();
    /// let mut frames = 0;
    /// for block in chroma.axis_chunks_iter(ndarray::Axis(1), 30) {
    ///     frames += stream.push(block)?.ncols();
    /// }
    /// frames += stream.finish().ncols();
    /// assert_eq!(frames, 100);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn stream(&self) -> CensStream<T> {
        CensStream {
            window: self.window.clone(),
            norm: self.config.norm,
            n_chroma: self.config.n_chroma,
            held: std::collections::VecDeque::new(),
            held_from: 0,
            total: 0,
            next: 0,
        }
    }
}

/// [`ChromaCens::stream`]: quantised frames are kept for the smoothing
/// window's length, whatever the signal's.
#[derive(Debug, Clone)]
pub struct CensStream<T: Float> {
    window: Vec<T>,
    norm: Option<f64>,
    n_chroma: usize,
    /// Quantised frames from `held_from` on.
    held: std::collections::VecDeque<Vec<T>>,
    held_from: usize,
    /// Frames pushed.
    total: usize,
    /// The next frame to emit.
    next: usize,
}

impl<T: Float> CensStream<T> {
    /// Takes the next chroma frames `(n_chroma, k)`; returns the CENS
    /// frames that are final.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for frames of another height.
    pub fn push(&mut self, chroma: ndarray::ArrayView2<'_, T>) -> Result<Array2<T>> {
        if chroma.nrows() != self.n_chroma {
            return Err(Error::ShapeMismatch {
                what: "chroma_cens input frames",
                expected: vec![self.n_chroma, chroma.ncols()],
                got: vec![chroma.nrows(), chroma.ncols()],
            });
        }
        let mut chroma = chroma.to_owned();
        normalize_columns(&mut chroma.view_mut(), Some(1.0));
        let steps: Vec<T> = QUANT_STEPS.iter().map(|&s| cast(s)).collect();
        let weight: T = cast(QUANT_WEIGHT);
        for column in chroma.columns() {
            self.held.push_back(
                column
                    .iter()
                    .map(|&x| {
                        steps
                            .iter()
                            .fold(T::zero(), |q, &s| if x > s { q + weight } else { q })
                    })
                    .collect(),
            );
        }
        self.total += chroma.ncols();
        Ok(self.emit(false))
    }

    /// The remaining frames, once every chroma frame is in.
    pub fn finish(&mut self) -> Array2<T> {
        self.emit(true)
    }

    fn emit(&mut self, last: bool) -> Array2<T> {
        let len = self.window.len();
        let centre = len / 2;
        // Frame t is final once frame t + centre is in.
        let ready_to = if last || len == 0 {
            self.total
        } else {
            self.total.saturating_sub(centre).max(self.next)
        };
        let mut out = Array2::zeros((self.n_chroma, ready_to - self.next));
        for (o, t) in (self.next..ready_to).enumerate() {
            if len == 0 {
                for (c, &v) in self.held[t - self.held_from].iter().enumerate() {
                    out[[c, o]] = v;
                }
                continue;
            }
            // out[t] = sum_j w[j] x[t + len / 2 - j], zeros outside.
            for c in 0..self.n_chroma {
                let mut acc = T::zero();
                for (j, &w) in self.window.iter().enumerate() {
                    let idx = t as isize + centre as isize - j as isize;
                    if (0..self.total as isize).contains(&idx) {
                        acc = acc + w * self.held[idx as usize - self.held_from][c];
                    }
                }
                out[[c, o]] = acc;
            }
        }
        self.next = ready_to;
        // The earliest frame a later output reads.
        let keep = self.next.saturating_sub(len.saturating_sub(1 + centre));
        while self.held_from < keep && !self.held.is_empty() {
            self.held.pop_front();
            self.held_from += 1;
        }
        normalize_columns(&mut out.view_mut(), self.norm);
        out
    }
}

/// The CENS feature of a mono signal, as `librosa.feature.chroma_cens`: a
/// one-shot [`ChromaCens`].
///
/// # Errors
///
/// As [`ChromaCens::new`] and [`ChromaCens::process`].
///
/// # Shapes
///
/// `(samples,)` → `(n_chroma, frames)`.
///
/// # Example
///
/// ```
/// let y = vec![0.0f32; 4096];
/// let c = audio_dsp::chroma_cens(&y, &audio_dsp::ChromaCensConfig::default())?;
/// assert_eq!(c.dim(), (12, 9));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn chroma_cens<T: Float>(signal: &[T], config: &ChromaCensConfig) -> Result<Array2<T>> {
    ChromaCens::new(config.clone())?.process(signal)
}
