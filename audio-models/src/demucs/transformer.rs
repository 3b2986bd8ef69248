//! The cross-domain transformer of HTDemucs (`demucs.transformer` in
//! demucs 4.1.0; Rouard, Massa and Défossez 2023): a stack over the
//! spectrogram branch's tokens and one over the waveform branch's,
//! alternating self-attention layers and layers in which each branch
//! attends to the other.
//!
//! Keys follow the package: `crosstransformer.norm_in`, `.norm_in_t`,
//! `.layers.{i}` and `.layers_t.{i}` with `self_attn` / `cross_attn`
//! (`in_proj_weight`, `in_proj_bias`, `out_proj`), `linear1`, `linear2`,
//! `norm1`–`norm3`, `norm_out`, `gamma_1.scale`, `gamma_2.scale`.

use audio_nn::{GroupNorm, LayerNorm, LayerScale, Linear};
use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;

use super::hybrid_config::TransformerConfig;
use crate::error::Result;

/// LayerNorm's and GroupNorm's epsilon in the package.
const EPS: f64 = 1e-5;

/// A norm over `(batch, tokens, channels)`: LayerNorm over channels,
/// `MyGroupNorm(1, C)` over tokens and channels together, or none.
#[derive(Debug, Clone)]
enum TokenNorm {
    Layer(LayerNorm),
    Group(GroupNorm),
    Identity,
}

impl TokenNorm {
    fn layer(dim: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self::Layer(LayerNorm::new(&[dim], EPS, true, vb)?))
    }

    fn group(dim: usize, vb: VarBuilder) -> Result<Self> {
        Ok(Self::Group(GroupNorm::new(1, dim, EPS, true, vb)?))
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(match self {
            Self::Layer(n) => n.apply(x)?,
            Self::Group(n) => n.apply(&x.transpose(1, 2)?)?.transpose(1, 2)?,
            Self::Identity => x.clone(),
        })
    }
}

/// `torch.nn.MultiheadAttention(dim, heads, batch_first=True)` without
/// masks: `softmax(Q Kᵀ / √d) V` per head, then `out_proj`.
#[derive(Debug, Clone)]
struct Attention {
    w_q: Tensor,
    w_k: Tensor,
    w_v: Tensor,
    b_q: Tensor,
    b_k: Tensor,
    b_v: Tensor,
    out: Linear,
    heads: usize,
}

impl Attention {
    fn new(dim: usize, heads: usize, vb: VarBuilder) -> Result<Self> {
        let w = vb.get((3 * dim, dim), "in_proj_weight")?;
        let b = vb.get(3 * dim, "in_proj_bias")?;
        Ok(Self {
            w_q: w.narrow(0, 0, dim)?.t()?.contiguous()?,
            w_k: w.narrow(0, dim, dim)?.t()?.contiguous()?,
            w_v: w.narrow(0, 2 * dim, dim)?.t()?.contiguous()?,
            b_q: b.narrow(0, 0, dim)?,
            b_k: b.narrow(0, dim, dim)?,
            b_v: b.narrow(0, 2 * dim, dim)?,
            out: Linear::new(dim, dim, true, vb.pp("out_proj"))?,
            heads,
        })
    }

    /// `(b, n, c)` queries over `(b, m, c)` keys and values.
    fn forward(&self, q: &Tensor, kv: &Tensor) -> Result<Tensor> {
        let project = |x: &Tensor, w: &Tensor, bias: &Tensor| -> Result<Tensor> {
            Ok(x.broadcast_matmul(w)?.broadcast_add(bias)?)
        };
        let y = audio_nn::multi_head_attention(
            &project(q, &self.w_q, &self.b_q)?,
            &project(kv, &self.w_k, &self.b_k)?,
            &project(kv, &self.w_v, &self.b_v)?,
            self.heads,
        )?;
        Ok(self.out.apply(&y)?)
    }
}

/// `MyTransformerEncoderLayer` (self-attention) or
/// `CrossTransformerEncoderLayer` (queries from one branch, keys and values
/// from the other), pre- or post-norm.
#[derive(Debug, Clone)]
struct Layer {
    cross: bool,
    attn: Attention,
    linear1: Linear,
    linear2: Linear,
    norm1: TokenNorm,
    norm2: TokenNorm,
    /// The cross layer's norm before the feed-forward part (pre-norm).
    norm3: TokenNorm,
    norm_out: TokenNorm,
    gamma_1: Option<LayerScale>,
    gamma_2: Option<LayerScale>,
    norm_first: bool,
    gelu: bool,
}

