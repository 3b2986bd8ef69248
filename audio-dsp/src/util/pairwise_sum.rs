//! NumPy's pairwise summation, so that sums librosa takes with `np.sum`,
//! `np.mean` or `np.std` round the same way here, and `np.median`.

use crate::Float;

/// `np.sum(x)` of a contiguous array, as NumPy computes it: blocks of up to
/// 128 elements are summed with eight interleaved accumulators combined as
/// `((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))` plus the remainder in
/// order; longer arrays are split at half (rounded down to a multiple of 8)
/// and the halves summed recursively. Fewer than 8 elements are summed in
/// order. The result rounds exactly as NumPy's in `T`'s precision.
///
/// Reference: NumPy's `pairwise_sum` (`numpy/_core/src/umath/loops_utils.h.src`).
///
/// # Example
///
/// ```
/// use audio_dsp::util::pairwise_sum::pairwise_sum;
/// assert_eq!(pairwise_sum(&[1.0f32, 2.0, 3.0]), 6.0);
/// ```
pub fn pairwise_sum<T: Float>(x: &[T]) -> T {
    let n = x.len();
    if n < 8 {
        return x.iter().fold(T::zero(), |s, &v| s + v);
    }
    if n <= 128 {
        let mut r = [T::zero(); 8];
        r.copy_from_slice(&x[..8]);
        let whole = n - n % 8;
        for block in x[8..whole].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc = *acc + v;
            }
        }
        let head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        return x[whole..].iter().fold(head, |s, &v| s + v);
    }
    let half = n / 2;
    let half = half - half % 8;
    pairwise_sum(&x[..half]) + pairwise_sum(&x[half..])
}

/// `np.mean(x)`: [`pairwise_sum`] divided by the length in `T` (NaN when empty).
pub fn mean<T: Float>(x: &[T]) -> T {
    let n = T::from(x.len()).unwrap_or_else(T::nan);
    pairwise_sum(x) / n
}

/// `np.std(x, ddof=ddof)`: the square root of the pairwise sum of squared
/// deviations from [`mean`], divided by `len - ddof`, each step rounded in
/// `T` as NumPy does (NaN when `len <= ddof`).
pub fn std<T: Float>(x: &[T], ddof: usize) -> T {
    if x.len() <= ddof {
        return T::nan();
    }
    let m = mean(x);
    let squares: Vec<T> = x.iter().map(|&v| (v - m) * (v - m)).collect();
    let count = T::from(x.len() - ddof).unwrap_or_else(T::nan);
    (pairwise_sum(&squares) / count).sqrt()
}

/// `np.median(v)`: the middle value after sorting, or the mean of the two
/// middle values for an even length (NaN when empty). Sorts `v` in place.
pub fn median<T: Float>(v: &mut [T]) -> T {
    let n = v.len();
    if n == 0 {
        return T::nan();
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / (T::one() + T::one())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sums_in_order_and_long_ones_in_blocks() {
        assert_eq!(pairwise_sum::<f64>(&[]), 0.0);
        let x: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&x), 500_500.0);
        // Eight interleaved accumulators, then the remainder in order.
        let y: Vec<f32> = (0..11).map(|i| 1.0 / (1.0 + i as f32)).collect();
        let r = &y[..8];
        let head = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        assert_eq!(pairwise_sum(&y), ((head + y[8]) + y[9]) + y[10]);
        // Longer arrays split at half, rounded down to a multiple of 8.
        let z: Vec<f32> = (0..300).map(|i| 1.0 + (i as f32) * 1e-3).collect();
        assert_eq!(
            pairwise_sum(&z),
            pairwise_sum(&z[..144]) + pairwise_sum(&z[144..])
        );
        // Deviations ±0.5, ±1.5: Σ = 5, over n - 1 = 3.
        assert!((std(&[1.0f64, 2.0, 3.0, 4.0], 1) - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert!(std(&[1.0f64], 1).is_nan());
        assert_eq!(median(&mut [3.0f64, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0f64, 1.0, 2.0, 3.0]), 2.5);
    }
}
