//! The three kinds of soxr stage, run over a whole signal in the engine's
//! precision `T` (f32 for soxr's 16- and 20-bit recipes, f64 for VHQ, as
//! soxr): half-band ×2 decimation, rational FIR conversion (FFT
//! overlap-save, planned once; 2:1 and 4:1 decimation in the frequency
//! domain, as soxr) and the poly-phase stage with its 32.32 fixed-point
//! clock. Each stage is fed the previous stage's complete output followed
//! by silence, as soxr's flush feeds zeros, and returns every sample its
//! filter's tail reaches.

use std::sync::Arc;

use num_complex::Complex;
use rustfft::{Fft, FftPlanner};

use super::plan::{PolySpec, Stage};
use crate::Float;

fn cast<T: Float>(v: f64) -> T {
    T::from(v).unwrap_or_else(T::zero)
}

/// A stage ready to run: filters transformed, tables built.
pub(crate) enum Planned<T: Float> {
    Half { coefs: Vec<T> },
    Fir(FirStage<T>),
    Poly(PolyStage<T>),
}

impl<T: Float> Planned<T> {
    pub(crate) fn new(stage: &Stage, planner: &mut FftPlanner<T>) -> Self {
        match stage {
            Stage::Half { coefs } => Self::Half {
                coefs: coefs.iter().map(|&c| cast(c)).collect(),
            },
            Stage::Fir {
                taps,
                l,
                m,
                post_peak,
                f_domain,
            } => Self::Fir(FirStage::new(taps, *l, *m, *post_peak, *f_domain, planner)),
            Stage::Poly(spec) => Self::Poly(PolyStage::new(spec)),
        }
    }

    /// Runs the stage on `x` into `out` (cleared first), using `padded` as
    /// scratch: both are reused from call to call, so a planned resampler
    /// allocates (and page-faults) only on its first signal of a length.
    pub(crate) fn run_into(&self, x: &[T], out: &mut Vec<T>, padded: &mut Vec<T>) {
        out.clear();
        match self {
            Self::Half { coefs } => half_band(x, coefs, out, padded),
            Self::Fir(stage) => stage.run(x, out),
            Self::Poly(stage) => stage.run(x, out, padded),
        }
    }
}

/// ×2 decimation by the half-band FIR whose odd taps are `coefs` (centre tap
/// 1/2), output `i` centred on input `2i`.
fn half_band<T: Float>(x: &[T], coefs: &[T], out: &mut Vec<T>, u: &mut Vec<T>) {
    let pre = 2 * coefs.len();
    u.clear();
    u.resize(pre + x.len() + 2 * pre + 4, T::zero());
    u[pre..pre + x.len()].copy_from_slice(x);
    let count = half_band_len(coefs, x.len());
    half_band_outputs(u, 0, coefs, 0..count, out);
}

/// The number of outputs of the half-band stage for `n` inputs: every
/// sample its filter's tail reaches.
pub(crate) fn half_band_len<T>(coefs: &[T], n: usize) -> usize {
    (n + 2 * coefs.len()).div_ceil(2)
}

/// Appends the half-band outputs `range` to `out`, read from `u`: the
/// padded stream `[0; 2 coefs.len()] ++ x ++ silence` from its sample
/// `ubase` on (output `i` reads `u[2i + 1 - ubase ..= 4 coefs.len() + 2i -
/// 1 - ubase]`). The whole-signal and the streaming stage both call this,
/// so they round alike.
pub(crate) fn half_band_outputs<T: Float>(
    u: &[T],
    ubase: usize,
    coefs: &[T],
    range: std::ops::Range<usize>,
    out: &mut Vec<T>,
) {
    let n = coefs.len();
    let pre = 2 * n;
    let half = cast::<T>(0.5);
    out.extend(range.map(|i| {
        let p = pre + 2 * i - ubase;
        let left = &u[p + 1 - 2 * n..p];
        let right = &u[p + 1..p + 2 * n];
        coefs.iter().enumerate().fold(u[p] * half, |s, (j, &c)| {
            s + (left[left.len() - 1 - 2 * j] + right[2 * j]) * c
        })
    }));
}

/// Rational `l/m` conversion: zero-stuffing by `l` (first sample at phase
/// `post_peak % l`, after `post_peak / l` samples of silence), a linear-phase
/// FIR by FFT overlap-save, and keeping every `m`-th output; for `m` = 2 or
/// 4 with the stop band at the new Nyquist (`f_domain`), the kept samples
/// come from an inverse FFT of the first `1 / m` of the spectrum, as soxr
/// computes them.
///
/// Blocks go through the FFTs in pairs, one as the real and one as the
/// imaginary part of a complex block: the filter is real, so the two stay
/// apart through the product and the inverse, and no real-to-complex
/// pre- or post-processing is needed.
pub(crate) struct FirStage<T: Float> {
    taps_len: usize,
    l: usize,
    m: usize,
    post_peak: usize,
    block: usize,
    /// The filter's DFT over all `block` bins, scaled by `1 / block` for
    /// the unnormalised inverse.
    spectrum: Vec<Complex<T>>,
    /// The forward FFT: of `block / l` points when zero-stuffing in the
    /// frequency domain (`stuffed`: the stuffed block's spectrum is the
    /// short block's, repeated), else of `block`.
    forward: Arc<dyn Fft<T>>,
    stuffed: bool,
    /// The inverse FFT: of `block / m` points when decimating in the
    /// frequency domain (`decimate`), else of `block`.
    inverse: Arc<dyn Fft<T>>,
    decimate: bool,
}

