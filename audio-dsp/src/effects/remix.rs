//! Reordering a signal by intervals, as `librosa.effects.remix`.

use ndarray::{concatenate, Array2, ArrayView2, Axis};

use crate::effects::RemixAligner;
use crate::{Error, Float, Result};

/// `librosa.effects.remix(y, intervals, align_zeros=...)` for a
/// `(channels, samples)` signal: the slices `y[:, start..end]` of each
/// interval, concatenated in the order given.
///
/// With `align_zeros`, each boundary first moves to the nearest zero
/// crossing of the channel mean (`librosa.zero_crossings` with its defaults:
/// samples with `|y| <= 1e-10` count as zero, zero counts as positive, sample
/// 0 is a crossing) or to the signal's end, ties going to the later
/// position, as `librosa.util.match_events`. Slices follow Python's rules:
/// an end past the signal stops at its end, and an interval whose start is
/// at or after its end contributes nothing.
///
/// Reference: librosa 0.11.
///
/// # Shapes
///
/// `(channels, samples)` in, `(channels, Σ slice lengths)` out. For a mono
/// signal pass one row (`ArrayView2::from_shape((1, n), &y)`).
///
/// # Errors
///
/// [`Error::InputTooShort`] for a signal without samples or channels when
/// `align_zeros` is set (there is nothing to align to); [`Error::NonFinite`]
/// for NaN or infinities.
///
/// # Example
///
/// ```
/// use audio_dsp::effects::remix;
/// use ndarray::ArrayView2;
/// let y: Vec<f32> = (0..10).map(|i| i as f32).collect();
/// let view = ArrayView2::from_shape((1, 10), &y).map_err(|_| audio_dsp::Error::InputTooShort { what: "example", expected: 10, got: 0 })?;
/// let out = remix(view, &[(6, 9), (0, 2)], false)?;
/// assert_eq!(out.row(0).to_vec(), vec![6.0, 7.0, 8.0, 0.0, 1.0]);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn remix<T: Float>(
    y: ArrayView2<'_, T>,
    intervals: &[(usize, usize)],
    align_zeros: bool,
) -> Result<Array2<T>> {
    let channels = y.nrows();
    if let Some(index) = y.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what: "remix input",
            index,
        });
    }
    if align_zeros && channels == 0 {
        return Err(Error::InputTooShort {
            what: "remix with align_zeros",
            expected: 1,
            got: 0,
        });
    }
    // The boundaries move in one pass, as a streaming caller moves them.
    let mut aligner = RemixAligner::new(intervals, align_zeros);
    aligner.push(y)?;
    let pieces: Vec<_> = aligner
        .finish()?
        .into_iter()
        .map(|(start, end)| y.slice(ndarray::s![.., start..end]))
        .collect();
    if pieces.is_empty() {
        return Ok(Array2::zeros((channels, 0)));
    }
    concatenate(Axis(1), &pieces).map_err(|_| Error::ShapeMismatch {
        what: "remix slices",
        expected: vec![channels, 0],
        got: vec![channels, 0],
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;

    /// The zero crossings of the channel mean, then the signal's length
    /// (librosa forces the end onto the list): the whole-signal reference
    /// of [`RemixAligner`].
    fn zero_crossings_of_mean(y: ArrayView2<'_, f64>) -> Vec<usize> {
        let channels = y.nrows() as f64;
        let negative: Vec<bool> = y
            .columns()
            .into_iter()
            .map(|c| {
                let m = if c.len() == 1 {
                    c[0]
                } else {
                    c.iter().sum::<f64>() / channels
                };
                m.abs() > 1e-10 && m.is_sign_negative()
            })
            .collect();
        let mut zeros: Vec<usize> = (0..negative.len())
            .filter(|&i| i == 0 || negative[i] != negative[i - 1])
            .collect();
        zeros.push(negative.len());
        zeros
    }

    /// `librosa.util.match_events([x], events)` for sorted, distinct events: the
    /// nearest event, a tie going to the later one.
    fn nearest_event(x: usize, events: &[usize]) -> usize {
        let mid = events.partition_point(|&e| e < x).min(events.len() - 1);
        if mid > 0 && x.abs_diff(events[mid - 1]) < x.abs_diff(events[mid]) {
            events[mid - 1]
        } else {
            events[mid]
        }
    }

    proptest::proptest! {
        /// The one-pass aligner, fed in blocks, moves every boundary as the
        /// whole-signal crossings and `match_events` do.
        #[test]
        fn the_aligner_matches_the_whole_signal_crossings(
            signs in proptest::collection::vec(-2i8..=2, 1..300),
            channels in 1usize..3,
            raw in proptest::collection::vec((0usize..400, 0usize..400), 0..8),
            block in 1usize..50,
        ) {
            let n = signs.len();
            // Runs of signs, zeros and values below the 1e-10 threshold.
            let y = ndarray::Array2::from_shape_fn((channels, n), |(c, t)| {
                f64::from(signs[t]) * if (t + c) % 7 == 0 { 1e-12 } else { 0.5 }
            });
            let mut aligner = RemixAligner::new(&raw, true);
            for start in (0..n).step_by(block) {
                let end = (start + block).min(n);
                aligner.push(y.slice(ndarray::s![.., start..end])).unwrap();
            }
            let got = aligner.finish().unwrap();
            let events = zero_crossings_of_mean(y.view());
            let want: Vec<(usize, usize)> = raw
                .iter()
                .map(|&(a, b)| {
                    let (a, b) = (nearest_event(a, &events).min(n), nearest_event(b, &events).min(n));
                    (a, b.max(a))
                })
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn matches_events_as_librosa() {
        let events = [0, 10, 20];
        assert_eq!(nearest_event(4, &events), 0);
        assert_eq!(nearest_event(5, &events), 10);
        assert_eq!(nearest_event(16, &events), 20);
        assert_eq!(nearest_event(99, &events), 20);
    }

    #[test]
    fn aligns_to_zero_crossings() {
        let y = [1.0f64, 1.0, -1.0, -1.0, -1.0, 1.0, 1.0, 1.0];
        let view = ArrayView2::from_shape((1, 8), &y).unwrap();
        assert_eq!(zero_crossings_of_mean(view), vec![0, 2, 5, 8]);
        // 3 moves to 2 (nearer), 7 to the end (8).
        let out = remix(view, &[(3, 7)], true).unwrap();
        assert_eq!(out.row(0).to_vec(), vec![-1.0, -1.0, -1.0, 1.0, 1.0, 1.0]);
        assert!(matches!(
            remix(
                ArrayView2::<f64>::from_shape((1, 0), &[]).unwrap(),
                &[(0, 1)],
                true
            ),
            Err(Error::InputTooShort { .. })
        ));
    }
}
