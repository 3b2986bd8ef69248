//! Whole-track vs chunked Open-Unmix separation on a song with reference
//! stems: museval v4 median SDR (audio-eval) of both paths against the
//! references, and of the chunked estimates against the whole-track ones.
//!
//! ```text
//! cargo run --release -p audio-models --example umx_chunked_vs_exact -- \
//!     MODEL_DIR SONG_DIR [CHUNK_SECONDS] [OVERLAP_SECONDS] [NITER]
//! ```
//!
//! `SONG_DIR` holds `mixture.wav` and `<target>.wav` references (the layout
//! of `tools/datasets/render_songs.py` and MUSDB18-HQ).
#![allow(clippy::unwrap_used, reason = "example: a failure ends the run")]

use audio_eval::separation::{evaluate, MusevalConfig};
use audio_models::open_unmix::{ChunkedSeparator, OpenUnmixSeparator, SeparatorConfig};
use audio_models::Separator;
use ndarray::{Array2, Array3};

fn stack(v: &[Array2<f32>]) -> Array3<f64> {
    let (c, n) = v[0].dim();
    Array3::from_shape_fn((v.len(), n, c), |(s, t, ch)| f64::from(v[s][[ch, t]]))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let model = &args[1];
    let song = std::path::Path::new(&args[2]);
    let chunk: f64 = args.get(3).map_or(30.0, |s| s.parse().unwrap());
    let overlap: f64 = args.get(4).map_or(2.0, |s| s.parse().unwrap());
    let niter: usize = args.get(5).map_or(1, |s| s.parse().unwrap());
    let config = SeparatorConfig {
        niter,
        ..SeparatorConfig::default()
    };
    let sep = OpenUnmixSeparator::from_dir(model, None, config, &candle_core::Device::Cpu).unwrap();
    let load = |name: &str| {
        audio_io::load::<f32>(
            song.join(format!("{name}.wav")),
            &audio_io::LoadOptions {
                sr: Some(sep.sample_rate()),
                mono: false,
                ..Default::default()
            },
        )
        .unwrap()
        .samples
    };
    let mix = load("mixture");
    let targets = sep.targets();
    let refs: Vec<Array2<f32>> = targets.iter().map(|t| load(t)).collect();
    let t0 = std::time::Instant::now();
    let exact = sep.separate(mix.view()).unwrap();
    let t_exact = t0.elapsed().as_secs_f64();
    let chunked = ChunkedSeparator::with_seconds(sep, chunk, overlap).unwrap();
    let t0 = std::time::Instant::now();
    let chunk_est = chunked.separate(mix.view()).unwrap();
    let t_chunk = t0.elapsed().as_secs_f64();
    let cfg = MusevalConfig::default();
    let r = stack(&refs);
    let se = evaluate(r.view(), stack(&exact).view(), &cfg)
        .unwrap()
        .median();
    let sc = evaluate(r.view(), stack(&chunk_est).view(), &cfg)
        .unwrap()
        .median();
    let sm = evaluate(
        r.view(),
        stack(&mix_as_estimates(&mix, targets.len())).view(),
        &cfg,
    )
    .unwrap()
    .median();
    let sx = evaluate(stack(&exact).view(), stack(&chunk_est).view(), &cfg)
        .unwrap()
        .median();
    println!(
        "song {} ({:.1} s), chunk {chunk} s, overlap {overlap} s, niter {niter}; exact {t_exact:.1} s, chunked {t_chunk:.1} s",
        song.display(),
        mix.ncols() as f64 / 44_100.0
    );
    println!("| target | SDR mixture | SDR exact | SDR chunked | chunked - exact | SDR chunked vs exact |");
    println!("|---|---|---|---|---|---|");
    for (j, t) in targets.iter().enumerate() {
        println!(
            "| {t} | {:.2} | {:.2} | {:.2} | {:+.3} | {:.1} |",
            sm.sdr[j],
            se.sdr[j],
            sc.sdr[j],
            sc.sdr[j] - se.sdr[j],
            sx.sdr[j]
        );
    }
}

fn mix_as_estimates(mix: &Array2<f32>, n: usize) -> Vec<Array2<f32>> {
    (0..n).map(|_| mix.clone()).collect()
}
