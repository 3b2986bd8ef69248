//! MelGAN's generator: a convolution from the mel bands, then per ratio a
//! leaky ReLU, a transposed convolution upsampling by the ratio and dilated
//! residual blocks, then a convolution to one channel and `tanh`.

use audio_nn::{Conv1d, Conv1dConfig, ConvTranspose1d, ConvTranspose1dConfig, PadMode, Padding};
use candle_core::Tensor;
use candle_nn::ops::leaky_relu;
use candle_nn::VarBuilder;

use super::config::MelGanConfig;
use crate::{Error, Result};

/// The slope of every leaky ReLU.
pub const LEAKY_SLOPE: f64 = 0.2;

/// `shortcut(x) + conv1x1(lrelu(conv3_d(reflect_pad_d(lrelu(x)))))`, keys
/// `block.2` (the dilated convolution), `block.4` and `shortcut`.
#[derive(Debug, Clone)]
struct ResidualBlock {
    dilated: Conv1d,
    pointwise: Conv1d,
    shortcut: Conv1d,
}

impl ResidualBlock {
    fn new(channels: usize, dilation: usize, vb: &VarBuilder) -> Result<Self> {
        let dilated = Conv1d::new(
            channels,
            channels,
            3,
            Conv1dConfig {
                dilation,
                padding: Padding::Explicit(dilation),
                pad_mode: PadMode::Reflect,
                ..Conv1dConfig::default()
            },
            vb.pp("block.2"),
        )?;
        let pointwise = Conv1d::new(
            channels,
            channels,
            1,
            Conv1dConfig::default(),
            vb.pp("block.4"),
        )?;
        let shortcut = Conv1d::new(
            channels,
            channels,
            1,
            Conv1dConfig::default(),
            vb.pp("shortcut"),
        )?;
        Ok(Self {
            dilated,
            pointwise,
            shortcut,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.dilated.apply(&leaky_relu(x, LEAKY_SLOPE)?)?;
        let h = self.pointwise.apply(&leaky_relu(&h, LEAKY_SLOPE)?)?;
        Ok((self.shortcut.apply(x)? + h)?)
    }
}

#[derive(Debug, Clone)]
struct Stage {
    upsample: ConvTranspose1d,
    blocks: Vec<ResidualBlock>,
}

/// MelGAN's generator, with the key tree of `mel2wav.modules.Generator`
/// (`model.1` the input convolution, `model.{i}` the transposed
/// convolutions and residual blocks in `nn.Sequential` order, the output
/// convolution last). Weight-normalised checkpoints load after
/// [`audio_nn::fold_weight_norm`].
///
/// # Shapes
///
/// Input `(batch, n_mels, frames)`, output `(batch, 1, frames · hop)`.
///
/// # Example
///
/// ```
/// use audio_models::vocoder::{MelGanConfig, MelGanGenerator};
/// use candle_core::{DType, Device, Tensor};
/// let config = MelGanConfig { ngf: 4, residual_layers: 1, ..MelGanConfig::default() };
/// let vb = audio_nn::init::SeededVarMap::new(0).var_builder(DType::F32, &Device::Cpu);
/// let g = MelGanGenerator::new(&config, vb)?;
/// let y = g.forward(&Tensor::zeros((1, 80, 10), DType::F32, &Device::Cpu)?)?;
/// assert_eq!(y.dims(), &[1, 1, 2560]);
/// # Ok::<(), audio_models::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct MelGanGenerator {
    input: Conv1d,
    stages: Vec<Stage>,
    output: Conv1d,
    n_mels: usize,
    hop: usize,
    context_frames: usize,
}

impl MelGanGenerator {
    /// Builds (or loads) the generator.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a bad configuration; missing or
    /// misshapen weights, naming the key.
    pub fn new(config: &MelGanConfig, vb: VarBuilder) -> Result<Self> {
        config.validate()?;
        let reflect3 = Conv1dConfig {
            padding: Padding::Explicit(3),
            pad_mode: PadMode::Reflect,
            ..Conv1dConfig::default()
        };
        let vb = vb.pp("model");
        let mut mult = 1usize << config.ratios.len();
        let input = Conv1d::new(config.n_mels, mult * config.ngf, 7, reflect3, vb.pp("1"))?;
        let mut index = 2;
        let mut stages = Vec::with_capacity(config.ratios.len());
        let mut context = 3.0f64 + 3.0 / config.hop() as f64;
        let mut rate = 1usize;
        for &r in &config.ratios {
            let (cin, cout) = (mult * config.ngf, mult * config.ngf / 2);
            let upsample = ConvTranspose1d::new(
                cin,
                cout,
                2 * r,
                ConvTranspose1dConfig {
                    stride: r,
                    padding: r / 2 + r % 2,
                    output_padding: r % 2,
                    ..ConvTranspose1dConfig::default()
                },
                vb.pp((index + 1).to_string()),
            )?;
            context += 2.0 / rate as f64;
            rate *= r;
            let blocks = (0..config.residual_layers)
                .map(|j| {
                    let dilation = 3usize.pow(j as u32);
                    context += dilation as f64 / rate as f64;
                    ResidualBlock::new(cout, dilation, &vb.pp((index + 2 + j).to_string()))
                })
                .collect::<Result<Vec<_>>>()?;
            stages.push(Stage { upsample, blocks });
            index += 2 + config.residual_layers;
            mult /= 2;
        }
        let output = Conv1d::new(config.ngf, 1, 7, reflect3, vb.pp((index + 2).to_string()))?;
        Ok(Self {
            input,
            stages,
            output,
            n_mels: config.n_mels,
            hop: config.hop(),
            context_frames: context.ceil() as usize + 1,
        })
    }

    /// Samples per input frame.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Frames on each side beyond which an input frame no longer changes an
    /// output sample (a bound on the receptive field, used by chunked
    /// vocoding).
    pub fn context_frames(&self) -> usize {
        self.context_frames
    }

    /// The waveform of a log-mel batch.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless the input is
    /// `(batch, n_mels, frames)` with at least 4 frames (the reflect
    /// padding of the input convolution); candle errors.
    pub fn forward(&self, mel: &Tensor) -> Result<Tensor> {
        let dims = mel.dims();
        if dims.len() != 3 || dims[1] != self.n_mels || dims[2] < 4 {
            return Err(Error::InvalidParameter {
                name: "mel",
                value: format!("shape {dims:?}"),
                expected: "(batch, n_mels, frames) with the model's n_mels and at least 4 frames",
            });
        }
        let mut x = self.input.apply(mel)?;
        for stage in &self.stages {
            x = stage.upsample.apply(&leaky_relu(&x, LEAKY_SLOPE)?)?;
            for block in &stage.blocks {
                x = block.forward(&x)?;
            }
        }
        Ok(self.output.apply(&leaky_relu(&x, LEAKY_SLOPE)?)?.tanh()?)
    }
}
