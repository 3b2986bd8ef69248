//! Predominant local pulse, as `librosa.beat.plp`.

use ndarray::{Array2, ArrayView2};
use num_complex::Complex;

use crate::error::invalid;
use crate::feature::rhythm::tempo::check_sr;
use crate::feature::rhythm::{
    fourier_tempo_frequencies, fourier_tempogram_blocks, FourierTempogramConfig,
};
use crate::{Float, IstftConfig, Result, StreamingIstft, WindowKind};

/// Parameters of [`plp`], with `librosa.beat.plp`'s names and defaults (no
/// `prior` distribution).
#[derive(Debug, Clone, PartialEq)]
pub struct PlpConfig {
    /// Sample rate of the signal the envelope came from. Default 22050.
    pub sr: f64,
    /// Samples between onset frames. Default 512.
    pub hop_length: usize,
    /// Window of the Fourier tempogram, in onset frames. Default 384.
    pub win_length: usize,
    /// Tempi below this (BPM) are discarded; `None` keeps them. Default `Some(30)`.
    pub tempo_min: Option<f64>,
    /// Tempi above this (BPM) are discarded; `None` keeps them. Default `Some(300)`.
    pub tempo_max: Option<f64>,
}

impl Default for PlpConfig {
    fn default() -> Self {
        Self {
            sr: 22050.0,
            hop_length: 512,
            win_length: 384,
            tempo_min: Some(30.0),
            tempo_max: Some(300.0),
        }
    }
}

/// The predominant local pulse curve (`librosa.beat.plp`): in each frame of
/// the [`fourier_tempogram()`](crate::feature::rhythm::fourier_tempogram()), only the strongest tempo bin within
/// `[tempo_min, tempo_max]` is kept (by `log1p(10⁶ |F|)` in float32, so bins
/// tied there are all kept), scaled by `1 / (√tiny + |max F|)`, and the
/// result is inverted with an ISTFT (hop 1), half-wave rectified and divided
/// by its maximum.
///
/// As librosa, `max F` is NumPy's maximum of a complex column, which orders
/// by real part first: where the kept bin's real part is negative, the
/// column's maximum is `0` and the column is scaled by `1 / √tiny`. The
/// result keeps that behaviour so that it equals librosa's.
///
/// Reference: Grosche & Müller, "Extracting predominant local pulse
/// information from music recordings", IEEE TASLP 19(6), 2011; librosa 0.11.
///
/// # Shapes
///
/// One value per onset frame, in `[0, 1]`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for `tempo_max <= tempo_min`, a
/// non-positive or non-finite `sr`, `hop_length = 0` or `win_length = 0`;
/// [`crate::Error::InputTooShort`] for an empty envelope;
/// [`crate::Error::NonFinite`] for NaN or infinities.
///
/// # Example
///
/// ```
/// use audio_dsp::beat::{plp, PlpConfig};
/// let env: Vec<f32> = (0..800).map(|t| if t % 20 == 0 { 1.0 } else { 0.0 }).collect();
/// let pulse = plp(&env, &PlpConfig::default())?;
/// assert_eq!(pulse.len(), 800);
/// assert!(pulse.iter().all(|&p| (0.0..=1.0).contains(&p)));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn plp<T: Float>(onset_envelope: &[T], config: &PlpConfig) -> Result<Vec<T>> {
    check_sr(config.sr)?;
    if let (Some(lo), Some(hi)) = (config.tempo_min, config.tempo_max) {
        if hi <= lo {
            return Err(invalid("tempo_max", hi, "a tempo above tempo_min"));
        }
    }
    let win = config.win_length;
    let freqs = fourier_tempo_frequencies(config.sr, win, config.hop_length)?;
    let in_range: Vec<bool> = freqs
        .iter()
        .map(|&f| {
            config.tempo_min.is_none_or(|lo| f >= lo) && config.tempo_max.is_none_or(|hi| f <= hi)
        })
        .collect();
    let mut istft = StreamingIstft::<f64>::new(IstftConfig {
        n_fft: win,
        hop_length: Some(1),
        win_length: None,
        window: WindowKind::Hann,
        center: true,
    })?;
    // The Fourier tempogram in blocks of frames, each block's peaks picked
    // and overlap-added at once: the tempogram (`1 + win / 2` complex
    // values a frame) is never held whole, only the pulse.
    let mut pulse: Vec<f64> = Vec::with_capacity(onset_envelope.len());
    fourier_tempogram_blocks(
        onset_envelope,
        &FourierTempogramConfig {
            win_length: win,
            ..FourierTempogramConfig::default()
        },
        PLP_BLOCK_FRAMES,
        |ftgram| -> Result<()> {
            let kept = keep_peaks(ftgram.view(), &in_range);
            pulse.extend(istft.push(kept.view())?);
            Ok(())
        },
    )?;
    pulse.extend(istft.finish());
    pulse.resize(onset_envelope.len(), 0.0);
    let pulse: Vec<T> = pulse
        .iter()
        .map(|&v| T::from(v).unwrap_or_else(T::nan).max(T::zero()))
        .collect();
    let peak = pulse.iter().fold(T::zero(), |m, &v| m.max(v));
    let peak = if peak < T::min_positive_value() {
        T::one()
    } else {
        peak
    };
    Ok(pulse.iter().map(|&v| v / peak).collect())
}

