//! The non-integer-rate engine of [`ResampleMethod::High`](super::ResampleMethod::High):
//! a two-stage resampler in the manner of soxr.
//!
//! 1. **×2 oversampling with the sharp filter.** The input is zero-stuffed to
//!    twice its rate and low-passed by a Kaiser-windowed sinc of
//!    [`STOPBAND_DB`] rejection whose stop band starts at the lower Nyquist
//!    (`min(orig_sr, target_sr) / 2`) and whose pass band ends at
//!    [`PASSBAND_EDGE`] of it. Being long (~700 taps at rate ratios near 1),
//!    it runs as an FFT overlap-save convolution, so its length costs a
//!    logarithm, not a multiply per tap.
//! 2. **Fractional interpolation of the oversampled signal.** The signal now
//!    fills at most a quarter of its band, so a short kernel
//!    ([`TAPS`] Kaiser-windowed sinc taps, read from a table of [`PHASES`]
//!    sub-sample phases with linear interpolation between them) places each
//!    output sample at its exact time `j · orig_sr / target_sr` (in input
//!    samples) without aliasing: its transition band lies between the
//!    signal's band edge and that of the first image.
//!
//! Output sample `j` sits at input time `j · orig_sr / target_sr` exactly
//! (soxr's and librosa's alignment); the signal is zero outside its ends.
//! Work per output sample is a few dozen multiplies plus the FFTs, and
//! memory is one FFT block and the output, whatever the length.

use std::sync::Arc;

use num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use crate::{Error, Float, Result};

/// Stop-band rejection of both stages' filters, in dB (soxr's `HQ` is
/// 20-bit, ~125 dB).
pub(crate) const STOPBAND_DB: f64 = 130.0;

/// Where the sharp filter's pass band ends, as a fraction of the lower
/// Nyquist (soxr_hq's ends at ~0.913; the stop band starts at 1.0 in both).
pub(crate) const PASSBAND_EDGE: f64 = 0.95;

/// Taps of the interpolation kernel (stage 2), a multiple of 8.
pub(crate) const TAPS: usize = 32;

/// Sub-sample phases of the interpolation kernel's table. With linear
/// interpolation between phases the kernel is within ~3e-7 of exact
/// (the kernel's second derivative is below π², the error
/// `(1 / PHASES)² π² / 8`), below [`STOPBAND_DB`].
pub(crate) const PHASES: usize = 2048;

/// The rate ratios (`target_sr / orig_sr`) this engine takes; the sharp
/// filter grows as `1 / min(ratio, 1)`, and beyond these the windowed-sinc
/// presets take over.
pub(crate) const RATIO_RANGE: std::ops::RangeInclusive<f64> = 0.25..=4.0;

/// The smallest overlap-save FFT.
const MIN_FFT: usize = 8192;

/// The Kaiser window's `β` for a rejection of `db` (Kaiser's formula).
fn kaiser_beta(db: f64) -> f64 {
    if db > 50.0 {
        0.1102 * (db - 8.7)
    } else if db >= 21.0 {
        0.5842 * (db - 21.0).powf(0.4) + 0.07886 * (db - 21.0)
    } else {
        0.0
    }
}

