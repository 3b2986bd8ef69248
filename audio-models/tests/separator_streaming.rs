//! Every separator behind the trait streams through
//! `Separator::separate_source`: the stretches it hands out, joined, are
//! `Separator::separate`'s estimates to the bit, however the source cuts
//! its blocks; the windowed models (Wave-U-Net, the Wavenet separator) and
//! the unidirectional T-F mask model hand out their first stretch before
//! the source is read to its end; and the T-F mask model's LSTM, run a
//! stretch of frames at a time with its state carried, gives the
//! whole-sequence estimates.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::cell::Cell;
use std::rc::Rc;

use audio_dsp::{Istft, IstftConfig, Stft, StftConfig, Transform, WindowKind};
use audio_models::mixture_source::MixtureSource;
use audio_models::tf_mask::{TfMaskConfig, TfMaskSeparator};
use audio_models::wave_u_net::{ConvType, WaveUNet, WaveUNetConfig, WaveUNetSeparator};
use audio_models::wavenet_separator::{WavenetSeparator, WavenetSeparatorConfig};
use audio_models::{Error, Separator};
use candle_core::{DType, Device, Tensor};
use ndarray::{s, Array2, Array3, Axis};
use num_complex::Complex;

/// The T-F mask model's LSTM over stretches of frames (its state carried)
/// against one run over all frames, and the streaming (I)STFT against the
/// whole-signal one: the same sums in another GEMM blocking, so float
/// rounding only.
const CHUNKED_LSTM_TOL: f32 = 1e-5;

/// The Wavenet separator's outputs summed against the mixture: the
/// difference source is the mixture minus the others in float32, so the
/// sum is the mixture up to float32 rounding of four terms.
const DIFFERENCE_SUM_TOL: f32 = 1e-5;

/// A mixture in memory read in blocks of irregular sizes (never more than
/// asked), recording how far it has been read.
struct ChoppedMixture {
    samples: Array2<f32>,
    position: usize,
    /// Samples it claims to hold (more than it has, to test a short source).
    claimed: usize,
    sizes: Vec<usize>,
    reads: usize,
    read_to: Rc<Cell<usize>>,
}

impl ChoppedMixture {
    fn new(samples: Array2<f32>) -> Self {
        let claimed = samples.ncols();
        Self {
            samples,
            position: 0,
            claimed,
            sizes: vec![1, 777, 3, 4096, 130, 9999],
            reads: 0,
            read_to: Rc::new(Cell::new(0)),
        }
    }
}

impl MixtureSource for ChoppedMixture {
    fn channels(&self) -> usize {
        self.samples.nrows()
    }

    fn len(&self) -> usize {
        self.claimed
    }

    fn rewind(&mut self) -> audio_models::Result<()> {
        self.position = 0;
        Ok(())
    }

    fn read(&mut self, max: usize) -> audio_models::Result<Array2<f32>> {
        let n = self.sizes[self.reads % self.sizes.len()].min(max);
        self.reads += 1;
        let end = (self.position + n).min(self.samples.ncols());
        let block = self.samples.slice(s![.., self.position..end]).to_owned();
        self.position = end;
        self.read_to.set(self.read_to.get().max(end));
        Ok(block)
    }
}

/// Two channels of decaying tones and a little deterministic noise.
fn mixture(channels: usize, len: usize) -> Array2<f32> {
    Array2::from_shape_fn((channels, len), |(c, t)| {
        let x = t as f32 / 8000.0;
        let noise = ((t * 7919 + c * 104_729) % 1000) as f32 / 1000.0 - 0.5;
        0.5 * (2.0 * std::f32::consts::PI * (220.0 + 110.0 * c as f32) * x).sin()
            * (-(x % 0.5) * 4.0).exp()
            + 0.05 * noise
    })
}

