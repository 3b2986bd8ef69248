//! [`TfMaskNet`]: stacked (peephole) LSTMs over magnitude frames, a dense
//! layer per output, and the time-frequency soft-masking layer.

use audio_nn::{Linear, Lstm, LstmConfig, LstmState};
use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::config::TfMaskConfig;
use crate::{Error, Result};

/// Added to every dense output before the masks are formed, so that the
/// masks are defined (and still sum to one) where every output is zero.
pub const MASK_FLOOR: f64 = 1e-4;

/// The seed-001 separator's network (after Huang et al. 2014, "Deep
/// learning for monaural speech separation"; seed 001's "LSTM cells,
/// hidden layer, time-frequency masking layer"): for a magnitude
/// spectrogram `X` (frames × bins),
///
/// ```text
/// h      = LSTM_L(…LSTM_1(log(1 + X)))            (peephole cells)
/// ŷ_k    = ReLU(W_k h + b_k)                       k = 1…K outputs
/// m_k    = (ŷ_k + ε) / Σ_j (ŷ_j + ε)               ε = MASK_FLOOR
/// Ŝ_k    = m_k ⊙ X                                 Σ_k Ŝ_k = X
/// ```
///
/// so the estimates always sum to the mixture (the seed's "two outputs
/// that combined give the initial signal" for `K = 2`). Keys: `lstm.*`
/// (`torch.nn.LSTM`'s names, plus `weight_c{i,f,o}_l{k}` for the
/// peepholes) and `dense.weight` `(K·bins, H·D)`, `dense.bias`.
///
/// # Shapes
///
/// `(batch, frames, bins)` magnitudes → `(batch, K, frames, bins)`
/// estimated magnitudes.
///
/// # Example
///
/// ```
/// use audio_models::tf_mask::{TfMaskConfig, TfMaskNet};
/// use candle_core::{DType, Device, Tensor};
/// let config = TfMaskConfig { n_fft: 64, hop_length: 16, hidden_size: 8, ..Default::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let net = TfMaskNet::new(&config, vb)?;
/// let x = Tensor::ones((1, 10, 33), DType::F32, &Device::Cpu)?;
/// let y = net.forward(&x)?;
/// assert_eq!(y.dims(), &[1, 2, 10, 33]);
/// let total = y.sum(1)?; // the outputs sum to the mixture
/// assert!((total.sub(&x)?.abs()?.max_all()?.to_scalar::<f32>()?) < 1e-5);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct TfMaskNet {
    lstm: Lstm,
    dense: Linear,
    outputs: usize,
    bins: usize,
}

impl TfMaskNet {
    /// Builds or loads the network.
    ///
    /// # Errors
    ///
    /// As [`TfMaskConfig::validate`]; weight errors naming the key.
    pub fn new(config: &TfMaskConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let bins = config.bins();
        let lstm = Lstm::new(
            LstmConfig {
                num_layers: config.num_layers,
                batch_first: true,
                bidirectional: config.bidirectional,
                peephole: config.peephole,
                ..LstmConfig::new(bins, config.hidden_size)
            },
            vb.pp("lstm"),
        )?;
        let directions = if config.bidirectional { 2 } else { 1 };
        let outputs = config.outputs().len();
        let dense = Linear::new(
            config.hidden_size * directions,
            outputs * bins,
            true,
            vb.pp("dense"),
        )?;
        Ok(Self {
            lstm,
            dense,
            outputs,
            bins,
        })
    }

    /// The masked estimates of `x` (magnitudes).
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for another input shape; candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.forward_with_state(x, None)?.0)
    }

    /// [`TfMaskNet::forward`] from the LSTM's `state` (zeros when `None`),
    /// with the state after the last frame: a unidirectional model run
    /// over consecutive stretches of frames gives the estimates of one run
    /// over all of them.
    ///
    /// # Errors
    ///
    /// As [`TfMaskNet::forward`]; a state of the wrong shape.
    pub fn forward_with_state(
        &self,
        x: &Tensor,
        state: Option<&LstmState>,
    ) -> Result<(Tensor, LstmState)> {
        let dims = x.dims();
        if dims.len() != 3 || dims[2] != self.bins || dims[1] == 0 {
            return Err(Error::ShapeMismatch {
                what: "T-F mask input",
                expected: format!("(batch, frames ≥ 1, {})", self.bins),
                got: dims.to_vec(),
            });
        }
        let (b, t, f) = (dims[0], dims[1], dims[2]);
        let features = (x + 1.0)?.log()?;
        // The LSTM takes its fused loop when nothing is tracked, its
        // differentiable form otherwise.
        let (h, state) = self.lstm.forward_with_state(&features, state)?;
        let y = self
            .dense
            .apply(&h)?
            .relu()?
            .affine(1.0, MASK_FLOOR)?
            .reshape((b, t, self.outputs, f))?;
        let masks = y.broadcast_div(&y.sum_keepdim(2)?)?;
        let est = masks.broadcast_mul(&x.unsqueeze(2)?)?;
        Ok((est.permute((0, 2, 1, 3))?.contiguous()?, state))
    }

    /// Output count `K`.
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// Frequency bins.
    pub fn bins(&self) -> usize {
        self.bins
    }
}
