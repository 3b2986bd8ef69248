//! Non-negative least squares, as `librosa.util.nnls` (matrix targets, by
//! L-BFGS-B over column blocks) and `scipy.optimize.nnls` (one target
//! vector, by the Lawson–Hanson active-set method).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

use crate::error::invalid;
use crate::util::lbfgsb::{lbfgsb, Bound, Bounds, LbfgsbConfig, LbfgsbResult, LbfgsbStatus};
use crate::util::pairwise_sum::pairwise_sum;
use crate::{Error, Float, Result};

/// librosa's `MAX_MEM_BLOCK` (`2**8 * 2**10` bytes): the target columns of
/// one L-BFGS-B problem are at most `MAX_MEM_BLOCK / (rows · itemsize)`.
pub const MAX_MEM_BLOCK: usize = 1 << 18;

/// Options of [`nnls`]: the keyword arguments librosa passes on to
/// `scipy.optimize.fmin_l_bfgs_b`, with their defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct NnlsConfig {
    /// Correction pairs of the limited-memory matrix; `None` is librosa's
    /// default, the number of unknowns per column (`A.shape[1]`).
    pub m: Option<usize>,
    /// Relative-reduction tolerance factor. Default 1e7.
    pub factr: f64,
    /// Projected-gradient tolerance. Default 1e-5.
    pub pgtol: f64,
    /// Evaluation limit. Default 15000.
    pub maxfun: usize,
    /// Iteration limit. Default 15000.
    pub maxiter: usize,
    /// Line-search steps per iteration. Default 20.
    pub maxls: usize,
}

impl Default for NnlsConfig {
    fn default() -> Self {
        let l = LbfgsbConfig::default();
        Self {
            m: None,
            factr: l.factr,
            pgtol: l.pgtol,
            maxfun: l.maxfun,
            maxiter: l.maxiter,
            maxls: l.maxls,
        }
    }
}

/// A non-negative `X` minimising `||A X - B||²`, as `librosa.util.nnls(A, B)`
/// for a 2-D `B`.
///
/// As librosa: the target columns are split into blocks of
/// `max(1, MAX_MEM_BLOCK / (rows · size_of::<T>()))`; each block starts from
/// the clipped minimum-norm least-squares solution `max(0, pinv(A) B)` and
/// is refined by [`lbfgsb`] on `x ≥ 0` with the objective
/// `0.5 ||A X - B||² / B.size` and its gradient `Aᵀ(A X - B) / B.size`
/// (librosa's `_nnls_obj`, summed with NumPy's pairwise summation), `m =
/// A.shape[1]` correction pairs and `fmin_l_bfgs_b`'s other defaults.
///
/// The problem is underdetermined (more unknowns than equations, for a mel
/// basis), so the answer depends on the path: this follows librosa's path.
/// `pinv(A) B` is computed in `f64` as `Aᵀ (A Aᵀ)⁺ B`, by Cholesky, or by a
/// Jacobi eigendecomposition with eigenvalues below `max(rows, cols) · eps ·
/// λ_max` dropped when `A` is rank-deficient (a mel basis with more bands
/// than its FFT resolves); librosa's `np.linalg.pinv` is an SVD in `T`'s
/// precision, equal to it to ~1e-7 of the peak in `f32`. The start is then
/// rounded to `T`, as librosa's is, the optimisation runs in `f64`, and the
/// result is rounded to `T`.
///
/// Reference: `librosa.util.nnls` and `_nnls_lbfgs_block` (librosa 0.11),
/// `scipy.optimize.fmin_l_bfgs_b`.
///
/// # Errors
///
/// [`Error::ShapeMismatch`] when `B` does not have `A`'s row count;
/// [`Error::InputTooShort`] for an `A` without rows or columns;
/// [`Error::NonFinite`] for a NaN or infinity in `A` or `B`; as [`lbfgsb`]
/// for bad options.
///
/// # Shapes
///
/// `A: (m, n)`, `B: (m, N)` → `(n, N)`.
///
/// # Example
///
/// ```
/// use audio_dsp::util::nnls::{nnls, NnlsConfig};
/// use ndarray::array;
/// let a = array![[1.0f64, 0.0, 1.0], [0.0, 1.0, 1.0]];
/// // x = (1, 0, 2) is one exact non-negative solution of A x = (3, 2).
/// let b = array![[3.0], [2.0]];
/// let x = nnls(a.view(), b.view(), &NnlsConfig::default())?;
/// assert_eq!(x.dim(), (3, 1));
/// let ax = a.dot(&x);
/// assert!((ax[[0, 0]] - 3.0).abs() < 1e-4 && (ax[[1, 0]] - 2.0).abs() < 1e-4);
/// assert!(x.iter().all(|&v| v >= 0.0));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn nnls<T: Float>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    config: &NnlsConfig,
) -> Result<Array2<T>> {
    nnls_with_report(a, b, config).map(|(x, _)| x)
}

