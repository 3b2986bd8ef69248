//! A separator's museval SDR on a separation split, against the
//! "estimate = mixture" baseline.

use audio_eval::separation::{evaluate, MusevalConfig};
use ndarray::{Array2, Array3};

use crate::datasets::SeparationDataset;
use crate::error::{Error, Result};
use crate::traits::Separator;

/// One song's scores.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SongScores {
    /// The song folder.
    pub song: String,
    /// Median SDR per target over the song's windows (dB), in
    /// [`SeparationScores::targets`] order.
    pub sdr: Vec<f64>,
    /// The same for the mixture as every estimate (the baseline).
    pub mixture_sdr: Vec<f64>,
}

/// A separator's scores on a split.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeparationScores {
    /// The separator's targets that the split holds.
    pub targets: Vec<String>,
    /// Per song.
    pub songs: Vec<SongScores>,
}

impl SeparationScores {
    /// The mean over songs of each target's SDR, and of its baseline,
    /// `(sdr, mixture_sdr)` per target (NaN songs skipped).
    #[allow(clippy::cast_precision_loss, reason = "song counts < 2^53")]
    pub fn means(&self) -> Vec<(f64, f64)> {
        let mean = |f: &dyn Fn(&SongScores) -> f64| {
            let v: Vec<f64> = self.songs.iter().map(f).filter(|x| !x.is_nan()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        (0..self.targets.len())
            .map(|j| (mean(&|s| s.sdr[j]), mean(&|s| s.mixture_sdr[j])))
            .collect()
    }
}

fn stack(v: &[Array2<f32>]) -> Result<Array3<f64>> {
    let (c, n) = v.first().map_or((0, 0), Array2::dim);
    if v.iter().any(|a| a.dim() != (c, n)) {
        return Err(Error::ShapeMismatch {
            what: "separation estimates",
            expected: format!("({c}, {n}) for each source"),
            got: v.iter().flat_map(|a| a.shape().to_vec()).collect(),
        });
    }
    Ok(Array3::from_shape_fn((v.len(), n, c), |(s, t, ch)| {
        f64::from(v[s][[ch, t]])
    }))
}

/// Separates every song of `data` with `separator` and scores each of the
/// separator's targets that the split holds with museval (`config`; v4,
/// 1 s windows by default), median over windows, as `museval.eval_mus_track`;
/// the baseline scores the mixture as every target's estimate. Audio is
/// loaded at the separator's rate (resampled if needed).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when the split holds none of the separator's
/// targets; decoding errors; the separator's and the metric's errors.
pub fn evaluate_separator(
    separator: &dyn Separator,
    data: &SeparationDataset,
    config: &MusevalConfig,
) -> Result<SeparationScores> {
    let all = separator.targets();
    let targets: Vec<(usize, String)> = all
        .iter()
        .enumerate()
        .filter(|(_, t)| data.sources().contains(t))
        .map(|(i, t)| (i, t.clone()))
        .collect();
    if targets.is_empty() {
        return Err(Error::InvalidParameter {
            name: "targets",
            value: all.join(","),
            expected: "a separator with at least one target among the split's sources",
        });
    }
    let options = audio_io::LoadOptions {
        sr: Some(separator.sample_rate()),
        mono: false,
        ..audio_io::LoadOptions::default()
    };
    let mut songs = Vec::with_capacity(data.songs().len());
    for (i, song) in data.songs().iter().enumerate() {
        let load = |stem: &str| -> Result<Array2<f32>> {
            Ok(audio_io::load::<f32>(data.stem_path(i, stem)?, &options)?.samples)
        };
        let mixture = load("mixture")?;
        let estimates = separator.separate(mixture.view())?;
        let mut refs = Vec::with_capacity(targets.len());
        let mut ests = Vec::with_capacity(targets.len());
        for (j, t) in &targets {
            refs.push(load(t)?);
            ests.push(estimates.get(*j).cloned().ok_or(Error::ShapeMismatch {
                what: "separator output",
                expected: format!("{} estimates", all.len()),
                got: vec![estimates.len()],
            })?);
        }
        let r = stack(&refs)?;
        let sdr = evaluate(r.view(), stack(&ests)?.view(), config)?
            .median()
            .sdr;
        let baseline: Vec<Array2<f32>> = targets.iter().map(|_| mixture.clone()).collect();
        let mixture_sdr = evaluate(r.view(), stack(&baseline)?.view(), config)?
            .median()
            .sdr;
        songs.push(SongScores {
            song: song.clone(),
            sdr,
            mixture_sdr,
        });
    }
    Ok(SeparationScores {
        targets: targets.into_iter().map(|(_, t)| t).collect(),
        songs,
    })
}
