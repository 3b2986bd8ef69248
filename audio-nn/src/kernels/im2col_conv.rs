//! A 2-D convolution as a candle custom op with its own backward pass:
//! im2col and matrix products forward and backward, col2im for the input's
//! gradient. On the CPU this replaces candle 0.11's direct convolution
//! and its backward, which were the slow part of training audio-models'
//! 2-D networks (no benchmark of the two is recorded yet).

use candle_core::{CpuStorage, CustomOp2, Layout, Shape, Tensor, WithDType};

/// The geometry of one convolution: kernel, stride, padding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Im2colConv2d {
    pub kernel: (usize, usize),
    pub stride: (usize, usize),
    pub padding: (usize, usize),
}

/// Output size of `n` input samples along one axis.
fn out_len(n: usize, k: usize, s: usize, p: usize) -> usize {
    (n + 2 * p).saturating_sub(k) / s + 1
}

impl Im2colConv2d {
    fn out_size(&self, h: usize, w: usize) -> (usize, usize) {
        (
            out_len(h, self.kernel.0, self.stride.0, self.padding.0),
            out_len(w, self.kernel.1, self.stride.1, self.padding.1),
        )
    }

    /// `(B, C, H, W)` → columns `(B, C·k_h·k_w, H'·W')`, zero where a tap
    /// falls in the padding.
    fn im2col<T: Copy + Default>(&self, x: &[T], dims: (usize, usize, usize, usize)) -> Vec<T> {
        let (b, c, h, w) = dims;
        let (kh, kw) = self.kernel;
        let (ho, wo) = self.out_size(h, w);
        let n = ho * wo;
        let mut cols = vec![T::default(); b * c * kh * kw * n];
        for item in 0..b {
            for ch in 0..c {
                let plane = &x[(item * c + ch) * h * w..][..h * w];
                for p in 0..kh {
                    for q in 0..kw {
                        let row = ((item * c + ch) * kh + p) * kw + q;
                        let dst = &mut cols[row * n..][..n];
                        for i in 0..ho {
                            let Some(r) = (i * self.stride.0 + p)
                                .checked_sub(self.padding.0)
                                .filter(|&r| r < h)
                            else {
                                continue;
                            };
                            for j in 0..wo {
                                if let Some(col) = (j * self.stride.1 + q)
                                    .checked_sub(self.padding.1)
                                    .filter(|&col| col < w)
                                {
                                    dst[i * wo + j] = plane[r * w + col];
                                }
                            }
                        }
                    }
                }
            }
        }
        cols
    }

    /// The adjoint of [`Im2colConv2d::im2col`]: columns summed back into
    /// `(B, C, H, W)`.
    fn col2im<T: Copy + Default + std::ops::AddAssign>(
        &self,
        cols: &[T],
        dims: (usize, usize, usize, usize),
    ) -> Vec<T> {
        let (b, c, h, w) = dims;
        let (kh, kw) = self.kernel;
        let (ho, wo) = self.out_size(h, w);
        let n = ho * wo;
        let mut x = vec![T::default(); b * c * h * w];
        for item in 0..b {
            for ch in 0..c {
                let plane = &mut x[(item * c + ch) * h * w..][..h * w];
                for p in 0..kh {
                    for q in 0..kw {
                        let row = ((item * c + ch) * kh + p) * kw + q;
                        let src = &cols[row * n..][..n];
                        for i in 0..ho {
                            let Some(r) = (i * self.stride.0 + p)
                                .checked_sub(self.padding.0)
                                .filter(|&r| r < h)
                            else {
                                continue;
                            };
                            for j in 0..wo {
                                if let Some(col) = (j * self.stride.1 + q)
                                    .checked_sub(self.padding.1)
                                    .filter(|&col| col < w)
                                {
                                    plane[r * w + col] += src[i * wo + j];
                                }
                            }
                        }
                    }
                }
            }
        }
        x
    }

