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
//! `TrackStore` does) plus the per-target medians.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use audio_eval::separation::{
    bss_eval_images, bss_eval_images_framewise, bss_eval_sources, bss_eval_sources_framewise,
    evaluate, BssEvalVersion, MusevalConfig,
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
    let audio = audio_io::wav::read_wav_as::<f64, _>(std::io::BufReader::new(file))?;
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
            return Err(Error::InputShape {
                path: (*p).clone(),
                expected: "the channels, length and sample rate of the first stem",
                got: vec![a.nrows(), a.ncols()],
            });
        }
    }
    let out = Array3::from_shape_fn((stems.len(), len, nch), |(s, t, c)| stems[s].1 .0[[c, t]]);
    Ok((out, *rate))
}

/// A float as Python's `json.dump` writes it.
fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        format!("{v:?}")
    }
}

fn list(values: impl IntoIterator<Item = f64>) -> String {
    let v: Vec<String> = values.into_iter().map(number).collect();
    format!("[{}]", v.join(", "))
}

fn int_list(values: &[usize]) -> String {
    let v: Vec<String> = values.iter().map(usize::to_string).collect();
    format!("[{}]", v.join(", "))
}

fn rows(a: &Array2<f64>) -> String {
    let v: Vec<String> = a.outer_iter().map(|r| list(r.iter().copied())).collect();
    format!("[{}]", v.join(", "))
}

fn object(entries: &[(String, String)]) -> String {
    let mut out = String::from("{\n");
    for (i, (k, v)) in entries.iter().enumerate() {
        let sep = if i + 1 == entries.len() { "" } else { "," };
        let _ = writeln!(out, "  {k:?}: {v}{sep}");
    }
    out.push('}');
    out
}

fn perm_rows(p: &[Option<Vec<usize>>], nsrc: usize) -> Array2<f64> {
    Array2::from_shape_fn((nsrc, p.len()), |(j, k)| {
        p[k].as_ref().map_or(f64::NAN, |x| x[j] as f64)
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
    let nsrc = refs.dim().0;
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
        let median = s.median();
        // museval's TrackStore writes +inf as NaN.
        let q = |v: f64| if v.is_infinite() { f64::NAN } else { v };
        let mut targets = Vec::new();
        for j in 0..nsrc {
            let mut frames = Vec::new();
            for k in 0..s.windows() {
                frames.push(format!(
                    "{{\"time\": {}, \"duration\": {}, \"metrics\": {{\"SDR\": {}, \"SIR\": {}, \"SAR\": {}, \"ISR\": {}}}}}",
                    number((k * config.hop) as f64 / f64::from(rate)),
                    number(config.window as f64 / f64::from(rate)),
                    number(q(s.sdr[[j, k]])),
                    number(q(s.sir[[j, k]])),
                    number(q(s.sar[[j, k]])),
                    number(q(s.isr[[j, k]])),
                ));
            }
            targets.push(format!(
                "{{\"name\": {:?}, \"frames\": [\n      {}\n    ], \"median\": {{\"SDR\": {}, \"SIR\": {}, \"SAR\": {}, \"ISR\": {}}}}}",
                stem_name(&a.estimate[j]),
                frames.join(",\n      "),
                number(median.sdr[j]),
                number(median.sir[j]),
                number(median.sar[j]),
                number(median.isr[j]),
            ));
        }
        format!(
            "{{\n  \"mode\": \"{}\",\n  \"win\": {},\n  \"hop\": {},\n  \"targets\": [\n    {}\n  ]\n}}",
            if a.v3 { "v3" } else { "v4" },
            config.window,
            config.hop,
            targets.join(",\n    ")
        )
    } else {
        let window = a.window.unwrap_or(30 * 44_100);
        let hop = a.hop.unwrap_or(15 * 44_100);
        let mut e: Vec<(String, String)> = Vec::new();
        if a.images {
            if a.framewise {
                let s = bss_eval_images_framewise(refs.view(), ests.view(), window, hop, false)?;
                for (k, v) in [
                    ("Source to Distortion", rows(&s.sdr)),
                    ("Image to Spatial", rows(&s.isr)),
                    ("Source to Interference", rows(&s.sir)),
                    ("Source to Artifact", rows(&s.sar)),
                    ("Source permutation", rows(&perm_rows(&s.permutation, nsrc))),
                ] {
                    e.push((format!("Images Frames - {k}"), v));
                }
            } else {
                let s = bss_eval_images(refs.view(), ests.view(), permute)?;
                for (k, v) in [
                    ("Source to Distortion", list(s.sdr)),
                    ("Image to Spatial", list(s.isr)),
                    ("Source to Interference", list(s.sir)),
                    ("Source to Artifact", list(s.sar)),
                    ("Source permutation", int_list(&s.permutation)),
                ] {
                    e.push((format!("Images - {k}"), v));
                }
            }
        } else {
            let mono = refs.mean_axis(ndarray::Axis(2)).ok_or(Error::InputShape {
                path: a.reference[0].clone(),
                expected: "at least one channel",
                got: vec![0],
            })?;
            let mono_est = ests.mean_axis(ndarray::Axis(2)).ok_or(Error::InputShape {
                path: a.estimate[0].clone(),
                expected: "at least one channel",
                got: vec![0],
            })?;
            if a.framewise {
                let s =
                    bss_eval_sources_framewise(mono.view(), mono_est.view(), window, hop, false)?;
                for (k, v) in [
                    ("Source to Distortion", rows(&s.sdr)),
                    ("Source to Interference", rows(&s.sir)),
                    ("Source to Artifact", rows(&s.sar)),
                    ("Source permutation", rows(&perm_rows(&s.permutation, nsrc))),
                ] {
                    e.push((format!("Sources Frames - {k}"), v));
                }
            } else {
                let s = bss_eval_sources(mono.view(), mono_est.view(), permute)?;
                for (k, v) in [
                    ("Source to Distortion", list(s.sdr)),
                    ("Source to Interference", list(s.sir)),
                    ("Source to Artifact", list(s.sar)),
                    ("Source permutation", int_list(&s.permutation)),
                ] {
                    e.push((format!("Sources - {k}"), v));
                }
            }
        }
        object(&e)
    };
    match &a.json {
        Some(path) => std::fs::write(path, json + "\n").map_err(|source| Error::File {
            path: path.clone(),
            source,
        }),
        None => {
            println!("{json}");
            Ok(())
        }
    }
}
