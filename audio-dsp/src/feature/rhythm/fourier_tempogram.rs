//! The Fourier tempogram, as `librosa.feature.fourier_tempogram`.

use ndarray::Array2;
use num_complex::Complex;

use crate::util::frame::check_positive;
use crate::{
    fft_frequencies, Float, Result, Stft, StftConfig, StreamingStft, Transform, WindowKind,
};

/// Parameters of [`fourier_tempogram`], with librosa's names and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct FourierTempogramConfig {
    /// Window length in onset frames (the STFT's `n_fft`). Default 384.
    pub win_length: usize,
    /// Centre the frames (zero padding of `win_length / 2`). Default `true`.
    pub center: bool,
    /// Window shape. Default Hann.
    pub window: WindowKind,
}

impl Default for FourierTempogramConfig {
    fn default() -> Self {
        Self {
            win_length: 384,
            center: true,
            window: WindowKind::Hann,
        }
    }
}

/// The Fourier tempogram (`librosa.feature.fourier_tempogram`): the STFT of the
/// onset strength envelope with `n_fft = win_length` and a hop of one frame,
///
/// `F[k, t] = Σ_m w[m] o[t + m - W/2] e^{-2πi k m / W}`.
///
/// Bin `k` is the tempo [`fourier_tempo_frequencies`]`[k]` in BPM. The STFT is
/// taken in `f64` (librosa multiplies its float32 frames by a float64 window
/// and transforms in float64) and rounded to `T`.
///
/// Reference: Grosche & Müller, "Extracting predominant local pulse
/// information from music recordings", IEEE TASLP 19(6), 2011; librosa 0.11.
///
/// # Shapes
///
/// `(1 + win_length / 2, n)` for an envelope of `n` frames when centred,
/// `(1 + win_length / 2, 1 + n - win_length)` otherwise.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for `win_length = 0`;
/// [`crate::Error::InputTooShort`] for an empty envelope, or one shorter than
/// `win_length` without centring; [`crate::Error::NonFinite`] for NaN or infinities.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::rhythm::{fourier_tempo_frequencies, fourier_tempogram, FourierTempogramConfig};
/// // 120 BPM at 22050 Hz and hop 512: a pulse every 21.53 frames.
/// let env: Vec<f32> = (0..2000).map(|t| (2.0 * std::f32::consts::PI * t as f32 * 512.0 / 22050.0 * 2.0).cos().max(0.0)).collect();
/// let ftg = fourier_tempogram(&env, &FourierTempogramConfig::default())?;
/// let bpm = fourier_tempo_frequencies(22050.0, 384, 512)?;
/// let col = ftg.column(1000);
/// let peak = (1..col.len()).max_by(|&a, &b| col[a].norm().total_cmp(&col[b].norm())).unwrap_or(0);
/// assert!((bpm[peak] - 120.0).abs() < 4.0);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn fourier_tempogram<T: Float>(
    onset_envelope: &[T],
    config: &FourierTempogramConfig,
) -> Result<Array2<Complex<T>>> {
    check_positive("win_length", config.win_length)?;
    let env = super::envelope_f64("fourier_tempogram onset envelope", onset_envelope)?;
    let spec = Stft::<f64>::new(stft_config(config))?.process(&env)?;
    Ok(spec.map(narrow))
}

/// The STFT of the envelope a Fourier tempogram is: `n_fft = win_length`,
/// hop 1.
fn stft_config(config: &FourierTempogramConfig) -> StftConfig {
    StftConfig {
        n_fft: config.win_length,
        hop_length: Some(1),
        win_length: None,
        window: config.window,
        center: config.center,
        ..StftConfig::default()
    }
}

/// A float64 tempogram value in the envelope's precision (librosa's
/// complex64 for a float32 envelope).
fn narrow<T: Float>(c: &Complex<f64>) -> Complex<T> {
    Complex::new(
        T::from(c.re).unwrap_or_else(T::nan),
        T::from(c.im).unwrap_or_else(T::nan),
    )
}

/// [`fourier_tempogram`] in blocks: the envelope goes through a
/// [`StreamingStft`] `block_frames` values at a time and each block of
/// frames is handed to `sink` in order, so the tempogram (`1 + win_length /
/// 2` complex values a frame) is never held whole. The blocks joined are
/// `fourier_tempogram`'s result to the bit.
///
/// # Errors
///
/// As [`fourier_tempogram`]; [`crate::Error::InvalidParameter`] for
/// `block_frames = 0`; and `sink`'s errors (of any type a
/// [`crate::Error`] converts into).
///
/// # Shapes
///
/// Each block is `(1 + win_length / 2, frames_in_block)`.
///
/// # Example
///
/// ```
/// use audio_dsp::feature::rhythm::{fourier_tempogram, fourier_tempogram_blocks, FourierTempogramConfig};
/// let env: Vec<f32> = (0..3000).map(|t| if t % 21 == 0 { 1.0 } else { 0.1 }).collect();
/// let config = FourierTempogramConfig::default();
/// let mut frames = 0;
/// fourier_tempogram_blocks(&env, &config, 1000, |block| {
///     frames += block.ncols();
///     Ok::<(), audio_dsp::Error>(())
/// })?;
/// assert_eq!(frames, fourier_tempogram(&env, &config)?.ncols());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn fourier_tempogram_blocks<T: Float, E: From<crate::Error>>(
    onset_envelope: &[T],
    config: &FourierTempogramConfig,
    block_frames: usize,
    mut sink: impl FnMut(Array2<Complex<T>>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    check_positive("win_length", config.win_length)?;
    check_positive("block_frames", block_frames)?;
    let env = super::envelope_f64("fourier_tempogram onset envelope", onset_envelope)?;
    let mut stream = StreamingStft::<f64>::new(stft_config(config))?;
    for block in env.chunks(block_frames) {
        let spec = stream.push(block)?;
        if spec.ncols() > 0 {
            sink(spec.map(narrow))?;
        }
    }
    sink(stream.finish()?.map(narrow))
}

/// The tempo (BPM) of each Fourier tempogram bin,
/// `librosa.fourier_tempo_frequencies(sr, win_length, hop_length)`:
/// `k · (60 sr / hop) / win_length` for `k = 0 ..= win_length / 2`.
///
/// # Errors
///
/// [`crate::Error::InvalidParameter`] for `win_length = 0`, `hop_length = 0` or
/// a sample rate that is not positive and finite.
///
/// # Example
///
/// ```
/// let bpm = audio_dsp::feature::rhythm::fourier_tempo_frequencies(22050.0, 384, 512)?;
/// assert_eq!(bpm.len(), 193);
/// assert!((bpm[1] - 22050.0 * 60.0 / 512.0 / 384.0).abs() < 1e-9);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn fourier_tempo_frequencies(
    sr: f64,
    win_length: usize,
    hop_length: usize,
) -> Result<Vec<f64>> {
    check_positive("win_length", win_length)?;
    check_positive("hop_length", hop_length)?;
    super::tempo::check_sr(sr)?;
    Ok(fft_frequencies(sr * 60.0 / hop_length as f64, win_length))
}
