//! A fused LSTM recurrence for inference on the CPU (f32): the recurrent
//! matrix-vector products and the gate nonlinearities of a whole sequence in
//! one loop over plain buffers, instead of a dozen candle ops (each with its
//! own allocation) per time step. Used by [`crate::Lstm`] when no tensor
//! involved is tracked by autograd.
//!
//! The matrix-vector products are [`crate::kernels::gemv`] (dot products over
//! PyTorch's own weight layout) and the gate nonlinearities
//! [`crate::kernels::fast_math`] over whole gate vectors, both with runtime SIMD
//! dispatch and a scalar fallback.

use crate::kernels::fast_math::{sigmoid_inplace, tanh_inplace};
use crate::kernels::gemv::PackedMatrix;

/// The buffers of one direction of one layer.
pub(crate) struct Recurrence<'a> {
    /// Input projections with both biases, `(T, B, 4H)` row-major.
    pub xp: &'a [f32],
    /// `W_hh`, `(4H, P)` (`weight_hh_l{k}`), packed.
    pub w_hh: &'a PackedMatrix,
    /// `W_hr`, `(P, H)`, packed, with projection.
    pub w_hr: Option<&'a PackedMatrix>,
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
    // The kernels chosen when the weights were packed (at planning).
    let isa = r.w_hh.isa();
    for step in 0..t_len {
        let t = if r.reverse { t_len - 1 - step } else { step };
        for b in 0..batch {
            let base = (t * batch + b) * g4;
            gates.copy_from_slice(&r.xp[base..base + g4]);
            r.w_hh
                .mul_acc(&mut gates, &h[b * p..(b + 1) * p], step % 2 == 1);
            // Gate order i, f, g, o (PyTorch).
            sigmoid_inplace(isa, &mut gates[..2 * hid]);
            tanh_inplace(isa, &mut gates[2 * hid..3 * hid]);
            sigmoid_inplace(isa, &mut gates[3 * hid..]);
            let cb = &mut c[b * hid..(b + 1) * hid];
            let (ifg, o) = gates.split_at(3 * hid);
            let (i, fg) = ifg.split_at(hid);
            let (f, g) = fg.split_at(hid);
            for j in 0..hid {
                let cn = f[j] * cb[j] + i[j] * g[j];
                cb[j] = cn;
                hfull[j] = cn;
            }
            tanh_inplace(isa, &mut hfull);
            hfull.iter_mut().zip(o).for_each(|(v, &o)| *v *= o);
            let hb = &mut h[b * p..(b + 1) * p];
            match r.w_hr {
                Some(w) => {
                    hb.iter_mut().for_each(|v| *v = 0.0);
                    w.mul_acc(hb, &hfull, step % 2 == 1);
                }
                None => hb.copy_from_slice(&hfull),
            }
            out[(t * batch + b) * p..(t * batch + b + 1) * p].copy_from_slice(hb);
        }
    }
    out
}