/// One L-BFGS-B problem of [`nnls`]: a block of target columns and how its
/// run went (`fmin_l_bfgs_b`'s `nit`, `funcalls` and status).
#[derive(Debug, Clone, PartialEq)]
pub struct NnlsBlock {
    /// The target columns of the block.
    pub columns: std::ops::Range<usize>,
    /// L-BFGS-B iterations.
    pub nit: usize,
    /// Objective evaluations.
    pub nfev: usize,
    /// Why the run stopped.
    pub status: LbfgsbStatus,
}

/// [`nnls`], also reporting each block's L-BFGS-B run, e.g. to compare the
/// iteration counts with SciPy's.
///
/// # Errors
///
/// As [`nnls`].
///
/// # Shapes
///
/// As [`nnls`].
///
/// # Example
///
/// ```
/// use audio_dsp::util::nnls::{nnls_with_report, NnlsConfig};
/// use ndarray::Array2;
/// let a = Array2::<f32>::from_shape_fn((4, 8), |(i, j)| if j / 2 == i { 1.0 } else { 0.0 });
/// let b = Array2::<f32>::ones((4, 3));
/// let (x, blocks) = nnls_with_report(a.view(), b.view(), &NnlsConfig::default())?;
/// assert_eq!(x.dim(), (8, 3));
/// assert_eq!(blocks.len(), 1);
/// assert_eq!(blocks[0].columns, 0..3);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn nnls_with_report<T: Float>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    config: &NnlsConfig,
) -> Result<(Array2<T>, Vec<NnlsBlock>)> {
    let (rows, cols) = a.dim();
    if rows == 0 || cols == 0 {
        return Err(Error::InputTooShort {
            what: "nnls basis A (rows and columns)",
            expected: 1,
            got: 0,
        });
    }
    if b.nrows() != rows {
        return Err(Error::ShapeMismatch {
            what: "nnls target B",
            expected: vec![rows, 0],
            got: b.shape().to_vec(),
        });
    }
    check_finite("nnls basis A", a.iter())?;
    check_finite("nnls target B", b.iter())?;
    let n_targets = b.ncols();
    if n_targets == 0 {
        return Ok((Array2::zeros((cols, 0)), Vec::new()));
    }
    let lbfgsb_config = LbfgsbConfig {
        m: config.m.unwrap_or(cols),
        factr: config.factr,
        pgtol: config.pgtol,
        maxfun: config.maxfun,
        maxiter: config.maxiter,
        maxls: config.maxls,
    };
    let to64 = |v: T| v.to_f64().unwrap_or(f64::NAN);
    let a64 = a.mapv(to64);
    let b64 = b.mapv(to64);
    let basis = Banded::new(&a64);
    // x_init = clip(pinv(A) @ B, 0), in T as librosa's einsum returns it.
    let init = min_norm_solution(&a64, &basis, &b64).mapv(|v| {
        let t = T::from(v).unwrap_or_else(T::zero);
        to64(if t < T::zero() { T::zero() } else { t })
    });
    let block = (MAX_MEM_BLOCK / (rows * std::mem::size_of::<T>())).max(1);
    let mut out = Array2::<T>::zeros((cols, n_targets));
    let mut report = Vec::new();
    let mut start = 0;
    while start < n_targets {
        let end = (start + block).min(n_targets);
        let (x, run) = solve_block(
            &basis,
            b64.slice(ndarray::s![.., start..end]),
            init.slice(ndarray::s![.., start..end]),
            &lbfgsb_config,
        )?;
        for (mut column, solved) in out
            .slice_mut(ndarray::s![.., start..end])
            .rows_mut()
            .into_iter()
            .zip(x.rows())
        {
            column.zip_mut_with(&solved, |o, &v| *o = T::from(v).unwrap_or_else(T::zero));
        }
        report.push(NnlsBlock {
            columns: start..end,
            nit: run.nit,
            nfev: run.nfev,
            status: run.status,
        });
        start = end;
    }
    Ok((out, report))
}

