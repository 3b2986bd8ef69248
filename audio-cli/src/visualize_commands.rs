//! `audio visualize-filters`: pictures of what a trained waveform tagger
//! learned (first-layer filters, their frequency responses, activation
//! maximisation, squeeze-excitation activations per label).

use std::path::{Path, PathBuf};

use audio_dsp::{amplitude_to_db, DbReference, Stft, StftConfig, Transform};
use audio_io::picture::{specshow, waveform, FrequencyAxis, SpecshowOptions, WaveformOptions};
use audio_models::datasets::{ClassificationDataset, Split};
use audio_models::tagging::visualize::{
    excitations_by_label, first_layer_filters, frequency_responses, maximize_class, order_by_peak,
    ActivationMaximization,
};
use audio_models::tagging::Tagger;
use audio_models::training::BEST_DIR;
use audio_models::Dataset;
use clap::Args;
use ndarray::{Array2, Axis};

use crate::{Error, Result};

/// Arguments of `audio visualize-filters`.
#[derive(Debug, Args)]
pub struct VisualizeArgs {
    /// A run directory or checkpoint of a waveform tagger (samplecnn,
    /// samplecnn-se, sincnet-samplecnn).
    #[arg(long)]
    model: PathBuf,
    /// Output folder for the PNGs.
    #[arg(short, long)]
    output: PathBuf,
    /// Labels to maximise (activation maximisation); default: the first.
    #[arg(long = "class", value_delimiter = ',')]
    classes: Vec<String>,
    /// Gradient-ascent steps.
    #[arg(long, default_value_t = 100)]
    steps: usize,
    /// Gradient-ascent step: the input moves by this RMS per step.
    #[arg(long, default_value_t = 5e-4)]
    lr: f32,
    /// A classification dataset: squeeze-excitation activations per label
    /// over its clips (SampleCNN+SE only).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The dataset split for `--data`.
    #[arg(long, default_value = "test")]
    split: Split,
}

fn db_spectrogram(x: &[f32]) -> Result<Array2<f32>> {
    let stft = Stft::<f32>::new(StftConfig {
        n_fft: 1024,
        hop_length: Some(256),
        ..StftConfig::default()
    })?;
    let s = stft.process(x)?.mapv(|z| z.norm());
    Ok(amplitude_to_db(
        s.view(),
        DbReference::Max,
        1e-5,
        Some(80.0),
    )?)
}

fn save(img: &audio_io::picture::Image, dir: &Path, name: &str) -> Result<()> {
    let path = dir.join(name);
    img.save_png(&path)?;
    println!("{}", path.display());
    Ok(())
}

/// Runs `audio visualize-filters`.
///
/// # Errors
///
/// Loading the model or dataset; a non-waveform model; writing the PNGs.
pub fn run(args: VisualizeArgs) -> Result<()> {
    let dir = if args.model.join(BEST_DIR).is_dir() {
        args.model.join(BEST_DIR)
    } else {
        args.model.clone()
    };
    let tagger = Tagger::load(&dir)?;
    let sr = tagger.config().sample_rate;
    std::fs::create_dir_all(&args.output).map_err(|source| Error::File {
        path: args.output.clone(),
        source,
    })?;
    let filters = first_layer_filters(&tagger)?;
    let n_fft = filters.ncols().next_power_of_two().max(512);
    let responses = frequency_responses(&filters, n_fft)?;
    let order = order_by_peak(&responses);

    // Eight filters spread over the peak-frequency order, one lane each.
    let m = order.len().min(8);
    let picks: Vec<usize> = (0..m)
        .map(|i| order[i * (order.len() - 1) / (m - 1).max(1)])
        .collect();
    let lanes = filters.select(Axis(0), &picks);
    let peak = lanes.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
    let img = waveform(
        &lanes.mapv(|v| v / peak),
        sr,
        &WaveformOptions {
            width: 600,
            height: 60,
            ..WaveformOptions::default()
        },
    )?;
    save(&img, &args.output, "filters.png")?;

    // Responses: one column per filter (low to high peak), frequency up.
    let sorted = responses.select(Axis(0), &order);
    let img = specshow(
        &sorted.t().to_owned(),
        &SpecshowOptions {
            y_axis: FrequencyAxis::Linear,
            sr,
            hop_length: 1,
            axes: true,
            vmin: Some(sorted.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) - 60.0),
            width: 600,
            height: 300,
            colorbar: Some("dB".into()),
            x_label: Some("filter, by peak frequency".into()),
            ..SpecshowOptions::default()
        },
    )?;
    save(&img, &args.output, "responses.png")?;

    let labels = tagger.config().labels.clone();
    let classes = if args.classes.is_empty() {
        labels.iter().take(1).cloned().collect()
    } else {
        args.classes.clone()
    };
    for name in &classes {
        let class = labels.iter().position(|l| l == name).ok_or_else(|| {
            audio_models::Error::InvalidParameter {
                name: "class",
                value: name.clone(),
                expected: "one of the model's labels",
            }
        })?;
        let settings = ActivationMaximization {
            steps: args.steps,
            lr: args.lr,
            ..ActivationMaximization::default()
        };
        let (x, history) = maximize_class(&tagger, class, &settings)?;
        println!(
            "{name}: logit {:.3} -> {:.3} over {} steps",
            history.first().copied().unwrap_or(f32::NAN),
            history.last().copied().unwrap_or(f32::NAN),
            history.len()
        );
        let peak = x.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-12);
        let wave = Array2::from_shape_vec((1, x.len()), x.iter().map(|v| v / peak).collect())
            .map_err(|_| audio_models::Error::Empty { what: "segment" })?;
        let img = waveform(&wave, sr, &WaveformOptions::default())?;
        save(&img, &args.output, &format!("maximized_{name}_wave.png"))?;
        let img = specshow(
            &db_spectrogram(&x)?,
            &SpecshowOptions {
                y_axis: FrequencyAxis::Linear,
                sr,
                hop_length: 256,
                colorbar: Some("dB".into()),
                ..SpecshowOptions::default()
            },
        )?;
        save(
            &img,
            &args.output,
            &format!("maximized_{name}_spectrum.png"),
        )?;
    }

    if let Some(root) = &args.data {
        let data = ClassificationDataset::open(root, args.split)?;
        let mut clips = Vec::with_capacity(data.len());
        for i in 0..data.len() {
            let (samples, label) = data.get(i)?;
            clips.push((audio_io::to_mono(&samples).row(0).to_vec(), label));
        }
        let blocks = excitations_by_label(&tagger, &clips)?;
        for (b, e) in blocks
            .iter()
            .enumerate()
            .filter(|(b, _)| *b + 1 == blocks.len() || *b == 2)
        {
            let img = specshow(
                &e.t().to_owned(),
                &SpecshowOptions {
                    colormap: audio_io::picture::Colormap::Viridis,
                    sr: 1,
                    hop_length: 1,
                    axes: true,
                    width: 40 * e.nrows(),
                    height: 256,
                    colorbar: Some("excitation".into()),
                    x_label: Some("label".into()),
                    ..SpecshowOptions::default()
                },
            )?;
            save(
                &img,
                &args.output,
                &format!("excitation_block{}.png", b + 1),
            )?;
        }
        println!("excitation columns (left to right): {}", labels.join(", "));
    }
    Ok(())
}
