//! A fused [`crate::TcnBlock`] for inference on the CPU (f32): the dilated
//! convolution, the per-channel affine map of FiLM / batch norm, the PReLU and
//! the grouped 1×1 residual in one pass over the signal, instead of one candle
//! op (and one full-size temporary) per step.
//!
//! The convolution is a register-tiled direct kernel (4 output channels × 16
//! samples of accumulators) with dispatch to AVX2 + FMA on x86-64 (chosen when
//! the block is planned: [`TcnParams::isa`]), and
//! an auto-vectorised scalar path for the rest: the edges where the causal
//! padding is read, channel and sample remainders, and CPUs without AVX2.
//!
//! ```text
//! h[o, t] = Σ_i Σ_k w[o, i, k] · x[i, t + k·d − pad]      (x = 0 outside)
//! v[o, t] = h[o, t] · scale[o] + shift[o]
//! y[o, t] = max(v, 0) + slope[o] · min(v, 0) + res[o] · x[o / ratio, t + res_off]
//! ```

use crate::kernels::Isa;

/// The weights and geometry of one block, for one batch item.
pub(crate) struct TcnParams<'a> {
    /// Convolution weight `(c_out, c_in, k)` row-major.
    pub w: &'a [f32],
    /// Input channels, output channels, taps, dilation.
    pub c_in: usize,
    pub c_out: usize,
    pub k: usize,
    pub dilation: usize,
    /// Zero samples on the left of the input (causal padding).
    pub pad: usize,
    /// Input and output lengths.
    pub t_in: usize,
    pub t_out: usize,
    /// Per output channel: affine scale and shift, PReLU slope, residual weight.
    pub scale: &'a [f32],
    pub shift: &'a [f32],
    pub slope: &'a [f32],
    pub res: &'a [f32],
    /// `c_out / c_in`: output channel `o` takes its residual from input `o / ratio`.
    pub ratio: usize,
    /// Offset of the residual crop in the input.
    pub res_off: usize,
    /// The kernels chosen when the block was planned.
    pub isa: Isa,
}

impl TcnParams<'_> {
    /// The sizes the unchecked kernel relies on.
    fn check(&self, x: &[f32], y: &[f32]) {
        let p = self;
        assert_eq!(p.w.len(), p.c_out * p.c_in * p.k, "tcn kernel: weight size");
        assert!(x.len() >= p.c_in * p.t_in, "tcn kernel: input size");
        assert!(y.len() >= p.c_out * p.t_out, "tcn kernel: output size");
        for v in [p.scale, p.shift, p.slope, p.res] {
            assert!(v.len() >= p.c_out, "tcn kernel: per-channel size");
        }
        assert!(
            p.ratio > 0 && p.c_out <= p.c_in * p.ratio,
            "tcn kernel: ratio"
        );
        assert!(
            p.k > 0 && p.t_out + (p.k - 1) * p.dilation <= p.t_in + p.pad,
            "tcn kernel: reads past the input"
        );
        assert!(p.res_off + p.t_out <= p.t_in, "tcn kernel: residual crop");
    }
}

/// Runs the block on `x` `(c_in, t_in)` into `y` `(c_out, t_out)`.
///
/// # Panics
///
/// When the buffers or parameters are inconsistent (a bug in the caller).
pub(crate) fn run(p: &TcnParams, x: &[f32], y: &mut [f32]) {
    p.check(x, y);
    let edge = p.pad.min(p.t_out);
    scalar_range(p, x, y, 0..p.c_out, 0..edge);
    #[cfg(target_arch = "x86_64")]
    {
        if p.isa.avx2_fma() {
            let groups = p.c_out / 4 * 4;
            let tiles = edge + (p.t_out - edge) / 16 * 16;
            // SAFETY: AVX2 and FMA are present (`Isa::detect` found them) and
            // `check` bounds every index the tiles read or write: the tiles
            // cover channels `0..groups <= c_out` and samples `edge..tiles`,
            // where `t >= pad` makes every convolution read non-negative.
            unsafe { tiles_avx2(p, x, y, groups, edge, tiles) };
            scalar_range(p, x, y, groups..p.c_out, edge..tiles);
            scalar_range(p, x, y, 0..p.c_out, tiles..p.t_out);
            return;
        }
    }
    scalar_range(p, x, y, 0..p.c_out, edge..p.t_out);
}

