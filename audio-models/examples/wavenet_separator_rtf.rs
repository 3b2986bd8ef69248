//! Real-time factor of the Wavenet separator at the reference's size
//! (`config_multi_instrument.json`: 4 stacks of dilations 1…512, 64
//! residual and skip channels, final 2048 and 256, target field 1601 at
//! 16 kHz), random weights, on SECONDS of mono noise: processing time over
//! audio duration (below 1 is faster than real time), as Lluís et al.
//! report it. Set RAYON_NUM_THREADS for the thread count.
//!
//! `cargo run --release -p audio-models --example wavenet_separator_rtf -- [SECONDS]`

use audio_models::wavenet_separator::{WavenetSeparator, WavenetSeparatorConfig};
use audio_models::Separator;
use candle_core::{DType, Device};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: f64 = std::env::args().nth(1).map_or(Ok(10.0), |s| s.parse())?;
    let config = WavenetSeparatorConfig::default();
    let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
    let sep = WavenetSeparator::new(config.clone(), vb)?;
    let n = (seconds * f64::from(config.sample_rate)) as usize;
    let mut state = 1u64;
    let mix = ndarray::Array2::from_shape_fn((1, n), |_| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
    });
    // One warm-up window, then the timed run.
    sep.separate(mix.slice(ndarray::s![.., ..config.target_field_length]))?;
    let start = std::time::Instant::now();
    let out = sep.separate(mix.view())?;
    let elapsed = start.elapsed().as_secs_f64();
    println!(
        "{} sources, receptive field {} samples, input window {} samples: {seconds} s of 16 kHz mono in {elapsed:.2} s, real-time factor {:.2}",
        out.len(),
        config.receptive_field_length(),
        config.input_length(),
        elapsed / seconds
    );
    Ok(())
}
