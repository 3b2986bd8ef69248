//! Normalisation orders as librosa's `norm` arguments take them, parsed from
//! text (`none`, `inf`, a number).

use crate::error::invalid;
use crate::{Error, Result};

/// A normalisation as librosa's `norm` argument (`librosa.util.normalize`,
/// the CQT filters, chroma): `None` for no normalisation, or the order `p`
/// of the p-norm `(Σ |x|^p)^(1/p)` each vector is divided by (`f64::INFINITY`
/// for the max norm `max |x|`). The configs take the inner `Option<f64>`
/// (`CqtConfig::norm`, `ChromaStftConfig::norm`, ...).
///
/// Parsed (`FromStr`) from `none` (any case), `inf` / `np.inf` (any case),
/// or a number `p > 0`.
///
/// # Example
///
/// ```
/// use audio_dsp::util::norm::PNorm;
/// assert_eq!("none".parse::<PNorm>()?, PNorm(None));
/// assert_eq!("inf".parse::<PNorm>()?.0, Some(f64::INFINITY));
/// let p: Option<f64> = "2".parse::<PNorm>()?.into();
/// assert_eq!(p, Some(2.0));
/// assert!("0".parse::<PNorm>().is_err());
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PNorm(pub Option<f64>);

impl From<PNorm> for Option<f64> {
    fn from(n: PNorm) -> Self {
        n.0
    }
}

impl From<Option<f64>> for PNorm {
    fn from(p: Option<f64>) -> Self {
        Self(p)
    }
}

/// Parses `inf`, `np.inf` or a number `> 0` (not NaN) as a p-norm order.
pub(crate) fn parse_order(s: &str, name: &'static str, expected: &'static str) -> Result<f64> {
    let t = s.trim();
    let p = if t.eq_ignore_ascii_case("inf") || t.eq_ignore_ascii_case("np.inf") {
        f64::INFINITY
    } else {
        t.parse::<f64>()
            .map_err(|_| invalid(name, s.chars().take(32).collect::<String>(), expected))?
    };
    if p.is_nan() || p <= 0.0 {
        return Err(invalid(name, p, expected));
    }
    Ok(p)
}

impl std::str::FromStr for PNorm {
    type Err = Error;

    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for text that is not `none`, `inf` or a
    /// positive number.
    fn from_str(s: &str) -> Result<Self> {
        const EXPECTED: &str = "none, inf or a positive number";
        if s.trim().eq_ignore_ascii_case("none") {
            return Ok(Self(None));
        }
        parse_order(s, "norm", EXPECTED).map(|p| Self(Some(p)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn parses_none_inf_and_orders() {
        for (s, want) in [
            ("none", None),
            ("None", None),
            ("inf", Some(f64::INFINITY)),
            ("np.inf", Some(f64::INFINITY)),
            ("1", Some(1.0)),
            (" 2.5 ", Some(2.5)),
        ] {
            assert_eq!(s.parse::<PNorm>().unwrap(), PNorm(want), "{s}");
        }
    }

    #[test]
    fn rejects_other_text_with_a_typed_error() {
        for s in ["", "slaney", "0", "-1", "nan", "-inf", "2x"] {
            assert!(
                matches!(
                    s.parse::<PNorm>(),
                    Err(Error::InvalidParameter { name: "norm", .. })
                ),
                "{s}"
            );
        }
    }
}
