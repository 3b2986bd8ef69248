//! Wave-U-Net's down- and upsampling blocks (`model/waveunet.py`'s
//! `DownsamplingBlock` and `UpsamplingBlock`), with the reference's size
//! arithmetic.

use audio_nn::centre_crop;
use candle_core::Tensor;
use candle_nn::VarBuilder;

use super::config::{ConvType, Resampling};
use super::conv_layer::ConvLayer;
use super::resample::Resample1d;
use crate::{Error, Result};

/// A change of rate: fixed (sinc filter) or learned (a strided or
/// transposed [`ConvLayer`]). Key `downconv`/`upconv`.
#[derive(Debug, Clone)]
pub(crate) enum Resampler {
    Fixed(Resample1d),
    Learned(ConvLayer),
}

impl Resampler {
    #[allow(
        clippy::too_many_arguments,
        reason = "the reference's constructor arguments"
    )]
    fn new(
        channels: usize,
        kernel_size: usize,
        stride: usize,
        conv_type: ConvType,
        res: Resampling,
        transpose: bool,
        vb: VarBuilder,
    ) -> Result<Self> {
        Ok(match res {
            Resampling::Fixed => Self::Fixed(Resample1d::new(channels, stride, transpose, &vb)?),
            Resampling::Learned => Self::Learned(ConvLayer::new(
                channels,
                channels,
                kernel_size,
                stride,
                conv_type,
                transpose,
                vb,
            )?),
        })
    }

    fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        match self {
            Self::Fixed(r) => r.forward(x),
            Self::Learned(c) => c.forward_t(x, train),
        }
    }

    fn output_size(&self, n: usize) -> Option<usize> {
        match self {
            Self::Fixed(r) => r.output_size(n),
            Self::Learned(c) => c.output_size(n),
        }
    }

    fn input_size(&self, n: usize) -> Option<usize> {
        match self {
            Self::Fixed(r) => r.input_size(n),
            Self::Learned(c) => c.input_size(n),
        }
    }

    fn conv_layers<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a ConvLayer)>) {
        if let Self::Learned(c) = self {
            out.push((prefix.to_string(), c));
        }
    }
}

fn conv_stack(
    n_in: usize,
    n_out: usize,
    kernel_size: usize,
    depth: usize,
    conv_type: ConvType,
    vb: &VarBuilder,
) -> Result<Vec<ConvLayer>> {
    (0..depth)
        .map(|j| {
            ConvLayer::new(
                if j == 0 { n_in } else { n_out },
                n_out,
                kernel_size,
                1,
                conv_type,
                false,
                vb.pp(j.to_string()),
            )
        })
        .collect()
}

/// The shapes of one block's layers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockShape {
    pub n_inputs: usize,
    pub n_shortcut: usize,
    pub n_outputs: usize,
    pub kernel_size: usize,
    pub stride: usize,
    pub depth: usize,
    pub conv_type: ConvType,
    pub res: Resampling,
}

/// `DownsamplingBlock`: `depth` convolutions to the shortcut
/// (`pre_shortcut_convs`), `depth` more (`post_shortcut_convs`), then the
/// rate change (`downconv`). Returns the downsampled features and the
/// shortcut.
#[derive(Debug, Clone)]
pub struct DownsamplingBlock {
    pre: Vec<ConvLayer>,
    post: Vec<ConvLayer>,
    down: Resampler,
}

impl DownsamplingBlock {
    pub(crate) fn new(s: BlockShape, vb: VarBuilder) -> Result<Self> {
        Ok(Self {
            pre: conv_stack(
                s.n_inputs,
                s.n_shortcut,
                s.kernel_size,
                s.depth,
                s.conv_type,
                &vb.pp("pre_shortcut_convs"),
            )?,
            post: conv_stack(
                s.n_shortcut,
                s.n_outputs,
                s.kernel_size,
                s.depth,
                s.conv_type,
                &vb.pp("post_shortcut_convs"),
            )?,
            down: Resampler::new(
                s.n_outputs,
                s.kernel_size,
                s.stride,
                s.conv_type,
                s.res,
                false,
                vb.pp("downconv"),
            )?,
        })
    }

    /// `(downsampled, shortcut)`.
    pub(crate) fn forward_t(&self, x: &Tensor, train: bool) -> Result<(Tensor, Tensor)> {
        let mut shortcut = x.clone();
        for c in &self.pre {
            shortcut = c.forward_t(&shortcut, train)?;
        }
        let mut out = shortcut.clone();
        for c in &self.post {
            out = c.forward_t(&out, train)?;
        }
        Ok((self.down.forward_t(&out, train)?, shortcut))
    }

