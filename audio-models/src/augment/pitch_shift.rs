//! A random pitch shift of a whole source set.

use audio_dsp::effects::{PitchShift, PitchShiftConfig};
use audio_dsp::SeededRng;
use ndarray::Array2;

use super::{check_range, StemAugment};
use crate::error::{Error, Result};

/// Shifts every stem by the same `n ~ U[lo, hi)` semitones, keeping the
/// duration: `librosa.effects.pitch_shift(x, sr=sr, n_steps=n)` on each
/// stem and channel ([`audio_dsp::effects::PitchShift`], the
/// augmentation of the ISMIR 2021 tutorial's waveform models, seed 003).
/// One draw per call; the stems' lengths are kept.
///
/// ```
/// use audio_dsp::SeededRng;
/// use audio_models::augment::{RandomPitchShift, StemAugment};
/// use ndarray::Array2;
///
/// let tone = Array2::from_shape_fn((1, 8000), |(_, t)| (t as f32 * 0.2).sin());
/// let mut stems = vec![tone.clone()];
/// RandomPitchShift::new(8000.0, -2.0, 2.0)?.apply(&mut stems, &mut SeededRng::new(3))?;
/// assert_eq!(stems[0].dim(), tone.dim());
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomPitchShift {
    sample_rate: f64,
    lo: f64,
    hi: f64,
}

impl RandomPitchShift {
    /// Shifts uniform in `[lo, hi)` semitones for audio at `sample_rate` Hz.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `lo <= hi` (both finite) and the
    /// sample rate is finite and positive.
    pub fn new(sample_rate: f64, lo: f64, hi: f64) -> Result<Self> {
        check_range(
            "n_steps",
            lo,
            hi,
            f64::NEG_INFINITY,
            "finite semitones with lo <= hi",
        )?;
        if !(sample_rate.is_finite() && sample_rate > 0.0) {
            return Err(Error::InvalidParameter {
                name: "sample_rate",
                value: sample_rate.to_string(),
                expected: "a finite sample rate > 0",
            });
        }
        Ok(Self {
            sample_rate,
            lo,
            hi,
        })
    }
}

impl StemAugment for RandomPitchShift {
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        let steps = rng.range(self.lo, self.hi);
        let shift = PitchShift::<f32>::new(self.sample_rate, steps, PitchShiftConfig::default())?;
        for stem in stems {
            *stem = shift.process_multichannel(stem.view())?;
        }
        Ok(())
    }
}
