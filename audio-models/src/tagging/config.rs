//! The architecture names and the configuration a tagging network is built
//! from (saved in checkpoints, so a trained run rebuilds itself).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The tagging and classification networks (serialised by
/// [`Architecture::name`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Architecture {
    /// SampleCNN (Lee et al. 2017): eleven `Conv_1d` blocks on the waveform.
    #[serde(rename = "samplecnn")]
    SampleCnn,
    /// SampleCNN with residual squeeze-excitation blocks (Kim et al. 2018).
    #[serde(rename = "samplecnn-se")]
    SampleCnnSe,
    /// SampleCNN whose first layer is SincNet's band-pass sinc convolution
    /// (Ravanelli & Bengio 2018).
    #[serde(rename = "sincnet-samplecnn")]
    SincnetSampleCnn,
    /// The short-chunk CNN (Won et al. 2020): seven `Conv_2d` blocks on a
    /// dB mel spectrogram.
    #[serde(rename = "short-chunk-cnn")]
    ShortChunkCnn,
    /// The short-chunk CNN with `Res_2d` blocks.
    #[serde(rename = "short-chunk-cnn-res")]
    ShortChunkCnnRes,
    /// Seed 000's VGG-style genre CNN: four stacks of 3×3 convolutions with
    /// ReLU and max-pooling, three dense layers, on a mel spectrogram.
    #[serde(rename = "vgg-mel")]
    VggMel,
}

impl Architecture {
    /// Every architecture, in the order of the CLI's help.
    pub const ALL: [Architecture; 6] = [
        Architecture::SampleCnn,
        Architecture::SampleCnnSe,
        Architecture::SincnetSampleCnn,
        Architecture::ShortChunkCnn,
        Architecture::ShortChunkCnnRes,
        Architecture::VggMel,
    ];

    /// The name used on the command line and in checkpoints.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::SampleCnn => "samplecnn",
            Architecture::SampleCnnSe => "samplecnn-se",
            Architecture::SincnetSampleCnn => "sincnet-samplecnn",
            Architecture::ShortChunkCnn => "short-chunk-cnn",
            Architecture::ShortChunkCnnRes => "short-chunk-cnn-res",
            Architecture::VggMel => "vgg-mel",
        }
    }

    /// Parses [`Architecture::name`].
    ///
    /// # Errors
    ///
    /// [`Error::UnknownArchitecture`] listing the known names.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| Error::UnknownArchitecture {
                name: name.to_string(),
                known: Self::ALL.map(Architecture::name).join(", "),
            })
    }

    /// Whether the network reads the waveform directly (the SampleCNNs)
    /// rather than a mel spectrogram.
    pub fn is_waveform(self) -> bool {
        matches!(
            self,
            Architecture::SampleCnn | Architecture::SampleCnnSe | Architecture::SincnetSampleCnn
        )
    }
}

/// SampleCNN's channel widths in `sota-music-tagging-models`, layers 1-11.
pub const SAMPLE_CNN_WIDTHS: [usize; 11] = [128, 128, 128, 256, 256, 256, 256, 256, 256, 512, 512];

/// SampleCNN's input: `3^10 = 59049` samples (3.69 s at 16 kHz, 2.68 s at
/// 22.05 kHz), which its stride-3 first layer and nine pools of 3 reduce to
/// one frame.
pub const SAMPLE_CNN_INPUT: usize = 59049;