/// `_nnls_lbfgs_block`: L-BFGS-B on one block of target columns.
fn solve_block(
    basis: &Banded,
    b: ArrayView2<f64>,
    init: ArrayView2<f64>,
    config: &LbfgsbConfig,
) -> Result<(Array2<f64>, LbfgsbResult)> {
    let (rows, frames) = b.dim();
    let cols = basis.cols;
    // C-order flattening of x (cols, frames), as `x_init.ravel()`.
    let x0: Vec<f64> = init.iter().copied().collect();
    let target: Vec<f64> = b.iter().copied().collect();
    let size = (rows * frames) as f64;
    let scale = 1.0 / size;
    let half_scale = scale * 0.5;
    let mut diff = vec![0.0; rows * frames];
    let mut squares = vec![0.0; rows * frames];
    let objective = |x: &[f64], grad: &mut [f64]| -> f64 {
        // diff = A x - B, rows of A as their non-zero bands.
        for (i, (start, weights)) in basis.bands.iter().enumerate() {
            let d = &mut diff[i * frames..(i + 1) * frames];
            d.iter_mut().for_each(|v| *v = 0.0);
            for (k, &w) in weights.iter().enumerate() {
                let f = start + k;
                for (dv, &xv) in d.iter_mut().zip(&x[f * frames..(f + 1) * frames]) {
                    *dv += w * xv;
                }
            }
            for (dv, &bv) in d.iter_mut().zip(&target[i * frames..(i + 1) * frames]) {
                *dv -= bv;
            }
        }
        for (s, &d) in squares.iter_mut().zip(&diff) {
            *s = d * d;
        }
        let value = half_scale * pairwise_sum(&squares);
        // grad = Aᵀ diff / B.size.
        grad.iter_mut().for_each(|v| *v = 0.0);
        for (i, (start, weights)) in basis.bands.iter().enumerate() {
            let d = &diff[i * frames..(i + 1) * frames];
            for (k, &w) in weights.iter().enumerate() {
                let f = start + k;
                for (gv, &dv) in grad[f * frames..(f + 1) * frames].iter_mut().zip(d) {
                    *gv += w * dv;
                }
            }
        }
        grad.iter_mut().for_each(|v| *v *= scale);
        value
    };
    let mut result = lbfgsb(
        objective,
        &x0,
        &Bounds::Uniform(Bound::NON_NEGATIVE),
        config,
    )?;
    let x = Array2::from_shape_vec((cols, frames), std::mem::take(&mut result.x))
        .map_err(|_| invalid("nnls block", frames, "a consistent block shape"))?;
    Ok((x, result))
}

/// The rows of a matrix as `(first non-zero column, values up to the last
/// non-zero)`: a mel basis' triangles, without their zeros.
struct Banded {
    cols: usize,
    bands: Vec<(usize, Vec<f64>)>,
}

impl Banded {
    fn new(a: &Array2<f64>) -> Self {
        let bands = a
            .rows()
            .into_iter()
            .map(|row| {
                let first = row.iter().position(|&v| v != 0.0);
                let last = row.iter().rposition(|&v| v != 0.0);
                match (first, last) {
                    (Some(s), Some(e)) => {
                        (s, row.iter().skip(s).take(e + 1 - s).copied().collect())
                    }
                    _ => (0, Vec::new()),
                }
            })
            .collect();
        Self {
            cols: a.ncols(),
            bands,
        }
    }

    /// `(A Aᵀ)[i, j]` from the overlapping parts of two bands.
    fn gram(&self, i: usize, j: usize) -> f64 {
        let (si, wi) = &self.bands[i];
        let (sj, wj) = &self.bands[j];
        let lo = (*si).max(*sj);
        let hi = (si + wi.len()).min(sj + wj.len());
        (lo..hi).fold(0.0, |s, f| s + wi[f - si] * wj[f - sj])
    }
}