/// `sin(πx) / (πx)`.
fn sinc(x: f64) -> f64 {
    if x == 0.0 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// The Kaiser window of half-width `half` at offset `d` from its centre.
fn kaiser(d: f64, half: f64, beta: f64) -> f64 {
    let r = d / half;
    if r.abs() >= 1.0 {
        return if r.abs() == 1.0 {
            1.0 / crate::filters::window::bessel_i0(beta)
        } else {
            0.0
        };
    }
    crate::filters::window::bessel_i0(beta * (1.0 - r * r).sqrt())
        / crate::filters::window::bessel_i0(beta)
}

/// A planned two-stage resampler from `orig_sr` to `target_sr = ratio ·
/// orig_sr`, computing in `S`, with its reusable buffers.
pub(crate) struct TwoStage<S: EngineSample> {
    /// Input samples per output sample, at the oversampled rate: `2 / ratio`.
    step: f64,
    /// Taps of the sharp filter (odd); its delay is `taps / 2`.
    taps: usize,
    fft_len: usize,
    forward: Arc<dyn RealToComplex<S>>,
    inverse: Arc<dyn ComplexToReal<S>>,
    /// The sharp filter's spectrum, scaled by `1 / fft_len` (the inverse
    /// FFT's normalisation).
    kernel: Vec<Complex<S>>,
    /// `PHASES + 1` rows of `TAPS` interpolation coefficients.
    table: Vec<S>,
    block: Vec<S>,
    spectrum: Vec<Complex<S>>,
    scratch_forward: Vec<Complex<S>>,
    scratch_inverse: Vec<Complex<S>>,
    interpolate: Interpolate<S>,
    /// The oversampled signal not yet consumed: `oversampled[i]` is sample
    /// `base + i`.
    oversampled: Vec<S>,
}

impl<S: EngineSample> TwoStage<S> {
    /// Plans the resampler for `ratio = target_sr / orig_sr`, within
    /// [`RATIO_RANGE`].
    pub(crate) fn new(ratio: f64) -> Self {
        let cast = |v: f64| S::from(v).unwrap_or_else(S::zero);
        let beta = kaiser_beta(STOPBAND_DB);
        // Stage 1 at twice the input rate, in cycles per sample: the lower
        // Nyquist is min(1, ratio) / 4.
        let stop = ratio.min(1.0) / 4.0;
        let pass = PASSBAND_EDGE * stop;
        let cutoff = (pass + stop) / 2.0;
        let width = 2.0 * std::f64::consts::PI * (stop - pass);
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a positive filter length of a few thousand taps"
        )]
        let estimate = ((STOPBAND_DB - 7.95) / (2.285 * width)).ceil() as usize + 1;
        let taps = estimate | 1;
        let half = (taps / 2) as f64;
        let fft_len = (4 * taps).next_power_of_two().max(MIN_FFT);
        let mut planner = RealFftPlanner::<S>::new();
        let forward = planner.plan_fft_forward(fft_len);
        let inverse = planner.plan_fft_inverse(fft_len);
        // Gain 2: zero-stuffing halves the signal's level.
        let mut impulse = vec![S::zero(); fft_len];
        for (k, h) in impulse.iter_mut().take(taps).enumerate() {
            let d = k as f64 - half;
            let value = 2.0 * 2.0 * cutoff * sinc(2.0 * cutoff * d) * kaiser(d, half, beta);
            *h = cast(value / fft_len as f64);
        }
        let mut kernel = forward.make_output_vec();
        let mut scratch_forward = forward.make_scratch_vec();
        // Lengths come from the plan, so the transform cannot fail.
        let _ = forward.process_with_scratch(&mut impulse, &mut kernel, &mut scratch_forward);
        // Stage 2: sinc at the oversampled Nyquist, windowed over TAPS.
        let reach = (TAPS / 2) as f64;
        let mut table = vec![S::zero(); (PHASES + 1) * TAPS];
        for (phase, row) in table.chunks_exact_mut(TAPS).enumerate() {
            let frac = phase as f64 / PHASES as f64;
            for (i, c) in row.iter_mut().enumerate() {
                let d = frac + (TAPS / 2 - 1) as f64 - i as f64;
                *c = cast(sinc(d) * kaiser(d, reach, beta));
            }
        }
        Self {
            step: 2.0 / ratio,
            taps,
            fft_len,
            spectrum: forward.make_output_vec(),
            block: forward.make_input_vec(),
            scratch_inverse: inverse.make_scratch_vec(),
            forward,
            inverse,
            kernel,
            table,
            scratch_forward,
            oversampled: Vec::new(),
            interpolate: S::select_interpolate(),
        }
    }

    /// Where output `j` sits in the oversampled signal: its exact position
    /// `j · step` and the sample at or before it.
    fn position(&self, j: usize) -> (f64, usize) {
        let position = j as f64 * self.step;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a non-negative sample position"
        )]
        let n = position as usize;
        (position, n)
    }

    /// Resamples `y` into `out` (whose length the caller chose, librosa's
    /// `ceil(n · ratio)`); outputs past the signal's end read zeros.
    ///
    /// # Errors
    ///
    /// [`Error::BufferLength`] if an FFT refuses its buffers (it cannot:
    /// they come from the plan).
    pub(crate) fn process<T: Float>(&mut self, y: &[T], out: &mut [T]) -> Result<()> {
        let fft_error = |got: usize| Error::BufferLength {
            what: "two-stage resampler fft buffers",
            expected: self.fft_len,
            got,
        };
        let cast = |v: T| num_traits::cast::<T, S>(v).unwrap_or_else(S::zero);
        let taps = self.taps;
        let delay = taps / 2;
        // Each block yields `valid` oversampled samples.
        let valid = self.fft_len - (taps - 1);
        let oversampled_len = 2 * y.len();
        self.oversampled.clear();
        let mut base = 0usize; // index of oversampled[0]
        let mut produced = 0usize; // oversampled samples computed so far
        let reach = TAPS / 2;
        let mut j = 0usize;
        while j < out.len() {
            // Oversampled samples u[produced .. produced + valid]: the full
            // convolution's outputs q = m + delay, which read the stuffed
            // input z[q - taps + 1 ..= q].
            let first = (produced + delay) as isize - (taps as isize - 1);
            if first < oversampled_len as isize {
                // The zero-stuffed input z[first ..]: z[2i] = y[i], zeros
                // between and outside.
                self.block.fill(S::zero());
                let mut i = (-first).max(0);
                if (first + i) % 2 != 0 {
                    i += 1;
                }
                #[allow(
                    clippy::cast_sign_loss,
                    reason = "i >= 0 and first + i >= 0 from here on"
                )]
                while (i as usize) < self.block.len() {
                    let source = ((first + i) / 2) as usize;
                    if source >= y.len() {
                        break;
                    }
                    self.block[i as usize] = cast(y[source]);
                    i += 2;
                }
                self.forward
                    .process_with_scratch(
                        &mut self.block,
                        &mut self.spectrum,
                        &mut self.scratch_forward,
                    )
                    .map_err(|_| fft_error(self.block.len()))?;
                for (s, k) in self.spectrum.iter_mut().zip(&self.kernel) {
                    *s = *s * *k;
                }
                self.inverse
                    .process_with_scratch(
                        &mut self.spectrum,
                        &mut self.block,
                        &mut self.scratch_inverse,
                    )
                    .map_err(|_| fft_error(self.block.len()))?;
                self.oversampled
                    .extend_from_slice(&self.block[taps - 1..taps - 1 + valid]);
            } else {
                // Past the end: zeros, as many as the last outputs need.
                self.oversampled
                    .extend(std::iter::repeat_n(S::zero(), valid));
            }
            produced += valid;
            // Every output whose taps u[n + 1 - reach ..= n + reach] are in.
            while j < out.len() {
                let (position, n) = self.position(j);
                if n + reach >= produced {
                    break;
                }
                let phase = (position - n as f64) * PHASES as f64;
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    reason = "0 <= phase < PHASES"
                )]
                let row = (phase as usize).min(PHASES - 1);
                let alpha = S::from(phase - row as f64).unwrap_or_else(S::zero);
                let start = n as isize + 1 - reach as isize;
                let value = if start < base as isize {
                    // The first outputs read before the signal: zeros there.
                    let mut acc = S::zero();
                    for i in 0..TAPS {
                        let m = start + i as isize;
                        if m >= base as isize {
                            let c0 = self.table[row * TAPS + i];
                            let c1 = self.table[(row + 1) * TAPS + i];
                            #[allow(clippy::cast_sign_loss, reason = "m >= base >= 0")]
                            let sample = self.oversampled[m as usize - base];
                            acc = acc + sample * (c0 + alpha * (c1 - c0));
                        }
                    }
                    acc
                } else {
                    #[allow(clippy::cast_sign_loss, reason = "start >= base >= 0")]
                    let offset = start as usize - base;
                    (self.interpolate)(
                        &self.oversampled[offset..offset + TAPS],
                        &self.table[row * TAPS..(row + 2) * TAPS],
                        alpha,
                    )
                };
                out[j] = num_traits::cast::<S, T>(value).unwrap_or_else(T::zero);
                j += 1;
            }
            // Drop what no later output reads.
            let keep_from = (self.position(j).1 + 1).saturating_sub(reach).max(base);
            self.oversampled.drain(..keep_from - base);
            base = keep_from;
        }
        Ok(())
    }
}

