//! Small layers: linear and MLP, PReLU, gating, LayerScale, FiLM,
//! squeeze-excitation and softmax.

pub mod film;
pub mod gating;
pub mod layer_scale;
pub mod linear;
pub mod prelu;
pub mod softmax;
pub mod squeeze_excitation;
