//! The melody LSTM: one-hot symbols through LSTM layers and a softmax over
//! the vocabulary (Velardo's `LSTM(256) → Dropout(0.2) → Dense(softmax)`).

use audio_nn::{Linear, Lstm, LstmConfig};
use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

use super::encoding::Vocabulary;
use crate::tagging::Pass;
use crate::{Error, Result};

/// The melody model's configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MelodyLstmConfig {
    /// The symbols (their order is the one-hot order).
    pub vocabulary: Vocabulary,
    /// LSTM cells per layer (the seed: 256).
    pub hidden_size: usize,
    /// LSTM layers.
    pub num_layers: usize,
    /// Dropout on the last LSTM output, in training (the seed: 0.2).
    pub dropout: f64,
    /// Symbols in each input sequence (the seed: 64).
    pub sequence_length: usize,
}

impl MelodyLstmConfig {
    /// The seed's sizes for `vocabulary`: one LSTM layer of 256, dropout 0.2,
    /// sequences of 64.
    pub fn new(vocabulary: Vocabulary) -> Self {
        Self {
            vocabulary,
            hidden_size: 256,
            num_layers: 1,
            dropout: 0.2,
            sequence_length: 64,
        }
    }

    /// Checks the sizes.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a zero size, a dropout outside
    /// `[0, 1)`, or a vocabulary without the delimiter.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("hidden_size", self.hidden_size),
            ("num_layers", self.num_layers),
            ("sequence_length", self.sequence_length),
        ] {
            if v == 0 {
                return Err(Error::InvalidParameter {
                    name,
                    value: "0".into(),
                    expected: "> 0",
                });
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::InvalidParameter {
                name: "dropout",
                value: self.dropout.to_string(),
                expected: "in [0, 1)",
            });
        }
        self.vocabulary.delimiter().map(|_| ())
    }
}

/// The network: `lstm` (`torch.nn.LSTM` names, batch first) and `out`
/// (Linear to the vocabulary).
///
/// # Shapes
///
/// symbol ids `(batch, time)` → logits `(batch, time, vocabulary)`.
#[derive(Debug, Clone)]
pub struct MelodyLstm {
    config: MelodyLstmConfig,
    lstm: Lstm,
    out: Linear,
}

impl MelodyLstm {
    /// Builds (or loads) the layers.
    ///
    /// # Errors
    ///
    /// As [`MelodyLstmConfig::validate`]; a missing or misshapen weight.
    pub fn new(config: MelodyLstmConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let v = config.vocabulary.len();
        let lstm = Lstm::new(
            LstmConfig {
                num_layers: config.num_layers,
                batch_first: true,
                ..LstmConfig::new(v, config.hidden_size)
            },
            vb.pp("lstm"),
        )?;
        let out = Linear::new(config.hidden_size, v, true, vb.pp("out"))?;
        Ok(Self { config, lstm, out })
    }

    /// The configuration.
    pub fn config(&self) -> &MelodyLstmConfig {
        &self.config
    }

    /// One-hot `(batch, time, V)` of ids `(batch × time)`, row-major.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for an id outside the vocabulary.
    pub fn one_hot(&self, ids: &[usize], batch: usize) -> Result<Tensor> {
        let v = self.config.vocabulary.len();
        let t = ids.len() / batch.max(1);
        let mut x = vec![0f32; ids.len() * v];
        for (n, &id) in ids.iter().enumerate() {
            if id >= v {
                return Err(Error::InvalidParameter {
                    name: "symbols",
                    value: id.to_string(),
                    expected: "ids below the vocabulary size",
                });
            }
            x[n * v + id] = 1.0;
        }
        Ok(Tensor::from_vec(x, (batch, t, v), &Device::Cpu)?)
    }

    /// Logits of the symbol after each position; seeded dropout on the LSTM
    /// output in a training pass.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn forward_t(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        let (h, _) = self.lstm.forward_with_state(x, None)?;
        let h = if self.config.dropout > 0.0 {
            pass.dropout(&h, self.config.dropout)?
        } else {
            h
        };
        Ok(self.out.apply(&h)?)
    }

    /// The logits of the symbol after the last position of each sequence
    /// `(batch, V)`.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn next_logits(&self, x: &Tensor, pass: &mut Pass<'_>) -> Result<Tensor> {
        let logits = self.forward_t(x, pass)?;
        let t = logits.dim(1)?;
        Ok(logits.narrow(1, t - 1, 1)?.squeeze(1)?)
    }
}
