//! Multi-head scaled dot-product attention on the CPU, reading each head
//! in place from `(batch, tokens, heads·d)` projections and writing it in
//! place into the `(batch, queries, heads·d)` result: per head and block of
//! queries, `S = scale · Q Kᵀ` by gemm into one reused buffer, softmax over
//! each row of `S` in place, then `S V` by gemm into the result. No head
//! is transposed or copied, and the scores held at once are one block's.

use crate::kernels::{fast_math, gemm_f32, Isa, Strided};

/// Queries per block: the scores held at once are `QUERY_BLOCK × keys`.
pub(crate) const QUERY_BLOCK: usize = 256;

/// The sizes of one attention.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AttentionShape {
    pub batch: usize,
    pub queries: usize,
    pub keys: usize,
    pub heads: usize,
    /// Channels per head.
    pub head_dim: usize,
}

/// `softmax(scale · Q_h K_hᵀ) V_h` for each head `h`, with `q`
/// `batch × queries × heads·d`, `k` and `v` `batch × keys × heads·d`;
/// the result is `batch × queries × heads·d`.
///
/// The caller checks the slices' lengths and that `keys ≥ 1`.
pub(crate) fn multi_head_attention(
    isa: Isa,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    s: AttentionShape,
    scale: f32,
) -> Vec<f32> {
    let c = s.heads * s.head_dim;
    let d = s.head_dim;
    let mut out = vec![0f32; s.batch * s.queries * c];
    let mut scores = vec![0f32; QUERY_BLOCK.min(s.queries) * s.keys];
    for b in 0..s.batch {
        let qb = &q[b * s.queries * c..(b + 1) * s.queries * c];
        let kb = &k[b * s.keys * c..(b + 1) * s.keys * c];
        let vb = &v[b * s.keys * c..(b + 1) * s.keys * c];
        let ob = &mut out[b * s.queries * c..(b + 1) * s.queries * c];
        for h in 0..s.heads {
            for start in (0..s.queries).step_by(QUERY_BLOCK) {
                let rows = QUERY_BLOCK.min(s.queries - start);
                let lhs = &qb[start * c + h * d..];
                let keys = &kb[h * d..];
                // SAFETY: dst is `rows × keys` with row stride `keys`
                // (within `scores`, `QUERY_BLOCK·keys` floats); lhs reads
                // query `start + i`, channel `h·d + j` at `(start+i)·c +
                // h·d + j` (< `qb.len()`); rhs reads `Kᵀ[j, t]` = key `t`,
                // channel `h·d + j` at `t·c + h·d + j` (< `kb.len()`).
                unsafe {
                    gemm_f32(
                        (rows, s.keys, d),
                        Strided::new(scores.as_mut_ptr(), s.keys, 1),
                        false,
                        Strided::new(lhs.as_ptr(), c, 1),
                        Strided::new(keys.as_ptr(), 1, c),
                        scale,
                    );
                }
                let block = &mut scores[..rows * s.keys];
                fast_math::softmax_rows_inplace(isa, block, s.keys);
                let values = &vb[h * d..];
                let dst = &mut ob[start * c + h * d..];
                // SAFETY: dst is `rows × d` with row stride `c` from query
                // `start`, channel `h·d` (`(start+rows−1)·c + h·d + d ≤
                // queries·c`); lhs is the `rows × keys` block; rhs reads
                // value `t`, channel `h·d + j` at `t·c + h·d + j` (<
                // `vb.len()`).
                unsafe {
                    gemm_f32(
                        (rows, d, s.keys),
                        Strided::new(dst.as_mut_ptr(), c, 1),
                        false,
                        Strided::new(block.as_ptr(), s.keys, 1),
                        Strided::new(values.as_ptr(), c, 1),
                        1.0,
                    );
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f32 sums in another order than the direct loops (over up to 300
    /// keys).
    const ATTENTION_TOL: f32 = 1e-5;

    #[test]
    fn matches_the_direct_computation() {
        // More queries than a block, so the blocking is exercised.
        let s = AttentionShape {
            batch: 2,
            queries: QUERY_BLOCK + 37,
            keys: 300,
            heads: 3,
            head_dim: 5,
        };
        let c = s.heads * s.head_dim;
        let fill = |n: usize, seed: usize| -> Vec<f32> {
            (0..n)
                .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 / 2003.0 - 0.5) * 3.0)
                .collect()
        };
        let q = fill(s.batch * s.queries * c, 1);
        let k = fill(s.batch * s.keys * c, 2);
        let v = fill(s.batch * s.keys * c, 3);
        let scale = 0.4;
        for isa in [Isa::detect(), Isa::scalar()] {
            let got = multi_head_attention(isa, &q, &k, &v, s, scale);
            for b in 0..s.batch {
                for h in 0..s.heads {
                    for i in (0..s.queries).step_by(17) {
                        let at = |x: &[f32], len: usize, t: usize, j: usize| {
                            x[(b * len + t) * c + h * s.head_dim + j]
                        };
                        let logits: Vec<f64> = (0..s.keys)
                            .map(|t| {
                                (0..s.head_dim)
                                    .map(|j| {
                                        f64::from(at(&q, s.queries, i, j))
                                            * f64::from(at(&k, s.keys, t, j))
                                    })
                                    .sum::<f64>()
                                    * f64::from(scale)
                            })
                            .collect();
                        let max = logits.iter().copied().fold(f64::MIN, f64::max);
                        let w: Vec<f64> = logits.iter().map(|l| (l - max).exp()).collect();
                        let total: f64 = w.iter().sum();
                        for j in 0..s.head_dim {
                            let want = (0..s.keys)
                                .map(|t| w[t] / total * f64::from(at(&v, s.keys, t, j)))
                                .sum::<f64>() as f32;
                            let g = got[(b * s.queries + i) * c + h * s.head_dim + j];
                            assert!((g - want).abs() <= ATTENTION_TOL, "{g} vs {want}");
                        }
                    }
                }
            }
        }
    }
}
