//! `audio eval separation`: BSS Eval scores of WAV stems (`audio-eval`'s
//! `separation` module).
//!
//! Without `--museval` the scores are mir_eval's (`bss_eval_sources`, or
//! `bss_eval_images` with `--images`; `--framewise` for the windowed
//! variants), keyed as `mir_eval.separation.evaluate` keys them
//! (`"Sources - Source to Distortion"`, `"Images Frames - Image to Spatial"`,
//! …). Without `--images` multichannel files are averaged to mono, as
//! `mir_eval.io.load_wav` does. With `--museval` the scores are museval's
//! `evaluate` (v4, or v3 with `--v3`), written like museval's track JSON
//! (`targets` → `frames` → `metrics`, with `+inf` written as NaN as museval's
//! `TrackStore` does) plus the per-target medians. The JSON is
//! `audio-eval`'s ([`BssEvalReport`], [`MusevalReport`]).

use std::path::{Path, PathBuf};

use audio_eval::separation::{
    bss_eval_images, bss_eval_images_framewise, bss_eval_sources, bss_eval_sources_framewise,
    evaluate, BssEvalReport, BssEvalVersion, MusevalConfig, MusevalReport,
};
use clap::Args;
use ndarray::{Array2, Array3};

use crate::{Error, Result};

/// `audio eval separation`.
#[derive(Debug, Args)]
pub struct SeparationArgs {
    /// Reference stems, one WAV per source (same sample rate, channels and
    /// length).
    #[arg(long, num_args = 1.., required = true)]
    reference: Vec<PathBuf>,
    /// Estimated stems, in the same order as the references.
    #[arg(long, num_args = 1.., required = true)]
    estimate: Vec<PathBuf>,
    /// `bss_eval_images` (multichannel, with ISR) instead of `bss_eval_sources`.
    #[arg(long)]
    images: bool,
    /// Windowed scores (`*_framewise`; implied by `--museval`).
    #[arg(long)]
    framewise: bool,
    /// Window in samples (default 30·44100 for mir_eval, 44100 for museval).
    #[arg(long)]
    window: Option<usize>,
    /// Hop in samples (default 15·44100 for mir_eval, 44100 for museval).
    #[arg(long)]
    hop: Option<usize>,
    /// museval's `evaluate` (BSS Eval v4 images, per window, median).
    #[arg(long)]
    museval: bool,
    /// With `--museval`: BSS Eval v3 mode (filters per window).
    #[arg(long)]
    v3: bool,
    /// Match estimate `j` with reference `j` (mir_eval's
    /// `compute_permutation=False`); by default the whole-signal functions
    /// search the best permutation, as mir_eval's `evaluate`.
    #[arg(long)]
    no_permutation: bool,
    /// Write the scores as JSON to this file (printed when absent).
    #[arg(long)]
    json: Option<PathBuf>,
}

/// `(channels, samples)` and sample rate of a WAV file, in f64.
fn read(path: &Path) -> Result<(Array2<f64>, u32)> {
    let file = std::fs::File::open(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    let audio = audio_io::wav::read_wav_as::<f64, _>(std::io::BufReader::new(file))
        .map_err(|e| e.in_file(path))?;
    Ok((audio.samples, audio.sample_rate))
}

/// Stacks the stems into `(sources, samples, channels)`; returns the rate.
fn stack(paths: &[PathBuf]) -> Result<(Array3<f64>, u32)> {
    let mut stems = Vec::with_capacity(paths.len());
    for p in paths {
        stems.push((p, read(p)?));
    }
    let (_, (first, rate)) = &stems[0];
    let (nch, len) = first.dim();
    for (p, (a, r)) in &stems {
        if a.dim() != (nch, len) || r != rate {
            return Err(Error::ShapeMismatch {
                path: (*p).clone(),
                expected: "the channels, length and sample rate of the first stem",
                got: vec![a.nrows(), a.ncols()],
            });
        }
    }
    let out = Array3::from_shape_fn((stems.len(), len, nch), |(s, t, c)| stems[s].1 .0[[c, t]]);
    Ok((out, *rate))
}

/// The channel mean of `(sources, samples, channels)` stems, as
/// `(sources, samples)`; `path` names the stems in the error.
fn downmix(stems: &Array3<f64>, path: &Path) -> Result<Array2<f64>> {
    stems
        .mean_axis(ndarray::Axis(2))
        .ok_or_else(|| Error::ShapeMismatch {
            path: path.to_path_buf(),
            expected: "at least one channel",
            got: vec![0],
        })
}

fn stem_name(p: &Path) -> String {
    p.file_stem().map_or_else(
        || p.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Runs `audio eval separation`.
pub fn run(a: SeparationArgs) -> Result<()> {
    let (refs, rate) = stack(&a.reference)?;
    let (ests, _) = stack(&a.estimate)?;
    let permute = !a.no_permutation;
    let json = if a.museval {
        let config = MusevalConfig {
            window: a.window.unwrap_or(44_100),
            hop: a.hop.unwrap_or(44_100),
            version: if a.v3 {
                BssEvalVersion::V3
            } else {
                BssEvalVersion::V4
            },
            padding: true,
        };
        let s = evaluate(refs.view(), ests.view(), &config)?;
        let names: Vec<String> = a.estimate.iter().map(|p| stem_name(p)).collect();
        MusevalReport::new(&s, config.version, &names, rate)?.to_json()?
    } else {
        let window = a.window.unwrap_or(30 * 44_100);
        let hop = a.hop.unwrap_or(15 * 44_100);
        let report = if a.images {
            if a.framewise {
                BssEvalReport::ImagesFrames(bss_eval_images_framewise(
                    refs.view(),
                    ests.view(),
                    window,
                    hop,
                    false,
                )?)
            } else {
                BssEvalReport::Images(bss_eval_images(refs.view(), ests.view(), permute)?)
            }
        } else {
            let mono = downmix(&refs, &a.reference[0])?;
            let mono_est = downmix(&ests, &a.estimate[0])?;
            if a.framewise {
                BssEvalReport::SourcesFrames(bss_eval_sources_framewise(
                    mono.view(),
                    mono_est.view(),
                    window,
                    hop,
                    false,
                )?)
            } else {
                BssEvalReport::Sources(bss_eval_sources(mono.view(), mono_est.view(), permute)?)
            }
        };
        report.to_json()?
    };
    crate::eval_commands::write_json(a.json.as_deref(), json)
}
