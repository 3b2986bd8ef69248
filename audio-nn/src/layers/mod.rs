//! Small layers: linear and MLP, PReLU, gating, LayerScale, FiLM, attention,
//! squeeze-excitation, GELU and softmax.

pub mod attention;
pub mod film;
pub mod gating;
pub mod gelu;
pub mod layer_scale;
pub mod linear;
pub mod prelu;
pub mod softmax;
pub mod squeeze_excitation;
