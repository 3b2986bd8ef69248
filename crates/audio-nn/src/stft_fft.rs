//! The STFT of [`crate::Stft`] as one candle custom op computed with real FFTs
//! (`realfft`) on the CPU in f32, with its backward pass (the adjoint: an
//! inverse half-spectrum DFT per frame, windowed and overlap-added), so the
//! differentiable STFT costs `O(N log N)` per frame instead of the DFT
//! matmul's `O(N²)`.

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealToComplex};

/// Frames of a signal `(B, L)`, padded inside the op by `pad_map` (source
/// index of each padded sample, `-1` for zero) → `(B, 2F, T)`: rows `0..F`
/// the real parts, `F..2F` the imaginary parts of
/// `Σ_n w[n] x_pad[t·hop + n] e^{-2πikn/N}`.
pub(crate) struct StftOp {
    pub pad_map: Arc<Vec<i64>>,
    pub n_fft: usize,
    pub hop: usize,
    pub frames: usize,
    pub window: Arc<Vec<f32>>,
    pub forward: Arc<dyn RealToComplex<f32>>,
    pub inverse: Arc<dyn ComplexToReal<f32>>,
}

impl StftOp {
    fn freqs(&self) -> usize {
        self.n_fft / 2 + 1
    }
}

/// Frames per output tile.
const TILE: usize = 16;

fn err(e: impl std::fmt::Display) -> candle_core::Error {
    candle_core::Error::Msg(format!("stft fft: {e}"))
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
            None => return Err(err("input must be contiguous")),
        };
        let (n, f, t) = (self.n_fft, self.freqs(), self.frames);
        let lp = self.pad_map.len();
        if (t - 1) * self.hop + n > lp {
            return Err(err("signal shorter than the frames"));
        }
        let mut out = vec![0f32; b * 2 * f * t];
        let mut xp = vec![0f32; lp];
        let mut tile = vec![Complex::new(0f32, 0f32); TILE * f];
        let mut frame = self.forward.make_input_vec();
        let mut spec = self.forward.make_output_vec();
        let mut scratch = self.forward.make_scratch_vec();
        for bi in 0..b {
            let xs = &data[bi * l..(bi + 1) * l];
            for (d, &i) in xp.iter_mut().zip(self.pad_map.iter()) {
                *d = if i >= 0 { xs[i as usize] } else { 0.0 };
            }
            let x = &xp[..];
            let o = &mut out[bi * 2 * f * t..(bi + 1) * 2 * f * t];
            // Tiles of TILE frames: spectra into `tile`, then written bin-major
            // with TILE consecutive frames per bin (whole cache lines).
            let mut t0 = 0;
            while t0 < t {
                let nt = TILE.min(t - t0);
                for j in 0..nt {
                    let ti = t0 + j;
                    let seg = &x[ti * self.hop..ti * self.hop + n];
                    for ((d, &s), &w) in frame.iter_mut().zip(seg).zip(self.window.iter()) {
                        *d = s * w;
                    }
                    self.forward
                        .process_with_scratch(&mut frame, &mut spec, &mut scratch)
                        .map_err(err)?;
                    tile[j * f..(j + 1) * f].copy_from_slice(&spec);
                }
                for k in 0..f {
                    let re = &mut o[k * t + t0..k * t + t0 + nt];
                    for (j, d) in re.iter_mut().enumerate() {
                        *d = tile[j * f + k].re;
                    }
                    let im = &mut o[(f + k) * t + t0..(f + k) * t + t0 + nt];
                    for (j, d) in im.iter_mut().enumerate() {
                        *d = tile[j * f + k].im;
                    }
                }
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
        let lp = self.pad_map.len();
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
            // Adjoint of the padding gather: scatter-add back to the source samples.
            let gxb = &mut gx[bi * l..(bi + 1) * l];
            for (&g, &i) in gpad.iter().zip(self.pad_map.iter()) {
                if i >= 0 {
                    gxb[i as usize] += g;
                }
            }
        }
        Ok(Some(Tensor::from_vec(gx, (b, l), arg.device())?))
    }
}