/// Fourier tempogram frames processed at a time by [`plp`].
const PLP_BLOCK_FRAMES: usize = 1024;

/// Each frame of a Fourier tempogram kept only at its strongest in-range
/// bins (`log1p(10⁶ |F|)` at its maximum) and scaled by its largest
/// value, as librosa's `plp` before the inverse STFT. The peak picking
/// runs in the envelope's precision, as librosa's does on its complex64
/// (float32 envelope) or complex128 tempogram.
fn keep_peaks<T: Float>(ftgram: ArrayView2<Complex<T>>, in_range: &[bool]) -> Array2<Complex<f64>> {
    let million = T::from(1e6).unwrap_or_else(T::nan);
    let tiny_sqrt = T::min_positive_value().sqrt();
    let zero = Complex::new(T::zero(), T::zero());
    let mut kept = Array2::<Complex<f64>>::zeros(ftgram.dim());
    let mut mag = vec![T::zero(); in_range.len()];
    for (t, column) in ftgram.columns().into_iter().enumerate() {
        // Out-of-range bins are zeroed first, so their magnitude is log1p(0) = 0.
        for ((m, c), &inside) in mag.iter_mut().zip(column.iter()).zip(in_range) {
            *m = if inside {
                (million * c.norm()).ln_1p()
            } else {
                T::zero()
            };
        }
        let peak = mag.iter().fold(T::neg_infinity(), |a, &b| a.max(b));
        // NumPy's maximum of the column after zeroing orders complex numbers
        // lexicographically (real part, then imaginary part).
        let mut column_max = Complex::new(T::neg_infinity(), T::neg_infinity());
        let mut picked = Vec::with_capacity(in_range.len());
        for ((c, &m), &inside) in column.iter().zip(&mag).zip(in_range) {
            let c = if inside && m >= peak { *c } else { zero };
            if (c.re, c.im) > (column_max.re, column_max.im) {
                column_max = c;
            }
            picked.push(c);
        }
        // A complex array divided by a real one in NumPy: both parts are
        // multiplied by the rounded reciprocal.
        let scale = T::one() / (tiny_sqrt + column_max.norm());
        for (f, c) in picked.into_iter().enumerate() {
            kept[[f, t]] = Complex::new(
                (c.re * scale).to_f64().unwrap_or(f64::NAN),
                (c.im * scale).to_f64().unwrap_or(f64::NAN),
            );
        }
    }
    kept
}
