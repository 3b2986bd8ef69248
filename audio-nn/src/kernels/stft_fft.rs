//! The STFT of [`crate::StftLayer`] as one candle custom op computed with real FFTs
//! on the CPU in f32 ([`crate::kernels::real_fft`] for even sizes, `realfft` for odd
//! ones), with its backward pass (the adjoint: an inverse half-spectrum DFT
//! per frame by `realfft`, windowed and overlap-added), so the differentiable
//! STFT costs `O(N log N)` per frame instead of the DFT matmul's `O(N²)`.
//! The padding happens inside the op, and the `(batch, 2F, frames)` output is
//! written in tiles of 16 frames by 8×8 in-register transposes (AVX2, scalar
//! fallback).

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealToComplex};

use crate::conv::padding::{pad_source, PadMode};
use crate::kernels::real_fft::RealFftEven;
use crate::kernels::Isa;

/// Frames of a signal `(B, L)`, padded inside the op by `left` / `right`
/// samples of `mode` → `(B, 2F, T)`: rows `0..F` the real parts, `F..2F` the
/// imaginary parts of `Σ_n w[n] x_pad[t·hop + n] e^{-2πikn/N}`.
pub(crate) struct StftOp {
    /// Padding on each side (checked by [`crate::conv::padding::check_padding`]) and its mode.
    pub left: usize,
    pub right: usize,
    pub mode: PadMode,
    pub n_fft: usize,
    pub hop: usize,
    pub frames: usize,
    pub window: Arc<Vec<f32>>,
    pub forward: Arc<dyn RealToComplex<f32>>,
    /// For even `n_fft`: the forward transform with a SIMD split (used instead of `forward`).
    pub forward_even: Option<Arc<RealFftEven>>,
    pub inverse: Arc<dyn ComplexToReal<f32>>,
    /// The tile transpose's instruction set, chosen when the layer was built.
    pub isa: Isa,
}

impl StftOp {
    fn freqs(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// `xp ← pad(xs)`: the signal copied into the middle, the edges from
    /// [`pad_source`].
    fn pad_into(&self, xs: &[f32], xp: &mut [f32]) {
        let (n, l) = (xs.len(), self.left);
        xp[l..l + n].copy_from_slice(xs);
        for i in (0..l).chain(l + n..xp.len()) {
            xp[i] = pad_source(i, n, l, self.mode).map_or(0.0, |s| xs[s]);
        }
    }

    /// The adjoint of [`StftOp::pad_into`]: `gx += padᵀ(gpad)`.
    fn unpad_add(&self, gpad: &[f32], gx: &mut [f32]) {
        let (n, l) = (gx.len(), self.left);
        gx.iter_mut()
            .zip(&gpad[l..l + n])
            .for_each(|(d, &g)| *d += g);
        for i in (0..l).chain(l + n..gpad.len()) {
            if let Some(s) = pad_source(i, n, l, self.mode) {
                gx[s] += gpad[i];
            }
        }
    }
}

/// Frames per output tile: two 8×8 transposes of [`transpose_tile_avx2`]
/// per group of bins, so each output row gets 64 contiguous bytes at once.
const TILE: usize = 16;

/// Writes a tile of `nt` spectra (frame-major, `f` bins each) bin-major into
/// `o` (`2f` rows of `t` floats: real parts, then imaginary parts) at column
/// `t0`, bins `from..f`.
fn transpose_tile_scalar(
    tile: &[Complex<f32>],
    nt: usize,
    from: usize,
    (f, t, t0): (usize, usize, usize),
    o: &mut [f32],
) {
    for k in from..f {
        let re = &mut o[k * t + t0..k * t + t0 + nt];
        for (j, d) in re.iter_mut().enumerate() {
            *d = tile[j * f + k].re;
        }
        let im = &mut o[(f + k) * t + t0..(f + k) * t + t0 + nt];
        for (j, d) in im.iter_mut().enumerate() {
            *d = tile[j * f + k].im;
        }
    }
}

/// [`transpose_tile_scalar`] for a full tile, 8 bins × 8 frames at a time by
/// in-register 8×8 transposes; returns the bins done (`f / 8 · 8`), the rest
/// is left to the scalar path.
///
/// # Safety
///
/// The CPU has AVX2; `tile` holds `TILE·f` spectra and `o` `2f` rows of `t >= t0 + TILE` floats.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn transpose_tile_avx2(
    tile: &[Complex<f32>],
    (f, t, t0): (usize, usize, usize),
    o: &mut [f32],
) -> usize {
    use std::arch::x86_64::*;
    assert!(tile.len() >= TILE * f && o.len() >= 2 * f * t && t0 + TILE <= t);
    let (src, dst) = (tile.as_ptr() as *const f32, o.as_mut_ptr());
    // `_mm256_shuffle_ps` keeps 128-bit lanes apart: the de-interleaved rows
    // hold bins in the order 0 1 4 5 2 3 6 7, undone when storing.
    const BIN: [usize; 8] = [0, 1, 4, 5, 2, 3, 6, 7];
    let done = f / 8 * 8;
    let mut k0 = 0;
    while k0 < done {
        for sub in (0..TILE).step_by(8) {
            let mut re = [_mm256_setzero_ps(); 8];
            let mut im = [_mm256_setzero_ps(); 8];
            for j in 0..8 {
                // SAFETY: bins k0..k0+8 <= f of frame sub + j < TILE: inside `tile` (asserted).
                let (a, b) = unsafe {
                    let p = src.add(2 * ((sub + j) * f + k0));
                    (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8)))
                };
                re[j] = _mm256_shuffle_ps::<0x88>(a, b);
                im[j] = _mm256_shuffle_ps::<0xDD>(a, b);
            }
            for (rows, base) in [(transpose8(re), 0), (transpose8(im), f)] {
                for (i, row) in rows.into_iter().enumerate() {
                    // SAFETY: row base + k0 + BIN[i] < 2f, columns up to t0 + TILE <= t (asserted).
                    unsafe { _mm256_storeu_ps(dst.add((base + k0 + BIN[i]) * t + t0 + sub), row) };
                }
            }
        }
        k0 += 8;
    }
    done
}