impl Layer {
    fn new(cross: bool, dim: usize, c: &TransformerConfig, vb: VarBuilder) -> Result<Self> {
        let hidden = (dim as f64 * c.hidden_scale) as usize;
        let norm = |name: &str| -> Result<TokenNorm> {
            if c.group_norm {
                TokenNorm::group(dim, vb.pp(name))
            } else {
                TokenNorm::layer(dim, vb.pp(name))
            }
        };
        let scale = |name: &str| -> Result<Option<LayerScale>> {
            Ok(if c.layer_scale {
                Some(LayerScale::new(dim, 1e-4, true, vb.pp(name))?)
            } else {
                None
            })
        };
        Ok(Self {
            cross,
            attn: Attention::new(
                dim,
                c.heads,
                vb.pp(if cross { "cross_attn" } else { "self_attn" }),
            )?,
            linear1: Linear::new(dim, hidden, true, vb.pp("linear1"))?,
            linear2: Linear::new(hidden, dim, true, vb.pp("linear2"))?,
            norm1: norm("norm1")?,
            norm2: norm("norm2")?,
            norm3: if cross {
                norm("norm3")?
            } else {
                TokenNorm::Identity
            },
            norm_out: if c.norm_first && c.norm_out {
                TokenNorm::group(dim, vb.pp("norm_out"))?
            } else {
                TokenNorm::Identity
            },
            gamma_1: scale("gamma_1")?,
            gamma_2: scale("gamma_2")?,
            norm_first: c.norm_first,
            gelu: c.gelu,
        })
    }

    fn feed_forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.linear1.apply(x)?;
        let h = if self.gelu {
            audio_nn::gelu_erf(&h)?
        } else {
            h.relu()?
        };
        Ok(self.linear2.apply(&h)?)
    }

    /// `x + gamma ⊙ y` (`x + y` without a scale).
    fn residual(gamma: &Option<LayerScale>, x: &Tensor, y: &Tensor) -> Result<Tensor> {
        Ok(match gamma {
            Some(g) => g.add_scaled(x, y)?,
            None => x.add(y)?,
        })
    }

    /// `x` attends to itself, or (cross) to `other`.
    fn forward(&self, x: &Tensor, other: Option<&Tensor>) -> Result<Tensor> {
        if self.norm_first {
            let q = self.norm1.forward(x)?;
            let a = match (self.cross, other) {
                (true, Some(k)) => self.attn.forward(&q, &self.norm2.forward(k)?)?,
                _ => self.attn.forward(&q, &q)?,
            };
            let x = Self::residual(&self.gamma_1, x, &a)?;
            let ff_norm = if self.cross { &self.norm3 } else { &self.norm2 };
            let f = self.feed_forward(&ff_norm.forward(&x)?)?;
            let x = Self::residual(&self.gamma_2, &x, &f)?;
            self.norm_out.forward(&x)
        } else {
            let a = match (self.cross, other) {
                (true, Some(k)) => self.attn.forward(x, k)?,
                _ => self.attn.forward(x, x)?,
            };
            let x = self.norm1.forward(&Self::residual(&self.gamma_1, x, &a)?)?;
            let f = self.feed_forward(&x)?;
            self.norm2.forward(&Self::residual(&self.gamma_2, &x, &f)?)
        }
    }
}

/// `demucs.transformer.CrossTransformerEncoder` at inference.
///
/// # Shapes
///
/// `x` `(batch, C, F, T1)` and `xt` `(batch, C, T2)` → the same shapes.
#[derive(Debug, Clone)]
pub struct CrossTransformer {
    config: TransformerConfig,
    norm_in: TokenNorm,
    norm_in_t: TokenNorm,
    layers: Vec<Layer>,
    layers_t: Vec<Layer>,
    /// `position_embeddings.embedding.weight` of the `"scaled"` embedding.
    position_embeddings: Option<Tensor>,
}

