//! Block Levinson (Whittle–Wiggins–Robinson) solver for symmetric positive
//! definite block-Toeplitz systems.
//!
//! Ordered by lag, the BSS Eval Gram matrix is block Toeplitz: with `m`
//! reference signals and `L` filter taps, `G[(a, p), (b, q)] = R(b − a)[p][q]`
//! where `R(k)[p][q] = Σ_t x_p[t + k] x_q[t]` and `R(−k) = R(k)ᵀ`. The block
//! Levinson recursion solves `G x = y` in `O(L² m³)` operations instead of
//! the `O(L³ m³)` of a dense factorisation (`L = 512`). Its accuracy on
//! ill-conditioned matrices is checked by the caller through the residual,
//! with the dense Cholesky solve as fallback.

/// A symmetric block-Toeplitz matrix given by its first block row
/// `R(0), R(1), …, R(L−1)` (`m × m` each, row-major).
#[derive(Debug, Clone)]
pub(crate) struct BlockToeplitz {
    pub(crate) m: usize,
    pub(crate) l: usize,
    /// `r[k * m * m + p * m + q] = R(k)[p][q]`.
    pub(crate) r: Vec<f64>,
}

/// The block rows used by the recursion, stored so that every sum over lags
/// is one matrix product: `P = [R(0) R(1) … R(L−1)]` and
/// `Q = [R(L−1)ᵀ … R(1)ᵀ R(0)ᵀ]`, both `m × L·m` row-major.
struct Stacks {
    p: Vec<f64>,
    q: Vec<f64>,
    ld: usize,
}

impl BlockToeplitz {
    fn stacks(&self) -> Stacks {
        let (m, l) = (self.m, self.l);
        let ld = l * m;
        let mut p = vec![0.0; m * ld];
        let mut q = vec![0.0; m * ld];
        for i in 0..l {
            let rk = &self.r[i * m * m..(i + 1) * m * m];
            let qi = l - 1 - i;
            for a in 0..m {
                for b in 0..m {
                    p[a * ld + i * m + b] = rk[a * m + b];
                    q[a * ld + qi * m + b] = rk[b * m + a];
                }
            }
        }
        Stacks { p, q, ld }
    }
}