/// The transpose of an 8×8 matrix held as 8 rows.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn transpose8(r: [std::arch::x86_64::__m256; 8]) -> [std::arch::x86_64::__m256; 8] {
    use std::arch::x86_64::*;
    let t0 = _mm256_unpacklo_ps(r[0], r[1]);
    let t1 = _mm256_unpackhi_ps(r[0], r[1]);
    let t2 = _mm256_unpacklo_ps(r[2], r[3]);
    let t3 = _mm256_unpackhi_ps(r[2], r[3]);
    let t4 = _mm256_unpacklo_ps(r[4], r[5]);
    let t5 = _mm256_unpackhi_ps(r[4], r[5]);
    let t6 = _mm256_unpacklo_ps(r[6], r[7]);
    let t7 = _mm256_unpackhi_ps(r[6], r[7]);
    let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
    let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
    let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
    let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
    let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
    let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
    let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
    let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
    [
        _mm256_permute2f128_ps::<0x20>(u0, u4),
        _mm256_permute2f128_ps::<0x20>(u1, u5),
        _mm256_permute2f128_ps::<0x20>(u2, u6),
        _mm256_permute2f128_ps::<0x20>(u3, u7),
        _mm256_permute2f128_ps::<0x31>(u0, u4),
        _mm256_permute2f128_ps::<0x31>(u1, u5),
        _mm256_permute2f128_ps::<0x31>(u2, u6),
        _mm256_permute2f128_ps::<0x31>(u3, u7),
    ]
}

/// Writes a tile (see [`transpose_tile_scalar`]), by AVX2 when `isa` has it
/// and the tile is full.
fn write_tile(
    isa: Isa,
    tile: &[Complex<f32>],
    nt: usize,
    dims: (usize, usize, usize),
    o: &mut [f32],
) {
    #[cfg(target_arch = "x86_64")]
    {
        if nt == TILE && isa.avx2() {
            // SAFETY: AVX2 is present (`Isa::detect` found it); the sizes are
            // asserted inside.
            let done = unsafe { transpose_tile_avx2(tile, dims, o) };
            transpose_tile_scalar(tile, nt, done, dims, o);
            return;
        }
    }
    let _ = isa;
    transpose_tile_scalar(tile, nt, 0, dims, o);
}

/// realfft's error (a scratch or buffer length off: an internal invariant),
/// carried typed through candle's error.
fn err(e: realfft::FftError) -> candle_core::Error {
    candle_core::Error::wrap(e)
}