    fn columns(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let (b, c, h, w) = x.dims4()?;
        let (kh, kw) = self.kernel;
        let (ho, wo) = self.out_size(h, w);
        let x = x.contiguous()?;
        let shape = (b, c * kh * kw, ho * wo);
        match x.dtype() {
            candle_core::DType::F64 => {
                let v = x.flatten_all()?.to_vec1::<f64>()?;
                Tensor::from_vec(self.im2col(&v, (b, c, h, w)), shape, x.device())
            }
            _ => {
                let v = x
                    .to_dtype(candle_core::DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()?;
                Tensor::from_vec(self.im2col(&v, (b, c, h, w)), shape, x.device())
            }
        }
    }

    fn forward_slices<T: WithDType + Default>(
        &self,
        x: &[T],
        dims: (usize, usize, usize, usize),
        weight: &[T],
        out_channels: usize,
    ) -> candle_core::Result<Vec<T>> {
        let (b, c, h, w) = dims;
        let (kh, kw) = self.kernel;
        let (ho, wo) = self.out_size(h, w);
        let dev = candle_core::Device::Cpu;
        let cols = Tensor::from_vec(self.im2col(x, dims), (b, c * kh * kw, ho * wo), &dev)?;
        let wm = Tensor::from_slice(weight, (out_channels, c * kh * kw), &dev)?;
        wm.broadcast_matmul(&cols)?.flatten_all()?.to_vec1::<T>()
    }
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout) -> candle_core::Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => Err(candle_core::Error::RequiresContiguous {
            op: "im2col-conv2d",
        }),
    }
}

impl CustomOp2 for Im2colConv2d {
    fn name(&self) -> &'static str {
        "im2col-conv2d"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (b, c, h, w) = l1.shape().dims4()?;
        let (o, _, _, _) = l2.shape().dims4()?;
        let (ho, wo) = self.out_size(h, w);
        let shape = Shape::from((b, o, ho, wo));
        match (s1, s2) {
            (CpuStorage::F32(x), CpuStorage::F32(k)) => {
                let y =
                    self.forward_slices(contiguous(x, l1)?, (b, c, h, w), contiguous(k, l2)?, o)?;
                Ok((CpuStorage::F32(y), shape))
            }
            (CpuStorage::F64(x), CpuStorage::F64(k)) => {
                let y =
                    self.forward_slices(contiguous(x, l1)?, (b, c, h, w), contiguous(k, l2)?, o)?;
                Ok((CpuStorage::F64(y), shape))
            }
            _ => Err(candle_core::Error::Msg(
                "im2col-conv2d: f32 or f64 input and weight of one dtype".into(),
            )),
        }
    }

    /// `∂W = Σ_b ∂Y_b · colsᵀ_b`, `∂X = col2im(Wᵀ · ∂Y)`.
    fn bwd(
        &self,
        x: &Tensor,
        weight: &Tensor,
        _res: &Tensor,
        grad: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>)> {
        let (b, c, h, w) = x.dims4()?;
        let (o, _, kh, kw) = weight.dims4()?;
        let (ho, wo) = self.out_size(h, w);
        let g = grad.contiguous()?.reshape((b, o, ho * wo))?;
        let cols = self.columns(x)?.to_dtype(g.dtype())?;
        let dw = g
            .matmul(&cols.transpose(1, 2)?)?
            .sum(0)?
            .reshape((o, c, kh, kw))?;
        let dcols = weight
            .reshape((o, c * kh * kw))?
            .t()?
            .broadcast_matmul(&g)?
            .contiguous()?;
        let dx = match dcols.dtype() {
            candle_core::DType::F64 => {
                let v = dcols.flatten_all()?.to_vec1::<f64>()?;
                Tensor::from_vec(self.col2im(&v, (b, c, h, w)), (b, c, h, w), x.device())?
            }
            _ => {
                let v = dcols
                    .to_dtype(candle_core::DType::F32)?
                    .flatten_all()?
                    .to_vec1::<f32>()?;
                Tensor::from_vec(self.col2im(&v, (b, c, h, w)), (b, c, h, w), x.device())?
                    .to_dtype(x.dtype())?
            }
        };
        Ok((Some(dx), Some(dw.to_dtype(weight.dtype())?)))
    }
}
