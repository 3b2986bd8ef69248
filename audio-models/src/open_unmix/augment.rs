//! Training excerpts with the augmentations of the separation literature
//! (Uhlich et al. 2017; `openunmix.data`): random gain per source, random
//! channel swap, random mixing of sources across songs, additive noise.

use ndarray::{s, Array2};

use super::dataset::StemDataset;

/// The seeded generator of the training augmentations: the family's one
/// generator, re-exported here where the training API names it.
pub use audio_dsp::SeededRng;

/// Augmentation settings (the defaults follow `openunmix/train.py`:
/// gains in `[0.25, 1.25]`, channel swap with probability 0.5, random track
/// mixing on).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AugmentConfig {
    /// Gain range per source, applied independently (`_augment_gain`).
    pub gain: (f64, f64),
    /// Probability of swapping left and right per source (`_augment_channelswap`).
    pub channel_swap: f64,
    /// Draw each source from a random song at a random offset
    /// (`random_track_mix`), instead of all stems of one song at one offset.
    pub random_mix: bool,
    /// White noise added to the mixture (not the target) at an SNR drawn
    /// uniformly from this range in dB; `None` for no noise.
    pub noise_snr_db: Option<(f64, f64)>,
    /// Probability of flipping a source's sign (Demucs's `FlipSign`,
    /// 0.5 there); 0 draws nothing, so other models' excerpts are
    /// unchanged.
    pub sign_flip: f64,
}

impl Default for AugmentConfig {
    fn default() -> Self {
        Self {
            gain: (0.25, 1.25),
            channel_swap: 0.5,
            random_mix: true,
            noise_snr_db: Some((20.0, 50.0)),
            sign_flip: 0.0,
        }
    }
}

/// A training excerpt of `samples` samples: `(mixture, target)`, each
/// `(2, samples)`. Sources are cut (from one song, or each from a random song
/// with `random_mix`), scaled by a random gain, randomly channel-swapped and
/// summed to the mixture; white noise at a random SNR is added to the
/// mixture only. Songs shorter than `samples` are zero-padded.
///
/// # Shapes
///
/// Returns `((2, samples), (2, samples))`.
///
/// # Example
///
/// ```no_run
/// use audio_models::open_unmix::{sample_excerpt, AugmentConfig, SeededRng, StemDataset};
/// let data = StemDataset::load("songs", "train", 44_100)?;
/// let mut rng = SeededRng::new(0);
/// let (mix, bass) = sample_excerpt(&data, "bass", 44_100, &AugmentConfig::default(), &mut rng);
/// assert_eq!(mix.dim(), (2, 44_100));
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn sample_excerpt(
    data: &StemDataset,
    target: &str,
    samples: usize,
    config: &AugmentConfig,
    rng: &mut SeededRng,
) -> (Array2<f32>, Array2<f32>) {
    let (mix, stems) = sample_stems(data, samples, config, rng);
    let tgt = data
        .sources
        .iter()
        .zip(stems)
        .find(|(name, _)| name.as_str() == target)
        .map_or_else(|| Array2::zeros((2, samples)), |(_, s)| s);
    (mix, tgt)
}

/// A training excerpt with every source: `(mixture, stems)`, the stems in
/// the order of `data.sources` (a source a song lacks is zeros), drawn and
/// augmented exactly as [`sample_excerpt`] (which picks one of them): the
/// same generator state gives the same excerpt.
///
/// # Shapes
///
/// Returns `(2, samples)` and one `(2, samples)` per source.
pub fn sample_stems(
    data: &StemDataset,
    samples: usize,
    config: &AugmentConfig,
    rng: &mut SeededRng,
) -> (Array2<f32>, Vec<Array2<f32>>) {
    let mut mix = Array2::<f32>::zeros((2, samples));
    let mut stems = vec![Array2::<f32>::zeros((2, samples)); data.sources.len()];
    if data.songs.is_empty() {
        return (mix, stems);
    }
    let song0 = rng.below(data.songs.len());
    let len0 = data.songs[song0].len();
    let off0 = if len0 > samples {
        rng.below(len0 - samples)
    } else {
        0
    };
    for (name, out) in data.sources.iter().zip(stems.iter_mut()) {
        let (song, off) = if config.random_mix {
            let s = rng.below(data.songs.len());
            let len = data.songs[s].len();
            (
                s,
                if len > samples {
                    rng.below(len - samples)
                } else {
                    0
                },
            )
        } else {
            (song0, off0)
        };
        let Some(stem) = data.songs[song].stems.get(name) else {
            continue;
        };
        let mut gain = rng.range(config.gain.0, config.gain.1) as f32;
        let swap = rng.uniform() < config.channel_swap;
        if config.sign_flip > 0.0 && rng.uniform() < config.sign_flip {
            gain = -gain;
        }
        let n = samples.min(stem.ncols().saturating_sub(off));
        for c in 0..2 {
            let from = if swap { 1 - c } else { c };
            let mut dst = out.slice_mut(s![c, ..n]);
            dst.assign(&stem.slice(s![from, off..off + n]));
            dst.mapv_inplace(|v| v * gain);
        }
        mix += &*out;
    }
    if let Some((lo, hi)) = config.noise_snr_db {
        let power =
            mix.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / mix.len().max(1) as f64;
        let snr = rng.range(lo, hi);
        let std = (power / 10f64.powf(snr / 10.0)).sqrt();
        if std > 0.0 {
            mix.mapv_inplace(|v| v + (std * rng.normal()) as f32);
        }
    }
    (mix, stems)
}
