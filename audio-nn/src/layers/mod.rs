//! Small layers: linear and MLP, PReLU, gating, FiLM and squeeze-excitation.

pub mod film;
pub mod gating;
pub mod linear;
pub mod prelu;
pub mod squeeze_excitation;
