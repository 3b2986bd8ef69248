//! The phase vocoder of `librosa.phase_vocoder` (librosa 0.11).

use ndarray::{Array2, ArrayView2, ShapeBuilder};
use num_complex::Complex;

use crate::{Error, Float, Result};

/// A planned phase vocoder: time-scales an STFT by a rate, as
/// `librosa.phase_vocoder(D, rate=rate, hop_length=hop_length, n_fft=n_fft)`.
///
/// Output frame `t` reads the input at `step = t · rate` (`t = 0 … ⌈frames /
/// rate⌉ - 1`, `numpy.arange(0, frames, rate)`): its magnitude is the linear
/// interpolation `(1 - α)|D[⌊step⌋]| + α|D[⌊step⌋ + 1]|`, `α = step mod 1`,
/// and its phase the accumulated phase `φ`, which starts at `∠D[0]` and
/// advances by `ω_k + Δ` with `ω_k = hop · 2πk / n_fft` (the expected advance
/// of bin `k`) and `Δ` the measured deviation `∠D[⌊step⌋+1] - ∠D[⌊step⌋] -
/// ω_k` wrapped to `[-π, π]` (ties to even, as `numpy.round`). Frames past
/// the end read zeros.
///
/// Each operation is librosa's, in its precision: for `f32` spectra the
/// angles, magnitudes, `cos`/`sin` and the accumulated phase are `f32`,
/// the interpolation and the phase arithmetic `f64`, so the output is
/// librosa's to float rounding. Angles and magnitudes of the input are
/// computed once per input frame (librosa recomputes them per output frame;
/// the values are the same).
///
/// Reference: J. L. Flanagan and R. M. Golden, "Phase vocoder", Bell System
/// Technical Journal 45(9), 1966; D. P. W. Ellis, "A phase vocoder in
/// Matlab", 2002.
///
/// ```
/// use audio_dsp::effects::PhaseVocoder;
/// use audio_dsp::{Stft, StftConfig, Transform};
///
/// let y: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin()).collect();
/// let d = Stft::<f32>::new(StftConfig::default())?.process(&y)?;
/// let fast = PhaseVocoder::new(2048, None)?.process(d.view(), 2.0)?;
/// assert_eq!(fast.dim(), (1025, d.ncols().div_ceil(2)));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
#[derive(Clone)]
pub struct PhaseVocoder {
    n_fft: usize,
    hop_length: usize,
    phi_advance: Vec<f64>,
    kernels: Kernels,
}

impl std::fmt::Debug for PhaseVocoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhaseVocoder")
            .field("n_fft", &self.n_fft)
            .field("hop_length", &self.hop_length)
            .finish_non_exhaustive()
    }
}

impl PhaseVocoder {
    /// Plans a vocoder for spectra of `n_fft / 2 + 1` bins computed with
    /// hop `hop_length` (default `n_fft / 4`, librosa's).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for `n_fft < 2` or a zero hop.
    pub fn new(n_fft: usize, hop_length: Option<usize>) -> Result<Self> {
        if n_fft < 2 {
            return Err(Error::InvalidParameter {
                name: "n_fft",
                value: n_fft.to_string(),
                expected: "at least 2",
            });
        }
        let hop_length = hop_length.unwrap_or(n_fft / 4);
        if hop_length == 0 {
            return Err(Error::InvalidParameter {
                name: "hop_length",
                value: "0".into(),
                expected: "a positive hop length",
            });
        }
        // hop * numpy.fft.rfftfreq(n_fft, d=1 / (2π)), in numpy's order.
        let d = 1.0 / (2.0 * std::f64::consts::PI);
        let val = 1.0 / (n_fft as f64 * d);
        let phi_advance = (0..=n_fft / 2)
            .map(|k| hop_length as f64 * (k as f64 * val))
            .collect();
        Ok(Self {
            n_fft,
            hop_length,
            phi_advance,
            kernels: Kernels::detect(),
        })
    }

    /// The number of bins of the spectra it takes, `n_fft / 2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// The hop length.
    pub fn hop_length(&self) -> usize {
        self.hop_length
    }

