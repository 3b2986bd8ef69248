//! Writes an Open-Unmix model folder with random umxhq-sized weights
//! (hidden size 512, 3 BiLSTM layers, stereo, 2049 bins cropped to 1487;
//! seeded) for the four MUSDB targets, as `audio separate --model DIR`
//! reads it: for memory and speed measurements at the release size when
//! the official weights are not at hand.
//!
//! ```sh
//! cargo run --release -p audio-models --example umx_random_dir -- /tmp/umxhq-random
//! ```

use audio_models::open_unmix::{OpenUnmix, OpenUnmixConfig, MUSDB_TARGETS};
use candle_core::{DType, Device};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: umx_random_dir OUTPUT_DIR")?;
    std::fs::create_dir_all(&dir)?;
    for (seed, target) in MUSDB_TARGETS.iter().enumerate() {
        let store = audio_nn::init::SeededVarMap::new(seed as u64);
        OpenUnmix::new(
            OpenUnmixConfig::umxhq(),
            store.var_builder(DType::F32, &Device::Cpu),
        )?;
        let path = std::path::Path::new(&dir).join(format!("{target}.safetensors"));
        store.varmap().save(&path)?;
        println!("{}", path.display());
    }
    Ok(())
}
