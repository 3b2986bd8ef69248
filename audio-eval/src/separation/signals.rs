//! Input validation (as `mir_eval.separation.validate` and
//! `museval.metrics.validate`) and the per-channel signal layout used by the
//! BSS Eval kernels.

use ndarray::{ArrayView3, Axis};

use crate::{Error, Result};

/// `MAX_SOURCES` of mir_eval and museval.
pub const MAX_SOURCES: usize = 100;

/// Largest number of sources for which the best permutation is searched
/// exhaustively (`n!` candidates, as `itertools.permutations` in mir_eval).
pub const MAX_PERMUTATION_SOURCES: usize = 9;

/// Signals of `sources · channels` channels, one slice per `(source,
/// channel)`, indexed `source * channels + channel`, all of one length.
#[derive(Debug, Clone)]
pub(crate) struct Signals<'a> {
    pub(crate) sources: usize,
    pub(crate) channels: usize,
    pub(crate) data: Vec<&'a [f64]>,
}

impl<'a> Signals<'a> {
    /// Borrows `data` (`sources · channels` slices of one length).
    pub(crate) fn new(sources: usize, channels: usize, data: Vec<&'a [f64]>) -> Self {
        Self {
            sources,
            channels,
            data,
        }
    }

    /// Samples per signal.
    pub(crate) fn len(&self) -> usize {
        self.data.first().map_or(0, |d| d.len())
    }

    /// The `(source, channel)` signal.
    pub(crate) fn signal(&self, source: usize, channel: usize) -> &'a [f64] {
        self.data[source * self.channels + channel]
    }

    /// A window `[start, start + len)` of every signal.
    pub(crate) fn window(&self, start: usize, len: usize) -> Signals<'a> {
        Signals {
            sources: self.sources,
            channels: self.channels,
            data: self.data.iter().map(|d| &d[start..start + len]).collect(),
        }
    }

    /// Whether source `s` is silent over the whole signal:
    /// `numpy.all(numpy.sum(x, axis=channels) == 0)` as mir_eval's
    /// `_any_source_silent` (channels that cancel count as silent).
    pub(crate) fn source_silent(&self, s: usize) -> bool {
        (0..self.len()).all(|t| {
            let mut sum = 0.0;
            for c in 0..self.channels {
                sum += self.signal(s, c)[t];
            }
            sum == 0.0
        })
    }

    /// Whether any source is silent.
    pub(crate) fn any_silent(&self) -> bool {
        (0..self.sources).any(|s| self.source_silent(s))
    }
}

/// Validates a reference/estimate pair as `mir_eval.separation.validate`:
/// equal shapes, no silent source, at most [`MAX_SOURCES`], finite samples.
///
/// Differences from mir_eval: empty inputs return [`Error::Empty`] (mir_eval
/// warns and returns empty arrays) and non-finite samples return
/// [`Error::NonFinite`] (mir_eval does not check them).
pub(crate) fn validate(
    reference: ArrayView3<'_, f64>,
    estimate: ArrayView3<'_, f64>,
) -> Result<()> {
    if reference.dim() != estimate.dim() {
        let (a, b, c) = reference.dim();
        let (x, y, z) = estimate.dim();
        return Err(Error::ShapeMismatch {
            what: "estimated_sources",
            expected: vec![a, b, c],
            got: vec![x, y, z],
        });
    }
    if reference.is_empty() {
        return Err(Error::Empty {
            what: "reference_sources",
        });
    }
    if estimate.is_empty() {
        return Err(Error::Empty {
            what: "estimated_sources",
        });
    }
    check_finite(reference, "reference_sources")?;
    check_finite(estimate, "estimated_sources")?;
    for (what, v) in [("reference", reference), ("estimate", estimate)] {
        for (s, src) in v.outer_iter().enumerate() {
            if src.sum_axis(Axis(1)).iter().all(|&x| x == 0.0) {
                return Err(Error::SilentSource {
                    what,
                    source_index: s,
                });
            }
        }
    }
    let n = reference.dim().0;
    if n > MAX_SOURCES {
        return Err(Error::TooManySources {
            max: MAX_SOURCES,
            got: n,
        });
    }
    Ok(())
}

fn check_finite(v: ArrayView3<'_, f64>, what: &'static str) -> Result<()> {
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(Error::NonFinite {
            what,
            index,
            value: v.iter().nth(index).copied().unwrap_or(f64::NAN),
        }),
        None => Ok(()),
    }
}

/// `10 log10(num / den)` with `+inf` for a zero denominator, as mir_eval's
/// `_safe_db`. A denominator at or below `num · 1e-14` — a ratio above 140 dB,
/// beyond what the rounding of the `f64` decomposition resolves — is also
/// reported as `+inf` (mir_eval then returns rounding noise, typically
/// 150–300 dB).
pub(crate) fn safe_db(num: f64, den: f64) -> f64 {
    if den <= num * RESOLUTION_FLOOR || den <= 0.0 {
        return f64::INFINITY;
    }
    10.0 * (num / den).log10()
}

/// Relative energy below which a distortion is rounding noise (140 dB).
pub const RESOLUTION_FLOOR: f64 = 1e-14;

/// All permutations of `0..n` in `itertools.permutations` (lexicographic)
/// order.
pub(crate) fn permutations(n: usize) -> Result<Vec<Vec<usize>>> {
    if n > MAX_PERMUTATION_SOURCES {
        return Err(Error::PermutationTooLarge {
            sources: n,
            max: MAX_PERMUTATION_SOURCES,
        });
    }
    let mut out = Vec::new();
    let mut p: Vec<usize> = (0..n).collect();
    loop {
        out.push(p.clone());
        // Next lexicographic permutation.
        let Some(i) = (1..n).rev().find(|&i| p[i - 1] < p[i]) else {
            break;
        };
        let j = (i..n).rev().find(|&j| p[j] > p[i - 1]).unwrap_or(i);
        p.swap(i - 1, j);
        p[i..].reverse();
    }
    Ok(out)
}

/// The permutation `perm` (estimate `perm[j]` for reference `j`) maximising
/// the mean of `score[perm[j]][j]`; the first maximum in lexicographic order
/// wins, as `numpy.argmax` over `itertools.permutations`.
pub(crate) fn best_permutation(score: &[Vec<f64>], n: usize) -> Result<Vec<usize>> {
    let perms = permutations(n)?;
    let mut best = 0;
    let mut best_mean = f64::NAN;
    for (k, p) in perms.iter().enumerate() {
        let mean = p.iter().enumerate().map(|(j, &e)| score[e][j]).sum::<f64>() / n as f64;
        // numpy.argmax: NaN wins at its first occurrence; otherwise first max.
        if k == 0 || (!best_mean.is_nan() && (mean.is_nan() || mean > best_mean)) {
            best = k;
            best_mean = mean;
        }
    }
    Ok(perms[best].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_in_itertools_order() {
        let p = permutations(3).unwrap();
        assert_eq!(
            p,
            vec![
                vec![0, 1, 2],
                vec![0, 2, 1],
                vec![1, 0, 2],
                vec![1, 2, 0],
                vec![2, 0, 1],
                vec![2, 1, 0]
            ]
        );
        assert_eq!(permutations(1).unwrap(), vec![vec![0]]);
    }
}