/// `Σ_i u[i] · (c0[i] + α (c1[i] - c0[i]))` for the `TAPS` samples `u` and
/// the two table rows `rows = [c0, c1]`.
#[inline(always)]
fn interpolate_body<S: Float>(u: &[S], rows: &[S], alpha: S) -> S {
    let (Ok(u), Ok(c0), Ok(c1)) = (
        <&[S; TAPS]>::try_from(&u[..TAPS]),
        <&[S; TAPS]>::try_from(&rows[..TAPS]),
        <&[S; TAPS]>::try_from(&rows[TAPS..2 * TAPS]),
    ) else {
        return S::zero();
    };
    // The interpolated coefficients, then one eight-lane dot product: two
    // element-wise loops the compiler vectorises whole.
    let mut coef = [S::zero(); TAPS];
    for k in 0..TAPS {
        coef[k] = c0[k] + alpha * (c1[k] - c0[k]);
    }
    let mut acc = [S::zero(); 8];
    for chunk in 0..TAPS / 8 {
        for l in 0..8 {
            acc[l] = acc[l] + u[chunk * 8 + l] * coef[chunk * 8 + l];
        }
    }
    reduce(acc)
}

/// The sum of eight lanes as a pairwise tree: `(l0 + l4) + (l2 + l6)` plus
/// `(l1 + l5) + (l3 + l7)`, the order the AVX2 kernel's shuffles add in.
#[inline(always)]
fn reduce<S: Float>(l: [S; 8]) -> S {
    let s = [l[0] + l[4], l[1] + l[5], l[2] + l[6], l[3] + l[7]];
    (s[0] + s[2]) + (s[1] + s[3])
}

