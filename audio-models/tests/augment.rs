//! The source-set augmentations of `audio_models::augment`: determinism for
//! a seed, gain within its range, channel swap, noise at the drawn SNR,
//! composition order, random remixing across songs, pitch shift and time
//! stretch of whole source sets.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::SeededRng;
use audio_models::augment::{
    item_seed, AddNoise, AugmentedDataset, Compose, RandomChannelSwap, RandomGain,
    RandomPitchShift, RandomRemix, RandomTimeStretch, StemAugment,
};
use audio_models::{Dataset, Error, Result};
use ndarray::{array, Array2};

/// Tolerance on the measured SNR, in dB. The noise power is estimated from
/// `N` Gaussian samples, whose relative standard error is `√(2/N)`
/// (≈ 0.0046 for the 2 × 48 000 samples used, i.e. ≈ 0.02 dB); 0.1 dB is
/// five standard errors, so the test is not flaky yet catches a wrong
/// formula (a factor of 2 in power is 3 dB).
const SNR_TOLERANCE_DB: f64 = 0.1;

/// A deterministic pseudo-random stem of `channels × samples`.
fn signal(channels: usize, samples: usize, seed: u64) -> Array2<f32> {
    let mut rng = SeededRng::new(seed);
    Array2::from_shape_fn((channels, samples), |_| rng.range(-1.0, 1.0) as f32)
}

fn energy(x: &Array2<f32>) -> f64 {
    x.iter().map(|&v| f64::from(v).powi(2)).sum()
}

/// Songs in memory: song `i` has `sources` stems, stem `k` constant
/// `100·i + k + 1`, so every sample tells which song and source it came from.
#[derive(Debug)]
struct Songs {
    songs: usize,
    sources: usize,
    frames: usize,
}

