//! How a plugin author starts with the TCN effect model: open a WAV, run
//! the effect block by block as a host would (`prepare`, then
//! `process_block` per 256-sample block), sweep a control from its minimum
//! to its maximum over the file, and write the result.
//!
//! ```text
//! cargo run --release -p audio-models --example tcn_effect_sweep -- IN.wav OUT.wav [MODEL]
//! ```
//!
//! `MODEL` is a run directory of `audio train tcn-effect` (its `best/`) or
//! a micro-TCN checkpoint; without it, a randomised overdrive (seed 1)
//! whose `x` control is swept.

use audio_models::effects::{OverdriveConfig, TcnEffect};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(input), Some(output)) = (args.first(), args.get(1)) else {
        eprintln!("usage: tcn_effect_sweep IN.wav OUT.wav [MODEL]");
        std::process::exit(2);
    };
    let effect = match args.get(2) {
        Some(dir) if std::path::Path::new(dir).is_dir() => TcnEffect::load(dir)?,
        Some(file) => TcnEffect::load_weights(file, None)?,
        None => TcnEffect::random_overdrive(1, OverdriveConfig::default())?,
    };
    // The swept control: the model's first.
    let control = effect
        .config()
        .params
        .first()
        .cloned()
        .ok_or("the model has no controls")?;
    let audio = audio_io::load::<f32>(
        input,
        &audio_io::LoadOptions {
            sr: None,
            mono: true,
            ..Default::default()
        },
    )?;
    let x = audio.samples.row(0).to_vec();
    const BLOCK: usize = 256;
    let mut proc = effect.processor()?;
    proc.prepare(audio.sample_rate, BLOCK)?;
    let mut y = vec![0f32; x.len()];
    let blocks = x.len().div_ceil(BLOCK).max(1);
    for (b, (xi, yi)) in x.chunks(BLOCK).zip(y.chunks_mut(BLOCK)).enumerate() {
        // Between blocks, as a host delivers a knob's movement; the
        // processor smooths the change.
        let v = control.min + (control.max - control.min) * b as f64 / blocks as f64;
        proc.set_param(&control.name, v)?;
        proc.process_block(&[xi], &mut [yi])?;
    }
    let out = audio_io::Audio {
        samples: ndarray::Array2::from_shape_vec((1, y.len()), y)?,
        sample_rate: audio.sample_rate,
    };
    audio_io::wav::write_wav(output, &out, &Default::default())?;
    println!(
        "swept {} from {} to {} over {} blocks of {BLOCK}; latency {} samples; wrote {output}",
        control.name,
        control.min,
        control.max,
        blocks,
        proc.latency()
    );
    Ok(())
}