    /// The number of output frames for `frames` input frames at `rate`:
    /// `len(numpy.arange(0, frames, rate))`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] unless `rate` is finite and positive.
    pub fn output_frames(&self, frames: usize, rate: f64) -> Result<usize> {
        check_rate(rate)?;
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "a finite, non-negative frame count"
        )]
        Ok((frames as f64 / rate).ceil() as usize)
    }

    /// Time-scales `d` (`(n_fft / 2 + 1, frames)`) by `rate` (> 1 faster,
    /// < 1 slower).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a rate that is not finite and
    /// positive; [`Error::ShapeMismatch`] for a spectrum of another bin count;
    /// [`Error::InputTooShort`] for one without frames.
    ///
    /// # Shapes
    ///
    /// `(bins, frames)` → `(bins, ⌈frames / rate⌉)`.
    pub fn process<T: Float>(
        &self,
        d: ArrayView2<'_, Complex<T>>,
        rate: f64,
    ) -> Result<Array2<Complex<T>>> {
        let (bins, frames) = d.dim();
        if bins != self.n_bins() {
            return Err(Error::ShapeMismatch {
                what: "phase vocoder input",
                expected: vec![self.n_bins(), 0],
                got: vec![bins, frames],
            });
        }
        if frames == 0 {
            return Err(Error::InputTooShort {
                what: "phase vocoder input (frames)",
                expected: 1,
                got: 0,
            });
        }
        let mut out = Array2::<Complex<T>>::zeros((bins, self.output_frames(frames, rate)?).f());
        let mut stream = VocoderStream::new(self, rate, frames)?;
        let mut emit = |t: usize, column: &[Complex<T>]| {
            // Frame-major (Fortran order): each output frame is contiguous.
            let mut dst = out.column_mut(t);
            dst.iter_mut().zip(column).for_each(|(d, s)| *d = *s);
            Ok(())
        };
        for column in d.columns() {
            match column.as_slice() {
                Some(c) => stream.push(Some(c), &mut emit)?,
                None => stream.push(Some(&column.to_vec()), &mut emit)?,
            }
        }
        stream.finish(&mut emit)?;
        Ok(out)
    }
}

/// One input frame as the vocoder reads it: angles (rounded to `T`, as
/// librosa's `angle` of a `T` spectrum) and magnitudes (`T`-rounded, held in
/// f64 for the interpolation).
struct Analysis<T> {
    angle: Vec<T>,
    mag: Vec<f64>,
}

/// The phase vocoder run one input frame at a time, so that the effects
/// need not store either spectrogram: [`VocoderStream::push`] takes input
/// frame `c` and hands out every output frame that reads frames `c - 1` and
/// `c`; [`VocoderStream::finish`] adds librosa's zero frame past the end
/// and hands out the rest. Memory is a few frames, whatever the length.
pub(crate) struct VocoderStream<'a, T: Float> {
    vocoder: &'a PhaseVocoder,
    rate: f64,
    out_frames: usize,
    pushed: usize,
    emitted: usize,
    prev: Analysis<T>,
    cur: Analysis<T>,
    phase_acc: Vec<T>,
    increment: Vec<f64>,
    re: Vec<f64>,
    im: Vec<f64>,
    ang: Vec<f64>,
    phase: Vec<f64>,
    cos: Vec<f64>,
    sin: Vec<f64>,
    column: Vec<Complex<T>>,
}

/// `x` rounded to the nearest integer, ties to even (`numpy.round`), as
/// `f64::round_ties_even` but branch-free: adding and removing `2^52` rounds
/// in the FPU's default mode, exact for `|x| < 2^52`; larger values are
/// integers already. Inlines and vectorises where the std call (`rint`,
/// without SSE4.1) does not.
#[inline(always)]
fn round_ties_even(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let ax = x.abs();
    if ax < TWO_52 {
        ((ax + TWO_52) - TWO_52).copysign(x)
    } else {
        x
    }
}