/// The portable path: per output channel, one `axpy` over the time range per
/// (input channel, tap), then the epilogue.
pub(crate) fn scalar_range(
    p: &TcnParams,
    x: &[f32],
    y: &mut [f32],
    channels: std::ops::Range<usize>,
    times: std::ops::Range<usize>,
) {
    if times.is_empty() {
        return;
    }
    let (t0, t1) = (times.start, times.end);
    let mut acc = vec![0f32; t1 - t0];
    for o in channels {
        acc.iter_mut().for_each(|v| *v = 0.0);
        for i in 0..p.c_in {
            let row = &x[i * p.t_in..(i + 1) * p.t_in];
            for kk in 0..p.k {
                let w = p.w[(o * p.c_in + i) * p.k + kk];
                let shift = kk * p.dilation;
                // Samples whose read index t + shift − pad is non-negative.
                let first = t0.max(p.pad.saturating_sub(shift));
                if first >= t1 {
                    continue;
                }
                let src = &row[first + shift - p.pad..t1 + shift - p.pad];
                for (a, &s) in acc[first - t0..].iter_mut().zip(src) {
                    *a += w * s;
                }
            }
        }
        let res =
            &x[(o / p.ratio) * p.t_in + p.res_off + t0..(o / p.ratio) * p.t_in + p.res_off + t1];
        let out = &mut y[o * p.t_out + t0..o * p.t_out + t1];
        let (sc, sh, sl, rw) = (p.scale[o], p.shift[o], p.slope[o], p.res[o]);
        for ((d, &a), &r) in out.iter_mut().zip(&acc).zip(res) {
            let v = a * sc + sh;
            *d = v.max(0.0) + sl * v.min(0.0) + rw * r;
        }
    }
}