impl<T: Float> FirStage<T> {
    fn new(
        taps: &[f64],
        l: usize,
        m: usize,
        post_peak: usize,
        f_domain: bool,
        planner: &mut FftPlanner<T>,
    ) -> Self {
        // soxr's `set_dft_length`: about 4× the filter, a power of two from
        // 2^10 (the default minimum) up, rounded down near 2^17.
        let d = (taps.len() as f64).log2();
        let log2 = ((d + 2.77) as i32).clamp(10, ((d + 1.77) as i32).max(17));
        let block = 1usize << log2;
        let overlap = taps.len() - 1;
        let decimate = f_domain && (m == 2 || m == 4);
        // Every block then starts on a multiple of l, its input samples at
        // the same offset `at0 = post_peak mod l`.
        let stuffed = l > 1 && l.is_power_of_two() && (block - overlap).is_multiple_of(l);
        let forward = planner.plan_fft_forward(if stuffed { block / l } else { block });
        let inverse = planner.plan_fft_inverse(if decimate { block / m } else { block });
        // The DFT of the taps in f64, scaled for the unnormalised inverse,
        // then rounded to the engine's precision.
        let scale = 1.0 / block as f64;
        let mut spectrum64: Vec<Complex<f64>> = (0..block)
            .map(|i| Complex::new(taps.get(i).map_or(0.0, |&h| h * scale), 0.0))
            .collect();
        FftPlanner::<f64>::new()
            .plan_fft_forward(block)
            .process(&mut spectrum64);
        let at0 = post_peak % l;
        if stuffed && at0 != 0 {
            // The block's samples sit at at0 + l t: the short block's
            // spectrum, repeated, times the delay's phase e^{-2πi k at0 / block}.
            for (k, h) in spectrum64.iter_mut().enumerate() {
                let angle = -2.0 * std::f64::consts::PI * ((k * at0) % block) as f64 / block as f64;
                *h *= Complex::from_polar(1.0, angle);
            }
        }
        let spectrum = spectrum64
            .iter()
            .map(|c| Complex::new(cast(c.re), cast(c.im)))
            .collect();
        Self {
            taps_len: taps.len(),
            l,
            m,
            post_peak,
            block,
            spectrum,
            forward,
            stuffed,
            inverse,
            decimate,
        }
    }

    /// The real time block that starts at `start` (in stuffed samples):
    /// `v[start..][..block]` of the zero-stuffed, preloaded input, or when
    /// `stuffed` the `block / l` input samples it spreads out. `x` holds the
    /// input from its sample `xbase` on (the block never reaches before it)
    /// to its end so far; silence follows.
    fn fill(&self, x: &[T], xbase: usize, start: usize, time: &mut [T]) {
        let (l, at0) = (self.l, self.post_peak % self.l);
        // The buffer's first sample sits at u[preload].
        let preload = self.post_peak / l + xbase;
        if self.stuffed || l == 1 {
            // time[t] = u[q0 + t] (stuffed: start a multiple of l, the
            // samples at at0 + l t): silence, then x, then silence.
            let q0 = start / l;
            let lo = q0.max(preload);
            let hi = (q0 + time.len()).min(preload + x.len());
            if lo < hi {
                time[..lo - q0].iter_mut().for_each(|t| *t = T::zero());
                time[lo - q0..hi - q0].copy_from_slice(&x[lo - preload..hi - preload]);
                time[hi - q0..].iter_mut().for_each(|t| *t = T::zero());
            } else {
                time.iter_mut().for_each(|t| *t = T::zero());
            }
        } else {
            time.iter_mut().for_each(|t| *t = T::zero());
            // Positions p in [start, start + block) with p ≡ at0 (mod l)
            // hold u[(p - at0) / l]; only x's part of u is written.
            let block = time.len();
            let first = if start <= at0 {
                at0
            } else {
                start + (l - (start - at0) % l) % l
            };
            if first < start + block {
                let q_first = (first - at0) / l;
                let count = (start + block - first).div_ceil(l);
                let q_lo = q_first.max(preload);
                let q_hi = (q_first + count).min(preload + x.len());
                if q_lo < q_hi {
                    let slots = time[first - start + (q_lo - q_first) * l..].iter_mut();
                    for (slot, &v) in slots.step_by(l).zip(&x[q_lo - preload..q_hi - preload]) {
                        *slot = v;
                    }
                }
            }
        }
    }