impl<'a, T: Float> VocoderStream<'a, T> {
    /// A run of `vocoder` at `rate` over `frames` input frames.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] for a rate that is not finite and positive.
    pub(crate) fn new(vocoder: &'a PhaseVocoder, rate: f64, frames: usize) -> Result<Self> {
        let out_frames = vocoder.output_frames(frames, rate)?;
        let bins = vocoder.n_bins();
        let analysis = || Analysis {
            angle: vec![T::zero(); bins],
            mag: vec![0.0; bins],
        };
        Ok(Self {
            vocoder,
            rate,
            out_frames,
            pushed: 0,
            emitted: 0,
            prev: analysis(),
            cur: analysis(),
            phase_acc: vec![T::zero(); bins],
            increment: vec![0.0; bins],
            re: vec![0.0; bins],
            im: vec![0.0; bins],
            ang: vec![0.0; bins],
            phase: vec![0.0; bins],
            cos: vec![0.0; bins],
            sin: vec![0.0; bins],
            column: vec![Complex::new(T::zero(), T::zero()); bins],
        })
    }

    /// The number of output frames the run hands out in all.
    pub(crate) fn output_frames(&self) -> usize {
        self.out_frames
    }

    /// Takes the next input frame (`None`: a zero frame) and calls
    /// `emit(t, column)` for each output frame `t` it completes.
    ///
    /// # Errors
    ///
    /// [`Error::ShapeMismatch`] for a frame of another bin count; what
    /// `emit` returns.
    pub(crate) fn push(
        &mut self,
        frame: Option<&[Complex<T>]>,
        emit: &mut impl FnMut(usize, &[Complex<T>]) -> Result<()>,
    ) -> Result<()> {
        let bins = self.vocoder.n_bins();
        std::mem::swap(&mut self.prev, &mut self.cur);
        let wide = |v: T| v.to_f64().unwrap_or(0.0);
        let cast = |v: f64| T::from(v).unwrap_or_else(T::zero);
        match frame {
            Some(frame) => {
                if frame.len() != bins {
                    return Err(Error::ShapeMismatch {
                        what: "phase vocoder frame",
                        expected: vec![bins],
                        got: vec![frame.len()],
                    });
                }
                for ((r, i), z) in self.re.iter_mut().zip(self.im.iter_mut()).zip(frame) {
                    *r = wide(z.re);
                    *i = wide(z.im);
                }
                (self.vocoder.kernels.atan2)(&self.im, &self.re, &mut self.ang);
                // `|z|` is glibc's `hypotf`: the sum of squares in f64, rounded once.
                let parts = self.re.iter().zip(&self.im).zip(&self.ang);
                let dst = self.cur.angle.iter_mut().zip(self.cur.mag.iter_mut());
                for ((angle, mag), ((&r, &i), &g)) in dst.zip(parts) {
                    *angle = cast(g);
                    *mag = wide(cast((r * r + i * i).sqrt()));
                }
            }
            None => {
                self.cur.angle.fill(T::zero());
                self.cur.mag.fill(0.0);
            }
        }
        if self.pushed == 0 {
            self.phase_acc.copy_from_slice(&self.cur.angle);
        }
        self.pushed += 1;
        if self.pushed < 2 {
            return Ok(());
        }
        // Output frames that read input frames c - 1 and c.
        let c = self.pushed - 1;
        let two_pi = 2.0 * std::f64::consts::PI;
        let mut increment_ready = false;
        while self.emitted < self.out_frames {
            let step = self.emitted as f64 * self.rate;
            #[allow(
                clippy::cast_possible_truncation,
                clippy::cast_sign_loss,
                reason = "0 <= step < frames"
            )]
            let c0 = step as usize;
            if c0 + 1 > c {
                break;
            }
            let alpha = step % 1.0;
            if !increment_ready {
                // The wrapped phase increment `ω_k + Δ` of frame c - 1,
                // computed once however many output frames read it.
                let angles = self.prev.angle.iter().zip(&self.cur.angle);
                let advances = self.vocoder.phi_advance.iter();
                for ((inc, (&a0, &a1)), &advance) in
                    self.increment.iter_mut().zip(angles).zip(advances)
                {
                    let mut dphase = wide(a1 - a0) - advance;
                    dphase -= two_pi * round_ties_even(dphase / two_pi);
                    *inc = advance + dphase;
                }
                increment_ready = true;
            }
            for (w, p) in self.phase.iter_mut().zip(&self.phase_acc) {
                *w = wide(*p);
            }
            (self.vocoder.kernels.cos_sin)(&self.phase, &mut self.cos, &mut self.sin);
            let mags = self.prev.mag.iter().zip(&self.cur.mag);
            let trig = self.cos.iter().zip(&self.sin);
            for ((z, (&m0, &m1)), (&c, &s)) in self.column.iter_mut().zip(mags).zip(trig) {
                let m = (1.0 - alpha) * m0 + alpha * m1;
                *z = Complex::new(cast(c * m), cast(s * m));
            }
            for (p, &inc) in self.phase_acc.iter_mut().zip(&self.increment) {
                *p = cast(wide(*p) + inc);
            }
            emit(self.emitted, &self.column)?;
            self.emitted += 1;
        }
        Ok(())
    }

    /// Adds librosa's zero frame past the last input frame and hands out
    /// the remaining output frames.
    ///
    /// # Errors
    ///
    /// What `emit` returns.
    pub(crate) fn finish(
        &mut self,
        emit: &mut impl FnMut(usize, &[Complex<T>]) -> Result<()>,
    ) -> Result<()> {
        self.push(None, emit)
    }
}