impl CrossTransformer {
    /// `CrossTransformerEncoder(dim, ...)` from `vb` (`crosstransformer`).
    ///
    /// # Errors
    ///
    /// Weight errors naming the key and both shapes.
    pub fn new(dim: usize, config: &TransformerConfig, vb: VarBuilder) -> Result<Self> {
        let c = config;
        let (norm_in, norm_in_t) = if c.norm_in {
            (
                TokenNorm::layer(dim, vb.pp("norm_in"))?,
                TokenNorm::layer(dim, vb.pp("norm_in_t"))?,
            )
        } else if c.norm_in_group {
            (
                TokenNorm::group(dim, vb.pp("norm_in"))?,
                TokenNorm::group(dim, vb.pp("norm_in_t"))?,
            )
        } else {
            (TokenNorm::Identity, TokenNorm::Identity)
        };
        let parity = usize::from(c.cross_first);
        let mut layers = Vec::with_capacity(c.layers);
        let mut layers_t = Vec::with_capacity(c.layers);
        for idx in 0..c.layers {
            let cross = idx % 2 != parity;
            layers.push(Layer::new(
                cross,
                dim,
                c,
                vb.pp("layers").pp(idx.to_string()),
            )?);
            layers_t.push(Layer::new(
                cross,
                dim,
                c,
                vb.pp("layers_t").pp(idx.to_string()),
            )?);
        }
        let position_embeddings = if c.emb == "scaled" {
            Some(vb.get(
                (c.max_positions, dim),
                "position_embeddings.embedding.weight",
            )?)
        } else {
            None
        };
        Ok(Self {
            config: c.clone(),
            norm_in,
            norm_in_t,
            layers,
            layers_t,
            position_embeddings,
        })
    }

    /// Runs both stacks.
    ///
    /// # Errors
    ///
    /// [`crate::Error::ShapeMismatch`] for more time steps than a
    /// `"scaled"` embedding has positions; backend errors.
    pub fn forward(&self, x: &Tensor, xt: &Tensor) -> Result<(Tensor, Tensor)> {
        let (b, c, fr, t1) = x.dims4()?;
        let t2 = xt.dim(2)?;
        let device = x.device();
        let w = self.config.weight_pos_embed;
        let pos_2d = embedding_2d(c, fr, t1, self.config.max_period, device)?;
        let mut x = x
            .permute((0, 3, 2, 1))?
            .contiguous()?
            .reshape((b, t1 * fr, c))?;
        x = self.norm_in.forward(&x)?;
        x = x.broadcast_add(&(pos_2d * w)?)?;
        let mut xt = xt.transpose(1, 2)?.contiguous()?;
        xt = self.norm_in_t.forward(&xt)?;
        let pos = self.time_embedding(t2, c, device)?;
        xt = xt.broadcast_add(&(pos * w)?)?;
        for (layer, layer_t) in self.layers.iter().zip(&self.layers_t) {
            if layer.cross {
                let old_x = x.clone();
                x = layer.forward(&x, Some(&xt))?;
                xt = layer_t.forward(&xt, Some(&old_x))?;
            } else {
                x = layer.forward(&x, None)?;
                xt = layer_t.forward(&xt, None)?;
            }
        }
        let x = x
            .reshape((b, t1, fr, c))?
            .permute((0, 3, 2, 1))?
            .contiguous()?;
        let xt = xt.transpose(1, 2)?.contiguous()?;
        Ok((x, xt))
    }

    /// The time branch's positional embedding `(1, T, C)`.
    fn time_embedding(&self, t: usize, c: usize, device: &Device) -> Result<Tensor> {
        let cfg = &self.config;
        match cfg.emb.as_str() {
            "scaled" => {
                let table =
                    self.position_embeddings
                        .as_ref()
                        .ok_or_else(|| crate::Error::MissingKey {
                            key: "crosstransformer.position_embeddings.embedding.weight".into(),
                            expected: vec![cfg.max_positions, c],
                        })?;
                if t > table.dim(0)? {
                    return Err(crate::Error::ShapeMismatch {
                        what: "HTDemucs scaled positional embedding",
                        expected: format!("at most {} time steps", table.dim(0)?),
                        got: vec![t],
                    });
                }
                // `ScaledEmbedding` boosts its weights by 3.
                Ok((table.narrow(0, 0, t)? * 3.0)?.unsqueeze(0)?)
            }
            "cape" => {
                let mean = if cfg.cape_mean_normalize {
                    (t as f32 - 1.0) / 2.0
                } else {
                    0.0
                };
                sin_embedding(t, c, |p| p as f32 - mean, cfg.max_period, device)
            }
            _ => {
                // `random.randrange(sin_random_shift + 1)`: 0 unless the
                // model was trained with shifts; then the first position.
                sin_embedding(t, c, |p| p as f32, cfg.max_period, device)
            }
        }
    }
}

