//! Data augmentations of the source-separation literature as composable,
//! seeded transforms over source sets.
//!
//! A source set is a slice of `(channels, samples)` arrays (the sources of
//! one excerpt, or `[mixture]`). Each transform implements [`StemAugment`]
//! and draws its randomness from the family's one generator,
//! [`audio_dsp::SeededRng`], so a seed fixes the result.
//!
//! - [`RandomGain`]: a random gain per source (`openunmix.data._augment_gain`).
//! - [`RandomChannelSwap`]: left/right swap per source with a probability
//!   (`openunmix.data._augment_channelswap`).
//! - [`AddNoise`]: white noise at an SNR drawn from a dB range.
//! - [`RandomPitchShift`], [`RandomTimeStretch`]: one drawn shift (semitones)
//!   or rate for the whole set, by librosa's phase-vocoder effects
//!   ([`audio_dsp::effects`]; seed 003's waveform augmentations).
//! - [`Compose`]: a list of transforms applied in order.
//! - [`RandomRemix`]: a dataset whose every source comes from a random song
//!   at a random offset (Uhlich et al. 2017; `openunmix`'s
//!   `random_track_mix`).
//! - [`AugmentedDataset`]: a trainer [`Dataset`](crate::training::Dataset)
//!   that augments the sources of another and rebuilds the mixture, reseeded
//!   per `(seed, epoch, index)`.
//!
//! References: S. Uhlich et al., "Improving music source separation based on
//! deep neural networks through data augmentation and network blending",
//! ICASSP 2017; F.-R. Stöter et al., Open-Unmix, `openunmix/data.py`.
//!
//! [`open_unmix::sample_excerpt`](crate::open_unmix::sample_excerpt) keeps
//! its own fixed pipeline (and its own draw order); these transforms are the
//! general, composable form.
//!
//! ```
//! use audio_dsp::SeededRng;
//! use audio_models::augment::{Compose, RandomChannelSwap, RandomGain, StemAugment};
//! use ndarray::Array2;
//!
//! let augment = Compose::new()
//!     .then(RandomGain::new(0.25, 1.25)?)
//!     .then(RandomChannelSwap::new(0.5)?);
//! let mut stems = vec![Array2::<f32>::ones((2, 8)), Array2::<f32>::ones((2, 8))];
//! augment.apply(&mut stems, &mut SeededRng::new(0))?;
//! assert!(stems[0][[0, 0]] >= 0.25 && stems[0][[0, 0]] < 1.25);
//! # Ok::<(), audio_models::Error>(())
//! ```

mod channel_swap;
mod compose;
mod dataset;
mod gain;
mod noise;
mod pitch_shift;
mod remix;
mod time_stretch;

pub use channel_swap::RandomChannelSwap;
pub use compose::Compose;
pub use dataset::{item_seed, AugmentedDataset};
pub use gain::RandomGain;
pub use noise::AddNoise;
pub use pitch_shift::RandomPitchShift;
pub use remix::RandomRemix;
pub use time_stretch::RandomTimeStretch;

use audio_dsp::SeededRng;
use ndarray::Array2;

use crate::error::Result;

/// A seeded augmentation of a source set: each element of `stems` is one
/// source (or the mixture), `(channels, samples)`.
///
/// Named `StemAugment` so as not to clash with `audio_dsp::Transform`.
pub trait StemAugment: std::fmt::Debug {
    /// Augments `stems` in place, drawing from `rng`.
    ///
    /// # Errors
    ///
    /// The transform's own ([`Error::InvalidParameter`](crate::Error::InvalidParameter)
    /// for a stem index out of range, [`Error::NonFinite`](crate::Error::NonFinite), ...).
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()>;
}

impl<T: StemAugment + ?Sized> StemAugment for Box<T> {
    fn apply(&self, stems: &mut [Array2<f32>], rng: &mut SeededRng) -> Result<()> {
        (**self).apply(stems, rng)
    }
}

/// [`Error::InvalidParameter`](crate::Error::InvalidParameter) unless
/// `lo ≤ hi`, both finite (and `lo ≥ min`).
pub(crate) fn check_range(
    name: &'static str,
    lo: f64,
    hi: f64,
    min: f64,
    expected: &'static str,
) -> Result<()> {
    if lo.is_finite() && hi.is_finite() && lo <= hi && lo >= min {
        Ok(())
    } else {
        Err(crate::Error::InvalidParameter {
            name,
            value: format!("({lo}, {hi})"),
            expected,
        })
    }
}
