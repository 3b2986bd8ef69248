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
//! `audio-eval`'s ([`BssEvalReport`], [`MusevalReport`]). The stems are read
//! block by block (`audio-eval`'s `*_blocks` functions), so a long track
//! needs no more memory than a short one.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use audio_eval::separation::{
    bss_eval_images_blocks, bss_eval_images_framewise_blocks, bss_eval_sources_blocks,
    bss_eval_sources_framewise_blocks, evaluate_blocks, BssEvalReport, BssEvalVersion,
    MusevalConfig, MusevalReport, StemBlocks,
};
use audio_io::wav::WavReader;
use clap::Args;

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

/// One group of stems (references or estimates): a streaming WAV reader per
/// file, all of one rate and channel count, read in step.
struct WavGroup {
    paths: Vec<PathBuf>,
    readers: Vec<WavReader<BufReader<File>>>,
    rate: u32,
    channels: usize,
    /// Average the channels into one (mir_eval's `load_wav`).
    downmix: bool,
    interleaved: Vec<f64>,
}

fn open(path: &Path) -> Result<WavReader<BufReader<File>>> {
    let file = File::open(path).map_err(|source| Error::File {
        path: path.to_path_buf(),
        source,
    })?;
    WavReader::new(BufReader::new(file)).map_err(|e| e.in_file(path).into())
}

impl WavGroup {
    fn new(paths: &[PathBuf], downmix: bool) -> Result<Self> {
        let readers = paths.iter().map(|p| open(p)).collect::<Result<Vec<_>>>()?;
        let first = readers[0].spec();
        for (p, r) in paths.iter().zip(&readers) {
            let spec = r.spec();
            if spec.channels != first.channels || spec.sample_rate != first.sample_rate {
                return Err(Error::ShapeMismatch {
                    path: p.clone(),
                    expected: "the channels and sample rate of the first stem",
                    got: vec![usize::from(spec.channels), spec.sample_rate as usize],
                });
            }
        }
        Ok(Self {
            paths: paths.to_vec(),
            readers,
            rate: first.sample_rate,
            channels: usize::from(first.channels),
            downmix,
            interleaved: Vec::new(),
        })
    }

    /// Channels per source as the evaluation sees them.
    fn shape(&self) -> (usize, usize) {
        let channels = if self.downmix { 1 } else { self.channels };
        (self.paths.len(), channels)
    }

    fn rewind(&mut self) -> Result<()> {
        for (r, p) in self.readers.iter_mut().zip(&self.paths) {
            *r = open(p)?;
        }
        Ok(())
    }

    /// Reads up to `max` frames of every stem into
    /// `out[source · channels + channel]`; every stem must give as many.
    fn read(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize> {
        let nch = self.channels;
        let (_, out_ch) = self.shape();
        let mut count = None;
        for (s, (reader, path)) in self.readers.iter_mut().zip(&self.paths).enumerate() {
            let n = reader
                .read_interleaved(&mut self.interleaved, max)
                .map_err(|e| e.in_file(path))?;
            if *count.get_or_insert(n) != n {
                return Err(Error::ShapeMismatch {
                    path: path.clone(),
                    expected: "the length of the first stem",
                    got: vec![nch, n],
                });
            }
            let frames = self.interleaved.chunks_exact(nch);
            if self.downmix {
                let dst = &mut out[s];
                dst.clear();
                // ndarray's `mean_axis`: the sum from zero, then divided.
                dst.extend(frames.map(|f| f.iter().fold(0.0, |a, v| a + v) / nch as f64));
            } else {
                for c in 0..out_ch {
                    let dst = &mut out[s * out_ch + c];
                    dst.clear();
                    dst.extend(self.interleaved.chunks_exact(nch).map(|f| f[c]));
                }
            }
        }
        Ok(count.unwrap_or(0))
    }
}

/// The reference and estimate stems of `audio eval separation`, read from
/// their WAV files block by block as `audio-eval`'s passes ask.
struct WavStems {
    references: WavGroup,
    estimates: WavGroup,
}

impl WavStems {
    fn open(a: &SeparationArgs, downmix: bool) -> Result<Self> {
        let references = WavGroup::new(&a.reference, downmix)?;
        let estimates = WavGroup::new(&a.estimate, downmix)?;
        if estimates.rate != references.rate {
            return Err(Error::ShapeMismatch {
                path: a.estimate[0].clone(),
                expected: "the sample rate of the references",
                got: vec![estimates.rate as usize],
            });
        }
        Ok(Self {
            references,
            estimates,
        })
    }
}

impl StemBlocks for WavStems {
    type Error = Error;

    fn reference_shape(&self) -> (usize, usize) {
        self.references.shape()
    }

    fn estimate_shape(&self) -> (usize, usize) {
        self.estimates.shape()
    }

    fn rewind(&mut self) -> Result<()> {
        self.references.rewind()?;
        self.estimates.rewind()
    }

    fn read_references(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize> {
        self.references.read(out, max)
    }

    fn read_estimates(&mut self, out: &mut [Vec<f64>], max: usize) -> Result<usize> {
        self.estimates.read(out, max)
    }
}

fn stem_name(p: &Path) -> String {
    p.file_stem().map_or_else(
        || p.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Runs `audio eval separation`: the stems are read block by block, in two
/// or three passes, so memory does not grow with their length.
pub fn run(a: SeparationArgs) -> Result<()> {
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
        let mut stems = WavStems::open(&a, false)?;
        let s = evaluate_blocks(&mut stems, &config)?;
        let names: Vec<String> = a.estimate.iter().map(|p| stem_name(p)).collect();
        MusevalReport::new(&s, config.version, &names, stems.references.rate)?.to_json()?
    } else {
        let window = a.window.unwrap_or(30 * 44_100);
        let hop = a.hop.unwrap_or(15 * 44_100);
        let mut stems = WavStems::open(&a, !a.images)?;
        let report = match (a.images, a.framewise) {
            (true, true) => BssEvalReport::ImagesFrames(bss_eval_images_framewise_blocks(
                &mut stems, window, hop, false,
            )?),
            (true, false) => BssEvalReport::Images(bss_eval_images_blocks(&mut stems, permute)?),
            (false, true) => BssEvalReport::SourcesFrames(bss_eval_sources_framewise_blocks(
                &mut stems, window, hop, false,
            )?),
            (false, false) => BssEvalReport::Sources(bss_eval_sources_blocks(&mut stems, permute)?),
        };
        report.to_json()?
    };
    crate::eval_commands::write_json(a.json.as_deref(), json)
}