/// `create_sin_embedding`: `[cos(p / P^(j/(C/2−1))), sin(...)]` over
/// `j < C/2`, computed in float32 as the package does. `(1, T, C)`.
fn sin_embedding(
    t: usize,
    c: usize,
    position: impl Fn(usize) -> f32,
    max_period: f64,
    device: &Device,
) -> Result<Tensor> {
    let half = c / 2;
    let period = max_period as f32;
    let denom: Vec<f32> = (0..half)
        .map(|j| period.powf(j as f32 / (half as f32 - 1.0)))
        .collect();
    let mut data = Vec::with_capacity(t * c);
    for p in 0..t {
        let pos = position(p);
        data.extend(denom.iter().map(|d| (pos / d).cos()));
        data.extend(denom.iter().map(|d| (pos / d).sin()));
    }
    Ok(Tensor::from_vec(data, (1, t, c), device)?)
}

/// `create_2d_sin_embedding(C, F, T)` rearranged to `(1, T·F, C)` with
/// token `t·F + f`: channels `2k`/`2k+1` carry sin/cos of the time index,
/// channels `C/2 + 2k`/`+1` those of the frequency index.
fn embedding_2d(
    c: usize,
    fr: usize,
    t1: usize,
    max_period: f64,
    device: &Device,
) -> Result<Tensor> {
    let d = c / 2;
    let factor = -((max_period.ln()) / d as f64) as f32;
    let div: Vec<f32> = (0..d)
        .step_by(2)
        .map(|k| (k as f32 * factor).exp())
        .collect();
    let mut data = vec![0.0f32; t1 * fr * c];
    for t in 0..t1 {
        for f in 0..fr {
            let row = &mut data[(t * fr + f) * c..(t * fr + f + 1) * c];
            for (k, dv) in div.iter().enumerate() {
                let (w, h) = (t as f32 * dv, f as f32 * dv);
                row[2 * k] = w.sin();
                row[2 * k + 1] = w.cos();
                row[d + 2 * k] = h.sin();
                row[d + 2 * k + 1] = h.cos();
            }
        }
    }
    Ok(Tensor::from_vec(data, (1, t1 * fr, c), device)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_embedding_starts_with_cos_one_and_sin_zero() -> Result<()> {
        let e = sin_embedding(3, 8, |p| p as f32, 10_000.0, &Device::Cpu)?;
        let v = e.squeeze(0)?.to_vec2::<f32>()?;
        assert_eq!(&v[0][..4], &[1.0; 4]);
        assert_eq!(&v[0][4..], &[0.0; 4]);
        // j = 0: period 1, so the phase is the position.
        assert!((v[2][0] - 2.0f32.cos()).abs() < 1e-6);
        assert!((v[2][4] - 2.0f32.sin()).abs() < 1e-6);
        Ok(())
    }

    #[test]
    fn embedding_2d_separates_time_and_frequency() -> Result<()> {
        let e = embedding_2d(8, 2, 3, 10_000.0, &Device::Cpu)?;
        let v = e.squeeze(0)?.to_vec2::<f32>()?;
        // Token (t = 1, f = 0): time channels move, frequency ones are at 0.
        let tok = &v[2];
        assert!((tok[0] - 1.0f32.sin()).abs() < 1e-6);
        assert_eq!(tok[4], 0.0);
        assert_eq!(tok[5], 1.0);
        // Token (t = 0, f = 1): the reverse.
        let tok = &v[1];
        assert_eq!(tok[0], 0.0);
        assert!((tok[4] - 1.0f32.sin()).abs() < 1e-6);
        Ok(())
    }
}
