//! Input checks shared by the music metrics, after `mir_eval.util`'s
//! `validate_intervals`, `validate_events` and `validate_frequencies`, and
//! small numerical helpers that reproduce numpy's arithmetic.

use crate::{Error, Result};

/// Fails with [`Error::NonFinite`] at the first NaN or infinite value.
pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// `mir_eval.util.validate_intervals`, plus a finiteness check: no negative
/// time, every duration strictly positive.
pub(crate) fn validate_intervals(what: &'static str, intervals: &[[f64; 2]]) -> Result<()> {
    for (index, &[onset, offset]) in intervals.iter().enumerate() {
        for value in [onset, offset] {
            if !value.is_finite() {
                return Err(Error::NonFinite { what, index, value });
            }
        }
        if onset < 0.0 || offset < 0.0 {
            return Err(Error::InvalidInterval {
                what,
                index,
                onset,
                offset,
                reason: "negative interval time",
            });
        }
        if offset <= onset {
            return Err(Error::InvalidInterval {
                what,
                index,
                onset,
                offset,
                reason: "interval durations must be strictly positive",
            });
        }
    }
    Ok(())
}

/// `mir_eval.util.validate_events`, plus a finiteness check: no event after
/// `max_time`, times non-decreasing.
pub(crate) fn validate_events(what: &'static str, events: &[f64], max_time: f64) -> Result<()> {
    check_finite(what, events)?;
    if let Some(index) = events.iter().position(|&e| e > max_time) {
        return Err(Error::OutOfRange {
            what,
            index,
            value: events[index],
            min: f64::NEG_INFINITY,
            max: max_time,
        });
    }
    if let Some(index) = events.windows(2).position(|w| w[1] < w[0]) {
        return Err(Error::Unsorted {
            what,
            index,
            value: events[index],
        });
    }
    Ok(())
}

/// Checks that a tolerance-like parameter is finite and strictly positive.
pub(crate) fn check_positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            value,
            expected: "a finite value > 0",
        })
    }
}

/// `mir_eval.util.f_measure`: `(1 + beta²)·P·R / (beta²·P + R)`, 0 when both
/// are 0.
pub(crate) fn f_measure(precision: f64, recall: f64, beta: f64) -> f64 {
    if precision == 0.0 && recall == 0.0 {
        return 0.0;
    }
    let b2 = beta * beta;
    (1.0 + b2) * precision * recall / (b2 * precision + recall)
}

/// `np.round(x, decimals)` for `decimals >= 0`: `rint(x·10^d) / 10^d`
/// (round half to even), as numpy computes it.
pub(crate) fn np_round(x: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (x * f).round_ties_even() / f
}

/// `np.allclose(a, b)` with numpy's defaults (`rtol = 1e-5`, `atol = 1e-8`);
/// `false` when the lengths differ.
pub(crate) fn np_allclose(a: &[f64], b: &[f64]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(&x, &y)| (x - y).abs() <= 1e-8 + 1e-5 * y.abs())
}

/// `np.interp(x, xp, fp)` for increasing `xp` (non-empty), with numpy's
/// formula `slope·(x − xp[j]) + fp[j]` and its handling of the ends.
pub(crate) fn np_interp(x: f64, xp: &[f64], fp: &[f64]) -> f64 {
    let n = xp.len();
    if x >= xp[n - 1] {
        return fp[n - 1];
    }
    if x < xp[0] {
        return fp[0];
    }
    // Largest j with xp[j] <= x.
    let j = xp.partition_point(|&v| v <= x) - 1;
    if xp[j] == x {
        return fp[j];
    }
    let slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]);
    let mut y = slope * (x - xp[j]) + fp[j];
    if y.is_nan() {
        y = slope * (x - xp[j + 1]) + fp[j + 1];
        if y.is_nan() && fp[j] == fp[j + 1] {
            y = fp[j];
        }
    }
    y
}

/// Python's negative indexing: `seq[i]` with `i` possibly `-1`.
pub(crate) fn py_index(len: usize, i: isize) -> usize {
    if i < 0 {
        (len as isize + i) as usize
    } else {
        i as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_is_half_even_like_numpy() {
        // Values checked against numpy 2.4: np.round(x, 4).
        assert_eq!(np_round(0.00005, 4), 0.0);
        assert_eq!(np_round(0.00015, 4), 0.0001);
        assert_eq!(np_round(1.00005, 4), 1.0001);
        assert_eq!(np_round(2.5, 0), 2.0);
        assert_eq!(np_round(0.05000000000000001, 4), 0.05);
    }

    #[test]
    fn interp_matches_numpy_on_simple_cases() {
        let xp = [0.0, 1.0, 2.0];
        let fp = [0.0, 10.0, 30.0];
        assert_eq!(np_interp(0.5, &xp, &fp), 5.0);
        assert_eq!(np_interp(1.5, &xp, &fp), 20.0);
        assert_eq!(np_interp(2.0, &xp, &fp), 30.0);
        assert_eq!(np_interp(-1.0, &xp, &fp), 0.0);
        assert_eq!(np_interp(3.0, &xp, &fp), 30.0);
    }
}