    /// What [`FirStage::fill`] would write for the block at `start`, as a
    /// slice of `x`, when that block is `len` samples of `x` itself (no
    /// zero-stuffing in the time domain, no silence).
    fn inside<'a>(&self, x: &'a [T], xbase: usize, start: usize, len: usize) -> Option<&'a [T]> {
        if !(self.stuffed || self.l == 1) {
            return None;
        }
        let (q0, preload) = (start / self.l, self.post_peak / self.l + xbase);
        (q0 >= preload && q0 + len <= preload + x.len())
            .then(|| &x[q0 - preload..q0 - preload + len])
    }

    /// Samples between the starts of consecutive blocks (in stuffed
    /// samples): the block less the filter's overlap.
    pub(crate) fn hop(&self) -> usize {
        self.block - (self.taps_len - 1)
    }

    /// Stuffed samples per FFT block.
    pub(crate) fn block(&self) -> usize {
        self.block
    }

    /// Stuffed samples before the input's sample `q` (its position is
    /// `post_peak + l q`), the zero-stuffed stream's length after `n` inputs.
    pub(crate) fn stuffed_len(&self, n: usize) -> usize {
        self.post_peak % self.l + (self.post_peak / self.l + n) * self.l
    }

    /// The first input sample the block at `start` (or any later one) reads.
    pub(crate) fn first_input(&self, start: usize) -> usize {
        (start.saturating_sub(self.post_peak % self.l) / self.l)
            .saturating_sub(self.post_peak / self.l)
    }

    /// The decimation factor: outputs are every `m`-th filtered sample.
    pub(crate) fn m(&self) -> usize {
        self.m
    }

    /// Working buffers for [`FirStage::pair`].
    pub(crate) fn scratch(&self) -> FirScratch<T> {
        let short = if self.stuffed {
            self.block / self.l
        } else {
            self.block
        };
        let small = if self.decimate {
            self.block / self.m
        } else {
            self.block
        };
        let zero = Complex::new(T::zero(), T::zero());
        FirScratch {
            first: vec![T::zero(); short],
            second: vec![T::zero(); short],
            z: vec![zero; self.block],
            zs: vec![zero; small],
            fft: vec![
                zero;
                self.forward
                    .get_inplace_scratch_len()
                    .max(self.inverse.get_inplace_scratch_len())
            ],
        }
    }

    fn run(&self, x: &[T], out: &mut Vec<T>) {
        let count = self.stuffed_len(x.len()).div_ceil(self.m);
        out.resize(count, T::zero());
        let mut scratch = self.scratch();
        let mut start = 0;
        while start < count * self.m {
            self.pair(x, 0, start, count, out, 0, &mut scratch);
            start += 2 * self.hop();
        }
    }

    /// The blocks at `start` and `start + hop`, through one complex FFT:
    /// writes their outputs `j` (below `count`) to `out[j - jbase]`, growing
    /// `out` as needed. `x` holds the input from its sample `xbase` on; the
    /// whole-signal and the streaming stage both call this with the same
    /// pairs of blocks, so they round alike.
    ///
    /// `valid[i] = Σ_k h[k] v[i + overlap - k]`; `out[j] = valid[j m]`.
    #[allow(
        clippy::too_many_arguments,
        reason = "the pair's place in the stream (start, count, jbase, xbase) and the buffers it reads and writes"
    )]
    pub(crate) fn pair(
        &self,
        x: &[T],
        xbase: usize,
        start: usize,
        count: usize,
        out: &mut Vec<T>,
        jbase: usize,
        s: &mut FirScratch<T>,
    ) {
        let (l, m, block) = (self.l, self.m, self.block);
        let overlap = self.taps_len - 1;
        let hop = block - overlap;
        let short = if self.stuffed { block / l } else { block };
        let small = s.zs.len();
        let next = start + hop;
        let inside = (next < count * m)
            .then(|| {
                self.inside(x, xbase, start, short)
                    .zip(self.inside(x, xbase, next, short))
            })
            .flatten();
        let z = &mut s.z;
        if let Some((a, b)) = inside {
            // Both blocks are runs of x: pack them straight from it.
            for ((zk, &a), &b) in z.iter_mut().zip(a).zip(b) {
                *zk = Complex::new(a, b);
            }
        } else {
            self.fill(x, xbase, start, &mut s.first);
            if next < count * m {
                self.fill(x, xbase, next, &mut s.second);
            } else {
                s.second.iter_mut().for_each(|t| *t = T::zero());
            }
            for ((zk, &a), &b) in z.iter_mut().zip(&s.first).zip(&s.second) {
                *zk = Complex::new(a, b);
            }
        }
        self.forward
            .process_with_scratch(&mut z[..short], &mut s.fft);
        // Times the filter; when stuffed, the block's spectrum is the
        // short one repeated `l` times (the copies first, as the first
        // period is their source).
        let (head, tail) = z.split_at_mut(short);
        let (h_head, h_tail) = self.spectrum.split_at(short);
        if self.stuffed {
            for (period, h) in tail.chunks_mut(short).zip(h_tail.chunks(short)) {
                for ((zk, &v), h) in period.iter_mut().zip(head.iter()).zip(h) {
                    *zk = v * *h;
                }
            }
        } else {
            for (zk, h) in tail.iter_mut().zip(h_tail) {
                *zk = *zk * *h;
            }
        }
        for (zk, h) in head.iter_mut().zip(h_head) {
            *zk = *zk * *h;
        }
        let time: &[Complex<T>] = if self.decimate {
            // The low `block / m` bins, both signs (each part's
            // spectrum is conjugate-symmetric), the small Nyquist bin
            // taking the full transform's (soxr's packed half
            // spectrum). soxr rotates its filter so that valid outputs
            // start at 0; ours start at `overlap`, a shift of `(block -
            // overlap) / m` small samples, whose phase at the small
            // Nyquist bin is ±1.
            let zs = &mut s.zs;
            let half = small / 2;
            zs[..half].copy_from_slice(&z[..half]);
            let sign = if ((block - overlap) / m) % 2 == 1 {
                -T::one()
            } else {
                T::one()
            };
            zs[half] = z[block / 2] * sign;
            zs[half + 1..].copy_from_slice(&z[block - small + half + 1..]);
            self.inverse.process_with_scratch(zs, &mut s.fft);
            &zs[..]
        } else {
            self.inverse.process_with_scratch(z, &mut s.fft);
            &z[..]
        };
        for (begin, part) in [(start, 0), (next, 1)] {
            if begin >= count * m {
                break;
            }
            let first_j = begin.div_ceil(m);
            let end = count.min((begin + hop).div_ceil(m));
            if out.len() < end - jbase {
                out.resize(end - jbase, T::zero());
            }
            let outputs = &mut out[first_j - jbase..end - jbase];
            let (from, stride) = if self.decimate {
                (first_j + overlap / m - begin / m, 1)
            } else {
                (first_j * m + overlap - begin, m)
            };
            let source = &time[from..];
            // One loop per case, so the common ones (every sample, one
            // part) run as plain de-interleaving copies.
            match (part, stride) {
                (0, 1) => outputs.iter_mut().zip(source).for_each(|(o, c)| *o = c.re),
                (_, 1) => outputs.iter_mut().zip(source).for_each(|(o, c)| *o = c.im),
                (0, _) => outputs
                    .iter_mut()
                    .zip(source.iter().step_by(stride))
                    .for_each(|(o, c)| *o = c.re),
                _ => outputs
                    .iter_mut()
                    .zip(source.iter().step_by(stride))
                    .for_each(|(o, c)| *o = c.im),
            }
        }
    }
}

