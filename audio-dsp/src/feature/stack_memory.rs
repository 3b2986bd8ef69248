//! `librosa.feature.stack_memory`.

use ndarray::{Array2, ArrayView2};

use crate::{Error, Float, PadMode, Result};

/// Stacks `n_steps` delayed copies of `data` (`(d, t)`) into `(d · n_steps,
/// t)`: block `s` holds `data[:, j - s · delay]`, read as padded by `mode`
/// outside `0 … t - 1` (zeros for [`PadMode::Constant`], librosa's default).
/// A negative `delay` looks ahead.
///
/// `librosa.feature.stack_memory(data, n_steps=n_steps, delay=delay,
/// mode=mode)`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `n_steps = 0` or `delay = 0`;
/// [`Error::InputTooShort`] for data without frames (or, for
/// [`PadMode::Reflect`], with one frame and padding to do).
///
/// # Shapes
///
/// `(d, t)` → `(d · n_steps, t)`.
///
/// # Example
/// ```
/// use audio_dsp::feature::stack_memory::stack_memory;
/// use audio_dsp::PadMode;
/// use ndarray::array;
///
/// let x = array![[1.0_f32, 2.0, 3.0]];
/// let s = stack_memory(x.view(), 2, 1, PadMode::Constant)?;
/// assert_eq!(s, array![[1.0, 2.0, 3.0], [0.0, 1.0, 2.0]]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn stack_memory<T: Float>(
    data: ArrayView2<'_, T>,
    n_steps: usize,
    delay: isize,
    mode: PadMode,
) -> Result<Array2<T>> {
    if n_steps == 0 {
        return Err(Error::InvalidParameter {
            name: "n_steps",
            value: "0".into(),
            expected: "at least 1",
        });
    }
    if delay == 0 {
        return Err(Error::InvalidParameter {
            name: "delay",
            value: "0".into(),
            expected: "a non-zero delay",
        });
    }
    let (d, t) = data.dim();
    if t == 0 || (mode == PadMode::Reflect && t == 1 && n_steps > 1) {
        return Err(Error::InputTooShort {
            what: "stack_memory (frames)",
            expected: if t == 0 { 1 } else { 2 },
            got: t,
        });
    }
    let n = t as isize;
    let source = |j: isize| -> Option<usize> {
        #[allow(clippy::cast_sign_loss, reason = "every branch yields 0 <= index < n")]
        match mode {
            _ if (0..n).contains(&j) => Some(j as usize),
            PadMode::Edge => Some(j.clamp(0, n - 1) as usize),
            PadMode::Reflect => {
                let period = 2 * (n - 1);
                let r = j.rem_euclid(period);
                Some((if r < n { r } else { period - r }) as usize)
            }
            _ => None,
        }
    };
    let mut out = Array2::<T>::zeros((d * n_steps, t));
    for step in 0..n_steps {
        let shift = step as isize * delay;
        for j in 0..t {
            if let Some(src) = source(j as isize - shift) {
                for i in 0..d {
                    out[[step * d + i, j]] = data[[i, src]];
                }
            }
        }
    }
    Ok(out)
}
