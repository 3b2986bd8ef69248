//! The matrix-vector product of the fused recurrences ([`crate::kernels::lstm_kernel`],
//! [`crate::kernels::gru_kernel`]): `y += W·v`, as dot products of rows with `v`.
//!
//! The matrix is packed once per forward call into blocks of 4 rows × 8
//! columns (zero-padded), so the kernel reads the weight as one sequential
//! stream (the hardware prefetcher's best case) instead of 4 interleaved rows.
//! Runtime dispatch, chosen when the matrix is packed ([`Isa`]): AVX2 + FMA
//! on x86-64 (4 rows × 16 columns of accumulators), a scalar loop over the
//! same layout otherwise.

use crate::kernels::Isa;

/// Rows per block.
const ROWS: usize = 4;
/// Columns per block.
const COLS: usize = 8;

/// A row-major matrix packed for [`PackedMatrix::mul_acc`]: block `(rb, cb)`
/// holds rows `4rb..4rb+4` × columns `8cb..8cb+8`, row after row, blocks of
/// one row block contiguous.
pub(crate) struct PackedMatrix {
    data: Vec<f32>,
    rows: usize,
    cols: usize,
    /// The kernels chosen when the matrix was packed.
    isa: Isa,
}

impl std::fmt::Debug for PackedMatrix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackedMatrix")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .finish_non_exhaustive()
    }
}

/// A packed matrix made once, on first use, and shared by clones (the
/// fused recurrences of a layer whose weights are plain, immutable tensors).
pub(crate) type PackedCache = std::sync::Arc<std::sync::OnceLock<PackedMatrix>>;

