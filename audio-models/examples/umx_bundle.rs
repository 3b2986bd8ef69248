//! Packs an Open-Unmix model directory (`audio train open-unmix` output:
//! `<target>.safetensors`, `<target>.json`, `separator.json`) into one
//! float16 safetensors file (keys `<target>.<key>`) and one JSON file,
//! the form `OpenUnmixSeparator::from_bundle` reads and the crate embeds.
//!
//! A run directory whose targets have not been exported yet (training
//! still running) is exported from each `<target>/best` first.
//!
//! `cargo run --release -p audio-models --example umx_bundle -- DIR OUT.safetensors OUT.json`

use std::collections::HashMap;

use audio_io::weights::Weights;
use candle_core::{DType, Device, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, out_st, out_json] = args.as_slice() else {
        return Err("usage: umx_bundle DIR OUT.safetensors OUT.json".into());
    };
    let dir = std::path::Path::new(dir);
    for t in ["vocals", "drums", "bass", "other"] {
        let best = dir.join(t).join("best");
        if best.join("checkpoint.json").is_file() && !dir.join(format!("{t}.safetensors")).is_file()
        {
            audio_models::open_unmix::export_checkpoint(&best, dir)?;
        }
    }
    let sep: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("separator.json"))?)?;
    let targets: Vec<String> = match sep.get("targets").and_then(|t| t.as_array()) {
        Some(t) => t
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        None => ["vocals", "drums", "bass", "other"]
            .iter()
            .filter(|t| dir.join(format!("{t}.safetensors")).is_file())
            .map(|t| t.to_string())
            .collect(),
    };
    let mut tensors = HashMap::new();
    let mut args_by_target = serde_json::Map::new();
    for t in &targets {
        let w = Weights::load(dir.join(format!("{t}.safetensors")))?;
        for key in w.keys() {
            let data = w.get(key)?;
            let x = Tensor::from_vec(data.to_f32_vec(), data.shape.as_slice(), &Device::Cpu)?;
            tensors.insert(format!("{t}.{key}"), x.to_dtype(DType::F16)?);
        }
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{t}.json")))?)?;
        args_by_target.insert(t.clone(), json.get("args").cloned().unwrap_or(json));
    }
    candle_core::safetensors::save(&tensors, out_st)?;
    let mut bundle = sep.as_object().cloned().unwrap_or_default();
    bundle.insert("targets".into(), serde_json::json!(targets));
    bundle.insert("args".into(), serde_json::Value::Object(args_by_target));
    std::fs::write(out_json, serde_json::to_string_pretty(&bundle)? + "\n")?;
    println!(
        "{} tensors of {} targets -> {out_st}, {out_json}",
        tensors.len(),
        targets.len()
    );
    Ok(())
}