/// The working buffers of one [`FirStage`] run (the two time blocks, the
/// packed complex block, the decimated block and the FFT scratch).
pub(crate) struct FirScratch<T> {
    first: Vec<T>,
    second: Vec<T>,
    z: Vec<Complex<T>>,
    zs: Vec<Complex<T>>,
    fft: Vec<Complex<T>>,
}

/// The poly-phase stage: output `i` is at input position `at + i step` on a
/// 32.32 fixed-point clock; its FIR is the phase `(position mod 1)` of the
/// poly-phase filter, exact for rational ratios (`order = 0`, phases in
/// units of `1 / l`), else interpolated between `2^phase_bits` phases by a
/// polynomial of `order`.
pub(crate) struct PolyStage<T: Float> {
    /// `[phase][coefficient order][tap]`, taps reversed and left-padded to `padded`.
    table: Vec<T>,
    padded: usize,
    order: usize,
    phase_bits: u32,
    l: u64,
    at: u64,
    step: u64,
    preload: usize,
}

impl<T: Float> PolyStage<T> {
    fn new(spec: &PolySpec) -> Self {
        let PolySpec {
            taps,
            num_coefs,
            padded_coefs: padded,
            phases,
            order,
            phase_bits,
            l,
            at,
            step,
        } = spec;
        let (num_coefs, padded, phases, order) = (*num_coefs, *padded, *phases, *order);
        let width = order + 1;
        let mut table = vec![T::zero(); phases * padded * width];
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
                for (k, v) in [f0, b, c, d].into_iter().take(width).enumerate() {
                    table[(j * width + k) * padded + (padded - 1 - i)] = cast(v);
                }
                f2 = f1;
                f1 = f0;
            }
        }
        Self {
            table,
            padded,
            order,
            phase_bits: *phase_bits,
            l: *l,
            at: *at,
            step: *step,
            preload: ((num_coefs - 1) >> 1) + (padded - num_coefs),
        }
    }

    fn run(&self, x: &[T], out: &mut Vec<T>, u: &mut Vec<T>) {
        let padded = self.padded;
        u.clear();
        u.resize(self.preload + x.len() + 2 * padded + 8, T::zero());
        u[self.preload..self.preload + x.len()].copy_from_slice(x);
        let limit = self.limit(x.len());
        let ratio = self.step as f64 / super::plan::MULT32 / self.l as f64;
        out.reserve((limit as f64 / ratio) as usize + 2);
        let mut clock = self.clock();
        let total = self.outputs_below(limit);
        self.outputs(&mut clock, u, 0, total, out);
    }

    /// Silent samples before the input in the stage's buffer.
    pub(crate) fn preload(&self) -> usize {
        self.preload
    }

    /// Taps per phase, as read from the buffer.
    pub(crate) fn padded(&self) -> usize {
        self.padded
    }

    /// The clock's end for `n` inputs: outputs are taken while their input
    /// index is below `preload + n + padded`.
    pub(crate) fn limit(&self, n: usize) -> u64 {
        (self.preload + n + self.padded) as u64
    }

    /// The clock at the first output.
    pub(crate) fn clock(&self) -> PolyClock {
        if self.order == 0 {
            PolyClock::Rational(RationalClock::new(self.at, self.step, self.l))
        } else {
            PolyClock::Interpolated(self.at)
        }
    }

    /// How many outputs have their input index below `bound`.
    pub(crate) fn outputs_below(&self, bound: u64) -> u64 {
        let at = u128::from(self.at);
        let step = u128::from(self.step);
        let end = if self.order == 0 {
            // Outputs t = 0, 1, ... while at + t step < bound l 2^32.
            (u128::from(bound) * u128::from(self.l)) << 32
        } else {
            u128::from(bound) << 32
        };
        let count = if at >= end {
            0
        } else {
            (end - at - 1) / step + 1
        };
        u64::try_from(count).unwrap_or(u64::MAX)
    }

    /// Appends `count` outputs from `clock` on to `out`, reading `u`: the
    /// stage's buffer (`preload` zeros, the input, silence) from its sample
    /// `ubase` on. The whole-signal and the streaming stage both call this,
    /// so they round alike.
    pub(crate) fn outputs(
        &self,
        clock: &mut PolyClock,
        u: &[T],
        ubase: usize,
        count: u64,
        out: &mut Vec<T>,
    ) {
        let begin = out.len();
        out.resize(begin + usize::try_from(count).unwrap_or(0), T::zero());
        let out = &mut out[begin..];
        match clock {
            PolyClock::Rational(clock) => self.run_rational(clock, u, ubase, out),
            PolyClock::Interpolated(at) => self.run_interpolated(at, u, ubase, out),
        }
    }

    /// The exact rational case: output `i` reads phase `whole mod l` at
    /// input `whole / l`, with `whole` the clock's integer part. The
    /// quotient and remainder are carried from output to output: no
    /// division per output (which was most of this stage's time), and no
    /// limit on the signal's length (`whole` itself passes 2^32 after
    /// 2^32 / l input samples, 110 s at 44.1 kHz for l = 882).
    fn run_rational(&self, clock: &mut RationalClock, u: &[T], ubase: usize, out: &mut [T]) {
        #[cfg(target_arch = "x86_64")]
        if let (Some(table), Some(u), Some(out)) = (
            crate::kernels::same_type::view::<T, f32>(&self.table),
            crate::kernels::same_type::view::<T, f32>(u),
            crate::kernels::same_type::view_mut::<T, f32>(out),
        ) {
            return clock.run(table, self.padded, u, ubase, out, dot_sse, dot4_sse);
        }
        clock.run(&self.table, self.padded, u, ubase, out, dot, dot4);
    }

    /// The interpolated case: the clock's fraction picks one of
    /// `2^phase_bits` phases and the polynomial position between it and
    /// the next.
    fn run_interpolated(&self, at: &mut u64, u: &[T], ubase: usize, out: &mut [T]) {
        let padded = self.padded;
        let width = self.order + 1;
        for o in out.iter_mut() {
            let index = (*at >> 32) as usize - ubase;
            let input = &u[index..index + padded];
            let fraction = *at & 0xffff_ffff;
            let phase = (fraction >> (32 - self.phase_bits)) as usize;
            let rest = (fraction << self.phase_bits) & 0xffff_ffff;
            let frac: T = cast(rest as f64 / super::plan::MULT32);
            let rows = &self.table[phase * width * padded..(phase + 1) * width * padded];
            *o = interpolated_dot(rows, padded, frac, input);
            *at = at.wrapping_add(self.step);
        }
    }
}