/// `sep.separate_source` over a chopped source: the joined stretches, the
/// number of stretches, and how far the source had been read when the
/// first stretch came out.
fn streamed(sep: &dyn Separator, mix: &Array2<f32>) -> (Vec<Array2<f32>>, usize, usize) {
    let mut source = ChoppedMixture::new(mix.clone());
    let read_to = Rc::clone(&source.read_to);
    let mut parts: Vec<Vec<Array2<f32>>> = Vec::new();
    let mut first_at = None;
    sep.separate_source(&mut source, &mut |stems| {
        first_at.get_or_insert(read_to.get());
        let n = stems[0].ncols();
        assert!(n > 0, "an empty stretch");
        assert!(
            stems.iter().all(|s| s.ncols() == n),
            "stretches of unequal length"
        );
        parts.push(stems.to_vec());
        Ok(())
    })
    .unwrap();
    let joined = (0..sep.targets().len())
        .map(|j| {
            let views: Vec<_> = parts.iter().map(|p| p[j].view()).collect();
            ndarray::concatenate(Axis(1), &views).unwrap()
        })
        .collect();
    (joined, parts.len(), first_at.unwrap())
}

/// Streamed and whole estimates are equal to the bit, and the first stretch
/// comes out before the source is read to its end.
fn assert_streams(sep: &dyn Separator, mix: &Array2<f32>) {
    let whole = sep.separate(mix.view()).unwrap();
    let (joined, stretches, first_at) = streamed(sep, mix);
    assert_eq!(joined.len(), whole.len());
    for (a, b) in joined.iter().zip(&whole) {
        assert_eq!(a.dim(), b.dim());
        assert_eq!(a, b, "streamed estimates differ from the whole-track ones");
    }
    assert!(stretches > 1, "one stretch: nothing streamed");
    assert!(
        first_at < mix.ncols(),
        "the first stretch waited for the whole source ({first_at} of {})",
        mix.ncols()
    );
}

fn vb(seed: u64) -> candle_nn::VarBuilder<'static> {
    audio_nn::init::SeededVarMap::new(seed).var_builder(DType::F32, &Device::Cpu)
}

fn wave_u_net(channels: usize) -> WaveUNetSeparator {
    let config = WaveUNetConfig {
        instruments: vec!["bass".into(), "vocals".into()],
        channels,
        features: 8,
        levels: 3,
        kernel_size: 5,
        strides: 2,
        conv_type: ConvType::Normal,
        sr: 8000,
        output_size: 0.05,
        ..WaveUNetConfig::default()
    };
    WaveUNetSeparator::new(WaveUNet::new(config, vb(1)).unwrap())
}

fn tf_mask(bidirectional: bool) -> TfMaskSeparator {
    let config = TfMaskConfig {
        targets: vec!["vocals".into(), "bass".into()],
        sample_rate: 8000,
        n_fft: 256,
        hop_length: 64,
        hidden_size: 16,
        num_layers: 2,
        bidirectional,
        ..TfMaskConfig::default()
    };
    TfMaskSeparator::new(config, vb(3)).unwrap()
}

#[test]
fn wave_u_net_streams_window_by_window() {
    // Stereo model on stereo and mono input; mono model on stereo input.
    assert_streams(&wave_u_net(2), &mixture(2, 20_011));
    assert_streams(&wave_u_net(2), &mixture(1, 9_000));
    assert_streams(&wave_u_net(1), &mixture(2, 12_345));
}

#[test]
fn wavenet_separator_streams_window_by_window() {
    let config = WavenetSeparatorConfig {
        sources: vec!["vocals".into(), "bass".into()],
        difference: Some("rest".into()),
        num_stacks: 1,
        dilations: vec![1, 2, 4, 8],
        res_channels: 4,
        skip_channels: 4,
        final_channels: [8, 4],
        target_field_length: 501,
        sample_rate: 8000,
        ..WavenetSeparatorConfig::default()
    };
    let sep = WavenetSeparator::new(config, vb(2)).unwrap();
    let mix = mixture(2, 15_007);
    assert_streams(&sep, &mix);
    // The difference source keeps the outputs summing to the mixture.
    let out = sep.separate(mix.view()).unwrap();
    let sum = out
        .iter()
        .fold(Array2::<f32>::zeros(mix.dim()), |a, o| a + o);
    let err = (&sum - &mix).mapv(f32::abs).fold(0f32, |a, &b| a.max(b));
    assert!(
        err < DIFFERENCE_SUM_TOL,
        "outputs miss the mixture by {err}"
    );
}

