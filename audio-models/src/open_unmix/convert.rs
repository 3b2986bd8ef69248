//! `.pth` → safetensors conversion of Open-Unmix checkpoints.

use std::path::Path;

use audio_io::weights::Weights;

use super::model::OpenUnmixConfig;
use crate::Result;

/// Converts an Open-Unmix checkpoint (`.pth` state dict, or safetensors) to
/// safetensors at `output`, keeping the tensors under their own key names
/// (the `bn*.num_batches_tracked` counters included). The checkpoint is
/// checked first: its shape is read with [`OpenUnmixConfig::infer`] and every
/// tensor the model needs must be present with the right shape. Returns that
/// configuration.
///
/// # Errors
///
/// `audio_io` errors reading or writing; [`crate::Error::MissingKey`] /
/// [`crate::Error::WeightShape`] naming the key and shapes.
///
/// # Example
///
/// ```no_run
/// let config = audio_models::open_unmix::convert_to_safetensors(
///     "umxhq/vocals-b62c91ce.pth", "umxhq/vocals.safetensors")?;
/// assert_eq!(config.hidden_size, 512);
/// # Ok::<(), audio_models::Error>(())
/// ```
pub fn convert_to_safetensors(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
) -> Result<OpenUnmixConfig> {
    let weights = Weights::load(input)?;
    let config = OpenUnmixConfig::infer(&weights)?;
    for (key, shape) in config.expected_shapes() {
        let t = weights.get(&key).map_err(|_| crate::Error::MissingKey {
            key: key.clone(),
            expected: shape.clone(),
        })?;
        if t.shape != shape {
            return Err(crate::Error::WeightShape {
                key,
                expected: shape,
                got: t.shape.clone(),
            });
        }
    }
    weights.save_safetensors(output)?;
    Ok(config)
}
