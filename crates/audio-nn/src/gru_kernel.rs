//! A fused GRU recurrence for inference on the CPU (f32), as
//! [`crate::lstm_kernel`] for the LSTM: the recurrent matrix-vector product
//! (runtime AVX2/FMA dispatch) and the gates over plain buffers.

use crate::lstm_kernel::vec_mat_acc;

/// The buffers of one direction of one layer.
pub(crate) struct GruRecurrence<'a> {
    /// `x W_ih^T + b_ih`, `(T, B, 3H)` row-major.
    pub xp: &'a [f32],
    /// `W_hh^T`, `(H, 3H)` row-major.
    pub w_hh_t: &'a [f32],
    /// `b_hh`, `(3H)`.
    pub b_hh: Option<&'a [f32]>,
    /// Sequence length, batch, hidden size.
    pub dims: (usize, usize, usize),
    /// Run backwards in time.
    pub reverse: bool,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// Runs the recurrence from `h` `(B, H)` (updated in place to the final
/// state); returns the outputs `(T, B, H)`.
pub(crate) fn run(r: &GruRecurrence, h: &mut [f32]) -> Vec<f32> {
    let (t_len, batch, hid) = r.dims;
    let g3 = 3 * hid;
    let mut out = vec![0f32; t_len * batch * hid];
    let mut gh = vec![0f32; g3];
    for step in 0..t_len {
        let t = if r.reverse { t_len - 1 - step } else { step };
        for b in 0..batch {
            match r.b_hh {
                Some(bh) => gh.copy_from_slice(bh),
                None => gh.iter_mut().for_each(|v| *v = 0.0),
            }
            let hb = &mut h[b * hid..(b + 1) * hid];
            vec_mat_acc(&mut gh, hb, r.w_hh_t);
            let base = (t * batch + b) * g3;
            let xp = &r.xp[base..base + g3];
            for j in 0..hid {
                let rg = sigmoid(xp[j] + gh[j]);
                let z = sigmoid(xp[hid + j] + gh[hid + j]);
                let n = (xp[2 * hid + j] + rg * gh[2 * hid + j]).tanh();
                hb[j] = n + z * (hb[j] - n);
            }
            out[(t * batch + b) * hid..(t * batch + b + 1) * hid].copy_from_slice(hb);
        }
    }
    out
}