/// Tiles of 4 output channels × 16 samples for channels `0..groups` (a
/// multiple of 4) and samples `t_lo..t_hi` (a multiple of 16 apart, `t_lo >= pad`).
///
/// # Safety
///
/// The CPU has AVX2 and FMA, and `p.check(x, y)` has passed.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tiles_avx2(
    p: &TcnParams,
    x: &[f32],
    y: &mut [f32],
    groups: usize,
    t_lo: usize,
    t_hi: usize,
) {
    use std::arch::x86_64::*;
    let (xp, yp, wp) = (x.as_ptr(), y.as_mut_ptr(), p.w.as_ptr());
    let (c_in, k, d) = (p.c_in, p.k, p.dilation);
    let zero = _mm256_setzero_ps();
    let mut t = t_lo;
    while t + 16 <= t_hi {
        let mut o0 = 0;
        while o0 < groups {
            let mut acc = [[zero; 2]; 4];
            for i in 0..c_in {
                for kk in 0..k {
                    // SAFETY: t >= pad, so the read starts at or after the row
                    // start; t + 15 + (k-1)·d − pad < t_in by `check`.
                    let (x0, x1) = unsafe {
                        let src = xp.add(i * p.t_in + t + kk * d - p.pad);
                        (_mm256_loadu_ps(src), _mm256_loadu_ps(src.add(8)))
                    };
                    for (oo, a) in acc.iter_mut().enumerate() {
                        // SAFETY: o0 + oo < c_out, i < c_in, kk < k.
                        let w = unsafe { *wp.add(((o0 + oo) * c_in + i) * k + kk) };
                        let w = _mm256_set1_ps(w);
                        a[0] = _mm256_fmadd_ps(w, x0, a[0]);
                        a[1] = _mm256_fmadd_ps(w, x1, a[1]);
                    }
                }
            }
            for (oo, a) in acc.iter().enumerate() {
                let o = o0 + oo;
                let sc = _mm256_set1_ps(p.scale[o]);
                let sh = _mm256_set1_ps(p.shift[o]);
                let sl = _mm256_set1_ps(p.slope[o]);
                let rw = _mm256_set1_ps(p.res[o]);
                for (h, &v) in a.iter().enumerate() {
                    // SAFETY: the residual read ends at res_off + t + 16 <= t_in and
                    // the write at t + 16 <= t_out, both inside their rows (`check`).
                    unsafe {
                        let r =
                            _mm256_loadu_ps(xp.add((o / p.ratio) * p.t_in + p.res_off + t + 8 * h));
                        let v = _mm256_fmadd_ps(v, sc, sh);
                        let v = _mm256_fmadd_ps(_mm256_min_ps(v, zero), sl, _mm256_max_ps(v, zero));
                        let v = _mm256_fmadd_ps(r, rw, v);
                        _mm256_storeu_ps(yp.add(o * p.t_out + t + 8 * h), v);
                    }
                }
            }
            o0 += 4;
        }
        t += 16;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo(n: usize, seed: u32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                (s % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    /// The kernel (SIMD where available) equals the scalar path over every
    /// shape class: channel and sample remainders, causal and valid, dilation
    /// longer than the signal's tile, residual channel ratio > 1.
    #[test]
    fn dispatch_matches_scalar() {
        for &(c_in, c_out, k, d, t_in, causal, res_off_end) in &[
            (1, 32, 3, 1, 200, true, false),
            (32, 32, 3, 8, 300, true, false),
            (5, 10, 2, 3, 77, true, false),
            (6, 6, 4, 5, 123, false, true),
            (6, 6, 4, 5, 123, false, false),
            (3, 9, 1, 1, 50, true, false),
            (4, 8, 3, 64, 100, true, false),
        ] {
            let pad = if causal { d * (k - 1) } else { 0 };
            let t_out = t_in + pad - d * (k - 1);
            let res_off = if res_off_end {
                t_in - t_out
            } else {
                (t_in - t_out) / 2
            };
            let w = pseudo(c_out * c_in * k, 1);
            let x = pseudo(c_in * t_in, 2);
            let (scale, shift, slope, res) = (
                pseudo(c_out, 3),
                pseudo(c_out, 4),
                pseudo(c_out, 5),
                pseudo(c_out, 6),
            );
            let p = TcnParams {
                w: &w,
                c_in,
                c_out,
                k,
                dilation: d,
                pad,
                t_in,
                t_out,
                scale: &scale,
                shift: &shift,
                slope: &slope,
                res: &res,
                ratio: c_out / c_in,
                res_off,
                isa: Isa::detect(),
            };
            let mut fast = vec![0f32; c_out * t_out];
            run(&p, &x, &mut fast);
            let mut slow = vec![0f32; c_out * t_out];
            scalar_range(&p, &x, &mut slow, 0..c_out, 0..t_out);
            let mut fallback = vec![0f32; c_out * t_out];
            run(
                &TcnParams {
                    isa: Isa::scalar(),
                    ..p
                },
                &x,
                &mut fallback,
            );
            assert_eq!(fallback, slow, "the scalar Isa runs the fallback");
            // And a naive per-sample reference for the scalar path itself.
            for o in 0..c_out {
                for t in 0..t_out {
                    let mut h = 0f32;
                    for i in 0..c_in {
                        for kk in 0..k {
                            let s = (t + kk * d) as isize - pad as isize;
                            if s >= 0 {
                                h += w[(o * c_in + i) * k + kk] * x[i * t_in + s as usize];
                            }
                        }
                    }
                    let v = h * scale[o] + shift[o];
                    let want = v.max(0.0)
                        + slope[o] * v.min(0.0)
                        + res[o] * x[(o / p.ratio) * t_in + res_off + t];
                    let got = slow[o * t_out + t];
                    assert!(
                        (got - want).abs() <= 1e-5 * (1.0 + want.abs()),
                        "naive {o},{t}"
                    );
                    let f = fast[o * t_out + t];
                    assert!(
                        (f - got).abs() <= 1e-5 * (1.0 + got.abs()),
                        "simd {o},{t}: {f} vs {got}"
                    );
                }
            }
        }
    }
}
