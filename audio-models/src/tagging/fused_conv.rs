//! The inference kernel of SampleCNN's `Conv_1d` block: convolution,
//! BatchNorm (folded), ReLU and max-pooling in one pass per segment.

use crate::basic_pitch::network::{sgemm, Strides};

/// The eval-mode parameters of a `Conv_1d` block, with BatchNorm folded:
/// `y[o, t] = max_{j < pool} relu(scale[o] · conv(x)[o, t·pool + j] + shift[o])`
/// where `conv` has no bias (it is in `shift`).
#[derive(Debug, Clone)]
pub(crate) struct FusedConv1d {
    /// `(cout, cin, kernel)`, row-major.
    pub weight: Vec<f32>,
    /// BatchNorm's `γ / sqrt(var + eps)` per output channel.
    pub scale: Vec<f32>,
    /// `β − mean · scale + bias · scale` per output channel.
    pub shift: Vec<f32>,
    pub cin: usize,
    pub cout: usize,
    pub kernel: usize,
    pub stride: usize,
    pub pool: usize,
}

impl FusedConv1d {
    /// Output frames for `t` input frames (before pooling: `(t + 2p − k) /
    /// stride + 1` with `p = k / 2`; then `/ pool`).
    pub fn output_len(&self, t: usize) -> usize {
        let padded = t + 2 * (self.kernel / 2);
        if padded < self.kernel {
            return 0;
        }
        ((padded - self.kernel) / self.stride + 1) / self.pool
    }

    /// Runs the block on one segment `x` `(cin, t)`, row-major; returns
    /// `(cout, output_len(t))`.
    ///
    /// The convolution is `kernel` strided GEMMs accumulated in place
    /// (`C += W[:, :, k] · X_pad[:, k + stride·t]`), so no im2col copy is
    /// made; the epilogue reads each output once.
    pub fn forward(&self, x: &[f32], t: usize) -> Vec<f32> {
        let p = self.kernel / 2;
        let tp = t + 2 * p;
        let mut xp = vec![0.0f32; self.cin * tp];
        for (c, row) in x.chunks(t).take(self.cin).enumerate() {
            xp[c * tp + p..c * tp + p + t].copy_from_slice(row);
        }
        let n = (tp - self.kernel) / self.stride + 1;
        let mut conv = vec![0.0f32; self.cout * n];
        for k in 0..self.kernel {
            sgemm(
                self.cout,
                n,
                self.cin,
                &self.weight[k..],
                Strides {
                    rs: self.cin * self.kernel,
                    cs: self.kernel,
                },
                &xp[k..],
                Strides {
                    rs: tp,
                    cs: self.stride,
                },
                &mut conv,
                Strides::row_major(n),
                k > 0,
            );
        }
        let m = n / self.pool;
        let mut out = vec![0.0f32; self.cout * m];
        for o in 0..self.cout {
            let (s, b) = (self.scale[o], self.shift[o]);
            let row = &conv[o * n..o * n + m * self.pool];
            for (dst, win) in out[o * m..(o + 1) * m]
                .iter_mut()
                .zip(row.chunks(self.pool))
            {
                *dst = win.iter().fold(0.0f32, |acc, &v| acc.max(v * s + b));
            }
        }
        out
    }
}