/// The interpolation kernel: `u` (at least `TAPS` samples), `rows` (two
/// table rows) and `α` to one output sample.
type Interpolate<S> = fn(&[S], &[S], S) -> S;

fn interpolate_scalar<S: Float>(u: &[S], rows: &[S], alpha: S) -> S {
    interpolate_body(u, rows, alpha)
}

/// The AVX2 kernel for `f32`: the scalar body's arithmetic, in its order
/// (no fused multiply-adds), on eight lanes.
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn interpolate_f32_avx2(u: &[f32], rows: &[f32], alpha: f32) -> f32 {
    use std::arch::x86_64::{
        _mm256_add_ps, _mm256_castps256_ps128, _mm256_extractf128_ps, _mm256_loadu_ps,
        _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps, _mm256_sub_ps, _mm_add_ps, _mm_add_ss,
        _mm_cvtss_f32, _mm_movehl_ps, _mm_shuffle_ps,
    };
    if u.len() < TAPS || rows.len() < 2 * TAPS {
        return 0.0;
    }
    let a = _mm256_set1_ps(alpha);
    let mut acc = _mm256_setzero_ps();
    for chunk in 0..TAPS / 8 {
        // SAFETY: chunk * 8 + 8 <= TAPS <= u.len(), and TAPS + chunk * 8 + 8
        // <= 2 TAPS <= rows.len(), checked above; unaligned loads.
        let (c0, c1, x) = unsafe {
            (
                _mm256_loadu_ps(rows.as_ptr().add(chunk * 8)),
                _mm256_loadu_ps(rows.as_ptr().add(TAPS + chunk * 8)),
                _mm256_loadu_ps(u.as_ptr().add(chunk * 8)),
            )
        };
        let coef = _mm256_add_ps(c0, _mm256_mul_ps(a, _mm256_sub_ps(c1, c0)));
        acc = _mm256_add_ps(acc, _mm256_mul_ps(x, coef));
    }
    // (l0 + l4, l1 + l5, l2 + l6, l3 + l7), then (s0 + s2, s1 + s3), then
    // their sum: `reduce`'s order.
    let s = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps::<1>(acc));
    let t = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps::<0b01>(t, t)))
}