impl Dataset for Songs {
    type Item = (Array2<f32>, Vec<Array2<f32>>);
    fn len(&self) -> usize {
        self.songs
    }
    fn get(&self, i: usize) -> Result<Self::Item> {
        let stems: Vec<_> = (0..self.sources)
            .map(|k| Array2::from_elem((2, self.frames), (100 * i + k + 1) as f32))
            .collect();
        let mut mix = Array2::zeros((2, self.frames));
        for s in &stems {
            mix += s;
        }
        Ok((mix, stems))
    }
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let augment = Compose::new()
        .then(RandomGain::new(0.25, 1.25).unwrap())
        .then(RandomChannelSwap::new(0.5).unwrap())
        .then(AddNoise::new(10.0, 30.0).unwrap());
    let stems = vec![signal(2, 256, 1), signal(2, 256, 2), signal(2, 256, 3)];
    let run = |seed| {
        let mut s = stems.clone();
        augment.apply(&mut s, &mut SeededRng::new(seed)).unwrap();
        s
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn augmented_dataset_is_deterministic_per_seed_epoch_index() {
    let songs = Songs {
        songs: 3,
        sources: 2,
        frames: 64,
    };
    let mut data = AugmentedDataset::new(songs, RandomGain::new(0.25, 1.25).unwrap(), 9)
        .with_mixture_augment(AddNoise::new(20.0, 30.0).unwrap());
    let a = data.get(1).unwrap();
    let _ = data.get(2).unwrap(); // reading another item changes nothing
    assert_eq!(data.get(1).unwrap(), a);
    assert_ne!(data.get(0).unwrap().1, a.1);
    data.set_epoch(1);
    assert_ne!(data.get(1).unwrap().1, a.1);
    data.set_epoch(0);
    assert_eq!(data.get(1).unwrap(), a);
    assert_ne!(item_seed(9, 0, 1), item_seed(9, 1, 0));
}

#[test]
fn augmented_dataset_rebuilds_the_mixture_from_augmented_sources() {
    let songs = Songs {
        songs: 2,
        sources: 3,
        frames: 32,
    };
    let data = AugmentedDataset::new(songs, RandomGain::new(0.25, 1.25).unwrap(), 0);
    let (mix, sources) = data.get(1).unwrap();
    let sum = sources
        .iter()
        .fold(Array2::<f32>::zeros((2, 32)), |acc, s| acc + s);
    assert_eq!(mix, sum);
    let kept = AugmentedDataset::new(
        Songs {
            songs: 2,
            sources: 3,
            frames: 32,
        },
        RandomGain::new(0.25, 1.25).unwrap(),
        0,
    )
    .keep_mixture();
    assert_eq!(
        kept.get(1).unwrap().0,
        Array2::from_elem((2, 32), 101.0 + 102.0 + 103.0)
    );
}

#[test]
fn gain_stays_within_its_range() {
    let (lo, hi) = (0.25, 1.25);
    let gain = RandomGain::new(lo, hi).unwrap();
    let originals: Vec<_> = (0..50).map(|i| signal(2, 64, i)).collect();
    let mut stems = originals.clone();
    gain.apply(&mut stems, &mut SeededRng::new(3)).unwrap();
    let mut ratios = Vec::new();
    for (before, after) in originals.iter().zip(&stems) {
        // Energies scale by g², so the gain is the root of their ratio.
        let g = (energy(after) / energy(before)).sqrt();
        assert!(
            g >= lo - 1e-6 && g < hi + 1e-6,
            "gain {g} outside [{lo}, {hi})"
        );
        ratios.push(g);
    }
    // One draw per source: the gains differ.
    assert!(ratios.windows(2).any(|w| (w[0] - w[1]).abs() > 1e-3));
}

#[test]
fn bad_parameters_are_typed_errors() {
    assert!(matches!(
        RandomGain::new(1.0, 0.5),
        Err(Error::InvalidParameter { name: "gain", .. })
    ));
    assert!(matches!(
        RandomGain::new(-1.0, 0.5),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        RandomGain::new(0.0, f64::NAN),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        RandomChannelSwap::new(1.5),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        AddNoise::new(30.0, 10.0),
        Err(Error::InvalidParameter { .. })
    ));
    let mut one = vec![signal(2, 8, 0)];
    let far = AddNoise::new(10.0, 20.0).unwrap().on_stem(3);
    assert!(matches!(
        far.apply(&mut one, &mut SeededRng::new(0)),
        Err(Error::InvalidParameter { name: "stem", .. })
    ));
    let mut nan = vec![array![[0f32, f32::NAN]]];
    let noise = AddNoise::new(10.0, 20.0).unwrap();
    assert!(matches!(
        noise.apply(&mut nan, &mut SeededRng::new(0)),
        Err(Error::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        RandomRemix::new(
            Songs {
                songs: 2,
                sources: 2,
                frames: 8
            },
            0,
            4,
            0
        ),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(matches!(
        RandomRemix::new(
            Songs {
                songs: 0,
                sources: 2,
                frames: 8
            },
            4,
            4,
            0
        ),
        Err(Error::Empty { .. })
    ));
}

#[test]
fn channel_swap_swaps_left_and_right() {
    let stereo = array![[1f32, 2.0, 3.0], [4.0, 5.0, 6.0]];
    let mut stems = vec![stereo.clone(), stereo.clone()];
    RandomChannelSwap::new(1.0)
        .unwrap()
        .apply(&mut stems, &mut SeededRng::new(0))
        .unwrap();
    let swapped = array![[4f32, 5.0, 6.0], [1.0, 2.0, 3.0]];
    assert_eq!(stems, vec![swapped.clone(), swapped]);
    let mut never = vec![stereo.clone()];
    RandomChannelSwap::new(0.0)
        .unwrap()
        .apply(&mut never, &mut SeededRng::new(0))
        .unwrap();
    assert_eq!(never[0], stereo);
    // Mono is left unchanged (as openunmix).
    let mut mono = vec![array![[1f32, 2.0]]];
    RandomChannelSwap::new(1.0)
        .unwrap()
        .apply(&mut mono, &mut SeededRng::new(0))
        .unwrap();
    assert_eq!(mono[0], array![[1f32, 2.0]]);
    // At p = 0.5, some of many stems swap and some do not.
    let mut many = vec![stereo.clone(); 64];
    RandomChannelSwap::new(0.5)
        .unwrap()
        .apply(&mut many, &mut SeededRng::new(1))
        .unwrap();
    let n = many.iter().filter(|s| **s != stereo).count();
    assert!(n > 10 && n < 54, "{n} of 64 swapped");
}

#[test]
fn noise_reaches_the_drawn_snr() {
    let (lo, hi) = (5.0, 35.0);
    for seed in 0..4 {
        let clean = signal(2, 48_000, 10 + seed);
        let mut stems = vec![clean.clone(), clean.clone()];
        AddNoise::new(lo, hi)
            .unwrap()
            .apply(&mut stems, &mut SeededRng::new(seed))
            .unwrap();
        // The SNR is the transform's first draw.
        let drawn = SeededRng::new(seed).range(lo, hi);
        let noise = &stems[0] - &clean;
        let snr = 10.0 * (energy(&clean) / energy(&noise)).log10();
        assert!(
            (snr - drawn).abs() < SNR_TOLERANCE_DB,
            "SNR {snr} dB, drawn {drawn} dB"
        );
        assert_eq!(stems[1], clean, "only the chosen stem is noisy");
    }
    let clean = signal(1, 1000, 0);
    let mut stems = vec![clean.clone(), clean.clone()];
    AddNoise::new(20.0, 20.0)
        .unwrap()
        .on_stem(1)
        .apply(&mut stems, &mut SeededRng::new(0))
        .unwrap();
    assert_eq!(stems[0], clean);
    assert_ne!(stems[1], clean);
}

/// A test transform: adds a constant (no randomness).
#[derive(Debug)]
struct Add(f32);

impl StemAugment for Add {
    fn apply(&self, stems: &mut [Array2<f32>], _: &mut SeededRng) -> Result<()> {
        stems
            .iter_mut()
            .for_each(|s| s.mapv_inplace(|v| v + self.0));
        Ok(())
    }
}

#[test]
fn compose_applies_in_order() {
    let double = || RandomGain::new(2.0, 2.0).unwrap();
    let run = |c: Compose| {
        let mut s = vec![array![[1f32]]];
        c.apply(&mut s, &mut SeededRng::new(0)).unwrap();
        s[0][[0, 0]]
    };
    assert_eq!(run(Compose::new().then(Add(1.0)).then(double())), 4.0); // (1 + 1)·2
    assert_eq!(run(Compose::new().then(double()).then(Add(1.0))), 3.0); // 1·2 + 1
    assert_eq!(run(Compose::new()), 1.0);
}

#[test]
fn remix_draws_sources_from_several_songs() {
    let songs = Songs {
        songs: 5,
        sources: 4,
        frames: 1000,
    };
    let remix = RandomRemix::new(songs, 100, 16, 3).unwrap();
    let mut distinct = std::collections::BTreeSet::new();
    let mut mixed_item = false;
    for i in 0..remix.len() {
        let drawn = remix.songs_of(i).unwrap();
        let (mix, sources) = remix.get(i).unwrap();
        assert_eq!(sources.len(), 4);
        for (k, (x, &song)) in sources.iter().zip(&drawn).enumerate() {
            // Source k of the item is source k of the song it says it drew.
            assert!(x.iter().all(|&v| v == (100 * song + k + 1) as f32));
        }
        assert_eq!(
            mix,
            sources
                .iter()
                .fold(Array2::<f32>::zeros((2, 100)), |a, s| a + s)
        );
        let here: std::collections::BTreeSet<_> = drawn.iter().collect();
        mixed_item |= here.len() > 1;
        distinct.extend(drawn);
    }
    assert!(mixed_item, "no item mixes sources of different songs");
    assert!(distinct.len() >= 3, "only songs {distinct:?} drawn");
    assert_eq!(remix.get(3).unwrap(), remix.get(3).unwrap());
}

#[test]
fn remix_offsets_vary_and_short_songs_are_padded() {
    // A ramp shows the offset: sample j of song i, source k is j.
    #[derive(Debug)]
    struct Ramp(usize);
    impl Dataset for Ramp {
        type Item = (Array2<f32>, Vec<Array2<f32>>);
        fn len(&self) -> usize {
            2
        }
        fn get(&self, _: usize) -> Result<Self::Item> {
            let s = Array2::from_shape_fn((2, self.0), |(_, j)| j as f32 + 1.0);
            Ok((s.clone(), vec![s]))
        }
    }
    let remix = RandomRemix::new(Ramp(1000), 10, 8, 0).unwrap();
    let starts: std::collections::BTreeSet<_> = (0..8)
        .map(|i| remix.get(i).unwrap().1[0][[0, 0]] as i64)
        .collect();
    assert!(starts.len() > 1);
    let short = RandomRemix::new(Ramp(4), 10, 1, 0).unwrap();
    let (_, s) = short.get(0).unwrap();
    assert_eq!(
        s[0].row(0).to_vec(),
        [1f32, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    );
    assert!(matches!(
        short.get(1),
        Err(Error::InvalidParameter { name: "index", .. })
    ));
}

/// Zero crossings of the first channel (a tone's count is proportional to
/// its frequency).
fn crossings(x: &Array2<f32>) -> usize {
    let row = x.row(0);
    row.iter()
        .zip(row.iter().skip(1))
        .filter(|(a, b)| (**a < 0.0) != (**b < 0.0))
        .count()
}

#[test]
fn pitch_shift_moves_every_stem_by_the_same_drawn_interval() {
    let sr = 8000.0;
    let tone = |f: f32| {
        Array2::from_shape_fn((2, 8000), |(_, t)| {
            (2.0 * std::f32::consts::PI * f * t as f32 / 8000.0).sin()
        })
    };
    let mut stems = vec![tone(200.0), tone(300.0)];
    // An octave up, exactly: the frequencies double, the lengths stay.
    RandomPitchShift::new(sr, 12.0, 12.0)
        .unwrap()
        .apply(&mut stems, &mut SeededRng::new(0))
        .unwrap();
    assert!(stems.iter().all(|s| s.dim() == (2, 8000)));
    let (c0, c1) = (crossings(&stems[0]) as f64, crossings(&stems[1]) as f64);
    assert!(
        (c0 / 800.0 - 1.0).abs() < 0.05,
        "200 Hz -> 400 Hz: {c0} crossings"
    );
    assert!(
        (c1 / 1200.0 - 1.0).abs() < 0.05,
        "300 Hz -> 600 Hz: {c1} crossings"
    );
    // Seeded: the same seed draws the same shift.
    let draw = |seed| {
        let mut s = vec![tone(250.0)];
        RandomPitchShift::new(sr, -3.0, 3.0)
            .unwrap()
            .apply(&mut s, &mut SeededRng::new(seed))
            .unwrap();
        s.remove(0)
    };
    assert_eq!(draw(5), draw(5));
    assert_ne!(draw(5), draw(6));
    assert!(RandomPitchShift::new(0.0, 0.0, 1.0).is_err());
    assert!(RandomPitchShift::new(sr, 2.0, 1.0).is_err());
}

#[test]
fn time_stretch_changes_every_stem_to_one_length() {
    let mut stems = vec![signal(2, 9000, 1), signal(2, 9000, 2)];
    let mut rng = SeededRng::new(11);
    let rate = SeededRng::new(11).range(0.8, 1.25);
    RandomTimeStretch::new(0.8, 1.25)
        .unwrap()
        .apply(&mut stems, &mut rng)
        .unwrap();
    let want = (9000.0 / rate).round_ties_even() as usize;
    assert!(
        stems.iter().all(|s| s.dim() == (2, want)),
        "{:?} vs {want}",
        stems[0].dim()
    );
    assert!(matches!(
        RandomTimeStretch::new(0.0, 1.0),
        Err(Error::InvalidParameter { name: "rate", .. })
    ));
}