/// `atan2(y, x)` of each pair, in f64, to within a few 1e-16 rad, so that
/// rounding to float32 gives the correctly rounded `atan2f` but for rare
/// ties (glibc's `atan2f` is several times slower; numpy's float32
/// `arctan2` is a SIMD kernel of its own, within a few ulp). Branch-free so
/// that it vectorises: `t = min/max ∈ [0, 1]`, reduced to `|u| ≤ tan(π/8)`
/// by `u = (t - 1)/(t + 1)` (adding π/4), the odd Taylor series of `atan u`
/// to degree 39 (truncation below 1e-17), then the octant. Zeros,
/// infinities and NaN are redone by `f64::atan2` for IEEE's signed cases.
/// The polynomial runs by Estrin's scheme, so lanes do not wait on a
/// 19-step chain.
#[inline(always)]
fn atan2_body(y: &[f64], x: &[f64], out: &mut [f64]) {
    use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};
    const TAN_PI_8: f64 = 0.414_213_562_373_095_03;
    const COEF: [f64; 20] = [
        1.0,
        -1.0 / 3.0,
        1.0 / 5.0,
        -1.0 / 7.0,
        1.0 / 9.0,
        -1.0 / 11.0,
        1.0 / 13.0,
        -1.0 / 15.0,
        1.0 / 17.0,
        -1.0 / 19.0,
        1.0 / 21.0,
        -1.0 / 23.0,
        1.0 / 25.0,
        -1.0 / 27.0,
        1.0 / 29.0,
        -1.0 / 31.0,
        1.0 / 33.0,
        -1.0 / 35.0,
        1.0 / 37.0,
        -1.0 / 39.0,
    ];
    for ((o, &yv), &xv) in out.iter_mut().zip(y).zip(x) {
        let (ax, ay) = (xv.abs(), yv.abs());
        let swap = ay > ax;
        let t = ax.min(ay) / ax.max(ay);
        let big = t > TAN_PI_8;
        let u = if big { (t - 1.0) / (t + 1.0) } else { t };
        let base = if big { FRAC_PI_4 } else { 0.0 };
        // Estrin's scheme (a dependency chain of 6, not Horner's 19).
        let z = u * u;
        let z2 = z * z;
        let z4 = z2 * z2;
        let z8 = z4 * z4;
        let z16 = z8 * z8;
        let q: [f64; 10] = std::array::from_fn(|i| COEF[2 * i] + z * COEF[2 * i + 1]);
        let r: [f64; 5] = std::array::from_fn(|i| q[2 * i] + z2 * q[2 * i + 1]);
        let s0 = r[0] + z4 * r[1];
        let s1 = r[2] + z4 * r[3];
        let p = (s0 + z8 * s1) + z16 * r[4];
        let mut a = base + u * p;
        a = if swap { FRAC_PI_2 - a } else { a };
        a = if xv < 0.0 { PI - a } else { a };
        *o = if yv < 0.0 { -a } else { a };
    }
    for ((o, &yv), &xv) in out.iter_mut().zip(y).zip(x) {
        if !(xv.abs() > 0.0 && yv.abs() > 0.0 && xv.is_finite() && yv.is_finite()) {
            *o = yv.atan2(xv);
        }
    }
}