/// Where the poly-phase stage's next output reads: the rational clock, or
/// the interpolated case's 32.32 position.
pub(crate) enum PolyClock {
    Rational(RationalClock),
    Interpolated(u64),
}

impl PolyClock {
    /// The input index the next output reads from.
    pub(crate) fn index(&self) -> u64 {
        match self {
            Self::Rational(clock) => clock.index,
            Self::Interpolated(at) => *at >> 32,
        }
    }
}

/// The poly-phase clock of the rational case as (input index, phase,
/// fraction of a phase), advanced without division.
pub(crate) struct RationalClock {
    index: u64,
    phase: u64,
    fraction: u64,
    step_index: u64,
    step_phase: u64,
    step_fraction: u64,
    l: u64,
}

impl RationalClock {
    const LOW: u64 = 0xffff_ffff;

    /// The clock at `at` (32.32 fixed point, in units of `1 / l` input
    /// samples), stepping by `step`.
    fn new(at: u64, step: u64, l: u64) -> Self {
        let (whole, step_whole) = (at >> 32, step >> 32);
        Self {
            index: whole / l,
            phase: whole % l,
            fraction: at & Self::LOW,
            step_index: step_whole / l,
            step_phase: step_whole % l,
            step_fraction: step & Self::LOW,
            l,
        }
    }

