//! Signal padding for centred framing, as `numpy.pad` in the modes librosa uses.

use crate::{Error, Float, Result};

/// How `center = true` pads the signal's ends, named as `numpy.pad` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PadMode {
    /// Zeros (`"constant"`): librosa's default since 0.10.
    #[default]
    Constant,
    /// Mirror without repeating the edge sample (`"reflect"`: `d c b | a b c d | c b a`).
    Reflect,
    /// Repeat the edge sample (`"edge"`).
    Edge,
}

impl PadMode {
    /// Parses `constant`, `reflect` or `edge`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other name.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(audio_dsp::PadMode::parse("reflect")?, audio_dsp::PadMode::Reflect);
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "constant" => Ok(Self::Constant),
            "reflect" => Ok(Self::Reflect),
            "edge" => Ok(Self::Edge),
            _ => Err(Error::InvalidParameter {
                name: "pad_mode",
                value: name.to_string(),
                expected: "constant, reflect or edge",
            }),
        }
    }

    /// The value at index `i` (which may lie outside `0..x.len()`) of `x`
    /// extended by this mode; `x` must not be empty.
    pub(crate) fn sample<T: Float>(self, x: &[T], i: isize) -> T {
        let n = x.len() as isize;
        if (0..n).contains(&i) {
            return x[i as usize];
        }
        match self {
            Self::Constant => T::zero(),
            Self::Edge => x[i.clamp(0, n - 1) as usize],
            Self::Reflect => {
                if n == 1 {
                    return x[0];
                }
                // The mirrored extension is periodic with period 2 (n - 1).
                let period = 2 * (n - 1);
                let j = i.rem_euclid(period);
                x[(if j >= n { period - j } else { j }) as usize]
            }
        }
    }
}

/// Pads `x` with `left` and `right` samples in `mode`, as
/// `numpy.pad(x, (left, right), mode)`.
///
/// # Errors
///
/// [`Error::InputTooShort`] when `x` is empty and padding is asked for in a
/// mode other than [`PadMode::Constant`].
///
/// # Shapes
///
/// `(n,)` → `(left + n + right,)`.
///
/// # Example
///
/// ```
/// use audio_dsp::{pad, PadMode};
/// assert_eq!(pad(&[1.0f32, 2.0, 3.0], 2, 1, PadMode::Reflect)?, vec![3.0, 2.0, 1.0, 2.0, 3.0, 2.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn pad<T: Float>(x: &[T], left: usize, right: usize, mode: PadMode) -> Result<Vec<T>> {
    if x.is_empty() && mode != PadMode::Constant && left + right > 0 {
        return Err(Error::InputTooShort {
            what: "non-constant padding",
            expected: 1,
            got: 0,
        });
    }
    let mut out = Vec::with_capacity(left + x.len() + right);
    out.extend((0..left).map(|k| mode.sample(x, k as isize - left as isize)));
    out.extend_from_slice(x);
    out.extend((0..right).map(|k| mode.sample(x, (x.len() + k) as isize)));
    Ok(out)
}
