//! Decibel scaling, as `librosa.power_to_db` and friends.

use ndarray::{Array, ArrayView, Dimension};

use crate::{Error, Float, Result};

/// The reference that 0 dB stands for (librosa's `ref`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DbReference {
    /// A fixed value (librosa's default is `1.0`).
    Value(f64),
    /// The input's maximum (`ref=np.max`).
    Max,
}

impl std::str::FromStr for DbReference {
    type Err = Error;

    /// Parses `max` (any case; `ref=np.max`) or a number (`ref=value`).
    /// The value's range is checked where it is used ([`power_to_db`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for any other text.
    ///
    /// # Example
    ///
    /// ```
    /// use audio_dsp::DbReference;
    /// assert_eq!("max".parse::<DbReference>()?, DbReference::Max);
    /// assert_eq!("1.0".parse::<DbReference>()?, DbReference::Value(1.0));
    /// assert!("loud".parse::<DbReference>().is_err());
    /// # Ok::<(), audio_dsp::Error>(())
    /// ```
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("max") || t == "np.max" {
            return Ok(Self::Max);
        }
        t.parse()
            .map(Self::Value)
            .map_err(|_| Error::InvalidParameter {
                name: "ref",
                value: s.chars().take(32).collect(),
                expected: "max or a number",
            })
    }
}

impl Default for DbReference {
    fn default() -> Self {
        Self::Value(1.0)
    }
}

fn check_db_args(amin: f64, top_db: Option<f64>) -> Result<()> {
    if amin.is_nan() || amin <= 0.0 {
        return Err(Error::InvalidParameter {
            name: "amin",
            value: amin.to_string(),
            expected: "a strictly positive amin",
        });
    }
    if let Some(t) = top_db {
        if t.is_nan() || t < 0.0 {
            return Err(Error::InvalidParameter {
                name: "top_db",
                value: t.to_string(),
                expected: "a non-negative top_db",
            });
        }
    }
    Ok(())
}

fn to_t<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::zero)
}

/// Power to decibels:
/// `10 log10(max(S, amin)) - 10 log10(max(amin, ref))`, then, with `top_db`,
/// `max(S_db, max(S_db) - top_db)` (`librosa.power_to_db`; librosa's defaults
/// are `ref = 1`, `amin = 1e-10`, `top_db = Some(80)`).
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `amin <= 0` or `top_db < 0`.
///
/// # Shapes
///
/// Any shape → the same shape.
///
/// # Example
///
/// ```
/// use audio_dsp::{power_to_db, DbReference};
/// let s = ndarray::array![1.0f64, 10.0, 100.0];
/// let db = power_to_db(s.view(), DbReference::Max, 1e-10, Some(80.0))?;
/// assert_eq!(db.to_vec(), vec![-20.0, -10.0, 0.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn power_to_db<T: Float, D: Dimension>(
    s: ArrayView<T, D>,
    reference: DbReference,
    amin: f64,
    top_db: Option<f64>,
) -> Result<Array<T, D>> {
    check_db_args(amin, top_db)?;
    let ref_value: T = match reference {
        DbReference::Value(v) => to_t(v.abs()),
        DbReference::Max => s.iter().fold(T::neg_infinity(), |m, &v| m.max(v)),
    };
    let amin_t: T = to_t(amin);
    let ten: T = to_t(10.0);
    let offset = ten * amin_t.max(ref_value).log10();
    let mut out = s.mapv(|v| ten * amin_t.max(v).log10() - offset);
    if let Some(top) = top_db {
        let peak = out.iter().fold(T::neg_infinity(), |m, &v| m.max(v));
        let floor = peak - to_t(top);
        out.mapv_inplace(|v| v.max(floor));
    }
    Ok(out)
}

/// Amplitude to decibels: `power_to_db(|S|^2, ref^2, amin^2, top_db)`
/// (`librosa.amplitude_to_db`; librosa's defaults are `ref = 1`,
/// `amin = 1e-5`, `top_db = Some(80)`). With [`DbReference::Max`] the
/// reference is `max |S|`.
///
/// # Errors
///
/// [`Error::InvalidParameter`] for `amin <= 0` or `top_db < 0`.
///
/// # Shapes
///
/// Any shape → the same shape.
///
/// # Example
///
/// ```
/// use audio_dsp::{amplitude_to_db, DbReference};
/// let s = ndarray::array![0.1f64, 1.0];
/// let db = amplitude_to_db(s.view(), DbReference::Value(1.0), 1e-5, None)?;
/// assert!((db[0] + 20.0).abs() < 1e-12);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn amplitude_to_db<T: Float, D: Dimension>(
    s: ArrayView<T, D>,
    reference: DbReference,
    amin: f64,
    top_db: Option<f64>,
) -> Result<Array<T, D>> {
    check_db_args(amin, top_db)?;
    let magnitude = s.mapv(|v| v.abs());
    let ref_value = match reference {
        DbReference::Value(v) => v.abs(),
        DbReference::Max => magnitude
            .iter()
            .fold(T::neg_infinity(), |m, &v| m.max(v))
            .to_f64()
            .unwrap_or(0.0),
    };
    let power = magnitude.mapv(|v| v * v);
    power_to_db(
        power.view(),
        DbReference::Value(ref_value * ref_value),
        amin * amin,
        top_db,
    )
}

/// Decibels to power: `ref * 10^(S_db / 10)` (`librosa.db_to_power`).
///
/// # Shapes
///
/// Any shape → the same shape.
///
/// # Example
///
/// ```
/// let p = audio_dsp::db_to_power(ndarray::array![20.0f64].view(), 1.0);
/// assert!((p[0] - 100.0).abs() < 1e-9);
/// ```
pub fn db_to_power<T: Float, D: Dimension>(s_db: ArrayView<T, D>, reference: f64) -> Array<T, D> {
    let r: T = to_t(reference);
    let (ten, tenth): (T, T) = (to_t(10.0), to_t(0.1));
    s_db.mapv(|v| r * ten.powf(tenth * v))
}

/// Decibels to amplitude: `sqrt(db_to_power(S_db, ref^2))` (`librosa.db_to_amplitude`).
///
/// # Shapes
///
/// Any shape → the same shape.
///
/// # Example
///
/// ```
/// let a = audio_dsp::db_to_amplitude(ndarray::array![-20.0f64].view(), 1.0);
/// assert!((a[0] - 0.1).abs() < 1e-12);
/// ```
pub fn db_to_amplitude<T: Float, D: Dimension>(
    s_db: ArrayView<T, D>,
    reference: f64,
) -> Array<T, D> {
    db_to_power(s_db, reference * reference).mapv(|v| v.sqrt())
}

#[cfg(test)]
mod parse_tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    #[test]
    fn db_reference_parses_max_or_a_number() {
        assert_eq!("max".parse::<DbReference>().unwrap(), DbReference::Max);
        assert_eq!("np.max".parse::<DbReference>().unwrap(), DbReference::Max);
        assert_eq!(
            "0.5".parse::<DbReference>().unwrap(),
            DbReference::Value(0.5)
        );
        for s in ["", "maximum", "1.0.0"] {
            assert!(
                matches!(
                    s.parse::<DbReference>(),
                    Err(Error::InvalidParameter { name: "ref", .. })
                ),
                "{s}"
            );
        }
    }
}
