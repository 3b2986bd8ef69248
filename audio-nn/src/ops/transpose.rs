//! The transpose of the last two axes into a contiguous tensor, by tiles.

use candle_core::{DType, Tensor, D};

use crate::kernels::with_cpu_f32;
use crate::{Error, Result};

/// Side of the square tiles the CPU kernel copies: a 16 × 16 tile of
/// float32 reads and writes whole 64-byte cache lines.
const TILE: usize = 16;

/// `x` with its last two axes swapped, contiguous: `(…, r, c)` → `(…, c,
/// r)` (`x.transpose(-2, -1).contiguous()` in PyTorch). On the CPU in
/// float32 outside autograd, tile by tile, so that both the reads and the
/// writes run along cache lines (candle's strided copy walks the output
/// one element at a time when the new last axis is strided); otherwise
/// candle's transpose and copy.
///
/// # Errors
///
/// [`Error::InputRank`] below rank 2; candle errors.
///
/// # Shapes
///
/// `(…, r, c)` → `(…, c, r)`.
///
/// ```
/// use candle_core::{Device, Tensor};
/// let x = Tensor::new(&[[1f32, 2., 3.], [4., 5., 6.]], &Device::Cpu)?;
/// let y = audio_nn::transpose_last_two(&x)?;
/// assert_eq!(y.to_vec2::<f32>()?, vec![vec![1., 4.], vec![2., 5.], vec![3., 6.]]);
/// # Ok::<(), audio_nn::Error>(())
/// ```
pub fn transpose_last_two(x: &Tensor) -> Result<Tensor> {
    let d = x.dims();
    if d.len() < 2 {
        return Err(Error::InputRank {
            layer: "transpose_last_two",
            expected: 2,
            layout: "(…, rows, columns)",
            got: d.len(),
            shape: d.to_vec(),
        });
    }
    let (rows, cols) = (d[d.len() - 2], d[d.len() - 1]);
    let mut out_dims = d.to_vec();
    out_dims.swap(d.len() - 2, d.len() - 1);
    if !x.track_op() && x.dtype() == DType::F32 {
        if let Some(y) = with_cpu_f32(x, |v| transpose_tiles(v, rows, cols))? {
            return Ok(Tensor::from_vec(y, out_dims, x.device())?);
        }
    }
    Ok(x.transpose(D::Minus2, D::Minus1)?.contiguous()?)
}

/// Each `rows × cols` matrix of `x` (row-major, one after another)
/// transposed, tile by tile.
fn transpose_tiles(x: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0f32; x.len()];
    if rows == 0 || cols == 0 {
        return out;
    }
    for (src, dst) in x
        .chunks_exact(rows * cols)
        .zip(out.chunks_exact_mut(rows * cols))
    {
        for r0 in (0..rows).step_by(TILE) {
            let r1 = (r0 + TILE).min(rows);
            for c0 in (0..cols).step_by(TILE) {
                let c1 = (c0 + TILE).min(cols);
                for r in r0..r1 {
                    let line = &src[r * cols + c0..r * cols + c1];
                    for (j, &v) in line.iter().enumerate() {
                        dst[(c0 + j) * rows + r] = v;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor, Var};

    #[test]
    fn equals_candles_transpose_for_ragged_tiles_and_views() -> crate::Result<()> {
        for dims in [
            vec![3, 17, 33],
            vec![2, 2, 1, 40],
            vec![16, 16],
            vec![1, 0, 5],
        ] {
            let x = Tensor::randn(0f32, 1.0, dims.as_slice(), &Device::Cpu)?;
            let want = x.transpose(candle_core::D::Minus2, candle_core::D::Minus1)?;
            let got = super::transpose_last_two(&x)?;
            assert_eq!(got.dims(), want.dims());
            let diff = (got - &want)?.abs()?.flatten_all()?.max(0).ok();
            assert!(diff.is_none_or(|d| d.to_scalar::<f32>().is_ok_and(|d| d == 0.0)));
            // Under autograd: candle's path, same values.
            let v = Var::from_tensor(&x)?;
            let tracked = super::transpose_last_two(v.as_tensor())?;
            let diff = (tracked - want)?.abs()?.flatten_all()?.max(0).ok();
            assert!(diff.is_none_or(|d| d.to_scalar::<f32>().is_ok_and(|d| d == 0.0)));
        }
        let scalar = Tensor::new(1f32, &Device::Cpu)?;
        assert!(super::transpose_last_two(&scalar).is_err());
        Ok(())
    }
}
