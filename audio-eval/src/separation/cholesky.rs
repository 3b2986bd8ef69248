//! Blocked Cholesky factorisation and solves for the BSS Eval Gram matrix.
//!
//! mir_eval and museval solve `G C = D` with `numpy.linalg.solve` (LU with
//! partial pivoting). `G` is a Gram matrix — symmetric positive
//! (semi-)definite — so the Cholesky factorisation `G = L Lᵀ` gives the same
//! solution at half the cost and is backward stable. The factorisation is
//! recursive: the diagonal blocks are factored directly, the off-diagonal
//! blocks by recursive triangular solves, and the trailing updates by the
//! SIMD matrix product of the `gemm` crate.

/// Diagonal blocks at most this large are factored by the direct loops.
const BASE: usize = 64;

/// A Cholesky factor `L` (lower triangular, row-major `n × n`) of a
/// symmetric positive definite matrix.
#[derive(Debug, Clone)]
pub(crate) struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

fn parallelism() -> gemm::Parallelism {
    let threads = rayon::current_num_threads();
    if threads > 1 {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    }
}

/// `dst (m × n) -= lhs (m × k) · rhsᵀ` where `rhs` is `n × k`; all three are
/// row-major blocks with leading dimension `ld` inside one buffer, at element
/// offsets `dst`, `lhs` and `rhs`.
///
/// # Safety
///
/// The three blocks must lie inside `buf` and `dst` must not overlap `lhs`
/// or `rhs`.
#[allow(clippy::too_many_arguments, reason = "a raw GEMM call")]
unsafe fn gemm_sub_abt(
    buf: *mut f64,
    ld: usize,
    dst: usize,
    lhs: usize,
    rhs: usize,
    m: usize,
    n: usize,
    k: usize,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    let ld = ld as isize;
    // SAFETY: the caller guarantees the blocks are in bounds and disjoint.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            buf.add(dst),
            1,
            ld,
            true,
            buf.add(lhs) as *const f64,
            1,
            ld,
            buf.add(rhs) as *const f64,
            ld,
            1,
            1.0,
            -1.0,
            false,
            false,
            false,
            parallelism(),
        );
    }
}

impl Cholesky {
    /// Factors the symmetric matrix `a` (row-major `n × n`; only the lower
    /// triangle is read). Returns `None` when a pivot is not positive (the
    /// matrix is not numerically positive definite).
    pub(crate) fn factor(mut a: Vec<f64>, n: usize) -> Option<Self> {
        debug_assert_eq!(a.len(), n * n);
        let ptr = a.as_mut_ptr();
        // SAFETY: `ptr` points to the `n * n` elements of `a`, which lives
        // for the whole call; blocks passed on are inside it.
        let ok = unsafe { chol_rec(ptr, n, 0, n) };
        if !ok {
            return None;
        }
        // Zero the strict upper triangle so `l` is exactly `L`.
        for i in 0..n {
            a[i * n + i + 1..(i + 1) * n].fill(0.0);
        }
        Some(Self { n, l: a })
    }

    /// Factors `a + shift·I`, increasing `shift` from `base_shift` (by 100×,
    /// starting at `1e-12 · mean(diag)` when `base_shift` is zero or too
    /// small) until the factorisation succeeds. This is the fallback for
    /// rank-deficient Gram matrices (identical channels, silent channels),
    /// where mir_eval falls back to `numpy.linalg.lstsq`: the projection
    /// onto the span of the references is the same for any least-squares
    /// solution, and the diagonal loading keeps the solution in that span.
    pub(crate) fn factor_regularised(a: Vec<f64>, n: usize, base_shift: f64) -> Option<Self> {
        let with_shift = |shift: f64| {
            let mut b = a.clone();
            for i in 0..n {
                b[i * n + i] += shift;
            }
            Self::factor(b, n)
        };
        if let Some(c) = with_shift(base_shift) {
            return Some(c);
        }
        let mean_diag = (0..n).map(|i| a[i * n + i]).sum::<f64>() / n.max(1) as f64;
        if !(mean_diag.is_finite() && mean_diag > 0.0) {
            return None;
        }
        let mut rel = 1e-12;
        while rel <= 1e-4 {
            if let Some(c) = with_shift(base_shift + rel * mean_diag) {
                return Some(c);
            }
            rel *= 100.0;
        }
        None
    }

    /// The order `n`.
    #[cfg(test)]
    pub(crate) fn order(&self) -> usize {
        self.n
    }

    /// Solves `L Lᵀ x = b` for `nrhs` right-hand sides stored as columns of
    /// `b` in column-major order (`b[j * n + i]`), in place.
    pub(crate) fn solve_columns(&self, b: &mut [f64], nrhs: usize) {
        let n = self.n;
        debug_assert_eq!(b.len(), n * nrhs);
        // Forward: L y = b, one pass over the rows of L for all columns.
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let d = self.l[i * n + i];
            for j in 0..nrhs {
                let col = &mut b[j * n..(j + 1) * n];
                let s = dot(row, &col[..i]);
                col[i] = (col[i] - s) / d;
            }
        }
        // Backward: Lᵀ x = y, as row-of-L axpys.
        for i in (0..n).rev() {
            let row = &self.l[i * n..i * n + i];
            let d = self.l[i * n + i];
            for j in 0..nrhs {
                let col = &mut b[j * n..(j + 1) * n];
                let xi = col[i] / d;
                col[i] = xi;
                for (c, r) in col[..i].iter_mut().zip(row) {
                    *c -= xi * r;
                }
            }
        }
    }
}

