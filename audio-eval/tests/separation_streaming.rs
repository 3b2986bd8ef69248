//! The streaming BSS Eval functions (`*_blocks`) against the in-memory ones:
//! the same scores to the bit, whatever sizes the reader's blocks have, in
//! two or three passes over the stems.

use audio_eval::separation::{
    bss_eval_images, bss_eval_images_blocks, bss_eval_images_framewise,
    bss_eval_images_framewise_blocks, bss_eval_sources, bss_eval_sources_blocks,
    bss_eval_sources_framewise, bss_eval_sources_framewise_blocks, evaluate, evaluate_blocks,
    ArrayStems, BssEvalVersion, MusevalConfig, StemBlocks,
};
use audio_eval::Error;
use ndarray::{Array3, Axis};

/// Reads [`ArrayStems`] in pieces of pseudo-random sizes (1 to `max`), and
/// counts the passes and the reference samples read.
struct Ragged<'a> {
    inner: ArrayStems<'a>,
    state: u64,
    rewinds: usize,
    reference_samples: usize,
}

impl<'a> Ragged<'a> {
    fn new(refs: &'a Array3<f64>, ests: &'a Array3<f64>) -> Self {
        Self {
            inner: ArrayStems::new(refs.view(), ests.view()),
            state: 0x9e37_79b9_7f4a_7c15,
            rewinds: 0,
            reference_samples: 0,
        }
    }

    fn size(&mut self, max: usize) -> usize {
        self.state = self
            .state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        1 + (self.state >> 33) as usize % max.clamp(1, 30_000)
    }
}

impl StemBlocks for Ragged<'_> {
    type Error = Error;

    fn reference_shape(&self) -> (usize, usize) {
        self.inner.reference_shape()
    }

    fn estimate_shape(&self) -> (usize, usize) {
        self.inner.estimate_shape()
    }

    fn rewind(&mut self) -> Result<(), Error> {
        self.rewinds += 1;
        self.inner.rewind()
    }

    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Error> {
        let n = self.size(max);
        let got = self.inner.read_references(out, n)?;
        self.reference_samples += got;
        Ok(got)
    }

    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Error> {
        let n = self.size(max);
        self.inner.read_estimates(out, n)
    }
}

/// Samples per signal: more than one read block (65 536) of the passes.
const LEN: usize = 150_000;

/// Two stereo sources with some cross-talk, and estimates of them.
fn stems(len: usize) -> (Array3<f64>, Array3<f64>) {
    let refs = Array3::from_shape_fn((2, len, 2), |(s, t, c)| {
        let t = t as f64;
        let tone = ((0.013 + 0.021 * s as f64) * t + 0.7 * c as f64).sin();
        let noise = (((t as u64 * 2_654_435_761 + 97 * s as u64 + 13 * c as u64) % 1000) as f64
            - 500.0)
            / 5000.0;
        tone + noise
    });
    let ests = Array3::from_shape_fn((2, len, 2), |(s, t, c)| {
        0.8 * refs[[s, t, c]] + 0.1 * refs[[1 - s, t, c]] + 0.02 * ((t % 17) as f64 - 8.0) / 8.0
    });
    (refs, ests)
}

/// Equal to the bit, NaN included (`Debug` writes every `f64` exactly).
fn same_bits<T: std::fmt::Debug>(a: &T, b: &T) {
    assert_eq!(format!("{a:?}"), format!("{b:?}"));
}

fn v4() -> MusevalConfig {
    MusevalConfig {
        window: 44_100,
        hop: 30_000,
        ..MusevalConfig::default()
    }
}

#[test]
fn museval_v4_streamed_equals_in_memory_and_reads_twice_when_channels_differ() {
    let (refs, ests) = stems(LEN);
    let whole = evaluate(refs.view(), ests.view(), &v4()).unwrap();
    let mut ragged = Ragged::new(&refs, &ests);
    let streamed = evaluate_blocks(&mut ragged, &v4()).unwrap();
    assert_eq!(streamed, whole);
    assert_eq!(streamed.windows(), 4);
    assert!(streamed.sdr.iter().all(|v| v.is_finite()));
    // Gram pass, a short redundancy check (no two channels are
    // proportional), the windows.
    assert_eq!(ragged.rewinds, 3);
    assert!(
        ragged.reference_samples <= 2 * LEN + 30_000,
        "{}",
        ragged.reference_samples
    );
}

#[test]
fn museval_v4_dual_mono_stems_read_the_redundancy_pass_whole() {
    let (mut refs, mut ests) = stems(LEN);
    // Right channel = left channel: the redundancy check must see every sample.
    for a in [&mut refs, &mut ests] {
        let left = a.index_axis(Axis(2), 0).to_owned();
        a.index_axis_mut(Axis(2), 1).assign(&left);
    }
    let whole = evaluate(refs.view(), ests.view(), &v4()).unwrap();
    let mut ragged = Ragged::new(&refs, &ests);
    assert_eq!(evaluate_blocks(&mut ragged, &v4()).unwrap(), whole);
    // Passes 1 and 2 whole, pass 3 up to the end of the last window.
    assert!(ragged.reference_samples >= 2 * LEN + 3 * 30_000 + 44_100);
    assert!(whole.sdr.iter().all(|v| v.is_finite()));
}

