//! Fully connected layer, `torch.nn.Linear`, with typed shape errors.

use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;

use crate::checks;
use crate::init::default_uniform;
use crate::{Error, Result};

const LAYER: &str = "Linear";

/// `y = x Wᵀ + b` over the last axis, `torch.nn.Linear`.
///
/// Weights: `weight` `(out_features, in_features)`, `bias` `(out_features)`,
/// PyTorch's default init `U(±1/sqrt(in_features))`.
///
/// # Shapes
///
/// `(*, in_features)` → `(*, out_features)`.
///
/// ```
/// use audio_nn::Linear;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let fc = Linear::new(4, 2, true, vb)?;
/// assert_eq!(fc.forward(&Tensor::zeros((3, 4), DType::F32, &Device::Cpu)?)?.dims(), &[3, 2]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Linear {
    weight: Tensor,
    bias: Option<Tensor>,
    in_features: usize,
}

impl Linear {
    /// Loads (or initialises) `weight` and `bias`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for zero sizes; weight errors naming the key.
    pub fn new(
        in_features: usize,
        out_features: usize,
        bias: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        checks::config(LAYER, "in_features", in_features, in_features > 0, "> 0")?;
        checks::config(LAYER, "out_features", out_features, out_features > 0, "> 0")?;
        let init = default_uniform(in_features);
        let weight = checks::weight(&vb, LAYER, "weight", &[out_features, in_features], init)?;
        let bias = if bias {
            Some(checks::weight(&vb, LAYER, "bias", &[out_features], init)?)
        } else {
            None
        };
        Ok(Self {
            weight,
            bias,
            in_features,
        })
    }

    /// The weight `(out, in)`.
    pub fn weight(&self) -> &Tensor {
        &self.weight
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`Error::InputRank`] for a scalar, [`Error::ChannelMismatch`] when the last axis is not `in_features`.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let d = x.dims().to_vec();
        let Some(&last) = d.last() else {
            return Err(Error::InputRank {
                layer: LAYER,
                expected: 2,
                layout: "(*, in_features)",
                got: 0,
                shape: d,
            });
        };
        checks::channels(LAYER, self.in_features, last)?;
        let lead: usize = d[..d.len() - 1].iter().product();
        let y = x.reshape((lead, last))?.matmul(&self.weight.t()?)?;
        let y = match &self.bias {
            Some(b) => y.broadcast_add(b)?,
            None => y,
        };
        let mut out = d;
        let n = out.len();
        out[n - 1] = self.weight.dim(0)?;
        Ok(y.reshape(out)?)
    }
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}

/// A multi-layer perceptron `Linear → ReLU → Linear → ReLU …`, stored as
/// PyTorch's `nn.Sequential` of interleaved `Linear` and `ReLU`, so the keys are
/// `0.weight`, `0.bias`, `2.weight`, … (the FiLM parameter mapper of
/// Steinmetz & Reiss' micro-TCN, `gen`).
///
/// ```
/// use audio_nn::Mlp;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let mlp = Mlp::new(&[2, 16, 32, 32], true, vb)?;
/// assert_eq!(mlp.forward(&Tensor::zeros((1, 2), DType::F32, &Device::Cpu)?)?.dims(), &[1, 32]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Mlp {
    layers: Vec<Linear>,
    final_relu: bool,
}

impl Mlp {
    /// Layers of sizes `sizes[0] → sizes[1] → …`, ReLU between them and, when
    /// `final_relu`, after the last.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for fewer than two sizes; weight errors naming the key.
    pub fn new(sizes: &[usize], final_relu: bool, vb: VarBuilder) -> Result<Self> {
        checks::config(
            "Mlp",
            "sizes",
            sizes,
            sizes.len() >= 2,
            "at least two sizes",
        )?;
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(i, w)| Linear::new(w[0], w[1], true, vb.pp((2 * i).to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { layers, final_relu })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// As [`Linear::apply`].
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        let n = self.layers.len();
        for (i, l) in self.layers.iter().enumerate() {
            h = l.apply(&h)?;
            if i + 1 < n || self.final_relu {
                h = h.relu()?;
            }
        }
        Ok(h)
    }
}

impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
