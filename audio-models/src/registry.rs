//! The architectures that train through the shared
//! [`Trainer`](crate::training::Trainer), by name: what `audio train --list`
//! prints and what `audio train <arch>` / `audio evaluate <arch>` accept.
//! Each model issue adds its entry here.

use crate::error::{Error, Result};

/// The task an architecture solves, which fixes its dataset layout
/// ([`crate::datasets`]) and its metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Task {
    /// Source separation: `ROOT/<split>/<song>/{mixture,<source>…}.wav`;
    /// museval SDR.
    Separation,
    /// Classification: `ROOT/<split>/<label>/*.wav`; accuracy, ROC-AUC.
    Classification,
    /// Transcription: `ROOT/<split>/<piece>.{wav,mid}`; note F-measure.
    Transcription,
    /// Melody generation: `ROOT/<split>/*.{krn,mid}`; cross-entropy.
    Melody,
    /// Denoising: `ROOT/<split>/{clean,noisy}/<id>.wav`; MSE.
    Denoising,
    /// Effect modelling: `ROOT/<split>/<id>.{dry,wet}.wav`; ESR.
    Effects,
    /// Resynthesis of one monophonic instrument from f0 and loudness: the
    /// transcription layout `ROOT/<split>/<song>.{wav,mid}` (MIDI unused);
    /// spectral convergence and log-STFT distance.
    Resynthesis,
    /// Vocoding, mel spectrogram to waveform: the transcription layout
    /// `ROOT/<split>/<song>.{wav,mid}` (MIDI unused); spectral convergence
    /// and log-STFT distance against Griffin-Lim on the same mel.
    Vocoding,
}

impl Task {
    /// The task's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Separation => "separation",
            Task::Classification => "classification",
            Task::Transcription => "transcription",
            Task::Melody => "melody",
            Task::Denoising => "denoising",
            Task::Effects => "effects",
            Task::Resynthesis => "resynthesis",
            Task::Vocoding => "vocoding",
        }
    }
}

/// One trainable architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Architecture {
    /// Its name on the command line and in checkpoints (`arch`).
    pub name: &'static str,
    /// The task (dataset layout and metrics).
    pub task: Task,
    /// One line on what it is.
    pub summary: &'static str,
}

/// Every registered architecture.
pub const ARCHITECTURES: &[Architecture] = &[
    Architecture {
        name: crate::open_unmix::ARCHITECTURE,
        task: Task::Separation,
        summary:
            "Open-Unmix (Stöter et al. 2019): BiLSTM magnitude-mask model, one per target source",
    },
    Architecture {
        name: crate::demucs::ARCHITECTURE,
        task: Task::Separation,
        summary: "Demucs (Défossez et al. 2019): waveform U-Net with a BiLSTM, all sources at once",
    },
    Architecture {
        name: crate::wave_u_net::ARCHITECTURE,
        task: Task::Separation,
        summary: "Wave-U-Net (Stoller et al. 2018): waveform U-Net of valid convolutions, all sources at once",
    },
    Architecture {
        name: crate::wavenet_separator::ARCHITECTURE,
        task: Task::Separation,
        summary: "Wavenet separator (Lluís et al. 2019): non-causal dilated Wavenet, waveform regression",
    },
    Architecture {
        name: crate::tf_mask::ARCHITECTURE,
        task: Task::Separation,
        summary: "LSTM T-F mask separator (seed 001): peephole LSTMs, soft masks summing to the mixture",
    },
    Architecture {
        name: "samplecnn",
        task: Task::Classification,
        summary: "SampleCNN (Lee et al. 2017): sample-level 1-D CNN on the waveform",
    },
    Architecture {
        name: "samplecnn-se",
        task: Task::Classification,
        summary: "SampleCNN with residual squeeze-excitation blocks (Kim et al. 2018)",
    },
    Architecture {
        name: "sincnet-samplecnn",
        task: Task::Classification,
        summary: "SampleCNN with SincNet's band-pass sinc filters as first layer",
    },
    Architecture {
        name: "short-chunk-cnn",
        task: Task::Classification,
        summary: "Short-chunk CNN (Won et al. 2020): VGG-like 2-D CNN on a dB mel spectrogram",
    },
    Architecture {
        name: "short-chunk-cnn-res",
        task: Task::Classification,
        summary: "Short-chunk CNN with residual blocks (Won et al. 2020)",
    },
    Architecture {
        name: "vgg-mel",
        task: Task::Classification,
        summary: "Seed 000's VGG-style genre CNN on mel spectrograms",
    },
    Architecture {
        name: crate::effects::ARCHITECTURE,
        task: Task::Effects,
        summary: "micro-TCN (Steinmetz & Reiss 2022): dilated TCN with FiLM from the effect's parameters",
    },
    Architecture {
        name: crate::frame_mlp::ARCHITECTURE,
        task: Task::Transcription,
        summary: "Seed 004's piano transcriber: 7-frame log-mel window, 4 x 500 MLP, 88 sigmoids",
    },
    Architecture {
        name: crate::melody::ARCHITECTURE,
        task: Task::Melody,
        summary: "Seed 002's melody generator: one-hot 16th-note symbols, LSTM, softmax over the next symbol",
    },
    Architecture {
        name: crate::wavenet::ARCHITECTURE,
        task: Task::Classification,
        summary: "WaveNet (van den Oord et al. 2016): mu-law next-sample model on labelled audio, conditioned on the label",
    },
    Architecture {
        name: crate::denoiser::ARCHITECTURES[0],
        task: Task::Denoising,
        summary: "Seed 002's deep convolutional autoencoder: noisy -> clean dB spectrogram image, Griffin-Lim back",
    },
    Architecture {
        name: crate::denoiser::ARCHITECTURES[1],
        task: Task::Denoising,
        summary: "Seed 002's variational autoencoder (alpha * MSE + KL): noisy -> clean dB spectrogram image",
    },
    Architecture {
        name: crate::ddsp::ARCHITECTURE,
        task: Task::Resynthesis,
        summary: "DDSP (Engel et al. 2020): f0 + loudness -> RNN decoder -> harmonic + filtered-noise synthesiser",
    },
    Architecture {
        name: crate::vocoder::ARCHITECTURE,
        task: Task::Vocoding,
        summary: "MelGAN (Kumar et al. 2019): log-mel -> upsampling conv generator, multi-scale discriminator, hinge + feature matching (+ MR-STFT)",
    },
    Architecture {
        name: "mfcc-logreg",
        task: Task::Classification,
        summary: "Baseline: MFCC means and deviations, multinomial logistic regression",
    },
];

/// The architecture named `name`.
///
/// ```
/// use audio_models::registry::{architecture, Task};
/// assert_eq!(architecture("open-unmix")?.task, Task::Separation);
/// assert!(architecture("nope").is_err());
/// # Ok::<(), audio_models::Error>(())
/// ```
///
/// # Errors
///
/// [`Error::UnknownArchitecture`] for a name that is not registered.
pub fn architecture(name: &str) -> Result<&'static Architecture> {
    ARCHITECTURES
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::UnknownArchitecture {
            name: name.to_string(),
            known: ARCHITECTURES
                .iter()
                .map(|a| a.name)
                .collect::<Vec<_>>()
                .join(", "),
        })
}
