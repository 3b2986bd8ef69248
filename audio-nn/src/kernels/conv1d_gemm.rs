//! A valid stride-1 1-D convolution with one group, `y[b, o, t] = bias[o] +
//! Σ_{c,k} w[o, c, k] · x[b, c, t + k·dilation]`, as one matrix product
//! per tap that gemm accumulates into the output in place: the output is
//! written once (starting from the bias), where the tap-by-tap tensor form
//! allocates a product and a sum per tap and a sum for the bias.

/// The sizes of one convolution.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Conv1dShape {
    pub batch: usize,
    pub in_channels: usize,
    pub length: usize,
    pub out_channels: usize,
    pub kernel: usize,
    pub dilation: usize,
}

impl Conv1dShape {
    /// The output length (the caller checks that the input spans the
    /// kernel).
    pub(crate) fn out_length(&self) -> usize {
        self.length - self.dilation * (self.kernel - 1)
    }
}

/// The convolution of `x` (`batch × in × length`) with `w`
/// (`out × in × kernel`) plus `bias` (`out`), `batch × out × out_length`
/// values.
///
/// The caller checks that the slices have the shape's lengths, that
/// `kernel ≥ 1` and that `length ≥ dilation·(kernel − 1) + 1`.
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
    let parallelism = match candle_core::utils::get_num_threads() {
        0 | 1 => gemm::Parallelism::None,
        n => gemm::Parallelism::Rayon(n),
    };
    for (item, dst) in x
        .chunks_exact(c * s.length)
        .zip(out.chunks_exact_mut(o * t))
    {
        for tap in 0..k {
            let rhs = &item[tap * s.dilation..];
            let lhs = &w[tap..];
            // SAFETY: dst is `o × t` with row stride `t` (`o·t` floats);
            // lhs reads `w[o', c', tap]` at `o'·c·k + c'·k` (< `w.len()` −
            // `tap` as `tap < k`); rhs reads `c × t` with row stride
            // `length` from offset `tap·dilation`, and `(c−1)·length +
            // tap·dilation + t ≤ c·length` because `t = length −
            // dilation·(k−1)` and `tap ≤ k−1`.
            unsafe {
                gemm::gemm(
                    o,
                    t,
                    c,
                    dst.as_mut_ptr(),
                    1,
                    t as isize,
                    bias.is_some() || tap > 0,
                    lhs.as_ptr(),
                    k as isize,
                    (c * k) as isize,
                    rhs.as_ptr(),
                    1,
                    s.length as isize,
                    1.0,
                    1.0,
                    false,
                    false,
                    false,
                    parallelism,
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
        for (bias, kernel, dilation) in [(true, 3, 2), (false, 1, 1), (true, 5, 1)] {
            let s = Conv1dShape {
                batch: 2,
                in_channels: 3,
                length: 29,
                out_channels: 4,
                kernel,
                dilation,
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
                                want += w[(oc * 3 + ci) * kernel + tap]
                                    * x[(n * 3 + ci) * 29 + ti + tap * dilation];
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