/// `pinv(A) @ B` as `Aᵀ (A Aᵀ)⁺ B`, in `f64`.
fn min_norm_solution(a: &Array2<f64>, basis: &Banded, b: &Array2<f64>) -> Array2<f64> {
    let (rows, cols) = a.dim();
    let frames = b.ncols();
    let mut gram = vec![0.0; rows * rows];
    for i in 0..rows {
        for j in 0..=i {
            let v = basis.gram(i, j);
            gram[i * rows + j] = v;
            gram[j * rows + i] = v;
        }
    }
    let max_diag = (0..rows).fold(0f64, |m, i| m.max(gram[i * rows + i]));
    let cutoff = max_diag * (rows.max(cols) as f64) * f64::EPSILON;
    // y = (A Aᵀ)⁺ B, column by column of B.
    let mut y = b.clone();
    if let Some(chol) = cholesky(&gram, rows, cutoff) {
        for mut column in y.columns_mut() {
            let mut v: Vec<f64> = column.iter().copied().collect();
            cholesky_solve(&chol, rows, &mut v);
            column.iter_mut().zip(&v).for_each(|(c, &s)| *c = s);
        }
    } else {
        let (values, vectors) = jacobi_eigen(gram, rows);
        let lambda_max = values.iter().fold(0f64, |m, &v| m.max(v));
        let keep = lambda_max * (rows.max(cols) as f64) * f64::EPSILON;
        let inverse: Vec<f64> = values
            .iter()
            .map(|&l| if l > keep { 1.0 / l } else { 0.0 })
            .collect();
        for mut column in y.columns_mut() {
            let v: Vec<f64> = column.iter().copied().collect();
            // V diag(1/λ) Vᵀ v.
            let coefficients: Vec<f64> = (0..rows)
                .map(|k| {
                    let vk = &vectors[k * rows..(k + 1) * rows];
                    inverse[k] * vk.iter().zip(&v).fold(0.0, |s, (&p, &q)| s + p * q)
                })
                .collect();
            for (i, c) in column.iter_mut().enumerate() {
                *c = (0..rows).fold(0.0, |s, k| s + vectors[k * rows + i] * coefficients[k]);
            }
        }
    }
    // x = Aᵀ y.
    let mut x = Array2::<f64>::zeros((cols, frames));
    for (i, (start, weights)) in basis.bands.iter().enumerate() {
        let yi = y.row(i);
        for (k, &w) in weights.iter().enumerate() {
            let mut xr = x.row_mut(start + k);
            xr.zip_mut_with(&yi, |xv, &yv| *xv += w * yv);
        }
    }
    x
}

/// The lower Cholesky factor (row-major) of an `n × n` symmetric matrix, or
/// `None` when a pivot is at most `cutoff` (numerically rank-deficient).
fn cholesky(g: &[f64], n: usize, cutoff: f64) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for j in 0..n {
        let mut d = g[j * n + j];
        for k in 0..j {
            d -= l[j * n + k] * l[j * n + k];
        }
        if d.is_nan() || d <= cutoff {
            return None;
        }
        let d = d.sqrt();
        l[j * n + j] = d;
        for i in j + 1..n {
            let mut v = g[i * n + j];
            for k in 0..j {
                v -= l[i * n + k] * l[j * n + k];
            }
            l[i * n + j] = v / d;
        }
    }
    Some(l)
}

/// Solves `L Lᵀ v = b` in place.
fn cholesky_solve(l: &[f64], n: usize, v: &mut [f64]) {
    for i in 0..n {
        let mut s = v[i];
        for k in 0..i {
            s -= l[i * n + k] * v[k];
        }
        v[i] = s / l[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = v[i];
        for k in i + 1..n {
            s -= l[k * n + i] * v[k];
        }
        v[i] = s / l[i * n + i];
    }
}

/// Eigenvalues and eigenvectors (eigenvector `k` at `[k * n..(k + 1) * n]`)
/// of a symmetric matrix, by cyclic Jacobi rotations (Golub & Van Loan,
/// *Matrix Computations*, §8.5).
fn jacobi_eigen(mut a: Vec<f64>, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut v = vec![0.0; n * n];
    for k in 0..n {
        v[k * n + k] = 1.0;
    }
    let frobenius = a.iter().fold(0.0, |s, &x| s + x * x).sqrt();
    for _sweep in 0..100 {
        let mut off = 0.0;
        for p in 0..n {
            for q in p + 1..n {
                off += a[p * n + q] * a[p * n + q];
            }
        }
        if off.sqrt() <= f64::EPSILON * frobenius * 1e-3 || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                let (app, aqq) = (a[p * n + p], a[q * n + q]);
                let theta = (aqq - app) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vp, vq) = (v[p * n + k], v[q * n + k]);
                    v[p * n + k] = c * vp - s * vq;
                    v[q * n + k] = s * vp + c * vq;
                }
            }
        }
    }
    let values = (0..n).map(|k| a[k * n + k]).collect();
    (values, v)
}

/// [`Error::NonFinite`] at the first NaN or infinity of `values`.
pub(crate) fn check_finite<'a, T: Float + 'a>(
    what: &'static str,
    values: impl Iterator<Item = &'a T>,
) -> Result<()> {
    for (index, v) in values.enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite { what, index });
        }
    }
    Ok(())
}

