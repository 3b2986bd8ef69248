//! `audio train` / `audio evaluate` for the classification architectures:
//! the tagging networks and the MFCC baseline.

use std::path::{Path, PathBuf};

use audio_models::datasets::{ClassificationDataset, Split};
use audio_models::tagging::{
    evaluate as evaluate_classifier, Architecture, ClassificationEvaluation, MfccBaseline,
    MfccBaselineConfig, TagOptimizer, TagTrainConfig, Tagger, TaggerConfig,
};
use audio_models::training::BEST_DIR;

use crate::train_commands::TrainArgs;
use crate::{Error, Result};

/// The MFCC baseline's architecture name.
pub const MFCC_BASELINE: &str = "mfcc-logreg";
/// The file the MFCC baseline is saved in, inside the run directory.
pub const MFCC_BASELINE_FILE: &str = "mfcc-logreg.json";

/// `--optimizer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OptimizerArg {
    /// Adam.
    Adam,
    /// SGD with momentum 0.9.
    Sgd,
}

/// Trains the classification architecture `arch` on `data` into `out`.
///
/// # Errors
///
/// Dataset, configuration and trainer errors.
pub fn train(args: &TrainArgs, arch: &str, data: &Path, out: &Path) -> Result<()> {
    let train_set = ClassificationDataset::open(data, Split::Train)?;
    if arch == MFCC_BASELINE {
        let model = MfccBaseline::fit(&train_set, MfccBaselineConfig::default())?;
        std::fs::create_dir_all(out).map_err(|source| Error::File {
            path: out.to_path_buf(),
            source,
        })?;
        model.save(out.join(MFCC_BASELINE_FILE))?;
        println!("MFCC baseline: {}", out.join(MFCC_BASELINE_FILE).display());
        return Ok(());
    }
    let valid_set = ClassificationDataset::open(data, Split::Valid)?;
    let architecture = Architecture::parse(arch)?;
    let mut model = TaggerConfig::reference(architecture, train_set.labels().len());
    if let Some(w) = &args.widths {
        model.widths.clone_from(w);
    }
    if let Some(c) = args.channels {
        model.n_channels = c;
    }
    model.multi_label = args.multi_label;
    let mut config = TagTrainConfig::new(model);
    config.epochs = args.epochs;
    config.batch_size = args.batch_size_or(crate::train_commands::DEFAULT_BATCH_SIZE);
    config.lr = args.lr;
    config.weight_decay = args.weight_decay;
    config.optimizer = match args.optimizer {
        OptimizerArg::Adam => TagOptimizer::Adam,
        OptimizerArg::Sgd => TagOptimizer::Sgd,
    };
    config.seed = args.seed;
    config.patience = Some(args.patience);
    config.time_limit_seconds = args.minutes.map(|m| m * 60.0);
    config.progress = true;
    config.resume = args.resume;
    let report = audio_models::tagging::train(&train_set, &valid_set, &config, out)?;
    let best = report.best.map_or_else(
        || "-".to_string(),
        |(e, v)| format!("epoch {e} (valid loss {v:.4})"),
    );
    println!(
        "{arch}: {} epochs{}, best {best}; checkpoint {}",
        report.epochs,
        if report.out_of_time {
            ", time limit"
        } else {
            ""
        },
        out.join(BEST_DIR).display()
    );
    Ok(())
}

fn print_scores(name: &str, split: Split, e: &ClassificationEvaluation) {
    let c = &e.classification;
    let t = &e.tagging;
    println!(
        "{name} on {split}: {} clips",
        c.support.iter().sum::<usize>()
    );
    println!(
        "accuracy {:.4}, macro F1 {:.4}, macro ROC-AUC {:.4}, macro PR-AUC {:.4}",
        c.accuracy, c.macro_f1, t.macro_roc_auc, t.macro_average_precision
    );
    println!("| label | precision | recall | F1 | ROC-AUC | support |");
    println!("|---|---|---|---|---|---|");
    for (i, &class) in c.classes.iter().enumerate() {
        let label = e.labels.get(class).map_or("?", String::as_str);
        println!(
            "| {label} | {:.3} | {:.3} | {:.3} | {:.3} | {} |",
            c.precision[i],
            c.recall[i],
            c.f1[i],
            t.roc_auc.get(class).copied().unwrap_or(f64::NAN),
            c.support[i]
        );
    }
}

/// Scores a trained classification model (a run directory or its `best/`
/// checkpoint; the baseline's run directory) on `split` of `data`.
///
/// # Errors
///
/// Loading and metric errors.
pub fn evaluate(
    model: &Path,
    arch: &str,
    data: &Path,
    split: Split,
    json: Option<&Path>,
) -> Result<()> {
    let set = ClassificationDataset::open(data, split)?;
    let evaluation = if arch == MFCC_BASELINE {
        let path = if model.is_dir() {
            model.join(MFCC_BASELINE_FILE)
        } else {
            model.to_path_buf()
        };
        evaluate_classifier(&MfccBaseline::load(path)?, &set)?
    } else {
        let dir: PathBuf = if model.join(BEST_DIR).is_dir() {
            model.join(BEST_DIR)
        } else {
            model.to_path_buf()
        };
        let tagger = Tagger::load(&dir)?;
        if tagger.config().architecture.name() != arch {
            return Err(audio_models::Error::InvalidParameter {
                name: "arch",
                value: arch.to_string(),
                expected: "the architecture the checkpoint was trained as",
            }
            .into());
        }
        evaluate_classifier(&tagger, &set)?
    };
    print_scores(arch, split, &evaluation);
    crate::write_json_file(&evaluation, json)?;
    Ok(())
}
