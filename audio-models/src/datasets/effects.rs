//! `ROOT/<split>/<id>.{dry,wet}.wav` + `<id>.json`: audio-effect examples.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ndarray::Array2;

use super::{
    check_index, check_nonempty, check_same, file_name, list_dir, load_audio, split_dir,
    wav_header, RateCheck, Split,
};
use crate::error::{Error, Result};
use crate::training::Dataset;

/// An effect's parameters: a JSON object of numbers, by name.
pub type EffectParams = BTreeMap<String, f64>;

/// The three files of an example, by their name suffixes.
const PARTS: [&str; 3] = [".dry.wav", ".wet.wav", ".json"];

/// An audio-effects split: each example is `<id>.dry.wav`, the processed
/// `<id>.wet.wav`, and `<id>.json` holding the effect's parameters as a JSON
/// object of numbers (`{"gain_db": -6.0, "ratio": 4}`).
///
/// Every example must have all three files; dry and wet must have the same
/// channels and length, and every file the split's sample rate. The
/// parameters are parsed when opening. An item is `(dry, wet, params)`, the
/// audio `(channels, samples)`.
///
/// ```no_run
/// use audio_models::datasets::{EffectsDataset, Split};
/// use audio_models::Dataset;
///
/// let comp = EffectsDataset::open("compressor", Split::Valid)?;
/// let (dry, wet, params) = comp.get(0)?;
/// assert_eq!(dry.dim(), wet.dim());
/// println!("{params:?}");
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct EffectsDataset {
    dir: PathBuf,
    split: Split,
    ids: Vec<String>,
    params: Vec<EffectParams>,
    sample_rate: u32,
}

impl EffectsDataset {
    /// Opens and validates split `split` of the tree at `root`, reading WAV
    /// headers and the JSON parameters.
    ///
    /// # Errors
    ///
    /// [`Error::MissingSplit`] without `root/<split>`; [`Error::EmptySplit`]
    /// when it holds no example; [`Error::MissingPair`] for an example that
    /// lacks one of its three files (`path` one it has, `expected` the
    /// missing one); [`Error::DatasetJson`] for parameters that are not a
    /// JSON object of numbers; [`Error::SampleRateMismatch`],
    /// [`Error::ChannelMismatch`], [`Error::LengthMismatch`] for a wet file
    /// that differs from its dry one (or a rate from the split's);
    /// [`Error::File`] or [`Error::Io`] for an unreadable folder, JSON file
    /// or WAV header.
    pub fn open(root: impl AsRef<Path>, split: Split) -> Result<Self> {
        let root = root.as_ref();
        let dir = split_dir(root, split)?;
        let mut present: [BTreeSet<String>; 3] = Default::default();
        for path in list_dir(&dir)?.into_iter().filter(|p| p.is_file()) {
            let name = file_name(&path);
            for (part, set) in PARTS.iter().zip(present.iter_mut()) {
                if let Some(id) = name.strip_suffix(part) {
                    set.insert(id.to_string());
                }
            }
        }
        let all: BTreeSet<String> = present.iter().flatten().cloned().collect();
        for id in &all {
            let has = |i: usize| present.get(i).is_some_and(|s| s.contains(id));
            if let Some(missing) = (0..PARTS.len()).find(|&i| !has(i)) {
                let found = (0..PARTS.len()).find(|&i| has(i)).unwrap_or(0);
                return Err(Error::MissingPair {
                    path: dir.join(format!("{id}{}", PARTS[found])),
                    expected: dir.join(format!("{id}{}", PARTS[missing])),
                });
            }
        }
        check_nonempty(root, split, all.len())?;
        let mut rate = RateCheck::default();
        let mut params = Vec::with_capacity(all.len());
        for id in &all {
            let dry_path = dir.join(format!("{id}.dry.wav"));
            let dry = wav_header(&dry_path)?;
            rate.check(&dry_path, &dry)?;
            let wet_path = dir.join(format!("{id}.wet.wav"));
            check_same(&wet_path, &wav_header(&wet_path)?, &dry)?;
            params.push(read_params(&dir.join(format!("{id}.json")))?);
        }
        Ok(Self {
            dir,
            split,
            ids: all.into_iter().collect(),
            params,
            sample_rate: rate.rate(),
        })
    }

    /// The split.
    pub fn split(&self) -> Split {
        self.split
    }

    /// The example ids, sorted; example `i` is item `i`.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// The parameters of each example.
    pub fn params(&self) -> &[EffectParams] {
        &self.params
    }

    /// The sample rate of every file of the split, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The `(dry, wet)` paths of example `index`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an index out of range.
    pub fn paths(&self, index: usize) -> Result<(PathBuf, PathBuf)> {
        check_index(index, self.ids.len())?;
        let id = &self.ids[index];
        Ok((
            self.dir.join(format!("{id}.dry.wav")),
            self.dir.join(format!("{id}.wet.wav")),
        ))
    }
}

impl Dataset for EffectsDataset {
    /// `(dry, wet, params)`, the audio `(channels, samples)`.
    type Item = (Array2<f32>, Array2<f32>, EffectParams);

    fn len(&self) -> usize {
        self.ids.len()
    }

    fn get(&self, index: usize) -> Result<Self::Item> {
        let (dry, wet) = self.paths(index)?;
        Ok((
            load_audio(&dry)?,
            load_audio(&wet)?,
            self.params[index].clone(),
        ))
    }
}

fn read_params(path: &Path) -> Result<EffectParams> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| Error::DatasetJson {
        path: path.to_path_buf(),
        source,
    })
}