    /// The current (input index, phase), then one step on.
    #[inline(always)]
    fn next(&mut self) -> (usize, usize) {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "index is below the buffer's length, phase below l (a table row)"
        )]
        let now = (self.index as usize, self.phase as usize);
        // whole += step: the fraction's carry, then (index, phase).
        self.fraction += self.step_fraction;
        self.phase += self.step_phase + (self.fraction >> 32);
        self.fraction &= Self::LOW;
        self.index += self.step_index;
        if self.phase >= self.l {
            self.phase -= self.l;
            self.index += 1;
        }
        now
    }

    /// Fills `out`: each output the dot product of its phase's row of
    /// `table` (rows `padded` long) with the input from its index, four
    /// outputs at a time through `dot4` (which must round each as `dot`).
    #[inline(always)]
    #[allow(
        clippy::too_many_arguments,
        reason = "the table, the buffer and its place in the stream, the output and the two kernels"
    )]
    fn run<E: Copy>(
        &mut self,
        table: &[E],
        padded: usize,
        u: &[E],
        ubase: usize,
        out: &mut [E],
        dot: impl Fn(&[E], &[E]) -> E,
        dot4: impl Fn([&[E]; 4], [&[E]; 4]) -> [E; 4],
    ) {
        let row = |clock: &mut Self| {
            let (i, p) = clock.next();
            let i = i - ubase;
            (&table[p * padded..(p + 1) * padded], &u[i..i + padded])
        };
        let mut quads = out.chunks_exact_mut(4);
        for quad in &mut quads {
            let [(h0, v0), (h1, v1), (h2, v2), (h3, v3)] = std::array::from_fn(|_| row(self));
            quad.copy_from_slice(&dot4([h0, h1, h2, h3], [v0, v1, v2, v3]));
        }
        for o in quads.into_remainder() {
            let (h, v) = row(self);
            *o = dot(h, v);
        }
    }
}

/// Four [`dot`]s.
fn dot4<T: Float>(h: [&[T]; 4], v: [&[T]; 4]) -> [T; 4] {
    std::array::from_fn(|j| dot(h[j], v[j]))
}

/// Four [`dot_sse`]s side by side (`h[j]` and `v[j]` of one length, a
/// multiple of 4), each rounded as [`dot_sse`]: lane sums `a_j`, then a
/// 4×4 transpose so that `(a_j0 + a_j2) + (a_j1 + a_j3)` is formed for all
/// four at once.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dot4_sse(h: [&[f32]; 4], v: [&[f32]; 4]) -> [f32; 4] {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_loadu_ps, _mm_movehl_ps, _mm_movelh_ps, _mm_mul_ps, _mm_setzero_ps,
        _mm_storeu_ps, _mm_unpackhi_ps, _mm_unpacklo_ps,
    };
    let n = h.iter().chain(&v).map(|s| s.len()).min().unwrap_or(0);
    if n % 4 != 0 {
        return std::array::from_fn(|j| dot_sse(h[j], v[j]));
    }
    let mut out = [0.0f32; 4];
    // SAFETY: SSE is always available on x86_64; every load reads four
    // floats at `c < n`, inside all eight slices, and the store writes the
    // four floats of `out`.
    unsafe {
        let mut acc = [_mm_setzero_ps(); 4];
        let mut c = 0;
        while c < n {
            for j in 0..4 {
                let a = _mm_loadu_ps(h[j].as_ptr().add(c));
                let b = _mm_loadu_ps(v[j].as_ptr().add(c));
                acc[j] = _mm_add_ps(acc[j], _mm_mul_ps(a, b));
            }
            c += 4;
        }
        // Rows acc[j] = [a_j0, a_j1, a_j2, a_j3] to columns t_k = [a_0k, .., a_3k].
        let lo01 = _mm_unpacklo_ps(acc[0], acc[1]); // a00 a10 a01 a11
        let hi01 = _mm_unpackhi_ps(acc[0], acc[1]); // a02 a12 a03 a13
        let lo23 = _mm_unpacklo_ps(acc[2], acc[3]); // a20 a30 a21 a31
        let hi23 = _mm_unpackhi_ps(acc[2], acc[3]); // a22 a32 a23 a33
        let t0 = _mm_movelh_ps(lo01, lo23);
        let t1 = _mm_movehl_ps(lo23, lo01);
        let t2 = _mm_movelh_ps(hi01, hi23);
        let t3 = _mm_movehl_ps(hi23, hi01);
        // `+ 0` as `dot_sse`'s empty tail (a -0 sum becomes +0 there too).
        let sums = _mm_add_ps(
            _mm_add_ps(_mm_add_ps(t0, t2), _mm_add_ps(t1, t3)),
            _mm_setzero_ps(),
        );
        _mm_storeu_ps(out.as_mut_ptr(), sums);
    }
    out
}

