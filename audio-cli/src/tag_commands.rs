//! `audio tag`: labels with their probabilities, per segment and for the
//! track, from a tagging or classification network.

use std::path::{Path, PathBuf};

use audio_io::npy::{read_npy, Precision};
use audio_models::tagging::{Aggregation, Architecture, SegmentPlan, Tagger};
use audio_models::training::BEST_DIR;
use clap::Args;

use crate::{Error, Result};

/// Arguments of `audio tag`.
#[derive(Debug, Args)]
pub struct TagArgs {
    /// Audio file (WAV, FLAC, MP3, Ogg; resampled to the model's rate and
    /// mixed to mono) or a `.npy` waveform already at the model's rate
    /// (`(samples,)` or `(channels, samples)`).
    input: PathBuf,
    /// The network: samplecnn, samplecnn-se, sincnet-samplecnn,
    /// short-chunk-cnn, short-chunk-cnn-res or vgg-mel. Required with a
    /// reference weight file; checked against a checkpoint's.
    #[arg(long)]
    arch: Option<String>,
    /// A run directory or checkpoint of `audio train` (its `best/` is
    /// used), or the reference's `.pth` / `.safetensors` state dict.
    #[arg(long)]
    model: PathBuf,
    /// Label names, one per line, for a reference weight file (default:
    /// the output indices).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Segments: `covering` (the fewest full segments over the track),
    /// `consecutive`, or `spread:N` (the reference's N evenly spread
    /// segments).
    #[arg(long, default_value = "covering")]
    segments: String,
    /// Track score: the mean or the maximum over segments.
    #[arg(long, value_enum, default_value = "mean")]
    aggregate: AggregateArg,
    /// Labels printed, most probable first.
    #[arg(long, default_value_t = 5)]
    top: usize,
    /// Write every segment's and the track's probabilities as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// `--aggregate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AggregateArg {
    /// Mean over segments.
    Mean,
    /// Maximum over segments.
    Max,
}

fn plan(text: &str) -> Result<SegmentPlan> {
    match text {
        "covering" => Ok(SegmentPlan::Covering),
        "consecutive" => Ok(SegmentPlan::Consecutive),
        _ => text
            .strip_prefix("spread:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .map(|chunks| SegmentPlan::Spread { chunks })
            .ok_or_else(|| Error::Usage {
                message: "--segments takes covering, consecutive or spread:N with N > 0",
            }),
    }
}

fn load_tagger(args: &TagArgs) -> Result<Tagger> {
    let arch = args.arch.as_deref().map(Architecture::parse).transpose()?;
    if args.model.is_dir() {
        let dir = if args.model.join(BEST_DIR).is_dir() {
            args.model.join(BEST_DIR)
        } else {
            args.model.clone()
        };
        let tagger = Tagger::load(&dir)?;
        if let Some(a) = arch {
            if a != tagger.config().architecture {
                return Err(audio_models::Error::InvalidParameter {
                    name: "arch",
                    value: a.name().to_string(),
                    expected: "the architecture the checkpoint was trained as",
                }
                .into());
            }
        }
        return Ok(tagger);
    }
    let Some(arch) = arch else {
        return Err(audio_models::Error::InvalidParameter {
            name: "arch",
            value: format!("none for {}", args.model.display()),
            expected: "--arch with a reference weight file (a checkpoint directory names its own)",
        }
        .into());
    };
    let tagger = Tagger::from_reference(arch, &args.model)?;
    let Some(path) = &args.labels else {
        return Ok(tagger);
    };
    let text = std::fs::read_to_string(path).map_err(|source| Error::File {
        path: path.clone(),
        source,
    })?;
    let labels: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if labels.len() != tagger.config().n_class() {
        return Err(audio_models::Error::InvalidParameter {
            name: "labels",
            value: format!("{} labels in {}", labels.len(), path.display()),
            expected: "one label per output of the model",
        }
        .into());
    }
    Ok(tagger.with_labels(labels)?)
}

fn is_npy(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"))
}

/// A `.npy` waveform input as mono samples (a `(channels, samples)` array
/// is averaged over its channels).
fn read_npy_input(path: &Path) -> Result<Vec<f32>> {
    let floats = read_npy(path)?.into_floats()?;
    let array = match floats {
        Precision::F32(a) => a,
        Precision::F64(a) => a.mapv(|v| v as f32),
    };
    match array.ndim() {
        1 => Ok(array.iter().copied().collect()),
        2 => Ok(array
            .mean_axis(ndarray::Axis(0))
            .map(|m| m.iter().copied().collect())
            .unwrap_or_default()),
        _ => Err(audio_models::Error::InvalidParameter {
            name: "input",
            value: format!("{} of shape {:?}", path.display(), array.shape()),
            expected: "a .npy waveform of shape (samples,) or (channels, samples)",
        }
        .into()),
    }
}

/// Runs `audio tag`.
///
/// # Errors
///
/// Usage errors; loading the model or the input; the network's errors.
pub fn run(args: TagArgs) -> Result<()> {
    let plan = plan(&args.segments)?;
    let tagger = load_tagger(&args)?;
    let aggregation = match args.aggregate {
        AggregateArg::Mean => Aggregation::Mean,
        AggregateArg::Max => Aggregation::Max,
    };
    let report = if is_npy(&args.input) {
        tagger.tag(&read_npy_input(&args.input)?, plan, aggregation)?
    } else {
        // An audio file is decoded and resampled block by block, never held.
        let rate = tagger.config().sample_rate;
        let mut file = audio_models::mixture_source::FileMixture::open_mono(&args.input, rate)?;
        tagger.tag_source(&mut file, plan, aggregation)?
    };
    println!(
        "{} ({}), {} segments of {:.2} s",
        args.input.display(),
        tagger.config().architecture.name(),
        report.segments.len(),
        tagger.config().input_length as f64 / f64::from(tagger.config().sample_rate)
    );
    for (label, p) in report.ranked().into_iter().take(args.top) {
        println!("{p:.4}  {label}");
    }
    crate::write_json_file(&report, args.json.as_deref())?;
    Ok(())
}
