//! The three kinds of soxr stage, run over a whole signal: half-band ×2
//! decimation, rational FIR conversion (FFT overlap-save, planned once) and
//! the poly-phase stage with its 32.32 fixed-point clock. Each stage is fed
//! the previous stage's complete output followed by silence, as soxr's
//! flush feeds zeros, and returns every sample its filter's tail reaches.

use std::sync::Arc;

use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::plan::Stage;

/// A stage ready to run: filters transformed, tables built.
pub(crate) enum Planned {
    Half { coefs: &'static [f64] },
    Fir(FirStage),
    Poly(PolyStage),
}

impl Planned {
    pub(crate) fn new(stage: Stage, planner: &mut RealFftPlanner<f64>) -> Self {
        match stage {
            Stage::Half { coefs } => Self::Half { coefs },
            Stage::Fir {
                taps,
                l,
                m,
                post_peak,
            } => Self::Fir(FirStage::new(taps, l, m, post_peak, planner)),
            Stage::Poly {
                taps,
                num_coefs,
                padded_coefs,
                phases,
                order,
                phase_bits,
                l,
                at,
                step,
            } => Self::Poly(PolyStage::new(
                &taps,
                num_coefs,
                padded_coefs,
                phases,
                order,
                phase_bits,
                l,
                at,
                step,
            )),
        }
    }

    pub(crate) fn run(&self, x: &[f64]) -> Vec<f64> {
        match self {
            Self::Half { coefs } => half_band(x, coefs),
            Self::Fir(stage) => stage.run(x),
            Self::Poly(stage) => stage.run(x),
        }
    }
}

/// ×2 decimation by the half-band FIR whose odd taps are `coefs` (centre tap
/// 1/2), output `i` centred on input `2i`.
fn half_band(x: &[f64], coefs: &[f64]) -> Vec<f64> {
    let n = coefs.len();
    let pre = 2 * n;
    let mut u = vec![0.0; pre + x.len() + 2 * pre + 4];
    u[pre..pre + x.len()].copy_from_slice(x);
    let count = (x.len() + 2 * n + 1) / 2;
    (0..count)
        .map(|i| {
            let p = pre + 2 * i;
            coefs.iter().enumerate().fold(u[p] * 0.5, |s, (j, &c)| {
                s + (u[p - (2 * j + 1)] + u[p + 2 * j + 1]) * c
            })
        })
        .collect()
}

/// Rational `l/m` conversion: zero-stuffing by `l` (first sample at phase
/// `post_peak % l`, after `post_peak / l` samples of silence), a linear-phase
/// FIR by FFT overlap-save, and keeping every `m`-th output.
pub(crate) struct FirStage {
    taps_len: usize,
    l: usize,
    m: usize,
    post_peak: usize,
    block: usize,
    spectrum: Vec<Complex<f64>>,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

impl FirStage {
    fn new(
        taps: Vec<f64>,
        l: usize,
        m: usize,
        post_peak: usize,
        planner: &mut RealFftPlanner<f64>,
    ) -> Self {
        let block = (4 * taps.len()).next_power_of_two().max(1024);
        let forward = planner.plan_fft_forward(block);
        let inverse = planner.plan_fft_inverse(block);
        let mut padded = vec![0.0; block];
        let scale = 1.0 / block as f64;
        for (p, &h) in padded.iter_mut().zip(&taps) {
            *p = h * scale;
        }
        let mut spectrum = forward.make_output_vec();
        // The buffers are the plan's own sizes: this cannot fail.
        let _ = forward.process(&mut padded, &mut spectrum);
        Self {
            taps_len: taps.len(),
            l,
            m,
            post_peak,
            block,
            spectrum,
            forward,
            inverse,
        }
    }

