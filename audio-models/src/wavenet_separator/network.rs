//! [`WavenetSeparatorNet`]: the non-causal Wavenet of Lluís, Pons & Serra
//! (2019), after Rethage, Pons & Serra's speech-denoising Wavenet (2018).

use audio_nn::{Conv1d, Conv1dConfig, Padding};
use candle_core::{Tensor, D};
use candle_nn::VarBuilder;

use super::config::WavenetSeparatorConfig;
use crate::{Error, Result};

fn conv(
    cin: usize,
    cout: usize,
    kernel: usize,
    dilation: usize,
    bias: bool,
    vb: VarBuilder,
) -> Result<Conv1d> {
    Ok(Conv1d::new(
        cin,
        cout,
        kernel,
        Conv1dConfig {
            dilation,
            padding: Padding::Same,
            bias,
            ..Conv1dConfig::default()
        },
        vb,
    )?)
}

/// One dilated residual block: `z = tanh(W_f ∗_d x) ⊙ σ(W_g ∗_d x)` (one
/// convolution to `2·res` channels, split), then a 1×1 convolution to
/// `res + skip` channels: the first `res` are added to `x` (residual), the
/// last `skip` are the skip output, kept only on the padded target field.
#[derive(Debug, Clone)]
struct ResidualBlock {
    dilated: Conv1d,
    mix: Conv1d,
}

/// The Wavenet separator's network (Lluís, Pons & Serra 2019, "End-to-end
/// music source separation: is it possible in the waveform domain?",
/// seed 003; the reference is github.com/francesclluis/source-separation-wavenet,
/// Keras, MIT). Non-causal ("same"-padded) dilated convolutions, no bias
/// but the output layer's, fully convolutional and deterministic:
///
/// ```text
/// x_0   = W_in ∗ mix                                      (k, res channels)
/// z_i   = tanh(W_f,i ∗_{d_i} x_i) ⊙ σ(W_g,i ∗_{d_i} x_i)  (gated, dilation d_i)
/// [r_i, s_i] = W_1×1,i z_i,  x_{i+1} = x_i + r_i          (residual / skip)
/// y     = W_out · W_2 ∗ ReLU(W_1 ∗ ReLU(Σ_i s_i[field]))  (final convolutions, 1×1 with bias)
/// ```
///
/// The skip outputs are summed only on the padded target field, the
/// `target_field_length + 2·target_padding` samples at the centre of the
/// `input_length` window, so one window gives that many output samples
/// per source. Keys: `initial.weight`, `blocks.<i>.dilated.weight`,
/// `blocks.<i>.mix.weight`, `final.0.weight`, `final.1.weight`,
/// `output.weight`, `output.bias`.
///
/// # Shapes
///
/// `(batch, 1, input_length)` → `(batch, sources, padded_target_field_length)`.
#[derive(Debug, Clone)]
pub struct WavenetSeparatorNet {
    config: WavenetSeparatorConfig,
    initial: Conv1d,
    blocks: Vec<ResidualBlock>,
    final_convs: [Conv1d; 2],
    output: Conv1d,
}

impl WavenetSeparatorNet {
    /// Builds or loads the network.
    ///
    /// # Errors
    ///
    /// As [`WavenetSeparatorConfig::validate`]; weight errors naming the key.
    pub fn new(config: WavenetSeparatorConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let res = config.res_channels;
        let skip = config.skip_channels;
        let initial = conv(1, res, config.res_kernel, 1, false, vb.pp("initial"))?;
        let bvb = vb.pp("blocks");
        let mut blocks = Vec::new();
        for _ in 0..config.num_stacks {
            for &d in &config.dilations {
                let b = bvb.pp(blocks.len().to_string());
                blocks.push(ResidualBlock {
                    dilated: conv(res, 2 * res, config.res_kernel, d, false, b.pp("dilated"))?,
                    mix: conv(res, res + skip, 1, 1, false, b.pp("mix"))?,
                });
            }
        }
        let fvb = vb.pp("final");
        let [c0, c1] = config.final_channels;
        let [k0, k1] = config.final_kernels;
        let final_convs = [
            conv(skip, c0, k0, 1, false, fvb.pp("0"))?,
            conv(c0, c1, k1, 1, false, fvb.pp("1"))?,
        ];
        let output = conv(c1, config.sources.len(), 1, 1, true, vb.pp("output"))?;
        Ok(Self {
            config,
            initial,
            blocks,
            final_convs,
            output,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &WavenetSeparatorConfig {
        &self.config
    }

    /// The network's outputs on windows of `input_length` samples.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for another input shape; candle errors.
    pub fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let c = &self.config;
        let n = c.input_length();
        let dims = x.dims();
        if dims.len() != 3 || dims[1] != 1 || dims[2] != n {
            return Err(Error::ShapeMismatch {
                what: "Wavenet separator input",
                expected: format!("(batch, 1, {n})"),
                got: dims.to_vec(),
            });
        }
        let field = c.padded_target_field_length();
        let start = (n - 1) / 2 - (c.target_field_length - 1) / 2 - c.target_padding;
        let res = c.res_channels;
        let mut h = self.initial.apply(x)?;
        let mut skips: Option<Tensor> = None;
        for b in &self.blocks {
            let z = b.dilated.apply(&h)?;
            let gated = z
                .narrow(1, 0, res)?
                .tanh()?
                .mul(&candle_nn::ops::sigmoid(&z.narrow(1, res, res)?)?)?;
            let y = b.mix.apply(&gated)?;
            h = h.add(&y.narrow(1, 0, res)?)?;
            let s = y
                .narrow(1, res, c.skip_channels)?
                .narrow(D::Minus1, start, field)?;
            skips = Some(match skips {
                Some(acc) => acc.add(&s)?,
                None => s,
            });
        }
        let s = skips.ok_or(Error::Empty {
            what: "Wavenet separator blocks",
        })?;
        let y = self.final_convs[0].apply(&s.relu()?)?.relu()?;
        let y = self.final_convs[1].apply(&y)?;
        self.output.apply(&y).map_err(Into::into)
    }
}
