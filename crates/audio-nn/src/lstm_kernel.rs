//! A fused LSTM recurrence for inference on the CPU (f32): the recurrent
//! matrix-vector products and the gate nonlinearities of a whole sequence in
//! one loop over plain buffers, instead of a dozen candle ops (each with its
//! own allocation) per time step. Used by [`crate::Lstm`] when no tensor
//! involved is tracked by autograd.
//!
//! The inner product is an `axpy` (`y += a·x`) over the gate vector with
//! runtime SIMD dispatch: AVX2 + FMA on x86-64 when the CPU has them, a
//! scalar (auto-vectorised) loop otherwise.

/// `y += a0·x0 + a1·x1 + a2·x2 + a3·x3` (four rows of the recurrent matrix at once).
fn axpy4(y: &mut [f32], a: [f32; 4], x: [&[f32]; 4]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU supports AVX2 and FMA (checked just above).
            unsafe { axpy4_avx2(y, a, x) };
            return;
        }
    }
    axpy4_scalar(y, a, x);
}

fn axpy4_scalar(y: &mut [f32], a: [f32; 4], x: [&[f32]; 4]) {
    let n = y.len();
    let (x0, x1, x2, x3) = (&x[0][..n], &x[1][..n], &x[2][..n], &x[3][..n]);
    for j in 0..n {
        y[j] += a[0] * x0[j] + a[1] * x1[j] + a[2] * x2[j] + a[3] * x3[j];
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn axpy4_avx2(y: &mut [f32], a: [f32; 4], x: [&[f32]; 4]) {
    // Written as plain slices so the compiler vectorises it with the enabled
    // features (vfmadd on 8 lanes).
    let n = y.len();
    let (x0, x1, x2, x3) = (&x[0][..n], &x[1][..n], &x[2][..n], &x[3][..n]);
    for j in 0..n {
        let mut v = y[j];
        v = x0[j].mul_add(a[0], v);
        v = x1[j].mul_add(a[1], v);
        v = x2[j].mul_add(a[2], v);
        v = x3[j].mul_add(a[3], v);
        y[j] = v;
    }
}

/// `y += a·x`.
fn axpy1(y: &mut [f32], a: f32, x: &[f32]) {
    let n = y.len();
    let x = &x[..n];
    for j in 0..n {
        y[j] += a * x[j];
    }
}

/// `y += v · W` for a row-major `W` of `v.len()` rows and `y.len()` columns.
pub(crate) fn vec_mat_acc(y: &mut [f32], v: &[f32], w: &[f32]) {
    let cols = y.len();
    let rows = v.len();
    let mut r = 0;
    while r + 4 <= rows {
        let x = [
            &w[r * cols..(r + 1) * cols],
            &w[(r + 1) * cols..(r + 2) * cols],
            &w[(r + 2) * cols..(r + 3) * cols],
            &w[(r + 3) * cols..(r + 4) * cols],
        ];
        axpy4(y, [v[r], v[r + 1], v[r + 2], v[r + 3]], x);
        r += 4;
    }
    while r < rows {
        axpy1(y, v[r], &w[r * cols..(r + 1) * cols]);
        r += 1;
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The buffers of one direction of one layer.
pub(crate) struct Recurrence<'a> {
    /// Input projections with both biases, `(T, B, 4H)` row-major.
    pub xp: &'a [f32],
    /// `W_hh^T`, `(P, 4H)` row-major.
    pub w_hh_t: &'a [f32],
    /// `W_hr^T`, `(H, P)` row-major, with projection.
    pub w_hr_t: Option<&'a [f32]>,
    /// Sequence length, batch, cell size, output size.
    pub dims: (usize, usize, usize, usize),
    /// Run backwards in time.
    pub reverse: bool,
}

/// Runs the recurrence from `h` `(B, P)` and `c` `(B, H)` (updated in place to
/// the final state); returns the outputs `(T, B, P)`.
pub(crate) fn run(r: &Recurrence, h: &mut [f32], c: &mut [f32]) -> Vec<f32> {
    let (t_len, batch, hid, p) = r.dims;
    let g4 = 4 * hid;
    let mut out = vec![0f32; t_len * batch * p];
    let mut gates = vec![0f32; g4];
    let mut hfull = vec![0f32; hid];
    for step in 0..t_len {
        let t = if r.reverse { t_len - 1 - step } else { step };
        for b in 0..batch {
            let base = (t * batch + b) * g4;
            gates.copy_from_slice(&r.xp[base..base + g4]);
            vec_mat_acc(&mut gates, &h[b * p..(b + 1) * p], r.w_hh_t);
            let cb = &mut c[b * hid..(b + 1) * hid];
            for j in 0..hid {
                let i = sigmoid(gates[j]);
                let f = sigmoid(gates[hid + j]);
                let g = gates[2 * hid + j].tanh();
                let o = sigmoid(gates[3 * hid + j]);
                let cn = f * cb[j] + i * g;
                cb[j] = cn;
                hfull[j] = o * cn.tanh();
            }
            let hb = &mut h[b * p..(b + 1) * p];
            match r.w_hr_t {
                Some(w) => {
                    hb.iter_mut().for_each(|v| *v = 0.0);
                    vec_mat_acc(hb, &hfull, w);
                }
                None => hb.copy_from_slice(&hfull),
            }
            out[(t * batch + b) * p..(t * batch + b + 1) * p].copy_from_slice(hb);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn vec_mat_matches_naive() {
        let rows = 7;
        let cols = 13;
        let w: Vec<f32> = (0..rows * cols)
            .map(|i| ((i * 37 % 11) as f32 - 5.0) / 7.0)
            .collect();
        let v: Vec<f32> = (0..rows).map(|i| (i as f32 - 3.0) / 2.0).collect();
        let mut y = vec![0.5f32; cols];
        super::vec_mat_acc(&mut y, &v, &w);
        for j in 0..cols {
            let want: f32 = 0.5 + (0..rows).map(|r| v[r] * w[r * cols + j]).sum::<f32>();
            assert!((y[j] - want).abs() < 1e-5, "{j}: {} vs {want}", y[j]);
        }
    }
}
