//! The forward real FFT of the STFT op for an even size `N`: a complex FFT of
//! `N/2` points (rustfft) on the samples packed in pairs,
//! `z[m] = x[2m] + i·x[2m+1]`, then the split into the real signal's spectrum,
//!
//! ```text
//! E = (Z[k] + conj Z[N/2−k]) / 2,   O = (Z[k] − conj Z[N/2−k]) / 2i,   w = e^{−2πik/N}
//! X[k] = E + w·O,                   X[N/2−k] = conj(E − w·O)
//! ```
//!
//! the same algorithm as `realfft`'s `RealToComplexEven`, with the split done
//! 4 bins at a time by AVX2 + FMA when the CPU has them (scalar otherwise):
//! realfft's scalar split cost more than the FFT itself at `N = 1024`.

use std::sync::Arc;

use crate::kernels::Isa;
use realfft::num_complex::Complex;
use rustfft::Fft;

/// A planned forward real FFT of even size.
pub(crate) struct RealFftEven {
    fft: Arc<dyn Fft<f32>>,
    /// `w_k = e^{−2πik/N}` for `k < N/4 + 1`, computed in f64.
    twiddles: Vec<Complex<f32>>,
    n: usize,
    /// The split kernel's instruction set, chosen when the plan is made.
    isa: Isa,
}

impl RealFftEven {
    /// Plans size `n` (even, at least 2).
    pub(crate) fn new(n: usize) -> Self {
        assert!(n >= 2 && n.is_multiple_of(2), "real fft: even size");
        let fft = rustfft::FftPlanner::new().plan_fft_forward(n / 2);
        let twiddles = (0..n / 4 + 1)
            .map(|k| {
                let ph = -2.0 * std::f64::consts::PI * k as f64 / n as f64;
                Complex::new(ph.cos() as f32, ph.sin() as f32)
            })
            .collect();
        Self {
            fft,
            twiddles,
            n,
            isa: Isa::detect(),
        }
    }

    /// Scratch length for [`RealFftEven::process`].
    pub(crate) fn scratch_len(&self) -> usize {
        self.fft.get_outofplace_scratch_len()
    }

    /// The spectrum `out` (`N/2 + 1` bins) of the real signal `x` (`N`
    /// samples, overwritten).
    ///
    /// # Panics
    ///
    /// On buffers of the wrong size (a bug in the caller).
    pub(crate) fn process(
        &self,
        x: &mut [f32],
        out: &mut [Complex<f32>],
        scratch: &mut [Complex<f32>],
    ) {
        let h = self.n / 2;
        assert!(
            x.len() == self.n && out.len() == h + 1,
            "real fft: buffer sizes"
        );
        // SAFETY: `Complex<f32>` is `#[repr(C)] { re, im }` (num-complex), so
        // `N` floats are `N/2` complex values with the same alignment.
        let z = unsafe { std::slice::from_raw_parts_mut(x.as_mut_ptr() as *mut Complex<f32>, h) };
        self.fft
            .process_outofplace_with_scratch(z, &mut out[..h], scratch);
        let z0 = out[0];
        out[0] = Complex::new(z0.re + z0.im, 0.0);
        out[h] = Complex::new(z0.re - z0.im, 0.0);
        let mut k = 1;
        #[cfg(target_arch = "x86_64")]
        {
            if self.isa.avx2_fma() {
                // SAFETY: AVX2 and FMA are present (`Isa::detect` found them
                // when the plan was made); sizes asserted.
                k = unsafe { split_avx2(out, &self.twiddles, h) };
            }
        }
        split_scalar(out, &self.twiddles, h, k);
    }
}

/// The split for bins `from..=N/4` (pairs `k`, `N/2−k`; the centre alone).
fn split_scalar(out: &mut [Complex<f32>], tw: &[Complex<f32>], h: usize, from: usize) {
    for k in from..=h / 2 {
        let (a, b) = (out[k], out[h - k].conj());
        let e = (a + b) * 0.5;
        let d = (a - b) * 0.5;
        let o = Complex::new(d.im, -d.re); // d / i
        let wo = tw[k] * o;
        out[k] = e + wo;
        if h - k != k {
            out[h - k] = (e - wo).conj();
        }
    }
}

