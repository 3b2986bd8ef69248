//! The entry points of the fuzz targets in the repository's `fuzz/` folder
//! that read model and dataset files: Demucs `.th` releases, the JSON sidecars (Open-Unmix's
//! `separator.json` and `<target>.json`, the trainer's `checkpoint.json`,
//! the effects dataset's parameters) and the folder layouts of the dataset
//! readers. Every call must return `Ok` or a typed `Err` whatever the files
//! hold: a panic, a hang or an unbounded allocation is a bug.
//!
//! They live here, not in the fuzz crate, so that every input the fuzzer
//! found (`fuzz/regressions/<target>/`) is replayed by a plain `cargo test`
//! (`tests/fuzz_regressions.rs`) through exactly this code. Not a stable API.
//!
//! Both targets write their files into a scratch folder under the system's
//! temporary directory, named after the process, the thread and the target,
//! and removed after every call.

use std::path::{Path, PathBuf};

use audio_dsp::fuzzing::Bytes;
use audio_io::weights::{Dtype, TensorData, Weights};
use candle_core::Device;
use ndarray::Array2;

use crate::datasets::{
    ClassificationDataset, DenoisingDataset, EffectsDataset, MelodyDataset, SeparationDataset,
    Split, TranscriptionDataset,
};
use crate::open_unmix::{OpenUnmixConfig, OpenUnmixSeparator, SeparatorConfig};
use crate::training::{read_checkpoint_info, Dataset};
use crate::Separator;

