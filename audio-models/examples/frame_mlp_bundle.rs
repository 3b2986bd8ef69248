//! Packs a frame-window transcriber run into the embedded model's files:
//! the layers as float16 and the standardisation as float32 in one
//! safetensors file, and the architecture (`StoredArchitecture`) as JSON.
//!
//! ```sh
//! cargo run --release -p audio-models --example frame_mlp_bundle -- RUN_DIR \
//!     audio-models/weights/frame_mlp_piano.safetensors audio-models/weights/frame_mlp_piano.json
//! ```

use std::collections::HashMap;
use std::path::PathBuf;

use audio_models::frame_mlp::{StoredArchitecture, SCALER_MEAN, SCALER_STD};
use audio_models::training::{read_checkpoint_info, BEST_DIR, WEIGHTS_FILE};
use candle_core::{DType, Device, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [run, weights_out, json_out] = args.as_slice() else {
        return Err("usage: frame_mlp_bundle RUN_DIR OUT.safetensors OUT.json".into());
    };
    let mut dir = PathBuf::from(run);
    if dir.join(BEST_DIR).exists() {
        dir = dir.join(BEST_DIR);
    }
    let info = read_checkpoint_info(&dir)?;
    let stored: StoredArchitecture = serde_json::from_value(info.architecture)?;
    let tensors = candle_core::safetensors::load(dir.join(WEIGHTS_FILE), &Device::Cpu)?;
    let packed: HashMap<String, Tensor> = tensors
        .into_iter()
        .map(|(k, t)| {
            let dtype = if k == SCALER_MEAN || k == SCALER_STD {
                DType::F32
            } else {
                DType::F16
            };
            t.to_dtype(dtype).map(|t| (k, t))
        })
        .collect::<candle_core::Result<_>>()?;
    candle_core::safetensors::save(&packed, weights_out)?;
    std::fs::write(json_out, serde_json::to_string_pretty(&stored)?)?;
    println!("{} tensors -> {weights_out}, {json_out}", packed.len());
    Ok(())
}