/// The split 4 bins at a time while the two groups of 4 do not meet; returns
/// the first bin left to [`split_scalar`].
///
/// # Safety
///
/// The CPU has AVX2 and FMA; `out` holds `h + 1` bins and `tw` `h/2 + 1`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn split_avx2(out: &mut [Complex<f32>], tw: &[Complex<f32>], h: usize) -> usize {
    use std::arch::x86_64::*;
    assert!(out.len() > h && tw.len() > h / 2);
    let p = out.as_mut_ptr() as *mut f32;
    let t = tw.as_ptr() as *const f32;
    let half = _mm256_set1_ps(0.5);
    // Flips the sign of the imaginary lanes: conj.
    let conj = _mm256_castsi256_ps(_mm256_set_epi32(
        i32::MIN,
        0,
        i32::MIN,
        0,
        i32::MIN,
        0,
        i32::MIN,
        0,
    ));
    let mut k = 1;
    // Bins k..k+4 and h−k−3..=h−k must be disjoint: k + 3 < h − k − 3.
    while 2 * k + 6 < h {
        let m = h - k - 3;
        // SAFETY: k + 4 <= m <= h − 4, so both 4-bin groups lie in `out`,
        // and k + 4 <= h/2 + 1 bins of `tw`.
        unsafe {
            let a = _mm256_loadu_ps(p.add(2 * k));
            // Z[h−k], Z[h−k−1], Z[h−k−2], Z[h−k−3]: the group reversed by complex pairs.
            let b = _mm256_castpd_ps(_mm256_permute4x64_pd::<0x1B>(_mm256_castps_pd(
                _mm256_loadu_ps(p.add(2 * m)),
            )));
            let b = _mm256_xor_ps(b, conj);
            let e = _mm256_mul_ps(_mm256_add_ps(a, b), half);
            let d = _mm256_mul_ps(_mm256_sub_ps(a, b), half);
            // o = d / i = (d.im, −d.re)
            let o = _mm256_xor_ps(_mm256_permute_ps::<0xB1>(d), conj);
            let w = _mm256_loadu_ps(t.add(2 * k));
            // w·o = (wr·or − wi·oi, wr·oi + wi·or)
            let wo = _mm256_fmaddsub_ps(
                _mm256_moveldup_ps(w),
                o,
                _mm256_mul_ps(_mm256_movehdup_ps(w), _mm256_permute_ps::<0xB1>(o)),
            );
            _mm256_storeu_ps(p.add(2 * k), _mm256_add_ps(e, wo));
            let y = _mm256_xor_ps(_mm256_sub_ps(e, wo), conj);
            _mm256_storeu_ps(
                p.add(2 * m),
                _mm256_castpd_ps(_mm256_permute4x64_pd::<0x1B>(_mm256_castps_pd(y))),
            );
        }
        k += 4;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against realfft on the same input (same algorithm, different rounding).
    #[test]
    fn matches_realfft() {
        for n in [2usize, 4, 6, 8, 14, 16, 18, 30, 64, 100, 1024, 2048] {
            let x: Vec<f32> = (0..n)
                .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
                .collect();
            let r2c = realfft::RealFftPlanner::<f32>::new().plan_fft_forward(n);
            let (mut xin, mut want) = (x.clone(), r2c.make_output_vec());
            r2c.process(&mut xin, &mut want).unwrap();
            let plan = RealFftEven::new(n);
            let mut z = x.clone();
            let mut got = vec![Complex::new(0f32, 0f32); n / 2 + 1];
            let mut scratch = vec![Complex::new(0f32, 0f32); plan.scratch_len()];
            plan.process(&mut z, &mut got, &mut scratch);
            let peak = want.iter().map(|c| c.norm()).fold(0f32, f32::max);
            for (k, (g, w)) in got.iter().zip(&want).enumerate() {
                assert!(
                    (g - w).norm() <= 1e-6 * peak.max(1.0),
                    "n={n} k={k}: {g} vs {w}"
                );
            }
        }
    }

    /// The split with the detected instruction set against the scalar fallback.
    #[test]
    fn dispatch_matches_scalar() {
        for n in [8usize, 16, 30, 64, 100, 1024] {
            let x: Vec<f32> = (0..n).map(|i| ((i * 31) % 17) as f32 / 8.0 - 1.0).collect();
            let fast_plan = RealFftEven::new(n);
            let slow_plan = RealFftEven {
                isa: Isa::scalar(),
                ..RealFftEven::new(n)
            };
            let mut scratch = vec![Complex::new(0f32, 0f32); fast_plan.scratch_len()];
            let (mut a, mut b) = (x.clone(), x.clone());
            let mut fast = vec![Complex::new(0f32, 0f32); n / 2 + 1];
            let mut slow = vec![Complex::new(0f32, 0f32); n / 2 + 1];
            fast_plan.process(&mut a, &mut fast, &mut scratch);
            slow_plan.process(&mut b, &mut slow, &mut scratch);
            let peak = slow.iter().map(|c| c.norm()).fold(0f32, f32::max);
            for (k, (f, s)) in fast.iter().zip(&slow).enumerate() {
                assert!(
                    (f - s).norm() <= 1e-6 * peak.max(1.0),
                    "n={n} k={k}: {f} vs {s}"
                );
            }
        }
    }
}
