//! Differentiable 1-D padding of the last axis: zeros, reflect, replicate, circular
//! (`torch.nn.functional.pad(x, (left, right), mode)`).

use candle_core::{Tensor, D};

use crate::{Error, Result};

/// How a signal is extended beyond its ends (PyTorch's `padding_mode` / `F.pad` mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PadMode {
    /// Zeros (`"zeros"` / `"constant"` with value 0).
    #[default]
    Zeros,
    /// Mirror without repeating the edge sample (`"reflect"`): `x[1], x[0] | x[0], x[1], …`
    /// becomes `x[2], x[1] | x[0] …`. Needs `pad < len`.
    Reflect,
    /// Repeat the edge sample (`"replicate"`).
    Replicate,
    /// Wrap around (`"circular"`). Needs `pad <= len`.
    Circular,
}

/// Pads the last axis of `x` by `left` and `right` samples with `mode`, as
/// `torch.nn.functional.pad(x, (left, right), mode)`; differentiable (the
/// non-zero modes gather with `index_select`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] when a reflect pad is not shorter than the signal or
/// a circular pad is longer than it; candle errors.
///
/// ```
/// use audio_nn::{pad1d, PadMode};
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[1f32, 2., 3., 4.]], &Device::Cpu)?;
/// let y = pad1d(&x, 2, 1, PadMode::Reflect)?;
/// assert_eq!(y.to_vec2::<f32>()?, vec![vec![3., 2., 1., 2., 3., 4., 3.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn pad1d(x: &Tensor, left: usize, right: usize, mode: PadMode) -> Result<Tensor> {
    if left == 0 && right == 0 {
        return Ok(x.clone());
    }
    let n = x.dim(D::Minus1)?;
    if mode == PadMode::Zeros {
        return Ok(x.pad_with_zeros(D::Minus1, left, right)?);
    }
    let idx: Vec<u32> = pad_indices(n, left, right, mode)?
        .into_iter()
        .map(|i| i.max(0) as u32)
        .collect();
    let len = idx.len();
    let idx = Tensor::from_vec(idx, len, x.device())?;
    Ok(x.contiguous()?.index_select(&idx, x.rank() - 1)?)
}

/// The source index of every sample of the padded signal (`left + n + right`
/// entries), `-1` for a zero; the map of [`pad1d`].
pub(crate) fn pad_indices(n: usize, left: usize, right: usize, mode: PadMode) -> Result<Vec<i64>> {
    check_padding(n, left, right, mode)?;
    Ok((0..left + n + right)
        .map(|i| pad_source(i, n, left, mode).map_or(-1, |s| s as i64))
        .collect())
}

/// Rejects paddings `mode` cannot make from `n` samples (reflect: shorter than
/// the signal; circular: no longer than it).
pub(crate) fn check_padding(n: usize, left: usize, right: usize, mode: PadMode) -> Result<()> {
    let bad = match mode {
        PadMode::Zeros => None,
        PadMode::Replicate => {
            (n == 0 && left + right > 0).then_some("a non-empty signal to replicate")
        }
        PadMode::Reflect => {
            (left >= n || right >= n).then_some("reflect padding shorter than the signal")
        }
        PadMode::Circular => {
            (left > n || right > n).then_some("circular padding no longer than the signal")
        }
    };
    match bad {
        Some(expected) => Err(Error::InvalidParameter {
            layer: "pad1d",
            name: "padding",
            value: format!("({left}, {right}) for length {n}"),
            expected,
        }),
        None => Ok(()),
    }
}

/// The source of sample `i` of the padded signal (`None` for a zero), for a
/// padding that passed [`check_padding`] (and `n > 0`).
pub(crate) fn pad_source(i: usize, n: usize, left: usize, mode: PadMode) -> Option<usize> {
    let (j, ni) = (i as i64 - left as i64, n as i64);
    let s = match mode {
        PadMode::Zeros => return (0..ni).contains(&j).then_some(j as usize),
        PadMode::Reflect if j < 0 => -j,
        PadMode::Reflect if j >= ni => 2 * (ni - 1) - j,
        PadMode::Reflect => j,
        PadMode::Replicate => j.clamp(0, ni - 1),
        PadMode::Circular => j.rem_euclid(ni),
    };
    Some(s as usize)
}