#[cfg(target_arch = "x86_64")]
fn interpolate_f32_avx2_checked(u: &[f32], rows: &[f32], alpha: f32) -> f32 {
    // SAFETY: `EngineSample::select_interpolate` hands this out only when `avx2_available()`.
    unsafe { interpolate_f32_avx2(u, rows, alpha) }
}

/// The sample types the engine computes in, each with its kernel for this
/// CPU, chosen once per plan.
pub(crate) trait EngineSample: Float {
    /// AVX2 where the CPU has it (for `f32`, eight lanes), else the scalar
    /// body (which the compiler vectorises for SSE2). Both do the same
    /// arithmetic in the same order, so they agree bit for bit.
    fn select_interpolate() -> Interpolate<Self>;
}

impl EngineSample for f32 {
    fn select_interpolate() -> Interpolate<f32> {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::kernels::simd::avx2_available() {
                return interpolate_f32_avx2_checked;
            }
        }
        interpolate_scalar::<f32>
    }
}

impl EngineSample for f64 {
    fn select_interpolate() -> Interpolate<f64> {
        interpolate_scalar::<f64>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The chosen kernel equals the scalar fallback bit for bit.
    #[test]
    fn interpolate_kernels_agree() {
        let u: Vec<f32> = (0..TAPS).map(|i| (i as f32 * 0.7).sin()).collect();
        let rows: Vec<f32> = (0..2 * TAPS).map(|i| (i as f32 * 0.3).cos()).collect();
        for alpha in [0.0_f32, 0.25, 0.999] {
            let a = interpolate_scalar(&u, &rows, alpha);
            let b = f32::select_interpolate()(&u, &rows, alpha);
            assert_eq!(a.to_bits(), b.to_bits());
        }
        let u64: Vec<f64> = u.iter().map(|&v| f64::from(v)).collect();
        let rows64: Vec<f64> = rows.iter().map(|&v| f64::from(v)).collect();
        let a = interpolate_scalar(&u64, &rows64, 0.5);
        let b = f64::select_interpolate()(&u64, &rows64, 0.5);
        assert_eq!(a.to_bits(), b.to_bits());
    }

    /// A tone resampled at a pitch-shift ratio lands on the analytic tone
    /// at the output rate, in f64 and f32, and the engine is flat in its
    /// pass band and silent past the signal.
    #[test]
    fn tones_land_where_they_should() {
        let (sr_in, ratio) = (24_750.3_f64, 22_050.0 / 24_750.3);
        let sr_out = sr_in * ratio;
        for freq in [100.0, 3000.0, 0.9 * sr_out / 2.0] {
            let y: Vec<f64> = (0..30_000)
                .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / sr_in).sin())
                .collect();
            let n_out = (y.len() as f64 * ratio).ceil() as usize + 1000;
            let mut out = vec![0.0_f64; n_out];
            TwoStage::<f64>::new(ratio).process(&y, &mut out).unwrap();
            let y32: Vec<f32> = y.iter().map(|&v| v as f32).collect();
            let mut out32 = vec![0.0_f32; n_out];
            TwoStage::<f32>::new(ratio)
                .process(&y32, &mut out32)
                .unwrap();
            let core = 2000..n_out - 3200;
            for j in core {
                let want = (2.0 * std::f64::consts::PI * freq * j as f64 / sr_out).sin();
                assert!(
                    (out[j] - want).abs() < 1e-5,
                    "{freq} Hz, sample {j}: {}",
                    out[j]
                );
                assert!(
                    (f64::from(out32[j]) - want).abs() < 1e-4,
                    "f32 {freq} Hz, {j}"
                );
            }
            assert!(out[n_out - 200..].iter().all(|v| v.abs() < 1e-9));
        }
    }
}
