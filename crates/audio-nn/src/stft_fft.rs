//! The STFT of [`crate::Stft`] as one candle custom op computed with real FFTs
//! (`realfft`) on the CPU in f32, with its backward pass (the adjoint: an
//! inverse half-spectrum DFT per frame, windowed and overlap-added), so the
//! differentiable STFT costs `O(N log N)` per frame instead of the DFT
//! matmul's `O(N²)`.

use std::sync::Arc;

use candle_core::{CpuStorage, CustomOp1, Layout, Shape, Tensor};
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealToComplex};

/// Frames of an already padded signal `(B, L)` → `(B, 2F, T)`: rows `0..F` the
/// real parts, `F..2F` the imaginary parts of `Σ_n w[n] x[t·hop + n] e^{-2πikn/N}`.
pub(crate) struct StftOp {
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
        if (t - 1) * self.hop + n > l {
            return Err(err("signal shorter than the frames"));
        }
        let mut out = vec![0f32; b * 2 * f * t];
        let mut frame = self.forward.make_input_vec();
        let mut spec = self.forward.make_output_vec();
        let mut scratch = self.forward.make_scratch_vec();
        for bi in 0..b {
            let x = &data[bi * l..(bi + 1) * l];
            let o = &mut out[bi * 2 * f * t..(bi + 1) * 2 * f * t];
            for ti in 0..t {
                let seg = &x[ti * self.hop..ti * self.hop + n];
                for ((d, &s), &w) in frame.iter_mut().zip(seg).zip(self.window.iter()) {
                    *d = s * w;
                }
                self.forward
                    .process_with_scratch(&mut frame, &mut spec, &mut scratch)
                    .map_err(err)?;
                for (k, c) in spec.iter().enumerate() {
                    o[k * t + ti] = c.re;
                    o[(f + k) * t + ti] = c.im;
                }
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
        let mut gx = vec![0f32; b * l];
        let mut spec = self.inverse.make_input_vec();
        let mut y = self.inverse.make_output_vec();
        let mut scratch = self.inverse.make_scratch_vec();
        for bi in 0..b {
            let gb = &g[bi * 2 * f * t..(bi + 1) * 2 * f * t];
            let gxb = &mut gx[bi * l..(bi + 1) * l];
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
                let dst = &mut gxb[ti * self.hop..ti * self.hop + n];
                for ((d, &v), &w) in dst.iter_mut().zip(y.iter()).zip(self.window.iter()) {
                    *d += v * w;
                }
            }
        }
        Ok(Some(Tensor::from_vec(gx, (b, l), arg.device())?))
    }
}
