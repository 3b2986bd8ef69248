//! Basic Pitch's front end: the nnAudio `CQT2010v2` transform as exported
//! into `nmp.onnx`, the log-magnitude normalisation and harmonic stacking
//! (`basic_pitch.models.get_cqt`, `basic_pitch.layers.signal.NormalizedLog`,
//! `basic_pitch.layers.math.HarmonicStacking`), op for op.
//!
//! One window of [`AUDIO_N_SAMPLES`] samples gives
//! [`N_WINDOW_FRAMES`] frames:
//!
//! 1. octave `o = 0..9` (highest first) at hop `h_o = 256 / 2^o`: reflect-pad
//!    the octave's signal `x_o` by 128 on each side and correlate it with the
//!    36 complex CQT kernels of one octave (256 taps, stride `h_o`):
//!    `X_o[k, t] = Σ_n K[k, n] · pad(x_o)[t·h_o + n]`;
//! 2. `x_{o+1}` = `x_o` zero-padded by 127 on each side, correlated with the
//!    256-tap lowpass at stride 2 (nnAudio's `downsampling_by_2`);
//! 3. the 9 × 36 bins are stacked lowest octave first and the lowest 15
//!    dropped (309 bins, 27.5 Hz upward at 3 bins per semitone);
//! 4. `|X[b, t]| = sqrt((s_b·Re)^2 + (s_b·Im)^2)` with the per-bin
//!    `s_b = sqrt(length_b)` scale (nnAudio `norm=1`, librosa scaling);
//! 5. `y = 10·log10(|X|^2 + 1e-10)`, minus its minimum over the window,
//!    divided by its maximum (0 when the maximum is 0), then the folded
//!    batch norm `y·γ + β`;
//! 6. harmonic stacking: channel `c` is `y` shifted up by
//!    `round(36·log2(h_c))` bins for `h = [0.5, 1, 2, 3, 4, 5, 6, 7]`
//!    (zeros past the edge), cut to 264 bins.

use audio_io::weights::Weights;

use super::network::{sgemm, tensor, Strides};
use super::{AUDIO_N_SAMPLES, N_CONTOUR_BINS, N_WINDOW_FRAMES};
use crate::Result;

/// CQT bins per octave (3 per semitone).
pub const BINS_PER_OCTAVE: usize = 36;
/// Octaves computed by the CQT (the lowest is partly dropped).
pub const N_OCTAVES: usize = 9;
/// CQT bins kept: `9 · 36 - 15`.
pub const N_CQT_BINS: usize = 309;
/// Taps of the CQT kernels and of the lowpass filter.
pub const KERNEL_LEN: usize = 256;
/// Hop of the highest octave, in samples (`FFT_HOP`).
pub const HOP: usize = 256;
/// The bin shifts of the harmonic stack: `round(36 · log2(h))` for
/// `h = [0.5, 1, 2, 3, 4, 5, 6, 7]`.
pub const HARMONIC_SHIFTS: [isize; 8] = [-36, 0, 36, 57, 72, 84, 93, 101];
/// The `1e-10` added to the power before the logarithm (`NormalizedLog`).
const LOG_EPSILON: f32 = 1e-10;

/// The CQT front end with its constant kernels.
#[derive(Debug, Clone)]
pub(crate) struct FrontEnd {
    /// `(72, 256)`: 36 real kernels then 36 imaginary ones.
    kernels: Vec<f32>,
    lowpass: Vec<f32>,
    bin_scale: Vec<f32>,
    bn_scale: f32,
    bn_shift: f32,
}

/// Scratch buffers of [`FrontEnd::forward`].
#[derive(Debug, Default, Clone)]
pub(crate) struct FrontEndScratch {
    signal: Vec<f32>,
    next: Vec<f32>,
    padded: Vec<f32>,
    response: Vec<f32>,
    /// `(frames, 324)`: magnitudes of all octaves, lowest bin first.
    cqt: Vec<f32>,
}

impl FrontEnd {
    pub(crate) fn from_weights(w: &Weights) -> Result<Self> {
        let real = tensor(w, "cqt.kernel_real", &[BINS_PER_OCTAVE, KERNEL_LEN])?;
        let imag = tensor(w, "cqt.kernel_imag", &[BINS_PER_OCTAVE, KERNEL_LEN])?;
        let mut kernels = real;
        kernels.extend_from_slice(&imag);
        Ok(Self {
            kernels,
            lowpass: tensor(w, "cqt.lowpass", &[KERNEL_LEN])?,
            bin_scale: tensor(w, "cqt.bin_scale", &[N_CQT_BINS])?,
            bn_scale: tensor(w, "log_norm.batch_norm.scale", &[1])?[0],
            bn_shift: tensor(w, "log_norm.batch_norm.shift", &[1])?[0],
        })
    }