impl CustomOp1 for StftOp {
    fn name(&self) -> &'static str {
        "audio-nn-stft"
    }

    fn cpu_fwd(
        &self,
        storage: &CpuStorage,
        layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, l) = layout.shape().dims2()?;
        let data = storage.as_slice::<f32>()?;
        let data = match layout.contiguous_offsets() {
            Some((start, end)) => &data[start..end],
            None => return Err(candle_core::Error::RequiresContiguous { op: "stft" }),
        };
        let (n, f, t) = (self.n_fft, self.freqs(), self.frames);
        let lp = self.left + l + self.right;
        if (t - 1) * self.hop + n > lp {
            return Err(candle_core::Error::wrap(crate::Error::ShapeMismatch {
                layer: "StftLayer",
                expected: format!(
                    "(batch, at least {} samples)",
                    (t - 1) * self.hop + n - self.left - self.right
                ),
                got: vec![b, l],
            }));
        }
        let mut out = vec![0f32; b * 2 * f * t];
        let mut xp = vec![0f32; lp];
        let mut tile = vec![Complex::new(0f32, 0f32); TILE * f];
        let mut frame = self.forward.make_input_vec();
        let mut scratch = self.forward.make_scratch_vec();
        let zero = Complex::new(0f32, 0f32);
        let mut scratch_even =
            vec![zero; self.forward_even.as_ref().map_or(0, |p| p.scratch_len())];
        for bi in 0..b {
            self.pad_into(&data[bi * l..(bi + 1) * l], &mut xp);
            let o = &mut out[bi * 2 * f * t..(bi + 1) * 2 * f * t];
            // Tiles of TILE frames: spectra into `tile`, then written bin-major.
            let mut t0 = 0;
            while t0 < t {
                let nt = TILE.min(t - t0);
                for (j, spec) in tile.chunks_exact_mut(f).take(nt).enumerate() {
                    let start = (t0 + j) * self.hop;
                    let seg = &xp[start..start + n];
                    for ((d, &s), &w) in frame.iter_mut().zip(seg).zip(self.window.iter()) {
                        *d = s * w;
                    }
                    if let Some(plan) = &self.forward_even {
                        plan.process(&mut frame, spec, &mut scratch_even);
                        continue;
                    }
                    self.forward
                        .process_with_scratch(&mut frame, spec, &mut scratch)
                        .map_err(err)?;
                }
                write_tile(self.isa, &tile, nt, (f, t, t0), o);
                t0 += nt;
            }
        }
        Ok((CpuStorage::F32(out), Shape::from_dims(&[b, 2 * f, t])))
    }

    fn bwd(
        &self,
        arg: &Tensor,
        _res: &Tensor,
        grad_res: &Tensor,
    ) -> candle_core::Result<Option<Tensor>> {
        let (b, l) = arg.dims2()?;
        let (n, f, t) = (self.n_fft, self.freqs(), self.frames);
        let g: Vec<f32> = grad_res.contiguous()?.flatten_all()?.to_vec1()?;
        let lp = self.left + l + self.right;
        let mut gx = vec![0f32; b * l];
        let mut gpad = vec![0f32; lp];
        let mut spec = self.inverse.make_input_vec();
        let mut y = self.inverse.make_output_vec();
        let mut scratch = self.inverse.make_scratch_vec();
        for bi in 0..b {
            let gb = &g[bi * 2 * f * t..(bi + 1) * 2 * f * t];
            gpad.iter_mut().for_each(|v| *v = 0.0);
            for ti in 0..t {
                // y[n] = Re Σ_{k<F} G_k e^{+2πikn/N}, G = dRe + i dIm: a c2r
                // transform of X_0 = Re G_0, X_k = G_k / 2, X_{N/2} = Re G_{N/2}.
                for (k, s) in spec.iter_mut().enumerate() {
                    let (re, im) = (gb[k * t + ti], gb[(f + k) * t + ti]);
                    *s = if k == 0 || (n.is_multiple_of(2) && k == n / 2) {
                        Complex::new(re, 0.0)
                    } else {
                        Complex::new(0.5 * re, 0.5 * im)
                    };
                }
                self.inverse
                    .process_with_scratch(&mut spec, &mut y, &mut scratch)
                    .map_err(err)?;
                let dst = &mut gpad[ti * self.hop..ti * self.hop + n];
                for ((d, &v), &w) in dst.iter_mut().zip(y.iter()).zip(self.window.iter()) {
                    *d += v * w;
                }
            }
            self.unpad_add(&gpad, &mut gx[bi * l..(bi + 1) * l]);
        }
        Ok(Some(Tensor::from_vec(gx, (b, l), arg.device())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tile writer with the detected instruction set (AVX2 transpose for
    /// full tiles) equals the scalar fallback, for bin counts with and
    /// without a remainder of 8 and for partial tiles.
    #[test]
    fn write_tile_matches_scalar() {
        for (f, t, t0, nt) in [
            (9usize, 40usize, 16usize, TILE),
            (16, 16, 0, TILE),
            (13, 20, 16, 4),
            (1, 16, 0, TILE),
        ] {
            let tile: Vec<Complex<f32>> = (0..TILE * f)
                .map(|i| Complex::new(i as f32 * 0.5 - 3.0, (i % 7) as f32 - 2.5))
                .collect();
            let mut fast = vec![0f32; 2 * f * t];
            write_tile(Isa::detect(), &tile, nt, (f, t, t0), &mut fast);
            let mut slow = vec![0f32; 2 * f * t];
            write_tile(Isa::scalar(), &tile, nt, (f, t, t0), &mut slow);
            assert_eq!(fast, slow, "f={f} t={t} t0={t0} nt={nt}");
            let mut direct = vec![0f32; 2 * f * t];
            transpose_tile_scalar(&tile, nt, 0, (f, t, t0), &mut direct);
            assert_eq!(slow, direct, "the scalar Isa runs the fallback");
        }
    }
}
