//! Converts every Open-Unmix `.pth` checkpoint of a directory (e.g. the
//! Zenodo files `vocals-b62c91ce.pth`, ...) to `<target>.safetensors` beside
//! it, after checking each against the model's key names and shapes.
//!
//! `cargo run --release -p audio-models --example umx_convert -- DIR`

use audio_models::open_unmix::convert_to_safetensors;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: umx_convert DIR")?;
    let mut files: Vec<_> = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pth"))
        .collect();
    files.sort();
    for pth in files {
        let stem = pth.file_stem().and_then(|s| s.to_str()).unwrap_or("model");
        let target = stem.split('-').next().unwrap_or(stem);
        let out = pth.with_file_name(format!("{target}.safetensors"));
        let config = convert_to_safetensors(&pth, &out)?;
        println!(
            "{} -> {} (hidden {}, {} layers, {} channels, max_bin {})",
            pth.display(),
            out.display(),
            config.hidden_size,
            config.nb_layers,
            config.nb_channels,
            config.input_bins()
        );
    }
    Ok(())
}
