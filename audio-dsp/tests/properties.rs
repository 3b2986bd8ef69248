//! Invariants of audio-dsp, checked with proptest.

#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use audio_dsp::*;
use ndarray::Array2;
use num_complex::Complex;
use proptest::prelude::*;

/// Reconstruction bound for f32 round trips (the 1e-5): each sample
/// passes through two FFTs of at most 1024 points and one division by the
/// window sum-square, each rounding at ~6e-8 relative.
const ROUND_TRIP_F32_TOL: f32 = 1e-5;
/// Parseval in f64: the only error is FFT rounding, ~n log n ulps.
const PARSEVAL_F64_TOL: f64 = 1e-10;
/// Streaming and offline run the same FFT on the same samples: identical up
/// to the order of overlap-add additions in the ISTFT.
const STREAMING_F64_TOL: f64 = 1e-12;

fn signal(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// Windows and hops that satisfy the NOLA condition: the hop is at most a
/// quarter of the window length for the tapered windows (whose sum-square
/// envelope then never vanishes), at most half of it for the rectangular one
/// (so that, centred, the last `n_fft / 2` samples are still inside a frame).
fn nola_case() -> impl Strategy<Value = (WindowKind, usize, usize, usize, bool, PadMode)> {
    (
        prop_oneof![
            Just(WindowKind::Hann),
            Just(WindowKind::Hamming),
            Just(WindowKind::Blackman),
            Just(WindowKind::Rectangular),
            (0.0f64..14.0).prop_map(|beta| WindowKind::Kaiser { beta }),
        ],
        16usize..1024,
        1usize..100,
        any::<bool>(),
        prop_oneof![
            Just(PadMode::Constant),
            Just(PadMode::Reflect),
            Just(PadMode::Edge)
        ],
    )
        .prop_flat_map(|(w, n_fft, hop_pct, center, pad)| {
            let win = n_fft / 2..=n_fft;
            (
                Just(w),
                Just(n_fft),
                win,
                Just(hop_pct),
                Just(center),
                Just(pad),
            )
        })
        .prop_map(|(w, n_fft, win, hop_pct, center, pad)| {
            let max_hop = if w == WindowKind::Rectangular {
                win / 2
            } else {
                win / 4
            };
            let hop = (max_hop * hop_pct / 100).max(1);
            (w, n_fft, win, hop, center, pad)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn istft_inverts_stft((window, n_fft, win, hop, center, pad_mode) in nola_case(), extra in 0usize..3000, seed: u64) {
        let len = n_fft + extra;
        let x = signal(len, seed);
        let cfg = StftConfig { n_fft, hop_length: Some(hop), win_length: Some(win), window, center, pad_mode };
        let spec = Stft::<f32>::new(cfg.clone()).unwrap().process(&x).unwrap();
        let y = Istft::<f32>::new(IstftConfig::from(&cfg)).unwrap().process(spec.view(), Some(len)).unwrap();
        // Centred: every sample comes back. Not centred: the first and last
        // n_fft samples see only window tails (outside NOLA's guarantee), so
        // check the fully overlapped interior.
        let (lo, hi) = if center {
            (0, len)
        } else {
            (n_fft, (n_fft + hop * (spec.ncols() - 1)).saturating_sub(n_fft))
        };
        for n in lo..hi {
            prop_assert!((x[n] - y[n]).abs() <= ROUND_TRIP_F32_TOL, "sample {n}: {} vs {}", x[n], y[n]);
        }
    }

    #[test]
    fn parseval_holds_for_an_unwindowed_frame(n_fft in 2usize..2048, seed: u64) {
        let x: Vec<f64> = signal(n_fft, seed).iter().map(|&v| f64::from(v)).collect();
        let cfg = StftConfig { n_fft, hop_length: Some(n_fft), window: WindowKind::Rectangular, center: false, ..StftConfig::default() };
        let spec = Stft::<f64>::new(cfg).unwrap().process(&x).unwrap();
        let time: f64 = x.iter().map(|v| v * v).sum();
        // Bins other than DC and Nyquist stand for two conjugate bins.
        let freq: f64 = spec.column(0).iter().enumerate().map(|(k, z)| {
            let twice = k != 0 && !(n_fft % 2 == 0 && k == n_fft / 2);
            z.norm_sqr() * if twice { 2.0 } else { 1.0 }
        }).sum::<f64>() / n_fft as f64;
        prop_assert!((time - freq).abs() <= PARSEVAL_F64_TOL * time.max(1.0));
    }

    #[test]
    fn mel_filterbank_is_non_negative_and_normalised(
        n_mels in 1usize..160, n_fft in 64usize..4096, htk: bool, norm_kind in 0u8..3,
        fmin in 0.0f64..500.0, sr in prop_oneof![Just(8000.0), Just(16000.0), Just(22050.0), Just(44100.0)],
    ) {
        let norm = [MelNorm::Slaney, MelNorm::None, MelNorm::P(2.0)][norm_kind as usize];
        let cfg = MelConfig { sr, n_fft, n_mels, fmin, fmax: None, htk, norm };
        let fb = MelFilterbank::<f64>::new(&cfg).unwrap();
        prop_assert!(fb.weights().iter().all(|&w| w >= 0.0));
        let edges = mel_frequencies(n_mels + 2, fmin, sr / 2.0, htk);
        for (m, row) in fb.weights().outer_iter().enumerate() {
            let peak = row.iter().fold(0.0f64, |a, &b| a.max(b));
            let l2 = row.iter().map(|w| w * w).sum::<f64>().sqrt();
            match norm {
                // Unnormalised triangles peak at most at 1.
                MelNorm::None => prop_assert!(peak <= 1.0 + 1e-12),
                // Slaney: the triangle's peak height is at most 2 / (f_{m+2} - f_m).
                MelNorm::Slaney => prop_assert!(peak <= 2.0 / (edges[m + 2] - edges[m]) * (1.0 + 1e-12)),
                // p = 2: unit norm, or all zero (an empty filter is left as is).
                _ => prop_assert!(l2 == 0.0 || (l2 - 1.0).abs() < 1e-12),
            }
        }
    }

    #[test]
    fn streaming_stft_equals_offline(
        n_fft in 8usize..512, hop_pct in 1usize..=100, center: bool,
        pad_mode in prop_oneof![Just(PadMode::Constant), Just(PadMode::Reflect), Just(PadMode::Edge)],
        extra in 0usize..2000, blocks in proptest::collection::vec(1usize..700, 1..40), seed: u64,
    ) {
        let hop = (n_fft * hop_pct / 100).max(1);
        let len = n_fft + extra;
        let x: Vec<f64> = signal(len, seed).iter().map(|&v| f64::from(v)).collect();
        let cfg = StftConfig { n_fft, hop_length: Some(hop), center, pad_mode, ..StftConfig::default() };
        let offline = Stft::<f64>::new(cfg.clone()).unwrap().process(&x).unwrap();
        let mut stream = StreamingStft::<f64>::new(cfg).unwrap();
        let mut pieces: Vec<Array2<Complex<f64>>> = Vec::new();
        let mut pos = 0;
        for b in blocks.iter().cycle() {
            if pos >= len { break; }
            let end = (pos + b).min(len);
            pieces.push(stream.push(&x[pos..end]).unwrap());
            pos = end;
        }
        pieces.push(stream.finish().unwrap());
        let views: Vec<_> = pieces.iter().map(|p| p.view()).collect();
        let streamed = ndarray::concatenate(ndarray::Axis(1), &views).unwrap();
        prop_assert_eq!(streamed.dim(), offline.dim());
        let err = streamed.iter().zip(offline.iter()).map(|(a, b)| (a - b).norm()).fold(0.0, f64::max);
        prop_assert!(err <= STREAMING_F64_TOL, "max difference {err}");
    }

    #[test]
    fn streaming_istft_equals_offline(
        n_fft in 8usize..512, hop_pct in 1usize..=50, center: bool,
        extra in 0usize..2000, chunk in 1usize..20, seed: u64,
    ) {
        let hop = (n_fft * hop_pct / 100).max(1);
        let x: Vec<f64> = signal(n_fft + extra, seed).iter().map(|&v| f64::from(v)).collect();
        let cfg = StftConfig { n_fft, hop_length: Some(hop), center, ..StftConfig::default() };
        let spec = Stft::<f64>::new(cfg.clone()).unwrap().process(&x).unwrap();
        let offline = Istft::<f64>::new(IstftConfig::from(&cfg)).unwrap().process(spec.view(), None).unwrap();
        let mut stream = StreamingIstft::<f64>::new(IstftConfig::from(&cfg)).unwrap();
        let mut y = Vec::new();
        for t in (0..spec.ncols()).step_by(chunk) {
            let end = (t + chunk).min(spec.ncols());
            y.extend(stream.push(spec.slice(ndarray::s![.., t..end])).unwrap());
        }
        y.extend(stream.finish());
        prop_assert_eq!(y.len(), offline.len());
        let err = y.iter().zip(&offline).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        prop_assert!(err <= STREAMING_F64_TOL, "max difference {err}");
    }

    #[test]
    fn mu_law_round_trip_within_one_step(x in proptest::collection::vec(-1.0f64..=1.0, 1..500), mu in prop_oneof![Just(255.0), Just(15.0), Just(1023.0)]) {
        // Continuous: exact up to rounding.
        let y = mu_expand(&mu_compress(&x, mu).unwrap(), mu).unwrap();
        for (a, b) in x.iter().zip(&y) {
            prop_assert!((a - b).abs() < 1e-12);
        }
        // Quantised: within one quantisation step in the compressed domain.
        let q = mu_compress_quantized(&x, mu).unwrap();
        let back: Vec<f64> = mu_expand_quantized(&q, mu).unwrap();
        let step = 2.0 / mu;
        let c = mu_compress(&x, mu).unwrap();
        let cb = mu_compress(&back, mu).unwrap();
        for (a, b) in c.iter().zip(&cb) {
            prop_assert!((a - b).abs() <= step + 1e-12, "{a} vs {b}");
        }
    }
}