/// A non-negative `x` minimising `||A x - b||₂` for one target vector, and
/// the residual norm `||A x - b||₂`, as `scipy.optimize.nnls(A, b)` (which
/// `librosa.util.nnls` calls for a 1-D `B`): the Lawson–Hanson active-set
/// method, ported from SciPy 1.17's C translation (`scipy/optimize/__nnls.c`)
/// with Householder reflections (`dlarfgp`, `dlarf`) and Givens rotations
/// (`dlartgp`) as the reference LAPACK computes them.
///
/// The solution is computed and returned in `f64`, as SciPy does (librosa
/// returns it without casting back).
///
/// Reference: C. L. Lawson and R. J. Hanson, *Solving Least Squares
/// Problems*, SIAM, 1995, ch. 23.
///
/// # Errors
///
/// [`Error::InputTooShort`] for an `A` without rows or columns;
/// [`Error::ShapeMismatch`] when `b` does not have `A`'s row count;
/// [`Error::NonFinite`] for a NaN or infinity in `A` or `b`;
/// [`Error::InvalidParameter`] when `maxiter` (default `3 · n`, as SciPy's
/// `maxiter=None` or 0) iterations do not suffice (SciPy raises
/// `RuntimeError`).
///
/// # Shapes
///
/// `A: (m, n)`, `b: (m,)` → `(n,)`.
///
/// # Example
///
/// ```
/// use audio_dsp::util::nnls::nnls_vector;
/// use ndarray::array;
/// // scipy's docstring example: A = [[1, 0], [1, 0], [0, 1]], b = [2, 1, 1].
/// let a = array![[1.0f64, 0.0], [1.0, 0.0], [0.0, 1.0]];
/// let (x, rnorm) = nnls_vector(a.view(), array![2.0, 1.0, 1.0].view(), None)?;
/// assert!((x[0] - 1.5).abs() < 1e-15 && (x[1] - 1.0).abs() < 1e-15);
/// assert!((rnorm - 0.7071067811865475).abs() < 1e-15);
/// # Ok::<(), audio_dsp::Error>(())
/// ```
pub fn nnls_vector<T: Float>(
    a: ArrayView2<T>,
    b: ArrayView1<T>,
    maxiter: Option<usize>,
) -> Result<(Array1<f64>, f64)> {
    let (m, n) = a.dim();
    if m == 0 || n == 0 {
        return Err(Error::InputTooShort {
            what: "nnls basis A (rows and columns)",
            expected: 1,
            got: 0,
        });
    }
    if b.len() != m {
        return Err(Error::ShapeMismatch {
            what: "nnls target b",
            expected: vec![m],
            got: vec![b.len()],
        });
    }
    check_finite("nnls basis A", a.iter())?;
    check_finite("nnls target b", b.iter())?;
    let maxiter = match maxiter {
        None | Some(0) => 3 * n,
        Some(k) => k,
    };
    let to64 = |v: T| v.to_f64().unwrap_or(f64::NAN);
    // Column-major A, as the C code's a[i + j*m].
    let mut am = vec![0.0; m * n];
    for ((i, j), &v) in a.indexed_iter() {
        am[i + j * m] = to64(v);
    }
    let mut bv: Vec<f64> = b.iter().map(|&v| to64(v)).collect();
    let (x, rnorm, converged) = lawson_hanson(m, n, &mut am, &mut bv, maxiter);
    if !converged {
        return Err(invalid(
            "maxiter",
            maxiter,
            "enough iterations for the active-set method (scipy: Maximum number of iterations reached)",
        ));
    }
    Ok((Array1::from(x), rnorm))
}