/// `dst (rows × cols, row stride dst_rs) += beta · lhs (rows × k, row stride
/// lhs_rs) · rhs (k × cols, row stride rhs_rs)`, all row-major, by `gemm`.
///
/// # Panics
///
/// Panics if a slice is too short for its shape (an internal error).
#[allow(clippy::too_many_arguments, reason = "a strided matrix product")]
fn matmul(
    dst: &mut [f64],
    dst_rs: usize,
    lhs: &[f64],
    lhs_rs: usize,
    rhs: &[f64],
    rhs_rs: usize,
    rows: usize,
    cols: usize,
    k: usize,
    beta: f64,
) {
    if rows == 0 || cols == 0 || k == 0 {
        return;
    }
    assert!(dst.len() >= (rows - 1) * dst_rs + cols);
    assert!(lhs.len() >= (rows - 1) * lhs_rs + k);
    assert!(rhs.len() >= (k - 1) * rhs_rs + cols);
    // SAFETY: the asserts keep every accessed element inside its slice, and
    // `dst` (a unique borrow) cannot overlap `lhs` or `rhs`.
    unsafe {
        gemm::gemm(
            rows,
            cols,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            true,
            lhs.as_ptr(),
            1,
            lhs_rs as isize,
            rhs.as_ptr(),
            1,
            rhs_rs as isize,
            1.0,
            beta,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Solves `a x = b` (`a` is `m × m`, `b` is `m × c`) by Gaussian
/// elimination with partial pivoting; `None` if `a` is singular.
fn small_solve(a: &[f64], b: &[f64], m: usize, c: usize) -> Option<Vec<f64>> {
    let mut a = a.to_vec();
    let mut b = b.to_vec();
    for col in 0..m {
        let piv =
            (col..m).max_by(|&i, &j| a[i * m + col].abs().total_cmp(&a[j * m + col].abs()))?;
        if a[piv * m + col] == 0.0 || !a[piv * m + col].is_finite() {
            return None;
        }
        if piv != col {
            for k in 0..m {
                a.swap(piv * m + k, col * m + k);
            }
            for k in 0..c {
                b.swap(piv * c + k, col * c + k);
            }
        }
        let d = a[col * m + col];
        for row in col + 1..m {
            let f = a[row * m + col] / d;
            if f == 0.0 {
                continue;
            }
            for k in col..m {
                a[row * m + k] -= f * a[col * m + k];
            }
            for k in 0..c {
                b[row * c + k] -= f * b[col * c + k];
            }
        }
    }
    for col in (0..m).rev() {
        let d = a[col * m + col];
        for k in 0..c {
            let mut s = b[col * c + k];
            for j in col + 1..m {
                s -= a[col * m + j] * b[j * c + k];
            }
            b[col * c + k] = s / d;
        }
    }
    Some(b)
}

impl BlockToeplitz {
    /// `y = G x` for `x` in lag-major layout (`x[(a · m + p) · c + j]`).
    pub(crate) fn apply(&self, x: &[f64], c: usize) -> Vec<f64> {
        let (m, l) = (self.m, self.l);
        let st = self.stacks();
        let mc = m * c;
        let mut y = vec![0.0; l * mc];
        for a in 0..l {
            let out = &mut y[a * mc..(a + 1) * mc];
            // Σ_{b ≥ a} R(b − a) x[b]
            matmul(
                out,
                c,
                &st.p,
                st.ld,
                &x[a * mc..],
                c,
                m,
                c,
                (l - a) * m,
                1.0,
            );
            // Σ_{b < a} R(a − b)ᵀ x[b]
            if a > 0 {
                matmul(
                    out,
                    c,
                    &st.q[(l - 1 - a) * m..],
                    st.ld,
                    x,
                    c,
                    m,
                    c,
                    a * m,
                    1.0,
                );
            }
        }
        y
    }

    /// Solves `G x = y` for `c` right-hand sides in lag-major layout
    /// (`y[(a · m + p) · c + j]`). Returns `None` when a prediction-error
    /// block is singular.
    pub(crate) fn solve(&self, y: &[f64], c: usize) -> Option<Vec<f64>> {
        let (m, l) = (self.m, self.l);
        let mm = m * m;
        let mc = m * c;
        let st = self.stacks();
        let r0 = &self.r[..mm];
        // Forward and backward predictors F[j], B[j] (m × m), stacked.
        let mut f = vec![0.0; l * mm];
        let mut b = vec![0.0; l * mm];
        let mut f_new = vec![0.0; l * mm];
        let mut b_new = vec![0.0; l * mm];
        for p in 0..m {
            f[p * m + p] = 1.0;
            b[p * m + p] = 1.0;
        }
        let mut ef = r0.to_vec();
        let mut eb = r0.to_vec();
        let mut x = vec![0.0; l * mc];
        x[..mc].copy_from_slice(&small_solve(r0, &y[..mc], m, c)?);
        let mut delta_f = vec![0.0; mm];
        let mut delta_b = vec![0.0; mm];
        let mut eps = vec![0.0; mc];
        for k in 0..l - 1 {
            let kk = (k + 1) * m;
            delta_f.fill(0.0);
            delta_b.fill(0.0);
            eps.fill(0.0);
            // Δf = Σ_j R(k+1−j)ᵀ F[j];  ε = Σ_j R(k+1−j)ᵀ x[j]
            let q = &st.q[(l - 2 - k) * m..];
            matmul(&mut delta_f, m, q, st.ld, &f, m, m, m, kk, 1.0);
            matmul(&mut eps, c, q, st.ld, &x, c, m, c, kk, 1.0);
            // Δb = Σ_j R(j+1) B[j]
            matmul(&mut delta_b, m, &st.p[m..], st.ld, &b, m, m, m, kk, 1.0);
            // α = −Eb⁻¹ Δf, β = −Ef⁻¹ Δb
            let alpha = small_solve(&eb, &delta_f, m, m)?;
            let beta = small_solve(&ef, &delta_b, m, m)?;
            // F' = [F; 0] + [0; B] α ; B' = [0; B] + [F; 0] β
            let ke = (k + 1) * mm; // elements of k + 1 blocks
            f_new[..ke].copy_from_slice(&f[..ke]);
            f_new[ke..ke + mm].fill(0.0);
            matmul(&mut f_new[mm..], m, &b, m, &alpha, m, kk, m, m, -1.0);
            b_new[..mm].fill(0.0);
            b_new[mm..ke + mm].copy_from_slice(&b[..ke]);
            matmul(&mut b_new, m, &f, m, &beta, m, kk, m, m, -1.0);
            // Ef' = Ef + Δb α ; Eb' = Eb + Δf β
            matmul(&mut ef, m, &delta_b, m, &alpha, m, m, m, m, -1.0);
            matmul(&mut eb, m, &delta_f, m, &beta, m, m, m, m, -1.0);
            std::mem::swap(&mut f, &mut f_new);
            std::mem::swap(&mut b, &mut b_new);
            // x' = [x; 0] + B' Eb'⁻¹ (y_{k+1} − ε)
            let rhs: Vec<f64> = y[(k + 1) * mc..(k + 2) * mc]
                .iter()
                .zip(&eps)
                .map(|(a, e)| a - e)
                .collect();
            let w = small_solve(&eb, &rhs, m, c)?;
            matmul(&mut x, c, &b, m, &w, c, kk + m, c, m, 1.0);
        }
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_block_toeplitz_system() {
        // Correlations of two short signals give an SPD block-Toeplitz matrix.
        let n = 300;
        let sig: Vec<Vec<f64>> = (0..2)
            .map(|s| {
                (0..n)
                    .map(|t| ((t * (7 + s * 5) % 23) as f64 - 11.0) / 11.0 + (0.1 * t as f64).sin())
                    .collect()
            })
            .collect();
        let (m, l) = (2, 20);
        let mut r = vec![0.0; l * m * m];
        for k in 0..l {
            for p in 0..m {
                for q in 0..m {
                    r[k * m * m + p * m + q] = (0..n - k).map(|t| sig[p][t + k] * sig[q][t]).sum();
                }
            }
        }
        let t = BlockToeplitz { m, l, r };
        let x: Vec<f64> = (0..l * m * 3).map(|i| (i as f64 * 0.37).cos()).collect();
        let y = t.apply(&x, 3);
        let got = t.solve(&y, 3).unwrap();
        for (g, e) in got.iter().zip(&x) {
            assert!((g - e).abs() < 1e-8, "{g} vs {e}");
        }
    }
}
