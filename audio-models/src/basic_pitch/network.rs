//! The convolutional network of Basic Pitch after the front end: the contour,
//! note and onset heads of `basic_pitch.models.model` (ICASSP 2022), as
//! exported to `nmp.onnx` with its batch norms folded into the convolutions.
//!
//! Layout is `(channels, time, frequency)` for one window, row-major. Every
//! convolution is an im2col over a block of output rows followed by one GEMM
//! (the `gemm` crate, single-threaded): candle's `conv2d` takes one stride for
//! both axes, while three of these convolutions stride 3 along frequency
//! only, and its im2col would materialise a whole window's columns at once
//! (170 MB for the 3×39 convolution).

use audio_io::weights::{Dtype, Weights};

use crate::{Error, Result};

/// A strided matrix view for [`sgemm`]: element `(r, c)` at
/// `data[r * rs + c * cs]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Strides {
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl Strides {
    pub(crate) const fn row_major(ld: usize) -> Self {
        Self { rs: ld, cs: 1 }
    }
}

fn span(rows: usize, cols: usize, s: Strides) -> usize {
    (rows - 1) * s.rs + (cols - 1) * s.cs + 1
}

/// `C = A · B (+ C when accumulate)` for `A: (m, k)`, `B: (k, n)`,
/// `C: (m, n)` as strided views, single-threaded.
///
/// # Panics
/// When a slice is shorter than its shape and strides need (a bug in the
/// caller, checked before the unsafe call), or when `C`'s strides could make
/// two elements overlap.
#[allow(clippy::too_many_arguments, reason = "a BLAS-style signature")]
pub(crate) fn sgemm(
    m: usize,
    n: usize,
    k: usize,
    a: &[f32],
    sa: Strides,
    b: &[f32],
    sb: Strides,
    c: &mut [f32],
    sc: Strides,
    accumulate: bool,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(c.len() >= span(m, n, sc), "sgemm: C too short");
    assert!(
        (sc.cs >= 1 && sc.rs > n.saturating_sub(1) * sc.cs)
            || (sc.rs >= 1 && sc.cs > m.saturating_sub(1) * sc.rs),
        "sgemm: C elements overlap"
    );
    if k == 0 {
        if !accumulate {
            for r in 0..m {
                for col in 0..n {
                    c[r * sc.rs + col * sc.cs] = 0.0;
                }
            }
        }
        return;
    }
    assert!(a.len() >= span(m, k, sa), "sgemm: A too short");
    assert!(b.len() >= span(k, n, sb), "sgemm: B too short");
    // SAFETY: the asserts above keep every element gemm reads or writes
    // (row `< m`/`< k`, column `< k`/`< n` at the given strides) inside the
    // three slices, and C's elements are distinct; `c` is borrowed mutably
    // so it does not alias `a` or `b`.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            sc.cs as isize,
            sc.rs as isize,
            accumulate,
            a.as_ptr(),
            sa.cs as isize,
            sa.rs as isize,
            b.as_ptr(),
            sb.cs as isize,
            sb.rs as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// A 2-D convolution (cross-correlation, as ONNX `Conv`) with zero padding,
/// stride 1 along time and `stride_w` along frequency.
///
/// `y[o, t, f] = b[o] + Σ_{i, p, q} W[o, i, p, q] · x[i, t + p - pad_h, f·stride_w + q - pad_w]`
#[derive(Debug, Clone)]
pub(crate) struct Conv2d {
    /// `(out, in · kh · kw)` row-major.
    weight: Vec<f32>,
    bias: Vec<f32>,
    out_channels: usize,
    in_channels: usize,
    kh: usize,
    kw: usize,
    pad_h: usize,
    pad_w: usize,
    stride_w: usize,
}

impl Conv2d {
    /// Reads `{name}.weight` `(out, in, kh, kw)` and `{name}.bias` `(out,)`.
    pub(crate) fn from_weights(
        weights: &Weights,
        name: &str,
        shape: [usize; 4],
        pad: (usize, usize),
        stride_w: usize,
    ) -> Result<Self> {
        let weight = tensor(weights, &format!("{name}.weight"), &shape)?;
        let bias = tensor(weights, &format!("{name}.bias"), &[shape[0]])?;
        Ok(Self {
            weight,
            bias,
            out_channels: shape[0],
            in_channels: shape[1],
            kh: shape[2],
            kw: shape[3],
            pad_h: pad.0,
            pad_w: pad.1,
            stride_w,
        })
    }

    /// Output width for an input of width `w`.
    pub(crate) fn out_width(&self, w: usize) -> usize {
        (w + 2 * self.pad_w - self.kw) / self.stride_w + 1
    }

    /// Convolves `x: (in, h, w)` into `y: (out, h, out_width(w))`, using
    /// `scratch` for the padded input or the im2col columns.
    ///
    /// Three algorithms, by shape: stride 1 with several outputs correlates
    /// shifted views of the zero-padded input with one GEMM per
    /// `(input channel, kernel row)` (the view `A[j, q] = xpad[j + q]` is read
    /// in place, no im2col); one output channel is a sum of vectorised
    /// `axpy`s; a frequency stride goes through im2col and one GEMM.
    pub(crate) fn forward_into(
        &self,
        x: &[f32],
        h: usize,
        w: usize,
        y: &mut [f32],
        scratch: &mut Vec<f32>,
    ) {
        if self.stride_w == 1 && self.out_channels > 1 {
            self.forward_shifted(x, h, w, y, scratch);
        } else if self.stride_w == 1 {
            self.forward_single(x, h, w, y, scratch);
        } else {
            self.forward_im2col(x, h, w, y, scratch);
        }
    }

    /// Zero-pads `x: (in, h, w)` into `(in, h + 2·pad_h, w + 2·pad_w)` plus
    /// `kw` floats of slack; returns the padded width.
    fn pad_input(&self, x: &[f32], h: usize, w: usize, xpad: &mut Vec<f32>) -> usize {
        let wp = w + 2 * self.pad_w;
        let hp = h + 2 * self.pad_h;
        xpad.clear();
        xpad.resize(self.in_channels * hp * wp + self.kw, 0.0);
        for i in 0..self.in_channels {
            for t in 0..h {
                let dst = (i * hp + t + self.pad_h) * wp + self.pad_w;
                xpad[dst..dst + w].copy_from_slice(&x[(i * h + t) * w..][..w]);
            }
        }
        wp
    }

    /// Stride 1, several outputs: for each input channel `i` and kernel row
    /// `p`, `Y[j, o] += Σ_q xpad[i, p·wp + j + q] · W[o, i, p, q]` over the
    /// flat output index `j = t·wp + f` (columns `f >= wo` are discarded).
    fn forward_shifted(&self, x: &[f32], h: usize, w: usize, y: &mut [f32], xpad: &mut Vec<f32>) {
        let wp = self.pad_input(x, h, w, xpad);
        let hp = h + 2 * self.pad_h;
        let wo = self.out_width(w);
        let m = h * wp;
        let k_all = self.in_channels * self.kh * self.kw;
        let mut flat = vec![0.0f32; self.out_channels * m];
        for (o, chunk) in flat.chunks_mut(m).enumerate() {
            chunk.fill(self.bias[o]);
        }
        for i in 0..self.in_channels {
            for p in 0..self.kh {
                let a0 = i * hp * wp + p * wp;
                let b0 = (i * self.kh + p) * self.kw;
                sgemm(
                    m,
                    self.out_channels,
                    self.kw,
                    &xpad[a0..],
                    Strides { rs: 1, cs: 1 },
                    &self.weight[b0..],
                    Strides { rs: 1, cs: k_all },
                    &mut flat,
                    Strides { rs: 1, cs: m },
                    true,
                );
            }
        }
        for o in 0..self.out_channels {
            for t in 0..h {
                y[(o * h + t) * wo..][..wo].copy_from_slice(&flat[o * m + t * wp..][..wo]);
            }
        }
    }

    /// Stride 1, one output: `y[t, :] += W[0, i, p, q] · xpad[i, t + p, q..q + wo]`.
    fn forward_single(&self, x: &[f32], h: usize, w: usize, y: &mut [f32], xpad: &mut Vec<f32>) {
        let wp = self.pad_input(x, h, w, xpad);
        let hp = h + 2 * self.pad_h;
        let wo = self.out_width(w);
        y[..h * wo].fill(self.bias[0]);
        for i in 0..self.in_channels {
            for p in 0..self.kh {
                for q in 0..self.kw {
                    let c = self.weight[(i * self.kh + p) * self.kw + q];
                    for t in 0..h {
                        let src = &xpad[(i * hp + t + p) * wp + q..][..wo];
                        let dst = &mut y[t * wo..(t + 1) * wo];
                        for (d, s) in dst.iter_mut().zip(src) {
                            *d += c * s;
                        }
                    }
                }
            }
        }
    }

    /// im2col over blocks of output rows and one GEMM a block.
    fn forward_im2col(&self, x: &[f32], h: usize, w: usize, y: &mut [f32], columns: &mut Vec<f32>) {
        debug_assert_eq!(x.len(), self.in_channels * h * w);
        let wo = self.out_width(w);
        debug_assert_eq!(y.len(), self.out_channels * h * wo);
        let k = self.in_channels * self.kh * self.kw;
        // Rows per GEMM: keep the column block near 256 KiB.
        let rows = (65_536 / (k * wo)).clamp(1, h);
        let mut t0 = 0;
        while t0 < h {
            let nr = rows.min(h - t0);
            let n = nr * wo;
            columns.clear();
            columns.resize(k * n, 0.0);
            for i in 0..self.in_channels {
                for p in 0..self.kh {
                    for q in 0..self.kw {
                        let row = (i * self.kh + p) * self.kw + q;
                        let dst = &mut columns[row * n..(row + 1) * n];
                        for r in 0..nr {
                            let t = t0 + r;
                            let src_t = t + p;
                            if src_t < self.pad_h || src_t - self.pad_h >= h {
                                continue;
                            }
                            let src = &x[(i * h + src_t - self.pad_h) * w..][..w];
                            let out = &mut dst[r * wo..(r + 1) * wo];
                            if self.stride_w == 1 {
                                // f + q - pad_w in [0, w): f in [pad_w - q, w + pad_w - q).
                                let lo = self.pad_w.saturating_sub(q);
                                let hi = (w + self.pad_w - q).min(wo);
                                if lo < hi {
                                    let s0 = lo + q - self.pad_w;
                                    out[lo..hi].copy_from_slice(&src[s0..s0 + hi - lo]);
                                }
                            } else {
                                for (f, o) in out.iter_mut().enumerate() {
                                    let s = f * self.stride_w + q;
                                    if s >= self.pad_w && s - self.pad_w < w {
                                        *o = src[s - self.pad_w];
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for o in 0..self.out_channels {
                let dst = &mut y[(o * h + t0) * wo..][..n];
                dst.fill(self.bias[o]);
            }
            sgemm(
                self.out_channels,
                n,
                k,
                &self.weight,
                Strides::row_major(k),
                columns,
                Strides::row_major(n),
                &mut y[t0 * wo..],
                Strides::row_major(h * wo),
                true,
            );
            t0 += nr;
        }
    }
}

/// Reads an `f32` tensor of the given shape.
pub(crate) fn tensor(weights: &Weights, key: &str, shape: &[usize]) -> Result<Vec<f32>> {
    let t = weights.get(key)?;
    if t.shape != shape {
        return Err(Error::WeightShape {
            key: key.to_string(),
            expected: shape.to_vec(),
            got: t.shape.clone(),
        });
    }
    if t.dtype != Dtype::F32 {
        return Err(Error::WeightDtype {
            key: key.to_string(),
            expected: Dtype::F32.name(),
            got: t.dtype.name(),
        });
    }
    Ok(t.to_f32_vec())
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The three heads: contour `(T, 264)`, note `(T, 88)`, onset `(T, 88)`.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    contour_0: Conv2d,
    contour_1: Conv2d,
    note_0: Conv2d,
    note_1: Conv2d,
    onset_0: Conv2d,
    onset_1: Conv2d,
}

/// Scratch buffers of [`Network::forward`], kept between windows.
#[derive(Debug, Default, Clone)]
pub(crate) struct NetworkScratch {
    columns: Vec<f32>,
    hidden: Vec<f32>,
    onset_in: Vec<f32>,
    note_hidden: Vec<f32>,
}

impl Network {
    pub(crate) fn from_weights(w: &Weights) -> Result<Self> {
        Ok(Self {
            contour_0: Conv2d::from_weights(w, "contour.conv_0", [8, 8, 3, 39], (1, 19), 1)?,
            contour_1: Conv2d::from_weights(w, "contour.conv_1", [1, 8, 5, 5], (2, 2), 1)?,
            note_0: Conv2d::from_weights(w, "note.conv_0", [32, 1, 7, 7], (3, 2), 3)?,
            note_1: Conv2d::from_weights(w, "note.conv_1", [1, 32, 7, 3], (3, 1), 1)?,
            onset_0: Conv2d::from_weights(w, "onset.conv_0", [32, 8, 5, 5], (2, 1), 3)?,
            onset_1: Conv2d::from_weights(w, "onset.conv_1", [1, 33, 3, 3], (1, 1), 1)?,
        })
    }

    /// Runs the heads on the harmonic stack `x: (8, t, 264)`, writing
    /// `contour: (t, 264)`, `note: (t, 88)`, `onset: (t, 88)`.
    pub(crate) fn forward(
        &self,
        x: &[f32],
        t: usize,
        contour: &mut [f32],
        note: &mut [f32],
        onset: &mut [f32],
        s: &mut NetworkScratch,
    ) {
        let w = super::N_CONTOUR_BINS;
        let wn = super::N_NOTE_BINS;
        // Contour: conv 3×39 + ReLU, conv 5×5 + sigmoid.
        s.hidden.clear();
        s.hidden.resize(8 * t * w, 0.0);
        self.contour_0
            .forward_into(x, t, w, &mut s.hidden, &mut s.columns);
        s.hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        self.contour_1
            .forward_into(&s.hidden, t, w, contour, &mut s.columns);
        contour.iter_mut().for_each(|v| *v = sigmoid(*v));
        // Note: conv 7×7 stride (1, 3) + ReLU, conv 7×3 + sigmoid.
        s.note_hidden.clear();
        s.note_hidden.resize(32 * t * wn, 0.0);
        self.note_0
            .forward_into(contour, t, w, &mut s.note_hidden, &mut s.columns);
        s.note_hidden.iter_mut().for_each(|v| *v = v.max(0.0));
        self.note_1
            .forward_into(&s.note_hidden, t, wn, note, &mut s.columns);
        note.iter_mut().for_each(|v| *v = sigmoid(*v));
        // Onset: conv 5×5 stride (1, 3) + ReLU on the harmonic stack,
        // concatenated after the note posteriorgram, conv 3×3 + sigmoid.
        s.onset_in.clear();
        s.onset_in.resize(33 * t * wn, 0.0);
        s.onset_in[..t * wn].copy_from_slice(note);
        self.onset_0
            .forward_into(x, t, w, &mut s.onset_in[t * wn..], &mut s.columns);
        s.onset_in[t * wn..]
            .iter_mut()
            .for_each(|v| *v = v.max(0.0));
        self.onset_1
            .forward_into(&s.onset_in, t, wn, onset, &mut s.columns);
        onset.iter_mut().for_each(|v| *v = sigmoid(*v));
    }
}