/// `__nnls`: returns `(x, rnorm, converged)`.
#[allow(
    clippy::needless_range_loop,
    reason = "a line-by-line port of the C loops over shared indices"
)]
fn lawson_hanson(
    m: usize,
    n: usize,
    a: &mut [f64],
    b: &mut [f64],
    maxiter: usize,
) -> (Vec<f64>, f64, bool) {
    let mut indices: Vec<usize> = (0..n).collect();
    let mut x = vec![0.0; n];
    let mut w = vec![0.0; n];
    let mut zz = vec![0.0; m];
    let mut indz = 0usize;
    let mut iteration = 0usize;
    let mut izmax = 0usize;
    let mut jj = 0usize;
    let mut converged = true;
    'outer: while indz < m.min(n) {
        // The dual vector w = Aᵀ (b - A x) on the passive columns.
        for i in indz..n {
            let j = indices[i];
            w[j] = ddot(&a[indz + j * m..(j + 1) * m], &b[indz..m]);
        }
        let (mut iz, mut tau, mut pivot, j);
        loop {
            let mut wmax = 0.0;
            for k in indz..n {
                let jk = indices[k];
                if w[jk] > wmax {
                    wmax = w[jk];
                    izmax = k;
                }
            }
            if wmax <= 0.0 {
                break 'outer;
            }
            iz = izmax;
            let jc = indices[iz];
            // Householder reflection zeroing column jc below row indz.
            pivot = a[indz + jc * m];
            tau = dlarfgp(&mut pivot, &mut a[indz + 1 + jc * m..(jc + 1) * m]);
            let unorm = if indz > 0 {
                dnrm2(&a[jc * m..jc * m + indz])
            } else {
                0.0
            };
            let spacing = if unorm > 0.0 {
                next_toward(unorm, 2.0 * unorm) - unorm
            } else {
                0.0
            };
            if pivot.abs() > 100.0 * spacing {
                zz.copy_from_slice(b);
                let pivot2 = a[indz + jc * m];
                a[indz + jc * m] = 1.0;
                dlarf_column(&a[indz + jc * m..(jc + 1) * m], tau, &mut zz[indz..m]);
                let ztest = zz[indz] / pivot;
                if ztest > 0.0 {
                    j = jc;
                    break;
                }
                a[indz + jc * m] = pivot2;
            }
            w[jc] = 0.0;
        }
        b.copy_from_slice(&zz);
        indices[iz] = indices[indz];
        indices[indz] = j;
        indz += 1;
        if indz < n {
            for k in indz..n {
                jj = indices[k];
                let (v, c) = column_pair(a, m, j, jj, indz - 1);
                dlarf_column(v, tau, c);
            }
        }
        a[indz - 1 + j * m] = pivot;
        if indz < m {
            for i in indz..m {
                a[j * m + i] = 0.0;
            }
        }
        w[j] = 0.0;
        // Solve the triangular system for zz.
        for k in 0..indz {
            let ip = indz - 1 - k;
            if k != 0 {
                for i in 0..=ip {
                    zz[i] -= a[i + jj * m] * zz[ip + 1];
                }
            }
            jj = indices[ip];
            zz[ip] /= a[ip + jj * m];
        }
        // The secondary loop: step back into the feasible region.
        loop {
            iteration += 1;
            if iteration >= maxiter {
                converged = false;
                break 'outer;
            }
            let mut alpha = 2.0;
            for ip in 0..indz {
                let k = indices[ip];
                if zz[ip] <= 0.0 {
                    let t = -x[k] / (zz[ip] - x[k]);
                    if alpha > t {
                        alpha = t;
                        jj = ip;
                    }
                }
            }
            if alpha == 2.0 {
                break;
            }
            for ip in 0..indz {
                let k = indices[ip];
                x[k] += alpha * (zz[ip] - x[k]);
            }
            let mut i = indices[jj];
            loop {
                x[i] = 0.0;
                if jj + 1 != indz {
                    jj += 1;
                    for jr in jj..indz {
                        let ii = indices[jr];
                        indices[jr - 1] = ii;
                        let (cc, ss, r) = dlartgp(a[jr - 1 + ii * m], a[jr + ii * m]);
                        a[jr - 1 + ii * m] = r;
                        a[jr + ii * m] = 0.0;
                        for k in 0..n {
                            if k != ii {
                                let tmp = a[jr - 1 + k * m];
                                a[jr - 1 + k * m] = cc * tmp + ss * a[jr + k * m];
                                a[jr + k * m] = -ss * tmp + cc * a[jr + k * m];
                            }
                        }
                        let tmp = b[jr - 1];
                        b[jr - 1] = cc * tmp + ss * b[jr];
                        b[jr] = -ss * tmp + cc * b[jr];
                    }
                }
                indz -= 1;
                indices[indz] = i;
                // Leave when every passive x is positive (the Fortran's
                // loop 330; with no passive variable left it falls through,
                // where the C translation would not stop).
                let mut all_positive = true;
                jj = 0;
                while jj < indz {
                    i = indices[jj];
                    if x[i] <= 0.0 {
                        all_positive = false;
                        break;
                    }
                    jj += 1;
                }
                if all_positive {
                    break;
                }
            }
            zz.copy_from_slice(b);
            for k in 0..indz {
                let ip = indz - 1 - k;
                if k != 0 {
                    for i in 0..=ip {
                        zz[i] -= a[i + jj * m] * zz[ip + 1];
                    }
                }
                jj = indices[ip];
                zz[ip] /= a[ip + jj * m];
            }
        }
        for k in 0..indz {
            x[indices[k]] = zz[k];
        }
    }
    let rnorm = if indz < m { dnrm2(&b[indz..m]) } else { 0.0 };
    (x, rnorm, converged)
}

/// Column `j` from row `row` (the reflector) and column `k` from row `row`
/// (the target) of a column-major `m`-row matrix, borrowed together.
fn column_pair(a: &mut [f64], m: usize, j: usize, k: usize, row: usize) -> (&[f64], &mut [f64]) {
    if j < k {
        let (left, right) = a.split_at_mut(k * m);
        (&left[row + j * m..(j + 1) * m], &mut right[row..m])
    } else {
        let (left, right) = a.split_at_mut(j * m);
        (&right[row..m], &mut left[row + k * m..(k + 1) * m])
    }
}

