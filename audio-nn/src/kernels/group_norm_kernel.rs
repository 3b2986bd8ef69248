//! Group normalisation fused with the activation that follows it, in one
//! pass over the statistics and one over the output (candle's composite
//! path makes five full-size temporaries, and the activation a sixth).
//!
//! For each example `b` and group `g` (its channels contiguous with their
//! `inner` positions), the mean `μ` and biased variance `σ²` come from
//! `f64` sums, then each channel `c` is mapped as `y = (x − μ)·s_c + b_c`
//! with `s_c = w_c / √(σ² + ε)` (the centring first, with `μ` as the sum
//! of two `f32`, so a large mean cancels without rounding), followed by:
//! - [`GroupNormActivation::Identity`] gives `y`;
//! - [`GroupNormActivation::Gelu`] gives `y · (1 + erf(y / √2)) / 2` by
//!   [`fast_math::gelu_erf_inplace`];
//! - [`GroupNormActivation::Glu`] gives `a ⊙ σ(b)` for the channels'
//!   halves `a | b` (`torch.nn.functional.glu(·, dim=1)`), the sigmoid by
//!   [`fast_math::sigmoid_inplace`].

use crate::kernels::{fast_math, Isa};

/// What follows the normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupNormActivation {
    /// Nothing.
    Identity,
    /// GELU with the exact `erf`.
    Gelu,
    /// GLU over the channel axis (halves the channels).
    Glu,
}

/// The shape of a group normalisation: `(batch, channels, inner)` with
/// `groups` groups of `channels / groups` channels.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GroupNormShape {
    pub batch: usize,
    pub channels: usize,
    pub inner: usize,
    pub groups: usize,
}

/// The normalised and activated `x` (`batch · channels · inner` values,
/// row-major), `batch · channels' · inner` values long with `channels'` the
/// channels after the activation. `weight` and `bias` hold one value per
/// channel (both or neither).
///
/// The caller checks the shape: `channels` is a multiple of `groups`, even
/// for [`GroupNormActivation::Glu`], and `x` has the shape's length.
pub(crate) fn group_norm_act(
    isa: Isa,
    x: &[f32],
    shape: GroupNormShape,
    affine: Option<(&[f32], &[f32])>,
    eps: f64,
    act: GroupNormActivation,
) -> Vec<f32> {
    let GroupNormShape {
        batch,
        channels,
        inner,
        groups,
    } = shape;
    let per_group = channels / groups.max(1) * inner;
    // Per-channel centre (the group's mean), scale and shift, for one
    // example at a time.
    let mut centre = vec![(0f32, 0f32); channels];
    let mut scale = vec![0f32; channels];
    let mut shift = vec![0f32; channels];
    let out_channels = if act == GroupNormActivation::Glu {
        channels / 2
    } else {
        channels
    };
    let mut out = Vec::with_capacity(batch * out_channels * inner);
    let mut gate = Vec::new();
    for example in x.chunks_exact(channels * inner).take(batch) {
        for (g, values) in example.chunks_exact(per_group.max(1)).enumerate() {
            let (mean, inv) = moments(values, eps);
            for c in g * channels / groups..(g + 1) * channels / groups {
                let (w, b) = affine.map_or((1.0, 0.0), |(w, b)| (w[c], b[c]));
                #[allow(clippy::cast_possible_truncation, reason = "to f32 as torch")]
                {
                    // μ as a sum of two f32, so `(x − hi) − lo` keeps
                    // its f64 accuracy.
                    let hi = mean as f32;
                    centre[c] = (hi, (mean - f64::from(hi)) as f32);
                    scale[c] = (f64::from(w) * inv) as f32;
                }
                shift[c] = b;
            }
        }
        let rows = example.chunks_exact(inner.max(1));
        match act {
            GroupNormActivation::Identity => {
                for (c, row) in rows.enumerate() {
                    let (m, s, o) = (centre[c], scale[c], shift[c]);
                    out.extend(row.iter().map(|&v| ((v - m.0) - m.1) * s + o));
                }
            }
            GroupNormActivation::Gelu => {
                for (c, row) in rows.enumerate() {
                    let (m, s, o) = (centre[c], scale[c], shift[c]);
                    let start = out.len();
                    out.extend(row.iter().map(|&v| ((v - m.0) - m.1) * s + o));
                    fast_math::gelu_erf_inplace(isa, &mut out[start..]);
                }
            }
            GroupNormActivation::Glu => {
                let (a, b) = example.split_at(out_channels * inner);
                gate.resize(inner, 0.0);
                let a_rows = a.chunks_exact(inner.max(1));
                let b_rows = b.chunks_exact(inner.max(1));
                for (c, (ra, rb)) in a_rows.zip(b_rows).enumerate() {
                    let k = out_channels + c;
                    let (mb, sb, ob) = (centre[k], scale[k], shift[k]);
                    for (g, &v) in gate.iter_mut().zip(rb) {
                        *g = ((v - mb.0) - mb.1) * sb + ob;
                    }
                    fast_math::sigmoid_inplace(isa, &mut gate);
                    let (ma, sa, oa) = (centre[c], scale[c], shift[c]);
                    out.extend(
                        ra.iter()
                            .zip(&gate)
                            .map(|(&v, &g)| (((v - ma.0) - ma.1) * sa + oa) * g),
                    );
                }
            }
        }
    }
    out
}

