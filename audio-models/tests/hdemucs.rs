//! `demucs::HybridDemucsNet` (HDemucs v3, HTDemucs v4), `apply_model` and
//! bags of models against demucs 4.1.0, on random-weight models saved in
//! the release format (float16 state, pickled class, `args`, `kwargs`,
//! HTDemucs's `Fraction` segment) with non-default hyperparameters.
//! Fixtures: `tools/reference/hdemucs_fixtures.py`.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::demucs::{
    apply_model, apply_model_with_offsets, ApplyConfig, Demucs, DemucsModel, HybridDemucsNet,
    HybridVersion, SegmentModel,
};
use audio_models::mixture_source::{InMemoryMixture, MixtureSource};
use audio_models::{Error, Separator};
use audio_test_fixtures::{assert_close, fixtures_dir, read_npy_f32, relative_error, to_dyn};
use candle_core::Device;
use ndarray::{Array2, Ix2};

/// The bound, relative to the reference maximum. Both sides run in
/// float32 from the same float16 weights; what differs is summation order
/// (convolutions, attention, LSTM gates) and the FFT (realfft against
/// PocketFFT in torch.stft), measured at about 1e-6.
const HDEMUCS_TOL: f64 = 1e-4;

fn dir() -> std::path::PathBuf {
    fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("hdemucs")
}

fn no_shifts() -> ApplyConfig {
    ApplyConfig {
        shifts: 0,
        ..ApplyConfig::default()
    }
}

fn load(name: &str) -> Demucs {
    Demucs::load(dir().join(format!("{name}.th")), no_shifts(), &Device::Cpu).unwrap()
}

fn hybrid(m: &Demucs) -> &HybridDemucsNet {
    match m.model() {
        DemucsModel::Hybrid(n) => n,
        other => panic!("expected a hybrid model, got {}", other.class_name()),
    }
}

fn read2(name: &str) -> Array2<f32> {
    read_npy_f32(dir().join(name))
        .into_dimensionality::<Ix2>()
        .unwrap()
}

fn check(what: &str, got: &ndarray::Array3<f32>, fixture: &str) {
    let expected = read_npy_f32(dir().join(fixture));
    eprintln!("{what}: {:e}", relative_error(&to_dyn(got), &expected));
    assert_close(what, &to_dyn(got), &expected, HDEMUCS_TOL);
}

#[test]
fn releases_load_with_their_class_and_architecture() {
    let a = load("ht_a");
    let c = hybrid(&a).config();
    assert_eq!(c.version, HybridVersion::HTDemucs);
    assert_eq!(a.model().class_name(), "demucs.htdemucs.HTDemucs");
    assert_eq!(
        (c.nfft, c.depth, c.channels, c.context_enc),
        (2048, 4, 8, 1)
    );
    // `Fraction(3, 2)` read exactly: 1.5 s at 4 kHz.
    assert_eq!(c.segment_ratio, Some((3, 2)));
    assert_eq!(c.segment_samples(), 6000);
    let t = c.transformer.as_ref().unwrap();
    assert_eq!((t.layers, t.heads, t.hidden_scale), (3, 4, 2.0));
    assert_eq!(a.targets(), ["drums", "bass", "other", "vocals"]);
    assert_eq!(a.sample_rate(), 4000);

    let b = load("ht_b");
    let t = hybrid(&b).config().transformer.clone().unwrap();
    assert_eq!(hybrid(&b).config().bottom_channels, 16);
    assert_eq!(t.emb, "cape");
    assert!(!t.norm_first && t.group_norm && t.cross_first && !t.layer_scale && !t.gelu);

    let s = load("ht_s");
    let t = hybrid(&s).config().transformer.clone().unwrap();
    assert_eq!((t.emb.as_str(), t.max_positions), ("scaled", 40));

    let cm = load("hd_c");
    let c = hybrid(&cm).config();
    assert_eq!(cm.model().class_name(), "demucs.hdemucs.HDemucs");
    assert_eq!((c.depth, c.channels, c.channels_time), (5, 4, Some(8)));
    assert_eq!((c.dconv_attn, c.dconv_lstm), (3, 3));
    // A float segment: `int(1.5 * 4000)`.
    assert_eq!(c.segment_samples(), 6000);
    assert!(hybrid(&load("hd_d")).config().hybrid_old);
    assert!(!hybrid(&load("hd_e")).config().hybrid);
}