/// `(cos x, sin x)` of each phase (float32 values, exact in f64), to within
/// a few 1e-17, below the float32 rounding that follows, so the values are
/// the correctly rounded `cosf` / `sinf` but for rare last-bit ties.
/// Branch-free so that it vectorises: the argument is reduced by a
/// three-part π/2 (Cody-Waite; exact for the phases a vocoder accumulates,
/// |x| < 2^30), then fdlibm's `__kernel_sin` / `__kernel_cos` polynomials
/// on [-π/4, π/4] and the quadrant.
#[inline(always)]
fn cos_sin_body(x: &[f64], cos: &mut [f64], sin: &mut [f64]) {
    const FRAC_2_PI: f64 = std::f64::consts::FRAC_2_PI;
    const PIO2_1: f64 = 1.570_796_326_734_125_6; // first 33 bits of π/2
    const PIO2_2: f64 = 6.077_100_506_303_966e-11; // next 33 bits
    const PIO2_3: f64 = 2.022_266_248_795_950_6e-21; // the rest
    const S: [f64; 6] = [
        -1.666_666_666_666_663_2e-1,
        8.333_333_333_322_49e-3,
        -1.984_126_982_985_795e-4,
        2.755_731_370_707_006_8e-6,
        -2.505_076_025_340_686_3e-8,
        1.589_690_995_211_55e-10,
    ];
    const C: [f64; 6] = [
        4.166_666_666_666_66e-2,
        -1.388_888_888_887_411e-3,
        2.480_158_728_947_673e-5,
        -2.755_731_435_139_066_3e-7,
        2.087_572_321_298_175e-9,
        -1.135_964_755_778_819_5e-11,
    ];
    for ((&xv, c_out), s_out) in x.iter().zip(cos.iter_mut()).zip(sin.iter_mut()) {
        let q = (xv * FRAC_2_PI).round();
        let r = ((xv - q * PIO2_1) - q * PIO2_2) - q * PIO2_3;
        let z = r * r;
        let ps = S[0] + z * (S[1] + z * (S[2] + z * (S[3] + z * (S[4] + z * S[5]))));
        let s = r + r * z * ps;
        let pc = C[0] + z * (C[1] + z * (C[2] + z * (C[3] + z * (C[4] + z * C[5]))));
        let c = (1.0 - 0.5 * z) + z * z * pc;
        // The quadrant, q mod 4, from the float (exact: |q| < 2^31).
        let quadrant = q - 4.0 * (q * 0.25).floor();
        let odd = quadrant == 1.0 || quadrant == 3.0;
        let (cv, sv) = if odd { (s, c) } else { (c, s) };
        *c_out = if quadrant == 1.0 || quadrant == 2.0 {
            -cv
        } else {
            cv
        };
        *s_out = if quadrant >= 2.0 { -sv } else { sv };
    }
}

/// The phase vocoder's two kernels, compiled for the baseline target and,
/// on x86-64, again for AVX2 (4 lanes instead of 2; the same operations, no
/// FMA contraction, so bit-identical results, tested below); chosen once by
/// [`PhaseVocoder::new`].
#[derive(Clone, Copy)]
struct Kernels {
    atan2: fn(&[f64], &[f64], &mut [f64]),
    cos_sin: fn(&[f64], &mut [f64], &mut [f64]),
}

impl Kernels {
    fn scalar() -> Self {
        Self {
            atan2: |y, x, o| atan2_body(y, x, o),
            cos_sin: |x, c, s| cos_sin_body(x, c, s),
        }
    }

    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if crate::kernels::simd::avx2_available() {
                return Self {
                    atan2: atan2_avx2_checked,
                    cos_sin: cos_sin_avx2_checked,
                };
            }
        }
        Self::scalar()
    }
}

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn atan2_avx2(y: &[f64], x: &[f64], out: &mut [f64]) {
    atan2_body(y, x, out);
}

/// # Safety
///
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn cos_sin_avx2(x: &[f64], cos: &mut [f64], sin: &mut [f64]) {
    cos_sin_body(x, cos, sin);
}

