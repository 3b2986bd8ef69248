//! The matrix-vector product of the fused recurrences ([`crate::lstm_kernel`],
//! [`crate::gru_kernel`]): `y += W·v` for a row-major `W`, as dot products of
//! rows with `v`, so the weight is read once, in its stored (PyTorch) layout,
//! and `y` is written once per row.
//!
//! Runtime dispatch: AVX2 + FMA on x86-64 (4 rows × 16 columns of
//! accumulators), an auto-vectorised scalar path otherwise.

/// `y[r] += Σ_j W[r, j]·v[j]` for `W` of `y.len()` rows and `v.len()` columns.
///
/// `descending` walks the rows from the last to the first (each row's sum is
/// the same either way). A recurrence alternates it from step to step, so
/// the rows a step reads first are the ones the previous step read last and
/// still finds in the core's L2 cache: a weight larger than L2 then streams
/// only its excess from L3.
///
/// # Panics
///
/// When `w` is shorter than `y.len()·v.len()` (a bug in the caller).
pub(crate) fn mat_vec_acc(y: &mut [f32], w: &[f32], v: &[f32], descending: bool) {
    assert!(w.len() >= y.len() * v.len(), "gemv: weight size");
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: AVX2 and FMA are present (checked just above); the size
            // of `w` is checked above.
            unsafe { mat_vec_acc_avx2(y, w, v, descending) };
            return;
        }
    }
    mat_vec_acc_scalar(y, w, v);
}

/// One row's dot product with 8 partial sums (vectorisable, fixed order).
fn dot(row: &[f32], v: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (rc, vc) = (row.chunks_exact(8), v.chunks_exact(8));
    let tail: f32 = rc
        .remainder()
        .iter()
        .zip(vc.remainder())
        .map(|(a, b)| a * b)
        .sum();
    for (r, x) in rc.zip(vc) {
        for l in 0..8 {
            acc[l] += r[l] * x[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

pub(crate) fn mat_vec_acc_scalar(y: &mut [f32], w: &[f32], v: &[f32]) {
    let cols = v.len();
    for (r, yr) in y.iter_mut().enumerate() {
        *yr += dot(&w[r * cols..(r + 1) * cols], v);
    }
}

/// # Safety
///
/// The CPU has AVX2 and FMA, and `w.len() >= y.len()·v.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn mat_vec_acc_avx2(y: &mut [f32], w: &[f32], v: &[f32], descending: bool) {
    use std::arch::x86_64::*;
    let (rows, cols) = (y.len(), v.len());
    let (wp, vp) = (w.as_ptr(), v.as_ptr());
    let rows4 = rows / 4 * 4;
    if descending {
        for (rr, yr) in y.iter_mut().enumerate().skip(rows4).rev() {
            *yr += dot(&w[rr * cols..(rr + 1) * cols], v);
        }
    }
    for block in 0..rows4 / 4 {
        let r = if descending {
            rows4 - 4 * (block + 1)
        } else {
            4 * block
        };
        let mut a = [_mm256_setzero_ps(); 4];
        let mut b = [_mm256_setzero_ps(); 4];
        let mut j = 0;
        // SAFETY (all loads below): rows r..r+4 < rows and columns j..j+16 or
        // j..j+8 <= cols, so every read is inside `w` (size checked) and `v`.
        while j + 16 <= cols {
            let (v0, v1) = unsafe { (_mm256_loadu_ps(vp.add(j)), _mm256_loadu_ps(vp.add(j + 8))) };
            for q in 0..4 {
                let row = unsafe { wp.add((r + q) * cols + j) };
                a[q] = _mm256_fmadd_ps(unsafe { _mm256_loadu_ps(row) }, v0, a[q]);
                b[q] = _mm256_fmadd_ps(unsafe { _mm256_loadu_ps(row.add(8)) }, v1, b[q]);
            }
            j += 16;
        }
        while j + 8 <= cols {
            let v0 = unsafe { _mm256_loadu_ps(vp.add(j)) };
            for (q, aq) in a.iter_mut().enumerate() {
                let row = unsafe { wp.add((r + q) * cols + j) };
                *aq = _mm256_fmadd_ps(unsafe { _mm256_loadu_ps(row) }, v0, *aq);
            }
            j += 8;
        }
        for q in 0..4 {
            let mut lanes = [0f32; 8];
            // SAFETY: `lanes` holds 8 floats.
            unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(a[q], b[q])) };
            let base = (r + q) * cols;
            let tail: f32 = (j..cols).map(|c| w[base + c] * v[c]).sum();
            y[r + q] += lanes.iter().sum::<f32>() + tail;
        }
    }
    if !descending {
        for (rr, yr) in y.iter_mut().enumerate().skip(rows4) {
            *yr += dot(&w[rr * cols..(rr + 1) * cols], v);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn dispatch_matches_scalar_and_naive() {
        for (rows, cols) in [(7, 13), (8, 16), (12, 37), (2048, 512), (3, 5), (5, 24)] {
            let w: Vec<f32> = (0..rows * cols)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
                .collect();
            let v: Vec<f32> = (0..cols).map(|i| (i % 9) as f32 / 4.0 - 1.0).collect();
            let mut fast = vec![0.5f32; rows];
            super::mat_vec_acc(&mut fast, &w, &v, false);
            let mut fast_desc = vec![0.5f32; rows];
            super::mat_vec_acc(&mut fast_desc, &w, &v, true);
            assert_eq!(fast, fast_desc, "row order changes no sum");
            let mut slow = vec![0.5f32; rows];
            super::mat_vec_acc_scalar(&mut slow, &w, &v);
            for r in 0..rows {
                let want: f32 = 0.5 + (0..cols).map(|j| w[r * cols + j] * v[j]).sum::<f32>();
                let scale = 1.0 + want.abs();
                assert!((slow[r] - want).abs() < 1e-5 * scale, "scalar {r}");
                assert!((fast[r] - slow[r]).abs() < 1e-5 * scale, "simd {r}");
            }
        }
    }
}