/// [`dot`] on f32 with SSE (part of x86_64's baseline): the same four
/// lanes, the same final pairing `(a0 + a2) + (a1 + a3)` and the same
/// tail, so the same rounding.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dot_sse(h: &[f32], v: &[f32]) -> f32 {
    use std::arch::x86_64::{
        _mm_add_ps, _mm_add_ss, _mm_cvtss_f32, _mm_loadu_ps, _mm_movehl_ps, _mm_mul_ps,
        _mm_setzero_ps, _mm_shuffle_ps,
    };
    let n = h.len().min(v.len());
    let whole = n - n % 4;
    // SAFETY: SSE is always available on x86_64, and every load reads four
    // floats at `c < whole <= n`, inside both slices.
    let head = unsafe {
        let mut acc = _mm_setzero_ps();
        let mut c = 0;
        while c < whole {
            let a = _mm_loadu_ps(h.as_ptr().add(c));
            let b = _mm_loadu_ps(v.as_ptr().add(c));
            acc = _mm_add_ps(acc, _mm_mul_ps(a, b));
            c += 4;
        }
        let pairs = _mm_add_ps(acc, _mm_movehl_ps(acc, acc));
        _mm_cvtss_f32(_mm_add_ss(pairs, _mm_shuffle_ps(pairs, pairs, 0b01)))
    };
    let tail = h[whole..n]
        .iter()
        .zip(&v[whole..n])
        .fold(0.0f32, |s, (&a, &b)| s + a * b);
    head + tail
}

/// `Σ h[i] v[i]` over `h.len()` terms (a multiple of 4 for the poly-phase
/// tables, padded as soxr pads them), four lanes at a time.
fn dot<T: Float>(h: &[T], v: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let whole = h.len() - h.len() % 4;
    for (a, b) in h[..whole].chunks_exact(4).zip(v[..whole].chunks_exact(4)) {
        for k in 0..4 {
            acc[k] = acc[k] + a[k] * b[k];
        }
    }
    let tail = h[whole..]
        .iter()
        .zip(&v[whole..])
        .fold(T::zero(), |s, (&a, &b)| s + a * b);
    (acc[0] + acc[2]) + (acc[1] + acc[3]) + tail
}

/// `Σ_j (((d_j x + c_j) x + b_j) x + a_j) v_j`, the rows `a, b, c, d` (as
/// many as the interpolation order needs) stored one after the other in
/// `rows`, each `n` long (a multiple of 4): one pass over the taps, four
/// lanes at a time.
fn interpolated_dot<T: Float>(rows: &[T], n: usize, x: T, v: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let v = &v[..n];
    match rows.len() / n.max(1) {
        2 => {
            let (a, b) = rows.split_at(n);
            for ((a, b), v) in a
                .chunks_exact(4)
                .zip(b.chunks_exact(4))
                .zip(v.chunks_exact(4))
            {
                for k in 0..4 {
                    acc[k] = acc[k] + (b[k] * x + a[k]) * v[k];
                }
            }
        }
        3 => {
            let (a, rest) = rows.split_at(n);
            let (b, c) = rest.split_at(n);
            for (((a, b), c), v) in a
                .chunks_exact(4)
                .zip(b.chunks_exact(4))
                .zip(c.chunks_exact(4))
                .zip(v.chunks_exact(4))
            {
                for k in 0..4 {
                    acc[k] = acc[k] + ((c[k] * x + b[k]) * x + a[k]) * v[k];
                }
            }
        }
        4 => {
            let (a, rest) = rows.split_at(n);
            let (b, rest) = rest.split_at(n);
            let (c, d) = rest.split_at(n);
            for ((((a, b), c), d), v) in a
                .chunks_exact(4)
                .zip(b.chunks_exact(4))
                .zip(c.chunks_exact(4))
                .zip(d.chunks_exact(4))
                .zip(v.chunks_exact(4))
            {
                for k in 0..4 {
                    acc[k] = acc[k] + (((d[k] * x + c[k]) * x + b[k]) * x + a[k]) * v[k];
                }
            }
        }
        _ => return dot(&rows[..n], v),
    }
    (acc[0] + acc[2]) + (acc[1] + acc[3])
}

