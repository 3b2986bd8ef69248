//! Opens every split of the datasets that `tools/datasets/` writes with the
//! audio-models layout readers (which validate the whole tree: stems,
//! pairs, sample rates, lengths) and prints what each holds; every melody
//! file (MIDI or `**kern`) is decoded into notes.
//!
//! ```text
//! cargo run --release -p audio-models --example check_datasets -- /work/data
//! ```
//!
//! `ROOT` holds `separation/`, `classification/`, `transcription/`,
//! `melody/`, `denoising/` and `effects/`; a missing one is reported and
//! skipped, a malformed one is an error.

use audio_models::datasets::{
    ClassificationDataset, DenoisingDataset, EffectsDataset, MelodyDataset, SeparationDataset,
    TranscriptionDataset,
};
use audio_models::training::Dataset;
use audio_models::Split;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    for split in Split::ALL {
        let dir = |name: &str| root.join(name);
        if dir("separation").is_dir() {
            let d = SeparationDataset::open(dir("separation"), split)?;
            println!(
                "separation     {split:5}: {} songs, sources {:?}, {} Hz",
                d.len(),
                d.sources(),
                d.sample_rate()
            );
        }
        if dir("classification").is_dir() {
            let d = ClassificationDataset::open(dir("classification"), split)?;
            println!("classification {split:5}: {} clips", d.len());
        }
        if dir("transcription").is_dir() {
            let d = TranscriptionDataset::open(dir("transcription"), split)?;
            println!("transcription  {split:5}: {} pieces", d.len());
        }
        if dir("melody").is_dir() {
            let d = MelodyDataset::open(dir("melody"), split)?;
            // Decode every file (`.mid` and `**kern`) into notes.
            let mut notes = 0;
            for i in 0..d.len() {
                notes += d.notes(i)?.len();
            }
            println!(
                "melody         {split:5}: {} melodies, {notes} notes",
                d.len()
            );
        }
        if dir("denoising").is_dir() {
            let d = DenoisingDataset::open(dir("denoising"), split)?;
            println!("denoising      {split:5}: {} pairs", d.len());
        }
        if dir("effects").is_dir() {
            let d = EffectsDataset::open(dir("effects"), split)?;
            println!("effects        {split:5}: {} pairs", d.len());
        }
    }
    Ok(())
}