#[test]
fn apply_model_with_split_matches_the_package() {
    let mix = read2("mix.npy");
    for name in ["ht_a", "ht_b", "ht_s", "hd_c", "hd_d"] {
        let m = load(name);
        let got = apply_model(m.model(), mix.view(), m.apply_config()).unwrap();
        check(&format!("{name} split"), &got, &format!("{name}_split.npy"));
    }
}

#[test]
fn apply_model_without_split_matches_the_package() {
    let config = ApplyConfig {
        split: false,
        ..no_shifts()
    };
    for (name, input) in [
        ("ht_a", "mix_short.npy"),
        ("ht_b", "mix_short.npy"),
        ("ht_s", "mix_short.npy"),
        ("hd_c", "mix.npy"),
        ("hd_d", "mix.npy"),
        ("hd_e", "mix.npy"),
    ] {
        let m = load(name);
        let got = apply_model(m.model(), read2(input).view(), &config).unwrap();
        check(
            &format!("{name} no split"),
            &got,
            &format!("{name}_nosplit.npy"),
        );
    }
}

#[test]
fn shifts_match_the_package_given_its_offsets() {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("shifts.json")).unwrap()).unwrap();
    let offsets: Vec<usize> = json["offsets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let m = load("ht_a");
    let got = apply_model_with_offsets(
        m.model(),
        read2("mix.npy").view(),
        m.apply_config(),
        &offsets,
    )
    .unwrap();
    check("ht_a shifts", &got, "ht_a_shifts.npy");
}

#[test]
fn a_bag_of_models_matches_the_package() {
    let bag = Demucs::load(
        dir().join("bag").join("bag.yaml"),
        no_shifts(),
        &Device::Cpu,
    )
    .unwrap();
    assert_eq!(bag.models().len(), 2);
    assert_eq!(bag.bag_weights()[0], vec![1.0, 0.5, 0.0, 2.0]);
    // `segment: 2` replaces the HDemucs's 1.5 s, not the HTDemucs's.
    assert_eq!(bag.models()[0].segment(), 1.5);
    assert_eq!(bag.models()[1].segment(), 2.0);
    let got = bag.apply_bag(read2("mix.npy").view()).unwrap();
    check("bag", &got, "bag_split.npy");
}

#[test]
fn a_missing_key_or_a_wrong_shape_names_the_key_and_both_shapes() {
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("broken.json")).unwrap()).unwrap();
    let shape = |v: &serde_json::Value| -> Vec<usize> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect()
    };
    let err = Demucs::load(dir().join("ht_b_missing.th"), no_shifts(), &Device::Cpu).unwrap_err();
    match err {
        Error::MissingKey { key, expected } => {
            assert_eq!(key, json["missing"].as_str().unwrap());
            assert_eq!(expected, shape(&json["missing_shape"]));
        }
        other => panic!("{other}"),
    }
    let err = Demucs::load(dir().join("ht_b_badshape.th"), no_shifts(), &Device::Cpu).unwrap_err();
    let text = err.to_string();
    match err {
        Error::WeightShape { key, expected, got } => {
            assert_eq!(key, json["bad"].as_str().unwrap());
            assert_eq!(expected, shape(&json["expected"]));
            assert_eq!(got, shape(&json["got"]));
        }
        other => panic!("{other}"),
    }
    assert!(text.contains("encoder.1.conv.weight"), "{text}");
}

