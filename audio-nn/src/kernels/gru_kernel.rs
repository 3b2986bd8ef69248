//! A fused GRU recurrence for inference on the CPU (f32), as
//! [`crate::kernels::lstm_kernel`] for the LSTM: the recurrent matrix-vector product
//! ([`crate::kernels::gemv`]) and the gate nonlinearities ([`crate::kernels::fast_math`]) over
//! plain buffers, both with runtime SIMD dispatch.

use crate::kernels::fast_math::{sigmoid_inplace, tanh_inplace};
use crate::kernels::gemv::PackedMatrix;

/// The buffers of one direction of one layer.
pub(crate) struct GruRecurrence<'a> {
    /// `x W_ih^T + b_ih`, `(T, B, 3H)` row-major.
    pub xp: &'a [f32],
    /// `W_hh`, `(3H, H)` (`weight_hh_l{k}`), packed.
    pub w_hh: &'a PackedMatrix,
    /// `b_hh`, `(3H)`.
    pub b_hh: Option<&'a [f32]>,
    /// Sequence length, batch, hidden size.
    pub dims: (usize, usize, usize),
    /// Run backwards in time.
    pub reverse: bool,
}

/// Runs the recurrence from `h` `(B, H)` (updated in place to the final
/// state); returns the outputs `(T, B, H)`.
pub(crate) fn run(r: &GruRecurrence, h: &mut [f32]) -> Vec<f32> {
    let (t_len, batch, hid) = r.dims;
    let g3 = 3 * hid;
    let mut out = vec![0f32; t_len * batch * hid];
    let mut gh = vec![0f32; g3];
    let mut rz = vec![0f32; 2 * hid];
    let mut n = vec![0f32; hid];
    // The kernels chosen when the weights were packed (at planning).
    let isa = r.w_hh.isa();
    for step in 0..t_len {
        let t = if r.reverse { t_len - 1 - step } else { step };
        for b in 0..batch {
            match r.b_hh {
                Some(bh) => gh.copy_from_slice(bh),
                None => gh.iter_mut().for_each(|v| *v = 0.0),
            }
            let hb = &mut h[b * hid..(b + 1) * hid];
            r.w_hh.mul_acc(&mut gh, hb, step % 2 == 1);
            let base = (t * batch + b) * g3;
            let xp = &r.xp[base..base + g3];
            // Gate order r, z, n (PyTorch): r, z = σ(x_p + h_p), n = tanh(x_n + r·h_n).
            for j in 0..2 * hid {
                rz[j] = xp[j] + gh[j];
            }
            sigmoid_inplace(isa, &mut rz);
            for j in 0..hid {
                n[j] = xp[2 * hid + j] + rz[j] * gh[2 * hid + j];
            }
            tanh_inplace(isa, &mut n);
            for j in 0..hid {
                hb[j] = n[j] + rz[hid + j] * (hb[j] - n[j]);
            }
            out[(t * batch + b) * hid..(t * batch + b + 1) * hid].copy_from_slice(hb);
        }
    }
    out
}
