//! Small layers: linear and MLP, PReLU, gating, LayerScale, FiLM and squeeze-excitation.

pub mod film;
pub mod gating;
pub mod layer_scale;
pub mod linear;
pub mod prelu;
pub mod squeeze_excitation;