impl PackedMatrix {
    /// The packed form of a 2-D f32 tensor `(rows, cols)`, from `cache` or
    /// made now and kept there.
    pub(crate) fn cached<'a>(
        cache: &'a PackedCache,
        w: &candle_core::Tensor,
    ) -> candle_core::Result<&'a PackedMatrix> {
        if let Some(p) = cache.get() {
            return Ok(p);
        }
        let (rows, cols) = w.dims2()?;
        let p = Self::new(&w.flatten_all()?.to_vec1::<f32>()?, rows, cols);
        Ok(cache.get_or_init(|| p))
    }

    /// Packs `w`, row-major `rows × cols`.
    ///
    /// # Panics
    ///
    /// When `w` is shorter than `rows·cols` (a bug in the caller).
    pub(crate) fn new(w: &[f32], rows: usize, cols: usize) -> Self {
        assert!(w.len() >= rows * cols, "gemv: weight size");
        let (rb, cb) = (rows.div_ceil(ROWS), cols.div_ceil(COLS));
        let mut data = vec![0f32; rb * cb * ROWS * COLS];
        for r in 0..rows {
            for c in 0..cols {
                let at = ((r / ROWS * cb + c / COLS) * ROWS + r % ROWS) * COLS + c % COLS;
                data[at] = w[r * cols + c];
            }
        }
        Self {
            data,
            rows,
            cols,
            isa: Isa::detect(),
        }
    }

    /// The kernels chosen when the matrix was packed; the recurrences that
    /// multiply by it run their gate nonlinearities with the same choice.
    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    fn col_blocks(&self) -> usize {
        self.cols.div_ceil(COLS)
    }

    /// `y[r] += Σ_j W[r, j]·v[j]`.
    ///
    /// `descending` walks the row blocks from the last to the first (each
    /// row's sum is the same either way). A recurrence alternates it from step
    /// to step, so the rows a step reads first are the ones the previous step
    /// read last and still finds in the core's L2 cache: a weight larger than
    /// L2 then streams only its excess from L3.
    ///
    /// # Panics
    ///
    /// When `y` or `v` do not match the matrix (a bug in the caller).
    pub(crate) fn mul_acc(&self, y: &mut [f32], v: &[f32], descending: bool) {
        assert!(y.len() == self.rows && v.len() == self.cols, "gemv: sizes");
        #[cfg(target_arch = "x86_64")]
        {
            if self.isa.avx2_fma() {
                // SAFETY: AVX2 and FMA are present (`Isa::detect` found them
                // when the matrix was packed); sizes asserted.
                unsafe { self.mul_acc_avx2(y, v, descending) };
                return;
            }
        }
        self.mul_acc_scalar(y, v);
    }

    /// The column block `cb` of `v`, zero-padded to 8.
    fn v_block(&self, v: &[f32], cb: usize) -> [f32; COLS] {
        let mut b = [0f32; COLS];
        let end = (cb * COLS + COLS).min(self.cols);
        b[..end - cb * COLS].copy_from_slice(&v[cb * COLS..end]);
        b
    }

    pub(crate) fn mul_acc_scalar(&self, y: &mut [f32], v: &[f32]) {
        let cb_n = self.col_blocks();
        for (rb, block_rows) in self.data.chunks_exact(cb_n * ROWS * COLS).enumerate() {
            let mut acc = [[0f32; COLS]; ROWS];
            for (cb, block) in block_rows.chunks_exact(ROWS * COLS).enumerate() {
                let vb = self.v_block(v, cb);
                for (q, row) in block.chunks_exact(COLS).enumerate() {
                    for l in 0..COLS {
                        acc[q][l] += row[l] * vb[l];
                    }
                }
            }
            for (q, a) in acc.iter().enumerate() {
                if let Some(yr) = y.get_mut(rb * ROWS + q) {
                    *yr += a.iter().sum::<f32>();
                }
            }
        }
    }

    /// # Safety
    ///
    /// The CPU has AVX2 and FMA; `y` and `v` match the matrix.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn mul_acc_avx2(&self, y: &mut [f32], v: &[f32], descending: bool) {
        use std::arch::x86_64::*;
        let cb_n = self.col_blocks();
        let rb_n = self.rows.div_ceil(ROWS);
        let full = self.cols / COLS;
        let tail = (full < cb_n).then(|| self.v_block(v, full));
        let (wp, vp) = (self.data.as_ptr(), v.as_ptr());
        for i in 0..rb_n {
            let rb = if descending { rb_n - 1 - i } else { i };
            // SAFETY (loads): block (rb, cb) starts at (rb·cb_n + cb)·32 < data.len();
            // full column blocks of `v` end at 8·full <= cols.
            let base = unsafe { wp.add(rb * cb_n * ROWS * COLS) };
            let mut a = [_mm256_setzero_ps(); ROWS];
            let mut b = [_mm256_setzero_ps(); ROWS];
            let mut cb = 0;
            while cb + 2 <= full {
                let (v0, v1) = unsafe {
                    (
                        _mm256_loadu_ps(vp.add(cb * COLS)),
                        _mm256_loadu_ps(vp.add(cb * COLS + COLS)),
                    )
                };
                for q in 0..ROWS {
                    let (w0, w1) = unsafe {
                        let p = base.add(cb * ROWS * COLS + q * COLS);
                        (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(ROWS * COLS)))
                    };
                    a[q] = _mm256_fmadd_ps(w0, v0, a[q]);
                    b[q] = _mm256_fmadd_ps(w1, v1, b[q]);
                }
                cb += 2;
            }
            while cb < cb_n {
                let v0 = match (&tail, cb < full) {
                    (_, true) => unsafe { _mm256_loadu_ps(vp.add(cb * COLS)) },
                    // SAFETY: the zero-padded copy holds 8 floats.
                    (Some(t), false) => unsafe { _mm256_loadu_ps(t.as_ptr()) },
                    (None, false) => break,
                };
                for (q, aq) in a.iter_mut().enumerate() {
                    let w0 = unsafe { _mm256_loadu_ps(base.add(cb * ROWS * COLS + q * COLS)) };
                    *aq = _mm256_fmadd_ps(w0, v0, *aq);
                }
                cb += 1;
            }
            for q in 0..ROWS {
                let mut lanes = [0f32; COLS];
                // SAFETY: `lanes` holds 8 floats.
                unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), _mm256_add_ps(a[q], b[q])) };
                if let Some(yr) = y.get_mut(rb * ROWS + q) {
                    *yr += lanes.iter().sum::<f32>();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Isa, PackedMatrix};

    #[test]
    fn dispatch_matches_scalar_and_naive() {
        for (rows, cols) in [
            (7, 13),
            (8, 16),
            (12, 37),
            (2048, 512),
            (3, 5),
            (5, 24),
            (1, 1),
        ] {
            let w: Vec<f32> = (0..rows * cols)
                .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
                .collect();
            let v: Vec<f32> = (0..cols).map(|i| (i % 9) as f32 / 4.0 - 1.0).collect();
            let m = PackedMatrix::new(&w, rows, cols);
            let mut fast = vec![0.5f32; rows];
            m.mul_acc(&mut fast, &v, false);
            let mut fast_desc = vec![0.5f32; rows];
            m.mul_acc(&mut fast_desc, &v, true);
            assert_eq!(fast, fast_desc, "row order changes no sum");
            let mut slow = vec![0.5f32; rows];
            m.mul_acc_scalar(&mut slow, &v);
            let fallback = PackedMatrix {
                isa: Isa::scalar(),
                ..PackedMatrix::new(&w, rows, cols)
            };
            let mut via_scalar_isa = vec![0.5f32; rows];
            fallback.mul_acc(&mut via_scalar_isa, &v, false);
            assert_eq!(via_scalar_isa, slow, "the scalar Isa runs the fallback");
            for r in 0..rows {
                let want: f32 = 0.5 + (0..cols).map(|j| w[r * cols + j] * v[j]).sum::<f32>();
                let scale = 1.0 + want.abs();
                assert!((slow[r] - want).abs() < 1e-5 * scale, "scalar {r}");
                assert!((fast[r] - slow[r]).abs() < 1e-5 * scale, "simd {r}");
            }
        }
    }
}