    /// Computes the harmonic stack `(8, N_WINDOW_FRAMES, 264)` of one window
    /// of `AUDIO_N_SAMPLES` samples into `out`.
    pub(crate) fn forward(&self, window: &[f32], out: &mut [f32], s: &mut FrontEndScratch) {
        debug_assert_eq!(window.len(), AUDIO_N_SAMPLES);
        let t = N_WINDOW_FRAMES;
        let all_bins = N_OCTAVES * BINS_PER_OCTAVE;
        s.cqt.clear();
        s.cqt.resize(t * all_bins, 0.0);
        s.signal.clear();
        s.signal.extend_from_slice(window);
        for octave in 0..N_OCTAVES {
            if octave > 0 {
                downsample_by_2(&s.signal, &self.lowpass, &mut s.next);
                std::mem::swap(&mut s.signal, &mut s.next);
            }
            let hop = HOP >> octave;
            let half = KERNEL_LEN / 2;
            reflect_pad(&s.signal, half, &mut s.padded);
            let frames = (s.padded.len() - KERNEL_LEN) / hop + 1;
            debug_assert_eq!(frames, t);
            // response (frames, 72) = frames (frames, 256) · kernels^T, the
            // frames read in place: frame f, tap n at padded[f·hop + n].
            s.response.clear();
            s.response.resize(frames * 2 * BINS_PER_OCTAVE, 0.0);
            sgemm(
                frames,
                2 * BINS_PER_OCTAVE,
                KERNEL_LEN,
                &s.padded,
                Strides { rs: hop, cs: 1 },
                &self.kernels,
                Strides {
                    rs: 1,
                    cs: KERNEL_LEN,
                },
                &mut s.response,
                Strides::row_major(2 * BINS_PER_OCTAVE),
                false,
            );
            // Octave o goes to bins [(8 - o)·36, (9 - o)·36).
            let base = (N_OCTAVES - 1 - octave) * BINS_PER_OCTAVE;
            // Magnitude with the per-bin scale of the kept bins.
            for f in 0..frames {
                let row = &s.response[f * 72..f * 72 + 72];
                for k in 0..BINS_PER_OCTAVE {
                    let b = base + k;
                    let kept = b as isize - (all_bins - N_CQT_BINS) as isize;
                    let scale = if kept >= 0 {
                        self.bin_scale[kept as usize]
                    } else {
                        0.0
                    };
                    let re = scale * row[k];
                    let im = scale * -row[BINS_PER_OCTAVE + k];
                    s.cqt[f * all_bins + b] = (re * re + im * im).sqrt();
                }
            }
        }
        // Log normalisation over the kept bins.
        let drop = all_bins - N_CQT_BINS;
        let mut min = f32::INFINITY;
        for f in 0..t {
            for b in drop..all_bins {
                let m = s.cqt[f * all_bins + b];
                let db = (m * m + LOG_EPSILON).ln() * std::f32::consts::LOG10_E * 10.0;
                s.cqt[f * all_bins + b] = db;
                min = min.min(db);
            }
        }
        let mut max = f32::NEG_INFINITY;
        for f in 0..t {
            for b in drop..all_bins {
                let v = s.cqt[f * all_bins + b] - min;
                s.cqt[f * all_bins + b] = v;
                max = max.max(v);
            }
        }
        for f in 0..t {
            for b in drop..all_bins {
                let v = &mut s.cqt[f * all_bins + b];
                let n = if max == 0.0 { 0.0 } else { *v / max };
                *v = n * self.bn_scale + self.bn_shift;
            }
        }
        // Harmonic stacking into (8, t, 264).
        debug_assert_eq!(out.len(), 8 * t * N_CONTOUR_BINS);
        for (c, &shift) in HARMONIC_SHIFTS.iter().enumerate() {
            for f in 0..t {
                let src = &s.cqt[f * all_bins + drop..(f + 1) * all_bins];
                let dst = &mut out[(c * t + f) * N_CONTOUR_BINS..][..N_CONTOUR_BINS];
                for (b, d) in dst.iter_mut().enumerate() {
                    let i = b as isize + shift;
                    *d = if i >= 0 && (i as usize) < N_CQT_BINS {
                        src[i as usize]
                    } else {
                        0.0
                    };
                }
            }
        }
    }
}

/// `numpy.pad(x, pad, mode="reflect")` (no edge repeat).
fn reflect_pad(x: &[f32], pad: usize, out: &mut Vec<f32>) {
    let n = x.len();
    debug_assert!(pad < n);
    out.clear();
    out.reserve(n + 2 * pad);
    for i in (1..=pad).rev() {
        out.push(x[i]);
    }
    out.extend_from_slice(x);
    for i in 0..pad {
        out.push(x[n - 2 - i]);
    }
}

/// nnAudio's `downsampling_by_2`: zero-pad by 127 on each side, correlate
/// with the 256-tap lowpass at stride 2.
fn downsample_by_2(x: &[f32], lowpass: &[f32], out: &mut Vec<f32>) {
    let pad = (KERNEL_LEN - 1) / 2;
    let n_out = (x.len() + 2 * pad - KERNEL_LEN) / 2 + 1;
    out.clear();
    out.resize(n_out, 0.0);
    for (j, o) in out.iter_mut().enumerate() {
        // padded index j*2 + n ↔ x index j*2 + n - pad.
        let start = (j * 2) as isize - pad as isize;
        let n_lo = (-start).max(0) as usize;
        let n_hi = ((x.len() as isize - start).min(KERNEL_LEN as isize)).max(0) as usize;
        if n_lo >= n_hi {
            *o = 0.0;
            continue;
        }
        let taps = &lowpass[n_lo..n_hi];
        let src = &x[(start + n_lo as isize) as usize..][..n_hi - n_lo];
        *o = dot(taps, src);
    }
}

/// `Σ a[i] · b[i]` with eight partial sums (vectorisable).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for ((s, &u), &v) in acc.iter_mut().zip(x).zip(y) {
            *s += u * v;
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail
}
