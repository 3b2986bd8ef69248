//! A 1-D convolution with one group and zero padding, `y[b, o, t] =
//! bias[o] + Σ_{c,k} w[o, c, k] · x_pad[b, c, t·stride + k·dilation]`, as
//! one matrix product per tap that gemm accumulates into the output in
//! place, over the output columns whose input lies inside `x` (the padding
//! contributes nothing, so it is never materialised): the output is
//! written once (starting from the bias), where the tensor form allocates
//! a padded copy, and a product and a sum per tap.

use crate::kernels::{gemm_f32, Strided};

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv1dShape {
    pub batch: usize,
    pub in_channels: usize,
    pub length: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub dilation: usize,
    pub stride: usize,
    /// Zeros before and after the input.
    pub pad: (usize, usize),
}

impl Conv1dShape {
    /// The output length (the caller checks that the input spans the
    /// kernel).
    pub(crate) fn out_length(&self) -> usize {
        let padded = self.length + self.pad.0 + self.pad.1;
        (padded - self.dilation * (self.kernel - 1) - 1) / self.stride + 1
    }

    /// The output columns `[lo, hi)` whose input for `tap` lies inside
    /// `x`: `0 ≤ t·stride + tap·dilation − pad.0 < length`.
    fn columns(&self, tap: usize) -> (usize, usize) {
        let offset = tap * self.dilation;
        let lo = self.pad.0.saturating_sub(offset).div_ceil(self.stride);
        // The largest `t·stride` with an index inside `x` is
        // `length − 1 + pad.0 − offset`; none when that is negative.
        let hi = match (self.length + self.pad.0).checked_sub(offset + 1) {
            Some(last) => (last / self.stride + 1).min(self.out_length()),
            None => 0,
        };
        (lo, hi.max(lo))
    }
}

/// The convolution of `x` (`batch × in × length`) with `w`
/// (`out × in × kernel`) plus `bias` (`out`), `batch × out × out_length`
/// values.
///
/// The caller checks that the slices have the shape's lengths, that
/// `kernel ≥ 1`, `stride ≥ 1` and that the padded length is at least
/// `dilation·(kernel − 1) + 1`.
pub(crate) fn conv1d_gemm(x: &[f32], w: &[f32], bias: Option<&[f32]>, s: Conv1dShape) -> Vec<f32> {
    let t = s.out_length();
    let (c, o, k) = (s.in_channels, s.out_channels, s.kernel);
    let mut out = Vec::with_capacity(s.batch * o * t);
    for _ in 0..s.batch {
        match bias {
            Some(b) => {
                for &v in &b[..o] {
                    out.extend(std::iter::repeat_n(v, t));
                }
            }
            None => out.resize(out.len() + o * t, 0.0),
        }
    }
    for (item, dst) in x
        .chunks_exact(c * s.length)
        .zip(out.chunks_exact_mut(o * t))
    {
        for tap in 0..k {
            let (lo, hi) = s.columns(tap);
            if lo == hi {
                continue;
            }
            let rhs = &item[lo * s.stride + tap * s.dilation - s.pad.0..];
            let lhs = &w[tap..];
            // SAFETY: dst is `o × (hi − lo)` from column `lo` with row
            // stride `t` (within `o·t` floats as `hi ≤ t`); lhs reads
            // `w[o', c', tap]` at `o'·c·k + c'·k` (< `w.len()` − `tap` as
            // `tap < k`); rhs reads `c × (hi − lo)` with row stride
            // `length` and column stride `stride` from input index
            // `lo·stride + tap·dilation − pad.0` ≥ 0, and its last read,
            // `(c−1)·length + (hi−1)·stride + tap·dilation − pad.0`, is
            // below `c·length` because `hi` keeps that index below
            // `length` ([`Conv1dShape::columns`]).
            unsafe {
                gemm_f32(
                    (o, hi - lo, c),
                    Strided::new(dst.as_mut_ptr().add(lo), t, 1),
                    true,
                    Strided::new(lhs.as_ptr(), c * k, k),
                    Strided::new(rhs.as_ptr(), s.length, s.stride),
                    1.0,
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f32 sums in a different order than the direct loop.
    const GEMM_TOL: f32 = 1e-5;

    #[test]
    fn matches_the_direct_sum() {
        for (bias, kernel, dilation, stride, pad) in [
            (true, 3, 2, 1, (0, 0)),
            (false, 1, 1, 1, (0, 0)),
            (true, 5, 1, 1, (2, 2)),
            (true, 8, 1, 4, (2, 2)),
            (false, 3, 2, 3, (2, 0)),
            (true, 3, 16, 1, (16, 16)),
            (true, 3, 40, 1, (40, 40)),
            (true, 4, 3, 2, (0, 7)),
        ] {
            let s = Conv1dShape {
                batch: 2,
                in_channels: 3,
                length: 29,
                out_channels: 4,
                kernel,
                dilation,
                stride,
                pad,
            };
            let x: Vec<f32> = (0..2 * 3 * 29)
                .map(|i| ((i * 37) % 17) as f32 - 8.0)
                .collect();
            let w: Vec<f32> = (0..4 * 3 * kernel)
                .map(|i| ((i * 11) % 7) as f32 * 0.25 - 0.7)
                .collect();
            let b = [0.5f32, -1.0, 2.0, 0.0];
            let got = conv1d_gemm(&x, &w, bias.then_some(&b[..]), s);
            let t = s.out_length();
            assert_eq!(got.len(), 2 * 4 * t);
            for n in 0..2 {
                for oc in 0..4 {
                    for ti in 0..t {
                        let mut want = if bias { b[oc] } else { 0.0 };
                        for ci in 0..3 {
                            for tap in 0..kernel {
                                let at = (ti * stride + tap * dilation).checked_sub(pad.0);
                                if let Some(at) = at.filter(|&a| a < 29) {
                                    want +=
                                        w[(oc * 3 + ci) * kernel + tap] * x[(n * 3 + ci) * 29 + at];
                                }
                            }
                        }
                        let g = got[(n * 4 + oc) * t + ti];
                        assert!(
                            (g - want).abs() <= GEMM_TOL * want.abs().max(1.0),
                            "{g} {want}"
                        );
                    }
                }
            }
        }
    }
}
