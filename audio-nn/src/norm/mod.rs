//! Normalisation layers: batch, group, instance and layer norm.

pub mod batch_norm;
pub mod group_norm;
pub mod instance_norm;
pub mod layer_norm;