#[test]
fn unidirectional_tf_mask_streams_and_matches_one_lstm_run() {
    let sep = tf_mask(false);
    let mix = mixture(2, 80_000);
    assert_streams(&sep, &mix);
    assert_whole_sequence(&sep, &mix);
}

#[test]
fn bidirectional_tf_mask_holds_the_spectrogram_and_matches() {
    let sep = tf_mask(true);
    let mix = mixture(2, 20_000);
    let whole = sep.separate(mix.view()).unwrap();
    let (joined, _, _) = streamed(&sep, &mix);
    assert_eq!(joined, whole);
    assert_whole_sequence(&sep, &mix);
}

/// The T-F mask estimates from one STFT of the whole signal, one network
/// run over all frames and one inverse STFT to the mixture's length.
fn assert_whole_sequence(sep: &TfMaskSeparator, mix: &Array2<f32>) {
    let c = sep.config();
    let stft = Stft::<f32>::new(StftConfig {
        n_fft: c.n_fft,
        hop_length: Some(c.hop_length),
        window: WindowKind::Hann,
        center: true,
        pad_mode: audio_dsp::PadMode::Reflect,
        ..StftConfig::default()
    })
    .unwrap();
    let istft = Istft::<f32>::new(IstftConfig {
        n_fft: c.n_fft,
        hop_length: Some(c.hop_length),
        win_length: None,
        window: WindowKind::Hann,
        center: true,
    })
    .unwrap();
    let spec: Array3<Complex<f32>> = stft.process_multichannel(mix.view()).unwrap();
    let (channels, bins, frames) = spec.dim();
    let mags: Vec<f32> = (0..channels)
        .flat_map(|ch| (0..frames).flat_map(move |t| (0..bins).map(move |f| (ch, t, f))))
        .map(|(ch, t, f)| spec[[ch, f, t]].norm())
        .collect();
    let x = Tensor::from_vec(mags, (channels, frames, bins), &Device::Cpu).unwrap();
    let est = sep.network().forward(&x).unwrap(); // (ch, K, T, F)
    let k = sep.network().outputs();
    let est: Vec<f32> = est.flatten_all().unwrap().to_vec1().unwrap();
    let got = sep.separate(mix.view()).unwrap();
    for (j, g) in got.iter().enumerate() {
        let y = Array3::from_shape_fn((channels, bins, frames), |(ch, f, t)| {
            let x = spec[[ch, f, t]];
            let m = x.norm();
            let phase = if m > 0.0 {
                x / m
            } else {
                Complex::new(1.0, 0.0)
            };
            phase * est[((ch * k + j) * frames + t) * bins + f]
        });
        let expected = istft
            .process_multichannel(y.view(), Some(mix.ncols()))
            .unwrap();
        let err = (&expected - g).mapv(f32::abs).fold(0f32, |a, &b| a.max(b));
        assert!(err < CHUNKED_LSTM_TOL, "output {j} off by {err}");
    }
}

#[test]
fn short_sources_and_non_finite_samples_are_errors() {
    let seps: Vec<Box<dyn Separator>> = vec![Box::new(wave_u_net(2)), Box::new(tf_mask(false))];
    for sep in &seps {
        let mut short = ChoppedMixture::new(mixture(2, 5000));
        short.claimed = 6000;
        let r = sep.separate_source(&mut short, &mut |_| Ok(()));
        assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
        let mut nan = mixture(2, 5000);
        nan[[1, 4321]] = f32::NAN;
        let r = sep.separate(nan.view());
        assert!(
            matches!(r, Err(Error::NonFinite { index: 9321, .. })),
            "{r:?}"
        );
        // A sink's error stops the separation and comes back as it is.
        let r = sep.separate_source(&mut ChoppedMixture::new(mixture(2, 5000)), &mut |_| {
            Err(Error::InvalidParameter {
                name: "sink",
                value: "full".into(),
                expected: "room",
            })
        });
        assert!(matches!(
            r,
            Err(Error::InvalidParameter { name: "sink", .. })
        ));
    }
}