fn ddot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |s, (&x, &y)| s + x * y)
}

fn dnrm2(a: &[f64]) -> f64 {
    a.iter().fold(0.0, |s, &x| s + x * x).sqrt()
}

/// C's `nextafter(x, toward)` for finite positive `x < toward`.
fn next_toward(x: f64, toward: f64) -> f64 {
    if toward > x {
        f64::from_bits(x.to_bits() + 1)
    } else {
        x
    }
}

/// LAPACK's `dlamch('S') / dlamch('E')`.
const SMLNUM: f64 = f64::MIN_POSITIVE / (f64::EPSILON * 0.5);

/// LAPACK's `dlapy2`: `sqrt(x² + y²)` without overflow.
fn dlapy2(x: f64, y: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if y.is_nan() {
        return y;
    }
    let (xa, ya) = (x.abs(), y.abs());
    let w = xa.max(ya);
    let z = xa.min(ya);
    if z == 0.0 || w > f64::MAX {
        w
    } else {
        w * (1.0 + (z / w).powi(2)).sqrt()
    }
}

/// LAPACK's `dlarfgp`: the reflector `H = I - tau v vᵀ`, `v = (1, x')`, with
/// `H (alpha, x) = (beta, 0)` and `beta >= 0`; `alpha` becomes `beta`, `x`
/// becomes `v[1..]`. Returns `tau`.
fn dlarfgp(alpha: &mut f64, x: &mut [f64]) -> f64 {
    let mut xnorm = dnrm2(x);
    if xnorm == 0.0 {
        if *alpha >= 0.0 {
            return 0.0;
        }
        x.iter_mut().for_each(|v| *v = 0.0);
        *alpha = -*alpha;
        return 2.0;
    }
    let mut beta = dlapy2(*alpha, xnorm).copysign(*alpha);
    let mut knt = 0;
    if beta.abs() < SMLNUM {
        let bignum = 1.0 / SMLNUM;
        loop {
            knt += 1;
            x.iter_mut().for_each(|v| *v *= bignum);
            beta *= bignum;
            *alpha *= bignum;
            if !(beta.abs() < SMLNUM && knt < 20) {
                break;
            }
        }
        xnorm = dnrm2(x);
        beta = dlapy2(*alpha, xnorm).copysign(*alpha);
    }
    let savealpha = *alpha;
    *alpha += beta;
    let mut tau;
    if beta < 0.0 {
        beta = -beta;
        tau = -*alpha / beta;
    } else {
        *alpha = xnorm * (xnorm / *alpha);
        tau = *alpha / beta;
        *alpha = -*alpha;
    }
    if tau.abs() <= SMLNUM {
        if savealpha >= 0.0 {
            tau = 0.0;
        } else {
            tau = 2.0;
            x.iter_mut().for_each(|v| *v = 0.0);
            beta = -savealpha;
        }
    } else {
        let scale = 1.0 / *alpha;
        x.iter_mut().for_each(|v| *v *= scale);
    }
    for _ in 0..knt {
        beta *= SMLNUM;
    }
    *alpha = beta;
    tau
}

/// LAPACK's `dlarf('L')` for one column: `c -= tau v (vᵀ c)`.
fn dlarf_column(v: &[f64], tau: f64, c: &mut [f64]) {
    if tau == 0.0 {
        return;
    }
    let w = ddot(c, v);
    if w != 0.0 {
        let temp = -tau * w;
        for (ci, &vi) in c.iter_mut().zip(v) {
            *ci += vi * temp;
        }
    }
}

