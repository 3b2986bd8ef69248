//! Multi-head scaled dot-product attention over projected queries, keys
//! and values.

use candle_core::Tensor;

use crate::kernels::attention_kernel::{self, AttentionShape, QUERY_BLOCK};
use crate::kernels::{with_cpu_f32_3, Isa};
use crate::{Error, Result};

const LAYER: &str = "multi_head_attention";

/// `softmax(Q_h K_hᵀ / √d) V_h` for each of `heads` heads of `d = C /
/// heads` channels, the heads' results side by side: the core of
/// `torch.nn.MultiheadAttention` (Vaswani et al. 2017, eq. 1) between its
/// input and output projections, without masks or dropout.
///
/// On the CPU in float32 outside autograd, a kernel reads each head in
/// place, computes the scores for blocks of 256 queries at a time by
/// gemm, normalises them in place (vectorised exponentials) and writes
/// each head's result in place; otherwise candle's operations, also in
/// blocks of 256 queries. Either way the scores held at once are
/// `256 × keys` per head, not `queries × keys`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the shapes disagree or `C` is not a
/// multiple of `heads`, or there are no keys.
///
/// # Shapes
///
/// `q` `(batch, queries, C)`, `k` and `v` `(batch, keys, C)` →
/// `(batch, queries, C)`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// // One key: every query takes its value.
/// let q = Tensor::new(&[[[1f32, 0.], [0., 1.]]], &Device::Cpu)?;
/// let k = Tensor::new(&[[[3f32, 4.]]], &Device::Cpu)?;
/// let v = Tensor::new(&[[[5f32, 6.]]], &Device::Cpu)?;
/// let y = audio_nn::multi_head_attention(&q, &k, &v, 2)?;
/// assert_eq!(y.to_vec3::<f32>()?, vec![vec![vec![5., 6.], vec![5., 6.]]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn multi_head_attention(q: &Tensor, k: &Tensor, v: &Tensor, heads: usize) -> Result<Tensor> {
    let (qd, kd) = (q.dims(), k.dims());
    let shape_ok = qd.len() == 3
        && kd.len() == 3
        && v.dims() == kd
        && kd[0] == qd[0]
        && kd[1] > 0
        && kd[2] == qd[2]
        && heads > 0
        && qd[2] % heads == 0;
    if !shape_ok {
        return Err(Error::ShapeMismatch {
            layer: LAYER,
            expected: format!(
                "q (batch, queries, C), k and v (batch, keys >= 1, C), C a multiple of {heads} heads; q is {qd:?}"
            ),
            got: kd.to_vec(),
        });
    }
    let (b, n, c) = q.dims3()?;
    let m = k.dim(1)?;
    let d = c / heads;
    #[allow(clippy::cast_precision_loss, reason = "channel counts")]
    let scale = 1.0 / (d as f32).sqrt();
    if !(q.track_op() || k.track_op() || v.track_op()) {
        let shape = AttentionShape {
            batch: b,
            queries: n,
            keys: m,
            heads,
            head_dim: d,
        };
        let isa = Isa::detect();
        let y = with_cpu_f32_3(q, k, v, |qs, ks, vs| {
            attention_kernel::multi_head_attention(isa, qs, ks, vs, shape, scale)
        })?;
        if let Some(y) = y {
            return Ok(Tensor::from_vec(y, (b, n, c), q.device())?);
        }
    }
    let split = |x: &Tensor, len: usize| -> Result<Tensor> {
        Ok(x.reshape((b, len, heads, d))?
            .transpose(1, 2)?
            .contiguous()?
            .reshape((b * heads, len, d))?)
    };
    let qh = (split(q, n)? * f64::from(scale))?;
    let kt = split(k, m)?.transpose(1, 2)?.contiguous()?;
    let vh = split(v, m)?;
    let mut parts = Vec::with_capacity(n.div_ceil(QUERY_BLOCK));
    for start in (0..n).step_by(QUERY_BLOCK) {
        let rows = QUERY_BLOCK.min(n - start);
        let att = qh.narrow(1, start, rows)?.matmul(&kt)?;
        let att = crate::softmax_last_dim(&att)?;
        parts.push(att.matmul(&vh)?);
    }
    Ok(Tensor::cat(&parts, 1)?
        .reshape((b, heads, n, d))?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((b, n, c))?)
}
