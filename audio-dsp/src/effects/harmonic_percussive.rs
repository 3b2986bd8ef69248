//! `librosa.effects.hpss`, `harmonic` and `percussive`: HPSS of a signal.

use num_complex::Complex;

use crate::decompose::{hpss as hpss_spectrogram, HpssConfig};
use crate::{Float, Istft, IstftConfig, Result, Stft, StftConfig, Transform};

/// Which parts to resynthesise.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Both,
    Harmonic,
    Percussive,
}

fn run<T: Float>(
    y: &[T],
    stft: &StftConfig,
    config: &HpssConfig,
    parts: Parts,
) -> Result<(Vec<T>, Vec<T>)> {
    let spectrum = Stft::<T>::new(stft.clone())?.process(y)?;
    // librosa's magphase: |D|, and D / |D| with phase 1 where |D| = 0.
    let magnitude = spectrum.mapv(Complex::norm);
    let phase = ndarray::Zip::from(&spectrum)
        .and(&magnitude)
        .map_collect(|&d, &m| {
            if m == T::zero() {
                Complex::new(T::one(), T::zero())
            } else {
                Complex::new(d.re / m, d.im / m)
            }
        });
    let separated = hpss_spectrogram(
        magnitude.view(),
        &HpssConfig {
            mask: false,
            ..config.clone()
        },
    )?;
    let istft = Istft::<T>::new(IstftConfig::from(stft))?;
    let resynthesise = |part: &ndarray::Array2<T>| -> Result<Vec<T>> {
        let complex = ndarray::Zip::from(part)
            .and(&phase)
            .map_collect(|&a, &p| Complex::new(a * p.re, a * p.im));
        istft.process(complex.view(), Some(y.len()))
    };
    let harmonic = if parts == Parts::Percussive {
        Vec::new()
    } else {
        resynthesise(&separated.harmonic)?
    };
    let percussive = if parts == Parts::Harmonic {
        Vec::new()
    } else {
        resynthesise(&separated.percussive)?
    };
    Ok((harmonic, percussive))
}

/// Harmonic-percussive separation of a signal: its STFT is split by
/// [`crate::decompose::hpss()`] (on the magnitudes, the phase kept) and both
/// parts are inverted to `y`'s length. `config.mask` is ignored (the parts
/// are always the masked spectrograms).
///
/// `librosa.effects.hpss(y, kernel_size=..., power=..., margin=...,
/// n_fft=..., hop_length=..., ...)`.
///
/// # Errors
///
/// As [`Stft`], [`crate::decompose::hpss()`] and [`Istft`].
///
/// # Shapes
///
/// `(n,)` → `((n,), (n,))`.
///
/// # Example
/// ```
/// use audio_dsp::decompose::HpssConfig;
/// use audio_dsp::effects::hpss;
/// use audio_dsp::StftConfig;
///
/// let y: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let (h, p) = hpss(&y, &StftConfig::default(), &HpssConfig::default())?;
/// assert_eq!((h.len(), p.len()), (y.len(), y.len()));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn hpss<T: Float>(y: &[T], stft: &StftConfig, config: &HpssConfig) -> Result<(Vec<T>, Vec<T>)> {
    run(y, stft, config, Parts::Both)
}

/// The harmonic part of [`hpss`] alone (`librosa.effects.harmonic`).
///
/// # Errors
///
/// As [`hpss`].
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::decompose::HpssConfig;
/// use audio_dsp::effects::harmonic;
/// use audio_dsp::StftConfig;
///
/// let y = vec![0.0_f64; 4096];
/// assert_eq!(harmonic(&y, &StftConfig::default(), &HpssConfig::default())?.len(), 4096);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn harmonic<T: Float>(y: &[T], stft: &StftConfig, config: &HpssConfig) -> Result<Vec<T>> {
    Ok(run(y, stft, config, Parts::Harmonic)?.0)
}

/// The percussive part of [`hpss`] alone (`librosa.effects.percussive`).
///
/// # Errors
///
/// As [`hpss`].
///
/// # Shapes
///
/// `(n,)` → `(n,)`.
///
/// # Example
/// ```
/// use audio_dsp::decompose::HpssConfig;
/// use audio_dsp::effects::percussive;
/// use audio_dsp::StftConfig;
///
/// let y = vec![0.0_f64; 4096];
/// assert_eq!(percussive(&y, &StftConfig::default(), &HpssConfig::default())?.len(), 4096);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn percussive<T: Float>(y: &[T], stft: &StftConfig, config: &HpssConfig) -> Result<Vec<T>> {
    Ok(run(y, stft, config, Parts::Percussive)?.1)
}