#[cfg(all(test, target_arch = "x86_64"))]
mod sse_tests {
    use super::{dot, dot4_sse, dot_sse};
    use proptest::prelude::*;

    proptest! {
        /// The SSE kernel rounds exactly as the four-lane scalar one.
        #[test]
        fn sse_dot_equals_scalar_dot(
            pairs in prop::collection::vec((-1.0f32..1.0, -1.0f32..1.0), 0..70),
        ) {
            let (h, v): (Vec<f32>, Vec<f32>) = pairs.into_iter().unzip();
            prop_assert_eq!(dot_sse(&h, &v).to_bits(), dot(&h, &v).to_bits());
        }

        /// Four at a time, the same roundings.
        #[test]
        fn sse_dot4_equals_scalar_dots(
            values in prop::collection::vec(-1.0f32..1.0, 8 * 24),
            len in 0usize..7,
        ) {
            let n = 4 * len;
            let part = |k: usize| &values[k * 24..k * 24 + n];
            let h = [part(0), part(1), part(2), part(3)];
            let v = [part(4), part(5), part(6), part(7)];
            let four = dot4_sse(h, v);
            for j in 0..4 {
                prop_assert_eq!(four[j].to_bits(), dot(h[j], v[j]).to_bits());
            }
        }
    }
}

#[cfg(test)]
mod fir_tests {
    use super::FirStage;
    use rustfft::FftPlanner;

    /// The FFT path against the direct sum in f64: rounding of a few
    /// thousand products of magnitude below 2.
    const DIRECT_SUM_TOL: f64 = 1e-12;

    /// The stage's definition, summed directly: `v` is `x` after
    /// `post_peak / l` zeros, zero-stuffed by `l` from phase `post_peak mod
    /// l`; `out[j] = Σ_k h[k] v[j m + overlap - k]`.
    fn direct(taps: &[f64], l: usize, m: usize, post_peak: usize, x: &[f64]) -> Vec<f64> {
        let (preload, at0, overlap) = (post_peak / l, post_peak % l, taps.len() - 1);
        let v_len = at0 + (preload + x.len()) * l;
        let v = |p: isize| -> f64 {
            if p < at0 as isize || (p - at0 as isize) % l as isize != 0 {
                return 0.0;
            }
            let q = (p - at0 as isize) as usize / l;
            if q < preload {
                0.0
            } else {
                x.get(q - preload).copied().unwrap_or(0.0)
            }
        };
        (0..v_len.div_ceil(m))
            .map(|j| {
                taps.iter()
                    .enumerate()
                    .map(|(k, &h)| h * v((j * m + overlap) as isize - k as isize))
                    .sum()
            })
            .collect()
    }

    /// Zero-stuffing in the frequency domain (with and without a phase
    /// offset), plain filtering and time-domain decimation, blocks paired
    /// through one complex FFT: all equal the direct sum.
    #[test]
    fn paired_blocks_equal_the_direct_sum() {
        let taps: Vec<f64> = (0..101)
            .map(|i| {
                let t = (i as f64 - 50.0) / 4.0;
                let sinc = if t == 0.0 {
                    1.0
                } else {
                    (std::f64::consts::PI * t).sin() / (std::f64::consts::PI * t)
                };
                sinc * (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / 100.0).cos())
            })
            .collect();
        let x: Vec<f64> = (0..5_000)
            .map(|i| ((i * 7919) % 1000) as f64 / 500.0 - 1.0)
            .collect();
        for (l, m, post_peak) in [
            (2, 1, 51),
            (2, 1, 50),
            (1, 1, 50),
            (1, 3, 50),
            (4, 1, 53),
            (3, 2, 50),
        ] {
            let stage = FirStage::<f64>::new(&taps, l, m, post_peak, false, &mut FftPlanner::new());
            let mut out = Vec::new();
            stage.run(&x, &mut out);
            let want = direct(&taps, l, m, post_peak, &x);
            assert_eq!(out.len(), want.len(), "l={l} m={m} post_peak={post_peak}");
            let worst = out
                .iter()
                .zip(&want)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst < DIRECT_SUM_TOL,
                "l={l} m={m} post_peak={post_peak} stuffed={}: {worst:e}",
                stage.stuffed
            );
        }
    }
}