/// LAPACK's `dlartgp`: `(cs, sn, r)` with `[cs sn; -sn cs] (f, g) = (r, 0)`, `r >= 0`.
fn dlartgp(f: f64, g: f64) -> (f64, f64, f64) {
    // 2^int(log2(safmin / eps) / 2) with LAPACK's eps = 2^-53.
    let safmn2 = 2f64.powi(-484);
    let safmx2 = 1.0 / safmn2;
    if g == 0.0 {
        return (1f64.copysign(f), 0.0, f.abs());
    }
    if f == 0.0 {
        return (0.0, 1f64.copysign(g), g.abs());
    }
    let (mut f1, mut g1) = (f, g);
    let mut scale = f1.abs().max(g1.abs());
    let (mut cs, mut sn, mut r);
    if scale >= safmx2 {
        let mut count = 0;
        while scale >= safmx2 {
            count += 1;
            f1 *= safmn2;
            g1 *= safmn2;
            scale = f1.abs().max(g1.abs());
        }
        r = (f1 * f1 + g1 * g1).sqrt();
        cs = f1 / r;
        sn = g1 / r;
        for _ in 0..count {
            r *= safmx2;
        }
    } else if scale <= safmn2 {
        let mut count = 0;
        while scale <= safmn2 {
            count += 1;
            f1 *= safmx2;
            g1 *= safmx2;
            scale = f1.abs().max(g1.abs());
        }
        r = (f1 * f1 + g1 * g1).sqrt();
        cs = f1 / r;
        sn = g1 / r;
        for _ in 0..count {
            r *= safmn2;
        }
    } else {
        r = (f1 * f1 + g1 * g1).sqrt();
        cs = f1 / r;
        sn = g1 / r;
    }
    if r < 0.0 {
        cs = -cs;
        sn = -sn;
        r = -r;
    }
    (cs, sn, r)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

    use super::*;
    use ndarray::array;

    #[test]
    fn min_norm_solution_is_the_pseudo_inverse() {
        // pinv(A) b is the least-squares solution (A'A x = A'b) orthogonal to
        // A's null space: a full-row-rank 2 × 3 system (null space
        // spanned by (6, -3, 1)) and a rank-deficient 3 × 3 one (two
        // proportional rows; null space spanned by (0, 1, -1)).
        let cases = [
            (
                array![[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]],
                array![[1.0], [2.0]],
                [6.0, -3.0, 1.0],
            ),
            (
                array![[1.0, 0.0, 0.0], [2.0, 0.0, 0.0], [0.0, 1.0, 1.0]],
                array![[1.0], [1.0], [4.0]],
                [0.0, 1.0, -1.0],
            ),
        ];
        for (a, b, null) in cases {
            let x = min_norm_solution(&a, &Banded::new(&a), &b);
            let normal = a.t().dot(&a).dot(&x) - a.t().dot(&b);
            assert!(normal.iter().all(|v| v.abs() < 1e-13), "{x:?}");
            let along_null: f64 = x.column(0).iter().zip(null).map(|(v, n)| v * n).sum();
            assert!(along_null.abs() < 1e-13, "{x:?}");
        }
    }

    #[test]
    fn jacobi_diagonalises_a_symmetric_matrix() {
        let g = vec![4.0, 1.0, 0.5, 1.0, 3.0, -0.5, 0.5, -0.5, 2.0];
        let (values, vectors) = jacobi_eigen(g.clone(), 3);
        for k in 0..3 {
            let v = &vectors[k * 3..k * 3 + 3];
            for i in 0..3 {
                let gv: f64 = (0..3).map(|j| g[i * 3 + j] * v[j]).sum();
                assert!((gv - values[k] * v[i]).abs() < 1e-13);
            }
        }
    }

    /// `scipy.optimize.nnls(A, b)` on a fixed 4 × 3 system and a random
    /// 12 × 5 one, from tools/reference/dsp_optimizer_fixtures.py.
    #[test]
    fn lawson_hanson_matches_scipy() {
        use audio_test_fixtures::serde_json::Value;
        let cases = audio_test_fixtures::read_json(
            audio_test_fixtures::fixtures_dir(env!("CARGO_MANIFEST_DIR"))
                .join("optimizer/cases.json"),
        );
        let floats = |v: &Value| -> Vec<f64> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        for (name, case) in cases["nnls"].as_object().unwrap() {
            let rows: Vec<Vec<f64>> = case["a"].as_array().unwrap().iter().map(floats).collect();
            let a = Array2::from_shape_vec((rows.len(), rows[0].len()), rows.concat()).unwrap();
            let b = Array1::from(floats(&case["b"]));
            let (x, rnorm) = nnls_vector(a.view(), b.view(), None).unwrap();
            for (got, want) in x.iter().zip(floats(&case["x"])) {
                assert!((got - want).abs() < 1e-14, "{name}: {x:?}");
            }
            let want = case["rnorm"].as_f64().unwrap();
            assert!((rnorm - want).abs() < 1e-14, "{name}: {rnorm}");
        }
    }

    #[test]
    fn bad_shapes_and_values_are_errors() {
        let a = array![[1.0f32, 0.0], [0.0, 1.0]];
        let b = array![[1.0f32, 2.0, 3.0]];
        assert!(matches!(
            nnls(a.view(), b.view(), &NnlsConfig::default()),
            Err(Error::ShapeMismatch { .. })
        ));
        let b = array![[1.0f32], [f32::NAN]];
        assert!(matches!(
            nnls(a.view(), b.view(), &NnlsConfig::default()),
            Err(Error::NonFinite { .. })
        ));
        assert!(nnls_vector(a.view(), array![1.0f32].view(), None).is_err());
        let empty = Array2::<f32>::zeros((0, 2));
        assert!(nnls_vector(empty.view(), Array1::<f32>::zeros(0).view(), None).is_err());
    }
}