/// `(μ, 1 / √(σ² + ε))` of `values`, from one pass of `f64` sums of the
/// values and of their squares, in eight lanes (`σ² = E[x²] − μ²`, exact
/// enough in `f64` for `f32` data unless `|μ| / σ` exceeds about `1e5`).
fn moments(values: &[f32], eps: f64) -> (f64, f64) {
    let mut sum = [0f64; 8];
    let mut squares = [0f64; 8];
    let mut chunks = values.chunks_exact(8);
    for chunk in &mut chunks {
        for ((s, q), &v) in sum.iter_mut().zip(&mut squares).zip(chunk) {
            let v = f64::from(v);
            *s += v;
            *q += v * v;
        }
    }
    let (mut s, mut q) = (sum.iter().sum::<f64>(), squares.iter().sum::<f64>());
    for &v in chunks.remainder() {
        let v = f64::from(v);
        s += v;
        q += v * v;
    }
    #[allow(clippy::cast_precision_loss, reason = "element counts")]
    let n = values.len().max(1) as f64;
    let mean = s / n;
    let var = (q / n - mean * mean).max(0.0);
    (mean, 1.0 / (var + eps).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused result against the definition computed in `f64` (the
    /// only difference is the `f32` rounding of `s_c`, `o_c` and `y`).
    /// Also the vectorised GELU's `erf` (error at most 1.5e-7, see
    /// `fast_math`).
    const FUSED_REL_TOL: f32 = 2e-6;

    fn reference(
        x: &[f32],
        shape: GroupNormShape,
        w: &[f32],
        b: &[f32],
        act: GroupNormActivation,
    ) -> Vec<f32> {
        let GroupNormShape {
            batch,
            channels,
            inner,
            groups,
        } = shape;
        let cpg = channels / groups;
        let mut y = vec![0f64; x.len()];
        for n in 0..batch {
            for g in 0..groups {
                let start = (n * channels + g * cpg) * inner;
                let v = &x[start..start + cpg * inner];
                let mean = v.iter().map(|&t| f64::from(t)).sum::<f64>() / v.len() as f64;
                let var = v
                    .iter()
                    .map(|&t| (f64::from(t) - mean).powi(2))
                    .sum::<f64>()
                    / v.len() as f64;
                for (i, &t) in v.iter().enumerate() {
                    let c = g * cpg + i / inner;
                    y[start + i] = (f64::from(t) - mean) / (var + 1e-5).sqrt() * f64::from(w[c])
                        + f64::from(b[c]);
                }
            }
        }
        let y: Vec<f32> = y.iter().map(|&v| v as f32).collect();
        match act {
            GroupNormActivation::Identity => y,
            GroupNormActivation::Gelu => {
                let mut y = y;
                fast_math::gelu_erf_scalar(&mut y);
                y
            }
            GroupNormActivation::Glu => {
                let half = channels / 2 * inner;
                y.chunks(channels * inner)
                    .flat_map(|e| {
                        (0..half)
                            .map(|i| e[i] / (1.0 + (-e[half + i]).exp()))
                            .collect::<Vec<_>>()
                    })
                    .collect()
            }
        }
    }

    #[test]
    fn fused_matches_the_definition_for_each_activation_and_kernel() {
        let shape = GroupNormShape {
            batch: 3,
            channels: 8,
            inner: 37,
            groups: 2,
        };
        let n = shape.batch * shape.channels * shape.inner;
        for offset in [0.0f32, 1000.0] {
            let x: Vec<f32> = (0..n)
                .map(|i| {
                    ((i * 7919 % 1009) as f32 / 1009.0 - 0.3) * 4.0 + (i / 300) as f32 + offset
                })
                .collect();
            check(&x, shape);
        }
    }

    fn check(x: &[f32], shape: GroupNormShape) {
        let w: Vec<f32> = (0..8).map(|c| 0.5 + c as f32 * 0.25).collect();
        let b: Vec<f32> = (0..8).map(|c| c as f32 * 0.1 - 0.4).collect();
        for act in [
            GroupNormActivation::Identity,
            GroupNormActivation::Gelu,
            GroupNormActivation::Glu,
        ] {
            let want = reference(x, shape, &w, &b, act);
            for isa in [Isa::detect(), Isa::scalar()] {
                let got = group_norm_act(isa, x, shape, Some((&w, &b)), 1e-5, act);
                assert_eq!(got.len(), want.len(), "{act:?}");
                for (g, r) in got.iter().zip(&want) {
                    assert!(
                        (g - r).abs() <= FUSED_REL_TOL * r.abs().max(1.0),
                        "{act:?}: {g} vs {r}"
                    );
                }
            }
        }
    }
}