/// Dot product with four accumulators (vectorises).
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for k in 0..4 {
            acc[k] += a[4 * c + k] * b[4 * c + k];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for k in 4 * chunks..a.len() {
        s += a[k] * b[k];
    }
    s
}

/// Factors the `s × s` diagonal block at `(o, o)` of the row-major matrix
/// with leading dimension `ld` in place (lower triangle).
///
/// # Safety
///
/// The block must lie inside the buffer behind `buf`.
unsafe fn chol_rec(buf: *mut f64, ld: usize, o: usize, s: usize) -> bool {
    if s <= BASE {
        // SAFETY: forwarded from the caller.
        return unsafe { chol_base(buf, ld, o, s) };
    }
    let s1 = (s / 2).div_ceil(BASE) * BASE;
    let s2 = s - s1;
    // SAFETY: all blocks below are sub-blocks of the `s × s` block at
    // `(o, o)`, and the GEMM destination (A22) is disjoint from A21.
    unsafe {
        if !chol_rec(buf, ld, o, s1) {
            return false;
        }
        // A21 := A21 · L11⁻ᵀ
        trsm_rec(buf, ld, (o + s1) * ld + o, o * ld + o, s2, s1);
        // A22 -= A21 · A21ᵀ
        let a21 = (o + s1) * ld + o;
        gemm_sub_abt(buf, ld, (o + s1) * ld + o + s1, a21, a21, s2, s2, s1);
        chol_rec(buf, ld, o + s1, s2)
    }
}

/// # Safety
///
/// The block must lie inside the buffer behind `buf`.
unsafe fn chol_base(buf: *mut f64, ld: usize, o: usize, s: usize) -> bool {
    for j in 0..s {
        // SAFETY: every index is `(o + r) * ld + o + c` with `r, c < s`.
        unsafe {
            let rj = std::slice::from_raw_parts(buf.add((o + j) * ld + o), j);
            let d = *buf.add((o + j) * ld + o + j) - dot(rj, rj);
            if !(d > 0.0 && d.is_finite()) {
                return false;
            }
            let ljj = d.sqrt();
            *buf.add((o + j) * ld + o + j) = ljj;
            for i in j + 1..s {
                let ri = std::slice::from_raw_parts(buf.add((o + i) * ld + o), j);
                let rj = std::slice::from_raw_parts(buf.add((o + j) * ld + o), j);
                let v = *buf.add((o + i) * ld + o + j) - dot(ri, rj);
                *buf.add((o + i) * ld + o + j) = v / ljj;
            }
        }
    }
    true
}

/// Solves `X Lᵀ = A` in place for the `r × s` block `A` at offset `x`, with
/// the `s × s` lower-triangular `L` at offset `l` (same buffer, leading
/// dimension `ld`).
///
/// # Safety
///
/// Both blocks must lie inside the buffer and not overlap.
unsafe fn trsm_rec(buf: *mut f64, ld: usize, x: usize, l: usize, r: usize, s: usize) {
    if s <= BASE {
        for row in 0..r {
            for j in 0..s {
                // SAFETY: indices stay inside the two blocks.
                unsafe {
                    let xr = std::slice::from_raw_parts(buf.add(x + row * ld), j);
                    let lj = std::slice::from_raw_parts(buf.add(l + j * ld), j);
                    let v = *buf.add(x + row * ld + j) - dot(xr, lj);
                    *buf.add(x + row * ld + j) = v / *buf.add(l + j * ld + j);
                }
            }
        }
        return;
    }
    let s1 = (s / 2).div_ceil(BASE) * BASE;
    let s2 = s - s1;
    // SAFETY: sub-blocks of the two disjoint blocks.
    unsafe {
        trsm_rec(buf, ld, x, l, r, s1);
        // X2 -= X1 · L21ᵀ
        gemm_sub_abt(buf, ld, x + s1, x, l + s1 * ld, r, s2, s1);
        trsm_rec(buf, ld, x + s1, l + s1 * ld + s1, r, s2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_spd_system() {
        for &n in &[3usize, 64, 65, 200, 300] {
            // A = B Bᵀ + n I
            let b: Vec<f64> = (0..n * n)
                .map(|i| ((i * 2_654_435_761) % 1000) as f64 / 1000.0 - 0.5)
                .collect();
            let mut a = vec![0.0; n * n];
            for i in 0..n {
                for j in 0..n {
                    a[i * n + j] = dot(&b[i * n..(i + 1) * n], &b[j * n..(j + 1) * n]);
                }
                a[i * n + i] += 1.0;
            }
            let x: Vec<f64> = (0..2 * n).map(|i| (i as f64).sin()).collect();
            let mut rhs = vec![0.0; 2 * n];
            for j in 0..2 {
                for i in 0..n {
                    rhs[j * n + i] = dot(&a[i * n..(i + 1) * n], &x[j * n..(j + 1) * n]);
                }
            }
            let c = Cholesky::factor(a, n).expect("spd");
            assert_eq!(c.order(), n);
            c.solve_columns(&mut rhs, 2);
            for (g, e) in rhs.iter().zip(&x) {
                assert!((g - e).abs() < 1e-8, "n={n}: {g} vs {e}");
            }
        }
    }

    #[test]
    fn rejects_indefinite() {
        let a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(Cholesky::factor(a.clone(), 2).is_none());
        // Singular PSD (duplicated column) is rescued by diagonal loading.
        let s = vec![1.0, 1.0, 1.0, 1.0];
        assert!(Cholesky::factor_regularised(s, 2, 0.0).is_some());
    }
}