#[test]
fn museval_v3_and_padding_streamed_equal_in_memory() {
    let (refs, ests) = stems(100_000);
    let v3 = MusevalConfig {
        version: BssEvalVersion::V3,
        window: 40_000,
        hop: 40_000,
        ..MusevalConfig::default()
    };
    let whole = evaluate(refs.view(), ests.view(), &v3).unwrap();
    let streamed = evaluate_blocks(&mut Ragged::new(&refs, &ests), &v3).unwrap();
    assert_eq!(streamed, whole);
    // Shorter and longer estimates, padded or truncated to the references.
    for keep in [70_000, 100_000] {
        let short = ests.slice(ndarray::s![.., ..keep, ..]).to_owned();
        let long = ndarray::concatenate(Axis(1), &[ests.view(), ests.view()]).unwrap();
        for e in [short, long] {
            let whole = evaluate(refs.view(), e.view(), &v4()).unwrap();
            let streamed = evaluate_blocks(&mut Ragged::new(&refs, &e), &v4()).unwrap();
            assert_eq!(streamed, whole);
        }
    }
}

#[test]
fn mir_eval_functions_streamed_equal_in_memory() {
    let (refs, ests) = stems(LEN);
    let images = bss_eval_images(refs.view(), ests.view(), true).unwrap();
    let streamed = bss_eval_images_blocks(&mut Ragged::new(&refs, &ests), true).unwrap();
    assert_eq!(streamed, images);
    let framewise = bss_eval_images_framewise(refs.view(), ests.view(), 60_000, 40_000, true);
    let streamed =
        bss_eval_images_framewise_blocks(&mut Ragged::new(&refs, &ests), 60_000, 40_000, true);
    same_bits(&streamed.unwrap(), &framewise.unwrap());
    // Sources: the channel mean, as mir_eval's load_wav.
    let mono_r = refs.mean_axis(Axis(2)).unwrap().insert_axis(Axis(2));
    let mono_e = ests.mean_axis(Axis(2)).unwrap().insert_axis(Axis(2));
    let (r2, e2) = (mono_r.index_axis(Axis(2), 0), mono_e.index_axis(Axis(2), 0));
    let sources = bss_eval_sources(r2, e2, true).unwrap();
    let streamed = bss_eval_sources_blocks(&mut Ragged::new(&mono_r, &mono_e), true).unwrap();
    assert_eq!(streamed, sources);
    // One window (fewer than two fit): the whole-signal scores.
    for (window, hop) in [(50_000, 50_000), (200_000, 100_000)] {
        let framewise = bss_eval_sources_framewise(r2, e2, window, hop, false).unwrap();
        let streamed = bss_eval_sources_framewise_blocks(
            &mut Ragged::new(&mono_r, &mono_e),
            window,
            hop,
            false,
        )
        .unwrap();
        same_bits(&streamed, &framewise);
    }
}

#[test]
fn streamed_errors_are_typed() {
    let (refs, ests) = stems(20_000);
    // Stereo stems given to a sources function.
    assert!(matches!(
        bss_eval_sources_blocks(&mut ArrayStems::new(refs.view(), ests.view()), false),
        Err(Error::ShapeMismatch { .. })
    ));
    // Lengths differ without padding.
    let short = ests.slice(ndarray::s![.., ..19_000, ..]).to_owned();
    assert!(matches!(
        bss_eval_images_blocks(&mut ArrayStems::new(refs.view(), short.view()), false),
        Err(Error::ShapeMismatch { .. })
    ));
    let no_pad = MusevalConfig {
        padding: false,
        ..v4()
    };
    assert!(matches!(
        evaluate_blocks(&mut ArrayStems::new(refs.view(), short.view()), &no_pad),
        Err(Error::ShapeMismatch { .. })
    ));
    // A non-finite sample: the same index as the in-memory validation.
    let mut bad = ests.clone();
    bad[[1, 12_345, 1]] = f64::NAN;
    let whole = bss_eval_images(refs.view(), bad.view(), false).unwrap_err();
    let streamed = bss_eval_images_blocks(&mut Ragged::new(&refs, &bad), false).unwrap_err();
    assert_eq!(format!("{whole}"), format!("{streamed}"));
    assert!(matches!(streamed, Error::NonFinite { .. }));
    // A silent estimate source.
    let mut silent = ests.clone();
    silent.index_axis_mut(Axis(0), 1).fill(0.0);
    assert!(matches!(
        evaluate_blocks(&mut Ragged::new(&refs, &silent), &v4()),
        Err(Error::SilentSource {
            source_index: 1,
            ..
        })
    ));
}

/// A reader that breaks the contract: more samples than asked, or signals of
/// different lengths.
struct Broken(bool);

impl StemBlocks for Broken {
    type Error = Error;
    fn reference_shape(&self) -> (usize, usize) {
        (1, 2)
    }
    fn estimate_shape(&self) -> (usize, usize) {
        (1, 2)
    }
    fn rewind(&mut self) -> Result<(), Error> {
        Ok(())
    }
    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Error> {
        out[0] = vec![1.0; max + 1];
        out[1] = vec![1.0; if self.0 { max + 1 } else { 3 }];
        Ok(max + 1)
    }
    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize, Error> {
        self.read_references(out, max)
    }
}

#[test]
fn a_reader_breaking_the_contract_is_an_error_not_a_panic() {
    for consistent in [true, false] {
        assert!(matches!(
            evaluate_blocks(&mut Broken(consistent), &v4()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
