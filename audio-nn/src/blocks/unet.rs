//! U-Net helpers (Wave-U-Net): cropping, crop-and-concatenate, linear
//! upsampling and decimation along the time axis.

use candle_core::{Tensor, D};

use crate::{Error, Result};

fn time_len(layer: &'static str, x: &Tensor) -> Result<usize> {
    if x.rank() == 0 {
        return Err(Error::InputRank {
            layer,
            expected: 3,
            layout: "(batch, channels, time)",
            got: 0,
            shape: vec![],
        });
    }
    Ok(x.dim(D::Minus1)?)
}

fn too_short(layer: &'static str, x: &Tensor, target: usize) -> Error {
    Error::ShapeMismatch {
        layer,
        expected: format!("at least {target} samples on the last axis"),
        got: x.dims().to_vec(),
    }
}

/// The centre `target` samples of the last axis, Wave-U-Net's `crop`:
/// `start = (len - target) / 2` (the odd sample goes to the end).
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the signal is shorter than `target`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 1., 2., 3., 4.]], &Device::Cpu)?;
/// assert_eq!(audio_nn::centre_crop(&x, 2)?.to_vec2::<f32>()?, vec![vec![1., 2.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn centre_crop(x: &Tensor, target: usize) -> Result<Tensor> {
    let n = time_len("centre_crop", x)?;
    if n < target {
        return Err(too_short("centre_crop", x, target));
    }
    Ok(x.narrow(x.rank() - 1, (n - target) / 2, target)?)
}

/// The last `target` samples of the last axis (micro-TCN's `causal_crop`).
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when the signal is shorter than `target`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 1., 2.]], &Device::Cpu)?;
/// assert_eq!(audio_nn::causal_crop(&x, 2)?.to_vec2::<f32>()?, vec![vec![1., 2.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn causal_crop(x: &Tensor, target: usize) -> Result<Tensor> {
    let n = time_len("causal_crop", x)?;
    if n < target {
        return Err(too_short("causal_crop", x, target));
    }
    Ok(x.narrow(x.rank() - 1, n - target, target)?)
}

/// Wave-U-Net's `crop_and_concat(skip, x)`: centre-crop `skip` to `x`'s length
/// and concatenate `[skip, x]` along the channel axis 1.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when `skip` is shorter than `x`; [`Error::IncompatibleShapes`]
/// when the batch sizes or ranks differ.
///
/// # Shapes
///
/// `skip` `(batch, C1, T1 >= T)`, `x` `(batch, C2, T)` → `(batch, C1 + C2, T)`.
///
/// ```
/// use candle_core::{DType, Device, Tensor};
/// let skip = Tensor::zeros((1, 2, 9), DType::F32, &Device::Cpu)?;
/// let x = Tensor::zeros((1, 3, 5), DType::F32, &Device::Cpu)?;
/// assert_eq!(audio_nn::crop_and_concat(&skip, &x)?.dims(), &[1, 5, 5]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn crop_and_concat(skip: &Tensor, x: &Tensor) -> Result<Tensor> {
    if skip.rank() != 3 || x.rank() != 3 || skip.dim(0)? != x.dim(0)? {
        return Err(Error::IncompatibleShapes {
            layer: "crop_and_concat",
            left: skip.dims().to_vec(),
            right: x.dims().to_vec(),
        });
    }
    let s = centre_crop(skip, x.dim(2)?)?;
    Ok(Tensor::cat(&[&s, x], 1)?)
}

/// Linear interpolation of the last axis to `out_len` samples, as
/// `torch.nn.functional.interpolate(x, size=out_len, mode="linear", align_corners)`.
/// With `align_corners` the end samples map onto each other
/// (`src = i·(len-1)/(out_len-1)`); without, `src = (i+0.5)·len/out_len - 0.5`
/// clamped at 0. Differentiable (a gather of the two neighbours and a weighted sum).
///
/// Wave-U-Net's linear upsampling of `L` samples is `out_len = 2L - 1`,
/// `align_corners = true`: the input samples stay, midpoints are inserted.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `out_len == 0` or an empty input.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 2., 4.]], &Device::Cpu)?;
/// let y = audio_nn::interpolate_linear(&x, 5, true)?;
/// assert_eq!(y.to_vec2::<f32>()?, vec![vec![0., 1., 2., 3., 4.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn interpolate_linear(x: &Tensor, out_len: usize, align_corners: bool) -> Result<Tensor> {
    let n = time_len("interpolate_linear", x)?;
    if out_len == 0 || n == 0 {
        return Err(Error::InvalidParameter {
            layer: "interpolate_linear",
            name: "out_len",
            value: format!("{out_len} from {n}"),
            expected: "non-empty input and output",
        });
    }
    let mut i0 = Vec::with_capacity(out_len);
    let mut i1 = Vec::with_capacity(out_len);
    let mut w1 = Vec::with_capacity(out_len);
    for i in 0..out_len {
        let src = if align_corners {
            if out_len > 1 {
                i as f64 * (n - 1) as f64 / (out_len - 1) as f64
            } else {
                0.0
            }
        } else {
            ((i as f64 + 0.5) * n as f64 / out_len as f64 - 0.5).max(0.0)
        };
        let lo = (src.floor() as usize).min(n - 1);
        let hi = (lo + 1).min(n - 1);
        i0.push(lo as u32);
        i1.push(hi as u32);
        w1.push(src - lo as f64);
    }
    let dev = x.device();
    let last = x.rank() - 1;
    let x = &x.contiguous()?;
    let a = x.index_select(&Tensor::new(i0, dev)?, last)?;
    let b = x.index_select(&Tensor::new(i1, dev)?, last)?;
    let w = Tensor::new(w1, dev)?.to_dtype(x.dtype())?;
    // a + w (b - a)
    Ok(a.add(&b.sub(&a)?.broadcast_mul(&w)?)?)
}

/// Decimation by `factor`: every `factor`-th sample of the last axis starting
/// at 0 (`x[..., ::factor]`, Wave-U-Net's downsampling).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `factor == 0`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[0f32, 1., 2., 3., 4.]], &Device::Cpu)?;
/// assert_eq!(audio_nn::decimate(&x, 2)?.to_vec2::<f32>()?, vec![vec![0., 2., 4.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn decimate(x: &Tensor, factor: usize) -> Result<Tensor> {
    let n = time_len("decimate", x)?;
    if factor == 0 {
        return Err(Error::InvalidParameter {
            layer: "decimate",
            name: "factor",
            value: "0".into(),
            expected: "> 0",
        });
    }
    let idx: Vec<u32> = (0..n).step_by(factor).map(|i| i as u32).collect();
    Ok(x.contiguous()?
        .index_select(&Tensor::new(idx, x.device())?, x.rank() - 1)?)
}
