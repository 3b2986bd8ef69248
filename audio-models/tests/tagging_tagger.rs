//! The `Tagger`: segment plans, aggregation, the `Classifier` trait, the
//! checkpoint loader and input errors.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_models::mixture_source::{InMemoryMixture, MixtureSource};
use audio_models::tagging::{Aggregation, Architecture, SegmentPlan, Tagger, TaggerConfig};
use audio_models::Classifier;
use audio_nn::init::SeededVarMap;
use audio_test_fixtures::fixtures_dir;
use candle_core::{DType, Device};
use ndarray::Array2;

const L: usize = 59049;

fn tiny(multi_label: bool) -> Tagger {
    let mut config = TaggerConfig::reference(Architecture::SampleCnn, 3);
    config.widths = vec![2, 2, 2, 2, 2, 2, 2, 2, 2, 4, 4];
    config.multi_label = multi_label;
    config.sample_rate = 22050;
    let store = SeededVarMap::new(1);
    Tagger::new(config, store.var_builder(DType::F32, &Device::Cpu)).unwrap()
}

fn signal(n: usize) -> Vec<f32> {
    (0..n).map(|t| (t as f32 * 0.05).sin() * 0.3).collect()
}

fn starts(tagger: &Tagger, n: usize, plan: SegmentPlan) -> Vec<usize> {
    let r = tagger.tag(&signal(n), plan, Aggregation::Mean).unwrap();
    r.segments
        .iter()
        .map(|s| (s.start_seconds * 22050.0).round() as usize)
        .collect()
}

#[test]
fn segment_plans_place_their_segments() {
    let t = tiny(false);
    // Covering: the fewest full segments, first at 0, last ending at the end.
    assert_eq!(
        starts(&t, 66_150, SegmentPlan::Covering),
        vec![0, 66_150 - L]
    );
    assert_eq!(starts(&t, 3 * L, SegmentPlan::Covering), vec![0, L, 2 * L]);
    assert_eq!(starts(&t, 1000, SegmentPlan::Covering), vec![0]);
    // Consecutive: from 0 in steps of L, the last one padded.
    assert_eq!(
        starts(&t, 2 * L + 5, SegmentPlan::Consecutive),
        vec![0, L, 2 * L]
    );
    // Spread: the reference's eval.py, hop = (len - L) // chunks.
    let n = 10 * L;
    let hop = (n - L) / 16;
    let want: Vec<usize> = (0..16).map(|i| i * hop).collect();
    assert_eq!(starts(&t, n, SegmentPlan::Spread { chunks: 16 }), want);
}

#[test]
fn aggregation_is_the_mean_or_the_max_of_the_segments() {
    let t = tiny(true);
    let x = signal(3 * L);
    let mean = t
        .tag(&x, SegmentPlan::Consecutive, Aggregation::Mean)
        .unwrap();
    let max = t
        .tag(&x, SegmentPlan::Consecutive, Aggregation::Max)
        .unwrap();
    for j in 0..3 {
        let col: Vec<f32> = mean.segments.iter().map(|s| s.probabilities[j]).collect();
        let m = col.iter().sum::<f32>() / col.len() as f32;
        assert!((mean.track[j] - m).abs() < 1e-6);
        assert_eq!(max.track[j], col.iter().copied().fold(f32::MIN, f32::max));
        assert!(col.iter().all(|p| (0.0..=1.0).contains(p)));
    }
    let ranked = mean.ranked();
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1));
}

#[test]
fn classifier_mixes_channels_and_softmax_sums_to_one() {
    let t = tiny(false);
    assert_eq!(t.labels(), vec!["0", "1", "2"]);
    assert_eq!(Classifier::sample_rate(&t), 22050);
    let stereo = Array2::from_shape_fn((2, 70_000), |(c, i)| {
        (i as f32 * 0.01).sin() * (c as f32 + 1.0) * 0.1
    });
    let p = t.classify(stereo.view()).unwrap();
    assert_eq!(p.len(), 3);
    assert!((p.sum() - 1.0).abs() < 1e-5);
    let mono: Vec<f32> = (0..70_000)
        .map(|i| (i as f32 * 0.01).sin() * 0.15)
        .collect();
    let q = t
        .tag(&mono, SegmentPlan::Covering, Aggregation::Mean)
        .unwrap()
        .track;
    for (a, b) in p.iter().zip(&q) {
        assert!((a - b).abs() < 1e-6);
    }
}