#[cfg(target_arch = "x86_64")]
fn atan2_avx2_checked(y: &[f64], x: &[f64], out: &mut [f64]) {
    // SAFETY: `Kernels::detect` hands this out only when `avx2_available()`.
    unsafe { atan2_avx2(y, x, out) }
}

#[cfg(target_arch = "x86_64")]
fn cos_sin_avx2_checked(x: &[f64], cos: &mut [f64], sin: &mut [f64]) {
    // SAFETY: `Kernels::detect` hands this out only when `avx2_available()`.
    unsafe { cos_sin_avx2(x, cos, sin) }
}

pub(crate) fn check_rate(rate: f64) -> Result<()> {
    if rate.is_finite() && rate > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "rate",
            value: rate.to_string(),
            expected: "a finite rate > 0",
        })
    }
}

/// `librosa.phase_vocoder(D, rate=rate, hop_length=hop_length,
/// n_fft=n_fft)`: [`PhaseVocoder`] planned for this call (`n_fft` defaults
/// to `2 (bins - 1)`, the hop to `n_fft / 4`).
///
/// ```
/// use audio_dsp::effects::phase_vocoder;
/// use ndarray::Array2;
/// use num_complex::Complex;
///
/// let d = Array2::from_elem((513, 10), Complex::new(1.0_f64, 0.0));
/// let slow = phase_vocoder(d.view(), 0.5, None, None)?;
/// assert_eq!(slow.dim(), (513, 20));
/// # Ok::<(), audio_dsp::Error>(())
/// ```
///
/// # Errors
///
/// As [`PhaseVocoder::new`] and [`PhaseVocoder::process`].
///
/// # Shapes
///
/// `(bins, frames)` → `(bins, ⌈frames / rate⌉)`.
pub fn phase_vocoder<T: Float>(
    d: ArrayView2<'_, Complex<T>>,
    rate: f64,
    hop_length: Option<usize>,
    n_fft: Option<usize>,
) -> Result<Array2<Complex<T>>> {
    let n_fft = n_fft.unwrap_or(2 * d.nrows().saturating_sub(1));
    PhaseVocoder::new(n_fft, hop_length)?.process(d, rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AVX2 copies give the scalar kernels' results bit for bit, and the
    /// kernels are within 1e-15 of std's `atan2` / `cos` / `sin`.
    #[test]
    fn kernels_agree_with_scalar_and_std() {
        let n = 4099;
        let y: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 0.37).sin() * 10f64.powi(i as i32 % 7 - 3))
            .collect();
        let x: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 0.91).cos() * 10f64.powi(i as i32 % 5 - 2))
            .collect();
        let mut y = y;
        y[0] = 0.0;
        y[1] = -0.0;
        let mut x = x;
        x[2] = 0.0;
        x[3] = f64::INFINITY;
        let phase: Vec<f64> = (0..n)
            .map(|i| ((i as f64) * 1234.567 - 2e6) as f32 as f64)
            .collect();
        let (scalar, best) = (Kernels::scalar(), Kernels::detect());
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        (scalar.atan2)(&y, &x, &mut a);
        (best.atan2)(&y, &x, &mut b);
        for i in 0..n {
            assert_eq!(a[i].to_bits(), b[i].to_bits(), "atan2 {i}");
            let want = y[i].atan2(x[i]);
            assert!(
                (a[i] - want).abs() <= 1e-15,
                "atan2({}, {}): {} vs {want}",
                y[i],
                x[i],
                a[i]
            );
        }
        let (mut c1, mut s1, mut c2, mut s2) =
            (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        (scalar.cos_sin)(&phase, &mut c1, &mut s1);
        (best.cos_sin)(&phase, &mut c2, &mut s2);
        for i in 0..n {
            assert_eq!(
                (c1[i].to_bits(), s1[i].to_bits()),
                (c2[i].to_bits(), s2[i].to_bits())
            );
            assert!(
                (c1[i] - phase[i].cos()).abs() < 1e-15 && (s1[i] - phase[i].sin()).abs() < 1e-15,
                "{}",
                phase[i]
            );
        }
    }
}
