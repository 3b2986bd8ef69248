//! The mel CNNs' input: a dB mel spectrogram normalised by one BatchNorm.

use audio_nn::frontend::mel_db::{MelDb, MelDbConfig};
use audio_nn::{BatchNorm, BatchNormConfig};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use super::blocks::{batch_norm, NamedBatchNorm, Pass};
use super::config::TaggerConfig;
use crate::error::{Error, Result};

/// `spec_bn(AmplitudeToDB(MelSpectrogram(x)).unsqueeze(1))`, the
/// reference's first lines of `forward` (torchaudio's transforms, see
/// [`MelDb`]). Key `spec_bn.*`; torchaudio's buffers (`spec.*`) are not
/// read.
///
/// # Shapes
///
/// `(batch, input_length)` → `(batch, 1, n_mels, 1 + input_length / hop)`.
#[derive(Debug, Clone)]
pub struct MelFrontEnd {
    mel: MelDb,
    spec_bn: BatchNorm,
    input_length: usize,
}

impl MelFrontEnd {
    /// Builds the front end of `config`.
    ///
    /// # Errors
    ///
    /// `audio-nn`'s parameter and weight errors.
    pub fn new(config: &TaggerConfig, vb: VarBuilder) -> Result<Self> {
        let mut mel = MelDbConfig::new(
            f64::from(config.sample_rate),
            config.n_fft,
            config.n_mels,
            config.f_min,
            Some(config.f_max),
        );
        mel.hop_length = config.hop_length;
        Ok(Self {
            mel: MelDb::new(mel, DType::F32, &Device::Cpu)?,
            spec_bn: BatchNorm::new_2d(1, BatchNormConfig::default(), vb.pp("spec_bn"))?,
            input_length: config.input_length,
        })
    }

    /// Frames of the spectrogram of one segment.
    pub fn frames(&self) -> usize {
        self.mel.config().frames(self.input_length)
    }

    /// The normalised spectrogram.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] unless `x` is `(batch, input_length)`.
    pub fn forward(&self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let dims = x.dims();
        if dims.len() != 2 || dims[1] != self.input_length {
            return Err(Error::ShapeMismatch {
                what: "mel CNN input",
                expected: format!("(batch, {})", self.input_length),
                got: dims.to_vec(),
            });
        }
        let db = self.mel.forward(&x.to_device(&Device::Cpu)?)?;
        let db = db.to_device(x.device())?.unsqueeze(1)?;
        batch_norm(&self.spec_bn, &db, pass)
    }

    pub(crate) fn batch_norms<'a>(&'a self, out: &mut Vec<NamedBatchNorm<'a>>) {
        out.push(("spec_bn".to_string(), &self.spec_bn));
    }
}