#[test]
fn bad_input_is_an_error() {
    let t = tiny(false);
    assert!(t
        .tag(&[], SegmentPlan::Covering, Aggregation::Mean)
        .is_err());
    let mut x = signal(L);
    x[100] = f32::NAN;
    assert!(t.tag(&x, SegmentPlan::Covering, Aggregation::Mean).is_err());
    assert!(t
        .tag(
            &signal(L),
            SegmentPlan::Spread { chunks: 0 },
            Aggregation::Mean
        )
        .is_err());
    assert!(t.classify(Array2::<f32>::zeros((0, 10)).view()).is_err());
    // A configuration the network cannot take.
    let mut config = TaggerConfig::reference(Architecture::SampleCnn, 3);
    config.input_length = 1000;
    let store = SeededVarMap::new(0);
    assert!(Tagger::new(config, store.var_builder(DType::F32, &Device::Cpu)).is_err());
    let mut config = TaggerConfig::reference(Architecture::ShortChunkCnn, 3);
    config.n_mels = 64;
    assert!(Tagger::new(config, store.var_builder(DType::F32, &Device::Cpu)).is_err());
    let mut config = TaggerConfig::reference(Architecture::SampleCnn, 0);
    config.labels.clear();
    assert!(Tagger::new(config, store.var_builder(DType::F32, &Device::Cpu)).is_err());
}

#[test]
fn a_training_checkpoint_loads_with_its_configuration() {
    let dir = fixtures_dir(env!("CARGO_MANIFEST_DIR")).join("tagging/tiny_samplecnn");
    let t = Tagger::load(&dir).unwrap();
    assert_eq!(t.config().architecture, Architecture::SampleCnn);
    assert_eq!(t.labels(), vec!["noise", "tone"]);
    assert!(Tagger::load(dir.join("missing")).is_err());
}

#[test]
fn every_architecture_builds_and_runs_small() {
    for arch in Architecture::ALL {
        let mut config = TaggerConfig::reference(arch, 4);
        config.widths = vec![2, 2, 2, 2, 2, 2, 2, 2, 2, 4, 4];
        config.n_channels = 2;
        config.sinc_kernel = 31;
        let store = SeededVarMap::new(0);
        if arch == Architecture::SincnetSampleCnn {
            audio_nn::SincConv::init_varmap(
                store.varmap(),
                "layer1.sinc",
                &audio_models::tagging::SampleCnn::sinc_config(&config),
                DType::F32,
                &Device::Cpu,
            )
            .unwrap();
        }
        let t = Tagger::new(config, store.var_builder(DType::F32, &Device::Cpu)).unwrap();
        let r = t
            .tag(&signal(L), SegmentPlan::Covering, Aggregation::Mean)
            .unwrap();
        assert_eq!(r.track.len(), 4, "{}", arch.name());
        assert!(r.track.iter().all(|p| p.is_finite()), "{}", arch.name());
    }
}

/// An in-memory mixture read in pieces of at most `.1` samples.
struct Pieces<'a>(InMemoryMixture<'a>, usize);

impl MixtureSource for Pieces<'_> {
    fn channels(&self) -> usize {
        self.0.channels()
    }
    fn len(&self) -> usize {
        self.0.len()
    }
    fn rewind(&mut self) -> audio_models::Result<()> {
        self.0.rewind()
    }
    fn read(&mut self, max: usize) -> audio_models::Result<Array2<f32>> {
        self.0.read(max.min(self.1))
    }
}

#[test]
fn a_signal_read_in_pieces_tags_as_the_one_in_memory() {
    let t = tiny(true);
    let n = 10 * L + 123;
    let x: Vec<f32> = (0..n)
        .map(|i| ((i * 7919 % 1009) as f32 / 1009.0 - 0.5) * (i as f32 * 1e-4).sin())
        .collect();
    let view = ndarray::ArrayView2::from_shape((1, n), &x).unwrap();
    for plan in [
        SegmentPlan::Covering,
        SegmentPlan::Consecutive,
        SegmentPlan::Spread { chunks: 16 },
    ] {
        let whole = t.tag(&x, plan, Aggregation::Mean).unwrap();
        for piece in [1000, 65_536, 1 << 20] {
            let mut source = Pieces(InMemoryMixture::new(view), piece);
            let streamed = t.tag_source(&mut source, plan, Aggregation::Mean).unwrap();
            assert_eq!(
                serde_json::to_string(&streamed).unwrap(),
                serde_json::to_string(&whole).unwrap(),
                "{plan:?}, pieces of {piece}"
            );
        }
    }
    // A NaN: the index the in-memory check reports.
    let mut bad = x.clone();
    bad[3 * L + 5] = f32::NAN;
    let view = ndarray::ArrayView2::from_shape((1, n), &bad).unwrap();
    let streamed = t
        .tag_source(
            &mut Pieces(InMemoryMixture::new(view), 777),
            SegmentPlan::Covering,
            Aggregation::Mean,
        )
        .unwrap_err();
    let whole = t
        .tag(&bad, SegmentPlan::Covering, Aggregation::Mean)
        .unwrap_err();
    assert_eq!(streamed.to_string(), whole.to_string());
    // Two channels are refused.
    let stereo = Array2::<f32>::zeros((2, 1000));
    assert!(t
        .tag_source(
            &mut InMemoryMixture::new(stereo.view()),
            SegmentPlan::Covering,
            Aggregation::Mean
        )
        .is_err());
}
