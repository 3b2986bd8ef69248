//! Parametric ReLU, `torch.nn.PReLU`.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

use crate::checks;
use crate::Result;

const LAYER: &str = "PRelu";

/// `y = max(0, x) + a · min(0, x)` with one slope `a` per channel (axis 1) or
/// one shared slope, `torch.nn.PReLU(num_parameters, init=0.25)`.
///
/// Weight: `weight` `(num_parameters)`, init 0.25.
///
/// # Shapes
///
/// `(batch, C, *)` (or any shape with a single shared slope).
///
/// ```
/// use audio_nn::PRelu;
/// use candle_core::{DType, Device, Module, Tensor};
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let p = PRelu::new(1, vb)?;
/// let y = p.forward(&Tensor::new(&[-4f32, 2.], &Device::Cpu)?)?;
/// assert_eq!(y.to_vec1::<f32>()?, vec![-1., 2.]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct PRelu {
    weight: Tensor,
    num_parameters: usize,
}

impl PRelu {
    /// `num_parameters` slopes (1 = shared, else the channel count).
    ///
    /// # Errors
    ///
    /// [`crate::Error::InvalidParameter`] for 0; weight errors naming the key.
    pub fn new(num_parameters: usize, vb: VarBuilder) -> Result<Self> {
        checks::config(
            LAYER,
            "num_parameters",
            num_parameters,
            num_parameters > 0,
            "> 0",
        )?;
        let weight = checks::weight(&vb, LAYER, "weight", &[num_parameters], Init::Const(0.25))?;
        Ok(Self {
            weight,
            num_parameters,
        })
    }

    /// The slopes as one value per channel of a `channels`-channel input.
    pub(crate) fn slopes(&self, channels: usize) -> Result<Tensor> {
        Ok(if self.num_parameters == 1 {
            self.weight.broadcast_as(channels)?.contiguous()?
        } else {
            checks::channels(LAYER, self.num_parameters, channels)?;
            self.weight.clone()
        })
    }

    /// [`Module::forward`] with this crate's error type.
    ///
    /// # Errors
    ///
    /// [`crate::Error::InputRank`] / [`crate::Error::ChannelMismatch`] for per-channel slopes.
    pub fn apply(&self, x: &Tensor) -> Result<Tensor> {
        let neg = x.minimum(0.0)?;
        let pos = x.maximum(0.0)?;
        let a = if self.num_parameters == 1 {
            self.weight.reshape(vec![1; x.rank()])?
        } else {
            checks::channels_first(LAYER, self.num_parameters, x)?;
            let d = x.dims();
            let mut s = vec![1; d.len()];
            s[1] = self.num_parameters;
            self.weight.reshape(s)?
        };
        Ok(pos.add(&neg.broadcast_mul(&a)?)?)
    }
}

impl Module for PRelu {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.apply(x).map_err(candle_core::Error::wrap)
    }
}