/// Everything a tagging network is built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaggerConfig {
    /// Which network.
    pub architecture: Architecture,
    /// The output labels (their count is the number of outputs).
    pub labels: Vec<String>,
    /// Multi-label tagging (independent sigmoids, binary cross-entropy) or
    /// single-label classification (softmax, cross-entropy).
    pub multi_label: bool,
    /// The sample rate the network expects, in Hz.
    pub sample_rate: u32,
    /// Samples per segment (the network's fixed input length).
    pub input_length: usize,
    /// SampleCNN's eleven channel widths.
    pub widths: Vec<usize>,
    /// The mel CNNs' base width (`n_channels`: 128 in the reference).
    pub n_channels: usize,
    /// SincNet's filter length (odd), for [`Architecture::SincnetSampleCnn`].
    pub sinc_kernel: usize,
    /// Mel front end: FFT size.
    pub n_fft: usize,
    /// Mel front end: hop between frames.
    pub hop_length: usize,
    /// Mel front end: number of bands.
    pub n_mels: usize,
    /// Mel front end: lowest frequency in Hz.
    pub f_min: f64,
    /// Mel front end: highest frequency in Hz.
    pub f_max: f64,
    /// Dropout before the output layer (0.5 in the reference).
    pub dropout: f64,
}

impl TaggerConfig {
    /// The reference's configuration of `architecture` with `n_class`
    /// outputs: `sota-music-tagging-models` defaults (16 kHz, 59049-sample
    /// segments, multi-label; short-chunk mel: `n_fft` 512, hop 256, 128
    /// bands up to 8 kHz, 128 channels). The VGG-style CNN (not in the
    /// reference) reads 128 mel bands (`n_fft` 2048, hop 512) with base
    /// width 16. Labels are `"0"`, `"1"`, ...
    pub fn reference(architecture: Architecture, n_class: usize) -> Self {
        let vgg = architecture == Architecture::VggMel;
        Self {
            architecture,
            labels: (0..n_class).map(|i| i.to_string()).collect(),
            multi_label: true,
            sample_rate: 16000,
            input_length: SAMPLE_CNN_INPUT,
            widths: SAMPLE_CNN_WIDTHS.to_vec(),
            n_channels: if vgg { 16 } else { 128 },
            sinc_kernel: 251,
            n_fft: if vgg { 2048 } else { 512 },
            hop_length: if vgg { 512 } else { 256 },
            n_mels: 128,
            f_min: 0.0,
            f_max: 8000.0,
            dropout: 0.5,
        }
    }

    /// The number of outputs.
    pub fn n_class(&self) -> usize {
        self.labels.len()
    }

    /// Checks the fields that every architecture shares.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, expected: &'static str| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if self.labels.is_empty() {
            return bad("labels", "[]".into(), "at least one label");
        }
        if self.sample_rate == 0 {
            return bad("sample_rate", "0".into(), "> 0 Hz");
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad("dropout", self.dropout.to_string(), "in [0, 1)");
        }
        if self.architecture.is_waveform() && self.widths.len() != 11 {
            return bad(
                "widths",
                format!("{:?}", self.widths),
                "eleven channel widths",
            );
        }
        if self.widths.contains(&0) || self.n_channels == 0 {
            return bad("widths", format!("{:?}", self.widths), "positive widths");
        }
        if self.architecture == Architecture::SincnetSampleCnn && self.sinc_kernel.is_multiple_of(2)
        {
            return bad("sinc_kernel", self.sinc_kernel.to_string(), "an odd length");
        }
        if !self.architecture.is_waveform() {
            if self.n_fft < 2 || self.hop_length == 0 || self.input_length <= self.n_fft / 2 {
                return bad(
                    "n_fft",
                    format!(
                        "{} (hop {}, input {})",
                        self.n_fft, self.hop_length, self.input_length
                    ),
                    "n_fft >= 2, hop > 0 and an input longer than n_fft / 2",
                );
            }
            if !(self.f_min >= 0.0 && self.f_max > self.f_min) {
                return bad("f_max", self.f_max.to_string(), "above f_min >= 0");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_serialise_as_themselves() {
        for a in Architecture::ALL {
            assert_eq!(Architecture::parse(a.name()).ok(), Some(a));
            let json = serde_json::to_string(&a).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", a.name()));
        }
        assert!(Architecture::parse("resnet").is_err());
    }
}