#[test]
fn htdemucs_refuses_an_unsplit_input_longer_than_its_segment() {
    let m = load("ht_a");
    let config = ApplyConfig {
        split: false,
        ..no_shifts()
    };
    let err = apply_model(m.model(), read2("mix.npy").view(), &config).unwrap_err();
    assert!(matches!(err, Error::ShapeMismatch { .. }), "{err}");
    assert_eq!(m.model().valid_length(100, None).unwrap(), 6000);
}

#[test]
fn separate_undoes_the_normalisation_and_takes_mono() {
    let m = load("ht_a");
    let mix = read2("mix.npy");
    let stereo = m.separate(mix.view()).unwrap();
    assert_eq!(stereo.len(), 4);
    assert_eq!(stereo[0].dim(), mix.dim());
    let mono = m.separate(mix.slice(ndarray::s![0..1, ..])).unwrap();
    assert_eq!(mono[0].dim(), mix.dim());
    assert!(stereo.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn streamed_estimates_equal_the_whole_track_ones_in_bounded_blocks() {
    // A bag whose models have different segments (1.5 s and 2 s), with two
    // shifts each: four streams run in step.
    let apply = ApplyConfig {
        shifts: 2,
        seed: 3,
        ..ApplyConfig::default()
    };
    let bag = Demucs::load(dir().join("bag").join("bag.yaml"), apply, &Device::Cpu).unwrap();
    let mix = read2("mix.npy");
    // The whole-track path: the mixture standardised up front (as
    // `demucs.separate`), `apply_bag`, the scaling undone.
    let mono: Vec<f64> = (0..mix.ncols())
        .map(|t| mix.column(t).iter().map(|&v| f64::from(v)).sum::<f64>() / 2.0)
        .collect();
    let mean = mono.iter().sum::<f64>() / mono.len() as f64;
    let var = mono.iter().map(|m| (m - mean).powi(2)).sum::<f64>() / (mono.len() - 1) as f64;
    let (mean, scale) = (mean as f32, var.sqrt() as f32);
    let standardised = mix.mapv(|v| (v - mean) / scale);
    let whole: Vec<Array2<f32>> = bag
        .apply_bag(standardised.view())
        .unwrap()
        .outer_iter()
        .map(|s| s.mapv(|v| v * scale + mean))
        .collect();
    let mut streamed: Vec<Vec<Array2<f32>>> = vec![Vec::new(); whole.len()];
    let mut largest = 0;
    bag.separate_streaming(mix.view(), |stems| {
        for (acc, s) in streamed.iter_mut().zip(stems) {
            largest = largest.max(s.ncols());
            acc.push(s.clone());
        }
        Ok(())
    })
    .unwrap();
    for (k, (parts, expected)) in streamed.iter().zip(&whole).enumerate() {
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        let got = ndarray::concatenate(ndarray::Axis(1), &views).unwrap();
        assert_eq!(got.dim(), expected.dim());
        // The same operations in the same order: equal to the bit.
        assert_eq!(&got, expected, "source {k}");
        assert_eq!(&bag.separate(mix.view()).unwrap()[k], expected);
    }
    // No block is longer than the longest segment (2 s at 4 kHz).
    assert!(largest <= 8000, "{largest}");
    assert!(streamed[0].len() > 1);
}

/// A [`MixtureSource`] over a mixture in memory that gives reads of uneven
/// sizes (at most `max`), counts its rewinds, and may end early.
struct Uneven {
    mix: Array2<f32>,
    pos: usize,
    reads: usize,
    rewinds: usize,
    max: usize,
    /// Samples it really has (fewer than it says when short).
    has: usize,
}

impl Uneven {
    fn new(mix: Array2<f32>, max: usize) -> Self {
        let has = mix.ncols();
        Self {
            mix,
            pos: 0,
            reads: 0,
            rewinds: 0,
            max,
            has,
        }
    }
}

impl MixtureSource for Uneven {
    fn channels(&self) -> usize {
        self.mix.nrows()
    }
    fn len(&self) -> usize {
        self.mix.ncols()
    }
    fn rewind(&mut self) -> audio_models::Result<()> {
        self.pos = 0;
        self.rewinds += 1;
        Ok(())
    }
    fn read(&mut self, max: usize) -> audio_models::Result<Array2<f32>> {
        self.reads += 1;
        let n = max
            .min(1 + (self.reads * 7919) % self.max)
            .min(self.has - self.pos);
        let block = self
            .mix
            .slice(ndarray::s![.., self.pos..self.pos + n])
            .to_owned();
        self.pos += n;
        Ok(block)
    }
}

/// The estimates `separate_source` hands to its sink, joined per source.
fn joined(bag: &Demucs, source: &mut dyn MixtureSource) -> audio_models::Result<Vec<Array2<f32>>> {
    let mut parts: Vec<Vec<Array2<f32>>> = Vec::new();
    bag.separate_source(source, |stems| {
        parts.resize(stems.len(), Vec::new());
        for (acc, s) in parts.iter_mut().zip(stems) {
            acc.push(s.clone());
        }
        Ok(())
    })?;
    Ok(parts
        .iter()
        .map(|p| {
            let views: Vec<_> = p.iter().map(|a| a.view()).collect();
            ndarray::concatenate(ndarray::Axis(1), &views).unwrap()
        })
        .collect())
}

#[test]
fn a_mixture_read_block_by_block_separates_as_the_one_in_memory() {
    let apply = ApplyConfig {
        shifts: 2,
        seed: 3,
        ..ApplyConfig::default()
    };
    let bag = Demucs::load(dir().join("bag").join("bag.yaml"), apply, &Device::Cpu).unwrap();
    let mix = read2("mix.npy");
    for input in [mix.clone(), mix.slice(ndarray::s![0..1, ..]).to_owned()] {
        let whole = bag.separate(input.view()).unwrap();
        for max in [333, 5000, 1 << 20] {
            let mut source = Uneven::new(input.clone(), max);
            let streamed = joined(&bag, &mut source).unwrap();
            // The same sums in the same order: equal to the bit.
            assert_eq!(streamed, whole, "reads of at most {max}");
            // Mean, deviation, separation: no read from the start again
            // (the window kept what the streams asked for).
            assert_eq!(source.rewinds, 3);
        }
        let mut memory = InMemoryMixture::new(input.view());
        assert_eq!(joined(&bag, &mut memory).unwrap(), whole);
    } // 25 s at 4 kHz, many times the window the streams need (4 segments of
      // 2 s and two half-second shifts): samples are dropped as the streams
      // move on, and none is asked for again.
    let views: Vec<_> = (0..12).map(|_| mix.view()).collect();
    let long = ndarray::concatenate(ndarray::Axis(1), &views).unwrap();
    let whole = bag.separate(long.view()).unwrap();
    let mut source = Uneven::new(long, 5000);
    assert_eq!(joined(&bag, &mut source).unwrap(), whole);
    assert_eq!(source.rewinds, 3);
}

#[test]
fn a_bad_mixture_source_is_a_typed_error() {
    let bag = load("ht_a");
    let mix = read2("mix.npy");
    // Fewer samples than it says.
    let mut short = Uneven::new(mix.clone(), 4000);
    short.has = mix.ncols() - 10;
    assert!(matches!(
        joined(&bag, &mut short),
        Err(Error::ShapeMismatch { .. })
    ));
    // A non-finite sample: the index the in-memory path reports.
    let mut bad = mix.clone();
    bad[[1, 1234]] = f32::NAN;
    let in_memory = bag.separate(bad.view()).unwrap_err();
    let streamed = joined(&bag, &mut Uneven::new(bad, 4000)).unwrap_err();
    assert!(matches!(streamed, Error::NonFinite { .. }));
    assert_eq!(streamed.to_string(), in_memory.to_string());
    // Three channels.
    let three = ndarray::concatenate(
        ndarray::Axis(0),
        &[mix.view(), mix.slice(ndarray::s![0..1, ..])],
    )
    .unwrap();
    assert!(matches!(
        joined(&bag, &mut Uneven::new(three, 4000)),
        Err(Error::ShapeMismatch { .. })
    ));
}