/// An empty scratch folder for `target` in this process and thread,
/// removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(target: &str) -> Option<Self> {
        let thread = format!("{:?}", std::thread::current().id());
        let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
        let dir = std::env::temp_dir().join(format!(
            "audio-models-fuzz-{}-{thread}-{target}",
            std::process::id()
        ));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).ok()?;
        }
        std::fs::create_dir_all(&dir).ok()?;
        Some(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn write(path: &Path, bytes: &[u8]) -> Option<()> {
    std::fs::create_dir_all(path.parent()?).ok()?;
    std::fs::write(path, bytes).ok()
}

/// A 16-bit PCM WAV of `frames` frames of a ramp.
fn wav_bytes(sample_rate: u32, channels: u16, frames: u32) -> Vec<u8> {
    let data_len = frames * u32::from(channels) * 2;
    let mut b = Vec::with_capacity(44 + data_len as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&sample_rate.to_le_bytes());
    b.extend_from_slice(&(sample_rate * u32::from(channels) * 2).to_le_bytes());
    b.extend_from_slice(&(channels * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames * u32::from(channels) {
        b.extend_from_slice(&((i % 200) as i16 * 100 - 10_000).to_le_bytes());
    }
    b
}

/// A format-0 MIDI file with two notes.
const MIDI: &[u8] = &[
    b'M', b'T', b'h', b'd', 0, 0, 0, 6, 0, 0, 0, 1, 0, 96, b'M', b'T', b'r', b'k', 0, 0, 0, 20, 0,
    0x90, 60, 100, 48, 0x80, 60, 0, 0, 0x90, 64, 100, 48, 0x80, 64, 0, 0, 0xFF, 0x2F, 0,
];

/// A one-part `**kern` melody.
const KERN: &[u8] = b"**kern\n*M4/4\n*k[]\n4c\n4d\n8e\n8f\n2g\n=\n*-\n";

/// The Open-Unmix model of the sidecar target: `n_fft` 32 (17 bins), mono,
/// hidden size 4, one bidirectional layer, every weight 0.01 and unit
/// variances.
fn tiny_open_unmix() -> Option<Vec<u8>> {
    let config = OpenUnmixConfig {
        nb_bins: 17,
        nb_channels: 1,
        hidden_size: 4,
        nb_layers: 1,
        unidirectional: false,
        max_bin: None,
    };
    let mut weights = Weights::default();
    for (name, shape) in config.expected_shapes() {
        let value: f32 = if name.ends_with("running_var") || name.ends_with("scale") {
            1.0
        } else {
            0.01
        };
        let n: usize = shape.iter().product();
        let data = value.to_le_bytes().repeat(n);
        weights.insert(
            name,
            TensorData {
                dtype: Dtype::F32,
                shape,
                data,
            },
        );
    }
    weights.to_safetensors_bytes().ok()
}

/// `model_sidecars`: the bytes, cut at NUL bytes, become `separator.json`
/// and `vocals.json` beside a small Open-Unmix model (which is then loaded
/// and run on 256 samples), `checkpoint.json` of a trainer checkpoint, and
/// the parameters of an effects-dataset pair (which is then read).
pub fn model_sidecars(data: &[u8]) {
    let _ = sidecars(data);
}

/// What [`model_sidecars`] got through: the separator loaded and ran, the
/// checkpoint sidecar parsed, the effects pair was read.
fn sidecars(data: &[u8]) -> Option<(bool, bool, bool)> {
    let scratch = Scratch::new("model_sidecars")?;
    let root = &scratch.0;
    let mut parts = data.split(|&b| b == 0);
    let mut next = || parts.next().unwrap_or_default();
    let (separator, target, checkpoint, params) = (next(), next(), next(), next());

    let model = root.join("umx");
    write(&model.join("vocals.safetensors"), &tiny_open_unmix()?)?;
    write(&model.join("separator.json"), separator)?;
    write(&model.join("vocals.json"), target)?;
    let config = SeparatorConfig {
        niter: 0,
        ..SeparatorConfig::default()
    };
    let separated = OpenUnmixSeparator::from_dir(&model, None, config, &Device::Cpu)
        .and_then(|sep| {
            let mixture = Array2::<f32>::from_shape_fn((1, 256), |(_, t)| (t as f32 * 0.1).sin());
            sep.separate(mixture.view())
        })
        .is_ok();

    let run = root.join("run");
    write(&run.join("checkpoint.json"), checkpoint)?;
    let resumed = read_checkpoint_info(&run).is_ok();

    let effects = root.join("effects").join("train");
    let wav = wav_bytes(8000, 1, 64);
    write(&effects.join("a.dry.wav"), &wav)?;
    write(&effects.join("a.wet.wav"), &wav)?;
    write(&effects.join("a.json"), params)?;
    let paired = EffectsDataset::open(root.join("effects"), Split::Train)
        .and_then(|ds| ds.get(0))
        .is_ok();
    Some((separated, resumed, paired))
}

/// `demucs_th`: the bytes as a Demucs release (`.th`: a zip holding a
/// pickled `{klass, args, kwargs, state}`); a model that loads separates
/// 512 samples of a tone, without shifts.
pub fn demucs_th(data: &[u8]) {
    let _ = demucs_separates(data);
}

fn demucs_separates(data: &[u8]) -> bool {
    let apply = crate::demucs::ApplyConfig {
        shifts: 0,
        ..crate::demucs::ApplyConfig::default()
    };
    let Ok(model) = crate::demucs::Demucs::from_th_bytes(data, apply, &Device::Cpu) else {
        return false;
    };
    let channels = crate::demucs::SegmentModel::audio_channels(model.model());
    let mix = Array2::<f32>::from_shape_fn((channels, 512), |(_, t)| (t as f32 * 0.05).sin());
    model.separate(mix.view()).is_ok()
}

/// `dataset_folders`: the bytes lay out up to 24 files under the three
/// split folders, from names every dataset layout uses (and some it must
/// ignore) and contents among small WAVs of several rates, channel counts
/// and lengths, MIDI, `**kern`, JSON parameters, nothing, and the fuzzer's
/// own bytes; then every dataset reader opens every split and reads its
/// first items.
pub fn dataset_folders(data: &[u8]) {
    let _ = layouts(data);
}

/// The `(reader, split)` pairs of [`dataset_folders`] that opened and read
/// their first items without an error.
fn layouts(data: &[u8]) -> Option<Vec<(&'static str, Split)>> {
    const SPLITS: [&str; 4] = ["train", "valid", "test", "other"];
    const FOLDERS: [&str; 8] = [
        "", "song_a", "song_b", "clean", "noisy", "rock", "jazz", ".git",
    ];
    const NAMES: [&str; 20] = [
        "mixture.wav",
        "vocals.wav",
        "drums.wav",
        "a.wav",
        "b.wav",
        "a.mid",
        "b.mid",
        "a.krn",
        "b.krn",
        "a.dry.wav",
        "a.wet.wav",
        "a.json",
        "b.dry.wav",
        "b.json",
        ".hidden.wav",
        "notes.txt",
        "A.WAV",
        "a",
        "song_a",
        "clean",
    ];
    const RATES: [u32; 4] = [8000, 16000, 22050, 0];

    let scratch = Scratch::new("dataset_folders")?;
    let root = &scratch.0;
    let mut b = Bytes::new(data);
    let files = b.size(23) + 1;
    for _ in 0..files {
        let split = b.pick(&SPLITS);
        let folder = b.pick(&FOLDERS);
        let name = b.pick(&NAMES);
        let contents: Vec<u8> = match b.byte() % 8 {
            0..=2 => {
                let rate = b.pick(&RATES);
                let channels = u16::from(b.byte() % 3);
                let frames = u32::from(b.byte()) * 4;
                wav_bytes(rate, channels, frames)
            }
            3 => MIDI.to_vec(),
            4 => KERN.to_vec(),
            5 => format!("{{\"gain\": {}, \"drive\": 0.5}}", b.byte()).into_bytes(),
            6 => Vec::new(),
            _ => {
                let n = b.size(512);
                b.take(n).to_vec()
            }
        };
        let path = root.join(split).join(folder).join(name);
        if write(&path, &contents).is_none() {
            // A file where a folder should be (or the reverse): keep going,
            // the readers must handle what is there.
            continue;
        }
    }
    let mut read = Vec::new();
    for split in Split::ALL {
        let mut note = |name: &'static str, ok: bool| {
            if ok {
                read.push((name, split));
            }
        };
        note(
            "separation",
            read_some(SeparationDataset::open(root, split)),
        );
        note(
            "classification",
            read_some(ClassificationDataset::open(root, split)),
        );
        note(
            "transcription",
            read_some(TranscriptionDataset::open(root, split)),
        );
        note(
            "melody",
            MelodyDataset::open(root, split)
                .is_ok_and(|ds| (0..ds.len().min(4)).all(|i| ds.notes(i).is_ok())),
        );
        note("denoising", read_some(DenoisingDataset::open(root, split)));
        note("effects", read_some(EffectsDataset::open(root, split)));
    }
    Some(read)
}

/// Opens, then reads up to four items; whether all of that succeeded.
fn read_some<D: Dataset>(dataset: crate::Result<D>) -> bool {
    dataset.is_ok_and(|ds| (0..ds.len().min(4)).all(|i| ds.get(i).is_ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(target: &str, name: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../fuzz/seeds")
            .join(target)
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn the_sidecar_seed_loads_runs_and_reads_everything() {
        // The target reaches past the parsers only if its seed is valid.
        assert_eq!(
            sidecars(&seed("model_sidecars", "valid")),
            Some((true, true, true))
        );
        assert_eq!(sidecars(b"{\0[\0null\0\xff"), Some((false, false, false)));
    }

    #[test]
    fn the_demucs_seed_loads_and_separates() {
        assert!(demucs_separates(&seed("demucs_th", "tiny.th")));
        assert!(!demucs_separates(b"PK\x03\x04 not a zip"));
    }

    #[test]
    fn a_path_in_separator_json_targets_is_refused() {
        let data = b"{\"targets\": [\"../../vocals\"], \"nfft\": 32, \"nhop\": 8}\0{}\0\0";
        assert_eq!(sidecars(data).map(|r| r.0), Some(false));
    }

    #[test]
    fn the_dataset_seed_builds_a_readable_layout_for_every_reader() {
        let read = layouts(&seed("dataset_folders", "layouts")).unwrap();
        for expected in [
            ("separation", Split::Train),
            ("classification", Split::Test),
            ("transcription", Split::Valid),
            ("denoising", Split::Valid),
            ("melody", Split::Test),
            ("effects", Split::Test),
        ] {
            assert!(read.contains(&expected), "{expected:?} not in {read:?}");
        }
    }
}