    /// `get_input_size`.
    pub(crate) fn input_size(&self, output: usize) -> Option<usize> {
        let mut n = self.down.input_size(output)?;
        for c in self.post.iter().rev().chain(self.pre.iter().rev()) {
            n = c.input_size(n)?;
        }
        Some(n)
    }

    pub(crate) fn conv_layers<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a ConvLayer)>) {
        for (name, stack) in [
            ("pre_shortcut_convs", &self.pre),
            ("post_shortcut_convs", &self.post),
        ] {
            for (j, c) in stack.iter().enumerate() {
                out.push((format!("{prefix}.{name}.{j}"), c));
            }
        }
        self.down.conv_layers(&format!("{prefix}.downconv"), out);
    }
}

/// `UpsamplingBlock`: the rate change (`upconv`), `depth` convolutions
/// (`pre_shortcut_convs`), then `depth` convolutions
/// (`post_shortcut_convs`), the first over the concatenation `[crop(shortcut),
/// crop(upsampled)]`, the others over the previous output. (The reference
/// feeds the concatenation to every one of them, which only the first is
/// built for, so it cannot run with `depth > 1`; here the shapes are its
/// own and `depth > 1` runs.)
#[derive(Debug, Clone)]
pub struct UpsamplingBlock {
    up: Resampler,
    pre: Vec<ConvLayer>,
    post: Vec<ConvLayer>,
}

/// The reference's `centre_crop(x, target)`: equal cropping on both sides,
/// which must be even.
pub(crate) fn crop_to(x: &Tensor, len: usize) -> Result<Tensor> {
    let n = x.dim(2)?;
    if n < len || !(n - len).is_multiple_of(2) {
        return Err(Error::ShapeMismatch {
            what: "Wave-U-Net centre crop",
            expected: format!("an even excess over {len} samples"),
            got: x.dims().to_vec(),
        });
    }
    Ok(centre_crop(x, len)?)
}

impl UpsamplingBlock {
    pub(crate) fn new(s: BlockShape, vb: VarBuilder) -> Result<Self> {
        let up = Resampler::new(
            s.n_inputs,
            s.kernel_size,
            s.stride,
            s.conv_type,
            s.res,
            true,
            vb.pp("upconv"),
        )?;
        let pre = conv_stack(
            s.n_inputs,
            s.n_outputs,
            s.kernel_size,
            s.depth,
            s.conv_type,
            &vb.pp("pre_shortcut_convs"),
        )?;
        let pvb = vb.pp("post_shortcut_convs");
        let post = (0..s.depth)
            .map(|j| {
                ConvLayer::new(
                    if j == 0 {
                        s.n_outputs + s.n_shortcut
                    } else {
                        s.n_outputs
                    },
                    s.n_outputs,
                    s.kernel_size,
                    1,
                    s.conv_type,
                    false,
                    pvb.pp(j.to_string()),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { up, pre, post })
    }

    pub(crate) fn forward_t(&self, x: &Tensor, shortcut: &Tensor, train: bool) -> Result<Tensor> {
        let mut upsampled = self.up.forward_t(x, train)?;
        for c in &self.pre {
            upsampled = c.forward_t(&upsampled, train)?;
        }
        let mut combined = crop_to(shortcut, upsampled.dim(2)?)?;
        for (j, c) in self.post.iter().enumerate() {
            combined = if j == 0 {
                let cropped = crop_to(&upsampled, combined.dim(2)?)?;
                c.forward_t(&Tensor::cat(&[&combined, &cropped], 1)?, train)?
            } else {
                c.forward_t(&combined, train)?
            };
        }
        Ok(combined)
    }

    /// `get_output_size`.
    pub(crate) fn output_size(&self, input: usize) -> Option<usize> {
        let mut n = self.up.output_size(input)?;
        for c in self.pre.iter().chain(&self.post) {
            n = c.output_size(n)?;
        }
        Some(n)
    }

    pub(crate) fn conv_layers<'a>(&'a self, prefix: &str, out: &mut Vec<(String, &'a ConvLayer)>) {
        self.up.conv_layers(&format!("{prefix}.upconv"), out);
        for (name, stack) in [
            ("pre_shortcut_convs", &self.pre),
            ("post_shortcut_convs", &self.post),
        ] {
            for (j, c) in stack.iter().enumerate() {
                out.push((format!("{prefix}.{name}.{j}"), c));
            }
        }
    }
}