    fn run(&self, x: &[f64]) -> Vec<f64> {
        let (l, m) = (self.l, self.m);
        let preload = self.post_peak / l;
        let at0 = self.post_peak % l;
        // The zero-stuffed input v: v[at0 + l q] = u[q], u = [0; preload] ++ x.
        let v_len = at0 + (preload + x.len()) * l;
        let sample = |p: usize| -> f64 {
            if p < at0 || (p - at0) % l != 0 {
                return 0.0;
            }
            let q = (p - at0) / l;
            if q < preload {
                0.0
            } else {
                x.get(q - preload).copied().unwrap_or(0.0)
            }
        };
        let count = v_len.div_ceil(m);
        let mut out = vec![0.0; count];
        let overlap = self.taps_len - 1;
        let hop = self.block - overlap;
        let mut time = vec![0.0; self.block];
        let mut freq = self.forward.make_output_vec();
        // valid[i] = Σ_k h[k] v[i + overlap - k]; out[j] = valid[j m].
        let mut start = 0;
        while start < count * m {
            for (t, slot) in time.iter_mut().enumerate() {
                *slot = sample(start + t);
            }
            let _ = self.forward.process(&mut time, &mut freq);
            for (f, h) in freq.iter_mut().zip(&self.spectrum) {
                *f *= h;
            }
            let _ = self.inverse.process(&mut freq, &mut time);
            let first = start.div_ceil(m);
            let mut j = first;
            while j < count && j * m < start + hop {
                out[j] = time[j * m - start + overlap];
                j += 1;
            }
            start += hop;
        }
        out
    }
}

/// The poly-phase stage: output `i` is at input position `at + i step` on a
/// 32.32 fixed-point clock; its FIR is the phase `(position mod 1)` of the
/// poly-phase filter, exact for rational ratios (`order = 0`, phases in
/// units of `1 / l`), else interpolated between `2^phase_bits` phases by a
/// polynomial of `order`.
pub(crate) struct PolyStage {
    /// `[phase][tap][order + 1]`, taps reversed and left-padded to `padded`.
    table: Vec<f64>,
    padded: usize,
    order: usize,
    phase_bits: u32,
    l: u64,
    at: u64,
    step: u64,
    preload: usize,
}

impl PolyStage {
    #[allow(
        clippy::too_many_arguments,
        reason = "the fields of one planned stage, unpacked once"
    )]
    fn new(
        taps: &[f64],
        num_coefs: usize,
        padded: usize,
        phases: usize,
        order: usize,
        phase_bits: u32,
        l: u64,
        at: u64,
        step: u64,
    ) -> Self {
        let width = order + 1;
        let mut table = vec![0.0; phases * padded * width];
        // Slot (tap i, phase j) holds h[i phases + j - 1] (h[-1] = 0), with
        // finite differences along the phases for the interpolation.
        let tap = |pos: i64| -> f64 {
            if pos < 0 {
                0.0
            } else {
                taps.get(pos as usize).copied().unwrap_or(0.0)
            }
        };
        let (mut f1, mut f2) = (0.0, 0.0);
        for i in (0..num_coefs).rev() {
            for j in (0..phases).rev() {
                let pos = (i * phases + j) as i64 - 1;
                let f0 = tap(pos);
                let fm1 = tap(pos - 1);
                let (b, c, d) = match order {
                    1 => (f1 - f0, 0.0, 0.0),
                    2 => {
                        let c = 0.5 * (f2 + f0) - f1;
                        (f1 - c - f0, c, 0.0)
                    }
                    3 => {
                        let c = 0.5 * (f1 + fm1) - f0;
                        let d = (1.0 / 6.0) * (f2 - f1 + fm1 - f0 - 4.0 * c);
                        (f1 - f0 - d - c, c, d)
                    }
                    _ => (0.0, 0.0, 0.0),
                };
                let base = (j * padded + (padded - 1 - i)) * width;
                let values = [f0, b, c, d];
                table[base..base + width].copy_from_slice(&values[..width]);
                f2 = f1;
                f1 = f0;
            }
        }
        Self {
            table,
            padded,
            order,
            phase_bits,
            l,
            at,
            step,
            preload: ((num_coefs - 1) >> 1) + (padded - num_coefs),
        }
    }

    fn run(&self, x: &[f64]) -> Vec<f64> {
        let padded = self.padded;
        let width = self.order + 1;
        let mut u = vec![0.0; self.preload + x.len() + 2 * padded + 8];
        u[self.preload..self.preload + x.len()].copy_from_slice(x);
        let limit = (self.preload + x.len() + padded) as u64;
        let mut out = Vec::new();
        let mut at = self.at;
        loop {
            let whole = at >> 32;
            let (index, phase, frac) = if self.order == 0 {
                (whole / self.l, whole % self.l, 0.0)
            } else {
                let fraction = at & 0xffff_ffff;
                let phase = fraction >> (32 - self.phase_bits);
                let rest = (fraction << self.phase_bits) & 0xffff_ffff;
                (whole, phase, rest as f64 / super::plan::MULT32)
            };
            if index >= limit {
                break;
            }
            let input = &u[index as usize..index as usize + padded];
            let coefs =
                &self.table[phase as usize * padded * width..(phase as usize + 1) * padded * width];
            let sum = if self.order == 0 {
                coefs.iter().zip(input).fold(0.0, |s, (&h, &v)| s + h * v)
            } else {
                coefs
                    .chunks_exact(width)
                    .zip(input)
                    .fold(0.0, |s, (c, &v)| {
                        let h = c.iter().rev().fold(0.0, |acc, &k| acc * frac + k);
                        s + h * v
                    })
            };
            out.push(sum);
            at = at.wrapping_add(self.step);
        }
        out
    }
}
