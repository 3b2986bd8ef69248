//! DDSP's decoder on candle: the controls to the synthesisers' parameters.

use audio_nn::{Gru, GruConfig, LayerNorm, Linear};
use candle_core::{Tensor, D};
use candle_nn::VarBuilder;

use super::config::DdspConfig;
use super::features::LOUDNESS_RANGE_DB;
use crate::{Error, Result};

/// DDSP's `exp_sigmoid`: `2 · sigmoid(x)^ln(10) + 1e−7`, a positive
/// scaling with a gentle slope at large inputs.
///
/// # Errors
///
/// Candle errors.
pub fn exp_sigmoid(x: &Tensor) -> Result<Tensor> {
    let s = candle_nn::ops::sigmoid(x)?;
    Ok(((s.log()? * std::f64::consts::LN_10)?.exp()? * 2.0)?.affine(1.0, 1e-7)?)
}

/// One MLP layer: Linear → LayerNorm → leaky ReLU (slope 0.2), DDSP's
/// `fc_stack` layer.
#[derive(Debug)]
struct MlpLayer {
    linear: Linear,
    norm: LayerNorm,
}

#[derive(Debug)]
struct Mlp(Vec<MlpLayer>);

impl Mlp {
    fn new(input: usize, width: usize, layers: usize, vb: &VarBuilder) -> Result<Self> {
        let mut out = Vec::with_capacity(layers);
        let mut size = input;
        for i in 0..layers {
            out.push(MlpLayer {
                linear: Linear::new(size, width, true, vb.pp(format!("{i}.linear")))?,
                norm: LayerNorm::new(&[width], 1e-5, true, vb.pp(format!("{i}.norm")))?,
            });
            size = width;
        }
        Ok(Self(out))
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let mut h = x.clone();
        for layer in &self.0 {
            let z = layer.norm.apply(&layer.linear.apply(&h)?)?;
            h = (z.relu()? - (z.neg()?.relu()? * 0.2)?)?;
        }
        Ok(h)
    }
}

/// The synthesiser controls of a batch of frames.
#[derive(Debug, Clone)]
pub struct SynthControls {
    /// Overall harmonic amplitude `(batch, frames, 1)`.
    pub amplitude: Tensor,
    /// Harmonic distribution `(batch, frames, K)` (not yet normalised).
    pub distribution: Tensor,
    /// Noise band magnitudes `(batch, frames, M)`.
    pub noise: Tensor,
}

/// DDSP's RNN decoder (`RnnFcDecoder`): f0 (as MIDI / 127) and loudness
/// (as `dB / 80 + 1`) each through an MLP, the two concatenated into a GRU,
/// the GRU's output concatenated with both MLP outputs into an output MLP,
/// and a dense layer to `1 + K + M` values scaled by [`exp_sigmoid`]
/// (the noise bands after a −5 shift, DDSP's initial bias).
///
/// Keys: `f0_mlp.{i}.{linear,norm}`, `loudness_mlp.{i}.{linear,norm}`,
/// `gru` (PyTorch's `weight_ih_l0`, ...), `out_mlp.{i}.{linear,norm}`,
/// `dense_out`.
///
/// # Shapes
///
/// `f0_hz`, `loudness_db` `(batch, frames)` → controls per frame.
#[derive(Debug)]
pub struct DdspDecoder {
    config: DdspConfig,
    f0_mlp: Mlp,
    loudness_mlp: Mlp,
    gru: Gru,
    out_mlp: Mlp,
    dense_out: Linear,
}

impl DdspDecoder {
    /// Builds (or loads) the decoder.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: DdspConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let (w, l) = (config.mlp_width, config.mlp_layers);
        let gru = Gru::new(
            GruConfig {
                batch_first: true,
                ..GruConfig::new(2 * w, config.gru_size)
            },
            vb.pp("gru"),
        )?;
        Ok(Self {
            f0_mlp: Mlp::new(1, w, l, &vb.pp("f0_mlp"))?,
            loudness_mlp: Mlp::new(1, w, l, &vb.pp("loudness_mlp"))?,
            gru,
            out_mlp: Mlp::new(config.gru_size + 2 * w, w, l, &vb.pp("out_mlp"))?,
            dense_out: Linear::new(w, config.outputs(), true, vb.pp("dense_out"))?,
            config,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &DdspConfig {
        &self.config
    }

    /// The decoder's inputs: `hz_to_midi(f0) / 127` and `dB / 80 + 1`,
    /// each `(batch, frames, 1)`.
    ///
    /// # Errors
    ///
    /// Candle errors.
    pub fn scaled_inputs(f0_hz: &Tensor, loudness_db: &Tensor) -> Result<(Tensor, Tensor)> {
        // 12·log2(f/440) + 69 with f floored at 1 Hz.
        let midi = ((f0_hz.clamp(1.0, 1e5)?.log()? * (12.0 / std::f64::consts::LN_2))?
            + (69.0 - 12.0 * 440f64.log2()))?;
        Ok((
            (midi / 127.0)?.unsqueeze(2)?,
            (loudness_db / LOUDNESS_RANGE_DB)?
                .affine(1.0, 1.0)?
                .unsqueeze(2)?,
        ))
    }

    /// The synthesiser controls of a batch of frames.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] when the two inputs differ in shape or are
    /// not `(batch, frames)`; candle errors.
    pub fn forward(&self, f0_hz: &Tensor, loudness_db: &Tensor) -> Result<SynthControls> {
        Ok(self.forward_with_state(f0_hz, loudness_db, None)?.0)
    }

    /// [`DdspDecoder::forward`] from the GRU's state `h` (zeros when
    /// `None`), with the state after the last frame: consecutive stretches
    /// of frames run one after another give the controls of one run over
    /// all of them (within float rounding).
    ///
    /// # Errors
    ///
    /// As [`DdspDecoder::forward`]; a state of the wrong shape.
    pub fn forward_with_state(
        &self,
        f0_hz: &Tensor,
        loudness_db: &Tensor,
        state: Option<&Tensor>,
    ) -> Result<(SynthControls, Tensor)> {
        let dims = f0_hz.dims();
        if dims.len() != 2 || loudness_db.dims() != dims || dims.contains(&0) {
            return Err(Error::ShapeMismatch {
                what: "DDSP controls (f0, loudness)",
                expected: "two (batch, frames) tensors of the same shape".into(),
                got: loudness_db.dims().to_vec(),
            });
        }
        let (f0, ld) = Self::scaled_inputs(f0_hz, loudness_db)?;
        let f = self.f0_mlp.forward(&f0)?;
        let l = self.loudness_mlp.forward(&ld)?;
        let (g, last) = self
            .gru
            .forward_with_state(&Tensor::cat(&[&f, &l], D::Minus1)?, state)?;
        let h = self
            .out_mlp
            .forward(&Tensor::cat(&[&g, &f, &l], D::Minus1)?)?;
        let out = self.dense_out.apply(&h)?;
        let (k, m) = (self.config.harmonics, self.config.noise_bands);
        Ok((
            SynthControls {
                amplitude: exp_sigmoid(&out.narrow(D::Minus1, 0, 1)?)?,
                distribution: exp_sigmoid(&out.narrow(D::Minus1, 1, k)?)?,
                noise: exp_sigmoid(&out.narrow(D::Minus1, 1 + k, m)?.affine(1.0, -5.0)?)?,
            },
            last,
        ))
    }
}
